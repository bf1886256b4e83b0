//! Fraud proofs.

use cosmwasm_std::{to_json_binary, Addr, Binary, DepsMut, Env, MessageInfo, QuerierWrapper, Response};
use mesh_hub_api::bundle_log::{
    EvmLocation, ExecuteMsg as LogExecute, LegReport, LockLocation, QueryMsg as LogQuery, ReportResponse,
};
use mesh_hub_api::common::FraudKind;
use mesh_hub_api::dispute::{FalseLockEvidence, SignatureSlot};
use mesh_hub_api::stake_escrow::{ExecuteMsg as StakeExecute, QueryMsg as StakeQuery};
use mesh_proof_evm::state::verify_escrow_leg_hash;
use mesh_proof_evm::{decode_header, HeaderInfo};
use mesh_protocol::eip712::{settlement_batch_digest, signer_set_update_digest, HubDomain};
use mesh_protocol::sig::recover_signer_with;
use mesh_protocol::{Address, Bytes, EvmAddress, Hash32, SettlementBatch, Signature65, SignerSetUpdate, B256};

use crate::error::ContractError;
use crate::evidence;
use crate::msg::{
    FalseLockFinding, FraudDetail, FraudProof, FraudRecord, InstantiateMsg, SignedStatement,
    DEFAULT_MAX_EVIDENCE_BYTES, DEFAULT_MAX_PROOF_NODES,
};
use crate::state::{self, Config};

pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    let bundle_log = deps.api.addr_validate(&msg.bundle_log)?;
    let stake_escrow = deps.api.addr_validate(&msg.stake_escrow)?;
    let log_cfg = LogQuery::config().run(&deps.querier, &bundle_log)?;
    if log_cfg.stake_escrow != stake_escrow {
        return Err(ContractError::InvalidConfig {
            field: "stake_escrow",
            reason: format!("is {stake_escrow}, but the bundle-log uses {}", log_cfg.stake_escrow),
        });
    }
    let cfg = Config {
        bundle_log,
        stake_escrow,
        hub_chain_id: log_cfg.hub_chain_id,
        max_proof_nodes: msg.max_proof_nodes.unwrap_or(DEFAULT_MAX_PROOF_NODES),
        max_evidence_bytes: msg.max_evidence_bytes.unwrap_or(DEFAULT_MAX_EVIDENCE_BYTES),
    };
    if cfg.max_proof_nodes == 0 {
        return Err(ContractError::InvalidConfig { field: "max_proof_nodes", reason: "must be positive".into() });
    }
    if cfg.max_evidence_bytes == 0 {
        return Err(ContractError::InvalidConfig { field: "max_evidence_bytes", reason: "must be positive".into() });
    }
    state::save_config(deps.storage, &cfg)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("bundle_log", cfg.bundle_log)
        .add_attribute("hub_chain_id", cfg.hub_chain_id))
}

/// A proven fraud before it is recorded: who, what, and the replay key.
struct Proven {
    key: Vec<u8>,
    kind: FraudKind,
    relayer: Addr,
    evm_signer: Option<EvmAddress>,
    detail: FraudDetail,
    /// A report to revert in the bundle-log (false locks).
    revert: Option<(Hash32, u32, u64)>,
}

pub fn submit_fraud_proof(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    proof: FraudProof,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    let q = deps.querier;
    let now = env.block.time.seconds();
    let proven = match proof {
        FraudProof::FalseLock { bundle_id, leg_index, evidence } => match evidence {
            FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof } => {
                false_lock(&q, &cfg, now, bundle_id, leg_index, &header, &receipt, &receipt_proof)?
            }
            FalseLockEvidence::EvmState { header, account_proof, storage_proof } => {
                false_lock_by_state(&q, &cfg, now, bundle_id, leg_index, &header, &account_proof, &storage_proof)?
            }
        },
        FraudProof::Equivocation { first, second } => equivocation(&deps, &cfg, first, second)?,
        FraudProof::WrongAttestation { epoch, batch_index, root, signature } => {
            wrong_attestation(&deps, &cfg, epoch, batch_index, root, signature)?
        }
        FraudProof::WrongSignerSetUpdate { new_epoch, signers_hash, signature } => {
            wrong_signer_set_update(&deps, &cfg, new_epoch, signers_hash, signature)?
        }
    };
    if let Some(fraud_id) = state::proven(deps.storage, &proven.key)? {
        return Err(ContractError::AlreadyProven { fraud_id });
    }
    let id = state::next_fraud_id(deps.storage)?;
    let record = FraudRecord {
        id,
        kind: proven.kind,
        relayer: proven.relayer.clone(),
        evm_signer: proven.evm_signer,
        disputer: info.sender.clone(),
        proven_at: now,
        height: env.block.height,
        detail: proven.detail,
    };
    state::record_fraud(deps.storage, &proven.key, &record)?;

    let mut res = Response::new();
    if let Some((bundle_id, leg_index, report_id)) = proven.revert {
        res = res.add_message(
            LogExecute::RevertReport { bundle_id, leg_index, report_id, fraud_id: id }
                .wasm_msg(cfg.bundle_log.as_str(), vec![])?,
        );
    }
    res = res.add_message(
        StakeExecute::Slash {
            relayer: proven.relayer.to_string(),
            kind: proven.kind,
            fraud_id: id,
            disputer: info.sender.to_string(),
        }
        .wasm_msg(cfg.stake_escrow.as_str(), vec![])?,
    );
    Ok(res
        .set_data(to_json_binary(&record)?)
        .add_attribute("action", "submit_fraud_proof")
        .add_attribute("fraud_id", id.to_string())
        .add_attribute("kind", proven.kind.as_str())
        .add_attribute("relayer", proven.relayer)
        .add_attribute("disputer", info.sender))
}

// ------------------------------------------------------------------ false lock

/// Refuses a proof list longer than `max_proof_nodes`.
fn check_nodes(cfg: &Config, what: &'static str, nodes: &[Binary]) -> Result<(), ContractError> {
    if nodes.len() > cfg.max_proof_nodes as usize {
        return Err(ContractError::EvidenceTooLarge { what, got: nodes.len(), max: cfg.max_proof_nodes });
    }
    Ok(())
}

/// Refuses evidence of more than `max_evidence_bytes` bytes in all.
fn check_bytes<'a>(cfg: &Config, parts: impl IntoIterator<Item = &'a [u8]>) -> Result<(), ContractError> {
    let bytes: usize = parts.into_iter().map(<[u8]>::len).sum();
    if bytes > cfg.max_evidence_bytes as usize {
        return Err(ContractError::EvidenceTooLarge { what: "evidence size", got: bytes, max: cfg.max_evidence_bytes });
    }
    Ok(())
}

fn to_nodes(nodes: &[Binary]) -> Vec<Bytes> {
    nodes.iter().map(|n| Bytes::copy_from_slice(n)).collect()
}

/// The EVM location of a report: only optimistic (EVM) reports are disputed here. A CosmWasm
/// lock was proven against the hub's light client when it was reported; there is nothing to
/// dispute.
fn evm_location(report: &LegReport, bundle_id: Hash32, leg_index: u32) -> Result<&EvmLocation, ContractError> {
    match &report.location {
        LockLocation::Evm(loc) => Ok(loc),
        LockLocation::CosmWasm(_) => {
            Err(ContractError::NotDisputable { bundle_id, leg_index, vm: report.location.vm().to_string() })
        }
    }
}

/// A disputed report: the leg, its current report, and the reported block's header, checked
/// against the reported block hash.
struct Disputed {
    r: ReportResponse,
    report: LegReport,
    /// The report's EVM location.
    loc: EvmLocation,
    /// The leg's router as an EVM address.
    router: Address,
    header: HeaderInfo,
    /// The header shows the report's block number or timestamp false (the block hash pins them).
    misreported: Option<FalseLockFinding>,
}

/// The reports `header` may be about, in the order they are tried: the leg's current report if
/// the header is its block, then every report of that block the signers rejected that is still
/// inside its window (a lie front-running the real lock can name the real lock's block: the honest
/// report of that block must not shield it). Each is checked against the reported block hash.
fn disputed_reports(
    q: &QuerierWrapper,
    cfg: &Config,
    bundle_id: Hash32,
    leg_index: u32,
    header: &[u8],
) -> Result<Vec<Disputed>, ContractError> {
    let r = LogQuery::report(bundle_id, leg_index).run(q, &cfg.bundle_log).map_err(|e| ContractError::UnknownLeg {
        bundle_id,
        leg_index,
        reason: e.to_string(),
    })?;
    if let Some(current) = &r.report {
        evm_location(current, bundle_id, leg_index)?;
    }
    let h = decode_header(header).map_err(ContractError::BadHeader)?;
    let hash = Hash32(h.hash);
    let block_hash = |x: &LegReport| x.location.as_evm().map(|l| l.block_hash);
    let reports: Vec<LegReport> =
        r.report.iter().chain(&r.rejected).filter(|x| block_hash(x) == Some(hash)).cloned().collect();
    if reports.is_empty() {
        return Err(match &r.report {
            Some(current) => ContractError::HeaderHashMismatch {
                reported: evm_location(current, bundle_id, leg_index)?.block_hash,
                got: hash,
            },
            None => ContractError::NoReport { bundle_id, leg_index },
        });
    }
    // The bundle-log took the report only on the leg's domain's chain, an EVM chain: its router
    // is EVM-shaped.
    let router = r.leg.router.to_evm().ok_or(ContractError::RouterNotEvm { router: r.leg.router })?;
    reports
        .into_iter()
        .map(|report| {
            let loc = evm_location(&report, bundle_id, leg_index)?.clone();
            let misreported = evidence::misreported(&h, &loc);
            Ok(Disputed { r: r.clone(), report, loc, router, header: h.clone(), misreported })
        })
        .collect()
}

/// Refuses a report whose dispute window has ended.
fn check_window(d: &Disputed, now: u64) -> Result<(), ContractError> {
    if now >= d.report.window_ends_at {
        return Err(ContractError::DisputeWindowClosed {
            report_id: d.report.report_id,
            window_ends_at: d.report.window_ends_at,
            now,
        });
    }
    Ok(())
}

/// The first of `candidates` that `prove` shows false; if none, the refusal of the first.
fn first_proven(
    candidates: Vec<Disputed>,
    now: u64,
    prove: impl Fn(&Disputed) -> Result<FalseLockFinding, ContractError>,
) -> Result<(Disputed, FalseLockFinding), ContractError> {
    let mut refusal = None;
    for d in candidates {
        match check_window(&d, now).and_then(|()| prove(&d)) {
            Ok(finding) => return Ok((d, finding)),
            Err(e) => {
                refusal.get_or_insert(e);
            }
        }
    }
    Err(refusal.expect("disputed_reports returns at least one report"))
}

/// The proven false lock of `d`, with `finding`.
fn proven_false_lock(d: Disputed, bundle_id: Hash32, leg_index: u32, finding: FalseLockFinding) -> Proven {
    let report_id = d.report.report_id;
    // One key per report, whichever evidence proved it.
    let mut key = b"false_lock/".to_vec();
    key.extend_from_slice(&report_id.to_be_bytes());
    Proven {
        key,
        kind: FraudKind::FalseLock,
        relayer: d.report.reporter,
        evm_signer: None,
        detail: FraudDetail::FalseLock { bundle_id, leg_index, report_id, finding },
        revert: Some((bundle_id, leg_index, report_id)),
    }
}

#[allow(clippy::too_many_arguments)]
fn false_lock(
    q: &QuerierWrapper,
    cfg: &Config,
    now: u64,
    bundle_id: Hash32,
    leg_index: u32,
    header: &Binary,
    receipt: &Binary,
    receipt_proof: &[Binary],
) -> Result<Proven, ContractError> {
    check_nodes(cfg, "receipt proof node count", receipt_proof)?;
    check_bytes(
        cfg,
        [header.as_slice(), receipt.as_slice()].into_iter().chain(receipt_proof.iter().map(|n| n.as_slice())),
    )?;
    let candidates = disputed_reports(q, cfg, bundle_id, leg_index, header)?;
    let nodes = to_nodes(receipt_proof);
    let (d, finding) = first_proven(candidates, now, |d| {
        evidence::receipt_finding(
            &evidence::Reported {
                header: &d.header,
                loc: &d.loc,
                router: d.router,
                leg: &d.r.leg,
                leg_hash: d.r.leg_hash,
                bundle_id,
                leg_index,
                settle_deadline: d.r.settle_deadline,
                misreported: d.misreported.clone(),
            },
            receipt,
            &nodes,
        )
    })?;
    Ok(proven_false_lock(d, bundle_id, leg_index, finding))
}

/// `FalseLockEvidence::EvmState`: the Router's escrow word `legHash` after the reported block.
#[allow(clippy::too_many_arguments)]
fn false_lock_by_state(
    q: &QuerierWrapper,
    cfg: &Config,
    now: u64,
    bundle_id: Hash32,
    leg_index: u32,
    header: &Binary,
    account_proof: &[Binary],
    storage_proof: &[Binary],
) -> Result<Proven, ContractError> {
    check_nodes(cfg, "account proof node count", account_proof)?;
    check_nodes(cfg, "storage proof node count", storage_proof)?;
    check_bytes(
        cfg,
        [header.as_slice()].into_iter().chain(account_proof.iter().chain(storage_proof).map(|n| n.as_slice())),
    )?;
    let candidates = disputed_reports(q, cfg, bundle_id, leg_index, header)?;
    let (d, finding) = first_proven(candidates, now, |d| {
        let leg_hash = verify_escrow_leg_hash(
            d.header.state_root,
            d.router,
            bundle_id.0,
            leg_index,
            &to_nodes(account_proof),
            &to_nodes(storage_proof),
        )
        .map_err(ContractError::BadStateProof)?;
        match d.misreported.clone() {
            Some(f) => Ok(f),
            None if leg_hash == B256::ZERO => Ok(FalseLockFinding::EscrowNotLocked),
            None if leg_hash != d.r.leg_hash.0 => {
                Ok(FalseLockFinding::EscrowOtherLegHash { leg_hash: Hash32(leg_hash) })
            }
            None => Err(ContractError::EscrowLockedInState { block_number: d.header.number }),
        }
    })?;
    Ok(proven_false_lock(d, bundle_id, leg_index, finding))
}

// ------------------------------------------------------------------ signatures

fn recover(
    deps: &DepsMut,
    digest: &[u8; 32],
    sig: &Signature65,
    which: &'static str,
) -> Result<EvmAddress, ContractError> {
    let api = deps.api;
    recover_signer_with(digest, sig, |d, rs, v| api.secp256k1_recover_pubkey(d, rs, v))
        .map(EvmAddress)
        .map_err(|reason| ContractError::InvalidSignature { which, reason })
}

fn relayer_of(deps: &DepsMut, cfg: &Config, signer: EvmAddress) -> Result<Addr, ContractError> {
    let found = StakeQuery::relayer_by_signer(signer).run(&deps.querier, &cfg.stake_escrow)?;
    found.map(|r| r.address).ok_or(ContractError::UnknownSigner { signer })
}

fn hub(cfg: &Config) -> HubDomain {
    HubDomain::new(cfg.hub_chain_id.clone(), cfg.bundle_log.as_str())
}

/// Signer of a statement and the statement's slot key.
fn statement_signer(
    deps: &DepsMut,
    cfg: &Config,
    s: &SignedStatement,
    which: &'static str,
) -> Result<EvmAddress, ContractError> {
    match s {
        SignedStatement::Batch { epoch, batch_index, root, signature } => {
            let d = settlement_batch_digest(
                &hub(cfg),
                &SettlementBatch { epoch: *epoch, batch_index: *batch_index, root: *root },
            );
            recover(deps, &d.0, signature, which)
        }
        SignedStatement::SignerSetUpdate { new_epoch, signers_hash, signature } => {
            let d = signer_set_update_digest(
                &hub(cfg),
                &SignerSetUpdate { new_epoch: *new_epoch, signers_hash: *signers_hash },
            );
            recover(deps, &d.0, signature, which)
        }
    }
}

fn equivocation(
    deps: &DepsMut,
    cfg: &Config,
    first: SignedStatement,
    second: SignedStatement,
) -> Result<Proven, ContractError> {
    let slot = match (&first, &second) {
        (
            SignedStatement::Batch { epoch: e1, batch_index: i1, root: r1, .. },
            SignedStatement::Batch { epoch: e2, batch_index: i2, root: r2, .. },
        ) => {
            if (e1, i1) != (e2, i2) {
                return Err(ContractError::NotConflicting { reason: "the batches have different epochs or indexes" });
            }
            if r1 == r2 {
                return Err(ContractError::NotConflicting { reason: "both batch statements have the same root" });
            }
            SignatureSlot::Batch { epoch: *e1, batch_index: *i1 }
        }
        (
            SignedStatement::SignerSetUpdate { new_epoch: e1, signers_hash: h1, .. },
            SignedStatement::SignerSetUpdate { new_epoch: e2, signers_hash: h2, .. },
        ) => {
            if e1 != e2 {
                return Err(ContractError::NotConflicting { reason: "the updates are for different epochs" });
            }
            if h1 == h2 {
                return Err(ContractError::NotConflicting { reason: "both updates have the same signers hash" });
            }
            SignatureSlot::SignerSetUpdate { new_epoch: *e1 }
        }
        _ => return Err(ContractError::NotConflicting { reason: "the statements are of different kinds" }),
    };
    let a = statement_signer(deps, cfg, &first, "first")?;
    let b = statement_signer(deps, cfg, &second, "second")?;
    if a != b {
        return Err(ContractError::DifferentSigners { first: a, second: b });
    }
    let relayer = relayer_of(deps, cfg, a)?;
    Ok(Proven {
        // one key per (slot, signer), shared with WrongAttestation / WrongSignerSetUpdate
        key: slot.fraud_key(a),
        kind: FraudKind::Equivocation,
        relayer,
        evm_signer: Some(a),
        detail: FraudDetail::Equivocation { first, second },
        revert: None,
    })
}

fn wrong_attestation(
    deps: &DepsMut,
    cfg: &Config,
    epoch: u64,
    batch_index: u64,
    root: Hash32,
    signature: Signature65,
) -> Result<Proven, ContractError> {
    let digest = settlement_batch_digest(&hub(cfg), &SettlementBatch { epoch, batch_index, root });
    let signer = recover(deps, &digest.0, &signature, "attestation")?;
    let relayer = relayer_of(deps, cfg, signer)?;
    // Batches below the open one are closed; the open one and later ones have no root yet.
    let open = LogQuery::current_batch().run(&deps.querier, &cfg.bundle_log)?;
    if batch_index < open.index {
        let closed = LogQuery::batch(batch_index).run(&deps.querier, &cfg.bundle_log)?;
        if closed.epoch == Some(epoch) && closed.root == Some(root) {
            return Err(ContractError::AttestationIsCorrect { epoch, batch_index, root });
        }
    }
    Ok(Proven {
        key: SignatureSlot::Batch { epoch, batch_index }.fraud_key(signer),
        kind: FraudKind::WrongAttestation,
        relayer,
        evm_signer: Some(signer),
        detail: FraudDetail::WrongAttestation { epoch, batch_index, root },
        revert: None,
    })
}

fn wrong_signer_set_update(
    deps: &DepsMut,
    cfg: &Config,
    new_epoch: u64,
    signers_hash: Hash32,
    signature: Signature65,
) -> Result<Proven, ContractError> {
    let digest = signer_set_update_digest(&hub(cfg), &SignerSetUpdate { new_epoch, signers_hash });
    let signer = recover(deps, &digest.0, &signature, "update")?;
    let relayer = relayer_of(deps, cfg, signer)?;
    let set = StakeQuery::signer_set(new_epoch).run(&deps.querier, &cfg.stake_escrow)?;
    if set.is_some_and(|s| s.signers_hash == signers_hash) {
        return Err(ContractError::UpdateIsCorrect { new_epoch, signers_hash });
    }
    Ok(Proven {
        key: SignatureSlot::SignerSetUpdate { new_epoch }.fraud_key(signer),
        kind: FraudKind::WrongSignerSetUpdate,
        relayer,
        evm_signer: Some(signer),
        detail: FraudDetail::WrongSignerSetUpdate { new_epoch, signers_hash },
        revert: None,
    })
}
