//! The livechat widget's config, `GET livechat/config`, which needs no authentication (spec §3
//! #15, §7).

use serde_json::{Value, json};

use super::common::{Req, Result, ok};
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::query;
use crate::facades::rocketchat::settings;
use crate::facades::rocketchat::wire;
use crate::facades::rocketchat::wire::requests::params;
use crate::http::Response;
use crate::model::View;

/// The widget's config (spec §7): the settings it reads, and the departments it may offer.
pub(super) fn widget_config(view: &View, req: &Req<'_>) -> Result<Response> {
    if settings::setting(view, "Livechat_enabled") != Some(Value::Bool(true)) {
        return ok(&wire::ConfigOut {
            config: json!({"enabled": false}),
            success: true,
        });
    }
    let setting = |id: &str| settings::setting(view, id).unwrap_or(Value::Null);
    // `findEnabledWithAgentsAndBusinessUnit`: enabled, with at least one agent.
    let departments: Vec<Value> = view
        .departments_by_name()
        .filter(|d| d.enabled && view.members_of(d.id).next().is_some())
        .map(|d| {
            json!({
                "_id": d.uid.to_string(),
                "name": d.name.as_str(),
                "showOnRegistration": d.show_on_registration,
                "showOnOfflineForm": d.show_on_offline_form,
            })
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
            "limitTextLength": false
        },
        "theme": {
            "title": setting("Livechat_title"),
            "color": "#C1272D",
            "offlineTitle": "Leave a message",
            "offlineColor": "#666666"
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
        "resources": {"sound": "", "emojis": []},
        "online": online
    });
    // -- Added for the widget (docs/widget.md): `guest`, the visitor with the widget's `token`
    // (`findGuest`), which the widget takes as its registered user when it starts.
    let mut config = config;
    if let Some(guest) = query::string(&req.query, "token")
        .and_then(|token| crate::facades::rocketchat::livechat::find_guest(view, token))
    {
        config["guest"] = guest;
    }
    ok(&wire::ConfigOut {
        config,
        success: true,
    })
}
