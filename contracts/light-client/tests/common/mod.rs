//! The light-client suites' harness: the contract in a cw-multi-test app, the real fixtures of
//! `tests/fixtures` (an injectived chain, see capture.sh) and headers made with
//! `tendermint-testgen`, signed by keys the test holds.
#![allow(dead_code)]

use cosmwasm_std::testing::{mock_env, MockStorage};
use cosmwasm_std::{Addr, Binary, Deps, DepsMut, Env, MessageInfo, Order, Storage, Timestamp};
use cw_multi_test::{App, AppResponse, ContractWrapper, Executor};
use mesh_hub_api::light_client::{
    ClientResponse, ConsensusStateResponse, ExecuteMsg, Fraction, InstantiateMsg, LightHeader, MembershipResponse,
    Misbehaviour, MisbehaviourHeader, ProofOps, QueryMsg,
};
use mesh_light_client::ContractError;
use tendermint::block::signed_header::SignedHeader;
use tendermint::validator::{Info, Set as ValidatorSet};
use tendermint::Time;
use tendermint_proto::Protobuf;

pub const TRUSTING_PERIOD: u64 = 14 * 24 * 3600;
pub const UNBONDING_PERIOD: u64 = 21 * 24 * 3600;
pub const MAX_CLOCK_DRIFT: u64 = 10;

/// The contract in an app, with its admin.
pub struct Hub {
    pub app: App,
    pub contract: Addr,
    pub admin: Addr,
}

impl Hub {
    /// A fresh contract; the hub's clock at `now`.
    pub fn new(now: Timestamp) -> Self {
        let mut app = App::default();
        app.update_block(|b| b.time = now);
        let admin = app.api().addr_make("governance");
        let code = app.store_code(Box::new(ContractWrapper::new(
            mesh_light_client::contract::execute,
            mesh_light_client::contract::instantiate,
            mesh_light_client::contract::query,
        )));
        let contract = app
            .instantiate_contract(code, admin.clone(), &InstantiateMsg { admin: None }, &[], "light-client", None)
            .expect("instantiate");
        Hub { app, contract, admin }
    }

    pub fn set_time(&mut self, t: Timestamp) {
        self.app.update_block(|b| {
            b.time = t;
            b.height += 1;
        });
    }

    pub fn now(&self) -> Timestamp {
        self.app.block_info().time
    }

    /// Runs `msg` from `sender` through the app. A refusal is returned as the contract's typed
    /// error: the same message is run through the contract's entry point on a copy of its
    /// storage, and that error's text must be the one the app reported.
    #[track_caller]
    pub fn execute_as(&mut self, sender: &Addr, msg: &ExecuteMsg) -> Result<AppResponse, ContractError> {
        let typed = self.dry_run(sender, msg);
        match self.app.execute_contract(sender.clone(), self.contract.clone(), msg, &[]) {
            Ok(r) => {
                assert!(typed.is_ok(), "the app accepted what the entry point refuses: {typed:?}");
                Ok(r)
            }
            Err(e) => {
                let text = e.to_string();
                let typed = typed.expect_err(&format!("the entry point accepted what the app refused: {text}"));
                let want = typed.to_string();
                assert!(
                    text == want || text.ends_with(&format!("error: {want}")),
                    "app error `{text}` is not the entry point's `{want}`"
                );
                Err(typed)
            }
        }
    }

    #[track_caller]
    pub fn execute(&mut self, msg: &ExecuteMsg) -> Result<AppResponse, ContractError> {
        let anyone = self.app.api().addr_make("anyone");
        self.execute_as(&anyone, msg)
    }

    fn env(&self) -> Env {
        let mut env = mock_env();
        env.block = self.app.block_info();
        env.contract.address = self.contract.clone();
        env
    }

    fn dry_run(&self, sender: &Addr, msg: &ExecuteMsg) -> Result<cosmwasm_std::Response, ContractError> {
        let mut copy = MockStorage::new();
        let storage = self.app.contract_storage(&self.contract);
        for (k, v) in storage.range(None, None, Order::Ascending) {
            copy.set(&k, &v);
        }
        drop(storage);
        let deps = DepsMut { storage: &mut copy, api: self.app.api(), querier: self.app.wrap() };
        let info = MessageInfo { sender: sender.clone(), funds: vec![] };
        mesh_light_client::contract::execute(deps, self.env(), info, msg.clone())
    }

    #[track_caller]
    pub fn create(&mut self, chain_id: &str, header: LightHeader) -> Result<AppResponse, ContractError> {
        let admin = self.admin.clone();
        self.execute_as(&admin, &create_msg(chain_id, header))
    }

    #[track_caller]
    pub fn update(
        &mut self,
        chain_id: &str,
        header: LightHeader,
        trusted_height: u64,
        trusted_next_validators: Option<Binary>,
    ) -> Result<AppResponse, ContractError> {
        self.execute(&ExecuteMsg::UpdateClient {
            chain_id: chain_id.into(),
            header,
            trusted_height,
            trusted_next_validators,
        })
    }

    #[track_caller]
    pub fn submit_misbehaviour(
        &mut self,
        chain_id: &str,
        header_1: MisbehaviourHeader,
        header_2: MisbehaviourHeader,
    ) -> Result<AppResponse, ContractError> {
        self.execute(&ExecuteMsg::SubmitMisbehaviour { chain_id: chain_id.into(), header_1, header_2 })
    }

    #[track_caller]
    pub fn client(&self, chain_id: &str) -> ClientResponse {
        self.app
            .wrap()
            .query_wasm_smart(&self.contract, &QueryMsg::Client { chain_id: chain_id.into() })
            .expect("client query")
    }

    /// The consensus state at `height`, `None` when the client has none there.
    #[track_caller]
    pub fn consensus_state(&self, chain_id: &str, height: u64) -> Option<ConsensusStateResponse> {
        self.app
            .wrap()
            .query_wasm_smart(
                &self.contract,
                &QueryMsg::ConsensusState { chain_id: chain_id.into(), height: Some(height) },
            )
            .ok()
    }

    #[track_caller]
    pub fn misbehaviour(&self, chain_id: &str) -> Option<Misbehaviour> {
        self.app
            .wrap()
            .query_wasm_smart(&self.contract, &QueryMsg::Misbehaviour { chain_id: chain_id.into() })
            .expect("misbehaviour query")
    }

    /// Every key and value the contract stores, to show that a refusal changed nothing.
    pub fn storage_dump(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.app.contract_storage(&self.contract).range(None, None, Order::Ascending).collect()
    }

    /// A membership query: through the app (as bundle-log would ask it) and through the
    /// library function for the typed error, which must say the same.
    #[track_caller]
    pub fn verify(
        &self,
        chain_id: &str,
        height: u64,
        key: &[u8],
        value: &[u8],
        proof: &ProofOps,
    ) -> Result<MembershipResponse, ContractError> {
        let msg = QueryMsg::VerifyMembership {
            chain_id: chain_id.into(),
            height,
            store: "wasm".into(),
            key: Binary::from(key),
            value: Binary::from(value),
            proof: proof.clone(),
        };
        let via_app: Result<MembershipResponse, _> = self.app.wrap().query_wasm_smart(&self.contract, &msg);
        let storage = self.app.contract_storage(&self.contract);
        let deps = Deps { storage: &*storage, api: self.app.api(), querier: self.app.wrap() };
        let QueryMsg::VerifyMembership { chain_id, height, store, key, value, proof } = msg else { unreachable!() };
        let typed = mesh_light_client::query::verify_membership(
            deps,
            &self.env(),
            &chain_id,
            height,
            &store,
            &key,
            &value,
            &proof,
        );
        match (&via_app, &typed) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                assert!(a.to_string().contains(&b.to_string()), "app error `{a}` is not the contract's `{b}`")
            }
            _ => panic!("the app and the contract disagree: {via_app:?} / {typed:?}"),
        }
        typed
    }
}

pub fn create_msg(chain_id: &str, header: LightHeader) -> ExecuteMsg {
    ExecuteMsg::CreateClient {
        chain_id: chain_id.into(),
        header,
        trust_level: None,
        trusting_period: TRUSTING_PERIOD,
        unbonding_period: UNBONDING_PERIOD,
        max_clock_drift: MAX_CLOCK_DRIFT,
        max_consensus_states: None,
    }
}

pub fn encode_header(sh: &SignedHeader) -> Binary {
    Binary::from(Protobuf::<tendermint_proto::types::SignedHeader>::encode_vec(sh.clone()))
}

pub fn encode_validators(set: &ValidatorSet) -> Binary {
    Binary::from(Protobuf::<tendermint_proto::types::ValidatorSet>::encode_vec(set.clone()))
}

pub fn light_header(sh: &SignedHeader, vals: &ValidatorSet) -> LightHeader {
    LightHeader { signed_header: encode_header(sh), validators: encode_validators(vals) }
}

pub fn timestamp(t: Time) -> Timestamp {
    Timestamp::from_nanos(t.unix_timestamp_nanos() as u64)
}

pub fn trust(numerator: u64, denominator: u64) -> Fraction {
    Fraction { numerator, denominator }
}

// ---------------------------------------------------------------- real fixtures (injectived)

pub mod real {
    use super::*;

    pub fn read(name: &str) -> serde_json::Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub struct Meta {
        pub chain_id: String,
        pub trusted: u64,
        pub adjacent: u64,
        pub skip: u64,
        pub query: u64,
        pub key: Vec<u8>,
    }

    pub fn meta() -> Meta {
        let m = read("meta.json");
        Meta {
            chain_id: m["chain_id"].as_str().unwrap().into(),
            trusted: m["trusted_height"].as_u64().unwrap(),
            adjacent: m["adjacent_height"].as_u64().unwrap(),
            skip: m["skip_height"].as_u64().unwrap(),
            query: m["query_height"].as_u64().unwrap(),
            key: hex::decode(m["key_hex"].as_str().unwrap()).unwrap(),
        }
    }

    /// `/commit` of fixture `name` (trusted, adjacent, skip).
    pub fn signed_header(name: &str) -> SignedHeader {
        serde_json::from_value(read(&format!("commit_{name}.json"))["signed_header"].clone()).expect("signed header")
    }

    /// `/validators` of fixture `name`.
    pub fn validators(name: &str) -> ValidatorSet {
        let infos: Vec<Info> =
            serde_json::from_value(read(&format!("validators_{name}.json"))["validators"].clone()).expect("validators");
        ValidatorSet::without_proposer(infos)
    }

    pub fn header(name: &str) -> LightHeader {
        light_header(&signed_header(name), &validators(name))
    }

    /// The `abci_query` answer: (key, value, proofOps).
    pub fn abci_query() -> (Vec<u8>, Vec<u8>, ProofOps) {
        let r = read("abci_query.json")["response"].clone();
        let b64 = |v: &serde_json::Value| Binary::from_base64(v.as_str().unwrap()).unwrap().to_vec();
        let proof: ProofOps = serde_json::from_value(r["proofOps"].clone()).expect("proofOps");
        (b64(&r["key"]), b64(&r["value"]), proof)
    }

    /// A hub clock a minute after fixture `name`'s header.
    pub fn shortly_after(name: &str) -> Timestamp {
        timestamp(signed_header(name).header.time).plus_seconds(60)
    }
}

// ---------------------------------------------------------------- synthetic chains (testgen)

pub mod synthetic {
    use super::*;
    use tendermint::AppHash;
    use tendermint_testgen::light_block::generate_signed_header;
    use tendermint_testgen::{Commit, Generator, Header, Validator, Vote};

    pub const CHAIN: &str = "testgen-1";
    /// Time of height 1; height h is `GENESIS + 5 h` seconds.
    pub const GENESIS: i64 = 1_700_000_000;

    /// Validators named `ids`, each of `power`.
    pub fn vals(ids: &[&str], power: u64) -> Vec<Validator> {
        ids.iter().map(|id| Validator::new(id).voting_power(power)).collect()
    }

    pub fn time_of(height: u64) -> Time {
        Time::from_unix_timestamp(GENESIS + 5 * height as i64, 0).unwrap()
    }

    /// A header of `CHAIN` at `height` by `validators` (next set `next`), signed by the
    /// validators at `signers` (indices into `validators`); `app` picks its app hash.
    pub struct Block {
        pub chain_id: String,
        pub height: u64,
        pub time: Time,
        pub validators: Vec<Validator>,
        pub next: Vec<Validator>,
        pub signers: Vec<usize>,
        pub app: u8,
    }

    impl Block {
        pub fn new(height: u64, validators: &[Validator]) -> Self {
            Block {
                chain_id: CHAIN.into(),
                height,
                time: time_of(height),
                validators: validators.to_vec(),
                next: validators.to_vec(),
                signers: (0..validators.len()).collect(),
                app: 0,
            }
        }
        pub fn next_validators(mut self, next: &[Validator]) -> Self {
            self.next = next.to_vec();
            self
        }
        pub fn signed_by(mut self, signers: &[usize]) -> Self {
            self.signers = signers.to_vec();
            self
        }
        pub fn app(mut self, app: u8) -> Self {
            self.app = app;
            self
        }
        pub fn time(mut self, time: Time) -> Self {
            self.time = time;
            self
        }
        pub fn chain_id(mut self, chain_id: &str) -> Self {
            self.chain_id = chain_id.into();
            self
        }

        fn testgen_header(&self) -> Header {
            Header::new(&self.validators)
                .next_validators(&self.next)
                .chain_id(&self.chain_id)
                .height(self.height)
                .time(self.time)
                .app_hash(AppHash::try_from(vec![self.app; 32]).unwrap())
        }

        pub fn signed_header(&self) -> SignedHeader {
            let header = self.testgen_header();
            let votes = self.signers.iter().map(|&i| Vote::new(self.validators[i].clone(), header.clone())).collect();
            let commit = Commit::new_with_votes(header.clone(), 1, votes);
            generate_signed_header(&header, &commit).expect("testgen header")
        }

        pub fn validator_set(&self) -> ValidatorSet {
            set(&self.validators)
        }

        pub fn light(&self) -> LightHeader {
            light_header(&self.signed_header(), &self.validator_set())
        }
    }

    pub fn set(vals: &[Validator]) -> ValidatorSet {
        ValidatorSet::without_proposer(vals.iter().map(|v| v.generate().unwrap()).collect())
    }

    /// A hub with a client of `CHAIN` created at `height` by `validators`, clock at that
    /// height's time plus a minute.
    pub fn hub_with_client(height: u64, validators: &[Validator]) -> Hub {
        let mut hub = Hub::new(timestamp(time_of(height)).plus_seconds(60));
        hub.create(CHAIN, Block::new(height, validators).light()).expect("create client");
        hub
    }
}
