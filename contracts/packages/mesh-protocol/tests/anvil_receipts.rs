//! Receipt proofs against real blocks: anvil (from the set-up cache) mines several transactions of
//! different EIP-2718 types into one block; the header RLP rebuilt from the RPC fields must hash to
//! the block hash anvil reports, and every receipt must be provable against its receipts root.
//!
//! Needs `scripts/setup-tools.sh` to have run (the README's test command does); without anvil the
//! test fails with that instruction rather than skipping.
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_rlp::Encodable;
use mesh_protocol::evm::*;
use mesh_protocol::*;
use serde_json::{json, Value};

fn anvil_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MESH_ANVIL") {
        return p.into();
    }
    let tools = std::env::var_os("MESH_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/atomic-mesh/tools"));
    let p = tools.join("bin/anvil");
    assert!(p.exists(), "anvil not found at {}: run scripts/setup-tools.sh (or set MESH_ANVIL)", p.display());
    p
}

struct Anvil {
    child: Child,
    url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    fn start() -> Anvil {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(anvil_path())
            .args(["--port", &port.to_string(), "--chain-id", "31337", "--accounts", "12", "--silent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("anvil starts");
        let anvil = Anvil { child, url: format!("http://127.0.0.1:{port}") };
        let start = Instant::now();
        while anvil.try_rpc("eth_chainId", json!([])).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "anvil did not answer within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        anvil
    }

    fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let resp: Value = ureq::post(&self.url)
            .send_json(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
            .map_err(|e| e.to_string())?
            .into_json()
            .map_err(|e| e.to_string())?;
        match resp.get("error") {
            Some(e) => Err(format!("{method}: {e}")),
            None => Ok(resp["result"].clone()),
        }
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params).unwrap()
    }
}

fn hex_bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn quantity(v: &Value) -> u128 {
    u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn rlp_list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload = items.concat();
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend(payload);
    out
}

/// Header RLP from `eth_getBlockByNumber` fields, in consensus order; later-fork fields are
/// appended when the node reports them.
fn header_rlp(b: &Value) -> Vec<u8> {
    let bytes = |k: &str| alloy_rlp::encode(Bytes::from(hex_bytes(&b[k])));
    let fixed = |k: &str| {
        let raw = hex_bytes(&b[k]);
        let mut out = Vec::new();
        raw.as_slice().encode(&mut out);
        out
    };
    let num = |k: &str| alloy_rlp::encode(U256::from(quantity(&b[k])));
    let mut f = vec![
        fixed("parentHash"),
        fixed("sha3Uncles"),
        fixed("miner"),
        fixed("stateRoot"),
        fixed("transactionsRoot"),
        fixed("receiptsRoot"),
        fixed("logsBloom"),
        num("difficulty"),
        num("number"),
        num("gasLimit"),
        num("gasUsed"),
        num("timestamp"),
        bytes("extraData"),
        fixed("mixHash"),
        fixed("nonce"),
    ];
    for (k, is_num) in [
        ("baseFeePerGas", true),
        ("withdrawalsRoot", false),
        ("blobGasUsed", true),
        ("excessBlobGas", true),
        ("parentBeaconBlockRoot", false),
        ("requestsHash", false),
    ] {
        if b.get(k).is_some_and(|v| !v.is_null()) {
            f.push(if is_num { num(k) } else { fixed(k) });
        } else {
            break;
        }
    }
    rlp_list(&f)
}

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
