//! Actions on COMMIT (docs/protocol.md section 12): the Router's half.
//!
//! At lock an action leg's target and output token are resolved to a contract and a token of
//! this chain (refused otherwise), so that nothing a relayer supplies at settlement can change
//! how the leg ends. `SettleAction` checks the COMMIT, the action against the leg's hash, marks
//! the leg Committed and dispatches `RunAction` to itself as one sub-message limited to
//! `gas_limit + ACTION_OVERHEAD` and replied to on error only. Inside it the Router sets its
//! re-entrancy guard, moves the escrow to the executor, which runs the action, and ends with
//! `EndAction` (outcome `executed`, guard cleared). If anything in it fails, the chain reverts
//! all of it (the tokens never left the Router, the guard is unset) and the reply pays the
//! recipient the escrow (outcome `fell_back`). The reply gets only the (redacted) error, never
//! the action's data or events.

use cosmwasm_std::{
    to_json_binary, Addr, Api, Binary, CanonicalAddr, Coin, CosmosMsg, DepsMut, Env, Event, QuerierWrapper, Reply,
    Response, StdError, Storage, SubMsg, SubMsgResult, Uint256, WasmMsg,
};
use mesh_hub_api::action_executor::{ExecuteMsg as ExecutorMsg, InstantiateMsg as ExecutorInit};
use mesh_hub_api::router_cw::{bank_denom_token_id, ActionOutcome, CwToken, ExecuteMsg, LegStatus};
use mesh_protocol::eip712::action_hash;
use mesh_protocol::{AccountId, Action, Hash32, Leg, Verdict};
use serde::{Deserialize, Serialize};

use crate::error::ContractError;
use crate::execute::{
    check_expiry, check_verdict_proof, escrow_key, is_verified, locked_escrow, settled_event, transfer_msg,
    REPLY_ACTION_RUN, REPLY_EXECUTOR_INSTANTIATED,
};
use crate::state::{ActionRecord, ACTIONS, ACTION_RUNNING, CONFIG, DENOMS, ESCROWS, EXECUTOR};

/// Gas `RunAction` gets beyond the action's `gas_limit` (chain gas units): the Router's
/// self-call, the transfer to the executor, the executor's `Run` (a balance query), its
/// `Finish` (balance queries and up to two forwarding transfers) and `EndAction`, each a
/// contract call. Generous: gas not used is not charged.
pub const ACTION_OVERHEAD: u64 = 1_500_000;

// ------------------------------------------------------------------ instantiate

/// The sub-message instantiating the Router's own executor (which records its instantiator,
/// the Router, as the only account that may run actions).
pub fn instantiate_executor(code_id: u64) -> Result<SubMsg, ContractError> {
    let msg = WasmMsg::Instantiate {
        admin: None,
        code_id,
        msg: to_json_binary(&ExecutorInit {})?,
        funds: vec![],
        label: "mesh-action-executor".into(),
    };
    Ok(SubMsg::reply_on_success(msg, REPLY_EXECUTOR_INSTANTIATED))
}

/// Records the executor's address from its instantiation's `instantiate` event.
fn executor_instantiated(deps: DepsMut, msg: Reply) -> Result<Response, ContractError> {
    let response = msg.result.into_result().map_err(StdError::msg)?;
    let address = response
        .events
        .iter()
        .filter(|e| e.ty == "instantiate")
        .flat_map(|e| &e.attributes)
        .find(|a| a.key == "_contract_address")
        .ok_or_else(|| StdError::msg("the executor's instantiation reported no contract address"))?;
    let executor = deps.api.addr_validate(&address.value)?;
    EXECUTOR.save(deps.storage, &executor)?;
    Ok(Response::new().add_attribute("action_executor", executor))
}

// ------------------------------------------------------------------ lock

/// An address of this chain from an account id (20 or 32 bytes).
fn address_of(api: &dyn Api, account: &AccountId) -> Result<Addr, String> {
    api.addr_humanize(&CanonicalAddr::from(account.to_cosmos_bytes())).map_err(|e| e.to_string())
}

/// The contract an account id names, if it is one.
fn contract_of(api: &dyn Api, querier: &QuerierWrapper, account: &AccountId) -> Result<Addr, String> {
    let addr = address_of(api, account)?;
    querier.query_wasm_contract_info(addr.as_str()).map_err(|e| e.to_string())?;
    Ok(addr)
}

/// The checks and resolution of a leg's action at lock; `None` for a leg without one. The
/// target must be a contract, the data a JSON object, the output token the leg's own token, a
/// recorded bank denom or a contract (taken as a cw20).
pub fn resolve_at_lock(
    deps: &DepsMut,
    leg: &Leg,
    token: &CwToken,
    recipient: &Addr,
) -> Result<Option<ActionRecord>, ContractError> {
    let Some(action) = &leg.action else { return Ok(None) };
    let executor = EXECUTOR.may_load(deps.storage)?.ok_or(ContractError::ActionNotSupported)?;
    // Whatever the executor holds goes to the recipient of the run under way.
    if recipient == executor {
        return Err(ContractError::RecipientIsExecutor { executor });
    }
    let (api, querier) = (deps.api, &deps.querier);
    let target = contract_of(api, querier, &action.target).map_err(|reason| {
        ContractError::ActionAccountNotAContract { field: "target", account: action.target, reason }
    })?;
    cosmwasm_std::from_json::<serde::de::IgnoredAny>(&action.data.0)
        .map_err(|e| ContractError::ActionDataNotJson { reason: e.to_string() })?;
    if action.data.0.first() != Some(&b'{') {
        return Err(ContractError::ActionDataNotJson { reason: "not an object".into() });
    }
    let output = if action.output_token == leg.token {
        token.clone()
    } else if let Some(denom) = DENOMS.may_load(deps.storage, action.output_token.0.as_slice())? {
        CwToken::Native { denom }
    } else {
        let address = contract_of(api, querier, &action.output_token)
            .map_err(|_| ContractError::OutputTokenUnknown { output_token: action.output_token })?;
        CwToken::Cw20 { address }
    };
    Ok(Some(ActionRecord { hash: Hash32(action_hash(action)), target, output, outcome: None }))
}

/// Records a bank denom under its token id (idempotent).
pub fn record_denom(storage: &mut dyn Storage, denom: &str) -> Result<(), ContractError> {
    let id = bank_denom_token_id(denom);
    if !DENOMS.has(storage, id.0.as_slice()) {
        DENOMS.save(storage, id.0.as_slice(), &denom.to_string())?;
    }
    Ok(())
}

/// `RegisterDenom`: the Cosmos SDK's denom rule (`[a-zA-Z][a-zA-Z0-9/:._-]{2,127}`).
pub fn register_denom(deps: DepsMut, denom: String) -> Result<Response, ContractError> {
    let bad = |reason| Err(ContractError::InvalidDenom { denom: denom.clone(), reason });
    if !(3..=128).contains(&denom.len()) {
        return bad("a denom has 3 to 128 characters");
    }
    if !denom.as_bytes()[0].is_ascii_alphabetic() {
        return bad("a denom starts with a letter");
    }
    if !denom.bytes().all(|b| b.is_ascii_alphanumeric() || b"/:._-".contains(&b)) {
        return bad("a denom has only letters, digits and / : . _ -");
    }
    record_denom(deps.storage, &denom)?;
    Ok(Response::new()
        .add_attribute("action", "register_denom")
        .add_attribute("denom", denom.clone())
        .add_attribute("token_id", bank_denom_token_id(&denom).to_string()))
}

// ------------------------------------------------------------------ settle

/// What the reply of a failed run needs.
#[derive(Serialize, Deserialize)]
struct RunPayload {
    bundle_id: Hash32,
    index: u32,
}

/// Entry points other than the Router's own run messages refuse to run while an action runs.
pub fn check_not_running(storage: &dyn Storage, msg: &ExecuteMsg) -> Result<(), ContractError> {
    let own = matches!(msg, ExecuteMsg::RunAction { .. } | ExecuteMsg::EndAction { .. });
    if !own && ACTION_RUNNING.exists(storage) {
        return Err(ContractError::Reentrant);
    }
    Ok(())
}

pub fn settle_action(
    deps: DepsMut,
    env: Env,
    bundle_id: Hash32,
    index: u32,
    batch_root: Hash32,
    proof: Vec<Hash32>,
    action: Action,
) -> Result<Response, ContractError> {
    check_verdict_proof(&bundle_id, Verdict::Commit, &batch_root, &proof)?;
    if !is_verified(deps.storage, &batch_root) {
        return Err(ContractError::RootNotVerified { root: batch_root });
    }
    let cfg = CONFIG.load(deps.storage)?;
    let key = escrow_key(&bundle_id, index);
    let mut escrow = locked_escrow(deps.storage, bundle_id, index)?;
    check_expiry(&cfg, &env, &escrow)?;
    // A plain leg expects zero, which no action hashes to.
    let expected = ACTIONS.may_load(deps.storage, key)?.map(|r| r.hash).unwrap_or_default();
    let got = Hash32(action_hash(&action));
    if got != expected {
        return Err(ContractError::ActionMismatch { expected, got });
    }
    escrow.status = LegStatus::Committed;
    ESCROWS.save(deps.storage, key, &escrow)?;
    let run = WasmMsg::Execute {
        contract_addr: env.contract.address.to_string(),
        msg: to_json_binary(&ExecuteMsg::RunAction { bundle_id, index, action: action.clone() })?,
        funds: vec![],
    };
    let payload = to_json_binary(&RunPayload { bundle_id, index })?;
    let sub = SubMsg::reply_on_error(run, REPLY_ACTION_RUN)
        .with_gas_limit(action.gas_limit.saturating_add(ACTION_OVERHEAD))
        .with_payload(payload);
    Ok(Response::new().add_attribute("action", "settle_action").add_submessage(sub).add_event(settled_event(
        &bundle_id,
        index,
        Verdict::Commit,
    )))
}

fn only_self(env: &Env, caller: Addr, msg: &'static str) -> Result<(), ContractError> {
    if caller != env.contract.address {
        return Err(ContractError::OnlySelf { msg, caller });
    }
    Ok(())
}

/// `RunAction` (the Router itself, inside `SettleAction`'s sub-message): guard on, escrow to the
/// executor, `Run`, then `EndAction`.
pub fn run_action(
    deps: DepsMut,
    env: Env,
    caller: Addr,
    bundle_id: Hash32,
    index: u32,
    action: Action,
) -> Result<Response, ContractError> {
    only_self(&env, caller, "run_action")?;
    let key = escrow_key(&bundle_id, index);
    let escrow = ESCROWS.load(deps.storage, key)?;
    let record = ACTIONS.load(deps.storage, key)?;
    let executor = EXECUTOR.load(deps.storage)?;
    ACTION_RUNNING.save(deps.storage, &())?;
    let run = ExecutorMsg::Run {
        bundle_id,
        index,
        input: escrow.token.clone(),
        amount: escrow.amount,
        recipient: escrow.recipient.clone(),
        target: record.target,
        msg: Binary::from(action.data.0),
        output: record.output,
        min_out: Uint256::from_be_bytes(action.min_out.0.to_be_bytes()),
        gas_limit: action.gas_limit,
    };
    let mut response = Response::new().add_attribute("action", "run_action");
    let funds = match &escrow.token {
        CwToken::Native { denom } => vec![Coin::new(escrow.amount, denom.clone())],
        CwToken::Cw20 { .. } => {
            response = response.add_message(transfer_msg(&escrow.token, &executor, escrow.amount)?);
            vec![]
        }
    };
    let end = ExecuteMsg::EndAction { bundle_id, index };
    Ok(response
        .add_message(WasmMsg::Execute { contract_addr: executor.to_string(), msg: to_json_binary(&run)?, funds })
        .add_message(WasmMsg::Execute {
            contract_addr: env.contract.address.to_string(),
            msg: to_json_binary(&end)?,
            funds: vec![],
        }))
}

fn outcome_event(bundle_id: &Hash32, index: u32, outcome: ActionOutcome) -> Event {
    Event::new("mesh_action_outcome")
        .add_attribute("bundle_id", bundle_id.to_string())
        .add_attribute("index", index.to_string())
        .add_attribute(
            "outcome",
            match outcome {
                ActionOutcome::Executed => "executed",
                ActionOutcome::FellBack => "fell_back",
            },
        )
}

/// Records a committed action leg's one outcome.
fn record_outcome(
    storage: &mut dyn Storage,
    bundle_id: &Hash32,
    index: u32,
    outcome: ActionOutcome,
) -> Result<(), ContractError> {
    let key = escrow_key(bundle_id, index);
    let mut record = ACTIONS.load(storage, key)?;
    if let Some(previous) = record.outcome {
        return Err(StdError::msg(format!("the action already ended: {previous:?}")).into());
    }
    record.outcome = Some(outcome);
    ACTIONS.save(storage, key, &record)?;
    Ok(())
}

/// `EndAction` (the Router itself, last message of a successful run): guard off, outcome.
pub fn end_action(
    deps: DepsMut,
    env: Env,
    caller: Addr,
    bundle_id: Hash32,
    index: u32,
) -> Result<Response, ContractError> {
    only_self(&env, caller, "end_action")?;
    ACTION_RUNNING.remove(deps.storage);
    record_outcome(deps.storage, &bundle_id, index, ActionOutcome::Executed)?;
    Ok(Response::new().add_event(outcome_event(&bundle_id, index, ActionOutcome::Executed)))
}

/// The reply of a failed run: everything it did was reverted (the escrow is still here, the
/// guard is off); the recipient is paid the escrow.
fn run_failed(deps: DepsMut, msg: Reply) -> Result<Response, ContractError> {
    let RunPayload { bundle_id, index } = cosmwasm_std::from_json(&msg.payload)?;
    #[allow(deprecated)]
    let error = match msg.result {
        SubMsgResult::Err(error) => error,
        SubMsgResult::Ok(_) => return Err(StdError::msg("a run is replied to on error only").into()),
    };
    record_outcome(deps.storage, &bundle_id, index, ActionOutcome::FellBack)?;
    let escrow = ESCROWS.load(deps.storage, escrow_key(&bundle_id, index))?;
    let pay: CosmosMsg = transfer_msg(&escrow.token, &escrow.recipient, escrow.amount)?;
    Ok(Response::new()
        .add_message(pay)
        .add_event(outcome_event(&bundle_id, index, ActionOutcome::FellBack).add_attribute("error", error)))
}

/// The replies of this module, by id.
pub fn reply(deps: DepsMut, msg: Reply) -> Result<Response, ContractError> {
    match msg.id {
        REPLY_EXECUTOR_INSTANTIATED => executor_instantiated(deps, msg),
        REPLY_ACTION_RUN => run_failed(deps, msg),
        id => Err(ContractError::UnknownReply { id }),
    }
}
