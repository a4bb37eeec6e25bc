//! One fault rule: what it matches, when it fires, and what it does; with its wire form (the
//! control plane's JSON), checked as it is read.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use serde_json::Value;

use super::{Decision, Fault, Throttle};

/// A refused rule: the field (`action.status`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub field: String,
    pub reason: String,
}

fn bad(field: &str, reason: impl Into<String>) -> RuleError {
    RuleError {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Status(u16),
    /// A delay drawn uniformly from `min..=max` milliseconds.
    Delay {
        min_ms: u64,
        max_ms: u64,
    },
    Drop,
    /// At most `limit` requests per `per_s` seconds; past that, the vendor's throttle.
    RateLimit {
        limit: u64,
        per_s: u64,
    },
}

impl Action {
    /// The action's name, for the metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Status(_) => "status",
            Action::Delay { .. } => "delay",
            Action::Drop => "drop",
            Action::RateLimit { .. } => "rate_limit",
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Action::Status(status) => serde_json::json!({ "status": status }),
            Action::Delay { min_ms, max_ms } if min_ms == max_ms => {
                serde_json::json!({ "delay_ms": min_ms })
            }
            Action::Delay { min_ms, max_ms } => serde_json::json!({ "delay_ms": [min_ms, max_ms] }),
            Action::Drop => serde_json::json!({ "drop": true }),
            Action::RateLimit { limit, per_s } => {
                serde_json::json!({ "rate_limit": { "limit": limit, "per_s": per_s } })
            }
        }
    }
}

/// A rule as the control plane reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub facade: Option<String>,
    pub method: Option<String>,
    pub path: Option<glob::Pattern>,
    pub action: Action,
    pub after: u64,
    pub times: Option<u64>,
    pub probability: f64,
    pub seed: Option<u64>,
}

impl RuleSpec {
    /// Reads `{"match": {"facade", "method", "path"}, "action": ..., "after", "times",
    /// "probability", "seed"}`; every field but `action` may be left out.
    pub fn from_json(value: &Value) -> Result<Self, RuleError> {
        let Value::Object(members) = value else {
            return Err(bad("body", "must be a JSON object"));
        };
        for name in members.keys() {
            if !["match", "action", "after", "times", "probability", "seed"]
                .contains(&name.as_str())
            {
                return Err(bad(
                    name,
                    "is not a field of a fault (match, action, after, times, probability, seed)",
                ));
            }
        }
        let (mut facade, mut method, mut path) = (None, None, None);
        match members.get("match") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (name, value) in m {
                    let field = format!("match.{name}");
                    let text = value
                        .as_str()
                        .ok_or_else(|| bad(&field, "must be a string"))?;
                    match name.as_str() {
                        "facade" => facade = Some(text.to_owned()),
                        "method" => method = Some(text.to_ascii_uppercase()),
                        "path" => {
                            path = Some(glob::Pattern::new(text).map_err(|e| bad(&field, e.msg))?)
                        }
                        _ => return Err(bad(&field, "is not a criterion (facade, method, path)")),
                    }
                }
            }
            Some(_) => return Err(bad("match", "must be an object")),
        }
        let action = action(
            members
                .get("action")
                .ok_or_else(|| bad("action", "is required"))?,
        )?;
        let count = |name: &str| -> Result<Option<u64>, RuleError> {
            match members.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| bad(name, "must be a non-negative integer")),
            }
        };
        let after = count("after")?.unwrap_or(0);
        let times = count("times")?;
        let seed = count("seed")?;
        let probability = match members.get("probability") {
            None | Some(Value::Null) => 1.0,
            Some(v) => v
                .as_f64()
                .filter(|p| (0.0..=1.0).contains(p))
                .ok_or_else(|| bad("probability", "must be a number from 0 to 1"))?,
        };
        Ok(Self {
            facade,
            method,
            path,
            action,
            after,
            times,
            probability,
            seed,
        })
    }
}

fn action(value: &Value) -> Result<Action, RuleError> {
    let Value::Object(members) = value else {
        return Err(bad("action", "must be an object"));
    };
    let mut found = members.iter();
    let (Some((name, value)), None) = (found.next(), found.next()) else {
        return Err(bad(
            "action",
            "must have exactly one of status, delay_ms, drop, rate_limit",
        ));
    };
    let field = format!("action.{name}");
    match name.as_str() {
        "status" => match value.as_u64() {
            Some(s @ (500 | 502 | 503 | 504)) => Ok(Action::Status(s as u16)),
            _ => Err(bad(&field, "must be 500, 502, 503 or 504")),
        },
        "delay_ms" => {
            let (min_ms, max_ms) = match value {
                Value::Number(n) => {
                    let ms = n
                        .as_u64()
                        .ok_or_else(|| bad(&field, "must be a non-negative integer"))?;
                    (ms, ms)
                }
                Value::Array(range) => match range.as_slice() {
                    [a, b] => match (a.as_u64(), b.as_u64()) {
                        (Some(a), Some(b)) if a <= b => (a, b),
                        _ => return Err(bad(&field, "must be [min, max] with 0 <= min <= max")),
                    },
                    _ => return Err(bad(&field, "must be [min, max] with 0 <= min <= max")),
                },
                _ => return Err(bad(&field, "must be milliseconds or [min, max]")),
            };
            if max_ms > 600_000 {
                return Err(bad(&field, "must be at most 600000 (ten minutes)"));
            }
            Ok(Action::Delay { min_ms, max_ms })
        }
        "drop" => match value {
            Value::Bool(true) => Ok(Action::Drop),
            _ => Err(bad(&field, "must be true")),
        },
        "rate_limit" => {
            let Value::Object(limits) = value else {
                return Err(bad(&field, "must be {\"limit\": n, \"per_s\": s}"));
            };
            let positive = |name: &str| {
                limits
                    .get(name)
                    .and_then(Value::as_u64)
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(&format!("{field}.{name}"), "must be a positive integer"))
            };
            if let Some(other) = limits.keys().find(|k| *k != "limit" && *k != "per_s") {
                return Err(bad(
                    &format!("{field}.{other}"),
                    "is not a field (limit, per_s)",
                ));
            }
            Ok(Action::RateLimit {
                limit: positive("limit")?,
                per_s: positive("per_s")?,
            })
        }
        _ => Err(bad(
            &field,
            "is not an action (status, delay_ms, drop, rate_limit)",
        )),
    }
}

/// A rule in force, with what it has counted.
pub struct Rule {
    pub id: u64,
    spec: RuleSpec,
    pub(super) action: Action,
    state: Mutex<State>,
}

struct State {
    /// Matching requests seen.
    seen: u64,
    /// Times fired.
    fired: u64,
    rng: Xoshiro256PlusPlus,
    /// The rate limit's window: when it began (ms since the epoch) and the requests in it.
    window_start_ms: i64,
    window_count: u64,
}

impl Rule {
    pub(super) fn new(id: u64, spec: RuleSpec) -> Self {
        let rng = match spec.seed {
            Some(seed) => Xoshiro256PlusPlus::seed_from_u64(seed),
            None => Xoshiro256PlusPlus::seed_from_u64(rand::random()),
        };
        Self {
            id,
            action: spec.action.clone(),
            spec,
            state: Mutex::new(State {
                seen: 0,
                fired: 0,
                rng,
                window_start_ms: 0,
                window_count: 0,
            }),
        }
    }

    fn matches(&self, facade: &str, method: &http::Method, path: &str) -> bool {
        self.spec.facade.as_deref().is_none_or(|f| f == facade)
            && self
                .spec
                .method
                .as_deref()
                .is_none_or(|m| m == method.as_str())
            && self.spec.path.as_ref().is_none_or(|p| p.matches(path))
    }

    /// What this rule does to the request, if it fires.
    pub(super) fn fires(
        &self,
        facade: &str,
        method: &http::Method,
        path: &str,
    ) -> Option<Decision> {
        if !self.matches(facade, method, path) {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.seen += 1;
        if state.seen <= self.spec.after || self.spec.times.is_some_and(|t| state.fired >= t) {
            return None;
        }
        let throttle = match self.action {
            Action::RateLimit { limit, per_s } => {
                let now = crate::model::Timestamp::now().unix_millis();
                let window = (per_s * 1000) as i64;
                if now - state.window_start_ms >= window {
                    state.window_start_ms = now;
                    state.window_count = 0;
                }
                state.window_count += 1;
                if state.window_count <= limit {
                    return None;
                }
                let reset_at_ms = state.window_start_ms + window;
                Some(Throttle {
                    limit,
                    remaining: 0,
                    reset_at_ms,
                    retry_after_s: ((reset_at_ms - now).max(1) as u64).div_ceil(1000),
                })
            }
            _ => None,
        };
        // Every request that could fire draws, so that a seeded rule's sequence depends only on
        // the requests it saw.
        if self.spec.probability < 1.0 && state.rng.random::<f64>() >= self.spec.probability {
            return None;
        }
        state.fired += 1;
        Some(match (&self.action, throttle) {
            (_, Some(throttle)) => Decision::Answer(Fault::Throttle(throttle)),
            (Action::Status(status), _) => Decision::Answer(Fault::Status(
                http::StatusCode::from_u16(*status)
                    .unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE),
            )),
            (Action::Delay { min_ms, max_ms }, _) => {
                let ms = if min_ms == max_ms {
                    *min_ms
                } else {
                    state.rng.random_range(*min_ms..=*max_ms)
                };
                Decision::Delay(Duration::from_millis(ms))
            }
            (Action::Drop, _) => Decision::Drop,
            (Action::RateLimit { .. }, None) => return None,
        })
    }

    /// The rule as the control plane shows it, with its counts.
    pub fn to_json(&self) -> Value {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let spec = &self.spec;
        serde_json::to_value(Shown {
            id: self.id,
            r#match: Matched {
                facade: spec.facade.as_deref(),
                method: spec.method.as_deref(),
                path: spec.path.as_ref().map(|p| p.as_str()),
            },
            action: spec.action.to_json(),
            after: spec.after,
            times: spec.times,
            probability: spec.probability,
            seed: spec.seed,
            seen: state.seen,
            fired: state.fired,
        })
        .unwrap_or_default()
    }
}

#[derive(Serialize)]
struct Shown<'a> {
    id: u64,
    r#match: Matched<'a>,
    action: Value,
    after: u64,
    times: Option<u64>,
    probability: f64,
    seed: Option<u64>,
    seen: u64,
    fired: u64,
}

#[derive(Serialize)]
struct Matched<'a> {
    facade: Option<&'a str>,
    method: Option<&'a str>,
    path: Option<&'a str>,
}
