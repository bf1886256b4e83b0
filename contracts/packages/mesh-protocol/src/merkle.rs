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

/// The tree built one leaf at a time without keeping the leaves: the roots of its complete
/// subtrees, one per set bit of the leaf count, largest (leftmost) first. Adding a leaf merges
/// the subtrees it completes; the root folds them from the right, which is exactly
/// [`merkle_root`] of the leaves (an odd node carried up is a subtree waiting for its sibling).
/// The hub keeps one in its open batch, so closing a batch never reads its leaves back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MerkleFrontier {
    count: u64,
    nodes: Vec<B256>,
}

impl MerkleFrontier {
    /// A frontier of `count` leaves from its stored nodes; `None` unless there is one node per
    /// set bit of `count` (anything else is not a frontier).
    pub fn from_parts(count: u64, nodes: Vec<B256>) -> Option<Self> {
        (nodes.len() == count.count_ones() as usize).then_some(MerkleFrontier { count, nodes })
    }
    pub fn count(&self) -> u64 {
        self.count
    }
    pub fn nodes(&self) -> &[B256] {
        &self.nodes
    }
    /// Adds the next leaf.
    pub fn push(&mut self, leaf: B256) {
        let mut node = leaf;
        let mut below = self.count;
        // each trailing set bit is a complete subtree of the same size: merge and carry
        while below & 1 == 1 {
            let left = self.nodes.pop().expect("one node per set bit of the count");
            node = hash_pair(left, node);
            below >>= 1;
        }
        self.nodes.push(node);
        self.count += 1;
    }
    /// The root of the leaves pushed so far, `None` before the first.
    pub fn root(&self) -> Option<B256> {
        self.nodes.iter().rev().copied().reduce(|right, left| hash_pair(left, right))
    }
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
