//! A throw-away anvil node (from the set-up cache) and the JSON-RPC helpers the anvil tests share.
//!
//! Needs `scripts/setup-tools.sh` to have run (the README's test command does); without anvil the
//! tests fail with that instruction rather than skipping.
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_rlp::Encodable;
use mesh_protocol::*;
use serde_json::{json, Value};

pub fn anvil_path() -> PathBuf {
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

pub struct Anvil {
    child: Child,
    pub url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    pub fn start() -> Anvil {
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

    pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
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

    pub fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params).unwrap()
    }
}

pub fn hex_bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

pub fn quantity(v: &Value) -> u128 {
    u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

pub fn rlp_list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload = items.concat();
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend(payload);
    out
}

/// Header RLP from `eth_getBlockByNumber` fields, in consensus order; later-fork fields are
/// appended when the node reports them.
pub fn header_rlp(b: &Value) -> Vec<u8> {
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
