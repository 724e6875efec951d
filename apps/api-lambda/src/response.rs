//! How the router's responses become API Gateway v2 responses.
//!
//! `lambda_http` decides text vs. binary by content type, and decodes every `text/*` and
//! `application/xml` body as text, stripping a UTF-8 BOM (and replacing any invalid byte). The
//! original invoice XML must arrive byte for byte, and the Excel CSV needs its BOM, so this
//! runner sends only JSON, HTML, JavaScript and CSS as text and everything else base64-encoded
//! (API Gateway decodes it for the client).
//!
//! Lambda buffers the response: a body is collected whole here, so an export that fails after
//! its first page becomes a clean 503 rather than a cut-off download, and one larger than a
//! Lambda response can carry becomes a 400 that says how to narrow it.

use std::pin::Pin;

use axum::body::Body as AxumBody;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse as _, Response};
use http_body_util::BodyExt;
use lambda_http::{Body, IntoResponse};
use navsync_api::Problem;

/// Lambda's response payload limit is 6 MB; base64 inflates by 4/3 and the headers need room.
pub const MAX_BINARY_BODY: usize = 4_300_000;
pub const MAX_TEXT_BODY: usize = 5_800_000;

const TEXT_TYPES: [&str; 6] = [
    "application/json",
    "application/problem+json",
    "text/html",
    "text/javascript",
    "text/css",
    "application/javascript",
];

/// A router response on its way out of the Lambda.
pub struct LambdaBody(pub Response);

impl IntoResponse for LambdaBody {
    // `lambda_http::response::ResponseFuture`, which the crate does not export by name.
    fn into_response(self) -> Pin<Box<dyn Future<Output = lambda_http::Response<Body>> + Send>> {
        Box::pin(convert(self.0))
    }
}

fn is_text(res: &Response) -> bool {
    let ct = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = ct.split(';').next().unwrap_or_default().trim();
    TEXT_TYPES.contains(&mime)
}

async fn convert(res: Response) -> lambda_http::Response<Body> {
    let text = is_text(&res);
    let (parts, body) = res.into_parts();
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            tracing::error!(error = %e, "response body failed");
            return Box::pin(convert_problem(Problem::unavailable(
                "the response could not be completed; try again",
                1,
            )))
            .await;
        }
    };
    let limit = if text { MAX_TEXT_BODY } else { MAX_BINARY_BODY };
    if bytes.len() > limit {
        return Box::pin(convert_problem(Problem::bad_request(format!(
            "the response ({} bytes) is larger than this deployment can send ({limit} bytes); \
             narrow the export, e.g. with issued_from and issued_to",
            bytes.len()
        ))))
        .await;
    }
    let body = if bytes.is_empty() {
        Body::Empty
    } else if text && let Ok(s) = std::str::from_utf8(&bytes) {
        Body::Text(s.to_owned())
    } else {
        Body::Binary(bytes.to_vec())
    };
    lambda_http::Response::from_parts(parts, body)
}

async fn convert_problem(p: Problem) -> lambda_http::Response<Body> {
    let res: Response<AxumBody> = p.into_response();
    convert(res).await
}
