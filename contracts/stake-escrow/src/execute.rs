//! State changes.

use cosmwasm_std::{
    to_json_binary, Addr, AnyMsg, BankMsg, Coin, CosmosMsg, DepsMut, Env, MessageInfo, Response, StdResult, Storage,
    Uint128,
};
use mesh_hub_api::common::{only_admin, only_dispute, FraudKind};
use mesh_protocol::eip712::{relayer_key_digest, signer_set_hash, HubDomain};
use mesh_protocol::sig::recover_signer_with;
use mesh_protocol::{Amount, EvmAddress, Signature65, SignerSet, WeightedSigner};

use crate::error::ContractError;
use crate::msg::{
    InstantiateMsg, RetainedDestination, SlashResponse, UnbondingEntry, BPS, DEFAULT_MAX_SIGNER_WEIGHT_BPS,
    DEFAULT_SIGNER_SET_LIFETIME, MAX_UNBONDING_ENTRIES, MIN_MAX_SIGNER_WEIGHT_BPS,
};
use crate::state::{self, Config, Relayer, StoredSet};
use crate::weights::{capped_weights, threshold};

pub fn instantiate(deps: DepsMut, env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    let hub_chain_id = match msg.hub_chain_id {
        Some(given) if given != env.block.chain_id => {
            return Err(ContractError::HubChainIdMismatch { given, actual: env.block.chain_id })
        }
        Some(given) => given,
        None => env.block.chain_id.clone(),
    };
    let invalid = |field, reason: &str| ContractError::InvalidConfig { field, reason: reason.to_owned() };
    if msg.bond_denom.is_empty() {
        return Err(invalid("bond_denom", "must not be empty"));
    }
    if msg.min_bond.is_zero() {
        return Err(invalid("min_bond", "must be positive"));
    }
    if msg.slash_bps == 0 || msg.slash_bps > BPS {
        return Err(invalid("slash_bps", "must be 1 to 10000"));
    }
    if msg.bounty_bps > BPS {
        return Err(invalid("bounty_bps", "must be at most 10000"));
    }
    let minimum = msg.dispute_window.saturating_add(msg.delivery_margin);
    if msg.unbonding_period <= minimum {
        return Err(ContractError::UnbondingTooShort { unbonding_period: msg.unbonding_period, minimum });
    }
    let lifetime = msg.signer_set_lifetime.unwrap_or(DEFAULT_SIGNER_SET_LIFETIME);
    if lifetime == 0 {
        return Err(invalid("signer_set_lifetime", "must be positive"));
    }
    let renewal_window = msg.renewal_window.unwrap_or(lifetime / 4);
    if renewal_window == 0 || renewal_window >= lifetime {
        return Err(ContractError::InvalidConfig {
            field: "renewal_window",
            reason: format!("{renewal_window}s must be positive and below the signer-set lifetime {lifetime}s"),
        });
    }
    if msg.rotation_delay >= lifetime - renewal_window {
        return Err(ContractError::InvalidConfig {
            field: "rotation_delay",
            reason: format!(
                "{}s must be below signer-set lifetime - renewal window = {}s",
                msg.rotation_delay,
                lifetime - renewal_window
            ),
        });
    }
    let max_signer_weight_bps = msg.max_signer_weight_bps.unwrap_or(DEFAULT_MAX_SIGNER_WEIGHT_BPS);
    if !(MIN_MAX_SIGNER_WEIGHT_BPS..=BPS).contains(&max_signer_weight_bps) {
        return Err(ContractError::InvalidConfig {
            field: "max_signer_weight_bps",
            reason: format!("must be {MIN_MAX_SIGNER_WEIGHT_BPS} to 10000"),
        });
    }
    let api = deps.api;
    let cfg = Config {
        admin: match msg.admin {
            Some(a) => api.addr_validate(&a)?,
            None => info.sender.clone(),
        },
        hub_chain_id,
        bond_denom: msg.bond_denom,
        min_bond: msg.min_bond,
        unbonding_period: msg.unbonding_period,
        dispute_window: msg.dispute_window,
        delivery_margin: msg.delivery_margin,
        slash_bps: msg.slash_bps,
        bounty_bps: msg.bounty_bps,
        community_pool: msg.community_pool.map(|a| api.addr_validate(&a)).transpose()?,
        rotation_delay: msg.rotation_delay,
        signer_set_lifetime: lifetime,
        renewal_window,
        max_signer_weight_bps,
        dispute: msg.dispute.map(|a| api.addr_validate(&a)).transpose()?,
    };
    state::save_config(deps.storage, &cfg)?;
    state::save_totals(deps.storage, &state::Totals::default())?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("hub_chain_id", cfg.hub_chain_id)
        .add_attribute("admin", cfg.admin))
}

fn bonded_amount(cfg: &Config, funds: &[Coin]) -> Result<Uint128, ContractError> {
    match funds {
        [] => Err(ContractError::NoFunds { denom: cfg.bond_denom.clone() }),
        [coin] if coin.denom != cfg.bond_denom => {
            Err(ContractError::WrongDenom { expected: cfg.bond_denom.clone(), got: coin.denom.clone() })
        }
        [coin] if coin.amount.is_zero() => Err(ContractError::NoFunds { denom: cfg.bond_denom.clone() }),
        [coin] => Uint128::try_from(coin.amount).map_err(|_| ContractError::AmountTooLarge { amount: coin.amount }),
        many => Err(ContractError::MultipleDenoms { count: many.len() }),
    }
}

pub fn bond(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    evm_signer: EvmAddress,
    proof: Signature65,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    let amount = bonded_amount(&cfg, &info.funds)?;

    // Proofs of possession are signed for this stake-escrow (the deployment of the domain).
    let domain = HubDomain::new(cfg.hub_chain_id.clone(), env.contract.address.as_str());
    let digest = relayer_key_digest(&domain, info.sender.as_str());
    let api = deps.api;
    let recovered = recover_signer_with(&digest.0, &proof, |d, rs, v| api.secp256k1_recover_pubkey(d, rs, v))
        .map_err(ContractError::BadProofSignature)?;
    if EvmAddress(recovered) != evm_signer {
        return Err(ContractError::ProofOfPossessionMismatch { claimed: evm_signer, recovered: recovered.into() });
    }

    let before = state::relayer(deps.storage, &info.sender)?;
    let mut after = match &before {
        Some(r) => {
            if r.evm_signer != evm_signer {
                return Err(ContractError::SignerMismatch {
                    relayer: info.sender,
                    registered: r.evm_signer,
                    given: evm_signer,
                });
            }
            r.clone()
        }
        None => {
            if let Some(owner) = state::signer_owner(deps.storage, &evm_signer)? {
                return Err(ContractError::SignerTaken { signer: evm_signer, owner });
            }
            state::set_signer_owner(deps.storage, &evm_signer, &info.sender)?;
            Relayer {
                evm_signer,
                bonded: Uint128::zero(),
                unbonding: vec![],
                jailed: false,
                jailed_at: None,
                slashed: Uint128::zero(),
                locked_until: 0,
                locked_by_epoch: 0,
            }
        }
    };
    after.bonded = after.bonded.checked_add(amount)?;
    state::save_relayer(deps.storage, &cfg, &info.sender, before.as_ref(), &after)?;

    let mut t = state::totals(deps.storage)?;
    t.deposited = t.deposited.checked_add(amount)?;
    t.bonded = t.bonded.checked_add(amount)?;
    state::save_totals(deps.storage, &t)?;

    Ok(Response::new()
        .add_attribute("action", "bond")
        .add_attribute("relayer", info.sender)
        .add_attribute("evm_signer", evm_signer.to_string())
        .add_attribute("amount", amount)
        .add_attribute("bonded", after.bonded)
        .add_attribute("active", after.is_active(&cfg).to_string()))
}

fn load_relayer(s: &dyn Storage, addr: &Addr) -> Result<Relayer, ContractError> {
    state::relayer(s, addr)?.ok_or_else(|| ContractError::UnknownRelayer { address: addr.to_string() })
}

pub fn unbond(deps: DepsMut, env: Env, info: MessageInfo, amount: Uint128) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount);
    }
    let before = load_relayer(deps.storage, &info.sender)?;
    if amount > before.bonded {
        return Err(ContractError::InsufficientBond { bonded: before.bonded, requested: amount });
    }
    if before.unbonding.len() >= MAX_UNBONDING_ENTRIES {
        return Err(ContractError::TooManyUnbondingEntries { max: MAX_UNBONDING_ENTRIES });
    }
    let release_at = env.block.time.seconds().saturating_add(cfg.unbonding_period);
    let mut after = before.clone();
    after.bonded -= amount;
    after.unbonding.push(UnbondingEntry { amount, release_at });
    state::save_relayer(deps.storage, &cfg, &info.sender, Some(&before), &after)?;

    let mut t = state::totals(deps.storage)?;
    t.bonded = t.bonded.checked_sub(amount)?;
    t.unbonding = t.unbonding.checked_add(amount)?;
    state::save_totals(deps.storage, &t)?;

    Ok(Response::new()
        .add_attribute("action", "unbond")
        .add_attribute("relayer", info.sender)
        .add_attribute("amount", amount)
        .add_attribute("release_at", release_at.to_string())
        .add_attribute("active", after.is_active(&cfg).to_string()))
}

pub fn claim(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    let before = load_relayer(deps.storage, &info.sender)?;
    let now = env.block.time.seconds();
    let (ready, waiting): (Vec<_>, Vec<_>) = before.unbonding.iter().cloned().partition(|e| e.release_at <= now);
    let amount: Uint128 = ready.iter().map(|e| e.amount).sum();
    if ready.is_empty() {
        return Err(ContractError::NothingToClaim { next_release: waiting.first().map(|e| e.release_at) });
    }
    // A set some chain may still accept keeps its members' stake slashable: the unbonding
    // period alone does not free it.
    let claimable_from = before.claimable_from(&cfg);
    if now < claimable_from {
        return Err(ContractError::StakeLockedBySignerSet {
            epoch: before.locked_by_epoch,
            expires_at: before.locked_until,
            claimable_from,
        });
    }
    let mut after = before.clone();
    after.unbonding = waiting;
    state::save_relayer(deps.storage, &cfg, &info.sender, Some(&before), &after)?;

    let mut t = state::totals(deps.storage)?;
    t.unbonding = t.unbonding.checked_sub(amount)?;
    t.claimed = t.claimed.checked_add(amount)?;
    state::save_totals(deps.storage, &t)?;

    let mut res = Response::new()
        .add_attribute("action", "claim")
        .add_attribute("relayer", info.sender.clone())
        .add_attribute("amount", amount);
    if !amount.is_zero() {
        res = res.add_message(BankMsg::Send {
            to_address: info.sender.into_string(),
            amount: vec![Coin::new(amount, cfg.bond_denom)],
        });
    }
    Ok(res)
}

pub fn slash(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    relayer: String,
    kind: FraudKind,
    fraud_id: u64,
    disputer: String,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    only_dispute(cfg.dispute.as_ref(), &info.sender, "slash")?;
    let relayer = deps.api.addr_validate(&relayer)?;
    let disputer = deps.api.addr_validate(&disputer)?;
    let before = load_relayer(deps.storage, &relayer)?;

    let stake = before.bonded.checked_add(before.unbonding_total())?;
    let slashed = stake.multiply_ratio(cfg.slash_bps, BPS);
    let mut after = before.clone();
    let from_bonded = slashed.min(after.bonded);
    after.bonded -= from_bonded;
    let mut rest = slashed - from_bonded;
    // Newest unbonding first: the stake that left most recently is the most likely to be tied
    // to the fraud, and older entries keep their release schedule when possible.
    for entry in after.unbonding.iter_mut().rev() {
        let take = rest.min(entry.amount);
        entry.amount -= take;
        rest -= take;
    }
    after.unbonding.retain(|e| !e.amount.is_zero());
    let from_unbonding = slashed - from_bonded - rest;
    after.slashed = after.slashed.checked_add(slashed)?;
    after.jailed = true;
    if before.jailed_at.is_none() || !before.jailed {
        after.jailed_at = Some(env.block.time.seconds());
    }
    state::save_relayer(deps.storage, &cfg, &relayer, Some(&before), &after)?;

    let bounty = slashed.multiply_ratio(cfg.bounty_bps, BPS);
    let remainder = slashed - bounty;
    let mut t = state::totals(deps.storage)?;
    t.bonded = t.bonded.checked_sub(from_bonded)?;
    t.unbonding = t.unbonding.checked_sub(from_unbonding)?;
    t.slashed = t.slashed.checked_add(slashed)?;
    t.bounties_paid = t.bounties_paid.checked_add(bounty)?;
    let mut res = Response::new();
    if !bounty.is_zero() {
        res = res.add_message(BankMsg::Send {
            to_address: disputer.to_string(),
            amount: vec![Coin::new(bounty, cfg.bond_denom.clone())],
        });
    }
    match &cfg.community_pool {
        Some(pool) if !remainder.is_zero() => {
            t.sent_to_community_pool = t.sent_to_community_pool.checked_add(remainder)?;
            res = res.add_message(BankMsg::Send {
                to_address: pool.to_string(),
                amount: vec![Coin::new(remainder, cfg.bond_denom.clone())],
            });
        }
        _ => t.slashed_retained = t.slashed_retained.checked_add(remainder)?,
    }
    state::save_totals(deps.storage, &t)?;

    Ok(res
        .set_data(to_json_binary(&SlashResponse { slashed, bounty })?)
        .add_attribute("action", "slash")
        .add_attribute("relayer", relayer)
        .add_attribute("kind", kind.as_str())
        .add_attribute("fraud_id", fraud_id.to_string())
        .add_attribute("slashed", slashed)
        .add_attribute("bounty", bounty)
        .add_attribute("disputer", disputer))
}

pub fn unjail(deps: DepsMut, info: MessageInfo, relayer: String) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "unjail")?;
    let relayer = deps.api.addr_validate(&relayer)?;
    let before = load_relayer(deps.storage, &relayer)?;
    if !before.jailed {
        return Err(ContractError::NotJailed { relayer });
    }
    let mut after = before.clone();
    after.jailed = false;
    after.jailed_at = None;
    state::save_relayer(deps.storage, &cfg, &relayer, Some(&before), &after)?;
    Ok(Response::new().add_attribute("action", "unjail").add_attribute("relayer", relayer))
}

/// The set the active relayers form now: the `MAX_SIGNERS` highest stakes, sorted by address,
/// weight = bonded stake capped at `max_signer_weight_bps` of the total (water-filling, see
/// [`capped_weights`]), threshold = `⌊2·total / 3⌋ + 1` (strictly more than two thirds).
pub fn candidate_set(
    s: &dyn Storage,
    cfg: &Config,
    epoch: u64,
    expires_at: u64,
) -> Result<Option<SignerSet>, ContractError> {
    let top = state::top_active(s, mesh_protocol::MAX_SIGNERS)?;
    if top.is_empty() {
        return Ok(None);
    }
    let stakes: Vec<u128> = top.iter().map(|(bonded, _)| *bonded).collect();
    let weights = capped_weights(&stakes, cfg.max_signer_weight_bps);
    let mut signers = top
        .into_iter()
        .zip(weights)
        .map(|((_, addr), weight)| {
            let r = state::relayer(s, &addr)?.expect("active index only holds relayers");
            Ok(WeightedSigner { address: r.evm_signer, weight: Amount(weight) })
        })
        .collect::<StdResult<Vec<_>>>()?;
    signers.sort_by_key(|s| s.address);
    let set = SignerSet { epoch, signers, threshold: Amount(Default::default()), expires_at };
    let total = set.total_weight().map_err(ContractError::InvalidSignerSet)?;
    let set = SignerSet { threshold: Amount(threshold(total)), ..set };
    set.validate().map_err(ContractError::InvalidSignerSet)?;
    Ok(Some(set))
}

pub fn rotate_signers(deps: DepsMut, env: Env) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    let now = env.block.time.seconds();
    let current = state::current_epoch(deps.storage)?;
    let previous = if current > 0 { state::signer_set(deps.storage, current)? } else { None };
    if let Some(prev) = &previous {
        let next_at = prev.created_at.saturating_add(cfg.rotation_delay);
        if now < next_at {
            return Err(ContractError::RotationTooEarly { next_at, now });
        }
    }
    let expires_at = now.saturating_add(cfg.signer_set_lifetime);
    let set = candidate_set(deps.storage, &cfg, current + 1, expires_at)?.ok_or(ContractError::NoActiveRelayers)?;
    // Same members, weights and threshold: only a renewal (a later expiry), and only once the
    // current set is within the renewal window of its expiry.
    let mut renewal = false;
    if let Some(prev) = &previous {
        if prev.set.signers == set.signers && prev.set.threshold == set.threshold {
            let renewable_at = prev.set.expires_at.saturating_sub(cfg.renewal_window);
            if now < renewable_at {
                return Err(ContractError::SignerSetUnchanged { epoch: current, renewable_at });
            }
            renewal = true;
        }
    }
    // Every member's stake stays slashable while some chain may accept this set.
    for member in &set.signers {
        let owner = state::signer_owner(deps.storage, &member.address)?.expect("members are registered signers");
        state::lock_member(deps.storage, &owner, set.epoch, expires_at)?;
    }
    let signers_hash = signer_set_hash(&set).into();
    let stored = StoredSet { set, signers_hash, created_at: now };
    state::save_signer_set(deps.storage, &stored)?;
    Ok(Response::new()
        .set_data(to_json_binary(&stored.set)?)
        .add_attribute("action", "rotate_signers")
        .add_attribute("epoch", stored.set.epoch.to_string())
        .add_attribute("signers", stored.set.signers.len().to_string())
        .add_attribute("threshold", stored.set.threshold.to_string())
        .add_attribute("expires_at", expires_at.to_string())
        .add_attribute("renewal", renewal.to_string())
        .add_attribute("signers_hash", signers_hash.to_string()))
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

pub fn update_admin(deps: DepsMut, info: MessageInfo, admin: String) -> Result<Response, ContractError> {
    let mut cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "update_admin")?;
    cfg.admin = deps.api.addr_validate(&admin)?;
    state::save_config(deps.storage, &cfg)?;
    Ok(Response::new().add_attribute("action", "update_admin").add_attribute("admin", cfg.admin))
}

/// Type URL of the Cosmos SDK message that credits the community pool.
pub const MSG_FUND_COMMUNITY_POOL: &str = "/cosmos.distribution.v1beta1.MsgFundCommunityPool";

/// `MsgFundCommunityPool { amount: [coin], depositor }` as a protobuf `Any` (the typed
/// `DistributionMsg` needs cosmwasm-std's `staking` feature, which this contract does not
/// require of its chain): `amount` = field 1 (Coin: denom = 1, amount = 2), `depositor` = 2.
pub fn fund_community_pool_msg(depositor: &str, coin: &Coin) -> CosmosMsg {
    fn field(out: &mut Vec<u8>, number: u8, bytes: &[u8]) {
        out.push(number << 3 | 2);
        let mut len = bytes.len();
        while len >= 0x80 {
            out.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        out.push(len as u8);
        out.extend_from_slice(bytes);
    }
    let mut c = vec![];
    field(&mut c, 1, coin.denom.as_bytes());
    field(&mut c, 2, coin.amount.to_string().as_bytes());
    let mut m = vec![];
    field(&mut m, 1, &c);
    field(&mut m, 2, depositor.as_bytes());
    CosmosMsg::Any(AnyMsg { type_url: MSG_FUND_COMMUNITY_POOL.to_owned(), value: m.into() })
}

pub fn withdraw_retained(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    to: RetainedDestination,
    amount: Uint128,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    only_admin(&cfg.admin, &info.sender, "withdraw_retained")?;
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount);
    }
    let mut t = state::totals(deps.storage)?;
    if amount > t.slashed_retained {
        return Err(ContractError::InsufficientRetained { retained: t.slashed_retained, requested: amount });
    }
    t.slashed_retained -= amount;
    t.retained_withdrawn = t.retained_withdrawn.checked_add(amount)?;
    state::save_totals(deps.storage, &t)?;
    let coins = vec![Coin::new(amount, cfg.bond_denom)];
    let (msg, dest): (CosmosMsg, String) = match to {
        RetainedDestination::CommunityPool {} => {
            (fund_community_pool_msg(env.contract.address.as_str(), &coins[0]), "community_pool".into())
        }
        RetainedDestination::Account { address } => {
            let to = deps.api.addr_validate(&address)?;
            (BankMsg::Send { to_address: to.to_string(), amount: coins }.into(), to.into_string())
        }
    };
    Ok(Response::new()
        .add_message(msg)
        .add_attribute("action", "withdraw_retained")
        .add_attribute("to", dest)
        .add_attribute("amount", amount)
        .add_attribute("slashed_retained", t.slashed_retained))
}
