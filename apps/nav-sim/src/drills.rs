//! The listing drills: which invoices NAV lists late, never serves, or backfills into a past
//! period. Each is decided per invoice from the run's seed and the invoice's identity, and
//! released by how many digest queries the simulator has answered, never by the clock, so a
//! test replays them exactly.

use chrono::{DateTime, Utc};

use crate::config::Faults;
use crate::rng::Rng;
use crate::store::StoredInvoice;

/// Salts, so each drill picks its own invoices.
const LATE: u64 = 0x1A7E;
const NEVER: u64 = 0x0DEAD;
const WRONG_HASH: u64 = 0x0BAD_4A54;
const RESUBMIT: u64 = 0x2E5B;
const DUPLICATE: u64 = 0xD0B1;

/// A past period NAV fills in late: every invoice with an `insDate` in `[from, to)` stays out
/// of the digests until the simulator has answered `after` digest queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backfill {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub after: u64,
}

/// An invoice's identity for the drills: supplier tax number and invoice number (both parties
/// see the same decision).
pub fn identity(s: &StoredInvoice) -> (String, String) {
    (
        s.supplier_id().map(|t| t.to_string()).unwrap_or_default(),
        s.invoice.invoice_number.to_string(),
    )
}

pub(crate) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn picked(seed: u64, salt: u64, share: f64, s: &StoredInvoice) -> bool {
    if share <= 0.0 {
        return false;
    }
    let (supplier, number) = identity(s);
    Rng::new(seed ^ fnv(&number) ^ fnv(&supplier))
        .fork(salt)
        .chance(share)
}

/// Whether the late-listing drill picks this invoice (listed only after
/// `Faults::late_listing_after` digest queries, with its old `insDate`).
pub fn listed_late(seed: u64, faults: &Faults, s: &StoredInvoice) -> bool {
    picked(seed, LATE, faults.late_listing_share, s)
}

/// Whether the backfill drill holds this invoice back.
pub fn backfilled(faults: &Faults, s: &StoredInvoice) -> bool {
    faults
        .backfill
        .is_some_and(|b| (b.from..b.to).contains(&s.ins_date))
}

/// Whether `queryInvoiceData` never returns this invoice, though the digests list it.
/// Whether the wrong-hash drill serves this invoice's `electronicInvoiceHash` corrupted.
pub fn wrong_hash(seed: u64, faults: &Faults, s: &StoredInvoice) -> bool {
    picked(seed, WRONG_HASH, faults.wrong_hash_share, s)
}

/// Whether the duplicate drill reports this invoice twice, neither annulled.
pub fn duplicated(seed: u64, faults: &Faults, s: &StoredInvoice) -> bool {
    picked(seed, DUPLICATE, faults.duplicate_share, s)
}

/// Whether the resubmission drill annuls and resubmits this invoice.
pub fn resubmitted(seed: u64, faults: &Faults, s: &StoredInvoice) -> bool {
    picked(seed, RESUBMIT, faults.resubmit_share, s)
}

/// The resubmission of `original` (a later report under the same number): a new
/// transactionId, an `insDate` halfway between the original's and `until`, a corrected first
/// line, listed from `faults.resubmit_after` on, when the original is annulled.
pub fn resubmission(
    original: &mut StoredInvoice,
    until: DateTime<Utc>,
    faults: &Faults,
) -> StoredInvoice {
    use chrono::SubsecRound;
    let mut again = original.clone();
    again.transaction_id = format!("RESUB{}", original.transaction_id);
    again.ins_date = (original.ins_date + (until - original.ins_date) / 2).trunc_subsecs(3);
    if let Some(line) = again.invoice.lines.first_mut() {
        line.description = Some(format!(
            "{} (corrected)",
            line.description.as_deref().unwrap_or("item")
        ));
    }
    again.document = None;
    again.listed_after = faults.resubmit_after;
    original.annulled_after = Some(faults.resubmit_after);
    again
}

pub fn never_fetchable(seed: u64, faults: &Faults, s: &StoredInvoice) -> bool {
    picked(seed, NEVER, faults.never_fetchable_share, s)
}

/// Whether a digest query, answered after `answered` earlier ones, leaves this invoice out.
pub fn unlisted(seed: u64, faults: &Faults, s: &StoredInvoice, answered: u64) -> bool {
    (answered < faults.late_listing_after && listed_late(seed, faults, s))
        || faults
            .backfill
            .is_some_and(|b| answered < b.after && backfilled(faults, s))
}
