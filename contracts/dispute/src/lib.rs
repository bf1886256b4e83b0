//! Atomic Mesh dispute: fraud proofs against relayers, checked entirely on-chain (header RLP,
//! receipt-trie proofs, `LegLocked` logs, EIP-712 signatures), with no vote.
//!
//! See the crate README for the proof kinds and their rules.

pub mod contract;
pub mod error;
pub mod evidence;
mod execute;
pub mod msg;
mod query;
mod state;

pub use crate::error::ContractError;
