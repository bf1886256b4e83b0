//! `Lock` (bank denoms) and the cw20 `Receive` hook: what `MeshRouter.lock` refuses, and what
//! the record holds.

use cosmwasm_std::{coin, coins, Uint128, Uint256};
use cw_multi_test::Executor;
use mesh_hub_api::router_cw::{bank_denom_token_id, CwToken, ExecuteMsg, LegStatus, QueryMsg};
use mesh_protocol::eip712::leg_hash;
use mesh_protocol::{AccountId, Amount, Hash32, ProtocolError};
use mesh_router_cw::ContractError;

use crate::harness::*;

#[test]
fn a_bank_lock_escrows_the_coin_records_the_leg_and_emits_leg_locked() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    let r = w.lock_native(&alice, &bundle, 0);
    assert_eq!(w.bank_balance(&w.router, DENOM), 1000);
    assert_eq!(w.bank_balance(&alice, DENOM), INITIAL - 1000);
    let e = w.escrow(id, 0).unwrap();
    assert_eq!(e.status, LegStatus::Locked);
    assert_eq!(e.leg_hash, Hash32(leg_hash(&bundle.legs[0])));
    assert_eq!(e.depositor, alice);
    assert_eq!(e.recipient, w.bob);
    assert_eq!(e.token, CwToken::Native { denom: DENOM.into() });
    assert_eq!(e.amount, Uint256::from(1000u128));
    assert_eq!((e.lock_deadline, e.settle_deadline), (bundle.lock_deadline, bundle.settle_deadline));
    let ev = events(&r, "mesh_leg_locked");
    assert_eq!(ev.len(), 1);
    assert_eq!(attr(ev[0], "bundle_id"), id.to_string());
    assert_eq!(attr(ev[0], "index"), "0");
    assert_eq!(attr(ev[0], "leg_hash"), e.leg_hash.to_string());
    assert_eq!(attr(ev[0], "token"), bank_denom_token_id(DENOM).to_string());
    assert_eq!(attr(ev[0], "amount"), "1000");
    assert_eq!(attr(ev[0], "depositor"), w.account(&alice).to_string());
    let opens: Option<u64> = w.query(&QueryMsg::RefundOpensAt { bundle_id: id, index: 0 });
    assert_eq!(opens, Some(bundle.settle_deadline + GRACE));
}

#[test]
fn a_lock_at_the_lock_deadline_itself_is_accepted() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    w.warp(bundle.lock_deadline);
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
}

#[test]
fn a_cw20_send_locks_with_the_amount_the_token_reports() {
    let mut w = World::new();
    let (alice, bob) = (w.alice.clone(), w.bob.clone());
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let bundle = w.bundle(vec![leg]);
    let id = w.id(&bundle);
    let r = w.try_lock_cw20(&alice, &bundle, 0, 500).expect("cw20 lock");
    assert_eq!(w.cw20_balance(&w.router), 500);
    let e = w.escrow(id, 0).unwrap();
    assert_eq!(e.token, CwToken::Cw20 { address: w.cw20.clone() });
    assert_eq!(e.depositor, alice);
    assert_eq!(attr(events(&r, "mesh_leg_locked")[0], "token"), w.cw20_token().to_string());
}

#[test]
fn a_multi_leg_bundle_locks_only_the_legs_of_this_domain() {
    let mut w = World::new();
    let (alice, bob, carol) = (w.alice.clone(), w.bob.clone(), w.carol.clone());
    let mine = w.leg(&carol, w.native_token(), 10, &alice);
    let bundle = w.bundle(vec![w.leg(&alice, w.native_token(), 7, &bob), w.foreign_leg(), mine]);
    w.lock_native(&alice, &bundle, 0);
    w.lock_native(&carol, &bundle, 2);
    assert_refused(
        w.try_lock_native(&alice, &bundle, 1, &coins(5, DENOM)),
        ContractError::WrongDomain { expected: DOMAIN, got: 99 },
    );
}

#[test]
fn a_lock_refuses_a_leg_of_another_domain() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    bundle.legs[0].domain = DOMAIN + 1;
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::WrongDomain { expected: DOMAIN, got: DOMAIN + 1 },
    );
}

#[test]
fn a_lock_refuses_a_leg_carrying_an_action_it_cannot_run() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    bundle.legs[0].action = Some(mesh_protocol::Action {
        target: w.account(&w.cw20.clone()),
        data: br#"{"swap":{}}"#.to_vec().into(),
        output_token: w.native_token(),
        min_out: mesh_protocol::Amount::from(1u128),
        gas_limit: 100_000,
    });
    let alice = w.alice.clone();
    assert_refused(w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)), ContractError::ActionNotSupported);
    assert!(w.escrow(w.id(&bundle), 0).is_none(), "nothing escrowed");
}

#[test]
fn a_lock_refuses_a_leg_naming_another_router() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    let other = w.account(&w.cw20.clone());
    bundle.legs[0].router = other;
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::WrongRouter { leg_router: other, router: w.router_id() },
    );
}

#[test]
fn a_lock_by_someone_else_than_the_depositor_is_refused() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let carol = w.carol.clone();
    assert_refused(
        w.try_lock_native(&carol, &bundle, 0, &coins(1000, DENOM)),
        ContractError::NotDepositor { caller: carol, depositor: bundle.legs[0].depositor },
    );
}

#[test]
fn a_cw20_lock_whose_sender_is_not_the_depositor_is_refused() {
    let mut w = World::new();
    let (alice, bob, carol) = (w.alice.clone(), w.bob.clone(), w.carol.clone());
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let bundle = w.bundle(vec![leg]);
    assert_refused(
        w.try_lock_cw20(&carol, &bundle, 0, 500),
        ContractError::NotDepositor { caller: carol, depositor: bundle.legs[0].depositor },
    );
    assert_eq!(w.cw20_balance(&w.router), 0, "the failed Send moved nothing");
}

#[test]
fn a_lock_after_the_lock_deadline_is_refused() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    w.warp(bundle.lock_deadline + 1);
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::LockDeadlinePassed { lock_deadline: bundle.lock_deadline, now: bundle.lock_deadline + 1 },
    );
}

#[test]
fn a_lock_with_deadlines_out_of_order_is_refused() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    bundle.settle_deadline = bundle.lock_deadline;
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::DeadlinesOutOfOrder {
            lock_deadline: bundle.lock_deadline,
            settle_deadline: bundle.lock_deadline,
        },
    );
}

#[test]
fn a_lock_of_a_zero_amount_leg_is_refused() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    bundle.legs[0].amount = Amount::from(0u128);
    let alice = w.alice.clone();
    assert_refused(w.try_lock_native(&alice, &bundle, 0, &coins(1, DENOM)), ContractError::ZeroAmount);
}

#[test]
fn a_lock_of_a_leg_without_recipient_is_refused() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    bundle.legs[0].recipient = AccountId::ZERO;
    let alice = w.alice.clone();
    assert_refused(w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)), ContractError::ZeroRecipient);
}

#[test]
fn a_lock_of_a_malformed_bundle_is_refused() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    let mut foreign = w.foreign_leg();
    foreign.amount = Amount::from(0u128);
    bundle.legs.push(foreign);
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::InvalidBundle(ProtocolError::ZeroAmount { index: 1 }),
    );
    let mut big = w.simple_bundle();
    let foreign = w.foreign_leg();
    big.legs.extend(std::iter::repeat_n(foreign, 16));
    assert_refused(
        w.try_lock_native(&alice, &big, 0, &coins(1000, DENOM)),
        ContractError::InvalidBundle(ProtocolError::TooManyLegs { count: 17, max: 16 }),
    );
}

#[test]
fn a_lock_of_an_index_beyond_the_legs_is_refused() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_native(&alice, &bundle, 1, &coins(1000, DENOM)),
        ContractError::LegIndexOutOfRange { index: 1, count: 1 },
    );
    let empty = w.bundle(vec![]);
    assert_refused(
        w.try_lock_native(&alice, &empty, 0, &coins(1000, DENOM)),
        ContractError::LegIndexOutOfRange { index: 0, count: 0 },
    );
}

#[test]
fn a_lock_twice_of_one_leg_is_refused() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::LegAlreadyLocked { bundle_id: id, index: 0 },
    );
}

#[test]
fn a_lock_with_less_than_the_leg_amount_is_refused() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(999, DENOM)),
        ContractError::InsufficientReceived { expected: Amount::from(1000u128), received: Uint256::from(999u128) },
    );
    let (bob,) = (w.bob.clone(),);
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let b2 = w.bundle(vec![leg]);
    assert_refused(
        w.try_lock_cw20(&alice, &b2, 0, 499),
        ContractError::InsufficientReceived { expected: Amount::from(500u128), received: Uint256::from(499u128) },
    );
}

#[test]
fn a_lock_with_more_than_the_leg_amount_credits_what_was_received() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    w.try_lock_native(&alice, &bundle, 0, &coins(1500, DENOM)).unwrap();
    assert_eq!(w.escrow(id, 0).unwrap().amount, Uint256::from(1500u128));
}

#[test]
fn a_lock_with_no_coin_two_coins_or_another_denom_is_refused() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let alice = w.alice.clone();
    assert_refused(w.try_lock_native(&alice, &bundle, 0, &[]), ContractError::WrongFunds { funds: String::new() });
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &[coin(1000, DENOM), coin(1, OTHER_DENOM)]),
        ContractError::WrongFunds { funds: format!("1000{DENOM},1{OTHER_DENOM}") },
    );
    assert_refused(
        w.try_lock_native(&alice, &bundle, 0, &coins(1000, OTHER_DENOM)),
        ContractError::WrongToken { leg_token: bank_denom_token_id(DENOM), sent: bank_denom_token_id(OTHER_DENOM) },
    );
}

#[test]
fn a_cw20_lock_of_a_bank_leg_and_a_bank_lock_of_a_cw20_leg_are_refused() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let alice = w.alice.clone();
    assert_refused(
        w.try_lock_cw20(&alice, &bundle, 0, 1000),
        ContractError::WrongToken { leg_token: bank_denom_token_id(DENOM), sent: w.cw20_token() },
    );
    let bob = w.bob.clone();
    let leg = w.leg(&alice, w.cw20_token(), 500, &bob);
    let b2 = w.bundle(vec![leg]);
    assert_refused(
        w.try_lock_native(&alice, &b2, 0, &coins(500, DENOM)),
        ContractError::WrongToken { leg_token: w.cw20_token(), sent: bank_denom_token_id(DENOM) },
    );
}

#[test]
fn a_receive_hook_with_a_foreign_message_is_refused() {
    let mut w = World::new();
    let alice = w.alice.clone();
    let send = mesh_hub_api::router_cw::Cw20ExecuteMsg::Send {
        contract: w.router.to_string(),
        amount: Uint128::new(5),
        msg: cosmwasm_std::to_json_binary(&serde_json::json!({"steal": {}})).unwrap(),
    };
    let cw20 = w.cw20.clone();
    let got = refusal(w.app.execute_contract(alice, cw20, &send, &[]));
    assert!(
        got.contains("the cw20 hook's msg is not a router ReceiveMsg:") && got.contains("unknown variant `steal`"),
        "{got}"
    );
}

#[test]
fn funds_sent_with_any_other_message_are_refused() {
    let mut w = World::new();
    let alice = w.alice.clone();
    let msg = ExecuteMsg::RefundExpired { bundle_id: Hash32::default(), index: 0 };
    assert_refused(
        w.exec(&alice, &msg, &coins(1, DENOM)),
        ContractError::FundsNotAccepted(mesh_hub_api::common::FundsNotAccepted {
            action: "refund_expired",
            funds: format!("1{DENOM}"),
        }),
    );
}

#[test]
fn a_recipient_of_twenty_bytes_is_paid_at_its_twenty_byte_address() {
    let mut w = World::new();
    let alice = w.alice.clone();
    let mut leg = w.leg(&alice, w.native_token(), 10, &alice.clone());
    leg.recipient = AccountId::from_evm([0x5a; 20].into());
    let bundle = w.bundle(vec![leg]);
    let id = w.id(&bundle);
    w.lock_native(&alice, &bundle, 0);
    let recipient = w.escrow(id, 0).unwrap().recipient;
    let bytes = cosmwasm_std::Api::addr_canonicalize(w.app.api(), recipient.as_str()).unwrap();
    assert_eq!(bytes.as_slice(), &[0x5a; 20]);
    w.settle_alone(id, 0, mesh_protocol::Verdict::Commit).unwrap();
    assert_eq!(w.bank_balance(&recipient, DENOM), 10);
}

#[test]
fn a_lock_refuses_a_lock_and_mint_leg() {
    let mut w = World::new();
    let mut bundle = w.simple_bundle();
    bundle.legs[0].kind = mesh_protocol::LegKind::Lock;
    let alice = w.alice.clone();
    assert_refused(w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)), ContractError::KindNotSupported);
    assert!(w.escrow(w.id(&bundle), 0).is_none(), "nothing escrowed");
}
