//! The relayer's durable state: round-trips, the equivocation guard, persistence, and a
//! property test of the indexing bookkeeping against a model.

use std::collections::{BTreeMap, BTreeSet};

use mesh_hub_api::bundle_log::{ChainVm, EvmLocation, LockLocation, LockReport};
use mesh_protocol::{Hash32, B256};
use mesh_relayer::store::{leg_key, Pending, Store, StoreError};
use mesh_testkit::mocks::{db_path, temp_store};
use proptest::prelude::*;

const CHAIN_A: u64 = 1;
const CHAIN_B: u64 = 2;

/// A pending report of leg `leg` of bundle `[bundle; 32]`, found in `block` of `chain`.
fn pending(chain: u64, bundle: u8, leg: u32, block: u64) -> Pending {
    let bundle_id = [bundle; 32];
    Pending {
        key: leg_key(&bundle_id, leg),
        block,
        report: LockReport {
            proof: None,
            bundle_id: Hash32(B256::from(bundle_id)),
            leg_index: leg,
            leg_hash: Hash32(B256::repeat_byte(0x1e)),
            settle_deadline: 2_000_000_000,
            location: LockLocation::Evm(EvmLocation {
                chain_id: chain,
                block_number: block,
                block_hash: Hash32(B256::repeat_byte(block as u8)),
                block_timestamp: 1_700_000_000 + block,
                tx_hash: Hash32(B256::repeat_byte(0x7a)),
                tx_index: 0,
                log_index: 0,
            }),
        },
    }
}

fn keys(store: &Store) -> Vec<[u8; 36]> {
    store.pending().unwrap().into_iter().map(|p| p.key).collect()
}

#[test]
fn a_committed_range_moves_the_cursor_keeps_its_hashes_and_makes_its_reports_pending() {
    let (_dir, store) = temp_store();
    assert_eq!(store.cursor(CHAIN_A).unwrap(), None);
    let reports = [pending(CHAIN_A, 1, 0, 7), pending(CHAIN_A, 2, 0, 5)];
    let added = store.commit_range(CHAIN_A, 11, &[(10, [0xaa; 32]), (7, [0x77; 32])], &reports).unwrap();
    assert_eq!(added, 2);
    assert_eq!(store.cursor(CHAIN_A).unwrap(), Some(11));
    assert_eq!(store.cursor(CHAIN_B).unwrap(), None);
    assert_eq!(store.block_hash(CHAIN_A, 10).unwrap(), Some([0xaa; 32]));
    assert_eq!(store.block_hash(CHAIN_B, 10).unwrap(), None);
    assert_eq!(store.stored_blocks_below(CHAIN_A, 11).unwrap(), vec![(10, [0xaa; 32]), (7, [0x77; 32])]);
    assert_eq!(store.stored_blocks_below(CHAIN_A, 10).unwrap(), vec![(7, [0x77; 32])]);
    // oldest block first, reports round-trip intact
    assert_eq!(store.pending().unwrap(), vec![reports[1].clone(), reports[0].clone()]);
}

#[test]
fn commit_range_skips_reports_already_pending_or_done() {
    let (_dir, store) = temp_store();
    store.commit_range(CHAIN_A, 5, &[], &[pending(CHAIN_A, 1, 0, 3), pending(CHAIN_A, 2, 0, 4)]).unwrap();
    store.mark_done(&[leg_key(&[2; 32], 0)], 9).unwrap();
    // the same legs again (e.g. found in another block after a reorg) plus a new one
    let again = [pending(CHAIN_A, 1, 0, 6), pending(CHAIN_A, 2, 0, 6), pending(CHAIN_A, 3, 0, 6)];
    assert_eq!(store.commit_range(CHAIN_A, 8, &[], &again).unwrap(), 1);
    let p = store.pending().unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0], pending(CHAIN_A, 1, 0, 3), "the first sighting is kept");
    assert_eq!(p[1], pending(CHAIN_A, 3, 0, 6));
}

#[test]
fn rewind_drops_pending_reports_and_hashes_above_keep_only_for_that_chain() {
    let (_dir, store) = temp_store();
    let a = [pending(CHAIN_A, 1, 0, 4), pending(CHAIN_A, 2, 0, 5), pending(CHAIN_A, 3, 0, 9)];
    store.commit_range(CHAIN_A, 10, &[(4, [4; 32]), (5, [5; 32]), (9, [9; 32])], &a).unwrap();
    let b = [pending(CHAIN_B, 4, 1, 9)];
    store.commit_range(CHAIN_B, 10, &[(9, [9; 32])], &b).unwrap();

    assert_eq!(store.rewind(CHAIN_A, &evm(CHAIN_A), 4).unwrap(), 2);
    assert_eq!(store.cursor(CHAIN_A).unwrap(), Some(5));
    assert_eq!(store.stored_blocks_below(CHAIN_A, u64::MAX).unwrap(), vec![(4, [4; 32])]);
    assert_eq!(keys(&store), vec![a[0].key, b[0].key]);
    // the other chain is untouched
    assert_eq!(store.cursor(CHAIN_B).unwrap(), Some(10));
    assert_eq!(store.block_hash(CHAIN_B, 9).unwrap(), Some([9; 32]));
}

#[test]
fn rewind_does_not_touch_reports_already_done() {
    let (_dir, store) = temp_store();
    let p = pending(CHAIN_A, 1, 0, 8);
    store.commit_range(CHAIN_A, 10, &[(9, [9; 32])], std::slice::from_ref(&p)).unwrap();
    store.mark_done(&[p.key], 3).unwrap();
    assert_eq!(store.rewind(CHAIN_A, &evm(CHAIN_A), 2).unwrap(), 0);
    assert!(store.is_done(&p.key).unwrap());
}

#[test]
fn mark_done_moves_reports_from_pending_to_done_and_drop_pending_forgets_them() {
    let (_dir, store) = temp_store();
    let (p1, p2, p3) = (pending(CHAIN_A, 1, 0, 1), pending(CHAIN_A, 2, 0, 2), pending(CHAIN_A, 3, 0, 3));
    store.commit_range(CHAIN_A, 4, &[], &[p1.clone(), p2.clone(), p3.clone()]).unwrap();
    store.mark_done(&[p1.key, p2.key], 12).unwrap();
    assert_eq!(keys(&store), vec![p3.key]);
    assert!(store.is_done(&p1.key).unwrap() && store.is_done(&p2.key).unwrap());
    assert!(!store.is_done(&p3.key).unwrap());

    store.drop_pending(&[p3.key]).unwrap();
    assert!(store.pending().unwrap().is_empty());
    assert!(!store.is_done(&p3.key).unwrap(), "dropped is not done: the leg may be reported later");

    store.forget_done(&p1.key).unwrap();
    assert!(!store.is_done(&p1.key).unwrap());
    assert_eq!(store.commit_range(CHAIN_A, 5, &[], &[p1]).unwrap(), 1, "a forgotten leg can be reported again");
}

#[test]
fn the_equivocation_guard_refuses_a_second_root_for_a_batch_slot_but_not_the_same_root() {
    let (_dir, store) = temp_store();
    store.record_batch_signature(1, 0, [0xaa; 32]).unwrap();
    store.record_batch_signature(1, 0, [0xaa; 32]).unwrap();
    let err = store.record_batch_signature(1, 0, [0xbb; 32]).unwrap_err();
    match err {
        StoreError::WouldEquivocate { epoch, batch, signed, new } => {
            assert_eq!((epoch, batch), (1, 0));
            assert_eq!(signed, format!("0x{}", "aa".repeat(32)));
            assert_eq!(new, format!("0x{}", "bb".repeat(32)));
        }
        other => panic!("expected WouldEquivocate, got {other}"),
    }
    // other slots are independent: another batch index, or the same index in another epoch
    store.record_batch_signature(1, 1, [0xbb; 32]).unwrap();
    store.record_batch_signature(2, 0, [0xbb; 32]).unwrap();
    // the refused root did not replace the signed one
    store.record_batch_signature(1, 0, [0xaa; 32]).unwrap();

    store.record_update_signature(3, [0x01; 32]).unwrap();
    store.record_update_signature(3, [0x01; 32]).unwrap();
    assert!(matches!(store.record_update_signature(3, [0x02; 32]), Err(StoreError::WouldEquivocate { .. })));
    store.record_update_signature(4, [0x02; 32]).unwrap();
}

#[test]
fn everything_survives_closing_and_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let (p1, p2) = (pending(CHAIN_A, 1, 0, 3), pending(CHAIN_B, 2, 1, 4));
    {
        let store = Store::open(&path).unwrap();
        store.commit_range(CHAIN_A, 6, &[(5, [5; 32])], std::slice::from_ref(&p1)).unwrap();
        store.commit_range(CHAIN_B, 9, &[(8, [8; 32])], &[p2.clone(), pending(CHAIN_B, 3, 1, 4)]).unwrap();
        store.mark_done(&[leg_key(&[3; 32], 1)], 77).unwrap();
        store.record_batch_signature(1, 0, [0xaa; 32]).unwrap();
        store.record_update_signature(2, [0xcc; 32]).unwrap();
        store.mark_posted(CHAIN_A, 0).unwrap();
        store.mark_checked(41, 1).unwrap();
        store.set_counter("disputer.log_next", 42).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.cursor(CHAIN_A).unwrap(), Some(6));
    assert_eq!(store.cursor(CHAIN_B).unwrap(), Some(9));
    assert_eq!(store.block_hash(CHAIN_A, 5).unwrap(), Some([5; 32]));
    assert_eq!(store.block_hash(CHAIN_B, 8).unwrap(), Some([8; 32]));
    assert_eq!(store.pending().unwrap(), vec![p1, p2]);
    assert!(store.is_done(&leg_key(&[3; 32], 1)).unwrap());
    assert!(store.record_batch_signature(1, 0, [0xbb; 32]).is_err(), "the guard survives a restart");
    assert!(store.record_update_signature(2, [0xdd; 32]).is_err());
    assert!(store.is_posted(CHAIN_A, 0).unwrap());
    assert!(!store.is_posted(CHAIN_B, 0).unwrap());
    assert_eq!(store.checked_report(41).unwrap(), Some(1));
    assert_eq!(store.checked_report(40).unwrap(), None);
    assert_eq!(store.counter("disputer.log_next").unwrap(), 42);
    assert_eq!(store.counter("unknown").unwrap(), 0);
}

// ----------------------------------------------------------------------------- property test

/// One step of the model: what a reporter does to the store.
#[derive(Clone, Debug)]
enum Op {
    /// Index `len` more blocks of a chain, finding locks of these bundles at these offsets.
    Commit { chain: usize, len: u64, locks: Vec<(u8, u64)>, hash_seed: u8 },
    /// A reorg: keep blocks up to `back` below the cursor's last indexed block.
    Rewind { chain: usize, back: u64 },
    /// The hub has reports for these legs.
    MarkDone { legs: Vec<(u8, usize)> },
    /// Close and reopen the database (a restart).
    Reopen,
}

const CHAINS: [u64; 2] = [CHAIN_A, CHAIN_B];
const BUNDLES: u8 = 4;

/// Leg `chain` of bundle `b` lives on `CHAINS[chain]`, so every key belongs to one chain.
fn model_key(b: u8, chain: usize) -> [u8; 36] {
    leg_key(&[b; 32], chain as u32)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, 1..12u64, prop::collection::vec((0..BUNDLES, 0..12u64), 0..4), any::<u8>())
            .prop_map(|(chain, len, locks, hash_seed)| Op::Commit { chain, len, locks, hash_seed }),
        2 => (0..2usize, 0..15u64).prop_map(|(chain, back)| Op::Rewind { chain, back }),
        2 => prop::collection::vec((0..BUNDLES, 0..2usize), 0..4).prop_map(|legs| Op::MarkDone { legs }),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Default)]
struct Model {
    cursor: BTreeMap<u64, u64>,
    hashes: BTreeMap<(u64, u64), [u8; 32]>,
    /// key → (chain, block)
    pending: BTreeMap<[u8; 36], (u64, u64)>,
    done: BTreeSet<[u8; 36]>,
}

fn check(store: &Store, m: &Model) {
    let pending = store.pending().unwrap();
    let got: BTreeMap<[u8; 36], (u64, u64)> = pending.iter().map(|p| (p.key, (chain_of(&p.report), p.block))).collect();
    assert_eq!(got.len(), pending.len(), "a key is pending twice");
    assert_eq!(got, m.pending);
    let order: Vec<(u64, u64)> = pending.iter().map(|p| (chain_of(&p.report), p.block)).collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "pending is ordered by chain and block: {order:?}");
    for b in 0..BUNDLES {
        for c in 0..2 {
            let k = model_key(b, c);
            let done = store.is_done(&k).unwrap();
            assert_eq!(done, m.done.contains(&k));
            assert!(!(done && got.contains_key(&k)), "a key is both pending and done");
        }
    }
    for chain in CHAINS {
        assert_eq!(store.cursor(chain).unwrap(), m.cursor.get(&chain).copied());
        let stored = store.stored_blocks_below(chain, u64::MAX).unwrap();
        let want: Vec<(u64, [u8; 32])> =
            m.hashes.range((chain, 0)..=(chain, u64::MAX)).rev().map(|((_, n), h)| (*n, *h)).collect();
        assert_eq!(stored, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_store_follows_its_model_through_commits_rewinds_done_marks_and_restarts(
        ops in prop::collection::vec(op(), 1..24)
    ) {
        // in memory when the machine has a tmpfs: every commit of the store is fsynced
        let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap();
        let path = db_path(dir.path());
        let mut store = Some(Store::open(&path).unwrap());
        let mut m = Model::default();
        for op in ops {
            let s = store.as_ref().unwrap();
            match op {
                Op::Commit { chain, len, locks, hash_seed } => {
                    let id = CHAINS[chain];
                    let from = m.cursor.get(&id).copied().unwrap_or(1);
                    let next = from + len;
                    let mut hashes = vec![(next - 1, [hash_seed; 32])];
                    let mut reports = Vec::new();
                    let mut added = 0;
                    for (b, off) in locks {
                        let block = from + off % len;
                        hashes.push((block, [hash_seed ^ 0x5a; 32]));
                        let p = pending(id, b, chain as u32, block);
                        if !m.done.contains(&p.key) && !m.pending.contains_key(&p.key) {
                            m.pending.insert(p.key, (id, block));
                            added += 1;
                        }
                        reports.push(p);
                    }
                    for (n, h) in &hashes {
                        m.hashes.insert((id, *n), *h);
                    }
                    m.cursor.insert(id, next);
                    prop_assert_eq!(s.commit_range(id, next, &hashes, &reports).unwrap(), added);
                }
                Op::Rewind { chain, back } => {
                    let id = CHAINS[chain];
                    let cursor = m.cursor.get(&id).copied().unwrap_or(1);
                    let keep = cursor.saturating_sub(1 + back);
                    let before = m.pending.len();
                    m.pending.retain(|_, (c, block)| *c != id || *block <= keep);
                    m.hashes.retain(|(c, n), _| *c != id || *n <= keep);
                    m.cursor.insert(id, keep + 1);
                    prop_assert_eq!(s.rewind(id, &evm(id), keep).unwrap(), before - m.pending.len());
                }
                Op::MarkDone { legs } => {
                    let ks: Vec<[u8; 36]> = legs.iter().map(|(b, c)| model_key(*b, *c)).collect();
                    for k in &ks {
                        m.pending.remove(k);
                        m.done.insert(*k);
                    }
                    s.mark_done(&ks, 1).unwrap();
                }
                Op::Reopen => {
                    drop(store.take());
                    store = Some(Store::open(&path).unwrap());
                }
            }
            check(store.as_ref().unwrap(), &m);
        }
    }
}

/// Store keys and EVM chain ids coincide in these tests (as mock chains' domains do).
fn evm(chain_id: u64) -> ChainVm {
    ChainVm::Evm { chain_id }
}

fn chain_of(r: &LockReport) -> u64 {
    r.location.as_evm().expect("an EVM location").chain_id
}
