//! The start-up self-checks against real nodes: a real anvil for the EVM side and the fake
//! CometBFT node (`mesh_testkit::fake_comet`) scripted as the hub. Each bad config is refused by
//! the daemon itself (`daemon::run`, what `mesh relayer run` calls) with its message, before any
//! role starts; `/health` turns 503 after repeated failed rounds and recovers.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use alloy::providers::{Provider, ProviderBuilder};
use mesh_hub::{CosmosSigner, KeyType};
use mesh_relayer::config::{Config, Role};
use mesh_relayer::selfcheck::{self, Outcome};
use mesh_testkit::fake_comet::{FakeComet, Node};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const HUB_CHAIN: &str = "mesh-devnet-1";
const BUNDLE_LOG: &str = "inj1nc5tatafv6eyq7llkr2gv50ff9e22mnfhg8yh3";
const STAKE_ESCROW: &str = "inj14hj2tavq8fpesdwxxcu44rty3hh90vhujaxlnz";
const DISPUTE: &str = "inj17p9rzwnnfxcjp32un9ug7yhhzgtkhvl9l2q74d";
/// The relayer's hub key in these tests (never funded anywhere real).
const HUB_SECRET: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
/// anvil's first dev account: funded on every fresh anvil.
const EVM_SECRET: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// An EVM key nobody funded.
const POOR_EVM_SECRET: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const ROUTER: &str = "0x00000000000000000000000000000000000000aa";
const VERIFIER: &str = "0x00000000000000000000000000000000000000bb";
const CHAIN_ID: u64 = 31337;

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

/// A free loopback port in 29400–29599 (+ the e2e offset), away from the devnets; every call
/// gets another one, so tests running side by side never pick the same.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(29400);
    let offset: u16 = std::env::var("MESH_E2E_PORT_OFFSET").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    loop {
        let p = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(p < 29600, "no free port left in 29400–29599");
        if std::net::TcpListener::bind(("127.0.0.1", p + offset)).is_ok() {
            return p + offset;
        }
    }
}

/// An anvil of chain id 31337 with a router that names VERIFIER as its verifier and a verifier
/// with code.
async fn anvil() -> Anvil {
    let bin =
        mesh_devnet::Tools::from_env().path("anvil", "MESH_ANVIL").expect("anvil installed (scripts/setup-tools.sh)");
    let port = free_port();
    let child = Command::new(bin)
        .args(["--port", &port.to_string(), "--chain-id", &CHAIN_ID.to_string(), "--silent"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("anvil starts");
    let a = Anvil { child, rpc: format!("http://127.0.0.1:{port}") };
    let provider = ProviderBuilder::new().connect_http(a.rpc.parse().unwrap());
    let started = Instant::now();
    while provider.get_chain_id().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "anvil did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // the router answers every call with the verifier's address (enough for `verifier()`):
    // PUSH20 verifier, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN
    let verifier: Address = VERIFIER.parse().unwrap();
    let mut code = vec![0x73];
    code.extend_from_slice(verifier.as_slice());
    code.extend_from_slice(&[0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    set_code(&a, ROUTER, &code).await;
    set_code(&a, VERIFIER, &[0x00]).await;
    a
}

async fn set_code(a: &Anvil, at: &str, code: &[u8]) {
    let provider = ProviderBuilder::new().connect_http(a.rpc.parse().unwrap());
    let _: Value = provider
        .raw_request("anvil_setCode".into(), (at, format!("0x{}", hex::encode(code))))
        .await
        .expect("anvil_setCode");
}

fn hub_address(key_type: KeyType) -> String {
    CosmosSigner::from_hex_typed(HUB_SECRET, "inj", key_type).unwrap().address().to_string()
}

fn evm_address(secret: &str) -> String {
    let key = mesh_protocol::sig::signing_key(&hex::decode(secret).unwrap().try_into().unwrap()).unwrap();
    format!("{:#x}", mesh_protocol::sig::signer_address(&key))
}

fn relayer_info(bonded: u128, active: bool, jailed: bool, evm_signer: &str) -> Value {
    json!({
        "address": hub_address(KeyType::Secp256k1), "evm_signer": evm_signer, "bonded": bonded.to_string(),
        "unbonding": [], "jailed": jailed, "jailed_at": if jailed { json!(1_764_674_800u64) } else { Value::Null },
        "slashed": "0", "active": active, "locked_until": 0, "locked_by_epoch": 0, "claimable_from": 0,
    })
}

fn signer_set(epoch: u64, members: &[&str]) -> Value {
    let signers: Vec<Value> = members.iter().map(|a| json!({"address": a, "weight": "1000"})).collect();
    json!({
        "set": {"epoch": epoch, "signers": signers, "threshold": "1", "expires_at": 4_000_000_000u64},
        "signers_hash": format!("0x{}", "00".repeat(32)), "created_at": 1, "jailed": [],
    })
}

/// A hub on which the relayer is funded, bonded, active and in the signer set, and chain 31337
/// is registered with ROUTER.
fn good_hub() -> Node {
    let me = hub_address(KeyType::Secp256k1);
    let signer = evm_address(EVM_SECRET);
    Node::with_account(7, 0)
        .network(HUB_CHAIN)
        .balance(&me, 10u128.pow(21))
        .smart(
            BUNDLE_LOG,
            "config",
            json!({
                "admin": "inj1admin", "hub_chain_id": HUB_CHAIN, "hub_domain_separator": format!("0x{}", "11".repeat(32)),
                "stake_escrow": STAKE_ESCROW, "dispute": DISPUTE, "dispute_window": 10, "delivery_margin": 10,
                "max_batch_size": 64, "batch_max_age": 5, "max_reports_per_msg": 16, "max_horizon": 86400,
                "rereport_grace": 10, "registration_deposit": null, "retention": 86400,
            }),
        )
        .smart(STAKE_ESCROW, "config", stake_config(HUB_CHAIN))
        .smart(
            BUNDLE_LOG,
            "chain_by_vm",
            json!({"domain": 1, "name": "alpha", "vm": {"evm": {"chain_id": CHAIN_ID}},
                   "router": format!("0x{:0>64}", ROUTER.trim_start_matches("0x")), "confirmations": 2}),
        )
        .smart(STAKE_ESCROW, "relayer", relayer_info(10u128.pow(21), true, false, &signer))
        .smart(STAKE_ESCROW, "current_signer_set", signer_set(3, &[&signer]))
        // what the reporter reads each round
        .smart(BUNDLE_LOG, "awaiting_reports", json!({"legs": []}))
        .smart(BUNDLE_LOG, "due_bundles", json!({"now": 1_764_674_820u64, "bundle_ids": []}))
        .smart(
            BUNDLE_LOG,
            "current_batch",
            json!({"index": 0, "status": "open", "epoch": null, "root": null, "entries": [], "opened_at": 0,
                   "closed_at": null, "attested_at": null, "signed_weight": "0", "threshold": null, "signatures": []}),
        )
}

fn stake_config(hub_chain_id: &str) -> Value {
    json!({
        "admin": "inj1admin", "hub_chain_id": hub_chain_id, "bond_denom": "inj", "min_bond": "1000000000000000000000",
        "unbonding_period": 60, "dispute_window": 10, "delivery_margin": 10, "slash_bps": 1000, "bounty_bps": 5000,
        "community_pool": null, "rotation_delay": 10, "dispute": DISPUTE, "signer_set_lifetime": 3600,
        "renewal_window": 600, "max_signer_weight_bps": 10000,
    })
}

/// A relayer config in its own folder, keys in files next to it named by relative paths.
struct Setup {
    dir: tempfile::TempDir,
    hub_rpc: String,
    evm_rpc: String,
    roles: Vec<&'static str>,
    evm_secret: &'static str,
    /// Extra `[hub]` lines.
    hub_extra: String,
    chain_id: u64,
    router: &'static str,
    http: Option<(u16, u32)>,
}

impl Setup {
    fn new(hub: &FakeComet, anvil: &Anvil) -> Setup {
        Setup {
            dir: tempfile::tempdir().unwrap(),
            hub_rpc: hub.url(),
            evm_rpc: anvil.rpc.clone(),
            roles: vec!["reporter", "signer", "poster", "disputer"],
            evm_secret: EVM_SECRET,
            hub_extra: String::new(),
            chain_id: CHAIN_ID,
            router: ROUTER,
            http: None,
        }
    }

    fn write(&self) -> PathBuf {
        std::fs::write(self.dir.path().join("hub.key"), format!("{HUB_SECRET}\n")).unwrap();
        std::fs::write(self.dir.path().join("evm.key"), format!("{}\n", self.evm_secret)).unwrap();
        let roles: Vec<String> = self.roles.iter().map(|r| format!("{r:?}")).collect();
        let http = match self.http {
            Some((port, n)) => format!("[http]\nlisten = \"127.0.0.1:{port}\"\nunhealthy_after = {n}\n"),
            None => String::new(),
        };
        let text = format!(
            r#"
[relayer]
db = "data/relayer.db"
roles = [{roles}]
poll_interval = "50ms"

[hub]
rpc = "{hub_rpc}"
chain_id = "{HUB_CHAIN}"
bundle_log = "{BUNDLE_LOG}"
stake_escrow = "{STAKE_ESCROW}"
dispute = "{DISPUTE}"
key = {{ file = "hub.key" }}
{hub_extra}

[evm_key]
file = "evm.key"

[[chains]]
name = "alpha"
chain_id = {chain_id}
rpc = "{evm_rpc}"
router = "{router}"
verifier = "{VERIFIER}"
confirmations = 0

{http}"#,
            roles = roles.join(", "),
            hub_rpc = self.hub_rpc,
            hub_extra = self.hub_extra,
            chain_id = self.chain_id,
            evm_rpc = self.evm_rpc,
            router = self.router,
        );
        let path = self.dir.path().join("relayer.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn config(&self) -> Config {
        Config::load(&self.write()).expect("the config loads")
    }
}

/// Starts the daemon on `setup` and returns its refusal; panics if it started.
async fn refused(setup: &Setup) -> String {
    let cfg = setup.config();
    let report = selfcheck::run(&cfg).await;
    assert!(!report.passed(), "the self-check passed: {report:#?}");
    let cancel = CancellationToken::new();
    let run = tokio::time::timeout(Duration::from_secs(60), mesh_relayer::daemon::run(cfg, cancel.clone()));
    let err = match run.await {
        Ok(Err(e)) => e.to_string(),
        Ok(Ok(())) => panic!("the relayer ran and stopped without refusing"),
        Err(_) => {
            cancel.cancel();
            panic!("the relayer started")
        }
    };
    assert!(err.starts_with("start-up self-check failed: "), "{err}");
    assert!(!setup.dir.path().join("data/relayer.db").exists(), "refused before opening its database");
    err
}

async fn world(hub: Node) -> (FakeComet, Anvil) {
    (FakeComet::start(hub).await, anvil().await)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_with_a_good_config_passes_every_check_and_resolves_paths_from_the_config_folder() {
    let (hub, anvil) = world(good_hub()).await;
    let setup = Setup::new(&hub, &anvil);
    let cfg = setup.config();
    assert_eq!(cfg.relayer.db, setup.dir.path().join("data/relayer.db"), "relative to the config file");
    let report = selfcheck::run(&cfg).await;
    assert!(report.passed(), "{report:#?}");
    assert!(report.warnings().is_empty(), "{report:#?}");
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    for expected in [
        "hub chain id",
        "hub bundle-log",
        "hub stake-escrow",
        "hub key",
        "hub account",
        "relayer stake",
        "relayer signer",
        "alpha chain id",
        "alpha router",
        "alpha verifier",
        "alpha registry",
        "alpha poster funds",
    ] {
        assert!(names.contains(&expected), "{expected} is checked: {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_hub_node_runs_another_chain_id_refuses_to_start() {
    let (hub, anvil) = world(good_hub().network("injective-888")).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(
        err.contains("hub.chain_id is \"mesh-devnet-1\" but the node at")
            && err.contains("runs \"injective-888\" (signatures would be made under another EIP-712 domain)"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_hub_contracts_were_made_for_another_hub_chain_refuses_to_start() {
    let (hub, anvil) = world(good_hub().smart(STAKE_ESCROW, "config", stake_config("other-hub-1"))).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(
        err.contains(&format!(
            "hub.chain_id is \"mesh-devnet-1\" but hub.stake_escrow {STAKE_ESCROW} was instantiated for hub chain \"other-hub-1\""
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_hub_rpc_is_unreachable_refuses_to_start() {
    let (hub, anvil) = world(good_hub()).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.hub_rpc = format!("http://127.0.0.1:{}", free_port());
    let err = refused(&setup).await;
    assert!(err.contains(&format!("hub.rpc {} is unreachable: ", setup.hub_rpc)), "{err}");
    assert!(!err.contains("Location"), "no backtrace in the message: {err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_evm_chain_id_differs_from_its_rpc_refuses_to_start() {
    let (hub, anvil) = world(good_hub()).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.chain_id = 31338;
    let err = refused(&setup).await;
    assert!(
        err.contains(&format!("chains.alpha.chain_id is 31338 but its RPC {} reports chain id 31337", anvil.rpc)),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_evm_rpc_is_unreachable_refuses_to_start() {
    let (hub, anvil) = world(good_hub()).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.evm_rpc = format!("http://127.0.0.1:{}", free_port());
    let err = refused(&setup).await;
    assert!(err.contains(&format!("chains.alpha.rpc {} is unreachable: ", setup.evm_rpc)), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_router_has_no_code_refuses_to_start() {
    let empty = "0x00000000000000000000000000000000000000cc";
    let registered = json!({"domain": 1, "name": "alpha", "vm": {"evm": {"chain_id": CHAIN_ID}},
                            "router": format!("0x{:0>64}", "cc"), "confirmations": 2});
    let (hub, anvil) = world(good_hub().smart(BUNDLE_LOG, "chain_by_vm", registered)).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.router = empty;
    let err = refused(&setup).await;
    assert!(err.contains(&format!("chains.alpha.router {empty} has no code on chain id 31337")), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_verifier_is_not_the_routers_refuses_to_start() {
    let (hub, anvil) = world(good_hub()).await;
    // the router now answers another verifier (one with code)
    let other = "0x00000000000000000000000000000000000000dd";
    set_code(&anvil, other, &[0x00]).await;
    let mut code = vec![0x73];
    code.extend_from_slice(other.parse::<Address>().unwrap().as_slice());
    code.extend_from_slice(&[0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    set_code(&anvil, ROUTER, &code).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(
        err.contains(&format!("chains.alpha.verifier is {VERIFIER} but the router's verifier is {other}")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_router_is_not_the_registered_one_refuses_to_start() {
    let registered = json!({"domain": 4, "name": "alpha", "vm": {"evm": {"chain_id": CHAIN_ID}},
                            "router": format!("0x{:0>64}", "ee"), "confirmations": 2});
    let (hub, anvil) = world(good_hub().smart(BUNDLE_LOG, "chain_by_vm", registered)).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(
        err.contains(&format!(
            "chains.alpha.router is {ROUTER} but the hub's registry names 0x00000000000000000000000000000000000000ee for domain 4"
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_on_a_chain_the_hub_never_registered_refuses_to_start() {
    let mut node = good_hub();
    node.smart.retain(|(_, q, _)| q != "chain_by_vm");
    let (hub, anvil) = world(node).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(err.contains("chains.alpha: EVM chain id 31337 is not in the hub's chain registry"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_hub_key_derives_another_address_refuses_to_start_and_names_the_matching_key_type() {
    let (hub, anvil) = world(good_hub()).await;
    let mut setup = Setup::new(&hub, &anvil);
    // the keyring shows the eth_secp256k1 address of the exported key
    let keyring = hub_address(KeyType::EthSecp256k1);
    setup.hub_extra = format!("address = \"{keyring}\"");
    let err = refused(&setup).await;
    assert!(
        err.contains(&format!(
            "hub.address is {keyring} but hub.key as secp256k1 derives {}; set hub.key_type = \"eth_secp256k1\": as \
             eth_secp256k1 the key derives {keyring}",
            hub_address(KeyType::Secp256k1)
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_hub_account_does_not_exist_refuses_to_start() {
    let me = hub_address(KeyType::Secp256k1);
    let (hub, anvil) = world(good_hub().without_account(&me)).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(
        err.contains(&format!(
            "hub account {me} (hub.key as secp256k1) does not exist on the hub: send it some inj first"
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_whose_hub_account_holds_no_fees_refuses_to_start_and_points_at_the_funded_key_type() {
    let me = hub_address(KeyType::Secp256k1);
    let eth = hub_address(KeyType::EthSecp256k1);
    // the funds went to the keyring's (eth_secp256k1) address
    let (hub, anvil) = world(good_hub().balance(&me, 0).balance(&eth, 5)).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(
        err.contains(&format!(
            "hub account {me} (hub.key as secp256k1) holds no inj: it cannot pay fees; the same key as eth_secp256k1 is \
             {eth}, which holds 5 inj: set hub.key_type = \"eth_secp256k1\""
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unbonded_reporter_refuses_to_start() {
    let (hub, anvil) = world(good_hub().smart(STAKE_ESCROW, "relayer", Value::Null)).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.roles = vec!["reporter"];
    let err = refused(&setup).await;
    assert!(
        err.contains(&format!(
            "{} is not bonded on the hub (roles reporter need an active bonded relayer: mesh stake bond",
            hub_address(KeyType::Secp256k1)
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jailed_signer_refuses_to_start() {
    let jailed = relayer_info(10u128.pow(21), false, true, &evm_address(EVM_SECRET));
    let (hub, anvil) = world(good_hub().smart(STAKE_ESCROW, "relayer", jailed)).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.roles = vec!["signer"];
    let err = refused(&setup).await;
    assert!(
        err.contains("is jailed on the hub since 2025-12-02T11:26:40Z (roles signer, checker cannot act while jailed)"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relayer_bonded_below_the_minimum_refuses_to_start() {
    let low = relayer_info(5, false, false, &evm_address(EVM_SECRET));
    let (hub, anvil) = world(good_hub().smart(STAKE_ESCROW, "relayer", low)).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(err.contains("bonds 5 inj, below the hub's minimum 1000000000000000000000 inj: it is not active"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signer_whose_evm_key_is_not_its_registered_signer_refuses_to_start() {
    let other = evm_address(POOR_EVM_SECRET);
    let (hub, anvil) =
        world(good_hub().smart(STAKE_ESCROW, "relayer", relayer_info(10u128.pow(21), true, false, &other))).await;
    let err = refused(&Setup::new(&hub, &anvil)).await;
    assert!(
        err.contains(&format!(
            "evm_key derives {} but {} registered the EVM signer {other} when it bonded",
            evm_address(EVM_SECRET),
            hub_address(KeyType::Secp256k1)
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poster_whose_evm_key_holds_nothing_refuses_to_start() {
    let (hub, anvil) = world(good_hub()).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.roles = vec!["poster"];
    setup.evm_secret = POOR_EVM_SECRET;
    let err = refused(&setup).await;
    assert_eq!(
        err,
        format!(
            "start-up self-check failed: evm_key account {} holds nothing on chains.alpha (chain id 31337): the \
             poster cannot pay gas",
            evm_address(POOR_EVM_SECRET)
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bonded_signer_not_yet_in_the_signer_set_starts_with_a_warning() {
    let (hub, anvil) = world(good_hub().smart(STAKE_ESCROW, "current_signer_set", signer_set(3, &[VERIFIER]))).await;
    let report = selfcheck::run(&Setup::new(&hub, &anvil).config()).await;
    assert!(report.passed(), "{report:#?}");
    let signer = report.checks.iter().find(|c| c.name == "relayer signer").unwrap();
    assert!(
        matches!(&signer.outcome, Outcome::Warn(w) if w.contains("is not in the current signer set (epoch 3)")),
        "{signer:?}"
    );
}

/// `GET path` on the relayer's HTTP port: (status code, body).
async fn get(port: u16, path: &str) -> Option<(u16, Value)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await.ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.ok()?;
    let code = raw.split_whitespace().nth(1)?.parse().ok()?;
    let body = raw.split("\r\n\r\n").nth(1)?;
    Some((code, serde_json::from_str(body).ok()?))
}

async fn until(what: &str, mut f: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !f().await {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn health_turns_unhealthy_after_repeated_failed_rounds_and_status_shows_role_stake_and_lag() {
    let (hub, anvil) = world(good_hub()).await;
    let mut setup = Setup::new(&hub, &anvil);
    setup.roles = vec!["reporter"];
    let port = free_port();
    setup.http = Some((port, 2));
    let cfg = setup.config();
    assert_eq!(cfg.relayer.roles, vec![Role::Reporter]);
    let cancel = CancellationToken::new();
    let daemon = tokio::spawn(mesh_relayer::daemon::run(cfg, cancel.clone()));

    until("a healthy relayer with a good round", async || {
        matches!(get(port, "/status").await, Some((200, s)) if s["roles"]["reporter"]["rounds_ok"].as_u64() > Some(0))
    })
    .await;
    let (code, health) = get(port, "/health").await.unwrap();
    assert_eq!((code, health), (200, json!({"status": "ok"})));
    until(
        "the relayer's standing",
        async || matches!(get(port, "/status").await, Some((_, s)) if !s["relayer"].is_null()),
    )
    .await;
    let (_, status) = get(port, "/status").await.unwrap();
    let standing = &status["relayer"];
    assert_eq!(standing["address"], hub_address(KeyType::Secp256k1));
    assert_eq!((standing["active"].as_bool(), standing["jailed"].as_bool()), (Some(true), Some(false)));
    assert_eq!(standing["in_signer_set"], true);
    assert_eq!(status["epoch"], 3);
    assert!(status["chains"][0]["lag_blocks"].is_i64(), "{status}");
    assert!(status["roles"]["reporter"]["last_success"].as_str().is_some_and(|t| t.ends_with('Z')), "{status}");

    // the hub node starts failing every query: after two failed rounds /health says so
    hub.script(|n| {
        n.http_failures
            .extend(std::iter::repeat_n((Some("abci_query"), axum::http::StatusCode::SERVICE_UNAVAILABLE), 100_000))
    });
    until("an unhealthy relayer", async || matches!(get(port, "/health").await, Some((503, _)))).await;
    let (_, health) = get(port, "/health").await.unwrap();
    assert_eq!(health["status"], "unhealthy");
    let failing = &health["failing"][0];
    assert_eq!(failing["role"], "reporter");
    assert!(failing["consecutive_failures"].as_u64() >= Some(2), "{health}");
    assert!(failing["last_error"].as_str().is_some_and(|e| e.contains("503") && !e.contains("Location")), "{health}");

    // the node recovers: one good round makes the relayer healthy again
    hub.script(|n| n.http_failures.clear());
    until("a healthy relayer again", async || matches!(get(port, "/health").await, Some((200, _)))).await;
    let (_, status) = get(port, "/status").await.unwrap();
    assert_eq!(status["roles"]["reporter"]["consecutive_failures"], 0);
    assert!(status["roles"]["reporter"]["last_error"].as_str().is_some(), "the last error stays visible: {status}");

    cancel.cancel();
    daemon.await.unwrap().expect("a clean stop");
}
