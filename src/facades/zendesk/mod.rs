//! The classic Zendesk XML facade (spec part B). Work in progress: the XML codec.

pub mod xml;
