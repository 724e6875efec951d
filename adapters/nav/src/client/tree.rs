//! A NAV API response read into a small element tree (local names only). Responses are small
//! (a digest page is at most 100 rows; `invoiceData` is one text node) and the body size is
//! capped before parsing, so a tree is the simplest correct reader. Hostile input is bounded:
//! no DTD is accepted, only the five predefined entities and character references resolve,
//! and depth and element count are limited.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

const MAX_DEPTH: usize = 32;
const MAX_ELEMENTS: usize = 100_000;

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
    for attr in start.attributes() {
        let attr = attr.map_err(|e| TreeError(format!("bad attribute in <{name}>: {e}")))?;
        let key = attr.key.local_name();
        if attr.key.as_ref().starts_with(b"xmlns") {
            continue;
        }
        let value = attr
            .unescape_value()
            .map_err(|e| TreeError(format!("bad attribute value in <{name}>: {e}")))?;
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
}
