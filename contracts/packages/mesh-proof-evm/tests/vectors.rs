//! The `LegLocked` vector of `mesh-protocol/vectors/protocol.json` (generated there, asserted by
//! forge against the Router's event) decodes here to the leg it names, and encodes back to it.
use alloy_sol_types::SolEvent;
use mesh_proof_evm::*;
use mesh_protocol::*;
use serde_json::Value;

fn b(v: &Value) -> B256 {
    Hash32::parse(v.as_str().unwrap()).unwrap().0
}

#[test]
fn the_leg_locked_vector_decodes_to_its_leg() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mesh-protocol/vectors/protocol.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let ll = &v["legLocked"];
    assert_eq!(ll["signature"], LegLocked::SIGNATURE);
    assert_eq!(b(&ll["topic0"]), LegLocked::SIGNATURE_HASH);
    let log = Log {
        address: EvmAddress::parse(ll["emitter"].as_str().unwrap()).unwrap().0,
        topics: ll["topics"].as_array().unwrap().iter().map(b).collect(),
        data: Bytes::from(hex::decode(ll["data"].as_str().unwrap().trim_start_matches("0x")).unwrap()),
    };
    let decoded = LegLockedLog::decode(&log).unwrap();
    let bundle = &v["bundles"][1];
    let leg: Leg = serde_json::from_value(bundle["bundle"]["legs"][0].clone()).unwrap();
    assert_eq!(decoded.router, leg.router.to_evm().unwrap());
    assert_eq!(decoded.bundle_id, b(&bundle["bundleId"]));
    assert_eq!(decoded.index, 0);
    assert_eq!(decoded.leg_hash, b(&bundle["legHashes"][0]));
    assert_eq!(decoded.depositor, leg.depositor);
    assert_eq!(decoded.token, leg.token);
    assert_eq!(decoded.amount, leg.amount.0);
    assert_eq!(decoded.settle_deadline, bundle["bundle"]["settle_deadline"].as_u64().unwrap());
    assert_eq!(decoded.to_log(), log);
}
