//! The typed helpers build exactly the messages a caller would have written by hand.
use cosmwasm_std::{to_json_binary, to_json_string, WasmMsg, WasmQuery};
use mesh_hub_api::bundle_log::{self, ChainInfo, ChainVm, EvmLocation, LockLocation};
use mesh_hub_api::{dispute, stake_escrow, AccountId, Hash32};

#[test]
fn typed_queries_are_their_variants() {
    let id = Hash32::default();
    let q = bundle_log::QueryMsg::report(id, 3);
    assert_eq!(q.msg(), &bundle_log::QueryMsg::Report { bundle_id: id, leg_index: 3 });
    assert_eq!(
        q.to_json().unwrap(),
        to_json_binary(&bundle_log::QueryMsg::Report { bundle_id: id, leg_index: 3 }).unwrap()
    );
    assert_eq!(
        q.wasm_query("log").unwrap(),
        WasmQuery::Smart { contract_addr: "log".into(), msg: q.to_json().unwrap() }
    );
    let awaiting = bundle_log::QueryMsg::awaiting_reports(7, None, Some(5));
    assert_eq!(
        to_json_string(awaiting.msg()).unwrap(),
        r#"{"awaiting_reports":{"domain":7,"start_after":null,"limit":5}}"#
    );
    let by_vm = bundle_log::QueryMsg::chain_by_vm(ChainVm::Evm { chain_id: 31337 });
    assert_eq!(to_json_string(by_vm.msg()).unwrap(), r#"{"chain_by_vm":{"vm":{"evm":{"chain_id":31337}}}}"#);
    assert_eq!(dispute::QueryMsg::fraud(2).into_msg(), dispute::QueryMsg::Fraud { id: 2 });
    assert_eq!(stake_escrow::QueryMsg::totals().into_msg(), stake_escrow::QueryMsg::Totals {});
}

#[test]
fn answers_parse_into_the_query_type() {
    let chain = ChainInfo {
        domain: 1,
        name: "alpha".into(),
        vm: ChainVm::Evm { chain_id: 31337 },
        router: AccountId::from_evm([0xa1; 20].into()),
        confirmations: 2,
    };
    let answer = to_json_binary(&chain).unwrap();
    assert_eq!(bundle_log::QueryMsg::chain(1).parse(&answer).unwrap(), chain);
    let add = bundle_log::ExecuteMsg::add_chain(chain.clone());
    assert_eq!(
        add,
        bundle_log::ExecuteMsg::AddChain {
            domain: 1,
            name: "alpha".into(),
            vm: chain.vm,
            router: chain.router,
            confirmations: 2
        }
    );
    let msg = add.wasm_msg("log", vec![]).unwrap();
    assert_eq!(
        msg,
        WasmMsg::Execute { contract_addr: "log".into(), msg: to_json_binary(&add).unwrap(), funds: vec![] }
    );
}

#[test]
fn a_lock_location_names_its_vm_and_chain() {
    let loc = LockLocation::Evm(EvmLocation {
        chain_id: 31338,
        block_number: 1,
        block_hash: Hash32::default(),
        block_timestamp: 9,
        tx_hash: Hash32::default(),
        tx_index: 0,
        log_index: 1,
    });
    assert_eq!(loc.vm(), ChainVm::Evm { chain_id: 31338 });
    assert_eq!(loc.block_timestamp(), Some(9));
    assert_eq!(loc.vm().to_string(), "evm chain 31338");
    assert!(to_json_string(&loc).unwrap().starts_with(r#"{"evm":{"chain_id":31338,"#));
    assert!(ChainVm::Evm { chain_id: 1 }.accepts_account(&AccountId::from_evm([1; 20].into())));
    assert!(!ChainVm::Evm { chain_id: 1 }.accepts_account(&AccountId([1; 32].into())));
}

#[test]
fn a_cosmwasm_chain_is_named_by_its_cometbft_chain_id_and_takes_32_byte_accounts() {
    let gamma = ChainVm::CosmWasm { chain_id: "gamma-1".into() };
    assert_eq!(gamma.to_string(), "cosmwasm chain gamma-1");
    assert_eq!(to_json_string(&gamma).unwrap(), r#"{"cosmwasm":{"chain_id":"gamma-1"}}"#);
    assert!(gamma.accepts_account(&AccountId([1; 32].into())));
    assert!(gamma.accepts_account(&AccountId::from_evm([1; 20].into())));
    assert_eq!(gamma.chain_id_error(), None);
    assert_eq!(
        ChainVm::CosmWasm { chain_id: "a b".into() }.chain_id_error(),
        Some("CometBFT chain id must be printable ASCII without whitespace")
    );
}
