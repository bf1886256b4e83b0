//! The deployment manifest: everything a client needs to talk to this devnet.
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::keys::DevKeys;
use crate::profile::{EvmChain, Profile};
use crate::{hub_node, DevnetError};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub hub: HubInfo,
    /// Hub contract addresses by name (bundle_log, stake_escrow, dispute), once deployed.
    pub contracts: BTreeMap<String, String>,
    /// Code ids by contract name.
    pub code_ids: BTreeMap<String, u64>,
    pub evm: Vec<EvmInfo>,
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
    pub chain_id: u64,
    pub rpc: String,
    pub confirmations: u64,
    /// Contract addresses by name (MeshRouter, SettlementVerifier, demo contracts), once deployed.
    pub contracts: BTreeMap<String, String>,
}

impl Manifest {
    pub fn new(profile: &Profile, validators: usize, chains: &[EvmChain], keys: &DevKeys) -> Manifest {
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
                    chain_id: c.chain_id,
                    rpc: format!("http://127.0.0.1:{}", c.port),
                    confirmations: c.confirmations,
                    contracts: BTreeMap::new(),
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

/// The devnet as a planner's directory: its chains, the demo tokens and contracts, and the
/// devnet identities (alice, bob, …) as the address book.
impl mesh_planner::directory::Directory for Manifest {
    fn bundle_domain(&self) -> mesh_protocol::eip712::HubDomain {
        Manifest::bundle_domain(self)
    }

    fn timing(&self) -> mesh_planner::directory::HubTiming {
        let c = &self.profile.contracts;
        mesh_planner::directory::HubTiming { dispute_window: c.dispute_window, delivery_margin: c.delivery_margin }
    }

    fn chains(&self) -> Vec<mesh_planner::directory::ChainEntry> {
        self.evm
            .iter()
            .filter_map(|e| {
                let p = self.profile.evm.iter().find(|p| p.chain_id == e.chain_id)?;
                Some(mesh_planner::directory::ChainEntry {
                    name: e.name.clone(),
                    chain_id: e.chain_id,
                    router: mesh_protocol::EvmAddress::parse(e.contracts.get("MeshRouter")?).ok()?,
                    block_time: p.block_time,
                    confirmations: p.confirmations as u32,
                })
            })
            .collect()
    }

    fn token(&self, chain: &str, symbol: &str) -> Option<mesh_protocol::EvmAddress> {
        // the demo's WETH is deployed as `DemoWETH`
        let key = if symbol == "WETH" { "DemoWETH" } else { symbol };
        let e = self.evm.iter().find(|e| e.name == chain)?;
        mesh_protocol::EvmAddress::parse(e.contracts.get(key)?).ok()
    }

    fn account(&self, chain: &str, name: &str) -> Option<mesh_protocol::EvmAddress> {
        if let Some(id) = self.identity(name) {
            return mesh_protocol::EvmAddress::parse(&id.evm_address).ok();
        }
        let e = self.evm.iter().find(|e| e.name == chain)?;
        mesh_protocol::EvmAddress::parse(e.contracts.get(name)?).ok()
    }

    fn hub_account(&self, name: &str) -> Option<String> {
        self.identity(name).map(|id| id.hub_address.clone())
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
