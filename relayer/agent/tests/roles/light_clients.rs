//! The light-client updater against an in-memory hub and chain: it moves the hub's client of a
//! CosmWasm chain exactly where a proof needs it, bisects when the validator set changed by more
//! than the trust level allows, leaves a client that already holds the height alone, and keeps a
//! quiet chain's client within its trusting period.
use mesh_relayer::roles::light_clients::LightClients;
use mesh_testkit::mocks::*;

const GAMMA: &str = "gamma-1";

fn set_up(client_at: u64, head: u64) -> (MockHub, MockHeaders, LightClients<MockHeaders>) {
    let hub = MockHub::new();
    hub.create_light_client(GAMMA, client_at);
    let chain = MockHeaders::new(GAMMA, head);
    (hub.clone(), chain.clone(), LightClients::new(vec![chain]))
}

/// A refusal as the light-client contract words a header signed by too little trusted power.
fn not_enough_trust(height: u64) -> Failure {
    Failure::Contract(format!(
        "header {height} is signed by 1 of the trusted voting power 4: the trust level needs more than 1"
    ))
}

#[tokio::test]
async fn a_proof_height_the_client_lacks_is_reached_in_one_skipping_update_with_the_trusted_next_validators() {
    let (hub, chain, lc) = set_up(10, 50);
    assert_eq!(lc.ensure(&hub, GAMMA, 41).await.unwrap(), 1);
    assert_eq!(hub.light_client_updates(), vec![(GAMMA.to_string(), 41, 10, true)]);
    assert_eq!((chain.headers_read(), chain.sets_read()), (vec![41], vec![11]), "the set after the trusted height");
    assert!(mesh_hub::MeshHub::has_consensus_state(&hub, GAMMA, 41).await.unwrap());
}

#[tokio::test]
async fn an_adjacent_header_goes_without_the_next_validators() {
    let (hub, _, lc) = set_up(10, 50);
    lc.ensure(&hub, GAMMA, 11).await.unwrap();
    assert_eq!(hub.light_client_updates(), vec![(GAMMA.to_string(), 11, 10, false)]);
}

#[tokio::test]
async fn a_height_the_client_already_holds_sends_nothing() {
    let (hub, chain, lc) = set_up(10, 50);
    assert_eq!(lc.ensure(&hub, GAMMA, 10).await.unwrap(), 0);
    assert!(hub.light_client_updates().is_empty() && chain.headers_read().is_empty());
}

#[tokio::test]
async fn a_validator_set_change_beyond_the_trust_level_is_crossed_by_bisection() {
    let (hub, _, lc) = set_up(10, 50);
    // the trusted set signed too little of header 42, then of header 26: bisect twice
    hub.fail_next(HubMethod::UpdateLightClient, not_enough_trust(42));
    hub.fail_next(HubMethod::UpdateLightClient, not_enough_trust(26));
    assert_eq!(lc.ensure(&hub, GAMMA, 42).await.unwrap(), 3);
    let steps: Vec<(u64, u64)> = hub.light_client_updates().iter().map(|u| (u.1, u.2)).collect();
    assert_eq!(steps, vec![(18, 10), (26, 18), (42, 26)], "10 → 18 → 26 → 42");
}

#[tokio::test]
async fn an_adjacent_header_the_trusted_validators_did_not_sign_holds_only_this_chain_and_is_retried() {
    let (hub, _, lc) = set_up(10, 50);
    hub.fail_next(HubMethod::UpdateLightClient, not_enough_trust(11));
    let err = lc.ensure(&hub, GAMMA, 11).await.unwrap_err();
    assert!(err.is_recoverable() && err.to_string().contains("adjacent header 11"), "{err}");
    // the next round tries again (and here succeeds)
    assert_eq!(lc.ensure(&hub, GAMMA, 11).await.unwrap(), 1);
}

#[tokio::test]
async fn a_bisection_that_would_need_more_than_sixteen_updates_gives_up_for_the_round() {
    let (hub, _, lc) = set_up(10, 1 << 20);
    for h in 0..20 {
        hub.fail_next(HubMethod::UpdateLightClient, not_enough_trust(h));
    }
    let err = lc.ensure(&hub, GAMMA, 1 << 19).await.unwrap_err();
    assert!(err.is_recoverable() && err.to_string().contains("more than 16"), "{err}");
    assert!(hub.light_client_updates().is_empty());
}

#[tokio::test]
async fn a_header_the_node_does_not_serve_yet_is_a_retry_not_a_failure() {
    let (hub, _, lc) = set_up(10, 30);
    let err = lc.ensure(&hub, GAMMA, 31).await.unwrap_err();
    assert!(err.is_recoverable(), "{err}");
    assert!(hub.light_client_updates().is_empty());
}

#[tokio::test]
async fn a_chain_without_a_client_on_the_hub_waits_for_governance_without_stopping() {
    let hub = MockHub::new();
    let lc = LightClients::new(vec![MockHeaders::new(GAMMA, 30)]);
    let err = lc.ensure(&hub, GAMMA, 20).await.unwrap_err();
    assert!(err.is_recoverable() && err.to_string().contains("no light client of gamma-1"), "{err}");
}

#[tokio::test]
async fn a_quiet_chains_client_is_refreshed_once_a_third_of_its_trusting_period_passed() {
    let (hub, chain, lc) = set_up(10, 20);
    let trusting = 14 * 24 * 3600;
    // header 10 is at GENESIS_TIME + 10: young enough, nothing is sent
    assert_eq!(lc.refresh(&hub, GENESIS_TIME + 10 + trusting / 3 - 1).await.unwrap(), 0);
    assert!(hub.light_client_updates().is_empty());
    chain.set_head(5_000);
    let lc = LightClients::new(vec![chain]);
    assert_eq!(lc.refresh(&hub, GENESIS_TIME + 10 + trusting / 3).await.unwrap(), 1);
    assert_eq!(hub.light_client_updates(), vec![(GAMMA.to_string(), 4_999, 10, true)], "to head − 1");
}

#[tokio::test]
async fn a_frozen_or_expired_client_holds_its_chains_reports_without_an_update_or_a_stop() {
    use mesh_hub_api::light_client::ClientStatus;
    for status in [ClientStatus::Frozen, ClientStatus::Expired] {
        let (hub, chain, lc) = set_up(10, 5_000);
        hub.set_light_client_status(GAMMA, status);
        let err = lc.ensure(&hub, GAMMA, 41).await.unwrap_err();
        assert!(err.is_recoverable() && err.to_string().contains(&format!("{status:?}")), "{err}");
        // nor does the refresh touch it, however old its newest state
        assert_eq!(lc.refresh(&hub, GENESIS_TIME + 365 * 24 * 3600).await.unwrap(), 0);
        assert!(hub.light_client_updates().is_empty() && chain.headers_read().is_empty(), "{status:?}");
    }
}

#[tokio::test]
async fn a_forward_update_skips_from_the_newest_state_and_a_backfill_from_the_oldest() {
    let (hub, _, lc) = set_up(10, 100);
    lc.ensure(&hub, GAMMA, 50).await.unwrap();
    // ahead of the client: from its latest state (50), not its oldest (10)
    lc.ensure(&hub, GAMMA, 60).await.unwrap();
    // between kept states (a report proven late): from the oldest state below it
    lc.ensure(&hub, GAMMA, 30).await.unwrap();
    let steps: Vec<(u64, u64)> = hub.light_client_updates().iter().map(|u| (u.1, u.2)).collect();
    assert_eq!(steps, vec![(50, 10), (60, 50), (30, 10)]);
}

#[tokio::test]
async fn a_height_below_the_oldest_kept_state_is_refused_for_the_round() {
    let (hub, _, lc) = set_up(10, 100);
    let err = lc.ensure(&hub, GAMMA, 8).await.unwrap_err();
    assert!(err.is_recoverable() && err.to_string().contains("below the hub's oldest consensus state 10"), "{err}");
    assert!(hub.light_client_updates().is_empty());
}

#[tokio::test]
async fn a_bisection_of_exactly_sixteen_updates_completes() {
    let (hub, _, lc) = set_up(10, 1 << 20);
    for h in 0..15 {
        hub.fail_next(HubMethod::UpdateLightClient, not_enough_trust(h));
    }
    assert_eq!(lc.ensure(&hub, GAMMA, 10 + (1 << 16)).await.unwrap(), 16);
    let updates = hub.light_client_updates();
    assert_eq!(updates.last().map(|u| u.1), Some(10 + (1 << 16)), "it ends at the target");
    assert!(updates.windows(2).all(|w| w[1].2 == w[0].1), "each update trusts the one before");
}

#[tokio::test]
async fn a_header_refused_for_another_reason_than_trust_is_not_bisected() {
    let (hub, _, lc) = set_up(10, 50);
    let forged = Failure::Contract("header 41 carries an invalid signature: bad".into());
    hub.fail_next(HubMethod::UpdateLightClient, forged);
    let err = lc.ensure(&hub, GAMMA, 41).await.unwrap_err();
    assert!(err.to_string().contains("invalid signature"), "{err}");
    assert!(hub.light_client_updates().is_empty(), "no midpoint was tried");
}

#[tokio::test]
async fn an_update_that_landed_although_its_answer_was_lost_counts_and_a_lost_one_is_retried() {
    let (hub, _, lc) = set_up(10, 50);
    hub.fail_next(HubMethod::UpdateLightClient, Failure::AppliedThenTransient);
    assert_eq!(lc.ensure(&hub, GAMMA, 41).await.unwrap(), 1, "the state is there: done");
    hub.fail_next(HubMethod::UpdateLightClient, Failure::Transient);
    let err = lc.ensure(&hub, GAMMA, 45).await.unwrap_err();
    assert!(err.is_recoverable(), "{err}");
    assert!(!mesh_hub::MeshHub::has_consensus_state(&hub, GAMMA, 45).await.unwrap());
    assert_eq!(lc.ensure(&hub, GAMMA, 45).await.unwrap(), 1, "the next round sends it again");
}

#[tokio::test]
async fn the_refresh_looks_at_most_once_a_minute() {
    let (hub, chain, lc) = set_up(10, 5_000);
    let old = GENESIS_TIME + 10 + 14 * 24 * 3600 / 3;
    assert_eq!(lc.refresh(&hub, old).await.unwrap(), 1);
    chain.set_head(9_000);
    // the client's newest state (4 999) is as old again, but the last look was just now
    assert_eq!(lc.refresh(&hub, old + 1_000_000).await.unwrap(), 0);
    assert_eq!(hub.light_client_updates().len(), 1);
}

#[tokio::test]
async fn a_refresh_with_nothing_newer_than_the_client_sends_nothing() {
    let old = GENESIS_TIME + 10 + 14 * 24 * 3600 / 3;
    // the chain's head is the client's height, or one above it (whose header is not final yet)
    for head in [10, 11] {
        let (hub, _, lc) = set_up(10, head);
        assert_eq!(lc.refresh(&hub, old).await.unwrap(), 0, "head {head}");
        assert!(hub.light_client_updates().is_empty(), "head {head}");
    }
}
