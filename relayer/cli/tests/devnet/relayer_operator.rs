//! A relayer operator on a real devnet with the `mesh` binary: `relayer check` passes a devnet
//! relayer's config and refuses a hub chain id other than the node's; a fresh `eth_secp256k1` key
//! (an injectived keyring's type) is refused while its account does not exist, then while it is
//! unbonded, bonds with a transaction injectived verifies under that key type, and passes; a hub
//! address the key does not derive is refused naming the matching key type; a contract's refusal
//! is printed as its reason alone. Errors are one `error:` line without backtrace or colour.
use std::path::Path;
use std::process::{Command, Output};

use mesh_hub::{CosmosSigner, KeyType};
use mesh_testkit::fixture::TestNet;

fn mesh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mesh")).args(args).env("MESH_LOG", "warn").output().expect("the mesh binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = mesh(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "mesh {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

/// Runs a command that must fail; returns (stdout, its one error line).
fn fails(args: &[&str]) -> (String, String) {
    let out = mesh(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "mesh {args:?} succeeded:\n{stdout}\n{stderr}");
    assert!(!stderr.contains("\x1b["), "no colour codes into a pipe:\n{stderr}");
    assert!(!stderr.contains("Location") && !stderr.contains("Caused by"), "no backtrace:\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "one error line:\n{stderr}");
    (stdout.into_owned(), errors[0].to_string())
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_config_error_is_printed_once_on_one_error_line_without_colour() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../mesh.example.toml")).unwrap();
    let bad = write(dir.path(), "bad.toml", &example.replace("[relayer]", "[relayer]\nturbo = true"));
    let out = mesh(&["relayer", "check", "--config", &bad]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.matches("unknown field `turbo`").count(), 1, "said once:\n{stderr}");
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
    assert!(!stderr.contains("\x1b["), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_operator_is_refused_bad_hub_settings_and_bonds_and_checks_an_eth_secp256k1_key_on_a_real_hub() {
    let tn = TestNet::up("relayer-operator", 29100, 29090, 1, 1).await;
    let m = &tn.m;
    let dir = tn.net.dir.join("operator");
    std::fs::create_dir_all(&dir).unwrap();
    let devnet_dir = tn.net.dir.to_str().unwrap();

    // a devnet relayer's own config passes every check
    let cfg0 = ok(&["relayer", "config", "--devnet-dir", devnet_dir, "--relayer", "0"]);
    let good = write(&dir, "relayer0.toml", &cfg0);
    let report = ok(&["relayer", "check", "--config", &good]);
    assert!(report.contains("ok      hub chain id") && report.contains("checks passed"), "{report}");
    assert!(!report.contains("FAILED"), "{report}");

    // a hub chain id other than the node's: another EIP-712 domain; `run` refuses to start
    let other =
        write(&dir, "other-chain.toml", &cfg0.replace("chain_id = \"mesh-devnet-1\"", "chain_id = \"mesh-devnet-9\""));
    let (stdout, err) = fails(&["relayer", "check", "--config", &other]);
    assert!(stdout.contains("FAILED  hub chain id"), "{stdout}");
    assert!(err.contains("checks failed: the relayer would refuse to start"), "{err}");
    let (_, err) = fails(&["relayer", "run", "--config", &other]);
    assert!(
        err.contains("hub.chain_id is \"mesh-devnet-9\" but the node at")
            && err.contains("runs \"mesh-devnet-1\" (signatures would be made under another EIP-712 domain)"),
        "{err}"
    );

    // a fresh keyring-style (eth_secp256k1) key: no account yet
    let secret = "9f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
    let eth = CosmosSigner::from_hex_typed(secret, "inj", KeyType::EthSecp256k1).unwrap().address().to_string();
    write(&dir, "fresh.hub.key", &format!("{secret}\n"));
    let evm_secret = "1f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff1";
    write(&dir, "fresh.evm.key", &format!("{evm_secret}\n"));
    let mut v: toml::Table = toml::from_str(&cfg0).unwrap();
    let section = |v: &mut toml::Table, name: &str| v.get_mut(name).unwrap().as_table_mut().unwrap().clone();
    let mut relayer = section(&mut v, "relayer");
    relayer.insert("roles".into(), toml::Value::Array(vec!["reporter".into()]));
    // relative to the config's folder
    relayer.insert("db".into(), "fresh.db".into());
    let mut hub = section(&mut v, "hub");
    hub.insert("key".into(), toml::toml! { file = "fresh.hub.key" }.into());
    hub.insert("key_type".into(), "eth_secp256k1".into());
    hub.insert("address".into(), eth.clone().into());
    v.insert("relayer".into(), relayer.into());
    v.insert("hub".into(), hub.into());
    v.insert("evm_key".into(), toml::toml! { file = "fresh.evm.key" }.into());
    let fresh = toml::to_string(&v).unwrap();
    let fresh_path = write(&dir, "fresh.toml", &fresh);
    let (_, err) = fails(&["relayer", "run", "--config", &fresh_path]);
    assert!(err.contains(&format!("hub account {eth} (hub.key as eth_secp256k1) does not exist on the hub")), "{err}");
    assert!(!dir.join("fresh.db").exists(), "refused before opening its database");

    // funded (by a devnet user, secp256k1) but not bonded
    let alice = tn.hub_as(&m.accounts.users[0]);
    let send = cosmrs::bank::MsgSend {
        from_address: alice.signer.address().clone(),
        to_address: eth.parse().unwrap(),
        amount: vec![cosmrs::Coin { denom: "inj".parse().unwrap(), amount: 2_000 * 10u128.pow(18) }],
    };
    tn.hub.send(&alice.signer, vec![cosmrs::tx::Msg::to_any(&send).unwrap()], "").await.expect("alice funds the key");
    let (_, err) = fails(&["relayer", "run", "--config", &fresh_path]);
    assert!(
        err.contains(&format!("{eth} is not bonded on the hub (roles reporter need an active bonded relayer")),
        "{err}"
    );

    // the key bonds: a transaction signed as eth_secp256k1 that injectived verifies
    let bonded = ok(&["stake", "bond", "--config", &fresh_path, "--amount", "1000 inj"]);
    assert!(bonded.contains(&format!("as {eth}")) && bonded.contains("state      active"), "{bonded}");
    assert!(
        bonded.contains("bonded     1000 inj (1000000000000000000000 base units)"),
        "whole tokens beside base units: {bonded}"
    );
    let report = ok(&["relayer", "check", "--config", &fresh_path]);
    let line = |name: &str| report.lines().find(|l| l.contains(name)).unwrap_or_default().to_string();
    assert!(
        line("hub key").starts_with("ok ") && line("hub key").ends_with(&format!("{eth} (eth_secp256k1)")),
        "{report}"
    );
    assert!(line("relayer stake").starts_with("ok "), "{report}");

    // a contract's refusal is its reason alone, not the SDK's simulation text
    let (_, err) = fails(&["stake", "unbond", "--config", &fresh_path, "--amount", "5e21"]);
    assert_eq!(
        err,
        "error: the hub refused the transaction: cannot unbond 5000000000000000000000: only 1000000000000000000000 is \
         bonded"
    );

    // the same key read as secp256k1 derives another address than the configured one
    let wrong_type =
        write(&dir, "wrong-type.toml", &fresh.replace("key_type = \"eth_secp256k1\"", "key_type = \"secp256k1\""));
    let (_, err) = fails(&["relayer", "run", "--config", &wrong_type]);
    let cosmos = CosmosSigner::from_hex(secret, "inj").unwrap().address().to_string();
    assert!(
        err.contains(&format!(
            "hub.address is {eth} but hub.key as secp256k1 derives {cosmos}; set hub.key_type = \"eth_secp256k1\""
        )),
        "{err}"
    );
}
