//! The request journal's routes (`docs/journal.md`): list with criteria, count, clear, and a live
//! tail as server-sent events, each for one tenant's journal (`crate::http::journal`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, StreamBody};

use super::error::ControlError;
use super::reply::{json, later};
use crate::http::journal::{Criteria, CriteriaError, RequestJournal};
use crate::http::special::streamed;
use crate::http::{Answer, Request, respond_empty};
use crate::tenants::Tenant;

type Result<T> = std::result::Result<T, ControlError>;

/// How often a live tail with nothing to send writes a comment, so that the connection is seen
/// alive (by the header-read clock, and by proxies).
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// The tenant's journal, or a 400 when journaling is off.
fn journal(tenant: &Tenant) -> Result<Arc<RequestJournal>> {
    tenant.facades().watch().journal.clone().ok_or_else(|| {
        ControlError::bad(
            "request_journal",
            "the request journal is off (--request-journal 0)",
        )
    })
}

fn refused(e: CriteriaError) -> ControlError {
    ControlError::bad(e.field, e.reason)
}

/// `GET /_gateway/tenants/{name}/requests`.
pub fn list(tenant: &Tenant, request: &Request) -> Result<Answer> {
    let journal = journal(tenant)?;
    let criteria = Criteria::from_query(request.uri().query()).map_err(refused)?;
    let entries = journal.matching(&criteria);
    let entries: Vec<_> = entries.iter().map(|e| e.shown(journal.tenant())).collect();
    Ok(Answer::Now(json(
        StatusCode::OK,
        &serde_json::json!({ "requests": entries }),
    )))
}

/// `POST /_gateway/tenants/{name}/requests/count`, the criteria in a JSON body (none: an empty
/// body or `{}`).
pub fn count(tenant: Arc<Tenant>, request: Request) -> Result<Answer> {
    let journal = journal(&tenant)?;
    Ok(later(async move {
        let bytes = crate::http::read_body(request.into_body()).await?;
        let criteria = if bytes.iter().all(u8::is_ascii_whitespace) {
            Criteria::default()
        } else {
            let value = crate::http::json::parse(&bytes)
                .map_err(|e| ControlError::bad("body", e.to_string()))?;
            Criteria::from_json(&value).map_err(refused)?
        };
        Ok(json(
            StatusCode::OK,
            &serde_json::json!({ "count": journal.count(&criteria) }),
        ))
    }))
}

/// `DELETE /_gateway/tenants/{name}/requests`.
pub fn clear(tenant: &Tenant) -> Result<Answer> {
    journal(tenant)?.clear();
    Ok(Answer::Now(respond_empty(StatusCode::NO_CONTENT)))
}

/// `GET /_gateway/tenants/{name}/requests/stream`: every new entry that matches the criteria
/// as an event `id: <seq>`, `event: request`, `data: <the entry's JSON>`; after the entry a
/// `Last-Event-ID` names (what an `EventSource` sends when it reconnects, so that it misses
/// nothing in between), else after `since`, else from now.
pub fn stream(tenant: &Tenant, request: &Request) -> Result<Answer> {
    let journal = journal(tenant)?;
    let criteria = Criteria::from_query(request.uri().query()).map_err(refused)?;
    let resumed = last_event_id(request.headers())?;
    let last = resumed
        .or(criteria.since)
        .unwrap_or_else(|| journal.last_seq());
    let tail = RequestJournal::tail(&journal);
    let events = futures_util::stream::unfold(
        (tail, criteria, last),
        |(tail, criteria, last)| async move {
            let mut last = last;
            let text = loop {
                let changed = tail.journal().changed();
                tokio::pin!(changed);
                changed.as_mut().enable();
                let mut asked = criteria.clone();
                asked.since = Some(last);
                let entries = tail.journal().matching(&asked);
                if let Some(newest) = entries.last() {
                    last = newest.seq;
                    let mut text = String::new();
                    for entry in &entries {
                        let data = serde_json::to_string(&entry.shown(tail.journal().tenant()))
                            .unwrap_or_default();
                        text.push_str(&format!(
                            "id: {}\nevent: request\ndata: {data}\n\n",
                            entry.seq
                        ));
                    }
                    break text;
                }
                if tokio::time::timeout(KEEP_ALIVE, changed).await.is_err() {
                    break ": keep-alive\n\n".to_owned();
                }
            };
            Some((
                Ok::<_, std::convert::Infallible>(hyper::body::Frame::data(Bytes::from(text))),
                (tail, criteria, last),
            ))
        },
    );
    Ok(Answer::Now(streamed(
        StatusCode::OK,
        http::HeaderValue::from_static("text/event-stream"),
        StreamBody::new(events).boxed_unsync(),
    )))
}

/// The `Last-Event-ID` header (the HTML standard's server-sent events): the `seq` of the last
/// event a reconnecting client saw. Only this stream's ids are valid: a decimal `seq`.
fn last_event_id(headers: &http::HeaderMap) -> Result<Option<u64>> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|text| text.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ControlError::bad(
                "Last-Event-ID",
                "must be the id of an event of this stream (a sequence number)".to_owned(),
            )
        })
}
