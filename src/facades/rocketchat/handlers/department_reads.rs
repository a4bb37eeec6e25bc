//! Department reads (spec §3 #1, #3, #4, #7, #10, #11, #13, #14, with §3.1 and §1.4): the
//! department lists, the creation check, one department, autocomplete, a department's agents,
//! `listByIds` and an agent's departments.

use http::StatusCode;

use super::common::{Req, Result, contains_ci, ok, sorted_page};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::permissions::Permission;
use crate::facades::rocketchat::query::{self, Page};
use crate::facades::rocketchat::wire::requests::params;
use crate::facades::rocketchat::wire::{self, Json};
use crate::facades::rocketchat::{Context, Edition, cached};
use crate::http::cache::CacheKey;
use crate::http::json::{self as strict_json, JsonError};
use crate::http::{LayerError, Response};
use crate::model::{Department, DepartmentId, State, View};

pub(super) fn creation_available(ctx: &Context, view: &State) -> bool {
    // CE: `countTotal() === 0`; archived departments count (spec §3.1 #3).
    ctx.options.edition == Edition::Enterprise || view.department_count() == 0
}

/// A page of the department list (#1) or of the archived list (#7). The body is kept per state
/// version, route and query (`Context::department_page`), since clients poll the same page.
pub(super) fn list_departments(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
    archived_only: bool,
) -> Result<Response> {
    // A monitor's `onlyMyDepartments=true` (Enterprise): its units' departments, and a body of
    // its own, not kept.
    let within = super::units::monitor_departments(ctx, view, req)?;
    let key = (archived_only, req.query.clone());
    let encode = || {
        let page = query::page(&req.query);
        let sort = query::sort(&req.query)?;
        let flag = |key: &str| query::string(&req.query, key) == Some("true");
        let filter = DepartmentFilter {
            archived_only,
            show_archived: flag(params::SHOW_ARCHIVED),
            enabled_only: flag(params::ENABLED),
            text: query::string(&req.query, params::TEXT).filter(|t| !t.is_empty()),
            exclude: query::string(&req.query, params::EXCLUDE_DEPARTMENT_ID)
                .filter(|t| !t.is_empty()),
            within: within.as_deref(),
            edition: ctx.options.edition,
        };
        let (departments, total) = department_page(view, &filter, page, sort);
        wire::encode(&wire::Page {
            count: departments.len(),
            items: wire::Named {
                name: "departments",
                items: departments,
            },
            offset: page.offset,
            total,
            success: true,
        })
        .map_err(|()| RcError::Layer(LayerError::Internal))
    };
    let body = match within {
        Some(_) => encode()?,
        None => ctx
            .department_page
            .get_or_encode(view.version(), &key, encode)?,
    };
    Ok(wire::bytes_response(StatusCode::OK, body))
}

/// Which departments a department list shows (spec §3.1 #1: the list's MongoDB query).
struct DepartmentFilter<'q> {
    /// The archived list (#7): archived departments only, whatever the other flags say.
    archived_only: bool,
    show_archived: bool,
    enabled_only: bool,
    /// A case-insensitive substring of the name.
    text: Option<&'q str>,
    /// The `_id` of a department left out.
    exclude: Option<&'q str>,
    /// Only these departments (a monitor's), ascending.
    within: Option<&'q [DepartmentId]>,
    /// How the departments found are written.
    edition: Edition,
}

impl DepartmentFilter<'_> {
    /// The flags' part of the query.
    fn listed(&self, d: &Department) -> bool {
        if self.archived_only {
            !d.active
        } else {
            (self.show_archived || d.active) && (!self.enabled_only || d.enabled)
        }
    }

    fn matches(&self, d: &Department) -> bool {
        self.listed(d)
            && self.text.is_none_or(|t| contains_ci(d.name.as_str(), t))
            && self.exclude.is_none_or(|id| d.uid.to_string() != id)
            && self
                .within
                .is_none_or(|ids| ids.binary_search(&d.id).is_ok())
    }

    /// How many departments match, from the model's counts when the filter allows (`O(log n)`);
    /// `None` when only a scan can tell (a text search, `enabled`).
    fn counted_total(&self, view: &State) -> Option<usize> {
        if self.text.is_some() || self.within.is_some() {
            return None;
        }
        let listed = if self.archived_only {
            view.department_count() - view.active_department_count()
        } else if self.enabled_only {
            return None;
        } else if self.show_archived {
            view.department_count()
        } else {
            view.active_department_count()
        };
        // `_id: {$ne: id}` leaves out at most one department, and only one of those listed.
        let excluded = self
            .exclude
            .and_then(|id| mapping::department_by_id(view, id))
            .is_some_and(|d| self.listed(d));
        Some(listed - usize::from(excluded))
    }
}

/// One page of a department list and the list's `total`.
///
/// In the default order (`{name: 1}` in byte order, spec §3.1 #1, which is the name index's
/// order, ties in id order as the index keeps them), the page is read off the index: only the
/// page's departments are encoded, and without a text search or `enabled` the total comes from
/// the model's counts, so a page costs the departments before it and on it, not the whole set.
/// Any other sort encodes and sorts every matching department, as MongoDB would sort them.
fn department_page<'v>(
    view: &'v State,
    filter: &DepartmentFilter<'_>,
    page: Page,
    sort: Option<query::Sort>,
) -> (Vec<wire::DepartmentOut<'v>>, usize) {
    let by_name = match &sort {
        None => true,
        Some(fields) => matches!(fields.as_slice(), [(field, 1)] if field == "name"),
    };
    if !by_name {
        return sorted_department_page(view, filter, page, sort);
    }
    let listed = view
        .departments_by_name()
        .filter(|d| filter.matches(d))
        .skip(page.offset);
    let out =
        |d: &'v std::sync::Arc<Department>| mapping::department_out(view, d, true, filter.edition);
    let departments = match page.count {
        Some(count) => listed.take(count).map(out).collect(),
        None => listed.map(out).collect(),
    };
    let total = filter
        .counted_total(view)
        .unwrap_or_else(|| view.departments().filter(|d| filter.matches(d)).count());
    (departments, total)
}

/// Every matching department encoded, sorted, then paged: the general case of
/// [`department_page`], and what its fast path must agree with.
fn sorted_department_page<'v>(
    view: &'v State,
    filter: &DepartmentFilter<'_>,
    page: Page,
    sort: Option<query::Sort>,
) -> (Vec<wire::DepartmentOut<'v>>, usize) {
    let items: Vec<_> = view
        .departments_by_name()
        .filter(|d| filter.matches(d))
        .map(|d| mapping::department_out(view, d, true, filter.edition))
        .collect();
    sorted_page(items, page, sort)
}

pub(super) fn show_department(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    let within = super::units::monitor_departments(ctx, view, req)?;
    let department = mapping::department_by_id(view, req.param("_id")).filter(|d| {
        within
            .as_ref()
            .is_none_or(|ids| ids.binary_search(&d.id).is_ok())
    });
    // `includeAgents` absent leaves the function default (true); any value but 'true' turns
    // it off; agents also need `view-livechat-departments` (spec §3.1 #4).
    let include = match req.query.get(params::INCLUDE_AGENTS) {
        None => true,
        Some(v) => v.as_str() == Some("true"),
    };
    let include = include && req.may(Permission::ViewLivechatDepartments);
    let encode = || {
        wire::encode(&wire::DepartmentAnswer {
            department: department
                .map(|d| mapping::department_out(view, d, true, ctx.options.edition)),
            agents: include.then(|| {
                department
                    .map(|d| mapping::links_of(view, d.id))
                    .unwrap_or_default()
            }),
            success: true,
        })
        .map_err(|()| RcError::Layer(LayerError::Internal))
    };
    // The answer depends on the state, the department and whether agents are in it: the same
    // bytes for every caller who gets agents, and for every caller who does not.
    let body = match department {
        Some(d) => {
            let key = CacheKey {
                kind: cached::DEPARTMENT,
                variant: u32::from(include),
                id: d.id.0,
            };
            ctx.bodies.get_or_encode(key, view.version(), encode)?
        }
        None => encode()?,
    };
    Ok(wire::bytes_response(StatusCode::OK, body))
}

pub(super) fn autocomplete(view: &View, req: &Req<'_>) -> Result<Response> {
    let raw = match req.query.get(params::SELECTOR) {
        None => return Err(RcError::SelectorRequired),
        Some(Json::String(s)) if s.is_empty() => return Err(RcError::SelectorRequired),
        Some(Json::String(s)) => s.clone(),
        // `JSON.parse` of an object stringifies it first.
        Some(_) => "[object Object]".to_owned(),
    };
    let selector: Json = strict_json::parse_str(&raw).map_err(|e| match e {
        JsonError::Syntax { column, .. } => RcError::JsonSyntax {
            position: column.saturating_sub(1),
        },
        JsonError::DuplicateKey(path) => RcError::DuplicateProperty(format!("selector.{path}")),
    })?;
    let term = selector
        .get(params::TERM)
        .and_then(Json::as_str)
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let exceptions: Vec<&str> = match selector.get(params::EXCEPTIONS) {
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    // `archived: {$ne: !showArchived}`: with showArchived every department matches.
    let show_archived = query::string(&req.query, params::SHOW_ARCHIVED) == Some("true");
    let items: Vec<wire::NameOut<'_>> = view
        .departments_by_name()
        .filter(|d| show_archived || d.active)
        .filter(|d| d.name.as_str().to_lowercase().starts_with(&term))
        .filter(|d| !exceptions.contains(&d.uid.to_string().as_str()))
        .map(|d| wire::NameOut {
            id: d.uid.to_string(),
            name: d.name.as_str(),
        })
        .collect();
    ok(&wire::List {
        items: wire::Named {
            name: "items",
            items,
        },
        success: true,
    })
}

pub(super) fn department_agents(view: &View, req: &Req<'_>) -> Result<Response> {
    let page = query::page(&req.query);
    let sort = query::sort(&req.query)?;
    let links = mapping::department_by_id(view, req.param("_id"))
        .map(|d| mapping::links_of(view, d.id))
        .unwrap_or_default();
    // `findAgentsByDepartmentId` sorts by username unless told otherwise (spec §3.1 #11).
    let sort = sort.unwrap_or_else(|| vec![("username".to_owned(), 1)]);
    let (agents, total) = sorted_page(links, page, Some(sort));
    ok(&wire::Page {
        count: agents.len(),
        items: wire::Named {
            name: "agents",
            items: agents,
        },
        offset: page.offset,
        total,
        success: true,
    })
}

pub(super) fn list_by_ids(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    query::sort(&req.query)?;
    let ids: Vec<&str> = match req.query.get(params::IDS) {
        None => return Err(RcError::IdsRequired),
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        Some(_) => return Err(RcError::IdsNotArray),
    };
    let departments: Vec<_> = view
        .departments()
        .filter(|d| ids.contains(&d.uid.to_string().as_str()))
        .map(|d| mapping::department_out(view, d, true, ctx.options.edition))
        .collect();
    ok(&wire::List {
        items: wire::Named {
            name: "departments",
            items: departments,
        },
        success: true,
    })
}

pub(super) fn agent_departments(view: &View, req: &Req<'_>) -> Result<Response> {
    let enabled_only = query::string(&req.query, params::ENABLED_DEPARTMENTS_ONLY) == Some("true");
    let departments: Vec<_> = match mapping::agent_by_id(view, req.param("agentId")) {
        Some(agent) => view
            .departments_of(agent.id)
            .filter(|d| !enabled_only || d.enabled)
            .filter_map(|d| mapping::agent_department_out(view, agent, d))
            .collect(),
        None => Vec::new(),
    };
    ok(&wire::List {
        items: wire::Named {
            name: "departments",
            items: departments,
        },
        success: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DepartmentId, DepartmentName, ObjectId, StateBuilder, Timestamp};

    /// Names with duplicates and case variants, every mix of active and enabled.
    fn state() -> State {
        let names = [
            "b", "A test", "a test", "B", "a test", "Zed", "c", "A test", "ab", "b", "é", "Ab",
        ];
        let mut state = StateBuilder::new();
        for (i, name) in names.iter().enumerate() {
            let now = Timestamp::from_unix_millis(1_700_000_000_000 + i as i64);
            state
                .insert_department(Department {
                    id: DepartmentId(i as u64 + 1),
                    uid: ObjectId::generate(now),
                    name: DepartmentName::parse(name).unwrap(),
                    description: (i % 2 == 0).then(|| format!("d{i}")),
                    enabled: i % 3 != 0,
                    email: None,
                    show_on_registration: true,
                    show_on_offline_form: i % 2 == 1,
                    public: true,
                    settings: Default::default(),
                    routing: Default::default(),
                    active: i % 4 != 1,
                    created_at: now,
                    updated_at: now,
                    members_changed_at: None,
                    ever_inactive: i % 4 == 1,
                })
                .unwrap();
        }
        state.build()
    }

    fn encoded(page: (Vec<wire::DepartmentOut<'_>>, usize)) -> String {
        serde_json::to_string(&(page.0, page.1)).unwrap()
    }

    #[test]
    fn pages_read_off_the_name_index_equal_pages_of_the_sorted_list() {
        let view = state();
        let uid = |id: u64| view.department(DepartmentId(id)).unwrap().uid.to_string();
        // Listed by default, archived, and ids that name nothing.
        let (listed, archived) = (uid(1), uid(2));
        let upper = listed.to_uppercase();
        let excludes = [
            None,
            Some(&*listed),
            Some(&*archived),
            Some("nope"),
            Some(&*upper),
        ];
        let pages = [0, 1, 3, 7, 12, 100].into_iter().flat_map(|offset| {
            [Some(1), Some(2), Some(5), Some(100), None].map(|count| Page { offset, count })
        });
        let pages: Vec<Page> = pages.collect();
        let mut checked = 0;
        for flags in 0..8 {
            for text in [None, Some("a"), Some("A TEST"), Some("x")] {
                for exclude in excludes {
                    let filter = DepartmentFilter {
                        archived_only: flags & 1 != 0,
                        show_archived: flags & 2 != 0,
                        enabled_only: flags & 4 != 0,
                        text,
                        exclude,
                        within: None,
                        edition: Edition::Enterprise,
                    };
                    for &page in &pages {
                        let name = Some(vec![("name".to_owned(), 1)]);
                        let expected = encoded(sorted_department_page(&view, &filter, page, None));
                        let by_sort =
                            encoded(sorted_department_page(&view, &filter, page, name.clone()));
                        assert_eq!(by_sort, expected);
                        for sort in [None, name] {
                            let fast = encoded(department_page(&view, &filter, page, sort));
                            assert_eq!(
                                fast, expected,
                                "offset {} count {:?}",
                                page.offset, page.count
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 8 * 4 * 5 * 30);
        // Other sorts take the general path.
        let filter = DepartmentFilter {
            archived_only: false,
            show_archived: true,
            enabled_only: false,
            text: None,
            exclude: None,
            within: None,
            edition: Edition::Enterprise,
        };
        let page = Page {
            offset: 1,
            count: Some(4),
        };
        for sort in [
            vec![("name".to_owned(), -1)],
            vec![("enabled".to_owned(), 1), ("name".to_owned(), 1)],
        ] {
            assert_eq!(
                encoded(department_page(&view, &filter, page, Some(sort.clone()))),
                encoded(sorted_department_page(&view, &filter, page, Some(sort)))
            );
        }
    }
}
