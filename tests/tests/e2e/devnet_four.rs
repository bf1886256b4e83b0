//! The 4-validator hub tolerates one crashed validator, halts without a 2/3 quorum, and resumes
//! with its state once the crashed validators restart.
use std::time::Duration;

use mesh_hub::CosmosClient;
use mesh_hub_api::bundle_log;
use mesh_protocol::EvmAddress;
use mesh_testkit::fixture::TestNet;

async fn height(hub: &CosmosClient) -> u64 {
    hub.latest_block().await.expect("validator 0 answers").0
}

async fn advances(hub: &CosmosClient, within: Duration) -> bool {
    let h = height(hub).await;
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if height(hub).await > h {
            return true;
        }
    }
    false
}

async fn chains(hub: &CosmosClient, log: &str) -> Vec<u64> {
    let r: bundle_log::ChainsResponse =
        hub.query_smart(log, &bundle_log::QueryMsg::Chains { start_after: None, limit: None }).await.unwrap();
    r.chains.iter().map(|c| c.domain).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_survive_one_crash_halt_at_two_and_resume_with_state() {
    let tn = TestNet::up("four", 27700, 27690, 4, 0).await;
    let (net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let log = m.contracts["bundle_log"].clone();
    let admin = m.accounts.deployer.hub_signer();
    assert!(advances(hub, Duration::from_secs(5)).await, "blocks are produced");

    net.kill_validator(3).unwrap();
    assert!(advances(hub, Duration::from_secs(10)).await, "3 of 4 validators keep producing blocks");
    let add = bundle_log::ExecuteMsg::add_chain(bundle_log::ChainInfo {
        domain: 4242,
        name: "crash-test".into(),
        vm: bundle_log::ChainVm::Evm { chain_id: 4242 },
        router: EvmAddress::parse("0x00000000000000000000000000000000000000aa").unwrap().into(),
        confirmations: 1,
    });
    let out = hub.execute(&admin, &log, &add, vec![]).await.expect("a contract execute lands with one validator down");
    assert!(out.height > 0);
    assert_eq!(chains(hub, &log).await, vec![4242]);

    net.kill_validator(2).unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await; // let the in-flight height finish
    assert!(!advances(hub, Duration::from_secs(5)).await, "2 of 4 validators (50 % of power) cannot commit");
    let halted_at = height(hub).await;

    net.start_validator(2).unwrap();
    net.start_validator(3).unwrap();
    assert!(advances(hub, Duration::from_secs(60)).await, "the chain resumes once a quorum is back");
    assert!(height(hub).await > halted_at);
    assert_eq!(chains(hub, &log).await, vec![4242], "no state lost across the halt");
    let again = hub.execute(&admin, &log, &bundle_log::ExecuteMsg::RemoveChain { domain: 4242 }, vec![]).await;
    assert!(again.is_ok(), "the resumed chain executes contracts: {again:?}");
}
