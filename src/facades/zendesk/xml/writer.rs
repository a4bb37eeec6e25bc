//! Writes an [`XmlDocument`] exactly as Rails 2's `to_xml` wrote the Zendesk docs' examples (spec
//! B2, B5): the UTF-8 prolog, one element per line indented by two spaces, `type=` on integers,
//! booleans, datetimes and arrays, nil as `nil="true"`, and a final newline. The output depends on
//! the value alone, so tests compare whole strings.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use time::{OffsetDateTime, UtcOffset};

use super::value::{XmlDocument, XmlType, XmlValue};

/// The document with its `<?xml version="1.0" encoding="UTF-8"?>` prolog.
///
/// It ends with a newline: Builder, which Rails' `to_xml` and `errors.to_xml` use, ends every
/// element it writes at the top level with one, so the 422 body of spec B5 is
/// `...</errors>\n` (checked with ruby-activesupport 6.1).
pub fn write(doc: &XmlDocument) -> String {
    render(doc, true)
}

/// The same without the prolog, for the few bodies that Zendesk sent bare, such as
/// `<error>Couldn't authenticate you</error>` (spec B5).
pub fn write_without_prolog(doc: &XmlDocument) -> String {
    render(doc, false)
}

fn render(doc: &XmlDocument, prolog: bool) -> String {
    let bytes = emit(doc, prolog).expect("writing into a Vec<u8> cannot fail");
    String::from_utf8(bytes).expect("every piece written is a &str, so the whole is UTF-8")
}

fn emit(doc: &XmlDocument, prolog: bool) -> io::Result<Vec<u8>> {
    let mut out = Writer::new(Vec::new());
    if prolog {
        out.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        whitespace(&mut out, "\n")?;
    }
    element(&mut out, &doc.root, &doc.value, 0)?;
    whitespace(&mut out, "\n")?;
    Ok(out.into_inner())
}

/// One element, indented for its depth, without the line break that follows it.
fn element(
    out: &mut Writer<Vec<u8>>,
    name: &str,
    value: &XmlValue,
    depth: usize,
) -> io::Result<()> {
    indent(out, depth)?;
    let start = BytesStart::new(name);
    match value {
        XmlValue::Nil(kind) => {
            let start = match kind {
                Some(kind) => start.with_attributes([("type", type_name(*kind))]),
                None => start,
            };
            // Rails 2 wrote an explicit end tag (`<created-at type="datetime" nil="true">
            // </created-at>`, spec B2); Rails 6 self-closes. Both read as nil.
            leaf(out, start.with_attributes([("nil", "true")]), "")
        }
        XmlValue::Text(text) => leaf(out, start, &xml_chars(text)),
        XmlValue::Integer(n) => leaf(
            out,
            typed(start, XmlType::Integer),
            // A classic export writes millions: no string made for each.
            itoa::Buffer::new().format(*n),
        ),
        XmlValue::Boolean(b) => leaf(
            out,
            typed(start, XmlType::Boolean),
            if *b { "true" } else { "false" },
        ),
        XmlValue::DateTime(t) => leaf(out, typed(start, XmlType::DateTime), &datetime(*t)),
        XmlValue::Array { count, items } => {
            let mut start = start.with_attributes([("type", "array")]);
            if let Some(count) = count {
                start.push_attribute(("count", count.to_string().as_str()));
            }
            // `[].to_xml(root: "groups")` is `<groups type="array"/>` (spec B2).
            if items.is_empty() {
                return out.write_event(Event::Empty(start));
            }
            let children = items.iter().map(|item| (item.name.as_str(), &item.value));
            parent(out, start, children, depth)
        }
        // An empty record comes out as Rails writes `{}.to_xml`, `<group>\n</group>`, which Rails
        // (and the reader) read back as the text "\n". The facade never writes one.
        XmlValue::Record(fields) => {
            let children = fields
                .iter()
                .map(|field| (field.name.as_str(), &field.value));
            parent(out, start, children, depth)
        }
    }
}

fn typed(start: BytesStart<'_>, kind: XmlType) -> BytesStart<'_> {
    start.with_attributes([("type", type_name(kind))])
}

/// Rails 2's spelling (the Zendesk docs); Rails 3+ writes `dateTime` (spec B2).
fn type_name(kind: XmlType) -> &'static str {
    match kind {
        XmlType::Integer => "integer",
        XmlType::Boolean => "boolean",
        XmlType::DateTime => "datetime",
    }
}

/// `<name attrs>text</name>` on one line. Empty text still gets an end tag, as Rails writes
/// `<name></name>` for "" (which Rails, and the reader, read back as nil).
fn leaf(out: &mut Writer<Vec<u8>>, start: BytesStart<'_>, text: &str) -> io::Result<()> {
    out.write_event(Event::Start(start.borrow()))?;
    let end = BytesEnd::new(start.name().0);
    if !text.is_empty() {
        // Like Builder, escape only `&`, `<` and `>` in text, so that quotes stay as in
        // "Name can't be blank" (spec B5); `\r` becomes `&#13;` so that it survives reading.
        out.write_event(Event::Text(BytesText::from_escaped(partial_escape(text))))?;
    }
    out.write_event(Event::End(end))
}

fn parent<'a>(
    out: &mut Writer<Vec<u8>>,
    start: BytesStart<'_>,
    children: impl Iterator<Item = (&'a str, &'a XmlValue)>,
    depth: usize,
) -> io::Result<()> {
    out.write_event(Event::Start(start.borrow()))?;
    whitespace(out, "\n")?;
    for (name, value) in children {
        element(out, name, value, depth + 1)?;
        whitespace(out, "\n")?;
    }
    indent(out, depth)?;
    out.write_event(Event::End(BytesEnd::new(start.name().0)))
}

/// Two spaces per level, without making a string of them for each element.
fn indent(out: &mut Writer<Vec<u8>>, depth: usize) -> io::Result<()> {
    const SPACES: &str = "                                                                ";
    let mut left = 2 * depth;
    while left > 0 {
        let n = left.min(SPACES.len());
        whitespace(out, &SPACES[..n])?;
        left -= n;
    }
    Ok(())
}

fn whitespace(out: &mut Writer<Vec<u8>>, text: &str) -> io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    out.write_event(Event::Text(BytesText::from_escaped(text)))
}

/// `2009-05-13T00:07:08-07:00`, or `...Z` in UTC: Rails' `xmlschema`, whole seconds.
/// A time as Rails' `xmlschema` writes it, whole seconds, `Z` or the offset: the form of every
/// `type="datetime"` element, and of the JSON times (Rails 2.3's standard JSON time format).
pub fn datetime(t: OffsetDateTime) -> String {
    // A list's records often share their times (a record's `created-at` and `updated-at`, a
    // classic export's million nested groups): the last one written is kept and copied.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(OffsetDateTime, String)>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        // The same instant in the same offset is the same text.
        Some((seen, text)) if *seen == t && seen.offset() == t.offset() => text.clone(),
        _ => {
            let text = xmlschema(t);
            *last = Some((t, text.clone()));
            text
        }
    })
}

fn xmlschema(t: OffsetDateTime) -> String {
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let offset = t.offset();
    if offset == UtcOffset::UTC {
        text.push('Z');
    } else {
        let (hours, minutes, _) = offset.as_hms();
        let sign = if offset.is_negative() { '-' } else { '+' };
        text.push_str(&format!("{sign}{:02}:{:02}", hours.abs(), minutes.abs()));
    }
    text
}

/// XML 1.0 cannot carry most control characters, not even as `&#N;`; a name typed into the JSON
/// facade might hold one, and a strict client (REXML) would refuse the whole body. They become
/// U+FFFD.
fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| !matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| if allowed(c) { c } else { '\u{fffd}' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{datetime, offset};

    use super::*;
    use crate::facades::zendesk::xml::Element;

    fn group(id: i64, name: &str, updated_at: OffsetDateTime) -> XmlValue {
        XmlValue::record([
            ("created-at", XmlValue::Nil(Some(XmlType::DateTime))),
            ("id", XmlValue::Integer(id)),
            ("is-active", XmlValue::Boolean(true)),
            ("name", XmlValue::text(name)),
            ("updated-at", XmlValue::DateTime(updated_at)),
        ])
    }

    #[test]
    fn a_list_of_groups_is_written_as_the_zendesk_docs_show_it() {
        // Spec B2, the 2009+ docs, with one group.
        let list = XmlValue::array(
            "group",
            [group(
                1,
                "1. Level Support",
                datetime!(2009-05-13 00:07:08 -07:00),
            )],
        )
        .with_count(1);

        let xml = write(&XmlDocument::new("groups", list));

        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<groups type="array" count="1">
  <group>
    <created-at type="datetime" nil="true"></created-at>
    <id type="integer">1</id>
    <is-active type="boolean">true</is-active>
    <name>1. Level Support</name>
    <updated-at type="datetime">2009-05-13T00:07:08-07:00</updated-at>
  </group>
</groups>
"#
        );
    }

    #[test]
    fn the_validation_errors_body_is_byte_for_byte_what_rails_writes() {
        let errors = XmlValue::record([("error", XmlValue::text("Name can't be blank"))]);

        let xml = write(&XmlDocument::new("errors", errors));

        // Spec B5 quotes the body; Rails ends it with a newline.
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors>\n  <error>Name can't be blank</error>\n</errors>\n"
        );
        assert_eq!(
            xml,
            include_str!("../../../../tests/data/xml/rails_errors.xml")
        );
    }

    #[test]
    fn where_rails_2_and_rails_6_agree_the_output_is_rubys_byte_for_byte() {
        // Samples written by ruby-activesupport 6.1's `to_xml`, which differs from Rails 2 only
        // in datetimes and nils; these have neither.
        let create = XmlValue::record([
            ("name", XmlValue::text("Hardware")),
            (
                "agents",
                XmlValue::array("agent", [XmlValue::Integer(43), XmlValue::Integer(67)]),
            ),
        ]);
        let user = XmlValue::record([
            ("id", XmlValue::Integer(88)),
            ("name", XmlValue::text("Al Johnson")),
            ("email", XmlValue::text("aljohson@yourcompany.dk")),
            ("roles", XmlValue::Integer(4)),
            ("is-verified", XmlValue::Boolean(true)),
            (
                "time-zone",
                XmlValue::text("(GMT +01:00) Brussels, Copenhagen, Madrid, Paris"),
            ),
            (
                "groups",
                XmlValue::array(
                    "group",
                    [
                        XmlValue::record([
                            ("id", XmlValue::Integer(13)),
                            ("name", XmlValue::text("Support")),
                        ]),
                        XmlValue::record([
                            ("id", XmlValue::Integer(3)),
                            ("name", XmlValue::text("Sales")),
                        ]),
                    ],
                ),
            ),
        ]);

        assert_eq!(
            write(&XmlDocument::new("group", create)),
            include_str!("../../../../tests/data/xml/rails_group_create.xml")
        );
        assert_eq!(
            write(&XmlDocument::new("user", user)),
            include_str!("../../../../tests/data/xml/rails_user.xml")
        );
        assert_eq!(
            write(&XmlDocument::new("groups", XmlValue::array("group", []))),
            include_str!("../../../../tests/data/xml/rails_groups_empty.xml")
        );
    }

    #[test]
    fn an_empty_array_is_self_closed_with_or_without_a_count() {
        let empty = XmlValue::array("group", []);

        assert_eq!(
            write(&XmlDocument::new("groups", empty.clone())),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<groups type=\"array\"/>\n"
        );
        assert_eq!(
            write(&XmlDocument::new("groups", empty.with_count(0))),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<groups type=\"array\" count=\"0\"/>\n"
        );
    }

    #[test]
    fn a_nil_carries_its_type_when_it_has_one() {
        let record = XmlValue::record([
            ("a", XmlValue::Nil(None)),
            ("b", XmlValue::Nil(Some(XmlType::Integer))),
            ("c", XmlValue::Nil(Some(XmlType::Boolean))),
            ("d", XmlValue::Nil(Some(XmlType::DateTime))),
        ]);

        assert_eq!(
            write_without_prolog(&XmlDocument::new("r", record)),
            r#"<r>
  <a nil="true"></a>
  <b type="integer" nil="true"></b>
  <c type="boolean" nil="true"></c>
  <d type="datetime" nil="true"></d>
</r>
"#
        );
    }

    #[test]
    fn text_escapes_markup_but_not_quotes_as_rails_does() {
        let doc = XmlDocument::new("name", XmlValue::text(r#"a & b <c> "q" 'x'"#));

        assert_eq!(
            write_without_prolog(&doc),
            "<name>a &amp; b &lt;c&gt; \"q\" 'x'</name>\n"
        );
    }

    #[test]
    fn carriage_returns_are_escaped_and_illegal_control_characters_replaced() {
        let doc = XmlDocument::new("name", XmlValue::text("a\r\nb\tc\u{1}d\u{ffff}é"));

        assert_eq!(
            write_without_prolog(&doc),
            "<name>a&#13;\nb\tc\u{fffd}d\u{fffd}é</name>\n"
        );
    }

    #[test]
    fn datetimes_are_written_in_whole_seconds_with_z_or_their_offset() {
        for (t, expected) in [
            (datetime!(2009-05-13 00:07:08 UTC), "2009-05-13T00:07:08Z"),
            (
                datetime!(2009-05-13 00:07:08 -07:00),
                "2009-05-13T00:07:08-07:00",
            ),
            (
                datetime!(2009-05-13 00:07:08 +05:30),
                "2009-05-13T00:07:08+05:30",
            ),
            (
                datetime!(2009-05-13 00:07:08 -00:30),
                "2009-05-13T00:07:08-00:30",
            ),
            (
                datetime!(2009-05-13 00:07:08.999 UTC),
                "2009-05-13T00:07:08Z",
            ),
            (
                datetime!(2009-05-13 07:07:08 UTC).to_offset(offset!(+1)),
                "2009-05-13T08:07:08+01:00",
            ),
        ] {
            assert_eq!(datetime(t), expected);
        }
    }

    #[test]
    fn the_same_instant_in_another_offset_is_written_in_that_offset() {
        // `datetime` keeps the last text written; an equal instant must not reuse it blindly.
        let utc = datetime!(2009-05-13 07:07:08 UTC);
        assert_eq!(datetime(utc), "2009-05-13T07:07:08Z");
        assert_eq!(datetime(utc), "2009-05-13T07:07:08Z");
        assert_eq!(
            datetime(utc.to_offset(offset!(+1))),
            "2009-05-13T08:07:08+01:00"
        );
        assert_eq!(datetime(utc), "2009-05-13T07:07:08Z");
    }

    #[test]
    fn scalars_and_an_unauthenticated_error_are_written_bare_without_a_prolog() {
        // Spec B5's 401 body.
        let doc = XmlDocument::new("error", XmlValue::text("Couldn't authenticate you"));

        assert_eq!(
            write_without_prolog(&doc),
            "<error>Couldn't authenticate you</error>\n"
        );
        assert_eq!(
            write(&XmlDocument::new("id", XmlValue::Integer(-3))),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<id type=\"integer\">-3</id>\n"
        );
    }

    #[test]
    fn empty_text_and_an_empty_record_are_written_as_rails_writes_them() {
        assert_eq!(
            write_without_prolog(&XmlDocument::new("name", XmlValue::text(""))),
            "<name></name>\n"
        );
        assert_eq!(
            write_without_prolog(&XmlDocument::new(
                "user",
                XmlValue::record([("group", XmlValue::Record(vec![]))])
            )),
            "<user>\n  <group>\n  </group>\n</user>\n"
        );
    }

    #[test]
    fn array_items_keep_their_own_names_and_nested_arrays_indent() {
        let value = XmlValue::Array {
            count: None,
            items: vec![
                Element::new("group", XmlValue::array("agent", [XmlValue::Integer(1)])),
                Element::new("user", XmlValue::Nil(None)),
            ],
        };

        assert_eq!(
            write_without_prolog(&XmlDocument::new("things", value)),
            r#"<things type="array">
  <group type="array">
    <agent type="integer">1</agent>
  </group>
  <user nil="true"></user>
</things>
"#
        );
    }
}
