//! Job statuses (Zendesk, "Job Statuses"): what a bulk request (`create_many`, `destroy_many`)
//! answers with and `GET /api/v2/job_statuses/{id}` reports.
//!
//! Zendesk queues bulk work and answers at once with a job to poll. Here the work is done before
//! the answer (each item is one small model command), so every job is `completed` when first
//! shown; clients that poll get the same status. Each tenant's facade keeps the last
//! [`CAPACITY`] jobs; an older one is forgotten (404 `RecordNotFound`, as Zendesk answers for a
//! job it no longer keeps).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::mapping::{Site, time};
use super::wire::{JobResultOut, JobStatusOut};
use crate::model::Timestamp;

/// Jobs kept per tenant.
pub const CAPACITY: usize = 1000;

/// A job's id: 16 random bytes, shown as 32 lowercase hex digits as Zendesk's are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobId([u8; 16]);

impl JobId {
    fn generate() -> Self {
        JobId(rand::random())
    }

    /// A path segment: 32 hex digits, `.json` after them allowed.
    pub fn parse(segment: &str) -> Option<Self> {
        let hex_digits = segment.strip_suffix(".json").unwrap_or(segment);
        if hex_digits.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut out = [0u8; 16];
        hex::decode_to_slice(hex_digits, &mut out).ok()?;
        Some(JobId(out))
    }

    pub fn as_hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// What one item of a bulk request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done: the membership's id.
    Done(u64),
    /// Refused: Zendesk's error code and its description.
    Failed {
        id: Option<u64>,
        error: &'static str,
        details: String,
    },
}

/// A finished job.
#[derive(Debug)]
pub struct Job {
    pub id: JobId,
    /// `create` or `delete`.
    pub action: &'static str,
    pub outcomes: Vec<Outcome>,
    pub finished_at: Timestamp,
}

impl Job {
    /// The job as Zendesk shows it, with its `url` for this site.
    pub fn out(&self, site: &Site) -> JobStatusOut {
        let total = self.outcomes.len();
        let results = self
            .outcomes
            .iter()
            .enumerate()
            .map(|(index, outcome)| match outcome {
                Outcome::Done(id) => JobResultOut {
                    id: Some(*id),
                    index,
                    action: self.action,
                    success: true,
                    status: if self.action == "create" {
                        "Created"
                    } else {
                        "Deleted"
                    },
                    error: None,
                    details: None,
                },
                Outcome::Failed { id, error, details } => JobResultOut {
                    id: *id,
                    index,
                    action: self.action,
                    success: false,
                    status: "Failed",
                    error: Some(error),
                    details: Some(details.clone()),
                },
            })
            .collect();
        let hex = self.id.as_hex();
        JobStatusOut {
            url: format!("{}/api/v2/job_statuses/{hex}.json", site.origin),
            id: hex,
            total,
            progress: total,
            status: "completed",
            message: format!("Completed at {}", message_time(self.finished_at)),
            results,
        }
    }
}

/// `2018-03-08 10:07:04 +0000`, as Zendesk's job messages write the time.
fn message_time(at: Timestamp) -> String {
    let iso = time(at); // 2018-03-08T10:07:04Z
    format!("{} +0000", iso.trim_end_matches('Z').replacen('T', " ", 1))
}

/// The last [`CAPACITY`] jobs of one tenant, oldest first.
#[derive(Debug, Default)]
pub struct Jobs {
    kept: Mutex<VecDeque<Arc<Job>>>,
}

impl Jobs {
    /// Keeps a finished job (forgetting the oldest beyond [`CAPACITY`]) and gives it back.
    pub fn finish(
        &self,
        action: &'static str,
        outcomes: Vec<Outcome>,
        finished_at: Timestamp,
    ) -> Arc<Job> {
        let job = Arc::new(Job {
            id: JobId::generate(),
            action,
            outcomes,
            finished_at,
        });
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() == CAPACITY {
            kept.pop_front();
        }
        kept.push_back(Arc::clone(&job));
        job
    }

    pub fn get(&self, id: JobId) -> Option<Arc<Job>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter().rev().find(|j| j.id == id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_id_is_32_lowercase_hex_digits_with_an_optional_suffix() {
        let id = JobId::generate();
        assert_eq!(JobId::parse(&id.as_hex()), Some(id));
        assert_eq!(JobId::parse(&format!("{}.json", id.as_hex())), Some(id));
        for bad in ["", "abc", "0A1B2C3D4E5F60718293A4B5C6D7E8F9", "zz"] {
            assert_eq!(JobId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_last_jobs_are_kept() {
        let jobs = Jobs::default();
        let first = jobs.finish("create", vec![], Timestamp::now());
        for _ in 0..CAPACITY {
            jobs.finish("delete", vec![], Timestamp::now());
        }
        assert!(jobs.get(first.id).is_none());
        let last = jobs.finish("create", vec![Outcome::Done(1)], Timestamp::now());
        assert_eq!(jobs.get(last.id).map(|j| j.outcomes.len()), Some(1));
    }

    #[test]
    fn the_message_writes_the_time_as_zendesk_does() {
        // 2018-03-08T10:07:04.250Z
        let at = Timestamp::from_unix_millis(1_520_503_624_250);
        assert_eq!(message_time(at), "2018-03-08 10:07:04 +0000");
    }
}
