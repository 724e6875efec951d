//! The domain's [`NavSource`] port on top of the client.

use async_trait::async_trait;
use navsync_domain::ports::{DigestPage, InvoiceDocument, NavError, NavSource};
use navsync_domain::sync::Window;
use navsync_domain::{Direction, InvoiceId, NavCredentials};
use navsync_domain::{ElectronicInvoiceHash, ServedReport};

use super::request::{InvoiceNumberQuery, InvoiceQueryParams, MandatoryQuery};
use super::{ClientError, NavClient};

/// NAV's errorCode for several valid reports under one queried number.
const MULTIPLE_QUERY_RESULT_FOUND: &str = "MULTIPLE_QUERY_RESULT_FOUND";

impl NavClient {
    /// The `insDate` query of a half-open window `[from, to)`: NAV's bounds are inclusive to
    /// the millisecond, so the upper one is the window's last millisecond.
    pub fn window_query(window: Window) -> InvoiceQueryParams {
        MandatoryQuery::InsDate {
            from: window.from,
            to: window.last_millisecond(),
        }
        .into()
    }

    /// The `queryInvoiceData` query for an invoice id. The supplier's tax number goes in only
    /// for INBOUND (NAV refuses it OUTBOUND, where the supplier is the taxpayer itself).
    pub fn invoice_query(id: &InvoiceId) -> InvoiceNumberQuery {
        InvoiceNumberQuery {
            invoice_number: id.invoice_number.clone(),
            direction: id.direction,
            batch_index: id.batch_index,
            supplier_tax_number: (id.direction == Direction::Inbound)
                .then_some(id.supplier_tax_number),
        }
    }
}

#[async_trait]
impl NavSource for NavClient {
    async fn digest_page(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        window: Window,
        page: u32,
    ) -> Result<DigestPage, NavError> {
        Ok(self
            .query_invoice_digest(credentials, page, direction, &Self::window_query(window))
            .await?)
    }

    async fn invoice_data(
        &self,
        credentials: &NavCredentials,
        id: &InvoiceId,
    ) -> Result<InvoiceDocument, NavError> {
        let response = self
            .query_invoice_data(credentials, &Self::invoice_query(id))
            .await
            .map_err(|e| match e.nav_code() {
                // The query already names supplier and batch index where NAV allows: nothing
                // narrows it further (spec 3.2 #17).
                Some(MULTIPLE_QUERY_RESULT_FOUND) => {
                    NavError::MultipleResults(id.invoice_number.to_string())
                }
                _ => NavError::from(e),
            })?
            .ok_or_else(|| NavError::NotFound(id.invoice_number.to_string()))?;
        let parsed = crate::invoice::parse_invoice_data(&response.xml).map_err(|e| {
            NavError::InvalidDocument(format!("invoice {}: {e}", id.invoice_number))
        })?;
        let invoice = select_part(parsed.invoices, id).map_err(NavError::from)?;
        let electronic_invoice_hash = response.electronic_invoice_hash.map(|h| {
            ElectronicInvoiceHash {
                crypto_type: h.crypto_type,
                value: h.value,
                // With completenessIndicator false the hash is of a file NAV never sees.
                verified: response
                    .hash_matches_data
                    .filter(|_| invoice.completeness_indicator),
            }
        });
        Ok(InvoiceDocument {
            xml: response.xml,
            invoice,
            electronic_invoice_hash,
            served: Some(ServedReport {
                transaction_id: response.audit.transaction_id,
                index: response.audit.index,
                ins_date: response.audit.ins_date,
            }),
        })
    }
}

/// The invoice of a document that `id` names: the only one, or for a batch document the part
/// with the id's batch index.
fn select_part(
    invoices: Vec<navsync_domain::Invoice>,
    id: &InvoiceId,
) -> Result<navsync_domain::Invoice, ClientError> {
    let count = invoices.len();
    let mut matching = invoices.into_iter().filter(|inv| match id.batch_index {
        Some(i) => inv.batch_index == Some(i),
        None => true,
    });
    match (matching.next(), matching.next(), id.batch_index) {
        (Some(inv), None, _) => Ok(inv),
        (Some(_), Some(_), None) => Err(ClientError::Decode(format!(
            "invoice {}: the document holds {count} invoices but no batch index was given",
            id.invoice_number
        ))),
        (Some(_), Some(_), Some(i)) => Err(ClientError::Decode(format!(
            "invoice {}: batch index {i} appears more than once in the document",
            id.invoice_number
        ))),
        (None, _, Some(i)) => Err(ClientError::Decode(format!(
            "invoice {}: the document has no part with batch index {i} ({count} parts)",
            id.invoice_number
        ))),
        (None, _, None) => Err(ClientError::Decode(format!(
            "invoice {}: the document holds no invoice",
            id.invoice_number
        ))),
    }
}
