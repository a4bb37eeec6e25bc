//! Units: named groups of departments, each watched by supervising agents. A department belongs
//! to at most one unit; a supervisor sees the departments of the units it supervises.
//!
//! A unit holds its departments and supervisors by id, so one record is one journal change
//! ([`Change::PutUnit`](super::Change::PutUnit)); the store keeps the index from a department to
//! its unit beside it, and drops a deleted department or agent from every unit.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::command::{Outcome, UnitSpec};
use super::error::ModelError;
use super::ids::{AgentId, DepartmentId, ObjectId, Timestamp};
use super::state::State;

/// A named group of departments with supervising agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub uid: ObjectId,
    pub name: String,
    /// Who may see the unit, as the client named it (`public`, `private`).
    pub visibility: String,
    /// Supervising agents, ascending, each once.
    pub supervisors: Vec<AgentId>,
    /// Its departments, ascending, each once; none is in another unit.
    pub departments: Vec<DepartmentId>,
    pub updated_at: Timestamp,
}

impl State {
    /// All units, by string id.
    pub fn units(&self) -> impl Iterator<Item = &Arc<Unit>> {
        self.units.values()
    }

    pub fn unit(&self, uid: &ObjectId) -> Option<&Arc<Unit>> {
        self.units.get(uid)
    }

    /// The unit a department belongs to.
    pub fn unit_of(&self, department: DepartmentId) -> Option<&Arc<Unit>> {
        self.unit_of_department
            .get(&department)
            .and_then(|uid| self.units.get(uid))
    }

    /// The units an agent supervises; `O(units)`.
    pub fn units_supervised_by(&self, agent: AgentId) -> impl Iterator<Item = &Arc<Unit>> {
        self.units
            .values()
            .filter(move |u| u.supervisors.binary_search(&agent).is_ok())
    }

    /// Creates a unit (`uid` `None`) or replaces the one with this id.
    pub(super) fn save_unit(
        &mut self,
        uid: Option<ObjectId>,
        spec: UnitSpec,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        let uid = match uid {
            Some(uid) if self.units.contains_key(&uid) => uid,
            Some(_) => return Err(no_unit()),
            None => {
                let mut uid = ObjectId::generate(now);
                while self.units.contains_key(&uid) || self.department_by_uid.contains_key(&uid) {
                    uid = ObjectId::generate(now);
                }
                uid
            }
        };
        let mut supervisors: Vec<AgentId> = spec
            .supervisors
            .into_iter()
            .filter(|a| self.agents.contains_key(a))
            .collect();
        supervisors.sort_unstable();
        supervisors.dedup();
        let mut departments: Vec<DepartmentId> = spec
            .departments
            .into_iter()
            .filter(|d| self.departments.contains_key(d))
            .collect();
        departments.sort_unstable();
        departments.dedup();
        // Departments taken from other units leave them.
        for d in &departments {
            if let Some(other) = self.unit_of_department.get(d).copied()
                && other != uid
            {
                self.take_from_unit(other, *d, now);
            }
        }
        self.put_unit(Unit {
            uid,
            name: spec.name,
            visibility: spec.visibility,
            supervisors,
            departments,
            updated_at: now,
        });
        Ok(Outcome::Unit(uid))
    }

    /// Deletes a unit; its departments belong to none afterwards.
    pub(super) fn delete_unit(&mut self, uid: ObjectId) -> Result<Outcome, ModelError> {
        if !self.drop_unit(&uid) {
            return Err(no_unit());
        }
        Ok(Outcome::Deleted)
    }

    /// Moves a department into a unit, or out of its unit (`None`).
    pub(super) fn set_department_unit(
        &mut self,
        department: DepartmentId,
        unit: Option<ObjectId>,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        self.require_department(department)?;
        if unit.is_some_and(|u| !self.units.contains_key(&u)) {
            return Err(no_unit());
        }
        let current = self.unit_of_department.get(&department).copied();
        if current == unit {
            return Ok(Outcome::Department(department));
        }
        if let Some(current) = current {
            self.take_from_unit(current, department, now);
        }
        if let Some(uid) = unit
            && let Some(old) = self.units.get(&uid)
        {
            let mut new = Unit::clone(old);
            if let Err(at) = new.departments.binary_search(&department) {
                new.departments.insert(at, department);
            }
            new.updated_at = now;
            self.put_unit(new);
        }
        Ok(Outcome::Department(department))
    }

    /// Takes a department out of every unit (it is deleted).
    pub(super) fn leave_unit(&mut self, department: DepartmentId, now: Timestamp) {
        if let Some(uid) = self.unit_of_department.get(&department).copied() {
            self.take_from_unit(uid, department, now);
        }
    }

    /// Takes an agent off every unit it supervises (it is deleted).
    pub(super) fn stop_supervising(&mut self, agent: AgentId, now: Timestamp) {
        let supervised: Vec<Arc<Unit>> = self.units_supervised_by(agent).cloned().collect();
        for unit in supervised {
            let mut new = Unit::clone(&unit);
            new.supervisors.retain(|a| *a != agent);
            new.updated_at = now;
            self.put_unit(new);
        }
    }

    fn take_from_unit(&mut self, uid: ObjectId, department: DepartmentId, now: Timestamp) {
        if let Some(old) = self.units.get(&uid) {
            let mut new = Unit::clone(old);
            new.departments.retain(|d| *d != department);
            new.updated_at = now;
            self.put_unit(new);
        }
    }

    /// Puts a unit record and its department index (replay and loading too). Index entries of
    /// departments it no longer holds go only if they still point at it, so that units put in
    /// any order end consistent.
    pub(super) fn put_unit(&mut self, unit: Unit) {
        if let Some(old) = self.units.get(&unit.uid).cloned() {
            for d in &old.departments {
                if self.unit_of_department.get(d) == Some(&unit.uid) {
                    self.unit_of_department.remove(d);
                }
            }
        }
        for d in &unit.departments {
            self.unit_of_department.insert(*d, unit.uid);
        }
        self.units.insert(unit.uid, Arc::new(unit));
    }

    /// Removes a unit record and its index entries; whether it was there.
    pub(super) fn drop_unit(&mut self, uid: &ObjectId) -> bool {
        let Some(old) = self.units.remove(uid) else {
            return false;
        };
        for d in &old.departments {
            if self.unit_of_department.get(d) == Some(uid) {
                self.unit_of_department.remove(d);
            }
        }
        true
    }

    /// The units' part of [`State::check_invariants`].
    pub(super) fn check_units(&self) -> Result<(), String> {
        let mut held = 0;
        for (uid, unit) in self.units.iter() {
            if unit.uid != *uid {
                return Err(format!("unit {uid} is filed under another id"));
            }
            if !unit.departments.is_sorted_by(|a, b| a < b)
                || !unit.supervisors.is_sorted_by(|a, b| a < b)
            {
                return Err(format!("unit {uid}'s lists are out of order"));
            }
            if unit
                .supervisors
                .iter()
                .any(|a| !self.agents.contains_key(a))
            {
                return Err(format!("unit {uid} has a missing supervisor"));
            }
            for d in &unit.departments {
                if !self.departments.contains_key(d) {
                    return Err(format!("unit {uid} holds a missing department {d}"));
                }
                if self.unit_of_department.get(d) != Some(uid) {
                    return Err(format!("department {d} is indexed under another unit"));
                }
            }
            held += unit.departments.len();
        }
        if held != self.unit_of_department.len() {
            return Err("unit index and units' departments differ in size".into());
        }
        Ok(())
    }
}

fn no_unit() -> ModelError {
    ModelError::Invalid {
        field: "unit",
        reason: "names no unit".into(),
    }
}
