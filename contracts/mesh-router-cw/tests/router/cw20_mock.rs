//! A minimal cw20 token for the tests: balances, `Transfer`, `Send` (with the receive hook) and
//! a `Balance` query; transfers to an address in `blocked` fail (a paused or blacklisting token).

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    to_json_binary, Addr, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError, StdResult, Uint128, WasmMsg,
};
use cw_multi_test::{Contract, ContractWrapper};
use cw_storage_plus::{Item, Map};
use mesh_hub_api::router_cw::{Cw20ExecuteMsg, Cw20ReceiveMsg};

#[cw_serde]
pub struct InitMsg {
    pub balances: Vec<(String, Uint128)>,
}

#[cw_serde]
pub enum ExtraMsg {
    /// From now on every `Transfer` also executes `msg` on `contract` (a re-entrant token).
    Reenter {
        contract: String,
        msg: Binary,
    },
    Block {
        address: String,
    },
    Unblock {
        address: String,
    },
}

#[cw_serde]
#[serde(untagged)]
#[schemaifier(mute_warnings)]
pub enum ExecMsg {
    Cw20(Cw20ExecuteMsg),
    Extra(ExtraMsg),
}

#[cw_serde]
pub enum QueryMsg {
    Balance { address: String },
}

#[cw_serde]
pub struct BalanceResponse {
    pub balance: Uint128,
}

const BALANCES: Map<&Addr, Uint128> = Map::new("balances");
const BLOCKED: Map<&Addr, bool> = Map::new("blocked");
const REENTER: Item<(String, Binary)> = Item::new("reenter");

fn instantiate(deps: DepsMut, _env: Env, _info: MessageInfo, msg: InitMsg) -> StdResult<Response> {
    for (a, amount) in msg.balances {
        BALANCES.save(deps.storage, &Addr::unchecked(a), &amount)?;
    }
    Ok(Response::new())
}

fn move_tokens(deps: &mut DepsMut, from: &Addr, to: &Addr, amount: Uint128) -> StdResult<()> {
    if BLOCKED.may_load(deps.storage, to)?.unwrap_or(false) {
        return Err(StdError::msg(format!("cw20 mock: transfers to {to} are blocked")));
    }
    let have = BALANCES.may_load(deps.storage, from)?.unwrap_or_default();
    let left = have.checked_sub(amount).map_err(|_| StdError::msg("cw20 mock: insufficient balance"))?;
    BALANCES.save(deps.storage, from, &left)?;
    let theirs = BALANCES.may_load(deps.storage, to)?.unwrap_or_default();
    BALANCES.save(deps.storage, to, &(theirs + amount))?;
    Ok(())
}

fn execute(mut deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecMsg) -> StdResult<Response> {
    match msg {
        ExecMsg::Cw20(Cw20ExecuteMsg::Transfer { recipient, amount }) => {
            move_tokens(&mut deps, &info.sender, &Addr::unchecked(recipient), amount)?;
            let mut response = Response::new();
            if let Some((contract, msg)) = REENTER.may_load(deps.storage)? {
                response = response.add_message(WasmMsg::Execute { contract_addr: contract, msg, funds: vec![] });
            }
            Ok(response)
        }
        ExecMsg::Cw20(Cw20ExecuteMsg::Send { contract, amount, msg }) => {
            let to = Addr::unchecked(contract);
            move_tokens(&mut deps, &info.sender, &to, amount)?;
            let hook = Cw20ReceiveMsg { sender: info.sender.to_string(), amount, msg };
            Ok(Response::new().add_message(WasmMsg::Execute {
                contract_addr: to.to_string(),
                msg: to_json_binary(&serde_json::json!({ "receive": hook }))?,
                funds: vec![],
            }))
        }
        ExecMsg::Extra(ExtraMsg::Reenter { contract, msg }) => {
            REENTER.save(deps.storage, &(contract, msg))?;
            Ok(Response::new())
        }
        ExecMsg::Extra(ExtraMsg::Block { address }) => {
            BLOCKED.save(deps.storage, &Addr::unchecked(address), &true)?;
            Ok(Response::new())
        }
        ExecMsg::Extra(ExtraMsg::Unblock { address }) => {
            BLOCKED.remove(deps.storage, &Addr::unchecked(address));
            Ok(Response::new())
        }
    }
}

fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Balance { address } => to_json_binary(&BalanceResponse {
            balance: BALANCES.may_load(deps.storage, &Addr::unchecked(address))?.unwrap_or_default(),
        }),
    }
}

pub fn contract() -> Box<dyn Contract<cosmwasm_std::Empty>> {
    Box::new(ContractWrapper::new(execute, instantiate, query))
}
