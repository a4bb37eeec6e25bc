//! Reconciliation: two states side by side. Departments are matched by name and agents by
//! email (or both by id), and the report lists the counts, the records on one side only, the
//! field differences of matched records, the membership differences per department, and what
//! was not compared because one side does not carry it.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::record::{self, Carries, Kind};
use crate::model::{Agent, AgentId, Department, Membership, State};

/// Records are paired and keyed through hash maps of a million entries: foldhash, as the
/// model's indexes, rather than SipHash.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// One side: a state, where it came from, and which fields it holds.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub label: &'a str,
    pub state: &'a State,
    pub carries: &'a Carries,
}

/// How records are matched and which fields are compared.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Options {
    /// Match departments and agents by id (`id` when both sides carry it, else `uid`) rather
    /// than by name and email. Ids are for matching: they are not compared as fields.
    pub match_ids: bool,
    /// Match department names without regard to case (emails always are).
    pub fold_case: bool,
    /// Compare `created_at` and `updated_at` (which a copy made through an API resets).
    pub times: bool,
}

/// Which fields a comparison looks at.
#[derive(Debug, Clone, Copy)]
pub enum Fields<'a> {
    /// Those both sides carry, less ids, and less times unless the options ask for them.
    Common,
    /// Exactly these, ids and times included (a loss report: what the source held).
    Only(&'a Carries),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Counts {
    pub label: String,
    pub departments: usize,
    pub agents: usize,
    pub memberships: usize,
}

/// A record, as people find it: a department by name and id, an agent by email and id.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordRef {
    pub kind: Kind,
    pub key: String,
    pub id: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldDifference {
    pub kind: Kind,
    /// The department's name, the agent's email, or `department / email` for a membership.
    pub record: String,
    pub field: &'static str,
    pub a: Value,
    pub b: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MembershipDifference {
    pub department: String,
    /// Agent emails linked on side A only.
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotCompared {
    pub kind: Kind,
    pub field: String,
    /// `a` or `b`: the side that carries it.
    pub carried_by: &'static str,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub a: Counts,
    pub b: Counts,
    pub options: Options,
    pub only_in_a: Vec<RecordRef>,
    pub only_in_b: Vec<RecordRef>,
    pub fields: Vec<FieldDifference>,
    pub memberships: Vec<MembershipDifference>,
    pub not_compared: Vec<NotCompared>,
    pub equal: bool,
}

impl PartialEq for Options {
    fn eq(&self, other: &Self) -> bool {
        (self.match_ids, self.fold_case, self.times)
            == (other.match_ids, other.fold_case, other.times)
    }
}

fn counts(side: &Side<'_>) -> Counts {
    Counts {
        label: side.label.to_owned(),
        departments: side.state.department_count(),
        agents: side.state.agent_count(),
        memberships: side.state.membership_count(),
    }
}

/// The fields of `kind` to compare, and those one side carries alone.
fn fields_of(
    kind: Kind,
    a: &Carries,
    b: &Carries,
    fields: Fields<'_>,
    options: &Options,
    not_compared: &mut Vec<NotCompared>,
) -> Vec<&'static str> {
    match fields {
        Fields::Only(carries) => carries.of(kind).to_vec(),
        Fields::Common => kind
            .fields()
            .iter()
            .copied()
            .filter(|field| {
                let (in_a, in_b) = (a.of(kind).contains(field), b.of(kind).contains(field));
                if in_a != in_b {
                    not_compared.push(NotCompared {
                        kind,
                        field: (*field).to_owned(),
                        carried_by: if in_a { "a" } else { "b" },
                    });
                }
                in_a && in_b
                    && !record::is_identity(field)
                    && (options.times || !record::is_time(field))
            })
            .collect(),
    }
}

/// Pairs the records of two sides by key, first with first in id order; returns the pairs and
/// what is left on each side.
fn pair<'s, T>(
    a: impl Iterator<Item = &'s Arc<T>>,
    b: impl Iterator<Item = &'s Arc<T>>,
    key: impl Fn(&T) -> String,
) -> (Vec<(&'s T, &'s T)>, Vec<&'s T>, Vec<&'s T>)
where
    T: 's,
{
    let mut by_key: HashMap<String, VecDeque<&T>> = HashMap::default();
    let mut b_order = Vec::new();
    for record in b {
        by_key.entry(key(record)).or_default().push_back(record);
        b_order.push(&**record);
    }
    let mut pairs = Vec::new();
    let mut only_a = Vec::new();
    for record in a {
        match by_key.get_mut(&key(record)).and_then(VecDeque::pop_front) {
            Some(other) => pairs.push((&**record, other)),
            None => only_a.push(&**record),
        }
    }
    let only_b = b_order
        .into_iter()
        .filter(|r| {
            by_key
                .get(&key(r))
                .is_some_and(|left| left.iter().any(|l| std::ptr::eq(*l, *r)))
        })
        .collect();
    (pairs, only_a, only_b)
}

/// A department's links by member email, sorted by it.
fn members<'s, 'k>(
    state: &'s State,
    keys: &'k HashMap<AgentId, String>,
    d: &Department,
) -> Vec<(&'k str, &'s Membership)> {
    let mut list: Vec<(&'k str, &'s Membership)> = state
        .members_of(d.id)
        .filter_map(|m| Some((keys.get(&m.agent)?.as_str(), m)))
        .collect();
    list.sort_unstable_by_key(|(key, _)| *key);
    list
}

/// Compares two sides.
pub fn compare(a: Side<'_>, b: Side<'_>, options: Options, fields: Fields<'_>) -> Report {
    let mut not_compared = Vec::new();
    let department_fields = fields_of(
        Kind::Department,
        a.carries,
        b.carries,
        fields,
        &options,
        &mut not_compared,
    );
    let agent_fields = fields_of(
        Kind::Agent,
        a.carries,
        b.carries,
        fields,
        &options,
        &mut not_compared,
    );
    let link_fields = fields_of(
        Kind::Membership,
        a.carries,
        b.carries,
        fields,
        &options,
        &mut not_compared,
    );
    // By id: `id` when both carry it, else `uid`.
    let by_uid = options.match_ids
        && !(a.carries.department.contains(&"id") && b.carries.department.contains(&"id"));
    let agents_by_uid =
        options.match_ids && !(a.carries.agent.contains(&"id") && b.carries.agent.contains(&"id"));
    let department_key = |d: &Department| -> String {
        if options.match_ids {
            if by_uid {
                d.uid.to_string()
            } else {
                d.id.0.to_string()
            }
        } else if options.fold_case {
            d.name.as_str().to_lowercase()
        } else {
            d.name.as_str().to_owned()
        }
    };
    let agent_key = |x: &Agent| -> String {
        if options.match_ids {
            if agents_by_uid {
                x.uid.as_str().to_owned()
            } else {
                x.id.0.to_string()
            }
        } else {
            x.email.key()
        }
    };

    let mut report = Report {
        a: counts(&a),
        b: counts(&b),
        options,
        only_in_a: Vec::new(),
        only_in_b: Vec::new(),
        fields: Vec::new(),
        memberships: Vec::new(),
        not_compared,
        equal: false,
    };

    let (agent_pairs, only_a, only_b) = pair(a.state.agents(), b.state.agents(), agent_key);
    let agent_ref = |x: &Agent| RecordRef {
        kind: Kind::Agent,
        key: x.email.as_str().to_owned(),
        id: x.id.0,
    };
    report.only_in_a.extend(only_a.into_iter().map(agent_ref));
    report.only_in_b.extend(only_b.into_iter().map(agent_ref));
    for (x, y) in &agent_pairs {
        for field in &agent_fields {
            if !record::same_agent(x, y, field) {
                report.fields.push(FieldDifference {
                    kind: Kind::Agent,
                    record: x.email.as_str().to_owned(),
                    field,
                    a: record::agent_value(x, field),
                    b: record::agent_value(y, field),
                });
            }
        }
    }

    // Each agent's email key, once per side.
    let keys = |state: &State| -> HashMap<AgentId, String> {
        state.agents().map(|x| (x.id, x.email.key())).collect()
    };
    let (keys_a, keys_b) = (keys(a.state), keys(b.state));
    let (department_pairs, only_a, only_b) =
        pair(a.state.departments(), b.state.departments(), department_key);
    let department_ref = |d: &Department| RecordRef {
        kind: Kind::Department,
        key: d.name.as_str().to_owned(),
        id: d.id.0,
    };
    report
        .only_in_a
        .extend(only_a.into_iter().map(department_ref));
    report
        .only_in_b
        .extend(only_b.into_iter().map(department_ref));
    for (x, y) in &department_pairs {
        for field in &department_fields {
            // Folding case for matching folds it for the name's comparison too.
            let same = record::same_department(a.state, x, b.state, y, field)
                || (options.fold_case
                    && *field == "name"
                    && x.name.as_str().to_lowercase() == y.name.as_str().to_lowercase());
            if !same {
                report.fields.push(FieldDifference {
                    kind: Kind::Department,
                    record: x.name.as_str().to_owned(),
                    field,
                    a: record::department_value(a.state, x, field),
                    b: record::department_value(b.state, y, field),
                });
            }
        }
        // Members by email (the one key every format holds), both sides sorted, walked together.
        let (ma, mb) = (members(a.state, &keys_a, x), members(b.state, &keys_b, y));
        let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            let order = match (ma.get(i), mb.get(j)) {
                (Some(p), Some(q)) => p.0.cmp(q.0),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match order {
                std::cmp::Ordering::Less => {
                    only_a.push(ma[i].0.to_owned());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    only_b.push(mb[j].0.to_owned());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    let ((email, la), (_, lb)) = (ma[i], mb[j]);
                    // Named once for all its differing fields.
                    let mut named: Option<String> = None;
                    for field in &link_fields {
                        if !record::same_membership(la, lb, field) {
                            let record = named
                                .get_or_insert_with(|| format!("{} / {email}", x.name.as_str()));
                            report.fields.push(FieldDifference {
                                kind: Kind::Membership,
                                record: record.clone(),
                                field,
                                a: record::membership_value(la, field),
                                b: record::membership_value(lb, field),
                            });
                        }
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        if !only_a.is_empty() || !only_b.is_empty() {
            report.memberships.push(MembershipDifference {
                department: x.name.as_str().to_owned(),
                only_in_a: only_a,
                only_in_b: only_b,
            });
        }
    }
    report.equal = report.only_in_a.is_empty()
        && report.only_in_b.is_empty()
        && report.fields.is_empty()
        && report.memberships.is_empty();
    report
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

impl Report {
    /// The readable table `deskbridge reconcile` prints.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<14} {:>12} {:>12} {:>12}",
            "", "departments", "agents", "memberships"
        );
        for (side, c) in [("A", &self.a), ("B", &self.b)] {
            let _ = writeln!(
                out,
                "{:<14} {:>12} {:>12} {:>12}   {}",
                side, c.departments, c.agents, c.memberships, c.label
            );
        }
        let _ = writeln!(out);
        for (side, refs) in [("A", &self.only_in_a), ("B", &self.only_in_b)] {
            for r in refs {
                let _ = writeln!(
                    out,
                    "only in {side}: {} {:?} (id {})",
                    r.kind.as_str(),
                    r.key,
                    r.id
                );
            }
        }
        for f in &self.fields {
            let _ = writeln!(
                out,
                "{} {:?}: {}: A {} / B {}",
                f.kind.as_str(),
                f.record,
                f.field,
                short(&f.a),
                short(&f.b)
            );
        }
        for m in &self.memberships {
            for email in &m.only_in_a {
                let _ = writeln!(out, "members of {:?}: {email} only in A", m.department);
            }
            for email in &m.only_in_b {
                let _ = writeln!(out, "members of {:?}: {email} only in B", m.department);
            }
        }
        if !self.not_compared.is_empty() {
            let names: Vec<String> = self
                .not_compared
                .iter()
                .map(|n| {
                    format!(
                        "{}.{} (only {} carries it)",
                        n.kind.as_str(),
                        n.field,
                        n.carried_by.to_uppercase()
                    )
                })
                .collect();
            let _ = writeln!(out, "not compared: {}", names.join(", "));
        }
        let differences = self.only_in_a.len()
            + self.only_in_b.len()
            + self.fields.len()
            + self
                .memberships
                .iter()
                .map(|m| m.only_in_a.len() + m.only_in_b.len())
                .sum::<usize>();
        if self.equal {
            let _ = writeln!(out, "equal");
        } else {
            let _ = writeln!(out, "{differences} difference(s)");
        }
        out
    }
}
