//! State changes.

use cosmwasm_std::{
    to_json_binary, Addr, BankMsg, Coin, Deps, DepsMut, Env, MessageInfo, QuerierWrapper, Response, Storage, Uint256,
};
use mesh_protocol::eip712::{bundle_id, leg_hash, settlement_batch_digest, signer_set_update_digest, HubDomain};
use mesh_protocol::sig::recover_signer_with;
use mesh_protocol::{Amount, Bundle, EvmAddress, Hash32, LegKind, SettlementBatch, Signature65, SignerSetUpdate, U256};

use crate::error::ContractError;
use crate::msg::{
    AdvanceResponse, BatchStatus, ChainInfo, CosmWasmLocation, DecidedBundle, InstantiateMsg, LegRef, LegReport,
    LockLocation, LockReport, LogEvent, ObjectReportsResponse, Objection, RegisterBundleResponse,
    RegisterBundlesResponse, ReportLocksResponse, StateProof, DEFAULT_ADVANCE_LIMIT, DEFAULT_RETENTION,
    MAX_ADVANCE_LIMIT, MAX_BATCH_SIZE_CAP, MAX_BUNDLES_PER_REGISTRATION, MAX_PRUNE_LIMIT, MAX_REPORTS_CAP,
};
use crate::rules;
use crate::state::{self, BatchRecord, BundleHead, BundleInfo, Config, LegKey};
use mesh_hub_api::common::{nonpayable, only_admin, only_dispute};
use mesh_hub_api::light_client::{MembershipResponse, QueryMsg as LightClientQuery};
use mesh_hub_api::router_cw;
use mesh_hub_api::stake_escrow::raw::{self as stake_raw, RelayerStatus, StoredSignerSet};
use mesh_hub_api::stake_escrow::{ConfigResponse as StakeConfig, QueryMsg as StakeQuery};

/// The EIP-712 domain of this deployment: the hub chain and this contract's address.
pub fn domain(cfg: &Config, env: &Env) -> HubDomain {
    HubDomain::new(cfg.hub_chain_id.clone(), env.contract.address.as_str())
}

fn now(env: &Env) -> u64 {
    env.block.time.seconds()
}

fn log(s: &mut dyn Storage, env: &Env, event: LogEvent) -> Result<u64, ContractError> {
    Ok(state::append_log(s, env.block.height, now(env), event)?)
}

fn validate_chain(c: &ChainInfo) -> Result<(), ContractError> {
    let invalid = |reason| Err(ContractError::InvalidChain { domain: c.domain, reason });
    if c.domain == 0 {
        return invalid("domain must be positive");
    }
    if let Some(reason) = c.vm.chain_id_error() {
        return invalid(reason);
    }
    if c.router.is_zero() {
        return invalid("router must not be the zero account");
    }
    if !c.vm.accepts_account(&c.router) {
        return invalid("router is not an account of the chain's VM (EVM: a left-padded 20-byte address)");
    }
    if c.name.is_empty() {
        return invalid("name must not be empty");
    }
    Ok(())
}

/// Registers a new domain: free domain id, a VM chain no other domain claims.
fn insert_chain(s: &mut dyn Storage, c: &ChainInfo) -> Result<(), ContractError> {
    validate_chain(c)?;
    if state::chain(s, c.domain)?.is_some() {
        return Err(ContractError::ChainExists { domain: c.domain });
    }
    if let Some(other) = state::domain_of_vm(s, &c.vm)? {
        return Err(ContractError::VmChainTaken { vm: c.vm.clone(), domain: other });
    }
    state::save_chain(s, c)?;
    Ok(())
}

pub fn instantiate(deps: DepsMut, env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    let hub_chain_id = match msg.hub_chain_id {
        Some(given) if given != env.block.chain_id => {
            return Err(ContractError::HubChainIdMismatch { given, actual: env.block.chain_id })
        }
        Some(given) => given,
        None => env.block.chain_id.clone(),
    };
    let invalid = |field, reason: &str| ContractError::InvalidConfig { field, reason: reason.to_owned() };
    if msg.dispute_window == 0 {
        return Err(invalid("dispute_window", "must be positive"));
    }
    if msg.delivery_margin == 0 {
        return Err(invalid("delivery_margin", "must be positive"));
    }
    if msg.max_batch_size == 0 || msg.max_batch_size > MAX_BATCH_SIZE_CAP {
        return Err(invalid("max_batch_size", &format!("must be 1 to {MAX_BATCH_SIZE_CAP}")));
    }
    if msg.max_reports_per_msg == 0 || msg.max_reports_per_msg > MAX_REPORTS_CAP {
        return Err(invalid("max_reports_per_msg", &format!("must be 1 to {MAX_REPORTS_CAP}")));
    }
    // A verdict waits for the last report window; delivering its batch waits up to
    // `batch_max_age` before the batch closes. A margin no longer than that would let a COMMIT
    // reach one chain after its settle deadline (audit finding 4).
    if msg.delivery_margin <= msg.batch_max_age {
        return Err(invalid(
            "delivery_margin",
            &format!("must exceed batch_max_age ({}s): a batch waits that long before it is signed", msg.batch_max_age),
        ));
    }
    let rereport_grace = msg.rereport_grace.unwrap_or(msg.dispute_window);
    if rereport_grace == 0 {
        return Err(invalid("rereport_grace", "must be positive"));
    }
    if let Some(d) = &msg.registration_deposit {
        if d.amount.is_zero() || d.denom.is_empty() {
            return Err(invalid("registration_deposit", "must be a positive amount of a named denom"));
        }
    }
    let retention = msg.retention.unwrap_or(DEFAULT_RETENTION);
    if retention == 0 {
        return Err(invalid("retention", "must be positive"));
    }
    let min_horizon = msg.dispute_window.saturating_add(msg.delivery_margin).saturating_add(2);
    if msg.max_horizon < min_horizon {
        return Err(invalid(
            "max_horizon",
            &format!("must be at least dispute window + delivery margin + 2 = {min_horizon}"),
        ));
    }
    let stake_escrow = deps.api.addr_validate(&msg.stake_escrow)?;
    // The stake-escrow must keep unbonding stake slashable for longer than a report stays disputable.
    let stake_cfg: StakeConfig = deps.querier.query_wasm_smart(&stake_escrow, &StakeQuery::Config {})?;
    // A relayer that stops reporting must stay slashable until every report it made left its
    // window and any re-report grace ended.
    let needed = msg.dispute_window.saturating_add(msg.delivery_margin).saturating_add(rereport_grace);
    if stake_cfg.unbonding_period <= needed {
        return Err(ContractError::StakeEscrowMismatch {
            stake_escrow,
            reason: format!(
                "has an unbonding period of {}s, which must exceed dispute window + delivery margin + re-report grace = {needed}s",
                stake_cfg.unbonding_period
            ),
        });
    }
    if stake_cfg.hub_chain_id != hub_chain_id {
        return Err(ContractError::StakeEscrowMismatch {
            stake_escrow,
            reason: format!("signs for hub {}, not {hub_chain_id}", stake_cfg.hub_chain_id),
        });
    }
    let cfg = Config {
        admin: match msg.admin {
            Some(a) => deps.api.addr_validate(&a)?,
            None => info.sender.clone(),
        },
        hub_chain_id,
        stake_escrow,
        dispute: msg.dispute.map(|d| deps.api.addr_validate(&d)).transpose()?,
        light_client: None,
        dispute_window: msg.dispute_window,
        delivery_margin: msg.delivery_margin,
        max_batch_size: msg.max_batch_size,
        batch_max_age: msg.batch_max_age,
        max_reports_per_msg: msg.max_reports_per_msg,
        max_horizon: msg.max_horizon,
        rereport_grace,
        registration_deposit: msg.registration_deposit,
        retention,
    };
    state::save_config(deps.storage, &cfg)?;
    for c in &msg.chains {
        insert_chain(deps.storage, c)?;
    }
    state::save_batch(deps.storage, &BatchRecord::open(0, now(&env)))?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("hub_chain_id", cfg.hub_chain_id)
        .add_attribute("admin", cfg.admin))
}

// ------------------------------------------------------------------ bundles

pub fn register_bundle(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    bundle: Bundle,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    let deposit = registration_deposit(&cfg, &info, 1, "register_bundle")?;
    let mut r = Registrar { cfg: &cfg, log: state::log_cursor(deps.storage)?, chains: vec![] };
    let id = r.register(deps.branch(), &env, &info.sender, bundle, deposit)?;
    Ok(Response::new()
        .set_data(to_json_binary(&RegisterBundleResponse { bundle_id: id.0 })?)
        .add_attribute("action", "register_bundle")
        .add_attribute("bundle_id", id.0.to_string())
        .add_attribute("creator", info.sender)
        .add_attribute("legs", id.1.to_string()))
}

/// `RegisterBundles`: each bundle as `RegisterBundle`, all or none (an error reverts the lot).
pub fn register_bundles(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    bundles: Vec<Bundle>,
) -> Result<Response, ContractError> {
    if bundles.is_empty() || bundles.len() > MAX_BUNDLES_PER_REGISTRATION {
        return Err(ContractError::BadRegistrationCount { count: bundles.len(), max: MAX_BUNDLES_PER_REGISTRATION });
    }
    let cfg = state::config(deps.storage)?;
    let deposit = registration_deposit(&cfg, &info, bundles.len(), "register_bundles")?;
    let mut resp = Response::new().add_attribute("action", "register_bundles").add_attribute("creator", &info.sender);
    let mut ids = Vec::with_capacity(bundles.len());
    let mut r = Registrar { cfg: &cfg, log: state::log_cursor(deps.storage)?, chains: vec![] };
    for bundle in bundles {
        let (id, _) = r.register(deps.branch(), &env, &info.sender, bundle, deposit.clone())?;
        resp = resp.add_attribute("bundle_id", id.to_string());
        ids.push(id);
    }
    Ok(resp.set_data(to_json_binary(&RegisterBundlesResponse { bundle_ids: ids })?))
}

/// The deposit `count` registrations must carry, exactly, as one coin: `None` when the hub takes
/// none (then no funds at all).
fn registration_deposit(
    cfg: &Config,
    info: &MessageInfo,
    count: usize,
    action: &'static str,
) -> Result<Option<Coin>, ContractError> {
    match &cfg.registration_deposit {
        None => {
            nonpayable(info, action)?;
            Ok(None)
        }
        Some(each) => {
            let amount = each.amount.checked_mul(Uint256::from(count as u128)).map_err(|e| {
                ContractError::WrongDeposit { expected: format!("{count} × {each}"), got: e.to_string() }
            })?;
            let total = Coin { denom: each.denom.clone(), amount };
            if info.funds.len() != 1 || info.funds[0] != total {
                let got = info.funds.iter().map(Coin::to_string).collect::<Vec<_>>().join(",");
                return Err(ContractError::WrongDeposit { expected: total.to_string(), got });
            }
            Ok(Some(each.clone()))
        }
    }
}

/// What the registrations of one message share: the configuration, the log's end (found once)
/// and the chains read so far (each read once, not once per leg).
struct Registrar<'a> {
    cfg: &'a Config,
    log: state::LogCursor,
    chains: Vec<ChainInfo>,
}

impl Registrar<'_> {
    fn chain(&mut self, s: &dyn Storage, leg_index: usize, domain: u64) -> Result<ChainInfo, ContractError> {
        if let Some(c) = self.chains.iter().find(|c| c.domain == domain) {
            return Ok(c.clone());
        }
        let c = state::chain(s, domain)?.ok_or(ContractError::LegDomainUnknown { leg_index, domain })?;
        self.chains.push(c.clone());
        Ok(c)
    }

    /// Registers one bundle of `sender` holding `deposit` for it; returns its id and leg count.
    fn register(
        &mut self,
        deps: DepsMut,
        env: &Env,
        sender: &Addr,
        bundle: Bundle,
        deposit: Option<Coin>,
    ) -> Result<(Hash32, usize), ContractError> {
        let cfg = self.cfg;
        bundle.validate().map_err(ContractError::InvalidBundle)?;
        if bundle.creator != sender.as_str() {
            return Err(ContractError::CreatorMismatch { creator: bundle.creator, sender: sender.clone() });
        }
        let t = now(env);
        if bundle.lock_deadline <= t {
            return Err(ContractError::LockDeadlinePassed { lock_deadline: bundle.lock_deadline, now: t });
        }
        let minimum = bundle
            .lock_deadline
            .saturating_add(cfg.dispute_window)
            .saturating_add(cfg.delivery_margin)
            .saturating_add(1);
        if bundle.settle_deadline < minimum {
            return Err(ContractError::SettleDeadlineTooEarly { settle_deadline: bundle.settle_deadline, minimum });
        }
        let latest = t.saturating_add(cfg.max_horizon);
        if bundle.settle_deadline > latest {
            return Err(ContractError::SettleDeadlineTooFar { settle_deadline: bundle.settle_deadline, latest });
        }
        let mut vms = Vec::with_capacity(bundle.legs.len());
        for (leg_index, leg) in bundle.legs.iter().enumerate() {
            let chain = self.chain(deps.storage, leg_index, leg.domain)?;
            if chain.router != leg.router {
                return Err(ContractError::WrongRouter {
                    leg_index,
                    domain: leg.domain,
                    expected: chain.router,
                    got: leg.router,
                });
            }
            if !leg.kind.is_escrow() && !chain.vm.runs_lock_and_mint() {
                return Err(ContractError::KindNotSupported { leg_index, kind: kind_name(&leg.kind), vm: chain.vm });
            }
            let mut accounts =
                vec![("depositor", &leg.depositor), ("token", &leg.token), ("recipient", &leg.recipient)];
            if let Some(action) = &leg.action {
                if !chain.vm.runs_actions() {
                    return Err(ContractError::ActionNotSupported { leg_index, vm: chain.vm });
                }
                if let Some(reason) = chain.vm.action_data_error(&action.data.0) {
                    return Err(ContractError::ActionDataNotOfVm { leg_index, vm: chain.vm, reason });
                }
                accounts.extend([("action target", &action.target), ("action output token", &action.output_token)]);
            }
            for (field, account) in accounts {
                if !chain.vm.accepts_account(account) {
                    return Err(ContractError::LegAccountNotOfVm { leg_index, field, account: *account, vm: chain.vm });
                }
            }
            vms.push(chain.vm);
        }
        let id: Hash32 = bundle_id(&domain(cfg, env), &bundle).into();
        if let Some(existing) = state::bundle_by_nonce(deps.storage, sender, bundle.nonce)? {
            return Err(ContractError::NonceUsed { creator: sender.clone(), nonce: bundle.nonce, bundle_id: existing });
        }
        state::save_nonce(deps.storage, sender, bundle.nonce, &id)?;

        let record = BundleInfo {
            id,
            leg_hashes: bundle.legs.iter().map(|l| leg_hash(l).into()).collect(),
            bundle,
            registered_at: t,
            vms,
            deposit,
        };
        let mut head = BundleHead::default();
        let at = rules::next_check(&record, &head);
        state::reschedule(deps.storage, &id, &mut head, Some(at))?;
        state::save_new_bundle(deps.storage, &record, &head)?;
        self.log.append(
            deps.storage,
            env.block.height,
            t,
            LogEvent::BundleRegistered { bundle_id: id, creator: sender.clone(), nonce: record.bundle.nonce },
        )?;

        Ok((id, record.bundle.legs.len()))
    }
}

/// The JSON name of a leg kind, for errors.
fn kind_name(kind: &LegKind) -> &'static str {
    match kind {
        LegKind::Escrow => "escrow",
        LegKind::Lock => "lock",
        LegKind::Mint { .. } => "mint",
        LegKind::Burn { .. } => "burn",
        LegKind::Release => "release",
    }
}

/// Reads a value of the stake-escrow's storage directly (a store read, where a smart query
/// would instantiate the stake-escrow: issue 14). The keys are `mesh_hub_api::stake_escrow::raw`.
fn stake_raw<T: serde::de::DeserializeOwned>(
    querier: &QuerierWrapper,
    cfg: &Config,
    key: Vec<u8>,
) -> Result<Option<T>, ContractError> {
    let found = querier.query_wasm_raw(&cfg.stake_escrow, key)?;
    Ok(found.map(|v| cosmwasm_std::from_json(&v)).transpose()?)
}

/// The relayer's standing in the stake-escrow, `None` if it never bonded.
fn relayer_status(
    querier: &QuerierWrapper,
    cfg: &Config,
    relayer: &Addr,
) -> Result<Option<RelayerStatus>, ContractError> {
    stake_raw(querier, cfg, stake_raw::relayer_status_key(relayer))
}

fn require_active(querier: &QuerierWrapper, cfg: &Config, relayer: &Addr) -> Result<(), ContractError> {
    let (bonded, jailed) = match relayer_status(querier, cfg, relayer)? {
        Some(r) if r.active => return Ok(()),
        Some(r) => (r.bonded.to_string(), r.jailed),
        None => ("0".into(), false),
    };
    Err(ContractError::RelayerNotActive { relayer: relayer.clone(), bonded, jailed })
}

/// True when the relayer owning `signer` is jailed now: its signatures and objections no longer
/// count on the hub.
fn signer_jailed(querier: &QuerierWrapper, cfg: &Config, signer: &EvmAddress) -> Result<bool, ContractError> {
    let Some(owner) = stake_raw::<Addr>(querier, cfg, stake_raw::signer_owner_key(signer))? else { return Ok(false) };
    Ok(relayer_status(querier, cfg, &owner)?.is_some_and(|r| r.jailed))
}

/// A bundle as one message uses it: its registration part and head, each read once; the head
/// is written back by [`Loaded::save`] only when `dirty` (issue 14).
struct Loaded {
    info: BundleInfo,
    head: BundleHead,
    dirty: bool,
}

impl Loaded {
    fn load(s: &dyn Storage, id: &Hash32) -> Result<Self, ContractError> {
        let unknown = || ContractError::UnknownBundle { bundle_id: *id };
        let info = state::bundle_info(s, id)?.ok_or_else(unknown)?;
        let head = state::bundle_head(s, id)?.ok_or_else(unknown)?;
        Ok(Loaded { info, head, dirty: false })
    }

    /// Writes the head back if it changed, with the wake-up of a pending bundle moved to its
    /// next check.
    fn save(mut self, s: &mut dyn Storage) -> Result<(), ContractError> {
        if !self.dirty {
            return Ok(());
        }
        if self.head.verdict.is_none() {
            let at = rules::next_check(&self.info, &self.head);
            state::reschedule(s, &self.info.id, &mut self.head, Some(at))?;
        }
        state::save_head(s, &self.info.id, &self.head)?;
        Ok(())
    }
}

/// The bundles one message touches, each loaded once: a message often carries several legs of
/// one bundle. Small (at most `max_reports_per_msg`), so a list.
#[derive(Default)]
struct LoadedBundles(Vec<Loaded>);

impl LoadedBundles {
    fn get(&mut self, s: &dyn Storage, id: &Hash32) -> Result<&mut Loaded, ContractError> {
        let at = match self.0.iter().position(|b| b.info.id == *id) {
            Some(at) => at,
            None => {
                self.0.push(Loaded::load(s, id)?);
                self.0.len() - 1
            }
        };
        Ok(&mut self.0[at])
    }
    fn save(self, s: &mut dyn Storage) -> Result<(), ContractError> {
        self.0.into_iter().try_for_each(|b| b.save(s))
    }
}

/// Leg `leg_index` of `b`, a typed error when the bundle has no such leg (nothing is written).
fn leg_of(b: &BundleInfo, leg_index: u32) -> Result<LegKey, ContractError> {
    b.leg(leg_index).ok_or(ContractError::LegIndexOutOfRange { bundle_id: b.id, leg_index, legs: b.bundle.legs.len() })
}

/// Checks one report against the registered bundle; `Ok((leg, proven))` means it describes
/// `leg`, and `proven` that its lock was verified against a light client (final at once).
fn check_report(
    querier: &QuerierWrapper,
    cfg: &Config,
    b: &BundleInfo,
    r: &LockReport,
) -> Result<(LegKey, bool), ContractError> {
    let (bundle_id, leg_index) = (b.id, r.leg_index);
    let leg = leg_of(b, leg_index)?;
    let i = leg.position();
    if !b.bundle.legs[i].kind.needs_lock() {
        return Err(ContractError::LegLocksNothing { bundle_id, leg_index });
    }
    if b.leg_hashes[i] != r.leg_hash {
        return Err(ContractError::LegHashMismatch {
            bundle_id,
            leg_index,
            expected: b.leg_hashes[i],
            got: r.leg_hash,
        });
    }
    if b.bundle.settle_deadline != r.settle_deadline {
        return Err(ContractError::SettleDeadlineMismatch {
            bundle_id,
            leg_index,
            expected: b.bundle.settle_deadline,
            got: r.settle_deadline,
        });
    }
    // The VM (and chain) the leg's domain had when the bundle was registered: a report must be
    // a location on that chain, whatever the registry says since.
    let expected = &b.vms[i];
    let got = r.location.vm();
    if *expected != got {
        return Err(ContractError::LocationVmMismatch {
            bundle_id,
            leg_index,
            domain: b.bundle.legs[i].domain,
            expected: expected.clone(),
            got,
        });
    }
    if let Some(block_timestamp) = r.location.block_timestamp() {
        if block_timestamp > b.bundle.lock_deadline {
            return Err(ContractError::LockedAfterDeadline {
                bundle_id,
                leg_index,
                block_timestamp,
                lock_deadline: b.bundle.lock_deadline,
            });
        }
    }
    match (&r.location, &r.proof) {
        (LockLocation::Evm(evm), None) => {
            if evm.block_hash.is_zero() {
                return Err(ContractError::ZeroBlockHash { bundle_id, leg_index });
            }
            Ok((leg, false))
        }
        (LockLocation::Evm(_), Some(_)) => Err(ContractError::StateProofNotTaken { bundle_id, leg_index, vm: got }),
        (LockLocation::CosmWasm(_), None) => Err(ContractError::StateProofMissing { bundle_id, leg_index, vm: got }),
        (LockLocation::CosmWasm(loc), Some(proof)) => {
            verify_escrow_record(querier, cfg, b, i, loc, proof)?;
            Ok((leg, true))
        }
    }
}

/// A CosmWasm lock: the light client verifies that the leg's Router holds `proof.record` under
/// the leg's escrow key at `loc.height`, and the record must be this leg, locked.
fn verify_escrow_record(
    querier: &QuerierWrapper,
    cfg: &Config,
    b: &BundleInfo,
    i: usize,
    loc: &CosmWasmLocation,
    proof: &StateProof,
) -> Result<(), ContractError> {
    let (bundle_id, leg_index) = (b.id, i as u32);
    let light_client = cfg.light_client.as_ref().ok_or_else(|| ContractError::LightClientNotSet {
        bundle_id,
        leg_index,
        vm: b.vms[i].clone(),
    })?;
    let router = b.bundle.legs[i].router.to_cosmos_bytes();
    let key = router_cw::escrow_abci_key(&router, &bundle_id, leg_index);
    let verify = LightClientQuery::VerifyMembership {
        chain_id: loc.chain_id.clone(),
        height: loc.height,
        store: "wasm".into(),
        key: key.into(),
        value: proof.record.clone(),
        proof: proof.proof.clone(),
    };
    querier.query_wasm_smart::<MembershipResponse>(light_client, &verify).map_err(|e| {
        ContractError::StateProofRefused { bundle_id, leg_index, height: loc.height, reason: e.to_string() }
    })?;
    let record: router_cw::Escrow = cosmwasm_std::from_json(&proof.record)
        .map_err(|e| ContractError::EscrowRecordMalformed { bundle_id, leg_index, reason: e.to_string() })?;
    let mismatch = |field, expected: String, got: String| {
        Err(ContractError::EscrowRecordMismatch { bundle_id, leg_index, field, expected, got })
    };
    if record.status != router_cw::LegStatus::Locked {
        return mismatch("status", "locked".into(), format!("{:?}", record.status).to_lowercase());
    }
    if record.leg_hash != b.leg_hashes[i] {
        return mismatch("leg hash", b.leg_hashes[i].to_string(), record.leg_hash.to_string());
    }
    let amount = U256::from_be_bytes(record.amount.to_be_bytes());
    if amount < b.bundle.legs[i].amount.0 {
        return mismatch("amount", format!("at least {}", b.bundle.legs[i].amount.0), amount.to_string());
    }
    if record.lock_deadline != b.bundle.lock_deadline {
        return mismatch("lock deadline", b.bundle.lock_deadline.to_string(), record.lock_deadline.to_string());
    }
    if record.settle_deadline != b.bundle.settle_deadline {
        return mismatch("settle deadline", b.bundle.settle_deadline.to_string(), record.settle_deadline.to_string());
    }
    Ok(())
}

pub fn report_locks(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    reports: Vec<LockReport>,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    if cfg.dispute.is_none() {
        return Err(ContractError::DisputeNotSet);
    }
    if reports.is_empty() {
        return Err(ContractError::NoReports);
    }
    if reports.len() > cfg.max_reports_per_msg as usize {
        return Err(ContractError::TooManyReports { count: reports.len(), max: cfg.max_reports_per_msg });
    }
    require_active(&deps.querier, &cfg, &info.sender)?;
    let t = now(&env);
    let mut out = ReportLocksResponse { new: vec![], duplicate: vec![], decided: vec![] };
    let mut bundles = LoadedBundles::default();
    let mut log = state::log_cursor(deps.storage)?;
    for r in reports {
        let leg_ref = LegRef { bundle_id: r.bundle_id, leg_index: r.leg_index };
        let b = bundles.get(deps.storage, &r.bundle_id)?;
        if b.head.verdict.is_some() {
            out.decided.push(leg_ref);
            continue;
        }
        let (leg, proven) = check_report(&deps.querier, &cfg, &b.info, &r)?;
        if b.head.is_reported(leg) {
            out.duplicate.push(leg_ref);
            continue;
        }
        // The report's id is the sequence number of its log entry.
        let report_id = log.next_seq();
        log.append(
            deps.storage,
            env.block.height,
            t,
            LogEvent::LegReported {
                bundle_id: b.info.id,
                leg_index: r.leg_index,
                report_id,
                reporter: info.sender.clone(),
            },
        )?;
        let report = LegReport {
            report_id,
            reporter: info.sender.clone(),
            reported_at: t,
            // a proven lock is final at once: no window, nothing for signers to check
            window_ends_at: if proven { t } else { t.saturating_add(cfg.dispute_window) },
            location: r.location,
            objectors: vec![],
            objected_weight: Amount::default(),
        };
        state::save_new_report(deps.storage, &mut b.head, leg, &report)?;
        b.head.windows_end = b.head.windows_end.max(report.window_ends_at);
        b.dirty = true;
        out.new.push(leg_ref);
    }
    bundles.save(deps.storage)?;
    let list =
        |v: &[LegRef]| v.iter().map(|l| format!("{}:{}", l.bundle_id, l.leg_index)).collect::<Vec<_>>().join(",");
    Ok(Response::new()
        .add_attribute("action", "report_locks")
        .add_attribute("reporter", info.sender)
        .add_attribute("new", list(&out.new))
        .add_attribute("duplicate", list(&out.duplicate))
        .add_attribute("decided", list(&out.decided))
        .set_data(to_json_binary(&out)?))
}

/// After a report left a pending bundle (rejected or disproven): the bundle is not decided
/// before the re-report grace ends. `windows_end` stays: it may now be later than every current
/// report's window, which only keeps the verdict for the grace that already holds it back (a
/// re-report's window ends later still), and saves reading every other leg's report.
fn hold_for_rereport(cfg: &Config, b: &mut Loaded, t: u64) {
    let until = t.saturating_add(cfg.rereport_grace);
    b.head.rereport_until = Some(b.head.rereport_until.map_or(until, |u| u.max(until)));
    b.dirty = true;
}

/// Weight of `objectors` in `set`; members that left the set count nothing.
fn objection_weight(set: &StoredSignerSet, objectors: &[EvmAddress]) -> Result<Amount, ContractError> {
    objectors.iter().filter_map(|o| set.set.weight_of(o)).try_fold(Amount::default(), add_weight)
}

/// True when `weight` is at least a third of `total` (`3·weight ≥ total`, without rounding).
fn reaches_a_third(weight: Amount, total: U256) -> bool {
    weight.0.checked_mul(U256::from(3u8)).is_none_or(|w3| w3 >= total)
}

pub fn object_reports(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    objections: Vec<Objection>,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    if objections.is_empty() {
        return Err(ContractError::NoObjections);
    }
    if objections.len() > cfg.max_reports_per_msg as usize {
        return Err(ContractError::TooManyObjections { count: objections.len(), max: cfg.max_reports_per_msg });
    }
    // The objector: a bonded relayer whose EVM signer is a member of the current set, not jailed.
    let relayer = relayer_status(&deps.querier, &cfg, &info.sender)?;
    let set = current_signer_set(deps.as_ref(), &cfg)?.ok_or(ContractError::NoSignerSet)?;
    let Some(relayer) = relayer else {
        return Err(ContractError::RelayerNotActive { relayer: info.sender, bonded: "0".into(), jailed: false });
    };
    let signer = relayer.evm_signer;
    let Some(signer_weight) = set.set.weight_of(&signer) else {
        return Err(ContractError::NotInSignerSet { relayer: info.sender, signer, epoch: set.set.epoch });
    };
    if relayer.jailed || signer_jailed(&deps.querier, &cfg, &signer)? {
        return Err(ContractError::ObjectorJailed { relayer: info.sender, signer });
    }
    let total = set.set.total_weight().map_err(|_| ContractError::WeightOverflow { weight: Amount::default() })?;
    let t = now(&env);
    let mut out = ObjectReportsResponse { counted: vec![], rejected: vec![], ignored: vec![] };
    // Heads only: a counted objection needs neither the bundle's legs nor a new wake-up.
    let mut heads = ObjectedHeads::default();
    let mut log = state::log_cursor(deps.storage)?;
    for o in objections {
        let leg_ref = LegRef { bundle_id: o.bundle_id, leg_index: o.leg_index };
        let b = heads.get(deps.storage, &o.bundle_id)?;
        let leg = match b.head.reported_leg(o.bundle_id, o.leg_index) {
            Some(leg) if b.head.verdict.is_none() => leg,
            // no current report (or decided): an index the bundle does not have is an error
            _ => {
                let info = b.info(deps.storage)?;
                leg_of(info, o.leg_index)?;
                out.ignored.push(leg_ref);
                continue;
            }
        };
        let current = state::leg_report(deps.storage, &b.head, leg)?
            .ok_or_else(|| cosmwasm_std::StdError::msg("corrupt state: a reported leg without its report"))?;
        if current.report_id != o.report_id || t >= current.window_ends_at || current.objectors.contains(&signer) {
            out.ignored.push(leg_ref);
            continue;
        }
        // Weighed against the current set: objectors that left it no longer count.
        let objectors: Vec<_> = current.objectors.iter().chain([&signer]).cloned().collect();
        let objected_weight = objection_weight(&set, &objectors)?;
        if reaches_a_third(objected_weight, total) {
            // Kept where it is while it can still be disputed: rejecting a false report must not
            // spare its relayer the slash a fraud proof brings.
            state::reject_in_place(&mut b.head, leg);
            b.dirty = true;
            log.append(
                deps.storage,
                env.block.height,
                t,
                LogEvent::ReportRejected {
                    bundle_id: o.bundle_id,
                    leg_index: o.leg_index,
                    report_id: current.report_id,
                    epoch: set.set.epoch,
                    objected_weight,
                },
            )?;
            out.rejected.push(leg_ref);
        } else {
            state::add_objector(deps.storage, leg, &signer, &Amount(signer_weight));
            out.counted.push(leg_ref);
        }
    }
    heads.save(deps.storage, &cfg, t)?;
    Ok(Response::new()
        .add_attribute("action", "object_reports")
        .add_attribute("objector", info.sender)
        .add_attribute("signer", signer.to_string())
        .add_attribute("counted", out.counted.len().to_string())
        .add_attribute("rejected", out.rejected.len().to_string())
        .add_attribute("ignored", out.ignored.len().to_string())
        .set_data(to_json_binary(&out)?))
}

/// The bundles an `ObjectReports` message touches: each head read once, the registration part
/// only when needed (an objection to a leg without a current report, or a rejection's new
/// wake-up); a rejection writes its head back with the re-report grace.
#[derive(Default)]
struct ObjectedHeads(Vec<ObjectedHead>);

struct ObjectedHead {
    id: Hash32,
    head: state::BundleHead,
    info: Option<BundleInfo>,
    dirty: bool,
}

impl ObjectedHead {
    fn info(&mut self, s: &dyn Storage) -> Result<&BundleInfo, ContractError> {
        if self.info.is_none() {
            let id = self.id;
            self.info = Some(state::bundle_info(s, &id)?.ok_or(ContractError::UnknownBundle { bundle_id: id })?);
        }
        Ok(self.info.as_ref().expect("loaded above"))
    }
}

impl ObjectedHeads {
    fn get(&mut self, s: &dyn Storage, id: &Hash32) -> Result<&mut ObjectedHead, ContractError> {
        let at = match self.0.iter().position(|b| b.id == *id) {
            Some(at) => at,
            None => {
                let head = state::bundle_head(s, id)?.ok_or(ContractError::UnknownBundle { bundle_id: *id })?;
                self.0.push(ObjectedHead { id: *id, head, info: None, dirty: false });
                self.0.len() - 1
            }
        };
        Ok(&mut self.0[at])
    }
    fn save(self, s: &mut dyn Storage, cfg: &Config, t: u64) -> Result<(), ContractError> {
        for mut b in self.0.into_iter().filter(|b| b.dirty) {
            b.info(s)?;
            let mut loaded = Loaded { info: b.info.expect("loaded above"), head: b.head, dirty: false };
            hold_for_rereport(cfg, &mut loaded, t);
            loaded.save(s)?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ verdicts and batches

fn current_signer_set(deps: Deps, cfg: &Config) -> Result<Option<StoredSignerSet>, ContractError> {
    let Some(epoch) = stake_raw::<u64>(&deps.querier, cfg, stake_raw::current_epoch_key())? else { return Ok(None) };
    stake_raw(&deps.querier, cfg, stake_raw::signer_set_key(epoch))
}

/// Closes `batch`, the open batch (read by the caller); the next one opens empty with nothing
/// written for it. Returns the closed batch's index.
fn close_open_batch(
    deps: DepsMut,
    env: &Env,
    cfg: &Config,
    log: &mut state::LogCursor,
    mut batch: BatchRecord,
) -> Result<u64, ContractError> {
    let index = batch.index;
    if batch.size == 0 {
        return Err(ContractError::EmptyBatch { index });
    }
    let set = current_signer_set(deps.as_ref(), cfg)?.ok_or(ContractError::NoSignerSet)?;
    // from the frontier kept while it filled: the leaves are not read back
    let root = batch.frontier_root()?.ok_or(ContractError::EmptyBatch { index })?;
    batch.frontier.clear();
    let t = now(env);
    batch.status = BatchStatus::Closed;
    batch.epoch = Some(set.set.epoch);
    batch.root = Some(root);
    batch.closed_at = Some(t);
    batch.threshold = Some(set.set.threshold);
    state::save_batch(deps.storage, &batch)?;
    log.append(
        deps.storage,
        env.block.height,
        t,
        LogEvent::BatchClosed { batch_index: index, epoch: set.set.epoch, root, size: batch.size },
    )?;
    Ok(index)
}

pub fn advance(mut deps: DepsMut, env: Env, limit: Option<u32>) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    // Deposits paid back, one transfer per creator and denom (a bank send costs more than the
    // rest of a verdict).
    let mut refunds: Vec<(String, Coin)> = vec![];
    let limit = limit.unwrap_or(DEFAULT_ADVANCE_LIMIT).min(MAX_ADVANCE_LIMIT);
    if limit == 0 {
        return Err(ContractError::ZeroLimit);
    }
    let t = now(&env);
    let mut out = AdvanceResponse { decided: vec![], closed_batches: vec![] };
    let mut blocked = false;
    // The open batch's head, read once and written once after the loop (or before closing it).
    let mut batch = state::open_batch(deps.storage)?;
    let mut index = batch.index;
    let mut batch_changed = false;
    let mut log = state::log_cursor(deps.storage)?;
    for (_, id) in state::due(deps.storage, t, limit as usize)? {
        let mut b = Loaded::load(deps.storage, &id)?;
        let Some((verdict, reason)) = rules::decide(&b.info, &b.head, t, cfg.delivery_margin) else {
            b.dirty = true;
            b.save(deps.storage)?;
            continue;
        };
        // Room in the open batch: close it when full (needs a signer set; otherwise wait).
        if batch.size >= cfg.max_batch_size {
            if batch_changed {
                state::save_batch(deps.storage, &batch)?;
                batch_changed = false;
            }
            match close_open_batch(deps.branch(), &env, &cfg, &mut log, batch.clone()) {
                Ok(closed) => out.closed_batches.push(closed),
                Err(ContractError::NoSignerSet) => {
                    blocked = true;
                    break;
                }
                Err(e) => return Err(e),
            }
            index += 1;
            batch = BatchRecord::open(index, t);
        }
        let deadline = b.info.bundle.settle_deadline;
        b.head.position = Some(state::push_batch_entry(deps.storage, &mut batch, id, verdict, deadline)?);
        batch.first_entry_at.get_or_insert(t);
        batch_changed = true;

        b.head.verdict = Some(verdict);
        b.head.reason = Some(reason);
        b.head.decided_at = Some(t);
        b.head.batch_index = Some(index);
        if let Some(deposit) = b.info.deposit.clone() {
            let creator = &b.info.bundle.creator;
            match refunds.iter_mut().find(|(to, c)| to == creator && c.denom == deposit.denom) {
                Some((_, c)) => {
                    c.amount = c.amount.checked_add(deposit.amount).map_err(cosmwasm_std::StdError::from)?
                }
                None => refunds.push((creator.clone(), deposit)),
            }
        }
        state::mark_decided(deps.storage, &b.info)?;
        state::reschedule(deps.storage, &id, &mut b.head, None)?;
        b.dirty = true;
        b.save(deps.storage)?;
        log.append(
            deps.storage,
            env.block.height,
            t,
            LogEvent::VerdictFinal { bundle_id: id, verdict, reason, batch_index: index },
        )?;
        out.decided.push(DecidedBundle { bundle_id: id, verdict, reason, batch_index: index });
    }
    if batch_changed {
        state::save_batch(deps.storage, &batch)?;
    }

    // Close the open batch when it is full or its oldest verdict waited long enough.
    let due = batch.size >= cfg.max_batch_size
        || batch.first_entry_at.is_some_and(|f| t >= f.saturating_add(cfg.batch_max_age));
    if batch.size > 0 && due {
        match close_open_batch(deps.branch(), &env, &cfg, &mut log, batch) {
            Ok(closed) => out.closed_batches.push(closed),
            Err(ContractError::NoSignerSet) => blocked = true,
            Err(e) => return Err(e),
        }
    }
    Ok(Response::new()
        .add_messages(refunds.into_iter().map(|(to_address, c)| BankMsg::Send { to_address, amount: vec![c] }))
        .add_attribute("action", "advance")
        .add_attribute("decided", out.decided.len().to_string())
        .add_attribute("closed_batches", out.closed_batches.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
        .add_attribute("waiting_for_signer_set", blocked.to_string())
        .set_data(to_json_binary(&out)?))
}

pub fn close_batch(mut deps: DepsMut, env: Env) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    // Only a due batch: anyone closing 1-leaf batches at will would multiply signing and
    // delivery work (audit finding 7).
    let open = state::open_batch(deps.storage)?;
    let index = open.index;
    let t = now(&env);
    let full = open.size >= cfg.max_batch_size;
    let due_at = open.first_entry_at.map_or(u64::MAX, |f| f.saturating_add(cfg.batch_max_age));
    if open.size > 0 && !full && t < due_at {
        return Err(ContractError::BatchNotDue {
            index,
            entries: open.size as usize,
            max: cfg.max_batch_size,
            due_at,
            now: t,
        });
    }
    let mut log = state::log_cursor(deps.storage)?;
    let index = close_open_batch(deps.branch(), &env, &cfg, &mut log, open)?;
    Ok(Response::new().add_attribute("action", "close_batch").add_attribute("batch_index", index.to_string()))
}

// ------------------------------------------------------------------ signatures

fn signer_set(deps: Deps, cfg: &Config, epoch: u64) -> Result<StoredSignerSet, ContractError> {
    let found: Option<StoredSignerSet> = stake_raw(&deps.querier, cfg, stake_raw::signer_set_key(epoch))?;
    found.ok_or(ContractError::UnknownEpoch { epoch })
}

/// A signature not seen before: (signer, signature, signer's weight).
type FreshSignature = (EvmAddress, Signature65, U256);

/// Recovers and checks each signature against `set`; returns the new (signer, signature, weight)
/// triples, skipping signers for which `already` is true and duplicates within the message.
fn collect_signatures(
    deps: Deps,
    cfg: &Config,
    digest: &[u8; 32],
    set: &StoredSignerSet,
    signatures: &[Signature65],
    already: impl Fn(&EvmAddress) -> bool,
) -> Result<(Vec<FreshSignature>, usize), ContractError> {
    if signatures.is_empty() {
        return Err(ContractError::NoSignatures);
    }
    if signatures.len() > mesh_protocol::MAX_SIGNERS {
        return Err(ContractError::TooManySignatures { count: signatures.len(), max: mesh_protocol::MAX_SIGNERS });
    }
    let api = deps.api;
    let mut fresh: Vec<FreshSignature> = vec![];
    let mut duplicates = 0;
    for (position, sig) in signatures.iter().enumerate() {
        let signer: EvmAddress = recover_signer_with(digest, sig, |d, rs, v| api.secp256k1_recover_pubkey(d, rs, v))
            .map_err(|reason| ContractError::InvalidSignature { position, reason })?
            .into();
        let weight =
            set.set.weight_of(&signer).ok_or(ContractError::NotASigner { position, signer, epoch: set.set.epoch })?;
        if signer_jailed(&deps.querier, cfg, &signer)? {
            return Err(ContractError::SignerJailed { position, signer });
        }
        if already(&signer) || fresh.iter().any(|(s, _, _)| *s == signer) {
            duplicates += 1;
            continue;
        }
        fresh.push((signer, *sig, weight));
    }
    Ok((fresh, duplicates))
}

fn add_weight(total: Amount, w: U256) -> Result<Amount, ContractError> {
    total.0.checked_add(w).map(Amount).ok_or(ContractError::WeightOverflow { weight: Amount(w) })
}

pub fn submit_signatures(
    deps: DepsMut,
    env: Env,
    batch_index: u64,
    signatures: Vec<Signature65>,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    let mut batch =
        state::batch_head(deps.storage, batch_index)?.ok_or(ContractError::UnknownBatch { index: batch_index })?;
    let (Some(epoch), Some(root), Some(threshold)) = (batch.epoch, batch.root, batch.threshold) else {
        return Err(ContractError::BatchNotClosed { index: batch_index });
    };
    let set = signer_set(deps.as_ref(), &cfg, epoch)?;
    let digest = settlement_batch_digest(&domain(&cfg, &env), &SettlementBatch { epoch, batch_index, root });
    let (fresh, duplicates) = collect_signatures(deps.as_ref(), &cfg, &digest.0, &set, &signatures, |s| {
        state::has_batch_signature(deps.storage, batch_index, s)
    })?;
    for (signer, sig, weight) in &fresh {
        state::save_batch_signature(deps.storage, batch_index, signer, sig)?;
        batch.signed_weight = add_weight(batch.signed_weight, *weight)?;
    }
    let newly_attested = batch.status == BatchStatus::Closed && batch.signed_weight.0 >= threshold.0;
    if newly_attested {
        batch.status = BatchStatus::Attested;
        batch.attested_at = Some(now(&env));
        log(deps.storage, &env, LogEvent::BatchAttested { batch_index, epoch })?;
    }
    state::save_batch(deps.storage, &batch)?;
    Ok(Response::new()
        .add_attribute("action", "submit_signatures")
        .add_attribute("batch_index", batch_index.to_string())
        .add_attribute("accepted", fresh.len().to_string())
        .add_attribute("duplicates", duplicates.to_string())
        .add_attribute("signed_weight", batch.signed_weight.to_string())
        .add_attribute("attested", (batch.status == BatchStatus::Attested).to_string()))
}

pub fn submit_signer_set_signatures(
    deps: DepsMut,
    env: Env,
    new_epoch: u64,
    signatures: Vec<Signature65>,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    if new_epoch < 2 {
        return Err(ContractError::NoUpdateForEpoch { new_epoch });
    }
    let new_set = signer_set(deps.as_ref(), &cfg, new_epoch)?;
    let old_set = signer_set(deps.as_ref(), &cfg, new_epoch - 1)?;
    let update = SignerSetUpdate { new_epoch, signers_hash: new_set.signers_hash };
    let digest = signer_set_update_digest(&domain(&cfg, &env), &update);
    let (fresh, duplicates) = collect_signatures(deps.as_ref(), &cfg, &digest.0, &old_set, &signatures, |s| {
        state::has_update_signature(deps.storage, new_epoch, s)
    })?;
    let mut record = state::update(deps.storage, new_epoch)?;
    for (signer, sig, weight) in &fresh {
        state::save_update_signature(deps.storage, new_epoch, signer, sig)?;
        record.signed_weight = add_weight(record.signed_weight, *weight)?;
    }
    if record.attested_at.is_none() && record.signed_weight.0 >= old_set.set.threshold.0 {
        record.attested_at = Some(now(&env));
        log(deps.storage, &env, LogEvent::SignerSetUpdateAttested { new_epoch, signers_hash: new_set.signers_hash })?;
    }
    state::save_update(deps.storage, new_epoch, &record)?;
    Ok(Response::new()
        .add_attribute("action", "submit_signer_set_signatures")
        .add_attribute("new_epoch", new_epoch.to_string())
        .add_attribute("accepted", fresh.len().to_string())
        .add_attribute("duplicates", duplicates.to_string())
        .add_attribute("signed_weight", record.signed_weight.to_string())
        .add_attribute("attested", record.attested_at.is_some().to_string()))
}

// ------------------------------------------------------------------ disputes

pub fn revert_report(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    bundle_id: Hash32,
    leg_index: u32,
    report_id: u64,
    fraud_id: u64,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    only_dispute(cfg.dispute.as_ref(), &info.sender, "revert_report")?;
    let mut b = Loaded::load(deps.storage, &bundle_id)?;
    let leg = leg_of(&b.info, leg_index)?;
    match state::leg_report(deps.storage, &b.head, leg)? {
        Some(r) if r.report_id == report_id => {
            if b.head.verdict.is_some() {
                return Err(ContractError::BundleAlreadyDecided { bundle_id });
            }
            state::remove_leg_report(deps.storage, &mut b.head, leg)?;
            hold_for_rereport(&cfg, &mut b, now(&env));
        }
        _ => {
            // A report objections rejected already: proven now, so it leaves the provable list.
            let kept = state::rejected_reports(deps.storage, &bundle_id, &b.head)?;
            let (at, _, _) = kept
                .iter()
                .find(|(_, leg, r)| *leg == leg_index && r.report_id == report_id)
                .ok_or(ContractError::ReportNotFound { bundle_id, leg_index, report_id })?;
            state::remove_rejected(deps.storage, &mut b.head, &bundle_id, *at, leg_index, report_id)?;
            b.dirty = true;
        }
    }
    b.save(deps.storage)?;
    log(deps.storage, &env, LogEvent::ReportReverted { bundle_id, leg_index, report_id, fraud_id })?;
    Ok(Response::new()
        .add_attribute("action", "revert_report")
        .add_attribute("bundle_id", bundle_id.to_string())
        .add_attribute("leg_index", leg_index.to_string())
        .add_attribute("report_id", report_id.to_string())
        .add_attribute("fraud_id", fraud_id.to_string()))
}

// ------------------------------------------------------------------ state bound

/// Log entries a bundle usually writes (registration, two reports, verdict, pruning): `Prune`
/// removes that many old entries per bundle it may remove, so the log keeps pace.
const LOG_ENTRIES_PER_BUNDLE: usize = 5;
/// Batches one `Prune` removes at most (each up to `max_batch_size` leaves): two per call keep
/// pace with 64 bundles per call and keep the call's gas near 1M.
const MAX_BATCHES_PER_PRUNE: usize = 2;

pub fn prune(deps: DepsMut, env: Env, limit: Option<u32>) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    let limit = limit.unwrap_or(MAX_PRUNE_LIMIT).min(MAX_PRUNE_LIMIT);
    if limit == 0 {
        return Err(ContractError::ZeroLimit);
    }
    let before = now(&env).saturating_sub(cfg.retention);
    let gone = state::prunable(deps.storage, before, limit as usize)?;
    let mut log = state::log_cursor(deps.storage)?;
    for (settle_deadline, id) in &gone {
        state::remove_bundle(deps.storage, *settle_deadline, id)?;
        log.append(deps.storage, env.block.height, now(&env), LogEvent::BundlePruned { bundle_id: *id })?;
    }
    // What only pruned bundles still need: batches (leaves, signatures) once every bundle in
    // them is past retention, and log entries older than retention + max_horizon (an entry of a
    // bundle not yet prunable is younger: registration is at most max_horizon before the settle
    // deadline). State stays bounded by what `retention` keeps; a pruned bundle leaves its nonce.
    let batches = state::prune_batches(deps.storage, before, MAX_BATCHES_PER_PRUNE)?;
    let old = before.saturating_sub(cfg.max_horizon);
    let entries = state::prune_log(deps.storage, old, limit as usize * LOG_ENTRIES_PER_BUNDLE)?;
    Ok(Response::new()
        .add_attribute("action", "prune")
        .add_attribute("pruned", gone.len().to_string())
        .add_attribute("pruned_batches", batches.len().to_string())
        .add_attribute("pruned_log_entries", entries.to_string()))
}

// ------------------------------------------------------------------ administration

pub fn set_light_client(deps: DepsMut, info: MessageInfo, light_client: String) -> Result<Response, ContractError> {
    let mut cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "set_light_client")?;
    if let Some(current) = cfg.light_client {
        return Err(ContractError::LightClientAlreadySet { current });
    }
    let light_client = deps.api.addr_validate(&light_client)?;
    cfg.light_client = Some(light_client.clone());
    state::save_config(deps.storage, &cfg)?;
    Ok(Response::new().add_attribute("action", "set_light_client").add_attribute("light_client", light_client))
}

pub fn set_dispute(deps: DepsMut, info: MessageInfo, dispute: String) -> Result<Response, ContractError> {
    let mut cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "set_dispute")?;
    if let Some(current) = cfg.dispute {
        return Err(ContractError::DisputeAlreadySet { current });
    }
    let dispute = deps.api.addr_validate(&dispute)?;
    cfg.dispute = Some(dispute.clone());
    state::save_config(deps.storage, &cfg)?;
    Ok(Response::new().add_attribute("action", "set_dispute").add_attribute("dispute", dispute))
}

pub fn add_chain(deps: DepsMut, info: MessageInfo, chain: ChainInfo) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "add_chain")?;
    insert_chain(deps.storage, &chain)?;
    Ok(Response::new()
        .add_attribute("action", "add_chain")
        .add_attribute("domain", chain.domain.to_string())
        .add_attribute("vm", chain.vm.to_string())
        .add_attribute("router", chain.router.to_string()))
}

pub fn update_chain(deps: DepsMut, info: MessageInfo, chain: ChainInfo) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "update_chain")?;
    validate_chain(&chain)?;
    let current =
        state::chain(deps.storage, chain.domain)?.ok_or(ContractError::UnknownChain { domain: chain.domain })?;
    if current.vm != chain.vm {
        return Err(ContractError::ChainVmChanged { domain: chain.domain, current: current.vm, requested: chain.vm });
    }
    state::save_chain(deps.storage, &chain)?;
    Ok(Response::new()
        .add_attribute("action", "update_chain")
        .add_attribute("domain", chain.domain.to_string())
        .add_attribute("vm", chain.vm.to_string())
        .add_attribute("router", chain.router.to_string()))
}

pub fn remove_chain(deps: DepsMut, info: MessageInfo, domain: u64) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "remove_chain")?;
    let chain = state::chain(deps.storage, domain)?.ok_or(ContractError::UnknownChain { domain })?;
    state::remove_chain(deps.storage, &chain);
    Ok(Response::new().add_attribute("action", "remove_chain").add_attribute("domain", domain.to_string()))
}

pub fn update_admin(deps: DepsMut, info: MessageInfo, admin: String) -> Result<Response, ContractError> {
    let mut cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "update_admin")?;
    cfg.admin = deps.api.addr_validate(&admin)?;
    state::save_config(deps.storage, &cfg)?;
    Ok(Response::new().add_attribute("action", "update_admin").add_attribute("admin", cfg.admin))
}
