//! The batch Merkle tree over settlement leaves.
//!
//! * leaves stay in batch order (the order the hub finalised them);
//! * a pair hashes as `keccak256(min(a, b) ‖ max(a, b))` (commutative, as OpenZeppelin's
//!   `MerkleProof`), so a proof is just the list of siblings;
//! * an odd node at the end of a level is carried up unchanged (no duplication);
//! * one leaf: the root is the leaf and the proof is empty; no leaves: no root.
//!
//! Leaves are 32-byte hashes of 96-byte preimages and inner nodes hashes of 64-byte ones, so an
//! inner node cannot be passed off as a leaf.

use alloy_primitives::{keccak256, B256};

/// Commutative pair hash.
pub fn hash_pair(a: B256, b: B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(lo.as_slice());
    buf[32..].copy_from_slice(hi.as_slice());
    keccak256(buf)
}

fn next_level(level: &[B256]) -> Vec<B256> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [a, b] => hash_pair(*a, *b),
            [a] => *a,
            _ => unreachable!("chunks(2) yields one or two items"),
        })
        .collect()
}

/// Root of the tree over `leaves`, `None` for an empty batch.
pub fn merkle_root(leaves: &[B256]) -> Option<B256> {
    if leaves.is_empty() {
        return None;
    }
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = next_level(&level);
    }
    Some(level[0])
}

/// Siblings from the leaf up to the root, `None` when `index` is out of range.
pub fn merkle_proof(leaves: &[B256], index: usize) -> Option<Vec<B256>> {
    if index >= leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    let mut level = leaves.to_vec();
    let mut i = index;
    while level.len() > 1 {
        let sibling = i ^ 1;
        if sibling < level.len() {
            proof.push(level[sibling]);
        }
        level = next_level(&level);
        i /= 2;
    }
    Some(proof)
}

/// Recomputes the root from `leaf` and `proof`.
pub fn process_proof(leaf: B256, proof: &[B256]) -> B256 {
    proof.iter().fold(leaf, |acc, sibling| hash_pair(acc, *sibling))
}

/// True when `proof` places `leaf` under `root`.
pub fn verify_merkle_proof(root: B256, leaf: B256, proof: &[B256]) -> bool {
    process_proof(leaf, proof) == root
}
