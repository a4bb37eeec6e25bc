//! The fixture generator: N departments of three members each, in the gateway's fixture format
//! (docs/fixtures.md), with one administrator who holds a preset credential for each vendor, so
//! that no run has to log in.
//!
//! Departments have the shape of the embedded default data's (name, description, email, the two
//! Zopim settings, three members), so memory per department is measured on realistic records
//! rather than on bare names. Everything is derived from the index, so the same N always gives
//! the same file, and the driver can compute any department's ids without reading it back.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use serde_json::json;

/// The administrator's email and Basic password (its hash below is of this password).
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin";
/// The Argon2id hash of `admin` from fixtures/default.json: no password is hashed at load, so
/// start-up time is the gateway's, not Argon2's.
const ADMIN_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$wGFZw4MXe1xQkXn+N+V6vw$fK9siCbV4Yv4Ntt8S2cLztYW+aaa4nT+kJqd8ob7Cxk";
/// Zopim `Authorization: Bearer`.
pub const BEARER_TOKEN: &str = "bench-zopim-admin-bearer-token";
/// Rocket.Chat `X-Auth-Token`, with [`ADMIN_UID`] as `X-User-Id`.
pub const SESSION_TOKEN: &str = "bench-rocketchat-admin-session-token";
/// Zendesk `email/token:TOKEN`.
pub const API_TOKEN: &str = "bench-zendesk-admin-api-token";
/// 17 characters of Meteor's alphabet.
pub const ADMIN_UID: &str = "BenchAdminAgent23";

const METEOR: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const CREATED_AT: &str = "2024-01-15T09:10:00Z";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub departments: u64,
    pub agents: u64,
}

impl Spec {
    /// N departments with the default number of agents: a tenth of N, at least 10 and at most
    /// 10 000, so agents stay a small part of the data and each has a few dozen to a few hundred
    /// departments, as support teams do.
    pub fn new(departments: u64) -> Self {
        Self {
            departments,
            agents: (departments / 10).clamp(10, 10_000),
        }
    }
}

/// Department `i`'s Rocket.Chat `_id`: 24 hexadecimal digits.
pub fn department_uid(i: u64) -> String {
    format!("65b0{:020x}", i)
}

/// Agent `j`'s Rocket.Chat user `_id`: "Bench" and twelve base-54 digits of `j`.
fn agent_uid(j: u64) -> String {
    let mut digits = [METEOR[0]; 12];
    let mut rest = j;
    for slot in digits.iter_mut().rev() {
        *slot = METEOR[(rest % METEOR.len() as u64) as usize];
        rest /= METEOR.len() as u64;
    }
    format!("Bench{}", String::from_utf8_lossy(&digits))
}

/// Department `i`'s three members: agent ids 2 ..= agents + 1, round robin, all different as long
/// as there are at least three agents. The administrator (id 1) is in no department.
fn members(spec: &Spec, i: u64) -> [u64; 3] {
    let first = (i - 1) * 3;
    [0, 1, 2].map(|k| 2 + (first + k) % spec.agents)
}

/// Writes the fixture file; returns its size in bytes.
pub fn write(spec: &Spec, path: &Path) -> anyhow::Result<u64> {
    anyhow::ensure!(spec.departments >= 1, "at least one department");
    anyhow::ensure!(
        spec.agents >= 3,
        "at least three agents, for three members each"
    );
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let admin = json!({
        "id": 1,
        "uid": ADMIN_UID,
        "username": "admin",
        "name": "Alex Admin",
        "email": ADMIN_EMAIL,
        "roles": ["owner", "administrator", "agent"],
        "password_hash": ADMIN_PASSWORD_HASH,
        "tokens": {"bearer": [BEARER_TOKEN], "api": [API_TOKEN], "session": [SESSION_TOKEN]},
        "created_at": CREATED_AT,
    });
    // One entry per line: the file stays greppable at a million departments.
    write!(out, "{{\"agents\": [\n{admin}")?;
    for j in 2..spec.agents + 2 {
        let agent = json!({
            "id": j,
            "uid": agent_uid(j),
            "username": format!("agent-{j}"),
            "name": format!("Agent {j}"),
            "email": format!("agent-{j}@example.com"),
            "roles": ["agent"],
            "created_at": CREATED_AT,
        });
        write!(out, ",\n{agent}")?;
    }
    write!(out, "\n],\n\"departments\": [")?;
    for i in 1..=spec.departments {
        let department = json!({
            "id": i,
            "uid": department_uid(i),
            "name": format!("Department {i}"),
            "description": format!("Generated department {i}"),
            "email": format!("department-{i}@example.com"),
            "settings": {"chat_enabled": true, "support_group_id": null},
            "members": members(spec, i),
            "created_at": CREATED_AT,
        });
        let separator = if i == 1 { "\n" } else { ",\n" };
        write!(out, "{separator}{department}")?;
    }
    writeln!(out, "\n]}}")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_formats_the_gateway_requires() {
        for j in [2, 53, 54, 10_001] {
            let uid = agent_uid(j);
            assert_eq!(uid.len(), 17, "{uid}");
            assert!(uid.bytes().all(|b| METEOR.contains(&b)), "{uid}");
        }
        assert_ne!(agent_uid(2), agent_uid(3));
        assert!(ADMIN_UID.bytes().all(|b| METEOR.contains(&b)));
        assert_eq!(ADMIN_UID.len(), 17);
        let uid = department_uid(1_000_000);
        assert_eq!(uid.len(), 24);
        assert!(
            uid.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[test]
    fn each_department_has_three_different_members() {
        let spec = Spec::new(1000);
        for i in 1..=1000 {
            let [a, b, c] = members(&spec, i);
            assert!(a != b && b != c && a != c);
            assert!((2..spec.agents + 2).contains(&a));
        }
    }

    #[test]
    fn the_file_is_json_with_every_entry() {
        let path =
            std::env::temp_dir().join(format!("deskbridge-bench-{}.json", std::process::id()));
        write(&Spec::new(25), &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["departments"].as_array().unwrap().len(), 25);
        assert_eq!(value["agents"].as_array().unwrap().len(), 11);
    }
}
