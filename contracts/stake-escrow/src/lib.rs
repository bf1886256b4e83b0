//! Atomic Mesh stake-escrow: relayer bonds with a proof of possession of their EVM signing key,
//! unbonding with a slashable period, slashing and jailing on proven fraud, and signer-set epochs.
//!
//! See the crate README for the messages and invariants.

pub mod contract;
pub mod error;
pub mod execute;
pub mod msg;
mod query;
mod state;
pub mod weights;

pub use crate::error::ContractError;
