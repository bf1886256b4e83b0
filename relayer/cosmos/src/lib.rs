//! CometBFT / Cosmos SDK client: queries, simulation, signing and broadcasting of Cosmos txs,
//! with one account sequencer shared by every task that signs for the same account. The hub
//! client today; a CosmWasm chain adapter reuses it.
//!
//! Facts this relies on (checked against injectived 1.18 / CometBFT 1.0.1): the node must be
//! spoken to as `CompatMode::V0_38`; accounts may come back wrapped in Injective's `EthAccount`;
//! `abci_query` answers Ok even when the app failed, so the code is checked; a tx is found by hash
//! one block after broadcast; simulation under-estimates slightly, hence the gas margin.

mod client;
mod error;
pub mod retry;
mod signer;

pub use client::{CosmosClient, CosmosClientConfig, NodeStatus, TxOutcome};
pub use error::{contract_reason, rpc_detail, CosmosError};
pub use signer::{CosmosSigner, KeyType};
