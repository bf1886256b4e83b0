//! Messages of `mesh-action-executor-cw`, the isolated contract through which a CosmWasm Router
//! runs a leg's action on COMMIT (docs/protocol.md §12). Shared here so the Router builds its
//! `Run` from the executor's own type (the Router cannot depend on the executor's crate: cargo
//! would build the executor's wasm with its `library` feature on).

use crate::router_cw::CwToken;
use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Binary, Uint256};
use mesh_protocol::Hash32;

/// The instantiating account is the Router the executor serves (the Router instantiates it).
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {}

#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[allow(clippy::large_enum_variant)] // a message, parsed once per call
pub enum ExecuteMsg {
    /// Runs leg `index` of `bundle_id`'s action with `amount` of `input`, which the Router moved
    /// here just before (bank funds attached, or a cw20 `Transfer`). Router only.
    ///
    /// A bank input is sent with the call (`WasmMsg::Execute { contract_addr: target, msg,
    /// funds }`); a cw20 input through `Send { contract: target, amount, msg }` (the target's
    /// `Receive` hook gets `msg`). The call is a sub-message limited to `gas_limit`.
    Run {
        bundle_id: Hash32,
        index: u32,
        input: CwToken,
        amount: Uint256,
        recipient: Addr,
        target: Addr,
        msg: Binary,
        output: CwToken,
        min_out: Uint256,
        gas_limit: u64,
    },
    /// The end of a run, dispatched by `Run` after the call: forwards all the output and input
    /// tokens held here to the recipient and checks the minimum. The executor itself only.
    Finish {},
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
}

#[cw_serde]
pub struct ConfigResponse {
    /// The Router, the only account that may `Run`.
    pub router: Addr,
}
