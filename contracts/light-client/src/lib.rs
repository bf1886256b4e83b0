//! Atomic Mesh light client: one CometBFT light client per registered Cosmos chain, kept on the
//! hub, and ICS23 membership proofs against the app hashes it verified, so the hub reads a Cosmos
//! chain's state (a Router's lock) without trusting any relayer.
//!
//! Headers are verified with `tendermint-light-client-verifier` (the `ProdVerifier` predicates),
//! its ed25519 signature checks done by the host (`ed25519_batch_verify`, see [`verify`]); proofs
//! with `ics23`. See the crate README for the rules, the message formats and the fixtures.

pub mod contract;
pub mod error;
mod execute;
pub mod msg;
pub mod proof;
pub mod query;
mod state;
pub mod verify;

pub use crate::error::ContractError;
