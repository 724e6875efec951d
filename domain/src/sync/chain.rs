//! Modification chains: an original invoice and the MODIFY/STORNO invoices that reference it.
//!
//! NAV requires every modifying document to name the *base* invoice as its original and to
//! number the modifications 1, 2, … (`modificationIndex`), so a chain is flat: one root and
//! its modifications in index order. Modifying invoices carry the *difference* they make, so
//! the chain's effective totals are the sum over the chain.

use serde::{Deserialize, Serialize};

use crate::invoice::{InvoiceNumber, InvoiceOperation, InvoiceRecord, Totals};

/// Where an invoice stands after its chain is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveState {
    /// As issued: no modification stored.
    Original,
    /// Modified one or more times; the last is not a storno.
    Modified,
    /// Cancelled by a storno that no later modification reinstates.
    Cancelled,
}

/// The invoice number a record's chain hangs from: its original's, or its own.
pub fn chain_root(record: &InvoiceRecord) -> &InvoiceNumber {
    record
        .invoice
        .modification
        .as_ref()
        .map(|m| &m.original_invoice_number)
        .unwrap_or(&record.invoice.invoice_number)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceChain {
    pub root: InvoiceNumber,
    /// The original, when it is stored (absent for modify-without-master chains, or when the
    /// original lies outside what was synced).
    pub original: Option<InvoiceRecord>,
    /// MODIFY and STORNO invoices by modification index.
    pub modifications: Vec<InvoiceRecord>,
}

impl InvoiceChain {
    /// Builds the chain of `root` from records in any order; records of other chains are ignored.
    pub fn build(root: InvoiceNumber, records: impl IntoIterator<Item = InvoiceRecord>) -> Self {
        let mut original = None;
        let mut modifications = Vec::new();
        for record in records {
            if chain_root(&record) != &root {
                continue;
            }
            if record.invoice.modification.is_some() {
                modifications.push(record);
            } else {
                original = Some(record);
            }
        }
        modifications.sort_by_key(|r| {
            (
                r.invoice
                    .modification
                    .as_ref()
                    .map(|m| m.modification_index),
                r.key.id.batch_index,
            )
        });
        Self {
            root,
            original,
            modifications,
        }
    }

    pub fn state(&self) -> EffectiveState {
        match self.modifications.last() {
            None => EffectiveState::Original,
            Some(last) if last.operation() == InvoiceOperation::Storno => EffectiveState::Cancelled,
            Some(_) => EffectiveState::Modified,
        }
    }

    /// The totals after every stored modification: the original's plus each difference.
    pub fn effective_totals(&self) -> Totals {
        self.original
            .iter()
            .chain(&self.modifications)
            .fold(Totals::default(), |acc, r| acc + r.invoice.totals.clone())
    }

    /// Modification indexes missing between 1 and the highest stored: a sign that the chain
    /// is not fully synced yet.
    pub fn missing_indexes(&self) -> Vec<u32> {
        let have: Vec<u32> = self
            .modifications
            .iter()
            .filter_map(|r| {
                r.invoice
                    .modification
                    .as_ref()
                    .map(|m| m.modification_index)
            })
            .collect();
        let max = have.iter().copied().max().unwrap_or(0);
        (1..=max).filter(|i| !have.contains(i)).collect()
    }
}
