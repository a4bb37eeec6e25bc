//! `GET /_gateway/metrics`: the pipeline's request metrics (`crate::http::metrics`), the
//! journal's (`crate::persist::metrics`), and what is read at scrape time: the tenants, and each
//! tenant's departments, agents and memberships. The tenant label is bounded: `default` and the
//! first [`TENANT_LABELS`] other tenants by name have their own, the rest are summed under
//! `_other`. Written by prometheus-client in the OpenMetrics text format.

use http::StatusCode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::http::metrics::Metrics;
use crate::http::{Response, respond};
use crate::tenants::Registry as Tenants;

/// Tenants labelled by name besides `default`.
pub const TENANT_LABELS: usize = 50;

/// The label the tenants past [`TENANT_LABELS`] are summed under.
const OTHERS: &str = "_other";

const OPENMETRICS: http::HeaderValue =
    http::HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8");

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabel {
    tenant: String,
}

/// The metrics' text.
pub fn scrape(tenants: &Tenants, metrics: &Metrics) -> Response {
    let mut registry = Registry::default();
    metrics.register(&mut registry);
    crate::persist::metrics::register(&mut registry);

    let mut listed = tenants.list();
    listed.sort_by(|a, b| {
        (a.name.as_str() != "default", a.name.as_str())
            .cmp(&(b.name.as_str() != "default", b.name.as_str()))
    });
    let count = Gauge::<i64>::default();
    count.set(listed.len() as i64);
    let (departments, agents, memberships) = (
        Family::<TenantLabel, Gauge>::default(),
        Family::<TenantLabel, Gauge>::default(),
        Family::<TenantLabel, Gauge>::default(),
    );
    for (i, tenant) in listed.iter().enumerate() {
        let label = TenantLabel {
            tenant: if i <= TENANT_LABELS {
                tenant.name.as_str().to_owned()
            } else {
                OTHERS.to_owned()
            },
        };
        let state = tenant.store().read();
        departments
            .get_or_create(&label)
            .inc_by(state.department_count() as i64);
        agents
            .get_or_create(&label)
            .inc_by(state.agent_count() as i64);
        memberships
            .get_or_create(&label)
            .inc_by(state.membership_count() as i64);
    }
    registry.register("deskbridge_tenants", "Tenants, default included", count);
    registry.register(
        "deskbridge_departments",
        "Departments per tenant (past the label limit, summed under _other)",
        departments,
    );
    registry.register(
        "deskbridge_agents",
        "Agents per tenant (past the label limit, summed under _other)",
        agents,
    );
    registry.register(
        "deskbridge_memberships",
        "Memberships per tenant (past the label limit, summed under _other)",
        memberships,
    );

    let mut text = String::new();
    match prometheus_client::encoding::text::encode(&mut text, &registry) {
        Ok(()) => respond(StatusCode::OK, OPENMETRICS, text),
        Err(_) => {
            super::error::ControlError::Layer(crate::http::LayerError::Internal).into_response()
        }
    }
}
