//! Rocket.Chat's permission matrix: the permissions these routes check, who holds each (kept in
//! the model's named settings so that every facade instance and the journal share it and a
//! fixture file can preset it), and the per-request check as bits.
//!
//! - `rocketchat.permission.<id>`: a JSON array of role names; absent = the default list of
//!   `apps/meteor/app/authorization/server/constant/permissions.ts` (spec §2.2).

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde_json::Value;

use super::Edition;
use crate::model::State;

/// Where a permission's role list lives among the named settings.
pub fn permission_key(permission: Permission) -> String {
    format!("rocketchat.permission.{}", permission.id())
}

/// The permissions these routes check (spec §2.2), in `permissions.listAll`'s order. A
/// misspelt permission is a variant that does not exist, so it does not compile; each one is
/// also its bit in [`Grants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Permission {
    AccessPermissions,
    AddLivechatDepartmentAgents,
    CreateUser,
    DeleteUser,
    EditOmnichannelContact,
    EditOtherUserInfo,
    EditPrivilegedSetting,
    ManageLivechatAgents,
    ManageLivechatDepartments,
    ManageLivechatMonitors,
    ManageLivechatUnits,
    RemoveLivechatDepartment,
    TransferLivechatGuest,
    ViewLRoom,
    ViewLivechatDepartments,
    ViewLivechatManager,
    ViewPrivilegedSetting,
}

impl Permission {
    /// Every permission, in declaration (and listing) order.
    pub const ALL: [Permission; 17] = [
        Permission::AccessPermissions,
        Permission::AddLivechatDepartmentAgents,
        Permission::CreateUser,
        Permission::DeleteUser,
        Permission::EditOmnichannelContact,
        Permission::EditOtherUserInfo,
        Permission::EditPrivilegedSetting,
        Permission::ManageLivechatAgents,
        Permission::ManageLivechatDepartments,
        Permission::ManageLivechatMonitors,
        Permission::ManageLivechatUnits,
        Permission::RemoveLivechatDepartment,
        Permission::TransferLivechatGuest,
        Permission::ViewLRoom,
        Permission::ViewLivechatDepartments,
        Permission::ViewLivechatManager,
        Permission::ViewPrivilegedSetting,
    ];

    /// Its Rocket.Chat `_id`.
    pub const fn id(self) -> &'static str {
        match self {
            Permission::AccessPermissions => "access-permissions",
            Permission::AddLivechatDepartmentAgents => "add-livechat-department-agents",
            Permission::CreateUser => "create-user",
            Permission::DeleteUser => "delete-user",
            Permission::EditOmnichannelContact => "edit-omnichannel-contact",
            Permission::EditOtherUserInfo => "edit-other-user-info",
            Permission::EditPrivilegedSetting => "edit-privileged-setting",
            Permission::ManageLivechatAgents => "manage-livechat-agents",
            Permission::ManageLivechatDepartments => "manage-livechat-departments",
            Permission::ManageLivechatMonitors => "manage-livechat-monitors",
            Permission::ManageLivechatUnits => "manage-livechat-units",
            Permission::RemoveLivechatDepartment => "remove-livechat-department",
            Permission::TransferLivechatGuest => "transfer-livechat-guest",
            Permission::ViewLRoom => "view-l-room",
            Permission::ViewLivechatDepartments => "view-livechat-departments",
            Permission::ViewLivechatManager => "view-livechat-manager",
            Permission::ViewPrivilegedSetting => "view-privileged-setting",
        }
    }

    /// Rocket.Chat's default roles for it (`apps/meteor/app/authorization/server/constant/permissions.ts`).
    pub const fn default_roles(self) -> &'static [&'static str] {
        match self {
            Permission::AccessPermissions => &["admin"],
            Permission::AddLivechatDepartmentAgents => {
                &["livechat-manager", "livechat-monitor", "admin"]
            }
            Permission::CreateUser => &["admin"],
            Permission::DeleteUser => &["admin"],
            Permission::EditOmnichannelContact => &["livechat-manager", "livechat-agent", "admin"],
            Permission::EditOtherUserInfo => &["admin"],
            Permission::EditPrivilegedSetting => &["admin"],
            Permission::ManageLivechatAgents => &["livechat-manager", "livechat-monitor", "admin"],
            Permission::ManageLivechatDepartments => {
                &["livechat-manager", "livechat-monitor", "admin"]
            }
            // Enterprise (`apps/meteor/ee/app/livechat-enterprise/server/permissions.ts`).
            Permission::ManageLivechatMonitors => &["admin", "livechat-manager"],
            Permission::ManageLivechatUnits => &["admin", "livechat-manager"],
            Permission::RemoveLivechatDepartment => &["livechat-manager", "admin"],
            Permission::TransferLivechatGuest => &["livechat-manager", "livechat-monitor", "admin"],
            Permission::ViewLRoom => &[
                "livechat-manager",
                "livechat-monitor",
                "livechat-agent",
                "admin",
            ],
            Permission::ViewLivechatDepartments => {
                &["livechat-manager", "livechat-monitor", "admin"]
            }
            Permission::ViewLivechatManager => &["livechat-manager", "livechat-monitor", "admin"],
            Permission::ViewPrivilegedSetting => &["admin"],
        }
    }

    /// The permission with this `_id`, if these routes know it.
    pub fn from_id(id: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.id() == id)
    }

    /// Its place in [`Permission::ALL`] and its bit in [`Grants`].
    const fn index(self) -> usize {
        self as usize
    }
}

// `ALL` lists each permission at its own place, so that `index` finds it there.
const _: () = {
    let mut i = 0;
    while i < Permission::ALL.len() {
        assert!(Permission::ALL[i].index() == i);
        i += 1;
    }
};

/// The roles a permission may be given (Rocket.Chat's default roles; `livechat-monitor` exists
/// only with the Enterprise license).
pub fn role_exists(role: &str, edition: Edition) -> bool {
    const ROLES: &[&str] = &[
        "admin",
        "moderator",
        "leader",
        "owner",
        "user",
        "bot",
        "app",
        "guest",
        "anonymous",
        "livechat-agent",
        "livechat-manager",
    ];
    ROLES.contains(&role) || (role == "livechat-monitor" && edition == Edition::Enterprise)
}

/// The roles that hold `permission` now.
pub fn roles_of(view: &State, permission: Permission) -> Vec<String> {
    match holders_of(view, permission) {
        Holders::Stored(roles) => roles
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        Holders::Default(roles) => roles.iter().map(|r| (*r).to_owned()).collect(),
    }
}

/// Who holds a permission: the roles a client stored, or the shipped default.
enum Holders<'a> {
    Stored(&'a [Value]),
    Default(&'static [&'static str]),
}

/// The stored roles of `permission` if a client changed them, else its default.
fn holders_of(view: &State, permission: Permission) -> Holders<'_> {
    match view.setting(&permission_key(permission)) {
        Some(Value::Array(roles)) => Holders::Stored(roles),
        _ => Holders::Default(permission.default_roles()),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking permissions per request: bits, not names.

/// The Rocket.Chat roles a user of this gateway can have (`user`, `admin` and the three
/// livechat roles), as bits in [`ROLE_BITS`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles(u8);

/// The role behind each bit of [`Roles`].
const ROLE_BITS: [&str; 5] = [
    "user",
    "admin",
    "livechat-manager",
    "livechat-monitor",
    "livechat-agent",
];

impl Roles {
    pub const USER: Roles = Roles(1);
    pub const ADMIN: Roles = Roles(1 << 1);
    pub const LIVECHAT_MANAGER: Roles = Roles(1 << 2);
    pub const LIVECHAT_MONITOR: Roles = Roles(1 << 3);
    pub const LIVECHAT_AGENT: Roles = Roles(1 << 4);

    /// These roles and `other`'s.
    #[must_use]
    pub const fn with(self, other: Roles) -> Roles {
        Roles(self.0 | other.0)
    }

    /// The roles named, ignoring names no user here can have.
    pub fn named<'a>(names: impl IntoIterator<Item = &'a str>) -> Roles {
        let mut bits = 0;
        for name in names {
            if let Some(i) = ROLE_BITS.iter().position(|r| *r == name) {
                bits |= 1 << i;
            }
        }
        Roles(bits)
    }

    /// The role names, in [`ROLE_BITS`] order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        ROLE_BITS
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, name)| *name)
    }
}

/// The permissions a caller holds, worked out once per request: a bit per permission.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grants(u32);
const _: () = assert!(Permission::ALL.len() <= 32);

impl Grants {
    pub fn has(self, permission: Permission) -> bool {
        self.0 & (1 << permission.index()) != 0
    }
}

/// Which roles hold each permission at one state version.
struct HolderTable {
    version: u64,
    holders: [Roles; Permission::ALL.len()],
}

impl HolderTable {
    fn of(view: &State) -> HolderTable {
        let mut holders = [Roles::default(); Permission::ALL.len()];
        for (permission, roles) in Permission::ALL.into_iter().zip(&mut holders) {
            *roles = match holders_of(view, permission) {
                Holders::Stored(names) => Roles::named(names.iter().filter_map(Value::as_str)),
                Holders::Default(names) => Roles::named(names.iter().copied()),
            };
        }
        HolderTable {
            version: view.version(),
            holders,
        }
    }

    fn grants(&self, roles: Roles) -> Grants {
        let mut bits = 0u32;
        for (i, holders) in self.holders.iter().enumerate() {
            if holders.0 & roles.0 != 0 {
                bits |= 1 << i;
            }
        }
        Grants(bits)
    }
}

/// The holders of every permission, worked out once per state version (the matrix changes only
/// with `permissions.update`, and every request checks one or two permissions). Reading two role
/// lists by name per request cost ~530 instructions; as bits, callgrind's Rocket.Chat GET one
/// went 22 013 -> 21 500 instructions a request (docs/performance.md, "Permissions as bits").
pub struct PermissionMatrix {
    table: ArcSwap<HolderTable>,
}

impl Default for PermissionMatrix {
    fn default() -> Self {
        PermissionMatrix {
            // No state has this version: the first request works the table out.
            table: ArcSwap::from_pointee(HolderTable {
                version: u64::MAX,
                holders: [Roles::default(); Permission::ALL.len()],
            }),
        }
    }
}

impl PermissionMatrix {
    /// What a caller with `roles` may do in `view`.
    pub fn grants(&self, view: &State, roles: Roles) -> Grants {
        let kept = self.table.load();
        if kept.version == view.version() {
            return kept.grants(roles);
        }
        let fresh = HolderTable::of(view);
        let grants = fresh.grants(roles);
        // A request on an older view must not push a newer table out.
        if kept.version == u64::MAX || fresh.version > kept.version {
            self.table.store(Arc::new(fresh));
        }
        grants
    }
}

/// A route's `permissionsRequired` for one method (spec §1.2).
#[derive(Debug, Clone, Copy)]
pub enum Required {
    None,
    Any(&'static [Permission]),
    All(&'static [Permission]),
}

impl Required {
    pub fn allows(self, grants: Grants) -> bool {
        match self {
            Required::None => true,
            Required::Any(list) => list.iter().any(|p| grants.has(*p)),
            Required::All(list) => list.iter().all(|p| grants.has(*p)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, Store};

    #[test]
    fn a_permission_is_found_by_its_id_and_listed_in_id_order() {
        for permission in Permission::ALL {
            assert_eq!(Permission::from_id(permission.id()), Some(permission));
        }
        assert_eq!(Permission::from_id("view-l-rooms"), None);
        let ids: Vec<&str> = Permission::ALL.iter().map(|p| p.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "permissions.listAll lists them by id");
    }

    #[test]
    fn roles_keep_their_names_and_ignore_others() {
        let roles = Roles::named(["livechat-agent", "bot", "user"]);
        assert_eq!(roles, Roles::USER.with(Roles::LIVECHAT_AGENT));
        assert_eq!(
            roles.names().collect::<Vec<_>>(),
            ["user", "livechat-agent"]
        );
    }

    /// The matrix answers what the role lists say, default or stored, and follows every change of
    /// the state, while a request on an older view still gets that view's answer.
    #[tokio::test]
    async fn grants_follow_the_role_lists_of_each_state_version() {
        let store = Store::new(State::default());
        let matrix = PermissionMatrix::default();
        let agent = Roles::USER.with(Roles::LIVECHAT_AGENT);
        let manager = Roles::USER.with(Roles::LIVECHAT_MANAGER);
        let view_room = Permission::ViewLRoom;
        let view_departments = Permission::ViewLivechatDepartments;

        let before = store.view();
        let grants = matrix.grants(&before, agent);
        assert!(grants.has(view_room) && !grants.has(view_departments));
        let grants = matrix.grants(&before, manager);
        assert!(grants.has(view_room) && grants.has(view_departments));
        assert_eq!(matrix.grants(&before, Roles::USER), Grants::default());

        store
            .apply(Command::SetSetting {
                name: permission_key(Permission::ViewLivechatDepartments),
                value: Some(serde_json::json!(["livechat-agent", "no-such-role"])),
            })
            .await
            .unwrap();
        let after = store.view();
        assert!(matrix.grants(&after, agent).has(view_departments));
        assert!(!matrix.grants(&after, manager).has(view_departments));
        // The view taken before the change still sees the defaults, and does not push the newer
        // table out.
        assert!(!matrix.grants(&before, agent).has(view_departments));
        assert!(matrix.grants(&after, agent).has(view_departments));
        assert_eq!(matrix.table.load().version, after.version());
    }
}
