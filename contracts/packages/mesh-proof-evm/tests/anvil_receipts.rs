//! Receipt proofs against real blocks: anvil (from the set-up cache) mines several transactions of
//! different EIP-2718 types into one block; the header RLP rebuilt from the RPC fields must hash to
//! the block hash anvil reports, and every receipt must be provable against its receipts root.
//!
//! Needs `scripts/setup-tools.sh` to have run (the README's test command does); without anvil the
//! test fails with that instruction rather than skipping.
mod common;

use std::time::{Duration, Instant};

use alloy_rlp::Encodable;
use mesh_proof_evm::*;
use mesh_protocol::*;
use serde_json::{json, Value};

use common::anvil::*;

/// Receipt trie encoding from `eth_getBlockReceipts` fields.
fn receipt_bytes(r: &Value) -> Vec<u8> {
    let logs: Vec<Log> = r["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| Log {
            address: Address::from_slice(&hex_bytes(&l["address"])),
            topics: l["topics"].as_array().unwrap().iter().map(|t| B256::from_slice(&hex_bytes(t))).collect(),
            data: Bytes::from(hex_bytes(&l["data"])),
        })
        .collect();
    let mut bloom = Vec::new();
    hex_bytes(&r["logsBloom"]).as_slice().encode(&mut bloom);
    let body = rlp_list(&[
        alloy_rlp::encode(quantity(&r["status"]) as u64),
        alloy_rlp::encode(quantity(&r["cumulativeGasUsed"]) as u64),
        bloom,
        alloy_rlp::encode(&logs),
    ]);
    let ty = quantity(&r["type"]) as u8;
    if ty == 0 {
        body
    } else {
        [vec![ty], body].concat()
    }
}

/// Runtime: copy calldata to memory, emit LOG1(topic = caller, data = calldata), stop.
const EMITTER_INIT: &str = "600c600c600039600c6000f336600060003733366000a100";
/// Runtime: INVALID (every call fails).
const FAILER_INIT: &str = "60fe60005360016000f3";

fn deploy(anvil: &Anvil, from: &str, init: &str) -> String {
    let tx = anvil.rpc("eth_sendTransaction", json!([{"from": from, "data": format!("0x{init}")}]));
    let start = Instant::now();
    loop {
        let receipt = anvil.rpc("eth_getTransactionReceipt", json!([tx]));
        if let Some(a) = receipt["contractAddress"].as_str() {
            return a.to_string();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "deployment was not mined");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn receipts_of_a_real_anvil_block_are_provable_against_its_header() {
    let anvil = Anvil::start();
    let accounts = anvil.rpc("eth_accounts", json!([]));
    let acct = |i: usize| accounts[i].as_str().unwrap().to_string();
    let emitter = deploy(&anvil, &acct(0), EMITTER_INIT);
    let failer = deploy(&anvil, &acct(0), FAILER_INIT);

    anvil.rpc("evm_setAutomine", json!([false]));
    let mut sent = Vec::new();
    for i in 0..9usize {
        let from = acct(i); // one sender per transaction: no nonce ordering in the pool
        let data = format!("0x{}", hex::encode(keccak256(i.to_be_bytes()).repeat(i % 3 + 1)));
        let mut tx = json!({"from": from, "to": emitter, "data": data, "gas": "0x30000"});
        match i % 3 {
            0 => tx["gasPrice"] = json!("0x77359400"), // legacy
            1 => {
                tx["accessList"] = json!([]);
                tx["gasPrice"] = json!("0x77359400");
            } // EIP-2930
            _ => {}                                    // EIP-1559
        }
        sent.push(anvil.rpc("eth_sendTransaction", json!([tx])));
    }
    sent.push(anvil.rpc("eth_sendTransaction", json!([{"from": acct(9), "to": acct(10), "value": "0x1"}])));
    sent.push(anvil.rpc("eth_sendTransaction", json!([{"from": acct(11), "to": failer, "gas": "0x20000"}])));
    anvil.rpc("evm_mine", json!([]));

    let block = anvil.rpc("eth_getBlockByNumber", json!(["latest", false]));
    let included = block["transactions"].as_array().unwrap();
    let missing: Vec<Value> =
        sent.iter().enumerate().filter(|(_, h)| !included.contains(h)).map(|(i, _)| json!(i)).collect();
    assert!(missing.is_empty(), "all transactions in one block; missing: {missing:?}");
    let rlp = header_rlp(&block);
    let header = decode_header(&rlp).unwrap();
    assert_eq!(Hash32(header.hash).to_string(), block["hash"].as_str().unwrap(), "header hash = anvil's block hash");
    assert_eq!(header.number as u128, quantity(&block["number"]));
    assert_eq!(header.timestamp as u128, quantity(&block["timestamp"]));

    let receipts = anvil.rpc("eth_getBlockReceipts", json!([block["number"]]));
    let receipts = receipts.as_array().unwrap();
    let encoded: Vec<Vec<u8>> = receipts.iter().map(receipt_bytes).collect();
    let types: std::collections::BTreeSet<u8> = encoded.iter().map(|r| decode_receipt(r).unwrap().tx_type).collect();
    assert!(
        types.contains(&0) && types.contains(&1) && types.contains(&2),
        "legacy, 2930 and 1559 receipts: {types:?}"
    );

    for (i, (json_receipt, bytes)) in receipts.iter().zip(&encoded).enumerate() {
        let (root, proof) = build_receipt_proof(&encoded, i as u64);
        assert_eq!(root, header.receipts_root, "rebuilt receipts root = header's");
        verify_receipt_proof(header.receipts_root, i as u64, bytes, &proof).unwrap();

        let r = decode_receipt(bytes).unwrap();
        assert_eq!(r.success, quantity(&json_receipt["status"]) == 1);
        assert_eq!(r.logs.len(), json_receipt["logs"].as_array().unwrap().len());
        let mut tampered = bytes.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(verify_receipt_proof(header.receipts_root, i as u64, &tampered, &proof).is_err());
        if i > 0 {
            assert!(verify_receipt_proof(header.receipts_root, i as u64 - 1, bytes, &proof).is_err());
        }
    }
    let statuses: Vec<bool> = encoded.iter().map(|r| decode_receipt(r).unwrap().success).collect();
    assert_eq!(statuses.iter().filter(|s| !**s).count(), 1, "the call into INVALID failed");
    let first = receipts.iter().position(|r| r["transactionHash"] == sent[0]).unwrap();
    let log = &decode_receipt(&encoded[first]).unwrap().logs[0];
    assert_eq!(log.topics[0], B256::left_padding_from(&hex_bytes(&json!(acct(0)))), "LOG1 topic = caller");
    assert_eq!(log.address, Address::from_slice(&hex_bytes(&json!(emitter))));
}
