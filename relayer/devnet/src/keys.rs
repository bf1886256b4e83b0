//! Deterministic, publicly known devnet keys (like anvil's): never use them on a real network.
use mesh_protocol::keccak256;
use mesh_protocol::sig::{signer_address, signing_key};

use mesh_hub::CosmosSigner;

/// A devnet identity: a hub account and an EVM key.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DevIdentity {
    pub name: String,
    pub hub_address: String,
    /// Hex secret of the hub account key.
    pub hub_secret: String,
    pub evm_address: String,
    /// Hex secret of the EVM key.
    pub evm_secret: String,
}

impl DevIdentity {
    pub fn derive(name: &str) -> DevIdentity {
        let hub_secret = keccak256(format!("atomic-mesh devnet {name} hub key"));
        let evm_secret = keccak256(format!("atomic-mesh devnet {name} evm key"));
        let hub = CosmosSigner::from_secret(hub_secret.as_slice(), "inj").expect("keccak output is a valid key");
        let evm = signing_key(&evm_secret.0).expect("keccak output is a valid key");
        DevIdentity {
            name: name.into(),
            hub_address: hub.address().to_string(),
            hub_secret: hex::encode(hub_secret),
            evm_address: mesh_protocol::EvmAddress(signer_address(&evm)).to_string(),
            evm_secret: hex::encode(evm_secret),
        }
    }

    pub fn hub_signer(&self) -> CosmosSigner {
        CosmosSigner::from_hex(&self.hub_secret, "inj").expect("devnet secret is valid")
    }
}

/// Every devnet identity.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DevKeys {
    pub deployer: DevIdentity,
    pub relayers: Vec<DevIdentity>,
    pub disputer: DevIdentity,
    pub users: Vec<DevIdentity>,
}

impl DevKeys {
    pub fn new(relayers: usize) -> DevKeys {
        DevKeys {
            deployer: DevIdentity::derive("deployer"),
            relayers: (0..relayers).map(|i| DevIdentity::derive(&format!("relayer-{i}"))).collect(),
            disputer: DevIdentity::derive("disputer"),
            users: ["alice", "bob", "carol"].iter().map(|n| DevIdentity::derive(n)).collect(),
        }
    }

    pub fn hub_accounts(&self) -> Vec<String> {
        std::iter::once(&self.deployer)
            .chain(&self.relayers)
            .chain(std::iter::once(&self.disputer))
            .chain(&self.users)
            .map(|k| k.hub_address.clone())
            .collect()
    }
}
