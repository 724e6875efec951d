//! The sync Lambda: settings, event, handler, summaries and errors; `main.rs` only wires them.

pub mod config;
pub mod event;
pub mod handler;
pub mod outcome;
