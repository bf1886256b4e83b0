//! stake-escrow: bonds, unbonding, claims, slashing, jailing, signer-set epochs.

use cosmwasm_std::{coins, Coin, Uint128};
use cw_multi_test::Executor;
use mesh_hub_api::common::{AccessError, FraudKind};
use mesh_hub_api::stake_escrow::{
    ConfigResponse, ExecuteMsg, IsActiveResponse, QueryMsg, RelayerInfo, RelayersResponse, SignerSetResponse,
    UnbondingEntry,
};
use mesh_hub_tests::*;
use mesh_protocol::eip712::{relayer_key_digest, signer_set_hash};
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{EvmAddress, ProtocolError, SignerSet};
use stake_escrow::ContractError as E;

fn q<T: serde::de::DeserializeOwned>(h: &Hub, msg: &QueryMsg) -> T {
    h.app.wrap().query_wasm_smart(&h.stake, msg).unwrap()
}

/// When stake of a member of the first signer set (made at `made_at`) can be claimed: the set
/// expires, then the unbonding period passes (audit finding A1).
fn first_set_claimable_from(made_at: u64) -> u64 {
    made_at + mesh_hub_api::stake_escrow::DEFAULT_SIGNER_SET_LIFETIME + UNBONDING
}

fn slash_msg(h: &Hub, i: usize, fraud_id: u64) -> ExecuteMsg {
    ExecuteMsg::Slash {
        relayer: h.relayers[i].addr.to_string(),
        kind: FraudKind::FalseLock,
        fraud_id,
        disputer: h.addr("disputer").to_string(),
    }
}

/// total deposited = bonded + unbonding + claimed + slashed, and the contract holds exactly the
/// stake plus what slashing kept.
#[track_caller]
fn assert_books_balance(h: &Hub) {
    let t = h.totals();
    assert_eq!(t.total_deposited, t.total_bonded + t.total_unbonding + t.total_claimed + t.total_slashed);
    assert_eq!(t.total_slashed, t.bounties_paid + t.sent_to_community_pool + t.slashed_retained);
    assert_eq!(Uint128::new(h.balance(&h.stake)), t.total_bonded + t.total_unbonding + t.slashed_retained);
    let all: RelayersResponse = q(h, &QueryMsg::Relayers { start_after: None, limit: Some(100) });
    let sum: Uint128 =
        all.relayers.iter().map(|r| r.bonded + r.unbonding.iter().map(|e| e.amount).sum::<Uint128>()).sum();
    assert_eq!(sum, t.total_bonded + t.total_unbonding);
}

#[test]
fn instantiate_is_refused_when_unbonding_does_not_outlast_the_dispute_window_and_delivery() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    let mut try_msg = |f: &dyn Fn(&mut mesh_hub_api::stake_escrow::InstantiateMsg)| {
        let mut m = stake_instantiate_msg();
        f(&mut m);
        h.app.instantiate_contract(h.code_ids.0, admin.clone(), &m, &[], "stake", None)
    };
    assert_err(
        try_msg(&|m| m.unbonding_period = WINDOW + MARGIN),
        E::UnbondingTooShort { unbonding_period: WINDOW + MARGIN, minimum: WINDOW + MARGIN },
    );
    assert_err(
        try_msg(&|m| m.slash_bps = 0),
        E::InvalidConfig { field: "slash_bps", reason: "must be 1 to 10000".into() },
    );
    assert_err(
        try_msg(&|m| m.bounty_bps = 10_001),
        E::InvalidConfig { field: "bounty_bps", reason: "must be at most 10000".into() },
    );
    assert_err(
        try_msg(&|m| m.min_bond = Uint128::zero()),
        E::InvalidConfig { field: "min_bond", reason: "must be positive".into() },
    );
    assert_err(
        try_msg(&|m| m.bond_denom = String::new()),
        E::InvalidConfig { field: "bond_denom", reason: "must not be empty".into() },
    );
    assert_err(
        try_msg(&|m| m.hub_chain_id = Some("x".into())),
        E::HubChainIdMismatch { given: "x".into(), actual: "cosmos-testnet-14002".into() },
    );
    let addr = try_msg(&|_| {}).unwrap();
    let c: ConfigResponse = h.app.wrap().query_wasm_smart(addr, &QueryMsg::Config {}).unwrap();
    assert_eq!((c.unbonding_period, c.slash_bps, c.dispute), (UNBONDING, SLASH_BPS, None));
}

#[test]
fn bond_registers_the_evm_signer_with_a_proof_of_possession() {
    let mut h = Hub::new();
    h.bond(0, STAKE).unwrap();
    let r = h.relayer_info(0);
    assert_eq!((r.evm_signer, r.bonded.u128(), r.active, r.jailed), (h.relayers[0].evm, STAKE, true, false));
    let by_signer: Option<RelayerInfo> = q(&h, &QueryMsg::RelayerBySigner { evm_signer: h.relayers[0].evm });
    assert_eq!(by_signer.unwrap().address, h.relayers[0].addr);
    h.bond(0, 500).unwrap();
    assert_eq!(h.relayer_info(0).bonded.u128(), STAKE + 500, "top-ups add to the bond");
    assert_books_balance(&h);
}

#[test]
fn bond_is_rejected_when_the_funds_are_wrong() {
    let mut h = Hub::new();
    let r = h.relayers[0].clone();
    let msg = ExecuteMsg::Bond { evm_signer: r.evm, proof_of_possession: h.proof_of_possession(0) };
    assert_err(h.stake_exec(&r.addr, &msg, &[]), E::NoFunds { denom: DENOM.into() });
    assert_err(
        h.stake_exec(&r.addr, &msg, &coins(10, "uother")),
        E::WrongDenom { expected: DENOM.into(), got: "uother".into() },
    );
    let two = vec![Coin::new(10u128, "uother"), Coin::new(10u128, DENOM)];
    assert_err(h.stake_exec(&r.addr, &msg, &two), E::MultipleDenoms { count: 2 });
}

#[test]
fn bond_is_rejected_when_the_proof_of_possession_does_not_match() {
    let mut h = Hub::new();
    let r0 = h.relayers[0].clone();
    // Relayer 1's key signed for relayer 1's account, not for relayer 0's.
    let stolen = h.proof_of_possession(1);
    let msg = ExecuteMsg::Bond { evm_signer: h.relayers[1].evm, proof_of_possession: stolen };
    let res = h.stake_exec(&r0.addr, &msg, &coins(STAKE, DENOM));
    // Checked for relayer 0's account, relayer 1's signature recovers to some other address.
    let digest = relayer_key_digest(&h.stake_domain(), r0.addr.as_str());
    let recovered = EvmAddress(mesh_protocol::sig::recover_signer(digest, &stolen).unwrap());
    assert_err(res, E::ProofOfPossessionMismatch { claimed: h.relayers[1].evm, recovered });
    let mut bad = h.proof_of_possession(0);
    bad.0[64] = 0;
    let msg = ExecuteMsg::Bond { evm_signer: r0.evm, proof_of_possession: bad };
    assert_err(
        h.stake_exec(&r0.addr, &msg, &coins(STAKE, DENOM)),
        E::BadProofSignature(ProtocolError::SignatureV { v: 0 }),
    );
}

#[test]
fn bond_is_rejected_when_the_signer_is_taken_or_differs_from_the_registered_one() {
    let mut h = Hub::new();
    h.bond(0, STAKE).unwrap();
    // Relayer 1 proves relayer 0's key (it has it) but the key is already registered.
    let r1 = h.relayers[1].clone();
    let pop = sign_digest(&h.relayers[0].key, relayer_key_digest(&h.stake_domain(), r1.addr.as_str()));
    let msg = ExecuteMsg::Bond { evm_signer: h.relayers[0].evm, proof_of_possession: pop };
    assert_err(
        h.stake_exec(&r1.addr, &msg, &coins(STAKE, DENOM)),
        E::SignerTaken { signer: h.relayers[0].evm, owner: h.relayers[0].addr.clone() },
    );
    // Relayer 0 tries to top up with another key.
    let other = signing_key(&[0x55; 32]).unwrap();
    let r0 = h.relayers[0].clone();
    let pop = sign_digest(&other, relayer_key_digest(&h.stake_domain(), r0.addr.as_str()));
    let msg = ExecuteMsg::Bond { evm_signer: EvmAddress(signer_address(&other)), proof_of_possession: pop };
    assert_err(
        h.stake_exec(&r0.addr, &msg, &coins(STAKE, DENOM)),
        E::SignerMismatch { relayer: r0.addr.clone(), registered: r0.evm, given: EvmAddress(signer_address(&other)) },
    );
}

#[test]
fn unbond_and_claim_follow_the_unbonding_period() {
    let mut h = Hub::new();
    h.bond(0, STAKE).unwrap();
    let before = h.balance(&h.relayers[0].addr);
    assert_err(h.unbond(0, 0), E::ZeroAmount);
    assert_err(
        h.unbond(0, STAKE + 1),
        E::InsufficientBond { bonded: Uint128::new(STAKE), requested: Uint128::new(STAKE + 1) },
    );
    assert_err(h.unbond(1, 1), E::UnknownRelayer { address: h.relayers[1].addr.to_string() });
    assert_err(h.claim(1), E::UnknownRelayer { address: h.relayers[1].addr.to_string() });
    let t0 = h.now();
    h.unbond(0, 4_000).unwrap();
    h.wait(10);
    h.unbond(0, 6_000).unwrap();
    let r = h.relayer_info(0);
    assert!(!r.active, "nothing bonded any more");
    assert_eq!(
        r.unbonding,
        vec![
            UnbondingEntry { amount: Uint128::new(4_000), release_at: t0 + UNBONDING },
            UnbondingEntry { amount: Uint128::new(6_000), release_at: t0 + 10 + UNBONDING },
        ]
    );
    assert_err(h.claim(0), E::NothingToClaim { next_release: Some(t0 + UNBONDING) });
    h.wait(UNBONDING - 10);
    h.claim(0).unwrap();
    assert_eq!(h.balance(&h.relayers[0].addr) - before, 4_000);
    h.wait(10);
    h.claim(0).unwrap();
    assert_eq!(h.balance(&h.relayers[0].addr) - before, STAKE);
    assert_err(h.claim(0), E::NothingToClaim { next_release: None });
    assert_books_balance(&h);
}

#[test]
fn unbond_is_rejected_beyond_the_entry_limit() {
    let mut h = Hub::new();
    h.bond(0, STAKE).unwrap();
    for _ in 0..mesh_hub_api::stake_escrow::MAX_UNBONDING_ENTRIES {
        h.unbond(0, 10).unwrap();
    }
    assert_err(h.unbond(0, 10), E::TooManyUnbondingEntries { max: 8 });
}

#[test]
fn slash_is_only_taken_from_the_dispute_contract() {
    let mut h = Hub::with_relayers(2);
    let mallory = h.addr("mallory");
    let msg = slash_msg(&h, 0, 0);
    assert_err(
        h.stake_exec(&mallory, &msg, &[]),
        E::Access(AccessError::Unauthorized {
            action: "slash",
            allowed: format!("the dispute contract {}", h.dispute),
            sender: mallory.clone(),
        }),
    );
    let mut bare = Hub::bare();
    let admin = bare.admin.clone();
    bare.stake =
        bare.app.instantiate_contract(bare.code_ids.0, admin, &stake_instantiate_msg(), &[], "s", None).unwrap();
    assert_err(bare.stake_exec(&mallory, &msg, &[]), E::Access(AccessError::DisputeNotSet { action: "slash" }));
}

#[test]
fn slash_takes_the_fraction_pays_the_bounty_and_jails() {
    let mut h = Hub::with_judge(2);
    let judge = h.dispute.clone();
    let disputer_before = h.balance(&h.addr("disputer"));
    assert_err(
        h.stake_exec(&judge, &slash_msg(&h, 4, 0), &[]),
        E::UnknownRelayer { address: h.relayers[4].addr.to_string() },
    );
    h.stake_exec(&judge, &slash_msg(&h, 0, 0), &[]).unwrap();
    let r = h.relayer_info(0);
    let slashed = STAKE * SLASH_BPS as u128 / 10_000;
    assert_eq!((r.bonded.u128(), r.slashed.u128(), r.jailed, r.active), (STAKE - slashed, slashed, true, false));
    let bounty = slashed * BOUNTY_BPS as u128 / 10_000;
    assert_eq!(h.balance(&h.addr("disputer")) - disputer_before, bounty);
    let t = h.totals();
    assert_eq!(
        (t.total_slashed.u128(), t.bounties_paid.u128(), t.slashed_retained.u128()),
        (slashed, bounty, slashed - bounty)
    );
    let a: IsActiveResponse = q(&h, &QueryMsg::IsActive { address: h.relayers[0].addr.to_string() });
    assert_eq!((a.active, a.jailed), (false, true));
    // A second fraud slashes again.
    h.stake_exec(&judge, &slash_msg(&h, 0, 1), &[]).unwrap();
    assert_eq!(h.relayer_info(0).bonded.u128(), (STAKE - slashed) / 2);
    assert_books_balance(&h);
}

#[test]
fn slash_sends_the_remainder_to_the_community_pool_when_one_is_configured() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    let mut m = stake_instantiate_msg();
    m.community_pool = Some(h.community.to_string());
    m.dispute = Some(h.addr("judge").to_string());
    h.stake = h.app.instantiate_contract(h.code_ids.0, admin, &m, &[], "s", None).unwrap();
    h.bond(0, STAKE).unwrap();
    let before = h.balance(&h.community);
    let judge = h.addr("judge");
    h.stake_exec(&judge, &slash_msg(&h, 0, 0), &[]).unwrap();
    let slashed = STAKE * SLASH_BPS as u128 / 10_000;
    let bounty = slashed * BOUNTY_BPS as u128 / 10_000;
    assert_eq!(h.balance(&h.community) - before, slashed - bounty);
    let t = h.totals();
    assert_eq!((t.sent_to_community_pool.u128(), t.slashed_retained.u128()), (slashed - bounty, 0));
    assert_books_balance(&h);
}

#[test]
fn slashing_reaches_stake_that_is_still_unbonding() {
    let mut h = Hub::with_judge(1);
    let made_at = h.now();
    h.unbond(0, 8_000).unwrap();
    h.wait(UNBONDING - 1);
    let judge = h.dispute.clone();
    h.stake_exec(&judge, &slash_msg(&h, 0, 0), &[]).unwrap();
    // 50% of 10 000: 2 000 from the bond, 3 000 from the unbonding entry.
    let r = h.relayer_info(0);
    assert_eq!(r.bonded.u128(), 0);
    assert_eq!(r.unbonding.iter().map(|e| e.amount.u128()).sum::<u128>(), 5_000);
    // Relayer 0 signs in epoch 1: its stake is only paid out once that set has expired and the
    // unbonding period has passed after it (audit finding A1), not after the unbonding period.
    h.wait(first_set_claimable_from(made_at) - h.now());
    let before = h.balance(&h.relayers[0].addr);
    h.claim(0).unwrap();
    assert_eq!(h.balance(&h.relayers[0].addr) - before, 5_000, "only what survived the slash is paid out");
    assert_books_balance(&h);
}

#[test]
fn stake_claimed_before_the_slash_is_out_of_reach_but_the_rest_is_slashed() {
    let mut h = Hub::with_judge(1);
    let made_at = h.now();
    h.unbond(0, 6_000).unwrap();
    // A member of epoch 1 claims only after that set expired plus the unbonding period (A1).
    h.wait(first_set_claimable_from(made_at) - h.now());
    h.claim(0).unwrap();
    let judge = h.dispute.clone();
    h.stake_exec(&judge, &slash_msg(&h, 0, 0), &[]).unwrap();
    let r = h.relayer_info(0);
    assert_eq!((r.bonded.u128(), r.slashed.u128()), (2_000, 2_000));
    assert_books_balance(&h);
}

#[test]
fn slashing_an_empty_relayer_still_jails_it() {
    let mut h = Hub::with_judge(1);
    let made_at = h.now();
    h.unbond(0, STAKE).unwrap();
    // A member of epoch 1 claims only after that set expired plus the unbonding period (A1).
    h.wait(first_set_claimable_from(made_at) - h.now());
    h.claim(0).unwrap();
    let judge = h.dispute.clone();
    let res = h.stake_exec(&judge, &slash_msg(&h, 0, 0), &[]).unwrap();
    assert!(res.events.iter().any(|e| e.attributes.iter().any(|a| a.key == "slashed" && a.value == "0")));
    assert!(h.relayer_info(0).jailed);
    assert_books_balance(&h);
}

#[test]
fn a_second_slash_keeps_the_time_the_relayer_was_first_jailed() {
    let mut h = Hub::with_judge(2);
    let judge = h.dispute.clone();
    h.stake_exec(&judge, &slash_msg(&h, 0, 0), &[]).unwrap();
    let jailed_at = h.relayer_info(0).jailed_at;
    assert_eq!(jailed_at, Some(h.now()));
    h.wait(100);
    h.stake_exec(&judge, &slash_msg(&h, 0, 1), &[]).unwrap();
    let r = h.relayer_info(0);
    assert_eq!((r.jailed, r.jailed_at), (true, jailed_at), "still jailed since the first fraud");
    // Unjailed, then slashed again: jailed anew from that slash.
    let admin = h.admin.clone();
    h.stake_exec(&admin, &ExecuteMsg::Unjail { relayer: h.relayers[0].addr.to_string() }, &[]).unwrap();
    assert_eq!(h.relayer_info(0).jailed_at, None);
    h.wait(100);
    h.stake_exec(&judge, &slash_msg(&h, 0, 2), &[]).unwrap();
    assert_eq!(h.relayer_info(0).jailed_at, Some(h.now()));
}

#[test]
fn slashing_an_empty_relayer_sends_nothing_to_the_community_pool() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    let mut m = stake_instantiate_msg();
    m.community_pool = Some(h.community.to_string());
    m.dispute = Some(h.addr("judge").to_string());
    h.stake = h.app.instantiate_contract(h.code_ids.0, admin, &m, &[], "s", None).unwrap();
    h.bond(0, STAKE).unwrap();
    h.unbond(0, STAKE).unwrap();
    h.wait(UNBONDING);
    h.claim(0).unwrap();
    let before = h.balance(&h.community);
    let judge = h.addr("judge");
    // Nothing to take: no zero-amount transfer (a chain refuses one, and the slash with it).
    let res = h.stake_exec(&judge, &slash_msg(&h, 0, 0), &[]).unwrap();
    assert!(!res.events.iter().any(|e| e.ty == "transfer"), "{:?}", res.events);
    assert_eq!(h.balance(&h.community), before);
    let t = h.totals();
    assert_eq!((t.total_slashed.u128(), t.sent_to_community_pool.u128(), t.slashed_retained.u128()), (0, 0, 0));
    assert!(h.relayer_info(0).jailed);
    assert_books_balance(&h);
}

#[test]
fn unjail_is_admin_only_and_the_relayer_rejoins_at_the_next_rotation() {
    let mut h = Hub::with_judge(3);
    let judge = h.dispute.clone();
    let admin = h.admin.clone();
    let mallory = h.addr("mallory");
    let unjail = ExecuteMsg::Unjail { relayer: h.relayers[2].addr.to_string() };
    assert_err(h.stake_exec(&admin, &unjail, &[]), E::NotJailed { relayer: h.relayers[2].addr.clone() });
    h.stake_exec(&judge, &slash_msg(&h, 2, 0), &[]).unwrap();
    let next: Option<SignerSet> = q(&h, &QueryMsg::NextSignerSet {});
    assert_eq!(next.unwrap().signers.len(), 2, "a jailed relayer leaves the next set");
    assert_err(
        h.stake_exec(&mallory, &unjail, &[]),
        E::Access(AccessError::Unauthorized {
            action: "unjail",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        }),
    );
    h.stake_exec(&admin, &unjail, &[]).unwrap();
    let r = h.relayer_info(2);
    assert!(!r.jailed && r.active);
    let next: Option<SignerSet> = q(&h, &QueryMsg::NextSignerSet {});
    assert!(next.unwrap().signers.iter().any(|s| s.address == h.relayers[2].evm));
}

#[test]
fn rotation_makes_epochs_from_active_relayers_sorted_with_a_more_than_two_thirds_threshold() {
    let mut h = Hub::new();
    assert_err(h.rotate(), E::NoActiveRelayers);
    assert!(h.current_set().is_none());
    h.bond(0, 3_000).unwrap();
    h.bond(1, 5_000).unwrap();
    h.bond(2, 7_001).unwrap();
    h.bond(3, MIN_BOND - 1).unwrap();
    let res = h.rotate().unwrap();
    let set: SignerSet = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(set.epoch, 1);
    assert_eq!(set.signers.len(), 3, "below the minimum bond is not active");
    assert!(set.signers.windows(2).all(|w| w[0].address < w[1].address));
    // Three members cannot keep each below the 3333 bps weight cap (A2): they get equal weights,
    // the smallest stake; the threshold is ⌊2 · 9000 / 3⌋ + 1 (strictly above 2/3, A4).
    assert!(set.signers.iter().all(|s| s.weight.0.to::<u128>() == 3_000));
    assert_eq!(set.threshold.to_string(), "6001", "⌊2 · 9000 / 3⌋ + 1");
    set.validate().unwrap();
    let current = h.current_set().unwrap();
    assert_eq!(current.set, set);
    assert_eq!(current.signers_hash.0, signer_set_hash(&set));
    assert!(current.jailed.is_empty());

    assert_err(h.rotate(), E::RotationTooEarly { next_at: h.now() + ROTATION_DELAY, now: h.now() });
    h.wait(ROTATION_DELAY);
    // The same members only make a new set as a renewal, within the renewal window (A3).
    let renewable_at = set.expires_at - mesh_hub_api::stake_escrow::DEFAULT_SIGNER_SET_LIFETIME / 4;
    assert_err(h.rotate(), E::SignerSetUnchanged { epoch: 1, renewable_at });
    h.bond(3, 1).unwrap();
    h.rotate().unwrap();
    let e2: Option<SignerSetResponse> = q(&h, &QueryMsg::SignerSet { epoch: 2 });
    assert_eq!(e2.unwrap().set.signers.len(), 4);
    let e1: Option<SignerSetResponse> = q(&h, &QueryMsg::SignerSet { epoch: 1 });
    assert_eq!(e1.unwrap().set, set, "past sets stay queryable");
    let none: Option<SignerSetResponse> = q(&h, &QueryMsg::SignerSet { epoch: 3 });
    assert!(none.is_none());
}

#[test]
fn rotation_keeps_the_64_highest_stakes() {
    let mut h = Hub::new();
    let admin = h.admin.clone();
    for i in 0..70u32 {
        let key = signing_key(&{
            let mut s = [0x42u8; 32];
            s[..4].copy_from_slice(&i.to_be_bytes());
            s
        })
        .unwrap();
        let addr = h.addr(&format!("many{i}"));
        let amount = MIN_BOND + i as u128;
        h.app.send_tokens(admin.clone(), addr.clone(), &coins(amount, DENOM)).unwrap();
        let pop = sign_digest(&key, relayer_key_digest(&h.stake_domain(), addr.as_str()));
        let msg = ExecuteMsg::Bond { evm_signer: EvmAddress(signer_address(&key)), proof_of_possession: pop };
        h.stake_exec(&addr, &msg, &coins(amount, DENOM)).unwrap();
    }
    let res = h.rotate().unwrap();
    let set: SignerSet = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(set.signers.len(), 64);
    let min_weight = set.signers.iter().map(|s| s.weight.0).min().unwrap();
    assert_eq!(min_weight.to::<u128>(), MIN_BOND + 6, "the six smallest stakes are left out");
    set.validate().unwrap();
}

#[test]
fn dispute_wiring_and_admin_are_guarded() {
    let mut h = Hub::new();
    let admin = h.admin.clone();
    let mallory = h.addr("mallory");
    let bob = h.addr("bob");
    assert_err(
        h.stake_exec(&mallory, &ExecuteMsg::SetDispute { dispute: mallory.to_string() }, &[]),
        AccessError::Unauthorized {
            action: "set_dispute",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        },
    );
    assert_err(
        h.stake_exec(&admin, &ExecuteMsg::SetDispute { dispute: mallory.to_string() }, &[]),
        E::DisputeAlreadySet { current: h.dispute.clone() },
    );
    assert_err(
        h.stake_exec(&mallory, &ExecuteMsg::UpdateAdmin { admin: mallory.to_string() }, &[]),
        AccessError::Unauthorized {
            action: "update_admin",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        },
    );
    h.stake_exec(&admin, &ExecuteMsg::UpdateAdmin { admin: bob.to_string() }, &[]).unwrap();
    let c: ConfigResponse = q(&h, &QueryMsg::Config {});
    assert_eq!(c.admin, bob);
}

#[test]
fn relayers_page_in_address_order() {
    let mut h = Hub::new();
    for i in 0..5 {
        h.bond(i, STAKE).unwrap();
    }
    let first: RelayersResponse = q(&h, &QueryMsg::Relayers { start_after: None, limit: Some(2) });
    let rest: RelayersResponse =
        q(&h, &QueryMsg::Relayers { start_after: Some(first.relayers[1].address.to_string()), limit: None });
    assert_eq!(first.relayers.len() + rest.relayers.len(), 5);
    let mut all: Vec<_> = first.relayers.iter().chain(&rest.relayers).map(|r| r.address.clone()).collect();
    let sorted = {
        let mut s = all.clone();
        s.sort();
        s
    };
    assert_eq!(all, sorted);
    all.dedup();
    assert_eq!(all.len(), 5);
    let none: Option<RelayerInfo> = q(&h, &QueryMsg::Relayer { address: h.addr("nobody").to_string() });
    assert!(none.is_none());
}
