//! Picks the facade for a path from a prefix table that `app.rs` builds; knows no vendor itself.

use std::sync::Arc;

use super::Facade;

/// Path prefixes and their facades; the longest matching prefix wins.
#[derive(Clone)]
pub struct Router {
    routes: Vec<(String, Arc<dyn Facade>)>,
    fallback: Arc<dyn Facade>,
}

impl Router {
    /// A router that sends every path no prefix claims to `fallback`.
    pub fn new(fallback: Arc<dyn Facade>) -> Self {
        Self {
            routes: Vec::new(),
            fallback,
        }
    }

    /// Claims every path starting with `prefix` for `facade`.
    pub fn route(mut self, prefix: impl Into<String>, facade: Arc<dyn Facade>) -> Self {
        self.routes.push((prefix.into(), facade));
        // Longest first, so `/api/v2/chat/` is tried before `/api/v2/`.
        self.routes
            .sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        self
    }

    /// The facade that owns `path`.
    pub fn facade_for(&self, path: &str) -> &Arc<dyn Facade> {
        self.routes
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, facade)| facade)
            .unwrap_or(&self.fallback)
    }
}
