//! The streaming pass over the document: one quick-xml event at a time, no tree. It keeps the
//! stack of open elements (for the parent and the error path) and the text of the element
//! that may be a leaf, and refuses what a NAV invoice never contains: a DOCTYPE (so no
//! entity declarations, billion laughs or external entities), unknown entity references,
//! nesting past the depth limit, and documents over the size limit.

use navsync_domain::SchemaVersion;
use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::document::DocumentBuilder;
use super::error::ParseError;
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
    let mut reader = Reader::from_reader(xml);
    let mut pass = Pass {
        max_depth: limits.max_depth,
        stack: Vec::with_capacity(16),
        path: String::with_capacity(256),
        path_lens: Vec::with_capacity(16),
        text: Text::Empty,
        owned: String::with_capacity(128),
        leaf_open: false,
        doc: None,
        root_closed: false,
    };
    loop {
        // Where the next event starts: the position errors about that event report.
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| ParseError::Xml {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) => pass.start(&e, at)?,
            Event::Empty(e) => {
                pass.start(&e, at)?;
                pass.end()?;
            }
            Event::End(_) => pass.end()?,
            Event::Text(t) => {
                if pass.collecting() {
                    pass.push(t.into_inner())?;
                } else if pass.stack.is_empty() && !t.iter().all(u8::is_ascii_whitespace) {
                    return Err(ParseError::Xml {
                        position: at,
                        message: "text outside the root element".to_owned(),
                    });
                }
            }
            Event::CData(c) => {
                if pass.collecting() {
                    pass.push(c.into_inner())?;
                }
            }
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
        return Err(ParseError::Truncated { path: pass.path });
    }
    pass.doc.ok_or(ParseError::Empty)?.finish()
}

/// Where the text of the open leaf is: nowhere yet, one borrowed piece of the input (the
/// common case, no copy), or `Pass::owned` when entity references or CDATA split it.
#[derive(Clone, Copy)]
enum Text<'a> {
    Empty,
    Borrowed(&'a [u8]),
    Owned,
}

struct Pass<'a> {
    max_depth: usize,
    stack: Vec<Tag>,
    /// `/InvoiceData/invoiceMain/...` of the open element, for errors and the builder.
    path: String,
    path_lens: Vec<usize>,
    /// Text of the innermost open element, kept only while it has no child (a leaf) and
    /// only for elements the builder reads.
    text: Text<'a>,
    owned: String,
    leaf_open: bool,
    doc: Option<DocumentBuilder>,
    root_closed: bool,
}

impl<'a> Pass<'a> {
    fn start(&mut self, e: &BytesStart<'_>, position: u64) -> Result<(), ParseError> {
        if self.root_closed {
            return Err(ParseError::TrailingContent { position });
        }
        let local = e.local_name();
        let local = local.as_ref();
        self.path_lens.push(self.path.len());
        self.path.push('/');
        let name = std::str::from_utf8(local).map_err(|_| ParseError::Utf8 {
            path: self.path.clone(),
        })?;
        self.path.push_str(name);
        if self.stack.len() >= self.max_depth {
            return Err(ParseError::TooDeep {
                max: self.max_depth,
                path: self.path.clone(),
            });
        }
        let tag = Tag::of(local);
        let parent = self.stack.last().copied();
        match parent {
            None => self.root(e, tag)?,
            Some(parent) => {
                if tag != Tag::Other
                    && let Some(doc) = self.doc.as_mut()
                {
                    doc.open(tag, parent, &self.path);
                }
            }
        }
        self.stack.push(tag);
        self.text = Text::Empty;
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
                self.doc = Some(DocumentBuilder::new(version, self.path.clone()));
                Ok(())
            }
            _ => Err(ParseError::NotInvoice {
                root: String::from_utf8_lossy(name.as_ref()).into_owned(),
                namespace: String::from_utf8_lossy(&namespace).into_owned(),
            }),
        }
    }

    fn end(&mut self) -> Result<(), ParseError> {
        // quick-xml checks that end names match their start, so the stack cannot underflow
        // on a well-formed document; an unmatched end is reported by quick-xml itself.
        let Some(tag) = self.stack.pop() else {
            return Ok(());
        };
        let parent = self.stack.last().copied().unwrap_or(Tag::Other);
        // Elements the builder does not read need no call at all.
        if tag != Tag::Other
            && let Some(doc) = self.doc.as_mut()
        {
            if self.leaf_open {
                let text = match self.text {
                    Text::Empty => "",
                    Text::Borrowed(bytes) => {
                        std::str::from_utf8(bytes).map_err(|_| ParseError::Utf8 {
                            path: self.path.clone(),
                        })?
                    }
                    Text::Owned => &self.owned,
                };
                doc.leaf(tag, parent, text.trim(), &self.path)?;
            }
            doc.close(tag, parent, &self.path)?;
        }
        self.leaf_open = false;
        if let Some(len) = self.path_lens.pop() {
            self.path.truncate(len);
        }
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
            Some(c) => {
                if self.collecting() {
                    self.to_owned_text()?;
                    self.owned.push(c);
                }
                Ok(())
            }
            None => Err(ParseError::Entity {
                name: String::from_utf8_lossy(r.as_ref())
                    .chars()
                    .take(40)
                    .collect(),
                path: self.path.clone(),
            }),
        }
    }

    fn collecting(&self) -> bool {
        self.leaf_open && self.stack.last().is_some_and(|t| *t != Tag::Other)
    }

    /// Adds a piece of text to the open leaf, borrowing it when it is the only piece.
    fn push(&mut self, piece: Cow<'a, [u8]>) -> Result<(), ParseError> {
        if let (Text::Empty, Cow::Borrowed(bytes)) = (self.text, &piece) {
            self.text = Text::Borrowed(bytes);
            return Ok(());
        }
        self.to_owned_text()?;
        let piece = std::str::from_utf8(&piece).map_err(|_| self.utf8_error())?;
        self.owned.push_str(piece);
        Ok(())
    }

    /// Moves the text collected so far into `owned`, so more pieces can be appended.
    fn to_owned_text(&mut self) -> Result<(), ParseError> {
        match self.text {
            Text::Owned => {}
            Text::Empty => self.owned.clear(),
            Text::Borrowed(bytes) => {
                let text = std::str::from_utf8(bytes).map_err(|_| self.utf8_error())?;
                self.owned.clear();
                self.owned.push_str(text);
            }
        }
        self.text = Text::Owned;
        Ok(())
    }

    fn utf8_error(&self) -> ParseError {
        ParseError::Utf8 {
            path: self.path.clone(),
        }
    }
}
