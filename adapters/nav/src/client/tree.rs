//! A NAV API response read into a small element tree (local names only). Responses are small
//! (a digest page is at most 100 rows; `invoiceData` is one text node) and the body size is
//! capped before parsing, so a tree is the simplest correct reader. Hostile input is bounded:
//! no DTD is accepted, only the five predefined entities and character references resolve,
//! depth, element count and attributes per element are limited, and characters XML 1.0 forbids
//! are refused, raw or as references. Attributes are read without quick-xml's duplicate check,
//! which compares each with every earlier one (quadratic); a hash set finds duplicates instead.

use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

const MAX_DEPTH: usize = 32;
const MAX_ELEMENTS: usize = 100_000;
/// NAV's API schema declares no attributes; its roots carry a few namespace declarations.
const MAX_ATTRIBUTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name, without namespace prefix.
    pub name: String,
    /// Attributes by local name.
    pub attributes: Vec<(String, String)>,
    /// The element's own text (concatenated; whitespace-only text between children dropped).
    pub text: String,
    pub children: Vec<Element>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TreeError(pub String);

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed text of the child `name`, if it is there.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
}

/// Parses a whole document into its root element.
pub fn parse(xml: &[u8]) -> Result<Element, TreeError> {
    // References are checked where they resolve; raw characters in one scan of the body.
    if let Some((at, code)) = crate::invoice::forbidden_char(xml) {
        return Err(TreeError(format!(
            "character U+{code:04X} at byte {at}: XML 1.0 does not allow it"
        )));
    }
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            TreeError(format!(
                "malformed XML at byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(TreeError("content after the root element".into()));
            }
            Event::Start(start) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(TreeError("XML nested too deep or too many elements".into()));
                }
                stack.push(open(&start)?);
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(TreeError("XML has too many elements".into()));
                }
                let element = open(&start)?;
                close(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| TreeError("unbalanced end tag".into()))?;
                close(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let s = text
                    .xml_content()
                    .map_err(|e| TreeError(format!("undecodable text: {e}")))?;
                append_text(&mut stack, &s)?;
            }
            Event::CData(data) => {
                let s = data
                    .decode()
                    .map_err(|e| TreeError(format!("undecodable CDATA: {e}")))?;
                append_text(&mut stack, &s)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| TreeError(format!("bad character reference: {e}")))?
                        .map(String::from)
                } else {
                    let name = r
                        .decode()
                        .map_err(|e| TreeError(format!("bad entity: {e}")))?;
                    resolve_predefined_entity(&name).map(str::to_owned)
                };
                let s = resolved.ok_or_else(|| TreeError("undefined entity reference".into()))?;
                if let Some(c) = s.chars().find(|c| !crate::invoice::xml_char(*c)) {
                    return Err(forbidden_reference(c));
                }
                append_text(&mut stack, &s)?;
            }
            Event::DocType(_) => {
                return Err(TreeError("a DTD is not allowed in a NAV response".into()));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(TreeError("XML ends before its root element closes".into()));
    }
    root.ok_or_else(|| TreeError("no XML element in the body".into()))
}

fn open(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, TreeError> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    let mut seen = HashSet::new();
    for attr in start.attributes().with_checks(false) {
        let attr = attr.map_err(|e| TreeError(format!("bad attribute in <{name}>: {e}")))?;
        if seen.len() == MAX_ATTRIBUTES {
            return Err(TreeError(format!(
                "<{name}> has more than {MAX_ATTRIBUTES} attributes"
            )));
        }
        if !seen.insert(attr.key.into_inner()) {
            return Err(TreeError(format!(
                "attribute {} appears twice in <{name}>",
                String::from_utf8_lossy(attr.key.as_ref())
            )));
        }
        let key = attr.key.local_name();
        if attr.key.as_ref().starts_with(b"xmlns") {
            continue;
        }
        let value = attr
            .unescape_value()
            .map_err(|e| TreeError(format!("bad attribute value in <{name}>: {e}")))?;
        if let Some(c) = value.chars().find(|c| !crate::invoice::xml_char(*c)) {
            return Err(forbidden_reference(c));
        }
        attributes.push((
            String::from_utf8_lossy(key.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// The raw body has none, so a character XML forbids came from a reference.
fn forbidden_reference(c: char) -> TreeError {
    TreeError(format!(
        "character reference to U+{:04X}: XML 1.0 does not allow it",
        u32::from(c)
    ))
}

fn close(stack: &mut [Element], root: &mut Option<Element>, mut element: Element) {
    if !element.children.is_empty() && element.text.trim().is_empty() {
        element.text.clear();
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn append_text(stack: &mut [Element], s: &str) -> Result<(), TreeError> {
    match stack.last_mut() {
        Some(e) => {
            e.text.push_str(s);
            Ok(())
        }
        None if s.trim().is_empty() => Ok(()),
        None => Err(TreeError("text outside the root element".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_local_names_text_and_attributes() {
        let root = parse(
            br#"<?xml version="1.0"?><a:R xmlns:a="urn:x" xmlns="urn:y"><a:b k="v&amp;w">x &lt; y&#33;</a:b><c/></a:R>"#,
        )
        .unwrap();
        assert_eq!(root.name, "R");
        let b = root.child("b").unwrap();
        assert_eq!(b.text, "x < y!");
        assert_eq!(b.attribute("k"), Some("v&w"));
        assert!(root.child("c").is_some());
    }

    #[test]
    fn refuses_dtds_unknown_entities_and_broken_documents() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><l>&b;</l>"#;
        assert!(parse(laughs).is_err());
        assert!(parse(b"<r>&xxe;</r>").is_err());
        assert!(parse(b"<r><a></r>").is_err());
        assert!(parse(b"<r>").is_err());
        assert!(parse(b"<html><body>504 Gateway Time-out").is_err());
        assert!(parse(b"").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn refuses_forbidden_characters_and_attribute_floods_in_linear_time() {
        let refused = |body: &[u8]| parse(body).unwrap_err().0;
        let forbidden = "XML 1.0 does not allow it";
        assert_eq!(
            refused(b"<r>a\0b</r>"),
            format!("character U+0000 at byte 4: {forbidden}")
        );
        assert_eq!(
            refused(b"<r k=\"\x01\"/>"),
            format!("character U+0001 at byte 6: {forbidden}")
        );
        assert_eq!(
            refused(b"<r>&#1;</r>"),
            format!("character reference to U+0001: {forbidden}")
        );
        assert_eq!(
            refused(b"<r k=\"&#x1F;\"/>"),
            format!("character reference to U+001F: {forbidden}")
        );
        assert_eq!(
            refused(b"<r>&#0;</r>"),
            "bad character reference: invalid character reference: 0x0 character is not permitted in XML"
        );
        assert!(parse(b"<r k=\"a&#9;b\">&#10;</r>").is_ok());
        // 200,000 attributes: refused at the limit, without the pairwise duplicate check.
        let flood: String = (0..200_000).map(|i| format!(" a{i}=\"v\"")).collect();
        let err = parse(format!("<r{flood}/>").as_bytes()).unwrap_err().0;
        assert_eq!(err, "<r> has more than 64 attributes");
        let err = parse(b"<r a=\"1\" a=\"2\"/>").unwrap_err().0;
        assert_eq!(err, "attribute a appears twice in <r>");
    }
}
