//! Reverts by name with their arguments (`LegAlreadyLocked(bundleId: 0x…, index: 0)`) instead of
//! raw selectors, decoded from the same forge ABIs the bindings are generated from.
use std::sync::OnceLock;

use alloy::dyn_abi::{DynSolValue, JsonAbiExt};
use alloy::json_abi::JsonAbi;
use alloy::primitives::hex;

/// The ABIs whose errors a Mesh transaction can revert with, in the order they are tried.
fn abis() -> &'static [(&'static str, JsonAbi)] {
    static ABIS: OnceLock<Vec<(&'static str, JsonAbi)>> = OnceLock::new();
    ABIS.get_or_init(|| {
        [
            ("MeshRouter", include_str!("../../../abi/MeshRouter.json")),
            ("SettlementVerifier", include_str!("../../../abi/SettlementVerifier.json")),
            ("ERC20", include_str!("../../../abi/MintableERC20.json")),
        ]
        .into_iter()
        .map(|(name, json)| (name, serde_json::from_str(json).expect("the exported ABIs parse")))
        .collect()
    })
}

/// What a revert means for the person who sent the transaction, where the name alone does not say.
fn hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "TransferFromFailed" | "InsufficientBalance" | "InsufficientAllowance" => {
            "the depositor's token balance or allowance is short of the leg's amount: fund it (on the devnet: mesh devnet fund) and approve the Router"
        }
        "LockDeadlinePassed" => "the bundle's lock deadline passed: it will ABORT and every locked leg is refunded",
        "LegAlreadyLocked" => "this leg is already locked",
        "NotDepositorOrOperator" => "only the leg's depositor (or its approved operator) can lock it",
        "NotExpired" => "refunds open at the settle deadline plus the Router's refund grace",
        "RootNotVerified" | "EpochNotActive" => "the Verifier has not accepted this batch's root or epoch yet",
        _ => return None,
    })
}

/// Decodes revert data: a custom error of the Mesh ABIs with its arguments, `Error(string)` or
/// `Panic(uint256)`; `None` for data none of them explains.
pub fn decode(data: &[u8]) -> Option<String> {
    let (selector, args) = (data.get(..4)?, &data[4..]);
    if selector == [0x08, 0xc3, 0x79, 0xa0] {
        use alloy::sol_types::SolError;
        let reason = alloy::sol_types::Revert::abi_decode(data).ok()?.reason;
        return Some(format!("Error({reason:?})"));
    }
    if selector == [0x4e, 0x48, 0x7b, 0x71] {
        let code = alloy::primitives::U256::try_from_be_slice(args.get(..32)?)?;
        return Some(format!("Panic(0x{code:x})"));
    }
    for (_, abi) in abis() {
        for e in abi.errors() {
            if e.selector().as_slice() != selector {
                continue;
            }
            let Ok(values) = e.abi_decode_input(args) else { continue };
            let fields: Vec<String> =
                e.inputs.iter().zip(&values).map(|(p, v)| format!("{}: {}", p.name, value_text(v))).collect();
            let text = format!("{}({})", e.name, fields.join(", "));
            return Some(match hint(&e.name) {
                Some(h) => format!("{text}: {h}"),
                None => text,
            });
        }
    }
    None
}

/// Revert data as people read it: decoded when known, `custom error 0x…` otherwise.
pub fn describe(data: &[u8]) -> String {
    decode(data).unwrap_or_else(|| format!("custom error 0x{}", hex::encode(data)))
}

/// A contract call's failure with its revert decoded by name (the raw text otherwise).
pub fn explain(err: &alloy::contract::Error) -> String {
    match err.as_revert_data() {
        Some(data) if !data.is_empty() => format!("reverted: {}", describe(&data)),
        _ => err.to_string(),
    }
}

/// The same for a raw transport error (an `eth_estimateGas` or `eth_call` that reverted).
pub fn explain_transport(err: &alloy::transports::TransportError) -> String {
    match err.as_error_resp().and_then(|e| e.as_revert_data()) {
        Some(data) if !data.is_empty() => format!("reverted: {}", describe(&data)),
        _ => err.to_string(),
    }
}

fn value_text(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Address(a) => a.to_string(),
        DynSolValue::FixedBytes(w, n) => format!("0x{}", hex::encode(&w[..*n])),
        DynSolValue::Bytes(b) => format!("0x{}", hex::encode(b)),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(a) | DynSolValue::FixedArray(a) | DynSolValue::Tuple(a) => {
            format!("[{}]", a.iter().map(value_text).collect::<Vec<_>>().join(", "))
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{MeshRouter, SettlementVerifier};
    use alloy::primitives::{B256, U256};
    use alloy::sol_types::SolError;

    #[test]
    fn the_selectors_users_met_raw_are_decoded_by_name_with_their_arguments() {
        // the README flow's `custom error 0x7939f424`: the depositor held no USDC
        assert_eq!(hex::encode(MeshRouter::TransferFromFailed::SELECTOR), "7939f424");
        let msg = describe(&hex::decode("7939f424").unwrap());
        assert!(msg.starts_with("TransferFromFailed(): the depositor's token balance"), "{msg}");
        let id = B256::repeat_byte(0xab);
        let data = MeshRouter::LegAlreadyLocked { bundleId: id, index: 3 }.abi_encode();
        assert_eq!(describe(&data), format!("LegAlreadyLocked(bundleId: {id}, index: 3): this leg is already locked"));
        let data = MeshRouter::LockDeadlinePassed { lockDeadline: 100, timestamp: U256::from(101) }.abi_encode();
        let msg = describe(&data);
        assert!(msg.starts_with("LockDeadlinePassed("), "{msg}");
        assert!(msg.contains("100") && msg.contains("101"), "{msg}");
    }

    #[test]
    fn verifier_errors_standard_errors_and_panics_are_decoded_too() {
        let data = SettlementVerifier::HighS { index: U256::from(2) }.abi_encode();
        assert_eq!(describe(&data), "HighS(index: 2)");
        let data = alloy::sol_types::Revert::from("no").abi_encode();
        assert_eq!(describe(&data), "Error(\"no\")");
        let mut panic = vec![0x4e, 0x48, 0x7b, 0x71];
        panic.extend_from_slice(&U256::from(0x11).to_be_bytes::<32>());
        assert_eq!(describe(&panic), "Panic(0x11)");
    }

    #[test]
    fn unknown_or_truncated_revert_data_is_shown_raw_not_guessed() {
        assert_eq!(describe(&[0xde, 0xad, 0xbe, 0xef]), "custom error 0xdeadbeef");
        assert_eq!(describe(&[0x79]), "custom error 0x79");
        // a known selector with arguments that do not decode is not named
        let mut bad = MeshRouter::LegAlreadyLocked::SELECTOR.to_vec();
        bad.push(1);
        assert_eq!(describe(&bad), format!("custom error 0x{}", hex::encode(&bad)));
    }
}
