//! `Settle`, `SettleMany`, `SettleBatch`, `SettleMultiproof`, `RefundExpired`: the time rule
//! (COMMIT while now < settle deadline + grace, ABORT any time, refund from then on), each leg
//! ends once, and the batch helpers' skip reasons.

use cosmwasm_std::Uint256;
use cw_multi_test::Executor;
use mesh_hub_api::router_cw::{ExecuteMsg, LegStatus, MultiItem};
use mesh_protocol::eip712::settlement_leaf;
use mesh_protocol::merkle::{hash_pair, merkle_root};
use mesh_protocol::{Hash32, Verdict};
use mesh_router_cw::ContractError;

use crate::harness::*;

/// Alice locks 1000 inj for Bob; returns the bundle id and settle deadline.
fn locked(w: &mut World) -> (Hash32, u64) {
    let bundle = w.simple_bundle();
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    (w.id(&bundle), bundle.settle_deadline)
}

#[test]
fn a_commit_pays_the_recipient_and_ends_the_leg() {
    let mut w = World::new();
    let (id, _) = locked(&mut w);
    let r = w.settle_alone(id, 0, Verdict::Commit).unwrap();
    assert_eq!(w.bank_balance(&w.bob, DENOM), INITIAL + 1000);
    assert_eq!(w.bank_balance(&w.router, DENOM), 0);
    assert_eq!(w.status(id, 0), LegStatus::Committed);
    let ev = events(&r, "mesh_leg_settled");
    assert_eq!((attr(ev[0], "bundle_id"), attr(ev[0], "verdict")), (id.to_string().as_str(), "commit"));
}

#[test]
fn an_abort_refunds_the_depositor_even_after_the_settle_deadline() {
    let mut w = World::new();
    let (id, deadline) = locked(&mut w);
    w.warp(deadline + GRACE * 10);
    w.settle_alone(id, 0, Verdict::Abort).unwrap();
    assert_eq!(w.bank_balance(&w.alice, DENOM), INITIAL);
    assert_eq!(w.status(id, 0), LegStatus::Aborted);
}

#[test]
fn a_commit_applies_from_the_settle_deadline_until_the_grace_ends() {
    let mut w = World::new();
    let (id, deadline) = locked(&mut w);
    w.warp(deadline + GRACE - 1);
    w.settle_alone(id, 0, Verdict::Commit).unwrap();
    assert_eq!(w.status(id, 0), LegStatus::Committed);
}

#[test]
fn a_commit_once_refunds_opened_is_refused_as_settlement_expired() {
    let mut w = World::new();
    let (id, deadline) = locked(&mut w);
    w.warp(deadline + GRACE);
    assert_refused(
        w.settle_alone(id, 0, Verdict::Commit),
        ContractError::SettlementExpired { refund_opens_at: deadline + GRACE, now: deadline + GRACE },
    );
    assert_eq!(w.status(id, 0), LegStatus::Locked);
}

#[test]
fn a_settle_is_open_to_anyone_with_a_proof_in_a_larger_batch() {
    let mut w = World::new();
    let (id, _) = locked(&mut w);
    let leaves = vec![
        settlement_leaf([1u8; 32].into(), Verdict::Commit),
        settlement_leaf(id.0, Verdict::Commit),
        settlement_leaf([2u8; 32].into(), Verdict::Abort),
    ];
    let root = w.verified_root(&leaves);
    let item = items(&leaves, &[(id, 0, Verdict::Commit)]).remove(0);
    w.try_settle(id, 0, Verdict::Commit, root, item.proof).unwrap();
    assert_eq!(w.bank_balance(&w.bob, DENOM), INITIAL + 1000);
}

#[test]
fn a_settle_under_an_unverified_root_is_refused() {
    let mut w = World::new();
    let (id, _) = locked(&mut w);
    let root = Hash32(settlement_leaf(id.0, Verdict::Commit));
    assert_refused(w.try_settle(id, 0, Verdict::Commit, root, vec![]), ContractError::RootNotVerified { root });
}

#[test]
fn a_settle_with_the_other_verdict_than_the_root_holds_is_refused() {
    let mut w = World::new();
    let (id, _) = locked(&mut w);
    let root = w.verified_root(&[settlement_leaf(id.0, Verdict::Abort)]);
    assert_refused(
        w.try_settle(id, 0, Verdict::Commit, root, vec![]),
        ContractError::InvalidProof { bundle_id: id, verdict: Verdict::Commit, root },
    );
}

#[test]
fn a_settle_with_the_proof_of_another_bundle_is_refused() {
    let mut w = World::new();
    let (id, _) = locked(&mut w);
    let other = Hash32([9u8; 32].into());
    let leaves = vec![settlement_leaf(other.0, Verdict::Commit), settlement_leaf([8u8; 32].into(), Verdict::Commit)];
    let root = w.verified_root(&leaves);
    let proof = items(&leaves, &[(other, 0, Verdict::Commit)]).remove(0).proof;
    assert_refused(
        w.try_settle(id, 0, Verdict::Commit, root, proof),
        ContractError::InvalidProof { bundle_id: id, verdict: Verdict::Commit, root },
    );
}

#[test]
fn a_settle_presenting_an_inner_node_as_a_leaf_is_refused() {
    let mut w = World::new();
    let leaves: Vec<_> = (1u8..=4).map(|i| settlement_leaf([i; 32].into(), Verdict::Commit)).collect();
    let root = w.verified_root(&leaves);
    let inner = Hash32(hash_pair(leaves[0], leaves[1]));
    let sibling = Hash32(hash_pair(leaves[2], leaves[3]));
    // The inner node is no bundle's leaf: whatever id is claimed, its leaf differs.
    assert_refused(
        w.try_settle(inner, 0, Verdict::Commit, root, vec![sibling]),
        ContractError::InvalidProof { bundle_id: inner, verdict: Verdict::Commit, root },
    );
}

#[test]
fn a_settle_of_a_leg_never_locked_is_refused() {
    let mut w = World::new();
    let id = Hash32([3u8; 32].into());
    assert_refused(
        w.settle_alone(id, 0, Verdict::Abort),
        ContractError::LegNotLocked { bundle_id: id, index: 0, status: LegStatus::None },
    );
}

#[test]
fn a_second_settle_of_one_leg_is_refused() {
    let mut w = World::new();
    let (id, _) = locked(&mut w);
    let root = w.verified_root(&[settlement_leaf(id.0, Verdict::Commit)]);
    w.try_settle(id, 0, Verdict::Commit, root, vec![]).unwrap();
    assert_refused(
        w.try_settle(id, 0, Verdict::Commit, root, vec![]),
        ContractError::LegNotLocked { bundle_id: id, index: 0, status: LegStatus::Committed },
    );
}

#[test]
fn a_settle_whose_cw20_transfer_fails_reverts_and_leaves_the_leg_locked() {
    let mut w = World::new();
    let (alice, bob) = (w.alice.clone(), w.bob.clone());
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let bundle = w.bundle(vec![leg]);
    let id = w.id(&bundle);
    w.try_lock_cw20(&alice, &bundle, 0, 500).unwrap();
    block(&mut w, &bob);
    assert!(refusal(w.settle_alone(id, 0, Verdict::Commit)).contains("blocked"));
    assert_eq!(w.status(id, 0), LegStatus::Locked);
    // The leg is not stuck: the ABORT refunds Alice.
    w.settle_alone(id, 0, Verdict::Abort).unwrap();
    assert_eq!(w.cw20_balance(&alice), INITIAL);
}

fn block(w: &mut World, who: &cosmwasm_std::Addr) {
    let cw20 = w.cw20.clone();
    let carol = w.carol.clone();
    let msg = crate::cw20_mock::ExtraMsg::Block { address: who.to_string() };
    w.app.execute_contract(carol, cw20, &msg, &[]).unwrap();
}

#[test]
fn settle_many_settles_every_leg_of_the_batch() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let (b, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit), settlement_leaf(b.0, Verdict::Abort)];
    let root = w.verified_root(&leaves);
    let items = items(&leaves, &[(a, 0, Verdict::Commit), (b, 0, Verdict::Abort)]);
    let carol = w.carol.clone();
    let r = w.exec(&carol, &ExecuteMsg::SettleMany { batch_root: root, items }, &[]).unwrap();
    assert_eq!(events(&r, "mesh_leg_settled").len(), 2);
    assert_eq!((w.status(a, 0), w.status(b, 0)), (LegStatus::Committed, LegStatus::Aborted));
    assert_eq!(w.bank_balance(&w.bob, DENOM), INITIAL + 1000);
    assert_eq!(w.bank_balance(&w.alice, DENOM), INITIAL - 1000);
}

#[test]
fn settle_many_skips_ended_and_unknown_legs_as_not_locked() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit)];
    let root = w.verified_root(&leaves);
    w.try_settle(a, 0, Verdict::Commit, root, vec![]).unwrap();
    let items = items(&leaves, &[(a, 0, Verdict::Commit), (a, 5, Verdict::Commit)]);
    let carol = w.carol.clone();
    let r = w.exec(&carol, &ExecuteMsg::SettleMany { batch_root: root, items }, &[]).unwrap();
    let skipped = events(&r, "mesh_settlement_skipped");
    assert_eq!(skipped.iter().map(|e| attr(e, "reason")).collect::<Vec<_>>(), ["not_locked", "not_locked"]);
    assert!(events(&r, "mesh_leg_settled").is_empty());
}

#[test]
fn settle_many_skips_a_commit_once_refunds_opened_as_expired() {
    let mut w = World::new();
    let (a, deadline) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit)];
    let root = w.verified_root(&leaves);
    w.warp(deadline + GRACE);
    let carol = w.carol.clone();
    let r = w
        .exec(
            &carol,
            &ExecuteMsg::SettleMany { batch_root: root, items: items(&leaves, &[(a, 0, Verdict::Commit)]) },
            &[],
        )
        .unwrap();
    assert_eq!(attr(events(&r, "mesh_settlement_skipped")[0], "reason"), "expired");
    assert_eq!(w.status(a, 0), LegStatus::Locked);
    w.try_refund(a, 0).unwrap();
}

#[test]
fn settle_many_skips_a_failed_transfer_and_puts_the_leg_back_to_locked() {
    let mut w = World::new();
    let (alice, bob) = (w.alice.clone(), w.bob.clone());
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let bundle = w.bundle(vec![leg]);
    let c = w.id(&bundle);
    w.try_lock_cw20(&alice, &bundle, 0, 500).unwrap();
    let (a, _) = locked(&mut w);
    block(&mut w, &bob);
    let leaves = vec![settlement_leaf(c.0, Verdict::Commit), settlement_leaf(a.0, Verdict::Commit)];
    let root = w.verified_root(&leaves);
    let carol = w.carol.clone();
    let its = items(&leaves, &[(c, 0, Verdict::Commit), (a, 0, Verdict::Commit)]);
    let r = w.exec(&carol, &ExecuteMsg::SettleMany { batch_root: root, items: its }, &[]).unwrap();
    let skipped = events(&r, "mesh_settlement_skipped");
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        (attr(skipped[0], "bundle_id"), attr(skipped[0], "reason")),
        (c.to_string().as_str(), "transfer_failed")
    );
    assert_eq!(events(&r, "mesh_leg_settled").len(), 1, "the bank leg still settled");
    assert_eq!(w.status(c, 0), LegStatus::Locked);
    assert_eq!(w.status(a, 0), LegStatus::Committed);
    assert_eq!(w.cw20_balance(&w.router), 500, "the cw20 stays escrowed");
    // Unblocked, the same COMMIT settles it.
    let cw20 = w.cw20.clone();
    w.app
        .execute_contract(carol, cw20, &crate::cw20_mock::ExtraMsg::Unblock { address: bob.to_string() }, &[])
        .unwrap();
    let proof = items(&leaves, &[(c, 0, Verdict::Commit)]).remove(0).proof;
    w.try_settle(c, 0, Verdict::Commit, root, proof).unwrap();
    assert_eq!(w.cw20_balance(&bob), INITIAL + 500);
}

#[test]
fn settle_many_without_items_is_refused() {
    let mut w = World::new();
    let carol = w.carol.clone();
    assert_refused(
        w.exec(&carol, &ExecuteMsg::SettleMany { batch_root: Hash32([1; 32].into()), items: vec![] }, &[]),
        ContractError::NoItems,
    );
}

#[test]
fn settle_many_under_an_unverified_root_is_refused() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit)];
    let root = Hash32(merkle_root(&leaves).unwrap());
    let carol = w.carol.clone();
    assert_refused(
        w.exec(
            &carol,
            &ExecuteMsg::SettleMany { batch_root: root, items: items(&leaves, &[(a, 0, Verdict::Commit)]) },
            &[],
        ),
        ContractError::RootNotVerified { root },
    );
}

#[test]
fn settle_many_with_one_bad_proof_is_refused_whole() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let (b, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit), settlement_leaf(b.0, Verdict::Commit)];
    let root = w.verified_root(&leaves);
    let mut its = items(&leaves, &[(a, 0, Verdict::Commit), (b, 0, Verdict::Commit)]);
    its[1].verdict = Verdict::Abort;
    let carol = w.carol.clone();
    assert_refused(
        w.exec(&carol, &ExecuteMsg::SettleMany { batch_root: root, items: its }, &[]),
        ContractError::InvalidProof { bundle_id: b, verdict: Verdict::Abort, root },
    );
    assert_eq!(w.status(a, 0), LegStatus::Locked);
}

#[test]
fn settle_batch_verifies_the_root_in_place_and_settles() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit)];
    let root = Hash32(merkle_root(&leaves).unwrap());
    let signatures = w.sign_batch(&[0, 1, 2], 1, 42, root);
    let carol = w.carol.clone();
    let msg = ExecuteMsg::SettleBatch {
        epoch: 1,
        batch_index: 42,
        root,
        signatures,
        items: items(&leaves, &[(a, 0, Verdict::Commit)]),
    };
    let r = w.exec(&carol, &msg, &[]).unwrap();
    assert_eq!(events(&r, "mesh_batch_verified").len(), 1);
    assert_eq!(w.status(a, 0), LegStatus::Committed);
    assert!(w.is_verified(root), "the Router caches a root verified in place");
}

#[test]
fn settle_batch_of_a_verified_root_needs_no_valid_signatures() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Abort)];
    let root = w.verified_root(&leaves);
    let carol = w.carol.clone();
    let msg = ExecuteMsg::SettleBatch {
        epoch: 1,
        batch_index: 0,
        root,
        signatures: vec![],
        items: items(&leaves, &[(a, 0, Verdict::Abort)]),
    };
    w.exec(&carol, &msg, &[]).unwrap();
    assert_eq!(w.status(a, 0), LegStatus::Aborted);
}

#[test]
fn settle_batch_below_the_threshold_is_refused() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit)];
    let root = Hash32(merkle_root(&leaves).unwrap());
    let signatures = w.sign_batch(&[0, 1], 1, 1, root);
    let carol = w.carol.clone();
    let msg = ExecuteMsg::SettleBatch {
        epoch: 1,
        batch_index: 1,
        root,
        signatures,
        items: items(&leaves, &[(a, 0, Verdict::Commit)]),
    };
    assert_refused(
        w.exec(&carol, &msg, &[]),
        ContractError::InsufficientWeight { weight: 201u128.into(), threshold: 271u128.into() },
    );
}

#[test]
fn settle_batch_signed_for_another_batch_index_is_refused() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let leaves = vec![settlement_leaf(a.0, Verdict::Commit)];
    let root = Hash32(merkle_root(&leaves).unwrap());
    let signatures = w.sign_batch(&[0, 1, 2], 1, 1, root);
    let carol = w.carol.clone();
    let msg = ExecuteMsg::SettleBatch {
        epoch: 1,
        batch_index: 2,
        root,
        signatures,
        items: items(&leaves, &[(a, 0, Verdict::Commit)]),
    };
    assert_eq!(signature_refusal(&refusal(w.exec(&carol, &msg, &[]))), ("NotASigner", 0));
}

#[test]
fn settle_batch_of_the_zero_root_or_without_items_is_refused() {
    let mut w = World::new();
    let carol = w.carol.clone();
    let zero = ExecuteMsg::SettleBatch {
        epoch: 1,
        batch_index: 0,
        root: Hash32::default(),
        signatures: vec![],
        items: items(&[], &[]),
    };
    // No items is checked first, as on EVM.
    assert_refused(w.exec(&carol, &zero, &[]), ContractError::NoItems);
    let leaves = vec![settlement_leaf([1; 32].into(), Verdict::Commit)];
    let mut its = items(&leaves, &[(Hash32([1; 32].into()), 0, Verdict::Commit)]);
    its[0].proof.clear();
    let zero =
        ExecuteMsg::SettleBatch { epoch: 1, batch_index: 0, root: Hash32::default(), signatures: vec![], items: its };
    assert_refused(w.exec(&carol, &zero, &[]), ContractError::ZeroRoot);
}

#[test]
fn refund_expired_returns_the_tokens_to_the_depositor_without_a_signature() {
    let mut w = World::new();
    let (a, deadline) = locked(&mut w);
    w.warp(deadline + GRACE);
    let r = w.try_refund(a, 0).unwrap();
    assert_eq!(events(&r, "mesh_leg_refunded").len(), 1);
    assert_eq!(w.bank_balance(&w.alice, DENOM), INITIAL);
    assert_eq!(w.status(a, 0), LegStatus::Refunded);
}

#[test]
fn refund_expired_before_the_settle_deadline_or_within_the_grace_is_refused() {
    let mut w = World::new();
    let (a, deadline) = locked(&mut w);
    let now = w.now();
    assert_refused(w.try_refund(a, 0), ContractError::NotExpired { refund_opens_at: deadline + GRACE, now });
    w.warp(deadline + GRACE - 1);
    assert_refused(
        w.try_refund(a, 0),
        ContractError::NotExpired { refund_opens_at: deadline + GRACE, now: deadline + GRACE - 1 },
    );
}

#[test]
fn refund_expired_of_a_leg_never_locked_or_already_committed_is_refused() {
    let mut w = World::new();
    let (a, deadline) = locked(&mut w);
    assert_refused(w.try_refund(a, 1), ContractError::LegNotLocked { bundle_id: a, index: 1, status: LegStatus::None });
    w.settle_alone(a, 0, Verdict::Commit).unwrap();
    w.warp(deadline + GRACE);
    assert_refused(
        w.try_refund(a, 0),
        ContractError::LegNotLocked { bundle_id: a, index: 0, status: LegStatus::Committed },
    );
}

#[test]
fn a_settle_after_a_refund_is_refused() {
    let mut w = World::new();
    let (a, deadline) = locked(&mut w);
    w.warp(deadline + GRACE);
    w.try_refund(a, 0).unwrap();
    assert_refused(
        w.settle_alone(a, 0, Verdict::Abort),
        ContractError::LegNotLocked { bundle_id: a, index: 0, status: LegStatus::Refunded },
    );
}

#[test]
fn a_refund_of_a_cw20_leg_pays_the_depositor_in_the_cw20() {
    let mut w = World::new();
    let (alice, bob) = (w.alice.clone(), w.bob.clone());
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let bundle = w.bundle(vec![leg]);
    let id = w.id(&bundle);
    w.try_lock_cw20(&alice, &bundle, 0, 500).unwrap();
    w.warp(bundle.settle_deadline + GRACE);
    w.try_refund(id, 0).unwrap();
    assert_eq!(w.cw20_balance(&alice), INITIAL);
    assert_eq!(w.escrow(id, 0).unwrap().amount, Uint256::from(500u128));
}

// ------------------------------------------------------------------ multiproof

fn multi(id: Hash32, index: u32, verdict: Verdict, leaf_index: u32) -> MultiItem {
    MultiItem { bundle_id: id, index, verdict, leaf_index }
}

#[test]
fn settle_multiproof_settles_legs_of_several_leaves_with_one_proof() {
    let mut w = World::new();
    let (a, _) = locked(&mut w);
    let (b, _) = locked(&mut w);
    let mut leaves: Vec<_> = (1u8..=5).map(|i| settlement_leaf([i; 32].into(), Verdict::Commit)).collect();
    leaves[1] = settlement_leaf(a.0, Verdict::Commit);
    leaves[4] = settlement_leaf(b.0, Verdict::Abort);
    let root = w.verified_root(&leaves);
    // Level 0: 1 known, sibling 0 from the proof; 4 is carried up. Level 1 (3 nodes): 0 known,
    // 1 from the proof, 2 carried. Level 2: 0 known, 1 (the carried b) known. Root.
    let proof = vec![Hash32(leaves[0]), Hash32(hash_pair(leaves[2], leaves[3]))];
    let carol = w.carol.clone();
    let msg = ExecuteMsg::SettleMultiproof {
        batch_root: root,
        leaf_count: 5,
        items: vec![multi(a, 0, Verdict::Commit, 1), multi(b, 0, Verdict::Abort, 4)],
        proof,
    };
    w.exec(&carol, &msg, &[]).unwrap();
    assert_eq!((w.status(a, 0), w.status(b, 0)), (LegStatus::Committed, LegStatus::Aborted));
}

#[test]
fn settle_multiproof_refuses_malformed_proofs() {
    let mut w = World::new();
    let leaves: Vec<_> = (1u8..=4).map(|i| settlement_leaf([i; 32].into(), Verdict::Commit)).collect();
    let root = w.verified_root(&leaves);
    let id = |i: u8| Hash32([i; 32].into());
    let carol = w.carol.clone();
    let good = vec![Hash32(leaves[1]), Hash32(hash_pair(leaves[2], leaves[3]))];
    let mut run = |leaf_count: u32, items: Vec<MultiItem>, proof: Vec<Hash32>| {
        w.exec(&carol, &ExecuteMsg::SettleMultiproof { batch_root: root, leaf_count, items, proof }, &[])
    };
    assert_refused(
        run(0, vec![multi(id(1), 0, Verdict::Commit, 0)], good.clone()),
        ContractError::LeafCountOutOfRange { leaf_count: 0 },
    );
    assert_refused(
        run(257, vec![multi(id(1), 0, Verdict::Commit, 0)], good.clone()),
        ContractError::LeafCountOutOfRange { leaf_count: 257 },
    );
    assert_refused(
        run(4, vec![multi(id(1), 0, Verdict::Commit, 4)], good.clone()),
        ContractError::LeafIndexOutOfRange { leaf_index: 4, leaf_count: 4 },
    );
    assert_refused(
        run(4, vec![multi(id(2), 0, Verdict::Commit, 1), multi(id(1), 0, Verdict::Commit, 0)], vec![]),
        ContractError::LeavesNotAscending { item: 1 },
    );
    assert_refused(
        run(4, vec![multi(id(1), 0, Verdict::Commit, 0)], good[..1].to_vec()),
        ContractError::MultiproofTooShort,
    );
    let mut long = good.clone();
    long.push(Hash32([7; 32].into()));
    assert_refused(
        run(4, vec![multi(id(1), 0, Verdict::Commit, 0)], long),
        ContractError::MultiproofTooLong { extra: 1 },
    );
    let computed = Hash32(hash_pair(hash_pair(leaves[0], leaves[1]), leaves[0]));
    assert_refused(
        run(4, vec![multi(id(1), 0, Verdict::Commit, 0)], vec![Hash32(leaves[1]), Hash32(leaves[0])]),
        ContractError::InvalidMultiproof { root, computed },
    );
    assert_refused(run(4, vec![], good.clone()), ContractError::NoItems);
    // The honest proof passes (the legs were never locked: skipped, not refused).
    let r = run(4, vec![multi(id(1), 0, Verdict::Commit, 0), multi(id(1), 1, Verdict::Commit, 0)], good).unwrap();
    assert_eq!(events(&r, "mesh_settlement_skipped").len(), 2);
}
