//! The CosmWasm chain adapter (CometBFT RPC through `mesh-cosmos`): a Cosmos SDK chain running
//! the `mesh-router-cw` Router (docs/protocol.md §11).
//!
//! * [`CwChain`] reads the chain: heads and blocks, the Router's `mesh_leg_locked` events, each
//!   reported with an ICS23 proof of its escrow record (§11.1) that the hub's light client checks
//!   ([`mesh_chain::LegSource`]), and the signed headers and validator sets that light client
//!   follows the chain with ([`mesh_chain::HeaderSource`]).
//! * [`CwDelivery`] delivers rotations and settlements to the Router, which is its own verifier
//!   ([`mesh_chain::SettlementSink`]).
//! * [`CwLocker`] locks a depositor's leg, bank denom or cw20 ([`mesh_chain::LegLocker`]).
//! * [`signatures`]: the signatures delivered to the Router, for the disputer's watch on
//!   statements the hub never made ([`mesh_chain::SignatureWatch`]).
pub mod chain;
pub mod delivery;
mod error;
pub mod locker;
pub mod signatures;

pub use chain::CwChain;
pub use delivery::CwDelivery;
pub use error::CwError;
pub use locker::{CwLocker, CwToken};
