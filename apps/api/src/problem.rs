//! RFC 7807 problem details: every error the API returns has this shape, with
//! `content-type: application/problem+json`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use navsync_domain::ports::{ArchiveError, RepoError};
use serde::Serialize;
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// An error response (RFC 7807).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem, e.g. `urn:navsync:problem:invalid-parameter`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "urn:navsync:problem:invalid-parameter")]
    pub kind: &'static str,
    /// A short, fixed summary of the kind of problem.
    #[schema(value_type = String, example = "Invalid parameter")]
    pub title: &'static str,
    #[schema(example = 400)]
    pub status: u16,
    /// A stable, machine-readable code for this very problem (snake_case), for clients that
    /// show their own text (the web UI translates it): the kind's (`invalid_parameter`,
    /// `not_found`, …) or a finer one (`invalid_date`, `invalid_tax_number`, `unknown_value`,
    /// …). Codes are only ever added, never renamed; `detail` is English prose and may change.
    #[schema(value_type = String, example = "invalid_date")]
    pub code: &'static str,
    /// What went wrong in this request and what to fix.
    // Box<str>, not String: with `code` the struct would cross clippy's large-Err size.
    #[schema(value_type = String, example = "issued_from must be a date YYYY-MM-DD, got \"2024-13-01\"")]
    pub detail: Box<str>,
    /// For 400s: the query, path or body parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "issued_from")]
    pub parameter: Option<Box<str>>,
    /// For an unknown enum value: the values the parameter accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub allowed: Option<&'static [&'static str]>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl Problem {
    fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            title,
            status: status.as_u16(),
            // The kind's last segment: `urn:navsync:problem:not-found` is `not_found`.
            code: kind_code(kind),
            detail: detail.into().into_boxed_str(),
            parameter: None,
            allowed: None,
            retry_after: None,
        }
    }

    /// 400 naming the parameter at fault.
    pub fn invalid_parameter(parameter: &str, detail: impl Into<String>) -> Self {
        let mut p = Self::new(
            StatusCode::BAD_REQUEST,
            "urn:navsync:problem:invalid-parameter",
            "Invalid parameter",
            detail,
        );
        p.parameter = Some(parameter.into());
        p
    }

    /// 400 for a value outside an enumeration, listing the accepted values.
    pub fn unknown_value(parameter: &str, value: &str, allowed: &'static [&'static str]) -> Self {
        let mut p = Self::invalid_parameter(
            parameter,
            format!("{parameter} {value:?} is not one of {}", allowed.join(", ")),
        )
        .with_code("unknown_value");
        p.allowed = Some(allowed);
        p
    }

    /// The same problem with a finer stable `code` (snake_case, see [`Problem::code`]).
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// 400 for a request that cannot be read at all (not one parameter's fault).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "urn:navsync:problem:bad-request",
            "Bad request",
            detail,
        )
    }

    /// 401; the response carries `WWW-Authenticate: Bearer`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "urn:navsync:problem:unauthorized",
            "Authentication required",
            detail,
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "urn:navsync:problem:forbidden",
            "Forbidden",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "urn:navsync:problem:not-found",
            "Not found",
            detail,
        )
    }

    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "urn:navsync:problem:method-not-allowed",
            "Method not allowed",
            detail,
        )
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "urn:navsync:problem:conflict",
            "Conflict",
            detail,
        )
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "urn:navsync:problem:too-many-requests",
            "Too many requests",
            format!("request rate limit reached; retry in {retry_after_secs} s"),
        );
        p.retry_after = Some(retry_after_secs);
        p
    }

    /// 503 with `Retry-After`: a dependency (store, archive, key set) could not answer.
    pub fn unavailable(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut p = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "urn:navsync:problem:unavailable",
            "Service unavailable",
            detail,
        );
        p.retry_after = Some(retry_after_secs);
        p
    }

    /// 414: the request target is longer than the server reads.
    pub fn uri_too_long(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            "urn:navsync:problem:uri-too-long",
            "URI too long",
            format!("the request target may be at most {limit_bytes} bytes"),
        )
    }

    /// 431: more header bytes or headers than the server reads.
    pub fn headers_too_large(limit_bytes: usize, limit_count: usize) -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "urn:navsync:problem:headers-too-large",
            "Request header fields too large",
            format!(
                "the request may have at most {limit_count} headers of {limit_bytes} bytes in all"
            ),
        )
    }

    /// 500; `detail` must not leak internals, the caller logs them.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "urn:navsync:problem:internal",
            "Internal error",
            detail,
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// A store error from [`navsync_domain::ports::InvoiceQueries::search`], whose only
    /// `Invalid` is a cursor not issued for this taxpayer and query.
    pub fn from_search(err: RepoError) -> Self {
        match err {
            RepoError::Invalid(msg) => Self::invalid_parameter(
                "cursor",
                format!("cursor is not valid for this taxpayer and query: {msg}"),
            )
            .with_code("invalid_cursor"),
            other => Self::from_repo(other),
        }
    }

    /// A store error under the contracts of the store ports: `Unavailable` (and a lost
    /// `Conflict`) may pass, so 503 with `Retry-After`; unreadable data is ours, so 500.
    pub fn from_repo(err: RepoError) -> Self {
        match err {
            RepoError::Invalid(msg) => {
                Self::bad_request(format!("the store refused the request: {msg}"))
            }
            RepoError::Unavailable(msg) | RepoError::Conflict(msg) => {
                tracing::warn!(error = %msg, "invoice store unavailable");
                Self::unavailable("the invoice store is unavailable; try again", 1)
            }
            RepoError::Corrupt(msg) => {
                tracing::error!(error = %msg, "stored invoice data unreadable");
                Self::internal("stored invoice data could not be read")
            }
        }
    }

    pub fn from_archive(err: ArchiveError) -> Self {
        match err {
            ArchiveError::NotFound(key) => {
                tracing::error!(%key, "invoice stored but its document is not archived");
                Self::not_found("the original document of this invoice is not in the archive")
            }
            ArchiveError::Corrupt { key, .. } => {
                tracing::error!(%key, "archived document fails its SHA-256 check");
                Self::internal("the archived document failed its integrity check")
            }
            ArchiveError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "document archive unavailable");
                Self::unavailable("the document archive is unavailable; try again", 1)
            }
        }
    }
}

/// `urn:navsync:problem:method-not-allowed` → `method_not_allowed`, for the fixed kinds above.
fn kind_code(kind: &'static str) -> &'static str {
    match kind.rsplit(':').next().unwrap_or(kind) {
        "invalid-parameter" => "invalid_parameter",
        "bad-request" => "bad_request",
        "unauthorized" => "unauthorized",
        "forbidden" => "forbidden",
        "not-found" => "not_found",
        "method-not-allowed" => "method_not_allowed",
        "conflict" => "conflict",
        "too-many-requests" => "too_many_requests",
        "unavailable" => "unavailable",
        "uri-too-long" => "uri_too_long",
        "headers-too-large" => "headers_too_large",
        _ => "internal",
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::debug!(status = self.status, detail = %self.detail, "problem response");
        }
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"navsync\""),
            );
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_stable_code_in_the_body() {
        let cases = [
            (
                Problem::invalid_parameter("limit", "x"),
                "invalid_parameter",
            ),
            (
                Problem::unknown_value("sort", "up", &["a"]),
                "unknown_value",
            ),
            (Problem::bad_request("x"), "bad_request"),
            (Problem::unauthorized("x"), "unauthorized"),
            (Problem::forbidden("x"), "forbidden"),
            (Problem::not_found("x"), "not_found"),
            (Problem::method_not_allowed("x"), "method_not_allowed"),
            (Problem::conflict("x"), "conflict"),
            (Problem::too_many_requests(3), "too_many_requests"),
            (Problem::unavailable("x", 1), "unavailable"),
            (Problem::uri_too_long(10), "uri_too_long"),
            (Problem::headers_too_large(10, 2), "headers_too_large"),
            (Problem::internal("x"), "internal"),
            (
                Problem::from_search(RepoError::Invalid("x".into())),
                "invalid_cursor",
            ),
            (
                Problem::invalid_parameter("issued_from", "x").with_code("invalid_date"),
                "invalid_date",
            ),
        ];
        for (problem, code) in cases {
            let body: serde_json::Value = serde_json::to_value(&problem).unwrap();
            assert_eq!(body["code"], code, "{}", problem.kind);
            // The code is the kind's own unless a finer one was given.
            if code == kind_code(problem.kind) {
                assert!(problem.kind.ends_with(&code.replace('_', "-")), "{code}");
            }
        }
    }
}
