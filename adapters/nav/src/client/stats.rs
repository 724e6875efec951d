//! Counters of the calls the client made, per operation, for run reports.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use super::concurrency::ConcurrencyStats;
use super::request::Operation;

/// What one operation cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OperationStats {
    /// HTTP requests sent, retries included.
    pub calls: u64,
    /// Of those, the ones that repeated a failed request.
    pub retries: u64,
    /// Operations that failed for good (after their retries).
    pub failures: u64,
}

/// A snapshot of [`super::NavClient::stats`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientStats {
    pub by_operation: BTreeMap<Operation, OperationStats>,
    /// The concurrency limit now, the most requests in flight at once, and the limit's cuts.
    pub concurrency: ConcurrencyStats,
}

impl ClientStats {
    pub fn operation(&self, op: Operation) -> OperationStats {
        self.by_operation.get(&op).copied().unwrap_or_default()
    }

    pub fn total(&self) -> OperationStats {
        self.by_operation
            .values()
            .fold(OperationStats::default(), |a, s| OperationStats {
                calls: a.calls + s.calls,
                retries: a.retries + s.retries,
                failures: a.failures + s.failures,
            })
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    calls: [AtomicU64; Operation::ALL.len()],
    retries: [AtomicU64; Operation::ALL.len()],
    failures: [AtomicU64; Operation::ALL.len()],
}

impl Counters {
    pub fn call(&self, op: Operation, retry: bool) {
        self.calls[op.index()].fetch_add(1, Ordering::Relaxed);
        if retry {
            self.retries[op.index()].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn failure(&self, op: Operation) {
        self.failures[op.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> ClientStats {
        let by_operation = Operation::ALL
            .iter()
            .map(|&op| {
                let i = op.index();
                let s = OperationStats {
                    calls: self.calls[i].load(Ordering::Relaxed),
                    retries: self.retries[i].load(Ordering::Relaxed),
                    failures: self.failures[i].load(Ordering::Relaxed),
                };
                (op, s)
            })
            .filter(|(_, s)| *s != OperationStats::default())
            .collect();
        ClientStats {
            by_operation,
            concurrency: ConcurrencyStats::default(),
        }
    }
}
