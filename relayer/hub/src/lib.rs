//! The hub port the relayer's roles and the bundle commands use: typed calls of the bundle-log,
//! stake-escrow and dispute contracts over a [`mesh_cosmos::CosmosClient`]. The roles see only
//! the [`MeshHub`] trait, so they are tested against an in-memory hub.
//!
//! It also deploys a hub, for validators and the devnet alike: the hub [`profile`], the
//! [`genesis`] patch (`mesh hub patch-genesis`) and the contracts' [`deploy`]ment
//! (`mesh hub deploy`).

pub mod bundle;
pub mod deploy;
pub mod genesis;
pub mod gov;
mod port;
pub mod profile;

pub use mesh_cosmos::{CosmosClient, CosmosClientConfig, CosmosError, CosmosSigner, KeyType, NodeStatus, TxOutcome};
pub use port::{set_after_reports_included, LiveHub, MeshHub};
