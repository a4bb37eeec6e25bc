//! What the gateway keeps per tenant to see and perturb its traffic: the request journal
//! ([`super::journal`]) and the faults ([`super::faults`]). The tenant layer hands it on with the tenant's
//! facades; the control plane reaches it through the tenant.

use std::sync::Arc;

use super::faults::Faults;
use super::journal::RequestJournal;

/// One tenant's journal and faults.
pub struct TenantWatch {
    pub tenant: Arc<str>,
    /// `None` with `--request-journal 0`.
    pub journal: Option<Arc<RequestJournal>>,
    pub faults: Faults,
}

impl TenantWatch {
    /// For the tenant `tenant`, with a journal of `journal` entries (0: none).
    pub fn new(tenant: &str, journal: usize) -> Self {
        let tenant: Arc<str> = tenant.into();
        Self {
            journal: (journal > 0)
                .then(|| Arc::new(RequestJournal::new(Arc::clone(&tenant), journal))),
            tenant,
            faults: Faults::default(),
        }
    }

    /// Nothing journaled (in-process tests of the pipeline).
    pub fn off() -> Self {
        Self::new("default", 0)
    }
}
