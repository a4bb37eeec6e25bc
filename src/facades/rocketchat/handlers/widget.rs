//! The livechat widget's config, `GET livechat/config`, which needs no authentication (spec §3
//! #15, §7). The document is `settings()` of `apps/meteor/app/livechat/server/api/lib/livechat.ts`
//! with `online` after it (`apps/meteor/app/livechat/server/api/v1/config.ts`); its types, in
//! Rocket.Chat's key order, are in `wire/config.rs`.

use http::header;
use serde_json::Value;

use super::common::{Req, Result, ok};
use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::query;
use crate::facades::rocketchat::settings;
use crate::facades::rocketchat::wire::config::{
    ActionLinks, Config, ConfigDepartment, ConfigOut, Messages, Resources, Survey, Theme,
    WidgetConfig, WidgetSettings,
};
use crate::facades::rocketchat::wire::requests::params;
use crate::http::Response;
use crate::model::View;

/// The widget's config (spec §7): the settings it reads, and the departments it may offer.
pub(super) fn widget_config(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    if settings::setting(view, "Livechat_enabled") != Some(Value::Bool(true)) {
        return ok(&ConfigOut {
            config: Config::Disabled { enabled: false },
            success: true,
        });
    }
    let setting = |id: &str| settings::setting(view, id).unwrap_or(Value::Null);
    // `findEnabledWithAgentsAndBusinessUnit`: enabled, with at least one agent; projected to
    // `_id, name, showOnRegistration, showOnOfflineForm, departmentsAllowedToForward` (the last
    // only where the department has it).
    let departments = view
        .departments_by_name()
        .filter(|d| d.enabled && view.members_of(d.id).next().is_some())
        .map(|d| {
            let out = mapping::department_out(view, d, false, ctx.options.edition);
            ConfigDepartment {
                departments_allowed_to_forward: out.custom.get(mapping::FORWARD_LIST).cloned(),
                id: out.id,
                name: out.name,
                show_on_registration: out.show_on_registration,
                show_on_offline_form: out.show_on_offline_form,
            }
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
    // `initSettings.Livechat_hide_watermark || false`.
    let hide_watermark = match setting("Livechat_hide_watermark") {
        Value::Null | Value::Bool(false) => Value::Bool(false),
        other => other,
    };
    let config = WidgetConfig {
        enabled: true,
        settings: WidgetSettings {
            registration_form: setting("Livechat_registration_form"),
            allow_switching_departments: setting("Livechat_allow_switching_departments"),
            name_field_registration_form: true,
            email_field_registration_form: true,
            display_offline_form: setting("Livechat_display_offline_form"),
            video_call: false,
            file_upload: true,
            language: "",
            transcript: false,
            history_monitor_type: "url",
            force_accept_data_processing_consent: false,
            show_connecting: false,
            agent_hidden_info: false,
            clear_local_storage_when_chat_ended: false,
            limit_text_length: false,
            hidden_system_messages: setting("Livechat_hide_system_messages"),
            livechat_logo: setting("Assets_livechat_widget_logo"),
            hide_watermark,
            visitors_can_close_chat: setting("Omnichannel_allow_visitors_to_close_conversation"),
        },
        theme: Theme {
            title: setting("Livechat_title"),
            color: "#C1272D",
            offline_title: "Leave a message",
            offline_color: "#666666",
            position,
            background: setting("Livechat_background"),
            action_links: ActionLinks::shipped(),
        },
        messages: Messages {
            offline_message: "",
            offline_success_message: "",
            offline_unavailable_message: "",
            conversation_finished_message: "Conversation finished",
            conversation_finished_text: "",
            transcript_message: "Would you like a copy of this chat emailed?",
            registration_form_message: "",
            data_processing_consent_text: "",
        },
        survey: Survey {
            items: [
                "satisfaction",
                "agentKnowledge",
                "agentResposiveness",
                "agentFriendliness",
            ],
            values: ["1", "2", "3", "4", "5"],
        },
        triggers: [],
        departments,
        resources: Resources {
            sound: format!("http://{host}/sounds/chime.mp3"),
            emojis: [],
        },
        online,
        guest: query::string(&req.query, "token")
            .and_then(|token| crate::facades::rocketchat::livechat::find_guest(view, token)),
    };
    ok(&ConfigOut {
        config: Config::Enabled(Box::new(config)),
        success: true,
    })
}
