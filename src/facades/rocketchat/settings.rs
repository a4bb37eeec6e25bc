//! Rocket.Chat's settings that these routes read, kept in the model's named settings so that
//! every facade instance and the journal share them and a fixture file can preset them.
//!
//! - `rocketchat.setting.<id>`: the setting's value; absent = Rocket.Chat's shipped default.

use serde_json::Value;

use crate::model::State;

/// Where a setting's value lives among the named settings.
pub fn setting_key(id: &str) -> String {
    format!("rocketchat.setting.{id}")
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
    // What `livechat/page.visited` records (`savePageHistory`).
    ("Livechat_history_monitor_type", || {
        Value::String("url".into())
    }),
    // The REST API's CORS (`cors.rs`; `apps/meteor/server/settings/general.ts`).
    ("API_Enable_CORS", || Value::Bool(false)),
    ("API_CORS_Origin", || Value::String("*".into())),
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
