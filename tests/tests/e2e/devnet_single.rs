//! The 1-validator devnet comes up from nothing with every contract deployed and answering,
//! and goes down leaving no process behind.
use mesh_devnet::deploy::hub_client;
use mesh_devnet::evm_deploy::evm_rpc;
use mesh_devnet::{process, UpOptions};
use mesh_hub_api::{bundle_log, dispute, stake_escrow};
use mesh_testkit::fixture::{devnet, DownOnDrop};

#[tokio::test(flavor = "multi_thread")]
async fn single_validator_devnet_comes_up_deployed_and_goes_down_cleanly() {
    let net = devnet("single", 27600, 27590);
    let _guard = DownOnDrop(&net);
    let m = net
        .up(&UpOptions { validators: 1, evm_chains: 2, cosmwasm_chains: 0, fresh: true })
        .await
        .expect("devnet comes up");

    let hub = hub_client(&m).unwrap();
    let (height, _) = hub.latest_block().await.unwrap();
    assert!(height >= 2);

    let cfg: bundle_log::ConfigResponse =
        hub.query_smart(&m.contracts["bundle_log"], &bundle_log::QueryMsg::Config {}).await.unwrap();
    assert_eq!(cfg.hub_chain_id, "mesh-devnet-1");
    let chains: bundle_log::ChainsResponse = hub
        .query_smart(&m.contracts["bundle_log"], &bundle_log::QueryMsg::Chains { start_after: None, limit: None })
        .await
        .unwrap();
    let ids: Vec<(u64, bundle_log::ChainVm)> = chains.chains.iter().map(|c| (c.domain, c.vm.clone())).collect();
    assert_eq!(
        ids,
        vec![(1, bundle_log::ChainVm::Evm { chain_id: 31337 }), (2, bundle_log::ChainVm::Evm { chain_id: 31338 })],
        "both anvil chains registered under their domains with their routers"
    );
    for (c, e) in chains.chains.iter().zip(&m.evm) {
        let router = mesh_protocol::EvmAddress::parse(&e.contracts["MeshRouter"]).unwrap();
        assert_eq!(c.router, router.into());
    }

    let escrow: stake_escrow::ConfigResponse =
        hub.query_smart(&m.contracts["stake_escrow"], &stake_escrow::QueryMsg::Config {}).await.unwrap();
    assert_eq!(escrow.bond_denom, "inj");
    let set: Option<stake_escrow::SignerSetResponse> =
        hub.query_smart(&m.contracts["stake_escrow"], &stake_escrow::QueryMsg::CurrentSignerSet {}).await.unwrap();
    assert_eq!(set.expect("epoch 1 exists").set.signers.len(), 3, "three relayers bonded");

    let _: dispute::ConfigResponse =
        hub.query_smart(&m.contracts["dispute"], &dispute::QueryMsg::Config {}).await.unwrap();

    for chain in &m.evm {
        let id = evm_rpc(&chain.rpc, "eth_chainId", serde_json::json!([])).unwrap();
        assert_eq!(u64::from_str_radix(id.as_str().unwrap().trim_start_matches("0x"), 16).unwrap(), chain.chain_id);
        for name in ["MeshRouter", "SettlementVerifier", "DemoWETH", "USDC", "ConstantProductPool", "LendingPool"] {
            let code =
                evm_rpc(&chain.rpc, "eth_getCode", serde_json::json!([chain.contracts[name], "latest"])).unwrap();
            assert!(code.as_str().unwrap().len() > 2, "{name} has code on {}", chain.name);
        }
    }

    // A second `up` reuses the running devnet.
    let again = net.up(&UpOptions { validators: 1, evm_chains: 2, cosmwasm_chains: 0, fresh: false }).await.unwrap();
    assert_eq!(again.contracts, m.contracts);

    let table = net.processes();
    assert_eq!(table.processes.len(), 3);
    let stopped = net.down(false).unwrap();
    assert_eq!(stopped.len(), 3);
    for (name, p) in &table.processes {
        assert!(!process::is_alive(p), "{name} still running after down");
    }
}
