//! Sync state per taxpayer and direction, and when the watermark may move.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::invoice::Direction;
use crate::tax_number::TaxpayerId;

use super::window::Window;

/// What is stored about syncing one taxpayer in one direction.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncState {
    /// Every invoice NAV received before this instant is stored or quarantined (pending).
    pub watermark: Option<DateTime<Utc>>,
    pub last_run: Option<RunRecord>,
}

/// How one run of one taxpayer and direction ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub report: DirectionReport,
    /// Why the run did not finish, with NAV's errorCode where there was one.
    pub error: Option<String>,
}

/// The counts a run reports for one taxpayer and direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectionReport {
    pub taxpayer: TaxpayerId,
    pub direction: Direction,
    pub windows_planned: u32,
    pub windows_completed: u32,
    pub pages: u32,
    /// Digests NAV listed.
    pub listed: u64,
    /// Invoices fetched, archived and stored by this run.
    pub new: u64,
    pub already_stored: u64,
    /// Of `new`, the MODIFY and STORNO invoices.
    pub modifications: u64,
    /// Listed, but NAV returned no document, or none that could be read: quarantined by this
    /// run (or failed again), retried by later runs with backoff.
    pub unavailable: u64,
    /// Quarantined invoices this run fetched and stored after all.
    #[serde(default)]
    pub recovered: u64,
    /// Invoices quarantined for this taxpayer and direction after the run.
    #[serde(default)]
    pub pending: u64,
    /// Of `new`, invoices NAV received before the watermark the run started from: listed late,
    /// found by the trailing re-check or a rescan.
    #[serde(default)]
    pub late: u64,
    /// Of `new`, versions stored beside another version of the same invoice: resubmissions
    /// after a technical annulment (see [`crate::InvoiceId`]).
    #[serde(default)]
    pub resubmissions: u64,
    /// Listed reports NAV no longer serves because a later report of the same invoice replaced
    /// them (NAV served that one instead); nothing to store for them.
    #[serde(default)]
    pub superseded_unserved: u64,
    /// Of `digest_calls`, those re-listing the trailing period behind the watermark.
    #[serde(default)]
    pub recheck_digest_calls: u64,
    pub digest_calls: u64,
    pub data_calls: u64,
    pub watermark_before: Option<DateTime<Utc>>,
    pub watermark_after: Option<DateTime<Utc>>,
    /// The run stopped at its deadline; the next resumes from `watermark_after`.
    pub stopped_at_deadline: bool,
    pub duration_ms: u64,
}

impl DirectionReport {
    pub fn new(
        taxpayer: TaxpayerId,
        direction: Direction,
        watermark: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            taxpayer,
            direction,
            windows_planned: 0,
            windows_completed: 0,
            pages: 0,
            listed: 0,
            new: 0,
            already_stored: 0,
            modifications: 0,
            unavailable: 0,
            recovered: 0,
            pending: 0,
            late: 0,
            resubmissions: 0,
            superseded_unserved: 0,
            recheck_digest_calls: 0,
            digest_calls: 0,
            data_calls: 0,
            watermark_before: watermark,
            watermark_after: watermark,
            stopped_at_deadline: false,
            duration_ms: 0,
        }
    }
}

/// Tally of one window, telling whether the watermark may pass it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowProgress {
    pub pages_seen: u32,
    pub available_pages: u32,
    pub listed: u64,
    /// Listed digests that are now stored (by this run or an earlier one) or quarantined.
    pub settled: u64,
    pub interrupted: bool,
}

impl WindowProgress {
    /// The watermark may move to the window's end only when every page was read and every
    /// invoice it listed is stored or quarantined: otherwise a later run would never look at the
    /// rest. A quarantined invoice is retried from the pending list, so it need not hold it.
    pub fn complete(&self) -> bool {
        !self.interrupted && self.pages_seen >= self.available_pages && self.settled == self.listed
    }
}

/// The watermark after a window: its end when complete and the watermark stood at its start.
pub fn advanced_watermark(
    watermark: Option<DateTime<Utc>>,
    window: &Window,
    progress: &WindowProgress,
) -> Option<DateTime<Utc>> {
    let contiguous = watermark.is_none_or(|w| w >= window.from);
    if progress.complete() && contiguous {
        Some(watermark.map_or(window.to, |w| w.max(window.to)))
    } else {
        watermark
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window() -> Window {
        Window {
            from: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap(),
        }
    }

    fn progress(settled: u64) -> WindowProgress {
        WindowProgress {
            pages_seen: 2,
            available_pages: 2,
            listed: 150,
            settled,
            interrupted: false,
        }
    }

    #[test]
    fn advances_only_when_every_listed_invoice_is_stored() {
        let w = window();
        assert_eq!(
            advanced_watermark(Some(w.from), &w, &progress(150)),
            Some(w.to)
        );
        assert_eq!(
            advanced_watermark(Some(w.from), &w, &progress(149)),
            Some(w.from)
        );
        assert_eq!(advanced_watermark(None, &w, &progress(150)), Some(w.to));
    }

    #[test]
    fn an_unread_page_or_an_interruption_holds_it() {
        let w = window();
        let unread = WindowProgress {
            pages_seen: 1,
            ..progress(150)
        };
        assert_eq!(advanced_watermark(Some(w.from), &w, &unread), Some(w.from));
        let cut = WindowProgress {
            interrupted: true,
            ..progress(150)
        };
        assert_eq!(advanced_watermark(Some(w.from), &w, &cut), Some(w.from));
    }

    #[test]
    fn never_jumps_a_gap_or_moves_back() {
        let w = window();
        let before = w.from - chrono::TimeDelta::hours(1);
        assert_eq!(
            advanced_watermark(Some(before), &w, &progress(150)),
            Some(before)
        );
        let later = w.to + chrono::TimeDelta::hours(1);
        assert_eq!(
            advanced_watermark(Some(later), &w, &progress(150)),
            Some(later)
        );
    }

    #[test]
    fn an_empty_window_is_complete() {
        let w = window();
        let empty = WindowProgress {
            pages_seen: 1,
            available_pages: 1,
            ..Default::default()
        };
        assert_eq!(advanced_watermark(Some(w.from), &w, &empty), Some(w.to));
    }
}

/// What a run says of one taxpayer and direction: the counts, NAV calls and retries, and the
/// error with NAV's errorCode. The Lambda logs it as one JSON line; `navsync sync` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    #[serde(flatten)]
    pub report: DirectionReport,
    pub nav_calls: u64,
    pub nav_retries: u64,
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub retryable: Option<bool>,
}

impl RunSummary {
    pub fn new(outcome: &super::TaxpayerOutcome, nav_retries: u64) -> Self {
        let report = outcome.report.clone();
        Self {
            nav_calls: report.digest_calls + report.data_calls,
            nav_retries,
            error: outcome.error.as_ref().map(ToString::to_string),
            error_code: outcome
                .error
                .as_ref()
                .and_then(|e| e.nav_code().map(str::to_owned)),
            retryable: outcome.error.as_ref().map(|e| e.is_retryable()),
            report,
        }
    }
}
