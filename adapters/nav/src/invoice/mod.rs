//! Decoded invoice documents: `decode_invoice_data` turns NAV's base64/gzip `invoiceData` into
//! XML bytes under a size cap, and `parse_invoice_data` turns those bytes into the domain
//! model, for 3.0, 2.0 and 1.x documents (the root namespace tells the version).
//!
//! The parser streams: it never builds a tree of the document, so memory is the domain model
//! plus a few small buffers. Rules for values the document leaves out are in `document`.

mod decode;
mod document;
mod error;
mod path;
mod reader;
mod schema_names;
mod tag;
mod value;

use chrono::NaiveDate;
use navsync_domain::{Invoice, InvoiceNumber, SchemaVersion};
use serde::Serialize;

pub use decode::{DecodeError, decode_invoice_data};
pub use error::ParseError;
/// The response reader refuses the same characters.
pub(crate) use reader::{forbidden_char, xml_char};

/// A parsed invoice document: the document's own header, and its invoices (one for a normal
/// document, one per `batchInvoice`, each with its `batch_index`, for a batch modification).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvoiceData {
    pub schema_version: SchemaVersion,
    pub invoice_number: InvoiceNumber,
    pub issue_date: NaiveDate,
    pub completeness_indicator: bool,
    pub invoices: Vec<Invoice>,
}

impl InvoiceData {
    /// The part a digest names: the invoice with this batch index (`None` for a normal document).
    pub fn get(&self, batch_index: Option<u32>) -> Option<&Invoice> {
        self.invoices.iter().find(|i| i.batch_index == batch_index)
    }
}

/// Bounds on what the parser accepts; the defaults fit every real NAV document (NAV refuses
/// request bodies over 10 MB, its schema nests about a dozen levels, and it declares no
/// attributes: a root carries a handful of namespace declarations, nothing else any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    pub max_bytes: usize,
    pub max_depth: usize,
    /// Attributes (namespace declarations included) on any one element.
    pub max_attributes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            max_depth: 64,
            max_attributes: 256,
        }
    }
}

/// Parses a decoded invoice document (`InvoiceData`, any NAV schema version) with the default
/// [`ParseLimits`].
pub fn parse_invoice_data(xml: &[u8]) -> Result<InvoiceData, ParseError> {
    reader::parse(xml, &ParseLimits::default())
}

/// [`parse_invoice_data`] with explicit limits.
pub fn parse_invoice_data_with(
    xml: &[u8],
    limits: &ParseLimits,
) -> Result<InvoiceData, ParseError> {
    reader::parse(xml, limits)
}

/// Takes the part a digest names out of a parsed document: `batch_index` `None` for a normal
/// document, `Some(n)` for part `n` of a batch modification.
pub fn select(data: InvoiceData, batch_index: Option<u32>) -> Option<Invoice> {
    data.invoices
        .into_iter()
        .find(|i| i.batch_index == batch_index)
}
