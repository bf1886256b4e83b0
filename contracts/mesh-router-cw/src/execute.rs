//! The `MeshRouter` half: lock, settle (one, many, batch, multiproof), refund, and the
//! `SettlementVerifier` entry points (submit a batch, rotate).
//!
//! Every transition writes the leg's new status before the transfer it triggers: CosmWasm runs a
//! response's messages after the contract returned, so a token contract called back during the
//! transfer already sees the leg ended. In `SettleMany`, `SettleBatch` and `SettleMultiproof` each
//! transfer is a sub-message replied to always: on failure the reply puts the leg back to
//! `Locked` and reports it skipped (reason `transfer_failed`), as `MeshRouter`'s `settleMany`
//! does, so one failing token neither blocks the other legs nor strands its own.

use cosmwasm_std::{
    to_json_binary, Addr, Api, BankMsg, CanonicalAddr, Coin, CosmosMsg, DepsMut, Env, Event, MessageInfo, Reply,
    Response, StdError, StdResult, Storage, SubMsg, SubMsgResult, Uint128, Uint256, WasmMsg,
};
use mesh_hub_api::router_cw::{
    bank_denom_token_id, Cw20ExecuteMsg, Cw20ReceiveMsg, CwToken, Escrow, InstantiateMsg, LegStatus, MultiItem,
    ReceiveMsg, RootRecord, SettleItem,
};
use mesh_protocol::eip712::{
    bundle_id as compute_bundle_id, leg_hash, settlement_batch_digest, settlement_leaf, signer_set_hash,
    signer_set_update_digest,
};
use mesh_protocol::merkle::verify_merkle_proof;
use mesh_protocol::{
    AccountId, Bundle, Hash32, SettlementBatch, Signature65, SignerSet, SignerSetUpdate, Verdict, U256,
};
use serde::{Deserialize, Serialize};

use crate::action;
use crate::error::ContractError;
use crate::multiproof::multiproof_root;
use crate::state::{Config, ACTIONS, CONFIG, ESCROWS, ROOTS};
use crate::verify::{activate, current_set, hub, now, set_of, verify_signatures};

/// Reply id of a batch helper's transfer.
pub const REPLY_SETTLE_TRANSFER: u64 = 1;
/// Reply id of the executor's instantiation.
pub const REPLY_EXECUTOR_INSTANTIATED: u64 = 2;
/// Reply id of a failed action run (`SettleAction`).
pub const REPLY_ACTION_RUN: u64 = 3;

/// Why a batch helper skipped a leg (the `reason` of `mesh_settlement_skipped`), as
/// `MeshRouter`'s `SettlementSkipped` reasons 1, 2, 3.
pub const SKIP_NOT_LOCKED: &str = "not_locked";
pub const SKIP_EXPIRED: &str = "expired";
pub const SKIP_TRANSFER_FAILED: &str = "transfer_failed";
/// A COMMIT of a leg with an action, which applies only through `SettleAction` (reason 4).
pub const SKIP_ACTION_REQUIRED: &str = "action_required";

/// The account id of an address of this chain (its canonical bytes, 20 or 32).
pub fn account_of(api: &dyn Api, addr: &Addr) -> StdResult<AccountId> {
    let canonical = api.addr_canonicalize(addr.as_str())?;
    AccountId::from_cosmos_bytes(canonical.as_slice()).map_err(|e| StdError::msg(e.to_string()))
}

/// The token id of a token of this chain.
pub fn token_id(api: &dyn Api, token: &CwToken) -> StdResult<AccountId> {
    match token {
        CwToken::Native { denom } => Ok(bank_denom_token_id(denom)),
        CwToken::Cw20 { address } => account_of(api, address),
    }
}

/// `settle_deadline + refund_grace`, exact (128 bits).
fn refund_opens_at(cfg: &Config, settle_deadline: u64) -> u128 {
    u128::from(settle_deadline) + u128::from(cfg.refund_grace)
}

fn saturate(t: u128) -> u64 {
    u64::try_from(t).unwrap_or(u64::MAX)
}

/// A COMMIT applies while `now < refund_opens_at`.
pub(crate) fn check_expiry(cfg: &Config, env: &Env, escrow: &Escrow) -> Result<(), ContractError> {
    let t = now(env);
    let opens = refund_opens_at(cfg, escrow.settle_deadline);
    if u128::from(t) >= opens {
        return Err(ContractError::SettlementExpired { refund_opens_at: saturate(opens), now: t });
    }
    Ok(())
}

pub(crate) fn escrow_key(bundle_id: &Hash32, index: u32) -> (&[u8], u32) {
    (bundle_id.0.as_slice(), index)
}

/// The escrow of a leg that is still locked, or `LegNotLocked` with its status.
pub(crate) fn locked_escrow(storage: &dyn Storage, bundle_id: Hash32, index: u32) -> Result<Escrow, ContractError> {
    let escrow = ESCROWS.may_load(storage, escrow_key(&bundle_id, index))?.ok_or(ContractError::LegNotLocked {
        bundle_id,
        index,
        status: LegStatus::None,
    })?;
    if escrow.status != LegStatus::Locked {
        return Err(ContractError::LegNotLocked { bundle_id, index, status: escrow.status });
    }
    Ok(escrow)
}

// ------------------------------------------------------------------ instantiate

pub fn instantiate(deps: DepsMut, env: Env, msg: InstantiateMsg) -> Result<Response, ContractError> {
    if msg.hub_chain_id.is_empty() {
        return Err(ContractError::EmptyHubChainId);
    }
    if msg.deployment.is_empty() {
        return Err(ContractError::EmptyDeployment);
    }
    if msg.domain == 0 {
        return Err(ContractError::ZeroDomain);
    }
    if msg.refund_grace == 0 {
        return Err(ContractError::ZeroRefundGrace);
    }
    let t = now(&env);
    if msg.genesis_set.expires_at <= t {
        return Err(ContractError::ExpiryInPast { expires_at: msg.genesis_set.expires_at, now: t });
    }
    let mut cfg = Config {
        hub_chain_id: msg.hub_chain_id,
        deployment: msg.deployment,
        hub_domain: Hash32::default(),
        domain: msg.domain,
        refund_grace: msg.refund_grace,
        min_rotation_delay: msg.min_rotation_delay,
    };
    cfg.hub_domain = Hash32(hub(&cfg).separator());
    // The router's own account id must exist (20- or 32-byte address).
    let router = account_of(deps.api, &env.contract.address)?;
    CONFIG.save(deps.storage, &cfg)?;
    let set = msg.genesis_set;
    let event = rotation_event(&set);
    activate(deps.storage, &env, set)?;
    let mut response = Response::new();
    if let Some(code_id) = msg.action_executor_code_id {
        response = response.add_submessage(action::instantiate_executor(code_id)?);
    }
    Ok(response
        .add_attribute("action", "instantiate")
        .add_attribute("router", router.to_string())
        .add_attribute("domain", cfg.domain.to_string())
        .add_attribute("hub_domain", cfg.hub_domain.to_string())
        .add_event(event))
}

fn rotation_event(set: &SignerSet) -> Event {
    Event::new("mesh_signer_set_activated")
        .add_attribute("epoch", set.epoch.to_string())
        .add_attribute("signers_hash", Hash32(signer_set_hash(set)).to_string())
        .add_attribute("threshold", set.threshold.to_string())
        .add_attribute("expires_at", set.expires_at.to_string())
}

// ------------------------------------------------------------------ lock

/// Locks with the bank coin sent: exactly one coin, of the leg's denom.
pub fn lock_native(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    bundle: Bundle,
    index: u32,
) -> Result<Response, ContractError> {
    let [coin]: [Coin; 1] = info.funds.clone().try_into().map_err(|_| ContractError::WrongFunds {
        funds: info.funds.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
    })?;
    // An action's output token may name this denom from now on.
    action::record_denom(deps.storage, &coin.denom)?;
    let token = CwToken::Native { denom: coin.denom };
    lock(deps, env, info.sender, token, coin.amount, bundle, index)
}

/// The cw20 `Send` hook: the calling contract is the token.
pub fn receive(deps: DepsMut, env: Env, info: MessageInfo, msg: Cw20ReceiveMsg) -> Result<Response, ContractError> {
    mesh_hub_api::common::nonpayable(&info, "receive")?;
    let ReceiveMsg::Lock { bundle, index } =
        cosmwasm_std::from_json(&msg.msg).map_err(|e| ContractError::InvalidReceiveMsg { reason: e.to_string() })?;
    let depositor = deps.api.addr_validate(&msg.sender)?;
    let token = CwToken::Cw20 { address: info.sender };
    lock(deps, env, depositor, token, Uint256::from(msg.amount), bundle, index)
}

/// The checks of `MeshRouter.lock` (leg of this domain and router, sender = depositor, lock
/// deadline not passed, ordered deadlines, non-zero amount and recipient), then: the tokens
/// received are the leg's token and at least its amount, the bundle id is computed here (so
/// the leg is bound to its bundle), and a leg locks once.
fn lock(
    deps: DepsMut,
    env: Env,
    depositor: Addr,
    token: CwToken,
    received: Uint256,
    bundle: Bundle,
    index: u32,
) -> Result<Response, ContractError> {
    let cfg = CONFIG.load(deps.storage)?;
    let api = deps.api;
    let count = bundle.legs.len();
    let leg = bundle.legs.get(index as usize).ok_or(ContractError::LegIndexOutOfRange { index, count })?;
    if leg.domain != cfg.domain {
        return Err(ContractError::WrongDomain { expected: cfg.domain, got: leg.domain });
    }
    let router = account_of(api, &env.contract.address)?;
    if leg.router != router {
        return Err(ContractError::WrongRouter { leg_router: leg.router, router });
    }
    if account_of(api, &depositor)? != leg.depositor {
        return Err(ContractError::NotDepositor { caller: depositor, depositor: leg.depositor });
    }
    let t = now(&env);
    if t > bundle.lock_deadline {
        return Err(ContractError::LockDeadlinePassed { lock_deadline: bundle.lock_deadline, now: t });
    }
    if bundle.lock_deadline >= bundle.settle_deadline {
        return Err(ContractError::DeadlinesOutOfOrder {
            lock_deadline: bundle.lock_deadline,
            settle_deadline: bundle.settle_deadline,
        });
    }
    if leg.amount.0.is_zero() {
        return Err(ContractError::ZeroAmount);
    }
    if leg.recipient.is_zero() {
        return Err(ContractError::ZeroRecipient);
    }
    // Lock-and-mint legs need a wrapped token and a reserve this router does not keep.
    if !leg.kind.is_escrow() {
        return Err(ContractError::KindNotSupported);
    }
    bundle.validate().map_err(ContractError::InvalidBundle)?;
    let sent = token_id(api, &token)?;
    if sent != leg.token {
        return Err(ContractError::WrongToken { leg_token: leg.token, sent });
    }
    let recipient = api
        .addr_humanize(&CanonicalAddr::from(leg.recipient.to_cosmos_bytes()))
        .map_err(|e| ContractError::RecipientNotAnAddress { recipient: leg.recipient, reason: e.to_string() })?;
    let action = action::resolve_at_lock(&deps, leg, &token, &recipient)?;
    if U256::from_be_bytes(received.to_be_bytes()) < leg.amount.0 {
        return Err(ContractError::InsufficientReceived { expected: leg.amount, received });
    }
    let bundle_id = Hash32(compute_bundle_id(&hub(&cfg), &bundle));
    if ESCROWS.has(deps.storage, escrow_key(&bundle_id, index)) {
        return Err(ContractError::LegAlreadyLocked { bundle_id, index });
    }
    let hash = Hash32(leg_hash(leg));
    let escrow = Escrow {
        status: LegStatus::Locked,
        leg_hash: hash,
        depositor: depositor.clone(),
        recipient,
        token,
        amount: received,
        lock_deadline: bundle.lock_deadline,
        settle_deadline: bundle.settle_deadline,
    };
    ESCROWS.save(deps.storage, escrow_key(&bundle_id, index), &escrow)?;
    if let Some(record) = &action {
        ACTIONS.save(deps.storage, escrow_key(&bundle_id, index), record)?;
    }
    let event = Event::new("mesh_leg_locked")
        .add_attribute("bundle_id", bundle_id.to_string())
        .add_attribute("index", index.to_string())
        .add_attribute("leg_hash", hash.to_string())
        .add_attribute("depositor", leg.depositor.to_string())
        .add_attribute("depositor_address", depositor.as_str())
        .add_attribute("token", leg.token.to_string())
        .add_attribute("token_name", token_name(&escrow.token))
        .add_attribute("amount", received.to_string())
        .add_attribute("settle_deadline", bundle.settle_deadline.to_string());
    let event = match &action {
        Some(record) => event.add_attribute("action_hash", record.hash.to_string()),
        None => event,
    };
    Ok(Response::new().add_attribute("action", "lock").add_event(event))
}

fn token_name(token: &CwToken) -> String {
    match token {
        CwToken::Native { denom } => format!("bank:{denom}"),
        CwToken::Cw20 { address } => format!("cw20:{address}"),
    }
}

/// The message paying `amount` of `token` to `to`.
pub(crate) fn transfer_msg(token: &CwToken, to: &Addr, amount: Uint256) -> StdResult<CosmosMsg> {
    Ok(match token {
        CwToken::Native { denom } => {
            BankMsg::Send { to_address: to.to_string(), amount: vec![Coin::new(amount, denom.clone())] }.into()
        }
        CwToken::Cw20 { address } => WasmMsg::Execute {
            contract_addr: address.to_string(),
            // A cw20 escrow was credited a `Uint128`, so its amount fits.
            msg: to_json_binary(&Cw20ExecuteMsg::Transfer {
                recipient: to.to_string(),
                amount: Uint128::try_from(amount).map_err(|e| StdError::msg(e.to_string()))?,
            })?,
            funds: vec![],
        }
        .into(),
    })
}

// ------------------------------------------------------------------ settle

pub(crate) fn is_verified(storage: &dyn Storage, root: &Hash32) -> bool {
    ROOTS.has(storage, root.0.as_slice())
}

pub(crate) fn check_verdict_proof(
    bundle_id: &Hash32,
    verdict: Verdict,
    root: &Hash32,
    proof: &[Hash32],
) -> Result<(), ContractError> {
    let leaf = settlement_leaf(bundle_id.0, verdict);
    let siblings: Vec<_> = proof.iter().map(|h| h.0).collect();
    if !verify_merkle_proof(root.0, leaf, &siblings) {
        return Err(ContractError::InvalidProof { bundle_id: *bundle_id, verdict, root: *root });
    }
    Ok(())
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Commit => "commit",
        Verdict::Abort => "abort",
    }
}

pub(crate) fn settled_event(bundle_id: &Hash32, index: u32, verdict: Verdict) -> Event {
    Event::new("mesh_leg_settled")
        .add_attribute("bundle_id", bundle_id.to_string())
        .add_attribute("index", index.to_string())
        .add_attribute("verdict", verdict_name(verdict))
}

fn skipped_event(bundle_id: &Hash32, index: u32, reason: &str) -> Event {
    Event::new("mesh_settlement_skipped")
        .add_attribute("bundle_id", bundle_id.to_string())
        .add_attribute("index", index.to_string())
        .add_attribute("reason", reason)
}

/// An authenticated verdict applied to a Locked leg: its new status is stored; returns whom to
/// pay. `Err(reason)` when the leg cannot settle (not Locked, or a COMMIT once refunds opened).
enum Outcome {
    Applied(CosmosMsg),
    Skipped(ContractError, &'static str),
}

fn apply_verdict(
    storage: &mut dyn Storage,
    cfg: &Config,
    t: u64,
    bundle_id: &Hash32,
    index: u32,
    verdict: Verdict,
) -> Result<Outcome, ContractError> {
    let key = escrow_key(bundle_id, index);
    let Some(mut escrow) = ESCROWS.may_load(storage, key)? else {
        let e = ContractError::LegNotLocked { bundle_id: *bundle_id, index, status: LegStatus::None };
        return Ok(Outcome::Skipped(e, SKIP_NOT_LOCKED));
    };
    if escrow.status != LegStatus::Locked {
        let e = ContractError::LegNotLocked { bundle_id: *bundle_id, index, status: escrow.status };
        return Ok(Outcome::Skipped(e, SKIP_NOT_LOCKED));
    }
    let to = match verdict {
        Verdict::Commit => {
            let opens = refund_opens_at(cfg, escrow.settle_deadline);
            if u128::from(t) >= opens {
                let e = ContractError::SettlementExpired { refund_opens_at: saturate(opens), now: t };
                return Ok(Outcome::Skipped(e, SKIP_EXPIRED));
            }
            if ACTIONS.has(storage, key) {
                let e = ContractError::ActionRequired { bundle_id: *bundle_id, index };
                return Ok(Outcome::Skipped(e, SKIP_ACTION_REQUIRED));
            }
            escrow.status = LegStatus::Committed;
            escrow.recipient.clone()
        }
        Verdict::Abort => {
            escrow.status = LegStatus::Aborted;
            escrow.depositor.clone()
        }
    };
    ESCROWS.save(storage, key, &escrow)?;
    Ok(Outcome::Applied(transfer_msg(&escrow.token, &to, escrow.amount)?))
}

#[allow(clippy::too_many_arguments)]
pub fn settle(
    deps: DepsMut,
    env: Env,
    bundle_id: Hash32,
    index: u32,
    verdict: Verdict,
    batch_root: Hash32,
    proof: Vec<Hash32>,
) -> Result<Response, ContractError> {
    check_verdict_proof(&bundle_id, verdict, &batch_root, &proof)?;
    if !is_verified(deps.storage, &batch_root) {
        return Err(ContractError::RootNotVerified { root: batch_root });
    }
    let cfg = CONFIG.load(deps.storage)?;
    match apply_verdict(deps.storage, &cfg, now(&env), &bundle_id, index, verdict)? {
        Outcome::Applied(msg) => Ok(Response::new()
            .add_attribute("action", "settle")
            .add_message(msg)
            .add_event(settled_event(&bundle_id, index, verdict))),
        Outcome::Skipped(e, _) => Err(e),
    }
}

/// What a batch helper's transfer reply needs to know.
#[derive(Serialize, Deserialize)]
struct TransferPayload {
    bundle_id: Hash32,
    index: u32,
    verdict: Verdict,
}

/// Applies authenticated verdicts, skipping what cannot settle; each transfer is a sub-message
/// whose reply records the outcome.
fn settle_legs(
    deps: DepsMut,
    env: &Env,
    action: &'static str,
    legs: impl IntoIterator<Item = (Hash32, u32, Verdict)>,
) -> Result<Response, ContractError> {
    let cfg = CONFIG.load(deps.storage)?;
    let t = now(env);
    let mut response = Response::new().add_attribute("action", action);
    let mut applied = 0u32;
    for (bundle_id, index, verdict) in legs {
        match apply_verdict(deps.storage, &cfg, t, &bundle_id, index, verdict)? {
            Outcome::Applied(msg) => {
                applied += 1;
                let payload = to_json_binary(&TransferPayload { bundle_id, index, verdict })?;
                response =
                    response.add_submessage(SubMsg::reply_always(msg, REPLY_SETTLE_TRANSFER).with_payload(payload));
            }
            Outcome::Skipped(_, reason) => response = response.add_event(skipped_event(&bundle_id, index, reason)),
        }
    }
    Ok(response.add_attribute("applied", applied.to_string()))
}

fn check_items(root: &Hash32, items: &[SettleItem]) -> Result<(), ContractError> {
    items.iter().try_for_each(|item| check_verdict_proof(&item.bundle_id, item.verdict, root, &item.proof))
}

pub fn settle_many(
    deps: DepsMut,
    env: Env,
    batch_root: Hash32,
    items: Vec<SettleItem>,
) -> Result<Response, ContractError> {
    if items.is_empty() {
        return Err(ContractError::NoItems);
    }
    if !is_verified(deps.storage, &batch_root) {
        return Err(ContractError::RootNotVerified { root: batch_root });
    }
    check_items(&batch_root, &items)?;
    settle_legs(deps, &env, "settle_many", items.into_iter().map(|i| (i.bundle_id, i.index, i.verdict)))
}

pub fn settle_batch(
    mut deps: DepsMut,
    env: Env,
    epoch: u64,
    batch_index: u64,
    root: Hash32,
    signatures: Vec<Signature65>,
    items: Vec<SettleItem>,
) -> Result<Response, ContractError> {
    if items.is_empty() {
        return Err(ContractError::NoItems);
    }
    let verified = submit_batch_inner(deps.branch(), &env, epoch, batch_index, root, &signatures)?;
    check_items(&root, &items)?;
    let response =
        settle_legs(deps, &env, "settle_batch", items.into_iter().map(|i| (i.bundle_id, i.index, i.verdict)))?;
    Ok(match verified {
        Some(event) => response.add_event(event),
        None => response,
    })
}

pub fn settle_multiproof(
    deps: DepsMut,
    env: Env,
    batch_root: Hash32,
    leaf_count: u32,
    items: Vec<MultiItem>,
    proof: Vec<Hash32>,
) -> Result<Response, ContractError> {
    if items.is_empty() {
        return Err(ContractError::NoItems);
    }
    if !is_verified(deps.storage, &batch_root) {
        return Err(ContractError::RootNotVerified { root: batch_root });
    }
    let computed = Hash32(multiproof_root(leaf_count, &items, &proof)?);
    if computed != batch_root {
        return Err(ContractError::InvalidMultiproof { root: batch_root, computed });
    }
    settle_legs(deps, &env, "settle_multiproof", items.into_iter().map(|i| (i.bundle_id, i.index, i.verdict)))
}

/// The reply of a batch helper's transfer: success reports the leg settled; failure puts it back
/// to `Locked` (the transfer's own state changes were reverted) and reports it skipped.
pub fn reply(deps: DepsMut, msg: Reply) -> Result<Response, ContractError> {
    if msg.id != REPLY_SETTLE_TRANSFER {
        return action::reply(deps, msg);
    }
    let TransferPayload { bundle_id, index, verdict } = cosmwasm_std::from_json(&msg.payload)?;
    match msg.result {
        SubMsgResult::Ok(_) => Ok(Response::new().add_event(settled_event(&bundle_id, index, verdict))),
        #[allow(deprecated)]
        SubMsgResult::Err(error) => {
            let key = escrow_key(&bundle_id, index);
            let mut escrow = ESCROWS.load(deps.storage, key)?;
            escrow.status = LegStatus::Locked;
            ESCROWS.save(deps.storage, key, &escrow)?;
            Ok(Response::new()
                .add_event(skipped_event(&bundle_id, index, SKIP_TRANSFER_FAILED).add_attribute("error", error)))
        }
    }
}

pub fn refund_expired(deps: DepsMut, env: Env, bundle_id: Hash32, index: u32) -> Result<Response, ContractError> {
    let cfg = CONFIG.load(deps.storage)?;
    let key = escrow_key(&bundle_id, index);
    let mut escrow = locked_escrow(deps.storage, bundle_id, index)?;
    let t = now(&env);
    let opens = refund_opens_at(&cfg, escrow.settle_deadline);
    if u128::from(t) < opens {
        return Err(ContractError::NotExpired { refund_opens_at: saturate(opens), now: t });
    }
    escrow.status = LegStatus::Refunded;
    ESCROWS.save(deps.storage, key, &escrow)?;
    let msg = transfer_msg(&escrow.token, &escrow.depositor, escrow.amount)?;
    Ok(Response::new().add_attribute("action", "refund_expired").add_message(msg).add_event(
        Event::new("mesh_leg_refunded")
            .add_attribute("bundle_id", bundle_id.to_string())
            .add_attribute("index", index.to_string()),
    ))
}

// ------------------------------------------------------------------ verifier

/// Verifies and caches `root` unless it is verified already; returns the event of a new one.
fn submit_batch_inner(
    deps: DepsMut,
    env: &Env,
    epoch: u64,
    batch_index: u64,
    root: Hash32,
    signatures: &[Signature65],
) -> Result<Option<Event>, ContractError> {
    if root.is_zero() {
        return Err(ContractError::ZeroRoot);
    }
    if is_verified(deps.storage, &root) {
        return Ok(None);
    }
    let cfg = CONFIG.load(deps.storage)?;
    let set = set_of(deps.storage, env, epoch)?;
    let digest = settlement_batch_digest(&hub(&cfg), &SettlementBatch { epoch, batch_index, root });
    let weight = verify_signatures(deps.api, &set, &digest.0, signatures)?;
    ROOTS.save(deps.storage, root.0.as_slice(), &RootRecord { epoch, batch_index, verified_at: now(env) })?;
    Ok(Some(
        Event::new("mesh_batch_verified")
            .add_attribute("root", root.to_string())
            .add_attribute("epoch", epoch.to_string())
            .add_attribute("batch_index", batch_index.to_string())
            .add_attribute("weight", weight.to_string()),
    ))
}

pub fn submit_batch(
    deps: DepsMut,
    env: Env,
    epoch: u64,
    batch_index: u64,
    root: Hash32,
    signatures: Vec<Signature65>,
) -> Result<Response, ContractError> {
    let verified = submit_batch_inner(deps, &env, epoch, batch_index, root, &signatures)?;
    let response = Response::new()
        .add_attribute("action", "submit_batch")
        .add_attribute("newly_verified", verified.is_some().to_string());
    Ok(match verified {
        Some(event) => response.add_event(event),
        None => response,
    })
}

pub fn rotate(
    deps: DepsMut,
    env: Env,
    new_set: SignerSet,
    signatures: Vec<Signature65>,
) -> Result<Response, ContractError> {
    let cfg = CONFIG.load(deps.storage)?;
    let current = current_set(deps.as_ref(), &env)?;
    let t = now(&env);
    let earliest = current.activated_at.saturating_add(cfg.min_rotation_delay);
    if t < earliest {
        return Err(ContractError::RotationTooEarly { earliest, now: t });
    }
    if new_set.expires_at <= t {
        return Err(ContractError::ExpiryInPast { expires_at: new_set.expires_at, now: t });
    }
    if new_set.expires_at < current.set.expires_at {
        return Err(ContractError::ExpiryBeforeCurrent {
            expires_at: new_set.expires_at,
            current_expires_at: current.set.expires_at,
        });
    }
    let expected = current.set.epoch + 1;
    if new_set.epoch != expected {
        return Err(ContractError::WrongEpoch { expected, got: new_set.epoch });
    }
    new_set.validate().map_err(ContractError::InvalidSignerSet)?;
    let update = SignerSetUpdate { new_epoch: new_set.epoch, signers_hash: Hash32(signer_set_hash(&new_set)) };
    let digest = signer_set_update_digest(&hub(&cfg), &update);
    verify_signatures(deps.api, &current.set, &digest.0, &signatures)?;
    let event = rotation_event(&new_set);
    activate(deps.storage, &env, new_set)?;
    Ok(Response::new().add_attribute("action", "rotate").add_event(event))
}
