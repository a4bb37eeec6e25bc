//! Migration: vendor exports in and out, conversion with a loss report, reconciliation
//! (docs/migration.md).
//!
//! An export is a set of files ([`Files`]: a directory or a `.zip`) in one [`Format`]: the
//! bodies of a vendor's list routes, saved as the facade answers them, or the canonical fixture
//! document. Every format is read into a model [`State`] and written from one, so converting is
//! reading one format and writing another. Each vendor's [`Format`] lives beside its facade
//! (`src/facades/<vendor>/export_format.rs`, over that facade's own wire types); this module
//! knows no vendor: the [`Formats`] table is handed the codecs by `app.rs`, as the prefix table
//! is handed the facades.
//!
//! # Layout
//! * `files`: [`Files`], read from and written to a directory or a zip.
//! * `build`: [`Builder`], which a reader fills record by record; it refuses a duplicate id or
//!   a membership naming an unknown agent with the file, record and field, before anything is
//!   kept.
//! * `record`: the fields of each kind of record, their values for comparison, and [`Carries`],
//!   which fields a format holds.
//! * `compare`: reconciliation of two states ([`compare::Report`]); `loss`: the loss report of a
//!   conversion, which is the comparison of a state with what the target format gives back.
//! * `registry`: the [`Formats`] table; `canonical`: the fixture document as a format.

pub mod build;
mod canonical;
pub mod compare;
pub mod files;
pub mod loss;
pub mod record;
pub mod registry;

pub use build::Builder;
pub use canonical::Canonical;
pub use files::Files;
pub use record::Carries;
pub use registry::Formats;

use crate::model::State;

/// One export format: how its files become a state and a state becomes its files.
pub trait Format: Send + Sync + 'static {
    /// The name given on the command line and in `?format=`.
    fn name(&self) -> &'static str;
    /// One line for `--help` and errors: which files it has.
    fn summary(&self) -> &'static str;
    /// Which model fields its files hold.
    fn carries(&self) -> &'static Carries;
    /// Whether these files look like an export in this format (for `reconcile`, which is not
    /// told the format of a path).
    fn recognizes(&self, files: &Files) -> bool;
    /// The state the files describe; a bad file is refused whole, naming file, record and field.
    fn read(&self, files: &Files) -> Result<State, MigrationError>;
    /// The files that describe `state`, byte for byte as the facade's list routes answer.
    fn write(&self, state: &State, site: &Site) -> Result<Files, MigrationError>;
}

/// Where the written bodies say they come from, for formats whose records hold their own URL
/// (the Support API's `url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `http://host:port`, with a tenant's `/t/{name}` when it has one.
    pub origin: String,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            origin: "http://localhost:8080".into(),
        }
    }
}

/// Why an export could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    /// A record of a file is wrong: `agents.json: [3] ("ann@example.com"): email: is taken`.
    #[error("{file}: {record}: {field}: {reason}")]
    Invalid {
        file: String,
        /// Which record: its place and what names it.
        record: String,
        field: String,
        reason: String,
    },
    /// A whole file is wrong (not JSON, the wrong root element).
    #[error("{file}: {reason}")]
    BadFile { file: String, reason: String },
    #[error("{file}: missing: the export has no such file")]
    MissingFile { file: String },
    #[error("unknown format {given:?}: expected one of {accepted}")]
    UnknownFormat { given: String, accepted: String },
    #[error("{0}")]
    Io(String),
}

impl MigrationError {
    pub fn invalid(
        file: &str,
        record: impl Into<String>,
        field: &str,
        reason: impl Into<String>,
    ) -> Self {
        MigrationError::Invalid {
            file: file.to_owned(),
            record: record.into(),
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub fn bad_file(file: &str, reason: impl Into<String>) -> Self {
        MigrationError::BadFile {
            file: file.to_owned(),
            reason: reason.into(),
        }
    }
}

/// `[3] ("Sales")`: a record's place in its file and what names it, for messages.
pub fn label(place: usize, name: &str) -> String {
    // Debug-quoting walks every character through the escaper: a million labels cost a
    // second. A name with nothing to escape is quoted as it is, which is the same text.
    if name
        .chars()
        .all(|c| c != '"' && c != '\\' && !c.is_control())
    {
        format!("[{place}] (\"{name}\")")
    } else {
        format!("[{place}] ({name:?})")
    }
}

/// Parses a JSON file into `T`, naming the file and the path inside it on failure.
pub fn json_file<'a, T: serde::Deserialize<'a>>(
    file: &str,
    bytes: &'a [u8],
) -> Result<T, MigrationError> {
    // Tracking the path costs on every value; a good file (nearly all of them) is read without
    // it, and only a bad one is read again to say where it goes wrong.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        MigrationError::bad_file(file, format!("at {path}: {}", e.inner()))
    })?;
    de.end()
        .map_err(|e| MigrationError::bad_file(file, e.to_string()))?;
    Ok(value)
}

/// An RFC 3339 time of a record (`2014-09-30T08:25:09Z`, fractions allowed).
pub fn parse_time(
    file: &str,
    record: &str,
    field: &str,
    text: &str,
) -> Result<crate::model::Timestamp, MigrationError> {
    let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            MigrationError::invalid(
                file,
                record,
                field,
                format!("{text:?} is not an RFC 3339 time"),
            )
        })?;
    let ms = at.unix_timestamp_nanos() / 1_000_000;
    Ok(crate::model::Timestamp::from_unix_millis(ms as i64))
}

/// The pages of a list saved as one body (`[...]`) or as an array of bodies (`[[...], [...]]`).
pub fn is_paged(bytes: &[u8]) -> bool {
    let mut rest = bytes.iter().skip_while(|b| b.is_ascii_whitespace());
    rest.next() == Some(&b'[') && rest.find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}
