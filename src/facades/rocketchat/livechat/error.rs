//! The widget routes' own errors, each spelled once, in the shapes of spec §1.3; the
//! validators' errors (`check()`, ajv) and the plumbing's are [`RcError`]'s. Rows with their
//! sources: docs/widget.md, "Errors".

use http::StatusCode;
use serde::Serialize;

use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::wire::json_response;
use crate::http::Response;

#[derive(Debug)]
pub(super) enum WidgetError {
    /// `throw new Meteor.Error('invalid-token')`: no visitor has the token (`visitor.ts`).
    InvalidToken,
    /// `livechat/visitor` with a blank token: `Meteor.Error('error-invalid-token', 'Token cannot
    /// be empty')`.
    BlankToken,
    /// `registerGuest`: `throw new Error('error-invalid-department')`, a department named by
    /// neither id nor name.
    InvalidDepartment,
    /// `livechat/offline.message` when `sendOfflineMessage` threw (the form is off, or the
    /// email is empty): `API.v1.failure(i18n.t('Error_sending_livechat_offline_message'))`.
    OfflineMessageNotSent,
    /// Everything the department facade's table already has (validators, plumbing, the store).
    Rc(RcError),
}

impl From<RcError> for WidgetError {
    fn from(e: RcError) -> Self {
        WidgetError::Rc(e)
    }
}

#[derive(Serialize)]
struct Failure<'a> {
    success: bool,
    error: &'a str,
    #[serde(rename = "errorType", skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
}

impl WidgetError {
    pub(super) fn into_response(self) -> Response {
        let (error, error_type) = match self {
            WidgetError::Rc(e) => return e.into_response(),
            WidgetError::InvalidToken => ("[invalid-token]", Some("invalid-token")),
            WidgetError::BlankToken => (
                "Token cannot be empty [error-invalid-token]",
                Some("error-invalid-token"),
            ),
            WidgetError::InvalidDepartment => ("error-invalid-department", None),
            WidgetError::OfflineMessageNotSent => {
                ("Error sending Omnichannel offline message", None)
            }
        };
        json_response(
            StatusCode::BAD_REQUEST,
            &Failure {
                success: false,
                error,
                error_type,
            },
        )
    }
}
