//! The control plane's JSON: what its routes take and what they answer with.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;

use super::error::ControlError;
use crate::model::{State, Timestamp};
use crate::tenants::{Options, Origin, Snapshot, SnapshotName, Tenant, TenantName};

/// RFC 3339 in UTC, milliseconds kept.
pub fn time(at: Timestamp) -> String {
    at.to_offset_date_time()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// How many records a state holds.
#[derive(Debug, Serialize)]
pub struct Counts {
    pub departments: usize,
    pub agents: usize,
    pub memberships: usize,
}

impl Counts {
    pub fn of(state: &State) -> Self {
        Self {
            departments: state.department_count(),
            agents: state.agent_count(),
            memberships: state.membership_count(),
        }
    }
}

/// A tenant as the control plane shows it.
#[derive(Debug, Serialize)]
pub struct TenantBody {
    pub name: String,
    pub created_at: String,
    pub origin: Value,
    /// The options the tenant sets itself; the others are the gateway's (`/_gateway/info`).
    pub options: Options,
    pub version: u64,
    pub counts: Counts,
    /// Each vendor API's base URL in this tenant.
    pub urls: BTreeMap<&'static str, String>,
}

impl TenantBody {
    /// `tenant`, with its base URLs under `base` (`http://host:port`), one per `(vendor, path)`.
    pub fn of(tenant: &Tenant, base: &str, vendors: &[(&'static str, &'static str)]) -> Self {
        let state = tenant.store().view();
        let mount = if tenant.name.is_default() {
            String::new()
        } else {
            format!("/t/{}", tenant.name)
        };
        Self {
            name: tenant.name.to_string(),
            created_at: time(tenant.created_at),
            origin: origin(&tenant.origin),
            options: tenant.options.clone(),
            version: state.version(),
            counts: Counts::of(&state),
            urls: vendors
                .iter()
                .map(|(vendor, path)| (*vendor, format!("{base}{mount}{path}")))
                .collect(),
        }
    }
}

/// Where a tenant came from, in the shape `from` takes.
fn origin(origin: &Origin) -> Value {
    match origin {
        Origin::Fixtures => serde_json::json!({ "fixtures": true }),
        Origin::Fork { tenant, version } => {
            serde_json::json!({ "tenant": tenant.as_str(), "version": version })
        }
        Origin::Snapshot { tenant, snapshot } => serde_json::json!({
            "snapshot": { "tenant": tenant.as_str(), "name": snapshot.as_str() }
        }),
        Origin::Empty => serde_json::json!({ "empty": true }),
        Origin::State => serde_json::json!({ "state": true }),
    }
}

/// A snapshot as the control plane shows it.
#[derive(Debug, Serialize)]
pub struct SnapshotBody {
    pub name: String,
    pub created_at: String,
    pub version: u64,
    pub counts: Counts,
}

impl SnapshotBody {
    pub fn of(name: &SnapshotName, snapshot: &Snapshot) -> Self {
        Self {
            name: name.to_string(),
            created_at: time(snapshot.created_at),
            version: snapshot.state.version(),
            counts: Counts::of(&snapshot.state),
        }
    }
}

/// `POST /_gateway/tenants`, read.
pub struct CreateTenant {
    pub name: TenantName,
    pub from: From,
    /// `None` when absent: a fork takes its source's.
    pub options: Option<Options>,
}

/// What a new tenant starts from, as `from` says it.
pub enum From {
    Fixtures,
    Tenant(TenantName),
    Snapshot {
        tenant: TenantName,
        snapshot: SnapshotName,
    },
    Empty,
    /// A fixture document, still to be loaded.
    State(Value),
}

/// The members of a JSON object body, or a 400 naming `field`.
pub fn object(value: Value, field: &str) -> Result<Map<String, Value>, ControlError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ControlError::bad(field, "must be an object")),
    }
}

/// Refuses any key of `map` not in `known`, naming it.
fn only(map: &Map<String, Value>, known: &[&str], within: &str) -> Result<(), ControlError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(ControlError::bad(
            format!("{within}{key}"),
            format!("is not a known field (known: {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

fn string<'v>(
    map: &'v Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<&'v str, ControlError> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ControlError::bad(field, "must be a string")),
        None => Err(ControlError::bad(field, "is required")),
    }
}

fn tenant_name(text: &str, field: &str) -> Result<TenantName, ControlError> {
    TenantName::parse(text).map_err(|e| ControlError::bad(field, e.to_string()))
}

fn snapshot_name(text: &str, field: &str) -> Result<SnapshotName, ControlError> {
    SnapshotName::parse(text).map_err(|e| ControlError::bad(field, e.to_string()))
}

/// `true`, the only value the flag forms of `from` take.
fn flag(value: &Value, field: &str) -> Result<(), ControlError> {
    match value {
        Value::Bool(true) => Ok(()),
        _ => Err(ControlError::bad(field, "must be true")),
    }
}

impl CreateTenant {
    /// `known`: the options a tenant may set, each with the values it takes.
    pub fn read(body: Value, known: &[(&str, &[&str])]) -> Result<Self, ControlError> {
        let map = object(body, "body")?;
        only(&map, &["name", "from", "options"], "")?;
        let name = tenant_name(string(&map, "name", "name")?, "name")?;
        let from = match map.get("from") {
            None | Some(Value::Null) => From::Fixtures,
            Some(from) => From::read(from)?,
        };
        let options = match map.get("options") {
            None | Some(Value::Null) => None,
            Some(options) => Some(read_options(options, known)?),
        };
        Ok(Self {
            name,
            from,
            options,
        })
    }
}

/// `options`: an object of known names, each with one of the values it takes.
fn read_options(value: &Value, known: &[(&str, &[&str])]) -> Result<Options, ControlError> {
    let Value::Object(map) = value else {
        return Err(ControlError::bad("options", "must be an object"));
    };
    let names: Vec<&str> = known.iter().map(|(name, _)| *name).collect();
    only(map, &names, "options.")?;
    let mut options = Options::new();
    for (name, value) in map {
        let field = format!("options.{name}");
        let accepted = known
            .iter()
            .find(|(known, _)| known == name)
            .map_or(&[][..], |(_, values)| *values);
        match value {
            Value::String(text) if accepted.contains(&text.as_str()) => {
                options.insert(name.clone(), text.clone());
            }
            _ => {
                return Err(ControlError::bad(
                    field,
                    format!("must be one of {}", accepted.join(", ")),
                ));
            }
        }
    }
    Ok(options)
}

impl From {
    fn read(value: &Value) -> Result<Self, ControlError> {
        let Value::Object(map) = value else {
            return Err(ControlError::bad("from", "must be an object"));
        };
        const FORMS: [&str; 5] = ["fixtures", "tenant", "snapshot", "empty", "state"];
        only(map, &FORMS, "from.")?;
        let mut forms = map.iter();
        let (Some((form, value)), None) = (forms.next(), forms.next()) else {
            return Err(ControlError::bad(
                "from",
                "must have exactly one of fixtures, tenant, snapshot, empty, state",
            ));
        };
        Ok(match form.as_str() {
            "fixtures" => flag(value, "from.fixtures").map(|()| From::Fixtures)?,
            "empty" => flag(value, "from.empty").map(|()| From::Empty)?,
            "tenant" => match value {
                Value::String(name) => From::Tenant(tenant_name(name, "from.tenant")?),
                _ => return Err(ControlError::bad("from.tenant", "must be a string")),
            },
            "snapshot" => {
                let Value::Object(snapshot) = value else {
                    return Err(ControlError::bad("from.snapshot", "must be an object"));
                };
                only(snapshot, &["tenant", "name"], "from.snapshot.")?;
                From::Snapshot {
                    tenant: tenant_name(
                        string(snapshot, "tenant", "from.snapshot.tenant")?,
                        "from.snapshot.tenant",
                    )?,
                    snapshot: snapshot_name(
                        string(snapshot, "name", "from.snapshot.name")?,
                        "from.snapshot.name",
                    )?,
                }
            }
            // "state", the only form left after `only`.
            _ => From::State(value.clone()),
        })
    }
}

/// `POST .../snapshots`: `{"name": ...}`.
pub fn snapshot_request(body: Value) -> Result<SnapshotName, ControlError> {
    let map = object(body, "body")?;
    only(&map, &["name"], "")?;
    snapshot_name(string(&map, "name", "name")?, "name")
}

/// `POST .../restore`: `{"snapshot": ...}`.
pub fn restore_request(body: Value) -> Result<SnapshotName, ControlError> {
    let map = object(body, "body")?;
    only(&map, &["snapshot"], "")?;
    snapshot_name(string(&map, "snapshot", "snapshot")?, "snapshot")
}
