//! In-memory stand-ins for the relayer's narrow interfaces, so each role can be unit-tested with
//! no network and no processes:
//! * [`MockChain`]: an EVM chain (`EvmSource` + `EvmEvidence`) made of real-looking blocks —
//!   header RLP whose keccak is the block hash, receipts in their trie encoding, a receipts root
//!   that a receipt-trie proof verifies against — able to simulate a reorg;
//! * [`MockHub`]: the hub (`MeshHub`) as a small state machine that mirrors the bundle-log's
//!   rules for reports, batches, signatures and the log, records every call and injects failures.
//! * [`fake_comet`]: a fake CometBFT node on a loopback port, for the real `CosmosClient`'s retry paths.
//!
//! Each test binary uses a different subset of the helpers.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use alloy::consensus::Header;
use alloy::rlp::Encodable;
use cosmwasm_std::Addr;
use mesh_chain_evm::{
    BlockRef, DeliveredSignature, EvmError, EvmEvidence, EvmLocations, EvmSignatures, EvmSource, LockEvent, TxAtIndex,
};
use mesh_hub::{CosmosError, MeshHub};
use mesh_hub_api::bundle_log::{
    AwaitingLeg, BatchEntry, BatchResponse, BatchStatus, BundleResponse, BundleStatus, ChainVm, DueBundlesResponse,
    EvmLocation, LegRef, LegReport, LockLocation, LockReport, LogEntry, LogEvent, LogResponse, MerkleProofResponse,
    ObjectReportsResponse, Objection, OpenReport, ReportLocksResponse, ReportResponse, SignerSetUpdateResponse,
    SignerSignature,
};
use mesh_hub_api::dispute::{FalseLockEvidence, FraudProof, SignedStatement};
use mesh_hub_api::light_client;
use mesh_hub_api::stake_escrow::{RelayerInfo, SignerSetResponse};
use mesh_proof_evm::{build_receipt_proof, LegLockedLog, Log};
use mesh_protocol::eip712::{
    bundle_id, leg_hash, settlement_batch_digest, settlement_leaf, signer_set_hash, signer_set_update_digest, HubDomain,
};
use mesh_protocol::merkle::{merkle_proof, merkle_root};
use mesh_protocol::sig::recover_signer;
use mesh_protocol::{
    keccak256, Address, Amount, Bundle, Bytes, EvmAddress, Hash32, Leg, SettlementBatch, Signature65, SignerSet,
    SignerSetUpdate, Verdict, WeightedSigner, B256, U256,
};
use mesh_relayer::store::Store;

/// Hub chain id of every test (the EIP-712 domain of bundle ids and batch digests).
pub const HUB_CHAIN_ID: &str = "mesh-test-1";
/// Bundle-log address of every test (the deployment the EIP-712 domain binds).
pub const BUNDLE_LOG: &str = "bundle-log";
/// Timestamp of block 0 of every mock chain; blocks follow every [`BLOCK_TIME`] seconds.
pub const GENESIS_TIME: u64 = 1_700_000_000;
pub const BLOCK_TIME: u64 = 12;

pub fn domain() -> HubDomain {
    HubDomain::new(HUB_CHAIN_ID, BUNDLE_LOG)
}

pub fn addr(byte: u8) -> Address {
    Address::repeat_byte(byte)
}

pub fn h(byte: u8) -> B256 {
    B256::repeat_byte(byte)
}

/// A fresh database in its own temporary directory (removed when the guard drops).
pub fn temp_store() -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&db_path(dir.path())).expect("open store");
    (dir, Arc::new(store))
}

pub fn db_path(dir: &Path) -> std::path::PathBuf {
    dir.join("relayer.redb")
}

// ------------------------------------------------------------------------------------ EVM

/// One transaction of a mock block: its outcome and the logs of its receipt.
#[derive(Clone, Debug)]
pub struct MockTx {
    pub success: bool,
    pub logs: Vec<Log>,
}

impl MockTx {
    pub fn ok(logs: Vec<Log>) -> MockTx {
        MockTx { success: true, logs }
    }
    pub fn failed(logs: Vec<Log>) -> MockTx {
        MockTx { success: false, logs }
    }
    /// A transaction with one unrelated log (e.g. an ERC-20 transfer), to pad blocks.
    pub fn noise() -> MockTx {
        MockTx::ok(vec![Log { address: addr(0xee), topics: vec![h(0xee)], data: Bytes::from(vec![1, 2, 3]) }])
    }
}

#[derive(Clone, Debug)]
pub struct MockBlock {
    pub number: u64,
    pub hash: B256,
    pub timestamp: u64,
    pub header_rlp: Vec<u8>,
    pub receipts_root: B256,
    pub tx_hashes: Vec<B256>,
    pub txs: Vec<MockTx>,
    /// Receipts in their trie encoding (EIP-1559 typed: `0x02 ‖ rlp(receipt)`).
    pub receipts: Vec<Vec<u8>>,
}

impl MockBlock {
    pub fn block_ref(&self) -> BlockRef {
        BlockRef { number: self.number, hash: self.hash, timestamp: self.timestamp }
    }
}

/// Trie encoding of a typed (EIP-1559) receipt.
pub fn encode_receipt(success: bool, cumulative_gas_used: u64, logs: &[Log]) -> Vec<u8> {
    let status = u8::from(success);
    let bloom = alloy::primitives::Bloom::ZERO;
    let logs = logs.to_vec();
    let payload_length = status.length() + cumulative_gas_used.length() + bloom.length() + logs.length();
    let mut out = vec![2u8];
    alloy::rlp::Header { list: true, payload_length }.encode(&mut out);
    status.encode(&mut out);
    cumulative_gas_used.encode(&mut out);
    bloom.encode(&mut out);
    logs.encode(&mut out);
    out
}

/// Which `EvmSource`/`EvmEvidence` call a failure is injected into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvmMethod {
    Head,
    Block,
    LegLocked,
    HeaderRlp,
    BlockReceipts,
    DeliveredSignatures,
    TxAt,
}

#[derive(Default)]
struct ChainState {
    blocks: Vec<MockBlock>,
    /// Bumped by every reorg so replaced blocks hash differently.
    fork: u64,
    leg_locked_calls: Vec<(u64, u64)>,
    calls: Vec<EvmMethod>,
    fail_next: Vec<EvmMethod>,
    reorg_after_leg_locked: Option<(u64, Vec<Vec<MockTx>>)>,
    /// Signatures delivered to the Verifier/Router, by the block that carried them.
    delivered: Vec<DeliveredSignature>,
    delivered_calls: Vec<(u64, u64)>,
    /// (block, tx index) whose receipt the node cannot decode.
    unreadable: Vec<(u64, u64)>,
}

impl ChainState {
    fn push_block(&mut self, timestamp: u64, txs: Vec<MockTx>) -> MockBlock {
        let number = self.blocks.len() as u64;
        let parent_hash = self.blocks.last().map(|b| b.hash).unwrap_or_default();
        let mut gas = 0u64;
        let receipts: Vec<Vec<u8>> = txs
            .iter()
            .map(|tx| {
                gas += 21_000;
                encode_receipt(tx.success, gas, &tx.logs)
            })
            .collect();
        let receipts_root = build_receipt_proof(&receipts, 0).0;
        let header = Header {
            parent_hash,
            receipts_root,
            number,
            timestamp,
            gas_limit: 30_000_000,
            gas_used: gas,
            base_fee_per_gas: Some(7),
            extra_data: Bytes::from(self.fork.to_be_bytes().to_vec()),
            ..Header::default()
        };
        let header_rlp = alloy::rlp::encode(&header);
        let hash = keccak256(&header_rlp);
        let tx_hashes =
            (0..txs.len()).map(|i| keccak256([hash.as_slice(), &(i as u64).to_be_bytes()].concat())).collect();
        let block = MockBlock { number, hash, timestamp, header_rlp, receipts_root, tx_hashes, txs, receipts };
        self.blocks.push(block.clone());
        block
    }

    fn reorg(&mut self, keep: u64, new_blocks: Vec<Vec<MockTx>>) {
        self.blocks.truncate(keep as usize + 1);
        self.fork += 1;
        for txs in new_blocks {
            let ts = self.blocks.last().map(|b| b.timestamp + BLOCK_TIME).unwrap_or(GENESIS_TIME);
            self.push_block(ts, txs);
        }
    }
}

/// An EVM chain in memory; clones share the chain (a test keeps one handle to mine and reorg
/// while the role under test owns another).
#[derive(Clone)]
pub struct MockChain {
    chain_id: u64,
    state: Arc<Mutex<ChainState>>,
}

impl MockChain {
    /// A chain with empty blocks `0..=head`.
    pub fn new(chain_id: u64, head: u64) -> MockChain {
        let chain = MockChain { chain_id, state: Arc::default() };
        for _ in 0..=head {
            chain.mine(vec![]);
        }
        chain
    }

    fn lock(&self) -> MutexGuard<'_, ChainState> {
        self.state.lock().expect("chain lock")
    }

    /// Appends a block `BLOCK_TIME` after the previous one holding `txs`.
    pub fn mine(&self, txs: Vec<MockTx>) -> MockBlock {
        let ts = self.lock().blocks.last().map(|b| b.timestamp + BLOCK_TIME).unwrap_or(GENESIS_TIME);
        self.mine_at(ts, txs)
    }

    /// Appends `n` empty blocks.
    pub fn mine_empty(&self, n: u64) {
        for _ in 0..n {
            self.mine(vec![]);
        }
    }

    /// Appends a block with the given timestamp holding `txs`.
    pub fn mine_at(&self, timestamp: u64, txs: Vec<MockTx>) -> MockBlock {
        self.lock().push_block(timestamp, txs)
    }

    /// A reorg: every block above `keep` is dropped; blocks mined from now on belong to a new fork
    /// (and hash differently from the ones they replace even with the same content).
    pub fn reorg_above(&self, keep: u64) {
        self.lock().reorg(keep, vec![]);
    }

    /// Right after the next `leg_locked` answers, the chain reorganises: blocks above `keep` are
    /// replaced by `new_blocks` (the race between reading logs and reading block hashes).
    pub fn reorg_after_next_leg_locked(&self, keep: u64, new_blocks: Vec<Vec<MockTx>>) {
        self.lock().reorg_after_leg_locked = Some((keep, new_blocks));
    }

    pub fn head_number(&self) -> u64 {
        self.lock().blocks.len() as u64 - 1
    }

    pub fn get(&self, number: u64) -> MockBlock {
        self.lock().blocks[number as usize].clone()
    }

    /// Replaces the stored receipt `index` of block `number` by `bytes` without touching the
    /// header: a node whose answers no longer fit together (or an exotic receipt type).
    pub fn replace_receipt(&self, number: u64, index: usize, bytes: Vec<u8>) {
        self.lock().blocks[number as usize].receipts[index] = bytes;
    }

    /// Mines a block whose one transaction delivers `statements` (their signatures packed in one
    /// `submitBatch`/`settleBatch`/`rotate` call); returns the block.
    pub fn deliver(&self, statements: Vec<SignedStatement>) -> MockBlock {
        let block = self.mine(vec![MockTx::noise()]);
        let tx_hash = block.tx_hashes[0];
        self.lock().delivered.extend(statements.into_iter().map(|statement| DeliveredSignature {
            block: block.number,
            tx: Hash32(tx_hash),
            statement,
        }));
        block
    }

    /// The receipt of transaction `tx_index` of block `number` cannot be decoded (an unknown type).
    pub fn make_unreadable(&self, number: u64, tx_index: u64) {
        self.lock().unreadable.push((number, tx_index));
    }

    /// Every `(from, to)` the role asked `delivered_signatures` for, in order.
    pub fn delivered_calls(&self) -> Vec<(u64, u64)> {
        self.lock().delivered_calls.clone()
    }

    /// Every `(from, to)` the role asked `leg_locked` for, in order.
    pub fn leg_locked_calls(&self) -> Vec<(u64, u64)> {
        self.lock().leg_locked_calls.clone()
    }

    pub fn calls(&self, method: EvmMethod) -> usize {
        self.lock().calls.iter().filter(|m| **m == method).count()
    }

    /// The next call of `method` fails with a (recoverable) RPC error.
    pub fn fail_next(&self, method: EvmMethod) {
        self.lock().fail_next.push(method);
    }

    fn enter(&self, method: EvmMethod) -> Result<MutexGuard<'_, ChainState>, EvmError> {
        let mut s = self.lock();
        s.calls.push(method);
        if let Some(i) = s.fail_next.iter().position(|m| *m == method) {
            s.fail_next.remove(i);
            return Err(EvmError::Rpc { url: "mock://evm".into(), detail: format!("injected failure in {method:?}") });
        }
        Ok(s)
    }
}

impl EvmSource for MockChain {
    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    async fn head(&self) -> Result<u64, EvmError> {
        let s = self.enter(EvmMethod::Head)?;
        Ok(s.blocks.len() as u64 - 1)
    }

    async fn block(&self, number: u64) -> Result<Option<BlockRef>, EvmError> {
        let s = self.enter(EvmMethod::Block)?;
        Ok(s.blocks.get(number as usize).map(MockBlock::block_ref))
    }

    async fn leg_locked(&self, router: Address, from: u64, to: u64) -> Result<Vec<LockEvent>, EvmError> {
        let mut s = self.enter(EvmMethod::LegLocked)?;
        s.leg_locked_calls.push((from, to));
        let mut out = Vec::new();
        for b in s.blocks.iter().skip(from as usize).take_while(|b| b.number <= to) {
            for (tx_index, tx) in b.txs.iter().enumerate() {
                // eth_getLogs only shows the logs of successful transactions
                if !tx.success {
                    continue;
                }
                for (i, log) in tx.logs.iter().enumerate() {
                    if log.address != router {
                        continue;
                    }
                    let Ok(event) = LegLockedLog::decode(log) else { continue };
                    out.push(LockEvent {
                        block: b.block_ref(),
                        tx_hash: b.tx_hashes[tx_index],
                        tx_index: tx_index as u64,
                        log_index_in_receipt: i as u32,
                        event,
                    });
                }
            }
        }
        if let Some((keep, new_blocks)) = s.reorg_after_leg_locked.take() {
            s.reorg(keep, new_blocks);
        }
        Ok(out)
    }
}

impl EvmSignatures for MockChain {
    async fn delivered_signatures(
        &self,
        _verifier: Address,
        _router: Address,
        from: u64,
        to: u64,
    ) -> Result<Vec<DeliveredSignature>, EvmError> {
        let mut s = self.enter(EvmMethod::DeliveredSignatures)?;
        s.delivered_calls.push((from, to));
        Ok(s.delivered.iter().filter(|d| (from..=to).contains(&d.block)).cloned().collect())
    }
}

impl EvmLocations for MockChain {
    async fn tx_at(&self, block: BlockRef, tx_index: u64) -> Result<TxAtIndex, EvmError> {
        let s = self.enter(EvmMethod::TxAt)?;
        let b = s
            .blocks
            .get(block.number as usize)
            .filter(|b| b.hash == block.hash)
            .ok_or_else(|| EvmError::Rpc { url: "mock://evm".into(), detail: "block changed while reading".into() })?;
        let Some(tx) = b.txs.get(tx_index as usize) else { return Ok(TxAtIndex::Missing) };
        if s.unreadable.contains(&(block.number, tx_index)) {
            return Ok(TxAtIndex::Unreadable("unknown receipt type 0x7f".into()));
        }
        Ok(TxAtIndex::Mined { tx_hash: b.tx_hashes[tx_index as usize], success: tx.success, logs: tx.logs.clone() })
    }
}

impl EvmEvidence for MockChain {
    async fn header_rlp(&self, number: u64) -> Result<Vec<u8>, EvmError> {
        let s = self.enter(EvmMethod::HeaderRlp)?;
        s.blocks
            .get(number as usize)
            .map(|b| b.header_rlp.clone())
            .ok_or_else(|| EvmError::Unexpected { url: "mock://evm".into(), detail: format!("no block {number}") })
    }

    async fn block_receipts(&self, number: u64) -> Result<Vec<Vec<u8>>, EvmError> {
        let s = self.enter(EvmMethod::BlockReceipts)?;
        s.blocks
            .get(number as usize)
            .map(|b| b.receipts.clone())
            .ok_or_else(|| EvmError::Unexpected { url: "mock://evm".into(), detail: format!("no block {number}") })
    }
}

// ------------------------------------------------------------------------------- bundles

/// A leg of `amount` on the mock chain `chain_id` escrowed by `router`. Mock chains use their
/// EVM chain id as their domain id too.
pub fn leg(chain_id: u64, router: Address, amount: u64) -> Leg {
    Leg {
        domain: chain_id,
        router: router.into(),
        depositor: addr(0xd0).into(),
        token: addr(0x70).into(),
        amount: Amount(U256::from(amount)),
        recipient: addr(0xbe).into(),
        action: None,
        kind: Default::default(),
    }
}

pub fn bundle(nonce: u64, lock_deadline: u64, settle_deadline: u64, legs: Vec<Leg>) -> Bundle {
    Bundle { creator: "mesh1creator".into(), nonce, lock_deadline, settle_deadline, legs }
}

pub fn id_of(b: &Bundle) -> B256 {
    bundle_id(&domain(), b)
}

/// The `LegLocked` log a Router emits when leg `index` of `b` is locked.
pub fn lock_log(b: &Bundle, index: u32) -> Log {
    lock_event(b, index).to_log()
}

pub fn lock_event(b: &Bundle, index: u32) -> LegLockedLog {
    let l = &b.legs[index as usize];
    LegLockedLog {
        router: l.router.to_evm().expect("an EVM router"),
        bundle_id: id_of(b),
        index,
        leg_hash: leg_hash(l),
        depositor: l.depositor,
        token: l.token,
        amount: l.amount.0,
        settle_deadline: b.settle_deadline,
    }
}

/// The location of log `log_index` of transaction `tx_index` in `block` (a zero tx hash when the
/// block has no such transaction, for reports that lie about it).
pub fn location(chain_id: u64, block: &MockBlock, tx_index: u64, log_index: u32) -> EvmLocation {
    EvmLocation {
        chain_id,
        block_number: block.number,
        block_hash: Hash32(block.hash),
        block_timestamp: block.timestamp,
        tx_hash: Hash32(block.tx_hashes.get(tx_index as usize).copied().unwrap_or_default()),
        tx_index,
        log_index,
    }
}

pub fn lock_report(b: &Bundle, leg_index: u32, location: EvmLocation) -> LockReport {
    LockReport {
        proof: None,
        bundle_id: Hash32(id_of(b)),
        leg_index,
        leg_hash: Hash32(leg_hash(&b.legs[leg_index as usize])),
        settle_deadline: b.settle_deadline,
        location: LockLocation::Evm(location),
    }
}

/// A closed batch of `entries` under `epoch` with its correct root.
pub fn closed_batch(index: u64, epoch: u64, entries: &[(B256, Verdict)]) -> BatchResponse {
    let entries: Vec<BatchEntry> = entries
        .iter()
        .map(|(id, v)| BatchEntry { bundle_id: Hash32(*id), verdict: *v, leaf: Hash32(settlement_leaf(*id, *v)) })
        .collect();
    let leaves: Vec<B256> = entries.iter().map(|e| e.leaf.0).collect();
    BatchResponse {
        index,
        status: BatchStatus::Closed,
        epoch: Some(epoch),
        root: merkle_root(&leaves).map(Hash32),
        entries,
        opened_at: 1_000,
        closed_at: Some(1_010),
        attested_at: None,
        signed_weight: Amount(U256::ZERO),
        threshold: Some(Amount(U256::from(2u8))),
        signatures: vec![],
    }
}

pub fn open_batch(index: u64, opened_at: u64, entries: &[(B256, Verdict)]) -> BatchResponse {
    let mut b = closed_batch(index, 0, entries);
    b.status = BatchStatus::Open;
    b.epoch = None;
    b.root = None;
    b.opened_at = opened_at;
    b.closed_at = None;
    b.threshold = None;
    b
}

/// A signer set of `epoch` with weight 1 per member, `jailed` among them.
pub fn signer_set(epoch: u64, members: &[Address], jailed: &[Address]) -> SignerSetResponse {
    let mut signers: Vec<WeightedSigner> =
        members.iter().map(|a| WeightedSigner { address: EvmAddress(*a), weight: Amount(U256::from(1u8)) }).collect();
    signers.sort_by_key(|s| s.address);
    let set = SignerSet {
        epoch,
        signers,
        threshold: Amount(U256::from(members.len().div_ceil(2) as u64)),
        expires_at: u64::MAX,
    };
    SignerSetResponse {
        signers_hash: Hash32(signer_set_hash(&set)),
        set,
        created_at: 0,
        jailed: jailed.iter().map(|a| EvmAddress(*a)).collect(),
    }
}

// ------------------------------------------------------------------------------------ hub

/// Which `MeshHub` call a failure is injected into or a call is counted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HubMethod {
    AwaitingReports,
    Report,
    SubmitReports,
    DueBundles,
    CurrentBatch,
    Advance,
    Prune,
    UnattestedBatches,
    AttestedBatches,
    Batch,
    Bundle,
    MerkleProof,
    SignerSet,
    CurrentSignerSet,
    SignerSetUpdate,
    NextSignerSet,
    RotateSigners,
    SubmitSignatures,
    SubmitUpdateSignatures,
    Log,
    RelayerBySigner,
    SubmitFraud,
    OpenReports,
    ObjectReports,
    LightClient,
    UpdateLightClient,
}

/// An injected failure.
#[derive(Clone, Debug)]
pub enum Failure {
    /// The node did not answer / the tx was not included in time: nothing happened on the hub.
    Transient,
    /// The contract refused the message (its error text).
    Contract(String),
    /// The tx was executed on the hub, but the caller only saw a timeout (the crash/timeout
    /// window between broadcast and bookkeeping).
    AppliedThenTransient,
}

impl Failure {
    fn error(&self) -> CosmosError {
        match self {
            Failure::Transient | Failure::AppliedThenTransient => {
                CosmosError::NotIncluded { hash: "MOCKTX".into(), secs: 30 }
            }
            Failure::Contract(log) => CosmosError::DeliverTx {
                hash: "MOCKTX".into(),
                height: 1,
                code: 5,
                codespace: "wasm".into(),
                log: log.clone(),
            },
        }
    }
}

struct HubBundle {
    bundle: Bundle,
    leg_hashes: Vec<Hash32>,
    reports: Vec<Option<LegReport>>,
    verdict: Option<Verdict>,
}

struct HubState {
    now: u64,
    height: u64,
    bundles: BTreeMap<B256, HubBundle>,
    log: Vec<LogEntry>,
    due: Vec<Hash32>,
    /// What `DueBundles` answers as prunable; `Prune` clears it.
    prunable: u32,
    current_batch: BatchResponse,
    batches: BTreeMap<u64, BatchResponse>,
    signer_sets: BTreeMap<u64, SignerSetResponse>,
    current_epoch: Option<u64>,
    updates: BTreeMap<u64, SignerSetUpdateResponse>,
    /// What the stake-escrow's active relayers would form now.
    next_set: Option<SignerSet>,
    /// When set, `awaiting_reports` answers from this snapshot (a query node lagging behind).
    frozen_awaiting: Option<HashMap<u64, Vec<AwaitingLeg>>>,
    failures: Vec<(HubMethod, Failure)>,
    calls: Vec<HubMethod>,
    report_submissions: Vec<Vec<LockReport>>,
    report_responses: Vec<ReportLocksResponse>,
    signature_submissions: Vec<(u64, Vec<Signature65>)>,
    update_signature_submissions: Vec<(u64, Vec<Signature65>)>,
    frauds: Vec<FraudProof>,
    log_queries: Vec<Option<u64>>,
    relayers: BTreeMap<EvmAddress, RelayerInfo>,
    /// Every `ObjectReports` message, in order.
    objection_submissions: Vec<Vec<Objection>>,
    /// The EVM signer `ObjectReports` is sent as.
    objector: EvmAddress,
    /// Light clients by chain id: the heights of their consensus states.
    light_clients: BTreeMap<String, std::collections::BTreeSet<u64>>,
    /// Every `UpdateClient`: chain id, header height, trusted height, with next validators.
    light_client_updates: Vec<(String, u64, u64, bool)>,
    /// Clients that are not active (frozen by misbehaviour, or expired).
    light_client_status: BTreeMap<String, light_client::ClientStatus>,
}

/// The hub in memory; clones share the state.
#[derive(Clone)]
pub struct MockHub {
    state: Arc<Mutex<HubState>>,
}

impl Default for MockHub {
    fn default() -> Self {
        MockHub::new()
    }
}

impl MockHub {
    pub fn new() -> MockHub {
        MockHub {
            state: Arc::new(Mutex::new(HubState {
                now: GENESIS_TIME,
                height: 1,
                bundles: BTreeMap::new(),
                log: Vec::new(),
                due: Vec::new(),
                prunable: 0,
                current_batch: open_batch(0, GENESIS_TIME, &[]),
                batches: BTreeMap::new(),
                signer_sets: BTreeMap::new(),
                current_epoch: None,
                updates: BTreeMap::new(),
                next_set: None,
                frozen_awaiting: None,
                failures: Vec::new(),
                calls: Vec::new(),
                report_submissions: Vec::new(),
                report_responses: Vec::new(),
                signature_submissions: Vec::new(),
                update_signature_submissions: Vec::new(),
                frauds: Vec::new(),
                log_queries: Vec::new(),
                relayers: BTreeMap::new(),
                objection_submissions: Vec::new(),
                objector: EvmAddress(addr(0x51)),
                light_clients: BTreeMap::new(),
                light_client_updates: Vec::new(),
                light_client_status: BTreeMap::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().expect("hub lock")
    }

    /// Records the call; returns the injected failure for it, if any.
    fn enter(&self, method: HubMethod) -> (MutexGuard<'_, HubState>, Option<Failure>) {
        let mut s = self.lock();
        s.calls.push(method);
        let failure = s.failures.iter().position(|(m, _)| *m == method).map(|i| s.failures.remove(i).1);
        (s, failure)
    }

    // ---- set-up

    /// Creates the light client of `chain_id` with a consensus state at `height`.
    pub fn create_light_client(&self, chain_id: &str, height: u64) {
        self.lock().light_clients.insert(chain_id.into(), [height].into());
    }

    /// Marks the light client of `chain_id` frozen or expired (or active again).
    pub fn set_light_client_status(&self, chain_id: &str, status: light_client::ClientStatus) {
        self.lock().light_client_status.insert(chain_id.into(), status);
    }

    /// Every `UpdateClient` so far: chain id, header height, trusted height, whether it carried
    /// `trusted_next_validators`.
    pub fn light_client_updates(&self) -> Vec<(String, u64, u64, bool)> {
        self.lock().light_client_updates.clone()
    }

    pub fn set_now(&self, now: u64) {
        self.lock().now = now;
    }

    /// Registers `b` as its creator would; returns its id.
    pub fn register(&self, b: &Bundle) -> Hash32 {
        let id = id_of(b);
        let mut s = self.lock();
        let leg_hashes = b.legs.iter().map(|l| Hash32(leg_hash(l))).collect();
        s.bundles
            .insert(id, HubBundle { bundle: b.clone(), leg_hashes, reports: vec![None; b.legs.len()], verdict: None });
        let (creator, nonce) = (Addr::unchecked(&b.creator), b.nonce);
        s.append_log(LogEvent::BundleRegistered { bundle_id: Hash32(id), creator, nonce });
        Hash32(id)
    }

    /// Records a report as another relayer would have made it; returns its report id.
    pub fn add_report(&self, report: &LockReport, reporter: &str) -> u64 {
        let mut s = self.lock();
        s.record_report(report, reporter)
    }

    pub fn decide(&self, bundle_id: B256, verdict: Verdict) {
        self.lock().bundles.get_mut(&bundle_id).expect("registered bundle").verdict = Some(verdict);
    }

    pub fn set_prunable(&self, n: u32) {
        self.lock().prunable = n;
    }
    pub fn set_due(&self, ids: Vec<Hash32>) {
        self.lock().due = ids;
    }

    pub fn set_current_batch(&self, b: BatchResponse) {
        self.lock().current_batch = b;
    }

    pub fn put_batch(&self, b: BatchResponse) {
        self.lock().batches.insert(b.index, b);
    }

    pub fn batch_now(&self, index: u64) -> BatchResponse {
        self.lock().batches[&index].clone()
    }

    pub fn put_signer_set(&self, set: SignerSetResponse) {
        let mut s = self.lock();
        let epoch = set.set.epoch;
        s.signer_sets.insert(epoch, set);
        if s.current_epoch.is_none_or(|e| e < epoch) {
            s.current_epoch = Some(epoch);
        }
    }

    /// The set `RotateSigners` would make now (members with weight 1).
    pub fn set_next_signer_set(&self, members: &[Address]) {
        self.lock().next_set = Some(signer_set(0, members, &[]).set);
    }

    /// Marks the update to `new_epoch` attested (its signers' weight reached the threshold).
    pub fn attest_update(&self, new_epoch: u64) {
        self.lock().updates.get_mut(&new_epoch).expect("update exists").attested = true;
    }

    /// The signer set of `epoch`, as the hub holds it now.
    pub fn signer_set_now(&self, epoch: u64) -> Option<SignerSet> {
        self.lock().signer_sets.get(&epoch).map(|s| s.set.clone())
    }

    pub fn put_update(&self, update: SignerSetUpdateResponse) {
        self.lock().updates.insert(update.update.new_epoch, update);
    }

    /// Registers `evm_signer` as the signing key of bonded relayer `hub_address`.
    pub fn put_relayer(&self, evm_signer: Address, hub_address: &str, bonded: u128) {
        let info = RelayerInfo {
            address: Addr::unchecked(hub_address),
            evm_signer: EvmAddress(evm_signer),
            bonded: cosmwasm_std::Uint128::new(bonded),
            unbonding: vec![],
            jailed: false,
            jailed_at: None,
            slashed: cosmwasm_std::Uint128::zero(),
            active: true,
            locked_until: 0,
            locked_by_epoch: 0,
            claimable_from: 0,
        };
        self.lock().relayers.insert(EvmAddress(evm_signer), info);
    }

    /// The next call of `method` fails with `failure`.
    pub fn fail_next(&self, method: HubMethod, failure: Failure) {
        self.lock().failures.push((method, failure));
    }

    /// From now on `awaiting_reports` answers with what it would answer now (a lagging query node).
    pub fn freeze_awaiting(&self) {
        let mut s = self.lock();
        let chains: Vec<u64> = s.bundles.values().flat_map(|b| b.bundle.legs.iter().map(|l| l.domain)).collect();
        let snapshot = chains.into_iter().map(|c| (c, s.awaiting(c))).collect();
        s.frozen_awaiting = Some(snapshot);
    }

    // ---- inspection

    pub fn calls(&self, method: HubMethod) -> usize {
        self.lock().calls.iter().filter(|m| **m == method).count()
    }

    pub fn report_submissions(&self) -> Vec<Vec<LockReport>> {
        self.lock().report_submissions.clone()
    }

    pub fn report_responses(&self) -> Vec<ReportLocksResponse> {
        self.lock().report_responses.clone()
    }

    pub fn signature_submissions(&self) -> Vec<(u64, Vec<Signature65>)> {
        self.lock().signature_submissions.clone()
    }

    pub fn update_signature_submissions(&self) -> Vec<(u64, Vec<Signature65>)> {
        self.lock().update_signature_submissions.clone()
    }

    pub fn frauds(&self) -> Vec<FraudProof> {
        self.lock().frauds.clone()
    }

    pub fn objection_submissions(&self) -> Vec<Vec<Objection>> {
        self.lock().objection_submissions.clone()
    }

    /// `ObjectReports` is sent as signer `who` from now on.
    pub fn set_objector(&self, who: Address) {
        self.lock().objector = EvmAddress(who);
    }

    pub fn log_queries(&self) -> Vec<Option<u64>> {
        self.lock().log_queries.clone()
    }

    /// The hub's report of a leg, if any.
    pub fn report_of(&self, bundle_id: B256, leg_index: u32) -> Option<LegReport> {
        self.lock().bundles.get(&bundle_id).and_then(|b| b.reports[leg_index as usize].clone())
    }

    /// How many `LegReported` entries the log holds for a leg (a duplicate must never add one).
    pub fn reported_entries(&self, bundle_id: B256, leg_index: u32) -> usize {
        self.lock()
            .log
            .iter()
            .filter(|e| {
                matches!(&e.event, LogEvent::LegReported { bundle_id: b, leg_index: i, .. } if b.0 == bundle_id && *i == leg_index)
            })
            .count()
    }
}

impl HubState {
    fn append_log(&mut self, event: LogEvent) -> u64 {
        let seq = self.log.len() as u64;
        self.height += 1;
        self.log.push(LogEntry { seq, height: self.height, time: self.now, event });
        seq
    }

    fn record_report(&mut self, r: &LockReport, reporter: &str) -> u64 {
        let report_id = self.log.len() as u64;
        self.append_log(LogEvent::LegReported {
            bundle_id: r.bundle_id,
            leg_index: r.leg_index,
            report_id,
            reporter: Addr::unchecked(reporter),
        });
        let now = self.now;
        let b = self.bundles.get_mut(&r.bundle_id.0).expect("registered bundle");
        b.reports[r.leg_index as usize] = Some(LegReport {
            report_id,
            reporter: Addr::unchecked(reporter),
            reported_at: now,
            window_ends_at: now + 600,
            location: r.location.clone(),
            objectors: vec![],
            objected_weight: Amount::default(),
        });
        report_id
    }

    fn awaiting(&self, chain_id: u64) -> Vec<AwaitingLeg> {
        let mut out = Vec::new();
        for (id, b) in &self.bundles {
            if b.verdict.is_some() {
                continue;
            }
            for (i, l) in b.bundle.legs.iter().enumerate() {
                if l.domain == chain_id && b.reports[i].is_none() {
                    out.push(AwaitingLeg {
                        bundle_id: Hash32(*id),
                        leg_index: i as u32,
                        leg_hash: b.leg_hashes[i],
                        leg: l.clone(),
                        lock_deadline: b.bundle.lock_deadline,
                        settle_deadline: b.bundle.settle_deadline,
                    });
                }
            }
        }
        out
    }

    /// The bundle-log's `ReportLocks`: refuses the whole message on an invalid report, skips
    /// duplicates and reports of decided bundles.
    fn report_locks(&mut self, reports: &[LockReport]) -> Result<ReportLocksResponse, String> {
        for r in reports {
            let b = self.bundles.get(&r.bundle_id.0).ok_or(format!("bundle {} not found", r.bundle_id))?;
            let i = r.leg_index as usize;
            let l = b.bundle.legs.get(i).ok_or("no such leg")?;
            if b.leg_hashes[i] != r.leg_hash {
                return Err("leg hash mismatch".into());
            }
            if b.bundle.settle_deadline != r.settle_deadline {
                return Err("settle deadline mismatch".into());
            }
            // mock chains' domain ids are their EVM chain ids
            if r.location.vm() != (ChainVm::Evm { chain_id: l.domain }) {
                return Err("location not on the leg's domain".into());
            }
            if r.location.block_timestamp().is_some_and(|t| t > b.bundle.lock_deadline) {
                return Err("locked after the lock deadline".into());
            }
        }
        let mut out = ReportLocksResponse { new: vec![], duplicate: vec![], decided: vec![] };
        for r in reports {
            let leg_ref = LegRef { bundle_id: r.bundle_id, leg_index: r.leg_index };
            let b = &self.bundles[&r.bundle_id.0];
            if b.verdict.is_some() {
                out.decided.push(leg_ref);
            } else if b.reports[r.leg_index as usize].is_some() {
                out.duplicate.push(leg_ref);
            } else {
                self.record_report(r, "mesh1relayer");
                out.new.push(leg_ref);
            }
        }
        Ok(out)
    }
}

fn contract_error(log: impl Into<String>) -> CosmosError {
    Failure::Contract(log.into()).error()
}

fn not_found(what: &str) -> CosmosError {
    CosmosError::Query {
        path: "/cosmwasm.wasm.v1.Query/SmartContractState".into(),
        code: 1,
        log: format!("{what} not found"),
    }
}

impl HubState {
    fn open_reports(&self, chain_id: u64) -> Vec<OpenReport> {
        let mut out = Vec::new();
        for (id, b) in &self.bundles {
            if b.verdict.is_some() {
                continue;
            }
            for (i, l) in b.bundle.legs.iter().enumerate() {
                match &b.reports[i] {
                    Some(r) if l.domain == chain_id && self.now < r.window_ends_at => out.push(OpenReport {
                        bundle_id: Hash32(*id),
                        leg_index: i as u32,
                        leg_hash: b.leg_hashes[i],
                        leg: l.clone(),
                        settle_deadline: b.bundle.settle_deadline,
                        report: r.clone(),
                    }),
                    _ => {}
                }
            }
        }
        out
    }

    /// The bundle-log's `ObjectReports` with weight 1 per member of the current set: a report is
    /// rejected once its objectors number at least a third of the set (rounded up).
    fn object(&mut self, objections: &[Objection]) -> ObjectReportsResponse {
        let me = self.objector;
        let total = self.current_epoch.and_then(|e| self.signer_sets.get(&e)).map_or(1, |s| s.set.signers.len());
        let bound = total.div_ceil(3);
        let mut out = ObjectReportsResponse { counted: vec![], rejected: vec![], ignored: vec![] };
        for o in objections {
            let leg_ref = LegRef { bundle_id: o.bundle_id, leg_index: o.leg_index };
            let Some(b) = self.bundles.get_mut(&o.bundle_id.0) else {
                out.ignored.push(leg_ref);
                continue;
            };
            let slot = &mut b.reports[o.leg_index as usize];
            match slot {
                Some(r) if r.report_id == o.report_id && !r.objectors.contains(&me) => {
                    r.objectors.push(me);
                    r.objectors.sort();
                    r.objected_weight = Amount(U256::from(r.objectors.len()));
                    if r.objectors.len() >= bound {
                        let (report_id, weight) = (r.report_id, r.objected_weight);
                        *slot = None;
                        self.append_log(LogEvent::ReportRejected {
                            bundle_id: o.bundle_id,
                            leg_index: o.leg_index,
                            report_id,
                            epoch: self.current_epoch.unwrap_or(0),
                            objected_weight: weight,
                        });
                        out.rejected.push(leg_ref);
                    } else {
                        out.counted.push(leg_ref);
                    }
                }
                _ => out.ignored.push(leg_ref),
            }
        }
        out
    }
}

impl MeshHub for MockHub {
    async fn open_reports(&self, chain_id: u64) -> Result<Vec<OpenReport>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::OpenReports);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.open_reports(chain_id))
    }

    async fn object_reports(&self, objections: Vec<Objection>) -> Result<ObjectReportsResponse, CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::ObjectReports);
        match fail {
            Some(Failure::AppliedThenTransient) => {
                s.objection_submissions.push(objections.clone());
                s.object(&objections);
                return Err(Failure::AppliedThenTransient.error());
            }
            Some(f) => return Err(f.error()),
            None => {}
        }
        s.objection_submissions.push(objections.clone());
        Ok(s.object(&objections))
    }

    async fn awaiting_reports(&self, chain_id: u64) -> Result<Vec<AwaitingLeg>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::AwaitingReports);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(match &s.frozen_awaiting {
            Some(snapshot) => snapshot.get(&chain_id).cloned().unwrap_or_default(),
            None => s.awaiting(chain_id),
        })
    }

    async fn report(&self, bundle_id: Hash32, leg_index: u32) -> Result<Option<ReportResponse>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::Report);
        if let Some(f) = fail {
            return Err(f.error());
        }
        let Some(b) = s.bundles.get(&bundle_id.0) else { return Ok(None) };
        let i = leg_index as usize;
        let Some(leg) = b.bundle.legs.get(i) else { return Ok(None) };
        Ok(Some(ReportResponse {
            bundle_id,
            leg_index,
            leg: leg.clone(),
            leg_hash: b.leg_hashes[i],
            lock_deadline: b.bundle.lock_deadline,
            settle_deadline: b.bundle.settle_deadline,
            report: b.reports[i].clone(),
            decided: b.verdict.is_some(),
            rejected: vec![],
        }))
    }

    async fn submit_reports(&self, reports: Vec<LockReport>) -> Result<ReportLocksResponse, CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::SubmitReports);
        match fail {
            Some(Failure::AppliedThenTransient) => {
                s.report_submissions.push(reports.clone());
                let resp = s.report_locks(&reports).map_err(contract_error)?;
                s.report_responses.push(resp);
                return Err(Failure::AppliedThenTransient.error());
            }
            Some(f) => return Err(f.error()),
            None => {}
        }
        s.report_submissions.push(reports.clone());
        let resp = s.report_locks(&reports).map_err(contract_error)?;
        s.report_responses.push(resp.clone());
        Ok(resp)
    }

    async fn due_bundles(&self) -> Result<DueBundlesResponse, CosmosError> {
        let (s, fail) = self.enter(HubMethod::DueBundles);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(DueBundlesResponse { now: s.now, bundle_ids: s.due.clone(), prunable: s.prunable })
    }

    async fn current_batch(&self) -> Result<BatchResponse, CosmosError> {
        let (s, fail) = self.enter(HubMethod::CurrentBatch);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.current_batch.clone())
    }

    async fn advance(&self) -> Result<(), CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::Advance);
        if let Some(f) = fail {
            return Err(f.error());
        }
        s.due.clear();
        Ok(())
    }

    async fn prune(&self) -> Result<(), CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::Prune);
        if let Some(f) = fail {
            return Err(f.error());
        }
        s.prunable = 0;
        Ok(())
    }

    async fn unattested_batches(&self) -> Result<Vec<u64>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::UnattestedBatches);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.batches.values().filter(|b| b.status == BatchStatus::Closed).map(|b| b.index).collect())
    }

    async fn attested_batches(&self, start_after: Option<u64>) -> Result<Vec<u64>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::AttestedBatches);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.batches
            .values()
            .filter(|b| b.status == BatchStatus::Attested && start_after.is_none_or(|a| b.index > a))
            .map(|b| b.index)
            .take(50) // the live hub answers 50 per page
            .collect())
    }

    async fn batch(&self, index: u64) -> Result<BatchResponse, CosmosError> {
        let (s, fail) = self.enter(HubMethod::Batch);
        if let Some(f) = fail {
            return Err(f.error());
        }
        s.batches.get(&index).cloned().ok_or_else(|| not_found("batch"))
    }

    async fn bundle(&self, bundle_id: Hash32) -> Result<BundleResponse, CosmosError> {
        let (s, fail) = self.enter(HubMethod::Bundle);
        if let Some(f) = fail {
            return Err(f.error());
        }
        let b = s.bundles.get(&bundle_id.0).ok_or_else(|| not_found("bundle"))?;
        Ok(BundleResponse {
            bundle_id,
            bundle: b.bundle.clone(),
            leg_hashes: b.leg_hashes.clone(),
            registered_at: 0,
            reports: b.reports.clone(),
            status: if b.verdict.is_some() { BundleStatus::Decided } else { BundleStatus::Pending },
            verdict: b.verdict,
            reason: None,
            decided_at: None,
            batch_index: None,
            next_check: None,
            commit_cutoff: b.bundle.settle_deadline - 60,
        })
    }

    async fn merkle_proof(&self, bundle_id: Hash32) -> Result<MerkleProofResponse, CosmosError> {
        let (s, fail) = self.enter(HubMethod::MerkleProof);
        if let Some(f) = fail {
            return Err(f.error());
        }
        for b in s.batches.values() {
            let Some(position) = b.entries.iter().position(|e| e.bundle_id == bundle_id) else { continue };
            let (Some(epoch), Some(root)) = (b.epoch, b.root) else { break };
            let leaves: Vec<B256> = b.entries.iter().map(|e| e.leaf.0).collect();
            let e = &b.entries[position];
            return Ok(MerkleProofResponse {
                bundle_id,
                verdict: e.verdict,
                leaf: e.leaf,
                batch_index: b.index,
                epoch,
                root,
                position: position as u32,
                attested: b.status == BatchStatus::Attested,
                proof: merkle_proof(&leaves, position).expect("position in range").into_iter().map(Hash32).collect(),
            });
        }
        Err(not_found("merkle proof"))
    }

    async fn signer_set(&self, epoch: u64) -> Result<Option<SignerSetResponse>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::SignerSet);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.signer_sets.get(&epoch).cloned())
    }

    async fn current_signer_set(&self) -> Result<Option<SignerSetResponse>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::CurrentSignerSet);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.current_epoch.and_then(|e| s.signer_sets.get(&e).cloned()))
    }

    async fn signer_set_update(&self, new_epoch: u64) -> Result<Option<SignerSetUpdateResponse>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::SignerSetUpdate);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.updates.get(&new_epoch).cloned())
    }

    async fn next_signer_set(&self) -> Result<Option<SignerSet>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::NextSignerSet);
        if let Some(f) = fail {
            return Err(f.error());
        }
        let next_epoch = s.current_epoch.unwrap_or(0) + 1;
        Ok(s.next_set.clone().map(|set| SignerSet { epoch: next_epoch, ..set }))
    }

    /// Like the stake-escrow: makes the next epoch from the active relayers unless the set is
    /// unchanged (the delay is the caller's test to set up).
    async fn rotate_signers(&self) -> Result<(), CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::RotateSigners);
        if let Some(f) = fail {
            return Err(f.error());
        }
        let current = s.current_epoch.unwrap_or(0);
        let next =
            s.next_set.clone().ok_or_else(|| contract_error("no relayer is active: cannot make a signer set"))?;
        let set = SignerSet { epoch: current + 1, ..next };
        let hash = signer_set_hash(&set);
        if s.signer_sets.get(&current).is_some_and(|c| c.signers_hash.0 == hash) {
            return Err(contract_error(format!("the active relayers form the same signer set as epoch {current}")));
        }
        let now = s.now;
        s.signer_sets.insert(
            current + 1,
            SignerSetResponse { signers_hash: Hash32(hash), set, created_at: now, jailed: vec![] },
        );
        s.current_epoch = Some(current + 1);
        Ok(())
    }

    /// Like the bundle-log: each signature must recover, over the batch's digest, to a member of
    /// the batch's epoch; signers that already signed are skipped.
    async fn submit_signatures(&self, batch_index: u64, signatures: Vec<Signature65>) -> Result<(), CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::SubmitSignatures);
        if let Some(f) = fail {
            return Err(f.error());
        }
        s.signature_submissions.push((batch_index, signatures.clone()));
        let b = s.batches.get(&batch_index).cloned().ok_or_else(|| contract_error("no such batch"))?;
        let (Some(epoch), Some(root)) = (b.epoch, b.root) else { return Err(contract_error("batch is open")) };
        let set = s.signer_sets.get(&epoch).cloned().ok_or_else(|| contract_error("no signer set"))?;
        let digest = settlement_batch_digest(&domain(), &SettlementBatch { epoch, batch_index, root });
        let mut added = Vec::new();
        for sig in signatures {
            let signer = EvmAddress(recover_signer(digest, &sig).map_err(|e| contract_error(e.to_string()))?);
            if set.set.weight_of(&signer).is_none() {
                return Err(contract_error(format!("{signer} is not a signer of epoch {epoch}")));
            }
            added.push(SignerSignature { signer, signature: sig });
        }
        let batch = s.batches.get_mut(&batch_index).expect("checked above");
        for a in added {
            if !batch.signatures.iter().any(|x| x.signer == a.signer) {
                batch.signatures.push(a);
            }
        }
        batch.signatures.sort_by_key(|x| x.signer);
        Ok(())
    }

    async fn submit_update_signatures(&self, new_epoch: u64, signatures: Vec<Signature65>) -> Result<(), CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::SubmitUpdateSignatures);
        if let Some(f) = fail {
            return Err(f.error());
        }
        s.update_signature_submissions.push((new_epoch, signatures.clone()));
        let mut u = s.updates.get(&new_epoch).cloned().ok_or_else(|| contract_error("no such update"))?;
        let digest = signer_set_update_digest(&domain(), &u.update);
        for sig in signatures {
            let signer = EvmAddress(recover_signer(digest, &sig).map_err(|e| contract_error(e.to_string()))?);
            if !u.signatures.iter().any(|x| x.signer == signer) {
                u.signatures.push(SignerSignature { signer, signature: sig });
            }
        }
        u.signatures.sort_by_key(|x| x.signer);
        s.updates.insert(new_epoch, u);
        Ok(())
    }

    async fn log(&self, start_after: Option<u64>, limit: u32) -> Result<LogResponse, CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::Log);
        if let Some(f) = fail {
            return Err(f.error());
        }
        s.log_queries.push(start_after);
        let from = start_after.map_or(0, |a| a + 1) as usize;
        let entries = s.log.iter().skip(from).take(limit as usize).cloned().collect();
        Ok(LogResponse { entries, total: s.log.len() as u64 })
    }

    async fn relayer_by_signer(&self, evm_signer: EvmAddress) -> Result<Option<RelayerInfo>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::RelayerBySigner);
        if let Some(f) = fail {
            return Err(f.error());
        }
        Ok(s.relayers.get(&evm_signer).cloned())
    }

    async fn submit_fraud(&self, proof: FraudProof) -> Result<String, CosmosError> {
        let (mut s, fail) = self.enter(HubMethod::SubmitFraud);
        if let Some(f) = fail {
            return Err(f.error());
        }
        // what the dispute contract checks, with its own code where it is pure: a proof the real
        // hub refuses is refused here too, so a wrong proof fails in memory, not only on the devnet
        if let Err(why) = s.check_fraud(&proof) {
            return Err(Failure::Contract(why).error());
        }
        s.frauds.push(proof);
        Ok(format!("FRAUDTX{}", s.frauds.len()))
    }

    async fn light_client(&self, chain_id: &str) -> Result<Option<light_client::ClientResponse>, CosmosError> {
        let (s, fail) = self.enter(HubMethod::LightClient);
        if let Some(f) = fail {
            return Err(f.error());
        }
        let status = s.light_client_status.get(chain_id).copied().unwrap_or(light_client::ClientStatus::Active);
        Ok(s.light_clients.get(chain_id).map(|heights| light_client::ClientResponse {
            chain_id: chain_id.into(),
            trust_level: light_client::Fraction { numerator: 1, denominator: 3 },
            trusting_period: 14 * 24 * 3600,
            unbonding_period: 21 * 24 * 3600,
            max_clock_drift: 10,
            max_consensus_states: 1000,
            latest_height: *heights.last().expect("created with one"),
            earliest_height: *heights.first().expect("created with one"),
            consensus_states: heights.len() as u32,
            frozen: status == light_client::ClientStatus::Frozen,
            status,
        }))
    }

    async fn has_consensus_state(&self, chain_id: &str, height: u64) -> Result<bool, CosmosError> {
        let s = self.lock();
        Ok(s.light_clients.get(chain_id).is_some_and(|h| h.contains(&height)))
    }

    async fn update_light_client(
        &self,
        chain_id: &str,
        header: light_client::LightHeader,
        trusted_height: u64,
        trusted_next_validators: Option<Vec<u8>>,
    ) -> Result<(), CosmosError> {
        use prost::Message;
        let (mut s, fail) = self.enter(HubMethod::UpdateLightClient);
        // applied then lost (another relayer's identical update landing first looks the same)
        let applied_then_lost = matches!(fail, Some(Failure::AppliedThenTransient));
        if let Some(f) = fail.filter(|_| !applied_then_lost) {
            return Err(f.error());
        }
        let height = tendermint_proto::types::SignedHeader::decode(header.signed_header.as_slice())
            .ok()
            .and_then(|h| h.header)
            .map(|h| h.height as u64)
            .ok_or_else(|| Failure::Contract("signed header does not decode".into()).error())?;
        let heights = s
            .light_clients
            .get_mut(chain_id)
            .ok_or_else(|| Failure::Contract(format!("no client for chain {chain_id}")).error())?;
        if !heights.contains(&trusted_height) {
            return Err(Failure::Contract(format!(
                "the client of chain {chain_id} has no consensus state at height {trusted_height}"
            ))
            .error());
        }
        if height != trusted_height + 1 && trusted_next_validators.is_none() {
            return Err(Failure::Contract(format!(
                "a skipping update from height {trusted_height} to {height} needs trusted_next_validators"
            ))
            .error());
        }
        heights.insert(height);
        let with_next = trusted_next_validators.is_some();
        s.light_client_updates.push((chain_id.into(), height, trusted_height, with_next));
        if applied_then_lost {
            return Err(Failure::AppliedThenTransient.error());
        }
        Ok(())
    }
}

impl HubState {
    /// The dispute contract's checks of `proof` against this hub's state: a false lock by receipt
    /// is checked by `dispute::evidence` (the contract's code) against the leg's current report;
    /// a signature fraud must recover, over the hub's domain, to a bonded relayer's signer, and
    /// an equivocation's two statements must conflict on one slot.
    fn check_fraud(&self, proof: &FraudProof) -> Result<(), String> {
        match proof {
            FraudProof::FalseLock { bundle_id, leg_index, evidence } => {
                let b = self.bundles.get(&bundle_id.0).ok_or_else(|| format!("bundle {bundle_id} not found"))?;
                let i = *leg_index as usize;
                let report = b.reports.get(i).cloned().flatten().ok_or("no report to dispute")?;
                let loc = report.location.as_evm().ok_or("not an EVM report")?;
                let FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof } = evidence else {
                    return Err("this test hub checks receipt evidence only".into());
                };
                let h = mesh_proof_evm::decode_header(header).map_err(|e| format!("bad header: {e}"))?;
                if Hash32(h.hash) != loc.block_hash {
                    return Err(format!("header hash {} is not the reported block {}", Hash32(h.hash), loc.block_hash));
                }
                let leg = &b.bundle.legs[i];
                let reported = dispute::evidence::Reported {
                    header: &h,
                    loc,
                    router: leg.router.to_evm().ok_or("router not EVM")?,
                    leg,
                    leg_hash: b.leg_hashes[i],
                    bundle_id: *bundle_id,
                    leg_index: *leg_index,
                    settle_deadline: b.bundle.settle_deadline,
                    misreported: dispute::evidence::misreported(&h, loc),
                };
                let nodes: Vec<Bytes> = receipt_proof.iter().map(|n| Bytes::copy_from_slice(n)).collect();
                dispute::evidence::receipt_finding(&reported, receipt, &nodes).map(|_| ()).map_err(|e| e.to_string())
            }
            FraudProof::WrongAttestation { epoch, batch_index, root, signature } => {
                let digest = settlement_batch_digest(
                    &domain(),
                    &SettlementBatch { epoch: *epoch, batch_index: *batch_index, root: *root },
                );
                self.bonded_signer(digest, signature)
            }
            FraudProof::WrongSignerSetUpdate { new_epoch, signers_hash, signature } => {
                let digest = signer_set_update_digest(
                    &domain(),
                    &SignerSetUpdate { new_epoch: *new_epoch, signers_hash: *signers_hash },
                );
                self.bonded_signer(digest, signature)
            }
            FraudProof::Equivocation { first, second } => {
                let (a, b) = (statement_signer(first)?, statement_signer(second)?);
                if a != b {
                    return Err(format!("different signers {a} and {b}"));
                }
                if statement_slot(first) != statement_slot(second) || first == second {
                    return Err("the statements do not conflict on one slot".into());
                }
                if !self.relayers.contains_key(&EvmAddress(a)) {
                    return Err(format!("{a} is not a bonded relayer's signer"));
                }
                Ok(())
            }
        }
    }

    fn bonded_signer(&self, digest: B256, signature: &Signature65) -> Result<(), String> {
        let signer = recover_signer(digest, signature).map_err(|e| format!("signature: {e}"))?;
        if self.relayers.contains_key(&EvmAddress(signer)) {
            Ok(())
        } else {
            Err(format!("{signer} is not a bonded relayer's signer"))
        }
    }
}

/// The signer of a signed statement, over the test hub's domain.
fn statement_signer(st: &SignedStatement) -> Result<Address, String> {
    let digest = match st {
        SignedStatement::Batch { epoch, batch_index, root, .. } => settlement_batch_digest(
            &domain(),
            &SettlementBatch { epoch: *epoch, batch_index: *batch_index, root: *root },
        ),
        SignedStatement::SignerSetUpdate { new_epoch, signers_hash, .. } => {
            signer_set_update_digest(&domain(), &SignerSetUpdate { new_epoch: *new_epoch, signers_hash: *signers_hash })
        }
    };
    let signature = match st {
        SignedStatement::Batch { signature, .. } | SignedStatement::SignerSetUpdate { signature, .. } => signature,
    };
    recover_signer(digest, signature).map_err(|e| format!("signature: {e}"))
}

/// The slot a statement fills: (kind, epoch, batch) — two different statements for one slot
/// are an equivocation.
fn statement_slot(st: &SignedStatement) -> (u8, u64, u64) {
    match st {
        SignedStatement::Batch { epoch, batch_index, .. } => (0, *epoch, *batch_index),
        SignedStatement::SignerSetUpdate { new_epoch, .. } => (1, *new_epoch, 0),
    }
}

/// `rpc` (a mock chain) as the EVM adapter sees it, under `name`, with its chain id as its domain.
pub fn evm_chain<R: EvmSource>(name: &str, rpc: R, router: Address, verifier: Address) -> mesh_chain_evm::EvmChain<R> {
    mesh_chain_evm::EvmChain {
        name: name.into(),
        domain: rpc.chain_id(),
        chain_id: rpc.chain_id(),
        router,
        verifier,
        rpc,
    }
}

// ------------------------------------------------------------- a chain the hub follows by light client

/// A CometBFT chain as the light-client updater sees it: heights `1..=head`, header `h` at time
/// `GENESIS_TIME + h`. Its headers are minimal protobuf `SignedHeader`s (height, chain id, time):
/// what the in-memory hub reads of them.
#[derive(Clone)]
pub struct MockHeaders {
    pub chain_id: String,
    state: Arc<Mutex<MockHeadersState>>,
}

#[derive(Default)]
struct MockHeadersState {
    head: u64,
    /// Heights whose header was asked for.
    asked: Vec<u64>,
    /// Heights whose validator set was asked for.
    sets_asked: Vec<u64>,
}

/// The error of [`MockHeaders`] (it never fails; the type is what `Chain` needs).
#[derive(Debug, thiserror::Error)]
#[error("mock headers: {0}")]
pub struct MockHeadersError(String);

impl mesh_chain::AdapterError for MockHeadersError {
    fn is_recoverable(&self) -> bool {
        true
    }
    fn would_revert(&self) -> bool {
        false
    }
}

impl MockHeaders {
    pub fn new(chain_id: &str, head: u64) -> MockHeaders {
        MockHeaders {
            chain_id: chain_id.into(),
            state: Arc::new(Mutex::new(MockHeadersState { head, asked: Vec::new(), sets_asked: Vec::new() })),
        }
    }

    pub fn set_head(&self, head: u64) {
        self.state.lock().expect("headers").head = head;
    }

    /// Heights whose headers were read, in order.
    pub fn headers_read(&self) -> Vec<u64> {
        self.state.lock().expect("headers").asked.clone()
    }

    /// Heights whose validator sets were read, in order.
    pub fn sets_read(&self) -> Vec<u64> {
        self.state.lock().expect("headers").sets_asked.clone()
    }
}

impl mesh_chain::Chain for MockHeaders {
    type Error = MockHeadersError;
    fn domain(&self) -> u64 {
        3
    }
    fn name(&self) -> &str {
        "gamma"
    }
    fn vm(&self) -> mesh_hub_api::bundle_log::ChainVm {
        mesh_hub_api::bundle_log::ChainVm::CosmWasm { chain_id: self.chain_id.clone() }
    }
}

impl mesh_chain::LegSource for MockHeaders {
    async fn head(&self) -> Result<u64, MockHeadersError> {
        Ok(self.state.lock().expect("headers").head)
    }
    async fn block(&self, number: u64) -> Result<Option<mesh_chain::BlockRef>, MockHeadersError> {
        let head = self.state.lock().expect("headers").head;
        Ok((number <= head).then(|| mesh_chain::BlockRef {
            number,
            hash: Hash32(B256::from(U256::from(number))),
            timestamp: GENESIS_TIME + number,
        }))
    }
    async fn leg_locks(&self, _: u64, _: u64) -> Result<Vec<mesh_chain::ObservedLock>, MockHeadersError> {
        Ok(vec![])
    }
}

impl mesh_chain::HeaderSource for MockHeaders {
    fn client_chain_id(&self) -> &str {
        &self.chain_id
    }
    async fn light_header(&self, height: u64) -> Result<Option<light_client::LightHeader>, MockHeadersError> {
        use prost::Message;
        let mut s = self.state.lock().expect("headers");
        if height > s.head {
            return Ok(None);
        }
        s.asked.push(height);
        let header = tendermint_proto::types::Header {
            chain_id: self.chain_id.clone(),
            height: height as i64,
            time: Some(tendermint_proto::google::protobuf::Timestamp {
                seconds: (GENESIS_TIME + height) as i64,
                nanos: 0,
            }),
            ..Default::default()
        };
        let sh = tendermint_proto::types::SignedHeader { header: Some(header), commit: None };
        Ok(Some(light_client::LightHeader { signed_header: sh.encode_to_vec().into(), validators: Default::default() }))
    }
    async fn validator_set(&self, height: u64) -> Result<Option<Vec<u8>>, MockHeadersError> {
        let mut s = self.state.lock().expect("headers");
        if height > s.head {
            return Ok(None);
        }
        s.sets_asked.push(height);
        Ok(Some(Vec::new()))
    }
}
