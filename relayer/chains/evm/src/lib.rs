//! The EVM chain adapter (alloy): contract bindings generated from forge's artifacts
//! (`relayer/abi`, exported by `scripts/export-abi.sh`), reading a chain (indexing, lock
//! evidence, delivered signatures), delivery with fee bumping, and a depositor's lock calls.
pub mod bindings;
pub mod chain;
mod client;
pub mod delivery;
pub mod locker;
pub mod revert;
pub mod sender;

pub use chain::EvmChain;
pub use client::{AlloyEvm, EvmError};
pub use mesh_chain::DeliveredSignature;

/// `LegStatus.Locked` in the Router's enum: the leg's tokens are still escrowed.
pub const LEG_LOCKED: u8 = 1;

use mesh_proof_evm::LegLockedLog;
use mesh_protocol::{Address, B256};

/// A block as the reporter needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRef {
    pub number: u64,
    pub hash: B256,
    pub timestamp: u64,
}

/// One `LegLocked` event with where it sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEvent {
    pub block: BlockRef,
    pub tx_hash: B256,
    pub tx_index: u64,
    /// Index of the log within its transaction's receipt (what the hub and fraud proofs use).
    pub log_index_in_receipt: u32,
    pub event: LegLockedLog,
}

/// Reading one EVM chain: what the reporter and disputer need, nothing more.
pub trait EvmSource: Send + Sync {
    fn chain_id(&self) -> u64;
    /// Latest block number.
    fn head(&self) -> impl std::future::Future<Output = Result<u64, EvmError>> + Send;
    /// The block at `number` on the chain's current fork, `None` above the head.
    fn block(&self, number: u64) -> impl std::future::Future<Output = Result<Option<BlockRef>, EvmError>> + Send;
    /// `LegLocked` events emitted by `router` in blocks `from..=to`, in chain order.
    fn leg_locked(
        &self,
        router: Address,
        from: u64,
        to: u64,
    ) -> impl std::future::Future<Output = Result<Vec<LockEvent>, EvmError>> + Send;
}

/// Evidence for a fraud proof, read from the chain.
pub trait EvmEvidence: Send + Sync {
    /// RLP of the header of block `number`.
    fn header_rlp(&self, number: u64) -> impl std::future::Future<Output = Result<Vec<u8>, EvmError>> + Send;
    /// Trie encodings of every receipt of block `number`, in transaction order.
    fn block_receipts(&self, number: u64) -> impl std::future::Future<Output = Result<Vec<Vec<u8>>, EvmError>> + Send;
}

/// Signatures delivered to a chain, for the disputer's watch on statements the hub never made.
pub trait EvmSignatures: Send + Sync {
    /// Every signature delivered in blocks `from..=to` by a successful `submitBatch` or `rotate`
    /// on `verifier` or `settleBatch` on `router` (found through their `BatchVerified`,
    /// `SignerSetActivated`, `LegSettled` and `SettlementSkipped` events), in chain order.
    fn delivered_signatures(
        &self,
        verifier: Address,
        router: Address,
        from: u64,
        to: u64,
    ) -> impl std::future::Future<Output = Result<Vec<DeliveredSignature>, EvmError>> + Send;
}

/// What a node holds at a reported transaction position (the checker's view of a report).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxAtIndex {
    /// The block has no transaction at that index.
    Missing,
    /// The transaction is there but its receipt cannot be read or decoded (unknown type,
    /// oversized, malformed): a report pointing at it cannot be confirmed.
    Unreadable(String),
    /// The transaction, whether it succeeded, and the logs of its receipt in receipt order.
    Mined { tx_hash: B256, success: bool, logs: Vec<mesh_proof_evm::Log> },
}

/// Reading a reported location back from a chain: what the checker needs, nothing more.
pub trait EvmLocations: EvmSource {
    /// The transaction at `tx_index` of `block` (as `EvmSource::block` returned it) with its
    /// receipt. A receipt that belongs to another block or position (the node moved between
    /// two calls) is an RPC error (`EvmError::Rpc`: try again), never an answer.
    fn tx_at(
        &self,
        block: BlockRef,
        tx_index: u64,
    ) -> impl std::future::Future<Output = Result<TxAtIndex, EvmError>> + Send;
}
