//! The `mesh bundle` commands as a user runs them, on a real devnet with relayers: `plan` prints
//! the legs and the declared constraints of `examples/arbitrage.bundle.toml` and refuses a copy
//! whose lender is repaid less than declared; `register`, `lock --leg N` by each depositor (the
//! LendingPool's leg through its owner, refused for a bundle that does not repay the pool its
//! fee), and `status --watch` until every leg is final on its
//! chain; `status --json` then shows the COMMIT and every leg delivered.
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use mesh_chain_evm::locker::{balance_of, wallet_provider};
use mesh_devnet::bindings::DemoWETH;
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{addr, TestNet};

fn mesh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mesh")).args(args).env("MESH_LOG", "warn").output().expect("the mesh binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = mesh(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "mesh {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

fn write_spec(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_spec_is_planned_registered_locked_by_each_party_and_followed_until_final_on_every_chain() {
    let tn = TestNet::up("bundle-cli", 28600, 28590, 1, 2).await;
    let (net, m) = (&tn.net, &tn.m);
    let manifest = net.manifest_path();
    let manifest = manifest.to_str().unwrap();
    let relayers = [
        tn.relayer(Some(0), vec![Role::Reporter, Role::Signer, Role::Poster]),
        tn.relayer(Some(1), vec![Role::Signer]),
        tn.relayer(Some(2), vec![Role::Signer]),
    ];

    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/arbitrage.bundle.toml"))
        .expect("example spec");
    let specs = net.dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = write_spec(&specs, "arbitrage.bundle.toml", &example);

    // plan: legs by name, constraints with their values
    let plan = ok(&["bundle", "plan", &spec, "--manifest", manifest]);
    assert!(plan.contains("LendingPool → bob, 10e18 WETH"), "{plan}");
    assert_eq!(plan.matches("  holds  ").count(), 3, "three declared constraints hold:\n{plan}");
    // a lender repaid without its fee: refused before anything is sent, naming the constraint
    let stingy =
        write_spec(&specs, "stingy.bundle.toml", &example.replace("amount = \"10.009e18\"", "amount = \"10e18\""));
    let out = mesh(&["bundle", "plan", &stingy, "--manifest", manifest]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("lender receives ≥ principal + fee: 10000000000000000000 but 10009000000000000000"), "{err}");

    // the parties' WETH: bob bridges on beta, carol repays on alpha (the pool holds its own)
    let (bob, carol) = (&m.accounts.users[1], &m.accounts.users[2]);
    for (chain, who, amount) in [(1, bob, 9_990_000_000_000_000_000u128), (0, carol, 10_009_000_000_000_000_000)] {
        let p = wallet_provider(&m.evm[chain].rpc, &who.evm_secret).unwrap();
        let weth = DemoWETH::new(addr(&m.evm[chain].contracts["DemoWETH"]).0, p);
        assert!(weth.deposit().value(U256::from(amount)).send().await.unwrap().get_receipt().await.unwrap().status());
    }

    let registered = ok(&["bundle", "register", &spec, "--manifest", manifest]);
    let id = registered
        .lines()
        .find_map(|l| l.strip_prefix("registered "))
        .and_then(|rest| rest.split(';').next())
        .expect("the bundle id is printed")
        .to_string();
    for leg in ["0", "1", "2"] {
        let out = ok(&["bundle", "lock", &spec, "--leg", leg, "--manifest", manifest]);
        assert!(out.contains(&format!("locked leg {leg}")), "{out}");
    }

    // the pool never lends into a bundle that does not repay it with its fee, even one that
    // declares no constraint and is registered
    let unconstrained = example.split("[[constraints]]").next().unwrap();
    let no_fee = write_spec(
        &specs,
        "no-fee.bundle.toml",
        &unconstrained.replace("nonce = 1", "nonce = 2").replace("amount = \"10.009e18\"", "amount = \"10e18\""),
    );
    ok(&["bundle", "register", &no_fee, "--manifest", manifest]);
    let out = mesh(&["bundle", "lock", &no_fee, "--leg", "0", "--manifest", manifest]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("no leg of the bundle repays the pool 10009000000000000000"), "{err}");

    let start = Instant::now();
    let watched = ok(&["bundle", "status", &id, "--watch", "--manifest", manifest]);
    assert!(start.elapsed() < Duration::from_secs(120));
    assert!(watched.contains("verdict Commit"), "{watched}");
    assert!(watched.contains("final on its chain: 3/3 legs"), "{watched}");

    let json: serde_json::Value =
        serde_json::from_str(&ok(&["bundle", "status", &id, "--json", "--manifest", manifest])).expect("JSON status");
    assert_eq!(json["bundle"]["verdict"], "commit");
    assert_eq!(json["batch_attested"], true);
    let codes: Vec<_> = json["legs"].as_array().unwrap().iter().map(|l| l["router_code"].clone()).collect();
    assert_eq!(codes, vec![serde_json::json!(2); 3], "every leg delivered to its recipient");
    let p = wallet_provider(&m.evm[1].rpc, &carol.evm_secret).unwrap();
    let weth_beta = addr(&m.evm[1].contracts["DemoWETH"]).0;
    assert_eq!(
        balance_of(&p, weth_beta, addr(&carol.evm_address).0).await.unwrap(),
        U256::from(9_990_000_000_000_000_000u128)
    );

    for r in relayers {
        r.stop().await;
    }
}

/// `mesh bundle deliver`: with no poster running, anyone delivers a decided bundle's verdict to
/// every chain from the hub's public batch signatures and Merkle proof; a second run finds every
/// leg final and sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anyone_delivers_a_decided_bundle_from_the_hubs_public_signatures() {
    use mesh_testkit::fixture::{leg_status, mint_usdc, usdc_balance};
    let tn = TestNet::up("bundle-deliver", 28700, 28690, 1, 2).await;
    let (net, m) = (&tn.net, &tn.m);
    let manifest = net.manifest_path();
    let manifest = manifest.to_str().unwrap();
    // reporters and signers only: nobody posts
    let relayers = [
        tn.relayer(Some(0), vec![Role::Reporter, Role::Signer]),
        tn.relayer(Some(1), vec![Role::Signer]),
        tn.relayer(Some(2), vec![Role::Signer]),
    ];
    let (alice, bob) = (&m.accounts.users[0], &m.accounts.users[1]);
    mint_usdc(m, 0, &alice.evm_address, 100_000_000).await;
    mint_usdc(m, 1, &bob.evm_address, 50_000_000).await;
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/swap.bundle.toml"))
        .expect("example");
    let specs = net.dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = write_spec(&specs, "swap.bundle.toml", &example);
    let registered = ok(&["bundle", "register", &spec, "--manifest", manifest]);
    let id = registered
        .lines()
        .find_map(|l| l.strip_prefix("registered "))
        .and_then(|rest| rest.split(';').next())
        .expect("the bundle id is printed")
        .to_string();
    for leg in ["0", "1"] {
        ok(&["bundle", "lock", &spec, "--leg", leg, "--manifest", manifest]);
    }
    // decided and attested, but no poster delivers it
    let start = Instant::now();
    loop {
        let json: serde_json::Value =
            serde_json::from_str(&ok(&["bundle", "status", &id, "--json", "--manifest", manifest])).unwrap();
        if json["batch_attested"] == true {
            assert_eq!(json["bundle"]["verdict"], "commit");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(180), "never attested: {json}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let hash = mesh_protocol::Hash32::parse(&id).unwrap();
    assert_eq!(leg_status(m, 0, hash, 0).await, 1, "still locked: no poster runs");
    let bob_before = usdc_balance(m, 0, &bob.evm_address).await;

    let out = ok(&["bundle", "deliver", &id, "--manifest", manifest]);
    assert_eq!(out.matches("settled 1 leg(s) Commit").count(), 2, "{out}");
    assert_eq!((leg_status(m, 0, hash, 0).await, leg_status(m, 1, hash, 1).await), (2, 2));
    assert!(usdc_balance(m, 0, &bob.evm_address).await > bob_before);
    let again = ok(&["bundle", "deliver", &id, "--manifest", manifest]);
    assert_eq!(again.matches("already final").count(), 2, "{again}");
    assert!(!again.contains("settled"), "{again}");

    for r in relayers {
        r.stop().await;
    }
}
