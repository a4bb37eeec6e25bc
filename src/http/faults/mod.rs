//! Per-tenant faults: rules that make a tenant's facades answer as a failing or throttling vendor
//! would (`POST /_gateway/tenants/{t}/faults`, docs/faults.md). A rule matches requests by facade,
//! method and path (a glob), lets the first `after` of them pass, fires at most `times` times,
//! each time with probability `probability` drawn from its own generator (seeded by `seed`, so a
//! run replays exactly), and does one thing ([`Action`]): answer with a status in the vendor's
//! shape, delay the answer, drop the connection, or throttle past a rate in the vendor's exact
//! shape ([`Fault`], which the facade turns into its body through
//! [`Facade::fault`](super::Facade::fault)).
//!
//! The first rule that fires decides the request's fault. A faulted request that is answered
//! (a status, a throttle, a drop) never reaches its facade, so a faulted write changes nothing.

mod rule;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use rule::{Action, Rule, RuleError, RuleSpec};

/// What a facade is asked to answer in its vendor's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A server error: 500, 502, 503 or 504.
    Status(http::StatusCode),
    /// Past a rate limit.
    Throttle(Throttle),
}

/// A rate limit that a request went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in the window (0 once past the limit).
    pub remaining: u64,
    /// When the window ends, in milliseconds since the epoch.
    pub reset_at_ms: i64,
    /// Whole seconds until then, at least 1.
    pub retry_after_s: u64,
}

/// What the fault layer does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Answer this in the facade's shape.
    Answer(Fault),
    /// Answer nothing and close the connection.
    Drop,
    /// Answer as usual, this much later.
    Delay(Duration),
}

/// One tenant's fault rules.
#[derive(Default)]
pub struct Faults {
    rules: RwLock<Vec<Arc<Rule>>>,
    /// How many rules there are: a tenant without any costs a request one load.
    count: AtomicUsize,
    next_id: AtomicU64,
}

impl Faults {
    /// Whether any rule is set.
    #[inline]
    pub fn any(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Adds a rule; its id is given back.
    pub fn add(&self, spec: RuleSpec) -> Arc<Rule> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let rule = Arc::new(Rule::new(id, spec));
        let mut rules = self.write();
        rules.push(Arc::clone(&rule));
        self.count.store(rules.len(), Ordering::Relaxed);
        rule
    }

    /// Every rule, in the order they are tried.
    pub fn list(&self) -> Vec<Arc<Rule>> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Removes the rule `id`; whether there was one.
    pub fn remove(&self, id: u64) -> bool {
        let mut rules = self.write();
        let before = rules.len();
        rules.retain(|r| r.id != id);
        self.count.store(rules.len(), Ordering::Relaxed);
        rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut rules = self.write();
        rules.clear();
        self.count.store(0, Ordering::Relaxed);
    }

    /// What to do with a request to `facade`, `method` `path`, and the action of the rule that
    /// decided it (for the metrics), if one fires.
    pub fn decide(
        &self,
        facade: &str,
        method: &http::Method,
        path: &str,
    ) -> Option<(Decision, &'static str)> {
        let rules = self.rules.read().unwrap_or_else(|e| e.into_inner());
        rules.iter().find_map(|rule| {
            rule.fires(facade, method, path)
                .map(|d| (d, rule.action.name()))
        })
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<Rule>>> {
        self.rules.write().unwrap_or_else(|e| e.into_inner())
    }
}
