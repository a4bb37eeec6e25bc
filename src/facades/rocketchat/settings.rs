//! Rocket.Chat's settings that these routes read, kept in the model's named settings so that
//! every facade instance and the journal share them and a fixture file can preset them.
//!
//! - `rocketchat.setting.<id>`: the setting's value; absent = Rocket.Chat's shipped default.

use serde_json::{Value, json};

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
    // Days a login session lasts (`apps/meteor/server/settings/accounts.ts`).
    ("Accounts_LoginExpiration", || {
        Value::from(LOGIN_EXPIRATION_DAYS)
    }),
    // The widget's appearance (`apps/meteor/ee/server/lib/omnichannel/settings.ts`,
    // `apps/meteor/server/settings/omnichannel.ts`), read by `livechat/config`.
    ("Livechat_hide_system_messages", || {
        serde_json::json!(["uj", "ul", "livechat-close"])
    }),
    ("Livechat_widget_position", || Value::String("right".into())),
    ("Livechat_background", || Value::String(String::new())),
    ("Livechat_hide_watermark", || Value::Bool(false)),
    ("Omnichannel_allow_visitors_to_close_conversation", || {
        Value::Bool(true)
    }),
    // An asset setting's value is `{defaultUrl}`; the widget logo has none by default.
    ("Assets_livechat_widget_logo", || {
        Value::Object(serde_json::Map::new())
    }),
    // What `livechat/page.visited` records (`savePageHistory`).
    ("Livechat_history_monitor_type", || {
        Value::String("url".into())
    }),
    // The REST API's CORS (`cors.rs`; `apps/meteor/server/settings/general.ts`).
    ("API_Enable_CORS", || Value::Bool(false)),
    ("API_CORS_Origin", || Value::String("*".into())),
];

/// `Accounts_LoginExpiration`'s default, and what Meteor's `_getTokenLifetimeMs` falls back to
/// when the setting is not a positive number of days.
const LOGIN_EXPIRATION_DAYS: u64 = 90;

/// How long a login session lasts, in milliseconds: `Accounts_LoginExpiration` days.
pub fn session_lifetime_ms(view: &State) -> i64 {
    // Read on every authenticated request: the stored key spelt out, without building it.
    let days = view
        .setting("rocketchat.setting.Accounts_LoginExpiration")
        .and_then(|v| v.as_f64())
        .filter(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(LOGIN_EXPIRATION_DAYS as f64);
    // Clamped so that a huge setting cannot overflow the arithmetic on times.
    (days * 86_400_000.0).min(1e17) as i64
}

/// The start time before which a session has expired, at `now`.
pub fn sessions_expired_before(
    view: &State,
    now: crate::model::Timestamp,
) -> crate::model::Timestamp {
    crate::model::Timestamp::from_unix_millis(
        now.unix_millis().saturating_sub(session_lifetime_ms(view)),
    )
}

/// A setting's value: the stored one, else the shipped default, else none (not a setting).
pub fn setting(view: &State, id: &str) -> Option<Value> {
    view.setting(&setting_key(id)).cloned().or_else(|| {
        SETTINGS
            .iter()
            .find(|(name, _)| *name == id)
            .map(|(_, default)| default())
            .or_else(|| {
                let name = id.strip_prefix(PREFERENCE_PREFIX)?;
                PREFERENCES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, default)| default())
            })
    })
}

/// The prefix of the settings whose values are a user's default preferences.
const PREFERENCE_PREFIX: &str = "Accounts_Default_User_Preferences_";

/// The `Accounts_Default_User_Preferences_*` settings with the defaults Rocket.Chat ships
/// (`apps/meteor/server/settings/accounts.ts`; `omnichannelTranscriptPDF` from
/// `apps/meteor/ee/server/lib/omnichannel/settings.ts`), in the order they are registered.
const PREFERENCES: &[(&str, DefaultValue)] = &[
    ("enableAutoAway", || Value::Bool(true)),
    ("idleTimeLimit", || json!(300)),
    ("desktopNotificationRequireInteraction", || {
        Value::Bool(false)
    }),
    ("desktopNotifications", || json!("all")),
    ("desktopNotificationVoiceCalls", || Value::Bool(true)),
    ("pushNotifications", || json!("all")),
    ("unreadAlert", || Value::Bool(true)),
    ("useEmojis", || Value::Bool(true)),
    ("convertAsciiEmoji", || Value::Bool(true)),
    ("autoImageLoad", || Value::Bool(true)),
    ("saveMobileBandwidth", || Value::Bool(true)),
    ("collapseMediaByDefault", || Value::Bool(false)),
    ("hideUsernames", || Value::Bool(false)),
    ("hideRoles", || Value::Bool(false)),
    ("hideFlexTab", || Value::Bool(false)),
    ("displayAvatars", || Value::Bool(true)),
    ("sidebarGroupByType", || Value::Bool(true)),
    ("themeAppearence", || json!("auto")),
    ("sidebarViewMode", || json!("medium")),
    ("sidebarDisplayAvatar", || Value::Bool(true)),
    ("sidebarShowUnread", || Value::Bool(false)),
    ("sidebarSortby", || json!("activity")),
    ("showThreadsInMainChannel", || Value::Bool(false)),
    ("alsoSendThreadToChannel", || json!("default")),
    ("sidebarShowFavorites", || Value::Bool(true)),
    ("sendOnEnter", || json!("normal")),
    ("emailNotificationMode", || json!("mentions")),
    ("newRoomNotification", || json!("door")),
    ("newMessageNotification", || json!("chime")),
    ("muteFocusedConversations", || Value::Bool(true)),
    ("masterVolume", || json!(100)),
    ("notificationsSoundVolume", || json!(100)),
    ("voipRingerVolume", || json!(100)),
    ("omnichannelTranscriptEmail", || Value::Bool(false)),
    ("notifyCalendarEvents", || Value::Bool(true)),
    ("enableMobileRinging", || Value::Bool(true)),
    ("sidebarSectionsOrder", || {
        json!([
            "Incoming_Calls",
            "Incoming_Livechats",
            "Open_Livechats",
            "On_Hold_Chats",
            "Unread",
            "Favorites",
            "Teams",
            "Discussions",
            "Channels",
            "Direct_Messages",
            "Conversations"
        ])
    }),
    ("featuresPreview", || json!("[]")),
    ("omnichannelTranscriptPDF", || Value::Bool(false)),
];

/// `getUserPreferences` of a user who set none: each `Accounts_Default_User_Preferences_*`
/// setting's value (stored, else shipped), under its name without the prefix, in the order the
/// settings are registered (`settings.getByRegexp` walks them so).
pub fn user_preference_defaults(view: &State) -> Vec<(&'static str, Value)> {
    PREFERENCES
        .iter()
        .map(|(name, default)| {
            let stored = view.setting(&setting_key(&format!("{PREFERENCE_PREFIX}{name}")));
            (*name, stored.cloned().unwrap_or_else(default))
        })
        .collect()
}

/// A boolean setting, false when unset or not a boolean.
pub fn flag(view: &State, id: &str) -> bool {
    setting(view, id).and_then(|v| v.as_bool()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_lifetime_reads_the_stored_setting_and_falls_back_to_90_days() {
        let day = 86_400_000;
        let mut state = crate::model::StateBuilder::new();
        assert_eq!(session_lifetime_ms(&state.clone().build()), 90 * day);
        state.insert_setting(&setting_key("Accounts_LoginExpiration"), Value::from(2));
        assert_eq!(session_lifetime_ms(&state.clone().build()), 2 * day);
        state.insert_setting(&setting_key("Accounts_LoginExpiration"), Value::from(0));
        assert_eq!(session_lifetime_ms(&state.build()), 90 * day);
    }
}
