//! Black-box tests: each starts the real gateway on 127.0.0.1:0 and speaks HTTP to it.
//! One test binary with a module per area links once.

mod binary;
mod clients;
mod clients_observe;
mod consistency;
mod cross_protocol;
mod durability;
mod faults;
mod helpers;
mod journal;
mod metrics;
mod migration;
mod robustness;
mod rocketchat;
mod security;
mod server;
mod support;
mod tenants;
mod zendesk;
mod zopim;
