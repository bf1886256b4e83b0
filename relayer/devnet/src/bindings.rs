//! `sol!` bindings of the demo contracts (tokens, pool, lending pool) from forge's ABI output,
//! kept out of the EVM adapter, which binds only the protocol's contracts.
#![allow(missing_docs, clippy::too_many_arguments)]

pub use mesh_chain_evm::bindings::MintableERC20;

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    DemoWETH,
    "../abi/DemoWETH.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    ConstantProductPool,
    "../abi/ConstantProductPool.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    LendingPool,
    "../abi/LendingPool.json"
);
