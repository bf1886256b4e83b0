//! The adapter's one error type, classified for the roles ([`AdapterError`]).
use mesh_chain::AdapterError;
use mesh_cosmos::CosmosError;
use mesh_protocol::{AccountId, Hash32};

/// Why a CosmWasm chain call failed.
#[derive(Debug, thiserror::Error)]
pub enum CwError {
    /// A node call, a query, a simulation or a transaction ([`CosmosError`] says which).
    #[error(transparent)]
    Cosmos(#[from] CosmosError),
    /// A CometBFT RPC call this adapter makes itself (`tx_search`, `commit`, `validators`, a
    /// proven `abci_query`) failed in transport or was refused by the node.
    #[error("{chain} RPC {call}: {detail}")]
    Rpc { chain: String, call: &'static str, detail: String },
    /// A lock-and-mint leg: mesh-router-cw only escrows (the hub refuses to register such legs
    /// on a CosmWasm domain).
    #[error("bundle {bundle_id} leg {index}: mesh-router-cw runs no lock-and-mint legs")]
    KindNotSupported { bundle_id: Hash32, index: u32 },
    /// A state proof at `height` needs header `height + 1`, which the chain has not made yet
    /// (the caller must keep `to` below the head).
    #[error("proof height {height} is not below the head {head}: header {height} + 1 does not exist yet")]
    ProofHeightNotBelowHead { height: u64, head: u64 },
    /// The node answered a proven query without proof operations.
    #[error("the node returned no proof for the escrow record of bundle {bundle_id} leg {index} at height {height}")]
    MissingProof { bundle_id: Hash32, index: u32, height: u64 },
    /// The node's proof is not the two ops the hub's light client verifies.
    #[error("unexpected proof of the escrow record: {detail}")]
    UnexpectedProof { detail: String },
    /// A `mesh_leg_locked` event names a leg whose escrow record is absent at the proof height.
    #[error("the escrow record of bundle {bundle_id} leg {index} is absent at height {height}")]
    RecordAbsent { bundle_id: Hash32, index: u32, height: u64 },
    /// The escrow record's bytes are not the Router's `Escrow` JSON.
    #[error("the escrow record of bundle {bundle_id} leg {index} does not decode: {detail}")]
    BadRecord { bundle_id: Hash32, index: u32, detail: String },
    /// A `mesh_leg_locked` event lacks an attribute or carries a malformed one.
    #[error("malformed mesh_leg_locked event in tx {tx}: attribute {attribute}: {detail}")]
    BadEvent { tx: String, attribute: &'static str, detail: String },
    /// The node answered something this adapter cannot use (another height than asked, …).
    #[error("{chain}: unexpected answer to {call}: {detail}")]
    Unexpected { chain: String, call: &'static str, detail: String },
    /// An address of the configuration is not bech32.
    #[error("{what} {address} is not a bech32 address: {detail}")]
    BadAddress { what: &'static str, address: String, detail: String },
    /// `lock`: the bundle has no leg `0`.
    #[error("leg {0} does not exist")]
    NoSuchLeg(usize),
    /// `lock`: the leg is not for this chain, this Router or this wallet.
    #[error("leg {index} cannot be locked here: {detail}")]
    WrongLeg { index: usize, detail: String },
    /// `lock`: the leg's token is none of the configured tokens.
    #[error("leg {index}'s token {token} is none of the tokens configured for {chain}")]
    UnknownToken { index: usize, token: AccountId, chain: String },
    /// `lock`: the Router computes another id for the bundle than the caller gave (another hub
    /// domain: the Router belongs to another deployment).
    #[error("the Router computes bundle id {router} where the caller expects {expected}")]
    WrongBundleId { expected: Hash32, router: Hash32 },
}

impl AdapterError for CwError {
    fn is_recoverable(&self) -> bool {
        match self {
            CwError::Cosmos(e) => e.is_recoverable(),
            // transport trouble, or a node that answered oddly once
            CwError::Rpc { .. } | CwError::Unexpected { .. } => true,
            // the head moves on: header `height + 1` will exist
            CwError::ProofHeightNotBelowHead { .. } => true,
            _ => false,
        }
    }

    fn would_revert(&self) -> bool {
        match self {
            // the contract (or the SDK) refused the tx in simulation
            CwError::Cosmos(CosmosError::Simulation { .. }) => true,
            // CheckTx ran the contract's ante checks and refused it
            CwError::Cosmos(CosmosError::CheckTx { codespace, .. }) => codespace == "wasm",
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_for_the_roles() {
        let rpc = CwError::Rpc { chain: "gamma".into(), call: "tx_search", detail: "connection refused".into() };
        assert!(rpc.is_recoverable() && !rpc.would_revert());
        let early = CwError::ProofHeightNotBelowHead { height: 10, head: 10 };
        assert!(early.is_recoverable());
        assert_eq!(early.to_string(), "proof height 10 is not below the head 10: header 10 + 1 does not exist yet");
        let sim =
            CwError::from(CosmosError::Simulation { log: "failed to execute message; message index: 0: x".into() });
        assert!(sim.would_revert() && !sim.is_recoverable());
        let not_included = CwError::from(CosmosError::NotIncluded { hash: "AB".into(), secs: 30 });
        assert!(not_included.is_recoverable() && !not_included.would_revert());
        let fee =
            CwError::from(CosmosError::CheckTx { code: 13, codespace: "sdk".into(), log: "insufficient fee".into() });
        assert!(!fee.would_revert());
        let bad = CwError::BadEvent { tx: "AB".into(), attribute: "index", detail: "missing".into() };
        assert!(!bad.is_recoverable() && !bad.would_revert());
    }
}
