//! NAV Online Számla 3.0 for navsync: the query client (`client`) and the parser of decoded
//! invoice documents (`invoice`).

pub mod client;
pub mod invoice;

pub use client::{ClientConfig, ClientError, Endpoint, NavClient, Software, SoftwareConfig};
