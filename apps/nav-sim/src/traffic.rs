//! NAV's traffic restriction (spec 1.6.11): one request per second per IP address on the
//! restricted endpoints; each further request is delayed 4 s more than the one before it, and
//! one that would wait past 60 s is dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

// tokio's clock, so tests can pause and advance it.
use tokio::time::Instant;

pub const WINDOW: Duration = Duration::from_secs(1);
pub const STEP: Duration = Duration::from_secs(4);
pub const MAX_QUEUE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Now,
    /// Penalised: held back this long before it is processed.
    Delayed(Duration),
    /// Penalised past the 60 s threshold: terminated without an answer.
    Dropped,
}

#[derive(Default)]
struct Lane {
    last_arrival: Option<Instant>,
    delay: Duration,
}

#[derive(Default)]
pub struct TrafficRestriction {
    lanes: HashMap<IpAddr, Lane>,
}

impl TrafficRestriction {
    /// Decides a request from `ip` arriving at `now`. A request is in excess when it arrives
    /// within a second of the previous one from that address; the delay grows by 4 s with each
    /// excess request in a row and falls back to zero once the client keeps its distance.
    pub fn admit(&mut self, ip: IpAddr, now: Instant) -> Admission {
        let lane = self.lanes.entry(ip).or_default();
        let excess = lane
            .last_arrival
            .is_some_and(|prev| now.saturating_duration_since(prev) < WINDOW);
        lane.last_arrival = Some(now);
        if !excess {
            lane.delay = Duration::ZERO;
            return Admission::Now;
        }
        let delay = lane.delay + STEP;
        if delay > MAX_QUEUE {
            return Admission::Dropped;
        }
        lane.delay = delay;
        Admission::Delayed(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paced_requests_pass_and_bursts_queue_up_then_drop() {
        let ip: IpAddr = [127, 0, 0, 1].into();
        let mut t = TrafficRestriction::default();
        let start = Instant::now();
        for i in 0..5 {
            let at = start + Duration::from_millis(1010 * i);
            assert_eq!(t.admit(ip, at), Admission::Now);
        }
        let burst = start + Duration::from_secs(10);
        assert_eq!(t.admit(ip, burst), Admission::Now);
        for k in 1..=15 {
            let at = burst + Duration::from_millis(10 * k);
            assert_eq!(t.admit(ip, at), Admission::Delayed(STEP * k as u32));
        }
        assert_eq!(
            t.admit(ip, burst + Duration::from_millis(200)),
            Admission::Dropped
        );
        // Another address is not affected, and a pause resets the lane.
        assert_eq!(t.admit([10, 0, 0, 1].into(), burst), Admission::Now);
        assert_eq!(t.admit(ip, burst + Duration::from_secs(3)), Admission::Now);
    }
}
