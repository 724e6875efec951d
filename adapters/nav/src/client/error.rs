//! What can go wrong talking to NAV, told apart the way the caller needs it: NAV's own error
//! responses (with its errorCode), HTTP-level failures, and transport failures.

use std::time::Duration;

use navsync_domain::ports::NavError;

use super::request::InvalidRequest;

/// Which of NAV's error documents carried the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `GeneralErrorResponse` (api namespace): authentication, validation, processing errors.
    GeneralError,
    /// `GeneralExceptionResponse` (common namespace): a request NAV could not read at all.
    GeneralException,
    /// An operation's own response with `funcCode` ERROR.
    OperationResult,
}

/// One `technicalValidationMessages` entry: a schema violation NAV found in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechnicalValidation {
    pub result_code: String,
    pub error_code: Option<String>,
    pub message: Option<String>,
}

/// An error NAV answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavFault {
    pub kind: FaultKind,
    /// The HTTP status it came with.
    pub status: u16,
    /// NAV's errorCode, e.g. `INVALID_SECURITY_USER`; empty when NAV sent none.
    pub code: String,
    pub message: String,
    pub technical_validation: Vec<TechnicalValidation>,
}

/// errorCodes after which the same request, sent again later, can succeed. A retry always gets
/// a new requestId, so REQUEST_ID_NOT_UNIQUE is among them.
const RETRYABLE_CODES: [&str; 3] = [
    "OPERATION_FAILED",
    "MAINTENANCE_MODE",
    "REQUEST_ID_NOT_UNIQUE",
];

impl NavFault {
    /// A code NAV marks as passing, or a server error without any code to judge by.
    pub fn is_retryable(&self) -> bool {
        RETRYABLE_CODES.contains(&self.code.as_str())
            || (self.code.is_empty() && self.status >= 500)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The request was not sent: a parameter or the login breaks the schema or NAV's rules.
    #[error(transparent)]
    InvalidRequest(#[from] InvalidRequest),
    /// NAV answered with an error document.
    #[error("NAV error {code} (HTTP {status}): {message}", code = .0.code, status = .0.status, message = .0.message)]
    Nav(NavFault),
    /// A body that is not XML, e.g. a gateway's HTML error page.
    #[error("HTTP {status} with a non-XML body: {excerpt:?}")]
    NonXmlBody { status: u16, excerpt: String },
    /// XML that is not the expected response (wrong root, missing or malformed element).
    #[error("unexpected response (HTTP {status}): {reason}")]
    InvalidResponse { status: u16, reason: String },
    #[error("response larger than {limit} bytes")]
    ResponseTooLarge { limit: usize },
    /// No complete response within the configured timeout.
    #[error("NAV did not answer within {0:?}")]
    Timeout(Duration),
    /// The connection was reset or closed before a complete response.
    #[error("connection reset: {0}")]
    ConnectionReset(String),
    /// No connection could be made (refused, DNS, TLS).
    #[error("cannot connect to NAV: {0}")]
    Connect(String),
    #[error("HTTP transport error: {0}")]
    Transport(String),
    /// `invoiceData` could not be decoded (base64, gzip, over the size cap).
    #[error("invoice data: {0}")]
    Decode(String),
    /// The client could not be built from its configuration.
    #[error("NAV client configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// Whether sending the request again may succeed: NAV's OPERATION_FAILED and maintenance,
    /// any 5xx without an error document NAV marks final, timeouts, resets and refused
    /// connections. Never authentication or validation errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Nav(fault) => fault.is_retryable(),
            // A gateway or proxy page stands in for NAV's answer: NAV may answer properly next
            // time. A 4xx page (wrong URL, blocked) will not change by asking again.
            ClientError::NonXmlBody { status, .. } => {
                !(400..500).contains(status) || *status == 408 || *status == 429
            }
            ClientError::InvalidResponse { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            ClientError::Timeout(_) | ClientError::ConnectionReset(_) | ClientError::Connect(_) => {
                true
            }
            ClientError::Transport(_) => true,
            ClientError::InvalidRequest(_)
            | ClientError::ResponseTooLarge { .. }
            | ClientError::Decode(_)
            | ClientError::Config(_) => false,
        }
    }

    /// NAV's errorCode, where NAV sent one.
    pub fn nav_code(&self) -> Option<&str> {
        match self {
            ClientError::Nav(f) if !f.code.is_empty() => Some(&f.code),
            _ => None,
        }
    }

    /// The HTTP status, where a response came.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Nav(f) => Some(f.status),
            ClientError::NonXmlBody { status, .. }
            | ClientError::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<ClientError> for NavError {
    /// The port's view, after retries: what may pass is `Unavailable`, the rest `Rejected`,
    /// and an unreadable document `InvalidDocument`.
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Decode(_) | ClientError::ResponseTooLarge { .. } => {
                NavError::InvalidDocument(e.to_string())
            }
            ClientError::Nav(ref f) if !f.is_retryable() => NavError::Rejected {
                code: if f.code.is_empty() {
                    format!("HTTP_{}", f.status)
                } else {
                    f.code.clone()
                },
                message: f.message.clone(),
            },
            ClientError::InvalidRequest(ref r) => NavError::Rejected {
                code: "CLIENT_VALIDATION".into(),
                message: r.to_string(),
            },
            // NAV answered, but not in a form this client reads: not the caller's fault, and
            // not a reason to give up on the invoice for good.
            ClientError::InvalidResponse { .. } => NavError::Unavailable {
                code: None,
                message: e.to_string(),
            },
            ClientError::Config(ref m) => NavError::Rejected {
                code: "CLIENT_CONFIGURATION".into(),
                message: m.clone(),
            },
            ref other if !other.is_retryable() => NavError::Rejected {
                code: other
                    .status()
                    .map(|s| format!("HTTP_{s}"))
                    .unwrap_or_else(|| "CLIENT".into()),
                message: other.to_string(),
            },
            other => NavError::Unavailable {
                code: other.nav_code().map(str::to_owned),
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(status: u16, code: &str) -> ClientError {
        ClientError::Nav(NavFault {
            kind: FaultKind::GeneralError,
            status,
            code: code.into(),
            message: "m".into(),
            technical_validation: vec![],
        })
    }

    #[test]
    fn only_what_may_pass_is_retried_and_the_port_sees_why() {
        let cases: Vec<(ClientError, bool, &str)> = vec![
            (
                fault(500, "OPERATION_FAILED"),
                true,
                "Unavailable(OPERATION_FAILED)",
            ),
            (
                fault(503, "MAINTENANCE_MODE"),
                true,
                "Unavailable(MAINTENANCE_MODE)",
            ),
            (fault(500, ""), true, "Unavailable(-)"),
            (
                fault(401, "INVALID_SECURITY_USER"),
                false,
                "Rejected(INVALID_SECURITY_USER)",
            ),
            (
                fault(400, "INVALID_REQUEST_SIGNATURE"),
                false,
                "Rejected(INVALID_REQUEST_SIGNATURE)",
            ),
            (
                fault(500, "NOT_REGISTERED_CUSTOMER"),
                false,
                "Rejected(NOT_REGISTERED_CUSTOMER)",
            ),
            (
                fault(400, "BAD_QUERY_PARAM_RANGE_EXCEEDED"),
                false,
                "Rejected(BAD_QUERY_PARAM_RANGE_EXCEEDED)",
            ),
            (
                ClientError::NonXmlBody {
                    status: 504,
                    excerpt: "<html>".into(),
                },
                true,
                "Unavailable(-)",
            ),
            (
                ClientError::NonXmlBody {
                    status: 404,
                    excerpt: "".into(),
                },
                false,
                "Rejected(HTTP_404)",
            ),
            (
                ClientError::Timeout(Duration::from_secs(60)),
                true,
                "Unavailable(-)",
            ),
            (
                ClientError::ConnectionReset("reset".into()),
                true,
                "Unavailable(-)",
            ),
            (
                ClientError::Connect("refused".into()),
                true,
                "Unavailable(-)",
            ),
            (
                ClientError::InvalidResponse {
                    status: 200,
                    reason: "r".into(),
                },
                false,
                "Unavailable(-)",
            ),
            (
                ClientError::Decode("gzip bomb".into()),
                false,
                "InvalidDocument",
            ),
            (
                ClientError::ResponseTooLarge { limit: 1 },
                false,
                "InvalidDocument",
            ),
        ];
        for (error, retryable, port) in cases {
            assert_eq!(error.is_retryable(), retryable, "{error:?}");
            let shown = match NavError::from(error.clone()) {
                NavError::Unavailable { code, .. } => {
                    format!("Unavailable({})", code.as_deref().unwrap_or("-"))
                }
                NavError::Rejected { code, .. } => format!("Rejected({code})"),
                NavError::InvalidDocument(_) => "InvalidDocument".into(),
                NavError::NotFound(_) => "NotFound".into(),
                NavError::MultipleResults(_) => "MultipleResults".into(),
            };
            assert_eq!(shown, port, "{error:?}");
        }
    }
}
