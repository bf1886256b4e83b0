//! Entry points and the run: `Run` (Router only) calls the target, `Finish` (self only) pays.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    to_json_binary, Addr, BankMsg, Binary, Coin, CosmosMsg, Deps, DepsMut, Env, Event, MessageInfo, QuerierWrapper,
    Response, StdError, StdResult, SubMsg, Uint128, Uint256, WasmMsg,
};
use mesh_hub_api::router_cw::{Cw20ExecuteMsg, CwToken};
use serde::{Deserialize, Serialize};

use crate::error::ContractError;
use crate::msg::{ConfigResponse, ExecuteMsg, InstantiateMsg, QueryMsg};
use crate::state::{self, Run};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    _msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    mesh_hub_api::common::nonpayable(&info, "instantiate")?;
    state::save_router(deps.storage, &info.sender)?;
    Ok(Response::new().add_attribute("action", "instantiate").add_attribute("router", info.sender))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Run { bundle_id, index, input, amount, recipient, target, msg, output, min_out, gas_limit } => {
            let router = state::router(deps.storage)?;
            if info.sender != router {
                return Err(ContractError::OnlyRouter { caller: info.sender, router });
            }
            // The Router runs one action at a time (its guard refuses re-entry), so this only
            // guards the invariant that a run's tokens are never mixed with another's.
            if state::run_under_way(deps.storage) {
                return Err(ContractError::RunUnderWay);
            }
            let before = balance(&deps.querier, &output, &recipient)?;
            let call = call_msg(&input, amount, &target, msg)?;
            state::start_run(deps.storage, &Run { bundle_id, index, input, recipient, output, min_out, before })?;
            let finish = WasmMsg::Execute {
                contract_addr: env.contract.address.to_string(),
                msg: to_json_binary(&ExecuteMsg::Finish {})?,
                funds: vec![],
            };
            // The call gets at most `gas_limit` (an out-of-gas is an error here, failing the run).
            // It is not replied to: its result data and events never reach this contract, so a
            // huge payload costs only the target's own gas.
            Ok(Response::new()
                .add_attribute("action", "run")
                .add_submessage(SubMsg::new(call).with_gas_limit(gas_limit))
                .add_message(finish))
        }
        ExecuteMsg::Finish {} => {
            mesh_hub_api::common::nonpayable(&info, "finish")?;
            if info.sender != env.contract.address {
                return Err(ContractError::OnlySelf { caller: info.sender });
            }
            let run = state::take_run(deps.storage)?.ok_or(ContractError::NoRunUnderWay)?;
            finish(deps.as_ref(), &env, run)
        }
    }
}

/// Forwards everything held of the output and input tokens to the recipient, and requires the
/// recipient's output balance (what it holds now plus what is forwarded) to exceed the balance
/// before the call by `min_out`. Output the target paid the recipient directly counts too.
fn finish(deps: Deps, env: &Env, run: Run) -> Result<Response, ContractError> {
    let me = &env.contract.address;
    let held_output = balance(&deps.querier, &run.output, me)?;
    let now = balance(&deps.querier, &run.output, &run.recipient)?;
    let received = now.checked_add(held_output).map_err(StdError::from)?.saturating_sub(run.before);
    if received < run.min_out {
        return Err(ContractError::OutputBelowMinimum { min_out: run.min_out, received });
    }
    let mut response = Response::new().add_attribute("action", "finish");
    if !held_output.is_zero() {
        response = response.add_message(transfer_msg(&run.output, &run.recipient, held_output)?);
    }
    if run.input != run.output {
        let held_input = balance(&deps.querier, &run.input, me)?;
        if !held_input.is_zero() {
            response = response.add_message(transfer_msg(&run.input, &run.recipient, held_input)?);
        }
    }
    Ok(response.add_event(
        Event::new("mesh_action_executed")
            .add_attribute("bundle_id", run.bundle_id.to_string())
            .add_attribute("index", run.index.to_string())
            .add_attribute("received", received.to_string()),
    ))
}

/// The call of the target with the leg's tokens.
fn call_msg(input: &CwToken, amount: Uint256, target: &Addr, msg: Binary) -> StdResult<CosmosMsg> {
    Ok(match input {
        CwToken::Native { denom } => {
            WasmMsg::Execute { contract_addr: target.to_string(), msg, funds: vec![Coin::new(amount, denom.clone())] }
                .into()
        }
        CwToken::Cw20 { address } => WasmMsg::Execute {
            contract_addr: address.to_string(),
            msg: to_json_binary(&Cw20ExecuteMsg::Send {
                contract: target.to_string(),
                amount: cw20_amount(amount)?,
                msg,
            })?,
            funds: vec![],
        }
        .into(),
    })
}

fn transfer_msg(token: &CwToken, to: &Addr, amount: Uint256) -> StdResult<CosmosMsg> {
    Ok(match token {
        CwToken::Native { denom } => {
            BankMsg::Send { to_address: to.to_string(), amount: vec![Coin::new(amount, denom.clone())] }.into()
        }
        CwToken::Cw20 { address } => WasmMsg::Execute {
            contract_addr: address.to_string(),
            msg: to_json_binary(&Cw20ExecuteMsg::Transfer { recipient: to.to_string(), amount: cw20_amount(amount)? })?,
            funds: vec![],
        }
        .into(),
    })
}

fn cw20_amount(amount: Uint256) -> StdResult<Uint128> {
    Uint128::try_from(amount).map_err(|e| StdError::msg(e.to_string()))
}

/// The cw20 `Balance` query and its answer (wire-compatible with `cw20::Cw20QueryMsg`).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Cw20Query {
    Balance { address: String },
}

#[derive(Deserialize)]
struct Cw20Balance {
    balance: Uint128,
}

/// `holder`'s balance of `token`.
pub fn balance(querier: &QuerierWrapper, token: &CwToken, holder: &Addr) -> StdResult<Uint256> {
    match token {
        CwToken::Native { denom } => Ok(querier.query_balance(holder, denom)?.amount),
        CwToken::Cw20 { address } => {
            let answer: Cw20Balance =
                querier.query_wasm_smart(address, &Cw20Query::Balance { address: holder.to_string() })?;
            Ok(answer.balance.into())
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&ConfigResponse { router: state::router(deps.storage)? }),
    }
}
