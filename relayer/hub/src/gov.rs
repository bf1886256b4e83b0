//! Pinning the hub contracts' codes (issue 14). wasmd charges every execute message an instance
//! cost for loading the contract: 60 000 gas for an unpinned code, 2 000 for a pinned one (kept
//! in every node's memory cache; `DefaultInstanceCost` / `DefaultInstanceCostDiscount` of the
//! wasmd v0.53 fork in injectived 1.18.2). `MsgPinCodes` (cosmwasm.wasm.v1) changes only that
//! cost, never what a contract does, and its authority is the x/gov module account: on any
//! network pinning is a governance proposal.
//!
//! The devnet pins by a real proposal (submitted by its deployer, voted by its validators);
//! `mesh hub pin-proposal` prints the same proposal for `injectived tx gov submit-proposal` on a
//! real network.
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cosmrs::proto::cosmos::auth::v1beta1::{
    ModuleAccount, QueryModuleAccountByNameRequest, QueryModuleAccountByNameResponse,
};
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmos::gov::v1::{
    MsgSubmitProposal, MsgVote, Params as GovParams, Proposal, ProposalStatus, QueryParamsRequest, QueryParamsResponse,
    QueryProposalRequest, QueryProposalResponse, VoteOption,
};
use cosmrs::proto::cosmwasm::wasm::v1::{MsgPinCodes, QueryPinnedCodesRequest, QueryPinnedCodesResponse};
use cosmrs::Any;
use mesh_cosmos::{CosmosClient, CosmosSigner};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::deploy::{abci, all_pages, hub_err, DeployError, Progress, StoredCodes};

/// The x/gov module's name: its account is the authority of `MsgPinCodes`.
pub const GOV_MODULE: &str = "gov";

/// Title of the pin proposal.
pub const PIN_TITLE: &str = "Atomic Mesh: pin the hub contracts' codes";

/// The codes a deployment pins: every hub contract's (`Deployment::code_ids`; each is executed
/// on the settlement path), once each, ascending.
pub fn hub_code_ids(code_ids: &BTreeMap<String, u64>) -> Vec<u64> {
    let ids: BTreeSet<u64> = code_ids.values().copied().collect();
    ids.into_iter().collect()
}

/// The address of module account `module` (`authtypes.NewModuleAddress`: the first 20 bytes of
/// sha256 of the name), e.g. `inj10d07y265gmmuvt4z0w9aw880jnsr700jstypyt` for `gov` on injectived.
pub fn module_address(module: &str, prefix: &str) -> String {
    let hash = Sha256::digest(module.as_bytes());
    cosmrs::AccountId::new(prefix, &hash[..20]).expect("a valid prefix and 20 bytes").to_string()
}

/// The address of the hub's x/gov module account, as its auth module reports it.
pub async fn gov_address(hub: &CosmosClient) -> Result<String, DeployError> {
    let resp: QueryModuleAccountByNameResponse = abci(
        hub,
        "/cosmos.auth.v1beta1.Query/ModuleAccountByName",
        QueryModuleAccountByNameRequest { name: GOV_MODULE.into() },
    )
    .await?;
    let unexpected = |detail: String| DeployError::Unexpected { step: "read the gov module account".into(), detail };
    let any = resp.account.ok_or_else(|| unexpected("no account".into()))?;
    let account = ModuleAccount::decode(any.value.as_slice()).map_err(|e| unexpected(e.to_string()))?;
    account.base_account.map(|b| b.address).filter(|a| !a.is_empty()).ok_or_else(|| unexpected("no address".into()))
}

/// The hub's governance parameters.
pub async fn gov_params(hub: &CosmosClient) -> Result<GovParams, DeployError> {
    let resp: QueryParamsResponse =
        abci(hub, "/cosmos.gov.v1.Query/Params", QueryParamsRequest { params_type: "deposit".into() }).await?;
    resp.params.ok_or(DeployError::Unexpected { step: "read the gov params".into(), detail: "no params".into() })
}

/// Code ids the hub keeps pinned.
pub async fn pinned_codes(hub: &CosmosClient) -> Result<BTreeSet<u64>, DeployError> {
    let pinned = all_pages(
        hub,
        "/cosmwasm.wasm.v1.Query/PinnedCodes",
        |pagination| QueryPinnedCodesRequest { pagination },
        |r: QueryPinnedCodesResponse| (r.code_ids, r.pagination),
    )
    .await?;
    Ok(pinned.into_iter().collect())
}

/// Every code id stored on the hub.
pub async fn stored_codes(hub: &CosmosClient) -> Result<BTreeSet<u64>, DeployError> {
    Ok(StoredCodes::read(hub).await?.ids().collect())
}

/// `MsgPinCodes { authority, code_ids }`.
pub fn pin_codes_msg(authority: &str, code_ids: &[u64]) -> Any {
    let msg = MsgPinCodes { authority: authority.into(), code_ids: code_ids.to_vec() };
    Any { type_url: "/cosmwasm.wasm.v1.MsgPinCodes".into(), value: msg.encode_to_vec() }
}

/// What the proposal says it does.
pub fn pin_summary(code_ids: &[u64]) -> String {
    format!(
        "Pins wasm codes {code_ids:?} (the Atomic Mesh hub contracts) in every node's cache: each execute \
         message of their contracts then costs the pinned instance cost (2 000 gas) instead of the unpinned one \
         (60 000). Gas only: the contracts' behaviour does not change."
    )
}

/// `MsgSubmitProposal` of `proposer` carrying `MsgPinCodes { authority, code_ids }` with
/// `deposit` as its initial deposit (the gov params' `min_deposit`, so voting starts at once).
pub fn pin_proposal_msg(proposer: &str, authority: &str, code_ids: &[u64], deposit: &[ProtoCoin]) -> Any {
    let msg = MsgSubmitProposal {
        messages: vec![pin_codes_msg(authority, code_ids)],
        initial_deposit: deposit.to_vec(),
        proposer: proposer.into(),
        metadata: String::new(),
        title: PIN_TITLE.into(),
        summary: pin_summary(code_ids),
        expedited: false,
    };
    Any { type_url: "/cosmos.gov.v1.MsgSubmitProposal".into(), value: msg.encode_to_vec() }
}

/// The proposal file `injectived tx gov submit-proposal` reads, for the same proposal.
pub fn pin_proposal_json(authority: &str, code_ids: &[u64], deposit: &[ProtoCoin]) -> serde_json::Value {
    let deposit: Vec<String> = deposit.iter().map(|c| format!("{}{}", c.amount, c.denom)).collect();
    serde_json::json!({
        "messages": [{
            "@type": "/cosmwasm.wasm.v1.MsgPinCodes",
            "authority": authority,
            "code_ids": code_ids.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        }],
        "deposit": deposit.join(","),
        "title": PIN_TITLE,
        "summary": pin_summary(code_ids),
    })
}

/// A pin proposal in its voting period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinProposal {
    pub id: u64,
    pub code_ids: Vec<u64>,
}

/// What [`propose_pin`] found or did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinStart {
    /// Every code is pinned already: nothing was sent.
    AlreadyPinned,
    /// A proposal was submitted (and voted by the voters given).
    Proposed(PinProposal),
}

/// Submits the proposal pinning those of `code_ids` the hub does not pin yet (none: nothing is
/// sent), with the gov params' minimum deposit from `proposer`, then votes yes with each of
/// `voters` (validators or delegators: their stake is the voting power; none on a real network,
/// where validators vote themselves). [`await_pin`] waits for the outcome.
pub async fn propose_pin(
    hub: &CosmosClient,
    proposer: &CosmosSigner,
    voters: &[CosmosSigner],
    code_ids: &[u64],
    progress: &mut Progress<'_>,
) -> Result<PinStart, DeployError> {
    let pinned = pinned_codes(hub).await?;
    let missing: Vec<u64> = code_ids.iter().copied().filter(|c| !pinned.contains(c)).collect();
    if missing.is_empty() {
        progress.say(&format!("codes {code_ids:?}: already pinned"));
        return Ok(PinStart::AlreadyPinned);
    }
    // a proposal pinning a code that does not exist passes its vote and then fails: refused here,
    // before a deposit and a voting period are spent on it
    let stored = stored_codes(hub).await?;
    let unknown: Vec<u64> = missing.iter().copied().filter(|c| !stored.contains(c)).collect();
    if !unknown.is_empty() {
        return Err(DeployError::UnknownCodes { codes: unknown });
    }
    let authority = gov_address(hub).await?;
    let params = gov_params(hub).await?;
    let msg = pin_proposal_msg(proposer.address().as_ref(), &authority, &missing, &params.min_deposit);
    let out = hub.send(proposer, vec![msg], "pin the hub codes").await.map_err(hub_err("submit the pin proposal"))?;
    progress.sent += 1;
    let id = out.attribute("submit_proposal", "proposal_id").and_then(|v| v.parse().ok()).ok_or_else(|| {
        DeployError::Unexpected {
            step: "submit the pin proposal".into(),
            detail: format!("no proposal id in the events of tx {}", out.hash),
        }
    })?;
    progress.say(&format!("codes {missing:?}: pin proposal {id} submitted (tx {})", out.hash));
    if !voters.is_empty() {
        progress.sent += vote_yes(hub, voters, id).await?;
        progress.say(&format!("proposal {id}: {} yes vote(s)", voters.len()));
    }
    Ok(PinStart::Proposed(PinProposal { id, code_ids: missing }))
}

/// Votes yes on proposal `id` with each of `voters`, in parallel (each is its own account) so
/// the votes land within a short voting period; returns the number of votes sent.
pub async fn vote_yes(hub: &CosmosClient, voters: &[CosmosSigner], id: u64) -> Result<usize, DeployError> {
    // A vote's simulation under-estimates it (on injectived 1.18.2 a validator's first vote
    // simulates at ~38k and uses ~70k): votes get more headroom.
    let mut cfg = hub.config().clone();
    cfg.gas_adjustment = cfg.gas_adjustment.max(2.5);
    let voting = CosmosClient::new(cfg).map_err(hub_err("hub client for the votes"))?;
    let voting = &voting;
    let votes = voters.iter().map(|v| {
        let vote = MsgVote {
            proposal_id: id,
            voter: v.address().to_string(),
            option: VoteOption::Yes as i32,
            metadata: String::new(),
        };
        let any = Any { type_url: "/cosmos.gov.v1.MsgVote".into(), value: vote.encode_to_vec() };
        async move { voting.send(v, vec![any], "vote yes").await }
    });
    for (v, r) in voters.iter().zip(futures::future::join_all(votes).await) {
        r.map_err(hub_err(format!("vote yes on proposal {id} as {}", v.address())))?;
    }
    Ok(voters.len())
}

/// Governance proposal `id` (an error if there is none).
pub async fn proposal(hub: &CosmosClient, id: u64) -> Result<Proposal, DeployError> {
    let resp: QueryProposalResponse =
        abci(hub, "/cosmos.gov.v1.Query/Proposal", QueryProposalRequest { proposal_id: id }).await?;
    resp.proposal
        .ok_or(DeployError::Unexpected { step: format!("read proposal {id}"), detail: "no such proposal".into() })
}

fn status_name(status: i32) -> String {
    ProposalStatus::try_from(status).map(|s| s.as_str_name().to_string()).unwrap_or_else(|_| format!("status {status}"))
}

/// Waits (at most `timeout`) until `proposal` passed and the hub lists its codes as pinned.
pub async fn await_pin(hub: &CosmosClient, pin: &PinProposal, timeout: Duration) -> Result<(), DeployError> {
    let start = Instant::now();
    let id = pin.id;
    loop {
        let p = proposal(hub, id).await?;
        match ProposalStatus::try_from(p.status) {
            Ok(ProposalStatus::Passed) => break,
            Ok(ProposalStatus::DepositPeriod | ProposalStatus::VotingPeriod) if start.elapsed() < timeout => {}
            Ok(ProposalStatus::DepositPeriod | ProposalStatus::VotingPeriod) => {
                return Err(DeployError::ProposalPending {
                    id,
                    codes: pin.code_ids.clone(),
                    status: status_name(p.status),
                    waited_secs: start.elapsed().as_secs(),
                })
            }
            _ => {
                return Err(DeployError::ProposalNotPassed {
                    id,
                    codes: pin.code_ids.clone(),
                    status: status_name(p.status),
                    reason: p.failed_reason,
                })
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let pinned = pinned_codes(hub).await?;
    let missing: Vec<u64> = pin.code_ids.iter().copied().filter(|c| !pinned.contains(c)).collect();
    if !missing.is_empty() {
        return Err(DeployError::NotPinned { id, missing });
    }
    Ok(())
}

/// What [`pin_codes_by_proposal`] found or did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinOutcome {
    AlreadyPinned,
    /// Proposal `id` passed and pinned the codes.
    Pinned {
        proposal_id: u64,
    },
}

/// Pins `code_ids` by a governance proposal: [`propose_pin`] (submitted by `proposer`, voted yes
/// by `voters`), then [`await_pin`] within `timeout`. A hub that pins them already gets nothing.
pub async fn pin_codes_by_proposal(
    hub: &CosmosClient,
    proposer: &CosmosSigner,
    voters: &[CosmosSigner],
    code_ids: &[u64],
    timeout: Duration,
    progress: &mut Progress<'_>,
) -> Result<PinOutcome, DeployError> {
    match propose_pin(hub, proposer, voters, code_ids, progress).await? {
        PinStart::AlreadyPinned => Ok(PinOutcome::AlreadyPinned),
        PinStart::Proposed(p) => {
            await_pin(hub, &p, timeout).await?;
            progress.say(&format!("proposal {} passed: codes {:?} pinned", p.id, p.code_ids));
            Ok(PinOutcome::Pinned { proposal_id: p.id })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coin(amount: &str) -> ProtoCoin {
        ProtoCoin { denom: "inj".into(), amount: amount.into() }
    }

    #[test]
    fn the_gov_module_address_is_injectiveds_known_one() {
        assert_eq!(module_address(GOV_MODULE, "inj"), "inj10d07y265gmmuvt4z0w9aw880jnsr700jstypyt");
    }

    #[test]
    fn the_pin_proposal_carries_one_pin_codes_message_of_the_gov_authority_and_the_deposit() {
        let gov = module_address(GOV_MODULE, "inj");
        let any = pin_proposal_msg("inj1proposer", &gov, &[3, 1, 2], &[coin("10000000")]);
        assert_eq!(any.type_url, "/cosmos.gov.v1.MsgSubmitProposal");
        let p = MsgSubmitProposal::decode(any.value.as_slice()).unwrap();
        assert_eq!(p.proposer, "inj1proposer");
        assert_eq!(p.initial_deposit, vec![coin("10000000")]);
        assert!(!p.expedited);
        assert_eq!(p.title, PIN_TITLE);
        assert!(p.summary.contains("[3, 1, 2]"), "{}", p.summary);
        assert_eq!(p.messages.len(), 1);
        assert_eq!(p.messages[0].type_url, "/cosmwasm.wasm.v1.MsgPinCodes");
        let pin = MsgPinCodes::decode(p.messages[0].value.as_slice()).unwrap();
        assert_eq!(pin.authority, gov);
        assert_eq!(pin.code_ids, vec![3, 1, 2]);
    }

    #[test]
    fn the_proposal_file_names_the_same_message_for_the_cli() {
        let gov = module_address(GOV_MODULE, "inj");
        let j =
            pin_proposal_json(&gov, &[1, 2], &[coin("500"), ProtoCoin { denom: "peggy".into(), amount: "1".into() }]);
        assert_eq!(j["messages"][0]["@type"], "/cosmwasm.wasm.v1.MsgPinCodes");
        assert_eq!(j["messages"][0]["authority"], gov.as_str());
        // uint64 in proto JSON: strings
        assert_eq!(j["messages"][0]["code_ids"], serde_json::json!(["1", "2"]));
        assert_eq!(j["deposit"], "500inj,1peggy");
        assert_eq!(j["title"], PIN_TITLE);
    }

    #[test]
    fn every_hub_code_is_pinned_once() {
        let mut d = crate::deploy::Deployment::default();
        for (name, id) in [("stake_escrow", 4), ("bundle_log", 5), ("dispute", 6), ("light_client", 7)] {
            d.code_ids.insert(name.into(), id);
        }
        assert_eq!(hub_code_ids(&d.code_ids), vec![4, 5, 6, 7]);
        d.code_ids.insert("again".into(), 5);
        assert_eq!(hub_code_ids(&d.code_ids), vec![4, 5, 6, 7]);
    }
}
