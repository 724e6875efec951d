//! `/openapi.json` and Swagger UI at `/docs`, served from files vendored from the npm package
//! `swagger-ui-dist` (see `swagger-ui/README.md`): no CDN, works offline.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

const BUNDLE: &[u8] = include_bytes!("../swagger-ui/swagger-ui-bundle.js");
const CSS: &[u8] = include_bytes!("../swagger-ui/swagger-ui.css");

const INDEX: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>navsync API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
</script>
</body>
</html>
"##;

pub(crate) async fn index() -> Html<&'static str> {
    Html(INDEX)
}

fn asset(bytes: &'static [u8], content_type: &'static str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}

pub(crate) async fn bundle() -> Response {
    asset(BUNDLE, "text/javascript; charset=utf-8")
}

pub(crate) async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

pub(crate) async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| crate::openapi().to_pretty_json().unwrap_or_default());
    let mut res = json.clone().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}
