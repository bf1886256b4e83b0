//! Cross-language vectors (contracts/packages/mesh-protocol/vectors/protocol.json): the Router
//! accepts exactly the signatures the vectors hold and refuses a one-byte change, as
//! evm-contracts/test/ProtocolVectors.t.sol does on the EVM side.

use cosmwasm_std::Addr;
use mesh_hub_api::router_cw::{ExecuteMsg, QueryMsg, RootRecord};
use mesh_protocol::eip712::{settlement_batch_digest, HubDomain};
use mesh_protocol::merkle::{merkle_proof, merkle_root, verify_merkle_proof};
use mesh_protocol::{Amount, EvmAddress, Hash32, SettlementBatch, Signature65, SignerSet, WeightedSigner};
use mesh_router_cw::ContractError;
use serde_json::Value;

use crate::harness::*;

pub fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../packages/mesh-protocol/vectors/protocol.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hash(v: &Value) -> Hash32 {
    Hash32::parse(v.as_str().unwrap()).unwrap()
}

fn batch_signatures(v: &Value, key: &str) -> Vec<Signature65> {
    v["signatures"].as_array().unwrap().iter().map(|s| Signature65::parse(s[key].as_str().unwrap()).unwrap()).collect()
}

fn vector_set(v: &Value) -> SignerSet {
    let s = &v["signerSet"];
    let signers = s["signers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(s["weights"].as_array().unwrap())
        .map(|(a, w)| WeightedSigner {
            address: EvmAddress::parse(a.as_str().unwrap()).unwrap(),
            weight: Amount::parse(w.as_str().unwrap()).unwrap(),
        })
        .collect();
    SignerSet {
        epoch: s["epoch"].as_u64().unwrap(),
        signers,
        threshold: Amount::parse(s["threshold"].as_str().unwrap()).unwrap(),
        expires_at: s["expiresAt"].as_u64().unwrap(),
    }
}

#[test]
fn the_router_uses_the_vectors_hub_domain_and_genesis_set() {
    let v = load();
    let w = World::new();
    assert_eq!(w.config().hub_domain, hash(&v["hub"]["domainSeparator"]));
    let genesis: Option<mesh_hub_api::router_cw::SignerSetResponse> = w.query(&QueryMsg::SignerSet { epoch: 1 });
    assert_eq!(genesis.unwrap().set, vector_set(&v), "the harness's genesis set is the vectors' set");
    let hub = HubDomain::new(v["hub"]["chainId"].as_str().unwrap(), v["hub"]["deployment"].as_str().unwrap());
    let b = &v["batch"];
    let batch = SettlementBatch {
        epoch: b["epoch"].as_u64().unwrap(),
        batch_index: b["batchIndex"].as_u64().unwrap(),
        root: hash(&b["root"]),
    };
    assert_eq!(Hash32(settlement_batch_digest(&hub, &batch)), hash(&b["digest"]));
}

#[test]
fn the_vectors_batch_signatures_verify_the_vectors_root() {
    let v = load();
    let mut w = World::new();
    let b = &v["batch"];
    let root = hash(&b["root"]);
    let r = w
        .try_submit(
            b["epoch"].as_u64().unwrap(),
            b["batchIndex"].as_u64().unwrap(),
            root,
            batch_signatures(&v, "batchSignature"),
        )
        .expect("the vectors' signatures verify");
    assert_eq!(events(&r, "mesh_batch_verified").len(), 1);
    assert!(w.is_verified(root));
    let record: Option<RootRecord> = w.query(&QueryMsg::RootRecord { root });
    assert_eq!(record.unwrap().batch_index, 0);
}

#[test]
fn every_one_byte_change_of_a_vector_signature_is_refused() {
    let v = load();
    let b = &v["batch"];
    let root = hash(&b["root"]);
    let sigs = batch_signatures(&v, "batchSignature");
    // Each byte position of the first signature, flipped: some other error, never a verification.
    for position in [0usize, 17, 31, 32, 50, 63, 64] {
        let mut w = World::new();
        let mut bad = sigs.clone();
        bad[0].0[position] ^= 0x01;
        let got = refusal(w.try_submit(1, 0, root, bad));
        let refused = signature_refusal(&got);
        let expected = match position {
            64 => vec![("BadSignatureV", 0)],
            // r or s changed: another key recovers (a stranger, or none at all).
            _ => vec![("NotASigner", 0), ("UnrecoverableSignature", 0), ("SignersNotAscending", 1)],
        };
        assert!(expected.contains(&refused), "byte {position}: {got}");
        assert!(!w.is_verified(root));
    }
    // The root and the batch index are signed too.
    let mut w = World::new();
    let mut other = root;
    other.0 .0[31] ^= 1;
    let strangers = [("NotASigner", 0), ("SignersNotAscending", 1)];
    assert!(strangers.contains(&signature_refusal(&refusal(w.try_submit(1, 0, other, sigs.clone())))));
    assert!(strangers.contains(&signature_refusal(&refusal(w.try_submit(1, 1, root, sigs)))));
}

#[test]
fn the_vectors_high_s_twin_is_refused_as_high_s() {
    let v = load();
    let mut w = World::new();
    let mut sigs = batch_signatures(&v, "batchSignature");
    sigs[0] = Signature65::parse(v["highSSignature"].as_str().unwrap()).unwrap();
    assert_refused(w.try_submit(1, 0, hash(&v["batch"]["root"]), sigs), ContractError::HighS { index: 0 });
}

#[test]
fn the_vectors_update_signatures_rotate_epoch_one_to_two() {
    let v = load();
    let mut w = World::new();
    w.warp(START + ROTATION_DELAY);
    let mut set = vector_set(&v);
    set.epoch = v["signerSet"]["updateNewEpoch"].as_u64().unwrap();
    assert_eq!(Hash32(w.update_digest(&set)), hash(&v["signerSet"]["updateDigest"]));
    let mut bad = batch_signatures(&v, "updateSignature");
    bad[2].0[5] ^= 0x80;
    let carol: Addr = w.carol.clone();
    let got = refusal(w.exec(&carol, &ExecuteMsg::Rotate { new_set: set.clone(), signatures: bad }, &[]));
    assert!(
        [("NotASigner", 2), ("SignersNotAscending", 2), ("SignersNotAscending", 3)].contains(&signature_refusal(&got)),
        "{got}"
    );
    let sigs = batch_signatures(&v, "updateSignature");
    w.exec(&carol, &ExecuteMsg::Rotate { new_set: set, signatures: sigs }, &[]).expect("rotation with the vectors");
    assert_eq!(w.config().current_epoch, 2);
}

#[test]
fn the_vectors_merkle_trees_verify_with_the_routers_rule() {
    let v = load();
    for tree in v["merkle"].as_array().unwrap() {
        let leaves: Vec<_> = tree["leaves"].as_array().unwrap().iter().map(|l| hash(l).0).collect();
        let root = hash(&tree["root"]);
        assert_eq!(Hash32(merkle_root(&leaves).unwrap()), root);
        for (i, proof) in tree["proofs"].as_array().unwrap().iter().enumerate() {
            let proof: Vec<_> = proof.as_array().unwrap().iter().map(|p| hash(p).0).collect();
            assert_eq!(merkle_proof(&leaves, i).unwrap(), proof);
            assert!(verify_merkle_proof(root.0, leaves[i], &proof));
        }
    }
}

#[test]
fn the_router_computes_the_vectors_bundle_ids_and_leaves() {
    let v = load();
    let w = World::new();
    for b in v["bundles"].as_array().unwrap() {
        let bundle: mesh_protocol::Bundle = serde_json::from_value(b["bundle"].clone()).unwrap();
        let id: Hash32 = w.query(&QueryMsg::BundleId { bundle });
        assert_eq!(id, hash(&b["bundleId"]));
        let leaf = |verdict| Hash32(mesh_protocol::eip712::settlement_leaf(id.0, verdict));
        assert_eq!(leaf(mesh_protocol::Verdict::Commit), hash(&b["commitLeaf"]));
        assert_eq!(leaf(mesh_protocol::Verdict::Abort), hash(&b["abortLeaf"]));
    }
}
