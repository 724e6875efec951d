//! A small, bounded XML tree for request bodies: namespaces resolved, DTDs refused.
//!
//! Requests are small (NAV caps a body at 10 MB) and the simulator needs random access to a
//! handful of elements, so a tree is simpler than a streaming parse. Limits keep hostile input
//! from costing more than the body itself: no DTD (so no entity expansion), bounded depth,
//! element count and attributes per element, and every pass linear (attributes are read
//! without quick-xml's duplicate check, which compares each with every earlier one; a hash set
//! finds duplicates). Characters XML 1.0 forbids are refused, raw or as references.

use std::collections::HashSet;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

pub const NS_API: &str = "http://schemas.nav.gov.hu/OSA/3.0/api";
pub const NS_COMMON: &str = "http://schemas.nav.gov.hu/NTCA/1.0/common";
pub const NS_BASE: &str = "http://schemas.nav.gov.hu/OSA/3.0/base";
pub const NS_DATA: &str = "http://schemas.nav.gov.hu/OSA/3.0/data";

const MAX_DEPTH: usize = 32;
const MAX_ELEMENTS: usize = 10_000;
/// NAV's API schema declares no attributes; a request's root carries a few namespace
/// declarations. This also bounds the namespace bindings in scope (depth × this).
const MAX_ATTRIBUTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a body is not well-formed XML (NAV answers these with `GeneralExceptionResponse`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotWellFormed(pub String);

pub fn parse(body: &[u8]) -> Result<Element, NotWellFormed> {
    let text = std::str::from_utf8(body)
        .map_err(|e| NotWellFormed(format!("the body is not UTF-8: {e}")))?;
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| !xml_char(c)) {
        return Err(NotWellFormed(format!(
            "character U+{:04X} at byte {at} is not allowed in XML 1.0",
            u32::from(c)
        )));
    }
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(r) => r,
            Err(e) => {
                let at = reader.error_position();
                return Err(NotWellFormed(format!("XML error at byte {at}: {e}")));
            }
        };
        match event {
            Event::DocType(_) => {
                return Err(NotWellFormed(
                    "a DOCTYPE is not allowed in a request".into(),
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err(NotWellFormed("content after the root element".into()));
                }
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(NotWellFormed(format!(
                        "the request is too large: more than {MAX_ELEMENTS} elements or {MAX_DEPTH} levels"
                    )));
                }
                let ns = match resolved {
                    ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
                    ResolveResult::Unbound => String::new(),
                    ResolveResult::Unknown(p) => {
                        return Err(NotWellFormed(format!(
                            "undeclared namespace prefix {:?}",
                            String::from_utf8_lossy(&p)
                        )));
                    }
                };
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let mut attrs = Vec::new();
                let mut seen = HashSet::new();
                for a in e.attributes().with_checks(false) {
                    let a = a.map_err(|e| NotWellFormed(format!("bad attribute: {e}")))?;
                    if seen.len() == MAX_ATTRIBUTES {
                        return Err(NotWellFormed(format!(
                            "<{name}> has more than {MAX_ATTRIBUTES} attributes"
                        )));
                    }
                    if !seen.insert(a.key.into_inner()) {
                        return Err(NotWellFormed(format!(
                            "attribute {} appears twice in <{name}>",
                            String::from_utf8_lossy(a.key.as_ref())
                        )));
                    }
                    let key = a.key.as_ref();
                    if key.starts_with(b"xmlns") {
                        continue;
                    }
                    let value = a
                        .unescape_value()
                        .map_err(|e| NotWellFormed(format!("bad attribute value: {e}")))?;
                    refuse_referenced(&value)?;
                    attrs.push((
                        String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                        value.into_owned(),
                    ));
                }
                let el = Element {
                    ns,
                    name,
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                };
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| NotWellFormed("unbalanced end tag".into()))?;
                attach(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| NotWellFormed(format!("bad text: {e}")))?;
                let s = quick_xml::escape::unescape(&s)
                    .map_err(|e| NotWellFormed(format!("bad character reference: {e}")))?;
                push_text(&mut stack, &s)?;
            }
            Event::GeneralRef(r) => {
                let name = r
                    .decode()
                    .map_err(|e| NotWellFormed(format!("bad reference: {e}")))?;
                let s = if let Some(ch) = r
                    .resolve_char_ref()
                    .map_err(|e| NotWellFormed(format!("bad character reference: {e}")))?
                {
                    ch.to_string()
                } else {
                    match quick_xml::escape::resolve_xml_entity(&name) {
                        Some(s) => s.to_owned(),
                        None => {
                            return Err(NotWellFormed(format!("undefined entity &{name};")));
                        }
                    }
                };
                refuse_referenced(&s)?;
                push_text(&mut stack, &s)?;
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c).into_owned();
                push_text(&mut stack, &s)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(NotWellFormed("the document ends inside an element".into()));
    }
    root.ok_or_else(|| NotWellFormed("no root element".into()))
}

/// XML 1.0's `Char`: tab, line feed, carriage return, and the rest of Unicode except the
/// other C0 controls, surrogates (no `char` is one) and U+FFFE/U+FFFF.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The body held no forbidden character, so one in resolved text came from a reference.
fn refuse_referenced(s: &str) -> Result<(), NotWellFormed> {
    match s.chars().find(|&c| !xml_char(c)) {
        Some(c) => Err(NotWellFormed(format!(
            "a character reference to U+{:04X} is not allowed in XML 1.0",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

fn push_text(stack: &mut [Element], s: &str) -> Result<(), NotWellFormed> {
    match stack.last_mut() {
        Some(el) => {
            el.text.push_str(s);
            Ok(())
        }
        None if s.trim().is_empty() => Ok(()),
        None => Err(NotWellFormed("text outside the root element".into())),
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

/// Escapes text for element content and attribute values.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_and_text() {
        let el = parse(
            br#"<?xml version="1.0"?><a:R xmlns:a="urn:a" xmlns="urn:d"><x k="v">1 &amp; 2</x><y/></a:R>"#,
        )
        .unwrap();
        assert_eq!((el.ns.as_str(), el.name.as_str()), ("urn:a", "R"));
        let x = el.child("x").unwrap();
        assert_eq!((x.ns.as_str(), x.text.as_str()), ("urn:d", "1 & 2"));
        assert_eq!(x.attr("k"), Some("v"));
        assert!(el.child("y").is_some());
    }

    #[test]
    fn refuses_doctype_entities_and_garbage() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><r>&a;</r>"#;
        assert!(parse(laughs).unwrap_err().0.contains("DOCTYPE"));
        assert!(
            parse(b"<r>&a;</r>")
                .unwrap_err()
                .0
                .contains("undefined entity")
        );
        assert!(parse(b"<r><x></r>").is_err());
        assert!(parse(b"not xml").is_err());
        assert!(parse(b"<r/><r/>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).unwrap_err().0.contains("too large"));
    }

    #[test]
    fn refuses_forbidden_characters_and_attribute_floods() {
        let refused = |body: &[u8]| parse(body).unwrap_err().0;
        assert_eq!(
            refused(b"<r>a\0b</r>"),
            "character U+0000 at byte 4 is not allowed in XML 1.0"
        );
        assert_eq!(
            refused(b"<r k=\"\x01\"/>"),
            "character U+0001 at byte 6 is not allowed in XML 1.0"
        );
        assert_eq!(
            refused(b"<r>&#1;</r>"),
            "a character reference to U+0001 is not allowed in XML 1.0"
        );
        assert_eq!(
            refused(b"<r k=\"&#x1F;\"/>"),
            "a character reference to U+001F is not allowed in XML 1.0"
        );
        assert!(parse(b"<r k=\"a&#9;b\">&#10;</r>").is_ok());
        // 200,000 attributes or namespace declarations: refused at the limit, without the
        // pairwise duplicate check.
        for name in ["a", "xmlns:p"] {
            let flood: String = (0..200_000)
                .map(|i| format!(" {name}{i}=\"urn:v\""))
                .collect();
            assert_eq!(
                refused(format!("<r{flood}/>").as_bytes()),
                "<r> has more than 64 attributes"
            );
        }
        assert_eq!(
            refused(b"<r a=\"1\" a=\"2\"/>"),
            "attribute a appears twice in <r>"
        );
    }
}
