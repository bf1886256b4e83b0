//! The real [`World`] of `mesh bundle run`: a network file's hub and EVM chains, the held keys.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::eips::Encodable2718;
use alloy::network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use anyhow::{bail, Context};
use mesh_chain_evm::bindings::MeshRouter;
use mesh_hub::CosmosSigner;
use mesh_hub_api::bundle_log::{self, BatchResponse, BatchStatus, BundleResponse};
use mesh_planner::directory::Directory;
use mesh_planner::network::{ChainSection, NetworkDirectory};
use mesh_protocol::{AccountId, Bundle, Hash32};

use super::events::{Bars, Events, JsonLines};
use super::store::RunStore;
use super::{Balance, HubView, RunError, RunOptions, RunOutcome, RunPlan, StoredTx, TxOutcome, TxRequest, World};
use crate::bundle::{checked_plan, deliver_on, refund_legs, Client};

/// The keys a run holds: EVM keys by party (a contract depositor's by the contract's name: the
/// key that locks for it), and the creator's hub key.
#[derive(Default)]
pub struct Keys {
    pub evm: BTreeMap<String, String>,
    pub hub: Option<String>,
}

/// The network file's hub and chains with the run's keys.
pub struct NetworkWorld {
    client: Client,
    dir: NetworkDirectory,
    keys: Keys,
    creator: Option<CosmosSigner>,
    /// Which held key pays a delivery's or a refund's gas (the creator's when held).
    gas_key: Option<String>,
}

impl NetworkWorld {
    /// Opens the network file and checks every key against the party it is given for.
    pub async fn open(network: &Path, keys: Keys) -> anyhow::Result<NetworkWorld> {
        let client = Client::open(network)?;
        let dir = client.directory().await?;
        for (party, secret) in &keys.evm {
            let signer: PrivateKeySigner = secret
                .trim_start_matches("0x")
                .parse()
                .with_context(|| format!("--key {party}=…: not a 32-byte hex EVM secret"))?;
            let is_contract = client.network.chains.iter().any(|c| c.contracts().contains_key(party));
            if is_contract {
                continue;
            }
            let Some(p) = client.network.parties.get(party) else {
                bail!("--key {party}=…: {party} is neither a party nor a contract of the network file");
            };
            let want = p.evm.as_deref().unwrap_or_default();
            if !want.eq_ignore_ascii_case(&signer.address().to_string()) {
                bail!("--key {party}=…: the key is for {} but {party}'s EVM account is {want:?}", signer.address());
            }
        }
        let creator = match &keys.hub {
            Some(secret) => Some(
                CosmosSigner::from_hex(secret, &client.network.hub.account_prefix)
                    .map_err(|e| anyhow::anyhow!("--hub-key: {e}"))?,
            ),
            None => None,
        };
        Ok(NetworkWorld { client, dir, keys, creator, gas_key: None })
    }

    fn provider(&self, chain: &str) -> anyhow::Result<(DynProvider, &mesh_planner::network::EvmSection)> {
        let Some(ChainSection::Evm(e)) = self.client.network.chain(chain) else {
            bail!("chain {chain} is not in the network file")
        };
        let p = ProviderBuilder::new().connect_http(e.rpc.parse().with_context(|| format!("chain {chain} rpc"))?);
        Ok((p.erased(), e))
    }

    fn gas_key(&self) -> anyhow::Result<&str> {
        self.gas_key
            .as_deref()
            .or_else(|| self.keys.evm.values().next().map(String::as_str))
            .context("no EVM key to pay a delivery's or a refund's gas: give one with --key")
    }
}

fn addr(a: &AccountId) -> Address {
    Address::from_slice(&a.0[12..])
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

impl World for NetworkWorld {
    fn now(&self) -> u64 {
        now()
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }

    fn holds(&self, party: &str) -> bool {
        self.keys.evm.contains_key(party)
    }

    fn holds_creator(&self) -> bool {
        self.creator.is_some()
    }

    fn is_pool(&self, chain: &str, party: &str) -> bool {
        self.client.network.chain(chain).is_some_and(|c| c.contracts().contains_key(party))
    }

    async fn find_registered(&self, creator: &str, nonce: u64) -> anyhow::Result<Option<(Hash32, Bundle)>> {
        let found: Result<BundleResponse, _> = self
            .client
            .hub
            .query_smart(
                self.client.log(),
                &bundle_log::QueryMsg::BundleByNonce { creator: creator.to_string(), nonce },
            )
            .await;
        match found {
            Ok(b) => Ok(Some((b.bundle_id, b.bundle))),
            Err(e) if e.to_string().contains("not found") => Ok(None),
            Err(e) => Err(e).context("asking the hub for the creator's bundle by nonce"),
        }
    }

    async fn register(&self, bundle: &Bundle) -> anyhow::Result<Hash32> {
        let signer = self.creator.as_ref().context("no creator hub key")?;
        if signer.address().to_string() != bundle.creator {
            bail!("the hub key is for {} but the bundle's creator is {}", signer.address(), bundle.creator);
        }
        Ok(mesh_hub::bundle::register(&self.client.hub, signer, self.client.log(), bundle).await?)
    }

    async fn hub(&self, id: Hash32) -> anyhow::Result<HubView> {
        let b = self.client.bundle(id).await?;
        let attested = match b.batch_index {
            Some(index) => {
                let batch: BatchResponse =
                    self.client.hub.query_smart(self.client.log(), &bundle_log::QueryMsg::Batch { index }).await?;
                batch.status == BatchStatus::Attested
            }
            None => false,
        };
        Ok(HubView { verdict: b.verdict, attested })
    }

    async fn leg_status(&self, chain: &str, id: Hash32, leg: usize) -> anyhow::Result<u8> {
        let (p, e) = self.provider(chain)?;
        let router = mesh_protocol::EvmAddress::parse(&e.router)?.0;
        MeshRouter::new(router, p)
            .legStatus(id.0, leg as u32)
            .call()
            .await
            .with_context(|| format!("reading leg {leg}'s state on {chain}"))
    }

    async fn escrowed_token(&self, chain: &str, bundle: &Bundle, leg: usize) -> anyhow::Result<AccountId> {
        let (p, _) = self.provider(chain)?;
        let l = bundle.legs.get(leg).with_context(|| format!("no leg {leg}"))?;
        Ok(mesh_chain_evm::locker::escrowed_token(&p, l).await?.into())
    }

    async fn sign(&self, tx: &TxRequest) -> anyhow::Result<StoredTx> {
        let secret = self.keys.evm.get(&tx.party).with_context(|| format!("no key of {}", tx.party))?;
        let signer: PrivateKeySigner = secret.trim_start_matches("0x").parse()?;
        let from = signer.address();
        let wallet = EthereumWallet::from(signer);
        let (p, e) = self.provider(&tx.chain)?;
        let base = TransactionRequest::default()
            .from(from)
            .to(addr(&tx.to))
            .input(tx.data.clone().into())
            .value(U256::from(tx.value));
        let gas = p.estimate_gas(base.clone()).await.map_err(|err| {
            let detail = match err.as_error_resp().and_then(|r| r.as_revert_data()) {
                Some(data) if !data.is_empty() => mesh_chain_evm::revert::describe(&data),
                _ => err.to_string(),
            };
            anyhow::anyhow!("{} would revert on {}: {detail}", tx.about, tx.chain)
        })?;
        let nonce = p.get_transaction_count(from).pending().await?;
        let fees = p.estimate_eip1559_fees().await?;
        let request = base
            .with_nonce(nonce)
            .with_chain_id(e.chain_id)
            .with_gas_limit(gas.saturating_mul(6) / 5 + 10_000)
            // room for the base fee to rise while it waits: the stored bytes are final
            .with_max_fee_per_gas(fees.max_fee_per_gas.saturating_mul(2))
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let envelope = request.build(&wallet).await.context("signing")?;
        Ok(StoredTx {
            chain: tx.chain.clone(),
            about: tx.about.clone(),
            raw: envelope.encoded_2718(),
            hash: Hash32(*envelope.tx_hash()),
            from: AccountId::from_evm(from),
            nonce,
            mined: None,
            block: None,
        })
    }

    async fn broadcast(&self, tx: &StoredTx) -> anyhow::Result<()> {
        let (p, _) = self.provider(&tx.chain)?;
        match p.send_raw_transaction(&tx.raw).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let text = e.to_string().to_lowercase();
                // the node has it, or mined it (or another tx took its nonce: `outcome` tells)
                // (anvil says "transaction already imported")
                let known = ["already known", "already imported", "known transaction", "nonce too low"];
                if known.iter().any(|k| text.contains(k)) {
                    Ok(())
                } else {
                    Err(anyhow::anyhow!("broadcasting {} on {}: {e}", tx.hash, tx.chain))
                }
            }
        }
    }

    async fn outcome(&self, tx: &StoredTx) -> anyhow::Result<TxOutcome> {
        let (p, _) = self.provider(&tx.chain)?;
        let receipt = |p: DynProvider| async move { p.get_transaction_receipt(tx.hash.0).await };
        if let Some(r) = receipt(p.clone()).await? {
            return Ok(TxOutcome::Mined { success: r.status(), block: r.block_number.unwrap_or_default() });
        }
        let mined = p.get_transaction_count(addr(&tx.from)).latest().await?;
        if mined > tx.nonce {
            // the count and the receipt may come from different blocks: look once more
            return Ok(match receipt(p).await? {
                Some(r) => TxOutcome::Mined { success: r.status(), block: r.block_number.unwrap_or_default() },
                None => TxOutcome::Replaced,
            });
        }
        Ok(TxOutcome::Pending)
    }

    async fn deliver(&self, chain: &str, id: Hash32) -> anyhow::Result<usize> {
        let mut out = Vec::new();
        deliver_on(&self.client, &self.dir, id, self.gas_key()?, Some(chain), &mut out).await
    }

    async fn refund(&self, chain: &str, bundle: &Bundle, legs: &[usize]) -> anyhow::Result<usize> {
        let mut out = Vec::new();
        let _ = chain;
        refund_legs(&self.client, &self.dir, bundle, legs, self.gas_key()?, false, &mut out).await
    }

    async fn balances(&self, plan: &RunPlan) -> anyhow::Result<Vec<Balance>> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (i, w) in plan.legs.iter().enumerate() {
            let (p, e) = self.provider(&w.chain)?;
            let leg = &plan.bundle.legs[i];
            // a mint or burn leg names the origin token; on its chain the asset is the Router's
            // wrapped token (deployed at its first mint, at an address known before: CREATE2)
            let (label, token) = match leg.kind {
                mesh_protocol::LegKind::Mint { origin_domain } | mesh_protocol::LegKind::Burn { origin_domain } => {
                    let router = mesh_protocol::EvmAddress::parse(&e.router)?.0;
                    let wrapped =
                        MeshRouter::new(router, p.clone()).wrappedToken(origin_domain, leg.token.0).call().await?;
                    let deployed = !p.get_code_at(wrapped).await?.is_empty();
                    (format!("{}@{origin_domain}", w.token), deployed.then_some(wrapped))
                }
                _ => (w.token.clone(), Some(addr(&leg.token))),
            };
            for party in [&w.from, &w.to] {
                if !seen.insert((w.chain.clone(), label.clone(), party.clone())) {
                    continue;
                }
                let Some(who) = self.dir.account(&w.chain, party) else { continue };
                let amount = match token {
                    Some(t) => mesh_chain_evm::locker::balance_of(&p, t, addr(&who)).await?,
                    None => U256::ZERO,
                };
                out.push(Balance {
                    party: party.clone(),
                    chain: w.chain.clone(),
                    token: label.clone(),
                    amount: amount.to_string(),
                });
            }
        }
        Ok(out)
    }
}

/// Where a spec's run keeps its state by default: next to the spec (`SPEC.run.redb`).
pub fn default_state(spec: &Path) -> PathBuf {
    spec.with_extension("run.redb")
}

/// How a run reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Json,
    Bars,
}

/// `mesh bundle run`: runs `spec` on the network file's network with `keys`, its state in
/// `state`. The first start plans the spec (refusing a used nonce) and freezes the plan; a
/// restart continues the frozen plan.
pub async fn run_spec(
    network: &Path,
    spec: &Path,
    state: &Path,
    keys: Keys,
    output: Output,
    opts: RunOptions,
) -> Result<RunOutcome, RunError> {
    let text = std::fs::read(spec).map_err(|e| RunError::Plan(format!("{}: {e}", spec.display())))?;
    let sha = super::spec_fingerprint(&text);
    let store = RunStore::open(state)?;
    let plan_err = |e: anyhow::Error| RunError::Plan(format!("{e:#}"));
    let mut world = NetworkWorld::open(network, keys).await.map_err(plan_err)?;
    // plan before any await on the store's behalf: a restart never plans again
    let fresh = match store.plan()? {
        Some(_) => None,
        None => {
            let (plan, _) = checked_plan(&world.client, spec).await.map_err(plan_err)?;
            Some(RunPlan::of(&plan))
        }
    };
    let creator_name = match &fresh {
        Some(p) => p.creator_name.clone(),
        None => store.plan()?.map(|(_, p)| p.creator_name).unwrap_or_default(),
    };
    if let Some(signer) = &world.creator {
        let want = world.dir.hub_account(&creator_name);
        if let Some(want) = want.filter(|w| *w != signer.address().to_string()) {
            return Err(RunError::Plan(format!(
                "--hub-key is for {} but the creator {creator_name} is {want}",
                signer.address()
            )));
        }
    }
    world.gas_key = world.keys.evm.get(&creator_name).cloned();
    let domain = world.client.network.bundle_domain();
    let fresh = move || fresh.ok_or_else(|| RunError::Plan("the state file has no plan".into()));
    match output {
        Output::Json => {
            let mut ev = JsonLines(std::io::stdout());
            super::run(&world, &store, &mut ev, &domain, &sha, fresh, opts).await
        }
        Output::Bars => {
            let mut ev = Bars::new();
            let r = super::run(&world, &store, &mut ev, &domain, &sha, fresh, opts).await;
            if let Err(e) = &r {
                ev.emit(&super::Event::Note { text: format!("stopped: {e}") });
            }
            r
        }
    }
}
