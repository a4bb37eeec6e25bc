//! The livechat widget's config, `GET livechat/config`, which needs no authentication (spec §3
//! #15, §7). The document is `settings()` of `apps/meteor/app/livechat/server/api/lib/livechat.ts`
//! with `online` after it (`apps/meteor/app/livechat/server/api/v1/config.ts`); the widget
//! (`packages/livechat`) reads every key.

use http::header;
use serde_json::{Value, json};

use super::common::{Req, Result, ok};
use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::query;
use crate::facades::rocketchat::settings;
use crate::facades::rocketchat::wire;
use crate::facades::rocketchat::wire::requests::params;
use crate::http::Response;
use crate::model::View;

/// The widget's config (spec §7): the settings it reads, and the departments it may offer.
pub(super) fn widget_config(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    if settings::setting(view, "Livechat_enabled") != Some(Value::Bool(true)) {
        return ok(&wire::ConfigOut {
            config: json!({"enabled": false}),
            success: true,
        });
    }
    let setting = |id: &str| settings::setting(view, id).unwrap_or(Value::Null);
    // `findEnabledWithAgentsAndBusinessUnit`: enabled, with at least one agent; projected to
    // `_id, name, showOnRegistration, showOnOfflineForm, departmentsAllowedToForward` (the last
    // only where the department has it), in the document's order.
    let departments: Vec<Value> = view
        .departments_by_name()
        .filter(|d| d.enabled && view.members_of(d.id).next().is_some())
        .map(|d| {
            let out = mapping::department_out(view, d, false, ctx.options.edition);
            let mut entry = json!({
                "_id": out.id,
                "name": out.name,
                "showOnRegistration": out.show_on_registration,
                "showOnOfflineForm": out.show_on_offline_form,
            });
            if let Some(list) = out.custom.get(mapping::FORWARD_LIST) {
                entry[mapping::FORWARD_LIST] = list.clone();
            }
            entry
        })
        .collect();
    let department = query::string(&req.query, params::DEPARTMENT)
        .and_then(|id| mapping::department_by_id(view, id));
    let online = match department {
        Some(d) => view
            .members_of(d.id)
            .filter_map(|m| view.agent(m.agent))
            .any(|a| mapping::is_available(a)),
        None => view.agents().any(|a| mapping::is_available(a)),
    };
    // `${Meteor.absoluteUrl()}sounds/chime.mp3`: the site's URL, here the one the client used.
    let host = req
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let position = match setting("Livechat_widget_position") {
        // `initSettings.Livechat_widget_position || 'right'`.
        Value::String(s) if !s.is_empty() => Value::String(s),
        _ => Value::String("right".into()),
    };
    let hide_watermark = match setting("Livechat_hide_watermark") {
        Value::Null | Value::Bool(false) => Value::Bool(false),
        other => other,
    };
    let config = json!({
        "enabled": true,
        "settings": {
            "registrationForm": setting("Livechat_registration_form"),
            "allowSwitchingDepartments": setting("Livechat_allow_switching_departments"),
            "nameFieldRegistrationForm": true,
            "emailFieldRegistrationForm": true,
            "displayOfflineForm": setting("Livechat_display_offline_form"),
            "videoCall": false,
            "fileUpload": true,
            "language": "",
            "transcript": false,
            "historyMonitorType": "url",
            "forceAcceptDataProcessingConsent": false,
            "showConnecting": false,
            "agentHiddenInfo": false,
            "clearLocalStorageWhenChatEnded": false,
            "limitTextLength": false,
            "hiddenSystemMessages": setting("Livechat_hide_system_messages"),
            "livechatLogo": setting("Assets_livechat_widget_logo"),
            "hideWatermark": hide_watermark,
            "visitorsCanCloseChat": setting("Omnichannel_allow_visitors_to_close_conversation")
        },
        "theme": {
            "title": setting("Livechat_title"),
            "color": "#C1272D",
            "offlineTitle": "Leave a message",
            "offlineColor": "#666666",
            "position": position,
            "background": setting("Livechat_background"),
            "actionLinks": {
                "webrtc": [
                    {
                        "actionLinksAlignment": "flex-start",
                        "i18nLabel": "Join_call",
                        "label": "Join call",
                        "method_id": "joinLivechatWebRTCCall"
                    },
                    {
                        "i18nLabel": "End_call",
                        "label": "End call",
                        "method_id": "endLivechatWebRTCCall",
                        "danger": true
                    }
                ],
                "jitsi": [
                    {"icon": "icon-videocam", "i18nLabel": "Accept"},
                    {"icon": "icon-cancel", "i18nLabel": "Decline"}
                ]
            }
        },
        "messages": {
            "offlineMessage": "",
            "offlineSuccessMessage": "",
            "offlineUnavailableMessage": "",
            "conversationFinishedMessage": "Conversation finished",
            "conversationFinishedText": "",
            "transcriptMessage": "Would you like a copy of this chat emailed?",
            "registrationFormMessage": "",
            "dataProcessingConsentText": ""
        },
        "survey": {
            "items": ["satisfaction", "agentKnowledge", "agentResposiveness", "agentFriendliness"],
            "values": ["1", "2", "3", "4", "5"]
        },
        "triggers": [],
        "departments": departments,
        "resources": {"sound": format!("http://{host}/sounds/chime.mp3"), "emojis": []},
        "online": online
    });
    ok(&wire::ConfigOut {
        config,
        success: true,
    })
}
