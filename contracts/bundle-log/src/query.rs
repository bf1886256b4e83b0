//! Read-only answers.

use cosmwasm_std::{to_json_binary, Binary, Deps, Env, StdError, StdResult};
use mesh_hub_api::stake_escrow::{QueryMsg as StakeQuery, SignerSetResponse};
use mesh_hub_api::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use mesh_protocol::merkle::merkle_proof;
use mesh_protocol::{Hash32, SignerSetUpdate};

use crate::msg::{
    AwaitingLeg, AwaitingReportsResponse, BatchIndexesResponse, BatchResponse, BatchStatus, BundleResponse,
    BundleStatus, ChainVm, ChainsResponse, ConfigResponse, DueBundlesResponse, LogResponse, MerkleProofResponse,
    OpenReport, OpenReportsResponse, ReportResponse, ScanCursor, SignerSetUpdateResponse, SignerSignature,
    MAX_SCAN_PER_PAGE,
};
use crate::rules;
use crate::state::{self, BatchRecord, BundleHead, BundleInfo};

fn page(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE_LIMIT).min(MAX_PAGE_LIMIT) as usize
}

fn not_found(what: String) -> StdError {
    StdError::msg(format!("{what} not found"))
}

pub fn config(deps: Deps, env: Env) -> StdResult<Binary> {
    let c = state::config(deps.storage)?;
    to_json_binary(&ConfigResponse {
        hub_domain_separator: crate::execute::domain(&c, &env).separator().into(),
        admin: c.admin,
        hub_chain_id: c.hub_chain_id,
        stake_escrow: c.stake_escrow,
        dispute: c.dispute,
        light_client: c.light_client,
        dispute_window: c.dispute_window,
        delivery_margin: c.delivery_margin,
        max_batch_size: c.max_batch_size,
        batch_max_age: c.batch_max_age,
        max_reports_per_msg: c.max_reports_per_msg,
        max_horizon: c.max_horizon,
        rereport_grace: c.rereport_grace,
        registration_deposit: c.registration_deposit,
        retention: c.retention,
    })
}

fn load_info(deps: Deps, id: &Hash32) -> StdResult<BundleInfo> {
    state::bundle_info(deps.storage, id)?.ok_or_else(|| not_found(format!("bundle {id}")))
}

fn load_head(deps: Deps, id: &Hash32) -> StdResult<BundleHead> {
    state::bundle_head(deps.storage, id)?.ok_or_else(|| not_found(format!("bundle {id}")))
}

fn bundle_response(deps: Deps, b: BundleInfo) -> StdResult<BundleResponse> {
    let cfg = state::config(deps.storage)?;
    let head = load_head(deps, &b.id)?;
    let reports = state::leg_reports(deps.storage, &b, &head)?;
    Ok(BundleResponse {
        bundle_id: b.id,
        commit_cutoff: rules::commit_cutoff(&b, cfg.delivery_margin),
        status: if head.verdict.is_some() { BundleStatus::Decided } else { BundleStatus::Pending },
        bundle: b.bundle,
        leg_hashes: b.leg_hashes,
        registered_at: b.registered_at,
        reports,
        verdict: head.verdict,
        reason: head.reason,
        decided_at: head.decided_at,
        batch_index: head.batch_index,
        next_check: head.next_check,
    })
}

pub fn bundle(deps: Deps, bundle_id: Hash32) -> StdResult<Binary> {
    let b = load_info(deps, &bundle_id)?;
    to_json_binary(&bundle_response(deps, b)?)
}

pub fn bundle_by_nonce(deps: Deps, creator: String, nonce: u64) -> StdResult<Binary> {
    let creator = deps.api.addr_validate(&creator)?;
    let id = state::bundle_by_nonce(deps.storage, &creator, nonce)?
        .ok_or_else(|| not_found(format!("bundle of {creator} with nonce {nonce}")))?;
    bundle(deps, id)
}

pub fn report(deps: Deps, bundle_id: Hash32, leg_index: u32) -> StdResult<Binary> {
    let b = load_info(deps, &bundle_id)?;
    let leg = b.leg(leg_index).ok_or_else(|| not_found(format!("leg {leg_index} of bundle {bundle_id}")))?;
    let i = leg.position();
    let head = load_head(deps, &bundle_id)?;
    let rejected = state::rejected_reports(deps.storage, &bundle_id, &head)?
        .into_iter()
        .filter(|(_, leg, _)| *leg == leg_index)
        .map(|(_, _, r)| r)
        .collect();
    to_json_binary(&ReportResponse {
        bundle_id,
        leg_index,
        leg: b.bundle.legs[i].clone(),
        leg_hash: b.leg_hashes[i],
        lock_deadline: b.bundle.lock_deadline,
        settle_deadline: b.bundle.settle_deadline,
        report: state::leg_report(deps.storage, &head, leg)?,
        decided: head.verdict.is_some(),
        rejected,
    })
}

pub fn log(deps: Deps, start_after: Option<u64>, limit: Option<u32>) -> StdResult<Binary> {
    to_json_binary(&LogResponse {
        entries: state::log_page(deps.storage, start_after, page(limit))?,
        total: state::log_len(deps.storage)?,
    })
}

fn batch_response(deps: Deps, b: BatchRecord) -> StdResult<BatchResponse> {
    let signatures = state::batch_signatures(deps.storage, b.index)?
        .into_iter()
        .map(|(signer, signature)| SignerSignature { signer, signature })
        .collect();
    Ok(BatchResponse {
        index: b.index,
        status: b.status,
        epoch: b.epoch,
        root: b.root,
        entries: b.entries,
        opened_at: b.opened_at,
        closed_at: b.closed_at,
        attested_at: b.attested_at,
        signed_weight: b.signed_weight,
        threshold: b.threshold,
        signatures,
    })
}

pub fn batch(deps: Deps, index: u64) -> StdResult<Binary> {
    let b = state::batch(deps.storage, index)?.ok_or_else(|| not_found(format!("batch {index}")))?;
    to_json_binary(&batch_response(deps, b)?)
}

pub fn current_batch(deps: Deps) -> StdResult<Binary> {
    let mut open = state::open_batch(deps.storage)?;
    state::load_entries(deps.storage, &mut open)?;
    to_json_binary(&batch_response(deps, open)?)
}

pub fn merkle_proof_of(deps: Deps, bundle_id: Hash32) -> StdResult<Binary> {
    let b = load_head(deps, &bundle_id)?;
    let (Some(verdict), Some(index), Some(position)) = (b.verdict, b.batch_index, b.position) else {
        return Err(StdError::msg(format!("bundle {bundle_id} is not decided yet")));
    };
    let batch = state::batch(deps.storage, index)?.ok_or_else(|| not_found(format!("batch {index}")))?;
    let (Some(epoch), Some(root)) = (batch.epoch, batch.root) else {
        return Err(StdError::msg(format!("batch {index} of bundle {bundle_id} is not closed yet")));
    };
    let leaves: Vec<_> = batch.entries.iter().map(|e| e.leaf.0).collect();
    let proof = merkle_proof(&leaves, position as usize)
        .ok_or_else(|| StdError::msg("leaf position out of range"))?
        .into_iter()
        .map(Hash32::from)
        .collect();
    to_json_binary(&MerkleProofResponse {
        bundle_id,
        verdict,
        leaf: batch.entries[position as usize].leaf,
        batch_index: index,
        epoch,
        root,
        position,
        proof,
        attested: batch.status == BatchStatus::Attested,
    })
}

/// A page of what `pick` finds in the undecided bundles after `start_after`, in wake-up order:
/// at most `MAX_SCAN_PER_PAGE` bundles looked at, whole bundles only (more than `limit` items
/// only when one bundle alone has more), and where to go on from.
fn scan_undecided<T>(
    deps: Deps,
    start_after: Option<ScanCursor>,
    limit: Option<u32>,
    mut pick: impl FnMut(&BundleInfo, &BundleHead) -> StdResult<Vec<T>>,
) -> StdResult<(Vec<T>, Option<ScanCursor>)> {
    let limit = page(limit);
    let start = start_after.as_ref().map(|c| (c.at, &c.bundle_id));
    let keys = state::undecided_page(deps.storage, start, MAX_SCAN_PER_PAGE + 1)?;
    let mut out = vec![];
    let mut last = None;
    for (i, (at, id)) in keys.iter().enumerate() {
        if i == MAX_SCAN_PER_PAGE {
            return Ok((out, last));
        }
        let info = load_info(deps, id)?;
        let head = state::bundle_head(deps.storage, id)?.ok_or_else(|| not_found(format!("bundle {id}")))?;
        let items = pick(&info, &head)?;
        if !out.is_empty() && out.len() + items.len() > limit {
            return Ok((out, last));
        }
        out.extend(items);
        last = Some(ScanCursor { at: *at, bundle_id: *id });
    }
    Ok((out, None))
}

pub fn awaiting_reports(
    deps: Deps,
    domain: u64,
    start_after: Option<ScanCursor>,
    limit: Option<u32>,
) -> StdResult<Binary> {
    let (legs, next) = scan_undecided(deps, start_after, limit, |b, head| {
        // a mint or release leg locks nothing: no reporter waits for it
        Ok(b.locking_legs()
            .filter(|(leg, l)| l.domain == domain && !head.is_reported(*leg))
            .map(|(leg, l)| AwaitingLeg {
                bundle_id: b.id,
                leg_index: leg.index(),
                leg_hash: b.leg_hashes[leg.position()],
                leg: l.clone(),
                lock_deadline: b.bundle.lock_deadline,
                settle_deadline: b.bundle.settle_deadline,
            })
            .collect())
    })?;
    to_json_binary(&AwaitingReportsResponse { legs, next })
}

pub fn open_reports(deps: Deps, domain: u64, start_after: Option<ScanCursor>, limit: Option<u32>) -> StdResult<Binary> {
    let (reports, next) = scan_undecided(deps, start_after, limit, |b, head| {
        let mut out = vec![];
        for (leg, l) in b.locking_legs().filter(|(leg, l)| l.domain == domain && head.is_reported(*leg)) {
            let Some(report) = state::leg_report(deps.storage, head, leg)? else { continue };
            // a report proven against a light client is final at once: nothing to check
            if report.window_ends_at == report.reported_at {
                continue;
            }
            out.push(OpenReport {
                bundle_id: b.id,
                leg_index: leg.index(),
                leg_hash: b.leg_hashes[leg.position()],
                leg: l.clone(),
                settle_deadline: b.bundle.settle_deadline,
                report,
            });
        }
        Ok(out)
    })?;
    to_json_binary(&OpenReportsResponse { reports, next })
}

pub fn due_bundles(deps: Deps, env: Env, limit: Option<u32>) -> StdResult<Binary> {
    let now = env.block.time.seconds();
    let bundle_ids = state::due(deps.storage, now, page(limit))?.into_iter().map(|(_, id)| id).collect();
    let retention = state::config(deps.storage)?.retention;
    let prunable = state::prunable(deps.storage, now.saturating_sub(retention), page(limit))?.len() as u32;
    to_json_binary(&DueBundlesResponse { now, bundle_ids, prunable })
}

pub fn unattested_batches(deps: Deps, start_after: Option<u64>, limit: Option<u32>) -> StdResult<Binary> {
    to_json_binary(&BatchIndexesResponse { batches: state::unattested_page(deps.storage, start_after, page(limit))? })
}

pub fn attested_batches(deps: Deps, start_after: Option<u64>, limit: Option<u32>) -> StdResult<Binary> {
    to_json_binary(&BatchIndexesResponse { batches: state::attested_page(deps.storage, start_after, page(limit))? })
}

pub fn chain(deps: Deps, domain: u64) -> StdResult<Binary> {
    to_json_binary(&state::chain(deps.storage, domain)?.ok_or_else(|| not_found(format!("domain {domain}")))?)
}

pub fn chain_by_vm(deps: Deps, vm: ChainVm) -> StdResult<Binary> {
    let domain = state::domain_of_vm(deps.storage, &vm)?.ok_or_else(|| not_found(format!("{vm}")))?;
    chain(deps, domain)
}

pub fn chains(deps: Deps, start_after: Option<u64>, limit: Option<u32>) -> StdResult<Binary> {
    to_json_binary(&ChainsResponse { chains: state::chains_page(deps.storage, start_after, page(limit))? })
}

pub fn signer_set_update(deps: Deps, new_epoch: u64) -> StdResult<Binary> {
    let cfg = state::config(deps.storage)?;
    let set = |epoch: u64| -> StdResult<SignerSetResponse> {
        let found: Option<SignerSetResponse> =
            deps.querier.query_wasm_smart(&cfg.stake_escrow, &StakeQuery::SignerSet { epoch })?;
        found.ok_or_else(|| not_found(format!("signer set of epoch {epoch}")))
    };
    if new_epoch < 2 {
        return Err(StdError::msg(format!("epoch {new_epoch} is not reached by an update")));
    }
    let new_set = set(new_epoch)?;
    let old_set = set(new_epoch - 1)?;
    let record = state::update(deps.storage, new_epoch)?;
    let signatures = state::update_signatures(deps.storage, new_epoch)?
        .into_iter()
        .map(|(signer, signature)| SignerSignature { signer, signature })
        .collect();
    to_json_binary(&SignerSetUpdateResponse {
        update: SignerSetUpdate { new_epoch, signers_hash: new_set.signers_hash },
        new_set: new_set.set,
        signing_epoch: new_epoch - 1,
        signed_weight: record.signed_weight,
        threshold: old_set.set.threshold,
        attested: record.attested_at.is_some(),
        signatures,
    })
}
