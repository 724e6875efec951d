//! The NAV Online Számla 3.0 query client: builds and signs requests, bounds how many are in
//! flight (an adaptive limit, or strict 1 request/s pacing), retries what may pass, and reads
//! the answers into typed values.
//!
//! One [`NavClient`] serves any number of taxpayers (credentials go with each call) and any
//! number of concurrent callers; its concurrency limit, pacing and counters are shared by all
//! of them. Clone it freely: clones share the same connection pool, limit and counters. Build
//! one per process: the limit stands for one source IP's share of NAV.

mod auth;
mod concurrency;
mod endpoint;
mod error;
mod rate_limit;
mod request;
mod response;
mod retry;
mod software;
mod source;
mod stats;
mod tree;

use std::sync::Arc;
use std::time::Duration;

use navsync_domain::ports::DigestPage;
use navsync_domain::{Direction, NavCredentials, TaxpayerId};
use reqwest::header::{ACCEPT, CONTENT_TYPE};

pub use auth::{format_timestamp, new_request_id, password_hash, request_signature};
pub use concurrency::{
    Backoffs, ConcurrencyConfig, ConcurrencyController, ConcurrencyStats, OverloadSignal, Permit,
};
pub use endpoint::{Endpoint, EndpointError};
pub use error::{ClientError, FaultKind, NavFault, TechnicalValidation};
pub use rate_limit::RateLimiter;
pub use request::{
    API_NS, AdditionalQueryParams, COMMON_NS, InvalidRequest, InvoiceAppearance, InvoiceChainQuery,
    InvoiceNumberQuery, InvoiceQueryParams, MAX_QUERY_SPAN, MandatoryQuery, Operation,
    QueryOperator, QueryRequest, Relation, RelationalQueryParams, Source, TransactionQueryParams,
};
pub use response::{
    AuditData, ChainDigestPage, ChainElement, ChainReference, HashValue, RawInvoiceData,
    TaxpayerAddress, TaxpayerData, TaxpayerInfo,
};
pub use retry::RetryPolicy;
pub use software::{Software, SoftwareConfig, SoftwareError, SoftwareOperation};
pub use stats::{ClientStats, OperationStats};

use response::read_response;
use stats::Counters;

/// How the client talks to NAV. [`ClientConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub endpoint: Endpoint,
    pub software: Software,
    /// Time to establish a connection (TCP and TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Time for one whole request, from sending to the last byte of the answer. Spec 1.6.6:
    /// answers typically take under 200 ms, NAV itself gives up on a synchronous request after
    /// 5 s, and 60 s is the absolute limit; the default is that absolute 60 s, so a slow but
    /// coming answer is never abandoned. Anything under 5 s would treat NAV's normal worst
    /// case as a failure.
    pub request_timeout: Duration,
    /// Strict pacing: when set, one request at a time (retries included), each sent at least
    /// this long after the previous one was sent. [`ClientConfig::DEFAULT_REQUEST_INTERVAL`]
    /// keeps v1's one request/s (spec 1.6.11) with a margin: NAV measures arrivals, and a
    /// request that leaves on time can arrive a few milliseconds after one that left late (a
    /// fresh connection). Default `None`: 1.6.11 restricts v1 endpoints only, so v3 requests
    /// go under the adaptive [`ClientConfig::concurrency`] limit instead.
    pub min_request_interval: Option<Duration>,
    /// The adaptive limit on requests in flight, used unless strict pacing is set.
    pub concurrency: ConcurrencyConfig,
    pub retry: RetryPolicy,
    /// Largest response body read. NAV takes requests up to 10 MB and serves invoices in the
    /// form they were reported, so a `queryInvoiceData` answer stays near that; default 24 MiB.
    pub max_response_bytes: usize,
    /// Cap on a decoded (and decompressed) invoice document. NAV accepts up to 15 MB
    /// uncompressed per invoice (spec 1.6.5); default 16 MiB, so any invoice NAV holds fits and
    /// a gzip bomb does not.
    pub max_document_bytes: usize,
}

impl ClientConfig {
    /// NAV's 1 request/s with the margin explained at [`ClientConfig::min_request_interval`].
    pub const DEFAULT_REQUEST_INTERVAL: Duration = Duration::from_millis(1020);

    /// Strict pacing on ([`ClientConfig::DEFAULT_REQUEST_INTERVAL`], one at a time) or off
    /// (the adaptive limit).
    pub fn set_strict_pacing(&mut self, strict: bool) {
        self.min_request_interval = strict.then_some(Self::DEFAULT_REQUEST_INTERVAL);
    }

    pub fn new(endpoint: Endpoint, software: Software) -> Self {
        Self {
            endpoint,
            software,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            min_request_interval: None,
            concurrency: ConcurrencyConfig::default(),
            retry: RetryPolicy::default(),
            max_response_bytes: 24 << 20,
            max_document_bytes: 16 << 20,
        }
    }
}

/// The decoded answer of `queryInvoiceData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDataResponse {
    /// The invoice document, base64-decoded and, where NAV had it compressed, gunzipped.
    pub xml: Vec<u8>,
    pub audit: AuditData,
    /// Whether NAV sent the document gzip-compressed.
    pub compressed_content_indicator: bool,
    pub electronic_invoice_hash: Option<HashValue>,
    /// [`RawInvoiceData::hash_matches_data`]: checked here, where the base64 is still at hand.
    pub hash_matches_data: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NavClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    limiter: RateLimiter,
    concurrency: ConcurrencyController,
    counters: Counters,
}

impl NavClient {
    /// Errors: [`ClientError::Config`] for a zero timeout or size limit, concurrency bounds
    /// out of order, or when the HTTP client cannot be built.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        for (name, zero) in [
            ("request_timeout", config.request_timeout.is_zero()),
            ("connect_timeout", config.connect_timeout.is_zero()),
            ("max_response_bytes", config.max_response_bytes == 0),
            ("max_document_bytes", config.max_document_bytes == 0),
        ] {
            if zero {
                return Err(ClientError::Config(format!(
                    "{name} must be greater than zero"
                )));
            }
        }
        config.concurrency.validate().map_err(ClientError::Config)?;
        let concurrency = match config.min_request_interval.filter(|d| !d.is_zero()) {
            Some(_) => ConcurrencyController::fixed(1),
            None => ConcurrencyController::adaptive(config.concurrency),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("navsync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                limiter: RateLimiter::new(config.min_request_interval),
                concurrency,
                config,
                counters: Counters::default(),
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Calls, retries and failures so far, per operation, and the concurrency limit's state.
    pub fn stats(&self) -> ClientStats {
        let mut stats = self.inner.counters.snapshot();
        stats.concurrency = self.inner.concurrency.stats();
        stats
    }

    /// One page (1-based) of `queryInvoiceDigest`: at most 100 digests.
    pub async fn query_invoice_digest(
        &self,
        credentials: &NavCredentials,
        page: u32,
        direction: Direction,
        params: &InvoiceQueryParams,
    ) -> Result<DigestPage, ClientError> {
        let request = QueryRequest::InvoiceDigest {
            page,
            direction,
            params: params.clone(),
        };
        let root = self.execute(credentials, &request).await?;
        response::digest_page(&root)
    }

    /// Every page of a digest query, fetched one at a time as the caller asks for it.
    pub fn digest_pages<'a>(
        &'a self,
        credentials: &'a NavCredentials,
        direction: Direction,
        params: InvoiceQueryParams,
    ) -> DigestPager<'a> {
        DigestPager {
            client: self,
            credentials,
            direction,
            params,
            next: Some(1),
        }
    }

    /// `queryInvoiceData`: the document and its audit data, or `None` when NAV has no single
    /// valid invoice under this query (its empty OK answer).
    pub async fn query_invoice_data(
        &self,
        credentials: &NavCredentials,
        query: &InvoiceNumberQuery,
    ) -> Result<Option<InvoiceDataResponse>, ClientError> {
        let root = self
            .execute(credentials, &QueryRequest::InvoiceData(query.clone()))
            .await?;
        let Some(raw) = response::invoice_data(&root)? else {
            return Ok(None);
        };
        let xml = self.decode(&raw)?;
        let hash_matches_data = raw.hash_matches_data();
        Ok(Some(InvoiceDataResponse {
            hash_matches_data,
            xml,
            audit: raw.audit,
            compressed_content_indicator: raw.compressed_content_indicator,
            electronic_invoice_hash: raw.electronic_invoice_hash,
        }))
    }

    /// `queryInvoiceCheck`: whether NAV holds exactly one valid invoice under this number.
    pub async fn query_invoice_check(
        &self,
        credentials: &NavCredentials,
        query: &InvoiceNumberQuery,
    ) -> Result<bool, ClientError> {
        let root = self
            .execute(credentials, &QueryRequest::InvoiceCheck(query.clone()))
            .await?;
        response::invoice_check(&root)
    }

    /// One page of `queryInvoiceChainDigest`: the original invoice and its modifications.
    pub async fn query_invoice_chain_digest(
        &self,
        credentials: &NavCredentials,
        page: u32,
        query: &InvoiceChainQuery,
    ) -> Result<ChainDigestPage, ClientError> {
        let request = QueryRequest::InvoiceChainDigest {
            page,
            query: query.clone(),
        };
        let root = self.execute(credentials, &request).await?;
        response::chain_digest_page(&root)
    }

    /// `queryTaxpayer`: NAV's data on a Hungarian taxpayer.
    pub async fn query_taxpayer(
        &self,
        credentials: &NavCredentials,
        tax_number: TaxpayerId,
    ) -> Result<TaxpayerInfo, ClientError> {
        let root = self
            .execute(credentials, &QueryRequest::Taxpayer(tax_number))
            .await?;
        response::taxpayer(&root)
    }

    fn decode(&self, raw: &RawInvoiceData) -> Result<Vec<u8>, ClientError> {
        // xs:base64Binary may be wrapped; the decoder wants the bare alphabet.
        let data: std::borrow::Cow<'_, str> =
            if raw.invoice_data.bytes().any(|b| b.is_ascii_whitespace()) {
                raw.invoice_data
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect::<String>()
                    .into()
            } else {
                raw.invoice_data.as_str().into()
            };
        crate::invoice::decode_invoice_data(
            &data,
            raw.compressed_content_indicator,
            self.inner.config.max_document_bytes,
        )
        .map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Sends one request within the concurrency limit (and pacing, when strict), retrying what
    /// may pass; each attempt gets a fresh requestId, timestamp and signature, and waits for a
    /// slot again: a retry is held to the limit its failure may just have cut.
    async fn execute(
        &self,
        credentials: &NavCredentials,
        request: &QueryRequest,
    ) -> Result<tree::Element, ClientError> {
        let inner = &*self.inner;
        let op = request.operation();
        request.validate()?;
        let url = inner.config.endpoint.operation_url(op.as_str());
        let mut retry = 0u32;
        loop {
            let mut permit = inner.concurrency.acquire().await;
            inner.limiter.until_ready().await;
            permit.sent();
            let timestamp = auth::now_millis();
            let request_id = new_request_id(timestamp);
            let body =
                request.to_xml(credentials, &inner.config.software, &request_id, timestamp)?;
            inner.counters.call(op, retry > 0);
            tracing::debug!(operation = %op, request_id = %request_id, retry, "NAV request");
            let outcome = match self.send(&url, body).await {
                Ok((status, content_type, bytes)) => {
                    read_response(op, status, &content_type, &bytes)
                }
                Err(e) => Err(e),
            };
            match &outcome {
                Ok(_) => permit.answered(op),
                Err(e) => permit.failed(op, e),
            }
            match outcome {
                Ok(root) => return Ok(root),
                Err(e) if e.is_retryable() && retry < inner.config.retry.max_retries => {
                    retry += 1;
                    let delay = inner.config.retry.delay(retry);
                    tracing::warn!(operation = %op, request_id = %request_id, retry, ?delay, error = %e, "NAV request failed; retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    inner.counters.failure(op);
                    tracing::warn!(operation = %op, request_id = %request_id, retries = retry, error = %e, "NAV request failed");
                    return Err(e);
                }
            }
        }
    }

    /// Posts one request; the status, content type and body (at most `max_response_bytes`).
    async fn send(&self, url: &str, body: String) -> Result<(u16, String, Vec<u8>), ClientError> {
        let inner = &*self.inner;
        let limit = inner.config.max_response_bytes;
        let mut response = inner
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/xml")
            .header(ACCEPT, "application/xml")
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(ClientError::ResponseTooLarge { limit });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(ClientError::ResponseTooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, content_type, bytes))
    }

    /// Tells a timeout, a reset and a refused connection apart; the message carries no
    /// request content.
    fn transport_error(&self, e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            return ClientError::Timeout(self.inner.config.request_timeout);
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind::*;
                match io.kind() {
                    ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                        return ClientError::ConnectionReset(io.to_string());
                    }
                    TimedOut => return ClientError::Timeout(self.inner.config.request_timeout),
                    _ => {}
                }
            }
            if let Some(h) = s.downcast_ref::<hyper::Error>()
                && (h.is_incomplete_message() || h.is_closed())
            {
                return ClientError::ConnectionReset(h.to_string());
            }
            source = s.source();
        }
        if e.is_connect() {
            return ClientError::Connect(e.without_url().to_string());
        }
        ClientError::Transport(e.without_url().to_string())
    }
}

/// Pages through a digest query: [`DigestPager::next_page`] fetches page 1, 2, … up to NAV's
/// `availablePage`, one request each, so only one page is held at a time. After an error the
/// same page is asked for again on the next call.
pub struct DigestPager<'a> {
    client: &'a NavClient,
    credentials: &'a NavCredentials,
    direction: Direction,
    params: InvoiceQueryParams,
    next: Option<u32>,
}

impl DigestPager<'_> {
    /// The next page, or `None` after the last. A query without results yields one empty page.
    pub async fn next_page(&mut self) -> Option<Result<DigestPage, ClientError>> {
        let page = self.next?;
        let result = self
            .client
            .query_invoice_digest(self.credentials, page, self.direction, &self.params)
            .await;
        if let Ok(p) = &result {
            self.next = (p.current_page.max(page) < p.available_page).then_some(page + 1);
        }
        Some(result)
    }
}
