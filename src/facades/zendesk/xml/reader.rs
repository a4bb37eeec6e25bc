//! Reads a request body into an [`XmlDocument`] by the rules of Rails' `Hash.from_xml` (spec B2,
//! B4), refusing what a gateway has no business resolving: DTDs, custom entities and processing
//! instructions. Elements are kept on an explicit stack, never by recursion, so nesting is bounded
//! by [`Limits`] and not by the thread's stack.

use quick_xml::XmlVersion;
use quick_xml::escape::{EscapeError, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::value::{Element, Limits, XmlDocument, XmlError, XmlType, XmlValue};

/// Reads one document.
///
/// - `type="integer"`, `"boolean"` (`true`/`false`/`1`/`0`), `"datetime"` or `"dateTime"` (ISO
///   8601) are typed; a value that does not fit is an [`XmlError::InvalidValue`].
/// - `type="array"` lists the children, whatever their names; empty or self-closed is empty.
/// - Any other `type=` is ignored, so the text is kept as written (spec B2's `type="NilClass"`).
/// - Children without a type make a record; `<x/>`, `<x />`, `<x></x>` and `nil="true"` are nil.
/// - Text is unescaped for the five predefined entities and character references; CDATA is text.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<XmlDocument, XmlError> {
    let text = std::str::from_utf8(bytes).map_err(|e| XmlError::Malformed {
        reason: "invalid UTF-8".into(),
        position: e.valid_up_to() as u64,
    })?;
    // A BOM is legal before the prolog; quick-xml would see it as text outside the root.
    let (text, skipped) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (text, 0),
    };
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut doc = Builder::new(*limits);
    let mut first_event = true;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| from_quick_xml(e, skipped + reader.error_position()))?;
        let position = skipped + reader.buffer_position();
        let at_start = std::mem::replace(&mut first_event, false);
        match event {
            Event::Decl(decl) => {
                if !at_start {
                    return Err(malformed("the XML declaration must come first", position));
                }
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| malformed(e.to_string(), position))?;
                    // The bytes were checked as UTF-8 above; a document declaring anything
                    // else (ASCII excepted, a subset) would be read wrongly.
                    if !["utf-8", "utf8", "us-ascii"]
                        .iter()
                        .any(|ok| encoding.eq_ignore_ascii_case(ok))
                    {
                        return Err(malformed(
                            format!("unsupported encoding {encoding}; send UTF-8"),
                            position,
                        ));
                    }
                }
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::PI(pi) => return Err(XmlError::ProcessingInstruction(pi.target().into())),
            Event::Start(start) => {
                let open = Open::from_start(&start, position)?;
                doc.open(open, position)?;
            }
            Event::Empty(start) => {
                let open = Open::from_start(&start, position)?;
                doc.open(open, position)?;
                doc.close(position)?;
            }
            // quick-xml has already matched the name with the open tag (`check_end_names`).
            Event::End(_) => doc.close(position)?,
            Event::Text(text) => doc.text(&text.xml10_content(), position)?,
            Event::CData(cdata) => doc.text(&cdata.xml10_content(), position)?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => match resolve_predefined_entity(&reference) {
                        Some(s) => s.to_owned(),
                        None => return Err(XmlError::UnknownEntity(reference.to_string())),
                    },
                    Err(e) => return Err(malformed(e.to_string(), position)),
                };
                doc.text(&resolved, position)?;
            }
            Event::Comment(_) => {}
            Event::Eof => return doc.finish(position),
        }
    }
}

fn malformed(reason: impl Into<String>, position: u64) -> XmlError {
    XmlError::Malformed {
        reason: reason.into(),
        position,
    }
}

fn from_quick_xml(error: quick_xml::Error, position: u64) -> XmlError {
    match error {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
            XmlError::UnknownEntity(name)
        }
        other => malformed(other.to_string(), position),
    }
}

/// What the `type=` attribute asks for. Only these matter to Rails' reader for our purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    None,
    Scalar(XmlType),
    Array,
    /// Rails reads an empty `type="string"` as `""` rather than nil.
    String,
}

/// An element whose end tag has not been read yet.
struct Open {
    name: String,
    declared: Declared,
    nil: bool,
    count: Option<u64>,
    text: String,
    children: Vec<Element>,
}

impl Open {
    fn from_start(start: &BytesStart<'_>, position: u64) -> Result<Self, XmlError> {
        let mut open = Open {
            name: start.name().0.to_owned(),
            declared: Declared::None,
            nil: false,
            count: None,
            text: String::new(),
            children: Vec::new(),
        };
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| malformed(e.to_string(), position))?;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| from_quick_xml(e, position))?;
            match attribute.key.0 {
                "type" => {
                    open.declared = match value.as_ref() {
                        "integer" => Declared::Scalar(XmlType::Integer),
                        "boolean" => Declared::Scalar(XmlType::Boolean),
                        // Rails 2 wrote `datetime` (the Zendesk docs), Rails 3+ `dateTime`.
                        "datetime" | "dateTime" => Declared::Scalar(XmlType::DateTime),
                        "array" => Declared::Array,
                        "string" => Declared::String,
                        // `NilClass`, `yaml`, `symbol`, `float`... (spec B2). Rails refuses
                        // `yaml` and `symbol` outright; as plain text they are harmless here.
                        _ => Declared::None,
                    }
                }
                "nil" => open.nil = value == "true",
                // Not a Rails attribute: the Zendesk lists' own (spec B1). Rails ignores it, and
                // so does this reader when it is not a number.
                "count" => open.count = value.parse().ok(),
                // Rails turns other attributes of an empty element into hash keys; no client
                // relies on that.
                _ => {}
            }
        }
        Ok(open)
    }

    /// The value, by the rules of ActiveSupport's `XMLConverter`, stricter where Rails would
    /// silently invent a value (`to_i` of "abc" is 0; mixed text and elements keep the text).
    fn finish(self, last_time: &mut Option<(String, OffsetDateTime)>) -> Result<Element, XmlError> {
        let Open {
            name,
            declared,
            nil,
            count,
            text,
            children,
        } = self;
        let invalid = |expected| XmlError::InvalidValue {
            element: name.clone(),
            expected,
        };
        let blank = trim_xml(&text).is_empty();
        let value = match declared {
            // Rails lets `type="array"` win over `nil="true"`.
            Declared::Array if !blank => return Err(invalid("a list of elements, not text")),
            Declared::Array => XmlValue::Array {
                count,
                items: children,
            },
            _ if !children.is_empty() && !blank => {
                return Err(invalid("either text or elements, not both"));
            }
            Declared::Scalar(_) if !children.is_empty() => {
                return Err(invalid(expected_scalar(declared)));
            }
            Declared::Scalar(kind) if nil || blank => XmlValue::Nil(Some(kind)),
            Declared::Scalar(kind) => scalar(kind, trim_xml(&text), last_time)
                .ok_or_else(|| invalid(expected_scalar(declared)))?,
            // Rails keeps the content of a `nil="true"` element that has some; nobody sends
            // that, and nil is the reading that does not guess.
            _ if nil => XmlValue::Nil(None),
            _ if !children.is_empty() => XmlValue::Record(children),
            Declared::String if text.is_empty() => XmlValue::Text(String::new()),
            // All three empty forms are nil (spec B4 rule 6), so "Name can't be blank".
            _ if text.is_empty() => XmlValue::Nil(None),
            // Text is kept as written, whitespace included, as Rails does.
            _ => XmlValue::Text(text),
        };
        Ok(Element { name, value })
    }
}

/// XML's whitespace is these four; a no-break space is content.
fn trim_xml(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

fn expected_scalar(declared: Declared) -> &'static str {
    match declared {
        Declared::Scalar(XmlType::Integer) => "an integer",
        Declared::Scalar(XmlType::Boolean) => "a boolean: true, false, 1 or 0",
        Declared::Scalar(XmlType::DateTime) => "an ISO 8601 date and time",
        _ => "a value",
    }
}

/// `last_time` is the last datetime read and its text: a list's records often share their
/// times, and a text seen just before is not parsed again.
fn scalar(
    kind: XmlType,
    text: &str,
    last_time: &mut Option<(String, OffsetDateTime)>,
) -> Option<XmlValue> {
    match kind {
        XmlType::Integer => text.parse().ok().map(XmlValue::Integer),
        // Rails accepts `1` for true (spec B4 rule 7); it reads any other word as false, which
        // would turn a typo into a silent change.
        XmlType::Boolean => match text {
            "true" | "1" => Some(XmlValue::Boolean(true)),
            "false" | "0" => Some(XmlValue::Boolean(false)),
            _ => None,
        },
        XmlType::DateTime => match last_time {
            Some((seen, at)) if seen == text => Some(XmlValue::DateTime(*at)),
            _ => {
                let at = datetime(text)?;
                *last_time = Some((text.to_owned(), at));
                Some(XmlValue::DateTime(at))
            }
        },
    }
}

/// ISO 8601 with `Z` or an offset, fractions allowed. Rails reads a time without an offset in the
/// server's zone; the gateway's zone is UTC.
fn datetime(text: &str) -> Option<OffsetDateTime> {
    let local = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        PrimitiveDateTime::parse(text, local)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    })
}

/// The tree being built: the open elements and, once closed, the root.
struct Builder {
    limits: Limits,
    stack: Vec<Open>,
    root: Option<Element>,
    elements: usize,
    last_time: Option<(String, OffsetDateTime)>,
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Self {
            limits,
            stack: Vec::new(),
            root: None,
            elements: 0,
            last_time: None,
        }
    }

    fn open(&mut self, open: Open, position: u64) -> Result<(), XmlError> {
        if self.stack.is_empty() && self.root.is_some() {
            return Err(malformed(
                format!("a second root element <{}>", open.name),
                position,
            ));
        }
        // Checked before anything is kept, so a hostile document stops at the first excess.
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(XmlError::TooLarge {
                limit: self.limits.max_elements,
            });
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        self.stack.push(open);
        Ok(())
    }

    fn close(&mut self, position: u64) -> Result<(), XmlError> {
        let open = self
            .stack
            .pop()
            .ok_or_else(|| malformed("an end tag without a start tag", position))?;
        let element = open.finish(&mut self.last_time)?;
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
        Ok(())
    }

    fn text(&mut self, text: &str, position: u64) -> Result<(), XmlError> {
        match self.stack.last_mut() {
            // Once an element has children its text only decides whether it is blank, which
            // whitespace does not change: the indentation between a record's fields is not
            // kept (a million nested records would each grow a string of it).
            Some(open) if !open.children.is_empty() && trim_xml(text).is_empty() => {}
            Some(open) => open.text.push_str(text),
            None if trim_xml(text).is_empty() => {}
            None => return Err(malformed("text outside the root element", position)),
        }
        Ok(())
    }

    fn finish(self, position: u64) -> Result<XmlDocument, XmlError> {
        if let Some(open) = self.stack.last() {
            return Err(malformed(
                format!("the document ends inside <{}>", open.name),
                position,
            ));
        }
        let root = self
            .root
            .ok_or_else(|| malformed("no root element", position))?;
        Ok(XmlDocument {
            root: root.name,
            value: root.value,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use time::macros::datetime;

    use super::*;

    fn read(xml: &str) -> Result<XmlDocument, XmlError> {
        parse(xml.as_bytes(), &Limits::default())
    }

    /// The value of the only child of `<r>`.
    fn value_of(inner: &str) -> Result<XmlValue, XmlError> {
        let doc = read(&format!("<r>{inner}</r>"))?;
        match doc.value {
            XmlValue::Record(mut fields) if fields.len() == 1 => Ok(fields.remove(0).value),
            other => panic!("expected one field in {inner}, got {other:?}"),
        }
    }

    fn text(s: &str) -> XmlValue {
        XmlValue::text(s)
    }

    fn invalid(element: &str, expected: &'static str) -> XmlError {
        XmlError::InvalidValue {
            element: element.into(),
            expected,
        }
    }

    fn is_malformed(result: Result<XmlDocument, XmlError>) -> bool {
        matches!(result, Err(XmlError::Malformed { .. }))
    }

    #[test]
    fn integers_booleans_and_datetimes_are_typed_by_their_type_attribute() {
        for (xml, expected) in [
            (r#"<id type="integer">1</id>"#, XmlValue::Integer(1)),
            (r#"<id type="integer">-42</id>"#, XmlValue::Integer(-42)),
            (r#"<id type="integer">+7</id>"#, XmlValue::Integer(7)),
            (r#"<a type="boolean">true</a>"#, XmlValue::Boolean(true)),
            (r#"<a type="boolean">false</a>"#, XmlValue::Boolean(false)),
            (r#"<a type="boolean">1</a>"#, XmlValue::Boolean(true)),
            (r#"<a type="boolean">0</a>"#, XmlValue::Boolean(false)),
            (
                r#"<t type="datetime">2009-05-13T00:07:08Z</t>"#,
                XmlValue::DateTime(datetime!(2009-05-13 00:07:08 UTC)),
            ),
        ] {
            assert_eq!(value_of(xml), Ok(expected), "{xml}");
        }
    }

    #[test]
    fn both_datetime_spellings_with_any_offset_or_none_are_read() {
        for xml in [
            r#"<t type="datetime">2009-05-13T00:07:08-07:00</t>"#,
            r#"<t type="dateTime">2009-05-13T00:07:08-07:00</t>"#,
            r#"<t type="datetime">2009-05-13T07:07:08Z</t>"#,
            r#"<t type="datetime">2009-05-13T09:07:08+02:00</t>"#,
            r#"<t type="datetime">2009-05-13T07:07:08</t>"#,
            r#"<t type="datetime"> 2009-05-13T07:07:08Z
            </t>"#,
        ] {
            assert_eq!(
                value_of(xml),
                Ok(XmlValue::DateTime(datetime!(2009-05-13 07:07:08 UTC))),
                "{xml}"
            );
        }
        assert_eq!(
            value_of(r#"<t type="datetime">2009-05-13T07:07:08.250Z</t>"#),
            Ok(XmlValue::DateTime(datetime!(2009-05-13 07:07:08.25 UTC)))
        );
    }

    #[test]
    fn the_offset_of_a_datetime_is_kept() {
        let Ok(XmlValue::DateTime(t)) =
            value_of(r#"<t type="datetime">2009-05-13T00:07:08-07:00</t>"#)
        else {
            panic!("not a datetime");
        };
        assert_eq!(t.offset().whole_hours(), -7);
    }

    #[test]
    fn a_typed_value_that_does_not_fit_its_type_is_an_error_naming_the_element() {
        for (xml, expected) in [
            (
                r#"<id type="integer">abc</id>"#,
                invalid("id", "an integer"),
            ),
            // Rails' `to_i` would read 12 and 1.
            (
                r#"<id type="integer">12abc</id>"#,
                invalid("id", "an integer"),
            ),
            (
                r#"<id type="integer">1.5</id>"#,
                invalid("id", "an integer"),
            ),
            (
                r#"<id type="integer">99999999999999999999</id>"#,
                invalid("id", "an integer"),
            ),
            // Rails would read any other word as false.
            (
                r#"<is-active type="boolean">yes</is-active>"#,
                invalid("is-active", "a boolean: true, false, 1 or 0"),
            ),
            (
                r#"<is-active type="boolean">TRUE</is-active>"#,
                invalid("is-active", "a boolean: true, false, 1 or 0"),
            ),
            (
                r#"<updated-at type="datetime">yesterday</updated-at>"#,
                invalid("updated-at", "an ISO 8601 date and time"),
            ),
            (
                r#"<updated-at type="datetime">2009-13-01T00:00:00Z</updated-at>"#,
                invalid("updated-at", "an ISO 8601 date and time"),
            ),
            (
                r#"<id type="integer"><x>1</x></id>"#,
                invalid("id", "an integer"),
            ),
        ] {
            assert_eq!(value_of(xml), Err(expected), "{xml}");
        }
    }

    #[test]
    fn unknown_types_are_read_as_plain_text() {
        for (xml, expected) in [
            // The odd element of the early docs (spec B2); Rails reads "2".
            (r#"<group-id type="NilClass">2</group-id>"#, text("2")),
            (r#"<name type="string">Support</name>"#, text("Support")),
            (r#"<x type="yaml">--- 1</x>"#, text("--- 1")),
            (r#"<x type="float">1.5</x>"#, text("1.5")),
            (r#"<x type="date">2009-05-13</x>"#, text("2009-05-13")),
            (r#"<x type="Integer">1</x>"#, text("1")),
        ] {
            assert_eq!(value_of(xml), Ok(expected), "{xml}");
        }
    }

    #[test]
    fn the_three_empty_forms_and_nil_true_are_nil() {
        // Spec B4 rule 6: pyactiveresource sends `<name />`; all read as nil in Rails.
        for xml in [
            "<name/>",
            "<name />",
            "<name></name>",
            r#"<name nil="true"></name>"#,
            r#"<name nil="true"/>"#,
            r#"<group-id type="NilClass"></group-id>"#,
            r#"<name type="string" nil="true"/>"#,
        ] {
            assert_eq!(value_of(xml), Ok(XmlValue::Nil(None)), "{xml}");
        }
    }

    #[test]
    fn an_empty_or_nil_typed_element_is_a_nil_of_that_type() {
        for (xml, kind) in [
            (
                r#"<created-at type="datetime" nil="true"></created-at>"#,
                XmlType::DateTime,
            ),
            (
                r#"<created-at type="dateTime" nil="true"/>"#,
                XmlType::DateTime,
            ),
            (r#"<id type="integer"></id>"#, XmlType::Integer),
            (r#"<id type="integer">  </id>"#, XmlType::Integer),
            (r#"<a type="boolean"/>"#, XmlType::Boolean),
            // Rails would keep the text; nil is the reading that does not guess.
            (r#"<id type="integer" nil="true">5</id>"#, XmlType::Integer),
        ] {
            assert_eq!(value_of(xml), Ok(XmlValue::Nil(Some(kind))), "{xml}");
        }
    }

    #[test]
    fn an_empty_string_typed_element_is_empty_text_as_in_rails() {
        assert_eq!(value_of(r#"<name type="string"></name>"#), Ok(text("")));
        assert_eq!(value_of(r#"<name type="string"/>"#), Ok(text("")));
    }

    #[test]
    fn pyactiveresource_create_body_reads_as_a_group_with_an_agents_array() {
        // Spec B8, byte for byte.
        let body = r#"<?xml version="1.0" encoding="UTF-8"?><group><name>Hardware</name><agents type="array"><agent type="integer">43</agent><agent type="integer">67</agent></agents></group>"#;

        let doc = read(body).expect("reads");

        assert_eq!(doc.root, "group");
        assert_eq!(
            doc.value,
            XmlValue::record([
                ("name", text("Hardware")),
                (
                    "agents",
                    XmlValue::array("agent", [XmlValue::Integer(43), XmlValue::Integer(67)])
                ),
            ])
        );
    }

    #[test]
    fn pyactiveresource_blank_name_body_reads_as_a_nil_name() {
        let doc = read(r#"<?xml version="1.0" encoding="UTF-8"?><group><name /></group>"#)
            .expect("reads");

        assert_eq!(doc.value, XmlValue::record([("name", XmlValue::Nil(None))]));
    }

    #[test]
    fn pyactiveresource_update_body_keeps_the_id_for_the_facade_to_ignore() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?><group><name>Hardware and ICP</name><agents type="array"><agent type="integer">43</agent></agents><id type="integer">77</id></group>"#;

        let doc = read(body).expect("reads");

        assert_eq!(doc.value.get("id"), Some(&XmlValue::Integer(77)));
        assert_eq!(doc.value.get("name"), Some(&text("Hardware and ICP")));
    }

    #[test]
    fn the_docs_agents_array_with_untyped_items_reads_as_text_items() {
        // Spec B4: the docs' create body, single quotes and untyped `<agent>` included.
        let body = "<group>\n  <name>Hardware</name>\n  <agents type='array'>\n    <agent>43</agent>\n  </agents>\n</group>";

        let doc = read(body).expect("reads");

        assert_eq!(
            doc.value.get("agents"),
            Some(&XmlValue::array("agent", [text("43")]))
        );
    }

    #[test]
    fn an_empty_or_self_closed_array_is_an_empty_list() {
        // Spec B4 rule 2: the docs' "remove all agents" body uses single quotes.
        for xml in [
            "<agents type='array'></agents>",
            r#"<agents type="array"></agents>"#,
            r#"<agents type="array"/>"#,
            "<agents type=\"array\">\n    </agents>",
            // Rails lets the array win over nil.
            r#"<agents type="array" nil="true"/>"#,
        ] {
            assert_eq!(value_of(xml), Ok(XmlValue::array("agent", [])), "{xml}");
        }
    }

    #[test]
    fn an_array_keeps_each_item_name_and_its_count() {
        let doc = read(r#"<groups type="array" count="19"><group><id type="integer">1</id></group><user/></groups>"#)
            .expect("reads");

        assert_eq!(
            doc.value,
            XmlValue::Array {
                count: Some(19),
                items: vec![
                    Element::new("group", XmlValue::record([("id", XmlValue::Integer(1))])),
                    Element::new("user", XmlValue::Nil(None)),
                ],
            }
        );
    }

    #[test]
    fn a_count_that_is_not_a_number_is_ignored_as_rails_ignores_count() {
        assert_eq!(
            value_of(r#"<groups type="array" count="many"/>"#),
            Ok(XmlValue::array("group", []))
        );
    }

    #[test]
    fn text_inside_an_array_is_an_error_rather_than_an_empty_list() {
        // The earliest docs' `<agents>43, 67</agents>` (spec B4 rule 4) with a type would
        // otherwise clear the group's agents.
        assert_eq!(
            value_of(r#"<agents type="array">43, 67</agents>"#),
            Err(invalid("agents", "a list of elements, not text"))
        );
    }

    #[test]
    fn untyped_comma_separated_agents_read_as_text() {
        assert_eq!(value_of("<agents>43, 67</agents>"), Ok(text("43, 67")));
    }

    #[test]
    fn text_mixed_with_elements_is_an_error() {
        assert_eq!(
            value_of("<group>Support<id>1</id></group>"),
            Err(invalid("group", "either text or elements, not both"))
        );
    }

    #[test]
    fn repeated_datetimes_read_as_each_text_says() {
        // The reader reuses the last datetime parsed when the same text follows.
        let doc = read(
            "<r><a type=\"datetime\">2009-05-13T00:07:08Z</a>\
             <b type=\"datetime\">2009-05-13T00:07:08Z</b>\
             <c type=\"datetime\">2009-05-13T00:07:08-07:00</c>\
             <d type=\"datetime\">2009-05-13T00:07:08Z</d></r>",
        )
        .expect("reads");
        assert_eq!(
            doc.value,
            XmlValue::record([
                ("a", XmlValue::DateTime(datetime!(2009-05-13 00:07:08 UTC))),
                ("b", XmlValue::DateTime(datetime!(2009-05-13 00:07:08 UTC))),
                (
                    "c",
                    XmlValue::DateTime(datetime!(2009-05-13 00:07:08 -07:00))
                ),
                ("d", XmlValue::DateTime(datetime!(2009-05-13 00:07:08 UTC))),
            ])
        );
        let XmlValue::Record(fields) = &doc.value else {
            panic!("a record")
        };
        assert_eq!(
            fields[2].value,
            XmlValue::DateTime(datetime!(2009-05-13 07:07:08 UTC))
        );
        let XmlValue::DateTime(c) = fields[2].value else {
            panic!("a datetime")
        };
        assert_eq!(c.offset(), time::macros::offset!(-7));
    }

    #[test]
    fn text_after_the_first_child_counts_and_whitespace_between_children_does_not() {
        // The reader drops whitespace that follows a child (it cannot change the value); text
        // there, an entity or a CDATA section included, is still refused.
        for (inner, element) in [
            ("<group><id>1</id>Support</group>", "group"),
            ("<group>\n  <id>1</id>\n  &amp;\n</group>", "group"),
            ("<group><id>1</id><![CDATA[x]]></group>", "group"),
            (r#"<groups type="array"><group/> x </groups>"#, "groups"),
        ] {
            let expected = if element == "groups" {
                "a list of elements, not text"
            } else {
                "either text or elements, not both"
            };
            assert_eq!(value_of(inner), Err(invalid(element, expected)), "{inner}");
        }
        assert_eq!(
            value_of("<group>\n  <id type=\"integer\">1</id>\n  &#32;<![CDATA[ ]]>\n</group>"),
            Ok(XmlValue::record([("id", XmlValue::Integer(1))]))
        );
        assert_eq!(
            value_of("<groups type=\"array\">\n  <group/>\n  &#10;\n</groups>"),
            Ok(XmlValue::Array {
                count: None,
                items: vec![Element::new("group", XmlValue::Nil(None))],
            })
        );
    }

    #[test]
    fn a_record_keeps_repeated_names_in_order() {
        let doc = read(include_str!("../../../../tests/data/xml/rails_errors.xml")).expect("reads");

        assert_eq!(doc.root, "errors");
        assert_eq!(
            doc.value,
            XmlValue::record([("error", text("Name can't be blank"))])
        );
        let two = read("<errors><error>a</error><error>b</error></errors>").expect("reads");
        assert_eq!(
            two.value,
            XmlValue::record([("error", text("a")), ("error", text("b"))])
        );
    }

    #[test]
    fn the_early_docs_group_with_nested_users_reads_with_the_nilclass_quirk_as_text() {
        // Spec B2, the early docs' sample (one user).
        let body = r#"<group><id>2</id><is-active>true</is-active><name>Support</name>
  <users><user><created-at>2006-12-14T16:46:02Z</created-at><email>alexander@somewhere-strange.com</email>
    <group-id type="NilClass">2</group-id><id>3</id><is-active>true</is-active><is-verified>true</is-verified>
    <name>Alexander Allison</name><roles>15</roles><time-format>0</time-format>
    <time-zone>(GMT +01:00) Brussels, Copenhagen, Madrid, Paris</time-zone><updated-at>2007-06-16T14:15:09Z</updated-at>
  </user></users></group>"#;

        let doc = read(body).expect("reads");

        assert_eq!(doc.value.get("id"), Some(&text("2")));
        assert_eq!(doc.value.get("is-active"), Some(&text("true")));
        let user = doc
            .value
            .get("users")
            .and_then(|users| users.get("user"))
            .expect("a user");
        assert_eq!(user.get("group-id"), Some(&text("2")));
        assert_eq!(user.get("created-at"), Some(&text("2006-12-14T16:46:02Z")));
        assert_eq!(
            user.get("time-zone"),
            Some(&text("(GMT +01:00) Brussels, Copenhagen, Madrid, Paris"))
        );
    }

    #[test]
    fn text_is_unescaped_for_predefined_entities_and_character_references() {
        assert_eq!(
            value_of("<name>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#233;&#xE9; &#13;</name>"),
            Ok(text("<a> & \"b\" 'c' éé \r"))
        );
    }

    #[test]
    fn cdata_is_text_and_comments_are_ignored() {
        assert_eq!(
            value_of("<name>R<![CDATA[&<D>]]><!-- a comment -->!</name>"),
            Ok(text("R&<D>!"))
        );
        assert_eq!(
            read("<!-- before --><group><!-- inside --><id>1</id></group><!-- after -->")
                .map(|d| d.value),
            Ok(XmlValue::record([("id", text("1"))]))
        );
    }

    #[test]
    fn leaf_text_is_kept_as_written_with_line_ends_normalised() {
        // Rails keeps whitespace too; deciding that "  " is blank is the facade's business.
        assert_eq!(value_of("<name>  Support </name>"), Ok(text("  Support ")));
        assert_eq!(value_of("<name>   </name>"), Ok(text("   ")));
        assert_eq!(value_of("<name>a\r\nb</name>"), Ok(text("a\nb")));
    }

    #[test]
    fn attribute_values_are_unescaped() {
        assert_eq!(
            value_of(r#"<agents type="arr&#97;y"/>"#),
            Ok(XmlValue::array("agent", []))
        );
    }

    #[test]
    fn the_prolog_is_optional_and_a_byte_order_mark_is_allowed() {
        let expected = XmlValue::record([("name", text("S"))]);
        for xml in [
            "<group><name>S</name></group>",
            "<?xml version=\"1.0\"?>\n<group><name>S</name></group>",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><group><name>S</name></group>",
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?><group><name>S</name></group>",
            "\n  <group>\n  <name>S</name>\n</group>\n\n",
        ] {
            assert_eq!(read(xml).map(|d| d.value), Ok(expected.clone()), "{xml:?}");
        }
    }

    #[test]
    fn a_prolog_declaring_another_encoding_is_refused() {
        assert!(is_malformed(read(
            r#"<?xml version="1.0" encoding="ISO-8859-1"?><group/>"#
        )));
    }

    #[test]
    fn a_prolog_that_is_not_first_is_refused() {
        assert!(is_malformed(read(
            r#"<!-- x --><?xml version="1.0"?><group/>"#
        )));
    }

    #[test]
    fn a_doctype_is_refused() {
        assert_eq!(
            read(r#"<!DOCTYPE group SYSTEM "group.dtd"><group/>"#),
            Err(XmlError::Doctype)
        );
        assert_eq!(
            read("<?xml version=\"1.0\"?>\n<!DOCTYPE group><group/>"),
            Err(XmlError::Doctype)
        );
    }

    #[test]
    fn an_external_entity_is_refused_before_it_is_resolved() {
        let xxe = r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#;

        assert_eq!(read(xxe), Err(XmlError::Doctype));
    }

    #[test]
    fn billion_laughs_is_refused_at_once() {
        let lol = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"#;

        assert_eq!(read(lol), Err(XmlError::Doctype));
    }

    #[test]
    fn an_undeclared_entity_is_refused_by_name() {
        assert_eq!(
            read("<group><name>&e;</name></group>"),
            Err(XmlError::UnknownEntity("e".into()))
        );
        assert_eq!(
            read("<group><name>&nbsp;</name></group>"),
            Err(XmlError::UnknownEntity("nbsp".into()))
        );
        assert_eq!(
            read(r#"<group><name type="&e;">x</name></group>"#),
            Err(XmlError::UnknownEntity("e".into()))
        );
    }

    #[test]
    fn processing_instructions_are_refused() {
        assert_eq!(
            read(r#"<?xml-stylesheet href="x.xsl"?><group/>"#),
            Err(XmlError::ProcessingInstruction("xml-stylesheet".into()))
        );
        assert_eq!(
            read("<group><?php echo 1; ?></group>"),
            Err(XmlError::ProcessingInstruction("php".into()))
        );
    }

    #[test]
    fn nesting_up_to_the_limit_is_read_and_one_deeper_is_refused() {
        let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let limits = Limits::default();

        assert!(parse(nested(limits.max_depth).as_bytes(), &limits).is_ok());
        assert_eq!(
            parse(nested(limits.max_depth + 1).as_bytes(), &limits),
            Err(XmlError::TooDeep { limit: 32 })
        );
    }

    #[test]
    fn a_hundred_thousand_nested_elements_fail_fast_without_overflowing_the_stack() {
        let depth = 100_000;
        let closed = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let unclosed = "<a>".repeat(depth);

        for xml in [closed, unclosed] {
            let started = Instant::now();
            let result = read(&xml);
            assert_eq!(result, Err(XmlError::TooDeep { limit: 32 }));
            assert!(started.elapsed() < Duration::from_secs(1));
        }
    }

    #[test]
    fn more_elements_than_the_limit_are_refused() {
        let limits = Limits {
            max_depth: 32,
            max_elements: 100,
        };
        let list = |n: usize| format!(r#"<groups type="array">{}</groups>"#, "<g/>".repeat(n));

        assert!(parse(list(99).as_bytes(), &limits).is_ok());
        assert_eq!(
            parse(list(100).as_bytes(), &limits),
            Err(XmlError::TooLarge { limit: 100 })
        );
        let started = Instant::now();
        assert_eq!(
            read(&list(1_000_000)),
            Err(XmlError::TooLarge { limit: 10_000 })
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn documents_that_are_not_well_formed_are_refused() {
        for xml in [
            "",
            "   ",
            r#"<?xml version="1.0"?>"#,
            "<group><name>S</group></name>",
            "<group><name>S</nam></group>",
            "<group></group><group></group>",
            "<group/><group/>",
            "text<group/>",
            "<group/>text",
            "&amp;<group/>",
            "<group/>&amp;",
            "<group><name>S</name>",
            "<group><name>S",
            "<group><name",
            "<group",
            "</group>",
            "<group></group></group>",
            r#"<group type="array></group>"#,
            r#"<group type="array" type="integer"/>"#,
            "<group><name>a & b</name></group>",
            "<group><name>&#0;</name></group>",
            "<group><name>&#xZZ;</name></group>",
            "<group><![CDATA[x</group>",
            "<group><!-- x</group>",
        ] {
            let result = read(xml);
            assert!(is_malformed(result.clone()), "{xml:?} gave {result:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_position() {
        let mut bytes = b"<group><name>".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes.extend_from_slice(b"</name></group>");

        assert_eq!(
            parse(&bytes, &Limits::default()),
            Err(XmlError::Malformed {
                reason: "invalid UTF-8".into(),
                position: 13,
            })
        );
    }

    #[test]
    fn errors_read_as_short_sentences() {
        assert_eq!(
            invalid("id", "an integer").to_string(),
            "<id> must be an integer"
        );
        assert_eq!(
            XmlError::Doctype.to_string(),
            "document type declarations are not allowed"
        );
        assert_eq!(
            XmlError::UnknownEntity("e".into()).to_string(),
            "entity &e; is not allowed; only &lt; &gt; &amp; &quot; &apos; and &#N; are"
        );
        assert_eq!(
            read("<group><name>S</nam></group>")
                .err()
                .map(|e| e.to_string()),
            Some("malformed XML at byte 14: ill-formed document: expected `</name>`, but `</nam>` was found".into())
        );
        assert_eq!(
            read("<group>").err().map(|e| e.to_string()),
            Some("malformed XML at byte 7: the document ends inside <group>".into())
        );
    }
}
