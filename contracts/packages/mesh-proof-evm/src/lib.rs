//! EVM evidence for the Atomic Mesh hub: what the hub needs to check an EVM chain's word for
//! itself. Block headers, receipts, their logs, the Router's `LegLocked` event, and
//! Merkle-Patricia proofs that a receipt sits at a transaction index of a block;
//! [`state`]: a Router's escrow read from the state trie of a block (`eth_getProof`).
//!
//! The VM-neutral objects (legs, bundles, batches, EIP-712) are `mesh-protocol`'s; this crate is
//! the EVM arm of the hub's per-VM evidence (docs/protocol.md §6–7). Builds for wasm32.

pub mod state;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::{Decodable, Header as RlpHeader};
use alloy_sol_types::{sol, SolEvent};
use alloy_trie::{proof::verify_proof, Nibbles};

use mesh_protocol::AccountId;

pub mod error;
pub use error::ProofError;

sol! {
    /// Emitted by the MeshRouter when a leg's tokens are escrowed. `depositor` and `token` are
    /// the leg's 32-byte account ids (left-padded EVM addresses on an EVM chain).
    #[derive(Debug, PartialEq, Eq)]
    event LegLocked(
        bytes32 indexed bundleId,
        uint32 indexed index,
        bytes32 legHash,
        bytes32 indexed depositor,
        bytes32 token,
        uint256 amount,
        uint64 settleDeadline
    );
}

/// The header fields the hub uses, and the header's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderInfo {
    /// `keccak256` of the header RLP: the block hash.
    pub hash: B256,
    pub parent_hash: B256,
    pub number: u64,
    pub timestamp: u64,
    /// Root of the state trie after the block's transactions.
    pub state_root: B256,
    pub receipts_root: B256,
}

/// Header fields up to `nonce` (index 14) exist in every post-merge header; London, Shanghai,
/// Cancun and Prague append fields after them, and any further trailing fields are accepted.
const MIN_HEADER_FIELDS: usize = 15;

/// Splits an RLP list payload into its items' raw encodings.
fn list_items(mut payload: &[u8]) -> Result<Vec<&[u8]>, ProofError> {
    let mut items = Vec::new();
    while !payload.is_empty() {
        let start = payload;
        let h = RlpHeader::decode(&mut payload)?;
        if payload.len() < h.payload_length {
            return Err(alloy_rlp::Error::InputTooShort.into());
        }
        payload = &payload[h.payload_length..];
        items.push(&start[..start.len() - payload.len()]);
    }
    Ok(items)
}

/// Decodes one RLP list that must fill `bytes` exactly; returns its payload.
fn exact_list<'a>(what: &'static str, bytes: &'a [u8]) -> Result<&'a [u8], ProofError> {
    let mut buf = bytes;
    let h = RlpHeader::decode(&mut buf)?;
    if !h.list {
        return Err(alloy_rlp::Error::UnexpectedString.into());
    }
    if buf.len() < h.payload_length {
        return Err(alloy_rlp::Error::InputTooShort.into());
    }
    if buf.len() > h.payload_length {
        return Err(ProofError::TrailingBytes { what, extra: buf.len() - h.payload_length });
    }
    Ok(buf)
}

fn field<T: Decodable>(item: &[u8], name: &'static str) -> Result<T, ProofError> {
    let mut buf = item;
    let v = T::decode(&mut buf).map_err(|_| ProofError::HeaderField { field: name })?;
    if !buf.is_empty() {
        return Err(ProofError::HeaderField { field: name });
    }
    Ok(v)
}

/// Decodes an RLP block header of any fork from London on.
pub fn decode_header(rlp: &[u8]) -> Result<HeaderInfo, ProofError> {
    let items = list_items(exact_list("header", rlp)?)?;
    if items.len() < MIN_HEADER_FIELDS {
        return Err(ProofError::HeaderTooShort { fields: items.len(), min: MIN_HEADER_FIELDS });
    }
    Ok(HeaderInfo {
        hash: keccak256(rlp),
        parent_hash: field(items[0], "parentHash")?,
        state_root: field(items[3], "stateRoot")?,
        receipts_root: field(items[5], "receiptsRoot")?,
        number: field(items[8], "number")?,
        timestamp: field(items[11], "timestamp")?,
    })
}

/// One log of a receipt.
#[derive(Clone, Debug, PartialEq, Eq, alloy_rlp::RlpDecodable, alloy_rlp::RlpEncodable)]
pub struct Log {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// A decoded transaction receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// EIP-2718 type: 0 legacy, 1 access-list, 2 dynamic-fee, 3 blob, 4 set-code.
    pub tx_type: u8,
    /// Whether the transaction succeeded (post-Byzantium status).
    pub success: bool,
    pub cumulative_gas_used: u64,
    pub logs: Vec<Log>,
}

/// Highest EIP-2718 transaction type this code knows receipts for.
const MAX_KNOWN_TX_TYPE: u8 = 4;

/// Decodes a receipt as it is stored in the receipts trie: `rlp(receipt)` for legacy
/// transactions, `type ‖ rlp(receipt)` for typed ones.
pub fn decode_receipt(bytes: &[u8]) -> Result<Receipt, ProofError> {
    let first = *bytes.first().ok_or(ProofError::EmptyReceipt)?;
    let (tx_type, body) = if first >= 0xc0 {
        (0, bytes)
    } else if (1..=MAX_KNOWN_TX_TYPE).contains(&first) {
        (first, &bytes[1..])
    } else {
        return Err(ProofError::UnknownReceiptType(first));
    };
    let items = list_items(exact_list("receipt", body)?)?;
    if items.len() != 4 {
        return Err(alloy_rlp::Error::Custom("receipt must have 4 fields").into());
    }
    let status: u8 = {
        let mut b = items[0];
        let v = u8::decode(&mut b).map_err(|_| ProofError::ReceiptStatus)?;
        if !b.is_empty() || v > 1 {
            return Err(ProofError::ReceiptStatus);
        }
        v
    };
    let cumulative_gas_used: u64 = field(items[1], "cumulativeGasUsed")?;
    let _bloom: alloy_primitives::Bloom = field(items[2], "logsBloom")?;
    let logs: Vec<Log> = field(items[3], "logs")?;
    Ok(Receipt { tx_type, success: status == 1, cumulative_gas_used, logs })
}

/// The receipts-trie key of a transaction index: `rlp(index)`.
pub fn receipt_key(tx_index: u64) -> Vec<u8> {
    alloy_rlp::encode(tx_index)
}

/// Verifies that `receipt` (trie encoding) is the value at `tx_index` in the trie `receipts_root`.
pub fn verify_receipt_proof(
    receipts_root: B256,
    tx_index: u64,
    receipt: &[u8],
    proof: &[Bytes],
) -> Result<(), ProofError> {
    if receipt.is_empty() {
        return Err(ProofError::EmptyReceipt);
    }
    let key = Nibbles::unpack(receipt_key(tx_index));
    verify_proof(receipts_root, key, Some(receipt.to_vec()), proof).map_err(|e| ProofError::BadReceiptProof {
        root: receipts_root,
        reason: match e {
            alloy_trie::proof::ProofVerificationError::RootMismatch { .. } => "root mismatch",
            alloy_trie::proof::ProofVerificationError::ValueMismatch { .. } => "value mismatch",
            alloy_trie::proof::ProofVerificationError::UnexpectedEmptyRoot => "unexpected empty root",
            _ => "malformed proof node",
        },
    })
}

/// A `LegLocked` log with the router that emitted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegLockedLog {
    pub router: Address,
    pub bundle_id: B256,
    pub index: u32,
    pub leg_hash: B256,
    /// The leg's depositor as the Router emitted it.
    pub depositor: AccountId,
    /// The leg's token as the Router emitted it.
    pub token: AccountId,
    pub amount: U256,
    pub settle_deadline: u64,
}

impl LegLockedLog {
    /// Decodes `log` if it is a well-formed `LegLocked` event.
    pub fn decode(log: &Log) -> Result<Self, ProofError> {
        if log.topics.first() != Some(&LegLocked::SIGNATURE_HASH) {
            return Err(ProofError::NotLegLocked);
        }
        let ev =
            LegLocked::decode_raw_log(log.topics.iter().copied(), &log.data).map_err(|_| ProofError::NotLegLocked)?;
        Ok(LegLockedLog {
            router: log.address,
            bundle_id: ev.bundleId,
            index: ev.index,
            leg_hash: ev.legHash,
            depositor: AccountId(ev.depositor),
            token: AccountId(ev.token),
            amount: ev.amount,
            settle_deadline: ev.settleDeadline,
        })
    }

    /// The log form of this event, as a Router would emit it.
    pub fn to_log(&self) -> Log {
        let ev = LegLocked {
            bundleId: self.bundle_id,
            index: self.index,
            legHash: self.leg_hash,
            depositor: self.depositor.0,
            token: self.token.0,
            amount: self.amount,
            settleDeadline: self.settle_deadline,
        };
        let data = ev.encode_log_data();
        Log { address: self.router, topics: data.topics().to_vec(), data: data.data }
    }
}

/// Every `LegLocked` event in `receipt` emitted by `router`.
pub fn leg_locked_logs(receipt: &Receipt, router: Address) -> Vec<LegLockedLog> {
    receipt.logs.iter().filter(|l| l.address == router).filter_map(|l| LegLockedLog::decode(l).ok()).collect()
}

#[cfg(feature = "prover")]
mod prover {
    use super::*;
    use alloy_trie::{proof::ProofRetainer, HashBuilder};

    /// Builds the receipts trie over `receipts` (trie encodings in transaction order) and returns
    /// its root and the proof for `tx_index` (nodes from the root down).
    pub fn build_receipt_proof(receipts: &[Vec<u8>], tx_index: u64) -> (B256, Vec<Bytes>) {
        let target = Nibbles::unpack(receipt_key(tx_index));
        let mut entries: Vec<(Nibbles, &Vec<u8>)> =
            receipts.iter().enumerate().map(|(i, r)| (Nibbles::unpack(receipt_key(i as u64)), r)).collect();
        entries.sort_by_key(|e| e.0);
        let mut hb = HashBuilder::default().with_proof_retainer(ProofRetainer::from_iter([target]));
        for (key, value) in entries {
            hb.add_leaf(key, value);
        }
        let root = hb.root();
        let proof = hb.take_proof_nodes().into_nodes_sorted().into_iter().map(|(_, node)| node).collect();
        (root, proof)
    }
}

#[cfg(feature = "prover")]
pub use prover::*;
