//! The fee-bumping sender against a real anvil that mines only when told to, with a base fee the
//! test raises under a pending transaction: the stuck transaction is replaced (same nonce, both
//! fees ≥ 12.5 % higher) and exactly one transaction of that nonce lands.
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes, B256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use mesh_chain_evm::sender::{FeePolicy, SendError, TxSender};
use mesh_devnet::evm_deploy::ANVIL_DEPLOYER_KEY;
use mesh_devnet::Tools;
use prometheus_client::metrics::counter::Counter;

const GWEI: u128 = 1_000_000_000;
const TO: Address = Address::repeat_byte(0x42);

struct Anvil {
    child: Child,
    rpc: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An anvil with automatic mining off, on the first free port from `from` (+ the e2e offset);
/// each test starts from its own port so that two tests never pick the same one.
fn anvil(from: u16) -> Anvil {
    let anvil = Tools::from_env().path("anvil", "MESH_ANVIL").expect("anvil installed (scripts/setup-tools.sh)");
    let offset: u16 = std::env::var("MESH_E2E_PORT_OFFSET").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let port = (from + offset..from + offset + 10)
        .find(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .expect("a free port");
    let child = Command::new(anvil)
        .args(["--port", &port.to_string(), "--no-mining", "--silent"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("anvil starts");
    let rpc = format!("http://127.0.0.1:{port}");
    let a = Anvil { child, rpc };
    let started = Instant::now();
    while call(&a.rpc, "eth_chainId", serde_json::json!([])).is_none() {
        assert!(started.elapsed() < Duration::from_secs(20), "anvil did not answer");
        std::thread::sleep(Duration::from_millis(100));
    }
    a
}

/// A raw JSON-RPC call (anvil's own methods); `None` on any failure.
fn call(rpc: &str, method: &str, params: serde_json::Value) -> Option<serde_json::Value> {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp: serde_json::Value = ureq::post(rpc).send_json(body).ok()?.into_json().ok()?;
    resp.get("result").cloned()
}

fn hex_u128(v: &serde_json::Value) -> u128 {
    u128::from_str_radix(v.as_str().expect("hex string").trim_start_matches("0x"), 16).expect("hex number")
}

/// Mines one block whose base fee is `base_fee`.
fn mine_at(rpc: &str, base_fee: u128) {
    call(rpc, "anvil_setNextBlockBaseFeePerGas", serde_json::json!([format!("{base_fee:#x}")])).expect("set base fee");
    call(rpc, "evm_mine", serde_json::json!([])).expect("mine");
}

/// The sender's pending transaction of `nonce` in anvil's pool: (hash, maxFeePerGas, tip).
fn pending(rpc: &str, from: Address, nonce: u64) -> Option<(B256, u128, u128)> {
    let pool = call(rpc, "txpool_content", serde_json::json!([]))?;
    let by_sender = pool["pending"].as_object()?.iter().find(|(k, _)| k.parse::<Address>().ok() == Some(from))?.1;
    let tx = &by_sender[nonce.to_string()];
    if tx.is_null() {
        return None;
    }
    Some((tx["hash"].as_str()?.parse().ok()?, hex_u128(&tx["maxFeePerGas"]), hex_u128(&tx["maxPriorityFeePerGas"])))
}

fn sender(rpc: &str, policy: FeePolicy, bumps: Counter) -> (TxSender, DynProvider) {
    let signer: PrivateKeySigner = ANVIL_DEPLOYER_KEY.parse().unwrap();
    let provider = ProviderBuilder::new().connect_http(rpc.parse().unwrap()).erased();
    (TxSender::new(rpc, provider.clone(), EthereumWallet::from(signer), 31337, policy, bumps), provider)
}

/// Keeps mining blocks at `base_fee` until `done` resolves.
async fn mine_until<T>(rpc: &str, base_fee: u128, done: tokio::task::JoinHandle<T>) -> T {
    let started = Instant::now();
    while !done.is_finished() {
        assert!(started.elapsed() < Duration::from_secs(60), "the sender never finished");
        mine_at(rpc, base_fee);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    done.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_stuck_under_a_risen_base_fee_is_replaced_with_higher_fees_and_mined_once() {
    let node = anvil(30555);
    let bumps = Counter::default();
    let policy = FeePolicy { tx_timeout: Duration::from_secs(1), fee_bump: 1.125, max_fee_per_gas: 1_000 * GWEI };
    let (s, provider) = sender(&node.rpc, policy, bumps.clone());
    let from = s.from();
    let s = Arc::new(s);
    let task = {
        let s = s.clone();
        tokio::spawn(async move { s.send(TO, Bytes::new()).await })
    };

    // the first attempt reaches the pool, priced for the base fee of the moment
    let started = Instant::now();
    let (first_hash, first_fee, first_tip) = loop {
        if let Some(p) = pending(&node.rpc, from, 0) {
            break p;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no pending transaction");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // the base fee jumps above what it offers: blocks are mined, it is not included
    let high = first_fee + 1;
    mine_at(&node.rpc, high);
    assert_eq!(provider.get_transaction_count(from).latest().await.unwrap(), 0, "the first attempt cannot be mined");

    let receipt = mine_until(&node.rpc, high, task).await.expect("mined after a bump");
    assert!(receipt.status());
    assert_ne!(receipt.transaction_hash, first_hash, "a replacement was mined");
    let mined = provider.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().unwrap();
    use alloy::consensus::Transaction;
    assert_eq!(mined.inner.nonce(), 0, "same nonce");
    assert!(mined.inner.max_fee_per_gas() * 1000 >= first_fee * 1125, "max fee raised ≥ 12.5 %");
    let tip = mined.inner.max_priority_fee_per_gas().unwrap();
    assert!(tip * 1000 >= first_tip * 1125, "tip raised ≥ 12.5 %: {first_tip} → {tip}");
    assert!(bumps.get() >= 1);
    // exactly one transaction of nonce 0 landed: the replacement
    assert_eq!(provider.get_transaction_count(from).latest().await.unwrap(), 1);
    assert!(provider.get_transaction_receipt(first_hash).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_fee_cap_the_sender_gives_up_recoverably_and_a_later_run_outbids_its_stuck_transaction() {
    let node = anvil(30565);
    let cap = 2 * GWEI;
    let policy = FeePolicy { tx_timeout: Duration::from_secs(1), fee_bump: 1.125, max_fee_per_gas: cap };
    let (s, provider) = sender(&node.rpc, policy, Counter::default());
    let from = s.from();
    let s = Arc::new(s);
    let task = {
        let s = s.clone();
        tokio::spawn(async move { s.send_priced(TO, Bytes::new(), Some((GWEI + GWEI / 2, GWEI / 2))).await })
    };
    let started = Instant::now();
    let stuck_hash = loop {
        if let Some((hash, _, _)) = pending(&node.rpc, from, 0) {
            break hash;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no pending transaction");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // blocks at a base fee above the cap: nothing this sender may offer gets mined
    let err = mine_until(&node.rpc, 3 * GWEI, task).await.unwrap_err();
    assert!(
        matches!(err, SendError::FeeCapReached { nonce: 0, max_fee_per_gas, .. } if max_fee_per_gas <= cap),
        "{err}"
    );
    assert!(err.is_recoverable());
    assert_eq!(provider.get_transaction_count(from).latest().await.unwrap(), 0);

    // a restarted relayer (a fresh sender, higher cap) takes the same nonce: it replaces the stuck
    // attempt (geth keeps it pending; anvil drops it once the base fee passes its fee cap)
    let policy = FeePolicy { tx_timeout: Duration::from_secs(1), fee_bump: 1.125, max_fee_per_gas: 100 * GWEI };
    let (again, _) = sender(&node.rpc, policy, Counter::default());
    let task = tokio::spawn(async move { again.send(TO, Bytes::from(vec![1u8])).await });
    let receipt = mine_until(&node.rpc, 3 * GWEI, task).await.expect("mined");
    assert!(receipt.status());
    assert_ne!(receipt.transaction_hash, stuck_hash);
    assert_eq!(provider.get_transaction_count(from).latest().await.unwrap(), 1);
    assert!(provider.get_transaction_receipt(stuck_hash).await.unwrap().is_none());
}
