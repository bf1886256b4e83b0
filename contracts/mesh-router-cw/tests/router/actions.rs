//! Actions on COMMIT (docs/protocol.md section 12): the Router hands a committed leg's escrow to
//! its isolated executor, which calls the target under the action's gas limit; the recipient gets
//! at least `min_out` of the output token, or else the escrowed tokens themselves. One outcome
//! per leg. (cw-multi-test meters no gas: a target that burns all its gas is covered on a real
//! node only.)

use cosmwasm_std::{coin, coins, to_json_binary, Addr, Uint128};
use cw_multi_test::{AppResponse, ContractWrapper, Executor};
use mesh_action_executor_cw::msg::ExecuteMsg as ExecutorMsg;
use mesh_action_targets_cw::ExecuteMsg as TargetMsg;
use mesh_hub_api::router_cw::{
    bank_denom_token_id, ActionOutcome, CwToken, ExecuteMsg, LegActionResponse, LegStatus, QueryMsg,
};
use mesh_protocol::eip712::{action_hash, settlement_leaf};
use mesh_protocol::{AccountId, Action, Amount, Bundle, Hash32, HexBytes, Leg, Verdict};
use mesh_router_cw::ContractError;

use crate::cw20_mock;
use crate::harness::*;

/// What the target holds to pay outputs with.
const TARGET_FUNDS: u128 = 100_000;

/// A world whose Router runs actions (instantiated with the executor's code id), a target
/// fixture funded with `uatom` and with `out`, a second cw20.
struct Actions {
    w: World,
    executor: Addr,
    target: Addr,
    out: Addr,
}

impl Actions {
    fn new() -> Actions {
        let mut w = World::new();
        let executor_code = w.app.store_code(Box::new(ContractWrapper::new(
            mesh_action_executor_cw::contract::execute,
            mesh_action_executor_cw::contract::instantiate,
            mesh_action_executor_cw::contract::query,
        )));
        let target_code = w.app.store_code(Box::new(
            ContractWrapper::new(
                mesh_action_targets_cw::execute,
                mesh_action_targets_cw::instantiate,
                mesh_action_targets_cw::query,
            )
            .with_reply(mesh_action_targets_cw::reply),
        ));
        let msg = mesh_hub_api::router_cw::InstantiateMsg {
            action_executor_code_id: Some(executor_code),
            ..instantiate_msg(&w.keys)
        };
        w.router = w.another_router(&msg);
        let executor = w.config().action_executor.expect("the router instantiated its executor");
        let carol = w.carol.clone();
        let target = w
            .app
            .instantiate_contract(
                target_code,
                carol.clone(),
                &mesh_action_targets_cw::InstantiateMsg {},
                &[],
                "t",
                None,
            )
            .unwrap();
        w.app.send_tokens(carol.clone(), target.clone(), &coins(TARGET_FUNDS, OTHER_DENOM)).unwrap();
        let cw20_code = w.app.store_code(cw20_mock::contract());
        let balances = vec![(target.to_string(), Uint128::new(TARGET_FUNDS))];
        let out =
            w.app.instantiate_contract(cw20_code, carol, &cw20_mock::InitMsg { balances }, &[], "out", None).unwrap();
        Actions { w, executor, target, out }
    }

    fn target_id(&self) -> AccountId {
        self.w.account(&self.target)
    }

    /// An action calling the target with `msg`, requiring `min_out` of `output_token`.
    fn action(&self, msg: &TargetMsg, output_token: AccountId, min_out: u128) -> Action {
        Action {
            target: self.target_id(),
            data: HexBytes(serde_json::to_vec(msg).unwrap()),
            output_token,
            min_out: Amount::from(min_out),
            gas_limit: 500_000,
        }
    }

    /// The swap that pays `amount` of `uatom` to the caller (the executor).
    fn swap_to_uatom(&self, amount: u128) -> TargetMsg {
        TargetMsg::Swap {
            output: CwToken::Native { denom: OTHER_DENOM.into() },
            amount: Uint128::new(amount),
            to: None,
        }
    }

    /// Alice's one-leg bundle: `amount` of `token` for Bob, with `action`.
    fn bundle_with(&mut self, token: AccountId, amount: u128, action: Action) -> Bundle {
        let (alice, bob) = (self.w.alice.clone(), self.w.bob.clone());
        let mut leg: Leg = self.w.leg(&alice, token, amount, &bob);
        leg.action = Some(action);
        self.w.bundle(vec![leg])
    }

    /// Locks Alice's 1000 `inj` for Bob with `action`; returns the bundle id.
    #[track_caller]
    fn locked_native(&mut self, action: Action) -> Hash32 {
        let bundle = self.bundle_with(self.w.native_token(), 1000, action);
        let alice = self.w.alice.clone();
        self.w.lock_native(&alice, &bundle, 0);
        self.w.id(&bundle)
    }

    fn try_settle_action(&mut self, id: Hash32, index: u32, action: Action) -> cosmwasm_std::StdResult<AppResponse> {
        let root = self.w.verified_root(&[settlement_leaf(id.0, Verdict::Commit)]);
        let carol = self.w.carol.clone();
        self.w.exec(
            &carol,
            &ExecuteMsg::SettleAction { bundle_id: id, index, batch_root: root, proof: vec![], action },
            &[],
        )
    }

    #[track_caller]
    fn settle_action(&mut self, id: Hash32, action: Action) -> AppResponse {
        self.try_settle_action(id, 0, action).expect("settle action")
    }

    fn leg_action(&self, id: Hash32) -> Option<LegActionResponse> {
        self.w.query(&QueryMsg::LegAction { bundle_id: id, index: 0 })
    }

    fn cw20_of(&self, token: &Addr, holder: &Addr) -> u128 {
        let r: cw20_mock::BalanceResponse = self
            .w
            .app
            .wrap()
            .query_wasm_smart(token.as_str(), &cw20_mock::QueryMsg::Balance { address: holder.to_string() })
            .unwrap();
        r.balance.u128()
    }

    /// The executor keeps nothing between runs, of any token the tests use.
    #[track_caller]
    fn assert_executor_empty(&self) {
        for denom in [DENOM, OTHER_DENOM] {
            assert_eq!(self.w.bank_balance(&self.executor, denom), 0, "executor holds {denom}");
        }
        assert_eq!(self.cw20_of(&self.w.cw20, &self.executor), 0, "executor holds the cw20");
        assert_eq!(self.cw20_of(&self.out, &self.executor), 0, "executor holds the output cw20");
    }

    /// The leg committed with `outcome`, reported by exactly one `mesh_action_outcome` event.
    #[track_caller]
    fn assert_outcome(&self, r: &AppResponse, id: Hash32, outcome: ActionOutcome) {
        let reported = events(r, "mesh_action_outcome");
        assert_eq!(reported.len(), 1, "one outcome event");
        let name = match outcome {
            ActionOutcome::Executed => "executed",
            ActionOutcome::FellBack => "fell_back",
        };
        assert_eq!(attr(reported[0], "outcome"), name);
        assert_eq!(self.w.status(id, 0), LegStatus::Committed);
        assert_eq!(self.leg_action(id).unwrap().outcome, Some(outcome));
        assert_eq!(self.w.bank_balance(&self.w.router, DENOM), 0, "the router keeps no escrow of the leg");
        self.assert_executor_empty();
    }
}

#[test]
fn a_bank_leg_action_swaps_and_the_recipient_receives_the_output() {
    let mut a = Actions::new();
    let action = a.action(&a.swap_to_uatom(500), bank_denom_token_id(OTHER_DENOM), 400);
    // `uatom` is recorded as the output token's denom before the lock.
    let carol = a.w.carol.clone();
    a.w.exec(&carol, &ExecuteMsg::RegisterDenom { denom: OTHER_DENOM.into() }, &[]).unwrap();
    let id = a.locked_native(action.clone());
    let bob = a.w.bob.clone();
    let (bob_inj, bob_atom) = (a.w.bank_balance(&bob, DENOM), a.w.bank_balance(&bob, OTHER_DENOM));

    let r = a.settle_action(id, action.clone());

    a.assert_outcome(&r, id, ActionOutcome::Executed);
    assert_eq!(a.w.bank_balance(&bob, OTHER_DENOM), bob_atom + 500);
    assert_eq!(a.w.bank_balance(&bob, DENOM), bob_inj, "the target kept the input");
    assert_eq!(a.w.bank_balance(&a.target, DENOM), 1000);
    let executed = events(&r, "mesh_action_executed");
    assert_eq!(attr(executed[0], "received"), "500");
    assert_eq!(a.leg_action(id).unwrap().action_hash, Hash32(action_hash(&action)));
}

#[test]
fn a_cw20_leg_action_sends_through_the_targets_receive_hook_and_output_paid_directly_counts() {
    let mut a = Actions::new();
    let bob = a.w.bob.clone();
    let swap = TargetMsg::Swap {
        output: CwToken::Cw20 { address: a.out.clone() },
        amount: Uint128::new(300),
        to: Some(bob.clone()),
    };
    let out_id = a.w.account(&a.out);
    let action = a.action(&swap, out_id, 300);
    let bundle = a.bundle_with(a.w.cw20_token(), 1000, action.clone());
    let alice = a.w.alice.clone();
    a.w.try_lock_cw20(&alice, &bundle, 0, 1000).unwrap();
    let id = a.w.id(&bundle);

    let r = a.settle_action(id, action);

    a.assert_outcome(&r, id, ActionOutcome::Executed);
    assert_eq!(a.cw20_of(&a.out, &bob), 300);
    assert_eq!(a.w.cw20_balance(&a.target), 1000, "the target received the escrow through Send");
    assert_eq!(a.w.cw20_balance(&a.w.router), 0);
}

#[test]
fn a_reverting_target_falls_back_to_paying_the_recipient_the_escrow() {
    let mut a = Actions::new();
    let action = a.action(&TargetMsg::Revert {}, a.w.native_token(), 0);
    let id = a.locked_native(action.clone());
    let bob = a.w.bob.clone();
    let before = a.w.bank_balance(&bob, DENOM);

    let r = a.settle_action(id, action);

    a.assert_outcome(&r, id, ActionOutcome::FellBack);
    assert_eq!(a.w.bank_balance(&bob, DENOM), before + 1000);
    assert_eq!(a.w.bank_balance(&a.target, DENOM), 0);
}

#[test]
fn an_output_below_min_out_falls_back_and_the_targets_payment_is_undone() {
    let mut a = Actions::new();
    let carol = a.w.carol.clone();
    a.w.exec(&carol, &ExecuteMsg::RegisterDenom { denom: OTHER_DENOM.into() }, &[]).unwrap();
    let action = a.action(&a.swap_to_uatom(100), bank_denom_token_id(OTHER_DENOM), 400);
    let id = a.locked_native(action.clone());
    let bob = a.w.bob.clone();
    let (bob_inj, bob_atom) = (a.w.bank_balance(&bob, DENOM), a.w.bank_balance(&bob, OTHER_DENOM));

    let r = a.settle_action(id, action);

    a.assert_outcome(&r, id, ActionOutcome::FellBack);
    assert_eq!(a.w.bank_balance(&bob, DENOM), bob_inj + 1000);
    assert_eq!(a.w.bank_balance(&bob, OTHER_DENOM), bob_atom);
    assert_eq!(a.w.bank_balance(&a.target, OTHER_DENOM), TARGET_FUNDS);
    assert_eq!(a.w.bank_balance(&a.target, DENOM), 0);
}

#[test]
fn a_target_reentering_the_router_to_settle_its_own_leg_again_gets_no_second_outcome() {
    let mut a = Actions::new();
    // The target tries to settle its own leg again with the same COMMIT (a root verified below).
    let placeholder = a.action(&TargetMsg::Revert {}, a.w.native_token(), 0);
    let bundle = a.bundle_with(a.w.native_token(), 1000, placeholder);
    let id = a.w.id(&bundle);
    let root = a.w.verified_root(&[settlement_leaf(id.0, Verdict::Commit)]);
    let again =
        ExecuteMsg::Settle { bundle_id: id, index: 0, verdict: Verdict::Commit, batch_root: root, proof: vec![] };
    let reenter =
        TargetMsg::Reenter { contract: a.w.router.clone(), msg: to_json_binary(&again).unwrap(), catch: false };
    let action = a.action(&reenter, a.w.native_token(), 0);
    let mut bundle = bundle;
    bundle.legs[0].action = Some(action.clone());
    let id = a.w.id(&bundle);
    let alice = a.w.alice.clone();
    a.w.lock_native(&alice, &bundle, 0);
    let bob = a.w.bob.clone();
    let before = a.w.bank_balance(&bob, DENOM);

    let r = a.settle_action(id, action.clone());

    // The re-entry is refused (`Reentrant`), which fails the run: the recipient gets the escrow once.
    a.assert_outcome(&r, id, ActionOutcome::FellBack);
    assert_eq!(a.w.bank_balance(&bob, DENOM), before + 1000);
    assert_refused(
        a.try_settle_action(id, 0, action),
        ContractError::LegNotLocked { bundle_id: id, index: 0, status: LegStatus::Committed },
    );
}

#[test]
fn a_target_reentering_to_settle_another_leg_is_refused_even_when_it_swallows_the_refusal() {
    let mut a = Actions::new();
    // A plain leg whose COMMIT is verified: the target tries to settle it from inside its action.
    let plain = a.w.simple_bundle();
    let plain_id = a.w.id(&plain);
    let alice = a.w.alice.clone();
    a.w.lock_native(&alice, &plain, 0);
    let root = a.w.verified_root(&[settlement_leaf(plain_id.0, Verdict::Commit)]);
    let settle =
        ExecuteMsg::Settle { bundle_id: plain_id, index: 0, verdict: Verdict::Commit, batch_root: root, proof: vec![] };
    let reenter =
        TargetMsg::Reenter { contract: a.w.router.clone(), msg: to_json_binary(&settle).unwrap(), catch: true };
    let action = a.action(&reenter, a.w.native_token(), 0);
    let id = a.locked_native(action.clone());

    let r = a.settle_action(id, action);

    assert_eq!(events(&r, "mesh_action_outcome").len(), 1);
    assert_eq!(a.leg_action(id).unwrap().outcome, Some(ActionOutcome::Executed));
    assert!(r.events.iter().any(|e| e.attributes.iter().any(|at| at.key == "reentry" && at.value == "failed")));
    assert_eq!(a.w.status(plain_id, 0), LegStatus::Locked, "the re-entrant settle changed nothing");
    a.assert_executor_empty();
    // Once the action ended the guard is off: the plain leg settles normally.
    a.w.try_settle(plain_id, 0, Verdict::Commit, root, vec![]).unwrap();
    assert_eq!(a.w.status(plain_id, 0), LegStatus::Committed);
}

#[test]
fn a_target_returning_a_huge_payload_still_executes() {
    let mut a = Actions::new();
    let action = a.action(&TargetMsg::Huge { bytes: 1 << 20 }, a.w.native_token(), 0);
    let id = a.locked_native(action.clone());

    let r = a.settle_action(id, action);

    a.assert_outcome(&r, id, ActionOutcome::Executed);
}

#[test]
fn calldata_that_does_not_match_the_legs_action_hash_is_refused_and_changes_nothing() {
    let mut a = Actions::new();
    let action = a.action(&a.swap_to_uatom(500), a.w.native_token(), 0);
    let id = a.locked_native(action.clone());
    let mut forged = action.clone();
    forged.data = HexBytes(serde_json::to_vec(&a.swap_to_uatom(1)).unwrap());

    assert_refused(
        a.try_settle_action(id, 0, forged.clone()),
        ContractError::ActionMismatch { expected: Hash32(action_hash(&action)), got: Hash32(action_hash(&forged)) },
    );

    assert_eq!(a.w.status(id, 0), LegStatus::Locked);
    assert_eq!(a.leg_action(id).unwrap().outcome, None);
    assert_eq!(a.w.bank_balance(&a.w.router, DENOM), 1000);
}

#[test]
fn an_action_naming_another_output_token_than_the_legs_is_refused_at_settlement() {
    let mut a = Actions::new();
    let action = a.action(&a.swap_to_uatom(500), a.w.native_token(), 0);
    let id = a.locked_native(action.clone());
    let mut other = action.clone();
    other.output_token = a.w.account(&a.out);

    assert_refused(
        a.try_settle_action(id, 0, other.clone()),
        ContractError::ActionMismatch { expected: Hash32(action_hash(&action)), got: Hash32(action_hash(&other)) },
    );
    assert_eq!(a.w.status(id, 0), LegStatus::Locked);
}

#[test]
fn settle_action_on_a_plain_leg_is_refused_as_a_mismatch_with_no_action() {
    let mut a = Actions::new();
    let plain = a.w.simple_bundle();
    let alice = a.w.alice.clone();
    a.w.lock_native(&alice, &plain, 0);
    let id = a.w.id(&plain);
    let action = a.action(&a.swap_to_uatom(1), a.w.native_token(), 0);

    assert_refused(
        a.try_settle_action(id, 0, action.clone()),
        ContractError::ActionMismatch { expected: Hash32::default(), got: Hash32(action_hash(&action)) },
    );
    assert_eq!(a.w.status(id, 0), LegStatus::Locked);
}

#[test]
fn an_unknown_output_token_is_refused_at_lock_until_its_denom_is_registered() {
    let mut a = Actions::new();
    let output = bank_denom_token_id("uosmo");
    let action = a.action(&a.swap_to_uatom(1), output, 0);
    let bundle = a.bundle_with(a.w.native_token(), 1000, action);
    let alice = a.w.alice.clone();

    assert_refused(
        a.w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::OutputTokenUnknown { output_token: output },
    );
    let carol = a.w.carol.clone();
    a.w.exec(&carol, &ExecuteMsg::RegisterDenom { denom: "uosmo".into() }, &[]).unwrap();
    a.w.lock_native(&alice, &bundle, 0);
    let id = a.w.id(&bundle);
    assert_eq!(a.leg_action(id).unwrap().output, CwToken::Native { denom: "uosmo".into() });
}

#[test]
fn a_lock_refuses_an_action_whose_target_is_not_a_contract() {
    let mut a = Actions::new();
    let mut action = a.action(&TargetMsg::Revert {}, a.w.native_token(), 0);
    let bob = a.w.bob.clone();
    action.target = a.w.account(&bob);
    let bundle = a.bundle_with(a.w.native_token(), 1000, action.clone());
    let alice = a.w.alice.clone();

    let got = refusal(a.w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)));
    assert!(got.contains(&format!("the action's target {} is not a contract of this chain", action.target)), "{got}");
}

#[test]
fn a_lock_refuses_action_data_that_is_not_a_json_object() {
    let mut a = Actions::new();
    for data in [&b"not json"[..], b"[1,2]"] {
        let mut action = a.action(&TargetMsg::Revert {}, a.w.native_token(), 0);
        action.data = HexBytes(data.to_vec());
        let bundle = a.bundle_with(a.w.native_token(), 1000, action);
        let alice = a.w.alice.clone();
        let got = refusal(a.w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)));
        assert!(got.contains("the action's data is not a JSON object"), "{got}");
    }
}

#[test]
fn a_lock_refuses_the_executor_as_recipient() {
    let mut a = Actions::new();
    let action = a.action(&TargetMsg::Revert {}, a.w.native_token(), 0);
    let alice = a.w.alice.clone();
    let executor = a.executor.clone();
    let mut leg = a.w.leg(&alice, a.w.native_token(), 1000, &executor);
    leg.action = Some(action);
    let bundle = a.w.bundle(vec![leg]);

    assert_refused(
        a.w.try_lock_native(&alice, &bundle, 0, &coins(1000, DENOM)),
        ContractError::RecipientIsExecutor { executor },
    );
}

#[test]
fn settle_refuses_an_action_leg_and_the_batch_helpers_skip_it_as_action_required() {
    let mut a = Actions::new();
    let action = a.action(&TargetMsg::Huge { bytes: 1 }, a.w.native_token(), 0);
    let id = a.locked_native(action.clone());

    assert_refused(a.w.settle_alone(id, 0, Verdict::Commit), ContractError::ActionRequired { bundle_id: id, index: 0 });
    let leaves = [settlement_leaf(id.0, Verdict::Commit)];
    let root = a.w.verified_root(&leaves);
    let carol = a.w.carol.clone();
    let r =
        a.w.exec(
            &carol,
            &ExecuteMsg::SettleMany { batch_root: root, items: items(&leaves, &[(id, 0, Verdict::Commit)]) },
            &[],
        )
        .unwrap();
    assert_eq!(attr(events(&r, "mesh_settlement_skipped")[0], "reason"), "action_required");
    assert_eq!(a.w.status(id, 0), LegStatus::Locked);
    // Settled with its calldata, it still commits.
    let r = a.settle_action(id, action);
    a.assert_outcome(&r, id, ActionOutcome::Executed);
}

#[test]
fn an_abort_or_a_refund_of_an_action_leg_ignores_the_action() {
    let mut a = Actions::new();
    let action = a.action(&a.swap_to_uatom(500), a.w.native_token(), 0);
    let alice = a.w.alice.clone();
    let start = a.w.bank_balance(&alice, DENOM);
    let aborted = a.locked_native(action.clone());
    let refunded = a.locked_native(action);

    a.w.settle_alone(aborted, 0, Verdict::Abort).unwrap();
    let opens: Option<u64> = a.w.query(&QueryMsg::RefundOpensAt { bundle_id: refunded, index: 0 });
    a.w.warp(opens.unwrap());
    a.w.try_refund(refunded, 0).unwrap();

    assert_eq!(a.w.bank_balance(&alice, DENOM), start);
    assert_eq!(a.w.bank_balance(&a.target, DENOM), 0);
    assert_eq!(a.leg_action(aborted).unwrap().outcome, None);
}

#[test]
fn an_action_leg_cannot_commit_once_refunds_opened() {
    let mut a = Actions::new();
    let action = a.action(&a.swap_to_uatom(500), a.w.native_token(), 0);
    let id = a.locked_native(action.clone());
    let root = a.w.verified_root(&[settlement_leaf(id.0, Verdict::Commit)]);
    let opens: Option<u64> = a.w.query(&QueryMsg::RefundOpensAt { bundle_id: id, index: 0 });
    a.w.warp(opens.unwrap());
    let carol = a.w.carol.clone();
    let msg = ExecuteMsg::SettleAction { bundle_id: id, index: 0, batch_root: root, proof: vec![], action };
    assert_refused(
        a.w.exec(&carol, &msg, &[]),
        ContractError::SettlementExpired { refund_opens_at: opens.unwrap(), now: opens.unwrap() },
    );
}

#[test]
fn the_executor_runs_for_its_router_only() {
    let mut a = Actions::new();
    let carol = a.w.carol.clone();
    let run = ExecutorMsg::Run {
        bundle_id: Hash32::default(),
        index: 0,
        input: CwToken::Native { denom: DENOM.into() },
        amount: 10u128.into(),
        recipient: carol.clone(),
        target: a.target.clone(),
        msg: to_json_binary(&TargetMsg::Revert {}).unwrap(),
        output: CwToken::Native { denom: DENOM.into() },
        min_out: 0u128.into(),
        gas_limit: 1,
    };
    let executor = a.executor.clone();
    let got = refusal(a.w.app.execute_contract(carol.clone(), executor.clone(), &run, &[coin(10, DENOM)]));
    assert!(got.contains(&format!("only the router {} may run actions, not {carol}", a.w.router)), "{got}");
    let got = refusal(a.w.app.execute_contract(carol.clone(), executor, &ExecutorMsg::Finish {}, &[]));
    assert!(got.contains("only the executor itself may finish a run"), "{got}");
}

#[test]
fn the_routers_own_run_messages_are_refused_from_anyone_else() {
    let mut a = Actions::new();
    let action = a.action(&a.swap_to_uatom(500), a.w.native_token(), 0);
    let id = a.locked_native(action.clone());
    let carol = a.w.carol.clone();

    assert_refused(
        a.w.exec(&carol, &ExecuteMsg::RunAction { bundle_id: id, index: 0, action }, &[]),
        ContractError::OnlySelf { msg: "run_action", caller: carol.clone() },
    );
    assert_refused(
        a.w.exec(&carol, &ExecuteMsg::EndAction { bundle_id: id, index: 0 }, &[]),
        ContractError::OnlySelf { msg: "end_action", caller: carol.clone() },
    );
    assert_eq!(a.w.status(id, 0), LegStatus::Locked);
    assert_eq!(a.leg_action(id).unwrap().outcome, None);
}

#[test]
fn register_denom_refuses_what_is_not_a_denom() {
    let mut a = Actions::new();
    let carol = a.w.carol.clone();
    for (denom, reason) in [
        ("ab", "a denom has 3 to 128 characters"),
        ("1abc", "a denom starts with a letter"),
        ("ab c", "a denom has only letters, digits and / : . _ -"),
    ] {
        assert_refused(
            a.w.exec(&carol, &ExecuteMsg::RegisterDenom { denom: denom.into() }, &[]),
            ContractError::InvalidDenom { denom: denom.into(), reason },
        );
    }
    let none: Option<String> = a.w.query(&QueryMsg::Denom { token_id: bank_denom_token_id("ibc/ABC") });
    assert_eq!(none, None);
    a.w.exec(&carol, &ExecuteMsg::RegisterDenom { denom: "ibc/ABC".into() }, &[]).unwrap();
    let some: Option<String> = a.w.query(&QueryMsg::Denom { token_id: bank_denom_token_id("ibc/ABC") });
    assert_eq!(some.as_deref(), Some("ibc/ABC"));
}
