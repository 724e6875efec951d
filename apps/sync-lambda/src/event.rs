//! The invocation payload, from the EventBridge Scheduler schedule or an on-demand invoke: the
//! domain's [`SyncCommand`], the one type "sync now" in the API Lambda serializes.

pub use navsync_domain::command::SyncCommand;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sync event: {0}")]
pub struct EventError(pub String);

/// Parses and checks a raw payload; the error says which field to fix.
pub fn parse(value: serde_json::Value) -> Result<SyncCommand, EventError> {
    let command: SyncCommand =
        serde_json::from_value(value).map_err(|e| EventError(e.to_string()))?;
    command.validate().map_err(|e| EventError(e.0))?;
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use navsync_domain::Direction;
    use serde_json::json;

    #[test]
    fn a_scheduler_payload_parses_with_defaults() {
        let e = parse(json!({"taxpayers": ["12345676"]})).unwrap();
        assert_eq!(e.taxpayers, vec!["12345676".parse().unwrap()]);
        assert_eq!(e.directions(), Direction::BOTH.to_vec());
        assert_eq!(e.lookback_days, None);
        assert!(!e.rescan);
    }

    #[test]
    fn overrides_parse() {
        let e = parse(json!({
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
            let err = parse(payload.clone()).unwrap_err().to_string();
            assert!(err.contains(hint), "{payload}: {err}");
        }
    }
}
