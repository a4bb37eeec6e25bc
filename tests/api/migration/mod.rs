//! Migration (docs/migration.md): every export format's round trip, the loss report of a
//! conversion, reconciliation, import and export through the control plane and the command
//! line, and the table of bad exports.

mod bad_input;
mod control;
mod formats;
mod limits;
mod reconcile;
mod rehearsal;
mod support_bodies;

use std::sync::Arc;

use deskbridge::fixtures::FixtureFile;
use deskbridge::migration::{Files, Format};
use deskbridge::model::{State, Timestamp};

/// A state with something of everything: settings, routing options, a fallback, an archived and
/// a private department, a disabled one, an owner, an inactive agent, an end user, a link with
/// its order and count, times with milliseconds.
pub const RICH: &str = include_str!("../../data/migration/rich.json");

pub fn rich() -> State {
    FixtureFile::parse(RICH, Timestamp::now())
        .and_then(FixtureFile::into_state)
        .unwrap()
}

pub fn format(name: &str) -> Arc<dyn Format> {
    deskbridge::app::formats().get(name).unwrap().clone()
}

pub const VENDORS: [&str; 4] = ["zopim", "rocketchat", "zendesk-xml", "zendesk-support"];

pub fn all_formats() -> Vec<&'static str> {
    let mut all = vec!["canonical"];
    all.extend(VENDORS);
    all
}

/// The files of `state` in `name`.
pub fn write(name: &str, state: &State) -> Files {
    format(name)
        .write(state, &deskbridge::migration::Site::default())
        .unwrap()
}

/// A state as `name` sees it: written and read back.
pub fn through(name: &str, state: &State) -> State {
    format(name).read(&write(name, state)).unwrap()
}

/// The text of one file.
pub fn text(files: &Files, path: &str) -> String {
    String::from_utf8(files.get(path).unwrap().to_vec()).unwrap()
}
