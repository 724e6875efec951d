//! Commands one part of a deployment sends another. One type per command, serialized by the
//! sender and parsed by the receiver, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

use crate::{Direction, Lookback, TaxpayerId};

/// "Sync these taxpayers": the sync Lambda's event, sent by its schedule and by "sync now".
///
/// ```json
/// {"taxpayers": ["12345676"], "lookback_days": 3, "directions": ["INBOUND"], "rescan": false}
/// ```
/// Only `taxpayers` is required; directions default to both, the lookback to the deployment's.
/// Unknown fields are refused by name, so a misspelt option is an error, not silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncCommand {
    pub taxpayers: Vec<TaxpayerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback_days: Option<Lookback>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directions: Option<Vec<Direction>>,
    /// Look back `lookback_days` again even where the watermark is later.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rescan: bool,
}

/// A command that parsed but cannot be carried out as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sync command: {0}")]
pub struct CommandError(pub String);

impl SyncCommand {
    /// "Sync now" for one taxpayer.
    pub fn on_demand(
        taxpayer: TaxpayerId,
        directions: Vec<Direction>,
        lookback: Option<Lookback>,
    ) -> Self {
        Self {
            taxpayers: vec![taxpayer],
            lookback_days: lookback,
            directions: Some(directions),
            rescan: false,
        }
    }

    /// Checks what serde cannot: the lists are not empty. The error says which field to fix.
    pub fn validate(&self) -> Result<(), CommandError> {
        if self.taxpayers.is_empty() {
            return Err(CommandError(
                "`taxpayers` must list at least one 8-digit tax number".into(),
            ));
        }
        if self.directions.as_ref().is_some_and(Vec::is_empty) {
            return Err(CommandError(
                "`directions` must be omitted (both) or list INBOUND and/or OUTBOUND".into(),
            ));
        }
        Ok(())
    }

    /// The directions to sync, each once, in order; both when none were named.
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

    fn taxpayer() -> TaxpayerId {
        "12345676".parse().unwrap()
    }

    #[test]
    fn on_demand_serializes_to_the_documented_shape_and_back() {
        let cmd = SyncCommand::on_demand(
            taxpayer(),
            vec![Direction::Inbound],
            Some(Lookback::try_from(5).unwrap()),
        );
        let value = serde_json::to_value(&cmd).unwrap();
        assert_eq!(
            value,
            json!({"taxpayers": ["12345676"], "directions": ["INBOUND"], "lookback_days": 5})
        );
        assert_eq!(serde_json::from_value::<SyncCommand>(value).unwrap(), cmd);
        let plain = SyncCommand::on_demand(taxpayer(), Direction::BOTH.to_vec(), None);
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            json!({"taxpayers": ["12345676"], "directions": ["INBOUND", "OUTBOUND"]})
        );
    }

    #[test]
    fn a_scheduler_payload_parses_with_defaults() {
        let c: SyncCommand = serde_json::from_value(json!({"taxpayers": ["12345676"]})).unwrap();
        c.validate().unwrap();
        assert_eq!(c.taxpayers, vec![taxpayer()]);
        assert_eq!(c.directions(), Direction::BOTH.to_vec());
        assert_eq!((c.lookback_days, c.rescan), (None, false));
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let err = serde_json::from_value::<SyncCommand>(
            json!({"taxpayers": ["12345676"], "lookback": 3}),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `lookback`"), "{err}");
    }

    #[test]
    fn empty_lists_name_the_field() {
        let none: SyncCommand = serde_json::from_value(json!({"taxpayers": []})).unwrap();
        assert!(
            none.validate()
                .unwrap_err()
                .to_string()
                .contains("taxpayers")
        );
        let no_direction: SyncCommand =
            serde_json::from_value(json!({"taxpayers": ["12345676"], "directions": []})).unwrap();
        assert!(
            no_direction
                .validate()
                .unwrap_err()
                .to_string()
                .contains("directions")
        );
    }
}
