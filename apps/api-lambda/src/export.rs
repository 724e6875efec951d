//! Exports of any size in AWS: Lambda buffers a response (about 6 MB), so the export is
//! written to the exports bucket part by part and the API answers 303 to a presigned link.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use navsync_api::{ExportBody, ExportError, ExportFile, ExportSink};
use navsync_s3::S3Archive;

/// Where exports go in the bucket; the bucket's lifecycle rule removes them after a day.
pub const EXPORTS_PREFIX: &str = "exports/";

/// The [`ExportSink`] of the API Lambda: `NAVSYNC_EXPORTS_BUCKET`.
pub struct S3ExportSink {
    exports: S3Archive,
    /// How long the link stays valid (`NAVSYNC_PRESIGN_TTL_SECONDS`).
    ttl: Duration,
}

impl S3ExportSink {
    pub fn new(exports: S3Archive, ttl: Duration) -> Self {
        Self { exports, ttl }
    }
}

/// A key no other export takes: time, process and a counter, then the file's own name.
fn object_key(filename: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{EXPORTS_PREFIX}{nanos}-{}-{}/{filename}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[async_trait]
impl ExportSink for S3ExportSink {
    async fn deliver(&self, file: &ExportFile, body: ExportBody) -> Result<String, ExportError> {
        let key = object_key(&file.filename);
        let size = self
            .exports
            .upload_stream(&key, &file.content_type, body)
            .await
            .map_err(ExportError::Unavailable)?;
        tracing::info!(key, size, "export written");
        self.exports
            .presign_download(&key, &file.filename, &file.content_type, self.ttl)
            .await
            .map_err(ExportError::Unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_keep_the_file_name() {
        let (a, b) = (object_key("x.csv"), object_key("x.csv"));
        assert_ne!(a, b);
        assert!(
            a.starts_with(EXPORTS_PREFIX) && a.ends_with("/x.csv"),
            "{a}"
        );
    }
}
