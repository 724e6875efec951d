//! How far back a first sync looks: 1 to 30 days.

use std::fmt;
use std::str::FromStr;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lookback must be a whole number of days from 1 to 30, got {0:?}")]
pub struct LookbackError(pub String);

/// A lookback of 1–30 days; other values cannot be constructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Lookback(u8);

impl Lookback {
    pub const MIN_DAYS: u32 = 1;
    pub const MAX_DAYS: u32 = 30;

    pub fn days(self) -> u32 {
        u32::from(self.0)
    }

    pub fn duration(self) -> TimeDelta {
        TimeDelta::days(i64::from(self.0))
    }
}

impl TryFrom<u32> for Lookback {
    type Error = LookbackError;

    fn try_from(days: u32) -> Result<Self, Self::Error> {
        if (Self::MIN_DAYS..=Self::MAX_DAYS).contains(&days) {
            Ok(Self(days as u8))
        } else {
            Err(LookbackError(days.to_string()))
        }
    }
}

impl From<Lookback> for u32 {
    fn from(l: Lookback) -> u32 {
        l.days()
    }
}

impl FromStr for Lookback {
    type Err = LookbackError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u32>()
            .map_err(|_| LookbackError(s.to_owned()))
            .and_then(Self::try_from)
    }
}

impl fmt::Display for Lookback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} days", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(Lookback::try_from(1).unwrap().days(), 1);
        assert_eq!(Lookback::try_from(30).unwrap().days(), 30);
        assert!(Lookback::try_from(0).is_err());
        assert!(Lookback::try_from(31).is_err());
        assert!("-3".parse::<Lookback>().is_err());
        assert_eq!(
            " 7 ".parse::<Lookback>().unwrap().duration(),
            TimeDelta::days(7)
        );
    }

    #[test]
    fn deserialising_enforces_the_range() {
        assert!(serde_json::from_str::<Lookback>("45").is_err());
        assert_eq!(serde_json::from_str::<Lookback>("3").unwrap().days(), 3);
    }
}
