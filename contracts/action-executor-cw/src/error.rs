//! Every way an executor message can be refused. Any error fails the Router's sub-message, and
//! the Router pays the recipient the escrowed tokens instead.

use cosmwasm_std::{Addr, StdError, Uint256};
use mesh_hub_api::common::FundsNotAccepted;

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error(transparent)]
    FundsNotAccepted(#[from] FundsNotAccepted),
    #[error("only the router {router} may run actions, not {caller}")]
    OnlyRouter { caller: Addr, router: Addr },
    #[error("only the executor itself may finish a run, not {caller}")]
    OnlySelf { caller: Addr },
    #[error("a run is already under way")]
    RunUnderWay,
    #[error("no run is under way")]
    NoRunUnderWay,
    #[error("the recipient gained {received} of the output token, less than the minimum {min_out}")]
    OutputBelowMinimum { min_out: Uint256, received: Uint256 },
}
