//! Which journal entries a reader wants: `facade`, `method`, `path` (a glob over the path
//! without its query: `*` within a segment, `**` across them), `status` (`404`, or a class such as
//! `5xx`), `since` (entries after that sequence number) and `limit`. The same criteria come from a
//! query string (`GET .../requests`) or a JSON object (`POST .../requests/count`).

use serde_json::Value;

use super::Entry;

/// How many entries a listing gives when no `limit` is asked for.
pub const DEFAULT_LIMIT: usize = 100;

/// A refused criterion: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaError {
    pub field: &'static str,
    pub reason: String,
}

/// A status, or a class of them (`5xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Exactly(u16),
    Class(u16),
}

/// What a reader asks of the journal.
#[derive(Debug, Clone, Default)]
pub struct Criteria {
    facade: Option<String>,
    method: Option<String>,
    path: Option<glob::Pattern>,
    status: Option<Status>,
    pub since: Option<u64>,
    limit: Option<usize>,
}

impl Criteria {
    /// From a query string; an unknown parameter is refused, so that a typo does not silently
    /// match everything.
    pub fn from_query(query: Option<&str>) -> Result<Self, CriteriaError> {
        let mut criteria = Criteria::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            criteria.set(&name, &value)?;
        }
        Ok(criteria)
    }

    /// From a JSON object whose members are the criteria (numbers may be numbers or text).
    pub fn from_json(value: &Value) -> Result<Self, CriteriaError> {
        let Value::Object(members) = value else {
            return Err(CriteriaError {
                field: "body",
                reason: "must be a JSON object".to_owned(),
            });
        };
        let mut criteria = Criteria::default();
        for (name, value) in members {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Null => continue,
                _ => {
                    return Err(CriteriaError {
                        field: field_name(name),
                        reason: "must be a string or a number".to_owned(),
                    });
                }
            };
            criteria.set(name, &text)?;
        }
        Ok(criteria)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), CriteriaError> {
        let field = field_name(name);
        let bad = |reason: &str| CriteriaError {
            field,
            reason: reason.to_owned(),
        };
        match name {
            "facade" => self.facade = Some(value.to_owned()),
            "method" => self.method = Some(value.to_ascii_uppercase()),
            "path" => {
                self.path = Some(glob::Pattern::new(value).map_err(|e| bad(e.msg))?);
            }
            "status" => {
                let status = match value.strip_suffix("xx") {
                    Some(class) if class.len() == 1 => class
                        .parse::<u16>()
                        .ok()
                        .filter(|c| (1..=5).contains(c))
                        .map(Status::Class),
                    Some(_) => None,
                    None => value
                        .parse::<u16>()
                        .ok()
                        .filter(|s| (100..=599).contains(s))
                        .map(Status::Exactly),
                };
                self.status =
                    Some(status.ok_or_else(|| bad("must be a status (404) or a class (4xx)"))?);
            }
            "since" => {
                self.since = Some(
                    value
                        .parse()
                        .map_err(|_| bad("must be a sequence number"))?,
                );
            }
            "limit" => {
                let limit: usize = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("must be a positive integer"))?;
                self.limit = Some(limit);
            }
            _ => {
                return Err(CriteriaError {
                    field: "query",
                    reason: format!(
                        "unknown criterion {name:?}; the criteria are facade, method, path, status, since and limit"
                    ),
                });
            }
        }
        Ok(())
    }

    /// The most entries a listing gives.
    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// Whether `entry` meets every criterion given.
    pub fn matches(&self, entry: &Entry) -> bool {
        self.since.is_none_or(|since| entry.seq > since)
            && self.facade.as_deref().is_none_or(|f| f == entry.facade)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m == entry.method.as_str())
            && self.status.is_none_or(|s| match s {
                Status::Exactly(status) => entry.status == status,
                Status::Class(class) => entry.status / 100 == class,
            })
            && self
                .path
                .as_ref()
                .is_none_or(|p| p.matches(entry.path_only()))
    }
}

/// The criterion's name as a `'static` for errors.
fn field_name(name: &str) -> &'static str {
    match name {
        "facade" => "facade",
        "method" => "method",
        "path" => "path",
        "status" => "status",
        "since" => "since",
        "limit" => "limit",
        _ => "query",
    }
}
