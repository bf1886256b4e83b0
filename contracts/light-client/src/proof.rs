//! ICS23 membership proofs as an `abci_query` with `prove=true` returns them: an `ics23:iavl` op
//! proving key → value in one store's IAVL tree (its root is the store's hash), then an
//! `ics23:simple` op proving store name → store root in the multistore, whose root is the app
//! hash (`iavl_spec()` and `tendermint_spec()`, as ibc-go's Cosmos SDK proof specs).

use cosmwasm_std::HexBinary;
use ics23::commitment_proof::Proof;
use ics23::{CommitmentProof, ExistenceProof, HostFunctionsManager, ProofSpec};
use prost::Message;

use crate::error::ContractError;
use crate::msg::ProofOps;

pub const IAVL_OP: &str = "ics23:iavl";
pub const SIMPLE_OP: &str = "ics23:simple";

/// Checks `proof` for `key` → `value` in store `store` and returns (the store root, the app hash)
/// it leads to. The caller compares the app hash with a verified header's.
pub fn verify_store_proof(
    proof: &ProofOps,
    store: &str,
    key: &[u8],
    value: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), ContractError> {
    if proof.ops.len() != 2 {
        return Err(ContractError::WrongOpCount { expected: 2, got: proof.ops.len() });
    }
    for (index, expected) in [(0, IAVL_OP), (1, SIMPLE_OP)] {
        if proof.ops[index].op_type != expected {
            return Err(ContractError::WrongOpType { index, expected, got: proof.ops[index].op_type.clone() });
        }
    }
    let store_root = verify_op(0, &proof.ops[0].key, &proof.ops[0].data, &ics23::iavl_spec(), "iavl", key, value)?;
    let app_hash = verify_op(
        1,
        &proof.ops[1].key,
        &proof.ops[1].data,
        &ics23::tendermint_spec(),
        "tendermint",
        store.as_bytes(),
        &store_root,
    )?;
    Ok((store_root, app_hash))
}

/// One op: an existence proof of exactly `key` → `value` under `spec`; returns its root.
fn verify_op(
    index: usize,
    op_key: &[u8],
    data: &[u8],
    spec: &ProofSpec,
    spec_name: &'static str,
    key: &[u8],
    value: &[u8],
) -> Result<Vec<u8>, ContractError> {
    let hex = |b: &[u8]| HexBinary::from(b).to_hex();
    if op_key != key {
        return Err(ContractError::KeyMismatch { index, expected: hex(key), got: hex(op_key) });
    }
    let proof = CommitmentProof::decode(data)
        .map_err(|e| ContractError::ProofDecode { index, reason: crate::error::plain(&e) })?;
    let exist: &ExistenceProof = match &proof.proof {
        Some(Proof::Exist(e)) => e,
        _ => return Err(ContractError::ProofDecode { index, reason: "not an existence proof".into() }),
    };
    if exist.key != key {
        return Err(ContractError::KeyMismatch { index, expected: hex(key), got: hex(&exist.key) });
    }
    if exist.value != value {
        return Err(ContractError::ValueMismatch { index, expected: hex(value), got: hex(&exist.value) });
    }
    let root = ics23::calculate_existence_root::<HostFunctionsManager>(exist)
        .map_err(|e| ContractError::ProofInvalid { index, spec: spec_name, reason: crate::error::plain(&e) })?;
    if !ics23::verify_membership::<HostFunctionsManager>(&proof, spec, &root, key, value) {
        return Err(ContractError::ProofInvalid {
            index,
            spec: spec_name,
            reason: "the existence proof does not follow the proof spec".into(),
        });
    }
    Ok(root)
}
