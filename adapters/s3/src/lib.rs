//! navsync's document archive in S3: each invoice's original XML, byte for byte, under
//! [`navsync_domain::archive::document_key`], encrypted at rest (SSE requested on every put),
//! with its SHA-256 in the object metadata and checked on every read.
//!
//! Re-putting a document is idempotent: a HEAD first, and when the object is there with the
//! same SHA-256 nothing is written, so a versioned bucket gains no new version. The same
//! bucket can hold the DynamoDB store's oversized documents ([`navsync_dynamodb::Overflow`]).

use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use navsync_domain::DocumentRef;
use navsync_domain::ports::{ArchiveError, DocumentArchive, RepoError};
use sha2::{Digest, Sha256};

mod upload;

pub use aws_sdk_s3;
pub use upload::PART_SIZE;

/// The object metadata key (`x-amz-meta-sha256`) holding the content's SHA-256, hex.
pub const SHA256_METADATA: &str = "sha256";

/// Server-side encryption, requested explicitly on every put.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Sse {
    /// SSE-S3.
    #[default]
    Aes256,
    /// SSE-KMS with this key id/ARN (the bucket's default KMS key when `None`).
    Kms { key_id: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    pub sse: Sse,
    /// Path-style URLs (`endpoint/bucket/key`), for emulators; AWS itself wants virtual-hosted.
    pub force_path_style: bool,
    /// The longest lifetime a download URL gets, whatever the caller asks for.
    pub max_url_ttl: Duration,
}

impl S3Config {
    pub const DEFAULT_MAX_URL_TTL: Duration = Duration::from_secs(15 * 60);

    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            sse: Sse::default(),
            force_path_style: false,
            max_url_ttl: Self::DEFAULT_MAX_URL_TTL,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the S3 bucket name is empty")]
    EmptyBucket,
}

/// The S3 adapter of [`DocumentArchive`], and an [`navsync_dynamodb::Overflow`] store.
#[derive(Debug, Clone)]
pub struct S3Archive {
    client: Client,
    config: S3Config,
}

impl S3Archive {
    pub fn new(sdk: &SdkConfig, config: S3Config) -> Result<Self, ConfigError> {
        if config.bucket.is_empty() {
            return Err(ConfigError::EmptyBucket);
        }
        let conf = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(config.force_path_style)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(6)
                    .with_initial_backoff(Duration::from_millis(50)),
            )
            .build();
        Ok(Self {
            client: Client::from_conf(conf),
            config,
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn bucket(&self) -> &str {
        &self.config.bucket
    }

    /// The SHA-256 recorded in the object's metadata, or `None` when there is no object.
    async fn stored_sha256(&self, key: &str) -> Result<Option<String>, String> {
        match self
            .client
            .head_object()
            .bucket(&self.config.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(
                head.metadata()
                    .and_then(|m| m.get(SHA256_METADATA))
                    .cloned()
                    .unwrap_or_default(),
            )),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(format!("HEAD {key}: {}", DisplayErrorContext(e))),
        }
    }

    async fn put_object(
        &self,
        key: &str,
        bytes: &[u8],
        sha: &str,
        content_type: &str,
    ) -> Result<(), String> {
        let mut req = self
            .client
            .put_object()
            .bucket(&self.config.bucket)
            .key(key)
            .content_type(content_type)
            .metadata(SHA256_METADATA, sha)
            .body(ByteStream::from(bytes.to_vec()));
        req = match &self.config.sse {
            Sse::Aes256 => req.server_side_encryption(ServerSideEncryption::Aes256),
            Sse::Kms { key_id } => req
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .set_ssekms_key_id(key_id.clone()),
        };
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| format!("PUT {key}: {}", DisplayErrorContext(e)))
    }

    /// The object's bytes, or `None` when there is none.
    async fn get_object(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.config.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(format!("GET {key}: {}", DisplayErrorContext(e))),
        };
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| format!("GET {key}: reading the body: {e}"))?;
        Ok(Some(body.into_bytes().to_vec()))
    }
}

fn is_not_found<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    matches!(e.code(), Some("NoSuchKey" | "NotFound"))
        || matches!(e, SdkError::ServiceError(_))
            && e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[async_trait]
impl DocumentArchive for S3Archive {
    async fn put_at(&self, object: &str, xml: &[u8]) -> Result<DocumentRef, ArchiveError> {
        let sha = sha256_hex(xml);
        let stored = self
            .stored_sha256(object)
            .await
            .map_err(ArchiveError::Unavailable)?;
        if stored.as_deref() != Some(sha.as_str()) {
            self.put_object(object, xml, &sha, "application/xml")
                .await
                .map_err(ArchiveError::Unavailable)?;
        }
        Ok(DocumentRef {
            key: object.to_owned(),
            sha256: sha,
            size: xml.len() as u64,
        })
    }

    async fn get(&self, document: &DocumentRef) -> Result<Vec<u8>, ArchiveError> {
        let bytes = self
            .get_object(&document.key)
            .await
            .map_err(ArchiveError::Unavailable)?
            .ok_or_else(|| ArchiveError::NotFound(document.key.clone()))?;
        let actual = sha256_hex(&bytes);
        if actual != document.sha256 {
            return Err(ArchiveError::Corrupt {
                key: document.key.clone(),
                expected: document.sha256.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    async fn download_url(
        &self,
        document: &DocumentRef,
        ttl: Duration,
    ) -> Result<Option<String>, ArchiveError> {
        let ttl = ttl.min(self.config.max_url_ttl).max(Duration::from_secs(1));
        let presigning = PresigningConfig::expires_in(ttl)
            .map_err(|e| ArchiveError::Unavailable(format!("presigning: {e}")))?;
        let file = document.key.rsplit('/').next().unwrap_or("invoice.xml");
        let request = self
            .client
            .get_object()
            .bucket(&self.config.bucket)
            .key(&document.key)
            .response_content_type("application/xml")
            .response_content_disposition(format!("attachment; filename=\"{file}\""))
            .presigned(presigning)
            .await
            .map_err(|e| {
                ArchiveError::Unavailable(format!(
                    "presigning {}: {}",
                    document.key,
                    DisplayErrorContext(e)
                ))
            })?;
        Ok(Some(request.uri().to_owned()))
    }
}

#[async_trait]
impl navsync_dynamodb::Overflow for S3Archive {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), RepoError> {
        let sha = sha256_hex(bytes);
        let stored = self
            .stored_sha256(key)
            .await
            .map_err(RepoError::Unavailable)?;
        if stored.as_deref() == Some(sha.as_str()) {
            return Ok(());
        }
        self.put_object(key, bytes, &sha, "application/json")
            .await
            .map_err(RepoError::Unavailable)
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, RepoError> {
        self.get_object(key)
            .await
            .map_err(RepoError::Unavailable)?
            .ok_or_else(|| {
                RepoError::Corrupt(format!(
                    "overflow object {key} is missing from bucket {}",
                    self.config.bucket
                ))
            })
    }
}
