//! Method + path resolution for facades. Each facade keeps its route table as data (one line per
//! route: method, path, action); [`RouteTable`] turns it into a path tree and answers "which action
//! does this request ask for", with the gateway-wide rules for HEAD, 404 and 405 in one place.

use http::{HeaderValue, Method, header};

use super::{LayerError, Response};

/// A number in a path or a query, as the vendors write one: decimal digits only (`u64::from_str`
/// would also take `+1`); `None` for anything else, or a number past `u64`.
pub fn decimal(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A facade's routes under each of its prefixes. `A` is the facade's action type.
pub struct RouteTable<A> {
    paths: matchit::Router<Vec<(Method, A)>>,
}

/// The action a request resolved to, with the path's parameters (still percent-encoded).
pub struct Resolved<'t, 'p, A> {
    pub action: A,
    pub params: matchit::Params<'t, 'p>,
}

impl<A: Copy> RouteTable<A> {
    /// Registers every route under every prefix. `{name}` in a path is one segment.
    ///
    /// # Panics
    /// If two paths conflict, which is a bug in the table, found by any test that builds it.
    pub fn new(prefixes: &[&str], routes: &[(Method, &str, A)]) -> Self {
        let mut grouped: Vec<(String, Vec<(Method, A)>)> = Vec::new();
        for prefix in prefixes {
            for (method, path, action) in routes {
                let full = format!("{prefix}{path}");
                match grouped.iter_mut().find(|(p, _)| *p == full) {
                    Some((_, methods)) => methods.push((method.clone(), *action)),
                    None => grouped.push((full, vec![(method.clone(), *action)])),
                }
            }
        }
        let mut paths = matchit::Router::new();
        for (path, methods) in grouped {
            if let Err(e) = paths.insert(path.clone(), methods) {
                panic!("route table conflict at {path}: {e}");
            }
        }
        Self { paths }
    }

    /// The action for `method` on `path`. HEAD resolves as GET (hyper drops the body). A path that
    /// exists without this method is a 405 listing the methods it takes, HEAD after GET (RFC 9110:
    /// a server that serves GET serves HEAD); an unknown path is a 404.
    pub fn resolve<'t, 'p>(
        &'t self,
        method: &Method,
        path: &'p str,
    ) -> Result<Resolved<'t, 'p, A>, LayerError> {
        let matched = self.paths.at(path).map_err(|_| LayerError::NotFound)?;
        let wanted = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let action = matched
            .value
            .iter()
            .find(|(m, _)| m == wanted)
            .map(|(_, a)| *a)
            .ok_or_else(|| LayerError::MethodNotAllowed {
                allow: allowed(matched.value),
            })?;
        Ok(Resolved {
            action,
            params: matched.params,
        })
    }
}

fn allowed<A>(methods: &[(Method, A)]) -> Vec<Method> {
    let mut allow = Vec::new();
    for (method, _) in methods {
        allow.push(method.clone());
        if method == Method::GET {
            allow.push(Method::HEAD);
        }
    }
    allow
}

/// Sets `Allow` on a 405 from the methods a [`LayerError::MethodNotAllowed`] carries.
pub fn set_allow(response: &mut Response, allow: &[Method]) {
    let list = allow
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(value) = HeaderValue::from_str(&list) {
        response.headers_mut().insert(header::ALLOW, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Act {
        List,
        Create,
        Me,
        Show,
    }

    fn table() -> RouteTable<Act> {
        RouteTable::new(
            &["/v2", "/v2/chat"],
            &[
                (Method::GET, "/things", Act::List),
                (Method::POST, "/things", Act::Create),
                (Method::GET, "/things/me", Act::Me),
                (Method::GET, "/things/{id}", Act::Show),
            ],
        )
    }

    #[test]
    fn static_segments_win_over_parameters_under_every_prefix() {
        let table = table();
        for prefix in ["/v2", "/v2/chat"] {
            assert_eq!(
                table
                    .resolve(&Method::GET, &format!("{prefix}/things/me"))
                    .unwrap()
                    .action,
                Act::Me
            );
            let path = format!("{prefix}/things/Sales%20Team");
            let show = table.resolve(&Method::GET, &path).unwrap();
            assert_eq!(
                (show.action, show.params.get("id")),
                (Act::Show, Some("Sales%20Team"))
            );
        }
    }

    #[test]
    fn head_resolves_as_get_and_is_listed_in_allow() {
        let table = table();
        assert_eq!(
            table.resolve(&Method::HEAD, "/v2/things").unwrap().action,
            Act::List
        );
        let Err(error) = table.resolve(&Method::DELETE, "/v2/things") else {
            panic!("DELETE resolved");
        };
        assert_eq!(
            error,
            LayerError::MethodNotAllowed {
                allow: vec![Method::GET, Method::HEAD, Method::POST]
            }
        );
        assert!(matches!(
            table.resolve(&Method::GET, "/v3/things"),
            Err(LayerError::NotFound)
        ));
    }
}
