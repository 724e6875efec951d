//! Which `insDate` windows a sync queries.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::lookback::Lookback;

/// A half-open range of NAV receipt times, `[from, to)`. NAV's `insDate` bounds are inclusive
/// with millisecond precision, so the NAV adapter asks for `from ..= to - 1 ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    /// NAV refuses a digest query over more than 35 days.
    pub const MAX_SPAN: TimeDelta = TimeDelta::days(35);

    /// The inclusive upper bound to send to NAV.
    pub fn last_millisecond(&self) -> DateTime<Utc> {
        self.to - TimeDelta::milliseconds(1)
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }
}

/// Where a sync starts: the watermark when there is one, otherwise `now - lookback`. A
/// `rescan` (an on-demand "look back N days again") starts at the earlier of the two, so it
/// re-checks the last days without ever skipping what lies between.
pub fn sync_start(
    now: DateTime<Utc>,
    lookback: Lookback,
    watermark: Option<DateTime<Utc>>,
    rescan: bool,
) -> DateTime<Utc> {
    let lookback_start = now - lookback.duration();
    match watermark {
        None => lookback_start,
        Some(w) if rescan => w.min(lookback_start),
        Some(w) => w,
    }
}

/// The windows from `start` up to `end`: contiguous, no gap, no overlap, each at most
/// [`Window::MAX_SPAN`], all but the last exactly that long. Empty when `start >= end`.
///
/// `end` is `now` less a settle time: NAV lists an invoice only once it has processed it, a
/// little after its `insDate`, so a window that ends right at `now` could close over an invoice
/// NAV has not listed yet, and the watermark would pass it for good.
pub fn plan_windows(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<Window> {
    let mut windows = Vec::new();
    let mut from = start;
    while from < end {
        let to = (from + Window::MAX_SPAN).min(end);
        windows.push(Window { from, to });
        from = to;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
            + TimeDelta::days(i64::from(d) - 1)
            + TimeDelta::hours(i64::from(h))
    }

    #[test]
    fn first_sync_looks_back_and_fits_one_window() {
        let now = t(31, 12);
        let start = sync_start(now, Lookback::try_from(30).unwrap(), None, false);
        assert_eq!(start, t(1, 12));
        let windows = plan_windows(start, now);
        assert_eq!(
            windows,
            vec![Window {
                from: t(1, 12),
                to: now
            }]
        );
    }

    #[test]
    fn incremental_sync_starts_at_the_watermark() {
        let now = t(20, 0);
        let start = sync_start(now, Lookback::try_from(3).unwrap(), Some(t(19, 6)), false);
        assert_eq!(
            plan_windows(start, now),
            vec![Window {
                from: t(19, 6),
                to: now
            }]
        );
    }

    #[test]
    fn a_long_outage_is_split_into_35_day_windows() {
        let watermark = t(1, 0);
        let now = watermark + TimeDelta::days(100) + TimeDelta::minutes(7);
        let windows = plan_windows(
            sync_start(now, Lookback::try_from(1).unwrap(), Some(watermark), false),
            now,
        );
        // Day 1 + 35 = day 36 (5 Feb), + 35 = day 71 (11 Mar); the rest up to now.
        let feb_5 = Utc.with_ymd_and_hms(2024, 2, 5, 0, 0, 0).unwrap();
        let mar_11 = Utc.with_ymd_and_hms(2024, 3, 11, 0, 0, 0).unwrap();
        let apr_10 = Utc.with_ymd_and_hms(2024, 4, 10, 0, 7, 0).unwrap();
        assert_eq!(now, apr_10);
        assert_eq!(
            windows,
            vec![
                Window {
                    from: watermark,
                    to: feb_5
                },
                Window {
                    from: feb_5,
                    to: mar_11
                },
                Window {
                    from: mar_11,
                    to: apr_10
                },
            ]
        );
    }

    #[test]
    fn rescan_reaches_back_but_never_skips_past_an_older_watermark() {
        let now = t(30, 0);
        let lb = Lookback::try_from(5).unwrap();
        assert_eq!(sync_start(now, lb, Some(t(29, 0)), true), t(25, 0));
        assert_eq!(sync_start(now, lb, Some(t(2, 0)), true), t(2, 0));
    }

    #[test]
    fn nothing_to_do_when_start_is_not_before_end() {
        assert!(plan_windows(t(5, 0), t(5, 0)).is_empty());
        assert!(plan_windows(t(6, 0), t(5, 0)).is_empty());
    }

    #[test]
    fn nav_bound_is_inclusive_one_millisecond_before_the_next_window() {
        let w = Window {
            from: t(1, 0),
            to: t(2, 0),
        };
        assert_eq!(
            w.last_millisecond(),
            Utc.with_ymd_and_hms(2024, 1, 1, 23, 59, 59).unwrap() + TimeDelta::milliseconds(999)
        );
        assert!(w.contains(t(1, 0)));
        assert!(w.contains(w.last_millisecond()));
        assert!(!w.contains(t(2, 0)));
        assert!(!w.contains(t(1, 0) - TimeDelta::milliseconds(1)));
    }
}
