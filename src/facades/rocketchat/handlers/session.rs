//! Sessions: `POST login` with a password or a resume token, and `POST logout` (spec §2.1).

use http::{HeaderMap, header};

use super::common::{Req, Result, apply, ok};
use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::auth::{self, Login};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::settings;
use crate::facades::rocketchat::wire;
use crate::facades::rocketchat::wire::requests::{self, LoginBody};
use crate::http::Response;
use crate::model::{Agent, Command, State, Timestamp, TokenKind, View};

pub(super) async fn login(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    let body: LoginBody = requests::decode_lenient(&req.body)?;
    let agent = match auth::login_request(view, &body) {
        Some(Login::Resume(token)) => {
            let principal = crate::auth::authenticate_token(view, TokenKind::Session, token)
                .filter(|_| {
                    let digest = crate::auth::token_digest(token);
                    auth::session_is_live(view, &digest, Timestamp::now())
                })
                .ok_or(RcError::LoginFailed)?;
            let agent = view.agent(principal.agent).ok_or(RcError::LoginFailed)?;
            return login_answer(view, agent, token, req.headers);
        }
        Some(Login::Password {
            user: Some(agent),
            password,
        }) if auth::password_opens(&agent, &password) => agent,
        _ => return Err(RcError::LoginFailed),
    };
    let token = auth::new_session_token();
    // One new session, journaled as itself; the agent's expired sessions and, past the bound,
    // its oldest end with it (docs/rocketchat.md, "Sessions").
    let (view, _) = apply(
        ctx,
        Command::StartSession {
            id: agent.id,
            digest: crate::auth::token_digest(&token),
            drop_started_before: Some(settings::sessions_expired_before(view, Timestamp::now())),
        },
    )
    .await?;
    let agent = view.agent(agent.id).ok_or(RcError::LoginFailed)?;
    tracing::info!(agent = agent.id.0, "rocket.chat login");
    login_answer(&view, agent, &token, req.headers)
}

fn login_answer(view: &State, agent: &Agent, token: &str, headers: &HeaderMap) -> Result<Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    ok(&wire::LoginOut {
        status: "success",
        data: wire::LoginData {
            user_id: agent.uid.as_str(),
            auth_token: token,
            me: mapping::me(view, agent, host),
        },
        success: true,
    })
}

pub(super) async fn logout(ctx: &Context, req: &Req<'_>) -> Result<Response> {
    let caller = req.caller.as_ref().ok_or(RcError::Unauthorized)?;
    apply(
        ctx,
        Command::RevokeToken {
            id: caller.agent.id,
            digest: caller.token,
        },
    )
    .await?;
    ok(&wire::LogoutOut {
        status: "success",
        data: wire::LogoutMessage {
            message: "You've been logged out!",
        },
        success: true,
    })
}
