//! The hub port the relayer's roles and the bundle commands use: typed calls of the bundle-log,
//! stake-escrow and dispute contracts over a [`mesh_cosmos::CosmosClient`]. The roles see only
//! the [`MeshHub`] trait, so they are tested against an in-memory hub.

pub mod bundle;
mod port;

pub use mesh_cosmos::{CosmosClient, CosmosClientConfig, CosmosError, CosmosSigner, KeyType, NodeStatus, TxOutcome};
pub use port::{set_after_reports_included, LiveHub, MeshHub};
