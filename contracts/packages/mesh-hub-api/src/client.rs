//! Typed helpers so that callers (the contracts themselves, the relayer, tests) never hand-build
//! hub JSON: a [`Query`] carries its message and the type of its answer, [`execute`] wraps an
//! execute message for a contract. Only `cosmwasm-std` and `serde` types are used.
//!
//! Every query message has constructors named after its variants, e.g.
//! `bundle_log::QueryMsg::report(bundle_id, leg_index)` is a
//! `Query<bundle_log::QueryMsg, bundle_log::ReportResponse>`: serialize it with
//! [`Query::to_json`], send it with [`Query::wasm_query`] or [`Query::run`], and read the answer
//! with [`Query::parse`].

use core::marker::PhantomData;

use cosmwasm_std::{
    from_json, to_json_binary, Binary, Coin, CustomQuery, QuerierWrapper, StdResult, WasmMsg, WasmQuery,
};
use serde::{de::DeserializeOwned, Serialize};

/// A smart query `msg` whose answer is an `R`.
pub struct Query<M, R> {
    msg: M,
    answer: PhantomData<fn() -> R>,
}

impl<M: Clone, R> Clone for Query<M, R> {
    fn clone(&self) -> Self {
        Query { msg: self.msg.clone(), answer: PhantomData }
    }
}

impl<M: core::fmt::Debug, R> core::fmt::Debug for Query<M, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Query").field(&self.msg).finish()
    }
}

impl<M: Serialize, R: DeserializeOwned> Query<M, R> {
    /// A query of `msg`, answered with an `R` (as the message's `#[returns]` says).
    pub fn new(msg: M) -> Self {
        Query { msg, answer: PhantomData }
    }

    /// The message.
    pub fn msg(&self) -> &M {
        &self.msg
    }

    /// The message.
    pub fn into_msg(self) -> M {
        self.msg
    }

    /// The message's JSON, as a smart query carries it.
    pub fn to_json(&self) -> StdResult<Binary> {
        to_json_binary(&self.msg)
    }

    /// The smart query of `contract`.
    pub fn wasm_query(&self, contract: impl Into<String>) -> StdResult<WasmQuery> {
        Ok(WasmQuery::Smart { contract_addr: contract.into(), msg: self.to_json()? })
    }

    /// Parses the contract's answer (the JSON a smart query returns).
    pub fn parse(&self, answer: &[u8]) -> StdResult<R> {
        from_json(answer)
    }

    /// Runs the query against `contract` from inside a contract (or a cw-multi-test app).
    pub fn run<C: CustomQuery>(&self, querier: &QuerierWrapper<C>, contract: impl Into<String>) -> StdResult<R> {
        querier.query_wasm_smart(contract, &self.msg)
    }
}

/// `msg` sent to `contract` with `funds`.
pub fn execute<M: Serialize>(contract: impl Into<String>, msg: &M, funds: Vec<Coin>) -> StdResult<WasmMsg> {
    Ok(WasmMsg::Execute { contract_addr: contract.into(), msg: to_json_binary(msg)?, funds })
}

/// Constructors `QueryMsg::variant(args…) -> Query<QueryMsg, Answer>` for every variant.
macro_rules! typed_queries {
    ($msg:ident { $( $(#[$doc:meta])* $fn_name:ident => $variant:ident { $($field:ident : $ty:ty),* } -> $ret:ty; )* }) => {
        impl $msg {
            $(
                $(#[$doc])*
                pub fn $fn_name($($field: $ty),*) -> $crate::client::Query<$msg, $ret> {
                    $crate::client::Query::new($msg::$variant { $($field),* })
                }
            )*
        }
    };
}
pub(crate) use typed_queries;
