//! The EVM adapter behind the neutral traits of `mesh-chain`: one [`EvmChain`] per chain reads
//! it (locks, evidence, delivered signatures) through the node-level traits of this crate
//! ([`EvmSource`], [`EvmLocations`], [`EvmEvidence`], [`EvmSignatures`]: `AlloyEvm` in production,
//! in-memory chains in tests); [`EvmDelivery`](crate::delivery::EvmDelivery) writes to it.
use mesh_chain::{
    AdapterError, BlockRef as ChainBlock, Chain, Confirmation, DeliveredSignature, DomainId, LegSource, LockCheck,
    LockEvidence, ObservedLock, SignatureWatch,
};
use mesh_hub_api::bundle_log::{
    ChainVm, EvmLocation, LockLocation, LockReport, ObjectionReason, OpenReport, ReportResponse,
};
use mesh_hub_api::dispute::{FalseLockEvidence, FraudProof};
use mesh_proof_evm::{build_receipt_proof, decode_header, decode_receipt, LegLockedLog};
use mesh_protocol::{Address, Hash32};

use crate::{EvmError, EvmEvidence, EvmLocations, EvmSignatures, EvmSource, LockEvent, TxAtIndex};

impl AdapterError for EvmError {
    fn is_recoverable(&self) -> bool {
        EvmError::is_recoverable(self)
    }
    fn would_revert(&self) -> bool {
        false
    }
}

/// One EVM chain as the roles see it: its registry entry and a node to read it from.
#[derive(Clone, Debug)]
pub struct EvmChain<R> {
    pub name: String,
    /// The hub's domain id for this chain.
    pub domain: DomainId,
    /// EIP-155 chain id (what `EvmLocation`s carry).
    pub chain_id: u64,
    pub router: Address,
    pub verifier: Address,
    pub rpc: R,
}

impl<R: Send + Sync> Chain for EvmChain<R> {
    type Error = EvmError;
    fn domain(&self) -> DomainId {
        self.domain
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn vm(&self) -> ChainVm {
        ChainVm::Evm { chain_id: self.chain_id }
    }
}

fn chain_block(b: crate::BlockRef) -> ChainBlock {
    ChainBlock { number: b.number, hash: Hash32(b.hash), timestamp: b.timestamp }
}

/// The hub report of a `LegLocked` event found on chain `chain_id`.
pub fn lock_report(e: &LockEvent, chain_id: u64) -> LockReport {
    let ev = &e.event;
    LockReport {
        proof: None,
        bundle_id: Hash32(ev.bundle_id),
        leg_index: ev.index,
        leg_hash: Hash32(ev.leg_hash),
        settle_deadline: ev.settle_deadline,
        location: LockLocation::Evm(EvmLocation {
            chain_id,
            block_number: e.block.number,
            block_hash: Hash32(e.block.hash),
            block_timestamp: e.block.timestamp,
            tx_hash: Hash32(e.tx_hash),
            tx_index: e.tx_index,
            log_index: e.log_index_in_receipt,
        }),
    }
}

impl<R: EvmSource> LegSource for EvmChain<R> {
    async fn head(&self) -> Result<u64, EvmError> {
        self.rpc.head().await
    }

    async fn block(&self, number: u64) -> Result<Option<ChainBlock>, EvmError> {
        Ok(self.rpc.block(number).await?.map(chain_block))
    }

    async fn leg_locks(&self, from: u64, to: u64) -> Result<Vec<ObservedLock>, EvmError> {
        let events = self.rpc.leg_locked(self.router, from, to).await?;
        Ok(events
            .iter()
            .map(|e| ObservedLock { block: chain_block(e.block), report: lock_report(e, self.chain_id) })
            .collect())
    }
}

/// The EVM location of a report on this chain; anything else is a report this chain cannot hold.
fn evm_location(location: &LockLocation) -> Option<&EvmLocation> {
    location.as_evm()
}

/// Judges `r` against what `evm` holds at `head`, `confirmations` deep (the checker's view).
pub async fn judge<E: EvmLocations>(
    evm: &E,
    head: u64,
    confirmations: u64,
    r: &OpenReport,
) -> Result<Confirmation, EvmError> {
    let Some(loc) = evm_location(&r.report.location) else {
        return Ok(Confirmation::Object(ObjectionReason::UnknownBlock));
    };
    if head < loc.block_number.saturating_add(confirmations) {
        return Ok(Confirmation::Wait);
    }
    let Some(block) = evm.block(loc.block_number).await? else {
        // below the head, yet missing: the node is catching up or broken, not a verdict
        return Err(EvmError::Rpc {
            url: String::new(),
            detail: format!("block {} below head {head} is missing", loc.block_number),
        });
    };
    if block.hash != loc.block_hash.0 {
        return Ok(Confirmation::Object(ObjectionReason::UnknownBlock));
    }
    if block.timestamp != loc.block_timestamp {
        return Ok(Confirmation::Object(ObjectionReason::WrongTimestamp));
    }
    let (tx_hash, success, logs) = match evm.tx_at(block, loc.tx_index).await? {
        TxAtIndex::Missing => return Ok(Confirmation::Object(ObjectionReason::NoSuchTransaction)),
        TxAtIndex::Unreadable(why) => {
            tracing::warn!(bundle = %r.bundle_id, leg = r.leg_index, block = loc.block_number, tx_index = loc.tx_index, %why, "reported receipt is unreadable");
            return Ok(Confirmation::Object(ObjectionReason::UnreadableReceipt));
        }
        TxAtIndex::Mined { tx_hash, success, logs } => (tx_hash, success, logs),
    };
    if tx_hash != loc.tx_hash.0 {
        return Ok(Confirmation::Object(ObjectionReason::NoSuchTransaction));
    }
    if !success {
        return Ok(Confirmation::Object(ObjectionReason::TransactionFailed));
    }
    let router = r.leg.router.to_evm();
    let matches = logs.get(loc.log_index as usize).is_some_and(|log| {
        Some(log.address) == router
            && LegLockedLog::decode(log).is_ok_and(|ev| {
                ev.bundle_id == r.bundle_id.0
                    && ev.index == r.leg_index
                    && ev.leg_hash == r.leg_hash.0
                    && ev.amount >= r.leg.amount.0
                    && ev.settle_deadline == r.settle_deadline
            })
    });
    Ok(if matches { Confirmation::Confirmed } else { Confirmation::Object(ObjectionReason::NoMatchingLog) })
}

/// Checks the current report of `r` against the chain; on a provable mismatch builds the
/// receipt proof (header RLP + receipt + receipt-trie proof) too.
pub async fn check_report<E: EvmSource + EvmEvidence>(
    evm: &E,
    router: Address,
    r: &ReportResponse,
) -> Result<LockCheck, EvmError> {
    let Some(report) = &r.report else { return Ok(LockCheck::Honest) };
    let Some(loc) = evm_location(&report.location) else { return Ok(LockCheck::UnknownBlock) };
    if evm.head().await? < loc.block_number {
        return Ok(LockCheck::NotYet);
    }
    let block = match evm.block(loc.block_number).await? {
        Some(b) if b.hash == loc.block_hash.0 => b,
        _ => return Ok(LockCheck::UnknownBlock),
    };
    let receipts = evm.block_receipts(loc.block_number).await?;
    // No transaction at that index: proven by an exclusion proof (an empty receipt).
    let receipt_bytes = receipts.get(loc.tx_index as usize).cloned().unwrap_or_default();
    let problem = if receipt_bytes.is_empty() {
        Some(format!("the block has no transaction {}", loc.tx_index))
    } else if block.timestamp != loc.block_timestamp {
        // the header in the proof shows the real timestamp (what the lock-deadline check used)
        Some(format!("the block's timestamp is {}, not {}", block.timestamp, loc.block_timestamp))
    } else {
        match decode_receipt(&receipt_bytes) {
            // An OP deposit, an Arbitrum type, a future type, a malformed receipt: no honest
            // relayer reports a lock there, and the dispute contract takes it as a false lock.
            Err(e) => Some(format!("the receipt at that index does not decode ({e})")),
            Ok(receipt) if !receipt.success => Some("the reported transaction failed".to_string()),
            Ok(receipt) => match receipt.logs.get(loc.log_index as usize).map(LegLockedLog::decode) {
                None => Some(format!("the receipt has no log {}", loc.log_index)),
                Some(Err(_)) => Some(format!("log {} is not a LegLocked event", loc.log_index)),
                Some(Ok(ev)) if ev.router != router => {
                    Some(format!("log {} was emitted by {} , not the router", loc.log_index, ev.router))
                }
                Some(Ok(ev)) if ev.bundle_id != r.bundle_id.0 || ev.index != r.leg_index => {
                    Some("the log is for another leg".into())
                }
                Some(Ok(ev)) if ev.leg_hash != r.leg_hash.0 || ev.settle_deadline != r.settle_deadline => {
                    Some("the log's leg hash or settle deadline differs".into())
                }
                Some(Ok(ev)) if ev.amount < r.leg.amount.0 => Some("the escrowed amount is below the leg's".into()),
                Some(Ok(_)) => None,
            },
        }
    };
    let Some(why) = problem else { return Ok(LockCheck::Honest) };
    let header = evm.header_rlp(loc.block_number).await?;
    let (root, proof) = build_receipt_proof(&receipts, loc.tx_index);
    let info = match decode_header(&header) {
        Ok(info) => info,
        Err(e) => return Ok(LockCheck::Unprovable(format!("own header of block {}: {e}", loc.block_number))),
    };
    if info.receipts_root != root {
        let why = format!("block {}: rebuilt receipts root differs from the header", loc.block_number);
        return Ok(LockCheck::Unprovable(why));
    }
    let proof = FraudProof::FalseLock {
        bundle_id: r.bundle_id,
        leg_index: r.leg_index,
        evidence: FalseLockEvidence::EvmReceipt {
            header: header.into(),
            receipt: receipt_bytes.into(),
            receipt_proof: proof.into_iter().map(|n| n.to_vec().into()).collect(),
        },
    };
    Ok(LockCheck::False { why, proof: Box::new(proof) })
}

impl<R: EvmSource + EvmLocations + EvmEvidence> LockEvidence for EvmChain<R> {
    async fn confirm_lock(&self, report: &OpenReport, head: u64, confirmations: u64) -> Result<Confirmation, EvmError> {
        judge(&self.rpc, head, confirmations, report).await
    }

    async fn check_lock(&self, leg: &ReportResponse) -> Result<LockCheck, EvmError> {
        check_report(&self.rpc, self.router, leg).await
    }
}

impl<R: EvmSource + EvmSignatures> SignatureWatch for EvmChain<R> {
    async fn watch_head(&self) -> Result<u64, EvmError> {
        self.rpc.head().await
    }

    async fn delivered_signatures(&self, from: u64, to: u64) -> Result<Vec<DeliveredSignature>, EvmError> {
        self.rpc.delivered_signatures(self.verifier, self.router, from, to).await
    }
}
