//! The fault routes (docs/faults.md): add a rule, list the rules with what each has counted,
//! remove one or all, for one tenant (`crate::http::faults`).

use std::sync::Arc;

use http::StatusCode;

use super::error::ControlError;
use super::reply::{json, later};
use crate::http::faults::RuleSpec;
use crate::http::{Answer, LayerError, Request, respond_empty};
use crate::tenants::Tenant;

type Result<T> = std::result::Result<T, ControlError>;

/// `POST /_gateway/tenants/{name}/faults`: `201` with the rule as it is shown.
pub fn add(tenant: Arc<Tenant>, request: Request) -> Result<Answer> {
    Ok(later(async move {
        let bytes = crate::http::read_body(request.into_body()).await?;
        let value = crate::http::json::parse(&bytes)
            .map_err(|e| ControlError::bad("body", e.to_string()))?;
        let spec = RuleSpec::from_json(&value).map_err(|e| ControlError::bad(e.field, e.reason))?;
        let rule = tenant.facades().watch().faults.add(spec);
        Ok(json(StatusCode::CREATED, &rule.to_json()))
    }))
}

/// `GET /_gateway/tenants/{name}/faults`.
pub fn list(tenant: &Tenant) -> Result<Answer> {
    let rules: Vec<_> = tenant
        .facades()
        .watch()
        .faults
        .list()
        .iter()
        .map(|rule| rule.to_json())
        .collect();
    Ok(Answer::Now(json(
        StatusCode::OK,
        &serde_json::json!({ "faults": rules }),
    )))
}

/// `DELETE /_gateway/tenants/{name}/faults`.
pub fn clear(tenant: &Tenant) -> Result<Answer> {
    tenant.facades().watch().faults.clear();
    Ok(Answer::Now(respond_empty(StatusCode::NO_CONTENT)))
}

/// `DELETE /_gateway/tenants/{name}/faults/{id}`.
pub fn delete(tenant: &Tenant, id: &str) -> Result<Answer> {
    let removed = id
        .parse()
        .is_ok_and(|id| tenant.facades().watch().faults.remove(id));
    if !removed {
        return Err(ControlError::Layer(LayerError::NotFound));
    }
    Ok(Answer::Now(respond_empty(StatusCode::NO_CONTENT)))
}
