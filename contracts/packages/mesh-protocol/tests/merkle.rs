use mesh_protocol::merkle::*;
use mesh_protocol::{keccak256, B256};
use proptest::prelude::*;

fn leaves(n: usize) -> Vec<B256> {
    (0..n).map(|i| keccak256((i as u64).to_be_bytes())).collect()
}

/// Reference: recursive split at the largest power of two below n mirrors "odd node carried up".
fn naive_root(level: Vec<B256>) -> B256 {
    if level.len() == 1 {
        return level[0];
    }
    let next: Vec<B256> = level.chunks(2).map(|c| if c.len() == 2 { hash_pair(c[0], c[1]) } else { c[0] }).collect();
    naive_root(next)
}

#[test]
fn empty_batch_has_no_root_and_one_leaf_is_its_own_root() {
    assert_eq!(merkle_root(&[]), None);
    let l = leaves(1);
    assert_eq!(merkle_root(&l), Some(l[0]));
    assert_eq!(merkle_proof(&l, 0), Some(vec![]));
    assert_eq!(merkle_proof(&l, 1), None);
}

#[test]
fn three_leaves_carry_the_odd_one_up() {
    let l = leaves(3);
    let root = hash_pair(hash_pair(l[0], l[1]), l[2]);
    assert_eq!(merkle_root(&l), Some(root));
    assert_eq!(merkle_proof(&l, 2), Some(vec![hash_pair(l[0], l[1])]));
    assert_eq!(merkle_proof(&l, 0), Some(vec![l[1], l[2]]));
}

#[test]
fn pair_hashing_is_commutative_and_sorted() {
    let (a, b) = (keccak256("a"), keccak256("b"));
    assert_eq!(hash_pair(a, b), hash_pair(b, a));
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    assert_eq!(hash_pair(a, b), keccak256([lo.as_slice(), hi.as_slice()].concat()));
}

#[test]
fn a_frontier_is_only_rebuilt_from_one_node_per_set_bit_of_its_count() {
    assert_eq!(MerkleFrontier::from_parts(0, vec![]), Some(MerkleFrontier::default()));
    assert!(MerkleFrontier::from_parts(7, leaves(3)).is_some());
    assert!(MerkleFrontier::from_parts(7, leaves(2)).is_none());
    assert!(MerkleFrontier::from_parts(8, leaves(2)).is_none());
    assert!(MerkleFrontier::from_parts(u64::MAX, leaves(63)).is_none());
    assert_eq!(MerkleFrontier::default().root(), None);
}

proptest! {
    #[test]
    fn a_frontier_built_leaf_by_leaf_has_the_root_of_all_its_leaves(n in 1usize..300, seed in any::<u64>()) {
        let l: Vec<B256> = (0..n).map(|i| keccak256([seed.to_be_bytes(), (i as u64).to_be_bytes()].concat())).collect();
        let mut f = MerkleFrontier::default();
        for (i, leaf) in l.iter().enumerate() {
            f.push(*leaf);
            prop_assert_eq!(f.root(), merkle_root(&l[..=i]), "after {} leaves", i + 1);
            // what a stored frontier reads back as goes on the same way
            f = MerkleFrontier::from_parts(f.count(), f.nodes().to_vec()).unwrap();
        }
        prop_assert_eq!(f.count(), n as u64);
        prop_assert_eq!(f.nodes().len(), n.count_ones() as usize);
    }

    #[test]
    fn every_proof_verifies_and_tampering_fails(n in 1usize..200, pick in any::<prop::sample::Index>(), bit in 0usize..256) {
        let l = leaves(n);
        let root = merkle_root(&l).unwrap();
        prop_assert_eq!(root, naive_root(l.clone()));
        let i = pick.index(n);
        let proof = merkle_proof(&l, i).unwrap();
        prop_assert!(proof.len() <= 8);
        prop_assert!(verify_merkle_proof(root, l[i], &proof));

        let mut bad_leaf = l[i];
        bad_leaf.0[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(!verify_merkle_proof(root, bad_leaf, &proof));
        if !proof.is_empty() {
            let mut bad = proof.clone();
            bad[0].0[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(!verify_merkle_proof(root, l[i], &bad));
            prop_assert!(!verify_merkle_proof(root, l[i], &proof[..proof.len() - 1]));
        }
        let outsider = keccak256("not in the batch");
        prop_assert!(!verify_merkle_proof(root, outsider, &proof));
    }
}
