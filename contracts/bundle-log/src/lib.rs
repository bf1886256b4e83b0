//! Atomic Mesh bundle-log: the hub's canonical, append-only log of bundles, lock reports,
//! verdicts, settlement batches and relayer signatures.
//!
//! See the crate README for the messages, timing rules and invariants.

mod codec;
pub mod contract;
pub mod error;
mod execute;
pub mod msg;
mod query;
mod rules;
mod state;

pub use crate::error::ContractError;
