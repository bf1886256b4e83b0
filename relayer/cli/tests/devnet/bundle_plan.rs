//! `mesh bundle plan` on a live devnet, from the network file it writes: the arbitrage of
//! `examples/arbitrage.bundle.toml` refused as unprofitable while both pools trade at the same
//! price (with carol's numbers), sized from the two pools' reserves once beta's price is up (the
//! sale on beta as leg 1's action, carol's purchase on alpha as a call, the trace, JSON and SVG),
//! and refused for slippage with a tolerance no size can meet (with the swap's numbers).
use alloy::primitives::U256;
use mesh_chain_evm::locker::{mined, wallet_provider};
use mesh_devnet::bindings::{ConstantProductPool, MintableERC20};
use mesh_devnet::evm_deploy::ANVIL_DEPLOYER_KEY;
use mesh_testkit::fixture::{addr, TestNet};

use std::process::{Command, Output};

fn mesh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mesh")).args(args).env("MESH_LOG", "warn").output().expect("the mesh binary runs")
}

const USDC: u64 = 1_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn plan_sizes_the_arbitrage_from_live_reserves_and_refuses_unprofitable_and_too_slippy_plans_with_the_numbers() {
    let tn = TestNet::up("bundle-plan", 30000, 30090, 1, 2).await;
    let (net, m) = (&tn.net, &tn.m);
    let network = net.network_path();
    let network = network.to_str().unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/arbitrage.bundle.toml");
    let (alpha, beta) = (&m.evm[0], &m.evm[1]);
    let contract = |c: &mesh_devnet::manifest::EvmInfo, name: &str| addr(&c.contracts[name]).0;

    // carol's working capital on alpha: 100 000 USDC to buy the repayment with
    let carol = addr(&m.accounts.users[2].evm_address).0;
    let deployer_a = wallet_provider(&alpha.rpc, ANVIL_DEPLOYER_KEY).unwrap();
    let usdc_a = MintableERC20::new(contract(alpha, "USDC"), deployer_a);
    mined(usdc_a.mint(carol, U256::from(100_000 * USDC)).send().await.unwrap(), "mint").await.unwrap();

    // both pools at 3 000 USDC per WETH: no loan size makes money, the least loss is named
    let out = mesh(&["bundle", "plan", example, "--network", network]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(err.contains("unprofitable (at the best size: loan = 0.5 WETH): carol nets -"), "{err}");
    assert!(err.contains(", net after gas -") && err.contains("(at least 0 USDC (0 base units) required)"), "{err}");

    // beta's WETH up to ≈ 3 900 USDC: the deployer buys WETH there with 42 180 USDC
    let deployer_b = wallet_provider(&beta.rpc, ANVIL_DEPLOYER_KEY).unwrap();
    // the anvil deployer signs the swap, so it holds the USDC (not the hub's deployer account)
    let me = ANVIL_DEPLOYER_KEY
        .trim_start_matches("0x")
        .parse::<alloy::signers::local::PrivateKeySigner>()
        .unwrap()
        .address();
    let (usdc_b, pool_b) = (contract(beta, "USDC"), contract(beta, "ConstantProductPool"));
    let usdc = MintableERC20::new(usdc_b, deployer_b.clone());
    let spend = U256::from(42_180 * USDC);
    mined(usdc.mint(me, spend).send().await.unwrap(), "mint").await.unwrap();
    mined(usdc.approve(pool_b, spend).send().await.unwrap(), "approve").await.unwrap();
    let pool = ConstantProductPool::new(pool_b, deployer_b);
    mined(pool.swapExactIn(usdc_b, spend, U256::ZERO, me).send().await.unwrap(), "swap").await.unwrap();

    let svg = net.dir.join("arbitrage.svg");
    let out = mesh(&["bundle", "plan", example, "--network", network, "--svg", svg.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("sized from live state: loan = ") && text.contains("(best of 1951 candidates)"), "{text}");
    assert!(text.contains("leg 1's action: on COMMIT sells "), "the sale on beta is leg 1's action:\n{text}");
    assert!(text.contains("call 0 by carol on alpha: carol buys the repayment on alpha's pool"), "{text}");
    assert!(text.contains("lock leg 2 (carol → LendingPool on alpha): carol spends"), "{text}");
    assert!(text.contains("execution trace") && text.contains("by settleAction"), "{text}");
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.starts_with("<svg") && picture.matches("class=\"leg\"").count() == 3, "{picture}");

    let out = mesh(&["bundle", "plan", example, "--network", network, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let net_usdc: i128 = j["sizing"]["objective"]["net"].as_str().unwrap().parse().unwrap();
    assert!(net_usdc > 100 * USDC as i128, "carol makes money after gas: {j}");
    let loan: u128 = j["sizing"]["variables"][0]["value"].as_str().unwrap().parse().unwrap();
    assert!(loan > 1_000_000_000_000_000_000 && loan < 20_000_000_000_000_000_000, "{loan}");
    let target = j["bundle"]["legs"][1]["action"]["target"].as_str().unwrap().to_lowercase();
    assert!(target.ends_with(&format!("{pool_b:x}")), "the sale is on beta's pool: {target}");
    assert_eq!(j["trace"].as_array().unwrap().len(), 9);

    // a 0.5 % tolerance: even the smallest loan slips more than that from the mid price
    let text = std::fs::read_to_string(example).unwrap().replace("slippage = \"10%\"", "slippage = \"0.5%\"");
    let tight = net.dir.join("tight.bundle.toml");
    std::fs::write(&tight, text).unwrap();
    let out = mesh(&["bundle", "plan", tight.to_str().unwrap(), "--network", network]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("slippage exceeds the tolerance (at the best size: loan = 0.5 WETH): "), "{err}");
    assert!(err.contains("bps, tolerance 50 bps, min_out "), "{err}");
}
