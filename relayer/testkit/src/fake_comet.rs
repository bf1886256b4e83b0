//! A fake CometBFT 1.0 node speaking just the JSON-RPC the relayer's `CosmosClient` uses, on a
//! loopback port, so the client's retry paths can be tested offline:
//! * `abci_query` for `/cosmos.auth.v1beta1.Query/Account` (answered with an Injective
//!   `EthAccount` wrapping a `BaseAccount`) and `/cosmos.tx.v1beta1.Service/Simulate`;
//! * `broadcast_tx_sync`, which checks the tx's sequence like the SDK's ante handler does
//!   (code 32 with the SDK's log when it is not the one expected) and includes accepted txs in
//!   the next block;
//! * `tx`, which finds an included tx by hash, with `tx_result.data` as the base64 text a real
//!   node returns;
//! * `status` with the node's chain id (`node_info.network`), and `abci_query` for bank
//!   balances and CosmWasm smart queries scripted per contract and query name, so the relayer's
//!   start-up self-checks can be tested offline.
//!
//! The node is scripted through [`Node`] and records every call it answers ([`Call`]), and every
//! HTTP request it received, answered or not.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use cosmrs::proto::cosmos::auth::v1beta1::{BaseAccount, QueryAccountRequest, QueryAccountResponse};
use cosmrs::proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::cosmos::base::abci::v1beta1::{GasInfo, TxMsgData};
use cosmrs::proto::cosmos::base::v1beta1::Coin;
use cosmrs::proto::cosmos::tx::v1beta1::{AuthInfo, SimulateRequest, SimulateResponse, TxRaw};
use cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContractResponse;
use cosmrs::proto::cosmwasm::wasm::v1::{QuerySmartContractStateRequest, QuerySmartContractStateResponse};
use cosmrs::Any;
use prost::Message;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const ACCOUNT_PATH: &str = "/cosmos.auth.v1beta1.Query/Account";
pub const SIMULATE_PATH: &str = "/cosmos.tx.v1beta1.Service/Simulate";
pub const BALANCE_PATH: &str = "/cosmos.bank.v1beta1.Query/Balance";
pub const SMART_PATH: &str = "/cosmwasm.wasm.v1.Query/SmartContractState";
/// Gas every successful simulation reports.
pub const SIMULATED_GAS: u64 = 100_000;
/// What the contract "returned" in every included tx (the `data` of its execute response).
pub const CONTRACT_RESPONSE: &[u8] = br#"{"ok":true}"#;
/// SDK code of `ErrWrongSequence`.
pub const CODE_WRONG_SEQUENCE: u32 = 32;

/// Injective's account type: field 1 the `BaseAccount`, field 2 the EVM code hash.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EthAccount {
    #[prost(message, optional, tag = "1")]
    pub base_account: Option<BaseAccount>,
    #[prost(bytes = "vec", tag = "2")]
    pub code_hash: Vec<u8>,
}

/// A non-zero ABCI answer (a failed query or a CheckTx rejection).
#[derive(Clone, Debug)]
pub struct Rejection {
    pub code: u32,
    pub codespace: String,
    pub log: String,
}

impl Rejection {
    /// The SDK ante handler's answer to a tx signed with sequence `got`.
    pub fn wrong_sequence(expected: u64, got: u64) -> Rejection {
        Rejection {
            code: CODE_WRONG_SEQUENCE,
            codespace: "sdk".into(),
            log: format!("account sequence mismatch, expected {expected}, got {got}: incorrect account sequence"),
        }
    }

    /// The same rejection with another log text.
    pub fn with_log(mut self, log: &str) -> Rejection {
        self.log = log.into();
        self
    }

    pub fn insufficient_fee() -> Rejection {
        Rejection {
            code: 13,
            codespace: "sdk".into(),
            log: "insufficient fees; got: 1inj required: 2inj: insufficient fee".into(),
        }
    }
}

/// One JSON-RPC call the node answered, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// An account query for `address`.
    Account { address: String },
    /// A simulation of a tx signed with `sequence`.
    Simulate { sequence: u64 },
    /// Any other `abci_query` path (answered with an error).
    Query { path: String },
    /// A `broadcast_tx_sync` of `tx` (its bytes as received), signed with `sequence`.
    Broadcast { tx: Vec<u8>, sequence: u64 },
    /// A `tx` lookup of `hash` (upper-case hex).
    Tx { hash: String },
    /// A method the fake does not serve (answered "method not found").
    Other { method: String },
}

/// The node's script and state.
#[derive(Debug)]
pub struct Node {
    pub account_number: u64,
    /// What successive account queries answer; the last one keeps being answered.
    pub account_sequences: VecDeque<u64>,
    /// The sequence CheckTx expects of the next tx (incremented by each accepted tx).
    pub check_sequence: u64,
    /// Answers of successive simulations that fail; once empty, simulations succeed.
    pub simulate_rejections: VecDeque<Rejection>,
    /// Answers of successive broadcasts that fail whatever their sequence; checked before the
    /// sequence rule.
    pub broadcast_rejections: VecDeque<Rejection>,
    /// Statuses of the next HTTP requests (e.g. 503 while the node is busy): the first entry
    /// answers the next request for its method (any method when `None`).
    pub http_failures: VecDeque<(Option<&'static str>, StatusCode)>,
    /// How many accepted broadcasts get their answer lost (HTTP 503 after the tx was taken).
    pub lost_broadcast_answers: usize,
    /// Latest block height; an accepted tx is included in the next block.
    pub height: u64,
    /// The chain id `status` reports.
    pub network: String,
    /// Accounts the account query answers "not found" for.
    pub missing_accounts: Vec<String>,
    /// Bank balances by address (any denom); absent addresses hold nothing.
    pub balances: HashMap<String, u128>,
    /// Smart query answers: (contract, the query's top-level key, answer JSON). A query without
    /// one fails as the contract's "not found" would.
    pub smart: Vec<(String, String, Value)>,
    /// Included txs by upper-case hex hash: (height, tx bytes, gas limit).
    included: HashMap<String, (u64, Vec<u8>, u64)>,
    calls: Vec<Call>,
    http_requests: usize,
}

impl Node {
    /// An account at `sequence` on a node that expects exactly that sequence.
    pub fn with_account(account_number: u64, sequence: u64) -> Node {
        Node {
            account_number,
            account_sequences: VecDeque::from([sequence]),
            check_sequence: sequence,
            simulate_rejections: VecDeque::new(),
            broadcast_rejections: VecDeque::new(),
            http_failures: VecDeque::new(),
            lost_broadcast_answers: 0,
            height: 100,
            network: "mesh-devnet-1".into(),
            missing_accounts: Vec::new(),
            balances: HashMap::new(),
            smart: Vec::new(),
            included: HashMap::new(),
            calls: Vec::new(),
            http_requests: 0,
        }
    }

    /// Account queries answer `sequences` in turn (the last one sticks).
    pub fn account_reads(mut self, sequences: impl IntoIterator<Item = u64>) -> Node {
        self.account_sequences = sequences.into_iter().collect();
        assert!(!self.account_sequences.is_empty(), "at least one account answer");
        self
    }

    /// CheckTx expects `sequence` of the next tx (another tx of the key is already in the mempool).
    pub fn check_tx_expects(mut self, sequence: u64) -> Node {
        self.check_sequence = sequence;
        self
    }

    pub fn reject_simulations(mut self, rejections: impl IntoIterator<Item = Rejection>) -> Node {
        self.simulate_rejections.extend(rejections);
        self
    }

    pub fn reject_broadcasts(mut self, rejections: impl IntoIterator<Item = Rejection>) -> Node {
        self.broadcast_rejections.extend(rejections);
        self
    }

    /// The next `n` accepted broadcasts are answered with HTTP 503 although the node took the tx
    /// (the answer is lost on the way back).
    pub fn lose_broadcast_answers(mut self, n: usize) -> Node {
        self.lost_broadcast_answers = n;
        self
    }

    /// The next `n` HTTP requests are answered with `status` and no JSON-RPC body.
    pub fn fail_http(mut self, n: usize, status: StatusCode) -> Node {
        self.http_failures.extend(std::iter::repeat_n((None, status), n));
        self
    }

    /// The next `n` HTTP requests for JSON-RPC `method` are answered with `status` (after the
    /// failures queued before).
    pub fn fail_http_on(mut self, method: &'static str, n: usize, status: StatusCode) -> Node {
        self.http_failures.extend(std::iter::repeat_n((Some(method), status), n));
        self
    }

    /// `status` reports `chain_id` as the node's network.
    pub fn network(mut self, chain_id: &str) -> Node {
        self.network = chain_id.into();
        self
    }

    /// `address` holds `amount` (of whatever denom is asked).
    pub fn balance(mut self, address: &str, amount: u128) -> Node {
        self.balances.insert(address.into(), amount);
        self
    }

    /// The account query answers "not found" for `address`.
    pub fn without_account(mut self, address: &str) -> Node {
        self.missing_accounts.push(address.into());
        self
    }

    /// `contract` answers smart queries named `query` (`{"<query>": {…}}`) with `answer`.
    pub fn smart(mut self, contract: &str, query: &str, answer: Value) -> Node {
        self.smart.retain(|(c, q, _)| !(c == contract && q == query));
        self.smart.push((contract.into(), query.into(), answer));
        self
    }

    fn account_sequence(&mut self) -> u64 {
        if self.account_sequences.len() > 1 {
            self.account_sequences.pop_front().expect("non-empty")
        } else {
            self.account_sequences[0]
        }
    }
}

/// A running fake node; stops when dropped.
pub struct FakeComet {
    addr: SocketAddr,
    node: Arc<Mutex<Node>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeComet {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeComet {
    /// Serves `node` on a free loopback port.
    pub async fn start(node: Node) -> FakeComet {
        Self::start_on("127.0.0.1:0".parse().expect("loopback address"), node).await
    }

    /// Serves `node` on `addr` (a loopback address).
    pub async fn start_on(addr: SocketAddr, node: Node) -> FakeComet {
        assert!(addr.ip().is_loopback(), "the fake node only listens on loopback");
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind fake CometBFT node");
        let addr = listener.local_addr().expect("local address");
        let node = Arc::new(Mutex::new(node));
        let app = Router::new().fallback(handle).with_state(node.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake CometBFT node serves");
        });
        FakeComet { addr, node, task }
    }

    /// Changes the running node's script (e.g. makes it fail from now on, or recover).
    pub fn script(&self, f: impl FnOnce(&mut Node)) {
        f(&mut self.node.lock().expect("node lock"))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The JSON-RPC calls answered so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.node.lock().expect("node lock").calls.clone()
    }

    /// Every HTTP request received so far, including those answered with an HTTP error.
    pub fn http_requests(&self) -> usize {
        self.node.lock().expect("node lock").http_requests
    }

    /// The sequences of the broadcast txs, in order.
    pub fn broadcast_sequences(&self) -> Vec<u64> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Broadcast { sequence, .. } => Some(sequence),
                _ => None,
            })
            .collect()
    }

    /// The bytes of the broadcast txs, in order.
    pub fn broadcast_txs(&self) -> Vec<Vec<u8>> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Broadcast { tx, .. } => Some(tx),
                _ => None,
            })
            .collect()
    }

    /// The sequences of the simulated txs, in order.
    pub fn simulated_sequences(&self) -> Vec<u64> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Simulate { sequence } => Some(sequence),
                _ => None,
            })
            .collect()
    }

    /// How many account queries were answered.
    pub fn account_reads(&self) -> usize {
        self.calls().iter().filter(|c| matches!(c, Call::Account { .. })).count()
    }
}

/// Upper-case hex SHA-256 of the tx bytes: CometBFT's tx hash.
pub fn tx_hash(tx: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(tx))
}

/// Signer sequence and gas limit of a signed tx, read from its raw protobuf.
pub fn sequence_and_gas_limit(tx: &[u8]) -> (u64, u64) {
    let raw = TxRaw::decode(tx).expect("TxRaw");
    let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).expect("AuthInfo");
    assert_eq!(auth.signer_infos.len(), 1, "one signer");
    let gas_limit = auth.fee.map(|f| f.gas_limit).unwrap_or_default();
    (auth.signer_infos[0].sequence, gas_limit)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64 param")
}

async fn handle(State(node): State<Arc<Mutex<Node>>>, body: Bytes) -> Response {
    let mut node = node.lock().expect("node lock");
    node.http_requests += 1;
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return (StatusCode::BAD_REQUEST, "not JSON").into_response(),
    };
    let method = req["method"].as_str().unwrap_or_default();
    if let Some(&(only, status)) = node.http_failures.front() {
        if only.is_none_or(|m| m == method) {
            node.http_failures.pop_front();
            return (status, "node busy").into_response();
        }
    }
    let id = req["id"].clone();
    let params = &req["params"];
    let outcome = match method {
        "abci_query" => Ok(abci_query(&mut node, params)),
        "broadcast_tx_sync" => {
            let tx = unb64(params["tx"].as_str().unwrap_or_default());
            if node.included.contains_key(&tx_hash(&tx)) {
                // CometBFT's mempool cache refuses the same bytes twice, as a JSON-RPC error
                let (sequence, _) = sequence_and_gas_limit(&tx);
                node.calls.push(Call::Broadcast { tx, sequence });
                Err(json!({"code": -32603, "message": "Internal error", "data": "tx already exists in cache"}))
            } else {
                let answer = broadcast_tx_sync(&mut node, params);
                if answer["code"] == 0 && node.lost_broadcast_answers > 0 {
                    node.lost_broadcast_answers -= 1;
                    return (StatusCode::SERVICE_UNAVAILABLE, "answer lost").into_response();
                }
                Ok(answer)
            }
        }
        "tx" => tx(&mut node, params),
        "status" => Ok(status(&node)),
        other => {
            node.calls.push(Call::Other { method: other.into() });
            Err(json!({"code": -32601, "message": "Method not found", "data": ""}))
        }
    };
    let envelope = match outcome {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
    };
    (StatusCode::OK, axum::Json(envelope)).into_response()
}

fn abci_response(height: u64, code: u32, codespace: &str, log: &str, value: Option<Vec<u8>>) -> Value {
    json!({"response": {
        "code": code,
        "log": log,
        "info": "",
        "index": "0",
        "key": null,
        "value": value.map(|v| b64(&v)),
        "proofOps": null,
        "height": height.to_string(),
        "codespace": codespace,
    }})
}

fn abci_query(node: &mut Node, params: &Value) -> Value {
    let path = params["path"].as_str().unwrap_or_default().to_string();
    let data = hex::decode(params["data"].as_str().unwrap_or_default()).expect("hex query data");
    let height = node.height;
    match path.as_str() {
        ACCOUNT_PATH => {
            let req = QueryAccountRequest::decode(data.as_slice()).expect("QueryAccountRequest");
            node.calls.push(Call::Account { address: req.address.clone() });
            if node.missing_accounts.contains(&req.address) {
                // the SDK's answer: codespace sdk, code 22 (ErrKeyNotFound)
                let log = format!("rpc error: code = NotFound desc = account {} not found: key not found", req.address);
                return abci_response(height, 22, "sdk", &log, None);
            }
            let sequence = node.account_sequence();
            let base =
                BaseAccount { address: req.address, pub_key: None, account_number: node.account_number, sequence };
            let eth = EthAccount { base_account: Some(base), code_hash: vec![0xc5; 32] };
            let account = Any { type_url: "/injective.types.v1beta1.EthAccount".into(), value: eth.encode_to_vec() };
            let resp = QueryAccountResponse { account: Some(account) };
            abci_response(height, 0, "", "", Some(resp.encode_to_vec()))
        }
        SIMULATE_PATH => {
            let req = SimulateRequest::decode(data.as_slice()).expect("SimulateRequest");
            let (sequence, _) = sequence_and_gas_limit(&req.tx_bytes);
            node.calls.push(Call::Simulate { sequence });
            match node.simulate_rejections.pop_front() {
                Some(r) => abci_response(height, r.code, &r.codespace, &r.log, None),
                None => {
                    let resp = SimulateResponse {
                        gas_info: Some(GasInfo { gas_wanted: 0, gas_used: SIMULATED_GAS }),
                        result: None,
                    };
                    abci_response(height, 0, "", "", Some(resp.encode_to_vec()))
                }
            }
        }
        BALANCE_PATH => {
            let req = QueryBalanceRequest::decode(data.as_slice()).expect("QueryBalanceRequest");
            node.calls.push(Call::Query { path: path.clone() });
            let amount = node.balances.get(&req.address).copied().unwrap_or_default();
            let resp = QueryBalanceResponse { balance: Some(Coin { denom: req.denom, amount: amount.to_string() }) };
            abci_response(height, 0, "", "", Some(resp.encode_to_vec()))
        }
        SMART_PATH => {
            let req = QuerySmartContractStateRequest::decode(data.as_slice()).expect("QuerySmartContractStateRequest");
            node.calls.push(Call::Query { path: path.clone() });
            let query: Value = serde_json::from_slice(&req.query_data).expect("query JSON");
            let name = query.as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
            match node.smart.iter().find(|(c, q, _)| *c == req.address && *q == name) {
                Some((_, _, answer)) => {
                    let resp = QuerySmartContractStateResponse { data: serde_json::to_vec(answer).expect("JSON") };
                    abci_response(height, 0, "", "", Some(resp.encode_to_vec()))
                }
                None => abci_response(
                    height,
                    9,
                    "wasm",
                    &format!("query wasm contract failed: no such contract or query {name} at {}", req.address),
                    None,
                ),
            }
        }
        _ => {
            node.calls.push(Call::Query { path: path.clone() });
            abci_response(height, 1, "sdk", &format!("unknown query path {path}"), None)
        }
    }
}

/// CometBFT's `/status`, with `node.network` as the chain id.
fn status(node: &Node) -> Value {
    let time = "2026-01-01T00:00:00Z";
    let hash = "0".repeat(64);
    json!({
        "node_info": {
            "protocol_version": {"p2p": "9", "block": "11", "app": "0"},
            "id": "f".repeat(40),
            "listen_addr": "tcp://127.0.0.1:26656",
            "network": node.network,
            "version": "1.0.1",
            "channels": "40202122233038606100",
            "moniker": "fake",
            "other": {"tx_index": "on", "rpc_address": "tcp://127.0.0.1:26657"},
        },
        "sync_info": {
            "latest_block_hash": hash,
            "latest_app_hash": hash,
            "latest_block_height": node.height.to_string(),
            "latest_block_time": time,
            "earliest_block_hash": hash,
            "earliest_app_hash": hash,
            "earliest_block_height": "1",
            "earliest_block_time": time,
            "catching_up": false,
        },
        "validator_info": {
            "address": "A".repeat(40),
            "pub_key": {"type": "tendermint/PubKeyEd25519", "value": b64(&[7u8; 32])},
            "voting_power": "10",
        },
    })
}

fn broadcast_tx_sync(node: &mut Node, params: &Value) -> Value {
    let tx = unb64(params["tx"].as_str().unwrap_or_default());
    let (sequence, gas_limit) = sequence_and_gas_limit(&tx);
    let hash = tx_hash(&tx);
    node.calls.push(Call::Broadcast { tx: tx.clone(), sequence });
    let rejection = match node.broadcast_rejections.pop_front() {
        Some(r) => Some(r),
        None if sequence != node.check_sequence => Some(Rejection::wrong_sequence(node.check_sequence, sequence)),
        None => None,
    };
    let (code, codespace, log) = match rejection {
        Some(r) => (r.code, r.codespace, r.log),
        None => {
            node.check_sequence += 1;
            let height = node.height + 1;
            node.included.insert(hash.clone(), (height, tx, gas_limit));
            (0, String::new(), "[]".to_string())
        }
    };
    json!({"code": code, "data": "", "log": log, "codespace": codespace, "hash": hash})
}

fn tx(node: &mut Node, params: &Value) -> Result<Value, Value> {
    let hash = hex::encode_upper(unb64(params["hash"].as_str().unwrap_or_default()));
    node.calls.push(Call::Tx { hash: hash.clone() });
    let Some((height, tx, gas_limit)) = node.included.get(&hash).cloned() else {
        return Err(json!({"code": -32603, "message": "Internal error", "data": format!("tx ({hash}) not found")}));
    };
    node.height = node.height.max(height);
    let response = MsgExecuteContractResponse { data: CONTRACT_RESPONSE.to_vec() };
    let data = TxMsgData {
        msg_responses: vec![Any {
            type_url: "/cosmwasm.wasm.v1.MsgExecuteContractResponse".into(),
            value: response.encode_to_vec(),
        }],
        ..Default::default()
    };
    Ok(json!({
        "hash": hash,
        "height": height.to_string(),
        "index": 0,
        "tx_result": {
            "code": 0,
            // CometBFT 1.0 writes the bytes as base64 text, which the V0_38 dialect keeps as text
            "data": b64(&data.encode_to_vec()),
            "log": "",
            "info": "",
            "gas_wanted": gas_limit.to_string(),
            "gas_used": SIMULATED_GAS.to_string(),
            "events": [{
                "type": "wasm",
                "attributes": [
                    {"key": "action", "value": "ping", "index": true},
                    {"key": "sequence", "value": sequence_and_gas_limit(&tx).0.to_string(), "index": true},
                ],
            }],
            "codespace": "",
        },
        "tx": b64(&tx),
    }))
}
