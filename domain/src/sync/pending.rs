//! Invoices NAV lists but that cannot be stored yet: quarantined, retried with backoff, and
//! never allowed to hold the watermark, so one odd invoice cannot stop the sync of the others.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::invoice::{InvoiceDigest, InvoiceKey};
use crate::ports::NavError;

/// A listed invoice whose document could not be fetched or read, with why and when to try again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingInvoice {
    pub key: InvoiceKey,
    /// What NAV listed, so a retry needs no new listing.
    pub digest: InvoiceDigest,
    /// The last failure, at most [`PendingInvoice::MAX_REASON`] characters.
    pub reason: String,
    pub attempts: u32,
    pub first_failed_at: DateTime<Utc>,
    pub last_failed_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
}

impl PendingInvoice {
    /// The reason comes from a third party's document; it is cut so it cannot bloat a record.
    pub const MAX_REASON: usize = 500;
    /// The first retry waits this long; each further one twice as long, up to [`Self::MAX_BACKOFF`].
    pub const FIRST_BACKOFF: TimeDelta = TimeDelta::minutes(15);
    pub const MAX_BACKOFF: TimeDelta = TimeDelta::days(1);

    /// A first failure at `now`.
    pub fn new(
        key: InvoiceKey,
        digest: InvoiceDigest,
        error: &NavError,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            key,
            digest,
            reason: bounded_reason(error),
            attempts: 1,
            first_failed_at: now,
            last_failed_at: now,
            next_attempt_at: now + backoff(1),
        }
    }

    /// The same invoice failing again at `now`.
    pub fn failed_again(&self, error: &NavError, now: DateTime<Utc>) -> Self {
        let attempts = self.attempts.saturating_add(1);
        Self {
            reason: bounded_reason(error),
            attempts,
            last_failed_at: now,
            next_attempt_at: now + backoff(attempts),
            ..self.clone()
        }
    }

    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.next_attempt_at <= now
    }
}

/// How long to wait after the `attempts`-th failure: 15 min, 30 min, 1 h, … capped at a day,
/// so an invoice NAV never serves costs one data call a day.
pub fn backoff(attempts: u32) -> TimeDelta {
    let doublings = attempts.saturating_sub(1).min(16);
    (PendingInvoice::FIRST_BACKOFF * (1 << doublings)).min(PendingInvoice::MAX_BACKOFF)
}

/// Whether a failed `queryInvoiceData` concerns only that invoice (quarantine it and go on) or
/// NAV as a whole (stop the run, keep the watermark, try again later, and do not hammer).
pub fn concerns_only_the_invoice(error: &NavError) -> bool {
    !matches!(error, NavError::Unavailable { .. })
}

fn bounded_reason(error: &NavError) -> String {
    let reason = error.to_string();
    match reason.char_indices().nth(PendingInvoice::MAX_REASON) {
        Some((cut, _)) => format!("{}…", &reason[..cut]),
        None => reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::Direction;
    use crate::sample::record;
    use chrono::TimeZone;

    #[test]
    fn backoff_doubles_from_a_quarter_hour_to_a_day() {
        let minutes: Vec<i64> = (1..=9).map(|a| backoff(a).num_minutes()).collect();
        assert_eq!(minutes, [15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
        assert_eq!(backoff(u32::MAX), TimeDelta::days(1));
    }

    #[test]
    fn each_failure_counts_and_pushes_the_next_attempt_out() {
        let r = record(Direction::Inbound, "B-1");
        let t0 = Utc.with_ymd_and_hms(2024, 5, 10, 8, 0, 0).unwrap();
        let first = PendingInvoice::new(r.key, r.digest, &NavError::NotFound("B-1".into()), t0);
        assert_eq!(first.next_attempt_at, t0 + TimeDelta::minutes(15));
        assert!(!first.is_due(t0 + TimeDelta::minutes(14)));
        assert!(first.is_due(t0 + TimeDelta::minutes(15)));

        let t1 = t0 + TimeDelta::hours(1);
        let second = first.failed_again(&NavError::InvalidDocument("not XML".into()), t1);
        assert_eq!(second.attempts, 2);
        assert_eq!(second.first_failed_at, t0);
        assert_eq!(second.next_attempt_at, t1 + TimeDelta::minutes(30));
        assert_eq!(second.reason, "invalid invoice document: not XML");
    }

    #[test]
    fn a_reason_from_a_hostile_document_is_cut() {
        let r = record(Direction::Inbound, "B-1");
        let huge = NavError::InvalidDocument("ő".repeat(100_000));
        let p = PendingInvoice::new(r.key, r.digest, &huge, Utc::now());
        assert_eq!(p.reason.chars().count(), PendingInvoice::MAX_REASON + 1);
        assert!(p.reason.ends_with('…'));
    }

    #[test]
    fn only_nav_being_unavailable_stops_the_run() {
        assert!(concerns_only_the_invoice(&NavError::NotFound("x".into())));
        assert!(concerns_only_the_invoice(&NavError::InvalidDocument(
            "x".into()
        )));
        assert!(concerns_only_the_invoice(&NavError::Rejected {
            code: "INVALID_REQUEST".into(),
            message: "invoiceNumber".into()
        }));
        assert!(!concerns_only_the_invoice(&NavError::Unavailable {
            code: Some("OPERATION_FAILED".into()),
            message: "busy".into()
        }));
    }
}
