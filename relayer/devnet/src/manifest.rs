//! The deployment manifest: everything a client needs to talk to this devnet.
use std::collections::BTreeMap;
use std::path::Path;

use mesh_planner::directory::{ChainEntry, HubTiming};
use mesh_planner::network::{ChainSection, EvmSection, HubSection, Network, NetworkDirectory, Party, Token};
use serde::{Deserialize, Serialize};

use crate::keys::DevKeys;
use crate::profile::{CosmWasmChain, EvmChain, Profile};
use crate::{hub_node, DevnetError};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub hub: HubInfo,
    /// Hub contract addresses by name (bundle_log, stake_escrow, dispute), once deployed.
    pub contracts: BTreeMap<String, String>,
    /// Code ids by contract name.
    pub code_ids: BTreeMap<String, u64>,
    pub evm: Vec<EvmInfo>,
    /// CosmWasm chains (second injectived chains), verified on the hub by light clients.
    #[serde(default)]
    pub cosmwasm: Vec<CosmWasmInfo>,
    pub accounts: DevKeys,
    pub profile: Profile,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HubInfo {
    pub chain_id: String,
    pub denom: String,
    pub gas_price: String,
    /// CometBFT RPC of each validator.
    pub rpc: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvmInfo {
    pub name: String,
    /// The hub's domain id for the chain.
    pub domain: u64,
    pub chain_id: u64,
    pub rpc: String,
    pub confirmations: u64,
    /// Contract addresses by name (MeshRouter, SettlementVerifier, demo contracts), once deployed.
    pub contracts: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CosmWasmInfo {
    pub name: String,
    /// The hub's domain id for the chain.
    pub domain: u64,
    /// CometBFT chain id.
    pub chain_id: String,
    /// CometBFT RPC of its validator.
    pub rpc: String,
    pub confirmations: u64,
    /// Contract addresses by name (`router`, the demo cw20 `cw20`), once deployed.
    #[serde(default)]
    pub contracts: BTreeMap<String, String>,
    /// Code ids by contract name.
    #[serde(default)]
    pub code_ids: BTreeMap<String, u64>,
    /// Demo bank denoms every devnet account holds on the chain.
    #[serde(default)]
    pub denoms: Vec<String>,
}

impl Manifest {
    pub fn new(
        profile: &Profile,
        validators: usize,
        chains: &[EvmChain],
        cosmwasm: &[CosmWasmChain],
        keys: &DevKeys,
    ) -> Manifest {
        Manifest {
            hub: HubInfo {
                chain_id: profile.hub.chain_id.clone(),
                denom: profile.hub.denom.clone(),
                gas_price: profile.hub.minimum_gas_price.clone(),
                rpc: (0..validators).map(|i| format!("http://127.0.0.1:{}", hub_node::ports(profile, i).rpc)).collect(),
            },
            contracts: BTreeMap::new(),
            code_ids: BTreeMap::new(),
            evm: chains
                .iter()
                .map(|c| EvmInfo {
                    name: c.name.clone(),
                    domain: c.domain,
                    chain_id: c.chain_id,
                    rpc: format!("http://127.0.0.1:{}", c.port),
                    confirmations: c.confirmations,
                    contracts: BTreeMap::new(),
                })
                .collect(),
            cosmwasm: cosmwasm
                .iter()
                .map(|c| CosmWasmInfo {
                    name: c.name.clone(),
                    domain: c.domain,
                    chain_id: c.chain_id.clone(),
                    rpc: hub_node::ChainNodes::cosmwasm(c).rpc(0),
                    confirmations: c.confirmations,
                    contracts: BTreeMap::new(),
                    code_ids: BTreeMap::new(),
                    denoms: vec![],
                })
                .collect(),
            accounts: keys.clone(),
            profile: profile.clone(),
        }
    }

    /// The EIP-712 domain of batches, signer-set updates and bundle ids: the hub chain and the
    /// bundle-log (empty before the hub contracts are deployed).
    pub fn bundle_domain(&self) -> mesh_protocol::eip712::HubDomain {
        let log = self.contracts.get("bundle_log").cloned().unwrap_or_default();
        mesh_protocol::eip712::HubDomain::new(self.hub.chain_id.clone(), log)
    }

    /// The EIP-712 domain of a bonding key's proof of possession: the hub chain and the
    /// stake-escrow.
    pub fn escrow_domain(&self) -> mesh_protocol::eip712::HubDomain {
        let escrow = self.contracts.get("stake_escrow").cloned().unwrap_or_default();
        mesh_protocol::eip712::HubDomain::new(self.hub.chain_id.clone(), escrow)
    }

    pub fn load(path: &Path) -> Result<Manifest, DevnetError> {
        let bytes = std::fs::read(path)
            .map_err(|e| DevnetError::Step { step: format!("read {}", path.display()), detail: e.to_string() })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| DevnetError::Step { step: format!("parse {}", path.display()), detail: e.to_string() })
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).expect("serialisable"))?;
        std::fs::rename(tmp, path)
    }
}

impl Manifest {
    /// The devnet as a network file: the hub, each chain's Router, Verifier, demo tokens (with
    /// their decimals) and demo contracts, and every devnet identity as a party.
    pub fn network(&self) -> Network {
        let hub = HubSection {
            chain_id: self.hub.chain_id.clone(),
            rpc: self.hub.rpc[0].clone(),
            denom: self.hub.denom.clone(),
            denom_decimals: 18,
            gas_price: self.hub.gas_price.clone(),
            account_prefix: "inj".into(),
            bundle_log: self.contracts.get("bundle_log").cloned().unwrap_or_default(),
            stake_escrow: self.contracts.get("stake_escrow").cloned().unwrap_or_default(),
            dispute: self.contracts.get("dispute").cloned().unwrap_or_default(),
        };
        let chains = self
            .evm
            .iter()
            .map(|e| {
                let c = |k: &str| e.contracts.get(k).cloned().unwrap_or_default();
                let block_time = self
                    .profile
                    .evm
                    .iter()
                    .find(|p| p.chain_id == e.chain_id)
                    .map(|p| p.block_time)
                    .unwrap_or_default();
                let tokens = [("USDC", "USDC", 6), ("WETH", "DemoWETH", 18)]
                    .into_iter()
                    .filter_map(|(sym, key, decimals)| {
                        Some((sym.to_string(), Token { address: e.contracts.get(key)?.clone(), decimals }))
                    })
                    .collect();
                let contracts = ["LendingPool", "ConstantProductPool"]
                    .into_iter()
                    .filter_map(|k| Some((k.to_string(), e.contracts.get(k)?.clone())))
                    .collect();
                ChainSection::Evm(EvmSection {
                    name: e.name.clone(),
                    chain_id: e.chain_id,
                    rpc: e.rpc.clone(),
                    router: c("MeshRouter"),
                    verifier: c("SettlementVerifier"),
                    block_time,
                    tokens,
                    contracts,
                })
            })
            .collect();
        let parties = std::iter::once(&self.accounts.deployer)
            .chain(&self.accounts.relayers)
            .chain(std::iter::once(&self.accounts.disputer))
            .chain(&self.accounts.users)
            .map(|i| (i.name.clone(), Party { hub: Some(i.hub_address.clone()), evm: Some(i.evm_address.clone()) }))
            .collect();
        Network { hub, chains, parties }
    }

    /// The devnet as a planner's directory, without asking the hub: the profile's timing and the
    /// manifest's domains (what the hub registered at bring-up).
    pub fn directory(&self) -> NetworkDirectory {
        let c = &self.profile.contracts;
        let timing = HubTiming {
            dispute_window: c.dispute_window,
            delivery_margin: c.delivery_margin,
            max_horizon: c.max_horizon,
        };
        let network = self.network();
        let chains = self
            .evm
            .iter()
            .zip(&network.chains)
            .map(|(e, n)| ChainEntry {
                name: e.name.clone(),
                domain: e.domain,
                router: n.router(),
                block_time: n.block_time(),
                confirmations: e.confirmations as u32,
            })
            .collect();
        NetworkDirectory { network, timing, chains }
    }

    /// Writes what clients of the devnet use into `dir`: `network.toml` and every identity's
    /// keys as `keys/NAME.hub.key` and `keys/NAME.evm.key` (hex, mode 0600; publicly known
    /// devnet keys).
    pub fn write_client_files(&self, dir: &Path) -> std::io::Result<()> {
        self.network().save(&dir.join("network.toml"))?;
        let keys = dir.join("keys");
        std::fs::create_dir_all(&keys)?;
        for i in std::iter::once(&self.accounts.deployer)
            .chain(&self.accounts.relayers)
            .chain(std::iter::once(&self.accounts.disputer))
            .chain(&self.accounts.users)
        {
            for (kind, secret) in [("hub", &i.hub_secret), ("evm", &i.evm_secret)] {
                let path = keys.join(format!("{}.{kind}.key", i.name));
                std::fs::write(&path, format!("{secret}\n"))?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
        }
        // the owner of the demo contracts (the LendingPool locks its legs when it asks)
        let owner = keys.join("contracts-owner.evm.key");
        std::fs::write(&owner, format!("{}\n", crate::evm_deploy::ANVIL_DEPLOYER_KEY))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&owner, std::fs::Permissions::from_mode(0o600))?;
        Ok(())
    }
}

impl Manifest {
    /// A devnet identity by name (deployer, relayer-N, disputer, alice, …).
    pub fn identity(&self, name: &str) -> Option<&crate::keys::DevIdentity> {
        std::iter::once(&self.accounts.deployer)
            .chain(&self.accounts.relayers)
            .chain(std::iter::once(&self.accounts.disputer))
            .chain(&self.accounts.users)
            .find(|i| i.name == name)
    }
}
