//! Messages of the `dispute` contract: fraud proofs checked entirely on-chain.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Binary};
use mesh_protocol::{Amount, EvmAddress, Hash32, Signature65};

pub use crate::common::FraudKind;

/// Default most nodes in one proof (a receipt proof, an account proof or a storage proof).
pub const DEFAULT_MAX_PROOF_NODES: u32 = 32;
/// Default most bytes of one fraud proof's evidence: header + receipt + proof nodes together.
pub const DEFAULT_MAX_EVIDENCE_BYTES: u32 = 128 * 1024;

/// Parameters of a new dispute contract.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {
    /// The bundle-log whose reports and batches are disputed (its hub chain id is read from it).
    pub bundle_log: String,
    /// The stake-escrow that slashes.
    pub stake_escrow: String,
    /// Most nodes in one receipt, account or storage proof (default 32).
    pub max_proof_nodes: Option<u32>,
    /// Most bytes of header, receipt and proof nodes of one fraud proof together (default 131072).
    pub max_evidence_bytes: Option<u32>,
}

/// A statement a signer signed.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum SignedStatement {
    /// `SettlementBatch(epoch, batchIndex, root)`.
    Batch { epoch: u64, batch_index: u64, root: Hash32, signature: Signature65 },
    /// `SignerSetUpdate(newEpoch, signersHash)`.
    SignerSetUpdate { new_epoch: u64, signers_hash: Hash32, signature: Signature65 },
}

/// Evidence of a relayer's fraud.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum FraudProof {
    /// The report of leg `leg_index` of `bundle_id` is false, shown by `evidence` of the
    /// report's VM (`EvidenceVmMismatch` otherwise). Only inside the report's dispute window.
    FalseLock { bundle_id: Hash32, leg_index: u32, evidence: FalseLockEvidence },
    /// Two signatures by one registered signer over conflicting statements of the same slot.
    Equivocation { first: SignedStatement, second: SignedStatement },
    /// A signature by a registered signer over a batch the hub never closed with that epoch and root.
    WrongAttestation { epoch: u64, batch_index: u64, root: Hash32, signature: Signature65 },
    /// A signature by a registered signer over a signer-set update the hub never made.
    WrongSignerSetUpdate { new_epoch: u64, signers_hash: Hash32, signature: Signature65 },
}

/// Evidence that a reported lock is false, per VM: one arm per kind of proof.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum FalseLockEvidence {
    /// EVM, from a receipt: the header of the reported block (RLP), the receipt at the reported
    /// tx index (trie encoding) and its receipt-trie proof (nodes root first). An empty `receipt`
    /// with an exclusion proof shows that the block has no transaction at the reported index. A
    /// receipt that verifies at the reported index but does not decode (a type this hub does not
    /// know, such as an OP-stack deposit `0x7e` or an Arbitrum `0x6a` receipt, or malformed)
    /// proves the report false too: a relayer may only report a lock the hub can read.
    EvmReceipt { header: Binary, receipt: Binary, receipt_proof: Vec<Binary> },
    /// EVM, from the chain's state rather than from a receipt: `header` is the reported block's
    /// header (RLP; its hash must be the reported block hash), `account_proof` the state-trie
    /// proof of the leg's Router account against the header's `stateRoot` and `storage_proof`
    /// the proof of the Router's escrow word `legHash`
    /// (`_escrows[keccak256(abi.encode(bundleId, uint256(legIndex)))]`, word 3) against the
    /// account's `storageRoot`, both as `eth_getProof(router, [slot], reportedBlock)` returns
    /// them (nodes root first; an exclusion proof shows a word that is zero, or an account that
    /// does not exist).
    ///
    /// `stateRoot` is the state *after* the reported block, so a lock made in that block is in
    /// it. If the escrow's `legHash` there is not the registered leg's hash (zero: the Router
    /// never locked the leg by then, `status` None; `lock` writes `status` and `legHash`
    /// together and nothing clears them), no lock of that leg happened in or before the reported
    /// block, and the report is false. A leg locked in an *earlier* block is a real lock: this
    /// proof is then refused (`EscrowLockedInState`), even though the report points at the wrong
    /// block.
    ///
    /// The proof is bounded (each list at most `max_proof_nodes` nodes, everything together at
    /// most `max_evidence_bytes`) whatever the reported transaction did, so a report that points
    /// at an oversized or undecodable receipt is still disprovable.
    EvmState { header: Binary, account_proof: Vec<Binary>, storage_proof: Vec<Binary> },
}

impl FalseLockEvidence {
    /// The VM whose chain data this evidence is.
    pub fn vm_name(&self) -> &'static str {
        match self {
            FalseLockEvidence::EvmReceipt { .. } | FalseLockEvidence::EvmState { .. } => "evm",
        }
    }
}

/// Every action of the dispute contract.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum ExecuteMsg {
    /// Proves a fraud (anyone). On success the report is reverted (false lock), the relayer
    /// slashed and jailed, the bounty paid to the sender, and the fraud recorded. A proof that
    /// does not verify is refused with the reason and changes nothing; a fraud is proven once.
    SubmitFraudProof { proof: FraudProof },
}

/// Every question the dispute contract answers.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The configuration.
    #[returns(ConfigResponse)]
    Config {},
    /// One proven fraud.
    #[returns(FraudRecord)]
    Fraud { id: u64 },
    /// Proven frauds, oldest first.
    #[returns(FraudsResponse)]
    Frauds { start_after: Option<u64>, limit: Option<u32> },
}

/// The dispute contract's configuration.
#[cw_serde]
pub struct ConfigResponse {
    pub bundle_log: Addr,
    pub stake_escrow: Addr,
    pub hub_chain_id: String,
    pub max_proof_nodes: u32,
    pub max_evidence_bytes: u32,
}

/// What the evidence showed instead of the reported lock.
#[cw_serde]
pub enum FalseLockFinding {
    /// The reported block hash belongs to a block with another number.
    WrongBlockNumber { actual: u64 },
    /// The reported block hash belongs to a block with another timestamp (e.g. after the lock deadline).
    WrongBlockTimestamp { actual: u64 },
    /// The block has no transaction at the reported index (shown by an `EvmReceipt` exclusion
    /// proof: `receipt` empty, `receipt_proof` the trie path to where the key would be).
    NoTransactionAtIndex,
    /// The transaction reverted.
    ReceiptFailed,
    /// The receipt at the reported index does not decode: `type_byte` is its first byte (an
    /// EIP-2718 type this hub does not know, e.g. `0x7e`, or a malformed typed or legacy receipt).
    UndecodableReceipt { type_byte: u8 },
    /// The receipt has only `log_count` logs: none at the reported index.
    NoLogAtIndex { log_count: u32 },
    /// The log at the index was emitted by another contract than the leg's router.
    WrongEmitter { emitter: EvmAddress },
    /// The log at the index is not a `LegLocked` event.
    NotLegLocked,
    /// The `LegLocked` log names another bundle, leg index, leg hash or settle deadline.
    OtherLeg { field: String },
    /// The locked amount is below the leg's amount.
    AmountTooLow { locked: Amount, required: Amount },
    /// `EvmState`: after the reported block the Router holds no escrow for the leg (its
    /// `legHash` word is zero, or the Router account does not exist).
    EscrowNotLocked,
    /// `EvmState`: after the reported block the Router's escrow for the leg holds another
    /// leg hash than the registered leg's.
    EscrowOtherLegHash { leg_hash: Hash32 },
}

/// What was proven.
#[cw_serde]
pub enum FraudDetail {
    FalseLock { bundle_id: Hash32, leg_index: u32, report_id: u64, finding: FalseLockFinding },
    Equivocation { first: SignedStatement, second: SignedStatement },
    WrongAttestation { epoch: u64, batch_index: u64, root: Hash32 },
    WrongSignerSetUpdate { new_epoch: u64, signers_hash: Hash32 },
}

/// A proven fraud.
#[cw_serde]
pub struct FraudRecord {
    pub id: u64,
    pub kind: FraudKind,
    /// The slashed relayer.
    pub relayer: Addr,
    /// Its EVM signer, for signature frauds.
    pub evm_signer: Option<EvmAddress>,
    /// Who proved it (and got the bounty).
    pub disputer: Addr,
    pub proven_at: u64,
    pub height: u64,
    pub detail: FraudDetail,
}

/// A page of frauds.
#[cw_serde]
pub struct FraudsResponse {
    pub frauds: Vec<FraudRecord>,
}

/// The slot a signed statement fills: a signer may sign one root per (epoch, batch index) and one
/// signer set per new epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureSlot {
    Batch { epoch: u64, batch_index: u64 },
    SignerSetUpdate { new_epoch: u64 },
}

impl SignatureSlot {
    /// The slot `statement` fills.
    pub fn of(statement: &SignedStatement) -> SignatureSlot {
        match *statement {
            SignedStatement::Batch { epoch, batch_index, .. } => SignatureSlot::Batch { epoch, batch_index },
            SignedStatement::SignerSetUpdate { new_epoch, .. } => SignatureSlot::SignerSetUpdate { new_epoch },
        }
    }

    /// The dispute contract's replay key of a signature fraud in this slot by `signer`.
    /// Equivocation and wrong attestation share it: one misbehaviour in one slot is punished once,
    /// whichever way it is shown. Disputers key their own records the same way.
    pub fn fraud_key(&self, signer: EvmAddress) -> Vec<u8> {
        match *self {
            SignatureSlot::Batch { epoch, batch_index } => {
                [b"sig_batch/".as_slice(), &epoch.to_be_bytes(), &batch_index.to_be_bytes(), signer.0.as_slice()]
                    .concat()
            }
            SignatureSlot::SignerSetUpdate { new_epoch } => {
                [b"sig_update/".as_slice(), &new_epoch.to_be_bytes(), signer.0.as_slice()].concat()
            }
        }
    }
}

impl core::fmt::Display for SignatureSlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SignatureSlot::Batch { epoch, batch_index } => write!(f, "batch {batch_index} of epoch {epoch}"),
            SignatureSlot::SignerSetUpdate { new_epoch } => write!(f, "signer-set update to epoch {new_epoch}"),
        }
    }
}

crate::client::typed_queries!(QueryMsg {
    /// `QueryMsg::Config`.
    config => Config {} -> ConfigResponse;
    /// `QueryMsg::Fraud`.
    fraud => Fraud { id: u64 } -> FraudRecord;
    /// `QueryMsg::Frauds`.
    frauds => Frauds { start_after: Option<u64>, limit: Option<u32> } -> FraudsResponse;
});

impl ExecuteMsg {
    /// This message sent to the dispute `contract` (it takes no funds).
    pub fn wasm_msg(&self, contract: impl Into<String>) -> cosmwasm_std::StdResult<cosmwasm_std::WasmMsg> {
        crate::client::execute(contract, self, vec![])
    }
}
