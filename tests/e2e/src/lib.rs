//! Cross-app end-to-end tests live in `tests/`; this crate has no code of its own.
//!
//! `tests/lambdas.rs`: the NAV simulator → the sync Lambda's handler (EventBridge Scheduler
//! payloads) → DynamoDB, S3 and SSM in the AWS emulator → the API Lambda's handler (API Gateway
//! HTTP API v2 events) with real Cognito tokens from the emulator's user pool.
