//! The adapter against one real injectived chain (gamma's profile on ports 29700+) running the
//! real `mesh-router-cw` wasm: a depositor locks a bank-denom leg, `leg_locks` finds it with a
//! state proof that the hub's own light-client contract (cw-multi-test, fed this chain's signed
//! headers through `HeaderSource`) verifies, a tampered record does not verify, a batch signed by
//! 2 of 3 keys settles it and pays the recipient.
//!
//! Needs `injectived` (scripts/setup-tools.sh) and `artifacts/mesh_router_cw.wasm`
//! (scripts/build-wasm.sh).
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cosmwasm_std::{Binary, Timestamp};
use cw_multi_test::{App, ContractWrapper, Executor};
use mesh_chain::{AdapterError, Delivery, HeaderSource, LegLocker, LegSource, LegState, SettleItem, SettlementSink};
use mesh_chain_cosmwasm::{CwChain, CwDelivery, CwError, CwLocker, CwToken};
use mesh_cosmos::{CosmosClient, CosmosClientConfig, CosmosSigner};
use mesh_devnet::hub_node::{init_homes, wait_for_height, ChainNodes};
use mesh_devnet::keys::DevKeys;
use mesh_devnet::process::{spawn_detached, stop, Tracked};
use mesh_devnet::profile::Profile;
use mesh_hub_api::bundle_log::LockLocation;
use mesh_hub_api::light_client as lc;
use mesh_hub_api::router_cw::{self, ConfigResponse, Escrow, InstantiateMsg, LegStatus, QueryMsg};
use mesh_protocol::eip712::{
    bundle_id, leg_hash, settlement_batch_digest, settlement_leaf, signer_set_hash, signer_set_update_digest, HubDomain,
};
use mesh_protocol::merkle::merkle_root;
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{
    keccak256, AccountId, Amount, Bundle, Hash32, Leg, SettlementBatch, SignerSet, SignerSetUpdate, Verdict,
    WeightedSigner,
};
use tendermint_proto::Protobuf;

const BASE_PORT: u16 = 29700;
const HUB_CHAIN_ID: &str = "mesh-devnet-1";
const DOMAIN: u64 = 3;
const AMOUNT: u128 = 1_234_567;
/// Seconds a signer set stays current before it may rotate.
const ROTATION_DELAY: u64 = 20;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// Stops the node when the test ends, panics included.
struct NodeGuard(Tracked);

impl Drop for NodeGuard {
    fn drop(&mut self) {
        stop(&self.0, Duration::from_secs(10));
    }
}

fn signer(name: &str) -> CosmosSigner {
    let keys = DevKeys::new(0);
    let id = match name {
        "deployer" => &keys.deployer,
        "alice" => &keys.users[0],
        "bob" => &keys.users[1],
        _ => unreachable!(),
    };
    id.hub_signer()
}

fn account(s: &CosmosSigner) -> AccountId {
    AccountId::from_cosmos_bytes(&s.address().to_bytes()).unwrap()
}

/// Waits until the chain's head reaches `height`.
async fn wait_head(chain: &CwChain, height: u64) -> u64 {
    let start = Instant::now();
    loop {
        let head = chain.head().await.unwrap();
        if head >= height {
            return head;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "head {head} never reached {height}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The hub's light-client contract in cw-multi-test, its clock at `now`.
fn light_client(now: u64) -> (App, cosmwasm_std::Addr) {
    let mut app = App::default();
    app.update_block(|b| b.time = Timestamp::from_seconds(now));
    let code = app.store_code(Box::new(ContractWrapper::new(
        mesh_light_client::contract::execute,
        mesh_light_client::contract::instantiate,
        mesh_light_client::contract::query,
    )));
    let admin = app.api().addr_make("admin");
    let lc = app.instantiate_contract(code, admin, &lc::InstantiateMsg { admin: None }, &[], "lc", None).unwrap();
    (app, lc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_is_found_proven_to_the_light_client_and_settled_on_a_real_chain() {
    let repo = repo();
    let wasm_path = repo.join("artifacts/mesh_router_cw.wasm");
    let wasm = std::fs::read(&wasm_path)
        .unwrap_or_else(|e| panic!("{}: {e} (build it with scripts/build-wasm.sh)", wasm_path.display()));
    let injectived = mesh_devnet::Tools::from_env().path("injectived", "MESH_INJECTIVED").expect("injectived");
    let profile = Profile::load(&repo.join("hub-config/devnet.toml")).unwrap();
    let nodes = ChainNodes { base_port: BASE_PORT, ..ChainNodes::cosmwasm(&profile.cosmwasm[0]) };
    let dir = tempfile::tempdir().unwrap();
    let (deployer, alice, bob) = (signer("deployer"), signer("alice"), signer("bob"));
    let funded: Vec<(String, String)> =
        [&deployer, &alice, &bob].iter().map(|s| (s.address().to_string(), profile.accounts.balance.clone())).collect();
    init_homes(&injectived, dir.path(), &profile, &nodes, 1, &funded).unwrap();
    let log = dir.path().join("node.log");
    let home = nodes.home(dir.path(), 0);
    let node = spawn_detached(&injectived, &["start", "--home", &home.to_string_lossy()], &[], &log).unwrap();
    let _guard = NodeGuard(node);
    let rpc = nodes.rpc(0);
    wait_for_height(&rpc, 2, Duration::from_secs(90), &log).await.unwrap();
    let client = CosmosClient::new(CosmosClientConfig::devnet(&rpc, &nodes.chain_id)).unwrap();

    // the Router, with a genesis set of 3 keys, weight 1 each, threshold 2
    let keys: Vec<_> =
        (0..3).map(|i| signing_key(&keccak256(format!("cw adapter test signer {i}")).0).unwrap()).collect();
    let mut signers: Vec<WeightedSigner> = keys
        .iter()
        .map(|k| WeightedSigner { address: signer_address(k).into(), weight: Amount::from(1u128) })
        .collect();
    signers.sort_by_key(|s| s.address);
    let (_, now) = client.latest_block().await.unwrap();
    let genesis_set = SignerSet { epoch: 1, signers, threshold: Amount::from(2u128), expires_at: now + 86_400 };
    let deployment = deployer.address().to_string();
    let (code_id, stored) = client.store_code(&deployer, wasm).await.unwrap();
    let init = InstantiateMsg {
        hub_chain_id: HUB_CHAIN_ID.into(),
        deployment: deployment.clone(),
        domain: DOMAIN,
        refund_grace: 3600,
        min_rotation_delay: ROTATION_DELAY,
        genesis_set,
        action_executor_code_id: None,
    };
    let (router, _) = client.instantiate(&deployer, code_id, &init, "mesh-router", None, vec![]).await.unwrap();
    let cfg: ConfigResponse = client.query_smart(&router, &QueryMsg::Config {}).await.unwrap();
    eprintln!("router {router} (code {code_id}, store_code gas {})", stored.gas_used);

    let chain = CwChain {
        name: "gamma".into(),
        domain: DOMAIN,
        chain_id: nodes.chain_id.clone(),
        router: router.clone(),
        client: client.clone(),
    };
    let delivery = CwDelivery {
        name: "gamma".into(),
        domain: DOMAIN,
        chain_id: nodes.chain_id.clone(),
        router: router.clone(),
        client: client.clone(),
        signer: deployer,
    };
    let locker = CwLocker {
        name: "gamma".into(),
        domain: DOMAIN,
        chain_id: nodes.chain_id.clone(),
        router: router.clone(),
        client: client.clone(),
        signer: signer("alice"),
        tokens: vec![CwToken::Native { denom: "uatom".into() }, CwToken::Native { denom: "inj".into() }],
    };

    // a depositor locks a bank-denom leg
    let leg = Leg {
        domain: DOMAIN,
        router: cfg.router,
        depositor: account(&alice),
        token: router_cw::bank_denom_token_id("inj"),
        amount: Amount::from(AMOUNT),
        recipient: account(&bob),
        action: None,
        kind: Default::default(),
    };
    let bundle = Bundle {
        creator: "inj1creator".into(),
        nonce: 1,
        lock_deadline: now + 600,
        settle_deadline: now + 1200,
        legs: vec![leg.clone()],
    };
    let hub = HubDomain::new(HUB_CHAIN_ID, deployment);
    let id = Hash32(bundle_id(&hub, &bundle));
    let wrong_id = Hash32(keccak256("another deployment"));
    assert!(matches!(locker.lock(&bundle, wrong_id, 0).await, Err(CwError::WrongBundleId { .. })));
    let alice_before = client.balance(alice.address().as_ref(), "inj").await.unwrap();
    let locked = locker.lock(&bundle, id, 0).await.unwrap();
    let lock_tx = client.wait_for_tx(&hex::encode_upper(locked.tx.0)).await.unwrap();
    eprintln!("lock: block {}, gas used {}", locked.block, lock_tx.gas_used);
    assert!(client.balance(alice.address().as_ref(), "inj").await.unwrap() <= alice_before - AMOUNT);
    let escrow: Option<Escrow> =
        client.query_smart(&router, &QueryMsg::Escrow { bundle_id: id, index: 0 }).await.unwrap();
    assert_eq!(escrow.unwrap().status, LegStatus::Locked);
    // locking it twice is refused in simulation: would_revert
    let again = locker.lock(&bundle, id, 0).await.unwrap_err();
    assert!(again.would_revert() && !again.is_recoverable(), "{again}");

    // the proof height must be below the head
    let head = chain.head().await.unwrap();
    match chain.leg_locks(locked.block, head).await {
        Err(CwError::ProofHeightNotBelowHead { height, head: h }) => assert!(height == head && h >= head),
        other => panic!("{other:?}"),
    }
    // leg_locks finds the lock, proven at P = to
    let p = locked.block + 1;
    wait_head(&chain, p + 1).await;
    assert!(chain.leg_locks(1, locked.block - 1).await.unwrap().is_empty(), "no lock before it");
    let found = chain.leg_locks(1, p).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let lock = &found[0];
    assert_eq!(Some(lock.block), chain.block(locked.block).await.unwrap());
    let r = &lock.report;
    assert_eq!((r.bundle_id, r.leg_index), (id, 0));
    assert_eq!(r.leg_hash, Hash32(leg_hash(&leg)));
    assert_eq!(r.settle_deadline, bundle.settle_deadline);
    match &r.location {
        LockLocation::CosmWasm(l) => assert_eq!((l.chain_id.as_str(), l.height), (nodes.chain_id.as_str(), p)),
        other => panic!("{other:?}"),
    }
    let proof = r.proof.clone().expect("a state proof");
    let record: Escrow = serde_json::from_slice(proof.record.as_slice()).unwrap();
    assert_eq!(record.status, LegStatus::Locked);
    assert_eq!(record.amount.to_string(), AMOUNT.to_string());
    let ops: Vec<&str> = proof.proof.ops.iter().map(|o| o.op_type.as_str()).collect();
    assert_eq!(ops, ["ics23:iavl", "ics23:simple"]);

    // what the hub checks: the light client, created at the lock's block and moved to P + 1 by a
    // skipping update (signed headers and validator sets from HeaderSource), verifies the record
    let trusted = locked.block - 1;
    let created_at = chain.light_header(trusted).await.unwrap().expect("header");
    let target = chain.light_header(p + 1).await.unwrap().expect("header");
    let decoded = mesh_light_client::verify::decode_header(&target).unwrap();
    assert_eq!(decoded.height(), p + 1);
    assert_eq!(decoded.validators.hash(), decoded.signed_header.header.validators_hash);
    let set_bytes = chain.validator_set(trusted + 1).await.unwrap().expect("set");
    let (_, chain_now) = client.latest_block().await.unwrap();
    let (mut app, lc) = light_client(chain_now + 1);
    let admin = app.api().addr_make("admin");
    let create = lc::ExecuteMsg::CreateClient {
        chain_id: chain.client_chain_id().into(),
        header: created_at,
        trust_level: None,
        trusting_period: 14 * 24 * 3600,
        unbonding_period: 21 * 24 * 3600,
        max_clock_drift: 10,
        max_consensus_states: None,
    };
    app.execute_contract(admin.clone(), lc.clone(), &create, &[]).unwrap();
    let update = lc::ExecuteMsg::UpdateClient {
        chain_id: chain.client_chain_id().into(),
        header: target,
        trusted_height: trusted,
        trusted_next_validators: Some(Binary::from(set_bytes)),
    };
    app.execute_contract(admin, lc.clone(), &update, &[]).unwrap();
    let router_bytes = mesh_chain_cosmwasm::chain::address_bytes("router", &router).unwrap();
    let key = router_cw::escrow_abci_key(&router_bytes, &id, 0);
    let verify = |value: Binary, proof: lc::ProofOps| lc::QueryMsg::VerifyMembership {
        chain_id: nodes.chain_id.clone(),
        height: p,
        store: "wasm".into(),
        key: key.clone().into(),
        value,
        proof,
    };
    let ok: lc::MembershipResponse =
        app.wrap().query_wasm_smart(lc.as_str(), &verify(proof.record.clone(), proof.proof.clone())).unwrap();
    assert_eq!(ok.app_hash.as_slice(), decoded.signed_header.header.app_hash.as_bytes());
    // and as a library, the same check
    let (_, app_hash) =
        mesh_light_client::proof::verify_store_proof(&proof.proof, "wasm", &key, proof.record.as_slice()).unwrap();
    assert_eq!(app_hash, decoded.signed_header.header.app_hash.as_bytes());
    // a tampered record (locked → other amount) does not verify
    let mut tampered = proof.record.to_vec();
    let at = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[at] = b'9';
    let refused = app
        .wrap()
        .query_wasm_smart::<lc::MembershipResponse>(lc.as_str(), &verify(tampered.into(), proof.proof.clone()));
    assert!(refused.is_err(), "a tampered record verified");
    // nor does a tampered proof
    let mut bad = proof.proof.clone();
    let mut data = bad.ops[0].data.to_vec();
    let last = data.len() - 1;
    data[last] ^= 1;
    bad.ops[0].data = data.into();
    assert!(app
        .wrap()
        .query_wasm_smart::<lc::MembershipResponse>(lc.as_str(), &verify(proof.record.clone(), bad))
        .is_err());

    // the poster settles it with a batch signed by 2 of the 3 keys
    assert_eq!(delivery.current_epoch().await.unwrap(), 1);
    assert!(!delivery.rotation_allowed().await.unwrap(), "the set is younger than the rotation delay");
    assert_eq!(delivery.leg_state(id, 0).await.unwrap(), LegState::Locked);
    assert_eq!(delivery.leg_state(id, 1).await.unwrap(), LegState::NotLocked);
    let root = Hash32(merkle_root(&[settlement_leaf(id.0, Verdict::Commit)]).unwrap());
    assert!(!delivery.is_verified_root(root).await.unwrap());
    let batch = SettlementBatch { epoch: 1, batch_index: 1, root };
    let digest = settlement_batch_digest(&hub, &batch);
    let mut signed: Vec<_> = [&keys[0], &keys[2]].iter().map(|k| (signer_address(k), sign_digest(k, digest))).collect();
    signed.sort_by_key(|(a, _)| *a);
    let signatures = signed.into_iter().map(|(_, s)| s).collect();
    let items = vec![SettleItem { bundle_id: id, leg_index: 0, verdict: Verdict::Commit, proof: vec![] }];
    let bob_before = client.balance(bob.address().as_ref(), "inj").await.unwrap();
    let sent = delivery.send(Delivery::SettleBatch { batch, signatures, items }).await.unwrap();
    assert!(sent.success);
    let settle_tx = client.wait_for_tx(&hex::encode_upper(sent.tx.0)).await.unwrap();
    eprintln!("settle_batch (1 item): gas used {}", settle_tx.gas_used);
    assert_eq!(delivery.tx_status(sent.tx).await.unwrap(), Some(true));
    assert_eq!(delivery.tx_status(Hash32(keccak256("no such tx"))).await.unwrap(), None);
    assert_eq!(delivery.leg_state(id, 0).await.unwrap(), LegState::Committed);
    assert!(delivery.is_verified_root(root).await.unwrap());
    assert_eq!(client.balance(bob.address().as_ref(), "inj").await.unwrap(), bob_before + AMOUNT);

    // two legs of another bundle locked in reverse order come back in chain order, each with
    // its own index, alongside nothing of the settled lock
    let bundle2 = Bundle {
        nonce: 2,
        legs: vec![leg.clone(), Leg { amount: Amount::from(7u128), ..leg.clone() }],
        ..bundle.clone()
    };
    let id2 = Hash32(bundle_id(&hub, &bundle2));
    let second = locker.lock(&bundle2, id2, 1).await.unwrap();
    let third = locker.lock(&bundle2, id2, 0).await.unwrap();
    assert!(third.block >= second.block);
    wait_head(&chain, third.block + 1).await;
    let found = chain.leg_locks(locked.block, third.block).await.unwrap();
    let got: Vec<_> = found.iter().map(|l| (l.report.bundle_id, l.report.leg_index, l.block.number)).collect();
    assert_eq!(got, [(id2, 1, second.block), (id2, 0, third.block)]);
    for l in &found {
        assert_eq!(l.report.leg_hash, Hash32(leg_hash(&bundle2.legs[l.report.leg_index as usize])));
    }

    // a lock settled since is not reported any more: its record at the new P is committed
    let found = chain.leg_locks(locked.block, settle_tx.height.max(third.block)).await.unwrap();
    assert!(found.iter().all(|l| l.report.bundle_id == id2), "{found:?}");

    // heads and blocks agree; nothing above the head
    let head = chain.head().await.unwrap();
    let b = chain.block(head).await.unwrap().expect("the head's block");
    assert_eq!(b.number, head);
    assert!(b.timestamp >= now && b.timestamp <= now + 600, "{} vs {now}", b.timestamp);
    assert_eq!(chain.block(head + 1000).await.unwrap(), None);
    assert_eq!(chain.light_header(head + 1000).await.unwrap(), None);
    assert_eq!(chain.validator_set(head + 1000).await.unwrap(), None);
    let h = chain.light_header(head).await.unwrap().expect("the head's header");
    let h = mesh_light_client::verify::decode_header(&h).unwrap();
    assert_eq!(Hash32(mesh_protocol::B256::from_slice(h.signed_header.header.hash().as_bytes())), b.hash);
    let set = chain.validator_set(head).await.unwrap().unwrap();
    let set =
        <tendermint::validator::Set as Protobuf<tendermint_proto::types::ValidatorSet>>::decode_vec(&set).unwrap();
    assert_eq!(set.hash(), h.signed_header.header.validators_hash);

    // a rotation, once the delay has passed: epoch 2, signed by 2 of the 3 current keys
    let start = Instant::now();
    while !delivery.rotation_allowed().await.unwrap() {
        assert!(start.elapsed() < Duration::from_secs(2 * ROTATION_DELAY), "rotation never allowed");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (_, now) = client.latest_block().await.unwrap();
    let new_keys: Vec<_> =
        (0..2).map(|i| signing_key(&keccak256(format!("cw adapter next signer {i}")).0).unwrap()).collect();
    let mut members: Vec<WeightedSigner> = new_keys
        .iter()
        .map(|k| WeightedSigner { address: signer_address(k).into(), weight: Amount::from(1u128) })
        .collect();
    members.sort_by_key(|s| s.address);
    let new_set =
        SignerSet { epoch: 2, signers: members, threshold: Amount::from(2u128), expires_at: now + 2 * 86_400 };
    let update = SignerSetUpdate { new_epoch: 2, signers_hash: Hash32(signer_set_hash(&new_set)) };
    let digest = signer_set_update_digest(&hub, &update);
    let mut signed: Vec<_> = [&keys[1], &keys[2]].iter().map(|k| (signer_address(k), sign_digest(k, digest))).collect();
    signed.sort_by_key(|(a, _)| *a);
    let signatures: Vec<_> = signed.into_iter().map(|(_, s)| s).collect();
    let rotate = Delivery::Rotate { set: new_set, signatures };
    let sent = delivery.send(rotate.clone()).await.unwrap();
    assert!(sent.success);
    assert_eq!(delivery.current_epoch().await.unwrap(), 2);
    assert!(!delivery.rotation_allowed().await.unwrap(), "the new set is younger than the delay");
    // the same rotation again is refused before it is sent (the Router's epoch moved on)
    let again = delivery.send(rotate).await.unwrap_err();
    assert!(again.would_revert() && !again.is_recoverable(), "{again}");
}
