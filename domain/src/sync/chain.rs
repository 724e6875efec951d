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
    /// is not fully synced yet. At most [`InvoiceChain::MAX_MISSING_LISTED`] of them, the lowest;
    /// [`InvoiceChain::missing_count`] tells how many in all. The index comes from a supplier's
    /// document (any `xs:int`), so nothing here is sized by it.
    pub fn missing_indexes(&self) -> Vec<u32> {
        let mut listed = Vec::new();
        self.for_each_gap(|from, to| {
            let room = Self::MAX_MISSING_LISTED - listed.len();
            listed.extend((from..to).take(room));
            listed.len() < Self::MAX_MISSING_LISTED
        });
        listed
    }

    /// How many modification indexes are missing between 1 and the highest stored.
    pub fn missing_count(&self) -> u64 {
        let mut count = 0;
        self.for_each_gap(|from, to| {
            count += u64::from(to - from);
            true
        });
        count
    }

    pub const MAX_MISSING_LISTED: usize = 20;

    /// Calls `f(from, to)` for each run `from..to` of missing indexes, lowest first, while it
    /// returns true; linear in the stored modifications.
    fn for_each_gap(&self, mut f: impl FnMut(u32, u32) -> bool) {
        let mut have: Vec<u32> = self
            .modifications
            .iter()
            .filter_map(|r| {
                r.invoice
                    .modification
                    .as_ref()
                    .map(|m| m.modification_index)
            })
            .filter(|&i| i >= 1)
            .collect();
        have.sort_unstable();
        have.dedup();
        let mut next = 1;
        for i in have {
            if i > next && !f(next, i) {
                return;
            }
            next = i.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::{Direction, InvoiceOperation::*};
    use crate::sample::{huf, modification, record};

    fn root() -> InvoiceNumber {
        "SZ/1".parse().unwrap()
    }

    #[test]
    fn a_chain_is_its_original_and_its_modifications_in_index_order() {
        let chain = InvoiceChain::build(
            root(),
            [
                modification("SZ/1", "SZ/1-M3", 3, Modify, 100),
                record(Direction::Outbound, "SZ/2"),
                modification("SZ/2", "SZ/2-M1", 1, Storno, -1270),
                modification("SZ/1", "SZ/1-M1", 1, Modify, -200),
                record(Direction::Outbound, "SZ/1"),
            ],
        );
        assert_eq!(
            chain.original.unwrap().invoice.invoice_number.as_str(),
            "SZ/1"
        );
        let numbers: Vec<&str> = chain
            .modifications
            .iter()
            .map(|r| r.invoice.invoice_number.as_str())
            .collect();
        assert_eq!(numbers, ["SZ/1-M1", "SZ/1-M3"]);
    }

    #[test]
    fn state_follows_the_last_modification() {
        let original = || record(Direction::Outbound, "SZ/1");
        let state = |records: Vec<InvoiceRecord>| InvoiceChain::build(root(), records).state();
        assert_eq!(state(vec![original()]), EffectiveState::Original);
        assert_eq!(
            state(vec![
                original(),
                modification("SZ/1", "M1", 1, Modify, -200)
            ]),
            EffectiveState::Modified
        );
        assert_eq!(
            state(vec![
                original(),
                modification("SZ/1", "M1", 1, Modify, -200),
                modification("SZ/1", "M2", 2, Storno, -1070),
            ]),
            EffectiveState::Cancelled
        );
        // A modification after a storno reinstates the invoice.
        assert_eq!(
            state(vec![
                modification("SZ/1", "M2", 2, Modify, 1270),
                original(),
                modification("SZ/1", "M1", 1, Storno, -1270),
            ]),
            EffectiveState::Modified
        );
        // A storno of an original that was never synced still cancels.
        assert_eq!(
            state(vec![modification("SZ/1", "M1", 1, Storno, -1270)]),
            EffectiveState::Cancelled
        );
    }

    #[test]
    fn effective_totals_add_each_difference_to_the_original() {
        let chain = InvoiceChain::build(
            root(),
            [
                record(Direction::Outbound, "SZ/1"),
                modification("SZ/1", "M1", 1, Modify, -200),
                modification("SZ/1", "M2", 2, Modify, 50),
            ],
        );
        assert_eq!(chain.effective_totals().gross_huf, huf(1120).gross_huf);
        assert_eq!(chain.effective_totals().gross_huf.to_string(), "1120");
    }

    #[test]
    fn a_huge_index_from_a_supplier_costs_nothing() {
        let chain = InvoiceChain::build(
            root(),
            [
                modification("SZ/1", "M1", 1, Modify, 1),
                modification("SZ/1", "MX", i32::MAX as u32, Modify, 1),
                modification("SZ/1", "MY", u32::MAX, Modify, 1),
            ],
        );
        assert_eq!(chain.missing_indexes(), (2..22).collect::<Vec<u32>>());
        assert_eq!(chain.missing_count(), u64::from(u32::MAX) - 3);
    }

    #[test]
    fn missing_indexes_are_the_gaps_below_the_highest_stored() {
        let gaps = |indexes: &[u32]| {
            let records = indexes
                .iter()
                .map(|&i| modification("SZ/1", &format!("M{i}"), i, Modify, 1));
            InvoiceChain::build(root(), records).missing_indexes()
        };
        assert_eq!(gaps(&[]), Vec::<u32>::new());
        assert_eq!(gaps(&[1, 2]), Vec::<u32>::new());
        assert_eq!(gaps(&[1, 3]), vec![2]);
        assert_eq!(gaps(&[4]), vec![1, 2, 3]);
        assert_eq!(gaps(&[5, 2]), vec![1, 3, 4]);
        assert_eq!(gaps(&[2, 2, 4]), vec![1, 3]);
        let count = |indexes: &[u32]| {
            let records = indexes
                .iter()
                .map(|&i| modification("SZ/1", &format!("M{i}"), i, Modify, 1));
            InvoiceChain::build(root(), records).missing_count()
        };
        assert_eq!(count(&[1, 3]), 1);
        assert_eq!(count(&[100]), 99);
    }
}
