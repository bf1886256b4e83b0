//! Messages of the `bundle-log` contract: the hub's canonical, append-only log of bundles, lock
//! reports, verdicts, batches and signatures.
//!
//! Timing rules (all times unix seconds; `W` = `dispute_window`, `M` = `delivery_margin`):
//! * register: `lock_deadline > now`, `settle_deadline > lock_deadline + W + M` and
//!   `settle_deadline ≤ now + max_horizon`;
//! * report: the location's block time `≤ lock_deadline`; the report's window is `[reported_at, reported_at + W)`;
//! * a bundle is decided only when none of its reports is inside its window, then at hub time `t`:
//!   COMMIT if every leg is reported and `t + M < settle_deadline`; ABORT if every leg is reported
//!   but `t + M ≥ settle_deadline` (too late to deliver a COMMIT), or if a leg is missing and
//!   `t > lock_deadline`.
//! * objections: bonded members of the current signer set re-check every report on their own RPC
//!   during its window and object to those they cannot confirm; once objections weigh at least
//!   a third of the set's weight (`ceil(total / 3)`) the report is rejected (the leg is
//!   unreported again). A rejected or disproven report gives the leg a re-report grace: the
//!   bundle is not decided before `reverted_at + rereport_grace`.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Binary, Coin};
use mesh_protocol::{
    AccountId, Amount, Bundle, EvmAddress, Hash32, Leg, Signature65, SignerSet, SignerSetUpdate, Verdict,
};

pub use crate::common::LegRef;

/// Largest batch a hub may be configured with (bounds the Merkle work of one query or close).
pub const MAX_BATCH_SIZE_CAP: u32 = 256;
/// Largest number of lock reports a hub may accept in one `ReportLocks`.
pub const MAX_REPORTS_CAP: u32 = 64;
/// Largest `limit` of one `Advance`.
pub const MAX_ADVANCE_LIMIT: u32 = 64;
/// `limit` of an `Advance` that gives none.
pub const DEFAULT_ADVANCE_LIMIT: u32 = 16;

/// The VM of a registered chain and that VM's own id of the chain. One arm per VM the hub
/// settles on; the registry refuses two domains with the same `ChainVm` (one chain, one domain).
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(Eq, Hash)]
pub enum ChainVm {
    /// An EVM chain, by its EIP-155 chain id (positive).
    Evm { chain_id: u64 },
    /// A CosmWasm chain (Cosmos SDK + CometBFT), by its CometBFT chain id (1 to
    /// [`MAX_COSMOS_CHAIN_ID_LEN`] printable ASCII characters, no whitespace).
    #[serde(rename = "cosmwasm")]
    CosmWasm { chain_id: String },
}

/// Longest CometBFT chain id (CometBFT's `MaxChainIDLen`).
pub const MAX_COSMOS_CHAIN_ID_LEN: usize = 50;

/// How the hub learns that a lock on a chain is real.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum Verification {
    /// A bonded relayer reports the lock's location; the report stands unless objections or a
    /// fraud proof take it down within the dispute window (EVM chains).
    Optimistic,
    /// The report carries a proof of the Router's escrow record against an app hash the hub's
    /// light client of the chain verified: final when it arrives, no dispute window (Cosmos
    /// chains).
    LightClient,
}

impl ChainVm {
    /// The VM's name: `"evm"` or `"cosmwasm"`.
    pub fn vm_name(&self) -> &'static str {
        match self {
            ChainVm::Evm { .. } => "evm",
            ChainVm::CosmWasm { .. } => "cosmwasm",
        }
    }

    /// The chain's id within its VM, as text (an EIP-155 id in decimal, a CometBFT chain id).
    pub fn native_chain_id(&self) -> String {
        match self {
            ChainVm::Evm { chain_id } => chain_id.to_string(),
            ChainVm::CosmWasm { chain_id } => chain_id.clone(),
        }
    }

    /// How locks on this VM are verified.
    pub fn verification(&self) -> Verification {
        match self {
            ChainVm::Evm { .. } => Verification::Optimistic,
            ChainVm::CosmWasm { .. } => Verification::LightClient,
        }
    }

    /// Why the VM's chain id is not valid, if it is not.
    pub fn chain_id_error(&self) -> Option<&'static str> {
        match self {
            ChainVm::Evm { chain_id: 0 } => Some("EVM chain id must be positive"),
            ChainVm::Evm { .. } => None,
            ChainVm::CosmWasm { chain_id } if chain_id.is_empty() => Some("CometBFT chain id must not be empty"),
            ChainVm::CosmWasm { chain_id } if chain_id.len() > MAX_COSMOS_CHAIN_ID_LEN => {
                Some("CometBFT chain id is longer than 50 characters")
            }
            ChainVm::CosmWasm { chain_id } if !chain_id.bytes().all(|b| b.is_ascii_graphic()) => {
                Some("CometBFT chain id must be printable ASCII without whitespace")
            }
            ChainVm::CosmWasm { .. } => None,
        }
    }

    /// Whether `account` can be an account of this VM: on EVM, a left-padded 20-byte address;
    /// on CosmWasm, any account id (20-byte addresses left-padded, 32-byte ones as they are,
    /// bank denominations as their token id).
    pub fn accepts_account(&self, account: &AccountId) -> bool {
        match self {
            ChainVm::Evm { .. } => account.is_evm_shaped(),
            ChainVm::CosmWasm { .. } => true,
        }
    }

    /// Whether the VM's Router runs a leg's action on COMMIT (`Leg::action`): the EVM
    /// MeshRouter through its isolated ActionExecutor, mesh-router-cw through
    /// mesh-action-executor-cw (docs/protocol.md section 12). A VM whose Router does not is
    /// refused actions at registration.
    pub fn runs_actions(&self) -> bool {
        match self {
            ChainVm::Evm { .. } | ChainVm::CosmWasm { .. } => true,
        }
    }

    /// Why an action's data cannot be a call on this VM, if it cannot: on CosmWasm it is the
    /// target's execute message, so a JSON object (anything else would only fail at settlement
    /// and fall back); on EVM any calldata.
    pub fn action_data_error(&self, data: &[u8]) -> Option<&'static str> {
        match self {
            ChainVm::Evm { .. } => None,
            ChainVm::CosmWasm { .. } => {
                let json = cosmwasm_std::from_json::<serde::de::IgnoredAny>(data).is_ok();
                if json && data.first() == Some(&b'{') {
                    None
                } else {
                    Some("a CosmWasm action's data must be a JSON object (the target's execute message)")
                }
            }
        }
    }
}

impl ChainVm {
    /// Whether the VM's Router runs lock-and-mint legs (`Leg::kind` other than escrow): the EVM
    /// MeshRouter does (MeshWrappedToken, reserve accounting); mesh-router-cw does not and
    /// refuses such legs, so the hub refuses to register them.
    pub fn runs_lock_and_mint(&self) -> bool {
        matches!(self, ChainVm::Evm { .. })
    }
}

impl core::fmt::Display for ChainVm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} chain {}", self.vm_name(), self.native_chain_id())
    }
}

/// One chain the hub settles on, under the domain id the hub assigned to it.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct ChainInfo {
    /// Hub-assigned domain id (positive): what legs name (`Leg::domain`).
    pub domain: u64,
    /// Human name, for operators.
    pub name: String,
    /// The chain's VM and that VM's chain id.
    pub vm: ChainVm,
    /// The chain's router (a MeshRouter on EVM, as its left-padded address): every leg on this
    /// domain must name it when registered.
    pub router: AccountId,
    /// Blocks relayers wait before reporting a lock (advisory for relayers; not enforced on-chain).
    pub confirmations: u32,
}

/// Parameters of a new bundle-log.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {
    /// Administrator (chain registry, wiring); defaults to the instantiating account.
    pub admin: Option<String>,
    /// Hub chain id for the EIP-712 domain salt. Must equal the chain's own id when given;
    /// defaults to it.
    pub hub_chain_id: Option<String>,
    /// The stake-escrow contract (relayer bonds and signer sets).
    pub stake_escrow: String,
    /// The dispute contract; may be left out and set once later with `SetDispute`, since it is
    /// instantiated after this contract. Lock reports are refused until it is set.
    pub dispute: Option<String>,
    /// Seconds a lock report can be disputed after it was made (`W`). Positive.
    pub dispute_window: u64,
    /// Seconds reserved to deliver a COMMIT to every chain before `settle_deadline` (`M`). Positive.
    pub delivery_margin: u64,
    /// Most settlement leaves in one batch, 1 to 256.
    pub max_batch_size: u32,
    /// `Advance` closes a non-empty open batch once its oldest leaf waited this many seconds
    /// (0: every `Advance` that finalised something closes the batch).
    pub batch_max_age: u64,
    /// Most lock reports in one `ReportLocks`, 1 to 64.
    pub max_reports_per_msg: u32,
    /// Latest `settle_deadline` a new bundle may have, in seconds from now. Positive.
    pub max_horizon: u64,
    /// Initial chain registry (may be empty; the admin adds chains with `AddChain`).
    pub chains: Vec<ChainInfo>,
    /// Seconds a leg whose report was rejected or disproven keeps its bundle undecided, so an
    /// honest relayer can re-report it (audit finding 6). Default: the dispute window.
    #[serde(default)]
    pub rereport_grace: Option<u64>,
    /// Deposit `RegisterBundle` must carry (exactly, one coin); returned to the creator when the
    /// bundle is decided. `None`: no deposit.
    #[serde(default)]
    pub registration_deposit: Option<Coin>,
    /// Decided bundles leave contract state (`Prune`) this many seconds after their settle
    /// deadline, their batches once every bundle in them did; log entries leave
    /// `retention + max_horizon` after they were written. Default: 7 days.
    #[serde(default)]
    pub retention: Option<u64>,
}

/// Default seconds a decided bundle stays in state after its settle deadline.
pub const DEFAULT_RETENTION: u64 = 7 * 24 * 3600;
/// Most bundles one `Prune` removes.
pub const MAX_PRUNE_LIMIT: u32 = 64;

/// Where a lock was seen, per VM. The location's VM (and that VM's chain id) must be the leg's
/// domain's (`LocationVmMismatch` otherwise).
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(Eq)]
pub enum LockLocation {
    /// A `LegLocked` log of the leg's MeshRouter on an EVM chain.
    Evm(EvmLocation),
    /// The leg's escrow record in the state of its Router on a CosmWasm chain, at a height; the
    /// report's `proof` proves it.
    #[serde(rename = "cosmwasm")]
    CosmWasm(CosmWasmLocation),
}

impl LockLocation {
    /// The VM (and its chain id) the location is on.
    pub fn vm(&self) -> ChainVm {
        match self {
            LockLocation::Evm(l) => ChainVm::Evm { chain_id: l.chain_id },
            LockLocation::CosmWasm(l) => ChainVm::CosmWasm { chain_id: l.chain_id.clone() },
        }
    }

    /// The EVM location, if this is one.
    pub fn as_evm(&self) -> Option<&EvmLocation> {
        match self {
            LockLocation::Evm(l) => Some(l),
            LockLocation::CosmWasm(_) => None,
        }
    }

    /// The EVM location, if this is one.
    pub fn as_evm_mut(&mut self) -> Option<&mut EvmLocation> {
        match self {
            LockLocation::Evm(l) => Some(l),
            LockLocation::CosmWasm(_) => None,
        }
    }

    /// The block time of the lock, where the location states one: what the hub's lock-deadline
    /// check uses. A CosmWasm escrow record has none: its Router refuses a lock after the lock
    /// deadline, and the proof shows that Router's state.
    pub fn block_timestamp(&self) -> Option<u64> {
        match self {
            LockLocation::Evm(l) => Some(l.block_timestamp),
            LockLocation::CosmWasm(_) => None,
        }
    }
}

/// Where on a CosmWasm chain a leg's escrow record was read.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(Eq)]
pub struct CosmWasmLocation {
    /// CometBFT chain id (must be the leg's domain's: `ChainVm::CosmWasm { chain_id }`).
    pub chain_id: String,
    /// Height of the state the proof is of (`abci_query` height): the hub checks it against the
    /// app hash of header `height + 1`, which its light client must have verified.
    pub height: u64,
}

/// A lock proven against a light-client-verified app hash: the Router's escrow record
/// (`router_cw::Escrow`, its JSON bytes as stored) and the `proofOps` of an `abci_query` with
/// `prove = true` for path `store/wasm/key` and key `router_cw::escrow_abci_key`. Verified when
/// the report arrives and not kept.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct StateProof {
    pub record: Binary,
    pub proof: crate::light_client::ProofOps,
}

impl From<EvmLocation> for LockLocation {
    fn from(l: EvmLocation) -> Self {
        LockLocation::Evm(l)
    }
}

/// Where on an EVM chain a `LegLocked` log was seen.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(Eq)]
pub struct EvmLocation {
    /// EIP-155 chain id (must be the leg's domain's: `ChainVm::Evm { chain_id }`).
    pub chain_id: u64,
    pub block_number: u64,
    /// `keccak256` of the block header.
    pub block_hash: Hash32,
    /// Block timestamp (unix seconds); must be at or before the bundle's lock deadline.
    pub block_timestamp: u64,
    /// Transaction hash (informational: a fraud proof shows the receipt by `tx_index`).
    pub tx_hash: Hash32,
    /// Index of the transaction in the block: the receipt-trie key.
    pub tx_index: u64,
    /// Index of the `LegLocked` log within that transaction's receipt (not block-wide).
    pub log_index: u32,
}

/// A relayer's statement that one leg is locked.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct LockReport {
    pub bundle_id: Hash32,
    pub leg_index: u32,
    /// Must equal the registered leg's hash.
    pub leg_hash: Hash32,
    /// Must equal the bundle's settle deadline (the Router emits it).
    pub settle_deadline: u64,
    pub location: LockLocation,
    /// Required on a light-client chain (CosmWasm), refused on an optimistic one (EVM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<StateProof>,
}

/// Why a signer could not confirm a report on its own RPC.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum ObjectionReason {
    /// No block with that hash at that height on the signer's node (fabricated, or reorged out).
    UnknownBlock,
    /// The block's timestamp differs from the reported one.
    WrongTimestamp,
    /// The block has no transaction at the reported index, or another one.
    NoSuchTransaction,
    /// The transaction failed.
    TransactionFailed,
    /// The receipt carries no `LegLocked` of the leg's Router at the reported log index, or one
    /// for another leg, bundle, amount or deadline.
    NoMatchingLog,
    /// The receipt could not be read or decoded (unknown type, oversized).
    UnreadableReceipt,
}

/// One signer's objection to one report.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(Eq)]
pub struct Objection {
    pub bundle_id: Hash32,
    pub leg_index: u32,
    /// The report objected to; an objection to a report that is no longer current is a no-op.
    pub report_id: u64,
    pub reason: ObjectionReason,
}

/// Every action of the bundle-log.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum ExecuteMsg {
    /// Registers a bundle created by the sender (`bundle.creator` must be the sender). Returns
    /// the bundle id in the response data (`RegisterBundleResponse`) and the `bundle_id` attribute.
    RegisterBundle { bundle: Bundle },
    /// Registers 1 to [`MAX_BUNDLES_PER_REGISTRATION`] bundles of the sender, each exactly as
    /// `RegisterBundle` would, all or none (one instance load for all of them: issue 14). The
    /// deposit is one coin of `registration_deposit × bundles`. Returns the ids in order in the
    /// response data (`RegisterBundlesResponse`) and one `bundle_id` attribute each.
    RegisterBundles { bundles: Vec<Bundle> },
    /// Reports locked legs (active bonded relayers only). A leg already reported is skipped, not
    /// an error; the response lists which reports were new (`ReportLocksResponse`).
    ReportLocks { reports: Vec<LockReport> },
    /// Objections of a member of the current signer set (not jailed) to reports inside their
    /// window that it could not confirm on its own RPC (at most `max_reports_per_msg`). A report
    /// whose objections weigh at least a third of the set's weight is rejected: the leg is
    /// unreported again, with a re-report grace. Objections to reports that are no longer
    /// current, or repeated by the same signer, are no-ops (`ObjectReportsResponse`).
    ObjectReports { objections: Vec<Objection> },
    /// Decides the bundles that are due (anyone; at most `limit` of them, default 16, at most
    /// 64) and closes the open batch when it is full or old enough.
    Advance { limit: Option<u32> },
    /// Closes the open batch now (anyone) if it is due (full, or its oldest leaf waited
    /// `batch_max_age`): fixes its Merkle root under the current signer epoch.
    CloseBatch {},
    /// Removes up to `limit` (at most 64) decided bundles whose settle deadline is more than
    /// `retention` in the past from contract state (anyone), at most two closed batches all of whose
    /// bundles are, and up to 5 × `limit` log entries older than `retention + max_horizon`
    /// (never the last one: sequence numbers go on). A pruned bundle's nonce stays taken.
    Prune { limit: Option<u32> },
    /// Adds signatures over a closed batch's `SettlementBatch(epoch, batchIndex, root)` digest
    /// (anyone may submit; each signature must recover to a member of the batch's epoch who is
    /// not jailed). Signers that already signed are skipped.
    SubmitSignatures { batch_index: u64, signatures: Vec<Signature65> },
    /// Adds signatures of the signer set `new_epoch − 1` over the `SignerSetUpdate` that hands
    /// over to `new_epoch` (anyone may submit), so relayers can rotate every chain's Verifier.
    SubmitSignerSetSignatures { new_epoch: u64, signatures: Vec<Signature65> },
    /// Reverts a lock report proven false (dispute contract only): the leg is unreported again
    /// and may be re-reported. A report already rejected by objections is only recorded as proven.
    RevertReport { bundle_id: Hash32, leg_index: u32, report_id: u64, fraud_id: u64 },
    /// Sets the dispute contract (admin only, once).
    SetDispute { dispute: String },
    /// Sets the light-client contract that verifies locks on CosmWasm chains (admin only, once).
    /// Reports of CosmWasm legs are refused until it is set.
    SetLightClient { light_client: String },
    /// Registers a chain under a new domain id (admin only). The domain must be positive and
    /// free, `vm` not registered under another domain, the router non-zero and of the VM's shape.
    AddChain { domain: u64, name: String, vm: ChainVm, router: AccountId, confirmations: u32 },
    /// Changes a registered domain's name, router or confirmations (admin only; its `vm` cannot
    /// change); bundles registered before keep their legs' router.
    UpdateChain { domain: u64, name: String, vm: ChainVm, router: AccountId, confirmations: u32 },
    /// Unregisters a domain (admin only): no new bundle may use it; registered bundles go on.
    RemoveChain { domain: u64 },
    /// Hands the admin role to another account, e.g. governance (admin only).
    UpdateAdmin { admin: String },
}

/// Most bundles one `RegisterBundles` takes.
pub const MAX_BUNDLES_PER_REGISTRATION: usize = 32;

/// Response data of `RegisterBundles`.
#[cw_serde]
pub struct RegisterBundlesResponse {
    pub bundle_ids: Vec<Hash32>,
}

/// Response data of `RegisterBundle`.
#[cw_serde]
pub struct RegisterBundleResponse {
    pub bundle_id: Hash32,
}

/// Response data of `ReportLocks`.
#[cw_serde]
pub struct ReportLocksResponse {
    /// Reports that were recorded.
    pub new: Vec<LegRef>,
    /// Reports of legs that already had a report (no-ops).
    pub duplicate: Vec<LegRef>,
    /// Reports for bundles that are already decided (no-ops).
    pub decided: Vec<LegRef>,
}

/// Response data of `ObjectReports`.
#[cw_serde]
pub struct ObjectReportsResponse {
    /// Objections recorded (the report is still current, weight below the rejection bound).
    pub counted: Vec<LegRef>,
    /// Reports rejected by this message (their objections reached a third of the weight).
    pub rejected: Vec<LegRef>,
    /// No-ops: the report is no longer current, its window ended, or this signer objected already.
    pub ignored: Vec<LegRef>,
}

/// Response data of `Advance`.
#[cw_serde]
pub struct AdvanceResponse {
    /// Bundles decided by this call, in order.
    pub decided: Vec<DecidedBundle>,
    /// Batches closed by this call.
    pub closed_batches: Vec<u64>,
}

/// One decision.
#[cw_serde]
pub struct DecidedBundle {
    pub bundle_id: Hash32,
    pub verdict: Verdict,
    pub reason: VerdictReason,
    pub batch_index: u64,
}

/// Why a bundle got its verdict.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum VerdictReason {
    /// Every leg was reported and every report's dispute window passed in time.
    AllLegsLocked,
    /// The lock deadline passed with a leg unreported.
    LegMissing,
    /// Every leg was reported, but too late to deliver a COMMIT before `settle_deadline − delivery_margin`.
    TooLateToCommit,
}

/// Every question the bundle-log answers.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The configuration.
    #[returns(ConfigResponse)]
    Config {},
    /// One bundle with its legs, reports, verdict and batch.
    #[returns(BundleResponse)]
    Bundle { bundle_id: Hash32 },
    /// The bundle a creator registered with `nonce`.
    #[returns(BundleResponse)]
    BundleByNonce { creator: String, nonce: u64 },
    /// One leg's report as the dispute contract checks it.
    #[returns(ReportResponse)]
    Report { bundle_id: Hash32, leg_index: u32 },
    /// A page of the canonical log, oldest first.
    #[returns(LogResponse)]
    Log { start_after: Option<u64>, limit: Option<u32> },
    /// One batch with its leaves, root and signatures.
    #[returns(BatchResponse)]
    Batch { index: u64 },
    /// The open batch (collecting verdicts).
    #[returns(BatchResponse)]
    CurrentBatch {},
    /// The Merkle proof of a decided bundle's settlement leaf in its closed batch.
    #[returns(MerkleProofResponse)]
    MerkleProof { bundle_id: Hash32 },
    /// Legs on `domain` of undecided bundles that have no report yet (for reporters). A page
    /// scans the undecided bundles in wake-up order from `start_after` (at most
    /// `MAX_SCAN_PER_PAGE` of them) and ends at a bundle boundary; go on from `next` until it
    /// is `None`.
    #[returns(AwaitingReportsResponse)]
    AwaitingReports { domain: u64, start_after: Option<ScanCursor>, limit: Option<u32> },
    /// Reports on `domain` of undecided bundles that signers check (optimistic reports; a
    /// proven one is final), paged like `AwaitingReports`.
    #[returns(OpenReportsResponse)]
    OpenReports { domain: u64, start_after: Option<ScanCursor>, limit: Option<u32> },
    /// Bundles an `Advance` would look at now (for whoever calls `Advance`).
    #[returns(DueBundlesResponse)]
    DueBundles { limit: Option<u32> },
    /// Closed batches that are not yet attested (for signers).
    #[returns(BatchIndexesResponse)]
    UnattestedBatches { start_after: Option<u64>, limit: Option<u32> },
    /// Attested batches (for posters).
    #[returns(BatchIndexesResponse)]
    AttestedBatches { start_after: Option<u64>, limit: Option<u32> },
    /// One registered chain, by domain id.
    #[returns(ChainInfo)]
    Chain { domain: u64 },
    /// The registered chain of a VM's chain id (e.g. the domain of EVM chain 31337).
    #[returns(ChainInfo)]
    ChainByVm { vm: ChainVm },
    /// The chain registry, by domain id.
    #[returns(ChainsResponse)]
    Chains { start_after: Option<u64>, limit: Option<u32> },
    /// The signer-set update to `new_epoch` with the signatures collected for it.
    #[returns(SignerSetUpdateResponse)]
    SignerSetUpdate { new_epoch: u64 },
}

/// The bundle-log's configuration.
#[cw_serde]
pub struct ConfigResponse {
    pub admin: Addr,
    pub hub_chain_id: String,
    /// The EIP-712 domain separator (`hubDomain` of every bundle id).
    pub hub_domain_separator: Hash32,
    pub stake_escrow: Addr,
    pub dispute: Option<Addr>,
    /// The light-client contract that verifies CosmWasm locks (`None` until set).
    pub light_client: Option<Addr>,
    pub dispute_window: u64,
    pub delivery_margin: u64,
    pub max_batch_size: u32,
    pub batch_max_age: u64,
    pub max_reports_per_msg: u32,
    pub max_horizon: u64,
    pub rereport_grace: u64,
    pub registration_deposit: Option<Coin>,
    pub retention: u64,
}

/// A recorded lock report.
#[cw_serde]
pub struct LegReport {
    /// Unique id of the report (its sequence number in the log).
    pub report_id: u64,
    pub reporter: Addr,
    /// Hub time the report was recorded: its dispute window starts here.
    pub reported_at: u64,
    /// End of its dispute window (exclusive): `reported_at + dispute_window`; `reported_at` for
    /// a report proven against a light client (final at once, no window).
    pub window_ends_at: u64,
    pub location: LockLocation,
    /// Signers that objected so far, ascending. For a rejected report: those before the
    /// objection that rejected it (its `ReportRejected` log entry has the weight that did).
    #[serde(default)]
    pub objectors: Vec<EvmAddress>,
    /// The sum of their weights, each in the signer set of when it objected.
    #[serde(default)]
    pub objected_weight: Amount,
}

/// Where a bundle stands.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum BundleStatus {
    /// Waiting for reports or for dispute windows.
    Pending,
    /// Decided; the verdict never changes.
    Decided,
}

/// One bundle.
#[cw_serde]
pub struct BundleResponse {
    pub bundle_id: Hash32,
    pub bundle: Bundle,
    pub leg_hashes: Vec<Hash32>,
    pub registered_at: u64,
    /// One entry per leg, `None` while unreported.
    pub reports: Vec<Option<LegReport>>,
    pub status: BundleStatus,
    pub verdict: Option<Verdict>,
    pub reason: Option<VerdictReason>,
    pub decided_at: Option<u64>,
    pub batch_index: Option<u64>,
    /// When `Advance` next looks at it (`None` once decided).
    pub next_check: Option<u64>,
    /// A COMMIT is possible only strictly before this hub time: `settle_deadline − delivery_margin`.
    pub commit_cutoff: u64,
}

/// One leg's report, with what a fraud proof is checked against.
#[cw_serde]
pub struct ReportResponse {
    pub bundle_id: Hash32,
    pub leg_index: u32,
    pub leg: Leg,
    pub leg_hash: Hash32,
    pub lock_deadline: u64,
    pub settle_deadline: u64,
    pub report: Option<LegReport>,
    pub decided: bool,
    /// Reports of this leg rejected by objections that are still provable (inside their dispute
    /// window): a rejected false report stays accountable, so its relayer is still slashed.
    #[serde(default)]
    pub rejected: Vec<LegReport>,
}

/// Most rejected reports a bundle keeps aside for fraud proofs (older ones are dropped first);
/// besides them, a leg's latest rejected report stays where it was until the leg is reported again.
pub const MAX_REJECTED_KEPT: usize = 8;

/// A log page.
#[cw_serde]
pub struct LogResponse {
    pub entries: Vec<LogEntry>,
    /// Number of entries in the whole log.
    pub total: u64,
}

/// One entry of the canonical log.
#[cw_serde]
pub struct LogEntry {
    /// Position in the log, from 0.
    pub seq: u64,
    pub height: u64,
    pub time: u64,
    pub event: LogEvent,
}

/// What happened.
#[cw_serde]
pub enum LogEvent {
    /// A bundle was registered.
    BundleRegistered { bundle_id: Hash32, creator: Addr, nonce: u64 },
    /// A leg's lock was reported.
    LegReported { bundle_id: Hash32, leg_index: u32, report_id: u64, reporter: Addr },
    /// A report was proven false and reverted.
    ReportReverted { bundle_id: Hash32, leg_index: u32, report_id: u64, fraud_id: u64 },
    /// A report was rejected by objections of at least a third of the signer weight.
    ReportRejected { bundle_id: Hash32, leg_index: u32, report_id: u64, epoch: u64, objected_weight: Amount },
    /// A decided bundle left contract state (`Prune`); its nonce stays taken.
    BundlePruned { bundle_id: Hash32 },
    /// A bundle was decided and its leaf put in batch `batch_index`.
    VerdictFinal { bundle_id: Hash32, verdict: Verdict, reason: VerdictReason, batch_index: u64 },
    /// A batch was closed: its root is fixed under signer epoch `epoch`.
    BatchClosed { batch_index: u64, epoch: u64, root: Hash32, size: u32 },
    /// A batch's signatures reached the threshold.
    BatchAttested { batch_index: u64, epoch: u64 },
    /// The update to `new_epoch` gathered threshold signatures of the previous set.
    SignerSetUpdateAttested { new_epoch: u64, signers_hash: Hash32 },
}

/// Where a batch stands.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum BatchStatus {
    /// Collecting verdicts.
    Open,
    /// Root fixed; collecting signatures.
    Closed,
    /// Signatures of at least the threshold weight collected.
    Attested,
}

/// One settlement leaf of a batch.
#[cw_serde]
pub struct BatchEntry {
    pub bundle_id: Hash32,
    pub verdict: Verdict,
    /// `settlement_leaf(bundle_id, verdict)`.
    pub leaf: Hash32,
}

/// A signature with the address it recovers to.
#[cw_serde]
pub struct SignerSignature {
    pub signer: EvmAddress,
    pub signature: Signature65,
}

/// One batch.
#[cw_serde]
pub struct BatchResponse {
    pub index: u64,
    pub status: BatchStatus,
    /// Signer epoch, fixed at close.
    pub epoch: Option<u64>,
    /// Merkle root, fixed at close.
    pub root: Option<Hash32>,
    pub entries: Vec<BatchEntry>,
    pub opened_at: u64,
    pub closed_at: Option<u64>,
    pub attested_at: Option<u64>,
    /// Weight of the signers so far.
    pub signed_weight: Amount,
    /// Threshold of the batch's epoch (once closed).
    pub threshold: Option<Amount>,
    /// Signatures sorted by ascending signer address (the order EVM verifiers take).
    pub signatures: Vec<SignerSignature>,
}

/// What a Router's `settle` needs for one bundle.
#[cw_serde]
pub struct MerkleProofResponse {
    pub bundle_id: Hash32,
    pub verdict: Verdict,
    pub leaf: Hash32,
    pub batch_index: u64,
    pub epoch: u64,
    pub root: Hash32,
    /// Position of the leaf in the batch.
    pub position: u32,
    /// Siblings from the leaf up (docs/protocol.md §4).
    pub proof: Vec<Hash32>,
    pub attested: bool,
}

/// A leg that waits for a report.
#[cw_serde]
pub struct AwaitingLeg {
    pub bundle_id: Hash32,
    pub leg_index: u32,
    pub leg_hash: Hash32,
    pub leg: Leg,
    pub lock_deadline: u64,
    pub settle_deadline: u64,
}

/// Where a scan of the undecided bundles stopped: the wake-up time and id of the last bundle
/// looked at (the hub keeps no per-leg index of waiting legs or open reports: each would cost
/// every leg a write and a delete; issue 14). A bundle whose wake-up moves while a reader pages
/// may be missed by that pass or seen twice; the next pass sees it.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(Copy, Eq)]
pub struct ScanCursor {
    pub at: u64,
    pub bundle_id: Hash32,
}

/// Most undecided bundles one `AwaitingReports` or `OpenReports` page looks at.
pub const MAX_SCAN_PER_PAGE: usize = 100;

/// Legs waiting for reports.
#[cw_serde]
pub struct AwaitingReportsResponse {
    pub legs: Vec<AwaitingLeg>,
    /// Where to go on from; `None` when the scan reached the last undecided bundle.
    pub next: Option<ScanCursor>,
}

/// A report inside its window, with what a signer checks it against.
#[cw_serde]
pub struct OpenReport {
    pub bundle_id: Hash32,
    pub leg_index: u32,
    pub leg_hash: Hash32,
    pub leg: Leg,
    pub settle_deadline: u64,
    pub report: LegReport,
}

/// Reports signers check.
#[cw_serde]
pub struct OpenReportsResponse {
    pub reports: Vec<OpenReport>,
    /// Where to go on from; `None` when the scan reached the last undecided bundle.
    pub next: Option<ScanCursor>,
}

/// Bundles due for `Advance`.
#[cw_serde]
pub struct DueBundlesResponse {
    /// Hub time of the answer.
    pub now: u64,
    pub bundle_ids: Vec<Hash32>,
    /// Decided bundles past `retention` that a `Prune` would remove (counted up to the page
    /// limit): relayers prune when it is not zero, so the hub's state stays bounded.
    #[serde(default)]
    pub prunable: u32,
}

/// A page of batch indexes.
#[cw_serde]
pub struct BatchIndexesResponse {
    pub batches: Vec<u64>,
}

/// A page of the chain registry.
#[cw_serde]
pub struct ChainsResponse {
    pub chains: Vec<ChainInfo>,
}

/// A signer-set update and its signatures.
#[cw_serde]
pub struct SignerSetUpdateResponse {
    pub update: SignerSetUpdate,
    /// The set the update installs.
    pub new_set: SignerSet,
    /// Epoch whose signers sign it: `new_epoch − 1`.
    pub signing_epoch: u64,
    pub signed_weight: Amount,
    pub threshold: Amount,
    pub attested: bool,
    /// Sorted by ascending signer address.
    pub signatures: Vec<SignerSignature>,
}

crate::client::typed_queries!(QueryMsg {
    /// `QueryMsg::Config`.
    config => Config {} -> ConfigResponse;
    /// `QueryMsg::Bundle`.
    bundle => Bundle { bundle_id: Hash32 } -> BundleResponse;
    /// `QueryMsg::BundleByNonce`.
    bundle_by_nonce => BundleByNonce { creator: String, nonce: u64 } -> BundleResponse;
    /// `QueryMsg::Report`.
    report => Report { bundle_id: Hash32, leg_index: u32 } -> ReportResponse;
    /// `QueryMsg::Log`.
    log => Log { start_after: Option<u64>, limit: Option<u32> } -> LogResponse;
    /// `QueryMsg::Batch`.
    batch => Batch { index: u64 } -> BatchResponse;
    /// `QueryMsg::CurrentBatch`.
    current_batch => CurrentBatch {} -> BatchResponse;
    /// `QueryMsg::MerkleProof`.
    merkle_proof => MerkleProof { bundle_id: Hash32 } -> MerkleProofResponse;
    /// `QueryMsg::AwaitingReports`.
    awaiting_reports => AwaitingReports { domain: u64, start_after: Option<ScanCursor>, limit: Option<u32> } -> AwaitingReportsResponse;
    /// `QueryMsg::OpenReports`.
    open_reports => OpenReports { domain: u64, start_after: Option<ScanCursor>, limit: Option<u32> } -> OpenReportsResponse;
    /// `QueryMsg::DueBundles`.
    due_bundles => DueBundles { limit: Option<u32> } -> DueBundlesResponse;
    /// `QueryMsg::UnattestedBatches`.
    unattested_batches => UnattestedBatches { start_after: Option<u64>, limit: Option<u32> } -> BatchIndexesResponse;
    /// `QueryMsg::AttestedBatches`.
    attested_batches => AttestedBatches { start_after: Option<u64>, limit: Option<u32> } -> BatchIndexesResponse;
    /// `QueryMsg::Chain`.
    chain => Chain { domain: u64 } -> ChainInfo;
    /// `QueryMsg::ChainByVm`.
    chain_by_vm => ChainByVm { vm: ChainVm } -> ChainInfo;
    /// `QueryMsg::Chains`.
    chains => Chains { start_after: Option<u64>, limit: Option<u32> } -> ChainsResponse;
    /// `QueryMsg::SignerSetUpdate`.
    signer_set_update => SignerSetUpdate { new_epoch: u64 } -> SignerSetUpdateResponse;
});

impl ExecuteMsg {
    /// This message sent to the bundle-log `contract` with `funds` (only `RegisterBundle` takes
    /// any: the registration deposit).
    pub fn wasm_msg(
        &self,
        contract: impl Into<String>,
        funds: Vec<Coin>,
    ) -> cosmwasm_std::StdResult<cosmwasm_std::WasmMsg> {
        crate::client::execute(contract, self, funds)
    }

    /// `AddChain` of `chain`.
    pub fn add_chain(chain: ChainInfo) -> Self {
        let ChainInfo { domain, name, vm, router, confirmations } = chain;
        ExecuteMsg::AddChain { domain, name, vm, router, confirmations }
    }

    /// `UpdateChain` to `chain`.
    pub fn update_chain(chain: ChainInfo) -> Self {
        let ChainInfo { domain, name, vm, router, confirmations } = chain;
        ExecuteMsg::UpdateChain { domain, name, vm, router, confirmations }
    }
}
