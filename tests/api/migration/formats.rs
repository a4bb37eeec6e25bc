//! Every format: a round trip gives identical files; a trip through another format and back
//! loses exactly what the loss report names; the same state in two formats reconciles equal.

use std::collections::BTreeSet;

use deskbridge::migration::compare::{self, Fields, Options, Side};
use deskbridge::migration::loss;
use deskbridge::migration::{Files, Site};
use serde_json::json;

use super::{VENDORS, all_formats, format, rich, text, through, write};

#[test]
fn writing_what_a_format_read_gives_the_same_files_for_every_format() {
    for name in all_formats() {
        // Arrange: the rich state as this format holds it.
        let first = write(name, &through(name, &rich()));

        // Act
        let again = write(name, &format(name).read(&first).unwrap());

        // Assert
        assert_eq!(first, again, "{name}");
    }
}

#[test]
fn a_zip_of_an_export_reads_as_the_directory_does() {
    let files = write("rocketchat", &rich());
    let zipped = Files::from_zip(&files.to_zip().unwrap()).unwrap();
    assert_eq!(zipped, files);
}

/// Every (kind, record, field) a comparison names.
fn named(report: &compare::Report) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in &report.only_in_a {
        out.insert(format!("record {:?} {}", r.kind, r.key));
    }
    for f in &report.fields {
        out.insert(format!("field {:?} {} {}", f.kind, f.record, f.field));
    }
    for m in &report.memberships {
        for agent in &m.only_in_a {
            out.insert(format!("member {} {agent}", m.department));
        }
    }
    out
}

fn named_loss(report: &loss::LossReport) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in &report.records {
        out.insert(format!("record {:?} {}", r.kind, r.key));
    }
    for f in &report.fields {
        out.insert(format!("field {:?} {} {}", f.kind, f.record, f.field));
    }
    for m in &report.memberships {
        for agent in &m.agents {
            out.insert(format!("member {} {agent}", m.department));
        }
    }
    out
}

#[test]
fn a_trip_through_another_format_and_back_loses_exactly_what_the_loss_report_names() {
    let site = Site::default();
    for a in all_formats() {
        for b in all_formats() {
            // Arrange: the rich state as format A holds it.
            let (fa, fb) = (format(a), format(b));
            let start = through(a, &rich());

            // Act: A -> B, then B -> A.
            let (files_b, report) = loss::convert(&start, &*fa, &*fb, &site).unwrap();
            let in_b = fb.read(&files_b).unwrap();
            let (files_a, _) = loss::convert(&in_b, &*fb, &*fa, &site).unwrap();
            let back = fa.read(&files_a).unwrap();

            // Assert: what differs between the start and the end is what the report named.
            let lost = compare::compare(
                Side {
                    label: a,
                    state: &start,
                    carries: fa.carries(),
                },
                Side {
                    label: a,
                    state: &back,
                    carries: fa.carries(),
                },
                Options {
                    times: true,
                    ..Options::default()
                },
                Fields::Only(fa.carries()),
            );
            assert!(
                lost.only_in_b.is_empty(),
                "{a} -> {b} -> {a} added {:?}",
                lost.only_in_b
            );
            assert_eq!(named(&lost), named_loss(&report), "{a} -> {b} -> {a}");
            if a == b {
                assert!(report.is_empty(), "{a} -> {a} lost {:?}", report);
            }
        }
    }
}

#[test]
fn the_loss_report_names_zopim_settings_in_rocket_chat_and_closing_tags_in_zopim() {
    let site = Site::default();
    let (canonical, zopim, rocketchat) =
        (format("canonical"), format("zopim"), format("rocketchat"));
    let state = rich();

    let (_, to_rocketchat) =
        loss::convert(&through("zopim", &state), &*zopim, &*rocketchat, &site).unwrap();
    let (_, to_zopim) = loss::convert(&state, &*canonical, &*zopim, &site).unwrap();

    let settings: Vec<_> = to_rocketchat
        .fields
        .iter()
        .filter(|f| f.field == "settings")
        .collect();
    assert_eq!(settings.len(), 1);
    assert_eq!(
        serde_json::to_value(settings[0]).unwrap(),
        json!({
            "kind": "department", "record": "Sales", "field": "settings",
            "value": {"chat_enabled": true, "support_group_id": null}, "becomes": {}
        })
    );
    let routing: Vec<_> = to_zopim
        .fields
        .iter()
        .filter(|f| f.field == "routing")
        .collect();
    assert_eq!(routing.len(), 1);
    assert_eq!(routing[0].record, "Sales");
    assert_eq!(routing[0].value["closing_tags"], json!(["won", "lost"]));
    // The archived department and the end user are not in Zopim's lists.
    let records: Vec<_> = to_zopim.records.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(records, ["eve@example.com", "Old desk"]);
}

#[test]
fn the_same_state_in_two_vendor_formats_reconciles_equal() {
    // Only what every vendor list shows: active departments, staff agents with the agent role.
    let state = format("canonical")
        .read(&{
            let mut files = Files::new();
            files.insert(
                "state.json",
                br#"{"agents": [
                    {"id": 1, "username": "ann", "name": "Ann Lee", "email": "ann@example.com", "roles": ["agent"]},
                    {"id": 2, "username": "bob", "name": "Bob Ray", "email": "bob@example.com", "roles": ["agent"]}],
                  "departments": [
                    {"id": 1, "name": "Sales", "description": "Before buying", "members": [1, 2]},
                    {"id": 2, "name": "Support", "members": [2]}]}"#
                    .to_vec(),
            );
            files
        })
        .unwrap();
    for a in VENDORS {
        for b in VENDORS {
            let (fa, fb) = (format(a), format(b));
            let (sa, sb) = (through(a, &state), through(b, &state));
            let report = compare::compare(
                Side {
                    label: a,
                    state: &sa,
                    carries: fa.carries(),
                },
                Side {
                    label: b,
                    state: &sb,
                    carries: fb.carries(),
                },
                Options::default(),
                Fields::Common,
            );
            assert!(report.equal, "{a} vs {b}: {}", report.table());
        }
    }
}

#[test]
fn each_format_writes_its_vendors_list_bodies() {
    let state = rich();
    let zopim = write("zopim", &state);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text(&zopim, "departments.json")).unwrap()[0],
        json!({"description": "Questions before buying", "enabled": 1, "id": 1, "members": [1, 2],
               "name": "Sales", "settings": {"chat_enabled": true, "support_group_id": null}})
    );
    let rocketchat = write("rocketchat", &state);
    let links: serde_json::Value = serde_json::from_str(&text(
        &rocketchat,
        "department_agents/65a4f0c2e4b0a1b2c3d4e5f1.json",
    ))
    .unwrap();
    assert_eq!(links["total"], json!(2));
    assert_eq!(links["agents"][1]["order"], json!(2));
    let xml = write("zendesk-xml", &state);
    assert!(text(&xml, "groups.xml").starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<groups type=\"array\" count=\"4\">"
    ));
    let support = write("zendesk-support", &state);
    let groups: serde_json::Value = serde_json::from_str(&text(&support, "groups.json")).unwrap();
    assert_eq!(groups["count"], json!(3));
    assert_eq!(
        groups["groups"][1]["url"],
        json!("http://localhost:8080/api/v2/groups/2.json")
    );
}
