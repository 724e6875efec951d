//! navsync's invoice store and sync state in one DynamoDB table. See README.md for the table
//! design and its access patterns.

mod cursor;
mod error;
mod item;
mod overflow;
pub mod sdk;
mod store;
pub mod table;

pub use overflow::Overflow;
pub use store::{ConfigError, DEFAULT_INLINE_LIMIT, DynamoConfig, DynamoStore, MAX_PREFIX_MATCHES};

pub use aws_config;
pub use aws_sdk_dynamodb;
