//! Rails-style XML, as the classic Zendesk API and ActiveResource clients speak it (spec B2-B6): a
//! typed value tree, a hardened reader with the reading rules of Rails' `Hash.from_xml`, and a
//! byte-stable writer with the output of Rails 2's `to_xml`. Both sit on quick-xml; nothing here
//! builds XML by templating.
//!
//! ```
//! use deskbridge::facades::zendesk::xml::{Limits, XmlDocument, XmlValue};
//!
//! let group = XmlValue::record([("id", XmlValue::Integer(1)), ("name", XmlValue::text("Support"))]);
//! let list = XmlDocument::new("groups", XmlValue::array("group", [group]).with_count(1));
//! let body: String = list.to_xml();
//! assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<groups type=\"array\" count=\"1\">\n"));
//! let read = XmlDocument::parse(body.as_bytes(), &Limits::default()).expect("our own output reads");
//! assert_eq!(read, list);
//! ```

mod reader;
mod value;
mod writer;

pub use reader::parse;
pub use value::{Element, Limits, XmlDocument, XmlError, XmlType, XmlValue};
pub use writer::{datetime, write, write_without_prolog};

// Reading and writing are methods of the document, defined here so that `value.rs` needs neither
// the reader nor the writer.
impl XmlDocument {
    /// Reads a request body; see [`parse`].
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, XmlError> {
        reader::parse(bytes, limits)
    }

    /// Writes the document with its `<?xml ...?>` prolog; see [`write()`].
    pub fn to_xml(&self) -> String {
        writer::write(self)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;
    use time::{OffsetDateTime, UtcOffset};

    use super::*;

    fn read(xml: &str) -> XmlDocument {
        match XmlDocument::parse(xml.as_bytes(), &Limits::default()) {
            Ok(doc) => doc,
            Err(e) => panic!("{e} in {xml}"),
        }
    }

    fn rails_group(id: i64, name: &str, active: bool, created: Option<OffsetDateTime>) -> XmlValue {
        XmlValue::record([
            ("id", XmlValue::Integer(id)),
            ("name", XmlValue::text(name)),
            ("is-active", XmlValue::Boolean(active)),
            (
                "created-at",
                created.map_or(XmlValue::Nil(None), XmlValue::DateTime),
            ),
            (
                "updated-at",
                XmlValue::DateTime(datetime!(2009-05-13 07:07:08 UTC)),
            ),
        ])
    }

    #[test]
    fn a_document_with_every_kind_of_value_reads_back_as_written() {
        let doc = XmlDocument::new(
            "user",
            XmlValue::record([
                ("id", XmlValue::Integer(i64::MIN)),
                (
                    "name",
                    XmlValue::text("  Al & <Johnson> \"AJ\" 'x'\r\n\t é "),
                ),
                ("is-verified", XmlValue::Boolean(false)),
                (
                    "created-at",
                    XmlValue::DateTime(datetime!(2007-05-15 18:07:57 -07:00)),
                ),
                ("updated-at", XmlValue::Nil(Some(XmlType::DateTime))),
                ("locale-id", XmlValue::Nil(Some(XmlType::Integer))),
                ("organization-id", XmlValue::Nil(None)),
                (
                    "groups",
                    XmlValue::array(
                        "group",
                        [
                            XmlValue::record([("id", XmlValue::Integer(13))]),
                            XmlValue::array("agent", []).with_count(0),
                        ],
                    )
                    .with_count(2),
                ),
                ("error", XmlValue::text("one")),
                ("error", XmlValue::text("two")),
            ]),
        );

        let written = doc.to_xml();

        assert_eq!(read(&written), doc);
    }

    #[test]
    fn xml_written_by_rails_to_xml_reads_to_the_expected_values() {
        // Written by ruby-activesupport 6.1 `Hash#to_xml`/`Array#to_xml` (spec B7): `dateTime`
        // and self-closed nils, the Rails 3+ forms the reader must take too.
        let name = r#"1. Level Support & <Ops> "R'n'D""#;
        let updated = datetime!(2009-05-13 07:07:08 UTC);

        let group = read(include_str!("../../../../tests/data/xml/rails_group.xml"));
        let groups = read(include_str!("../../../../tests/data/xml/rails_groups.xml"));
        let empty = read(include_str!(
            "../../../../tests/data/xml/rails_groups_empty.xml"
        ));
        let create = read(include_str!(
            "../../../../tests/data/xml/rails_group_create.xml"
        ));
        let user = read(include_str!("../../../../tests/data/xml/rails_user.xml"));

        assert_eq!(
            group,
            XmlDocument::new("group", rails_group(1, name, true, None))
        );
        assert_eq!(
            groups,
            XmlDocument::new(
                "groups",
                XmlValue::array(
                    "group",
                    [
                        rails_group(1, name, true, None),
                        rails_group(2, "Old", false, Some(updated)),
                    ]
                )
            )
        );
        assert_eq!(
            empty,
            XmlDocument::new("groups", XmlValue::array("group", []))
        );
        assert_eq!(
            create.value.get("agents"),
            Some(&XmlValue::array(
                "agent",
                [XmlValue::Integer(43), XmlValue::Integer(67)]
            ))
        );
        assert_eq!(user.value.get("roles"), Some(&XmlValue::Integer(4)));
        assert_eq!(
            user.value.get("groups"),
            Some(&XmlValue::array(
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
                ]
            ))
        );
    }

    #[test]
    fn record_lookup_finds_the_first_field_of_that_name_and_nothing_in_other_values() {
        let record = XmlValue::record([
            ("error", XmlValue::text("a")),
            ("error", XmlValue::text("b")),
        ]);

        assert_eq!(record.get("error"), Some(&XmlValue::text("a")));
        assert_eq!(record.get("name"), None);
        assert_eq!(XmlValue::text("x").get("error"), None);
        assert!(XmlValue::Nil(Some(XmlType::Integer)).is_nil());
        assert_eq!(XmlValue::Integer(1).with_count(3), XmlValue::Integer(1));
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9-]{0,8}"
    }

    /// Values that survive a round trip. Empty text and empty records do not, in Rails either:
    /// `<name></name>` reads as nil and `<group>\n</group>` as the text "\n".
    fn value() -> impl Strategy<Value = XmlValue> {
        let kind = prop_oneof![
            Just(XmlType::Integer),
            Just(XmlType::Boolean),
            Just(XmlType::DateTime)
        ];
        let moment = (0i64..4_000_000_000, -720i16..=840).prop_map(|(secs, minutes)| {
            let offset =
                UtcOffset::from_whole_seconds(i32::from(minutes) * 60).unwrap_or(UtcOffset::UTC);
            OffsetDateTime::from_unix_timestamp(secs)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
                .to_offset(offset)
        });
        let leaf = prop_oneof![
            proptest::option::of(kind).prop_map(XmlValue::Nil),
            "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]{1,16}".prop_map(XmlValue::Text),
            any::<i64>().prop_map(XmlValue::Integer),
            any::<bool>().prop_map(XmlValue::Boolean),
            moment.prop_map(XmlValue::DateTime),
        ];
        leaf.prop_recursive(4, 48, 4, |inner| {
            let element = (name(), inner)
                .prop_map(|(name, value)| Element::new(name, value))
                .boxed();
            prop_oneof![
                (
                    proptest::option::of(any::<u64>()),
                    proptest::collection::vec(element.clone(), 0..4)
                )
                    .prop_map(|(count, items)| XmlValue::Array { count, items }),
                proptest::collection::vec(element, 1..4).prop_map(XmlValue::Record),
            ]
        })
    }

    /// Near-valid input: a document the writer wrote, then damaged by a few bytes replaced,
    /// inserted or cut, mostly with the characters XML's grammar turns on.
    fn damaged() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            proptest::sample::select(b"<>/&;#\"'=!?[]- \nx0".to_vec()),
            any::<u8>(),
        ];
        let edit = (any::<proptest::sample::Index>(), byte, 0u8..3);
        (name(), value(), proptest::collection::vec(edit, 1..6)).prop_map(|(root, value, edits)| {
            let mut bytes = XmlDocument::new(root, value).to_xml().into_bytes();
            for (at, byte, op) in edits {
                let i = at.index(bytes.len() + 1);
                match op {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => {}
                }
            }
            bytes
        })
    }

    proptest! {
        #[test]
        fn fuzz_xml_whatever_the_writer_writes_the_reader_reads_back(root in name(), value in value()) {
            let doc = XmlDocument::new(root, value);

            let read = XmlDocument::parse(doc.to_xml().as_bytes(), &Limits::default());

            prop_assert_eq!(read, Ok(doc));
        }

        #[test]
        fn fuzz_xml_the_reader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = XmlDocument::parse(&bytes, &Limits::default());
        }

        #[test]
        fn fuzz_xml_the_reader_never_panics_on_damaged_documents(bytes in damaged()) {
            let _ = XmlDocument::parse(&bytes, &Limits::default());
            let tight = Limits { max_depth: 3, max_elements: 6 };
            let _ = XmlDocument::parse(&bytes, &tight);
        }

        #[test]
        fn fuzz_xml_the_reader_never_panics_on_xml_like_text(text in "[<>/a-c =\"'&;#x0-9!?\\[\\]-]{0,64}") {
            let _ = XmlDocument::parse(text.as_bytes(), &Limits::default());
        }
    }
}
