//! Objects written from a stream in bounded memory (S3 multipart upload), and presigned links
//! to download them: how the API Lambda delivers exports larger than a response can carry.

use std::fmt::Display;
use std::time::Duration;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use futures_util::{Stream, StreamExt};

use crate::{S3Archive, Sse};

/// Bytes held before a part is sent. S3 wants at least 5 MiB in every part but the last; at
/// most 10,000 parts, so 8 MiB parts reach 80 GB.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

impl S3Archive {
    /// Writes `body` to `key` as one object, part by part: at most about [`PART_SIZE`] of it
    /// is in memory at once. When `body` yields an error, the upload is aborted and nothing
    /// is stored under `key`. Returns the object's size.
    pub async fn upload_stream<S, B, E>(
        &self,
        key: &str,
        content_type: &str,
        body: S,
    ) -> Result<u64, String>
    where
        S: Stream<Item = Result<B, E>> + Send,
        B: AsRef<[u8]>,
        E: Display,
    {
        let bucket = &self.config.bucket;
        let mut create = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type(content_type);
        create = match &self.config.sse {
            Sse::Aes256 => create.server_side_encryption(ServerSideEncryption::Aes256),
            Sse::Kms { key_id } => create
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .set_ssekms_key_id(key_id.clone()),
        };
        let upload = create
            .send()
            .await
            .map_err(|e| format!("start upload of {key}: {}", DisplayErrorContext(e)))?;
        let id = upload
            .upload_id()
            .ok_or_else(|| format!("start upload of {key}: S3 returned no upload id"))?
            .to_owned();
        match self.upload_parts(key, &id, body).await {
            Ok(size) => Ok(size),
            Err(e) => {
                // Parts of an upload neither completed nor aborted are kept (and billed). A
                // failed abort leaves them to the bucket's lifecycle rule; the caller already
                // has the error that matters.
                let _ = self
                    .client
                    .abort_multipart_upload()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(&id)
                    .send()
                    .await;
                Err(e)
            }
        }
    }

    async fn upload_parts<S, B, E>(&self, key: &str, id: &str, body: S) -> Result<u64, String>
    where
        S: Stream<Item = Result<B, E>> + Send,
        B: AsRef<[u8]>,
        E: Display,
    {
        let mut body = std::pin::pin!(body);
        let mut parts: Vec<CompletedPart> = Vec::new();
        let mut buffer: Vec<u8> = Vec::with_capacity(PART_SIZE);
        let mut size = 0u64;
        let mut done = false;
        while !done {
            match body.next().await {
                Some(Ok(chunk)) => buffer.extend_from_slice(chunk.as_ref()),
                Some(Err(e)) => return Err(format!("export of {key} failed part way: {e}")),
                None => done = true,
            }
            // The last part may be small (or the only one); every other is PART_SIZE or more.
            if buffer.len() >= PART_SIZE || (done && (!buffer.is_empty() || parts.is_empty())) {
                let number =
                    i32::try_from(parts.len() + 1).map_err(|_| format!("{key}: too many parts"))?;
                size += buffer.len() as u64;
                let bytes = std::mem::replace(&mut buffer, Vec::with_capacity(PART_SIZE));
                let out = self
                    .client
                    .upload_part()
                    .bucket(&self.config.bucket)
                    .key(key)
                    .upload_id(id)
                    .part_number(number)
                    .body(ByteStream::from(bytes))
                    .send()
                    .await
                    .map_err(|e| {
                        format!("upload part {number} of {key}: {}", DisplayErrorContext(e))
                    })?;
                parts.push(
                    CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(out.e_tag().map(str::to_owned))
                        .build(),
                );
            }
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.config.bucket)
            .key(key)
            .upload_id(id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| format!("complete upload of {key}: {}", DisplayErrorContext(e)))?;
        Ok(size)
    }

    /// A presigned GET of `key`, valid for `ttl` (capped at the configured maximum), that a
    /// browser saves as `filename` of `content_type`.
    pub async fn presign_download(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<String, String> {
        let ttl = ttl.min(self.config.max_url_ttl).max(Duration::from_secs(1));
        let presigning =
            PresigningConfig::expires_in(ttl).map_err(|e| format!("presigning: {e}"))?;
        // The name is ours (taxpayer, direction), but quotes would end the header value.
        let filename: String = filename.chars().filter(|c| *c != '"').collect();
        let request = self
            .client
            .get_object()
            .bucket(&self.config.bucket)
            .key(key)
            .response_content_type(content_type)
            .response_content_disposition(format!("attachment; filename=\"{filename}\""))
            .presigned(presigning)
            .await
            .map_err(|e| format!("presigning {key}: {}", DisplayErrorContext(e)))?;
        Ok(request.uri().to_owned())
    }
}
