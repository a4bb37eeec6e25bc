//! The departments by id, with the number of active ones kept beside the map, so that a list of
//! the active departments knows its length without a scan.
//!
//! Reads go through `Deref` to the map itself; the only ways to change it are [`insert`] and
//! [`remove`], which keep the count. There is deliberately no `DerefMut`: a write that bypassed
//! them would not compile.
//!
//! [`insert`]: DepartmentMap::insert
//! [`remove`]: DepartmentMap::remove

use std::ops::Deref;
use std::sync::Arc;

use imbl::OrdMap;

use super::department::Department;
use super::ids::DepartmentId;

#[derive(Clone, Default, PartialEq)]
pub(super) struct DepartmentMap {
    map: OrdMap<DepartmentId, Arc<Department>>,
    /// How many of `map`'s departments are active.
    active: usize,
}

impl Deref for DepartmentMap {
    type Target = OrdMap<DepartmentId, Arc<Department>>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl DepartmentMap {
    /// Inserts or replaces a department, returning the one it replaced.
    pub(super) fn insert(
        &mut self,
        id: DepartmentId,
        department: Arc<Department>,
    ) -> Option<Arc<Department>> {
        let active = department.active;
        let old = self.map.insert(id, department);
        self.forget(old.as_deref());
        if active {
            self.active += 1;
        }
        old
    }

    /// Removes a department, returning it.
    pub(super) fn remove(&mut self, id: &DepartmentId) -> Option<Arc<Department>> {
        let old = self.map.remove(id);
        self.forget(old.as_deref());
        old
    }

    /// The number of active departments.
    pub(super) fn active_count(&self) -> usize {
        self.active
    }

    fn forget(&mut self, old: Option<&Department>) {
        if old.is_some_and(|d| d.active) {
            self.active -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::command::NewDepartment;
    use crate::model::department::DepartmentName;
    use crate::model::ids::{ObjectId, Timestamp};

    fn department(id: u64, active: bool) -> Arc<Department> {
        let now = Timestamp::from_unix_millis(0);
        let new = NewDepartment::named(DepartmentName::parse("D").unwrap());
        Arc::new(Department {
            active,
            ..new.into_department(DepartmentId(id), ObjectId::generate(now), now)
        })
    }

    #[test]
    fn the_active_count_follows_inserts_replacements_and_removals() {
        let mut map = DepartmentMap::default();
        map.insert(DepartmentId(1), department(1, true));
        map.insert(DepartmentId(2), department(2, true));
        map.insert(DepartmentId(3), department(3, false));
        assert_eq!((map.len(), map.active_count()), (3, 2));

        let before = map.clone();
        map.insert(DepartmentId(1), department(1, false));
        map.insert(DepartmentId(3), department(3, true));
        map.insert(DepartmentId(3), department(3, true));
        assert_eq!(map.active_count(), 2);
        map.remove(&DepartmentId(2));
        map.remove(&DepartmentId(9));
        assert_eq!((map.len(), map.active_count()), (2, 1));
        map.remove(&DepartmentId(1));
        assert_eq!((map.len(), map.active_count()), (1, 1));
        // Clones share structure but not counts.
        assert_eq!((before.len(), before.active_count()), (3, 2));
    }
}
