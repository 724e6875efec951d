//! Decoded invoice documents: `decode_invoice_data` turns NAV's base64/gzip `invoiceData` into
//! XML bytes under a size cap, and the parser turns those bytes into the domain model.

mod decode;

pub use decode::{DecodeError, decode_invoice_data};
