//! The multiproof of `MeshRouter.settleMultiproof`: several leaves of one batch tree proven by
//! one list of missing siblings, level by level from the leaves up, left to right
//! (docs/protocol.md section 9). Exact: bounded leaf count, every index below it and ascending,
//! every proof element consumed, one root.

use mesh_hub_api::router_cw::MultiItem;
use mesh_protocol::eip712::settlement_leaf;
use mesh_protocol::merkle::hash_pair;
use mesh_protocol::{Hash32, B256, MAX_LEGS};

use crate::error::ContractError;

/// The hub's largest batch (`mesh_hub_api::bundle_log::MAX_BATCH_SIZE_CAP`).
pub const MAX_BATCH_SIZE: u32 = mesh_hub_api::bundle_log::MAX_BATCH_SIZE_CAP;

/// Root of the batch tree of `leaf_count` leaves from the items' leaves and the missing
/// siblings in `proof`.
pub fn multiproof_root(leaf_count: u32, items: &[MultiItem], proof: &[Hash32]) -> Result<B256, ContractError> {
    if leaf_count == 0 || leaf_count > MAX_BATCH_SIZE {
        return Err(ContractError::LeafCountOutOfRange { leaf_count });
    }
    let max = leaf_count as usize * MAX_LEGS;
    if items.len() > max {
        return Err(ContractError::TooManyItems { count: items.len(), max });
    }
    let mut pos: Vec<u32> = Vec::with_capacity(items.len());
    let mut node: Vec<B256> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let p = item.leaf_index;
        if p >= leaf_count {
            return Err(ContractError::LeafIndexOutOfRange { leaf_index: p, leaf_count });
        }
        let leaf = settlement_leaf(item.bundle_id.0, item.verdict);
        if let (Some(&last), Some(&last_leaf)) = (pos.last(), node.last()) {
            if p <= last {
                // Legs of one bundle share its leaf; anything else must ascend.
                if p != last || leaf != last_leaf {
                    return Err(ContractError::LeavesNotAscending { item: i });
                }
                continue;
            }
        }
        pos.push(p);
        node.push(leaf);
    }
    let mut size = leaf_count;
    let mut next = 0usize;
    while size > 1 {
        let mut up_pos = Vec::with_capacity(pos.len());
        let mut up_node = Vec::with_capacity(node.len());
        let mut j = 0;
        while j < pos.len() {
            let p = pos[j];
            let mut h = node[j];
            let even = p.is_multiple_of(2);
            if even && p + 1 >= size {
                // The odd last node of the level is carried up unchanged.
            } else {
                let sibling = if even && j + 1 < pos.len() && pos[j + 1] == p + 1 {
                    j += 1;
                    node[j]
                } else {
                    let s = proof.get(next).ok_or(ContractError::MultiproofTooShort)?;
                    next += 1;
                    s.0
                };
                h = hash_pair(h, sibling);
            }
            up_pos.push(p / 2);
            up_node.push(h);
            j += 1;
        }
        pos = up_pos;
        node = up_node;
        size = size.div_ceil(2);
    }
    if next != proof.len() {
        return Err(ContractError::MultiproofTooLong { extra: proof.len() - next });
    }
    if node.len() != 1 {
        return Err(ContractError::MultiproofNotSingleRoot { nodes: node.len() });
    }
    Ok(node[0])
}
