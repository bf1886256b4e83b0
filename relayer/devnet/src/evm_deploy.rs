//! Deploys MeshRouter + SettlementVerifier (+ demo contracts) on every anvil chain with the
//! Foundry scripts in evm-contracts/script, and funds the devnet identities with ETH.
use std::path::Path;
use std::process::Command;

use mesh_protocol::SignerSet;

use crate::manifest::Manifest;
use crate::{process, DevnetError};

/// anvil's first well-known development key: the EVM deployer on devnet chains.
pub const ANVIL_DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn err(step: &str, detail: impl ToString) -> DevnetError {
    DevnetError::Step { step: step.into(), detail: detail.to_string() }
}

fn forge_script(repo: &Path, script: &str, rpc: &str, envs: &[(&str, String)], log: &Path) -> Result<(), DevnetError> {
    let out = std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(|e| err("open log", e))?;
    let status = Command::new("bash")
        .arg(repo.join("scripts/forge.sh"))
        .args(["script", script, "--broadcast", "--rpc-url", rpc, "--private-key", ANVIL_DEPLOYER_KEY, "--slow"])
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(out.try_clone().map_err(|e| err("open log", e))?)
        .stderr(out)
        .status()
        .map_err(|e| err(&format!("forge script {script}"), e))?;
    if !status.success() {
        return Err(err(
            &format!("forge script {script} on {rpc}"),
            format!("{status}; last lines of {}:\n{}", log.display(), process::tail(log, 30)),
        ));
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<serde_json::Value, DevnetError> {
    let bytes = std::fs::read(path).map_err(|e| err(&format!("read {}", path.display()), e))?;
    serde_json::from_slice(&bytes).map_err(|e| err(&format!("parse {}", path.display()), e))
}

/// JSON-RPC call to an anvil node.
pub fn evm_rpc(rpc: &str, method: &str, params: serde_json::Value) -> Result<serde_json::Value, DevnetError> {
    let resp: serde_json::Value = ureq::post(rpc)
        .send_json(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .map_err(|e| err(method, e))?
        .into_json()
        .map_err(|e| err(method, e))?;
    if let Some(e) = resp.get("error") {
        return Err(err(method, e));
    }
    Ok(resp["result"].clone())
}

pub fn deploy_evm(manifest: &mut Manifest, set: &SignerSet, repo: &Path, devnet_dir: &Path) -> Result<(), DevnetError> {
    // Output files are unique to this devnet folder, so parallel devnets never mix them up.
    let tag = format!("{:016x}", {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        devnet_dir.canonicalize().unwrap_or(devnet_dir.to_path_buf()).hash(&mut h);
        h.finish()
    });
    let signers: Vec<String> = set.signers.iter().map(|s| s.address.to_string()).collect();
    let weights: Vec<String> = set.signers.iter().map(|s| s.weight.to_string()).collect();
    let rotation = manifest.profile.contracts.rotation_delay.as_secs().to_string();
    for chain in manifest.evm.iter_mut() {
        let log = devnet_dir.join("logs").join(format!("deploy-{}.log", chain.name));
        let mesh_out = format!("deployments/{tag}-mesh-{}.json", chain.chain_id);
        let demo_out = format!("deployments/{tag}-demo-{}.json", chain.chain_id);
        forge_script(
            repo,
            "script/DeployMesh.s.sol",
            &chain.rpc,
            &[
                ("MESH_HUB_CHAIN_ID", manifest.hub.chain_id.clone()),
                // the Verifier's domain binds the bundle-log: the hub contracts come first
                ("MESH_DEPLOYMENT", manifest.contracts["bundle_log"].clone()),
                ("MESH_GENESIS_EXPIRES_AT", set.expires_at.to_string()),
                ("MESH_REFUND_GRACE", super::deploy::DEVNET_REFUND_GRACE.to_string()),
                ("MESH_GENESIS_EPOCH", set.epoch.to_string()),
                ("MESH_GENESIS_SIGNERS", signers.join(",")),
                ("MESH_GENESIS_WEIGHTS", weights.join(",")),
                ("MESH_GENESIS_THRESHOLD", set.threshold.to_string()),
                ("MESH_MIN_ROTATION_DELAY", rotation.clone()),
                ("MESH_DEPLOY_OUT", mesh_out.clone()),
            ],
            &log,
        )?;
        forge_script(repo, "script/DeployDemo.s.sol", &chain.rpc, &[("MESH_DEMO_OUT", demo_out.clone())], &log)?;
        let mesh = read_json(&repo.join("evm-contracts").join(&mesh_out))?;
        let demo = read_json(&repo.join("evm-contracts").join(&demo_out))?;
        let addr = |v: &serde_json::Value, k: &str| -> Result<String, DevnetError> {
            v[k].as_str().map(str::to_lowercase).ok_or(err("read deployment", format!("no {k}")))
        };
        chain.contracts.insert("MeshRouter".into(), addr(&mesh, "meshRouter")?);
        chain.contracts.insert("SettlementVerifier".into(), addr(&mesh, "settlementVerifier")?);
        chain.contracts.insert("DemoWETH".into(), addr(&demo, "weth")?);
        chain.contracts.insert("USDC".into(), addr(&demo, "usdc")?);
        chain.contracts.insert("ConstantProductPool".into(), addr(&demo, "pool")?);
        chain.contracts.insert("LendingPool".into(), addr(&demo, "lendingPool")?);
        let _ = std::fs::remove_file(repo.join("evm-contracts").join(&mesh_out));
        let _ = std::fs::remove_file(repo.join("evm-contracts").join(&demo_out));

        // 1000 ETH of gas money for every devnet identity.
        let ids = std::iter::once(&manifest.accounts.deployer)
            .chain(&manifest.accounts.relayers)
            .chain(std::iter::once(&manifest.accounts.disputer))
            .chain(&manifest.accounts.users);
        for id in ids {
            evm_rpc(&chain.rpc, "anvil_setBalance", serde_json::json!([id.evm_address, "0x3635c9adc5dea00000"]))?;
        }
    }
    Ok(())
}
