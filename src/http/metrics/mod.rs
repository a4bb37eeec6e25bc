//! The gateway's Prometheus metrics (`GET /_gateway/metrics`, docs/operations.md), kept with
//! prometheus-client: requests by facade, route and status; latency histograms by facade and
//! route; requests in flight; faults fired. The metrics layer (`layer/metrics.rs`) counts; the
//! control plane adds what it reads at scrape time (tenants and their records, the journal's
//! fsyncs) and writes the text.
//!
//! A route is the method and the path with its ids replaced ([`route_of`]): `GET
//! /api/v2/chat/departments/{id}`. A path no facade knows (a 404 or a 405) is `unmatched`, and
//! past [`MAX_ROUTES`] distinct routes the rest are `other`, so that no client can grow the
//! label set without bound.

mod per_core;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use per_core::{Latency, Scraped};
pub use per_core::{Series, SummedGauge};

/// The most distinct routes labelled; the rest are `other`.
pub const MAX_ROUTES: usize = 512;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub facade: &'static str,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub facade: &'static str,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FaultLabels {
    pub facade: &'static str,
    pub action: &'static str,
}

/// The gateway's request metrics; one per gateway (tests run several in one process). Requests
/// and their latencies are counted per core ([`per_core`]) and summed when scraped.
#[derive(Debug, Default)]
pub struct Metrics {
    /// A series per (facade, route, status): its requests and their latencies.
    series: Mutex<HashMap<RequestLabels, Arc<Series>>>,
    pub in_flight: SummedGauge,
    pub faults: Family<FaultLabels, Counter>,
    routes: AtomicUsize,
}

impl Metrics {
    /// The series of `facade`'s `method` `path` answered with `status`, made on first use.
    pub fn series(
        &self,
        facade: &'static str,
        method: &http::Method,
        path: &str,
        status: u16,
    ) -> Arc<Series> {
        let labels = RequestLabels {
            facade,
            route: self.route_label(method, path, status),
            status,
        };
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(series.entry(labels).or_default())
    }

    /// Registers every metric in `registry`, as it stands now.
    pub fn register(&self, registry: &mut Registry) {
        let mut requests = Vec::new();
        let mut latencies: HashMap<RouteLabels, Latency> = HashMap::new();
        for (labels, series) in self.series.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            // Read once, so that a series' requests and its latencies' count agree.
            let latency = series.snapshot();
            requests.push((labels.clone(), latency.count()));
            let route = RouteLabels {
                facade: labels.facade,
                route: labels.route.clone(),
            };
            latencies.entry(route).or_default().add(&latency);
        }
        requests.sort_by(|a, b| {
            (&a.0.route, a.0.facade, a.0.status).cmp(&(&b.0.route, b.0.facade, b.0.status))
        });
        let mut latencies: Vec<_> = latencies.into_iter().collect();
        latencies.sort_by(|a, b| (&a.0.route, a.0.facade).cmp(&(&b.0.route, b.0.facade)));
        registry.register(
            "deskbridge_requests",
            "Requests answered, by facade, route and status",
            Scraped(requests),
        );
        registry.register_with_unit(
            "deskbridge_request_duration",
            "Time from the request's head to its answer being ready, by facade and route",
            prometheus_client::registry::Unit::Seconds,
            Scraped(latencies),
        );
        let in_flight = Gauge::<i64>::default();
        in_flight.set(self.in_flight.get());
        registry.register(
            "deskbridge_requests_in_flight",
            "Requests being answered",
            in_flight,
        );
        registry.register(
            "deskbridge_faults_fired",
            "Fault rules fired, by facade and action",
            self.faults.clone(),
        );
    }

    /// The route label for `method` `path` answered with `status`, counting a new route
    /// against [`MAX_ROUTES`].
    pub fn route_label(&self, method: &http::Method, path: &str, status: u16) -> String {
        if status == 404 || status == 405 {
            return "unmatched".to_owned();
        }
        let route = route_of(method, path);
        // A label once made is cached by the connections that use it, so this only counts
        // distinct (route, connection) misses: an overestimate, on the safe side.
        if self.routes.fetch_add(1, Ordering::Relaxed) >= MAX_ROUTES * 64 {
            return "other".to_owned();
        }
        route
    }
}

/// `GET /api/v2/chat/departments/{id}`: the method and the path with each segment that looks
/// like an id (all digits, a 24-hex ObjectId, a 17-character Meteor id, or digits before a
/// `.xml`/`.json` suffix) replaced.
pub fn route_of(method: &http::Method, path: &str) -> String {
    let mut route = String::with_capacity(method.as_str().len() + 1 + path.len());
    route.push_str(method.as_str());
    route.push(' ');
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            route.push('/');
        }
        let (stem, suffix) = match segment.rsplit_once('.') {
            Some((stem, suffix)) if suffix == "xml" || suffix == "json" => (stem, Some(suffix)),
            _ => (segment, None),
        };
        if looks_like_id(stem) {
            route.push_str("{id}");
            if let Some(suffix) = suffix {
                route.push('.');
                route.push_str(suffix);
            }
        } else {
            route.push_str(segment);
        }
    }
    route
}

fn looks_like_id(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    (!bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit))
        || (bytes.len() == 24 && bytes.iter().all(u8::is_ascii_hexdigit))
        || (bytes.len() == 17 && bytes.iter().all(u8::is_ascii_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_is_the_method_and_the_path_with_its_ids_replaced() {
        for (method, path, route) in [
            (
                http::Method::GET,
                "/api/v2/chat/departments/12",
                "GET /api/v2/chat/departments/{id}",
            ),
            (http::Method::PUT, "/groups/3.xml", "PUT /groups/{id}.xml"),
            (
                http::Method::GET,
                "/api/v2/groups.json",
                "GET /api/v2/groups.json",
            ),
            (
                http::Method::POST,
                "/api/v1/livechat/department/65a4f0c2e4b0a1b2c3d4e5f1",
                "POST /api/v1/livechat/department/{id}",
            ),
            (
                http::Method::GET,
                "/api/v1/users.info",
                "GET /api/v1/users.info",
            ),
        ] {
            assert_eq!(route_of(&method, path), route);
        }
    }
}
