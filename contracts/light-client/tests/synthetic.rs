//! The light client on chains made with `tendermint-testgen`, signed by keys the test holds:
//! trust levels of skipping updates, validator-set changes, forks and misbehaviour.

mod common;

use common::synthetic::{hub_with_client, set, time_of, vals, Block, CHAIN};
use common::{encode_validators, timestamp, Hub};
use cosmwasm_std::Timestamp;
use mesh_hub_api::light_client::{ClientStatus, ExecuteMsg, MisbehaviourHeader, ProofOps};
use mesh_light_client::ContractError;

fn four() -> Vec<tendermint_testgen::Validator> {
    vals(&["a", "b", "c", "d"], 25)
}

fn clock_at(hub: &mut Hub, height: u64) {
    hub.set_time(timestamp(time_of(height)).plus_seconds(1));
}

fn misbehaviour_header(
    block: &Block,
    trusted_height: u64,
    trusted: &[tendermint_testgen::Validator],
) -> MisbehaviourHeader {
    MisbehaviourHeader {
        header: block.light(),
        trusted_height,
        trusted_next_validators: Some(encode_validators(&set(trusted))),
    }
}

#[test]
fn a_skip_signed_by_less_than_a_third_of_the_trusted_power_is_refused() {
    // the new set is different (e, f, g, h) except for one validator (a) of the trusted four:
    // a alone is 25% of the trusted power, below the 1/3 trust level
    let v = four();
    let mut hub = hub_with_client(1, &v);
    let mut new_set = vals(&["e", "f", "g"], 25);
    new_set.push(v[0].clone());
    clock_at(&mut hub, 10);
    let before = hub.storage_dump();

    let header = Block::new(10, &new_set).light();
    let err = hub.update(CHAIN, header, 1, Some(encode_validators(&set(&v)))).unwrap_err();
    assert!(matches!(err, ContractError::NotEnoughTrust { height: 10, tallied: 25, total: 100, .. }), "{err}");
    assert!(hub.storage_dump() == before);
}

#[test]
fn a_skip_signed_by_exactly_a_third_of_the_trusted_power_is_refused() {
    // trust level 1/3 means more than a third: a alone is exactly 10 of 30
    let v = vals(&["a", "b", "c"], 10);
    let mut hub = hub_with_client(1, &v);
    let new_set = vec![v[0].clone(), vals(&["x"], 10)[0].clone(), vals(&["y"], 10)[0].clone()];
    clock_at(&mut hub, 10);
    let err = hub.update(CHAIN, Block::new(10, &new_set).light(), 1, Some(encode_validators(&set(&v)))).unwrap_err();
    assert!(matches!(err, ContractError::NotEnoughTrust { height: 10, tallied: 10, total: 30, .. }), "{err}");
}

#[test]
fn a_skip_signed_by_at_least_a_third_of_the_trusted_power_is_accepted() {
    // two of the trusted four (50%) sign within a new set of five
    let v = four();
    let mut hub = hub_with_client(1, &v);
    let mut new_set = vals(&["e", "f", "g"], 25);
    new_set.extend([v[0].clone(), v[1].clone()]);
    clock_at(&mut hub, 10);

    hub.update(CHAIN, Block::new(10, &new_set).light(), 1, Some(encode_validators(&set(&v)))).unwrap();
    assert_eq!(hub.client(CHAIN).latest_height, 10);
}

#[test]
fn a_skip_needs_more_than_two_thirds_of_the_new_sets_own_power() {
    // all four trusted validators are in the new set, but only two of four sign: 1/2 < 2/3
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 10);
    let header = Block::new(10, &v).signed_by(&[0, 1]).light();
    let err = hub.update(CHAIN, header, 1, Some(encode_validators(&set(&v)))).unwrap_err();
    assert!(matches!(err, ContractError::InvalidHeader { height: 10, .. }), "{err}");
}

#[test]
fn an_adjacent_header_signed_by_three_of_four_is_accepted_and_two_of_four_is_refused() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 2);
    let err = hub.update(CHAIN, Block::new(2, &v).signed_by(&[0, 1]).light(), 1, None).unwrap_err();
    assert!(matches!(err, ContractError::InvalidHeader { height: 2, .. }), "{err}");
    hub.update(CHAIN, Block::new(2, &v).signed_by(&[0, 1, 3]).light(), 1, None).unwrap();
}

#[test]
fn a_header_signed_by_another_validator_set_is_refused() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 9);
    let before = hub.storage_dump();
    // adjacent: the header's validators are not the trusted next validators
    let other = vals(&["x", "y", "z", "w"], 25);
    let err = hub.update(CHAIN, Block::new(2, &other).light(), 1, None).unwrap_err();
    assert!(matches!(err, ContractError::InvalidHeader { height: 2, .. }), "{err}");
    // skipping, with the trusted set as trusted_next_validators: none of it signed
    let err = hub.update(CHAIN, Block::new(9, &other).light(), 1, Some(encode_validators(&set(&v)))).unwrap_err();
    assert!(matches!(err, ContractError::NotEnoughTrust { height: 9, tallied: 0, .. }), "{err}");
    assert!(hub.storage_dump() == before);
}

#[test]
fn trusted_next_validators_that_are_not_the_trusted_states_are_refused() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    let other = vals(&["x", "y", "z", "w"], 25);
    clock_at(&mut hub, 9);
    let err = hub.update(CHAIN, Block::new(9, &other).light(), 1, Some(encode_validators(&set(&other)))).unwrap_err();
    assert!(matches!(err, ContractError::TrustedValidatorsMismatch { trusted_height: 1, .. }), "{err}");
}

#[test]
fn the_client_follows_a_validator_set_change() {
    // height 2 announces the next set (b, c, d, e); height 3 is signed by it; then a skip from 3
    let v = four();
    let next = vals(&["b", "c", "d", "e"], 25);
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 30);
    hub.update(CHAIN, Block::new(2, &v).next_validators(&next).light(), 1, None).unwrap();
    hub.update(CHAIN, Block::new(3, &next).light(), 2, None).unwrap();
    // the old set can no longer sign an adjacent header
    let err = hub.update(CHAIN, Block::new(4, &v).light(), 3, None).unwrap_err();
    assert!(matches!(err, ContractError::InvalidHeader { height: 4, .. }), "{err}");
    hub.update(CHAIN, Block::new(20, &next).light(), 3, Some(encode_validators(&set(&next)))).unwrap();
    let c = hub.client(CHAIN);
    assert_eq!((c.latest_height, c.consensus_states), (20, 4));
    let cs = hub.consensus_state(CHAIN, 20).unwrap();
    assert_eq!(cs.next_validators_hash.as_slice(), set(&next).hash().as_bytes());
}

#[test]
fn a_header_with_a_tampered_signature_byte_is_refused() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 2);
    let mut sh = Block::new(2, &v).signed_header();
    for sig in sh.commit.signatures.iter_mut() {
        if let tendermint::block::CommitSig::BlockIdFlagCommit { signature: Some(s), .. } = sig {
            let mut b = s.as_bytes().to_vec();
            b[63] ^= 0x01;
            *s = tendermint::Signature::try_from(b).unwrap();
            break;
        }
    }
    let err = hub.update(CHAIN, common::light_header(&sh, &set(&v)), 1, None).unwrap_err();
    assert!(matches!(err, ContractError::InvalidSignature { height: 2, .. }), "{err}");
}

#[test]
fn a_header_in_the_future_beyond_the_clock_drift_is_refused_and_within_it_accepted() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    let header_time = timestamp(time_of(5));
    hub.set_time(header_time.minus_seconds(common::MAX_CLOCK_DRIFT + 1));
    let err = hub.update(CHAIN, Block::new(5, &v).light(), 1, Some(encode_validators(&set(&v)))).unwrap_err();
    assert!(matches!(err, ContractError::HeaderInFuture { height: 5, .. }), "{err}");
    hub.set_time(header_time.minus_seconds(common::MAX_CLOCK_DRIFT - 1));
    hub.update(CHAIN, Block::new(5, &v).light(), 1, Some(encode_validators(&set(&v)))).unwrap();
}

#[test]
fn a_header_outside_the_trusting_period_is_refused() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    hub.set_time(timestamp(time_of(1)).plus_seconds(common::TRUSTING_PERIOD));
    let err = hub.update(CHAIN, Block::new(2, &v).light(), 1, None).unwrap_err();
    assert!(matches!(err, ContractError::TrustedStateExpired { trusted_height: 1, .. }), "{err}");
    assert_eq!(hub.client(CHAIN).status, ClientStatus::Expired);
}

#[test]
fn a_header_of_another_chain_is_refused() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 2);
    let err = hub.update(CHAIN, Block::new(2, &v).chain_id("other-1").light(), 1, None).unwrap_err();
    assert!(matches!(err, ContractError::WrongChainId { ref got, .. } if got == "other-1"), "{err}");
}

#[test]
fn a_header_between_two_known_ones_must_have_a_time_between_theirs() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 10);
    hub.update(CHAIN, Block::new(10, &v).light(), 1, Some(encode_validators(&set(&v)))).unwrap();
    let late = Block::new(5, &v).time(time_of(10)).light();
    let err = hub.update(CHAIN, late, 1, Some(encode_validators(&set(&v)))).unwrap_err();
    assert!(matches!(err, ContractError::InvalidHeader { height: 5, .. }), "{err}");
    hub.update(CHAIN, Block::new(5, &v).light(), 1, Some(encode_validators(&set(&v)))).unwrap();
}

#[test]
fn a_conflicting_header_at_a_known_height_freezes_the_client() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 2);
    hub.update(CHAIN, Block::new(2, &v).light(), 1, None).unwrap();
    let fork = Block::new(2, &v).app(7);
    let r = hub.update(CHAIN, fork.light(), 1, None).unwrap();
    assert!(r.events.iter().flat_map(|e| &e.attributes).any(|a| a.key == "result" && a.value == "frozen"));

    let c = hub.client(CHAIN);
    assert_eq!((c.frozen, c.status), (true, ClientStatus::Frozen));
    let ev = hub.misbehaviour(CHAIN).expect("evidence kept");
    assert_eq!(ev.height, 2);
    assert_eq!(ev.header_1, None);
    assert_eq!(ev.block_hash_1.as_slice(), Block::new(2, &v).signed_header().header.hash().as_bytes());
    assert_eq!(ev.header_2, fork.light().signed_header);
    assert_eq!(ev.block_hash_2.as_slice(), fork.signed_header().header.hash().as_bytes());

    // a frozen client refuses updates and proofs
    let err = hub.update(CHAIN, Block::new(3, &v).light(), 2, None).unwrap_err();
    assert!(matches!(err, ContractError::Frozen { height: 2, .. }), "{err}");
    let err = hub.verify(CHAIN, 1, b"k", b"v", &ProofOps { ops: vec![] }).unwrap_err();
    assert!(matches!(err, ContractError::Frozen { height: 2, .. }), "{err}");
}

#[test]
fn submitted_misbehaviour_of_two_signed_headers_at_one_height_freezes_the_client() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 8);
    let honest = Block::new(8, &v).app(1);
    let fork = Block::new(8, &v).app(2);
    hub.submit_misbehaviour(CHAIN, misbehaviour_header(&honest, 1, &v), misbehaviour_header(&fork, 1, &v)).unwrap();

    assert!(hub.client(CHAIN).frozen);
    let ev = hub.misbehaviour(CHAIN).unwrap();
    assert_eq!(ev.height, 8);
    assert_eq!(ev.header_1, Some(honest.light().signed_header));
    assert_eq!(ev.header_2, fork.light().signed_header);
    assert_eq!(ev.frozen_at, hub.now());

    let err = hub
        .submit_misbehaviour(CHAIN, misbehaviour_header(&honest, 1, &v), misbehaviour_header(&fork, 1, &v))
        .unwrap_err();
    assert!(matches!(err, ContractError::Frozen { height: 8, .. }), "{err}");
}

#[test]
fn misbehaviour_that_is_not_one_is_refused() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 9);
    let a = Block::new(8, &v);
    let err =
        hub.submit_misbehaviour(CHAIN, misbehaviour_header(&a, 1, &v), misbehaviour_header(&a, 1, &v)).unwrap_err();
    assert!(matches!(err, ContractError::NotMisbehaviour { .. }), "{err}");
    let b = Block::new(9, &v);
    let err =
        hub.submit_misbehaviour(CHAIN, misbehaviour_header(&a, 1, &v), misbehaviour_header(&b, 1, &v)).unwrap_err();
    assert!(matches!(err, ContractError::NotMisbehaviour { .. }), "{err}");
    assert!(!hub.client(CHAIN).frozen);
}

#[test]
fn misbehaviour_with_a_header_signed_by_too_little_trusted_power_is_refused() {
    // a fork signed by a set the client never trusted proves nothing about the chain
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 8);
    let honest = Block::new(8, &v);
    let forger = vals(&["x", "y", "z", "w"], 25);
    let fork = Block::new(8, &forger);
    let err = hub
        .submit_misbehaviour(CHAIN, misbehaviour_header(&honest, 1, &v), misbehaviour_header(&fork, 1, &v))
        .unwrap_err();
    assert!(matches!(err, ContractError::NotEnoughTrust { height: 8, tallied: 0, .. }), "{err}");
    assert!(!hub.client(CHAIN).frozen);
}

#[test]
fn consensus_states_beyond_the_bound_are_pruned_oldest_first() {
    let v = four();
    let mut hub = Hub::new(timestamp(time_of(1)).plus_seconds(60));
    let admin = hub.admin.clone();
    let msg = ExecuteMsg::CreateClient {
        chain_id: CHAIN.into(),
        header: Block::new(1, &v).light(),
        trust_level: None,
        trusting_period: common::TRUSTING_PERIOD,
        unbonding_period: common::UNBONDING_PERIOD,
        max_clock_drift: common::MAX_CLOCK_DRIFT,
        max_consensus_states: Some(3),
    };
    hub.execute_as(&admin, &msg).unwrap();
    clock_at(&mut hub, 10);
    for h in 2..=6 {
        hub.update(CHAIN, Block::new(h, &v).light(), h - 1, None).unwrap();
    }
    let c = hub.client(CHAIN);
    assert_eq!((c.consensus_states, c.earliest_height, c.latest_height), (3, 4, 6));
    assert!(hub.consensus_state(CHAIN, 3).is_none());
    assert!(hub.consensus_state(CHAIN, 4).is_some());
}

#[test]
fn consensus_states_out_of_the_trusting_period_are_pruned_but_never_the_latest() {
    let v = four();
    let mut hub = hub_with_client(1, &v);
    clock_at(&mut hub, 3);
    hub.update(CHAIN, Block::new(2, &v).light(), 1, None).unwrap();
    // much later, a header near the end of the trusting period of height 2 arrives
    let late = time_of(2).unix_timestamp() as u64 + common::TRUSTING_PERIOD - 3;
    let t = tendermint::Time::from_unix_timestamp(late as i64, 0).unwrap();
    hub.set_time(Timestamp::from_seconds(late + 1));
    hub.update(CHAIN, Block::new(50, &v).time(t).light(), 2, Some(encode_validators(&set(&v)))).unwrap();
    // height 1 is out of the trusting period: pruned; 2 is still within it
    let c = hub.client(CHAIN);
    assert_eq!((c.consensus_states, c.earliest_height), (2, 2));
}

#[test]
fn client_parameters_are_checked_at_creation() {
    let v = four();
    let mut hub = Hub::new(timestamp(time_of(1)).plus_seconds(60));
    let admin = hub.admin.clone();
    let create = |header, trust: Option<(u64, u64)>, trusting: u64, unbonding: u64| ExecuteMsg::CreateClient {
        chain_id: CHAIN.into(),
        header,
        trust_level: trust.map(|(n, d)| common::trust(n, d)),
        trusting_period: trusting,
        unbonding_period: unbonding,
        max_clock_drift: 10,
        max_consensus_states: None,
    };
    let with_header = |trust, trusting, unbonding| create(Block::new(1, &v).light(), trust, trusting, unbonding);
    let err = hub.execute_as(&admin, &with_header(Some((1, 4)), 100, 200)).unwrap_err();
    assert!(matches!(err, ContractError::InvalidParams { field: "trust_level", .. }), "{err}");
    let err = hub.execute_as(&admin, &with_header(None, 200, 200)).unwrap_err();
    assert!(matches!(err, ContractError::InvalidParams { field: "unbonding_period", .. }), "{err}");
    let err = hub.execute_as(&admin, &with_header(None, 0, 200)).unwrap_err();
    assert!(matches!(err, ContractError::InvalidParams { field: "trusting_period", .. }), "{err}");
    // a header signed by less than 2/3 of its set cannot found a client
    let weak = create(Block::new(1, &v).signed_by(&[0, 1]).light(), None, 100, 200);
    let err = hub.execute_as(&admin, &weak).unwrap_err();
    assert!(matches!(err, ContractError::InvalidHeader { height: 1, .. }), "{err}");
    hub.execute_as(&admin, &with_header(Some((2, 3)), 100, 200)).unwrap();
    assert_eq!(hub.client(CHAIN).trust_level, common::trust(2, 3));
}
