//! stake-escrow: one test per attack the audit found, named after the attack it stops.
//!
//! A. signing power outliving the stake behind it (stake lock until set expiry, weight cap,
//!    renewal, threshold strictly above two thirds); B. funds and kept slashed stake, re-bonding
//!    a jailed key; C. unknown fields in every message and query.

use cosmwasm_std::{coins, Addr, AnyMsg, Binary, CosmosMsg, Empty, QueryRequest, Uint128, WasmMsg, WasmQuery};
use cw_multi_test::Executor;
use k256::ecdsa::SigningKey;
use mesh_hub_api::common::{AccessError, FraudKind, FundsNotAccepted};
use mesh_hub_api::dispute::FraudProof;
use mesh_hub_api::stake_escrow::{
    ConfigResponse, ExecuteMsg, InstantiateMsg, QueryMsg, RetainedDestination, DEFAULT_MAX_SIGNER_WEIGHT_BPS,
    DEFAULT_SIGNER_SET_LIFETIME,
};
use mesh_hub_tests::*;
use mesh_protocol::eip712::relayer_key_digest;
use mesh_protocol::sig::sign_digest;
use mesh_protocol::{keccak256, Hash32, Signature65, SignerSet, U256};
use stake_escrow::ContractError as E;

const LIFETIME: u64 = DEFAULT_SIGNER_SET_LIFETIME;
const RENEWAL: u64 = DEFAULT_SIGNER_SET_LIFETIME / 4;

fn pop(h: &Hub, key: &SigningKey, account: &Addr) -> Signature65 {
    sign_digest(key, relayer_key_digest(&h.stake_domain(), account.as_str()))
}

fn slash(h: &mut Hub, i: usize, fraud_id: u64) {
    h.slash(i, FraudKind::WrongAttestation, fraud_id).unwrap();
}

/// Asserts relayer `i` cannot claim because of the set of `epoch` made at `made_at`.
#[track_caller]
fn assert_claim_locked(h: &mut Hub, i: usize, epoch: u64, made_at: u64) {
    let expires_at = made_at + LIFETIME;
    let claimable_from = expires_at + UNBONDING;
    assert_err(h.claim(i), E::StakeLockedBySignerSet { epoch, expires_at, claimable_from });
    let r = h.relayer_info(i);
    assert_eq!((r.locked_by_epoch, r.locked_until, r.claimable_from), (epoch, expires_at, claimable_from));
}

#[track_caller]
fn unbonding(h: &Hub, i: usize) -> u128 {
    h.relayer_info(i).unbonding.iter().map(|e| e.amount.u128()).sum()
}

#[track_caller]
fn current(h: &Hub) -> SignerSet {
    h.current_set().expect("a signer set was made").set
}

/// Weight of relayer `i` in `set` (panics when it is not a member).
#[track_caller]
fn weight(h: &Hub, set: &SignerSet, i: usize) -> U256 {
    set.weight_of(&h.relayers[i].evm).expect("a member")
}

#[track_caller]
fn total(set: &SignerSet) -> U256 {
    set.total_weight().unwrap()
}

// =========================================================================== A(1) stake lock

#[test]
fn a_signer_that_unbonds_and_waits_out_the_unbonding_period_cannot_claim_while_its_set_may_still_be_accepted() {
    let mut h = Hub::with_judge(4);
    let made_at = h.now();
    h.unbond(0, STAKE).unwrap();
    h.wait(UNBONDING);
    // Before the audit this paid out: the unbonding period alone no longer frees stake.
    assert_claim_locked(&mut h, 0, 1, made_at);
    h.wait(made_at + LIFETIME + UNBONDING - 1 - h.now());
    assert_claim_locked(&mut h, 0, 1, made_at);
    h.wait(1);
    let before = h.balance(&h.relayers[0].addr);
    h.claim(0).unwrap();
    assert_eq!(h.balance(&h.relayers[0].addr) - before, STAKE, "free once the set is dead and proofs had time");
}

#[test]
fn a_signer_that_unbonds_then_signs_a_root_the_hub_never_closed_is_still_slashed() {
    let mut h = Hub::with_relayers(4);
    let made_at = h.now();
    h.unbond(1, STAKE).unwrap();
    h.wait(UNBONDING + 10);
    assert_claim_locked(&mut h, 1, 1, made_at);
    // Its epoch-1 key signs a root the hub never closed; chains would accept it until expiry.
    let root = Hash32(keccak256("made up"));
    let signature = h.batch_signature(1, 1, 1_000, root);
    h.submit_fraud(FraudProof::WrongAttestation { epoch: 1, batch_index: 1_000, root, signature }).unwrap();
    let r = h.relayer_info(1);
    let slashed = STAKE * SLASH_BPS as u128 / 10_000;
    assert_eq!((r.jailed, r.slashed.u128(), unbonding(&h, 1)), (true, slashed, STAKE - slashed));
}

#[test]
fn signers_that_leave_to_strand_the_verifiers_stay_slashable_until_their_set_expires() {
    // Two of four members (half the weight, more than the third that blocks every rotation)
    // exit at once; their stake stays in reach of a fraud proof until the set is dead.
    let mut h = Hub::with_judge(4);
    let made_at = h.now();
    h.unbond(2, STAKE).unwrap();
    h.unbond(3, STAKE).unwrap();
    h.wait(LIFETIME - 1);
    assert_claim_locked(&mut h, 2, 1, made_at);
    assert_claim_locked(&mut h, 3, 1, made_at);
    slash(&mut h, 3, 0);
    assert_eq!(unbonding(&h, 3), STAKE - STAKE * SLASH_BPS as u128 / 10_000);
}

#[test]
fn a_member_of_a_later_set_is_locked_until_the_later_set_expires() {
    let mut h = Hub::with_judge(3);
    h.bond(3, STAKE).unwrap();
    h.wait(ROTATION_DELAY);
    let made_at = h.now();
    h.rotate().unwrap();
    h.unbond(0, STAKE).unwrap();
    h.wait(UNBONDING);
    assert_claim_locked(&mut h, 0, 2, made_at);
    // Relayer 3 was only ever in epoch 2; a relayer never in a set is not locked at all.
    assert_eq!(h.relayer_info(3).locked_by_epoch, 2);
    h.bond(4, STAKE).unwrap();
    h.unbond(4, STAKE).unwrap();
    h.wait(UNBONDING);
    h.claim(4).unwrap();
}

// =========================================================================== A(2) weight cap

#[test]
fn a_flash_bond_of_seven_times_the_others_gets_less_than_a_third_of_the_next_set() {
    let mut h = Hub::with_relayers(5);
    h.bond(5, 7 * STAKE).unwrap();
    h.wait(ROTATION_DELAY);
    h.rotate().unwrap();
    let set = current(&h);
    let flash = weight(&h, &set, 5);
    // c · (10000 − 3333) ≤ 3333 · 50 000 → c = 24 996.
    assert_eq!(flash, U256::from(24_996u64));
    assert!(flash * U256::from(3u8) < total(&set), "less than a third");
    let honest: U256 = (0..5).map(|i| weight(&h, &set, i)).fold(U256::ZERO, |a, b| a + b);
    assert_eq!(honest, U256::from(5 * STAKE), "the others keep their weight");
    assert!(honest >= set.threshold.0, "the honest members alone still sign");
    // And the flash bond cannot leave: its stake is locked by the set that counts it.
    let made_at = h.now();
    h.unbond(5, 7 * STAKE).unwrap();
    h.wait(UNBONDING);
    assert_claim_locked(&mut h, 5, 2, made_at);
}

#[test]
fn a_set_too_small_for_the_cap_gives_every_member_the_same_weight() {
    let mut h = Hub::new();
    h.bond(0, 3_000).unwrap();
    h.bond(1, 5_000).unwrap();
    h.bond(2, 70_000).unwrap();
    h.rotate().unwrap();
    let set = current(&h);
    assert!(set.signers.iter().all(|s| s.weight.0 == U256::from(3_000u64)), "one signer, one vote: {set:?}");
    assert_eq!(set.threshold.0, U256::from(6_001u64), "all three must sign");
}

#[test]
fn instantiate_is_refused_when_the_weight_cap_cannot_be_met_by_a_full_set() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    for bad in [0u16, 156, 10_001] {
        let m = InstantiateMsg { max_signer_weight_bps: Some(bad), ..stake_instantiate_msg() };
        assert_err(
            h.app.instantiate_contract(h.code_ids.0, admin.clone(), &m, &[], "s", None),
            E::InvalidConfig { field: "max_signer_weight_bps", reason: "must be 157 to 10000".into() },
        );
    }
    let addr = h.app.instantiate_contract(h.code_ids.0, admin, &stake_instantiate_msg(), &[], "s", None).unwrap();
    let c: ConfigResponse = h.app.wrap().query_wasm_smart(addr, &QueryMsg::Config {}).unwrap();
    assert_eq!(
        (c.max_signer_weight_bps, c.signer_set_lifetime, c.renewal_window),
        (DEFAULT_MAX_SIGNER_WEIGHT_BPS, LIFETIME, RENEWAL)
    );
}

// =========================================================================== A(3) renewal

#[test]
fn a_set_whose_members_do_not_change_is_renewed_before_it_expires_instead_of_stranding_the_verifiers() {
    let mut h = Hub::with_relayers(4);
    let first = current(&h);
    let renewable_at = first.expires_at - RENEWAL;
    h.wait(renewable_at - 1 - h.now());
    assert_err(h.rotate(), E::SignerSetUnchanged { epoch: 1, renewable_at });
    h.wait(1);
    let made_at = h.now();
    h.rotate().unwrap();
    let renewed = current(&h);
    assert_eq!((renewed.epoch, &renewed.signers, renewed.threshold), (2, &first.signers, first.threshold));
    assert_eq!(renewed.expires_at, made_at + LIFETIME);
    h.unbond(0, STAKE).unwrap();
    h.wait(UNBONDING);
    assert_claim_locked(&mut h, 0, 2, made_at);
}

#[test]
fn instantiate_is_refused_when_a_renewal_could_not_happen_before_expiry() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    let mut try_msg = |f: &dyn Fn(&mut InstantiateMsg)| {
        let mut m = stake_instantiate_msg();
        f(&mut m);
        h.app.instantiate_contract(h.code_ids.0, admin.clone(), &m, &[], "s", None)
    };
    assert_err(
        try_msg(&|m| m.signer_set_lifetime = Some(0)),
        E::InvalidConfig { field: "signer_set_lifetime", reason: "must be positive".into() },
    );
    for window in [0, 10_000] {
        assert_err(
            try_msg(&|m| {
                m.signer_set_lifetime = Some(10_000);
                m.renewal_window = Some(window);
            }),
            E::InvalidConfig {
                field: "renewal_window",
                reason: format!("{window}s must be positive and below the signer-set lifetime 10000s"),
            },
        );
    }
    assert_err(
        try_msg(&|m| {
            m.signer_set_lifetime = Some(10_000);
            m.renewal_window = Some(10_000 - ROTATION_DELAY);
        }),
        E::InvalidConfig {
            field: "rotation_delay",
            reason: format!("{ROTATION_DELAY}s must be below signer-set lifetime - renewal window = {ROTATION_DELAY}s"),
        },
    );
    try_msg(&|m| {
        m.signer_set_lifetime = Some(10_000);
        m.renewal_window = Some(10_000 - ROTATION_DELAY - 1);
    })
    .unwrap();
}

// =========================================================================== A(4) threshold

#[test]
fn two_of_three_equal_signers_no_longer_reach_the_threshold() {
    let h = Hub::with_relayers(3);
    // ⌊2 · 30 000 / 3⌋ + 1: exactly two thirds is not enough any more.
    assert_eq!(current(&h).threshold.0, U256::from(20_001u64));
    let h = Hub::with_relayers(4);
    assert_eq!(current(&h).threshold.0, U256::from(26_667u64), "⌊80 000 / 3⌋ + 1");
}

// =========================================================================== B funds, kept stake, jailed keys

#[test]
fn funds_sent_with_any_message_but_bond_are_refused_instead_of_stuck_in_the_contract() {
    let mut h = Hub::with_judge(2);
    // Funds are refused before anything else is checked (the judge account holds no funds, so
    // relayer 0 sends the slash; it is refused for its funds, not its sender).
    let (admin, r0) = (h.admin.clone(), h.relayers[0].addr.clone());
    let msgs: Vec<(Addr, ExecuteMsg, &str)> = vec![
        (r0.clone(), ExecuteMsg::Unbond { amount: Uint128::new(1) }, "unbond"),
        (r0.clone(), ExecuteMsg::Claim {}, "claim"),
        (
            r0.clone(),
            ExecuteMsg::Slash {
                relayer: r0.to_string(),
                kind: FraudKind::FalseLock,
                fraud_id: 0,
                disputer: r0.to_string(),
            },
            "slash",
        ),
        (admin.clone(), ExecuteMsg::Unjail { relayer: r0.to_string() }, "unjail"),
        (r0.clone(), ExecuteMsg::RotateSigners {}, "rotate_signers"),
        (admin.clone(), ExecuteMsg::SetDispute { dispute: r0.to_string() }, "set_dispute"),
        (admin.clone(), ExecuteMsg::UpdateAdmin { admin: r0.to_string() }, "update_admin"),
        (
            admin,
            ExecuteMsg::WithdrawRetained {
                to: RetainedDestination::Account { address: r0.to_string() },
                amount: 1u128.into(),
            },
            "withdraw_retained",
        ),
    ];
    for (sender, msg, action) in msgs {
        let before = h.balance(&h.stake);
        assert_err(
            h.stake_exec(&sender, &msg, &coins(7, DENOM)),
            FundsNotAccepted { action, funds: format!("7{DENOM}") },
        );
        assert_eq!(h.balance(&h.stake), before);
    }
}

#[test]
fn slashed_stake_kept_by_the_contract_is_withdrawn_by_the_admin_to_an_account() {
    let mut h = Hub::with_judge(2);
    slash(&mut h, 0, 0);
    let retained = h.totals().slashed_retained;
    let slashed = STAKE * SLASH_BPS as u128 / 10_000;
    assert_eq!(retained.u128(), slashed - slashed * BOUNTY_BPS as u128 / 10_000);
    let (admin, mallory, community) = (h.admin.clone(), h.addr("mallory"), h.community.clone());
    let withdraw = |amount: u128| ExecuteMsg::WithdrawRetained {
        to: RetainedDestination::Account { address: community.to_string() },
        amount: Uint128::new(amount),
    };
    assert_err(
        h.stake_exec(&mallory, &withdraw(1), &[]),
        E::Access(AccessError::Unauthorized {
            action: "withdraw_retained",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        }),
    );
    assert_err(h.stake_exec(&admin, &withdraw(0), &[]), E::ZeroAmount);
    assert_err(
        h.stake_exec(&admin, &withdraw(retained.u128() + 1), &[]),
        E::InsufficientRetained { retained, requested: retained + Uint128::one() },
    );
    let before = h.balance(&community);
    h.stake_exec(&admin, &withdraw(retained.u128()), &[]).unwrap();
    assert_eq!(h.balance(&community) - before, retained.u128());
    let t = h.totals();
    assert_eq!((t.slashed_retained, t.retained_withdrawn), (Uint128::zero(), retained));
    assert_eq!(t.total_slashed, t.bounties_paid + t.sent_to_community_pool + t.retained_withdrawn + t.slashed_retained);
    assert_eq!(Uint128::new(h.balance(&h.stake)), t.total_bonded + t.total_unbonding + t.slashed_retained);
}

#[test]
fn slashed_stake_kept_by_the_contract_funds_the_community_pool_module_account() {
    // The chain's community pool is a module account a plain bank send cannot reach; the
    // withdrawal asks the distribution module instead.
    let mut h = Hub::with_judge(2);
    slash(&mut h, 0, 0);
    let retained = h.totals().slashed_retained;
    let admin = h.admin.clone();
    let msg = ExecuteMsg::WithdrawRetained { to: RetainedDestination::CommunityPool {}, amount: retained };
    let res = h.app.execute_contract(admin, h.stake.clone(), &msg, &[]);
    // cw-multi-test executes no `Any` message; its refusal shows the exact message the contract
    // sent: MsgFundCommunityPool { amount: [retained bond denom], depositor: the stake-escrow }.
    let expected = AnyMsg {
        type_url: "/cosmos.distribution.v1beta1.MsgFundCommunityPool".into(),
        value: fund_community_pool_protobuf(&h.stake, retained.u128()).into(),
    };
    assert_err(res, format!("Unexpected any execute: msg={expected:?} from {}", h.stake));
    assert_eq!(h.totals().slashed_retained, retained, "the failed withdrawal changed nothing");
}

#[test]
fn a_jailed_relayer_cannot_bond_again_under_a_new_account_with_the_same_evm_key() {
    let mut h = Hub::with_judge(3);
    slash(&mut h, 0, 0);
    let (r0, mallory) = (h.relayers[0].clone(), h.addr("mallory"));
    let msg = ExecuteMsg::Bond { evm_signer: r0.evm, proof_of_possession: pop(&h, &r0.key, &mallory) };
    assert_err(
        h.stake_exec(&mallory, &msg, &coins(STAKE, DENOM)),
        E::SignerTaken { signer: r0.evm, owner: r0.addr.clone() },
    );
    // Unbonding does not free the key either.
    h.unbond(0, h.relayer_info(0).bonded.u128()).unwrap();
    assert_err(
        h.stake_exec(&mallory, &msg, &coins(STAKE, DENOM)),
        E::SignerTaken { signer: r0.evm, owner: r0.addr.clone() },
    );
}

/// Protobuf of `MsgFundCommunityPool { amount: [Coin { denom: DENOM, amount }], depositor }`,
/// written out by hand (all lengths < 128: one-byte varints).
fn fund_community_pool_protobuf(depositor: &Addr, amount: u128) -> Vec<u8> {
    let amount = amount.to_string();
    let mut coin = vec![0x0a, DENOM.len() as u8];
    coin.extend(DENOM.bytes());
    coin.extend([0x12, amount.len() as u8]);
    coin.extend(amount.bytes());
    let mut msg = vec![0x0a, coin.len() as u8];
    msg.extend(coin);
    msg.extend([0x12, depositor.as_str().len() as u8]);
    msg.extend(depositor.as_str().bytes());
    msg
}

// =========================================================================== C unknown fields

/// `json` with `"extra":1` beside the variant's body (`{"v":{..},"extra":1}`).
fn beside(json: &str) -> String {
    format!("{},\"extra\":1}}", &json[..json.len() - 1])
}
/// `json` with `"extra":1` inside the variant's body (`{"v":{"extra":1,..}}`).
fn inside(json: &str) -> String {
    let open = json[1..].find('{').expect("a struct body") + 2;
    let sep = if json[open..].starts_with('}') { "" } else { "," };
    format!("{}\"extra\":1{sep}{}", &json[..open], &json[open..])
}

/// The stake-escrow's raw storage and its balance.
type Snapshot = (Vec<(Vec<u8>, Vec<u8>)>, u128);

/// Everything the stake-escrow stores and holds, to show a refusal changed nothing.
fn snapshot(h: &Hub) -> Snapshot {
    let raw = h.app.dump_wasm_raw(&h.stake).into_iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
    (raw, h.balance(&h.stake))
}

/// Asserts `json` was refused by the JSON decoder with exactly `expected` (serde-json-wasm's
/// message; no contract code ran).
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(res: StdResult<T>, json: &str, expected: &str) {
    let err = res.expect_err(&format!("{json} must be refused")).to_string();
    let want = format!("kind: Serialization, error: {expected}");
    assert!(err.contains(&want), "{json}: expected `{want}`, got `{err}`");
}

/// The decoder's refusal of `beside(json)`: an enum is a one-key object, so the `,` after the
/// variant's body (at 0-based column `json.len() - 1`) is refused.
fn beside_refusal(json: &str) -> String {
    format!("expected value at line 1 column {}", json.len() - 1)
}

/// The decoder's refusal of a body with `extra` (`deny_unknown_fields`).
const INSIDE_REFUSAL: &str = "unknown field `extra`";

#[test]
fn unknown_fields_are_refused_in_every_stake_escrow_message_and_query() {
    let mut h = Hub::with_judge(2);
    let r0 = h.relayers[0].addr.clone();
    let signer = h.relayers[0].evm;
    let executes = vec![
        ExecuteMsg::Bond { evm_signer: signer, proof_of_possession: h.proof_of_possession(0) },
        ExecuteMsg::Unbond { amount: Uint128::new(1) },
        ExecuteMsg::Claim {},
        ExecuteMsg::Slash {
            relayer: r0.to_string(),
            kind: FraudKind::FalseLock,
            fraud_id: 0,
            disputer: r0.to_string(),
        },
        ExecuteMsg::Unjail { relayer: r0.to_string() },
        ExecuteMsg::RotateSigners {},
        ExecuteMsg::SetDispute { dispute: r0.to_string() },
        ExecuteMsg::UpdateAdmin { admin: r0.to_string() },
        ExecuteMsg::WithdrawRetained {
            to: RetainedDestination::Account { address: r0.to_string() },
            amount: 1u128.into(),
        },
        ExecuteMsg::WithdrawRetained { to: RetainedDestination::CommunityPool {}, amount: 1u128.into() },
    ];
    assert_eq!(executes.len(), 10, "every variant (and both destinations)");
    let sender = h.admin.clone();
    for msg in &executes {
        let json = String::from_utf8(cosmwasm_std::to_json_vec(msg).unwrap()).unwrap();
        let mut variants = vec![(beside(&json), beside_refusal(&json)), (inside(&json), INSIDE_REFUSAL.to_owned())];
        if let ExecuteMsg::WithdrawRetained { .. } = msg {
            // And inside the nested destination.
            let at = json.find("\"to\":").unwrap() + 5;
            let bad = format!("{}{}", &json[..at], inside(&json[at..json.len() - 1]) + "}");
            variants.push((bad, INSIDE_REFUSAL.to_owned()));
        }
        for (bad, expected) in variants {
            let before = snapshot(&h);
            let wasm = WasmMsg::Execute {
                contract_addr: h.stake.to_string(),
                msg: Binary::from(bad.as_bytes()),
                funds: if bad.contains("\"bond\"") { coins(STAKE, DENOM) } else { vec![] },
            };
            let res = h.app.execute(sender.clone(), CosmosMsg::<Empty>::Wasm(wasm));
            assert_refused(res, &bad, &expected);
            assert_eq!(snapshot(&h), before, "{bad} changed nothing");
        }
    }

    let queries = vec![
        QueryMsg::Config {},
        QueryMsg::Relayer { address: r0.to_string() },
        QueryMsg::RelayerBySigner { evm_signer: signer },
        QueryMsg::Relayers { start_after: None, limit: Some(1) },
        QueryMsg::IsActive { address: r0.to_string() },
        QueryMsg::SignerSet { epoch: 1 },
        QueryMsg::CurrentSignerSet {},
        QueryMsg::NextSignerSet {},
        QueryMsg::Totals {},
    ];
    for msg in &queries {
        let json = String::from_utf8(cosmwasm_std::to_json_vec(msg).unwrap()).unwrap();
        for (bad, expected) in [(beside(&json), beside_refusal(&json)), (inside(&json), INSIDE_REFUSAL.to_owned())] {
            let req = QueryRequest::Wasm(WasmQuery::Smart {
                contract_addr: h.stake.to_string(),
                msg: Binary::from(bad.as_bytes()),
            });
            let res: StdResult<Binary> = h.app.wrap().query(&req);
            assert_refused(res, &bad, &expected);
        }
    }

    // Instantiate: beside the message's fields (it has no variant body).
    let json = String::from_utf8(cosmwasm_std::to_json_vec(&stake_instantiate_msg()).unwrap()).unwrap();
    let bad = beside(&json);
    let wasm = WasmMsg::Instantiate {
        admin: None,
        code_id: h.code_ids.0,
        msg: Binary::from(bad.as_bytes()),
        funds: vec![],
        label: "s".into(),
    };
    let res = h.app.execute(h.admin.clone(), CosmosMsg::<Empty>::Wasm(wasm));
    assert_refused(res, &bad, INSIDE_REFUSAL);
}
