//! The streaming pass over the document: one quick-xml event at a time, no tree. It keeps the
//! stack of open elements (for the parent and the error path) and refuses what a NAV invoice
//! never contains: a DOCTYPE (so no entity declarations, billion laughs or external
//! entities), unknown entity references, nesting past the depth limit, and documents over the
//! size limit.
//!
//! A leaf's text is taken as the input bytes between its start and end tags, borrowed, not
//! from text events: quick-xml then trims and drops the whitespace between elements (half of
//! all events in an indented document), and a leaf costs one UTF-8 check instead of a copy.
//! Only a leaf holding an entity reference or CDATA is copied, by `leaf_text`.

use std::borrow::Cow;
use std::fmt::Display;

use navsync_domain::SchemaVersion;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::document::DocumentBuilder;
use super::error::ParseError;
use super::path::ElementPath;
use super::tag::Tag;
use super::{InvoiceData, ParseLimits};

const NS_3_0: &[u8] = b"http://schemas.nav.gov.hu/OSA/3.0/data";
const NS_2_0: &[u8] = b"http://schemas.nav.gov.hu/OSA/2.0/data";
const NS_1_X_PREFIX: &[u8] = b"http://schemas.nav.gov.hu/OSA/1.";
const NS_DATA_SUFFIX: &[u8] = b"/data";

pub(crate) fn parse(xml: &[u8], limits: &ParseLimits) -> Result<InvoiceData, ParseError> {
    if xml.len() > limits.max_bytes {
        return Err(ParseError::TooLarge {
            size: xml.len(),
            max: limits.max_bytes,
        });
    }
    // A UTF-16 document would otherwise read as garbage before the root.
    if xml.starts_with(&[0xFF, 0xFE]) || xml.starts_with(&[0xFE, 0xFF]) {
        return Err(ParseError::Encoding("UTF-16".to_owned()));
    }
    // quick-xml skips a UTF-8 byte order mark but counts positions after it; leaf text is
    // sliced from `xml` by those positions, so the mark goes first.
    let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    // One check of the whole document; names and leaf texts are then borrowed slices of it.
    let text = std::str::from_utf8(xml).map_err(|e| ParseError::Utf8 {
        position: e.valid_up_to(),
    })?;
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut pass = Pass {
        text,
        max_depth: limits.max_depth,
        stack: Vec::with_capacity(16),
        names: Vec::with_capacity(16),
        leaf_start: 0,
        leaf_open: false,
        doc: None,
        root_closed: false,
        undeclared_at: None,
    };
    loop {
        // Where the next event starts: the position errors about that event report.
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| ParseError::Xml {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) => pass.start(&e, at, reader.buffer_position())?,
            Event::Empty(e) => {
                let after = reader.buffer_position();
                pass.start(&e, at, after)?;
                pass.end(after)?;
            }
            Event::End(_) => pass.end(at)?,
            // Whitespace never arrives (trimmed); leaf text is read from the input at the
            // end tag; text anywhere else is mixed content NAV's schema does not have.
            Event::Text(_) if pass.stack.is_empty() => {
                return Err(ParseError::Xml {
                    position: at,
                    message: "text outside the root element".to_owned(),
                });
            }
            Event::Text(_) | Event::CData(_) => {}
            Event::GeneralRef(r) => pass.reference(&r)?,
            Event::DocType(_) => {
                return Err(ParseError::Doctype { position: at });
            }
            Event::Decl(d) => {
                if let Some(Ok(enc)) = d.encoding()
                    && !enc.eq_ignore_ascii_case(b"UTF-8")
                {
                    return Err(ParseError::Encoding(
                        String::from_utf8_lossy(&enc).into_owned(),
                    ));
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !pass.stack.is_empty() {
        return Err(ParseError::Truncated {
            path: pass.path().to_string(),
        });
    }
    pass.doc.ok_or(ParseError::Empty)?.finish()
}

struct Pass<'a> {
    text: &'a str,
    max_depth: usize,
    stack: Vec<Tag>,
    /// Local names of the open elements, borrowed from the document.
    names: Vec<&'a str>,
    /// Byte offset just after the innermost open element's start tag.
    leaf_start: u64,
    /// The innermost open element has no child yet: it may be a leaf.
    leaf_open: bool,
    doc: Option<DocumentBuilder>,
    root_closed: bool,
    /// Depth of the open element the schema does not declare, if any: its subtree is reported
    /// once, by that element.
    undeclared_at: Option<usize>,
}

impl<'a> Pass<'a> {
    /// `position` is where the start tag begins, `after` just past it.
    fn start(&mut self, e: &BytesStart<'_>, position: u64, after: u64) -> Result<(), ParseError> {
        if self.root_closed {
            return Err(ParseError::TrailingContent { position });
        }
        let local = e.local_name();
        let local = local.as_ref();
        self.names.push(self.borrowed(local));
        if self.stack.len() >= self.max_depth {
            return Err(ParseError::TooDeep {
                max: self.max_depth,
                path: self.path().to_string(),
            });
        }
        let tag = Tag::of(local);
        let parent = self.stack.last().copied();
        match parent {
            None => self.root(e, tag)?,
            Some(parent) => {
                if let Some(doc) = self.doc.as_mut() {
                    if tag != Tag::Other {
                        doc.open(tag, parent);
                    } else if self.undeclared_at.is_none()
                        && doc.other_element(
                            self.names[self.names.len() - 1],
                            &ElementPath(&self.names),
                        )
                    {
                        self.undeclared_at = Some(self.stack.len());
                    }
                }
            }
        }
        self.stack.push(tag);
        self.leaf_start = after;
        self.leaf_open = true;
        Ok(())
    }

    fn root(&mut self, e: &BytesStart<'_>, tag: Tag) -> Result<(), ParseError> {
        let name = e.name();
        let prefix = name.prefix().map(|p| p.as_ref().to_vec());
        let mut namespace: Vec<u8> = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| ParseError::Xml {
                position: 0,
                message: format!("root element attributes: {err}"),
            })?;
            let key = attr.key.as_ref();
            let declares = match &prefix {
                None => key == b"xmlns",
                Some(p) => key.strip_prefix(b"xmlns:") == Some(p.as_slice()),
            };
            if declares {
                namespace = attr.value.into_owned();
            }
        }
        let version = if namespace == NS_3_0 {
            Some(SchemaVersion::V3)
        } else if namespace == NS_2_0 {
            Some(SchemaVersion::V2)
        } else if namespace.starts_with(NS_1_X_PREFIX) && namespace.ends_with(NS_DATA_SUFFIX) {
            Some(SchemaVersion::V1)
        } else {
            None
        };
        let root_ok = match version {
            Some(SchemaVersion::V1) => matches!(tag, Tag::InvoiceRoot | Tag::InvoiceDataRoot),
            Some(_) => tag == Tag::InvoiceDataRoot,
            None => false,
        };
        match version {
            Some(version) if root_ok => {
                let root_path = if tag == Tag::InvoiceRoot {
                    "/Invoice"
                } else {
                    "/InvoiceData"
                };
                self.doc = Some(DocumentBuilder::new(version, root_path));
                Ok(())
            }
            _ => Err(ParseError::NotInvoice {
                root: String::from_utf8_lossy(name.as_ref()).into_owned(),
                namespace: String::from_utf8_lossy(&namespace).into_owned(),
            }),
        }
    }

    /// `end_tag` is where the end tag begins (for an empty element, where it ends).
    fn end(&mut self, end_tag: u64) -> Result<(), ParseError> {
        // quick-xml checks that end names match their start, so the stack cannot underflow
        // on a well-formed document; an unmatched end is reported by quick-xml itself.
        let Some(tag) = self.stack.pop() else {
            return Ok(());
        };
        if self.undeclared_at == Some(self.stack.len()) {
            self.undeclared_at = None;
        }
        let parent = self.stack.last().copied().unwrap_or(Tag::Other);
        // Elements the builder does not read need no call at all.
        if tag != Tag::Other
            && let Some(doc) = self.doc.as_mut()
        {
            let path = ElementPath(&self.names);
            if self.leaf_open {
                let raw = self
                    .text
                    .get(self.leaf_start as usize..end_tag as usize)
                    .unwrap_or_default();
                let text = leaf_text(raw, &path)?;
                doc.leaf(tag, parent, text.trim(), &path)?;
            }
            doc.close(tag, parent, &path)?;
        }
        self.leaf_open = false;
        self.names.pop();
        if self.stack.is_empty() {
            self.root_closed = true;
        }
        Ok(())
    }

    /// `&name;` or `&#N;` inside text: the five XML entities and character references only,
    /// since no DOCTYPE can declare others.
    fn reference(&mut self, r: &BytesRef<'_>) -> Result<(), ParseError> {
        let resolved = match r.resolve_char_ref() {
            Ok(Some(c)) => Some(c),
            Ok(None) => match r.as_ref() {
                b"amp" => Some('&'),
                b"lt" => Some('<'),
                b"gt" => Some('>'),
                b"quot" => Some('"'),
                b"apos" => Some('\''),
                _ => None,
            },
            Err(_) => None,
        };
        match resolved {
            Some(_) => Ok(()),
            None => Err(ParseError::Entity {
                name: String::from_utf8_lossy(r.as_ref())
                    .chars()
                    .take(40)
                    .collect(),
                path: self.path().to_string(),
            }),
        }
    }

    fn path(&self) -> ElementPath<'_> {
        ElementPath(&self.names)
    }

    /// `name` as a slice of the document: quick-xml hands out borrowed slices of its input,
    /// which is `self.text`, so the name needs no copy and no second UTF-8 check.
    fn borrowed(&self, name: &[u8]) -> &'a str {
        let base = self.text.as_ptr() as usize;
        let at = name.as_ptr() as usize;
        // Inside the document's memory means it is that part of the document.
        if at < base || at + name.len() > base + self.text.len() {
            return "?";
        }
        self.text
            .get(at - base..at - base + name.len())
            .unwrap_or("?")
    }
}

/// The text of a leaf from its raw bytes: borrowed when it is plain text (the common case),
/// else with references resolved, CDATA unwrapped and comments and PIs dropped. quick-xml has
/// already checked the markup and refused unknown entities by the time a leaf ends.
fn leaf_text<'x>(raw: &'x str, path: &dyn Display) -> Result<Cow<'x, str>, ParseError> {
    if !raw.contains(['&', '<']) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '<']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (skip, keep) = if let Some(r) = rest.strip_prefix('&') {
            let end = r.find(';').unwrap_or(r.len());
            match resolve(&r[..end]) {
                Some(c) => out.push(c),
                None => {
                    return Err(ParseError::Entity {
                        name: r[..end].chars().take(40).collect(),
                        path: path.to_string(),
                    });
                }
            }
            (end + 2, "")
        } else if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").unwrap_or(r.len());
            (9 + end + 3, &r[..end])
        } else if let Some(r) = rest.strip_prefix("<!--") {
            (4 + r.find("-->").map_or(r.len(), |e| e + 3), "")
        } else if let Some(r) = rest.strip_prefix("<?") {
            (2 + r.find("?>").map_or(r.len(), |e| e + 2), "")
        } else {
            (rest.len(), "")
        };
        out.push_str(keep);
        rest = rest.get(skip.min(rest.len())..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// The five predefined entities and character references: nothing a DOCTYPE could add.
fn resolve(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_text_borrows_plain_text_and_decodes_the_rest() {
        assert!(matches!(
            leaf_text("  plain  ", &"/p"),
            Ok(Cow::Borrowed("  plain  "))
        ));
        let decoded = leaf_text(
            "A &amp; B &#x4B;&#75; <![CDATA[<x> & y]]><!-- c -->z<?pi x?>!",
            &"/p",
        );
        assert_eq!(decoded.unwrap(), "A & B KK <x> & yz!");
        assert_eq!(
            leaf_text("&bogus;", &"/a/b").unwrap_err(),
            ParseError::Entity {
                name: "bogus".into(),
                path: "/a/b".into()
            }
        );
    }
}
