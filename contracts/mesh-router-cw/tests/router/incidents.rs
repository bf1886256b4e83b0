//! The incident list of evm-contracts/test/Incidents.t.sol, where it applies to a CosmWasm
//! Router: forged or replayed signatures, roots nobody signed, replay on another router or
//! domain, conflicting verdicts, an expired set.

use cosmwasm_std::coins;
use cw_multi_test::Executor;
use mesh_hub_api::router_cw::{ExecuteMsg, LegStatus};
use mesh_protocol::eip712::settlement_leaf;
use mesh_protocol::sig::{signer_address, signing_key};
use mesh_protocol::{EvmAddress, Hash32, Signature65, Verdict};
use mesh_router_cw::ContractError;

use crate::harness::*;

#[test]
fn incident_forged_signatures_never_verify_a_root() {
    let mut w = World::new();
    let root = Hash32([0x77; 32].into());
    let forger = signing_key(&[0x99; 32]).unwrap();
    let sigs = sign_sorted(&[&forger], w.batch_digest(1, 0, root));
    let signer: EvmAddress = signer_address(&forger).into();
    assert_refused(w.try_submit(1, 0, root, sigs), ContractError::NotASigner { index: 0, signer });
    // Random bytes shaped like signatures: a stranger or no key at all.
    let mut junk = [0u8; 65];
    junk[..32].copy_from_slice(&[0x42; 32]);
    junk[63] = 1;
    junk[64] = 27;
    let refused = signature_refusal(&refusal(w.try_submit(1, 0, root, vec![Signature65(junk)])));
    assert!([("NotASigner", 0), ("UnrecoverableSignature", 0)].contains(&refused), "{refused:?}");
    assert!(!w.is_verified(root));
}

#[test]
fn incident_a_root_nobody_signed_settles_no_leg() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    let forged = Hash32(settlement_leaf(id.0, Verdict::Commit));
    assert_refused(
        w.try_settle(id, 0, Verdict::Commit, forged, vec![]),
        ContractError::RootNotVerified { root: forged },
    );
    assert_eq!(w.status(id, 0), LegStatus::Locked);
}

#[test]
fn incident_signatures_of_one_epoch_presented_for_another_are_refused() {
    let mut w = World::new();
    let root = Hash32([0x78; 32].into());
    let sigs = w.sign_batch(&[0, 1, 2], 1, 0, root);
    assert_refused(w.try_submit(2, 0, root, sigs), ContractError::EpochNotActive { epoch: 2, current: 1 });
}

#[test]
fn incident_a_leg_of_another_router_is_neither_locked_nor_settled_here() {
    let mut w = World::new();
    let other = w.another_router(&instantiate_msg(&w.keys.clone()));
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    // Replaying the lock on the second router (same domain, same hub) is refused.
    let other_id = w.account(&other);
    let lock = ExecuteMsg::Lock { bundle: bundle.clone(), index: 0 };
    assert_refused(
        w.app.execute_contract(alice.clone(), other.clone(), &lock, &coins(1000, DENOM)),
        ContractError::WrongRouter { leg_router: w.router_id(), router: other_id },
    );
    // The same signed root verifies on both, and settles only the legs each escrows.
    let leaf = settlement_leaf(id.0, Verdict::Commit);
    let root = Hash32(leaf);
    let sigs = w.sign_batch(&[0, 1, 2], 1, 0, root);
    let carol = w.carol.clone();
    w.app
        .execute_contract(
            carol.clone(),
            other.clone(),
            &ExecuteMsg::SubmitBatch { epoch: 1, batch_index: 0, root, signatures: sigs },
            &[],
        )
        .unwrap();
    let settle =
        ExecuteMsg::Settle { bundle_id: id, index: 0, verdict: Verdict::Commit, batch_root: root, proof: vec![] };
    assert_refused(
        w.app.execute_contract(carol, other, &settle, &[]),
        ContractError::LegNotLocked { bundle_id: id, index: 0, status: LegStatus::None },
    );
    assert_eq!(w.status(id, 0), LegStatus::Locked);
}

#[test]
fn incident_a_router_of_another_domain_refuses_the_leg() {
    let mut w = World::new();
    let mut msg = instantiate_msg(&w.keys.clone());
    msg.domain = DOMAIN + 1;
    let other = w.another_router(&msg);
    let alice = w.alice.clone();
    let bob = w.bob.clone();
    let mut leg = w.leg(&alice, w.native_token(), 10, &bob);
    leg.router = w.account(&other);
    let bundle = w.bundle(vec![leg]);
    assert_refused(
        w.app.execute_contract(alice, other, &ExecuteMsg::Lock { bundle, index: 0 }, &coins(10, DENOM)),
        ContractError::WrongDomain { expected: DOMAIN + 1, got: DOMAIN },
    );
}

#[test]
fn incident_a_bundle_id_of_another_hub_deployment_does_not_match_the_lock() {
    // The lock computes the bundle id under the Router's own hub domain: a leg locked here is
    // recorded under this hub's id, never under the id another deployment would give it.
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    let staging = mesh_protocol::eip712::HubDomain::new(HUB_CHAIN_ID, "inj1staging");
    let foreign_id = Hash32(mesh_protocol::eip712::bundle_id(&staging, &bundle));
    assert_eq!(w.status(foreign_id, 0), LegStatus::None);
    assert_eq!(w.status(w.id(&bundle), 0), LegStatus::Locked);
}

#[test]
fn incident_conflicting_verdicts_end_a_leg_once() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    let leaves = vec![settlement_leaf(id.0, Verdict::Commit), settlement_leaf(id.0, Verdict::Abort)];
    let root = w.verified_root(&leaves);
    let its = items(&leaves, &[(id, 0, Verdict::Abort), (id, 0, Verdict::Commit)]);
    let carol = w.carol.clone();
    let r = w.exec(&carol, &ExecuteMsg::SettleMany { batch_root: root, items: its }, &[]).unwrap();
    assert_eq!(events(&r, "mesh_leg_settled").len(), 1);
    assert_eq!(attr(events(&r, "mesh_settlement_skipped")[0], "reason"), "not_locked");
    assert_eq!(w.status(id, 0), LegStatus::Aborted);
    assert_eq!(w.bank_balance(&w.bob, DENOM), INITIAL);
    assert_eq!(w.bank_balance(&alice, DENOM), INITIAL);
}

#[test]
fn incident_an_expired_set_cannot_sign_but_every_leg_still_refunds() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    w.warp(SET_EXPIRES_AT);
    let root = Hash32(settlement_leaf(id.0, Verdict::Commit));
    let sigs = w.sign_batch(&[0, 1, 2, 3], 1, 0, root);
    assert_refused(
        w.try_submit(1, 0, root, sigs),
        ContractError::SignerSetExpired { epoch: 1, expires_at: SET_EXPIRES_AT },
    );
    w.try_refund(id, 0).unwrap();
    assert_eq!(w.bank_balance(&alice, DENOM), INITIAL);
}

#[test]
fn incident_leg_squatting_by_a_stranger_is_refused() {
    // A stranger cannot lock Alice's leg with its own coins (it would own the refund).
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let carol = w.carol.clone();
    assert_refused(
        w.try_lock_native(&carol, &bundle, 0, &coins(1000, DENOM)),
        ContractError::NotDepositor { caller: carol, depositor: bundle.legs[0].depositor },
    );
}

#[test]
fn incident_a_reentrant_token_finds_the_leg_already_ended_and_is_paid_once() {
    let mut w = World::new();
    let (alice, bob) = (w.alice.clone(), w.bob.clone());
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let bundle = w.bundle(vec![leg]);
    let id = w.id(&bundle);
    w.try_lock_cw20(&alice, &bundle, 0, 500).unwrap();
    let leaves = vec![settlement_leaf(id.0, Verdict::Commit), settlement_leaf(id.0, Verdict::Abort)];
    let root = w.verified_root(&leaves);
    // During the COMMIT's transfer the token calls the Router back with the conflicting ABORT.
    let again = ExecuteMsg::SettleMany { batch_root: root, items: items(&leaves, &[(id, 0, Verdict::Abort)]) };
    let reenter = crate::cw20_mock::ExtraMsg::Reenter {
        contract: w.router.to_string(),
        msg: cosmwasm_std::to_json_binary(&again).unwrap(),
    };
    let (carol, cw20) = (w.carol.clone(), w.cw20.clone());
    w.app.execute_contract(carol.clone(), cw20, &reenter, &[]).unwrap();
    let proof = items(&leaves, &[(id, 0, Verdict::Commit)]).remove(0).proof;
    let r = w.try_settle(id, 0, Verdict::Commit, root, proof).unwrap();
    assert_eq!(attr(events(&r, "mesh_settlement_skipped")[0], "reason"), "not_locked");
    assert_eq!(w.status(id, 0), LegStatus::Committed);
    assert_eq!(w.cw20_balance(&bob), INITIAL + 500);
    assert_eq!(w.cw20_balance(&alice), INITIAL - 500);
    assert_eq!(w.cw20_balance(&w.router), 0);
}
