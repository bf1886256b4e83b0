//! injectived validator homes: init, genesis (accounts, gentxs), node settings, start and
//! readiness. The hub is one such chain; each CosmWasm chain of the devnet (gamma) is another,
//! with its own chain id, folder and ports.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use toml_edit::{value, DocumentMut};

use crate::profile::{CosmWasmChain, Profile};
use crate::DevnetError;

/// Ports of validator `i`.
#[derive(Clone, Copy, Debug)]
pub struct Ports {
    pub p2p: u16,
    pub rpc: u16,
    pub abci: u16,
    pub grpc: u16,
}

/// One CometBFT chain the devnet runs with injectived: the hub, or a CosmWasm chain. Validator
/// `i` lives in `<devnet>/<folder>/val<i>` and uses `base_port + 10 i + {0: p2p, 1: rpc, 2: abci,
/// 3: grpc}`.
#[derive(Clone, Debug)]
pub struct ChainNodes {
    pub folder: String,
    pub chain_id: String,
    pub base_port: u16,
    pub timeout_commit: Duration,
    /// Bank denoms besides the fee denom every funded devnet account holds (its balance of each).
    pub extra_denoms: Vec<String>,
}

impl ChainNodes {
    pub fn hub(profile: &Profile) -> ChainNodes {
        ChainNodes {
            folder: "hub".into(),
            chain_id: profile.hub.chain_id.clone(),
            base_port: profile.hub.base_port,
            timeout_commit: profile.hub.timeout_commit,
            extra_denoms: vec![],
        }
    }

    pub fn cosmwasm(chain: &CosmWasmChain) -> ChainNodes {
        ChainNodes {
            folder: chain.name.clone(),
            chain_id: chain.chain_id.clone(),
            base_port: chain.base_port,
            timeout_commit: chain.timeout_commit,
            extra_denoms: chain.demo_denom.iter().cloned().collect(),
        }
    }

    pub fn ports(&self, i: usize) -> Ports {
        let b = self.base_port + 10 * i as u16;
        Ports { p2p: b, rpc: b + 1, abci: b + 2, grpc: b + 3 }
    }

    pub fn home(&self, dir: &Path, i: usize) -> PathBuf {
        dir.join(&self.folder).join(format!("val{i}"))
    }

    pub fn rpc(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports(i).rpc)
    }
}

/// Ports of hub validator `i`.
pub fn ports(profile: &Profile, i: usize) -> Ports {
    ChainNodes::hub(profile).ports(i)
}

/// Home of hub validator `i`.
pub fn home(dir: &Path, i: usize) -> PathBuf {
    dir.join("hub").join(format!("val{i}"))
}

/// Runs `injectived` to completion; a failure names the step and shows its output.
fn run(injectived: &Path, step: &str, args: &[&str]) -> Result<String, DevnetError> {
    let out = Command::new(injectived).args(args).output().map_err(|e| DevnetError::Step {
        step: step.into(),
        detail: format!("cannot run {}: {e}", injectived.display()),
    })?;
    if !out.status.success() {
        return Err(DevnetError::Step {
            step: step.into(),
            detail: format!(
                "injectived {} exited with {}:\n{}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn io(step: &str) -> impl Fn(std::io::Error) -> DevnetError + '_ {
    move |e| DevnetError::Step { step: step.into(), detail: e.to_string() }
}

/// Creates the validator homes of `nodes` and one shared genesis funding `accounts` (bech32,
/// base units). Denomination, gas price, stakes and wasm permissions come from the profile's
/// `[hub]` and `[genesis]` sections for every chain.
pub fn init_homes(
    injectived: &Path,
    dir: &Path,
    profile: &Profile,
    nodes: &ChainNodes,
    validators: usize,
    accounts: &[(String, String)],
) -> Result<(), DevnetError> {
    let home = |dir: &Path, i: usize| nodes.home(dir, i);
    let ports = |_: &Profile, i: usize| nodes.ports(i);
    let chain_id = nodes.chain_id.as_str();
    let denom = profile.hub.denom.as_str();
    let mut node_ids = Vec::new();
    let mut operators = Vec::new();
    for i in 0..validators {
        let h = home(dir, i);
        let hs = h.to_string_lossy().to_string();
        std::fs::create_dir_all(&h).map_err(io("create validator home"))?;
        run(injectived, "init validator home", &["init", &format!("val{i}"), "--chain-id", chain_id, "--home", &hs])?;
        run(
            injectived,
            "create validator key",
            &["keys", "add", "operator", "--keyring-backend", "test", "--algo", "secp256k1", "--home", &hs],
        )?;
        operators.push(run(
            injectived,
            "read validator key",
            &["keys", "show", "operator", "-a", "--keyring-backend", "test", "--home", &hs],
        )?);
        node_ids.push(run(injectived, "read node id", &["comet", "show-node-id", "--home", &hs])?);
    }

    // Genesis is assembled in val0's home, then copied to every validator.
    let g0 = home(dir, 0).join("config/genesis.json");
    let mut genesis: serde_json::Value = serde_json::from_slice(&std::fs::read(&g0).map_err(io("read genesis"))?)
        .map_err(|e| DevnetError::Step { step: "parse genesis".into(), detail: e.to_string() })?;
    // the same patch validators run (`mesh hub patch-genesis`)
    // a CosmWasm chain's genesis gets the hub's settings under its own chain id
    let mut chain_profile = profile.clone();
    chain_profile.hub.chain_id = nodes.chain_id.clone();
    let changes = mesh_hub::genesis::patch(&mut genesis, &chain_profile)
        .map_err(|e| DevnetError::Step { step: "patch genesis".into(), detail: e.to_string() })?;
    tracing::debug!("genesis patch: {}", changes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("; "));
    std::fs::write(&g0, serde_json::to_vec_pretty(&genesis).expect("json")).map_err(io("write genesis"))?;
    let h0 = home(dir, 0).to_string_lossy().to_string();
    let mut funded: Vec<(String, String)> =
        operators.iter().map(|a| (a.clone(), format!("{}{denom}", profile.hub.validator_balance))).collect();
    funded.extend(accounts.iter().map(|(a, amount)| {
        let coins = std::iter::once(denom).chain(nodes.extra_denoms.iter().map(String::as_str));
        (a.clone(), coins.map(|d| format!("{amount}{d}")).collect::<Vec<_>>().join(","))
    }));
    for (addr, coins) in &funded {
        run(
            injectived,
            "fund genesis account",
            &["genesis", "add-genesis-account", addr, coins, "--home", &h0, "--chain-id", chain_id],
        )?;
    }
    let gentx_dir = home(dir, 0).join("config/gentx");
    std::fs::create_dir_all(&gentx_dir).map_err(io("gentx folder"))?;
    for i in 0..validators {
        let h = home(dir, i);
        let hs = h.to_string_lossy().to_string();
        if i > 0 {
            std::fs::copy(&g0, h.join("config/genesis.json")).map_err(io("copy genesis"))?;
        }
        let ports = ports(profile, i);
        let out = h.join(format!("gentx-{i}.json"));
        run(
            injectived,
            "validator gentx",
            &[
                "genesis",
                "gentx",
                "operator",
                &format!("{}{denom}", profile.hub.validator_stake),
                "--chain-id",
                chain_id,
                "--keyring-backend",
                "test",
                "--home",
                &hs,
                "--ip",
                "127.0.0.1",
                "--p2p-port",
                &ports.p2p.to_string(),
                "--output-document",
                &out.to_string_lossy(),
            ],
        )?;
        std::fs::copy(&out, gentx_dir.join(format!("gentx-{i}.json"))).map_err(io("collect gentx"))?;
    }
    run(injectived, "collect gentxs", &["genesis", "collect-gentxs", "--home", &h0])?;
    run(injectived, "validate genesis", &["genesis", "validate", "--home", &h0])?;
    for i in 1..validators {
        std::fs::copy(&g0, home(dir, i).join("config/genesis.json")).map_err(io("copy final genesis"))?;
    }
    for i in 0..validators {
        let peers: Vec<String> = (0..validators)
            .filter(|j| *j != i)
            .map(|j| format!("{}@127.0.0.1:{}", node_ids[j], ports(profile, j).p2p))
            .collect();
        configure_node(&home(dir, i), profile, nodes, i, &peers.join(","))?;
    }
    Ok(())
}

fn edit_toml(path: &Path, f: impl FnOnce(&mut DocumentMut)) -> Result<(), DevnetError> {
    let text = std::fs::read_to_string(path).map_err(io("read node settings"))?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| DevnetError::Step {
        step: "parse node settings".into(),
        detail: e.to_string(),
    })?;
    f(&mut doc);
    std::fs::write(path, doc.to_string()).map_err(io("write node settings"))
}

fn configure_node(
    home: &Path,
    profile: &Profile,
    nodes: &ChainNodes,
    i: usize,
    peers: &str,
) -> Result<(), DevnetError> {
    let p = nodes.ports(i);
    let commit = format!("{}ms", nodes.timeout_commit.as_millis());
    edit_toml(&home.join("config/config.toml"), |d| {
        d["proxy_app"] = value(format!("tcp://127.0.0.1:{}", p.abci));
        d["pprof_laddr"] = value("");
        d["rpc"]["laddr"] = value(format!("tcp://127.0.0.1:{}", p.rpc));
        d["p2p"]["laddr"] = value(format!("tcp://127.0.0.1:{}", p.p2p));
        d["p2p"]["persistent_peers"] = value(peers);
        d["p2p"]["allow_duplicate_ip"] = value(true);
        d["p2p"]["addr_book_strict"] = value(false);
        d["consensus"]["timeout_commit"] = value(commit.as_str());
        // must stay a bool for this node version
        d["consensus"]["skip_timeout_commit"] = value(false);
        d["instrumentation"]["prometheus"] = value(false);
        // contract uploads (gzip-compressed, then hex in JSON-RPC) exceed the 1 MB defaults
        d["rpc"]["max_body_bytes"] = value(8_000_000);
        d["mempool"]["max_tx_bytes"] = value(4_194_304);
    })?;
    edit_toml(&home.join("config/app.toml"), |d| {
        d["minimum-gas-prices"] = value(format!("{}{}", profile.hub.minimum_gas_price, profile.hub.denom));
        d["api"]["enable"] = value(false);
        d["grpc"]["address"] = value(format!("127.0.0.1:{}", p.grpc));
        d["grpc-web"]["enable"] = value(false);
        // Injective's own EVM JSON-RPC would take anvil's ports.
        d["json-rpc"]["enable"] = value(false);
        d["injective-websocket"]["address"] = value("");
    })
}

/// The operator key of hub validator `i` (made by `injectived keys add` in its test keyring):
/// the devnet votes with it on its own governance proposals (the validators hold the stake).
pub fn operator_signer(injectived: &Path, dir: &Path, i: usize) -> Result<mesh_hub::CosmosSigner, DevnetError> {
    let hs = home(dir, i).to_string_lossy().to_string();
    let keyring = ["--keyring-backend", "test", "--home", &hs];
    let address = run(injectived, "read validator key", &[&["keys", "show", "operator", "-a"][..], &keyring].concat())?;
    let mut child = Command::new(injectived)
        .args([&["keys", "export", "operator", "--unarmored-hex", "--unsafe"][..], &keyring].concat())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(io("export validator key"))?;
    // the export asks to confirm on stdin
    std::io::Write::write_all(child.stdin.as_mut().expect("piped"), b"y\n").map_err(io("export validator key"))?;
    let out = child.wait_with_output().map_err(io("export validator key"))?;
    let fail = |detail: String| DevnetError::Step { step: format!("export the operator key of validator {i}"), detail };
    if !out.status.success() {
        return Err(fail(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let secret = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let signer = mesh_hub::CosmosSigner::from_hex(&secret, "inj").map_err(fail)?;
    if signer.address().to_string() != address {
        return Err(fail(format!("the exported key is {}, the keyring's operator {address}", signer.address())));
    }
    Ok(signer)
}

/// Waits until the node at `rpc` has produced `height` blocks.
pub async fn wait_for_height(rpc: &str, height: u64, timeout: Duration, log: &Path) -> Result<u64, DevnetError> {
    let client = mesh_hub::CosmosClient::new(mesh_hub::CosmosClientConfig::devnet(rpc, "ignored"))
        .map_err(|e| DevnetError::Step { step: "hub client".into(), detail: e.to_string() })?;
    let start = Instant::now();
    loop {
        if let Ok(status) = cosmrs::rpc::Client::status(client.rpc()).await {
            let h = status.sync_info.latest_block_height.value();
            if h >= height {
                return Ok(h);
            }
        }
        if start.elapsed() > timeout {
            return Err(DevnetError::Step {
                step: format!("hub node at {rpc} producing block {height}"),
                detail: format!(
                    "not reached within {timeout:?}; last lines of {}:\n{}",
                    log.display(),
                    super::process::tail(log, 30)
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Prepares node `i` of `nodes` to join its running chain as a full node (it becomes a validator
/// once a `MsgCreateValidator` names its key): a fresh home with validator 0's genesis, peering
/// with validator 0. Returns its ed25519 consensus public key.
pub fn init_joining_node(
    injectived: &Path,
    dir: &Path,
    profile: &Profile,
    nodes: &ChainNodes,
    i: usize,
) -> Result<[u8; 32], DevnetError> {
    let (h0, h) = (nodes.home(dir, 0), nodes.home(dir, i));
    let hs = h.to_string_lossy().to_string();
    std::fs::create_dir_all(&h).map_err(io("create node home"))?;
    run(injectived, "init node home", &["init", &format!("val{i}"), "--chain-id", &nodes.chain_id, "--home", &hs])?;
    std::fs::copy(h0.join("config/genesis.json"), h.join("config/genesis.json")).map_err(io("copy genesis"))?;
    let peer = run(injectived, "read node id", &["comet", "show-node-id", "--home", &h0.to_string_lossy()])?;
    configure_node(&h, profile, nodes, i, &format!("{peer}@127.0.0.1:{}", nodes.ports(0).p2p))?;
    let key: serde_json::Value = serde_json::from_slice(
        &std::fs::read(h.join("config/priv_validator_key.json")).map_err(io("read the node's validator key"))?,
    )
    .map_err(|e| DevnetError::Step { step: "parse the node's validator key".into(), detail: e.to_string() })?;
    use base64::Engine;
    let pk = base64::engine::general_purpose::STANDARD
        .decode(key["pub_key"]["value"].as_str().unwrap_or_default())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or(DevnetError::Step { step: "read the node's validator key".into(), detail: "no ed25519 key".into() })?;
    Ok(pk)
}
