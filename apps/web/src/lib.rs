//! navsync's web UI: plain ES modules and CSS under `ui/`, embedded in the binary and served
//! as written (no bundler, no npm at build time: the Rust build is the UI's build).
//!
//! ```ignore
//! let app = navsync_api::router(ports, auth, config).merge(navsync_web::router());
//! ```
//!
//! The router has routes only, no fallback, so it merges with the API's router (which has one).
//! `config.json` tells the UI where the API is and how to sign in; [`router_with_config`] serves
//! one built by the runner (e.g. `navsync serve` with an OIDC issuer configured).
//!
//! Every file carries a strong `ETag` (its SHA-256) and answers a matching `If-None-Match` with
//! 304, so a reload revalidates instead of downloading ~70 KB again; a client that accepts gzip
//! gets the copy compressed once when the router is built.

use std::io::Write;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One embedded file of the UI.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// URL path, e.g. `/app.js`.
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal, $ct:expr) => {
        Asset {
            path: $path,
            content_type: $ct,
            body: include_bytes!(concat!("../ui/", $file)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the UI (`config.json` is not one: it is per deployment).
pub const ASSETS: &[Asset] = &[
    asset!("/", "index.html", "text/html; charset=utf-8"),
    asset!("/index.html", "index.html", "text/html; charset=utf-8"),
    asset!("/style.css", "style.css", "text/css; charset=utf-8"),
    asset!("/favicon.svg", "favicon.svg", "image/svg+xml"),
    asset!("/app.js", "app.js", JS),
    asset!("/api.js", "api.js", JS),
    asset!("/dom.js", "dom.js", JS),
    asset!("/i18n.js", "i18n.js", JS),
    asset!("/session.js", "session.js", JS),
];

/// What the UI reads from `/config.json`; the same keys Terraform's web module writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebConfig {
    /// Where the API is; `None`: the UI's own origin (`navsync serve` mounts both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Cognito user-password sign-in, shown when the client id is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_client_id: Option<String>,
    /// Cognito's endpoint where it is not `https://cognito-idp.<region>.amazonaws.com/`
    /// (an emulator in tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cognito_endpoint: Option<String>,
    /// `"false"` hides "sign in with a token" (strings, as Terraform's `map(string)` writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_tokens: Option<String>,
}

impl WebConfig {
    /// The origins the UI may call besides its own, for the CSP's `connect-src`.
    fn connect_origins(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(api) = &self.api_url {
            out.extend(origin(api));
        }
        match (&self.cognito_endpoint, &self.region) {
            (Some(endpoint), _) => out.extend(origin(endpoint)),
            (None, Some(region)) if self.user_pool_client_id.is_some() => {
                out.push(format!("https://cognito-idp.{region}.amazonaws.com"))
            }
            _ => {}
        }
        out
    }
}

/// `scheme://host[:port]` of a URL, if it is an http(s) URL without characters that could break
/// out of a CSP source expression.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    ok.then(|| format!("{scheme}://{host}"))
}

/// The UI with an empty `config.json`: same-origin API, sign-in with a pasted token.
pub fn router() -> Router {
    router_with_config(&WebConfig::default())
}

/// The UI with `config` served as `/config.json`.
pub fn router_with_config(config: &WebConfig) -> Router {
    let csp = content_security_policy(config);
    let mut router = Router::new();
    for asset in ASSETS {
        let file = Arc::new(Prepared::new(asset.content_type, asset.body.to_vec()));
        let csp = csp.clone();
        router = router.route(
            asset.path,
            get(move |req: HeaderMap| async move { file.respond(&req, &csp) }),
        );
    }
    let json = serde_json::to_vec(config).unwrap_or_else(|_| b"{}".to_vec());
    let file = Arc::new(Prepared::new("application/json", json));
    router.route(
        "/config.json",
        get(move |req: HeaderMap| async move { file.respond(&req, &csp) }),
    )
}

/// One file, ready to send: as is and gzipped, each with its own strong ETag (RFC 9110 8.8.3:
/// a strong validator differs between the two encodings).
struct Prepared {
    content_type: &'static str,
    identity: (Vec<u8>, HeaderValue),
    /// `None` when gzip would not make the file smaller (e.g. the favicon).
    gzip: Option<(Vec<u8>, HeaderValue)>,
}

impl Prepared {
    fn new(content_type: &'static str, body: Vec<u8>) -> Self {
        let hash = Sha256::digest(&body);
        // 128 bits of the hash: plenty to tell versions of one file apart.
        let tag: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).expect("hex is a header value")
        };
        let gzip = gzip(&body)
            .filter(|z| z.len() < body.len())
            .map(|z| (z, etag("-gz")));
        Self {
            content_type,
            identity: (body, etag("")),
            gzip,
        }
    }

    fn respond(&self, req: &HeaderMap, csp: &HeaderValue) -> Response {
        let gzipped = self.gzip.as_ref().filter(|_| accepts_gzip(req));
        let (body, etag) = gzipped.unwrap_or(&self.identity);
        let mut res = if if_none_match(req, etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut res = body.clone().into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if gzipped.is_some() {
                res.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            res
        };
        let h = res.headers_mut();
        h.insert(header::ETAG, etag.clone());
        if self.gzip.is_some() {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        security_headers(h, csp);
        res
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut z = GzEncoder::new(Vec::new(), Compression::best());
    z.write_all(body).ok()?;
    z.finish().ok()
}

/// Whether `Accept-Encoding` allows gzip: named (or `*`) without `q=0`.
fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            matches!(
                coding.to_ascii_lowercase().as_str(),
                "gzip" | "x-gzip" | "*"
            ) && !refused
        })
}

/// `If-None-Match` names `etag` (weak comparison, as RFC 9110 13.1.2 asks) or is `*`.
fn if_none_match(req: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    req.get_all(header::IF_NONE_MATCH)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(|t| t.trim_ascii())
        .any(|t| t == b"*" || t.strip_prefix(b"W/").unwrap_or(t) == ours)
}

fn content_security_policy(config: &WebConfig) -> HeaderValue {
    let mut connect = vec!["'self'".to_owned()];
    connect.extend(config.connect_origins());
    let policy = [
        "default-src 'self'".to_owned(),
        format!("connect-src {}", connect.join(" ")),
        "img-src 'self' data:".into(),
        "style-src 'self'".into(),
        "object-src 'none'".into(),
        "frame-ancestors 'none'".into(),
        "base-uri 'self'".into(),
        "form-action 'self'".into(),
    ]
    .join("; ");
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

fn security_headers(h: &mut HeaderMap, csp: &HeaderValue) {
    // Files change with the binary and have no hashed names: revalidate every time.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(router: &Router, path: &str) -> (StatusCode, String, String, Vec<u8>) {
        let res = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let ct = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let csp = res
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, ct, csp, body)
    }

    #[tokio::test]
    async fn every_asset_is_served_with_its_type_and_a_csp() {
        let r = router();
        for a in ASSETS {
            let (status, ct, csp, body) = get(&r, a.path).await;
            assert_eq!(status, StatusCode::OK, "{}", a.path);
            assert_eq!(ct, a.content_type, "{}", a.path);
            assert!(csp.contains("default-src 'self'"), "{}", a.path);
            assert_eq!(body, a.body, "{}", a.path);
        }
        let (status, ct, _, body) = get(&r, "/config.json").await;
        assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/json"));
        assert_eq!(body, b"{}");
    }

    /// Every file the UI loads (index.html's src/href, the modules' imports) is one the router
    /// serves: a missing one would only show as a blank page in the browser.
    #[test]
    fn every_referenced_file_is_embedded() {
        let served: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
        let mut refs = Vec::new();
        for a in ASSETS {
            let text = std::str::from_utf8(a.body).unwrap();
            for marker in ["src=\"", "href=\"", "from './"] {
                for part in text.split(marker).skip(1) {
                    let end = part.find(['"', '\'']).unwrap_or(part.len());
                    let target = part[..end].trim_start_matches("./");
                    if !target.starts_with('#') && !target.contains("://") && !target.is_empty() {
                        refs.push((a.path, format!("/{target}")));
                    }
                }
            }
        }
        assert!(refs.iter().any(|(_, r)| r == "/app.js"), "{refs:?}");
        for (from, target) in &refs {
            assert!(
                served.contains(&target.as_str()),
                "{from} loads {target}, which is not embedded"
            );
        }
    }

    #[tokio::test]
    async fn config_is_served_and_its_origins_join_the_csp() {
        let config = WebConfig {
            api_url: Some("https://abc.execute-api.eu-central-1.amazonaws.com/".into()),
            region: Some("eu-central-1".into()),
            user_pool_client_id: Some("client".into()),
            ..WebConfig::default()
        };
        let (_, _, csp, body) = get(&router_with_config(&config), "/config.json").await;
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v["apiUrl"],
            "https://abc.execute-api.eu-central-1.amazonaws.com/"
        );
        assert_eq!(v["userPoolClientId"], "client");
        assert!(csp.contains(
            "connect-src 'self' https://abc.execute-api.eu-central-1.amazonaws.com https://cognito-idp.eu-central-1.amazonaws.com;"
        ), "{csp}");
    }

    async fn send(router: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let res = router.clone().oneshot(req).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, body)
    }

    #[tokio::test]
    async fn a_browser_that_accepts_gzip_gets_the_file_gzipped_and_intact() {
        let r = router();
        let app = ASSETS.iter().find(|a| a.path == "/app.js").unwrap();
        let req = Request::get("/app.js")
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .body(Body::empty())
            .unwrap();
        let (status, h, body) = send(&r, req).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h[header::CONTENT_ENCODING], "gzip");
        assert_eq!(h[header::VARY], "accept-encoding");
        assert!(
            body.len() * 2 < app.body.len(),
            "gzip: {} of {} bytes",
            body.len(),
            app.body.len()
        );
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain)
            .unwrap();
        assert_eq!(plain, app.body);

        // gzip;q=0 refuses it, and so does a client that names no encoding.
        for ae in [Some("gzip;q=0, identity"), None] {
            let mut req = Request::get("/app.js");
            if let Some(ae) = ae {
                req = req.header(header::ACCEPT_ENCODING, ae);
            }
            let (status, h, body) = send(&r, req.body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK);
            assert!(h.get(header::CONTENT_ENCODING).is_none(), "{ae:?}");
            assert_eq!(body, app.body, "{ae:?}");
        }
    }

    #[tokio::test]
    async fn a_reload_with_the_etag_is_answered_304_without_a_body() {
        let r = router();
        for encoding in ["gzip", "identity"] {
            let req = || Request::get("/style.css").header(header::ACCEPT_ENCODING, encoding);
            let (_, first, _) = send(&r, req().body(Body::empty()).unwrap()).await;
            let etag = first[header::ETAG].to_str().unwrap().to_owned();
            let hex = etag.trim_matches('"').trim_end_matches("-gz");
            assert!(
                hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                "{etag}"
            );

            let (status, h, body) = send(
                &r,
                req()
                    .header(header::IF_NONE_MATCH, format!("\"other\", W/{etag}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{encoding}");
            assert!(body.is_empty());
            assert_eq!(h[header::ETAG], etag.as_str());
            assert!(h.contains_key(header::CONTENT_SECURITY_POLICY));

            // Another version's tag gets the file.
            let (status, _, body) = send(
                &r,
                req()
                    .header(header::IF_NONE_MATCH, "\"0123\"")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert!(!body.is_empty());
        }
        // The gzipped and the plain copy are different representations: different tags.
        let tag = |enc: &'static str| {
            let r = r.clone();
            async move {
                let req = Request::get("/style.css").header(header::ACCEPT_ENCODING, enc);
                send(&r, req.body(Body::empty()).unwrap()).await.1[header::ETAG].clone()
            }
        };
        assert_ne!(tag("gzip").await, tag("identity").await);
    }

    #[test]
    fn an_origin_that_could_inject_into_the_csp_is_dropped() {
        assert_eq!(
            origin("http://127.0.0.1:5000/x"),
            Some("http://127.0.0.1:5000".into())
        );
        assert_eq!(origin("https://a.example; script-src *"), None);
        assert_eq!(origin("javascript:alert(1)"), None);
    }

    #[test]
    fn the_ui_has_no_inline_styles_or_scripts() {
        // The CSP (here and in CloudFront) forbids them; they would silently not apply.
        for a in ASSETS {
            let text = std::str::from_utf8(a.body).unwrap();
            assert!(!text.contains("style=\""), "{} has an inline style", a.path);
            assert!(
                !text.contains("innerHTML"),
                "{} writes markup from strings",
                a.path
            );
        }
        let index = std::str::from_utf8(ASSETS[0].body).unwrap();
        assert!(
            !index.contains("<script>"),
            "index.html has an inline script"
        );
    }
}
