//! `mesh bundle run` on a real devnet with relayers, run by one process holding every party's key
//! (carol's hub key, carol's and bob's EVM keys, the LendingPool owner's), SIGKILLed mid-way and
//! started again with the same state file: the fixed-size arbitrage of
//! `relayer/planner/tests/fixtures/arbitrage-fixed.bundle.toml`, and the diagram itself,
//! `examples/arbitrage.bundle.toml`, sized from live reserves with its calls (carol's purchase on
//! alpha, bob's wrap on beta) and leg 1's sale on beta as an action on COMMIT. Each ends COMMIT
//! with every balance exactly as one uninterrupted run leaves it: one registration, each lock
//! once, each transaction once (every account's nonce moved by exactly its planned transactions).
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use mesh_chain_evm::locker::{balance_of, mined, wallet_provider};
use mesh_devnet::bindings::{ConstantProductPool, DemoWETH, MintableERC20};
use mesh_devnet::evm_deploy::ANVIL_DEPLOYER_KEY;
use mesh_testkit::fixture::{addr, leg_status, TestNet};

const WETH: u128 = 1_000_000_000_000_000_000;
const USDC: u64 = 1_000_000;

/// Which arbitrage the run executes.
#[derive(Clone, Copy, PartialEq)]
enum Spec {
    /// Fixed amounts, no calls: the parties bring their WETH themselves.
    Fixed,
    /// `examples/arbitrage.bundle.toml`: sized by the planner from the pools, with calls and an action.
    Sized,
}

/// Where the first run is SIGKILLed.
#[derive(Clone, Copy)]
enum KillAt {
    /// Right after its first lock transaction is confirmed.
    FirstLockConfirmed,
    /// After a lock transaction was sent and before its confirmation was seen.
    LockSentNotConfirmed,
}

fn start(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mesh"))
        .args(args)
        .env("MESH_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mesh binary starts")
}

/// Reads the child's JSON events until `stop` says so (then SIGKILLs it) or it exits.
fn follow(mut child: Child, mut stop: impl FnMut(&serde_json::Value) -> bool) -> (Vec<serde_json::Value>, Option<i32>) {
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut events = Vec::new();
    for line in out.lines() {
        let line = line.unwrap();
        let e: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|err| panic!("not a JSON event: {line:?}: {err}"));
        let kill = stop(&e);
        events.push(e);
        if kill {
            child.kill().expect("SIGKILL");
            child.wait().unwrap();
            return (events, None);
        }
    }
    let status = child.wait().unwrap();
    if !status.success() {
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        eprintln!("mesh bundle run exited {status}: {err}");
    }
    (events, status.code())
}

async fn nonce(rpc: &str, who: Address) -> u64 {
    let p = alloy::providers::ProviderBuilder::new().connect_http(rpc.parse().unwrap());
    p.get_transaction_count(who).await.unwrap()
}

async fn killed_and_restarted_ends_as_one_run(
    name: &str,
    base: u16,
    evm: u16,
    nonce_in_spec: u64,
    at: KillAt,
    spec_kind: Spec,
) {
    let tn = TestNet::up(name, base, evm, 1, 2).await;
    let (net, m) = (&tn.net, &tn.m);
    let network = net.network_path().to_str().unwrap().to_string();
    let key = |name: &str| tn.key_file(name);
    let relayers = tn.quorum();
    let example = match spec_kind {
        Spec::Fixed => concat!(env!("CARGO_MANIFEST_DIR"), "/../planner/tests/fixtures/arbitrage-fixed.bundle.toml"),
        Spec::Sized => concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/arbitrage.bundle.toml"),
    };
    let example = std::fs::read_to_string(example).expect("example spec");
    let specs = net.dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = specs.join("arbitrage.bundle.toml");
    std::fs::write(&spec, example.replace("nonce = 1", &format!("nonce = {nonce_in_spec}"))).unwrap();
    let state = specs.join("arbitrage.run.redb");

    let (bob, carol) = (&m.accounts.users[1], &m.accounts.users[2]);
    let usdc_beta = addr(&m.evm[1].contracts["USDC"]).0;
    match spec_kind {
        // what the parties bring (the plan has no calls of its own here): bob's 9.99 WETH on
        // beta, carol's 10.009 WETH repayment on alpha
        Spec::Fixed => {
            for (chain, who, amount) in [(1, bob, 9_990 * WETH / 1000), (0, carol, 10_009 * WETH / 1000)] {
                let p = wallet_provider(&m.evm[chain].rpc, &who.evm_secret).unwrap();
                let weth = DemoWETH::new(addr(&m.evm[chain].contracts["DemoWETH"]).0, p);
                assert!(weth
                    .deposit()
                    .value(U256::from(amount))
                    .send()
                    .await
                    .unwrap()
                    .get_receipt()
                    .await
                    .unwrap()
                    .status());
            }
        }
        // carol's USDC on alpha to buy the repayment with, and beta's WETH dearer (≈ 3 900 USDC
        // against alpha's 3 000): the deployer buys WETH on beta's pool
        Spec::Sized => {
            let deployer_a = wallet_provider(&m.evm[0].rpc, ANVIL_DEPLOYER_KEY).unwrap();
            let usdc_a = MintableERC20::new(addr(&m.evm[0].contracts["USDC"]).0, deployer_a);
            let carol_a = addr(&carol.evm_address).0;
            mined(usdc_a.mint(carol_a, U256::from(100_000 * USDC)).send().await.unwrap(), "mint").await.unwrap();
            let deployer_b = wallet_provider(&m.evm[1].rpc, ANVIL_DEPLOYER_KEY).unwrap();
            let me = ANVIL_DEPLOYER_KEY
                .trim_start_matches("0x")
                .parse::<alloy::signers::local::PrivateKeySigner>()
                .unwrap()
                .address();
            let pool_b = addr(&m.evm[1].contracts["ConstantProductPool"]).0;
            let usdc = MintableERC20::new(usdc_beta, deployer_b.clone());
            let spend = U256::from(42_180 * USDC);
            mined(usdc.mint(me, spend).send().await.unwrap(), "mint").await.unwrap();
            mined(usdc.approve(pool_b, spend).send().await.unwrap(), "approve").await.unwrap();
            let pool = ConstantProductPool::new(pool_b, deployer_b);
            mined(pool.swapExactIn(usdc_beta, spend, U256::ZERO, me).send().await.unwrap(), "swap").await.unwrap();
        }
    }
    let owner_secret = std::fs::read_to_string(key("contracts-owner.evm.key")).unwrap();
    let owner: alloy::signers::local::PrivateKeySigner = owner_secret.trim().trim_start_matches("0x").parse().unwrap();
    let (bob_a, carol_a) = (addr(&bob.evm_address).0, addr(&carol.evm_address).0);
    let (rpc_alpha, rpc_beta) = (m.evm[0].rpc.clone(), m.evm[1].rpc.clone());
    let nonces_before =
        (nonce(&rpc_alpha, carol_a).await, nonce(&rpc_beta, bob_a).await, nonce(&rpc_alpha, owner.address()).await);
    let pool = addr(&m.evm[0].contracts["LendingPool"]).0;
    let (weth_alpha, weth_beta) = (addr(&m.evm[0].contracts["DemoWETH"]).0, addr(&m.evm[1].contracts["DemoWETH"]).0);
    let reader = wallet_provider(&rpc_alpha, &carol.evm_secret).unwrap();
    let reader_beta = wallet_provider(&rpc_beta, &carol.evm_secret).unwrap();
    let pool_before = balance_of(&reader, weth_alpha, pool).await.unwrap();
    let carol_usdc_beta_before = balance_of(&reader_beta, usdc_beta, carol_a).await.unwrap();

    let args: Vec<String> = [
        "bundle",
        "run",
        spec.to_str().unwrap(),
        "--json",
        "--network",
        &network,
        "--state",
        state.to_str().unwrap(),
        "--hub-key",
        &key("carol.hub.key"),
        "--key",
        &format!("carol={}", key("carol.evm.key")),
        "--key",
        &format!("bob={}", key("bob.evm.key")),
        "--key",
        &format!("LendingPool={}", key("contracts-owner.evm.key")),
        "--deliver-after",
        "30",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    let mut lock_hashes: Vec<serde_json::Value> = Vec::new();
    let (first, code) = follow(start(&args), |e| match (e["event"].as_str(), at) {
        (Some("tx_sent"), _) if e["about"].as_str().unwrap_or_default().starts_with("lock") => {
            lock_hashes.push(e["hash"].clone());
            matches!(at, KillAt::LockSentNotConfirmed)
        }
        (Some("tx_confirmed"), KillAt::FirstLockConfirmed) => lock_hashes.contains(&e["hash"]),
        _ => false,
    });
    assert_eq!(code, None, "the first run was killed mid-way: {first:?}");
    assert_eq!(first.iter().filter(|e| e["event"] == "registered").count(), 1, "{first:?}");

    let (second, code) = follow(start(&args), |_| false);
    assert_eq!(code, Some(0), "the restarted run ends with the planned outcome: {second:?}");
    assert_eq!(second[0]["event"], "started");
    assert_eq!(second[0]["resumed"], true);
    let last = second.last().unwrap();
    assert_eq!((last["event"].as_str(), last["outcome"].as_str()), (Some("outcome"), Some("commit")), "{second:?}");
    assert!(
        !second.iter().any(|e| e["event"] == "step_started" && e["step"] == 0),
        "the restart does not register again: {second:?}"
    );
    // a lock sent before the kill is re-sent as the same bytes or found on its chain, never signed anew
    for e in second.iter().filter(|e| e["event"] == "tx_sent" && e["resent"] == false) {
        assert!(!lock_hashes.contains(&e["hash"]));
        assert!(
            !first.iter().any(|f| f["event"] == "step_done" && f["step"] == e["step"]),
            "a step finished before the kill sends nothing after it: {e}"
        );
    }

    let id = mesh_protocol::Hash32::parse(last["bundle_id"].as_str().unwrap()).unwrap();
    for (chain, leg) in [(0, 0), (1, 1), (0, 2)] {
        assert_eq!(leg_status(m, chain, id, leg).await, 2, "leg {leg} delivered to its recipient");
    }
    // exactly the balances of one uninterrupted run
    let b = mesh_hub::bundle::status(&tn.hub, &m.contracts["bundle_log"], id).await.unwrap().bundle;
    let (loan, bridged, repaid) = (b.legs[0].amount.0, b.legs[1].amount.0, b.legs[2].amount.0);
    match spec_kind {
        Spec::Fixed => assert_eq!((loan, bridged), (U256::from(10 * WETH), U256::from(9_990 * WETH / 1000))),
        Spec::Sized => {
            assert!(loan > U256::from(WETH) && loan < U256::from(20 * WETH), "the planner sized the loan: {loan}");
            let min_out = b.legs[1].action.as_ref().expect("leg 1 sells on COMMIT").min_out.0;
            let gained = balance_of(&reader_beta, usdc_beta, carol_a).await.unwrap() - carol_usdc_beta_before;
            assert!(gained >= min_out && min_out > U256::ZERO, "the sale paid carol {gained} USDC ≥ min_out {min_out}");
        }
    }
    assert_eq!(balance_of(&reader, weth_alpha, bob_a).await.unwrap(), loan, "bob got the loan on alpha");
    assert_eq!(balance_of(&reader_beta, weth_beta, bob_a).await.unwrap(), U256::ZERO);
    let carol_weth_beta = if spec_kind == Spec::Fixed { bridged } else { U256::ZERO }; // sold by the action
    assert_eq!(balance_of(&reader_beta, weth_beta, carol_a).await.unwrap(), carol_weth_beta);
    // the pool has only exact-input swaps: the planner buys with the least USDC that yields the
    // repayment, which may yield a little more (under one USDC base unit's worth, ≈ 3.3e8 wei)
    let left = balance_of(&reader, weth_alpha, carol_a).await.unwrap();
    match spec_kind {
        Spec::Fixed => assert_eq!(left, U256::ZERO, "carol locked her whole repayment"),
        Spec::Sized => {
            assert!(left < U256::from(1_000_000_000u64), "carol bought about the repayment: {left} wei left")
        }
    }
    assert_eq!(balance_of(&reader, weth_alpha, pool).await.unwrap(), pool_before - loan + repaid);
    // each party's planned transactions once: approve + lock for carol and bob, lockMeshLoan; in
    // the diagram also carol's approve + swap on alpha and bob's wrap on beta
    let (carol_txs, bob_txs) = if spec_kind == Spec::Fixed { (2, 2) } else { (4, 3) };
    assert_eq!(
        (nonce(&rpc_alpha, carol_a).await, nonce(&rpc_beta, bob_a).await, nonce(&rpc_alpha, owner.address()).await),
        (nonces_before.0 + carol_txs, nonces_before.1 + bob_txs, nonces_before.2 + 1)
    );
    let balances = second.iter().find(|e| e["event"] == "balances").expect("final balances reported");
    assert!(balances["balances"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["party"] == "bob" && b["chain"] == "alpha" && b["amount"] == loan.to_string()));

    for r in relayers {
        r.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_arbitrage_run_killed_after_its_first_lock_and_restarted_commits_with_each_transaction_once() {
    killed_and_restarted_ends_as_one_run("bundle-run", 30100, 30190, 41, KillAt::FirstLockConfirmed, Spec::Fixed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sized_arbitrage_diagram_killed_between_a_locks_broadcast_and_its_receipt_commits_with_each_transaction_once(
) {
    killed_and_restarted_ends_as_one_run(
        "bundle-run-sent",
        30200,
        30290,
        42,
        KillAt::LockSentNotConfirmed,
        Spec::Sized,
    )
    .await;
}
