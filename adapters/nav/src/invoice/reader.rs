//! The streaming pass over the document: one quick-xml event at a time, no tree. It keeps the
//! stack of open elements (for the parent and the error path) and refuses what a NAV invoice
//! never contains: a DOCTYPE (so no entity declarations, billion laughs or external
//! entities), unknown entity references, characters XML 1.0 forbids (raw or as character
//! references), nesting past the depth limit, more attributes on an element than the limit,
//! and documents over the size limit.
//!
//! Every check is linear in the document: attributes are read without quick-xml's duplicate
//! check (it compares each attribute with every earlier one), and duplicates are found with a
//! hash set instead.
//!
//! A leaf's text is taken as the input bytes between its start and end tags, borrowed, not
//! from text events: quick-xml then trims and drops the whitespace between elements (half of
//! all events in an indented document), and a leaf costs one UTF-8 check instead of a copy.
//! Only a leaf holding an entity reference or CDATA is copied, by `leaf_text`.

use std::borrow::Cow;
use std::collections::HashSet;
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
    // quick-xml passes control characters through; one scan refuses them wherever they are
    // (text, attribute values, comments, CDATA), so the events below need not.
    if let Some((position, code)) = forbidden_char(xml) {
        return Err(ParseError::ForbiddenChar { code, position });
    }
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut pass = Pass {
        text,
        max_depth: limits.max_depth,
        max_attributes: limits.max_attributes,
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
    max_attributes: usize,
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
        self.attributes(e, position)?;
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
        // `attributes` has checked them: well-formed, unique, at most `max_attributes`.
        for attr in e.attributes().with_checks(false) {
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

    /// Checks the attributes of the element just opened (it is on `names`) in one pass: at
    /// most `max_attributes`, no name twice, values holding only references that resolve to
    /// characters XML allows. `position` is where its start tag begins.
    fn attributes(&self, e: &BytesStart<'_>, position: u64) -> Result<(), ParseError> {
        // A real element has a handful at most: those are compared with each other in place,
        // and only past `FEW` go into a hash set (so no allocation for ordinary elements).
        const FEW: usize = 8;
        let mut few: [&[u8]; FEW] = [&[]; FEW];
        let mut many: HashSet<&[u8]> = HashSet::new();
        for (count, attr) in e.attributes().with_checks(false).enumerate() {
            let attr = attr.map_err(|err| ParseError::Xml {
                position,
                message: format!("attributes of {}: {err}", self.path()),
            })?;
            if count == self.max_attributes {
                return Err(ParseError::TooManyAttributes {
                    max: self.max_attributes,
                    path: self.path().to_string(),
                });
            }
            let name = attr.key.into_inner();
            let duplicate = if count < FEW {
                few[count] = name;
                few[..count].contains(&name)
            } else {
                if count == FEW {
                    many.extend(few);
                }
                !many.insert(name)
            };
            if duplicate {
                return Err(ParseError::DuplicateAttribute {
                    name: short(&String::from_utf8_lossy(name)),
                    path: self.path().to_string(),
                });
            }
            let value = std::str::from_utf8(&attr.value).unwrap_or_default();
            let mut rest = value;
            while let Some(i) = rest.find('&') {
                let r = &rest[i + 1..];
                let end = r.find(';').unwrap_or(r.len());
                let at = || format!("{}/@{}", self.path(), String::from_utf8_lossy(name));
                match reference_of(&r[..end]) {
                    Reference::Char(_) => {}
                    Reference::Forbidden(code) => {
                        return Err(ParseError::ForbiddenCharRef { code, path: at() });
                    }
                    Reference::Unknown => {
                        return Err(ParseError::Entity {
                            name: short(&r[..end]),
                            path: at(),
                        });
                    }
                }
                rest = r.get(end + 1..).unwrap_or_default();
            }
        }
        Ok(())
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
        let name = String::from_utf8_lossy(r.as_ref());
        match reference_of(&name) {
            Reference::Char(_) => Ok(()),
            Reference::Forbidden(code) => Err(ParseError::ForbiddenCharRef {
                code,
                path: self.path().to_string(),
            }),
            Reference::Unknown => Err(ParseError::Entity {
                name: short(&name),
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
            match reference_of(&r[..end]) {
                Reference::Char(c) => out.push(c),
                Reference::Forbidden(code) => {
                    return Err(ParseError::ForbiddenCharRef {
                        code,
                        path: path.to_string(),
                    });
                }
                Reference::Unknown => {
                    return Err(ParseError::Entity {
                        name: short(&r[..end]),
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

/// What `&name;` stands for.
enum Reference {
    Char(char),
    /// A character reference to a code point XML 1.0 does not allow (`&#0;`, `&#1;`, `&#xFFFE;`).
    Forbidden(u32),
    /// Not one of the five predefined entities, nor a character reference.
    Unknown,
}

/// The five predefined entities and character references: nothing a DOCTYPE could add.
fn reference_of(name: &str) -> Reference {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            // Digits only: `u32::from_str` would also take a sign, which XML does not.
            let (digits, radix) = match name.strip_prefix("#x") {
                Some(hex) => (hex, 16),
                None => match name.strip_prefix('#') {
                    Some(dec) => (dec, 10),
                    None => return Reference::Unknown,
                },
            };
            if digits.is_empty() || !digits.chars().all(|d| d.is_digit(radix)) {
                return Reference::Unknown;
            }
            let Ok(code) = u32::from_str_radix(digits, radix) else {
                return Reference::Unknown;
            };
            match char::from_u32(code) {
                Some(c) if xml_char(c) => c,
                _ => return Reference::Forbidden(code),
            }
        }
    };
    Reference::Char(c)
}

/// XML 1.0's `Char`: tab, line feed, carriage return, and the rest of Unicode except the
/// other C0 controls, surrogates and U+FFFE/U+FFFF.
pub(crate) fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of a UTF-8 document that XML 1.0 forbids, with its byte offset. Each
/// starts with a byte below 0x20 (the C0 controls) or 0xEF (U+FFFE and U+FFFF, `EF BF BE/BF`);
/// valid UTF-8 holds no surrogates.
pub(crate) fn forbidden_char(xml: &[u8]) -> Option<(usize, u32)> {
    const CHUNK: usize = 64;
    // Every document is scanned, so the common case is a branch-free test of each chunk that
    // the compiler vectorises; the exact look runs only in a chunk that may hold one.
    let suspect = |b: u8| ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0xEF);
    for (n, chunk) in xml.chunks(CHUNK).enumerate() {
        if !chunk.iter().fold(false, |hit, &b| hit | suspect(b)) {
            continue;
        }
        for i in n * CHUNK..n * CHUNK + chunk.len() {
            match xml[i] {
                b'\t' | b'\n' | b'\r' => {}
                b @ 0..=0x1F => return Some((i, u32::from(b))),
                0xEF => {
                    if let Some([0xBF, last @ (0xBE | 0xBF)]) = xml.get(i + 1..i + 3) {
                        return Some((i, 0xFFFE + u32::from(*last - 0xBE)));
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// A name from the document, cut to 40 characters for a one-line error.
fn short(name: &str) -> String {
    name.chars().take(40).collect()
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

    #[test]
    fn forbidden_characters_are_found_with_their_offset() {
        assert_eq!(forbidden_char("a\tb\r\nc é € 𝄞".as_bytes()), None);
        assert_eq!(forbidden_char(b"ab\0c"), Some((2, 0)));
        assert_eq!(forbidden_char(b"\x1F"), Some((0, 0x1F)));
        assert_eq!(forbidden_char("x\u{FFFE}".as_bytes()), Some((1, 0xFFFE)));
        assert_eq!(forbidden_char("x\u{FFFF}".as_bytes()), Some((1, 0xFFFF)));
        assert_eq!(forbidden_char("\u{FFFD}\u{EFBF}".as_bytes()), None);
        // Across the scan's 64-byte chunks: the last byte of one, a character split by one.
        let mut at_63 = vec![b'a'; 100];
        at_63[63] = 0x0B;
        assert_eq!(forbidden_char(&at_63), Some((63, 0x0B)));
        let split = format!("{}\u{FFFF}tail", "é".repeat(31));
        assert_eq!(split.find('\u{FFFF}'), Some(62));
        assert_eq!(forbidden_char(split.as_bytes()), Some((62, 0xFFFF)));
        let indented = "\t\t<a>\r\n".repeat(50);
        assert_eq!(forbidden_char(indented.as_bytes()), None);
    }

    #[test]
    fn character_references_resolve_only_to_xml_characters() {
        assert!(matches!(reference_of("#65"), Reference::Char('A')));
        assert!(matches!(reference_of("#x9"), Reference::Char('\t')));
        assert!(matches!(reference_of("#x10FFFF"), Reference::Char(_)));
        for (name, code) in [("#0", 0), ("#1", 1), ("#x1f", 0x1F), ("#xFFFE", 0xFFFE)] {
            assert!(
                matches!(reference_of(name), Reference::Forbidden(c) if c == code),
                "{name}"
            );
        }
        assert!(matches!(
            reference_of("#xD800"),
            Reference::Forbidden(0xD800)
        ));
        assert!(matches!(
            reference_of("#x110000"),
            Reference::Forbidden(0x110000)
        ));
        for name in ["#", "#x", "#+65", "#X41", "#99999999999", "nbsp"] {
            assert!(matches!(reference_of(name), Reference::Unknown), "{name}");
        }
    }
}
