//! The path of the open element (`/InvoiceData/invoiceMain/invoice/...`), kept as borrowed
//! names and rendered only when an error message or an invoice's own path needs it.

use std::fmt;

#[derive(Clone, Copy)]
pub(crate) struct ElementPath<'p>(pub(crate) &'p [&'p str]);

impl fmt::Display for ElementPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for name in self.0 {
            write!(f, "/{name}")?;
        }
        Ok(())
    }
}
