//! The messages and responses of the Atomic Mesh settlement hub's three contracts.
//!
//! The contracts (`bundle-log`, `stake-escrow`, `dispute`) re-export these types, and the `mesh`
//! relayer builds its hub transactions and parses query answers from the very same definitions,
//! so the two cannot drift. Protocol objects (`Bundle`, `Hash32`, `Signature65`, `SignerSet`, …)
//! come from `mesh-protocol` and keep its JSON forms (0x-hex addresses, hashes and signatures,
//! decimal-string amounts).
//!
//! * [`bundle_log`]: the canonical log, reports, verdicts, batches and signatures.
//! * [`stake_escrow`]: relayer bonds, unbonding, slashing, jailing and signer-set epochs.
//! * [`dispute`]: fraud proofs and their records.
//! * [`light_client`]: CometBFT light clients of Cosmos chains and ICS23 membership proofs.
//! * [`router_cw`] and [`action_executor`]: the CosmWasm Router and its action executor.
//! * [`common`]: types two contracts share.
//! * [`client`]: typed queries (`bundle_log::QueryMsg::report(…)` and friends, each knowing its
//!   answer's type) and execute wrappers, so callers never hand-build JSON.
//!
//! Legs are VM-neutral (`Leg::domain`, 32-byte [`AccountId`]s); what is per VM is an enum with
//! one arm per VM: the registry's [`bundle_log::ChainVm`], a report's
//! [`bundle_log::LockLocation`], the dispute's [`dispute::FalseLockEvidence`].

pub mod action_executor;
pub mod bundle_log;
pub mod client;
pub mod common;
pub mod dispute;
pub mod light_client;
pub mod router_cw;
pub mod stake_escrow;

pub use mesh_protocol::{
    AccountId, Amount, Bundle, EvmAddress, Hash32, Leg, SettlementBatch, Signature65, SignerSet, SignerSetUpdate,
    Verdict, WeightedSigner,
};

/// Largest `limit` any paged query accepts; larger values are clamped.
pub const MAX_PAGE_LIMIT: u32 = 100;
/// `limit` of a paged query that gives none.
pub const DEFAULT_PAGE_LIMIT: u32 = 30;
