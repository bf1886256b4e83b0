//! cw-multi-test suites of the CosmWasm Router, mirroring the forge suites of `MeshRouter` and
//! `SettlementVerifier` (one test binary: one link).

mod actions;
mod cw20_mock;
mod harness;
mod incidents;
mod lock;
mod properties;
mod settle;
mod storage_layout;
mod vectors;
mod verifier;
