//! What a run reports: one structured summary per taxpayer and direction, and an error that
//! Lambda (and the alarms on its Errors metric) sees when any part failed.

use lambda_runtime::Diagnostic;
use navsync_domain::sync::RunSummary;
use serde::Serialize;

/// One summary per taxpayer and direction: the domain's, logged as one JSON line.
pub type Summary = RunSummary;

/// The CloudWatch namespace and metric of the quarantined-invoice count; the Terraform's
/// `pending_invoices` alarm watches the same two names.
pub const METRIC_NAMESPACE: &str = "navsync";
pub const PENDING_METRIC: &str = "PendingInvoices";

/// Writes the summary as one JSON log line, at error level when the part failed, and its
/// metrics as one Embedded Metric Format line on stdout, which Lambda turns into CloudWatch
/// metrics without an API call or IAM permission.
pub fn log(summary: &Summary) {
    let json = serde_json::to_string(summary).unwrap_or_default();
    if summary.error.is_some() {
        tracing::error!(target: "navsync::sync::summary", summary = %json, "sync failed");
    } else {
        tracing::info!(target: "navsync::sync::summary", summary = %json, "sync done");
    }
    println!("{}", metrics_line(summary, chrono::Utc::now()));
}

/// The summary's metrics in Embedded Metric Format: per taxpayer and direction, and without
/// dimensions for one alarm over all of them.
pub fn metrics_line(summary: &Summary, at: chrono::DateTime<chrono::Utc>) -> String {
    let r = &summary.report;
    serde_json::json!({
        "_aws": {
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": [["Taxpayer", "Direction"], []],
                "Metrics": [
                    {"Name": PENDING_METRIC, "Unit": "Count"},
                    {"Name": "NewInvoices", "Unit": "Count"},
                    {"Name": "LateInvoices", "Unit": "Count"},
                    {"Name": "RecheckDigestCalls", "Unit": "Count"},
                ],
            }],
        },
        "Taxpayer": r.taxpayer.to_string(),
        "Direction": r.direction.as_str(),
        PENDING_METRIC: r.pending,
        "NewInvoices": r.new,
        "LateInvoices": r.late,
        "RecheckDigestCalls": r.recheck_digest_calls,
    })
    .to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncResponse {
    pub summaries: Vec<Summary>,
}

/// Why an invocation failed. The Lambda error type tells retryable from not, so a retry
/// policy or an operator can act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncLambdaError {
    #[error(transparent)]
    BadEvent(#[from] crate::event::EventError),
    #[error("{0}")]
    Config(String),
    /// At least one taxpayer and direction failed; the others completed.
    #[error("sync failed for {}", .failures.join("; "))]
    Failed {
        failures: Vec<String>,
        retryable: bool,
    },
}

impl SyncLambdaError {
    /// The error for a run, if any of its parts failed.
    pub fn from_summaries(summaries: &[Summary]) -> Option<Self> {
        let failed: Vec<&Summary> = summaries.iter().filter(|s| s.error.is_some()).collect();
        if failed.is_empty() {
            return None;
        }
        Some(SyncLambdaError::Failed {
            failures: failed
                .iter()
                .map(|s| {
                    format!(
                        "{} {}: {}",
                        s.report.taxpayer,
                        s.report.direction,
                        s.error.as_deref().unwrap_or_default()
                    )
                })
                .collect(),
            retryable: failed.iter().all(|s| s.retryable == Some(true)),
        })
    }
}

impl From<SyncLambdaError> for Diagnostic {
    fn from(e: SyncLambdaError) -> Diagnostic {
        let error_type = match &e {
            SyncLambdaError::BadEvent(_) => "BadEvent",
            SyncLambdaError::Config(_) => "Config",
            SyncLambdaError::Failed {
                retryable: true, ..
            } => "SyncFailed.Retryable",
            SyncLambdaError::Failed { .. } => "SyncFailed.NotRetryable",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use navsync_domain::Direction;
    use navsync_domain::ports::NavError;
    use navsync_domain::sync::SyncError;
    use navsync_domain::sync::{DirectionReport, TaxpayerOutcome};

    fn outcome(error: Option<SyncError>) -> TaxpayerOutcome {
        TaxpayerOutcome {
            report: DirectionReport::new("12345676".parse().unwrap(), Direction::Inbound, None),
            error,
        }
    }

    #[test]
    fn a_nav_rejection_surfaces_its_code_as_not_retryable() {
        let s = Summary::new(
            &outcome(Some(SyncError::Nav(NavError::Rejected {
                code: "INVALID_REQUEST_SIGNATURE".into(),
                message: "bad signature".into(),
            }))),
            0,
        );
        assert_eq!(s.error_code.as_deref(), Some("INVALID_REQUEST_SIGNATURE"));
        let err = SyncLambdaError::from_summaries(&[s, Summary::new(&outcome(None), 2)]).unwrap();
        let d: Diagnostic = err.into();
        assert_eq!(d.error_type, "SyncFailed.NotRetryable");
        assert!(
            d.error_message.contains("12345676 INBOUND"),
            "{}",
            d.error_message
        );
        assert!(d.error_message.contains("INVALID_REQUEST_SIGNATURE"));
    }

    #[test]
    fn an_outage_is_retryable_and_a_clean_run_is_no_error() {
        let s = Summary::new(
            &outcome(Some(SyncError::Nav(NavError::Unavailable {
                code: Some("OPERATION_FAILED".into()),
                message: "try later".into(),
            }))),
            3,
        );
        let d: Diagnostic = SyncLambdaError::from_summaries(&[s]).unwrap().into();
        assert_eq!(d.error_type, "SyncFailed.Retryable");
        assert!(SyncLambdaError::from_summaries(&[Summary::new(&outcome(None), 0)]).is_none());
    }

    #[test]
    fn the_metrics_line_is_embedded_metric_format_with_the_pending_count() {
        let mut s = Summary::new(&outcome(None), 0);
        s.report.pending = 3;
        s.report.late = 2;
        let at = chrono::DateTime::from_timestamp_millis(1_717_000_000_123).unwrap();
        let line: serde_json::Value = serde_json::from_str(&metrics_line(&s, at)).unwrap();
        assert_eq!(line["_aws"]["Timestamp"], 1_717_000_000_123_i64);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "navsync");
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["Taxpayer", "Direction"], []])
        );
        // Every metric named in the directive has its value on the line, and every dimension too.
        for m in directive["Metrics"].as_array().unwrap() {
            let name = m["Name"].as_str().unwrap();
            assert!(line[name].is_u64(), "{name} has no value: {line}");
        }
        assert_eq!(line["PendingInvoices"], 3);
        assert_eq!(line["LateInvoices"], 2);
        assert_eq!(line["Taxpayer"], s.report.taxpayer.to_string());
        assert_eq!(line["Direction"], s.report.direction.as_str());
    }

    #[test]
    fn the_summary_is_one_flat_json_object() {
        let json = serde_json::to_value(Summary::new(&outcome(None), 1)).unwrap();
        for field in [
            "taxpayer",
            "direction",
            "windows_planned",
            "pages",
            "new",
            "already_stored",
            "modifications",
            "nav_calls",
            "nav_retries",
            "duration_ms",
            "error",
        ] {
            assert!(json.get(field).is_some(), "missing {field}: {json}");
        }
    }
}
