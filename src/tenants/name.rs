//! Names of tenants and of their snapshots: DNS labels, so that a tenant can be chosen by host
//! (`acme.localhost`) as well as by path (`/t/acme/...`) and header.

use std::fmt;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a DNS label: 1 to 63 characters of a-z and 0-9, with inner hyphens")]
pub struct BadName;

/// A DNS label (RFC 1035 as RFC 1123 relaxed it): `[a-z0-9]`, inner `-`, 1 to 63 characters.
/// Upper case is refused rather than folded, so one tenant has one spelling everywhere.
fn is_label(text: &str) -> bool {
    let bytes = text.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

macro_rules! label_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Box<str>);

        impl $name {
            /// The name, if `text` is a DNS label.
            pub fn parse(text: &str) -> Result<Self, BadName> {
                if is_label(text) {
                    Ok(Self(text.into()))
                } else {
                    Err(BadName)
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

label_newtype!(
    /// A tenant's name.
    TenantName
);

label_newtype!(
    /// A snapshot's name, unique within its tenant.
    SnapshotName
);

impl TenantName {
    /// The tenant every request that names none goes to.
    pub fn default_tenant() -> Self {
        Self("default".into())
    }

    pub fn is_default(&self) -> bool {
        &*self.0 == "default"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_are_names_and_nothing_else_is() {
        for good in ["a", "acme", "ci-42", "0", &"x".repeat(63)] {
            assert!(TenantName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-acme",
            "acme-",
            "Acme",
            "ac_me",
            "ac.me",
            "ac me",
            "é",
            &"x".repeat(64),
        ] {
            assert_eq!(TenantName::parse(bad), Err(BadName), "{bad:?}");
        }
    }
}
