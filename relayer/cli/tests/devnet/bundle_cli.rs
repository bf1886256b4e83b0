//! The `mesh bundle` commands as a user runs them, on a real devnet with relayers, from the
//! network file and key files the devnet writes (never its manifest): the README's bundle-creator
//! section run line by line; `plan` printing the legs and the declared constraints of the
//! arbitrage with fixed amounts (`relayer/planner/tests/fixtures/arbitrage-fixed.bundle.toml`) and refusing a copy whose lender is repaid less than declared;
//! `register`, `lock --leg N` by each depositor (the LendingPool's leg through its owner, refused
//! with the pool's reason for a bundle that does not repay its fee), `status --watch` until every
//! leg is final; `deliver` by anyone from the hub's public signatures.
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

/// The bundle id `mesh bundle register` printed ("registered 0x…; bundle saved to …").
fn registered_id(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("registered "))
        .and_then(|rest| rest.split(';').next())
        .expect("the bundle id is printed")
        .to_string()
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
    let network = net.network_path();
    let network = network.to_str().unwrap();
    let key = |name: &str| tn.key_file(name);
    let relayers = tn.quorum();

    // the arbitrage with fixed amounts (the example itself is sized from live pools: bundle_plan.rs)
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../planner/tests/fixtures/arbitrage-fixed.bundle.toml"
    ))
    .expect("fixed arbitrage spec");
    let specs = net.dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = write_spec(&specs, "arbitrage.bundle.toml", &example);

    // plan: legs by name, constraints with their values
    let plan = ok(&["bundle", "plan", &spec, "--network", network]);
    assert!(plan.contains("LendingPool → bob, 10 WETH (10000000000000000000 base units)"), "{plan}");
    assert!(plan.contains("(provisional"), "an id before registration is marked provisional:\n{plan}");
    assert_eq!(plan.matches("  holds  ").count(), 3, "three declared constraints hold:\n{plan}");
    // a lender repaid without its fee: refused before anything is sent, naming the constraint
    let stingy =
        write_spec(&specs, "stingy.bundle.toml", &example.replace("amount = \"10.009 WETH\"", "amount = \"10 WETH\""));
    let out = mesh(&["bundle", "plan", &stingy, "--network", network]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("lender receives ≥ principal + fee: 10 WETH (10000000000000000000 base units) but 10.009 WETH"),
        "{err}"
    );

    // the parties' WETH: bob bridges on beta, carol repays on alpha (the pool holds its own)
    let (bob, carol) = (&m.accounts.users[1], &m.accounts.users[2]);
    for (chain, who, amount) in [(1, bob, 9_990_000_000_000_000_000u128), (0, carol, 10_009_000_000_000_000_000)] {
        let p = wallet_provider(&m.evm[chain].rpc, &who.evm_secret).unwrap();
        let weth = DemoWETH::new(addr(&m.evm[chain].contracts["DemoWETH"]).0, p);
        assert!(weth.deposit().value(U256::from(amount)).send().await.unwrap().get_receipt().await.unwrap().status());
    }

    let registered = ok(&["bundle", "register", &spec, "--network", network, "--key-file", &key("carol.hub.key")]);
    let id = registered_id(&registered);
    // a key that is not the depositor's is refused before anything is sent
    let out = mesh(&["bundle", "lock", &spec, "--leg", "1", "--network", network, "--key-file", &key("carol.evm.key")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("but leg 1's depositor is"), "{err}");
    for (leg, who) in [("0", "contracts-owner"), ("1", "bob"), ("2", "carol")] {
        let out = ok(&[
            "bundle",
            "lock",
            &spec,
            "--leg",
            leg,
            "--network",
            network,
            "--key-file",
            &key(&format!("{who}.evm.key")),
        ]);
        assert!(out.contains(&format!("locked leg {leg}")), "{out}");
    }
    // locking it again: the Router's revert by name, not a selector
    let out = mesh(&["bundle", "lock", &spec, "--leg", "1", "--network", network, "--key-file", &key("bob.evm.key")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("LegAlreadyLocked(bundleId: ") && err.contains("index: 1)"), "{err}");

    // the pool never lends into a bundle that does not repay it with its fee, even one that
    // declares no constraint and is registered
    let unconstrained = example.split("[[constraints]]").next().unwrap();
    let no_fee = write_spec(
        &specs,
        "no-fee.bundle.toml",
        &unconstrained.replace("nonce = 1", "nonce = 2").replace("amount = \"10.009 WETH\"", "amount = \"10 WETH\""),
    );
    ok(&["bundle", "register", &no_fee, "--network", network, "--key-file", &key("carol.hub.key")]);
    let out = mesh(&[
        "bundle",
        "lock",
        &no_fee,
        "--leg",
        "0",
        "--network",
        network,
        "--key-file",
        &key("contracts-owner.evm.key"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("no leg of the bundle repays the pool 10009000000000000000"), "{err}");

    let start = Instant::now();
    let watched = ok(&["bundle", "status", &id, "--watch", "--network", network]);
    assert!(start.elapsed() < Duration::from_secs(120));
    assert!(watched.contains("verdict COMMIT (every leg locked and its dispute window passed)"), "{watched}");
    assert!(watched.contains("final on its chain: 3/3 legs"), "{watched}");

    let json: serde_json::Value =
        serde_json::from_str(&ok(&["bundle", "status", &id, "--json", "--network", network])).expect("JSON status");
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
    let network = net.network_path();
    let network = network.to_str().unwrap();
    let key = |name: &str| tn.key_file(name);
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
    let registered = ok(&["bundle", "register", &spec, "--network", network, "--key-file", &key("alice.hub.key")]);
    let id = registered_id(&registered);
    for (leg, who) in [("0", "alice"), ("1", "bob")] {
        ok(&[
            "bundle",
            "lock",
            &spec,
            "--leg",
            leg,
            "--network",
            network,
            "--key-file",
            &key(&format!("{who}.evm.key")),
        ]);
    }
    // decided and attested, but no poster delivers it
    let start = Instant::now();
    loop {
        let json: serde_json::Value =
            serde_json::from_str(&ok(&["bundle", "status", &id, "--json", "--network", network])).unwrap();
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

    let out = ok(&["bundle", "deliver", &id, "--network", network, "--key-file", &key("carol.evm.key")]);
    assert_eq!(out.matches("settled 1 leg(s) COMMIT").count(), 2, "{out}");
    assert_eq!((leg_status(m, 0, hash, 0).await, leg_status(m, 1, hash, 1).await), (2, 2));
    assert!(usdc_balance(m, 0, &bob.evm_address).await > bob_before);
    let again = ok(&["bundle", "deliver", &id, "--network", network, "--key-file", &key("carol.evm.key")]);
    assert_eq!(again.matches("already final").count(), 2, "{again}");
    assert!(!again.contains("settled"), "{again}");

    for r in relayers {
        r.stop().await;
    }
}

/// The README's bundle-creator section, run as written: its shell block is taken from README.md
/// and run by bash in a folder laid out like the repository (examples, hub-config, and `.devnet`
/// pointing at this test's devnet), with the `mesh` binary and the project's tools on PATH. Only
/// the network file and key files the devnet writes are used: fund, plan, register, lock (bob
/// from his own wallet with `cast`), three relayers, watch to COMMIT; then, with the relayers
/// stopped, a bundle bob never locks refunded to alice with `mesh bundle refund`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readme_bundle_creator_flow_runs_as_written_from_a_network_file() {
    use mesh_testkit::fixture::usdc_balance;
    let tn = TestNet::up("readme", 28900, 28890, 1, 2).await;
    let (net, m) = (&tn.net, &tn.m);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let block = readme
        .split("<!-- e2e:bundle-creator -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /e2e -->").next())
        .and_then(|b| b.split("```sh\n").nth(1))
        .and_then(|b| b.split("```").next())
        .expect("README.md has the bundle-creator block");

    let work = net.dir.join("readme-work");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("examples")).unwrap();
    let repo = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    for f in std::fs::read_dir(repo.join("examples")).unwrap() {
        let f = f.unwrap().path();
        if f.extension().is_some_and(|e| e == "toml" || e == "json") && !f.to_string_lossy().contains(".registered.") {
            std::fs::copy(&f, work.join("examples").join(f.file_name().unwrap())).unwrap();
        }
    }
    std::os::unix::fs::symlink(repo.join("hub-config").canonicalize().unwrap(), work.join("hub-config")).unwrap();
    std::os::unix::fs::symlink(net.dir.canonicalize().unwrap(), work.join(".devnet")).unwrap();
    let mesh_dir = std::path::Path::new(env!("CARGO_BIN_EXE_mesh")).parent().unwrap();
    let cast = net.tools.path("cast", "MESH_CAST").expect("cast is installed");
    let path = format!(
        "{}:{}:{}",
        mesh_dir.display(),
        cast.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{block}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .current_dir(&work)
            .env("PATH", path)
            .env("MESH_LOG", "warn")
            .env_remove("MESH_DEVNET_DIR")
            .env_remove("MESH_NETWORK")
            .output()
            .expect("bash runs")
    })
    .await
    .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the README block failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("alice → bob, 100 USDC (100000000 base units)"), "{stdout}");
    assert!(stdout.contains("(provisional"), "{stdout}");
    assert!(stdout.contains("cast send --rpc-url"), "--print-calls shows the cast lines:\n{stdout}");
    assert!(stdout.contains("verdict COMMIT"), "{stdout}");
    assert!(stdout.contains("final on its chain: 2/2 legs"), "{stdout}");
    assert!(stdout.contains("alpha: leg 0 refunded to its depositor"), "{stdout}");
    assert!(!stdout.contains("\u{1b}[") && !stderr.contains("\u{1b}["), "no colour codes when not a terminal");

    let (alice, bob) = (&m.accounts.users[0].evm_address, &m.accounts.users[1].evm_address);
    // the swap COMMITted: bob got alice's 100 USDC on alpha, alice bob's 50 on beta; the second
    // bundle's 10 USDC came back to alice
    assert_eq!(usdc_balance(m, 0, bob).await, U256::from(100_000_000u64));
    assert_eq!(usdc_balance(m, 1, alice).await, U256::from(50_000_000u64));
    assert_eq!(usdc_balance(m, 0, alice).await, U256::from(10_000_000u64));
}
