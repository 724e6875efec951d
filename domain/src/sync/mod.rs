//! The sync: rules as pure functions, and the use case that applies them through the ports.

mod chain;
mod pending;
mod service;
mod state;
mod window;

pub use chain::{EffectiveState, InvoiceChain, chain_root};
pub use pending::{PendingInvoice, backoff, concerns_only_the_invoice};
pub use service::{SyncError, SyncPolicy, SyncService, TaxpayerOutcome};
pub use state::{
    DirectionReport, RunRecord, RunSummary, SyncState, WindowProgress, advanced_watermark,
};
pub use window::{Window, plan_windows, sync_start};
