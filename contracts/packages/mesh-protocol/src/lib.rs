//! Atomic Mesh protocol: the objects every component agrees on, and their canonical encoding.
//!
//! One definition serves the CosmWasm hub contracts, the `mesh` relayer and (through the
//! cross-language vectors in `vectors/protocol.json`) the Solidity Router and Verifier.
//! docs/protocol.md is the normative description; this crate is its reference implementation.
//!
//! * [`types`]: `Leg` (a domain id and 32-byte [`AccountId`]s), `Bundle`, `Verdict`,
//!   `SettlementBatch`, `SignerSet`, `SignerSetUpdate`.
//! * [`eip712`]: typehashes, struct hashes (`leg_hash`, `bundle_id`, `settlement_leaf`) and
//!   signing digests under the hub's EIP-712 domain.
//! * [`merkle`]: the batch Merkle tree of settlement leaves.
//! * [`sig`]: 65-byte ECDSA signatures, low-s enforcement, EVM address recovery.
//!
//! Nothing here is specific to one VM's chain data: EVM headers, receipts, the `LegLocked` log
//! and trie proofs live in the `mesh-proof-evm` crate.

#[cfg(feature = "cw-schema")]
mod cw_schema_impls;
pub mod eip712;
pub mod error;
pub mod merkle;
pub mod sig;
pub mod types;

pub use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
pub use error::ProtocolError;
pub use types::*;

/// Most legs a bundle may have: bounds every loop over a bundle's legs on every chain.
pub const MAX_LEGS: usize = 16;
/// Most signers a signer set may have: bounds signature verification on every chain.
pub const MAX_SIGNERS: usize = 64;
/// Most gas a leg's action may be given (the EVM Router's `MeshTypes.MAX_ACTION_GAS`): a COMMIT
/// must stay deliverable within a block.
pub const MAX_ACTION_GAS: u64 = 10_000_000;
/// Most bytes of a leg's action input: the hub keeps it with the bundle.
pub const MAX_ACTION_DATA: usize = 16 * 1024;
