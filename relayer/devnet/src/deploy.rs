//! The devnet's hub deployment: the contracts through the same code `mesh hub deploy` runs
//! ([`mesh_hub::deploy`]), then the devnet's own relayers bonded and the first signer set made.
use std::path::Path;

use mesh_hub::deploy::{Artifacts, Progress, Rotation};
use mesh_hub_api::{bundle_log, stake_escrow};
use mesh_protocol::eip712::{relayer_key_digest, HubDomain};
use mesh_protocol::sig::{sign_digest, signing_key};
use mesh_protocol::EvmAddress;

use crate::manifest::Manifest;
use crate::DevnetError;
use mesh_hub::{CosmosClient, CosmosClientConfig, CosmosError};

fn step(name: &str) -> impl Fn(CosmosError) -> DevnetError + '_ {
    move |e| DevnetError::Step { step: name.into(), detail: e.to_string() }
}

fn deploy_step(name: &str) -> impl Fn(mesh_hub::deploy::DeployError) -> DevnetError + '_ {
    move |e| DevnetError::Step { step: name.into(), detail: e.to_string() }
}

pub fn hub_client(manifest: &Manifest) -> Result<CosmosClient, DevnetError> {
    let mut cfg = CosmosClientConfig::devnet(&manifest.hub.rpc[0], &manifest.hub.chain_id);
    cfg.fee_denom = manifest.hub.denom.clone();
    cfg.gas_price = manifest.hub.gas_price.parse().unwrap_or(cfg.gas_price);
    CosmosClient::new(cfg).map_err(step("hub client"))
}

fn units(v: &str) -> u128 {
    v.parse().expect("validated by the profile")
}

/// Lifetime of a devnet signer set (its signed `expires_at`): one day, the profile's default
/// `contracts.signer_set_lifetime`.
pub const DEVNET_SIGNER_SET_LIFETIME: u64 = 24 * 3600;

/// Deposit a devnet `RegisterBundle` attaches (returned on the verdict): 1 inj, the profile's
/// default `contracts.registration_deposit`.
pub const DEVNET_REGISTRATION_DEPOSIT: u128 = 1_000_000_000_000_000_000;
/// The devnet routers' refund grace: a COMMIT for a locked leg is accepted until
/// `settle_deadline + grace`, `refundExpired` only from then. It must exceed the slowest devnet
/// delivery (hub block + signing + an EVM tx with a fee bump, well under 10 s).
pub const DEVNET_REFUND_GRACE: u64 = 10;

fn progress() -> Progress<'static> {
    Progress::new(|line| tracing::debug!("hub deploy: {line}"))
}

/// Stores the optimised wasm from `artifacts` (checked against its `checksums.txt`), instantiates
/// and wires the contracts: `mesh hub deploy`'s code, as the devnet deployer.
pub async fn deploy_hub_contracts(manifest: &mut Manifest, artifacts: &Path) -> Result<(), DevnetError> {
    let hub = hub_client(manifest)?;
    let deployer = manifest.accounts.deployer.hub_signer();
    let artifacts = Artifacts::load(artifacts).map_err(deploy_step("hub contract artifacts"))?;
    let d = mesh_hub::deploy::deploy_contracts(&hub, &deployer, &manifest.profile, &artifacts, &mut progress())
        .await
        .map_err(deploy_step("deploy the hub contracts"))?;
    manifest.code_ids.extend(d.code_ids);
    manifest.contracts.extend(d.contracts);
    Ok(())
}

/// Bonds the first `bonded_relayers` devnet relayers (with proofs of possession of their EVM keys)
/// and makes signer-set epoch 1 from them (`mesh hub deploy`'s first rotation).
pub async fn bond_relayers(manifest: &Manifest) -> Result<mesh_protocol::SignerSet, DevnetError> {
    let hub = hub_client(manifest)?;
    let escrow = &manifest.contracts["stake_escrow"];
    let domain = manifest.escrow_domain();
    let bond_amount = units(&manifest.profile.contracts.relayer_bond);
    for r in manifest.accounts.relayers.iter().take(manifest.profile.accounts.bonded_relayers as usize) {
        bond(&hub, escrow, &domain, r, bond_amount).await.map_err(step("bond relayer"))?;
    }
    let deployer = manifest.accounts.deployer.hub_signer();
    match mesh_hub::deploy::first_rotation(&hub, &deployer, escrow, &mut progress())
        .await
        .map_err(deploy_step("make signer set epoch 1"))?
    {
        Rotation::Made(set) | Rotation::Exists(set) => Ok(set),
        Rotation::NoActiveRelayer => Err(DevnetError::Step {
            step: "make signer set epoch 1".into(),
            detail: "no bonded relayer (accounts.bonded_relayers is 0)".into(),
        }),
    }
}

/// Bonds `amount` for `relayer`, proving possession of its EVM key (EIP-712 `RelayerKey`).
pub async fn bond(
    hub: &CosmosClient,
    escrow: &str,
    domain: &HubDomain,
    relayer: &super::keys::DevIdentity,
    amount: u128,
) -> Result<mesh_hub::TxOutcome, CosmosError> {
    let evm_secret: [u8; 32] = hex::decode(&relayer.evm_secret).expect("hex").try_into().expect("32 bytes");
    let key = signing_key(&evm_secret).expect("valid devnet key");
    let proof = sign_digest(&key, relayer_key_digest(domain, &relayer.hub_address));
    let msg = stake_escrow::ExecuteMsg::Bond {
        evm_signer: EvmAddress::parse(&relayer.evm_address).expect("valid"),
        proof_of_possession: proof,
    };
    hub.execute(&relayer.hub_signer(), escrow, &msg, hub.coins(amount)).await
}

/// Registers every EVM chain of the manifest (with its deployed MeshRouter) on the bundle-log,
/// through `mesh hub deploy`'s registration.
pub async fn register_chains(manifest: &Manifest) -> Result<(), DevnetError> {
    let hub = hub_client(manifest)?;
    let deployer = manifest.accounts.deployer.hub_signer();
    let mut chains = Vec::new();
    for c in &manifest.evm {
        let router = c.contracts.get("MeshRouter").ok_or(DevnetError::Step {
            step: "register chains".into(),
            detail: format!("chain {} has no MeshRouter", c.name),
        })?;
        let router = EvmAddress::parse(router)
            .map_err(|e| DevnetError::Step { step: "router address".into(), detail: e.to_string() })?;
        chains.push(bundle_log::ChainInfo {
            domain: c.domain,
            name: c.name.clone(),
            vm: bundle_log::ChainVm::Evm { chain_id: c.chain_id },
            router: router.into(),
            confirmations: c.confirmations as u32,
        });
    }
    mesh_hub::deploy::register_chains(&hub, &deployer, &manifest.contracts["bundle_log"], &chains, &mut progress())
        .await
        .map_err(deploy_step("register chains"))?;
    Ok(())
}

/// How long the devnet waits for its pin proposal to pass: a few voting periods (the profile's
/// `genesis.voting_period`, seconds on the devnet).
pub const PIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);

/// Submits the governance proposal pinning the hub codes (`mesh_hub::gov`), the deployer
/// proposing and every hub validator voting yes; nothing when they are pinned already.
/// [`await_pin`] waits for it, so the rest of the bring-up runs during the voting period.
pub async fn propose_pin(
    manifest: &Manifest,
    dir: &Path,
    injectived: &Path,
) -> Result<mesh_hub::gov::PinStart, DevnetError> {
    let hub = hub_client(manifest)?;
    let codes = mesh_hub::gov::hub_code_ids(&manifest.code_ids);
    let pinned = mesh_hub::gov::pinned_codes(&hub).await.map_err(deploy_step("read the pinned codes"))?;
    // the validators' keys are read only when there is something to vote on
    if codes.iter().all(|c| pinned.contains(c)) {
        return Ok(mesh_hub::gov::PinStart::AlreadyPinned);
    }
    let voters = (0..manifest.hub.rpc.len())
        .map(|i| crate::hub_node::operator_signer(injectived, dir, i))
        .collect::<Result<Vec<_>, _>>()?;
    let deployer = manifest.accounts.deployer.hub_signer();
    mesh_hub::gov::propose_pin(&hub, &deployer, &voters, &codes, &mut progress())
        .await
        .map_err(deploy_step("propose pinning the hub codes"))
}

/// Waits until the pin proposal `start` made passed and the codes are pinned.
pub async fn await_pin(manifest: &Manifest, start: &mesh_hub::gov::PinStart) -> Result<(), DevnetError> {
    let mesh_hub::gov::PinStart::Proposed(p) = start else { return Ok(()) };
    let hub = hub_client(manifest)?;
    mesh_hub::gov::await_pin(&hub, p, PIN_TIMEOUT).await.map_err(deploy_step("pin the hub codes"))
}
