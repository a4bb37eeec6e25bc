//! A tenant's own options.

/// A tenant's own options, by name (`app.rs` says which there are, and the control plane checks
/// them before a tenant is made; a name absent takes the gateway's flag). Kept in `tenant.json`;
/// a fork and a tenant made from a snapshot take their source's.
pub type Options = std::collections::BTreeMap<String, String>;
