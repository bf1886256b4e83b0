//! The narrow view of the hub the relayer roles use, so each role can be tested alone against
//! an in-memory hub; [`LiveHub`] is the real one over [`CosmosClient`].
use std::future::Future;

use mesh_hub_api::bundle_log::{
    self, AwaitingLeg, BatchIndexesResponse, BatchResponse, BundleResponse, DueBundlesResponse, LockReport,
    LogResponse, MerkleProofResponse, ObjectReportsResponse, Objection, OpenReport, ReportLocksResponse,
    ReportResponse, SignerSetUpdateResponse,
};
use mesh_hub_api::dispute::{self, FraudProof};
use mesh_hub_api::light_client;
use mesh_hub_api::stake_escrow::{self, RelayerInfo, SignerSetResponse};
use mesh_protocol::{EvmAddress, Hash32, Signature65, SignerSet};
use prost::Message;

use crate::{CosmosClient, CosmosError, CosmosSigner};

/// What the roles ask of and send to the hub.
pub trait MeshHub: Send + Sync {
    fn awaiting_reports(&self, domain: u64) -> impl Future<Output = Result<Vec<AwaitingLeg>, CosmosError>> + Send;
    /// One leg's report state; `None` when the hub knows no such bundle.
    fn report(
        &self,
        bundle_id: Hash32,
        leg_index: u32,
    ) -> impl Future<Output = Result<Option<ReportResponse>, CosmosError>> + Send;
    fn submit_reports(
        &self,
        reports: Vec<LockReport>,
    ) -> impl Future<Output = Result<ReportLocksResponse, CosmosError>> + Send;
    /// Reports on `domain` still inside their dispute window (every page).
    fn open_reports(&self, domain: u64) -> impl Future<Output = Result<Vec<OpenReport>, CosmosError>> + Send;
    /// `ObjectReports` as this relayer (a member of the current signer set).
    fn object_reports(
        &self,
        objections: Vec<Objection>,
    ) -> impl Future<Output = Result<ObjectReportsResponse, CosmosError>> + Send;
    fn due_bundles(&self) -> impl Future<Output = Result<DueBundlesResponse, CosmosError>> + Send;
    fn current_batch(&self) -> impl Future<Output = Result<BatchResponse, CosmosError>> + Send;
    fn advance(&self) -> impl Future<Output = Result<(), CosmosError>> + Send;
    /// `Prune` at its largest limit: decided bundles past retention leave the hub's state.
    fn prune(&self) -> impl Future<Output = Result<(), CosmosError>> + Send;
    fn unattested_batches(&self) -> impl Future<Output = Result<Vec<u64>, CosmosError>> + Send;
    fn attested_batches(&self, start_after: Option<u64>) -> impl Future<Output = Result<Vec<u64>, CosmosError>> + Send;
    fn batch(&self, index: u64) -> impl Future<Output = Result<BatchResponse, CosmosError>> + Send;
    fn bundle(&self, bundle_id: Hash32) -> impl Future<Output = Result<BundleResponse, CosmosError>> + Send;
    fn merkle_proof(&self, bundle_id: Hash32) -> impl Future<Output = Result<MerkleProofResponse, CosmosError>> + Send;
    fn signer_set(&self, epoch: u64) -> impl Future<Output = Result<Option<SignerSetResponse>, CosmosError>> + Send;
    fn current_signer_set(&self) -> impl Future<Output = Result<Option<SignerSetResponse>, CosmosError>> + Send;
    fn signer_set_update(
        &self,
        new_epoch: u64,
    ) -> impl Future<Output = Result<Option<SignerSetUpdateResponse>, CosmosError>> + Send;
    /// The set the stake-escrow's `RotateSigners` would make now (`None`: no active relayer).
    fn next_signer_set(&self) -> impl Future<Output = Result<Option<SignerSet>, CosmosError>> + Send;
    /// `RotateSigners` on the stake-escrow (anyone may call it; the contract enforces the delay).
    fn rotate_signers(&self) -> impl Future<Output = Result<(), CosmosError>> + Send;
    fn submit_signatures(
        &self,
        batch_index: u64,
        signatures: Vec<Signature65>,
    ) -> impl Future<Output = Result<(), CosmosError>> + Send;
    fn submit_update_signatures(
        &self,
        new_epoch: u64,
        signatures: Vec<Signature65>,
    ) -> impl Future<Output = Result<(), CosmosError>> + Send;
    fn log(
        &self,
        start_after: Option<u64>,
        limit: u32,
    ) -> impl Future<Output = Result<LogResponse, CosmosError>> + Send;
    /// The relayer that registered `evm_signer` as its signing key, `None` if nobody did (then no
    /// signature by that key can be slashed).
    fn relayer_by_signer(
        &self,
        evm_signer: EvmAddress,
    ) -> impl Future<Output = Result<Option<RelayerInfo>, CosmosError>> + Send;
    fn submit_fraud(&self, proof: FraudProof) -> impl Future<Output = Result<String, CosmosError>> + Send;
    /// The hub's light client of CometBFT chain `chain_id` (`None`: the hub has none).
    fn light_client(
        &self,
        chain_id: &str,
    ) -> impl Future<Output = Result<Option<light_client::ClientResponse>, CosmosError>> + Send;
    /// Whether that client holds a consensus state at `height`.
    fn has_consensus_state(
        &self,
        chain_id: &str,
        height: u64,
    ) -> impl Future<Output = Result<bool, CosmosError>> + Send;
    /// `UpdateClient` on the hub's light-client contract (anyone may call it).
    fn update_light_client(
        &self,
        chain_id: &str,
        header: light_client::LightHeader,
        trusted_height: u64,
        trusted_next_validators: Option<Vec<u8>>,
    ) -> impl Future<Output = Result<(), CosmosError>> + Send;
}

/// The hub over RPC, acting as one relayer account.
pub struct LiveHub {
    pub client: CosmosClient,
    pub signer: CosmosSigner,
    pub bundle_log: String,
    pub stake_escrow: String,
    pub dispute: String,
    /// The bundle-log's light-client contract, once read (it is set once and never changes).
    pub light_client: std::sync::OnceLock<String>,
}

/// Bundles one `Advance` decides at most (the contract caps it at 64).
const MAX_ADVANCE: u32 = 32;
/// The `Advance` limit that last fit the block gas limit (one hub per relayer process).
static ADVANCE_LIMIT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(MAX_ADVANCE);

/// A tx refused because its gas limit exceeds the block's (CometBFT/SDK `invalid gas limit`).
fn exceeds_block_gas(e: &CosmosError) -> bool {
    e.to_string().contains("exceeds block max gas")
}

/// Test seam: called right after the hub included a `ReportLocks`, before the sender records it
/// (the crash-recovery test aborts its relayer process there). Production never sets it.
static AFTER_REPORTS_INCLUDED: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets the test seam called after the hub included a `ReportLocks`; a second call changes nothing.
pub fn set_after_reports_included(hook: fn()) {
    let _ = AFTER_REPORTS_INCLUDED.set(hook);
}

/// Contract errors that mean "not found" in a query.
fn is_not_found(e: &CosmosError) -> bool {
    matches!(e, CosmosError::Query { log, .. } if log.contains("not found") || log.contains("NotFound") || log.contains("Unknown"))
}

impl LiveHub {
    async fn q<T: serde::de::DeserializeOwned>(
        &self,
        contract: &str,
        msg: &impl serde::Serialize,
    ) -> Result<T, CosmosError> {
        self.client.query_smart(contract, msg).await
    }

    async fn exec(&self, contract: &str, msg: &impl serde::Serialize) -> Result<crate::TxOutcome, CosmosError> {
        self.client.execute(&self.signer, contract, msg, vec![]).await
    }
}

/// The JSON a contract returned from an execute, out of the tx's `MsgExecuteContractResponse`.
fn execute_data<T: serde::de::DeserializeOwned>(out: &crate::TxOutcome) -> Result<T, CosmosError> {
    let raw = out
        .msg_data
        .first()
        .ok_or(CosmosError::Decode { what: "execute response", detail: "no message data".into() })?;
    let resp = cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContractResponse::decode(raw.as_slice())
        .map_err(|e| CosmosError::Decode { what: "execute response", detail: e.to_string() })?;
    serde_json::from_slice(&resp.data)
        .map_err(|e| CosmosError::Decode { what: "execute response JSON", detail: e.to_string() })
}

/// Pages a scan of the hub's undecided bundles (`AwaitingReports`, `OpenReports`) from the start
/// until its cursor ends (at most 10 000 items), dropping an item seen twice: a bundle whose
/// wake-up moved while paging can come again.
async fn scan_all<T, F, Fut>(mut page: F, key: impl Fn(&T) -> (Hash32, u32)) -> Result<Vec<T>, CosmosError>
where
    F: FnMut(Option<bundle_log::ScanCursor>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<bundle_log::ScanCursor>), CosmosError>>,
{
    let mut out = Vec::new();
    let mut start_after = None;
    loop {
        let (items, next) = page(start_after).await?;
        out.extend(items);
        match next {
            Some(next) if out.len() < 10_000 => start_after = Some(next),
            _ => break,
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|item| seen.insert(key(item)));
    Ok(out)
}

impl MeshHub for LiveHub {
    async fn awaiting_reports(&self, domain: u64) -> Result<Vec<AwaitingLeg>, CosmosError> {
        let query = |start_after| bundle_log::QueryMsg::AwaitingReports { domain, start_after, limit: Some(100) };
        let page = |start_after| async move {
            let p: bundle_log::AwaitingReportsResponse = self.q(&self.bundle_log, &query(start_after)).await?;
            Ok((p.legs, p.next))
        };
        scan_all(page, |l: &AwaitingLeg| (l.bundle_id, l.leg_index)).await
    }

    async fn report(&self, bundle_id: Hash32, leg_index: u32) -> Result<Option<ReportResponse>, CosmosError> {
        match self.q(&self.bundle_log, &bundle_log::QueryMsg::Report { bundle_id, leg_index }).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn submit_reports(&self, reports: Vec<LockReport>) -> Result<ReportLocksResponse, CosmosError> {
        let out = self.exec(&self.bundle_log, &bundle_log::ExecuteMsg::ReportLocks { reports }).await?;
        if let Some(hook) = AFTER_REPORTS_INCLUDED.get() {
            hook();
        }
        execute_data(&out)
    }

    async fn open_reports(&self, domain: u64) -> Result<Vec<OpenReport>, CosmosError> {
        let query = |start_after| bundle_log::QueryMsg::OpenReports { domain, start_after, limit: Some(100) };
        let page = |start_after| async move {
            let p: bundle_log::OpenReportsResponse = self.q(&self.bundle_log, &query(start_after)).await?;
            Ok((p.reports, p.next))
        };
        scan_all(page, |r: &OpenReport| (r.bundle_id, r.leg_index)).await
    }

    async fn object_reports(&self, objections: Vec<Objection>) -> Result<ObjectReportsResponse, CosmosError> {
        let out = self.exec(&self.bundle_log, &bundle_log::ExecuteMsg::ObjectReports { objections }).await?;
        execute_data(&out)
    }

    async fn due_bundles(&self) -> Result<DueBundlesResponse, CosmosError> {
        self.q(&self.bundle_log, &bundle_log::QueryMsg::DueBundles { limit: Some(64) }).await
    }

    async fn current_batch(&self) -> Result<BatchResponse, CosmosError> {
        self.q(&self.bundle_log, &bundle_log::QueryMsg::CurrentBatch {}).await
    }

    async fn prune(&self) -> Result<(), CosmosError> {
        self.exec(&self.bundle_log, &bundle_log::ExecuteMsg::Prune { limit: None }).await.map(|_| ())
    }

    async fn advance(&self) -> Result<(), CosmosError> {
        use std::sync::atomic::Ordering::Relaxed;
        // One Advance must fit the hub's block gas limit: with many bundles due at once, 32
        // verdicts need more gas than a block holds (~300k each on a 10M block), and a tx over the
        // limit is refused at CheckTx forever. Halve until it fits; the rest is decided next
        // round. Grow back by doubling after each success so a burst does not leave it small.
        let mut limit = ADVANCE_LIMIT.load(Relaxed).clamp(1, MAX_ADVANCE);
        loop {
            match self.exec(&self.bundle_log, &bundle_log::ExecuteMsg::Advance { limit: Some(limit) }).await {
                Ok(_) => {
                    ADVANCE_LIMIT.store((limit * 2).min(MAX_ADVANCE), Relaxed);
                    return Ok(());
                }
                Err(e) if limit > 1 && exceeds_block_gas(&e) => {
                    limit /= 2;
                }
                Err(e) => {
                    ADVANCE_LIMIT.store(limit, Relaxed);
                    return Err(e);
                }
            }
        }
    }

    async fn unattested_batches(&self) -> Result<Vec<u64>, CosmosError> {
        let r: BatchIndexesResponse = self
            .q(&self.bundle_log, &bundle_log::QueryMsg::UnattestedBatches { start_after: None, limit: Some(50) })
            .await?;
        Ok(r.batches)
    }

    async fn attested_batches(&self, start_after: Option<u64>) -> Result<Vec<u64>, CosmosError> {
        let r: BatchIndexesResponse =
            self.q(&self.bundle_log, &bundle_log::QueryMsg::AttestedBatches { start_after, limit: Some(50) }).await?;
        Ok(r.batches)
    }

    async fn batch(&self, index: u64) -> Result<BatchResponse, CosmosError> {
        self.q(&self.bundle_log, &bundle_log::QueryMsg::Batch { index }).await
    }

    async fn bundle(&self, bundle_id: Hash32) -> Result<BundleResponse, CosmosError> {
        self.q(&self.bundle_log, &bundle_log::QueryMsg::Bundle { bundle_id }).await
    }

    async fn merkle_proof(&self, bundle_id: Hash32) -> Result<MerkleProofResponse, CosmosError> {
        self.q(&self.bundle_log, &bundle_log::QueryMsg::MerkleProof { bundle_id }).await
    }

    async fn signer_set(&self, epoch: u64) -> Result<Option<SignerSetResponse>, CosmosError> {
        self.q(&self.stake_escrow, &stake_escrow::QueryMsg::SignerSet { epoch }).await
    }

    async fn current_signer_set(&self) -> Result<Option<SignerSetResponse>, CosmosError> {
        self.q(&self.stake_escrow, &stake_escrow::QueryMsg::CurrentSignerSet {}).await
    }

    async fn signer_set_update(&self, new_epoch: u64) -> Result<Option<SignerSetUpdateResponse>, CosmosError> {
        match self.q(&self.bundle_log, &bundle_log::QueryMsg::SignerSetUpdate { new_epoch }).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn next_signer_set(&self) -> Result<Option<SignerSet>, CosmosError> {
        self.q(&self.stake_escrow, &stake_escrow::QueryMsg::NextSignerSet {}).await
    }

    async fn rotate_signers(&self) -> Result<(), CosmosError> {
        self.exec(&self.stake_escrow, &stake_escrow::ExecuteMsg::RotateSigners {}).await.map(|_| ())
    }

    async fn submit_signatures(&self, batch_index: u64, signatures: Vec<Signature65>) -> Result<(), CosmosError> {
        self.exec(&self.bundle_log, &bundle_log::ExecuteMsg::SubmitSignatures { batch_index, signatures })
            .await
            .map(|_| ())
    }

    async fn submit_update_signatures(&self, new_epoch: u64, signatures: Vec<Signature65>) -> Result<(), CosmosError> {
        self.exec(&self.bundle_log, &bundle_log::ExecuteMsg::SubmitSignerSetSignatures { new_epoch, signatures })
            .await
            .map(|_| ())
    }

    async fn log(&self, start_after: Option<u64>, limit: u32) -> Result<LogResponse, CosmosError> {
        self.q(&self.bundle_log, &bundle_log::QueryMsg::Log { start_after, limit: Some(limit) }).await
    }

    async fn relayer_by_signer(&self, evm_signer: EvmAddress) -> Result<Option<RelayerInfo>, CosmosError> {
        self.q(&self.stake_escrow, &stake_escrow::QueryMsg::RelayerBySigner { evm_signer }).await
    }

    async fn submit_fraud(&self, proof: FraudProof) -> Result<String, CosmosError> {
        let out = self.exec(&self.dispute, &dispute::ExecuteMsg::SubmitFraudProof { proof }).await?;
        Ok(out.hash)
    }

    async fn light_client(&self, chain_id: &str) -> Result<Option<light_client::ClientResponse>, CosmosError> {
        let Some(lc) = self.light_client_contract().await? else { return Ok(None) };
        match self.q(&lc, &light_client::QueryMsg::Client { chain_id: chain_id.into() }).await {
            Ok(c) => Ok(Some(c)),
            Err(CosmosError::Query { log, .. }) if log.contains("no client for chain") => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn has_consensus_state(&self, chain_id: &str, height: u64) -> Result<bool, CosmosError> {
        let Some(lc) = self.light_client_contract().await? else { return Ok(false) };
        let q = light_client::QueryMsg::ConsensusState { chain_id: chain_id.into(), height: Some(height) };
        match self.q::<light_client::ConsensusStateResponse>(&lc, &q).await {
            Ok(c) => Ok(c.height == height),
            Err(CosmosError::Query { log, .. }) if log.contains("no consensus state") || log.contains("no client") => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    async fn update_light_client(
        &self,
        chain_id: &str,
        header: light_client::LightHeader,
        trusted_height: u64,
        trusted_next_validators: Option<Vec<u8>>,
    ) -> Result<(), CosmosError> {
        let lc = self.light_client_contract().await?.ok_or_else(|| CosmosError::Query {
            path: "bundle-log config".into(),
            code: 0,
            log: "the bundle-log has no light client".into(),
        })?;
        let msg = light_client::ExecuteMsg::UpdateClient {
            chain_id: chain_id.into(),
            header,
            trusted_height,
            trusted_next_validators: trusted_next_validators.map(Into::into),
        };
        self.exec(&lc, &msg).await.map(|_| ())
    }
}

impl LiveHub {
    /// The light-client contract the bundle-log verifies CosmWasm reports with (`SetLightClient`).
    /// Read once: every light-client call of the updater would otherwise query the config again.
    async fn light_client_contract(&self) -> Result<Option<String>, CosmosError> {
        if let Some(a) = self.light_client.get() {
            return Ok(Some(a.clone()));
        }
        let cfg: bundle_log::ConfigResponse = self.q(&self.bundle_log, &bundle_log::QueryMsg::Config {}).await?;
        let found = cfg.light_client.map(|a| a.to_string());
        if let Some(a) = &found {
            let _ = self.light_client.set(a.clone());
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advance_over_the_block_gas_limit_is_recognised_from_the_nodes_refusal() {
        // as injectived 1.18 answered `mesh-bench hub` with 900 bundles due and 16 per Advance
        let refused = CosmosError::Rpc {
            url: "http://127.0.0.1:30601".into(),
            detail: "response error: Internal error: broadcast error on transaction validation: tx 028A… is invalid: \
                     code=41, data=, log='tx gas limit 10096636 exceeds block max gas 10000000: invalid gas limit', \
                     codespace='sdk' (code: -32603)"
                .into(),
        };
        assert!(exceeds_block_gas(&refused));
        let other = CosmosError::Rpc { url: "http://x".into(), detail: "connection refused".into() };
        assert!(!exceeds_block_gas(&other));
    }

    #[tokio::test]
    async fn a_scan_pages_until_its_cursor_ends_and_keeps_a_leg_that_came_twice_once() {
        let id = |n: u8| Hash32(mesh_protocol::keccak256([n]));
        let cursor = |n: u8| bundle_log::ScanCursor { at: n as u64, bundle_id: id(n) };
        // the second page repeats leg (2, 0): its bundle's wake-up moved past the cursor
        let pages = [(vec![(1, 0), (2, 0)], Some(cursor(2))), (vec![(2, 0), (3, 1)], Some(cursor(3))), (vec![], None)];
        let mut asked = vec![];
        let page = |start_after: Option<bundle_log::ScanCursor>| {
            asked.push(start_after);
            let (items, next) = pages[asked.len() - 1].clone();
            async move { Ok((items.into_iter().map(|(b, l)| (id(b), l)).collect::<Vec<_>>(), next)) }
        };
        let all = scan_all(page, |x: &(Hash32, u32)| *x).await.unwrap();
        assert_eq!(all, vec![(id(1), 0), (id(2), 0), (id(3), 1)]);
        assert_eq!(asked, vec![None, Some(cursor(2)), Some(cursor(3))], "each page starts where the last ended");
    }
}
