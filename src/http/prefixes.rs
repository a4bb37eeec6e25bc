//! Picks the facade for a path: each facade claims its path prefixes ([`Facade::claims`]) and the
//! longest matching claim wins. Knows no vendor: `app.rs` hands it the facades.
//!
//! The claims are tried longest first, each by its last eight bytes before the whole of it: the
//! claims share their first bytes (`/api/v2/`), and their ends tell them apart in one compare,
//! where a `memcmp` a claim tried was nine calls a request for a Support GET one (callgrind: 90
//! instructions a request fewer in all; `memcmp` had been 1.6 % of its server CPU under `perf`).

use std::sync::Arc;

use super::Facade;

/// Path prefixes and the facades that claimed them.
#[derive(Clone)]
pub struct PrefixTable {
    /// Longest prefix first, so `/api/v2/chat/` is tried before `/api/v2/`.
    claims: Vec<Claim>,
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
            if let Some(owner) = self.claims.iter().find(|c| c.prefix == prefix) {
                panic!(
                    "{} and {} both claim {prefix}",
                    owner.facade.name(),
                    facade.name()
                );
            }
            self.claims.push(Claim::new(prefix, Arc::clone(&facade)));
        }
        self.added.push(Arc::clone(&facade));
        self.claims
            .sort_by_key(|claim| std::cmp::Reverse(claim.prefix.len()));
        self
    }

    /// The facade that owns `path`.
    pub fn facade_for(&self, path: &str) -> &Arc<dyn Facade> {
        self.claimant(path).unwrap_or(&self.fallback)
    }

    /// The facade that claimed `path`, if one did.
    pub fn claimant(&self, path: &str) -> Option<&Arc<dyn Facade>> {
        let path = path.as_bytes();
        self.claims
            .iter()
            .find(|claim| claim.starts(path))
            .map(|claim| &claim.facade)
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

/// A claimed prefix, its last eight bytes as a number (if it has eight), and its facade.
#[derive(Clone)]
struct Claim {
    prefix: &'static str,
    tail: Option<u64>,
    facade: Arc<dyn Facade>,
}

impl Claim {
    fn new(prefix: &'static str, facade: Arc<dyn Facade>) -> Self {
        let tail = prefix
            .len()
            .checked_sub(8)
            .map(|start| Self::word(&prefix.as_bytes()[start..]));
        Self {
            prefix,
            tail,
            facade,
        }
    }

    /// Whether `path` starts with this claim: the last eight bytes first, then the whole.
    fn starts(&self, path: &[u8]) -> bool {
        let Some(head) = path.get(..self.prefix.len()) else {
            return false;
        };
        match self.tail {
            Some(tail) if Self::word(&head[head.len() - 8..]) != tail => false,
            _ => head == self.prefix.as_bytes(),
        }
    }

    fn word(bytes: &[u8]) -> u64 {
        u64::from_ne_bytes(bytes.try_into().expect("eight bytes"))
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

    const CLAIMS: [&[&str]; 4] = [
        &["/api/v2/"],
        &[
            "/api/v2/groups",
            "/api/v2/group_memberships",
            "/api/v2/users",
        ],
        &["/api/v2/chat/", "/api/v1/"],
        &["/groups", "/users", "/g"],
    ];

    proptest::proptest! {
        /// The trie's answer is the longest claim the path starts with, as trying every claim
        /// longest first finds it.
        #[test]
        fn the_walk_finds_the_longest_claim_a_path_starts_with(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "/", "api", "/api/v2/", "/api/v1/", "groups", "group", "_memberships", "chat",
                    "/users", "/g", ".json", "500", "x", "",
                ]),
                0..6,
            )
        ) {
            let path = pieces.concat();
            let table = CLAIMS.iter().enumerate().fold(
                PrefixTable::new(Arc::new(Named("fallback", &[]))),
                |table, (i, claims)| table.facade(Arc::new(Named(["a", "b", "c", "d"][i], claims))),
            );
            let longest = CLAIMS
                .iter()
                .enumerate()
                .flat_map(|(i, claims)| claims.iter().map(move |c| (i, c)))
                .filter(|(_, claim)| path.starts_with(**claim))
                .max_by_key(|(_, claim)| claim.len())
                .map_or("fallback", |(i, _)| ["a", "b", "c", "d"][i]);
            proptest::prop_assert_eq!(table.facade_for(&path).name(), longest, "{}", path);
        }
    }
}
