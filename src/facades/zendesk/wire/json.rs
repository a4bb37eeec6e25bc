//! The classic API in JSON (docs/zendesk.md, "Formats"): records as Rails 2.x's `to_json` wrote
//! them for Zendesk, without a root (`{"id":1,"name":"Sales",…}`, lists as bare arrays: the C#
//! client eneifert/ZenDeskApi (2011) read `/users/{id}.json` and `/users` straight into its
//! classes), attribute names underscored, times in Rails' standard JSON format (its `xmlschema`);
//! errors as `{"error": "…"}` and Rails' `{"errors": ["Name can't be blank"]}` (what
//! ActiveResource's `from_json` reads, "3.2.1-style with array of strings").
//!
//! Bodies are read into the XML value tree, so that one mapping (`mapping.rs`) judges both
//! formats: `{"group": {"name": "Hardware", "agents": [43]}}` as Rails' params held it, or the
//! record alone.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{DecodeError, Document, GroupBody, GroupOut, UserBody, UserOut};
use crate::facades::zendesk::xml::{Element, XmlValue, datetime};

impl Serialize for GroupOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("created_at", &datetime(self.created_at))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("is_active", &self.is_active)?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("updated_at", &datetime(self.updated_at))?;
        if let Some(users) = &self.users {
            map.serialize_entry("users", users)?;
        }
        map.end()
    }
}

impl Serialize for UserOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("created_at", &datetime(self.created_at))?;
        map.serialize_entry("email", self.email)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("is_active", &self.is_active)?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("roles", &self.roles)?;
        map.serialize_entry("time_zone", &self.time_zone)?;
        map.serialize_entry("updated_at", &datetime(self.updated_at))?;
        if let Some(groups) = &self.groups {
            map.serialize_entry("groups", groups)?;
        }
        map.end()
    }
}

impl Document<'_> {
    pub(super) fn json(&self) -> String {
        let written = match self {
            Document::Group(group) => serde_json::to_string(group),
            Document::Groups(groups) => serde_json::to_string(groups),
            Document::User(user) => serde_json::to_string(user),
            // A JSON array has no place for XML's `count`; Rails' `to_json` wrote the array alone.
            Document::Users { page, .. } => serde_json::to_string(page),
        };
        written.expect("strings, numbers and booleans always serialize")
    }
}

/// `{"error":"message"}`: the JSON of `<error>message</error>`. Zendesk's 401 is on record in this
/// shape, `{"error":"Couldn't authenticate you"}`.
pub fn error_json(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

/// `{"errors":["Name can't be blank"]}`: Rails' full messages, as ActiveResource's `from_json`
/// reads them.
pub fn errors_json(messages: &[String]) -> String {
    serde_json::json!({ "errors": messages }).to_string()
}

impl GroupBody {
    /// Reads `{"group": {…}}` or the group alone. `agents` may also be written as eventbrite's
    /// README showed it, `[{"agent": 123}]`.
    pub fn from_json(body: serde_json::Value) -> Result<Self, DecodeError> {
        let mut fields = record_fields(body, "group")?;
        for field in &mut fields {
            if (field.name == "agents")
                && let XmlValue::Array { items, .. } = &mut field.value
            {
                for item in items {
                    if let XmlValue::Record(inner) = &item.value
                        && let [only] = inner.as_slice()
                        && only.name == "agent"
                    {
                        item.value = only.value.clone();
                    }
                }
            }
        }
        Ok(Self::from_fields(&fields))
    }
}

impl UserBody {
    /// Reads `{"user": {…}}` or the user alone.
    pub fn from_json(body: serde_json::Value) -> Result<Self, DecodeError> {
        Ok(Self::from_fields(&record_fields(body, "user")?))
    }
}

/// The fields of the record in a JSON body: under `root` (Rails' `params[:group]`), or the object
/// itself when it has no such key (the form these answers are written in, which a client may send
/// back). `{"group": null}` is a record without fields, like `<group/>`.
fn record_fields(body: serde_json::Value, root: &'static str) -> Result<Vec<Element>, DecodeError> {
    let serde_json::Value::Object(mut object) = body else {
        return Err(DecodeError::JsonRoot { root });
    };
    let record = match object.remove(root) {
        None => serde_json::Value::Object(object),
        Some(record) => record,
    };
    match value(record) {
        XmlValue::Record(fields) => Ok(fields),
        XmlValue::Nil(_) => Ok(Vec::new()),
        _ => Err(DecodeError::JsonRoot { root }),
    }
}

/// A JSON value as the XML reader would have given it: `null` is nil, a number that fits is an
/// integer (another is its text), an array's items are unnamed.
fn value(json: serde_json::Value) -> XmlValue {
    use serde_json::Value as J;
    match json {
        J::Null => XmlValue::Nil(None),
        J::Bool(b) => XmlValue::Boolean(b),
        J::Number(n) => n
            .as_i64()
            .map_or_else(|| XmlValue::Text(n.to_string()), XmlValue::Integer),
        J::String(text) => XmlValue::Text(text),
        J::Array(items) => XmlValue::Array {
            count: None,
            items: items
                .into_iter()
                .map(|item| Element::new("item", value(item)))
                .collect(),
        },
        J::Object(fields) => XmlValue::Record(
            fields
                .into_iter()
                .map(|(name, item)| Element::new(name, value(item)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facades::zendesk::wire::{AgentItem, agent_items};
    use time::macros::datetime as at;

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn records_are_written_without_a_root_and_lists_as_bare_arrays() {
        let user = UserOut {
            created_at: at!(2024-01-15 09:05:00 UTC),
            email: "agent@example.com",
            id: 2,
            is_active: true,
            name: "Sam Agent",
            roles: 4,
            time_zone: None,
            updated_at: at!(2024-01-15 09:05:00 UTC),
            groups: None,
        };
        let group = GroupOut {
            created_at: at!(2024-01-15 09:10:00 UTC),
            id: 1,
            is_active: true,
            name: "Sales",
            updated_at: at!(2024-01-15 09:10:00 UTC),
            users: Some(vec![user.clone()]),
        };

        assert_eq!(
            Document::Group(group.clone()).json(),
            r#"{"created_at":"2024-01-15T09:10:00Z","id":1,"is_active":true,"name":"Sales","updated_at":"2024-01-15T09:10:00Z","users":[{"created_at":"2024-01-15T09:05:00Z","email":"agent@example.com","id":2,"is_active":true,"name":"Sam Agent","roles":4,"time_zone":null,"updated_at":"2024-01-15T09:05:00Z"}]}"#
        );
        assert!(
            Document::Groups(vec![group])
                .json()
                .starts_with("[{\"created_at\"")
        );
        assert_eq!(
            Document::Users {
                page: vec![],
                total: 3
            }
            .json(),
            "[]"
        );
    }

    #[test]
    fn a_body_is_read_under_its_root_or_alone() {
        let rooted = GroupBody::from_json(json(
            r#"{"group":{"name":"Hardware","agents":[43,"67",{"agent":2}]}}"#,
        ))
        .unwrap();
        let alone = GroupBody::from_json(json(r#"{"name":"Hardware"}"#)).unwrap();

        assert_eq!(rooted.name, Some(XmlValue::text("Hardware")));
        assert_eq!(
            rooted.agents.as_ref().and_then(agent_items),
            Some(vec![
                AgentItem::Integer(43),
                AgentItem::Text("67"),
                AgentItem::Integer(2)
            ])
        );
        assert_eq!(alone.name, Some(XmlValue::text("Hardware")));
        assert_eq!(
            GroupBody::from_json(json(r#"{"group":null}"#)),
            Ok(GroupBody::default())
        );
        let user = UserBody::from_json(json(r#"{"user":{"time_zone":"UTC","roles":4}}"#)).unwrap();
        assert_eq!(user.time_zone, Some(XmlValue::text("UTC")));
        assert_eq!(user.roles, Some(XmlValue::Integer(4)));
    }

    #[test]
    fn a_body_that_is_no_object_or_whose_root_is_none_is_refused() {
        for text in [
            r#"[]"#,
            r#""Sales""#,
            r#"{"group":"Sales"}"#,
            r#"{"group":[1]}"#,
        ] {
            assert_eq!(
                GroupBody::from_json(json(text)),
                Err(DecodeError::JsonRoot { root: "group" }),
                "{text}"
            );
        }
    }

    #[test]
    fn errors_are_rails_json() {
        assert_eq!(error_json("Not found"), r#"{"error":"Not found"}"#);
        assert_eq!(
            errors_json(&["Name can't be blank".into(), "Email is invalid".into()]),
            r#"{"errors":["Name can't be blank","Email is invalid"]}"#
        );
    }
}

/// Any JSON a client may send, through the body readers and the mapping. Run with
/// `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;
    use crate::facades::zendesk::error::ZendeskError;
    use crate::facades::zendesk::mapping::{GroupCreate, GroupUpdate, UserCreate, UserUpdate};

    /// JSON values near what the resources take: their field names, ids, text, nesting.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as J;
        let key = proptest::sample::select(vec![
            "group",
            "user",
            "name",
            "agents",
            "agent",
            "email",
            "roles",
            "time_zone",
            "password",
            "id",
        ]);
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            any::<u64>().prop_map(J::from),
            (-1e6f64..1e6).prop_map(J::from),
            ".{0,12}".prop_map(J::String),
        ];
        leaf.prop_recursive(4, 32, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
                proptest::collection::vec((key.clone(), inner), 0..4).prop_map(|fields| {
                    J::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    fn judged<T>(result: Result<T, ZendeskError>) -> bool {
        matches!(result, Ok(_) | Err(ZendeskError::Invalid(_)))
    }

    proptest! {
        #[test]
        fn fuzz_zendesk_json_any_body_is_a_record_or_a_typed_refusal(body in json_value()) {
            match GroupBody::from_json(body.clone()) {
                Ok(group) => {
                    prop_assert!(judged(GroupCreate::try_from(group.clone())));
                    prop_assert!(judged(GroupUpdate::try_from(group)));
                }
                Err(e) => prop_assert_eq!(e, DecodeError::JsonRoot { root: "group" }),
            }
            match UserBody::from_json(body) {
                Ok(user) => {
                    prop_assert!(judged(UserCreate::try_from(user.clone())));
                    prop_assert!(judged(UserUpdate::try_from(user)));
                }
                Err(e) => prop_assert_eq!(e, DecodeError::JsonRoot { root: "user" }),
            }
        }
    }
}
