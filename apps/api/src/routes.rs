//! The handlers. Each checks the caller against the taxpayer in its path before touching a
//! port, so no listing, cursor, document or export of one taxpayer reaches another's reader.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use futures_util::stream;
use navsync_domain::ports::{DocumentArchive, InvoiceQueries, SyncStateStore};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::sync::{InvoiceChain, chain_root};
use navsync_domain::{Direction, InvoiceKey, Lookback};

use crate::auth::Caller;
use crate::dto::{
    DirectionStatusDto, DocumentUrlDto, HealthDto, InvoiceDetailDto, InvoiceListDto, MeDto,
    SyncAcceptedDto, SyncRequestDto, SyncStatusDto, TaxpayerRoleDto,
};
use crate::export_sink::{ExportDelivery, ExportFile};
use crate::params::{self, CsvDialect, DELIVERIES, DIALECTS, Delivery, Params};
use crate::problem::Problem;
use crate::sync_trigger::{SyncRequest, SyncTrigger};
use crate::{AppState, Backend, paths};

type ApiResult<T> = Result<T, Problem>;

/// axum's `Path`, with its rejection (a segment that is not UTF-8 once percent-decoded) as a
/// problem+json 400 instead of axum's plain-text one.
pub(crate) struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| ApiPath(t))
            .map_err(|e| Problem::bad_request(format!("path: {}", e.body_text())))
    }
}

#[utoipa::path(
    get, path = "/health", tag = "meta",
    summary = "Health",
    description = "Liveness: answers when the API runs. No authentication.",
    responses((status = 200, body = HealthDto))
)]
pub(crate) async fn health() -> Json<HealthDto> {
    Json(HealthDto {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// What kind of JSON value `v` is, for an error message.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[utoipa::path(
    get, path = "/v1/me", tag = "meta",
    summary = "The caller",
    description = "Who the token names: whether it is the operator (every taxpayer, sync), and \
        the taxpayers it names with its role on each (`reader`, or `admin`: a reader who may also sync).",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn me(caller: Caller) -> Json<MeDto> {
    let p = caller.0;
    Json(MeDto {
        subject: p.subject,
        operator: p.operator,
        taxpayers: p
            .roles
            .iter()
            .map(|(t, r)| TaxpayerRoleDto {
                taxpayer: t.to_string(),
                role: (*r).into(),
            })
            .collect(),
    })
}

#[utoipa::path(
    get, path = "/v1/taxpayers/{taxpayer}/invoices", tag = "invoices",
    summary = "List and search invoices",
    description = "A page of the taxpayer's invoices in one direction, filtered and sorted. \
        Filters combine with AND. Pass `next_cursor` as `cursor`, with the same filters, for the next page.",
    security(("bearer" = [])),
    params(
        params::TaxpayerPath,
        params::ListParams,
    ),
    responses(
        (status = 200, body = InvoiceListDto),
        (status = 400, description = "A parameter is invalid; `parameter` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token does not grant this taxpayer", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_invoices<B: Backend>(
    State(state): State<AppState<B>>,
    caller: Caller,
    ApiPath(taxpayer): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<InvoiceListDto>> {
    let taxpayer = params::taxpayer("taxpayer", &taxpayer)?;
    caller.require_taxpayer(taxpayer)?;
    let p = Params::parse(raw.as_deref(), params::LIST_PARAMS)?;
    let query = params::invoice_query(taxpayer, &p)?;
    let page = state
        .backend
        .queries()
        .search(&query)
        .await
        .map_err(Problem::from_search)?;
    Ok(Json(InvoiceListDto {
        items: page.items.iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// `{direction}/{supplier}/{*number}` of an invoice path, and its `?batch=`.
fn read_key(
    (taxpayer, direction, supplier, number): (String, String, String, String),
    raw: Option<&str>,
    allowed: &[&str],
) -> ApiResult<(InvoiceKey, Params)> {
    let p = Params::parse(raw, allowed)?;
    let batch = p.u32_in("batch", 1, u32::MAX)?;
    let key = params::invoice_key(&taxpayer, &direction, &supplier, &number, batch)?;
    Ok((key, p))
}

#[utoipa::path(
    get, path = "/v1/taxpayers/{taxpayer}/invoices/{direction}/{supplier}/{invoice_number}", tag = "invoices",
    summary = "One invoice in full, with its modification chain",
    description = "One invoice in full: parties, lines, VAT summary, totals, and its modification chain \
        with the effective state and totals. `invoice_number` is percent-encoded (`/` as `%2F`).",
    security(("bearer" = [])),
    params(
        params::InvoicePath,
        params::BatchParam,
    ),
    responses(
        (status = 200, body = InvoiceDetailDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invoice for this taxpayer", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_invoice<B: Backend>(
    State(state): State<AppState<B>>,
    caller: Caller,
    ApiPath(path): ApiPath<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<InvoiceDetailDto>> {
    caller.require_taxpayer(params::taxpayer("taxpayer", &path.0)?)?;
    let (key, _) = read_key(path, raw.as_deref(), &["batch"])?;
    let queries = state.backend.queries();
    let record = queries
        .get(&key)
        .await
        .map_err(Problem::from_repo)?
        .ok_or_else(|| Problem::not_found("no such invoice for this taxpayer"))?;
    let root = chain_root(&record).clone();
    let members = queries
        .chain(
            key.taxpayer,
            key.id.direction,
            key.id.supplier_tax_number,
            root.as_str(),
        )
        .await
        .map_err(Problem::from_repo)?;
    let chain = InvoiceChain::build(root, members);
    let versions = queries.versions(&key).await.map_err(Problem::from_repo)?;
    Ok(Json(
        InvoiceDetailDto::new(&record, &chain).with_versions(&versions),
    ))
}

#[utoipa::path(
    get, path = "/v1/taxpayers/{taxpayer}/documents/{direction}/{supplier}/{invoice_number}", tag = "invoices",
    summary = "Download the original invoice XML",
    description = "The original invoice XML as NAV holds it. `delivery=redirect` (default): 302 to a \
        short-lived presigned URL where the archive gives one, otherwise the XML itself. \
        `delivery=url`: JSON with the URL. `delivery=bytes`: the XML itself.",
    security(("bearer" = [])),
    params(
        params::InvoicePath,
        params::DocumentParams,
    ),
    responses(
        (status = 200, description = "The original XML (`delivery=bytes`, or `redirect` where the archive has no \
            presigned URLs); or, for `delivery=url`, JSON saying where to download it",
            content((String = "application/xml"), (DocumentUrlDto = "application/json"))),
        (status = 302, description = "Redirect to a presigned URL", headers(("Location" = String, description = "The presigned URL"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_document<B: Backend>(
    State(state): State<AppState<B>>,
    caller: Caller,
    ApiPath(path): ApiPath<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.require_taxpayer(params::taxpayer("taxpayer", &path.0)?)?;
    let (key, p) = read_key(path, raw.as_deref(), &["batch", "delivery"])?;
    let delivery = p
        .choice::<Delivery>("delivery", DELIVERIES)?
        .unwrap_or_default();
    let record = state
        .backend
        .queries()
        .get(&key)
        .await
        .map_err(Problem::from_repo)?
        .ok_or_else(|| Problem::not_found("no such invoice for this taxpayer"))?;
    let archive = state.backend.archive();
    let ttl = state.config.presign_ttl;
    if delivery != Delivery::Bytes
        && let Some(url) = archive
            .download_url(&record.document, ttl)
            .await
            .map_err(Problem::from_archive)?
    {
        return Ok(match delivery {
            Delivery::Url => Json(DocumentUrlDto {
                url,
                expires_in_seconds: Some(ttl.as_secs()),
            })
            .into_response(),
            _ => no_store(found(&url)?),
        });
    }
    if delivery == Delivery::Url {
        let own = paths::document(&key);
        let sep = if own.contains('?') { '&' } else { '?' };
        return Ok(Json(DocumentUrlDto {
            url: format!("{own}{sep}delivery=bytes"),
            expires_in_seconds: None,
        })
        .into_response());
    }
    let xml = archive
        .get(&record.document)
        .await
        .map_err(Problem::from_archive)?;
    let filename = record
        .document
        .key
        .rsplit('/')
        .next()
        .unwrap_or("invoice.xml")
        .to_owned();
    let mut res = (StatusCode::OK, xml).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    h.insert(header::CONTENT_DISPOSITION, attachment(&filename));
    Ok(res)
}

/// `Content-Disposition: attachment` for `name` (RFC 6266): `filename*` carries the name in
/// UTF-8, `filename` an ASCII fallback. The archive key's percent-encoding is undone first
/// (`SZ%2F2024%2F001.xml` is invoice SZ/2024/001), and characters no file name may hold
/// (`/`, `\\`, `"`, controls, …) become `_`, as a browser would save them.
fn attachment(name: &str) -> HeaderValue {
    let mut bytes = Vec::with_capacity(name.len());
    let raw = name.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            raw[i],
            raw.get(i + 1).copied().and_then(hex),
            raw.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                bytes.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, ..) => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    let decoded: String = String::from_utf8_lossy(&bytes)
        .chars()
        .map(|c| match c {
            '/' | '\\' | '"' | ':' | '*' | '?' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let ascii: String = decoded
        .chars()
        .map(|c| if c.is_ascii() && c != '%' { c } else { '_' })
        .collect();
    let mut star = String::new();
    for b in decoded.bytes() {
        // RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else %XX.
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            star.push(b as char);
        } else {
            star.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{star}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// 302 Found, as the OpenAPI document says (axum's `Redirect::to` is a 303).
fn found(url: &str) -> ApiResult<Response> {
    let location = HeaderValue::from_str(url).map_err(|_| {
        tracing::error!("archive returned a download URL that is not a header value");
        Problem::internal("the archive returned an unusable download URL")
    })?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// A presigned URL must not be cached past its life.
fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[utoipa::path(
    get, path = "/v1/taxpayers/{taxpayer}/invoices.csv", tag = "invoices",
    summary = "Export invoices as CSV",
    description = "Every invoice matching the filters as CSV, streamed page by page (nothing is \
        held whole). `dialect=excel_hu` (default): UTF-8 with BOM, `;` separator, decimal comma, \
        formula-like text prefixed with `'` — opens correctly in Excel with a Hungarian locale; \
        the dialect for people. `dialect=rfc4180`: UTF-8, `,` separator, decimal point, values \
        verbatim (formula-like text included) — for machines only, never for a spreadsheet. A store failure after the first \
        page aborts the body (the download then ends incomplete rather than silently short). \
        Where responses are bounded (the AWS deployment) the export is written to storage whole \
        instead and the answer is 303 See Other to a short-lived download link (a failure part way \
        is then a 503, never a short file).",
    security(("bearer" = [])),
    params(
        params::TaxpayerPath,
        params::ExportParams,
    ),
    responses(
        (status = 200, description = "CSV with a header row", content_type = "text/csv", body = String),
        (status = 303, description = "The export, written whole, at a short-lived link (AWS)",
            headers(("Location" = String, description = "presigned download URL of the CSV"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn export_invoices<B: Backend>(
    State(state): State<AppState<B>>,
    caller: Caller,
    ApiPath(taxpayer): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let taxpayer = params::taxpayer("taxpayer", &taxpayer)?;
    caller.require_taxpayer(taxpayer)?;
    let p = Params::parse(raw.as_deref(), params::EXPORT_PARAMS)?;
    let dialect = p
        .choice::<CsvDialect>("dialect", DIALECTS)?
        .unwrap_or_default();
    let mut query = params::invoice_query(taxpayer, &p)?;
    query.limit = state.config.export_page.clamp(1, InvoiceQuery::MAX_LIMIT);
    let sink = state.config.export_sink.clone();
    // The first page is read before answering, so a bad request or an unavailable store
    // still gets a proper status instead of a broken download.
    let first = state
        .backend
        .queries()
        .search(&query)
        .await
        .map_err(Problem::from_search)?;
    let mut head = dialect.preamble();
    for s in &first.items {
        dialect.write(&mut head, s);
    }
    let filename = format!(
        "navsync-{taxpayer}-{}-invoices.csv",
        query.direction.as_str().to_lowercase()
    );
    let rest = stream::unfold(
        (state, query, first.next_cursor),
        move |(state, mut query, cursor)| async move {
            let cursor = cursor?;
            query.cursor = Some(cursor);
            match state.backend.queries().search(&query).await {
                Ok(page) => {
                    let mut chunk = String::new();
                    for s in &page.items {
                        dialect.write(&mut chunk, s);
                    }
                    Some((Ok(Bytes::from(chunk)), (state, query, page.next_cursor)))
                }
                Err(e) => {
                    tracing::error!(error = %e, "export aborted mid-stream");
                    Some((
                        Err(std::io::Error::other(e.to_string())),
                        (state, query, None),
                    ))
                }
            }
        },
    );
    let body = stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) }).chain(rest);
    if let Some(ExportDelivery(sink)) = &sink {
        let file = ExportFile {
            filename,
            content_type: "text/csv; charset=utf-8".into(),
        };
        let url = sink.deliver(&file, Box::pin(body)).await.map_err(|e| {
            tracing::error!(error = %e, "export not delivered");
            Problem::unavailable("the export could not be completed; try again", 1)
        })?;
        let location = HeaderValue::from_str(&url).map_err(|_| {
            tracing::error!("export sink returned a URL that is not a header value");
            Problem::internal("the export storage returned an unusable download URL")
        })?;
        return Ok(no_store(
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        ));
    }
    let mut res = Response::new(Body::from_stream(body));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CONTENT_DISPOSITION, attachment(&filename));
    Ok(res)
}

#[utoipa::path(
    get, path = "/v1/taxpayers/{taxpayer}/sync", tag = "sync",
    summary = "Sync status",
    description = "Sync status per direction: the watermark (every invoice NAV received before it is \
        stored or pending), how the last run ended, and the pending invoices: listed by NAV but not \
        fetchable or readable yet, each with its reason, attempts and next attempt.",
    security(("bearer" = [])),
    params(params::TaxpayerPath),
    responses(
        (status = 200, body = SyncStatusDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn sync_status<B: Backend>(
    State(state): State<AppState<B>>,
    caller: Caller,
    ApiPath(taxpayer): ApiPath<String>,
) -> ApiResult<Json<SyncStatusDto>> {
    let taxpayer = params::taxpayer("taxpayer", &taxpayer)?;
    caller.require_taxpayer(taxpayer)?;
    let mut directions = Vec::new();
    for d in Direction::BOTH {
        let s = state
            .backend
            .sync_state()
            .load(taxpayer, d)
            .await
            .map_err(Problem::from_repo)?;
        let pending = state
            .backend
            .sync_state()
            .pending(taxpayer, d, DirectionStatusDto::MAX_PENDING + 1)
            .await
            .map_err(Problem::from_repo)?;
        directions.push(DirectionStatusDto::new(d, &s, &pending));
    }
    Ok(Json(SyncStatusDto {
        taxpayer: taxpayer.to_string(),
        directions,
    }))
}

#[utoipa::path(
    post, path = "/v1/taxpayers/{taxpayer}/sync", tag = "sync",
    summary = "Sync now (the taxpayer's admins)",
    description = "Start a sync of the taxpayer now: needs the admin role on this taxpayer, or the operator role. \
        The body is optional.",
    security(("bearer" = [])),
    params(params::TaxpayerPath),
    request_body(content = Option<SyncRequestDto>, content_type = "application/json"),
    responses(
        (status = 202, body = SyncAcceptedDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is neither this taxpayer's admin nor the operator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A sync is running already, the taxpayer cannot be synced, or this deployment cannot start syncs on request", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn sync_now<B: Backend>(
    State(state): State<AppState<B>>,
    caller: Caller,
    ApiPath(taxpayer): ApiPath<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<SyncAcceptedDto>)> {
    let taxpayer = params::taxpayer("taxpayer", &taxpayer)?;
    // Before the body is looked at: a caller who may not sync learns nothing from it.
    caller.require_sync(taxpayer)?;
    let body = body.map_err(|e| Problem::invalid_parameter("body", e.body_text()))?;
    // No body, and JSON `null`, both mean "the defaults" (the body is optional).
    let req: SyncRequestDto = if body.iter().all(u8::is_ascii_whitespace) {
        SyncRequestDto::default()
    } else {
        // Through a Value first: serde would also read a struct from a JSON array.
        let invalid = |e: &dyn std::fmt::Display| {
            Problem::invalid_parameter(
                "body",
                format!(
                    "body must be a JSON object like {{\"directions\":[\"INBOUND\"],\"lookback_days\":7}}: {e}"
                ),
            )
        };
        match serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| invalid(&e))? {
            serde_json::Value::Null => SyncRequestDto::default(),
            value @ serde_json::Value::Object(_) => {
                serde_json::from_value(value).map_err(|e| invalid(&e))?
            }
            other => return Err(invalid(&format!("got {}", json_kind(&other)))),
        }
    };
    let lookback = req
        .lookback_days
        .map(|d| {
            Lookback::try_from(d)
                .map_err(|e| Problem::invalid_parameter("lookback_days", e.to_string()))
        })
        .transpose()?;
    let mut directions: Vec<Direction> = match req.directions {
        Some(ds) if ds.is_empty() => {
            return Err(Problem::invalid_parameter(
                "directions",
                "directions must name at least one of INBOUND, OUTBOUND (or be left out for both)",
            ));
        }
        Some(ds) => ds.into_iter().map(Into::into).collect(),
        None => Direction::BOTH.to_vec(),
    };
    directions.sort();
    directions.dedup();
    let request = SyncRequest {
        taxpayer,
        directions: directions.clone(),
        lookback,
    };
    tracing::info!(%taxpayer, subject = %caller.0.subject, "sync requested");
    let started = state.backend.sync_trigger().trigger(&request).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SyncAcceptedDto {
            taxpayer: taxpayer.to_string(),
            directions: directions.into_iter().map(Into::into).collect(),
            reference: started.reference,
        }),
    ))
}

pub(crate) async fn not_found() -> Problem {
    Problem::not_found("no such resource; see /docs for the API")
}

pub(crate) async fn method_not_allowed() -> Problem {
    Problem::method_not_allowed("this method is not allowed on this resource; see /docs")
}

#[cfg(test)]
mod attachment_tests {
    use super::attachment;

    #[test]
    fn an_archive_key_name_is_saved_without_percent_signs_or_slashes() {
        assert_eq!(
            attachment("99999999_SZ%2F2024%2F001.xml"),
            "attachment; filename=\"99999999_SZ_2024_001.xml\"; filename*=UTF-8''99999999_SZ_2024_001.xml"
        );
        // Non-ASCII in filename* as UTF-8; the fallback keeps ASCII only.
        assert_eq!(
            attachment("12345678_%C3%81RV%C3%8DZ%2F7.xml"),
            "attachment; filename=\"12345678__RV_Z_7.xml\"; filename*=UTF-8''12345678_%C3%81RV%C3%8DZ_7.xml"
        );
        assert_eq!(
            attachment("navsync-12345678-outbound-invoices.csv"),
            "attachment; filename=\"navsync-12345678-outbound-invoices.csv\"; filename*=UTF-8''navsync-12345678-outbound-invoices.csv"
        );
        // A quote or a backslash cannot break out of the quoted fallback.
        assert_eq!(
            attachment("a\"b\\c%22.xml"),
            "attachment; filename=\"a_b_c_.xml\"; filename*=UTF-8''a_b_c_.xml"
        );
    }
}
