//! The invocation payload, from the EventBridge Scheduler schedule or an on-demand invoke.
//!
//! ```json
//! {"taxpayers": ["12345676"], "lookback_days": 3, "directions": ["INBOUND"], "rescan": false}
//! ```
//! Only `taxpayers` is required; directions default to both, the lookback to the deployment's.

use navsync_domain::{Direction, Lookback, TaxpayerId};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncEvent {
    pub taxpayers: Vec<TaxpayerId>,
    #[serde(default)]
    pub lookback_days: Option<Lookback>,
    #[serde(default)]
    pub directions: Option<Vec<Direction>>,
    /// Look back `lookback_days` again even where the watermark is later.
    #[serde(default)]
    pub rescan: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sync event: {0}")]
pub struct EventError(pub String);

impl SyncEvent {
    /// Parses and checks a raw payload; the error says which field to fix.
    pub fn from_value(value: serde_json::Value) -> Result<Self, EventError> {
        let event: SyncEvent =
            serde_json::from_value(value).map_err(|e| EventError(e.to_string()))?;
        if event.taxpayers.is_empty() {
            return Err(EventError(
                "`taxpayers` must list at least one 8-digit tax number".into(),
            ));
        }
        if event.directions.as_ref().is_some_and(Vec::is_empty) {
            return Err(EventError(
                "`directions` must be omitted (both) or list INBOUND and/or OUTBOUND".into(),
            ));
        }
        Ok(event)
    }

    pub fn directions(&self) -> Vec<Direction> {
        let mut directions = self
            .directions
            .clone()
            .unwrap_or_else(|| Direction::BOTH.to_vec());
        directions.sort();
        directions.dedup();
        directions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_scheduler_payload_parses_with_defaults() {
        let e = SyncEvent::from_value(json!({"taxpayers": ["12345676"]})).unwrap();
        assert_eq!(e.taxpayers, vec!["12345676".parse().unwrap()]);
        assert_eq!(e.directions(), Direction::BOTH.to_vec());
        assert_eq!(e.lookback_days, None);
        assert!(!e.rescan);
    }

    #[test]
    fn overrides_parse() {
        let e = SyncEvent::from_value(json!({
            "taxpayers": ["12345676", "99999999"], "lookback_days": 30,
            "directions": ["OUTBOUND", "OUTBOUND"], "rescan": true
        }))
        .unwrap();
        assert_eq!(e.lookback_days.unwrap().days(), 30);
        assert_eq!(e.directions(), vec![Direction::Outbound]);
        assert!(e.rescan);
    }

    #[test]
    fn bad_payloads_name_what_to_fix() {
        let cases = [
            (json!({}), "taxpayers"),
            (json!({"taxpayers": []}), "at least one"),
            (json!({"taxpayers": ["12345678"]}), "check digit"),
            (
                json!({"taxpayers": ["12345676"], "lookback_days": 31}),
                "1 to 30",
            ),
            (
                json!({"taxpayers": ["12345676"], "directions": ["SIDEWAYS"]}),
                "INBOUND",
            ),
            (
                json!({"taxpayers": ["12345676"], "directions": []}),
                "directions",
            ),
            (
                json!({"taxpayers": ["12345676"], "lookback": 3}),
                "lookback",
            ),
        ];
        for (payload, hint) in cases {
            let err = SyncEvent::from_value(payload.clone())
                .unwrap_err()
                .to_string();
            assert!(err.contains(hint), "{payload}: {err}");
        }
    }
}
