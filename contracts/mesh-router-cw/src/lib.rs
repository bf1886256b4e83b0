//! Atomic Mesh Router for CosmWasm chains: escrows legs of this chain's domain (bank denoms and
//! cw20 tokens), verifies the hub's signed settlement batches (the EVM side's
//! `SettlementVerifier` and `MeshRouter` in one contract) and pays each leg exactly once.
//!
//! See the crate README and docs/protocol.md section 11 for the messages, the time rule and the
//! escrow record the hub proves by ICS23.

mod action;
pub mod contract;
pub mod error;
mod execute;
pub mod msg;
mod multiproof;
mod query;
pub mod state;
mod verify;

pub use crate::action::ACTION_OVERHEAD;
pub use crate::error::ContractError;
