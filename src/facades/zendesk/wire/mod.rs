//! The classic Zendesk XML: the group and user elements the gateway writes (spec B2, B3), the
//! bodies it reads (B4), and its error documents (B5). With `json.rs`, the same in JSON: the only
//! place the vendor's element and field names appear. XML is built as an [`XmlValue`] tree and
//! written by the typed writer; JSON bodies are read into the same tree, so one mapping judges
//! both.
//!
//! Element order is alphabetical, attributes first and nested collections last, as Rails 2's
//! `to_xml` wrote the docs' examples (`created-at`, `id`, `is-active`, `name`, `updated-at`).

use time::OffsetDateTime;

use super::format::Format;
use super::xml::{Element, XmlDocument, XmlValue};

mod json;

pub use json::{error_json, errors_json};

/// A group as the gateway shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupOut<'a> {
    pub created_at: OffsetDateTime,
    pub id: u64,
    pub is_active: bool,
    pub name: &'a str,
    pub updated_at: OffsetDateTime,
    /// The agents, nested as `<users>` in a single group (spec B2's early docs); `None` in lists
    /// and where the group is itself nested in a user.
    pub users: Option<Vec<UserOut<'a>>>,
}

/// A user as the gateway shows it (spec B3, the fields the model holds).
#[derive(Debug, Clone, PartialEq)]
pub struct UserOut<'a> {
    pub created_at: OffsetDateTime,
    pub email: &'a str,
    pub id: u64,
    pub is_active: bool,
    pub name: &'a str,
    /// 0 end user, 2 administrator, 4 agent (spec B3).
    pub roles: u8,
    pub time_zone: Option<&'a str>,
    pub updated_at: OffsetDateTime,
    /// The groups the user is a member of; `None` where the user is nested in a group.
    pub groups: Option<Vec<GroupOut<'a>>>,
}

fn integer(n: u64) -> XmlValue {
    // Ids come from counters that start at 1; one past i64::MAX is not a count a store reaches.
    XmlValue::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

impl GroupOut<'_> {
    pub fn to_value(&self) -> XmlValue {
        let mut fields = vec![
            Element::new("created-at", XmlValue::DateTime(self.created_at)),
            Element::new("id", integer(self.id)),
            Element::new("is-active", XmlValue::Boolean(self.is_active)),
            Element::new("name", XmlValue::text(self.name)),
            Element::new("updated-at", XmlValue::DateTime(self.updated_at)),
        ];
        if let Some(users) = &self.users {
            fields.push(Element::new(
                "users",
                XmlValue::array("user", users.iter().map(UserOut::to_value)),
            ));
        }
        XmlValue::Record(fields)
    }
}

impl UserOut<'_> {
    pub fn to_value(&self) -> XmlValue {
        let mut fields = vec![
            Element::new("created-at", XmlValue::DateTime(self.created_at)),
            Element::new("email", XmlValue::text(self.email)),
            Element::new("id", integer(self.id)),
            Element::new("is-active", XmlValue::Boolean(self.is_active)),
            Element::new("name", XmlValue::text(self.name)),
            Element::new("roles", XmlValue::Integer(i64::from(self.roles))),
            Element::new(
                "time-zone",
                self.time_zone.map_or(XmlValue::Nil(None), XmlValue::text),
            ),
            Element::new("updated-at", XmlValue::DateTime(self.updated_at)),
        ];
        if let Some(groups) = &self.groups {
            fields.push(Element::new(
                "groups",
                XmlValue::array("group", groups.iter().map(GroupOut::to_value)),
            ));
        }
        XmlValue::Record(fields)
    }
}

/// `<group>…</group>`.
pub fn group_document(group: &GroupOut<'_>) -> XmlDocument {
    XmlDocument::new("group", group.to_value())
}

/// `<groups type="array" count="N">` (spec B1, the 2009+ docs). `count` is the number listed.
pub fn groups_document(groups: &[GroupOut<'_>]) -> XmlDocument {
    XmlDocument::new(
        "groups",
        XmlValue::array("group", groups.iter().map(GroupOut::to_value))
            .with_count(groups.len() as u64),
    )
}

/// `<user>…</user>`.
pub fn user_document(user: &UserOut<'_>) -> XmlDocument {
    XmlDocument::new("user", user.to_value())
}

/// `<users type="array" count="N">` for one page; `total` is every match across the pages.
pub fn users_document(users: &[UserOut<'_>], total: usize) -> XmlDocument {
    XmlDocument::new(
        "users",
        XmlValue::array("user", users.iter().map(UserOut::to_value)).with_count(total as u64),
    )
}

/// A successful answer's body, in either format.
#[derive(Debug, Clone, PartialEq)]
pub enum Document<'a> {
    Group(GroupOut<'a>),
    Groups(Vec<GroupOut<'a>>),
    User(UserOut<'a>),
    /// One page, and the number of users matching across the pages (XML's `count`).
    Users {
        page: Vec<UserOut<'a>>,
        total: usize,
    },
}

impl Document<'_> {
    /// The body in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Xml => self.xml().to_xml(),
            Format::Json => self.json(),
        }
    }

    fn xml(&self) -> XmlDocument {
        match self {
            Document::Group(group) => group_document(group),
            Document::Groups(groups) => groups_document(groups),
            Document::User(user) => user_document(user),
            Document::Users { page, total } => users_document(page, *total),
        }
    }
}

/// `<error>message</error>`: the one-line error of spec B5.
pub fn error_document(message: &str) -> XmlDocument {
    XmlDocument::new("error", XmlValue::text(message))
}

/// `<errors><error>…</error>…</errors>`: Rails' `errors.to_xml`, one element per full message
/// (spec B5).
pub fn errors_document(messages: &[String]) -> XmlDocument {
    XmlDocument::new(
        "errors",
        XmlValue::Record(
            messages
                .iter()
                .map(|m| Element::new("error", XmlValue::text(m.as_str())))
                .collect(),
        ),
    )
}

/// A group body (spec B4), its fields as read and not yet judged. `None` = absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupBody {
    pub name: Option<XmlValue>,
    /// `<agents type="array"><agent>43</agent></agents>`.
    pub agents: Option<XmlValue>,
}

/// A user body (spec B3's create example and the fields an update may change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserBody {
    pub name: Option<XmlValue>,
    pub email: Option<XmlValue>,
    pub roles: Option<XmlValue>,
    pub time_zone: Option<XmlValue>,
    pub password: Option<XmlValue>,
}

/// A well-formed XML body that is not the record the route reads. Its status and text are in
/// the error table (`error.rs`, which converts it with `From`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A body whose root element is not the resource of the URL (`<user>` to `/groups.xml`).
    WrongRoot {
        expected: &'static str,
        found: String,
    },
    /// The root element holds text or an array instead of fields.
    NotARecord { root: &'static str },
    /// A JSON body that is not an object, or whose `"group"` (`"user"`) is not one.
    JsonRoot { root: &'static str },
}

impl GroupBody {
    /// Reads `<group>`. Everything else in it is ignored: pyactiveresource sends back whatever it
    /// read (`id` (spec B4 rule 5), `is-active`, the timestamps, the nested `users`).
    pub fn from_document(doc: XmlDocument) -> Result<Self, DecodeError> {
        Ok(Self::from_fields(&fields_of(doc, "group")?))
    }

    fn from_fields(fields: &[Element]) -> Self {
        Self {
            name: field(fields, "name"),
            agents: field(fields, "agents"),
        }
    }
}

impl UserBody {
    /// Reads `<user>`; other elements (`restriction-id`, `groups`, …) are ignored.
    pub fn from_document(doc: XmlDocument) -> Result<Self, DecodeError> {
        Ok(Self::from_fields(&fields_of(doc, "user")?))
    }

    fn from_fields(fields: &[Element]) -> Self {
        Self {
            name: field(fields, "name"),
            email: field(fields, "email"),
            roles: field(fields, "roles"),
            time_zone: field(fields, "time-zone"),
            password: field(fields, "password"),
        }
    }
}

/// The fields of a document whose root must be `root`.
fn fields_of(doc: XmlDocument, root: &'static str) -> Result<Vec<Element>, DecodeError> {
    if doc.root != root {
        return Err(DecodeError::WrongRoot {
            expected: root,
            found: doc.root,
        });
    }
    match doc.value {
        XmlValue::Record(fields) => Ok(fields),
        // `<group/>`, and `<group>\n</group>` (Rails' own `{}.to_xml`), hold no fields.
        XmlValue::Nil(_) => Ok(Vec::new()),
        XmlValue::Text(text) if text.trim().is_empty() => Ok(Vec::new()),
        _ => Err(DecodeError::NotARecord { root }),
    }
}

/// The field with this name, dasherized as Rails writes it or underscored as a client that turned
/// `dasherize` off writes it. A field given more than once has no one reading (Rails'
/// `Hash.from_xml` makes a list of the copies, `{"name"=>["A","B"]}`, and other readers keep the
/// first or the last), so the copies come back as nested elements, which every field refuses as
/// invalid (docs/decisions.md, "Duplicate JSON keys").
fn field(fields: &[Element], name: &str) -> Option<XmlValue> {
    let underscored = name.replace('-', "_");
    let copies: Vec<&Element> = fields
        .iter()
        .filter(|f| f.name == name || f.name == underscored)
        .collect();
    match copies.as_slice() {
        [] => None,
        [only] => Some(only.value.clone()),
        _ => Some(XmlValue::Record(copies.into_iter().cloned().collect())),
    }
}

/// What a scalar field holds, for the mapping to judge.
pub enum Scalar<'a> {
    /// `<x/>`, `<x></x>` or `nil="true"` (spec B4 rule 6).
    Nil,
    Text(&'a str),
    Integer(i64),
    /// A boolean, a datetime, an array or nested elements where text was expected.
    Other,
}

impl<'a> Scalar<'a> {
    pub fn of(value: &'a XmlValue) -> Self {
        match value {
            XmlValue::Nil(_) => Scalar::Nil,
            XmlValue::Text(text) => Scalar::Text(text),
            XmlValue::Integer(n) => Scalar::Integer(*n),
            XmlValue::Boolean(_)
            | XmlValue::DateTime(_)
            | XmlValue::Array { .. }
            | XmlValue::Record(_) => Scalar::Other,
        }
    }
}

/// The items of an `<agents>` element, as written: `Some(items)` for the forms spec B4 lists, `None`
/// for anything else.
///
/// - `<agents type="array">…</agents>`: the items, whatever their element names;
/// - `<agents/>`, `<agents></agents>`: none (rule 2: empty means clear);
/// - `<agents>43, 67</agents>`: the earliest docs' comma list (rule 4);
/// - `<agents><agent>43</agent></agents>` without `type`: the `agent` children.
pub fn agent_items(value: &XmlValue) -> Option<Vec<AgentItem<'_>>> {
    match value {
        XmlValue::Array { items, .. } => Some(items.iter().map(|i| item(&i.value)).collect()),
        XmlValue::Nil(_) => Some(Vec::new()),
        XmlValue::Text(text) => Some(
            text.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(AgentItem::Text)
                .collect(),
        ),
        XmlValue::Record(fields) if fields.iter().all(|f| f.name == "agent") => {
            Some(fields.iter().map(|f| item(&f.value)).collect())
        }
        XmlValue::Record(_) | XmlValue::Integer(_) | XmlValue::Boolean(_) => None,
        XmlValue::DateTime(_) => None,
    }
}

/// One agent reference as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentItem<'a> {
    /// `<agent type="integer">43</agent>` (pyactiveresource, spec B4 rule 3).
    Integer(i64),
    /// `<agent>43</agent>` (the docs).
    Text(&'a str),
    /// Anything else (`<agent/>`, nested elements, a boolean).
    Other,
}

fn item(value: &XmlValue) -> AgentItem<'_> {
    match value {
        XmlValue::Integer(n) => AgentItem::Integer(*n),
        XmlValue::Text(text) => AgentItem::Text(text.trim()),
        XmlValue::Nil(_)
        | XmlValue::Boolean(_)
        | XmlValue::DateTime(_)
        | XmlValue::Array { .. }
        | XmlValue::Record(_) => AgentItem::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facades::zendesk::xml::Limits;

    fn doc(xml: &str) -> XmlDocument {
        XmlDocument::parse(xml.as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn a_group_body_reads_name_and_agents_and_ignores_the_rest() {
        let body = GroupBody::from_document(doc(
            r#"<group><name>Hardware</name><agents type="array"><agent type="integer">43</agent></agents><id type="integer">77</id><is-active type="boolean">false</is-active></group>"#,
        ))
        .unwrap();

        assert_eq!(body.name, Some(XmlValue::text("Hardware")));
        assert_eq!(
            body.agents.as_ref().and_then(agent_items),
            Some(vec![AgentItem::Integer(43)])
        );
    }

    #[test]
    fn every_documented_form_of_agents_is_read() {
        for (xml, items) in [
            ("<agents type='array'></agents>", vec![]),
            ("<agents/>", vec![]),
            (
                "<agents type='array'><agent>43</agent><agent> 67 </agent></agents>",
                vec![AgentItem::Text("43"), AgentItem::Text("67")],
            ),
            (
                "<agents>43, 67</agents>",
                vec![AgentItem::Text("43"), AgentItem::Text("67")],
            ),
            (
                "<agents><agent>43</agent></agents>",
                vec![AgentItem::Text("43")],
            ),
            (
                "<agents type='array'><agent/></agents>",
                vec![AgentItem::Other],
            ),
        ] {
            assert_eq!(agent_items(&doc(xml).value), Some(items), "{xml}");
        }
        assert_eq!(agent_items(&doc("<agents><x>1</x></agents>").value), None);
    }

    #[test]
    fn the_wrong_root_or_a_root_without_fields_is_refused() {
        assert_eq!(
            GroupBody::from_document(doc("<user><name>x</name></user>")),
            Err(DecodeError::WrongRoot {
                expected: "group",
                found: "user".into()
            })
        );
        assert_eq!(
            UserBody::from_document(doc("<user>text</user>")),
            Err(DecodeError::NotARecord { root: "user" })
        );
        assert_eq!(
            GroupBody::from_document(doc("<group/>")),
            Ok(GroupBody::default())
        );
    }

    #[test]
    fn a_field_given_twice_is_handed_on_as_nested_elements_so_that_it_is_invalid() {
        let body = GroupBody::from_document(doc(
            "<group><name>A</name><name>B</name><agents/><agents/><id>1</id><id>2</id></group>",
        ))
        .unwrap();

        assert!(matches!(body.name, Some(XmlValue::Record(ref copies)) if copies.len() == 2));
        assert_eq!(body.agents.as_ref().and_then(agent_items), None);
        let user = UserBody::from_document(doc(
            "<user><time-zone>UTC</time-zone><time_zone>CET</time_zone></user>",
        ))
        .unwrap();
        assert!(matches!(user.time_zone, Some(XmlValue::Record(_))));
    }

    #[test]
    fn underscored_names_are_read_like_dasherized_ones() {
        let body = UserBody::from_document(doc("<user><time_zone>Europe/Paris</time_zone></user>"))
            .unwrap();
        assert_eq!(body.time_zone, Some(XmlValue::text("Europe/Paris")));
    }
}

/// Near-valid request bodies for the two resources, read then taken apart by the body readers.
/// Run with `PROPTEST_CASES=N cargo test --lib fuzz_` for a longer run.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;
    use crate::facades::zendesk::xml::Limits;

    /// One field element of a `<group>` or `<user>` body, typed or not, with text, nested agents
    /// or nothing.
    fn field_xml() -> impl Strategy<Value = String> {
        let name = proptest::sample::select(vec![
            "name",
            "email",
            "roles",
            "time-zone",
            "time_zone",
            "password",
            "agents",
            "agent",
            "id",
        ]);
        let attribute = proptest::sample::select(vec![
            "",
            " type=\"integer\"",
            " type=\"array\"",
            " type=\"boolean\"",
            " type=\"datetime\"",
            " nil=\"true\"",
        ]);
        let text = "[a-z0-9 ,.@:+-]{0,12}";
        let agents = proptest::collection::vec(
            (attribute.clone(), "-?[0-9a-z]{0,4}")
                .prop_map(|(a, t)| format!("<agent{a}>{t}</agent>")),
            0..4,
        )
        .prop_map(|items| items.concat());
        let content = prop_oneof![text.prop_map(|t: String| t), agents];
        (name, attribute, content, any::<bool>()).prop_map(|(name, attribute, content, empty)| {
            if empty {
                format!("<{name}{attribute}/>")
            } else {
                format!("<{name}{attribute}>{content}</{name}>")
            }
        })
    }

    fn body() -> impl Strategy<Value = String> {
        let root = proptest::sample::select(vec!["group", "user", "groups", "x"]);
        (root, proptest::collection::vec(field_xml(), 0..6))
            .prop_map(|(root, fields)| format!("<{root}>{}</{root}>", fields.concat()))
    }

    proptest! {
        #[test]
        fn fuzz_xml_bodies_are_read_as_a_group_or_user_or_refused_without_a_panic(text in body()) {
            let Ok(doc) = XmlDocument::parse(text.as_bytes(), &Limits::default()) else {
                return Ok(());
            };
            let root = doc.root.clone();
            if let Ok(group) = GroupBody::from_document(doc.clone()) {
                prop_assert_eq!(root.as_str(), "group");
                if let Some(agents) = &group.agents {
                    let _ = agent_items(agents);
                }
                if let Some(name) = &group.name {
                    let _ = Scalar::of(name);
                }
            }
            if let Ok(user) = UserBody::from_document(doc) {
                prop_assert_eq!(root.as_str(), "user");
                for value in [user.name, user.email, user.roles, user.time_zone, user.password]
                    .into_iter()
                    .flatten()
                {
                    let _ = Scalar::of(&value);
                }
            }
        }
    }
}
