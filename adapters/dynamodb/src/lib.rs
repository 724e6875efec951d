//! navsync's invoice store and sync state in one DynamoDB table. See README.md for the table
//! design and its access patterns.

pub mod table;
