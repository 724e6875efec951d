//! Where parts of an item too large for DynamoDB's 400 KB go. The store only knows this trait,
//! so this crate does not depend on S3; `navsync-s3` implements it.

use async_trait::async_trait;
use navsync_domain::ports::RepoError;

/// A content-addressed blob store for oversized invoice documents.
#[async_trait]
pub trait Overflow: Send + Sync {
    /// Stores `bytes` under `key`. Idempotent: keys are content hashes, so a re-put writes the
    /// same bytes.
    ///
    /// Errors: [`RepoError::Unavailable`].
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), RepoError>;

    /// The bytes under `key`.
    ///
    /// Errors: [`RepoError::Corrupt`] when nothing is stored under `key` (the item points at
    /// it); [`RepoError::Unavailable`].
    async fn get(&self, key: &str) -> Result<Vec<u8>, RepoError>;
}
