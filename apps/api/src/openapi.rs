//! The OpenAPI 3.1 document, generated from the handlers' annotations. `openapi/openapi.json`
//! is this, committed; `tests/openapi.rs` fails when it is stale.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "navsync API",
        description = "A taxpayer's invoices from NAV Online Számla: list, search, open, download the \
            original XML, export CSV, and sync status.\n\n\
            Authentication: a Cognito access or ID token (or a navsync-minted token locally) as \
            `Authorization: Bearer`. Roles are per taxpayer: the Cognito group `taxpayer-<8-digit id>` \
            makes the caller a reader of that taxpayer, `taxpayer-<8-digit id>-admin` its admin (a \
            reader who may also \"sync now\"); the group `operators` is the operator, who reads and \
            syncs every taxpayer. `/v1/me` says which the token holds.\n\n\
            Errors are RFC 7807 problem+json; a 400 names the offending `parameter`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(
        routes::health,
        routes::me,
        routes::list_invoices,
        routes::export_invoices,
        routes::get_invoice,
        routes::get_document,
        routes::sync_status,
        routes::sync_now,
    ),
    components(schemas(
        crate::problem::Problem,
        crate::params::SortDto,
        crate::params::CsvDialect,
        crate::params::Delivery,
    )),
    modifiers(&BearerAuth, &HeadLimits, &ErrorDescriptions),
    tags(
        (name = "invoices", description = "A taxpayer's invoices"),
        (name = "sync", description = "Syncing from NAV"),
        (name = "meta", description = "Health and the caller"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A Cognito access or ID token (RS256), or a navsync-minted local token.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every operation may be answered 414 or 431 before any route sees it: `navsync serve`
/// limits the request target and headers (API Gateway has limits of its own).
struct HeadLimits;

impl Modify for HeadLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = || {
            ResponseBuilder::new()
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.post];
            for op in ops.into_iter().flatten() {
                for status in ["414", "431"] {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem().into());
                }
            }
        }
    }
}

/// Fills the description of each error response left blank with what that status means
/// here, so every operation says the same thing about the same status.
struct ErrorDescriptions;

impl Modify for ErrorDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.post];
            for op in ops.into_iter().flatten() {
                for (status, response) in op.responses.responses.iter_mut() {
                    let utoipa::openapi::RefOr::T(r) = response else {
                        continue;
                    };
                    if r.description.is_empty() {
                        r.description = match status.as_str() {
                            "200" => "OK",
                            "202" => "Accepted: the sync was started",
                            "400" => "A parameter is invalid; `parameter` names it (and `allowed` lists the accepted values of an enumeration)",
                            "401" => "No bearer token, or it is invalid or expired (`WWW-Authenticate: Bearer`)",
                            "403" => "The token does not grant this taxpayer (decided from the token alone, before any lookup)",
                            "404" => "No such resource for this taxpayer",
                            "414" => "The request target is longer than the server reads (e.g. an over-long parameter)",
                            "429" => "Too many requests; `Retry-After` says when to retry",
                            "431" => "Too many or too large request headers",
                            "503" => "A store, the archive or the token keys are unavailable; `Retry-After` says when to retry",
                            _ => "",
                        }
                        .to_owned();
                    }
                }
            }
        }
    }
}

/// The API's OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
