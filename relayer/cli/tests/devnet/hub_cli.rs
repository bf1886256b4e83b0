//! `mesh hub …` as a validator and a deployer run it: `patch-genesis` on a genesis the real
//! `injectived init` wrote, and `deploy` on a real devnet hub — a deployment that crashed after its
//! first contract resumes there, a second run sends nothing, and a wasm whose checksum is not the
//! one `checksums.txt` names is refused before anything is sent; the hub codes pinned by a
//! governance proposal the devnet's validators pass, which a second pin step and
//! `mesh hub pin-proposal` find done.
use std::path::Path;
use std::process::{Command, Output};

use mesh_hub::deploy::{stake_escrow_msg, Artifacts, DeployError, HUB_CONTRACTS};
use mesh_hub::profile::Profile;
use mesh_testkit::fixture::{repo, TestNet};

fn mesh(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mesh"));
    cmd.args(args).env("MESH_LOG", "warn").current_dir(repo());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the mesh binary runs")
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = mesh(args, env);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "mesh {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

fn injectived(args: &[&str]) -> String {
    let bin = mesh_devnet::Tools::from_env().path("injectived", "MESH_INJECTIVED").expect("injectived is installed");
    let out = Command::new(bin).args(args).output().expect("injectived runs");
    assert!(out.status.success(), "injectived {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn patch_genesis_patches_a_real_injectived_genesis_once_and_the_node_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // the template of a real network: its chain id, permissioned wasm, real governance periods
    let profile = repo().join("hub-config/network-profile.example.toml");
    injectived(&["init", "val0", "--chain-id", "mesh-1", "--home", s(&home)]);
    let genesis = home.join("config/genesis.json");

    let first = ok(&["hub", "patch-genesis", "--profile", s(&profile), "--genesis", s(&genesis)], &[]);
    for changed in [
        "app_state.staking.params.bond_denom: \"stake\" → \"inj\"",
        "app_state.mint.params.mint_denom",
        "app_state.wasm.params.code_upload_access",
        "app_state.gov.params.voting_period: \"172800s\" → \"259200s\"",
    ] {
        assert!(first.contains(changed), "{changed} not in:\n{first}");
    }
    let g: serde_json::Value = serde_json::from_slice(&std::fs::read(&genesis).unwrap()).unwrap();
    assert_eq!(g["app_state"]["wasm"]["params"]["code_upload_access"]["permission"], "Nobody");
    assert!(!std::fs::read_to_string(&genesis).unwrap().contains("\"stake\""), "no `stake` left");
    injectived(&["genesis", "validate", "--home", s(&home)]);

    let before = std::fs::read(&genesis).unwrap();
    let second = ok(&["hub", "patch-genesis", "--profile", s(&profile), "--genesis", s(&genesis)], &[]);
    assert!(second.contains("nothing changed"), "{second}");
    assert_eq!(std::fs::read(&genesis).unwrap(), before, "a second patch leaves the file as it was");

    // the devnet profile names another chain: refused, the file untouched
    let out = mesh(
        &["hub", "patch-genesis", "--profile", s(&repo().join("hub-config/devnet.toml")), "--genesis", s(&genesis)],
        &[],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mesh-1") && err.contains("mesh-devnet-1"), "{err}");
    assert_eq!(std::fs::read(&genesis).unwrap(), before);
}

/// A network file naming the devnet's hub and its first chain's Router, as a deployer writes one.
fn network_file(tn: &TestNet, path: &Path, with_hub: Option<(&str, &str, &str)>) {
    let e = &tn.m.evm[0];
    let hub = match with_hub {
        Some((log, escrow, dispute)) => format!(
            "[hub]\nchain_id = \"{}\"\nrpc = \"{}\"\ndenom = \"inj\"\ngas_price = \"160000000inj\"\n\
             bundle_log = \"{log}\"\nstake_escrow = \"{escrow}\"\ndispute = \"{dispute}\"\n",
            tn.m.hub.chain_id, tn.m.hub.rpc[0]
        ),
        None => String::new(),
    };
    let chain = format!(
        "[[chain]]\nvm = \"evm\"\nname = \"{}\"\nchain_id = {}\nrpc = \"{}\"\nrouter = \"{}\"\nverifier = \"{}\"\nblock_time = \"1s\"\n",
        e.name, e.chain_id, e.rpc, e.contracts["MeshRouter"], e.contracts["SettlementVerifier"]
    );
    std::fs::write(path, format!("{hub}\n{chain}")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hub_deploy_resumes_a_crashed_deployment_sends_nothing_the_second_time_and_refuses_a_tampered_wasm() {
    let tn = TestNet::up("hub-deploy", 28800, 28790, 1, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let profile_path = repo().join("hub-config/devnet.toml");
    let profile = Profile::load(&profile_path).unwrap();
    let artifacts = repo().join("artifacts");
    // a second deployment on the devnet hub, by an identity that is not the devnet's deployer
    let deployer = tn.m.accounts.relayers[3].clone();
    let signer = deployer.hub_signer();
    let key = [("MESH_TEST_DEPLOYER_KEY", deployer.hub_secret.as_str())];
    let sequence = || async { tn.hub.account(signer.address()).await.expect("deployer account").1 };

    // a run that crashed after instantiating the stake-escrow (the devnet stored the codes)
    let stored = Artifacts::load(&artifacts).unwrap();
    let escrow_code = mesh_hub::deploy::find_code(&tn.hub, stored.get("stake_escrow").1).await.unwrap().unwrap();
    let (escrow, _) = tn
        .hub
        .instantiate(&signer, escrow_code, &stake_escrow_msg(&profile), HUB_CONTRACTS[0].label, None, vec![])
        .await
        .expect("instantiate the stake-escrow");

    let network = dir.path().join("network.toml");
    let deploy = |network: &Path, wasm_dir: &Path| {
        mesh(
            &[
                "hub",
                "deploy",
                "--profile",
                s(&profile_path),
                "--network",
                s(network),
                "--node",
                &tn.m.hub.rpc[0],
                "--wasm-dir",
                s(wasm_dir),
                "--key-env",
                "MESH_TEST_DEPLOYER_KEY",
            ],
            &key,
        )
    };
    let out = deploy(&network, &artifacts);
    let first = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{first}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(first.contains("not stored again"), "the devnet's codes are reused:\n{first}");
    assert!(first.contains(&format!("atomic-mesh stake-escrow: already instantiated at {escrow}")), "{first}");
    assert!(first.contains("atomic-mesh bundle-log: instantiated at"), "{first}");
    assert!(first.contains("no relayer is bonded yet"), "{first}");
    let written = mesh_planner::network::Network::load(&network).expect("deploy wrote a network file");
    assert_eq!(written.hub.stake_escrow, escrow);
    assert_ne!(written.hub.bundle_log, tn.m.contracts["bundle_log"], "a deployment of its own");

    // the deployer adds the chain's [[chain]] (its Router) and runs deploy again: only the chain
    // registration is sent
    network_file(&tn, &network, Some((&written.hub.bundle_log, &written.hub.stake_escrow, &written.hub.dispute)));
    let out = deploy(&network, &artifacts);
    let second = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{second}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(second.contains(&format!("registered {} (domain {}", tn.m.evm[0].name, tn.m.evm[0].domain)), "{second}");
    assert!(second.contains("1 transaction(s) sent"), "{second}");
    let registry = mesh_hub::deploy::registered_chains(&tn.hub, &written.hub.bundle_log).await.unwrap();
    assert_eq!(registry.len(), 1);

    // a third run finds everything done and sends nothing
    let before = sequence().await;
    let out = deploy(&network, &artifacts);
    let third = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{third}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(third.contains("nothing sent: the deployment was already complete"), "{third}");
    assert!(!third.contains("next: pin codes"), "the devnet pinned the codes it reuses:\n{third}");
    assert_eq!(sequence().await, before, "no transaction was signed");

    // the devnet's own deployment, run again through the command, is complete as well
    let devnet_net = dir.path().join("devnet-network.toml");
    network_file(
        &tn,
        &devnet_net,
        Some((&tn.m.contracts["bundle_log"], &tn.m.contracts["stake_escrow"], &tn.m.contracts["dispute"])),
    );
    let secret = tn.m.accounts.deployer.hub_secret.clone();
    let key_file = dir.path().join("deployer.key");
    std::fs::write(&key_file, format!("{secret}\n")).unwrap();
    let again = ok(
        &["hub", "deploy", "--profile", s(&profile_path), "--network", s(&devnet_net), "--key-file", s(&key_file)],
        &[],
    );
    assert!(again.contains("nothing sent: the deployment was already complete"), "{again}");
    assert!(again.contains("epoch 1 exists"), "{again}");

    // a wasm that is not the one checksums.txt names: refused before anything is sent
    let tampered = dir.path().join("artifacts");
    std::fs::create_dir(&tampered).unwrap();
    for f in ["checksums.txt", "stake_escrow.wasm", "bundle_log.wasm", "dispute.wasm"] {
        std::fs::copy(artifacts.join(f), tampered.join(f)).unwrap();
    }
    let mut wasm = std::fs::read(tampered.join("dispute.wasm")).unwrap();
    wasm.push(0);
    std::fs::write(tampered.join("dispute.wasm"), wasm).unwrap();
    let before = sequence().await;
    let out = deploy(&dir.path().join("fresh-network.toml"), &tampered);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dispute.wasm") && err.contains("checksum"), "{err}");
    assert!(!dir.path().join("fresh-network.toml").exists(), "nothing written");
    assert_eq!(sequence().await, before, "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn up_pins_the_hub_codes_by_governance_once_and_a_pin_proposal_pins_stored_codes_only() {
    // two validators: each must vote for the proposal to pass (four cost CI a minute more;
    // the e2e devnet_four comes up pinned too)
    let tn = TestNet::up("hub-pin", 30500, 30570, 2, 0).await;
    let pinned = mesh_hub::gov::pinned_codes(&tn.hub).await.unwrap();
    for name in ["bundle_log", "stake_escrow", "dispute", "light_client"] {
        let id = tn.m.code_ids[name];
        assert!(pinned.contains(&id), "{name} (code {id}) is pinned after up: {pinned:?}");
    }

    // it was a governance proposal: MsgPinCodes of the gov module account, passed by the votes
    let p = mesh_hub::gov::proposal(&tn.hub, 1).await.unwrap();
    assert_eq!(p.status, cosmrs::proto::cosmos::gov::v1::ProposalStatus::Passed as i32);
    assert_eq!(p.messages.len(), 1);
    assert_eq!(p.messages[0].type_url, "/cosmwasm.wasm.v1.MsgPinCodes");
    let pin: cosmrs::proto::cosmwasm::wasm::v1::MsgPinCodes =
        cosmrs::proto::prost::Message::decode(p.messages[0].value.as_slice()).unwrap();
    assert_eq!(pin.authority, mesh_hub::gov::module_address("gov", "inj"));
    assert_eq!(pin.authority, mesh_hub::gov::gov_address(&tn.hub).await.unwrap());
    let tally = p.final_tally_result.expect("a tally");
    assert_eq!((tally.no_count.as_str(), tally.abstain_count.as_str()), ("0", "0"));
    let stake: u128 = tn.m.profile.hub.validator_stake.parse().unwrap();
    assert_eq!(tally.yes_count, (2 * stake).to_string(), "both validators voted yes");

    // the pin step again: nothing is signed, no second proposal
    let deployer = tn.m.accounts.deployer.hub_signer();
    let before = tn.hub.account(deployer.address()).await.unwrap().1;
    let again = tn.net.pin_hub_codes(&tn.m).await.unwrap();
    assert_eq!(again, mesh_hub::gov::PinStart::AlreadyPinned);
    assert_eq!(tn.hub.account(deployer.address()).await.unwrap().1, before, "nothing sent");
    assert!(mesh_hub::gov::proposal(&tn.hub, 2).await.is_err(), "no second proposal");

    // an operator's `mesh hub pin-proposal` on this hub: nothing left to propose
    let out = mesh(
        &["hub", "pin-proposal", "--profile", s(&repo().join("hub-config/devnet.toml")), "--node", &tn.m.hub.rpc[0]],
        &[],
    );
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("bundle_log.wasm: code") && stderr.contains("already pinned"), "{stderr}");
    assert!(stderr.contains("every hub code is pinned: no proposal needed"), "{stderr}");
    assert_eq!(stdout.trim(), "", "no proposal printed");

    // A code the hub does not pin yet (another contract's wasm standing in for a new dispute.wasm):
    // the operator's proposal file names only it, injectived's own `tx gov submit-proposal` takes
    // the file, and once the validators passed it the code is pinned.
    let artifacts = repo().join("artifacts");
    let sums = std::fs::read_to_string(artifacts.join("checksums.txt")).unwrap();
    let sum_of = |file: &str| sums.lines().find(|l| l.ends_with(file)).unwrap().split_whitespace().next().unwrap();
    let wasm_dir = tempfile::tempdir().unwrap();
    let mut new_sums = String::new();
    for c in HUB_CONTRACTS {
        let from = if c.name == "dispute" { "mesh_action_executor_cw.wasm" } else { c.file };
        std::fs::copy(artifacts.join(from), wasm_dir.path().join(c.file)).unwrap();
        new_sums.push_str(&format!("{}  {}\n", sum_of(from), c.file));
    }
    std::fs::write(wasm_dir.path().join("checksums.txt"), new_sums).unwrap();
    let standin = std::fs::read(artifacts.join("mesh_action_executor_cw.wasm")).unwrap();
    let (new_code, _) = tn.hub.store_code(&deployer, standin).await.expect("store a new code");
    let rpc = &tn.m.hub.rpc[0];
    let out = mesh(
        &[
            "hub",
            "pin-proposal",
            "--profile",
            s(&repo().join("hub-config/devnet.toml")),
            "--node",
            rpc,
            "--wasm-dir",
            s(wasm_dir.path()),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the proposal is JSON");
    assert_eq!(file["messages"][0]["@type"], "/cosmwasm.wasm.v1.MsgPinCodes");
    assert_eq!(file["messages"][0]["code_ids"], serde_json::json!([new_code.to_string()]), "only the new code");
    assert_eq!(file["messages"][0]["authority"], mesh_hub::gov::module_address("gov", "inj").as_str());
    assert_eq!(file["deposit"], "10000000inj", "the devnet genesis's gov min_deposit");
    let proposal_file = wasm_dir.path().join("pin-proposal.json");
    std::fs::write(&proposal_file, &out.stdout).unwrap();
    let val0 = mesh_devnet::hub_node::home(&tn.net.dir, 0);
    injectived(&[
        "tx",
        "gov",
        "submit-proposal",
        s(&proposal_file),
        "--from",
        "operator",
        "--keyring-backend",
        "test",
        "--home",
        s(&val0),
        "--chain-id",
        &tn.m.hub.chain_id,
        "--node",
        rpc,
        "--gas",
        "auto",
        "--gas-adjustment",
        "1.5",
        "--gas-prices",
        "160000000inj",
        "-y",
    ]);
    let submitted = std::time::Instant::now();
    while mesh_hub::gov::proposal(&tn.hub, 2).await.is_err() {
        assert!(submitted.elapsed() < std::time::Duration::from_secs(20), "proposal 2 never appeared");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let injectived_bin = mesh_devnet::Tools::from_env().path("injectived", "MESH_INJECTIVED").unwrap();
    let voters: Vec<_> = (0..tn.m.hub.rpc.len())
        .map(|i| mesh_devnet::hub_node::operator_signer(&injectived_bin, &tn.net.dir, i).unwrap())
        .collect();
    assert_eq!(mesh_hub::gov::vote_yes(&tn.hub, &voters, 2).await.unwrap(), 2, "both validators voted");
    let pin = mesh_hub::gov::PinProposal { id: 2, code_ids: vec![new_code] };
    mesh_hub::gov::await_pin(&tn.hub, &pin, std::time::Duration::from_secs(60))
        .await
        .expect("the operator's proposal pins");
    assert!(mesh_hub::gov::pinned_codes(&tn.hub).await.unwrap().contains(&new_code));

    // Bad input: a code the hub does not have is refused before anything is sent …
    let unknown = 9_999;
    let before = tn.hub.account(deployer.address()).await.unwrap().1;
    let mut quiet = mesh_hub::deploy::Progress::quiet();
    let err =
        mesh_hub::gov::propose_pin(&tn.hub, &deployer, &voters, &[new_code, unknown], &mut quiet).await.unwrap_err();
    assert!(matches!(&err, DeployError::UnknownCodes { codes } if codes == &[unknown]), "{err}");
    assert_eq!(tn.hub.account(deployer.address()).await.unwrap().1, before, "nothing sent");
    // … and a proposal that can only fail (sent around that check) ends in a typed error naming it
    // and its status: still voting within a short wait, then failed once its message ran
    let deposit = cosmrs::proto::cosmos::base::v1beta1::Coin { denom: "inj".into(), amount: "10000000".into() };
    let gov = mesh_hub::gov::gov_address(&tn.hub).await.unwrap();
    let doomed = mesh_hub::gov::pin_proposal_msg(deployer.address().as_ref(), &gov, &[unknown], &[deposit]);
    let out = tn.hub.send(&deployer, vec![doomed], "a pin of no code").await.expect("the proposal is accepted");
    let id: u64 = out.attribute("submit_proposal", "proposal_id").unwrap().parse().unwrap();
    mesh_hub::gov::vote_yes(&tn.hub, &voters, id).await.unwrap();
    let doomed = mesh_hub::gov::PinProposal { id, code_ids: vec![unknown] };
    let err = mesh_hub::gov::await_pin(&tn.hub, &doomed, std::time::Duration::from_millis(500)).await.unwrap_err();
    assert!(
        matches!(&err, DeployError::ProposalPending { id: i, status, .. } if *i == id && status == "PROPOSAL_STATUS_VOTING_PERIOD"),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("proposal {id}")), "{err}");
    let err = mesh_hub::gov::await_pin(&tn.hub, &doomed, std::time::Duration::from_secs(60)).await.unwrap_err();
    assert!(
        matches!(&err, DeployError::ProposalNotPassed { id: i, status, .. } if *i == id && status == "PROPOSAL_STATUS_FAILED"),
        "{err}"
    );
    assert!(!mesh_hub::gov::pinned_codes(&tn.hub).await.unwrap().contains(&unknown));
}
