//! navsync's domain: the invoice model, the sync rules and the ports. It knows nothing of AWS,
//! HTTP or XML; adapters bring those.

pub mod archive;
pub mod command;
pub mod credentials;
pub mod invoice;
pub mod lookback;
pub mod ports;
pub mod query;
pub mod request_id;
#[cfg(test)]
mod sample;
pub mod sync;
pub mod tax_number;

pub use credentials::{NavCredentials, Secret};
pub use invoice::*;
pub use lookback::Lookback;
pub use request_id::RequestId;
pub use tax_number::{TaxNumber, TaxNumberError, TaxpayerId};
