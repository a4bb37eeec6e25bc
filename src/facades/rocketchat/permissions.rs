//! Rocket.Chat's permission matrix and settings, kept in the model's named settings so that every
//! facade instance (and later the journal) shares them and a fixture file can preset them.
//!
//! - `rocketchat.permission.<id>`: a JSON array of role names; absent = the default list of
//!   `apps/meteor/app/authorization/server/constant/permissions.ts` (spec §2.2).
//! - `rocketchat.setting.<id>`: the setting's value; absent = Rocket.Chat's shipped default.

use std::collections::HashMap;
use std::sync::LazyLock;

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
    match holders(view, permission) {
        Holders::Stored(roles) => roles
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        Holders::Default(roles) => roles.iter().map(|r| (*r).to_owned()).collect(),
    }
}

/// Whether a user with `user_roles` has `permission`.
pub fn has(view: &State, user_roles: &[&str], permission: &str) -> bool {
    // What `roles_of` answers, without collecting it: this runs on every request.
    match holders(view, permission) {
        Holders::Stored(roles) => roles
            .iter()
            .filter_map(Value::as_str)
            .any(|r| user_roles.contains(&r)),
        Holders::Default(roles) => roles.iter().any(|r| user_roles.contains(r)),
    }
}

/// Who holds a permission: the roles a client stored, or the shipped default.
enum Holders<'a> {
    Stored(&'a [Value]),
    Default(&'static [&'static str]),
}

/// The stored roles of `permission` if a client changed them, else its default (none for a
/// permission this facade does not know). The setting key and the default of each known
/// permission are looked up once, by one hash, since every request checks one or two.
fn holders<'a>(view: &'a State, permission: &str) -> Holders<'a> {
    type Known =
        HashMap<&'static str, (String, &'static [&'static str]), foldhash::fast::RandomState>;
    static KNOWN: LazyLock<Known> = LazyLock::new(|| {
        PERMISSIONS
            .iter()
            .map(|(p, roles)| (*p, (permission_key(p), *roles)))
            .collect()
    });
    let (stored, default) = match KNOWN.get(permission) {
        Some((key, roles)) => (view.setting(key), *roles),
        None => (view.setting(&permission_key(permission)), &[][..]),
    };
    match stored {
        Some(Value::Array(roles)) => Holders::Stored(roles),
        _ => Holders::Default(default),
    }
}

/// A route's `permissionsRequired` for one method (spec §1.2).
#[derive(Debug, Clone, Copy)]
pub enum Required {
    None,
    Any(&'static [&'static str]),
    All(&'static [&'static str]),
}

impl Required {
    pub fn allows(self, view: &State, user_roles: &[&str]) -> bool {
        match self {
            Required::None => true,
            Required::Any(list) => list.iter().any(|p| has(view, user_roles, p)),
            Required::All(list) => list.iter().all(|p| has(view, user_roles, p)),
        }
    }
}

/// Makes a setting's default value.
type Default = fn() -> Value;

/// Settings these routes read, with the defaults Rocket.Chat ships (spec §3.1 #6, §7).
pub const SETTINGS: &[(&str, Default)] = &[
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
