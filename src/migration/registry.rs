//! [`Formats`]: the export formats by name. `app.rs` fills it with each facade's codec and the
//! canonical one; the command line and the control plane look formats up in it.

use std::sync::Arc;

use super::{Files, Format, MigrationError};

/// The formats the gateway knows, in the order `--help` lists them.
#[derive(Clone, Default)]
pub struct Formats(Arc<Vec<Arc<dyn Format>>>);

impl std::fmt::Debug for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Formats {
    pub fn new(formats: Vec<Arc<dyn Format>>) -> Self {
        Formats(Arc::new(formats))
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|f| f.name()).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Format>> {
        self.0.iter()
    }

    /// The first format whose files these look like.
    pub fn recognize(&self, files: &Files) -> Option<&Arc<dyn Format>> {
        self.0.iter().find(|f| f.recognizes(files))
    }

    /// The format called `name`, or an error listing those there are.
    pub fn get(&self, name: &str) -> Result<&Arc<dyn Format>, MigrationError> {
        self.0
            .iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| MigrationError::UnknownFormat {
                given: name.to_owned(),
                accepted: self.names().join(", "),
            })
    }
}
