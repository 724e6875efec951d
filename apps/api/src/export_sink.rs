//! Where an export goes when the response cannot carry it. Locally the export streams in the
//! response (200); behind a runner whose responses are bounded (Lambda buffers about 6 MB) it
//! is written to an [`ExportSink`] and the API answers 303 See Other to a short-lived link.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Bytes;
use futures_util::Stream;

/// The export body, chunk by chunk; an `Err` item means the export failed part way.
pub type ExportBody = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// What an export is called and how it is to be downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// e.g. `navsync-12345676-outbound-invoices.csv`
    pub filename: String,
    /// e.g. `text/csv; charset=utf-8`
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The store behind the body failed, or the sink did; trying again may help.
    #[error("the export could not be written: {0}")]
    Unavailable(String),
}

/// Stores an export and hands back a download link.
#[async_trait]
pub trait ExportSink: Send + Sync {
    /// Writes `body` whole (in bounded memory) and returns a URL that serves it as `file` for a
    /// short while. Nothing is delivered when `body` yields an error.
    ///
    /// Errors: [`ExportError::Unavailable`] when the body or the sink fails.
    async fn deliver(&self, file: &ExportFile, body: ExportBody) -> Result<String, ExportError>;
}

/// An [`ExportSink`] in [`crate::ApiConfig`]: exports go there instead of into the response.
#[derive(Clone)]
pub struct ExportDelivery(pub Arc<dyn ExportSink>);

impl fmt::Debug for ExportDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExportDelivery(..)")
    }
}
