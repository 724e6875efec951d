//! The sync Lambda: event, summaries and errors here; wiring in `main.rs`.

pub mod event;
pub mod outcome;
