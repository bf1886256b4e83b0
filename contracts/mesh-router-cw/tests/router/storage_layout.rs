//! The escrow record the hub proves by ICS23: its storage key (cw-storage-plus's own encoding,
//! and the `EscrowStorageKey` query), its `abci_query` key and its JSON value.

use cosmwasm_std::Api;
use mesh_hub_api::router_cw::{bank_denom_token_id, escrow_storage_key, EscrowStorageKeyResponse, QueryMsg};
use mesh_protocol::AccountId;
use mesh_router_cw::state::ESCROWS;

use crate::harness::*;

#[test]
fn the_escrow_storage_key_is_cw_storage_plus_key_of_the_map() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let key = escrow_storage_key(&id, 7);
    assert_eq!(key, ESCROWS.key((id.0.as_slice(), 7)).to_vec());
    let mut expected = vec![0x00, 0x07];
    expected.extend_from_slice(b"escrows");
    expected.extend_from_slice(&[0x00, 0x20]);
    expected.extend_from_slice(id.0.as_slice());
    expected.extend_from_slice(&[0, 0, 0, 7]);
    assert_eq!(key, expected);
    let r: EscrowStorageKeyResponse = w.query(&QueryMsg::EscrowStorageKey { bundle_id: id, index: 7 });
    assert_eq!(r.storage_key.to_vec(), key);
    let mut abci = vec![0x03];
    abci.extend_from_slice(w.app.api().addr_canonicalize(w.router.as_str()).unwrap().as_slice());
    abci.extend_from_slice(&key);
    assert_eq!(r.abci_key.to_vec(), abci);
}

#[test]
fn the_raw_escrow_record_is_the_documented_json() {
    let mut w = World::new();
    let bundle = w.simple_bundle();
    let id = w.id(&bundle);
    let alice = w.alice.clone();
    w.lock_native(&alice, &bundle, 0);
    let raw = w.app.wrap().query_wasm_raw(w.router.as_str(), escrow_storage_key(&id, 0)).unwrap().expect("stored");
    let e = w.escrow(id, 0).unwrap();
    let expected = format!(
        concat!(
            r#"{{"status":"locked","leg_hash":"{}","depositor":"{}","recipient":"{}","#,
            r#""token":{{"native":{{"denom":"inj"}}}},"amount":"1000","lock_deadline":{},"settle_deadline":{}}}"#
        ),
        e.leg_hash, alice, w.bob, bundle.lock_deadline, bundle.settle_deadline
    );
    assert_eq!(String::from_utf8(raw).unwrap(), expected);
}

#[test]
fn the_bank_denom_token_id_is_the_documented_keccak() {
    // docs/protocol.md section 10 (and `cast keccak "cosmos-bank/inj"`).
    let want = AccountId::parse("0x8115bad1beb341a70111b14e92f905c48fc92ae74f31efe2de92e270e30323e3").unwrap();
    assert_eq!(bank_denom_token_id("inj"), want);
    assert!(!want.is_evm_shaped(), "never mistaken for a 20-byte address id");
}
