//! Relayer configurations for the devnet's identities, from the manifest.
use std::path::{Path, PathBuf};

use crate::keys::DevIdentity;
use crate::manifest::Manifest;
use mesh_relayer::config::{
    ChainSection, Config, CosmWasmSection, HttpSection, HubSection, KeySource, RelayerSection, Role,
};

/// Writes the identity's secrets to key files (mode 0600) under `dir` and returns their sources.
fn key_files(dir: &Path, id: &DevIdentity) -> std::io::Result<(KeySource, KeySource)> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    let hub = dir.join(format!("{}.hub.key", id.name));
    let evm = dir.join(format!("{}.evm.key", id.name));
    for (path, secret) in [(&hub, &id.hub_secret), (&evm, &id.evm_secret)] {
        std::fs::write(path, format!("{secret}\n"))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok((KeySource::File(hub), KeySource::File(evm)))
}

/// A complete config for `identity` (a relayer, or the disputer) with `roles`.
pub fn relayer_config(
    m: &Manifest,
    identity: &DevIdentity,
    roles: Vec<Role>,
    data_dir: &Path,
    http: Option<std::net::SocketAddr>,
) -> std::io::Result<Config> {
    let (hub_key, evm_key) = key_files(&data_dir.join("keys"), identity)?;
    Ok(Config {
        relayer: RelayerSection {
            db: data_dir.join(format!("{}.db", identity.name)),
            roles,
            poll_interval: std::time::Duration::from_millis(400),
        },
        hub: HubSection {
            rpc: m.hub.rpc[0].clone(),
            chain_id: m.hub.chain_id.clone(),
            denom: m.hub.denom.clone(),
            denom_decimals: 18,
            gas_price: m.hub.gas_price.clone(),
            bundle_log: m.contracts["bundle_log"].clone(),
            stake_escrow: m.contracts["stake_escrow"].clone(),
            dispute: m.contracts["dispute"].clone(),
            key: hub_key,
            // the devnet's hub keys are the SDK's secp256k1
            key_type: Default::default(),
            address: Some(identity.hub_address.clone()),
        },
        evm_key: Some(evm_key),
        chains: m
            .evm
            .iter()
            .map(|c| ChainSection {
                name: c.name.clone(),
                chain_id: c.chain_id,
                rpc: c.rpc.clone(),
                router: c.contracts["MeshRouter"].clone(),
                verifier: c.contracts["SettlementVerifier"].clone(),
                confirmations: c.confirmations,
                start_block: 0,
                max_range: 500,
                // anvil mines every second: a delivery unmined for 10 s is stuck
                tx_timeout: std::time::Duration::from_secs(10),
                fee_bump: mesh_chain_evm::sender::MIN_FEE_BUMP,
                max_fee_per_gas: mesh_relayer::config::default_max_fee(),
            })
            .collect(),
        cosmwasm: m
            .cosmwasm
            .iter()
            .map(|c| CosmWasmSection {
                name: c.name.clone(),
                chain_id: c.chain_id.clone(),
                rpc: c.rpc.clone(),
                router: c.contracts["router"].clone(),
                confirmations: c.confirmations,
                start_block: 0,
                max_range: 200,
                // the same binary as the hub: its fee denom and minimum gas price
                fee_denom: m.hub.denom.clone(),
                gas_price: m.hub.gas_price.clone(),
                account_prefix: "inj".into(),
                // the relayer's hub key pays for its deliveries on gamma too
                key: None,
                key_type: Default::default(),
            })
            .collect(),
        http: http
            .map(|listen| HttpSection { listen, unhealthy_after: mesh_relayer::config::default_unhealthy_after() }),
        checker: Default::default(),
    })
}

/// Where devnet relayer state lives by default.
pub fn data_dir(devnet_dir: &Path) -> PathBuf {
    devnet_dir.join("relayers")
}
