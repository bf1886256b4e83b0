//! Live state a plan is sized from, behind [`Market`]: pool reserves and fees, balances, each
//! chain's gas price. The planner never asks a chain itself: `mesh-client` fills a [`Snapshot`]
//! over RPC with exactly what a spec needs ([`crate::spec::BundleSpec::market_needs`]), tests
//! write one by hand, and the plan is computed from it — so a plan is a pure function of the
//! snapshot and the same snapshot always gives the same plan.
//!
//! Pool arithmetic is the pool contract's, in 256-bit integers (`ConstantProductPool.sol`:
//! `getAmountOut = in·f·rOut / (rIn·D + in·f)` with the fee `f/D` = 997/1000 on the input).
use std::collections::BTreeMap;

use alloy_primitives::U256;
use mesh_protocol::AccountId;

/// A constant-product pool's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolState {
    pub token0: AccountId,
    pub token1: AccountId,
    pub reserve0: U256,
    pub reserve1: U256,
    /// The fee on the input as a fraction kept: `fee_numerator / fee_denominator` of the input
    /// trades (997/1000 = 0.3 % fee).
    pub fee_numerator: U256,
    pub fee_denominator: U256,
}

/// Why a pool cannot quote.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("token {0} is not one of the pool's two tokens")]
    UnknownToken(String),
    #[error("the pool has no liquidity")]
    NoLiquidity,
    #[error("amount is zero")]
    Zero,
    #[error("the pool holds only {reserve} of the output, {wanted} wanted")]
    TooLarge { wanted: U256, reserve: U256 },
}

impl PoolState {
    /// (reserve of `token_in`, reserve of the other token, the other token).
    pub fn reserves(&self, token_in: &AccountId) -> Result<(U256, U256, AccountId), PoolError> {
        if *token_in == self.token0 {
            Ok((self.reserve0, self.reserve1, self.token1))
        } else if *token_in == self.token1 {
            Ok((self.reserve1, self.reserve0, self.token0))
        } else {
            Err(PoolError::UnknownToken(token_in.to_string()))
        }
    }

    /// The pool's `getAmountOut`, exactly.
    pub fn amount_out(&self, token_in: &AccountId, amount_in: U256) -> Result<U256, PoolError> {
        let (r_in, r_out, _) = self.reserves(token_in)?;
        amount_out(amount_in, r_in, r_out, self.fee_numerator, self.fee_denominator)
    }

    /// The least input whose `getAmountOut` is at least `amount_out` (the pool has no exact-out
    /// swap: an exact-out call is `swapExactIn` of this input with `minOut = amount_out`).
    pub fn amount_in(&self, token_in: &AccountId, amount_out: U256) -> Result<U256, PoolError> {
        let (r_in, r_out, _) = self.reserves(token_in)?;
        amount_in(amount_out, r_in, r_out, self.fee_numerator, self.fee_denominator)
    }

    /// What `amount_in` is worth in the other token at the pool's mid price (no fee, no price
    /// impact), rounded down: the reference slippage is measured from.
    pub fn mid_value(&self, token_in: &AccountId, amount_in: U256) -> Result<U256, PoolError> {
        let (r_in, r_out, _) = self.reserves(token_in)?;
        if r_in.is_zero() || r_out.is_zero() {
            return Err(PoolError::NoLiquidity);
        }
        Ok(amount_in * r_out / r_in)
    }
}

/// `ConstantProductPool.getAmountOut`.
pub fn amount_out(amount_in: U256, r_in: U256, r_out: U256, fee_n: U256, fee_d: U256) -> Result<U256, PoolError> {
    if amount_in.is_zero() {
        return Err(PoolError::Zero);
    }
    if r_in.is_zero() || r_out.is_zero() {
        return Err(PoolError::NoLiquidity);
    }
    let in_with_fee = amount_in * fee_n;
    Ok(in_with_fee * r_out / (r_in * fee_d + in_with_fee))
}

/// The least `a` with `amount_out(a) ≥ out`: the closed form `⌈rIn·D·out / ((rOut − out)·f)⌉`,
/// then corrected by the pool's own rounding (it floors), so the answer is exact.
pub fn amount_in(out: U256, r_in: U256, r_out: U256, fee_n: U256, fee_d: U256) -> Result<U256, PoolError> {
    if out.is_zero() {
        return Err(PoolError::Zero);
    }
    if r_in.is_zero() || r_out.is_zero() {
        return Err(PoolError::NoLiquidity);
    }
    if out >= r_out {
        return Err(PoolError::TooLarge { wanted: out, reserve: r_out });
    }
    let num = r_in * fee_d * out;
    let den = (r_out - out) * fee_n;
    let mut a = num.div_ceil(den).max(U256::from(1));
    while a > U256::from(1) && amount_out(a - U256::from(1), r_in, r_out, fee_n, fee_d)? >= out {
        a -= U256::from(1);
    }
    while amount_out(a, r_in, r_out, fee_n, fee_d)? < out {
        a += U256::from(1);
    }
    Ok(a)
}

/// A token on a chain: an ERC-20 (its address) or the chain's native coin (`None`).
pub type TokenRef = Option<AccountId>;

/// Live state, by chain name (as the directory names chains).
pub trait Market {
    /// The pool at `pool` on `chain`.
    fn pool(&self, chain: &str, pool: &AccountId) -> Option<PoolState>;
    /// `who`'s balance of `token` on `chain`.
    fn balance(&self, chain: &str, token: &TokenRef, who: &AccountId) -> Option<U256>;
    /// The chain's current gas price (base fee + tip), in native base units per gas.
    fn gas_price(&self, chain: &str) -> Option<u128>;
}

/// A market written down: what `mesh-client` read over RPC, or a test's table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub pools: BTreeMap<(String, AccountId), PoolState>,
    pub balances: BTreeMap<(String, TokenRef, AccountId), U256>,
    pub gas_prices: BTreeMap<String, u128>,
}

impl Market for Snapshot {
    fn pool(&self, chain: &str, pool: &AccountId) -> Option<PoolState> {
        self.pools.get(&(chain.to_string(), *pool)).cloned()
    }

    fn balance(&self, chain: &str, token: &TokenRef, who: &AccountId) -> Option<U256> {
        self.balances.get(&(chain.to_string(), *token, *who)).copied()
    }

    fn gas_price(&self, chain: &str) -> Option<u128> {
        self.gas_prices.get(chain).copied()
    }
}

/// What a spec needs from a market (the client reads exactly this).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// (chain, pool address).
    pub pools: Vec<(String, AccountId)>,
    /// (chain, token, holder).
    pub balances: Vec<(String, TokenRef, AccountId)>,
    /// Chains whose gas price the plan uses.
    pub gas_prices: Vec<String>,
}

impl Needs {
    pub(crate) fn pool(&mut self, chain: &str, pool: &AccountId) {
        let k = (chain.to_string(), *pool);
        if !self.pools.contains(&k) {
            self.pools.push(k);
        }
    }

    pub(crate) fn balance(&mut self, chain: &str, token: &TokenRef, who: &AccountId) {
        let k = (chain.to_string(), *token, *who);
        if !self.balances.contains(&k) {
            self.balances.push(k);
        }
    }

    pub(crate) fn gas(&mut self, chain: &str) {
        if !self.gas_prices.iter().any(|c| c == chain) {
            self.gas_prices.push(chain.to_string());
        }
    }
}

/// Gas a step is estimated to take, from the measured figures of `docs/benchmarks.md`
/// (transaction totals, rounded up); a call's own gas can be declared in the spec.
pub mod gas {
    /// ERC-20 `approve`.
    pub const APPROVE: u64 = 50_000;
    /// `MeshRouter.lock` of a leg (1-leg bundle: 141 749 total).
    pub const LOCK: u64 = 150_000;
    /// `lock` of a leg carrying an action (138 920 exec + calldata).
    pub const LOCK_ACTION: u64 = 170_000;
    /// `ConstantProductPool.swapExactIn`.
    pub const SWAP: u64 = 110_000;
    /// A call by signature with no declared gas.
    pub const CALL: u64 = 100_000;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn u(v: u128) -> U256 {
        U256::from(v)
    }

    #[test]
    fn amount_out_is_the_pools_formula() {
        // 1 WETH into 100 WETH / 300 000 USDC: 997·300000e6 / (100·1000 + 997) (in WETH units)
        let out = amount_out(
            u(1_000_000_000_000_000_000),
            u(100_000_000_000_000_000_000),
            u(300_000_000_000),
            u(997),
            u(1000),
        );
        assert_eq!(out, Ok(u(2_961_474_103)));
        assert_eq!(amount_out(u(0), u(1), u(1), u(997), u(1000)), Err(PoolError::Zero));
        assert_eq!(amount_out(u(1), u(0), u(1), u(997), u(1000)), Err(PoolError::NoLiquidity));
    }

    proptest! {
        #[test]
        fn amount_in_is_the_least_input_that_buys_the_output(
            r_in in 1_000u128..1_000_000_000_000_000_000_000u128,
            r_out in 1_000u128..1_000_000_000_000_000_000_000u128,
            frac in 1u128..999u128,
        ) {
            let out = u(r_out * frac / 1000).max(u(1));
            let a = amount_in(out, u(r_in), u(r_out), u(997), u(1000)).unwrap();
            prop_assert!(amount_out(a, u(r_in), u(r_out), u(997), u(1000)).unwrap() >= out);
            if a > u(1) {
                prop_assert!(amount_out(a - u(1), u(r_in), u(r_out), u(997), u(1000)).unwrap() < out);
            }
        }
    }
}
