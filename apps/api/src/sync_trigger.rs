//! "Sync now": the port the API uses to start a sync. The Lambda deployment invokes the sync
//! Lambda asynchronously; the local server runs a sync in-process.

use async_trait::async_trait;
use navsync_domain::{Direction, Lookback, TaxpayerId};

use crate::problem::Problem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    pub taxpayer: TaxpayerId,
    /// Never empty.
    pub directions: Vec<Direction>,
    /// `None`: the deployment's default lookback.
    pub lookback: Option<Lookback>,
}

/// What the trigger says about the run it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStarted {
    /// An id to find the run by (e.g. the Lambda invocation's request id), where there is one.
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    /// A sync of this taxpayer is running already (409).
    #[error("a sync of this taxpayer is already running")]
    AlreadyRunning,
    /// This deployment has no way to start a sync (409: the request conflicts with how it is set
    /// up; not a 5xx, since nothing failed).
    #[error("this deployment cannot start a sync on request")]
    Disabled,
    /// The trigger refused the request for a reason that retrying will not fix, e.g. the
    /// taxpayer has no NAV credentials configured (409, with the reason).
    #[error("{0}")]
    Refused(String),
    /// The sync could not be started now; retrying may help (503).
    #[error("could not start the sync: {0}")]
    Unavailable(String),
}

impl From<TriggerError> for Problem {
    fn from(e: TriggerError) -> Self {
        match e {
            TriggerError::AlreadyRunning | TriggerError::Refused(_) | TriggerError::Disabled => {
                Problem::conflict(e.to_string())
            }
            TriggerError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "sync trigger unavailable");
                Problem::unavailable("the sync could not be started now; try again", 30)
            }
        }
    }
}

/// Starts a sync; returns once it is started (or, for in-process runners, done).
#[async_trait]
pub trait SyncTrigger: Send + Sync {
    /// Errors: [`TriggerError::AlreadyRunning`], [`TriggerError::Refused`] (do not retry);
    /// [`TriggerError::Unavailable`] (retry later); [`TriggerError::Disabled`].
    async fn trigger(&self, request: &SyncRequest) -> Result<SyncStarted, TriggerError>;
}

/// For deployments without "sync now": every trigger answers [`TriggerError::Disabled`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSyncTrigger;

#[async_trait]
impl SyncTrigger for NoSyncTrigger {
    async fn trigger(&self, _: &SyncRequest) -> Result<SyncStarted, TriggerError> {
        Err(TriggerError::Disabled)
    }
}
