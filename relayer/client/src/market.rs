//! The planner's [`Market`](mesh_planner::market::Market) over RPC: reads exactly what a spec
//! needs ([`BundleSpec::market_needs`]) — each named pool's tokens, reserves and fee, the
//! spending parties' balances, each chain's gas price — into a
//! [`Snapshot`](mesh_planner::market::Snapshot) the plan is then computed from.
use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use anyhow::Context;
use mesh_chain_evm::bindings::MintableERC20;
use mesh_planner::market::{Needs, PoolState, Snapshot};
use mesh_planner::network::{ChainSection, Network};
use mesh_protocol::AccountId;

#[allow(clippy::too_many_arguments)]
mod bindings {
    // forge's ABI output (`scripts/export-abi.sh`), never hand-copied
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        ConstantProductPool,
        "../abi/ConstantProductPool.json"
    );
}
use bindings::ConstantProductPool;

/// A read-only provider of `chain` of the network file.
pub(crate) fn provider(network: &Network, chain: &str) -> anyhow::Result<DynProvider> {
    let c = network.chain(chain).with_context(|| format!("chain {chain} is not in the network file"))?;
    let ChainSection::Evm(e) = c;
    let url = e.rpc.parse().with_context(|| format!("chain {chain}: rpc {:?}", e.rpc))?;
    Ok(ProviderBuilder::new().connect_http(url).erased())
}

fn evm(chain: &str, a: &AccountId) -> anyhow::Result<Address> {
    a.to_evm().with_context(|| format!("{a} is not an account of EVM chain {chain}"))
}

/// Reads `needs` from the network's chains.
pub async fn snapshot(network: &Network, needs: &Needs) -> anyhow::Result<Snapshot> {
    let mut s = Snapshot::default();
    for (chain, pool) in &needs.pools {
        let p = ConstantProductPool::new(evm(chain, pool)?, provider(network, chain)?);
        let what = || format!("reading pool {pool} on {chain}");
        let state = PoolState {
            token0: AccountId::from_evm(p.token0().call().await.with_context(what)?),
            token1: AccountId::from_evm(p.token1().call().await.with_context(what)?),
            reserve0: p.reserve0().call().await.with_context(what)?,
            reserve1: p.reserve1().call().await.with_context(what)?,
            fee_numerator: p.FEE_NUMERATOR().call().await.with_context(what)?,
            fee_denominator: p.FEE_DENOMINATOR().call().await.with_context(what)?,
        };
        s.pools.insert((chain.clone(), *pool), state);
    }
    for (chain, token, who) in &needs.balances {
        let p = provider(network, chain)?;
        let holder = evm(chain, who)?;
        let v: U256 = match token {
            None => p.get_balance(holder).await.with_context(|| format!("native balance of {holder} on {chain}"))?,
            Some(t) => MintableERC20::new(evm(chain, t)?, p)
                .balanceOf(holder)
                .call()
                .await
                .with_context(|| format!("balance of {holder} in token {t} on {chain}"))?,
        };
        s.balances.insert((chain.clone(), *token, *who), v);
    }
    for chain in &needs.gas_prices {
        let price = provider(network, chain)?.get_gas_price().await.with_context(|| format!("gas price of {chain}"))?;
        s.gas_prices.insert(chain.clone(), price);
    }
    Ok(s)
}
