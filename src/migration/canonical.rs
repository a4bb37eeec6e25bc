//! The canonical format: the fixture document (`docs/fixtures.md`) as `state.json`, the one
//! format that carries every field.

use super::record::Carries;
use super::{Files, Format, MigrationError, Site};
use crate::fixtures::{FixtureFile, export};
use crate::model::{State, Timestamp};

pub const FILE: &str = "state.json";

pub struct Canonical;

impl Format for Canonical {
    fn name(&self) -> &'static str {
        "canonical"
    }

    fn summary(&self) -> &'static str {
        "state.json: the fixture document (docs/fixtures.md)"
    }

    fn carries(&self) -> &'static Carries {
        &Carries::ALL
    }

    fn recognizes(&self, files: &Files) -> bool {
        files.get(FILE).is_some()
    }

    fn read(&self, files: &Files) -> Result<State, MigrationError> {
        let bytes = files.require(FILE)?;
        let text = std::str::from_utf8(bytes)
            .map_err(|_| MigrationError::bad_file(FILE, "is not UTF-8"))?;
        FixtureFile::parse(text, Timestamp::now())
            .and_then(FixtureFile::into_state)
            .map_err(|e| {
                MigrationError::bad_file(
                    FILE,
                    e.to_string().trim_start_matches("fixtures: ").to_owned(),
                )
            })
    }

    fn write(&self, state: &State, _: &Site) -> Result<Files, MigrationError> {
        let mut files = Files::new();
        let text = format!("{:#}\n", export(state));
        files.insert(FILE, text.into_bytes());
        Ok(files)
    }
}
