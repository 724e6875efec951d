//! [`DynamoStore`]: the invoice repository, its queries and the sync state in one table.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use chrono::{DateTime, SecondsFormat, Utc};
use navsync_domain::ports::{InvoiceQueries, InvoiceRepository, RepoError, SyncStateStore};
use navsync_domain::query::{InvoicePage, InvoiceQuery, InvoiceSummary, SortOrder};
use navsync_domain::sync::{PendingInvoice, RunRecord, SyncState};
use navsync_domain::{Direction, InvoiceKey, InvoiceRecord, ReportId, TaxpayerId, later_report};
use sha2::{Digest, Sha256};

use crate::cursor::{CursorSigner, Position, hex};
use crate::error::repo_error;
use crate::item::{self, Item, s};
use crate::overflow::Overflow;
use crate::table;

/// How many quarantined invoices of one taxpayer and direction are read to order them.
const PENDING_READ_CAP: usize = 10_000;

/// DynamoDB's limits for one BatchWriteItem / BatchGetItem call.
const BATCH_WRITE_ITEMS: usize = 25;
const BATCH_WRITE_BYTES: usize = 16 * 1024 * 1024;
const BATCH_GET_KEYS: usize = 100;
/// Item documents above this go to the overflow store, leaving room under DynamoDB's 400 KB
/// for the keys and the summary attributes.
pub const DEFAULT_INLINE_LIMIT: usize = 300 * 1024;
/// Rounds of re-sending `UnprocessedItems`/`UnprocessedKeys` before giving up as unavailable.
const UNPROCESSED_ROUNDS: u32 = 8;
/// A prefix search sorts its matches in memory; past this many it refuses rather than read
/// without bound.
pub const MAX_PREFIX_MATCHES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("DYNAMODB table name is empty")]
    EmptyTable,
    #[error("the cursor signing key must be at least 32 bytes (it is {0})")]
    ShortCursorKey(usize),
}

/// How to reach the table.
#[derive(Clone)]
pub struct DynamoConfig {
    pub table: String,
    /// HMAC key that signs pagination cursors; at least 32 bytes, the same for every instance
    /// serving the API (e.g. from an SSM SecureString or a Lambda environment secret).
    pub cursor_key: Vec<u8>,
    /// SDK attempts per call, throttling included (standard retry mode, exponential backoff).
    pub max_attempts: u32,
}

impl DynamoConfig {
    pub fn new(table: impl Into<String>, cursor_key: impl Into<Vec<u8>>) -> Self {
        Self {
            table: table.into(),
            cursor_key: cursor_key.into(),
            max_attempts: 8,
        }
    }
}

impl std::fmt::Debug for DynamoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoConfig")
            .field("table", &self.table)
            .field("cursor_key", &"***")
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// The DynamoDB adapter of [`InvoiceRepository`], [`InvoiceQueries`] and [`SyncStateStore`].
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    cursors: CursorSigner,
    overflow: Option<Arc<dyn Overflow>>,
    inline_limit: usize,
}

impl DynamoStore {
    /// A store over `sdk` (region, credentials, endpoint) with throttling retried per `config`.
    pub fn new(sdk: &SdkConfig, config: DynamoConfig) -> Result<Self, ConfigError> {
        if config.table.is_empty() {
            return Err(ConfigError::EmptyTable);
        }
        if config.cursor_key.len() < 32 {
            return Err(ConfigError::ShortCursorKey(config.cursor_key.len()));
        }
        let conf = aws_sdk_dynamodb::config::Builder::from(sdk)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(config.max_attempts.max(1))
                    .with_initial_backoff(Duration::from_millis(50)),
            )
            .build();
        Ok(Self {
            client: Client::from_conf(conf),
            table: config.table,
            cursors: CursorSigner::new(config.cursor_key),
            overflow: None,
            inline_limit: DEFAULT_INLINE_LIMIT,
        })
    }

    /// Stores documents too large for an item in `overflow`, with a pointer in the item.
    /// Without one, such an invoice is refused with [`RepoError::Invalid`].
    pub fn with_overflow(mut self, overflow: Arc<dyn Overflow>) -> Self {
        self.overflow = Some(overflow);
        self
    }

    /// Moves documents above `bytes` to the overflow store (default [`DEFAULT_INLINE_LIMIT`]).
    pub fn with_inline_limit(mut self, bytes: usize) -> Self {
        self.inline_limit = bytes;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table from `table.json` (for tests and local set-up; Terraform owns it in AWS).
    pub async fn create_table(&self) -> Result<(), table::CreateTableError> {
        table::create_table(&self.client, &self.table).await
    }

    // ---- encoding with overflow -------------------------------------------------------

    async fn encode(&self, record: &InvoiceRecord) -> Result<Item, RepoError> {
        let item::Encoded { mut item, doc } = item::encode(record)?;
        if doc.len() <= self.inline_limit {
            item.insert("doc".into(), AttributeValue::B(Blob::new(doc)));
            return Ok(item);
        }
        let Some(overflow) = &self.overflow else {
            return Err(RepoError::Invalid(format!(
                "invoice {} is {} bytes, over the item limit, and no overflow store is configured",
                record.key.id.invoice_number,
                doc.len()
            )));
        };
        let sha = hex(&Sha256::digest(&doc));
        // Content-addressed, so a re-put of the same invoice writes the same object.
        let key = format!("invoice-overflow/{}/{sha}.json", record.key.taxpayer);
        overflow.put(&key, &doc).await?;
        item.insert("doc_ref".into(), s(key));
        item.insert("doc_sha256".into(), s(sha));
        Ok(item)
    }

    async fn decode(&self, item: &Item) -> Result<InvoiceRecord, RepoError> {
        let pk = item::get_s(item, "pk")?.to_owned();
        let doc = match item.get("doc") {
            Some(AttributeValue::B(b)) => b.clone().into_inner(),
            _ => {
                let key = item::get_s(item, "doc_ref")?;
                let expected = item::get_s(item, "doc_sha256")?;
                let overflow = self.overflow.as_ref().ok_or_else(|| {
                    RepoError::Corrupt(format!(
                        "item {pk} keeps its document in the overflow store, which is not configured"
                    ))
                })?;
                let bytes = overflow.get(key).await?;
                let actual = hex(&Sha256::digest(&bytes));
                if actual != expected {
                    return Err(RepoError::Corrupt(format!(
                        "overflow document {key} of {pk} hashes to {actual}, expected {expected}"
                    )));
                }
                bytes
            }
        };
        serde_json::from_slice(&doc)
            .map_err(|e| RepoError::Corrupt(format!("invoice item {pk} unreadable: {e}")))
    }

    // ---- batches ----------------------------------------------------------------------

    async fn batch_write(&self, items: Vec<Item>) -> Result<(), RepoError> {
        let mut chunk: Vec<WriteRequest> = Vec::new();
        let mut bytes = 0;
        for item in items {
            let size = item::item_size(&item);
            if !chunk.is_empty()
                && (chunk.len() == BATCH_WRITE_ITEMS || bytes + size > BATCH_WRITE_BYTES)
            {
                self.write_chunk(std::mem::take(&mut chunk)).await?;
                bytes = 0;
            }
            bytes += size;
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| RepoError::Invalid(e.to_string()))?;
            chunk.push(WriteRequest::builder().put_request(put).build());
        }
        if !chunk.is_empty() {
            self.write_chunk(chunk).await?;
        }
        Ok(())
    }

    /// One BatchWriteItem, re-sending what DynamoDB left unprocessed with backoff.
    async fn write_chunk(&self, mut requests: Vec<WriteRequest>) -> Result<(), RepoError> {
        for round in 0..UNPROCESSED_ROUNDS {
            if round > 0 {
                tokio::time::sleep(backoff(round)).await;
            }
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(|e| repo_error("BatchWriteItem", e))?;
            requests = out
                .unprocessed_items
                .and_then(|mut m| m.remove(&self.table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            tracing::debug!(
                left = requests.len(),
                round,
                "BatchWriteItem left items unprocessed"
            );
        }
        Err(RepoError::Unavailable(format!(
            "BatchWriteItem still left {} items unprocessed after {UNPROCESSED_ROUNDS} rounds",
            requests.len()
        )))
    }

    /// BatchGetItem over any number of keys, re-asking for `UnprocessedKeys` with backoff.
    async fn batch_get(
        &self,
        keys: Vec<Item>,
        projection: Option<&str>,
    ) -> Result<Vec<Item>, RepoError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET_KEYS) {
            let mut pending = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .set_projection_expression(projection.map(str::to_owned))
                .consistent_read(true)
                .build()
                .map_err(|e| RepoError::Invalid(e.to_string()))?;
            let mut round = 0;
            loop {
                if round > 0 {
                    tokio::time::sleep(backoff(round)).await;
                }
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(|e| repo_error("BatchGetItem", e))?;
                if let Some(mut r) = out.responses {
                    found.extend(r.remove(&self.table).unwrap_or_default());
                }
                match out.unprocessed_keys.and_then(|mut m| m.remove(&self.table)) {
                    Some(left) if !left.keys().is_empty() => {
                        round += 1;
                        if round >= UNPROCESSED_ROUNDS {
                            return Err(RepoError::Unavailable(format!(
                                "BatchGetItem still left {} keys unprocessed after {UNPROCESSED_ROUNDS} rounds",
                                left.keys().len()
                            )));
                        }
                        pending = left;
                    }
                    _ => break,
                }
            }
        }
        Ok(found)
    }

    // ---- search -----------------------------------------------------------------------

    /// The filter expression for every filter the chosen index's key does not apply.
    fn filters(
        query: &InvoiceQuery,
        index: &str,
        names: &mut HashMap<String, String>,
        values: &mut HashMap<String, AttributeValue>,
    ) -> Option<String> {
        let mut parts = Vec::new();
        let mut add = |name: &str, expr: String, vals: Vec<(&str, AttributeValue)>| {
            names.insert(format!("#{name}"), name.to_owned());
            for (k, v) in vals {
                values.insert(k.to_owned(), v);
            }
            parts.push(expr);
        };
        if index == table::BY_NUMBER {
            if let Some(from) = query.issue_date_from {
                add(
                    "issue_date",
                    "#issue_date >= :from".into(),
                    vec![(":from", s(from.to_string()))],
                );
            }
            if let Some(to) = query.issue_date_to {
                add(
                    "issue_date",
                    "#issue_date <= :to".into(),
                    vec![(":to", s(to.to_string()))],
                );
            }
        } else if let Some(prefix) = query
            .invoice_number_prefix
            .as_deref()
            .filter(|p| !p.is_empty())
        {
            add(
                "invoice_number",
                "begins_with(#invoice_number, :prefix)".into(),
                vec![(":prefix", s(prefix))],
            );
        }
        if let Some(partner) = query.partner_tax_number
            && index != table::BY_PARTNER
        {
            add(
                "partner_tax",
                "#partner_tax = :partner".into(),
                vec![(":partner", s(partner.to_string()))],
            );
        }
        if let Some(name) = query.partner_name.as_deref() {
            let lc = name.to_lowercase();
            if lc.is_empty() {
                add(
                    "partner_name_lc",
                    "attribute_exists(#partner_name_lc)".into(),
                    vec![],
                );
            } else {
                add(
                    "partner_name_lc",
                    "contains(#partner_name_lc, :pname)".into(),
                    vec![(":pname", s(lc))],
                );
            }
        }
        if let Some(min) = query.min_gross_huf {
            add(
                "gross_huf",
                "#gross_huf >= :min".into(),
                vec![(":min", AttributeValue::N(min.normalize().to_string()))],
            );
        }
        if let Some(max) = query.max_gross_huf {
            add(
                "gross_huf",
                "#gross_huf <= :max".into(),
                vec![(":max", AttributeValue::N(max.normalize().to_string()))],
            );
        }
        if let Some(currency) = query.currency.as_deref() {
            if currency.is_empty() {
                // DynamoDB has no empty-string literal in expressions; size() says the same.
                add(
                    "currency",
                    "size(#currency) = :zero".into(),
                    vec![(":zero", AttributeValue::N("0".into()))],
                );
            } else {
                add(
                    "currency",
                    "#currency = :currency".into(),
                    vec![(":currency", s(currency))],
                );
            }
        }
        if let Some(category) = query.category {
            add(
                "category",
                "#category = :category".into(),
                vec![(":category", s(category.as_str()))],
            );
        }
        if let Some(method) = query.payment_method {
            add(
                "payment_method",
                "#payment_method = :method".into(),
                vec![(":method", s(method.as_str()))],
            );
        }
        if let Some(op) = query.operation {
            add(
                "operation",
                "#operation = :op".into(),
                vec![(":op", s(op.as_str()))],
            );
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }

    fn check_limit(query: &InvoiceQuery) -> Result<usize, RepoError> {
        if query.limit == 0 || query.limit > InvoiceQuery::MAX_LIMIT {
            return Err(RepoError::Invalid(format!(
                "limit {} must be 1 to {}",
                query.limit,
                InvoiceQuery::MAX_LIMIT
            )));
        }
        Ok(query.limit as usize)
    }

    /// Date-ordered search on `by_date` or `by_partner`: the index order is the page order,
    /// so a page resumes right after the last item the previous page returned.
    async fn search_ordered(
        &self,
        query: &InvoiceQuery,
        after: Option<Position>,
        limit: usize,
    ) -> Result<InvoicePage, RepoError> {
        let tp_dir = item::tp_dir(query.taxpayer, query.direction);
        let (index, hash_name, hash_value) = match query.partner_tax_number {
            Some(partner) => (table::BY_PARTNER, "gsi2pk", format!("{tp_dir}#{partner}")),
            None => (table::BY_DATE, "gsi1pk", tp_dir),
        };
        let mut names = HashMap::from([
            ("#h".to_owned(), hash_name.to_owned()),
            ("#r".to_owned(), "gsi1sk".to_owned()),
        ]);
        let mut values = HashMap::from([(":h".to_owned(), s(&hash_value))]);
        let mut key_cond = "#h = :h".to_owned();
        match (query.issue_date_from, query.issue_date_to) {
            (Some(from), Some(to)) => {
                key_cond.push_str(" AND #r BETWEEN :from_key AND :to_key");
                values.insert(":from_key".into(), s(from.to_string()));
                values.insert(":to_key".into(), s(format!("{to}\u{2}")));
            }
            (Some(from), None) => {
                key_cond.push_str(" AND #r >= :from_key");
                values.insert(":from_key".into(), s(from.to_string()));
            }
            (None, Some(to)) => {
                key_cond.push_str(" AND #r <= :to_key");
                values.insert(":to_key".into(), s(format!("{to}\u{2}")));
            }
            (None, None) => {
                names.remove("#r");
            }
        }
        let filter = Self::filters(query, index, &mut names, &mut values);
        let mut start = after.map(|p| {
            HashMap::from([
                ("pk".to_owned(), s(p.pk)),
                ("sk".to_owned(), s(p.sk)),
                (hash_name.to_owned(), s(&hash_value)),
                ("gsi1sk".to_owned(), s(p.sort)),
            ])
        });
        let mut items = Vec::with_capacity(limit);
        let mut last: Option<Position> = None;
        let mut more = false;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression(&key_cond)
                .set_filter_expression(filter.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(query.order == SortOrder::OldestFirst)
                // One more than needed tells whether a next page exists; at least 25, since
                // filters drop items after DynamoDB counts them.
                .limit((limit - items.len() + 1).clamp(25, 1000) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| repo_error("Query", e))?;
            let found = out.items.unwrap_or_default();
            for it in found {
                if items.len() == limit {
                    more = true;
                    break;
                }
                items.push(item::decode_summary(&it)?);
                last = Some(Position {
                    pk: item::get_s(&it, "pk")?.to_owned(),
                    sk: item::get_s(&it, "sk")?.to_owned(),
                    sort: item::get_s(&it, "gsi1sk")?.to_owned(),
                });
            }
            if more {
                break;
            }
            match out.last_evaluated_key {
                Some(k) if items.len() < limit => start = Some(k),
                Some(_) => {
                    more = true;
                    break;
                }
                None => break,
            }
        }
        let next_cursor = match (more, last) {
            (true, Some(p)) => Some(self.cursors.issue(query, p)),
            _ => None,
        };
        Ok(InvoicePage {
            items,
            next_cursor,
            total: None,
        })
    }

    /// Search by number prefix on `by_number`: the prefix narrows the key range, and the
    /// matches are sorted by date in memory (bounded by [`MAX_PREFIX_MATCHES`]).
    async fn search_prefix(
        &self,
        query: &InvoiceQuery,
        prefix: &str,
        after: Option<Position>,
        limit: usize,
    ) -> Result<InvoicePage, RepoError> {
        let mut names = HashMap::from([
            ("#h".to_owned(), "gsi1pk".to_owned()),
            ("#r".to_owned(), "gsi3sk".to_owned()),
        ]);
        let mut values = HashMap::from([
            (
                ":h".to_owned(),
                s(item::tp_dir(query.taxpayer, query.direction)),
            ),
            (":prefix_key".to_owned(), s(prefix)),
        ]);
        let filter = Self::filters(query, table::BY_NUMBER, &mut names, &mut values);
        let mut matches: Vec<(String, Item)> = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(table::BY_NUMBER)
                .key_condition_expression("#h = :h AND begins_with(#r, :prefix_key)")
                .set_filter_expression(filter.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| repo_error("Query", e))?;
            for it in out.items.unwrap_or_default() {
                let sort = item::get_s(&it, "gsi1sk")?.to_owned();
                matches.push((sort, it));
            }
            if matches.len() > MAX_PREFIX_MATCHES {
                return Err(RepoError::Invalid(format!(
                    "invoice number prefix {prefix:?} matches more than {MAX_PREFIX_MATCHES} invoices; give a longer prefix or a date range"
                )));
            }
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        let newest = query.order == SortOrder::NewestFirst;
        matches.sort_by(|a, b| if newest { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
        if let Some(after) = &after {
            matches.retain(|(sort, _)| {
                if newest {
                    *sort < after.sort
                } else {
                    *sort > after.sort
                }
            });
        }
        let total_left = matches.len();
        let page: Vec<(String, Item)> = matches.into_iter().take(limit).collect();
        let items = page
            .iter()
            .map(|(_, it)| item::decode_summary(it))
            .collect::<Result<Vec<InvoiceSummary>, _>>()?;
        let next_cursor = match page.last() {
            Some((sort, it)) if total_left > limit => Some(self.cursors.issue(
                query,
                Position {
                    pk: item::get_s(it, "pk")?.to_owned(),
                    sk: item::get_s(it, "sk")?.to_owned(),
                    sort: sort.clone(),
                },
            )),
            _ => None,
        };
        Ok(InvoicePage {
            items,
            next_cursor,
            total: None,
        })
    }
}

/// What the current item of a stored invoice says about its versions.
struct CurrentVersion {
    report: ReportId,
    ins_date: DateTime<Utc>,
    superseded: HashSet<ReportId>,
}

fn report_id(id: &str) -> Result<ReportId, RepoError> {
    serde_json::from_value(serde_json::Value::String(id.to_owned()))
        .map_err(|e| RepoError::Corrupt(format!("stored report id {id:?}: {e}")))
}

impl DynamoStore {
    /// One stored record; `consistent` where a write decides on it (an eventually consistent
    /// read right after a write could return the version it replaced).
    async fn get_record(
        &self,
        key: &InvoiceKey,
        consistent: bool,
    ) -> Result<Option<InvoiceRecord>, RepoError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(item::invoice_pk(key), item::invoice_sk(key))))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| repo_error("GetItem", e))?;
        let Some(it) = out.item else {
            return Ok(None);
        };
        let record = self.decode(&it).await?;
        if &record.key != key {
            return Err(RepoError::Corrupt(format!(
                "item {} holds another invoice",
                item::invoice_pk(key)
            )));
        }
        Ok(Some(record))
    }

    /// The stored invoice items among `keys` (BatchGetItem, `projection` attributes), each
    /// with the key it was asked for.
    async fn batch_get_invoices<'k>(
        &self,
        keys: &'k [InvoiceKey],
        projection: &str,
    ) -> Result<Vec<(&'k InvoiceKey, Item)>, RepoError> {
        let mut by_key: HashMap<(String, String), &InvoiceKey> = HashMap::new();
        for k in keys {
            by_key.insert((item::invoice_pk(k), item::invoice_sk(k)), k);
        }
        let wanted = by_key
            .keys()
            .map(|(pk, sk)| key_item(pk.clone(), sk.clone()))
            .collect();
        let mut found = Vec::new();
        for it in self.batch_get(wanted, Some(projection)).await? {
            let id = (
                item::get_s(&it, "pk")?.to_owned(),
                item::get_s(&it, "sk")?.to_owned(),
            );
            if let Some(k) = by_key.get(&id) {
                found.push((*k, it));
            }
        }
        Ok(found)
    }

    /// The current version of each stored invoice among `keys` (BatchGetItem; an item stored
    /// before versions were kept is read whole, its record's digest naming its report).
    async fn current_versions(
        &self,
        keys: &[InvoiceKey],
    ) -> Result<HashMap<InvoiceKey, CurrentVersion>, RepoError> {
        let found = self
            .batch_get_invoices(keys, "pk, sk, report_id, ins_date, superseded_reports")
            .await?;
        let mut current = HashMap::new();
        for (k, it) in &found {
            let version = match (it.get("report_id"), it.get("ins_date")) {
                (Some(AttributeValue::S(r)), Some(AttributeValue::S(t))) => CurrentVersion {
                    report: report_id(r)?,
                    ins_date: DateTime::parse_from_rfc3339(t)
                        .map_err(|e| {
                            RepoError::Corrupt(format!("ins_date of {}: {e}", item::invoice_pk(k)))
                        })?
                        .with_timezone(&Utc),
                    superseded: match it.get("superseded_reports") {
                        Some(AttributeValue::Ss(v)) => {
                            v.iter().map(|r| report_id(r)).collect::<Result<_, _>>()?
                        }
                        _ => HashSet::new(),
                    },
                },
                _ => {
                    let record = self.get(k).await?.ok_or_else(|| {
                        RepoError::Unavailable(format!(
                            "item {} vanished while read",
                            item::invoice_pk(k)
                        ))
                    })?;
                    CurrentVersion {
                        report: record.digest.report_id(),
                        ins_date: record.digest.ins_date,
                        superseded: HashSet::new(),
                    }
                }
            };
            current.insert((*k).clone(), version);
        }
        Ok(current)
    }

    /// The item of a superseded version: the record under `V#…{report}`, no index attributes.
    async fn version_item(&self, record: &InvoiceRecord) -> Result<Item, RepoError> {
        let mut item = self.encode(record).await?;
        item.retain(|name, _| item::VERSION_ATTRIBUTES.contains(&name.as_str()));
        item.insert(
            "sk".into(),
            s(item::version_sk(&record.key, &record.digest.report_id())),
        );
        item.insert("report_id".into(), s(record.digest.report_id().as_str()));
        item.insert("ins_date".into(), s(watermark_str(record.digest.ins_date)));
        Ok(item)
    }

    /// Stores records of distinct invoices. A record of another report than the current one
    /// either supersedes it (the current one's record is moved to its version item first) or
    /// is kept as a version itself (and named in the current item's `superseded_reports`).
    async fn put_round(&self, records: &[&InvoiceRecord]) -> Result<(), RepoError> {
        let keys: Vec<InvoiceKey> = records.iter().map(|r| r.key.clone()).collect();
        let current = self.current_versions(&keys).await?;
        let mut versions = Vec::new();
        let mut items = Vec::with_capacity(records.len());
        let mut older = Vec::new();
        for r in records {
            let report = r.digest.report_id();
            let mut item = self.encode(r).await?;
            let mut superseded = HashSet::new();
            if let Some(c) = current.get(&r.key) {
                superseded = c.superseded.clone();
                if c.report != report {
                    if later_report((r.digest.ins_date, &report), (c.ins_date, &c.report)) {
                        let old = self.get_record(&r.key, true).await?.ok_or_else(|| {
                            RepoError::Unavailable(format!(
                                "invoice {} vanished while superseded",
                                r.key.id.invoice_number
                            ))
                        })?;
                        versions.push(self.version_item(&old).await?);
                        superseded.insert(c.report.clone());
                    } else {
                        versions.push(self.version_item(r).await?);
                        older.push((r.key.clone(), report));
                        continue;
                    }
                }
            }
            if !superseded.is_empty() {
                let mut names: Vec<String> =
                    superseded.iter().map(|r| r.as_str().to_owned()).collect();
                names.sort();
                item.insert("superseded_reports".into(), AttributeValue::Ss(names));
            }
            items.push(item);
        }
        // Versions first: a crash in between leaves the current item as it was.
        self.batch_write(versions).await?;
        for (key, report) in older {
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_item(
                    item::invoice_pk(&key),
                    item::invoice_sk(&key),
                )))
                .update_expression("ADD superseded_reports :r")
                .expression_attribute_values(
                    ":r",
                    AttributeValue::Ss(vec![report.as_str().to_owned()]),
                )
                .send()
                .await
                .map_err(|e| repo_error("UpdateItem", e))?;
        }
        self.batch_write(items).await
    }
}

fn backoff(round: u32) -> Duration {
    Duration::from_millis(25u64 << round.min(7))
}

fn key_item(pk: String, sk: String) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

#[async_trait]
impl InvoiceRepository for DynamoStore {
    async fn stored_among(&self, keys: &[InvoiceKey]) -> Result<HashSet<InvoiceKey>, RepoError> {
        let found = self.batch_get_invoices(keys, "pk, sk").await?;
        Ok(found.into_iter().map(|(k, _)| k.clone()).collect())
    }

    async fn stored_versions(
        &self,
        keys: &[InvoiceKey],
    ) -> Result<HashMap<InvoiceKey, HashSet<ReportId>>, RepoError> {
        let current = self.current_versions(keys).await?;
        Ok(current
            .into_iter()
            .map(|(k, c)| {
                let mut reports = c.superseded;
                reports.insert(c.report);
                (k, reports)
            })
            .collect())
    }

    async fn put_many(&self, records: &[InvoiceRecord]) -> Result<(), RepoError> {
        // BatchWriteItem refuses two writes to one key in a call; per invoice and report the
        // last record wins, and reports of one invoice are written one call apart.
        let mut latest: HashMap<(InvoiceKey, ReportId), &InvoiceRecord> = HashMap::new();
        let mut order = Vec::new();
        for r in records {
            let id = (r.key.clone(), r.digest.report_id());
            if latest.insert(id.clone(), r).is_none() {
                order.push(id);
            }
        }
        let mut rounds: Vec<Vec<&InvoiceRecord>> = Vec::new();
        let mut seen: HashMap<&InvoiceKey, usize> = HashMap::new();
        for id in &order {
            let n = seen.entry(&id.0).or_insert(0);
            if rounds.len() <= *n {
                rounds.push(Vec::new());
            }
            rounds[*n].push(latest[id]);
            *n += 1;
        }
        for round in rounds {
            self.put_round(&round).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl InvoiceQueries for DynamoStore {
    async fn get(&self, key: &InvoiceKey) -> Result<Option<InvoiceRecord>, RepoError> {
        self.get_record(key, false).await
    }

    async fn versions(&self, key: &InvoiceKey) -> Result<Vec<InvoiceRecord>, RepoError> {
        let mut records = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :v)")
                .expression_attribute_values(":pk", s(item::invoice_pk(key)))
                .expression_attribute_values(":v", s(item::version_sk_prefix(key)))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| repo_error("Query", e))?;
            for it in out.items.unwrap_or_default() {
                records.push(self.decode(&it).await?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        records.sort_by(|a, b| {
            (b.digest.ins_date, b.digest.report_id())
                .cmp(&(a.digest.ins_date, a.digest.report_id()))
        });
        Ok(records)
    }

    async fn search(&self, query: &InvoiceQuery) -> Result<InvoicePage, RepoError> {
        let limit = Self::check_limit(query)?;
        let after: Option<Position> = self.cursors.open(query)?;
        if let Some(p) = &after {
            // Belt and braces: the signature already binds the cursor to this taxpayer.
            if !p
                .pk
                .starts_with(&item::invoice_pk_prefix(query.taxpayer, query.direction))
            {
                return Err(RepoError::Invalid(
                    "cursor belongs to another taxpayer".into(),
                ));
            }
        }
        if let (Some(from), Some(to)) = (query.issue_date_from, query.issue_date_to)
            && from > to
        {
            // Nothing matches; DynamoDB would refuse the inverted BETWEEN as a bad request.
            return Ok(InvoicePage {
                items: Vec::new(),
                next_cursor: None,
                total: None,
            });
        }
        match query.invoice_number_prefix.as_deref() {
            Some(prefix) if !prefix.is_empty() && query.partner_tax_number.is_none() => {
                self.search_prefix(query, prefix, after, limit).await
            }
            _ => self.search_ordered(query, after, limit).await,
        }
    }

    async fn chain(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        supplier: TaxpayerId,
        original: &str,
    ) -> Result<Vec<InvoiceRecord>, RepoError> {
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(table::BY_CHAIN)
                .key_condition_expression("chainpk = :c")
                .expression_attribute_values(
                    ":c",
                    s(item::chain_pk(taxpayer, direction, supplier, original)),
                )
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| repo_error("Query", e))?;
            for it in out.items.unwrap_or_default() {
                keys.push(key_item(
                    item::get_s(&it, "pk")?.to_owned(),
                    item::get_s(&it, "sk")?.to_owned(),
                ));
            }
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        let mut records = Vec::with_capacity(keys.len());
        for it in self.batch_get(keys, None).await? {
            records.push(self.decode(&it).await?);
        }
        Ok(records)
    }
}

fn watermark_str(t: DateTime<Utc>) -> String {
    // One fixed format, so equality in the condition is equality of instants.
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

#[async_trait]
impl SyncStateStore for DynamoStore {
    async fn load(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
    ) -> Result<SyncState, RepoError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                item::sync_pk(taxpayer, direction),
                item::SYNC_SK.into(),
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| repo_error("GetItem", e))?;
        let Some(it) = out.item else {
            return Ok(SyncState::default());
        };
        let watermark = match it.get("watermark") {
            Some(AttributeValue::S(w)) => Some(
                DateTime::parse_from_rfc3339(w)
                    .map_err(|e| {
                        RepoError::Corrupt(format!(
                            "watermark {w:?} of {taxpayer} {direction}: {e}"
                        ))
                    })?
                    .with_timezone(&Utc),
            ),
            _ => None,
        };
        let last_run = match it.get("last_run") {
            Some(AttributeValue::S(r)) => Some(serde_json::from_str(r).map_err(|e| {
                RepoError::Corrupt(format!("last run of {taxpayer} {direction}: {e}"))
            })?),
            _ => None,
        };
        Ok(SyncState {
            watermark,
            last_run,
        })
    }

    async fn advance_watermark(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        expected: Option<DateTime<Utc>>,
        to: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        if expected.is_some_and(|e| to <= e) {
            return Err(RepoError::Conflict(format!(
                "watermark of {taxpayer} {direction} may only move forward, not from {} to {}",
                watermark_str(expected.unwrap_or(to)),
                watermark_str(to)
            )));
        }
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                item::sync_pk(taxpayer, direction),
                item::SYNC_SK.into(),
            )))
            .update_expression("SET watermark = :to")
            .expression_attribute_values(":to", s(watermark_str(to)));
        req = match expected {
            None => req.condition_expression("attribute_not_exists(watermark)"),
            Some(e) => req
                .condition_expression("watermark = :expected")
                .expression_attribute_values(":expected", s(watermark_str(e))),
        };
        req.send()
            .await
            .map_err(|e| match repo_error("UpdateItem", e) {
                RepoError::Conflict(_) => RepoError::Conflict(format!(
                    "watermark of {taxpayer} {direction} is no longer {}",
                    expected.map_or("unset".to_owned(), watermark_str)
                )),
                other => other,
            })?;
        Ok(())
    }

    async fn record_run(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        run: &RunRecord,
    ) -> Result<(), RepoError> {
        let json = serde_json::to_string(run).map_err(|e| RepoError::Invalid(e.to_string()))?;
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                item::sync_pk(taxpayer, direction),
                item::SYNC_SK.into(),
            )))
            .update_expression("SET last_run = :run")
            .expression_attribute_values(":run", s(json))
            .send()
            .await
            .map_err(|e| repo_error("UpdateItem", e))?;
        Ok(())
    }
    async fn pending(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<PendingInvoice>, RepoError> {
        // The items share the state's partition; the order is by first failure, so they are
        // read whole (a few hundred bytes each) up to a cap, then sorted.
        let mut entries: Vec<(String, String, PendingInvoice)> = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :pending)")
                .expression_attribute_values(":pk", s(item::sync_pk(taxpayer, direction)))
                .expression_attribute_values(":pending", s(item::PENDING_SK_PREFIX))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| repo_error("Query", e))?;
            for it in out.items.unwrap_or_default() {
                let sk = item::get_s(&it, "sk")?.to_owned();
                let entry: PendingInvoice = serde_json::from_str(item::get_s(&it, "entry")?)
                    .map_err(|e| RepoError::Corrupt(format!("pending invoice {sk}: {e}")))?;
                entries.push((watermark_str(entry.first_failed_at), sk, entry));
            }
            match out.last_evaluated_key {
                Some(k) if entries.len() < PENDING_READ_CAP => start = Some(k),
                _ => break,
            }
        }
        entries.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        Ok(entries.into_iter().take(limit).map(|(_, _, e)| e).collect())
    }

    async fn put_pending(&self, pending: &PendingInvoice) -> Result<(), RepoError> {
        let json = serde_json::to_string(pending).map_err(|e| RepoError::Invalid(e.to_string()))?;
        // UpdateItem creates or replaces, within the actions the sync already has.
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                item::sync_pk(pending.key.taxpayer, pending.key.id.direction),
                item::pending_sk(&pending.key),
            )))
            .update_expression("SET entry = :entry")
            .expression_attribute_values(":entry", s(json))
            .send()
            .await
            .map_err(|e| repo_error("UpdateItem", e))?;
        Ok(())
    }

    async fn remove_pending(&self, key: &InvoiceKey) -> Result<(), RepoError> {
        let delete = DeleteRequest::builder()
            .set_key(Some(key_item(
                item::sync_pk(key.taxpayer, key.id.direction),
                item::pending_sk(key),
            )))
            .build()
            .map_err(|e| RepoError::Invalid(e.to_string()))?;
        self.write_chunk(vec![WriteRequest::builder().delete_request(delete).build()])
            .await
    }
}
