//! Picks the facade for a path: each facade claims its path prefixes ([`Facade::claims`]) and the
//! longest matching claim wins. Knows no vendor: `app.rs` hands it the facades.

use std::sync::Arc;

use super::Facade;

/// Path prefixes and the facades that claimed them.
#[derive(Clone)]
pub struct PrefixTable {
    /// Longest prefix first, so `/api/v2/chat/` is tried before `/api/v2/`.
    claims: Vec<(&'static str, Arc<dyn Facade>)>,
    /// Each facade once, in the order `app.rs` added them.
    added: Vec<Arc<dyn Facade>>,
    fallback: Arc<dyn Facade>,
}

impl PrefixTable {
    /// A table that sends every path no facade claims to `fallback`.
    pub fn new(fallback: Arc<dyn Facade>) -> Self {
        Self {
            claims: Vec::new(),
            added: Vec::new(),
            fallback,
        }
    }

    /// Adds `facade` under each prefix it claims.
    ///
    /// # Panics
    /// If another facade already claimed one of the same prefixes: a wiring bug, found by any
    /// test that starts the gateway.
    pub fn facade(mut self, facade: Arc<dyn Facade>) -> Self {
        for &prefix in facade.claims() {
            if let Some((_, owner)) = self.claims.iter().find(|(p, _)| *p == prefix) {
                panic!("{} and {} both claim {prefix}", owner.name(), facade.name());
            }
            self.claims.push((prefix, Arc::clone(&facade)));
        }
        self.added.push(Arc::clone(&facade));
        self.claims
            .sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        self
    }

    /// The facade that owns `path`.
    pub fn facade_for(&self, path: &str) -> &Arc<dyn Facade> {
        self.claimant(path).unwrap_or(&self.fallback)
    }

    /// The facade that claimed `path`, if one did.
    pub fn claimant(&self, path: &str) -> Option<&Arc<dyn Facade>> {
        self.claims
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
            .map(|(_, facade)| facade)
    }

    /// Every facade that claimed a prefix, each once, in the order they were added.
    pub fn facades(&self) -> &[Arc<dyn Facade>] {
        &self.added
    }

    /// The facade for paths no one claims.
    pub fn fallback(&self) -> &Arc<dyn Facade> {
        &self.fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Answer, LayerError, Request, Response, respond_empty};

    struct Named(&'static str, &'static [&'static str]);

    impl Facade for Named {
        fn name(&self) -> &'static str {
            self.0
        }
        fn claims(&self) -> &'static [&'static str] {
            self.1
        }
        fn handle(&self, _: Request) -> Answer {
            respond_empty(http::StatusCode::OK).into()
        }
        fn rescue(&self, _: &LayerError) -> Response {
            respond_empty(http::StatusCode::OK)
        }
    }

    fn table() -> PrefixTable {
        PrefixTable::new(Arc::new(Named("fallback", &[])))
            .facade(Arc::new(Named("classic", &["/groups", "/api/v1/groups/"])))
            .facade(Arc::new(Named("rest", &["/api/v1/"])))
    }

    #[test]
    fn the_longest_claim_wins_whatever_order_the_facades_came_in() {
        let table = table();
        for (path, owner) in [
            ("/api/v1/groups/1.xml", "classic"),
            ("/groups.xml", "classic"),
            ("/api/v1/login", "rest"),
            ("/api/v2/departments", "fallback"),
            ("/", "fallback"),
        ] {
            assert_eq!(table.facade_for(path).name(), owner, "{path}");
        }
    }

    #[test]
    #[should_panic(expected = "rest and again both claim /api/v1/")]
    fn two_facades_claiming_one_prefix_is_a_wiring_bug() {
        let _ = table().facade(Arc::new(Named("again", &["/api/v1/"])));
    }
}
