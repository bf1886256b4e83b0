//! Atomic Mesh action executor for CosmWasm chains: runs the action of one committed leg for its
//! `mesh-router-cw` (docs/protocol.md section 12, "Actions on COMMIT").
//!
//! The Router never calls an action's target itself (it holds every escrow): inside one
//! gas-limited sub-message it moves the leg's tokens here and sends `Run`. The executor calls the
//! target with the tokens (bank funds, or a cw20 `Send`) under the action's gas limit, then, in
//! `Finish`, forwards everything it holds of the output and input tokens to the recipient and
//! requires the recipient to have gained at least `min_out` of the output token. Any failure
//! fails the Router's sub-message as a whole, so the tokens never left the Router, which pays
//! the recipient the escrow instead. The executor holds nothing between runs.

pub mod contract;
pub mod error;
pub mod msg;
mod state;

pub use crate::error::ContractError;
