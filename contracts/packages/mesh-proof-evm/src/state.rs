//! Proofs from an EVM chain's state: a MeshRouter's escrow read out of the state trie of a block.
//!
//! A lock report names a block; the header of that block commits to `stateRoot`, the root of the
//! state trie after the block's transactions ran. `eth_getProof(router, [slot], block)` returns
//! the Merkle-Patricia path from that root to the Router's account (key `keccak256(address)`,
//! value `rlp([nonce, balance, storageRoot, codeHash])`) and from the account's `storageRoot` to
//! one storage word (key `keccak256(slot)`, value `rlp(word)` without leading zeros; a word that
//! is zero is absent from the trie). Whatever a transaction did (a 70 KB log, a receipt type this
//! code does not know), these proofs stay a few kilobytes: a trie key has 64 nibbles, so a path
//! has at most 65 nodes, and every node is at most 17 × 33 bytes.
//!
//! MeshRouter's storage (evm-contracts/src/MeshRouter.sol, `forge inspect MeshRouter
//! storageLayout`): `_escrows` is the mapping at slot 0, keyed by
//! `keccak256(abi.encode(bundleId, uint256(index)))`; its struct's word 0 packs `token` (bytes
//! 0..20 from the low end), `settleDeadline` (20..28), `status` (byte 28: 0 None, 1 Locked, 2
//! Committed, 3 Aborted, 4 Refunded) and `wideAmount` (byte 29); word 3 is `legHash`. `lock`
//! writes `status = Locked` and `legHash` in the same transaction and nothing ever clears them.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use alloy_trie::proof::{verify_proof, ProofVerificationError};
use alloy_trie::{Nibbles, EMPTY_ROOT_HASH};

use super::{exact_list, list_items};
use crate::ProofError;

/// Storage slot of MeshRouter's `_escrows` mapping.
pub const ESCROWS_SLOT: u64 = 0;
/// Word of an escrow struct holding `token`, `settleDeadline`, `status` and `wideAmount`.
pub const ESCROW_STATUS_WORD: u64 = 0;
/// Word of an escrow struct holding `legHash`.
pub const ESCROW_LEG_HASH_WORD: u64 = 3;
/// Byte of word 0 (counted from the low end) holding the `LegStatus` enum.
pub const ESCROW_STATUS_BYTE: usize = 28;

/// `LegStatus` of MeshRouter (`IMeshRouter.LegStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegStatus {
    None,
    Locked,
    Committed,
    Aborted,
    Refunded,
    /// A value the Router does not define.
    Other(u8),
}

impl From<u8> for LegStatus {
    fn from(v: u8) -> Self {
        match v {
            0 => LegStatus::None,
            1 => LegStatus::Locked,
            2 => LegStatus::Committed,
            3 => LegStatus::Aborted,
            4 => LegStatus::Refunded,
            other => LegStatus::Other(other),
        }
    }
}

/// The `_escrows` key of leg `index` of `bundle_id`: `keccak256(abi.encode(bundleId, uint256(index)))`.
pub fn escrow_key(bundle_id: B256, index: u32) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(bundle_id.as_slice());
    buf[60..].copy_from_slice(&index.to_be_bytes());
    keccak256(buf)
}

/// Storage slot of word `word` of the escrow of leg `index` of `bundle_id`:
/// `keccak256(abi.encode(key, uint256(ESCROWS_SLOT))) + word`.
pub fn escrow_slot(bundle_id: B256, index: u32, word: u64) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(escrow_key(bundle_id, index).as_slice());
    buf[56..].copy_from_slice(&ESCROWS_SLOT.to_be_bytes());
    let base = U256::from_be_bytes(keccak256(buf).0);
    B256::from(base.wrapping_add(U256::from(word)))
}

/// The `LegStatus` packed in an escrow's word 0.
pub fn status_of_word(word: U256) -> LegStatus {
    LegStatus::from(word.byte(ESCROW_STATUS_BYTE))
}

/// An account of the state trie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub nonce: u64,
    pub balance: U256,
    pub storage_root: B256,
    pub code_hash: B256,
}

impl Account {
    /// The account's state-trie value: `rlp([nonce, balance, storageRoot, codeHash])`.
    pub fn rlp(&self) -> Vec<u8> {
        let items = [
            alloy_rlp::encode(self.nonce),
            alloy_rlp::encode(self.balance),
            alloy_rlp::encode(self.storage_root),
            alloy_rlp::encode(self.code_hash),
        ]
        .concat();
        let mut out = Vec::with_capacity(items.len() + 3);
        alloy_rlp::Header { list: true, payload_length: items.len() }.encode(&mut out);
        out.extend(items);
        out
    }
}

fn account_field<T: Decodable>(item: &[u8], name: &'static str) -> Result<T, ProofError> {
    let mut buf = item;
    let v = T::decode(&mut buf).map_err(|_| ProofError::AccountField { field: name })?;
    if !buf.is_empty() {
        return Err(ProofError::AccountField { field: name });
    }
    Ok(v)
}

/// Decodes a state-trie account value. Fields after the four of Ethereum (some chains append
/// their own) are accepted and ignored.
pub fn decode_account(rlp: &[u8]) -> Result<Account, ProofError> {
    let items = list_items(exact_list("account", rlp)?)?;
    if items.len() < 4 {
        return Err(ProofError::AccountField { field: "the list (fewer than 4 fields)" });
    }
    Ok(Account {
        nonce: account_field(items[0], "nonce")?,
        balance: account_field(items[1], "balance")?,
        storage_root: account_field(items[2], "storageRoot")?,
        code_hash: account_field(items[3], "codeHash")?,
    })
}

fn proof_reason(e: &ProofVerificationError) -> &'static str {
    match e {
        ProofVerificationError::RootMismatch { .. } => "root mismatch",
        ProofVerificationError::ValueMismatch { .. } => "node or value mismatch",
        ProofVerificationError::UnexpectedEmptyRoot => "unexpected empty root",
        _ => "malformed proof node",
    }
}

/// The value stored under `hashed_key` in the secure trie `root`, as `proof` (nodes root first,
/// as `eth_getProof` returns them) shows it: `Some(value)` for an inclusion proof, `None` for a
/// valid exclusion proof. Anything else (a node that does not hash into its parent, a truncated
/// path, trailing nodes, a root mismatch) is refused.
pub fn proven_value(
    trie: &'static str,
    root: B256,
    hashed_key: B256,
    proof: &[Bytes],
) -> Result<Option<Vec<u8>>, ProofError> {
    let key = Nibbles::unpack(hashed_key);
    let bad = |e: &ProofVerificationError| ProofError::BadStateProof { trie, root, reason: proof_reason(e) };
    match verify_proof(root, key, None, proof) {
        Ok(()) => Ok(None),
        // The walk ended on a value at the key: verifying it as that value is the authority
        // (the candidate is only taken from the error; a proof with nodes after the leaf or a
        // truncated one fails the second verification too).
        Err(ProofVerificationError::ValueMismatch { path, got: Some(value), expected: None }) if path == key => {
            verify_proof(root, key, Some(value.to_vec()), proof).map_err(|e| bad(&e))?;
            Ok(Some(value.to_vec()))
        }
        Err(e) => Err(bad(&e)),
    }
}

/// The account of `address` in the state trie `state_root`; `None` when the proof shows that no
/// such account exists.
pub fn verify_account(state_root: B256, address: Address, proof: &[Bytes]) -> Result<Option<Account>, ProofError> {
    proven_value("account", state_root, keccak256(address), proof)?.map(|v| decode_account(&v)).transpose()
}

/// The storage word at `slot` in the storage trie `storage_root` (an absent word is zero).
pub fn verify_storage(storage_root: B256, slot: B256, proof: &[Bytes]) -> Result<U256, ProofError> {
    match proven_value("storage", storage_root, keccak256(slot), proof)? {
        None => Ok(U256::ZERO),
        Some(v) => {
            let mut buf = v.as_slice();
            let word = U256::decode(&mut buf).map_err(|_| ProofError::StorageValue)?;
            if !buf.is_empty() {
                return Err(ProofError::StorageValue);
            }
            Ok(word)
        }
    }
}

/// The storage word at `slot` of `address` in the state `state_root`, from an `eth_getProof`
/// account proof and storage proof. An account that does not exist has empty storage: its words
/// are zero, shown by an empty (or `[0x80]`) storage proof.
pub fn verify_account_storage(
    state_root: B256,
    address: Address,
    slot: B256,
    account_proof: &[Bytes],
    storage_proof: &[Bytes],
) -> Result<U256, ProofError> {
    let storage_root = verify_account(state_root, address, account_proof)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
    verify_storage(storage_root, slot, storage_proof)
}

/// The `legHash` word of the escrow of leg `index` of `bundle_id` in the MeshRouter `router`, in
/// the state `state_root` (zero: the Router never locked that leg).
pub fn verify_escrow_leg_hash(
    state_root: B256,
    router: Address,
    bundle_id: B256,
    index: u32,
    account_proof: &[Bytes],
    storage_proof: &[Bytes],
) -> Result<B256, ProofError> {
    let slot = escrow_slot(bundle_id, index, ESCROW_LEG_HASH_WORD);
    verify_account_storage(state_root, router, slot, account_proof, storage_proof).map(B256::from)
}

#[cfg(feature = "prover")]
mod prover {
    use super::*;
    use alloy_trie::{proof::ProofRetainer, HashBuilder};

    /// Builds a trie over already-hashed keys and returns its root and the proof (nodes root
    /// first) for `target`, inclusion or exclusion.
    pub fn build_hashed_trie_proof(mut leaves: Vec<(B256, Vec<u8>)>, target: B256) -> (B256, Vec<Bytes>) {
        leaves.sort_by_key(|e| e.0);
        let mut hb = HashBuilder::default().with_proof_retainer(ProofRetainer::from_iter([Nibbles::unpack(target)]));
        for (k, v) in &leaves {
            hb.add_leaf(Nibbles::unpack(k), v);
        }
        let root = hb.root();
        let proof = hb.take_proof_nodes().into_nodes_sorted().into_iter().map(|(_, node)| node).collect();
        (root, proof)
    }

    /// An account of a [`TestState`]: its fields and its non-zero storage words.
    #[derive(Clone, Debug, Default)]
    pub struct TestAccount {
        pub nonce: u64,
        pub balance: U256,
        pub code_hash: B256,
        pub storage: Vec<(B256, U256)>,
    }

    impl TestAccount {
        fn storage_leaves(&self) -> Vec<(B256, Vec<u8>)> {
            self.storage
                .iter()
                .filter(|(_, w)| !w.is_zero())
                .map(|(s, w)| (keccak256(s), alloy_rlp::encode(w)))
                .collect()
        }

        /// Its state-trie value.
        pub fn account(&self) -> Account {
            Account {
                nonce: self.nonce,
                balance: self.balance,
                storage_root: build_hashed_trie_proof(self.storage_leaves(), B256::ZERO).0,
                code_hash: self.code_hash,
            }
        }
    }

    /// The state of a few accounts, to build `eth_getProof`-shaped proofs without a node.
    #[derive(Clone, Debug, Default)]
    pub struct TestState {
        pub accounts: Vec<(Address, TestAccount)>,
    }

    /// A state proof as `eth_getProof` returns it (one storage key).
    #[derive(Clone, Debug)]
    pub struct StateProof {
        pub state_root: B256,
        pub account_proof: Vec<Bytes>,
        pub storage_proof: Vec<Bytes>,
    }

    impl TestState {
        /// The state root.
        pub fn root(&self) -> B256 {
            self.prove(Address::ZERO, B256::ZERO).state_root
        }

        /// The state root and the proofs of `slot` of `address` (either may be absent).
        pub fn prove(&self, address: Address, slot: B256) -> StateProof {
            let leaves = self.accounts.iter().map(|(a, acct)| (keccak256(a), acct.account().rlp())).collect();
            let (state_root, account_proof) = build_hashed_trie_proof(leaves, keccak256(address));
            let storage = self.accounts.iter().find(|(a, _)| *a == address).map(|(_, acct)| acct.storage_leaves());
            let (_, storage_proof) = build_hashed_trie_proof(storage.unwrap_or_default(), keccak256(slot));
            StateProof { state_root, account_proof, storage_proof }
        }
    }
}

#[cfg(feature = "prover")]
pub use prover::*;
