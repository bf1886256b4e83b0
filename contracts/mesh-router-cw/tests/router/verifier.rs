//! The `SettlementVerifier` half: instantiate, `SubmitBatch`, signature rules, retention,
//! expiry and `Rotate`.

use cosmwasm_std::testing::MockApi;
use cw_multi_test::{App, ContractWrapper, Executor};
use k256::ecdsa::SigningKey;
use mesh_hub_api::router_cw::{InstantiateMsg, QueryMsg, SignerSetResponse};
use mesh_protocol::sig::{signer_address, signing_key};
use mesh_protocol::{Amount, EvmAddress, Hash32, ProtocolError, Signature65};
use mesh_router_cw::ContractError;

use crate::harness::*;

const ROOT: Hash32 = Hash32(mesh_protocol::B256::repeat_byte(0xab));

fn try_instantiate(msg: InstantiateMsg) -> cosmwasm_std::StdResult<cosmwasm_std::Addr> {
    let mut app = App::default();
    app.update_block(|b| b.time = cosmwasm_std::Timestamp::from_seconds(START));
    let code = app.store_code(Box::new(ContractWrapper::new(
        mesh_router_cw::contract::execute,
        mesh_router_cw::contract::instantiate,
        mesh_router_cw::contract::query,
    )));
    let admin = MockApi::default().addr_make("admin");
    app.instantiate_contract(code, admin, &msg, &[], "router", None)
}

#[track_caller]
fn assert_instantiate_refused(msg: InstantiateMsg, expected: ContractError) {
    assert_refused(try_instantiate(msg), expected);
}

fn other_keys(n: u8) -> Vec<SigningKey> {
    (1..=n).map(|i| signing_key(&[0x40 + i; 32]).unwrap()).collect()
}

#[test]
fn instantiate_stores_the_config_and_the_genesis_set() {
    let w = World::new();
    let cfg = w.config();
    assert_eq!((cfg.domain, cfg.refund_grace, cfg.current_epoch), (DOMAIN, GRACE, 1));
    assert_eq!(cfg.router, w.router_id());
    let set: Option<SignerSetResponse> = w.query(&QueryMsg::SignerSet { epoch: 1 });
    assert_eq!(set.unwrap().activated_at, START);
    let none: Option<SignerSetResponse> = w.query(&QueryMsg::SignerSet { epoch: 2 });
    assert!(none.is_none());
}

#[test]
fn instantiate_refuses_empty_hub_ids_zero_domain_zero_grace_and_expired_or_invalid_sets() {
    let keys = vector_keys();
    let base = instantiate_msg(&keys);
    assert_instantiate_refused(
        InstantiateMsg { hub_chain_id: String::new(), ..base.clone() },
        ContractError::EmptyHubChainId,
    );
    assert_instantiate_refused(
        InstantiateMsg { deployment: String::new(), ..base.clone() },
        ContractError::EmptyDeployment,
    );
    assert_instantiate_refused(InstantiateMsg { domain: 0, ..base.clone() }, ContractError::ZeroDomain);
    assert_instantiate_refused(InstantiateMsg { refund_grace: 0, ..base.clone() }, ContractError::ZeroRefundGrace);
    let mut expired = base.clone();
    expired.genesis_set.expires_at = START;
    assert_instantiate_refused(expired, ContractError::ExpiryInPast { expires_at: START, now: START });
    let mut high = base.clone();
    high.genesis_set.threshold = Amount::from(407u128);
    assert_instantiate_refused(
        high,
        ContractError::InvalidSignerSet(ProtocolError::BadThreshold { threshold: 407, total: 406 }),
    );
    let mut unsorted = base.clone();
    unsorted.genesis_set.signers.swap(0, 1);
    let signer = unsorted.genesis_set.signers[1].address.0;
    assert_instantiate_refused(
        unsorted,
        ContractError::InvalidSignerSet(ProtocolError::SignersNotSorted { index: 1, signer }),
    );
    let mut empty = base;
    empty.genesis_set.signers.clear();
    assert_instantiate_refused(empty, ContractError::InvalidSignerSet(ProtocolError::EmptySignerSet));
}

#[test]
fn submit_batch_verifies_and_caches_a_root_and_a_replay_is_a_no_op() {
    let mut w = World::new();
    let sigs = w.sign_batch(&[0, 1, 2, 3], 1, 0, ROOT);
    let r = w.try_submit(1, 0, ROOT, sigs.clone()).unwrap();
    assert_eq!(attr(events(&r, "mesh_batch_verified")[0], "weight"), "406");
    assert!(w.is_verified(ROOT));
    let again = w.try_submit(1, 0, ROOT, vec![]).unwrap();
    assert!(events(&again, "mesh_batch_verified").is_empty());
}

#[test]
fn submit_batch_of_the_zero_root_is_refused() {
    let mut w = World::new();
    let sigs = w.sign_batch(&[0, 1, 2], 1, 0, Hash32::default());
    assert_refused(w.try_submit(1, 0, Hash32::default(), sigs), ContractError::ZeroRoot);
}

#[test]
fn submit_batch_for_a_future_or_unknown_epoch_is_refused() {
    let mut w = World::new();
    let sigs = w.sign_batch(&[0, 1, 2], 2, 0, ROOT);
    assert_refused(w.try_submit(2, 0, ROOT, sigs), ContractError::EpochNotActive { epoch: 2, current: 1 });
    let sigs = w.sign_batch(&[0, 1, 2], 0, 0, ROOT);
    assert_refused(w.try_submit(0, 0, ROOT, sigs), ContractError::EpochNotActive { epoch: 0, current: 1 });
}

#[test]
fn submit_batch_without_signatures_is_refused() {
    let mut w = World::new();
    assert_refused(w.try_submit(1, 0, ROOT, vec![]), ContractError::NoSignatures);
}

#[test]
fn submit_batch_with_more_than_64_signatures_is_refused() {
    let mut w = World::new();
    let sigs = vec![Signature65([1; 65]); 65];
    assert_refused(w.try_submit(1, 0, ROOT, sigs), ContractError::TooManySignatures { count: 65, max: 64 });
}

#[test]
fn a_signature_with_a_bad_v_is_refused() {
    let mut w = World::new();
    let mut sigs = w.sign_batch(&[0, 1, 2], 1, 0, ROOT);
    sigs[1].0[64] = 29;
    assert_refused(w.try_submit(1, 0, ROOT, sigs), ContractError::BadSignatureV { index: 1, v: 29 });
}

#[test]
fn a_signature_with_r_or_s_zero_or_r_not_below_the_order_is_refused() {
    let mut w = World::new();
    let base = w.sign_batch(&[0, 1, 2], 1, 0, ROOT);
    let mut r0 = base.clone();
    r0[0].0[..32].fill(0);
    assert_refused(w.try_submit(1, 0, ROOT, r0), ContractError::SignatureOutOfRange { index: 0 });
    let mut s0 = base.clone();
    s0[2].0[32..64].fill(0);
    assert_refused(w.try_submit(1, 0, ROOT, s0), ContractError::SignatureOutOfRange { index: 2 });
    let mut big_r = base;
    big_r[0].0[..32].fill(0xff);
    assert_refused(w.try_submit(1, 0, ROOT, big_r), ContractError::SignatureOutOfRange { index: 0 });
}

/// `n − s` and the flipped `v`: the same signature in its high-s form.
fn high_s_twin(sig: &Signature65) -> Signature65 {
    use mesh_protocol::sig::SECP256K1_N;
    use mesh_protocol::U256;
    let s = U256::from_be_slice(&sig.0[32..64]);
    let mut out = *sig;
    out.0[32..64].copy_from_slice(&(SECP256K1_N - s).to_be_bytes::<32>());
    out.0[64] = if sig.0[64] == 27 { 28 } else { 27 };
    out
}

#[test]
fn a_high_s_signature_is_refused_although_it_recovers_the_signer() {
    let mut w = World::new();
    let mut sigs = w.sign_batch(&[0, 1, 2], 1, 0, ROOT);
    sigs[1] = high_s_twin(&sigs[1]);
    assert_refused(w.try_submit(1, 0, ROOT, sigs), ContractError::HighS { index: 1 });
}

#[test]
fn a_duplicated_signature_is_refused_as_not_ascending() {
    let mut w = World::new();
    let sigs = w.sign_batch(&[0], 1, 0, ROOT);
    let signer: EvmAddress = signer_address(&w.keys[0]).into();
    assert_refused(
        w.try_submit(1, 0, ROOT, vec![sigs[0], sigs[0], sigs[0]]),
        ContractError::SignersNotAscending { index: 1, signer, previous: signer },
    );
}

#[test]
fn signatures_in_descending_signer_order_are_refused() {
    let mut w = World::new();
    let mut sigs = w.sign_batch(&[0, 1, 2], 1, 0, ROOT);
    sigs.reverse();
    let keys = w.keys.clone();
    let addr = |i: usize| -> EvmAddress { signer_address(&keys[i]).into() };
    assert_refused(
        w.try_submit(1, 0, ROOT, sigs),
        ContractError::SignersNotAscending { index: 1, signer: addr(1), previous: addr(2) },
    );
}

#[test]
fn a_signature_by_a_non_member_is_refused() {
    let mut w = World::new();
    let outsiders = other_keys(1);
    let digest = w.batch_digest(1, 0, ROOT);
    let sigs = sign_sorted(&[&outsiders[0]], digest);
    let signer: EvmAddress = signer_address(&outsiders[0]).into();
    assert_refused(w.try_submit(1, 0, ROOT, sigs), ContractError::NotASigner { index: 0, signer });
}

#[test]
fn signatures_below_the_threshold_are_refused() {
    let mut w = World::new();
    let sigs = w.sign_batch(&[0, 1], 1, 0, ROOT);
    assert_refused(
        w.try_submit(1, 0, ROOT, sigs),
        ContractError::InsufficientWeight { weight: Amount::from(201u128), threshold: Amount::from(271u128) },
    );
}

#[test]
fn signatures_under_another_hub_deployment_recover_strangers() {
    let mut w = World::new();
    let other = mesh_protocol::eip712::HubDomain::new(HUB_CHAIN_ID, "inj1staging");
    let digest = mesh_protocol::eip712::settlement_batch_digest(
        &other,
        &mesh_protocol::SettlementBatch { epoch: 1, batch_index: 0, root: ROOT },
    );
    let keys: Vec<&SigningKey> = w.keys[..3].iter().collect();
    let sigs = sign_sorted(&keys, digest);
    assert_eq!(signature_refusal(&refusal(w.try_submit(1, 0, ROOT, sigs))), ("NotASigner", 0));
}

#[test]
fn an_expired_set_verifies_nothing_but_roots_verified_before_stay_verified() {
    let mut w = World::new();
    let sigs = w.sign_batch(&[0, 1, 2], 1, 0, ROOT);
    w.try_submit(1, 0, ROOT, sigs).unwrap();
    w.warp(SET_EXPIRES_AT);
    let other = Hash32([0xcd; 32].into());
    let sigs = w.sign_batch(&[0, 1, 2], 1, 1, other);
    assert_refused(
        w.try_submit(1, 1, other, sigs),
        ContractError::SignerSetExpired { epoch: 1, expires_at: SET_EXPIRES_AT },
    );
    assert!(w.is_verified(ROOT));
}

fn next_set(w: &World, epoch: u64, expires_at: u64) -> mesh_protocol::SignerSet {
    let keys = other_keys(3);
    let _ = w;
    set_of(epoch, &keys, 200, expires_at)
}

fn genesis_signers(w: &World) -> Vec<&SigningKey> {
    w.keys[..3].iter().collect()
}

#[test]
fn rotate_activates_the_next_epoch_and_keeps_three_previous_epochs() {
    let mut w = World::new();
    let mut at = START;
    // Epochs 2..=5: each signed by the set before it.
    let mut signers: Vec<SigningKey> = w.keys.clone();
    let mut signer_threshold_count = 3;
    for epoch in 2..=5u64 {
        at += ROTATION_DELAY;
        w.warp(at);
        let keys = other_keys(epoch as u8 + 2);
        let set = set_of(epoch, &keys, 200, SET_EXPIRES_AT);
        let sig_keys: Vec<&SigningKey> = signers.iter().take(signer_threshold_count).collect();
        let r = w.try_rotate(set, &sig_keys).unwrap();
        assert_eq!(attr(events(&r, "mesh_signer_set_activated")[0], "epoch"), epoch.to_string());
        signers = keys;
        signer_threshold_count = 2;
    }
    assert_eq!(w.config().current_epoch, 5);
    // Epoch 2 is the oldest retained (5 − 3); epoch 1 is not.
    let sigs = w.sign_batch(&[0, 1, 2], 1, 0, ROOT);
    assert_refused(w.try_submit(1, 0, ROOT, sigs), ContractError::EpochNotActive { epoch: 1, current: 5 });
    let epoch2 = other_keys(4);
    let sigs = sign_sorted(&[&epoch2[0], &epoch2[1]], w.batch_digest(2, 0, ROOT));
    w.try_submit(2, 0, ROOT, sigs).unwrap();
}

#[test]
fn rotate_before_the_rotation_delay_is_refused() {
    let mut w = World::new();
    let set = next_set(&w, 2, SET_EXPIRES_AT);
    let keys = w.keys.clone();
    let signers: Vec<&SigningKey> = keys[..3].iter().collect();
    assert_refused(
        w.try_rotate(set, &signers),
        ContractError::RotationTooEarly { earliest: START + ROTATION_DELAY, now: START },
    );
}

#[test]
fn rotate_below_the_threshold_or_signed_for_another_set_or_epoch_is_refused() {
    let mut w = World::new();
    w.warp(START + ROTATION_DELAY);
    let set = next_set(&w, 2, SET_EXPIRES_AT);
    let keys = w.keys.clone();
    assert_refused(
        w.try_rotate(set.clone(), &[&keys[0], &keys[1]]),
        ContractError::InsufficientWeight { weight: Amount::from(201u128), threshold: Amount::from(271u128) },
    );
    // Signatures over another set (different threshold) presented with this one.
    let mut signed = set.clone();
    signed.threshold = Amount::from(100u128);
    let sigs = sign_sorted(&genesis_signers(&w), w.update_digest(&signed));
    let carol = w.carol.clone();
    let msg = mesh_hub_api::router_cw::ExecuteMsg::Rotate { new_set: set.clone(), signatures: sigs };
    assert_eq!(signature_refusal(&refusal(w.exec(&carol, &msg, &[]))), ("NotASigner", 0));
    // A set for epoch 3 is refused before any signature is checked.
    let mut skip = set;
    skip.epoch = 3;
    assert_refused(
        w.try_rotate(skip, &[&keys[0], &keys[1], &keys[2]]),
        ContractError::WrongEpoch { expected: 2, got: 3 },
    );
}

#[test]
fn rotate_to_an_invalid_set_is_refused() {
    let mut w = World::new();
    w.warp(START + ROTATION_DELAY);
    let mut set = next_set(&w, 2, SET_EXPIRES_AT);
    set.signers[1].weight = Amount::from(0u128);
    let signer = set.signers[1].address.0;
    let keys = w.keys.clone();
    assert_refused(
        w.try_rotate(set, &[&keys[0], &keys[1], &keys[2]]),
        ContractError::InvalidSignerSet(ProtocolError::ZeroWeight { signer }),
    );
}

#[test]
fn a_replayed_rotation_is_refused_for_its_epoch() {
    let mut w = World::new();
    w.warp(START + ROTATION_DELAY);
    let set = next_set(&w, 2, SET_EXPIRES_AT);
    let keys = w.keys.clone();
    let sigs = sign_sorted(&[&keys[0], &keys[1], &keys[2]], w.update_digest(&set));
    let carol = w.carol.clone();
    let msg = mesh_hub_api::router_cw::ExecuteMsg::Rotate { new_set: set, signatures: sigs };
    w.exec(&carol, &msg, &[]).unwrap();
    w.warp(START + 2 * ROTATION_DELAY);
    assert_refused(w.exec(&carol, &msg, &[]), ContractError::WrongEpoch { expected: 3, got: 2 });
}

#[test]
fn an_expired_set_cannot_sign_a_rotation() {
    let mut w = World::new();
    w.warp(SET_EXPIRES_AT);
    let set = next_set(&w, 2, SET_EXPIRES_AT + 100);
    let keys = w.keys.clone();
    assert_refused(
        w.try_rotate(set, &[&keys[0], &keys[1], &keys[2]]),
        ContractError::SignerSetExpired { epoch: 1, expires_at: SET_EXPIRES_AT },
    );
}

#[test]
fn a_rotation_to_a_set_expiring_in_the_past_or_before_the_current_is_refused() {
    let mut w = World::new();
    let now = START + ROTATION_DELAY;
    w.warp(now);
    let keys = w.keys.clone();
    let signers = [&keys[0], &keys[1], &keys[2]];
    assert_refused(w.try_rotate(next_set(&w, 2, now), &signers), ContractError::ExpiryInPast { expires_at: now, now });
    assert_refused(
        w.try_rotate(next_set(&w, 2, SET_EXPIRES_AT - 1), &signers),
        ContractError::ExpiryBeforeCurrent { expires_at: SET_EXPIRES_AT - 1, current_expires_at: SET_EXPIRES_AT },
    );
}

#[test]
fn a_retained_set_verifies_only_until_its_own_expiry() {
    let mut w = World::new();
    w.warp(START + ROTATION_DELAY);
    let later = SET_EXPIRES_AT + 1000;
    let set = next_set(&w, 2, later);
    let keys = w.keys.clone();
    w.try_rotate(set, &[&keys[0], &keys[1], &keys[2]]).unwrap();
    let sigs = w.sign_batch(&[0, 1, 2], 1, 0, ROOT);
    w.warp(SET_EXPIRES_AT);
    assert_refused(
        w.try_submit(1, 0, ROOT, sigs),
        ContractError::SignerSetExpired { epoch: 1, expires_at: SET_EXPIRES_AT },
    );
    let new_keys = other_keys(3);
    let sigs = sign_sorted(&[&new_keys[0], &new_keys[1]], w.batch_digest(2, 0, ROOT));
    w.try_submit(2, 0, ROOT, sigs).unwrap();
}

#[test]
fn a_set_of_64_members_with_weights_near_the_top_is_accepted_and_one_of_65_refused() {
    let keys: Vec<SigningKey> = (1..=65u8).map(|i| signing_key(&[i; 32]).unwrap()).collect();
    let mut set = set_of(1, &keys[..64], 1, SET_EXPIRES_AT);
    let each = mesh_protocol::U256::MAX / mesh_protocol::U256::from(64u8);
    for s in &mut set.signers {
        s.weight = Amount(each);
    }
    set.threshold = Amount(each * mesh_protocol::U256::from(64u8));
    let mut msg = instantiate_msg(&keys);
    msg.genesis_set = set;
    try_instantiate(msg.clone()).expect("a 64-member set");
    msg.genesis_set = set_of(1, &keys, 1, SET_EXPIRES_AT);
    assert_instantiate_refused(
        msg,
        ContractError::InvalidSignerSet(ProtocolError::TooManySigners { count: 65, max: 64 }),
    );
}
