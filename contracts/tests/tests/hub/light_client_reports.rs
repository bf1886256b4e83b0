//! bundle-log + light-client: a lock on a CosmWasm chain is reported with an ICS23 proof of the
//! Router's escrow record against an app hash the hub's light client verified, and is final at
//! once. The proofs are built here the way an IAVL store and a multistore build them (a one-leaf
//! `wasm` store in a one-store multistore), so every attack on the proof, the record or the
//! height can be made; the light client is the real contract, fed headers signed by keys the
//! test holds (`tendermint-testgen`).

use bundle_log::ContractError as E;
use cosmwasm_std::{Addr, Binary};
use cw_multi_test::{ContractWrapper, Executor};
use dispute::ContractError as DisputeError;
use ics23::commitment_proof::Proof;
use ics23::{CommitmentProof, ExistenceProof, HashOp, HostFunctionsManager, LeafOp, LengthOp};
use mesh_hub_api::bundle_log::{
    BundleStatus, ChainVm, CosmWasmLocation, ExecuteMsg, LockLocation, LockReport, OpenReportsResponse, QueryMsg,
    StateProof,
};
use mesh_hub_api::light_client::{self as lc_api, LightHeader, ProofOp, ProofOps};
use mesh_hub_api::router_cw::{self, CwToken, Escrow, LegStatus};
use mesh_hub_tests::*;
use mesh_protocol::eip712::leg_hash;
use mesh_protocol::{AccountId, Bundle, Hash32, Verdict, B256};
use prost::Message;
use tendermint::{block::signed_header::SignedHeader, validator::Set as ValidatorSet, AppHash, Time};
use tendermint_proto::Protobuf;
use tendermint_testgen::light_block::generate_signed_header;
use tendermint_testgen::{Commit, Generator, Header, Validator, Vote};

const GAMMA: &str = "gamma-1";
const DOMAIN_G: u64 = 7;
/// Height of the state the proofs are of; the light client verifies header `HEIGHT + 1`.
const HEIGHT: u64 = 40;

fn router_g() -> AccountId {
    // a 32-byte wasmd contract address
    AccountId(B256::repeat_byte(0x3c))
}

/// The admin registers gamma (a CosmWasm chain) as domain `DOMAIN_G`.
#[track_caller]
fn add_gamma(h: &mut Hub) {
    let admin = h.admin.clone();
    let add = ExecuteMsg::AddChain {
        domain: DOMAIN_G,
        name: "gamma".into(),
        vm: ChainVm::CosmWasm { chain_id: GAMMA.into() },
        router: router_g(),
        confirmations: 1,
    };
    h.log_exec(&admin, &add).unwrap();
}

/// A hub whose bundle-log knows the light-client contract and the CosmWasm chain gamma.
struct Gamma {
    h: Hub,
    light_client: Addr,
    validators: Vec<Validator>,
}

impl Gamma {
    #[track_caller]
    fn new() -> Gamma {
        let mut h = Hub::with_relayers(2);
        let admin = h.admin.clone();
        let code = h.app.store_code(Box::new(ContractWrapper::new(
            mesh_light_client::contract::execute,
            mesh_light_client::contract::instantiate,
            mesh_light_client::contract::query,
        )));
        let light_client = h
            .app
            .instantiate_contract(code, admin.clone(), &lc_api::InstantiateMsg { admin: None }, &[], "lc", None)
            .unwrap();
        h.log_exec(&admin, &ExecuteMsg::SetLightClient { light_client: light_client.to_string() }).unwrap();
        add_gamma(&mut h);
        let validators = ["v1", "v2", "v3", "v4"].iter().map(|id| Validator::new(id).voting_power(10)).collect();
        Gamma { h, light_client, validators }
    }

    /// A two-leg bundle: leg 0 on EVM domain A, leg 1 on gamma.
    fn bundle(&self, nonce: u64) -> Bundle {
        let mut b = self.h.bundle("alice", nonce, 2, 1_000);
        let leg = &mut b.legs[1];
        leg.domain = DOMAIN_G;
        leg.router = router_g();
        leg.token = router_cw::bank_denom_token_id("inj");
        leg.recipient = AccountId(B256::repeat_byte(0x5e));
        b
    }

    /// A header of gamma at `height` with app hash `app_hash`, signed by every validator; its
    /// time a little before the hub's.
    fn header(&self, height: u64, app_hash: [u8; 32]) -> LightHeader {
        let time = Time::from_unix_timestamp(self.h.now() as i64 - 200 + height as i64, 0).unwrap();
        let header = Header::new(&self.validators)
            .chain_id(GAMMA)
            .height(height)
            .time(time)
            .app_hash(AppHash::try_from(app_hash.to_vec()).unwrap());
        let votes = self.validators.iter().map(|v| Vote::new(v.clone(), header.clone())).collect();
        let commit = Commit::new_with_votes(header.clone(), 1, votes);
        let signed: SignedHeader = generate_signed_header(&header, &commit).unwrap();
        let set = self.validator_set();
        LightHeader {
            signed_header: Binary::from(Protobuf::<tendermint_proto::types::SignedHeader>::encode_vec(signed)),
            validators: Binary::from(Protobuf::<tendermint_proto::types::ValidatorSet>::encode_vec(set)),
        }
    }

    fn validator_set(&self) -> ValidatorSet {
        ValidatorSet::without_proposer(self.validators.iter().map(|v| v.generate().unwrap()).collect())
    }

    /// The admin creates gamma's client from a header at `height` with `app_hash`.
    #[track_caller]
    fn create_client(&mut self, height: u64, app_hash: [u8; 32]) {
        let header = self.header(height, app_hash);
        let admin = self.h.admin.clone();
        let msg = lc_api::ExecuteMsg::CreateClient {
            chain_id: GAMMA.into(),
            header,
            trust_level: None,
            trusting_period: 14 * 24 * 3600,
            unbonding_period: 21 * 24 * 3600,
            max_clock_drift: 10,
            max_consensus_states: None,
        };
        self.h.app.execute_contract(admin, self.light_client.clone(), &msg, &[]).unwrap();
    }

    fn report(&mut self, r: LockReport) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
        self.h.report(0, vec![r])
    }
}

/// The escrow record gamma's Router keeps for leg `i` of `b` once it is locked.
fn record(b: &Bundle, i: usize) -> Escrow {
    let leg = &b.legs[i];
    Escrow {
        status: LegStatus::Locked,
        leg_hash: leg_hash(leg).into(),
        depositor: Addr::unchecked("inj1depositor"),
        recipient: Addr::unchecked("inj1recipient"),
        token: CwToken::Native { denom: "inj".into() },
        amount: leg.amount.0.to_string().parse().unwrap(),
        lock_deadline: b.lock_deadline,
        settle_deadline: b.settle_deadline,
    }
}

fn exist(key: &[u8], value: &[u8], prefix: Vec<u8>) -> ExistenceProof {
    let leaf = LeafOp {
        hash: HashOp::Sha256.into(),
        prehash_key: HashOp::NoHash.into(),
        prehash_value: HashOp::Sha256.into(),
        length: LengthOp::VarProto.into(),
        prefix,
    };
    ExistenceProof { key: key.to_vec(), value: value.to_vec(), leaf: Some(leaf), path: vec![] }
}

fn encode(p: ExistenceProof) -> Binary {
    Binary::from(CommitmentProof { proof: Some(Proof::Exist(p)) }.encode_to_vec())
}

/// What `abci_query` (path `store/wasm/key`, `prove = true`) returns for `key` holding `value`
/// in a `wasm` IAVL store of that one entry (leaf prefix: height 0, size 1, version 1, zigzag
/// varints), in a multistore of that one store; and the app hash the proof leads to.
fn abci_proof(key: &[u8], value: &[u8]) -> (ProofOps, [u8; 32]) {
    let iavl = exist(key, value, vec![0, 2, 2]);
    let store_root = ics23::calculate_existence_root::<HostFunctionsManager>(&iavl).unwrap();
    let simple = exist(b"wasm", &store_root, vec![0]);
    let app_hash = ics23::calculate_existence_root::<HostFunctionsManager>(&simple).unwrap();
    let ops = vec![
        ProofOp { op_type: "ics23:iavl".into(), key: Binary::from(key.to_vec()), data: encode(iavl) },
        ProofOp { op_type: "ics23:simple".into(), key: Binary::from(b"wasm".to_vec()), data: encode(simple) },
    ];
    (ProofOps { ops }, app_hash.try_into().unwrap())
}

/// A report of leg `i` of `b` proven by `record` at `height`, and the app hash its proof needs.
fn proven_report(id: &Hash32, b: &Bundle, i: usize, record: &Escrow, height: u64) -> (LockReport, [u8; 32]) {
    let value = cosmwasm_std::to_json_vec(record).unwrap();
    let key = router_cw::escrow_abci_key(&b.legs[i].router.to_cosmos_bytes(), id, i as u32);
    let (proof, app_hash) = abci_proof(&key, &value);
    let report = LockReport {
        bundle_id: *id,
        leg_index: i as u32,
        leg_hash: leg_hash(&b.legs[i]).into(),
        settle_deadline: b.settle_deadline,
        location: LockLocation::CosmWasm(CosmWasmLocation { chain_id: GAMMA.into(), height }),
        proof: Some(StateProof { record: Binary::from(value), proof }),
    };
    (report, app_hash)
}

fn open_reports(h: &Hub, domain: u64) -> usize {
    let r: OpenReportsResponse = h
        .app
        .wrap()
        .query_wasm_smart(&h.log, &QueryMsg::OpenReports { domain, start_after: None, limit: None })
        .unwrap();
    r.reports.len()
}

#[test]
fn a_proven_cosmwasm_lock_is_final_at_once_and_the_bundle_commits_after_the_evm_legs_window() {
    let mut g = Gamma::new();
    let b = g.bundle(1);
    let id = g.h.register(&b).unwrap();
    let (report, app_hash) = proven_report(&id, &b, 1, &record(&b, 1), HEIGHT);
    g.create_client(HEIGHT + 1, app_hash);
    g.report(report).unwrap();
    let leg = g.h.bundle_info(&id).reports[1].clone().expect("reported");
    assert_eq!(leg.window_ends_at, leg.reported_at, "no dispute window for a proven lock");
    assert_eq!(leg.location, LockLocation::CosmWasm(CosmWasmLocation { chain_id: GAMMA.into(), height: HEIGHT }));
    assert_eq!(open_reports(&g.h, DOMAIN_G), 0, "nothing for signers to check");

    // The EVM leg is optimistic: the bundle waits for its window only.
    g.h.report(0, vec![lock_report(&id, &b, 0)]).unwrap();
    g.h.wait(WINDOW - 1);
    assert!(g.h.advance().unwrap().decided.is_empty(), "the EVM leg's window is still open");
    g.h.wait(1);
    let decided = g.h.advance().unwrap().decided;
    assert_eq!(decided.iter().map(|d| (d.bundle_id, d.verdict)).collect::<Vec<_>>(), vec![(id, Verdict::Commit)]);
}

#[test]
fn a_bundle_whose_only_leg_is_proven_commits_on_the_next_advance() {
    let mut g = Gamma::new();
    let mut b = g.bundle(2);
    b.legs.remove(0);
    let id = g.h.register(&b).unwrap();
    let (report, app_hash) = proven_report(&id, &b, 0, &record(&b, 0), HEIGHT);
    g.create_client(HEIGHT + 1, app_hash);
    g.report(report).unwrap();
    let decided = g.h.advance().unwrap().decided;
    assert_eq!(decided.iter().map(|d| (d.bundle_id, d.verdict)).collect::<Vec<_>>(), vec![(id, Verdict::Commit)]);
    assert_eq!(g.h.bundle_info(&id).status, BundleStatus::Decided);
}

#[test]
fn a_report_with_a_tampered_record_or_proof_is_refused_and_changes_nothing() {
    let mut g = Gamma::new();
    let b = g.bundle(3);
    let id = g.h.register(&b).unwrap();
    let (honest, app_hash) = proven_report(&id, &b, 1, &record(&b, 1), HEIGHT);
    g.create_client(HEIGHT + 1, app_hash);

    let mut tampers: Vec<(&str, LockReport)> = vec![];
    let mut r = honest.clone();
    let p = r.proof.as_mut().unwrap();
    let mut value = p.record.to_vec();
    let at = value.iter().position(|c| *c == b'1').unwrap();
    value[at] = b'2';
    p.record = Binary::from(value);
    tampers.push(("record byte", r));
    for op in 0..2 {
        let mut r = honest.clone();
        let data = &mut r.proof.as_mut().unwrap().proof.ops[op].data;
        let mut bytes = data.to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        *data = Binary::from(bytes);
        tampers.push(("proof byte", r));
    }
    let mut r = honest.clone();
    r.proof.as_mut().unwrap().proof.ops.swap(0, 1);
    tampers.push(("op order", r));
    let mut r = honest.clone();
    r.proof.as_mut().unwrap().proof.ops.pop();
    tampers.push(("op count", r));
    for (what, r) in tampers {
        let err = g.report(r).expect_err(what).to_string();
        assert!(
            err.contains(&format!(
                "report of bundle {id} leg 1: the light client refused the state proof at height {HEIGHT}"
            )),
            "{what}: {err}"
        );
        assert!(g.h.bundle_info(&id).reports[1].is_none(), "{what}: nothing recorded");
    }
    g.report(honest).unwrap();
}

#[test]
fn a_proof_against_a_height_the_light_client_never_verified_is_refused() {
    let mut g = Gamma::new();
    let b = g.bundle(4);
    let id = g.h.register(&b).unwrap();
    let (report, app_hash) = proven_report(&id, &b, 1, &record(&b, 1), HEIGHT);
    // the client knows height HEIGHT + 2 with that app hash, not HEIGHT + 1
    g.create_client(HEIGHT + 2, app_hash);
    let err = g.report(report).unwrap_err().to_string();
    assert!(err.contains("has no consensus state at height 41"), "{err}");
    assert!(g.h.bundle_info(&id).reports[1].is_none());
}

#[test]
fn a_proven_record_of_another_leg_or_state_is_refused_by_what_differs() {
    let mut g = Gamma::new();
    let b = g.bundle(5);
    let id = g.h.register(&b).unwrap();
    let other = g.bundle(6);
    let cases: Vec<(Escrow, E)> = vec![
        (
            Escrow { status: LegStatus::Committed, ..record(&b, 1) },
            E::EscrowRecordMismatch {
                bundle_id: id,
                leg_index: 1,
                field: "status",
                expected: "locked".into(),
                got: "committed".into(),
            },
        ),
        (
            Escrow { leg_hash: Hash32(B256::repeat_byte(9)), ..record(&b, 1) },
            E::EscrowRecordMismatch {
                bundle_id: id,
                leg_index: 1,
                field: "leg hash",
                expected: Hash32::from(leg_hash(&b.legs[1])).to_string(),
                got: Hash32(B256::repeat_byte(9)).to_string(),
            },
        ),
        (
            Escrow { amount: (b.legs[1].amount.0.to::<u128>() - 1).into(), ..record(&b, 1) },
            E::EscrowRecordMismatch {
                bundle_id: id,
                leg_index: 1,
                field: "amount",
                expected: format!("at least {}", b.legs[1].amount.0),
                got: (b.legs[1].amount.0.to::<u128>() - 1).to_string(),
            },
        ),
        (
            Escrow { settle_deadline: b.settle_deadline + 1, ..record(&b, 1) },
            E::EscrowRecordMismatch {
                bundle_id: id,
                leg_index: 1,
                field: "settle deadline",
                expected: b.settle_deadline.to_string(),
                got: (b.settle_deadline + 1).to_string(),
            },
        ),
        (
            Escrow { lock_deadline: other.lock_deadline + 5, ..record(&b, 1) },
            E::EscrowRecordMismatch {
                bundle_id: id,
                leg_index: 1,
                field: "lock deadline",
                expected: b.lock_deadline.to_string(),
                got: (other.lock_deadline + 5).to_string(),
            },
        ),
    ];
    for (n, (rec, expected)) in cases.into_iter().enumerate() {
        // each record is really in the Router's state (proven at its own height)
        let height = HEIGHT + 10 * n as u64;
        let (report, app_hash) = proven_report(&id, &b, 1, &rec, height);
        if n == 0 {
            g.create_client(height + 1, app_hash);
        } else {
            let h = g.header(height + 1, app_hash);
            let msg = lc_api::ExecuteMsg::UpdateClient {
                chain_id: GAMMA.into(),
                header: h,
                trusted_height: HEIGHT + 1,
                trusted_next_validators: Some(
                    Protobuf::<tendermint_proto::types::ValidatorSet>::encode_vec(g.validator_set()).into(),
                ),
            };
            let anyone = g.h.addr("updater");
            g.h.app.execute_contract(anyone, g.light_client.clone(), &msg, &[]).unwrap();
        }
        assert_err(g.report(report), expected);
        assert!(g.h.bundle_info(&id).reports[1].is_none());
    }
}

#[test]
fn a_cosmwasm_report_without_a_proof_and_an_evm_report_with_one_are_refused() {
    let mut g = Gamma::new();
    let b = g.bundle(7);
    let id = g.h.register(&b).unwrap();
    let (mut report, app_hash) = proven_report(&id, &b, 1, &record(&b, 1), HEIGHT);
    g.create_client(HEIGHT + 1, app_hash);
    let gamma = ChainVm::CosmWasm { chain_id: GAMMA.into() };
    let proof = report.proof.take();
    assert_err(g.report(report), E::StateProofMissing { bundle_id: id, leg_index: 1, vm: gamma });
    let mut evm = lock_report(&id, &b, 0);
    evm.proof = proof;
    assert_err(
        g.report(evm),
        E::StateProofNotTaken { bundle_id: id, leg_index: 0, vm: ChainVm::Evm { chain_id: evm_chain(DOMAIN_A) } },
    );
}

#[test]
fn a_cosmwasm_report_is_refused_until_the_light_client_is_set_and_the_light_client_is_set_once() {
    let mut h = Hub::with_relayers(1);
    let admin = h.admin.clone();
    add_gamma(&mut h);
    let g = Gamma::new();
    let b = g.bundle(8);
    let id = h.register(&b).unwrap();
    let (report, _) = proven_report(&id, &b, 1, &record(&b, 1), HEIGHT);
    assert_err(
        h.report(0, vec![report]),
        E::LightClientNotSet { bundle_id: id, leg_index: 1, vm: ChainVm::CosmWasm { chain_id: GAMMA.into() } },
    );
    let lc = h.addr("light-client");
    let mallory = h.addr("mallory");
    assert_err(
        h.log_exec(&mallory, &ExecuteMsg::SetLightClient { light_client: lc.to_string() }),
        E::Access(mesh_hub_api::common::AccessError::Unauthorized {
            action: "set_light_client",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        }),
    );
    h.log_exec(&admin, &ExecuteMsg::SetLightClient { light_client: lc.to_string() }).unwrap();
    assert_err(
        h.log_exec(&admin, &ExecuteMsg::SetLightClient { light_client: mallory.to_string() }),
        E::LightClientAlreadySet { current: lc },
    );
}

#[test]
fn a_proven_report_cannot_be_objected_to_or_disputed() {
    let mut g = Gamma::new();
    let b = g.bundle(9);
    let id = g.h.register(&b).unwrap();
    let (report, app_hash) = proven_report(&id, &b, 1, &record(&b, 1), HEIGHT);
    g.create_client(HEIGHT + 1, app_hash);
    g.report(report).unwrap();
    let objected = g.h.object(1, &[(id, 1)], mesh_hub_api::bundle_log::ObjectionReason::UnknownBlock).unwrap();
    assert_eq!(objected.ignored.len(), 1, "no window: the objection is a no-op");
    assert!(g.h.bundle_info(&id).reports[1].is_some());
    let disputer = g.h.addr("disputer");
    let fraud = mesh_hub_api::dispute::ExecuteMsg::SubmitFraudProof {
        proof: mesh_hub_api::dispute::FraudProof::FalseLock {
            bundle_id: id,
            leg_index: 1,
            evidence: mesh_hub_api::dispute::FalseLockEvidence::EvmReceipt {
                header: Binary::from(vec![0xc0]),
                receipt: Binary::default(),
                receipt_proof: vec![],
            },
        },
    };
    let err = g.h.app.execute_contract(disputer, g.h.dispute.clone(), &fraud, &[]).unwrap_err().to_string();
    assert!(
        is_contract_error(
            &err,
            &DisputeError::NotDisputable { bundle_id: id, leg_index: 1, vm: format!("cosmwasm chain {GAMMA}") }
                .to_string()
        ),
        "{err}"
    );
}
