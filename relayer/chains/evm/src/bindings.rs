//! `sol!` bindings from forge's ABI output (never hand-copied): `scripts/export-abi.sh` writes
//! them, `scripts/export-abi.sh --check` (run by the test suite) fails when they are stale.
#![allow(missing_docs, clippy::too_many_arguments)]

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    MeshRouter,
    "../../abi/MeshRouter.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    SettlementVerifier,
    "../../abi/SettlementVerifier.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    MintableERC20,
    "../../abi/MintableERC20.json"
);
