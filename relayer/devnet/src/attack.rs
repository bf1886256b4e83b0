//! Demo and test tooling that plays other parties: a lending pool's loan leg, a dishonest report.
use alloy::primitives::{Address, B256};
use alloy::providers::{DynProvider, Provider};
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
    if leg.depositor.0 != pool {
        return Err(LockError::Invalid(format!("leg {index}'s depositor is {}, not the pool", leg.depositor)));
    }
    // the pool lends only into a bundle that pays it back, fee included, on the same chain
    let lending = crate::bindings::LendingPool::new(pool, provider.clone());
    let owed = leg.amount.0 + lending.flashFee(leg.token.0, leg.amount.0).call().await.map_err(evm)?;
    let repaid = bundle
        .legs
        .iter()
        .any(|l| l.chain_id == leg.chain_id && l.token == leg.token && l.recipient.0 == pool && l.amount.0 >= owed);
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
            leg.router.0,
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
        .map_err(evm)?;
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
    Ok(bundle_log::LockReport {
        bundle_id: Hash32(bundle_id(domain, bundle)),
        leg_index,
        leg_hash: Hash32(leg_hash(leg)),
        settle_deadline: bundle.settle_deadline,
        location: bundle_log::EvmLocation {
            chain_id: leg.chain_id,
            block_number: block.header.number,
            block_hash: Hash32(block.header.hash),
            block_timestamp: block.header.timestamp,
            tx_hash: Hash32(receipt.transaction_hash),
            tx_index: receipt.transaction_index.ok_or_else(|| LockError::Evm("receipt without an index".into()))?,
            log_index,
        },
    })
}
