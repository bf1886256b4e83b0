//! The relayer's roles. Each is a struct whose `tick` does one bounded round of work; the daemon
//! runs ticks on a timer under a cancellation token. Roles are generic over the `mesh-chain`
//! capabilities they use and the hub port; they never see a VM's own types.
pub mod checker;
pub mod disputer;
pub mod light_clients;
pub mod poster;
pub mod reporter;
pub mod signer;

use mesh_chain::AdapterError;
use mesh_hub::CosmosError;

use crate::store::StoreError;

/// Why a round of work failed.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error(transparent)]
    Hub(#[from] CosmosError),
    /// A chain adapter's error, classified by the adapter.
    #[error("{chain}: {source}")]
    Chain {
        chain: String,
        recoverable: bool,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Fatal(String),
}

impl RoleError {
    /// An adapter's error on chain `chain`.
    pub fn chain<E: AdapterError>(chain: &str, e: E) -> RoleError {
        RoleError::Chain { chain: chain.to_string(), recoverable: e.is_recoverable(), source: Box::new(e) }
    }

    /// Transient trouble (a node down, a tx not yet included): try again next round.
    /// Everything else (a corrupt database, an equivocation guard, a broken invariant) stops the
    /// process rather than running half-alive.
    pub fn is_recoverable(&self) -> bool {
        match self {
            RoleError::Hub(e) => e.is_recoverable() || e.contract_log().is_some(),
            RoleError::Chain { recoverable, .. } => *recoverable,
            RoleError::Store(_) | RoleError::Fatal(_) => false,
        }
    }
}

/// `.map_err(on(&chain))`: an adapter error as a [`RoleError`] naming its chain.
pub(crate) fn on<C: mesh_chain::Chain>(chain: &C) -> impl Fn(C::Error) -> RoleError + '_ {
    move |e| RoleError::chain(chain.name(), e)
}
