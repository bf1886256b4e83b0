//! Demo and test tooling that plays other parties: a lending pool's loan leg, a dishonest report.
use alloy::primitives::{Address, B256};
use alloy::providers::{DynProvider, Provider};
use anyhow::Context;
use mesh_chain_evm::locker::{evm, mined, LockError};
use mesh_hub_api::bundle_log;
use mesh_protocol::eip712::{bundle_id, creator_hash, leg_hash, HubDomain};
use mesh_protocol::{Bundle, Hash32};

/// Locks leg `index`, whose depositor is the demo `LendingPool` at `pool`, through the pool's
/// `lockMeshLoan` (the provider's key must own the pool). Returns the tx hash and block.
pub async fn lock_loan_leg(
    provider: &DynProvider,
    pool: Address,
    domain: &HubDomain,
    bundle: &Bundle,
    index: usize,
) -> Result<(B256, u64), LockError> {
    let leg = bundle.legs.get(index).ok_or(LockError::NoSuchLeg(index))?;
    let pool_account = mesh_protocol::AccountId::from_evm(pool);
    if leg.depositor != pool_account {
        return Err(LockError::Invalid(format!("leg {index}'s depositor is {}, not the pool", leg.depositor)));
    }
    // the pool lends only into a bundle that pays it back, fee included, on the same chain
    let lending = crate::bindings::LendingPool::new(pool, provider.clone());
    let token = mesh_chain_evm::locker::evm_account(leg.token, "token")?;
    let owed = leg.amount.0 + lending.flashFee(token, leg.amount.0).call().await.map_err(evm)?;
    let repaid = bundle
        .legs
        .iter()
        .any(|l| l.domain == leg.domain && l.token == leg.token && l.recipient == pool_account && l.amount.0 >= owed);
    if !repaid {
        return Err(LockError::Invalid(format!(
            "leg {index} borrows {} from the pool, but no leg of the bundle repays the pool {owed} \
             (principal + flashFee) in that token on that chain",
            leg.amount
        )));
    }
    let id = bundle_id(domain, bundle);
    let pending = lending
        .lockMeshLoan(
            mesh_chain_evm::locker::evm_account(leg.router, "router")?,
            id,
            index as u32,
            mesh_chain_evm::sol_leg!(crate::bindings::LendingPool::Leg, leg),
            bundle.lock_deadline,
            bundle.settle_deadline,
            creator_hash(&bundle.creator),
            bundle.nonce,
            bundle.legs.iter().map(leg_hash).collect(),
        )
        .send()
        .await
        .map_err(|e| mesh_chain_evm::locker::call_failed(&format!("lockMeshLoan of leg {index}"), &e))?;
    mined(pending, &format!("lockMeshLoan of leg {index}")).await
}

/// A lock report of leg `leg_index` of `bundle` that points at log `log_index` of the mined
/// transaction `receipt` — whatever that transaction really did. A relayer reports only
/// `LegLocked` logs; the demo, the benchmark and the tests use this to play a dishonest one.
pub async fn report_pointing_at(
    provider: &DynProvider,
    domain: &HubDomain,
    bundle: &Bundle,
    leg_index: u32,
    receipt: &alloy::rpc::types::TransactionReceipt,
    log_index: u32,
) -> Result<bundle_log::LockReport, LockError> {
    let number = receipt.block_number.ok_or_else(|| LockError::Evm("receipt without a block".into()))?;
    let block = provider
        .get_block_by_number(number.into())
        .await
        .map_err(evm)?
        .ok_or(LockError::Evm("no such block".into()))?;
    let leg = bundle.legs.get(leg_index as usize).ok_or(LockError::NoSuchLeg(leg_index as usize))?;
    let chain_id = provider.get_chain_id().await.map_err(evm)?;
    Ok(bundle_log::LockReport {
        proof: None,
        bundle_id: Hash32(bundle_id(domain, bundle)),
        leg_index,
        leg_hash: Hash32(leg_hash(leg)),
        settle_deadline: bundle.settle_deadline,
        location: bundle_log::LockLocation::Evm(bundle_log::EvmLocation {
            chain_id,
            block_number: block.header.number,
            block_hash: Hash32(block.header.hash),
            block_timestamp: block.header.timestamp,
            tx_hash: Hash32(receipt.transaction_hash),
            tx_index: receipt.transaction_index.ok_or_else(|| LockError::Evm("receipt without an index".into()))?,
            log_index,
        }),
    })
}

/// `mesh bundle lock` of a leg whose depositor is the demo LendingPool: its owner (`owner_key`,
/// the devnet deployer) asks it to lock the loan leg of the bundle registered from `spec`.
pub async fn lock_with_lending_pool(
    network: &std::path::Path,
    spec: &std::path::Path,
    leg: usize,
    owner_key: &str,
) -> anyhow::Result<()> {
    let net = mesh_planner::network::Network::load(network)?;
    let bundle = mesh_client::bundle::load_registered(spec)?;
    let l = bundle.legs.get(leg).with_context(|| format!("the bundle has no leg {leg}"))?;
    let chain = net
        .chains
        .iter()
        .find(|c| c.router() == l.router)
        .with_context(|| format!("no chain of {} has leg {leg}'s router", network.display()))?;
    let rpc = &chain.as_evm().context("the LendingPool is an EVM contract")?.rpc;
    let p = mesh_chain_evm::locker::wallet_provider(rpc, owner_key)?;
    let pool = mesh_chain_evm::locker::evm_account(l.depositor, "depositor")?;
    let (tx, block) = lock_loan_leg(&p, pool, &net.bundle_domain(), &bundle, leg).await?;
    println!("LendingPool locked leg {leg} on {} in block {block} (tx {tx})", chain.name());
    Ok(())
}
