//! navsync's query API: one axum [`Router`] over the domain's ports, run by the Lambda
//! (`apps/api-lambda`, through `lambda_http`) and by the local server (`navsync serve`).
//!
//! ```text
//! let app = navsync_api::router(
//!     Ports { queries, sync_state, archive, sync_trigger },
//!     Auth::new(Some(Arc::new(OidcVerifier::new(oidc))), ClaimsPolicy::default(), RateLimiter::unlimited()),
//!     ApiConfig::default(),
//! );
//! ```

pub mod auth;
mod csv;
mod docs;
pub mod dto;
pub mod export_sink;
mod openapi;
pub mod params;
mod paths;
pub mod problem;
pub mod rate_limit;
mod routes;
pub mod sync_trigger;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use navsync_domain::ports::{DocumentArchive, InvoiceQueries, SyncStateStore};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use auth::{
    ADMIN_GROUP_SUFFIX, AnyOf, Auth, AuthError, AuthorizerClaims, Caller, ClaimsPolicy, JwksSource,
    OPERATOR_GROUP, OidcConfig, OidcVerifier, Principal, Role, TAXPAYER_GROUP_PREFIX, TokenUse,
    TokenVerifier, taxpayer_group,
};
pub use export_sink::{ExportBody, ExportDelivery, ExportError, ExportFile, ExportSink};
pub use openapi::openapi;
pub use problem::Problem;
pub use rate_limit::{Quota, RateLimiter};
pub use sync_trigger::{NoSyncTrigger, SyncRequest, SyncStarted, SyncTrigger, TriggerError};

/// The ports the API reads through, plus "sync now".
pub struct Ports<Q, S, A, T> {
    pub queries: Q,
    pub sync_state: S,
    pub archive: A,
    pub sync_trigger: T,
}

/// [`Ports`] with its types named once, so handlers are generic over one parameter.
pub trait Backend: Send + Sync + 'static {
    type Queries: InvoiceQueries;
    type SyncState: SyncStateStore;
    type Archive: DocumentArchive;
    type Trigger: SyncTrigger;
    fn queries(&self) -> &Self::Queries;
    fn sync_state(&self) -> &Self::SyncState;
    fn archive(&self) -> &Self::Archive;
    fn sync_trigger(&self) -> &Self::Trigger;
}

impl<Q, S, A, T> Backend for Ports<Q, S, A, T>
where
    Q: InvoiceQueries + 'static,
    S: SyncStateStore + 'static,
    A: DocumentArchive + 'static,
    T: SyncTrigger + 'static,
{
    type Queries = Q;
    type SyncState = S;
    type Archive = A;
    type Trigger = T;
    fn queries(&self) -> &Q {
        &self.queries
    }
    fn sync_state(&self) -> &S {
        &self.sync_state
    }
    fn archive(&self) -> &A {
        &self.archive
    }
    fn sync_trigger(&self) -> &T {
        &self.sync_trigger
    }
}

/// Which browser origins may call the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No CORS headers: same-origin only.
    #[default]
    None,
    /// Any origin (`*`). Safe only because auth is a bearer header, never a cookie.
    Any,
    /// Exactly these origins, e.g. `https://invoices.example.hu`.
    List(Vec<String>),
}

impl CorsOrigins {
    /// From a comma-separated setting: empty = none, `*` = any, else a list of origins.
    pub fn parse(setting: &str) -> Self {
        let items: Vec<String> = setting
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if items.is_empty() {
            CorsOrigins::None
        } else if items.iter().any(|s| s == "*") {
            CorsOrigins::Any
        } else {
            CorsOrigins::List(items)
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// How long presigned document URLs stay valid.
    pub presign_ttl: Duration,
    pub cors: CorsOrigins,
    /// Invoices read per store call while streaming a CSV export (1–1000): what one chunk of
    /// the body holds in memory.
    pub export_page: u32,
    /// Where exports go instead of the response (the Lambda: S3, answered with 303 to a
    /// presigned link); `None` streams them in the response with 200.
    pub export_sink: Option<ExportDelivery>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            presign_ttl: Duration::from_secs(300),
            cors: CorsOrigins::None,
            export_page: navsync_domain::query::InvoiceQuery::MAX_LIMIT,
            export_sink: None,
        }
    }
}

/// What every handler gets: built once, shared by `Arc`.
pub struct AppState<B> {
    backend: Arc<B>,
    auth: Arc<Auth>,
    config: Arc<ApiConfig>,
}

impl<B> Clone for AppState<B> {
    fn clone(&self) -> Self {
        Self {
            backend: self.backend.clone(),
            auth: self.auth.clone(),
            config: self.config.clone(),
        }
    }
}

impl<B: Send + Sync> auth::HasAuth for AppState<B> {
    fn auth(&self) -> &Auth {
        &self.auth
    }
}

/// The whole API: routes, auth, problem+json errors, CORS, `/openapi.json` and Swagger UI at
/// `/docs`.
pub fn router<Q, S, A, T>(ports: Ports<Q, S, A, T>, auth: Auth, config: ApiConfig) -> Router
where
    Q: InvoiceQueries + 'static,
    S: SyncStateStore + 'static,
    A: DocumentArchive + 'static,
    T: SyncTrigger + 'static,
{
    router_for(Arc::new(ports), auth, config)
}

fn router_for<B: Backend>(backend: Arc<B>, auth: Auth, config: ApiConfig) -> Router {
    let cors = cors_layer(&config.cors);
    let state = AppState {
        backend,
        auth: Arc::new(auth),
        config: Arc::new(config),
    };
    let api = Router::new()
        .route("/health", get(routes::health))
        .route("/v1/me", get(routes::me))
        .route(
            "/v1/taxpayers/{taxpayer}/invoices",
            get(routes::list_invoices::<B>),
        )
        .route(
            "/v1/taxpayers/{taxpayer}/invoices.csv",
            get(routes::export_invoices::<B>),
        )
        .route(
            "/v1/taxpayers/{taxpayer}/invoices/{direction}/{supplier}/{*invoice_number}",
            get(routes::get_invoice::<B>),
        )
        .route(
            "/v1/taxpayers/{taxpayer}/documents/{direction}/{supplier}/{*invoice_number}",
            get(routes::get_document::<B>),
        )
        .route(
            "/v1/taxpayers/{taxpayer}/sync",
            get(routes::sync_status::<B>).post(routes::sync_now::<B>),
        )
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::index))
        .route("/docs/", get(docs::index))
        .route("/docs/swagger-ui-bundle.js", get(docs::bundle))
        .route("/docs/swagger-ui.css", get(docs::css))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(state);
    match cors {
        Some(layer) => api.layer(layer),
        None => api,
    }
}

fn cors_layer(origins: &CorsOrigins) -> Option<CorsLayer> {
    let allow = match origins {
        CorsOrigins::None => return None,
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(
            list.iter()
                .filter_map(|o| match HeaderValue::from_str(o) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        tracing::warn!(origin = %o, "ignoring malformed CORS origin");
                        None
                    }
                })
                .collect::<Vec<_>>(),
        ),
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .expose_headers([
                header::CONTENT_DISPOSITION,
                header::LOCATION,
                header::RETRY_AFTER,
                HeaderName::from_static("www-authenticate"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}
