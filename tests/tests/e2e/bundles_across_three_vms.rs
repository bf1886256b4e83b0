//! Bundles across three VMs on the real devnet: alpha and beta (anvil, EVM, optimistic reports)
//! and gamma (a second injectived chain running mesh-router-cw, its locks proven to the hub's
//! CometBFT light client). A bundle locked on all three COMMITs and pays on all three, gamma in
//! its bank denom and in a cw20 (cw-plus cw20-base); a bundle whose gamma legs are never locked
//! ABORTs and refunds alpha and beta; one whose beta leg is never locked ABORTs and refunds gamma,
//! bank denom and cw20. Before any relayer runs, an attacker's attempts on the
//! light-client path are refused with typed errors and change nothing: a report proven at a
//! height the hub's client has not verified, a report whose proof was tampered with, a header
//! not signed by gamma's validators. A second validator joins gamma with two thirds of the power
//! and the hub's light client follows the new set for the next gamma lock. A root the hub never
//! closed, signed by the whole quorum and delivered only to gamma, is proven against every signer
//! by the disputer, which watches gamma's Router as it watches the EVM chains. With every relayer
//! stopped, an expired gamma leg is refunded by anyone with no signature at all. Two gamma legs
//! carry actions on COMMIT: a cw20 sale to a target contract runs, and a call that burns all of
//! its gas falls back to paying the recipient the escrow; the executor keeps nothing.

use std::time::{Duration, Instant};

use alloy::primitives::U256;
use mesh_chain::{HeaderSource, LegLocker, LegSource};
use mesh_chain_evm::locker::lock_leg;
use mesh_hub::bundle::{register, status};
use mesh_hub::MeshHub;
use mesh_hub_api::bundle_log::{BundleStatus, LockLocation};
use mesh_hub_api::router_cw::LegStatus;
use mesh_protocol::eip712::settlement_batch_digest;
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{Bundle, Hash32, SettlementBatch, Verdict};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{
    cw20_leg, cw_chain, cw_leg, cw_locker, leg_status, mint_usdc, now, usdc_balance, usdc_leg, TestNet,
};
use prost::Message;

const GAMMA: usize = 0;
/// Genesis balance of the demo denom of every devnet account on gamma (the profile's).
fn gamma_genesis(tn: &TestNet) -> u128 {
    tn.m.profile.accounts.balance.parse().unwrap()
}

async fn gamma_balance(tn: &TestNet, who: &str) -> u128 {
    mesh_testkit::fixture::try_cw_balance(&tn.m, GAMMA, who).await.expect("gamma balance")
}

async fn gamma_cw20(tn: &TestNet, who: &str) -> u128 {
    mesh_testkit::fixture::try_cw20_balance(&tn.m, GAMMA, who).await.expect("gamma cw20 balance")
}

async fn gamma_leg(tn: &TestNet, id: Hash32, index: u32) -> LegStatus {
    mesh_testkit::fixture::try_cw_leg_status(&tn.m, GAMMA, id, index).await.expect("gamma leg status")
}

/// The hub's refusal text of a failed transaction.
fn refusal(e: &mesh_hub::CosmosError) -> String {
    e.contract_log().map(str::to_string).unwrap_or_else(|| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bundle_across_evm_and_cosmwasm_commits_everywhere_and_a_missing_leg_aborts_everywhere() {
    let opts = mesh_devnet::UpOptions { validators: 1, evm_chains: 2, cosmwasm_chains: 1, fresh: true };
    let tn = TestNet::up_with("three-vm", 29200, 29190, opts).await;
    let (m, hub) = (&tn.m, &tn.hub);
    let log = &m.contracts["bundle_log"];
    let (alice, bob, carol) = (&m.accounts.users[0], &m.accounts.users[1], &m.accounts.users[2]);
    mint_usdc(m, 0, &alice.evm_address, 1_000).await;
    mint_usdc(m, 1, &bob.evm_address, 1_000).await;

    let t = now();
    let legs3 = |n: u128| {
        vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 100 * n),
            usdc_leg(m, 1, &bob.evm_address, &carol.evm_address, 50 * n),
            cw_leg(m, GAMMA, &carol.hub_address, &alice.hub_address, 7_000 * n),
            cw20_leg(m, GAMMA, &bob.hub_address, &carol.hub_address, 250 * n),
        ]
    };
    let bundle = |nonce, lock_after: u64, legs| Bundle {
        creator: alice.hub_address.clone(),
        nonce,
        lock_deadline: t + lock_after,
        settle_deadline: t + 150,
        legs,
    };
    let all = bundle(1, 60, legs3(1));
    let no_gamma = bundle(2, 25, legs3(2));
    let no_beta = bundle(3, 25, legs3(3));
    let mut ids = Vec::new();
    for b in [&all, &no_gamma, &no_beta] {
        ids.push(register(hub, &alice.hub_signer(), log, b).await.expect("register"));
    }
    let (all_id, no_gamma_id, no_beta_id) = (ids[0], ids[1], ids[2]);

    // carol locks her gamma leg of `all`; no relayer runs yet
    let carol_gamma = cw_locker(m, GAMMA, carol).unwrap();
    let locked = carol_gamma.lock(&all, all_id, 2).await.expect("carol locks on gamma");
    let gamma = cw_chain(m, GAMMA).unwrap();
    while gamma.head().await.unwrap() <= locked.block + 1 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let observed = gamma.leg_locks(locked.block, locked.block).await.expect("gamma lock events");
    assert_eq!(observed.len(), 1, "one lock in the block");
    let honest = observed[0].report.clone();
    let LockLocation::CosmWasm(at) = &honest.location else { panic!("a CosmWasm location") };
    assert_eq!((at.chain_id.as_str(), at.height), ("gamma-1", locked.block));

    // a bonded relayer turned attacker (relayer 2 only signs once the relayers start)
    let mallory = tn.hub_as(&m.accounts.relayers[2]);
    // 1. proven at a height whose header the hub's light client has not verified
    let err = mallory.submit_reports(vec![honest.clone()]).await.expect_err("unverified height refused");
    let text = refusal(&err);
    assert!(text.contains("no consensus state at height"), "{text}");
    assert!(gamma_unreported(&tn, all_id).await, "unverified height: the gamma leg stays unreported");

    // 2. a header whose commit signatures are not gamma's validators'
    let mut forged = gamma.light_header(locked.block + 1).await.unwrap().expect("header");
    let mut sh = tendermint_proto::types::SignedHeader::decode(forged.signed_header.as_slice()).unwrap();
    let commit = sh.commit.as_mut().expect("commit");
    for sig in &mut commit.signatures {
        if let Some(b) = sig.signature.first_mut() {
            *b ^= 0x01;
        }
    }
    forged.signed_header = sh.encode_to_vec().into();
    let client = mallory.light_client("gamma-1").await.unwrap().expect("gamma's light client");
    let trusted_next = gamma.validator_set(client.latest_height + 1).await.unwrap();
    let err = mallory
        .update_light_client("gamma-1", forged, client.latest_height, trusted_next)
        .await
        .expect_err("a header with forged signatures is refused");
    let text = refusal(&err);
    assert!(text.contains("signature") || text.contains("does not verify"), "{text}");
    let after = mallory.light_client("gamma-1").await.unwrap().unwrap();
    assert_eq!(
        (after.latest_height, after.consensus_states, after.frozen),
        (client.latest_height, client.consensus_states, false),
        "the client did not move"
    );

    // the genuine header makes the height verifiable
    let genuine = gamma.light_header(locked.block + 1).await.unwrap().unwrap();
    let trusted_next = gamma.validator_set(client.latest_height + 1).await.unwrap();
    mallory
        .update_light_client("gamma-1", genuine, client.latest_height, trusted_next)
        .await
        .expect("the genuine header is taken");

    // 3. a proof of another record: the escrowed amount raised in the record, proof unchanged
    let mut tampered = honest.clone();
    let proof = tampered.proof.as_mut().expect("a state proof");
    let record = String::from_utf8(proof.record.to_vec()).unwrap();
    proof.record = record.replace("\"7000\"", "\"7001\"").into_bytes().into();
    assert_ne!(proof.record.to_vec(), record.as_bytes(), "the record names the amount");
    let err = mallory.submit_reports(vec![tampered]).await.expect_err("a tampered proof is refused");
    let text = refusal(&err);
    assert!(text.contains("proof"), "{text}");
    assert!(gamma_unreported(&tn, all_id).await, "tampered proof: the gamma leg stays unreported");

    // relayers: relayer 0 reports, signs, posts and disputes; 1 and 2 sign
    let r0 = tn.relayer(Some(0), vec![Role::Reporter, Role::Signer, Role::Poster, Role::Disputer]);
    let r1 = tn.relayer(Some(1), vec![Role::Signer]);
    let r2 = tn.relayer(Some(2), vec![Role::Signer]);

    let alice_alpha = tn.wallet(0, alice);
    let bob_beta = tn.wallet(1, bob);
    let bob_gamma = cw_locker(m, GAMMA, bob).unwrap();
    let started = Instant::now();
    lock_leg(&alice_alpha, &m.bundle_domain(), &all, 0).await.expect("alice locks on alpha");
    lock_leg(&bob_beta, &m.bundle_domain(), &all, 1).await.expect("bob locks on beta");
    lock_leg(&alice_alpha, &m.bundle_domain(), &no_gamma, 0).await.expect("alpha leg of no_gamma");
    lock_leg(&bob_beta, &m.bundle_domain(), &no_gamma, 1).await.expect("beta leg of no_gamma");
    lock_leg(&alice_alpha, &m.bundle_domain(), &no_beta, 0).await.expect("alpha leg of no_beta");
    carol_gamma.lock(&no_beta, no_beta_id, 2).await.expect("gamma leg of no_beta");
    bob_gamma.lock(&all, all_id, 3).await.expect("bob locks his cw20 on gamma");
    bob_gamma.lock(&no_beta, no_beta_id, 3).await.expect("cw20 leg of no_beta");

    let deadline = Instant::now() + Duration::from_secs(170);
    loop {
        let s: Vec<_> = futures_status(&tn, &[all_id, no_gamma_id, no_beta_id]).await;
        let settled = leg_status(m, 0, all_id, 0).await == 2
            && leg_status(m, 1, all_id, 1).await == 2
            && gamma_leg(&tn, all_id, 2).await == LegStatus::Committed
            && gamma_leg(&tn, all_id, 3).await == LegStatus::Committed
            && leg_status(m, 0, no_gamma_id, 0).await == 3
            && leg_status(m, 1, no_gamma_id, 1).await == 3
            && leg_status(m, 0, no_beta_id, 0).await == 3
            && gamma_leg(&tn, no_beta_id, 2).await == LegStatus::Aborted
            && gamma_leg(&tn, no_beta_id, 3).await == LegStatus::Aborted;
        if settled {
            assert_eq!(s, vec![Some(Verdict::Commit), Some(Verdict::Abort), Some(Verdict::Abort)]);
            break;
        }
        assert!(Instant::now() < deadline, "bundles did not settle on every chain: verdicts {s:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("three-VM bundles settled on every chain {:.1} s after the locks", started.elapsed().as_secs_f64());

    // balances on every chain: the COMMIT paid, the ABORTs refunded
    assert_eq!(usdc_balance(m, 0, &bob.evm_address).await, U256::from(100), "bob paid on alpha");
    assert_eq!(usdc_balance(m, 1, &carol.evm_address).await, U256::from(50), "carol paid on beta");
    assert_eq!(usdc_balance(m, 0, &alice.evm_address).await, U256::from(900), "alice's aborted alpha legs refunded");
    assert_eq!(usdc_balance(m, 1, &bob.evm_address).await, U256::from(950), "bob's aborted beta leg refunded");
    let g = gamma_genesis(&tn);
    assert_eq!(gamma_balance(&tn, &alice.hub_address).await, g + 7_000, "alice paid on gamma");
    assert_eq!(gamma_balance(&tn, &carol.hub_address).await, g - 7_000, "carol's aborted gamma leg refunded");
    assert_eq!(gamma_cw20(&tn, &carol.hub_address).await, g + 250, "carol paid in cw20 on gamma");
    assert_eq!(gamma_cw20(&tn, &bob.hub_address).await, g - 250, "bob's aborted cw20 leg refunded");

    // ---- a second validator joins gamma with twice the first one's stake: the validator set
    // changes under the hub's light client, which follows it for the next gamma lock ----
    let stake: u128 = m.profile.hub.validator_stake.parse().unwrap();
    let joined = tn
        .net
        .add_cosmwasm_validator(m, GAMMA, &m.accounts.deployer, 2 * stake)
        .await
        .expect("a validator joins gamma");
    let set_size = |h: u64| {
        let c = gamma.client.clone();
        async move {
            let h = cosmrs::tendermint::block::Height::try_from(h).unwrap();
            cosmrs::rpc::Client::validators(c.rpc(), h, cosmrs::rpc::Paging::All).await.map(|v| v.validators.len())
        }
    };
    // CometBFT applies a validator update two blocks after the block that made it
    while gamma.head().await.unwrap() < joined + 3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(set_size(joined + 2).await.unwrap(), 2, "gamma has two validators from height {}", joined + 2);
    let before = mallory.light_client("gamma-1").await.unwrap().unwrap().latest_height;
    assert!(before < joined + 2, "the hub's client last verified a header of the one-validator set");
    // the same bundle carries two actions on COMMIT on gamma (protocol §12, CosmWasm Router): bob's
    // cw20 sold to the target for ugamma (executed), and a call that burns all of its gas (the
    // Router falls back to paying carol the escrowed cw20)
    let target = deploy_action_target(&tn, 50_000).await;
    let denom = m.cosmwasm[GAMMA].denoms[0].clone();
    let ugamma = mesh_hub_api::router_cw::bank_denom_token_id(&denom);
    let action = |msg: serde_json::Value, min_out: u128| mesh_protocol::Action {
        target: mesh_testkit::fixture::cw_account(&target),
        data: mesh_protocol::HexBytes(serde_json::to_vec(&msg).unwrap()),
        output_token: ugamma,
        min_out: mesh_protocol::Amount::from(min_out),
        gas_limit: 2_000_000,
    };
    let native = mesh_hub_api::router_cw::CwToken::Native { denom: denom.clone() };
    let sell = action(serde_json::json!({ "swap": { "output": native, "amount": "1000" } }), 900);
    let burn = action(serde_json::json!({ "burn": {} }), 1);
    let (carol_ugamma, carol_cw20) =
        (gamma_balance(&tn, &carol.hub_address).await, gamma_cw20(&tn, &carol.hub_address).await);
    let t = now();
    let after = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 5,
        lock_deadline: t + 40,
        settle_deadline: t + 150,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 5),
            cw_leg(m, GAMMA, &carol.hub_address, &alice.hub_address, 300),
            mesh_protocol::Leg { action: Some(sell), ..cw20_leg(m, GAMMA, &bob.hub_address, &carol.hub_address, 400) },
            mesh_protocol::Leg { action: Some(burn), ..cw20_leg(m, GAMMA, &bob.hub_address, &carol.hub_address, 200) },
        ],
    };
    let after_id = register(hub, &alice.hub_signer(), log, &after).await.expect("register after the change");
    lock_leg(&alice_alpha, &m.bundle_domain(), &after, 0).await.expect("alpha leg after the change");
    carol_gamma.lock(&after, after_id, 1).await.expect("gamma leg after the change");
    bob_gamma.lock(&after, after_id, 2).await.expect("bob locks the leg he sells by an action");
    bob_gamma.lock(&after, after_id, 3).await.expect("bob locks the leg whose action burns its gas");
    let deadline = Instant::now() + Duration::from_secs(90);
    while gamma_leg(&tn, after_id, 1).await != LegStatus::Committed
        || gamma_leg(&tn, after_id, 2).await != LegStatus::Committed
        || gamma_leg(&tn, after_id, 3).await != LegStatus::Committed
    {
        assert!(Instant::now() < deadline, "the bundle after the validator-set change did not settle on gamma");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let outcome = |index| {
        let q = mesh_hub_api::router_cw::QueryMsg::LegAction { bundle_id: after_id, index };
        let router = m.cosmwasm[GAMMA].contracts["router"].clone();
        let client = gamma.client.clone();
        async move {
            let r: Option<mesh_hub_api::router_cw::LegActionResponse> = client.query_smart(&router, &q).await.unwrap();
            r.expect("an action leg").outcome
        }
    };
    assert_eq!(outcome(2).await, Some(mesh_hub_api::router_cw::ActionOutcome::Executed), "the sale ran");
    assert_eq!(outcome(3).await, Some(mesh_hub_api::router_cw::ActionOutcome::FellBack), "the gas burner fell back");
    assert_eq!(
        gamma_balance(&tn, &carol.hub_address).await,
        carol_ugamma - 300 + 1_000,
        "carol paid 300 ugamma and got the sale's 1000 ugamma"
    );
    assert_eq!(
        gamma_cw20(&tn, &carol.hub_address).await,
        carol_cw20 + 200,
        "the fallback paid carol the escrowed cw20"
    );
    assert_eq!(gamma_cw20(&tn, &target).await, 400, "the target got the sold cw20");
    assert_eq!(gamma_balance(&tn, &target).await, 50_000 - 1_000, "and paid for it");
    // what an action costs on a real node (docs/benchmarks.md): the settling transactions' gas
    let q = cosmrs::rpc::query::Query::eq("wasm-mesh_action_outcome.bundle_id", after_id.to_string());
    let found = cosmrs::rpc::Client::tx_search(gamma.client.rpc(), q, false, 1, 30, cosmrs::rpc::Order::Ascending)
        .await
        .expect("gamma's tx index");
    assert!(!found.txs.is_empty(), "the action outcomes are in gamma's tx index");
    for t in &found.txs {
        let outcomes: Vec<String> = (t.tx_result.events.iter())
            .filter(|e| e.kind == "wasm-mesh_action_outcome")
            .flat_map(|e| e.attributes.iter())
            .filter(|a| a.key_bytes() == b"outcome")
            .map(|a| String::from_utf8_lossy(a.value_bytes()).into_owned())
            .collect();
        eprintln!(
            "gamma settle tx {} (action outcomes {outcomes:?}): gas used {}, wanted {}",
            t.hash, t.tx_result.gas_used, t.tx_result.gas_wanted
        );
    }
    let config: mesh_hub_api::router_cw::ConfigResponse = gamma
        .client
        .query_smart(&m.cosmwasm[GAMMA].contracts["router"], &mesh_hub_api::router_cw::QueryMsg::Config {})
        .await
        .unwrap();
    let executor = config.action_executor.expect("the devnet's Router runs actions").into_string();
    assert_eq!(gamma_balance(&tn, &executor).await, 0, "the executor keeps no ugamma");
    assert_eq!(gamma_cw20(&tn, &executor).await, 0, "the executor keeps no cw20");
    let client = mallory.light_client("gamma-1").await.unwrap().unwrap();
    assert!(client.latest_height >= joined + 2 && !client.frozen, "the client moved past the change: {client:?}");
    assert_eq!(set_size(client.latest_height).await.unwrap(), 2, "its latest header is signed by the new set");

    // ---- the whole quorum colludes: a root the hub never closed, delivered only to gamma. The
    // disputer watches gamma's Router too and proves every signature in it on the hub ----
    let fake = SettlementBatch { epoch: 1, batch_index: 9_999, root: Hash32(mesh_protocol::B256::repeat_byte(0x66)) };
    let digest = settlement_batch_digest(&m.bundle_domain(), &fake);
    let mut sigs: Vec<_> = m.accounts.relayers[..3]
        .iter()
        .map(|r| {
            let k = signing_key(&hex::decode(&r.evm_secret).unwrap().try_into().unwrap()).unwrap();
            (signer_address(&k), sign_digest(&k, digest))
        })
        .collect();
    sigs.sort_by_key(|(a, _)| *a);
    let signers: Vec<_> = sigs.iter().map(|(a, _)| mesh_protocol::EvmAddress(*a)).collect();
    let submit = mesh_hub_api::router_cw::ExecuteMsg::SubmitBatch {
        epoch: fake.epoch,
        batch_index: fake.batch_index,
        root: fake.root,
        signatures: sigs.into_iter().map(|(_, s)| s).collect(),
    };
    let router = &m.cosmwasm[GAMMA].contracts["router"];
    gamma
        .client
        .execute(&m.accounts.deployer.hub_signer(), router, &submit, vec![])
        .await
        .expect("gamma takes the quorum's root");
    let disputer = tn.relayer(None, vec![Role::Disputer]);
    let dispute_contract = &m.contracts["dispute"];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let f: mesh_hub_api::dispute::FraudsResponse = hub
            .query_smart(dispute_contract, &mesh_hub_api::dispute::QueryMsg::Frauds { start_after: None, limit: None })
            .await
            .unwrap();
        let mut slashed: Vec<_> = f.frauds.iter().filter_map(|r| r.evm_signer).collect();
        slashed.sort();
        if slashed == signers {
            break;
        }
        assert!(Instant::now() < deadline, "the gamma-only root's signers were not all proven: {slashed:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    disputer.stop().await;

    for r in [r0, r1, r2] {
        assert!(!r.handle.is_finished(), "relayers keep running");
        r.stop().await;
    }

    // ---- every relayer stopped: an expired gamma leg is refunded with no signature at all ----
    let t = now();
    let lonely = Bundle {
        creator: carol.hub_address.clone(),
        nonce: 4,
        lock_deadline: t + 8,
        settle_deadline: t + 8 + 36,
        legs: vec![cw_leg(m, GAMMA, &carol.hub_address, &alice.hub_address, 900)],
    };
    let lonely_id = register(hub, &carol.hub_signer(), log, &lonely).await.expect("register the lonely bundle");
    carol_gamma.lock(&lonely, lonely_id, 0).await.expect("carol locks");
    let carol_locked = gamma_balance(&tn, &carol.hub_address).await;
    // a third party (the deployer) sends the refund: it is permissionless
    let router = &m.cosmwasm[GAMMA].contracts["router"];
    let anyone = m.accounts.deployer.hub_signer();
    let refund = mesh_hub_api::router_cw::ExecuteMsg::RefundExpired { bundle_id: lonely_id, index: 0 };
    let early = gamma.client.execute(&anyone, router, &refund, vec![]).await.expect_err("refused before expiry");
    assert!(refusal(&early).contains("refund"), "{}", refusal(&early));
    while now() < lonely.settle_deadline + mesh_devnet::deploy::DEVNET_REFUND_GRACE + 2 {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    gamma.client.execute(&anyone, router, &refund, vec![]).await.expect("refundExpired after the deadline and grace");
    assert_eq!(gamma_leg(&tn, lonely_id, 0).await, LegStatus::Refunded);
    assert_eq!(gamma_balance(&tn, &carol.hub_address).await, carol_locked + 900, "carol refunded on gamma");
    let again = gamma.client.execute(&anyone, router, &refund, vec![]).await;
    assert!(again.is_err(), "a leg ends once: a second refund is refused");
}

/// Stores and instantiates the action-target fixture (contracts/fixtures/action-targets-cw) on
/// gamma, funded with `ugamma` of the demo denom to pay for what it is sold.
async fn deploy_action_target(tn: &TestNet, ugamma: u128) -> String {
    let c = &tn.m.cosmwasm[GAMMA];
    let client = mesh_devnet::cosmwasm_deploy::chain_client(&tn.m, c).unwrap();
    let deployer = tn.m.accounts.deployer.hub_signer();
    let wasm = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/mesh_action_targets_cw.wasm");
    let wasm = std::fs::read(&wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    let (code, _) = client.store_code(&deployer, wasm).await.expect("store the action target");
    let funds = vec![cosmrs::Coin { denom: c.denoms[0].parse().unwrap(), amount: ugamma }];
    let (target, _) = client
        .instantiate(&deployer, code, &serde_json::json!({}), "action target", None, funds)
        .await
        .expect("instantiate the action target");
    target
}

/// Whether the hub still has no report of leg 2 (gamma) of bundle `id`, which is undecided.
async fn gamma_unreported(tn: &TestNet, id: Hash32) -> bool {
    let s = status(&tn.hub, &tn.m.contracts["bundle_log"], id).await.unwrap();
    assert_eq!(s.status, BundleStatus::Pending, "the bundle is still undecided");
    s.reports[2].is_none()
}

async fn futures_status(tn: &TestNet, ids: &[Hash32]) -> Vec<Option<Verdict>> {
    let mut out = Vec::new();
    for id in ids {
        out.push(status(&tn.hub, &tn.m.contracts["bundle_log"], *id).await.unwrap().verdict);
    }
    out
}
