//! The livechat widget's config document, `GET livechat/config`: `settings()` of
//! `apps/meteor/app/livechat/server/api/lib/livechat.ts` with `online` after it
//! (`apps/meteor/app/livechat/server/api/v1/config.ts`), its keys in Rocket.Chat's order. The
//! widget (`packages/livechat`) reads every one; values read from settings stay JSON values,
//! since an administrator may store any JSON there.

use serde::Serialize;
use serde_json::Value;

/// `{config, success}`; `config` is `{enabled: false}` while livechat is off.
#[derive(Debug, Serialize)]
pub struct ConfigOut<'a> {
    pub config: Config<'a>,
    pub success: bool,
}

/// The config, whole or (livechat off) only `enabled`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Config<'a> {
    Disabled { enabled: bool },
    Enabled(Box<WidgetConfig<'a>>),
}

#[derive(Debug, Serialize)]
pub struct WidgetConfig<'a> {
    pub enabled: bool,
    pub settings: WidgetSettings,
    pub theme: Theme,
    pub messages: Messages,
    pub survey: Survey,
    pub triggers: [Value; 0],
    pub departments: Vec<ConfigDepartment<'a>>,
    pub resources: Resources,
    pub online: bool,
    /// The visitor with the widget's `token` (`findGuest`), which the widget takes as its
    /// registered user when it starts; absent without a token or a visitor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest: Option<Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSettings {
    pub registration_form: Value,
    pub allow_switching_departments: Value,
    pub name_field_registration_form: bool,
    pub email_field_registration_form: bool,
    pub display_offline_form: Value,
    pub video_call: bool,
    pub file_upload: bool,
    pub language: &'static str,
    pub transcript: bool,
    pub history_monitor_type: &'static str,
    pub force_accept_data_processing_consent: bool,
    pub show_connecting: bool,
    pub agent_hidden_info: bool,
    pub clear_local_storage_when_chat_ended: bool,
    pub limit_text_length: bool,
    pub hidden_system_messages: Value,
    pub livechat_logo: Value,
    pub hide_watermark: Value,
    pub visitors_can_close_chat: Value,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Theme {
    pub title: Value,
    pub color: &'static str,
    pub offline_title: &'static str,
    pub offline_color: &'static str,
    pub position: Value,
    pub background: Value,
    pub action_links: ActionLinks,
}

/// The call buttons, labels in English (`i18n.t`).
#[derive(Debug, Serialize)]
pub struct ActionLinks {
    pub webrtc: [ActionLink; 2],
    pub jitsi: [ActionLink; 2],
}

#[derive(Debug, Serialize)]
pub struct ActionLink {
    #[serde(
        rename = "actionLinksAlignment",
        skip_serializing_if = "Option::is_none"
    )]
    pub alignment: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<&'static str>,
    #[serde(rename = "i18nLabel")]
    pub i18n_label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub danger: Option<bool>,
}

impl ActionLinks {
    /// `theme.actionLinks` as `settings()` writes it.
    pub const fn shipped() -> Self {
        let none = ActionLink {
            alignment: None,
            icon: None,
            i18n_label: "",
            label: None,
            method_id: None,
            danger: None,
        };
        ActionLinks {
            webrtc: [
                ActionLink {
                    alignment: Some("flex-start"),
                    i18n_label: "Join_call",
                    label: Some("Join call"),
                    method_id: Some("joinLivechatWebRTCCall"),
                    ..none
                },
                ActionLink {
                    i18n_label: "End_call",
                    label: Some("End call"),
                    method_id: Some("endLivechatWebRTCCall"),
                    danger: Some(true),
                    ..none
                },
            ],
            jitsi: [
                ActionLink {
                    icon: Some("icon-videocam"),
                    i18n_label: "Accept",
                    ..none
                },
                ActionLink {
                    icon: Some("icon-cancel"),
                    i18n_label: "Decline",
                    ..none
                },
            ],
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Messages {
    pub offline_message: &'static str,
    pub offline_success_message: &'static str,
    pub offline_unavailable_message: &'static str,
    pub conversation_finished_message: &'static str,
    pub conversation_finished_text: &'static str,
    pub transcript_message: &'static str,
    pub registration_form_message: &'static str,
    pub data_processing_consent_text: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Survey {
    pub items: [&'static str; 4],
    pub values: [&'static str; 5],
}

/// `findEnabledWithAgentsAndBusinessUnit`'s projection, in the document's order.
#[derive(Debug, Serialize)]
pub struct ConfigDepartment<'a> {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: &'a str,
    #[serde(rename = "showOnRegistration")]
    pub show_on_registration: bool,
    #[serde(rename = "showOnOfflineForm")]
    pub show_on_offline_form: bool,
    #[serde(
        rename = "departmentsAllowedToForward",
        skip_serializing_if = "Option::is_none"
    )]
    pub departments_allowed_to_forward: Option<Value>,
}

#[derive(Debug, Serialize)]
pub struct Resources {
    pub sound: String,
    pub emojis: [Value; 0],
}
