//! Rocket.Chat's permission matrix and settings, kept in the model's named settings so that every
//! facade instance (and later the journal) shares them and a fixture file can preset them.
//!
//! - `rocketchat.permission.<id>`: a JSON array of role names; absent = the default list of
//!   `apps/meteor/app/authorization/server/constant/permissions.ts` (spec §2.2).
//! - `rocketchat.setting.<id>`: the setting's value; absent = Rocket.Chat's shipped default.

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde_json::Value;

use super::Edition;
use crate::model::State;

/// Where a permission's role list lives among the named settings.
pub fn permission_key(id: &str) -> String {
    format!("rocketchat.permission.{id}")
}

/// Where a setting's value lives among the named settings.
pub fn setting_key(id: &str) -> String {
    format!("rocketchat.setting.{id}")
}

/// The permissions these routes check, with Rocket.Chat's default roles (spec §2.2).
pub const PERMISSIONS: &[(&str, &[&str])] = &[
    ("access-permissions", &["admin"]),
    (
        "add-livechat-department-agents",
        &["livechat-manager", "livechat-monitor", "admin"],
    ),
    ("create-user", &["admin"]),
    ("delete-user", &["admin"]),
    (
        "edit-omnichannel-contact",
        &["livechat-manager", "livechat-agent", "admin"],
    ),
    ("edit-other-user-info", &["admin"]),
    ("edit-privileged-setting", &["admin"]),
    (
        "manage-livechat-agents",
        &["livechat-manager", "livechat-monitor", "admin"],
    ),
    (
        "manage-livechat-departments",
        &["livechat-manager", "livechat-monitor", "admin"],
    ),
    ("remove-livechat-department", &["livechat-manager", "admin"]),
    (
        "transfer-livechat-guest",
        &["livechat-manager", "livechat-monitor", "admin"],
    ),
    (
        "view-l-room",
        &[
            "livechat-manager",
            "livechat-monitor",
            "livechat-agent",
            "admin",
        ],
    ),
    (
        "view-livechat-departments",
        &["livechat-manager", "livechat-monitor", "admin"],
    ),
    (
        "view-livechat-manager",
        &["livechat-manager", "livechat-monitor", "admin"],
    ),
    ("view-privileged-setting", &["admin"]),
];

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

pub fn is_known(id: &str) -> bool {
    PERMISSIONS.iter().any(|(p, _)| *p == id)
}

/// The roles that hold `permission` now.
pub fn roles_of(view: &State, permission: &str) -> Vec<String> {
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

/// The stored roles of `permission` if a client changed them, else its default (none for a
/// permission this facade does not know).
fn holders_of<'a>(view: &'a State, permission: &str) -> Holders<'a> {
    let default = PERMISSIONS
        .iter()
        .find(|(p, _)| *p == permission)
        .map_or(&[][..], |(_, roles)| *roles);
    match view.setting(&permission_key(permission)) {
        Some(Value::Array(roles)) => Holders::Stored(roles),
        _ => Holders::Default(default),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking permissions per request: bits, not names.

/// One of [`PERMISSIONS`], by its place there. Made by [`perm!`], which looks the name up while
/// compiling: a name that is not in the table does not build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission(u8);

/// The [`Permission`] named by a string literal, found at compile time.
macro_rules! perm {
    ($name:literal) => {
        const { $crate::facades::rocketchat::permissions::Permission::named($name) }
    };
}
pub(crate) use perm;

impl Permission {
    /// The permission called `name`; a name not in [`PERMISSIONS`] panics (at compile time
    /// through [`perm!`]).
    pub const fn named(name: &str) -> Permission {
        const fn same(a: &[u8], b: &[u8]) -> bool {
            if a.len() != b.len() {
                return false;
            }
            let mut i = 0;
            while i < a.len() {
                if a[i] != b[i] {
                    return false;
                }
                i += 1;
            }
            true
        }
        let mut i = 0;
        while i < PERMISSIONS.len() {
            if same(PERMISSIONS[i].0.as_bytes(), name.as_bytes()) {
                return Permission(i as u8);
            }
            i += 1;
        }
        panic!("not a permission of PERMISSIONS");
    }
}

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
pub struct Grants(u16);
const _: () = assert!(PERMISSIONS.len() <= 16);

impl Grants {
    pub fn has(self, permission: Permission) -> bool {
        self.0 & (1 << permission.0) != 0
    }
}

/// Which roles hold each permission at one state version.
struct HolderTable {
    version: u64,
    holders: [Roles; PERMISSIONS.len()],
}

impl HolderTable {
    fn of(view: &State) -> HolderTable {
        let mut holders = [Roles::default(); PERMISSIONS.len()];
        for ((name, _), roles) in PERMISSIONS.iter().zip(&mut holders) {
            *roles = match holders_of(view, name) {
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
        let mut bits = 0;
        for (i, holders) in self.holders.iter().enumerate() {
            if holders.0 & roles.0 != 0 {
                bits |= 1 << i;
            }
        }
        Grants(bits)
    }
}

/// The holders of every permission, worked out once per state version (the matrix changes only
/// with `permissions.update`, and every request checks one or two permissions).
pub struct PermissionMatrix {
    table: ArcSwap<HolderTable>,
}

impl Default for PermissionMatrix {
    fn default() -> Self {
        PermissionMatrix {
            // No state has this version: the first request works the table out.
            table: ArcSwap::from_pointee(HolderTable {
                version: u64::MAX,
                holders: [Roles::default(); PERMISSIONS.len()],
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

/// Makes a setting's default value.
type DefaultValue = fn() -> Value;

/// Settings these routes read, with the defaults Rocket.Chat ships (spec §3.1 #6, §7).
pub const SETTINGS: &[(&str, DefaultValue)] = &[
    ("Livechat_enabled", || Value::Bool(true)),
    ("Omnichannel_enable_department_removal", || {
        Value::Bool(false)
    }),
    ("Livechat_enable_business_hours", || Value::Bool(false)),
    ("Livechat_business_hour_type", || {
        Value::String("Single".into())
    }),
    ("Livechat_Routing_Method", || {
        Value::String("Auto_Selection".into())
    }),
    ("Livechat_title", || Value::String("Rocket.Chat".into())),
    ("Livechat_registration_form", || Value::Bool(true)),
    ("Livechat_allow_switching_departments", || Value::Bool(true)),
    ("Livechat_display_offline_form", || Value::Bool(true)),
];

/// A setting's value: the stored one, else the shipped default, else none (not a setting).
pub fn setting(view: &State, id: &str) -> Option<Value> {
    view.setting(&setting_key(id)).cloned().or_else(|| {
        SETTINGS
            .iter()
            .find(|(name, _)| *name == id)
            .map(|(_, default)| default())
    })
}

/// A boolean setting, false when unset or not a boolean.
pub fn flag(view: &State, id: &str) -> bool {
    setting(view, id).and_then(|v| v.as_bool()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, Store};

    #[test]
    fn a_permission_is_its_place_in_the_table() {
        for (i, (name, _)) in PERMISSIONS.iter().enumerate() {
            assert_eq!(Permission::named(name), Permission(i as u8));
        }
        assert_eq!(
            perm!("view-l-room"),
            Permission::named("view-l-room"),
            "the macro and the function agree"
        );
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
        let view_room = perm!("view-l-room");
        let view_departments = perm!("view-livechat-departments");

        let before = store.view();
        let grants = matrix.grants(&before, agent);
        assert!(grants.has(view_room) && !grants.has(view_departments));
        let grants = matrix.grants(&before, manager);
        assert!(grants.has(view_room) && grants.has(view_departments));
        assert_eq!(matrix.grants(&before, Roles::USER), Grants::default());

        store
            .apply(Command::SetSetting {
                name: permission_key("view-livechat-departments"),
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
