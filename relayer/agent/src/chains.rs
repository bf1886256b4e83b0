//! The one place that names every VM. Each configured chain becomes an adapter behind the
//! `mesh-chain` traits; the roles see only [`AnyChain`] (reading) and [`AnySink`] (delivering),
//! routed by domain. A new VM is one more arm in each enum here, and its adapter crate.
use mesh_chain::{
    AdapterError, BlockRef, Chain, Confirmation, DeliveredSignature, Delivery, DomainId, LegSource, LegState,
    LockCheck, LockEvidence, ObservedLock, Sent, SettlementSink, SignatureWatch,
};
use mesh_chain_evm::delivery::{DeliveryError, EvmDelivery};
use mesh_chain_evm::{AlloyEvm, EvmChain, EvmError};
use mesh_hub_api::bundle_log::{ChainVm, OpenReport, ReportResponse};
use mesh_protocol::Hash32;

/// Any adapter's error.
#[derive(Debug, thiserror::Error)]
pub enum AnyError {
    #[error(transparent)]
    Evm(#[from] EvmError),
    #[error(transparent)]
    EvmDelivery(#[from] DeliveryError),
}

impl AdapterError for AnyError {
    fn is_recoverable(&self) -> bool {
        match self {
            AnyError::Evm(e) => AdapterError::is_recoverable(e),
            AnyError::EvmDelivery(e) => e.is_recoverable(),
        }
    }
    fn would_revert(&self) -> bool {
        match self {
            AnyError::Evm(e) => e.would_revert(),
            AnyError::EvmDelivery(e) => e.would_revert(),
        }
    }
}

/// A chain the roles read.
pub enum AnyChain {
    Evm(EvmChain<AlloyEvm>),
}

/// A chain the poster delivers to.
pub enum AnySink {
    Evm(EvmDelivery),
}

impl Chain for AnyChain {
    type Error = AnyError;
    fn domain(&self) -> DomainId {
        match self {
            AnyChain::Evm(c) => c.domain(),
        }
    }
    fn name(&self) -> &str {
        match self {
            AnyChain::Evm(c) => c.name(),
        }
    }
    fn vm(&self) -> ChainVm {
        match self {
            AnyChain::Evm(c) => c.vm(),
        }
    }
}

impl LegSource for AnyChain {
    async fn head(&self) -> Result<u64, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.head().await?),
        }
    }
    async fn block(&self, number: u64) -> Result<Option<BlockRef>, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.block(number).await?),
        }
    }
    async fn leg_locks(&self, from: u64, to: u64) -> Result<Vec<ObservedLock>, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.leg_locks(from, to).await?),
        }
    }
}

impl LockEvidence for AnyChain {
    async fn confirm_lock(&self, report: &OpenReport, confirmations: u64) -> Result<Confirmation, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.confirm_lock(report, confirmations).await?),
        }
    }
    async fn check_lock(&self, leg: &ReportResponse) -> Result<LockCheck, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.check_lock(leg).await?),
        }
    }
}

impl SignatureWatch for AnyChain {
    async fn watch_head(&self) -> Result<u64, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.watch_head().await?),
        }
    }
    async fn delivered_signatures(&self, from: u64, to: u64) -> Result<Vec<DeliveredSignature>, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.delivered_signatures(from, to).await?),
        }
    }
}

impl Chain for AnySink {
    type Error = AnyError;
    fn domain(&self) -> DomainId {
        match self {
            AnySink::Evm(c) => c.domain(),
        }
    }
    fn name(&self) -> &str {
        match self {
            AnySink::Evm(c) => c.name(),
        }
    }
    fn vm(&self) -> ChainVm {
        match self {
            AnySink::Evm(c) => c.vm(),
        }
    }
}

impl SettlementSink for AnySink {
    async fn current_epoch(&self) -> Result<u64, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.current_epoch().await?),
        }
    }
    async fn rotation_allowed(&self) -> Result<bool, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.rotation_allowed().await?),
        }
    }
    async fn is_verified_root(&self, root: Hash32) -> Result<bool, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.is_verified_root(root).await?),
        }
    }
    async fn leg_state(&self, bundle_id: Hash32, leg_index: u32) -> Result<LegState, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.leg_state(bundle_id, leg_index).await?),
        }
    }
    async fn tx_status(&self, tx: Hash32) -> Result<Option<bool>, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.tx_status(tx).await?),
        }
    }
    async fn send(&self, delivery: Delivery) -> Result<Sent, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.send(delivery).await?),
        }
    }
}
