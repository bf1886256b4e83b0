//! Chain adapter traits and the VM-neutral types the relayer's roles exchange with adapters.
//!
//! A role is generic over the capabilities it needs ([`LegSource`] for the reporter,
//! [`LockEvidence`] for the checker and the disputer, [`SignatureWatch`] for the disputer's
//! signature watch, [`SettlementSink`] for the poster); each adapter (`relayer/chains/*`)
//! implements what its VM can do, in its own terms, behind these types: hub reports carry a
//! per-VM [`LockLocation`](mesh_hub_api::bundle_log::LockLocation), fraud proofs per-VM evidence.
//! The traits use `impl Future` returns, so adapters are plain `async fn`s.
use std::future::Future;

use mesh_hub_api::bundle_log::{ChainVm, LockReport, ObjectionReason, OpenReport, ReportResponse};
use mesh_hub_api::dispute::{FraudProof, SignedStatement};
use mesh_protocol::{Bundle, Hash32, SettlementBatch, Signature65, SignerSet, Verdict};

/// A hub-assigned domain id: what legs name, what the hub's chain registry maps to a VM.
pub type DomainId = u64;

/// An adapter's error: transient trouble (a node down, a tx not yet mined) or not.
pub trait AdapterError: std::error::Error + Send + Sync + 'static {
    /// Whether the same call may succeed later.
    fn is_recoverable(&self) -> bool;
    /// Whether the chain refused a transaction before it was sent (it would revert now: a race
    /// lost to another sender, or a call not yet allowed).
    fn would_revert(&self) -> bool;
}

/// One chain, as every role sees it.
pub trait Chain: Send + Sync {
    type Error: AdapterError;
    /// The chain's domain id in the hub's registry.
    fn domain(&self) -> DomainId;
    /// A human name, for logs and metrics.
    fn name(&self) -> &str;
    /// The chain's VM and its id there, as the hub's registry and lock locations name it.
    fn vm(&self) -> ChainVm;
}

/// A block (or the VM's equivalent of a height with a hash and a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRef {
    pub number: u64,
    pub hash: Hash32,
    /// Unix seconds.
    pub timestamp: u64,
}

/// A lock found on a chain: the block it sits in and the report the hub is to receive.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservedLock {
    pub block: BlockRef,
    pub report: LockReport,
}

/// Reading a chain's leg locks (the reporter).
pub trait LegSource: Chain {
    /// The latest height.
    fn head(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;
    /// The block at `number` on the node's current fork; `None` above the head.
    fn block(&self, number: u64) -> impl Future<Output = Result<Option<BlockRef>, Self::Error>> + Send;
    /// Every lock of this chain's router in blocks `from..=to`, in chain order.
    fn leg_locks(&self, from: u64, to: u64) -> impl Future<Output = Result<Vec<ObservedLock>, Self::Error>> + Send;
}

/// What this node says about another relayer's report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// The reported block is not yet deep enough here: decide later.
    Wait,
    /// This node holds exactly the reported lock.
    Confirmed,
    /// This node cannot confirm it, for this reason.
    Object(ObjectionReason),
}

/// What re-checking a current report showed.
#[derive(Clone, Debug, PartialEq)]
pub enum LockCheck {
    /// This node has not reached the reported block yet: look again later.
    NotYet,
    /// The chain holds exactly the reported lock.
    Honest,
    /// The report is false, provably: why, and the proof for the dispute contract.
    False { why: String, proof: Box<FraudProof> },
    /// The reported block is not on this node's chain (non-canonical or made up): objections
    /// cover it, no proof exists.
    UnknownBlock,
    /// This node's own data cannot back a proof (logged and counted, never fatal).
    Unprovable(String),
}

/// Checking reports against the chain (the checker and the disputer).
pub trait LockEvidence: Chain {
    /// Judges `report` against this node's chain, whose latest height is `head` (read once per
    /// round by the caller, [`LegSource::head`]), `confirmations` deep.
    fn confirm_lock(
        &self,
        report: &OpenReport,
        head: u64,
        confirmations: u64,
    ) -> impl Future<Output = Result<Confirmation, Self::Error>> + Send;
    /// Re-checks the current report of `leg` and proves it false when it is.
    fn check_lock(&self, leg: &ReportResponse) -> impl Future<Output = Result<LockCheck, Self::Error>> + Send;
}

/// One signature found in a transaction the chain accepted, with the statement the contract
/// checked it against.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveredSignature {
    pub block: u64,
    pub tx: Hash32,
    pub statement: SignedStatement,
}

/// Signatures delivered to the chain's verifier and router (the disputer's watch on statements
/// the hub never made).
pub trait SignatureWatch: Chain {
    /// The latest height.
    fn watch_head(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;
    /// Every signature delivered in blocks `from..=to`, in chain order.
    fn delivered_signatures(
        &self,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<DeliveredSignature>, Self::Error>> + Send;
}

/// One leg to settle, with its verdict's proof of membership in the batch root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettleItem {
    pub bundle_id: Hash32,
    pub leg_index: u32,
    pub verdict: Verdict,
    pub proof: Vec<Hash32>,
}

/// One delivery to a chain.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Installs `set` (epoch = the verifier's current epoch + 1), with signatures by the current
    /// set over its `SignerSetUpdate`, ascending by signer.
    Rotate { set: SignerSet, signatures: Vec<Signature65> },
    /// Verifies `batch`'s root with `signatures` (ascending by signer) and settles `items`.
    SettleBatch { batch: SettlementBatch, signatures: Vec<Signature65>, items: Vec<SettleItem> },
    /// Settles `items` under a root the verifier already knows.
    SettleMany { root: Hash32, items: Vec<SettleItem> },
    /// Records `batch`'s root in the verifier, checked against `signatures` (ascending by
    /// signer), settling nothing: a leg whose COMMIT runs an action settles under a known root.
    SubmitRoot { batch: SettlementBatch, signatures: Vec<Signature65> },
    /// COMMITs one leg that carries an action under a root the verifier knows, supplying the
    /// action (calldata included) that the leg hash binds (docs/protocol.md §12).
    SettleAction { root: Hash32, item: SettleItem, action: mesh_protocol::Action },
    /// Settles one mint or release leg (docs/protocol.md, "Leg kinds"), which locks nothing and so
    /// is `NotLocked` until then, under a root the verifier knows; the Router checks the leg
    /// against `bundle` (its id) itself.
    SettleUnlocked { root: Hash32, item: SettleItem, bundle: Box<mesh_protocol::Bundle> },
}

/// A mined delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    pub tx: Hash32,
    pub success: bool,
}

/// A leg's state in its chain's router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegState {
    NotLocked,
    /// Escrowed: still to be settled or refunded.
    Locked,
    Committed,
    Aborted,
    Refunded,
}

/// Delivering settlements and rotations to a chain (the poster).
pub trait SettlementSink: Chain {
    /// The verifier's current signer-set epoch.
    fn current_epoch(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;
    /// Whether the current set has been current for the verifier's minimum rotation delay.
    fn rotation_allowed(&self) -> impl Future<Output = Result<bool, Self::Error>> + Send;
    fn is_verified_root(&self, root: Hash32) -> impl Future<Output = Result<bool, Self::Error>> + Send;
    fn leg_state(
        &self,
        bundle_id: Hash32,
        leg_index: u32,
    ) -> impl Future<Output = Result<LegState, Self::Error>> + Send;
    /// Whether a mined transaction succeeded; `None` when the chain has no receipt for it.
    fn tx_status(&self, tx: Hash32) -> impl Future<Output = Result<Option<bool>, Self::Error>> + Send;
    fn send(&self, delivery: Delivery) -> impl Future<Output = Result<Sent, Self::Error>> + Send;
}

/// Where and when a lock landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Locked {
    pub tx: Hash32,
    pub block: u64,
}

/// A depositor locking its leg (the CLI and the executor; never the relayer).
pub trait LegLocker: Chain {
    /// Locks leg `index` of `bundle`, whose id under the hub's domain is `bundle_id`.
    fn lock(
        &self,
        bundle: &Bundle,
        bundle_id: Hash32,
        index: usize,
    ) -> impl Future<Output = Result<Locked, Self::Error>> + Send;
}

/// Headers of a chain whose locks the hub verifies with a light client (the light-client
/// updater): what `UpdateClient` on the hub's light-client contract takes.
pub trait HeaderSource: Chain {
    /// The chain id the hub's light client is registered under.
    fn client_chain_id(&self) -> &str;
    /// The signed header at `height` with the validator set that signed it; `None` above the head
    /// (or when the node has pruned it).
    fn light_header(
        &self,
        height: u64,
    ) -> impl Future<Output = Result<Option<mesh_hub_api::light_client::LightHeader>, Self::Error>> + Send;
    /// The validator set at `height` (protobuf `tendermint.types.ValidatorSet`): a skipping
    /// update's `trusted_next_validators` is the set at `trusted_height + 1`.
    fn validator_set(&self, height: u64) -> impl Future<Output = Result<Option<Vec<u8>>, Self::Error>> + Send;
}
