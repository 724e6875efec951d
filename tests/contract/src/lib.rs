//! Contract tests for the invoice store ports and the document archive port, written once and
//! run against every implementation (DynamoDB/S3 now, the embedded store later).
//!
//! Each `check_*` function takes a fresh, empty implementation and panics with what differs.
//! A runner in an implementation's tests calls every one of them, e.g.
//!
//! ```text
//! #[tokio::test]
//! async fn search_agrees_with_matches() {
//!     navsync_contract::store::check_search_agrees_with_matches(&fresh_store().await).await;
//! }
//! ```
//!
//! The order the store must return: by issue date, then invoice number, supplier tax number
//! and batch index; `NewestFirst` is that order reversed.

pub mod archive;
pub mod fixtures;
pub mod store;
