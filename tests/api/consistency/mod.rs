//! One model behind three vendors, checked two ways.
//!
//! - A property test runs random sequences of the writes each facade makes (Zopim's create,
//!   rename, member replace and hard delete; Rocket.Chat's create, agent upsert/remove, archive,
//!   unarchive, delete, `users.create` and `users.delete`; classic XML's create, update, soft
//!   destroy, user create and user delete) and reads from all three, against the gateway and
//!   against [`Reference`], a deliberately simple model of what each vendor should show. Every
//!   read, and every write's own answer, is compared with the reference. Many cases run in
//!   process (the gateway's own pipeline over one store, no sockets); a few run over HTTP.
//!   `PROPTEST_CASES` raises both counts.
//! - A stress test runs many concurrent clients of all three facades for a bounded time, checks
//!   every answer's status and every answer that shows both sides of a membership, then compares
//!   the final state across the facades.

mod property;
mod reference;
mod stress;
mod tenants;
mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use deskbridge::facades::rocketchat::RocketchatOptions;
use deskbridge::facades::zendesk::xml::{Limits, XmlDocument, XmlValue};
use deskbridge::facades::zopim::{EnabledFormat, ZopimOptions};
use deskbridge::fixtures::FixtureFile;
use deskbridge::http::{Pipeline, RequestLimits, Tenancy};
use deskbridge::model::{Store, Timestamp};
use http_body_util::{BodyExt, Full};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use reqwest::Method;
use serde_json::{Value, json};
use tower::ServiceExt;

use property::*;
use reference::*;
use wire::*;

use crate::helpers::{
    ADMIN_TOKEN, RC_ADMIN_ID, TestApp, ZD_ADMIN, ZD_ADMIN_API_TOKEN, spawn_app_on,
};

/// A Rocket.Chat session of the default administrator, preset in the fixtures so that no case
/// pays for an Argon2 login.
const SESSION: &str = "consistency-admin-session-token";

/// The default data plus [`SESSION`].
fn fixtures() -> String {
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    data["agents"][0]["tokens"]["session"] = json!([SESSION]);
    data.to_string()
}
