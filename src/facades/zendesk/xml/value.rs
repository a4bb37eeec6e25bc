//! The typed value tree that the reader produces and the writer consumes: documents, elements,
//! values with their Rails `type=`, the reader's limits and its errors. It knows neither quick-xml
//! nor the wire; `mod.rs` joins it to the reader and the writer.

use time::OffsetDateTime;

/// A whole document: the root element's name (dasherized, as on the wire) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlDocument {
    pub root: String,
    pub value: XmlValue,
}

impl XmlDocument {
    pub fn new(root: impl Into<String>, value: XmlValue) -> Self {
        Self {
            root: root.into(),
            value,
        }
    }
}

/// One named element: a field of a record or an item of an array. Names are kept as written on
/// the wire (`is-active`, not `is_active`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub value: XmlValue,
}

impl Element {
    pub fn new(name: impl Into<String>, value: XmlValue) -> Self {
        Self {
            name: name.into(),
            value,
        }
    }
}

/// The scalar `type=` attributes the gateway writes. A nil remembers its type so that it can be
/// written as the Zendesk docs show it, `<created-at type="datetime" nil="true"></created-at>`
/// (spec B2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlType {
    Integer,
    Boolean,
    DateTime,
}

/// The value of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlValue {
    /// `nil="true"` or an empty element; the type, when one was given.
    Nil(Option<XmlType>),
    /// An element without a known type: Rails reads any unknown `type=` as plain text (spec B2).
    Text(String),
    Integer(i64),
    Boolean(bool),
    /// Equality is by instant; the offset is kept for writing.
    DateTime(OffsetDateTime),
    /// `type="array"`. `count` is the optional `count="N"` attribute of the Zendesk lists (spec
    /// B1); the reader keeps it, Rails ignores it.
    Array {
        count: Option<u64>,
        items: Vec<Element>,
    },
    /// An element with child elements and no type. Names may repeat: Rails' own 422 body is
    /// `<errors>` with one `<error>` per message (spec B5).
    Record(Vec<Element>),
}

impl XmlValue {
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// An array whose items all have the same element name, without a `count`.
    pub fn array(item: &str, values: impl IntoIterator<Item = XmlValue>) -> Self {
        Self::Array {
            count: None,
            items: values
                .into_iter()
                .map(|value| Element::new(item, value))
                .collect(),
        }
    }

    /// Sets the `count` of an array; other values are returned unchanged.
    pub fn with_count(self, n: u64) -> Self {
        match self {
            Self::Array { items, .. } => Self::Array {
                count: Some(n),
                items,
            },
            other => other,
        }
    }

    /// A record from `(name, value)` pairs, in order.
    pub fn record<N: Into<String>>(fields: impl IntoIterator<Item = (N, XmlValue)>) -> Self {
        Self::Record(
            fields
                .into_iter()
                .map(|(name, value)| Element::new(name, value))
                .collect(),
        )
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Self::Nil(_))
    }

    /// The first field of a record with this name; `None` for a missing field or a non-record.
    pub fn get(&self, name: &str) -> Option<&XmlValue> {
        match self {
            Self::Record(fields) => fields.iter().find(|f| f.name == name).map(|f| &f.value),
            _ => None,
        }
    }
}

/// Bounds checked while reading, so that a hostile document fails before it costs much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting allowed; the root is at depth 1.
    pub max_depth: usize,
    /// Most elements allowed in the whole document.
    pub max_elements: usize,
}

impl Default for Limits {
    /// A user with its nested groups is four levels deep; a page of users is a few thousand
    /// elements.
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_elements: 10_000,
        }
    }
}

/// Why a document could not be read. Every variant is the client's mistake (a 400 for the facade);
/// the security refusals have their own variants so that they can be logged as such.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML at byte {position}: {reason}")]
    Malformed { reason: String, position: u64 },
    #[error("document type declarations are not allowed")]
    Doctype,
    #[error("entity &{0}; is not allowed; only &lt; &gt; &amp; &quot; &apos; and &#N; are")]
    UnknownEntity(String),
    #[error("processing instruction <?{0} ...?> is not allowed")]
    ProcessingInstruction(String),
    #[error("elements are nested more than {limit} deep")]
    TooDeep { limit: usize },
    #[error("the document has more than {limit} elements")]
    TooLarge { limit: usize },
    #[error("<{element}> must be {expected}")]
    InvalidValue {
        element: String,
        expected: &'static str,
    },
}
