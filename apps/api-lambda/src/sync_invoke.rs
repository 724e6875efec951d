//! "Sync now" in AWS: an asynchronous invocation of the sync Lambda with the event its
//! schedule sends, the domain's [`SyncCommand`] (the type the sync Lambda parses).

use async_trait::async_trait;
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use navsync_api::{SyncRequest, SyncStarted, SyncTrigger, TriggerError};
use navsync_domain::command::SyncCommand;

pub struct InvokeSyncLambda {
    client: aws_sdk_lambda::Client,
    function: String,
}

impl InvokeSyncLambda {
    pub fn new(client: aws_sdk_lambda::Client, function: impl Into<String>) -> Self {
        Self {
            client,
            function: function.into(),
        }
    }
}

/// The sync Lambda's event for `request`.
pub fn event(request: &SyncRequest) -> SyncCommand {
    SyncCommand::on_demand(
        request.taxpayer,
        request.directions.clone(),
        request.lookback,
    )
}

#[async_trait]
impl SyncTrigger for InvokeSyncLambda {
    async fn trigger(&self, request: &SyncRequest) -> Result<SyncStarted, TriggerError> {
        let payload = serde_json::to_vec(&event(request))
            .map_err(|e| TriggerError::Unavailable(format!("sync event: {e}")))?;
        let out = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| {
                // Throttling, a missing function or permission: none is the caller's to fix.
                TriggerError::Unavailable(format!(
                    "invoke {}: {}",
                    self.function,
                    aws_sdk_lambda::error::DisplayErrorContext(e)
                ))
            })?;
        if out.status_code() != 202 {
            return Err(TriggerError::Unavailable(format!(
                "invoke {} answered status {}",
                self.function,
                out.status_code()
            )));
        }
        Ok(SyncStarted {
            reference: out.request_id().map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use navsync_domain::{Direction, Lookback};
    use serde_json::json;

    #[test]
    fn the_event_is_the_schedules_shape() {
        let req = SyncRequest {
            taxpayer: "12345676".parse().unwrap(),
            directions: vec![Direction::Inbound],
            lookback: Some(Lookback::try_from(5).unwrap()),
        };
        assert_eq!(
            serde_json::to_value(event(&req)).unwrap(),
            json!({"taxpayers": ["12345676"], "directions": ["INBOUND"], "lookback_days": 5})
        );
    }
}
