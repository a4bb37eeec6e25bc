//! The loss report of a conversion: every record, field and membership of the source that the
//! target format cannot carry.
//!
//! It is measured, not predicted: the state read from the source is written in the target
//! format, read back, and compared with itself on every field the source carries (ids and times
//! included), records matched by name and email. So the report names exactly what a trip
//! through the target loses, whatever the reason: a field the target has no place for (Zopim
//! `settings` in Rocket.Chat), a record its list routes do not show (an archived department in
//! Zopim), a value it can only approximate (a role set as one classic role number).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::compare::{self, Fields, Options, RecordRef, Side};
use super::record::Kind;
use super::{Files, Format, MigrationError, Site};
use crate::model::State;

/// One field of one record that does not survive.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LostField {
    pub kind: Kind,
    pub record: String,
    pub field: &'static str,
    /// The source's value.
    pub value: Value,
    /// What the target gives back instead.
    pub becomes: Value,
}

/// Members of a department that the target does not keep.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LostMembers {
    pub department: String,
    pub agents: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LossReport {
    pub from: String,
    pub to: String,
    /// Whole records the target does not hold.
    pub records: Vec<RecordRef>,
    pub fields: Vec<LostField>,
    pub memberships: Vec<LostMembers>,
}

impl LossReport {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.fields.is_empty() && self.memberships.is_empty()
    }

    /// A readable summary: each lost field with how many records lose it and the first few.
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        if self.is_empty() {
            let _ = writeln!(out, "{} -> {}: nothing lost", self.from, self.to);
            return out;
        }
        let _ = writeln!(out, "{} -> {}: lost", self.from, self.to);
        let mut records: BTreeMap<Kind, Vec<&RecordRef>> = BTreeMap::new();
        for r in &self.records {
            records.entry(r.kind).or_default().push(r);
        }
        for (kind, list) in records {
            let _ = writeln!(
                out,
                "  {} records: {} ({})",
                kind.as_str(),
                list.len(),
                first(list.iter().map(|r| format!("{:?}", r.key)))
            );
        }
        let mut fields: BTreeMap<(Kind, &str), Vec<&LostField>> = BTreeMap::new();
        for f in &self.fields {
            fields.entry((f.kind, f.field)).or_default().push(f);
        }
        for ((kind, field), list) in fields {
            let _ = writeln!(
                out,
                "  {}.{field}: {} record(s) ({})",
                kind.as_str(),
                list.len(),
                first(list.iter().map(|f| format!("{:?}", f.record)))
            );
        }
        let links: usize = self.memberships.iter().map(|m| m.agents.len()).sum();
        if links > 0 {
            let _ = writeln!(
                out,
                "  memberships: {links} in {} department(s) ({})",
                self.memberships.len(),
                first(
                    self.memberships
                        .iter()
                        .map(|m| format!("{:?}", m.department))
                )
            );
        }
        out
    }
}

/// The first three items and how many more. Only those three are formatted: counting the rest
/// through the formatting closure made a summary of a million lost fields take a second.
fn first(items: impl ExactSizeIterator<Item = String>) -> String {
    let total = items.len();
    let shown: Vec<String> = items.take(3).collect();
    let more = total - shown.len();
    if more > 0 {
        format!("{}, and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Writes `state` (read from `from`) in `to`, and reports what `to` loses. Returns the files
/// and the report.
pub fn convert(
    state: &State,
    from: &dyn Format,
    to: &dyn Format,
    site: &Site,
) -> Result<(Files, LossReport), MigrationError> {
    let files = to.write(state, site)?;
    let (loss, _back) = measure(state, from, to, &files)?;
    Ok((files, loss))
}

/// The loss report of `files`, which are `state` (read from `from`) written in `to`: they are
/// read back and compared with `state`. Returns the report and the state read back, which a
/// caller about to exit may leave unfreed.
pub fn measure(
    state: &State,
    from: &dyn Format,
    to: &dyn Format,
    files: &Files,
) -> Result<(LossReport, State), MigrationError> {
    let back = to.read(files)?;
    let report = compare::compare(
        Side {
            label: from.name(),
            state,
            carries: from.carries(),
        },
        Side {
            label: to.name(),
            state: &back,
            carries: to.carries(),
        },
        Options {
            match_ids: false,
            fold_case: false,
            times: true,
        },
        Fields::Only(from.carries()),
    );
    let loss = LossReport {
        from: from.name().to_owned(),
        to: to.name().to_owned(),
        records: report.only_in_a,
        fields: report
            .fields
            .into_iter()
            .map(|f| LostField {
                kind: f.kind,
                record: f.record,
                field: f.field,
                value: f.a,
                becomes: f.b,
            })
            .collect(),
        memberships: report
            .memberships
            .into_iter()
            .filter(|m| !m.only_in_a.is_empty())
            .map(|m| LostMembers {
                department: m.department,
                agents: m.only_in_a,
            })
            .collect(),
    };
    Ok((loss, back))
}
