//! The relayer's roles. Each is a struct whose `tick` does one bounded round of work; the daemon
//! runs ticks on a timer under a cancellation token.
pub mod checker;
pub mod disputer;
pub mod poster;
pub mod reporter;
pub mod signer;

use crate::store::StoreError;
use mesh_chain_evm::sender::SendError;
use mesh_chain_evm::EvmError;
use mesh_hub::CosmosError;

/// Why a round of work failed.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error(transparent)]
    Hub(#[from] CosmosError),
    #[error(transparent)]
    Evm(#[from] EvmError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Fatal(String),
}

impl RoleError {
    /// Transient trouble (a node down, a tx not yet included): try again next round.
    /// Everything else (a corrupt database, an equivocation guard, a broken invariant) stops the
    /// process rather than running half-alive.
    pub fn is_recoverable(&self) -> bool {
        match self {
            RoleError::Hub(e) => e.is_recoverable() || e.contract_log().is_some(),
            RoleError::Evm(e) => e.is_recoverable(),
            RoleError::Send(e) => e.is_recoverable(),
            RoleError::Store(_) | RoleError::Fatal(_) => false,
        }
    }
}
