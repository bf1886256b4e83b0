//! `mesh devnet`: the whole mesh on this machine — hub validators (injectived) and anvil chains,
//! contracts deployed and wired, relayers funded and bonded, a manifest describing it all.
pub mod attack;
pub mod bindings;
pub mod cosmwasm_deploy;
pub mod demo;
pub mod deploy;
pub mod evm_deploy;
pub mod fund;
pub mod helpers;
pub mod hub_node;
pub mod keys;
pub mod manifest;
pub mod process;
pub mod profile;
pub mod relayer_config;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use manifest::Manifest;
use process::ProcessTable;
use profile::Profile;

#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    #[error("devnet step '{step}' failed: {detail}")]
    Step { step: String, detail: String },
    #[error("{tool} not found at {path}: run scripts/setup-tools.sh (or set {var})")]
    MissingTool { tool: &'static str, path: String, var: &'static str },
    #[error("the devnet in {dir} is already running with {running} (stop it with `mesh devnet down`)")]
    AlreadyRunning { dir: String, running: String },
    #[error("the devnet in {dir} is partly running ({running}); `mesh devnet down` first")]
    PartlyRunning { dir: String, running: String },
    #[error(transparent)]
    Profile(#[from] profile::ProfileError),
}

/// Where the external tools are (the set-up cache, `MESH_TOOLS`).
#[derive(Clone, Debug)]
pub struct Tools {
    pub bin: PathBuf,
}

impl Tools {
    pub fn from_env() -> Tools {
        let root = std::env::var_os("MESH_TOOLS").map(PathBuf::from).unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cache/atomic-mesh/tools")
        });
        Tools { bin: root.join("bin") }
    }

    pub fn path(&self, tool: &'static str, var: &'static str) -> Result<PathBuf, DevnetError> {
        if let Some(p) = std::env::var_os(var) {
            return Ok(PathBuf::from(p));
        }
        let p = self.bin.join(tool);
        if p.exists() {
            Ok(p)
        } else {
            Err(DevnetError::MissingTool { tool, path: p.display().to_string(), var })
        }
    }
}

/// Options of `mesh devnet up`.
#[derive(Clone, Debug)]
pub struct UpOptions {
    pub validators: usize,
    pub evm_chains: usize,
    /// How many of the profile's CosmWasm chains (`[[cosmwasm]]`, e.g. gamma) to run, each a
    /// second injectived chain with one validator.
    pub cosmwasm_chains: usize,
    /// Wipe any previous state first.
    pub fresh: bool,
}

pub struct Devnet {
    pub dir: PathBuf,
    pub profile: Profile,
    pub tools: Tools,
    /// The repository (scripts, artifacts, evm-contracts).
    pub repo: PathBuf,
}

fn say(start: Instant, msg: &str) {
    eprintln!("[{:>6.1}s] {msg}", start.elapsed().as_secs_f64());
}

impl Devnet {
    pub fn new(dir: PathBuf, profile: Profile) -> Devnet {
        let repo = std::env::var_os("MESH_REPO").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        Devnet { dir, profile, tools: Tools::from_env(), repo }
    }

    fn table_path(&self) -> PathBuf {
        self.dir.join("processes.json")
    }

    /// The network file `mesh bundle …` reads (`--network`).
    pub fn network_path(&self) -> PathBuf {
        self.dir.join("network.toml")
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }

    pub fn processes(&self) -> ProcessTable {
        ProcessTable::load(&self.table_path())
    }

    fn running(&self) -> (Vec<String>, Vec<String>) {
        let t = self.processes();
        let (alive, dead): (Vec<_>, Vec<_>) = t.processes.iter().partition(|(_, p)| process::is_alive(p));
        (alive.into_iter().map(|(n, _)| n.clone()).collect(), dead.into_iter().map(|(n, _)| n.clone()).collect())
    }

    /// Brings the devnet up; reuses a complete running devnet, refuses a half-running one.
    /// A failed bring-up stops what it started (logs stay for the post-mortem).
    pub async fn up(&self, opts: &UpOptions) -> Result<Manifest, DevnetError> {
        let reusing = !self.running().0.is_empty();
        let result = match self.up_inner(opts).await {
            // what clients use: the network file and the identities' key files
            Ok(m) => m
                .write_client_files(&self.dir)
                .map(|()| m)
                .map_err(|e| DevnetError::Step { step: "write network file and keys".into(), detail: e.to_string() }),
            Err(e) => Err(e),
        };
        if result.is_err() && !reusing {
            let _ = self.down(false);
        }
        result
    }

    async fn up_inner(&self, opts: &UpOptions) -> Result<Manifest, DevnetError> {
        let start = Instant::now();
        let (alive, dead) = self.running();
        if !alive.is_empty() {
            if dead.is_empty() && self.manifest_path().exists() && !opts.fresh {
                say(start, &format!("devnet already running ({}); reusing it", alive.join(", ")));
                return Manifest::load(&self.manifest_path());
            }
            return Err(DevnetError::PartlyRunning { dir: self.dir.display().to_string(), running: alive.join(", ") });
        }
        let injectived = self.tools.path("injectived", "MESH_INJECTIVED")?;
        let anvil = self.tools.path("anvil", "MESH_ANVIL")?;

        let io = |step: &'static str| {
            move |e: std::io::Error| DevnetError::Step { step: step.into(), detail: e.to_string() }
        };
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).map_err(io("wipe previous devnet state"))?;
        }
        std::fs::create_dir_all(self.dir.join("logs")).map_err(io("create devnet folder"))?;

        let keys = keys::DevKeys::new(self.profile.accounts.relayers as usize);
        say(start, &format!("[1/9] preparing {} hub validator home(s)", opts.validators));
        let funded: Vec<(String, String)> =
            keys.hub_accounts().into_iter().map(|a| (a, self.profile.accounts.balance.clone())).collect();
        hub_node::init_homes(
            &injectived,
            &self.dir,
            &self.profile,
            &hub_node::ChainNodes::hub(&self.profile),
            opts.validators,
            &funded,
        )?;

        let mut table = ProcessTable::default();
        say(start, "[2/9] starting hub validators");
        for i in 0..opts.validators {
            let home = hub_node::home(&self.dir, i);
            let log = self.dir.join("logs").join(format!("hub-val{i}.log"));
            let t = process::spawn_detached(&injectived, &["start", "--home", &home.to_string_lossy()], &[], &log)
                .map_err(io("start hub validator"))?;
            table.processes.insert(format!("hub-val{i}"), t);
            table.save(&self.table_path()).map_err(io("save process table"))?;
        }

        let cosmwasm: Vec<_> = self.profile.cosmwasm.iter().take(opts.cosmwasm_chains).cloned().collect();
        if cosmwasm.len() < opts.cosmwasm_chains {
            return Err(DevnetError::Step {
                step: "start CosmWasm chains".into(),
                detail: format!(
                    "the profile defines {} CosmWasm chains, {} asked",
                    cosmwasm.len(),
                    opts.cosmwasm_chains
                ),
            });
        }
        for c in &cosmwasm {
            say(start, &format!("[2/9] starting CosmWasm chain {} ({}, one validator)", c.name, c.chain_id));
            let nodes = hub_node::ChainNodes::cosmwasm(c);
            hub_node::init_homes(&injectived, &self.dir, &self.profile, &nodes, 1, &funded)?;
            let home = nodes.home(&self.dir, 0);
            let log = self.dir.join("logs").join(format!("{}-val0.log", c.name));
            let t = process::spawn_detached(&injectived, &["start", "--home", &home.to_string_lossy()], &[], &log)
                .map_err(io("start CosmWasm chain validator"))?;
            table.processes.insert(format!("{}-val0", c.name), t);
            table.save(&self.table_path()).map_err(io("save process table"))?;
        }

        say(start, &format!("[3/9] starting {} anvil chain(s)", opts.evm_chains));
        let chains: Vec<_> = self.profile.evm.iter().take(opts.evm_chains).cloned().collect();
        if chains.len() < opts.evm_chains {
            return Err(DevnetError::Step {
                step: "start anvil chains".into(),
                detail: format!("the profile defines {} EVM chains, {} asked", chains.len(), opts.evm_chains),
            });
        }
        for c in &chains {
            let log = self.dir.join("logs").join(format!("anvil-{}.log", c.name));
            let block_time = c.block_time.as_secs().max(1).to_string();
            let t = process::spawn_detached(
                &anvil,
                &[
                    "--port",
                    &c.port.to_string(),
                    "--chain-id",
                    &c.chain_id.to_string(),
                    "--block-time",
                    &block_time,
                    "--accounts",
                    "10",
                ],
                &[],
                &log,
            )
            .map_err(io("start anvil"))?;
            table.processes.insert(format!("anvil-{}", c.name), t);
            table.save(&self.table_path()).map_err(io("save process table"))?;
        }

        say(start, "[4/9] waiting for the hub to produce blocks");
        let rpc0 = format!("http://127.0.0.1:{}", hub_node::ports(&self.profile, 0).rpc);
        hub_node::wait_for_height(&rpc0, 2, Duration::from_secs(60), &self.dir.join("logs/hub-val0.log")).await?;

        for c in &cosmwasm {
            let nodes = hub_node::ChainNodes::cosmwasm(c);
            let log = self.dir.join("logs").join(format!("{}-val0.log", c.name));
            hub_node::wait_for_height(&nodes.rpc(0), 2, Duration::from_secs(60), &log).await?;
        }

        let mut manifest = Manifest::new(&self.profile, opts.validators, &chains, &cosmwasm, &keys);
        say(start, "[5/9] hub contracts: optimised wasm");
        let artifacts = self.ensure_wasm()?;
        say(start, "[6/9] hub contracts: store, instantiate, wire");
        deploy::deploy_hub_contracts(&mut manifest, &artifacts).await?;
        manifest.save(&self.manifest_path()).map_err(io("write manifest"))?;
        // pinning is a governance proposal: it is voted now and passes while the rest comes up
        say(start, "[6/9] hub codes: pin proposal (governance: the deployer proposes, the validators vote)");
        let pin = deploy::propose_pin(&manifest, &self.dir, &injectived).await?;
        if let mesh_hub::gov::PinStart::Proposed(p) = &pin {
            say(start, &format!("[6/9] hub codes {:?}: pin proposal {} submitted and voted", p.code_ids, p.id));
        }
        say(start, &format!("[7/9] bonding {} relayers, signer set epoch 1", self.profile.accounts.bonded_relayers));
        let set = deploy::bond_relayers(&manifest).await?;
        say(
            start,
            &format!("signer set epoch {}: {} signers, threshold {}", set.epoch, set.signers.len(), set.threshold),
        );
        if !manifest.evm.is_empty() {
            say(start, "[8/9] EVM chains: MeshRouter, SettlementVerifier, demo contracts (forge script)");
            evm_deploy::deploy_evm(&mut manifest, &set, &self.repo(), &self.dir)?;
            say(start, "[9/9] registering the EVM chains on the bundle-log");
            deploy::register_chains(&manifest).await?;
        }
        if !manifest.cosmwasm.is_empty() {
            let names: Vec<&str> = manifest.cosmwasm.iter().map(|c| c.name.as_str()).collect();
            say(start, &format!("[9/9] CosmWasm chains {}: router, hub light client, registration", names.join(", ")));
            cosmwasm_deploy::deploy_cosmwasm(&mut manifest, &set, &artifacts).await?;
        }
        if let mesh_hub::gov::PinStart::Proposed(p) = &pin {
            deploy::await_pin(&manifest, &pin).await?;
            say(start, &format!("hub codes {:?} pinned (proposal {} passed)", p.code_ids, p.id));
        }
        manifest.save(&self.manifest_path()).map_err(io("write manifest"))?;
        say(start, &format!("devnet up; manifest at {}", self.manifest_path().display()));
        Ok(manifest)
    }

    /// Pins the hub codes of `m` by a governance proposal (the deployer proposes, every hub
    /// validator votes yes) and waits until they are pinned; a hub that pins them already gets
    /// nothing. `up` does this itself; a second call is a no-op.
    pub async fn pin_hub_codes(&self, m: &Manifest) -> Result<mesh_hub::gov::PinStart, DevnetError> {
        let injectived = self.tools.path("injectived", "MESH_INJECTIVED")?;
        let pin = deploy::propose_pin(m, &self.dir, &injectived).await?;
        deploy::await_pin(m, &pin).await?;
        Ok(pin)
    }

    /// The repository (scripts, artifacts, evm-contracts): `$MESH_REPO` or the working directory.
    pub fn repo(&self) -> PathBuf {
        self.repo.clone()
    }

    /// Adds validator 1 to CosmWasm chain `chain` (index into the manifest's `cosmwasm`): a new
    /// node joins as a full node, catches up, and `operator` (funded on the chain) makes it a
    /// validator with `stake` base units — the chain's validator set changes under the hub's light
    /// client. Returns the height the `MsgCreateValidator` landed at.
    pub async fn add_cosmwasm_validator(
        &self,
        m: &Manifest,
        chain: usize,
        operator: &keys::DevIdentity,
        stake: u128,
    ) -> Result<u64, DevnetError> {
        let injectived = self.tools.path("injectived", "MESH_INJECTIVED")?;
        let c = &m.cosmwasm[chain];
        let profile = self.profile.cosmwasm.iter().find(|p| p.chain_id == c.chain_id).ok_or(DevnetError::Step {
            step: "add a validator".into(),
            detail: format!("{} not in the profile", c.name),
        })?;
        let nodes = hub_node::ChainNodes::cosmwasm(profile);
        let key = hub_node::init_joining_node(&injectived, &self.dir, &self.profile, &nodes, 1)?;
        let log = self.dir.join("logs").join(format!("{}-val1.log", c.name));
        let home = nodes.home(&self.dir, 1);
        let t = process::spawn_detached(&injectived, &["start", "--home", &home.to_string_lossy()], &[], &log)
            .map_err(|e| DevnetError::Step { step: "start the joining node".into(), detail: e.to_string() })?;
        let mut table = self.processes();
        table.processes.insert(format!("{}-val1", c.name), t);
        table
            .save(&self.table_path())
            .map_err(|e| DevnetError::Step { step: "save process table".into(), detail: e.to_string() })?;
        let client = cosmwasm_deploy::chain_client(m, c)?;
        let (head, _) = client
            .latest_block()
            .await
            .map_err(|e| DevnetError::Step { step: "read head".into(), detail: e.to_string() })?;
        hub_node::wait_for_height(&nodes.rpc(1), head, Duration::from_secs(90), &log).await?;
        let msg = cosmwasm_deploy::create_validator_msg(operator, key, &m.hub.denom, stake)?;
        let out = client
            .send(&operator.hub_signer(), vec![msg], "join as validator")
            .await
            .map_err(|e| DevnetError::Step { step: "create validator".into(), detail: e.to_string() })?;
        Ok(out.height)
    }

    /// SIGKILLs hub validator `i` (crash tests); it stays in the table, reported as stopped.
    pub fn kill_validator(&self, i: usize) -> Result<(), DevnetError> {
        let t = self
            .processes()
            .processes
            .get(&format!("hub-val{i}"))
            .cloned()
            .ok_or(DevnetError::Step { step: format!("kill validator {i}"), detail: "no such validator".into() })?;
        process::kill_now(&t);
        Ok(())
    }

    /// (Re)starts hub validator `i` from its home, keeping its state.
    pub fn start_validator(&self, i: usize) -> Result<(), DevnetError> {
        let injectived = self.tools.path("injectived", "MESH_INJECTIVED")?;
        let home = hub_node::home(&self.dir, i);
        let log = self.dir.join("logs").join(format!("hub-val{i}.log"));
        let t = process::spawn_detached(&injectived, &["start", "--home", &home.to_string_lossy()], &[], &log)
            .map_err(|e| DevnetError::Step { step: format!("start validator {i}"), detail: e.to_string() })?;
        let mut table = self.processes();
        table.processes.insert(format!("hub-val{i}"), t);
        table
            .save(&self.table_path())
            .map_err(|e| DevnetError::Step { step: "save process table".into(), detail: e.to_string() })
    }

    /// The optimised hub contract wasm: `scripts/build-wasm.sh` (a no-op when up to date).
    fn ensure_wasm(&self) -> Result<PathBuf, DevnetError> {
        let root = self.repo();
        let script = root.join("scripts/build-wasm.sh");
        let log = self.dir.join("logs/build-wasm.log");
        let out = std::fs::File::create(&log)
            .map_err(|e| DevnetError::Step { step: "build wasm".into(), detail: e.to_string() })?;
        let status = std::process::Command::new("bash")
            .arg(&script)
            .current_dir(&root)
            .stdout(
                out.try_clone().map_err(|e| DevnetError::Step { step: "build wasm".into(), detail: e.to_string() })?,
            )
            .stderr(out)
            .status()
            .map_err(|e| DevnetError::Step {
                step: "build wasm".into(),
                detail: format!("{}: {e}", script.display()),
            })?;
        if !status.success() {
            return Err(DevnetError::Step {
                step: "build wasm".into(),
                detail: format!(
                    "{} failed; last lines of {}:\n{}",
                    script.display(),
                    log.display(),
                    process::tail(&log, 30)
                ),
            });
        }
        Ok(root.join("artifacts"))
    }

    /// Stops exactly the processes this devnet started; `wipe` also deletes its state.
    pub fn down(&self, wipe: bool) -> Result<Vec<String>, DevnetError> {
        let table = self.processes();
        let mut stopped = Vec::new();
        for (name, t) in &table.processes {
            if process::is_alive(t) {
                process::stop(t, Duration::from_secs(10));
                stopped.push(name.clone());
            }
        }
        if wipe && self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .map_err(|e| DevnetError::Step { step: "wipe devnet state".into(), detail: e.to_string() })?;
        } else if self.table_path().exists() {
            ProcessTable::default()
                .save(&self.table_path())
                .map_err(|e| DevnetError::Step { step: "clear process table".into(), detail: e.to_string() })?;
        }
        Ok(stopped)
    }
}

/// Default devnet folder: `$MESH_DEVNET_DIR` or `.devnet` in the working directory.
pub fn default_dir() -> PathBuf {
    std::env::var_os("MESH_DEVNET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".devnet"))
}

/// Default profile: `hub-config/devnet.toml` next to the working directory.
pub fn default_profile() -> PathBuf {
    Path::new("hub-config/devnet.toml").to_path_buf()
}

/// What `mesh devnet status` reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub dir: String,
    pub processes: Vec<ProcessStatus>,
    pub hub_heights: Vec<Option<u64>>,
    pub evm_heights: Vec<(String, Option<u64>)>,
    pub contracts: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ProcessStatus {
    pub name: String,
    pub pid: u32,
    pub alive: bool,
    pub log: String,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "devnet {}", self.dir)?;
        for p in &self.processes {
            writeln!(
                f,
                "  {:<14} pid {:<8} {}  log {}",
                p.name,
                p.pid,
                if p.alive { "running" } else { "stopped" },
                p.log
            )?;
        }
        for (i, h) in self.hub_heights.iter().enumerate() {
            writeln!(f, "  hub val{i} height {}", h.map(|h| h.to_string()).unwrap_or_else(|| "unreachable".into()))?;
        }
        for (name, h) in &self.evm_heights {
            writeln!(f, "  evm {name} height {}", h.map(|h| h.to_string()).unwrap_or_else(|| "unreachable".into()))?;
        }
        for (name, addr) in &self.contracts {
            writeln!(f, "  contract {name:<14} {addr}")?;
        }
        Ok(())
    }
}

async fn evm_height(rpc: &str) -> Option<u64> {
    let rpc = rpc.to_string();
    tokio::task::spawn_blocking(move || {
        let resp: serde_json::Value = ureq::post(&rpc)
            .timeout(Duration::from_secs(2))
            .send_json(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}))
            .ok()?
            .into_json()
            .ok()?;
        u64::from_str_radix(resp["result"].as_str()?.trim_start_matches("0x"), 16).ok()
    })
    .await
    .ok()
    .flatten()
}

impl Devnet {
    pub async fn status(&self) -> Status {
        let table = self.processes();
        let manifest = Manifest::load(&self.manifest_path()).ok();
        let mut hub_heights = Vec::new();
        let mut evm_heights = Vec::new();
        if let Some(m) = &manifest {
            for rpc in &m.hub.rpc {
                let h = match mesh_hub::CosmosClient::new(mesh_hub::CosmosClientConfig::devnet(rpc, &m.hub.chain_id)) {
                    Ok(c) => {
                        cosmrs::rpc::Client::status(c.rpc()).await.ok().map(|s| s.sync_info.latest_block_height.value())
                    }
                    Err(_) => None,
                };
                hub_heights.push(h);
            }
            for e in &m.evm {
                evm_heights.push((e.name.clone(), evm_height(&e.rpc).await));
            }
        }
        Status {
            dir: self.dir.display().to_string(),
            processes: table
                .processes
                .iter()
                .map(|(n, p)| ProcessStatus {
                    name: n.clone(),
                    pid: p.pid,
                    alive: process::is_alive(p),
                    log: p.log.display().to_string(),
                })
                .collect(),
            hub_heights,
            evm_heights,
            contracts: manifest.map(|m| m.contracts).unwrap_or_default(),
        }
    }
}
