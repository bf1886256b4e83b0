//! Relayers on the real devnet carry bundles end to end: a bundle whose every leg is locked
//! COMMITs and pays every recipient on both chains; a bundle with a leg never locked ABORTs and
//! refunds the locked leg. A bundle whose legs carry actions on COMMIT swaps one leg's USDC for
//! WETH on alpha's pool for its recipient, and pays the other leg's USDC itself when its swap
//! cannot deliver the minimum. Nothing is simulated: injectived, two anvil chains, real
//! signatures.
use mesh_testkit::fixture::{leg_status, mint_usdc, usdc_balance, usdc_leg};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::sol_types::SolCall;
use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_devnet::bindings::{ConstantProductPool, DemoWETH};
use mesh_hub::bundle::{register, status};
use mesh_hub_api::bundle_log::BundleStatus;
use mesh_protocol::{AccountId, Action, Amount, Bundle, Verdict};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{now, TestNet};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relayers_commit_a_fully_locked_bundle_and_abort_one_with_a_missing_leg() {
    let tn = TestNet::up("relayer-flow", 27800, 27790, 1, 2).await;
    let (_net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let (alice, bob, carol) = (&m.accounts.users[0], &m.accounts.users[1], &m.accounts.users[2]);
    mint_usdc(m, 0, &alice.evm_address, 1_000).await;
    mint_usdc(m, 1, &bob.evm_address, 1_000).await;

    // relayer 0 does everything; relayers 1 and 2 only sign (2 of 3 equal weights = threshold)
    let r0 = tn.relayer(Some(0), vec![Role::Reporter, Role::Signer, Role::Poster, Role::Disputer]);
    let r1 = tn.relayer(Some(1), vec![Role::Signer]);
    let r2 = tn.relayer(Some(2), vec![Role::Signer]);

    let t = now();
    let swap = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 1,
        lock_deadline: t + 30,
        settle_deadline: t + 120,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 100),
            usdc_leg(m, 1, &bob.evm_address, &alice.evm_address, 50),
        ],
    };
    let missing = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 2,
        lock_deadline: t + 12,
        settle_deadline: t + 120,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 7),
            usdc_leg(m, 1, &bob.evm_address, &alice.evm_address, 3),
        ],
    };
    // alice pays carol on alpha through alpha's USDC/WETH pool: 40 USDC buy WETH for carol (at
    // least 90 % of the quote); 30 USDC ask a thousand times the quote, so carol gets the USDC
    let alpha = &m.evm[0].contracts;
    let (pool, usdc, weth) = (
        alpha["ConstantProductPool"].parse::<Address>().unwrap(),
        alpha["USDC"].parse::<Address>().unwrap(),
        alpha["DemoWETH"].parse::<Address>().unwrap(),
    );
    let alice_alpha = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();
    let quote = {
        let p = ConstantProductPool::new(pool, &alice_alpha);
        let (r0, r1, t0) =
            (p.reserve0().call().await.unwrap(), p.reserve1().call().await.unwrap(), p.token0().call().await.unwrap());
        let (r_in, r_out) = if t0 == usdc { (r0, r1) } else { (r1, r0) };
        p.getAmountOut(U256::from(40), r_in, r_out).call().await.unwrap()
    };
    assert!(quote > U256::ZERO, "the pool quotes WETH for 40 USDC units");
    let carol_evm: Address = carol.evm_address.parse().unwrap();
    let swap_for_carol = |amount: u64, min_out: U256| Action {
        target: AccountId::from_evm(pool),
        data: ConstantProductPool::swapExactInCall {
            tokenIn: usdc,
            amountIn: U256::from(amount),
            minOut: U256::ZERO,
            to: carol_evm,
        }
        .abi_encode()
        .into(),
        output_token: AccountId::from_evm(weth),
        min_out: Amount(min_out),
        gas_limit: 300_000,
    };
    let mut buys = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 3,
        lock_deadline: t + 30,
        settle_deadline: t + 120,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &carol.evm_address, 40),
            usdc_leg(m, 0, &alice.evm_address, &carol.evm_address, 30),
        ],
    };
    buys.legs[0].action = Some(swap_for_carol(40, quote * U256::from(9) / U256::from(10)));
    buys.legs[1].action = Some(swap_for_carol(30, quote * U256::from(1000)));
    let buys_id = register(hub, &alice.hub_signer(), &m.contracts["bundle_log"], &buys).await.expect("register buys");
    let swap_id = register(hub, &alice.hub_signer(), &m.contracts["bundle_log"], &swap).await.expect("register swap");
    let missing_id = register(hub, &alice.hub_signer(), &m.contracts["bundle_log"], &missing).await.expect("register");

    let bob_beta = wallet_provider(&m.evm[1].rpc, &bob.evm_secret).unwrap();
    let locked_at = Instant::now();
    lock_leg(&alice_alpha, &m.bundle_domain(), &swap, 0).await.expect("alice locks on alpha");
    lock_leg(&bob_beta, &m.bundle_domain(), &swap, 1).await.expect("bob locks on beta");
    lock_leg(&alice_alpha, &m.bundle_domain(), &missing, 0).await.expect("alice locks the first leg");
    // bob never locks the second leg of `missing`
    lock_leg(&alice_alpha, &m.bundle_domain(), &buys, 0).await.expect("alice locks the first buy");
    lock_leg(&alice_alpha, &m.bundle_domain(), &buys, 1).await.expect("alice locks the second buy");

    // the locks reach the hub within confirmations + a few hub blocks
    loop {
        let s = status(hub, &m.contracts["bundle_log"], swap_id).await.unwrap();
        if s.reports.iter().all(Option::is_some) {
            eprintln!("both legs reported {:.1} s after locking", locked_at.elapsed().as_secs_f64());
            break;
        }
        assert!(locked_at.elapsed() < Duration::from_secs(30), "locks not reported within 30 s: {:?}", s.reports);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // both bundles end: verdicts on the hub, legs settled on every chain
    let deadline = Instant::now() + Duration::from_secs(110);
    loop {
        let s = status(hub, &m.contracts["bundle_log"], swap_id).await.unwrap();
        let a = status(hub, &m.contracts["bundle_log"], missing_id).await.unwrap();
        let settled = leg_status(m, 0, swap_id, 0).await != 1
            && leg_status(m, 1, swap_id, 1).await != 1
            && leg_status(m, 0, missing_id, 0).await != 1
            && leg_status(m, 0, buys_id, 0).await != 1
            && leg_status(m, 0, buys_id, 1).await != 1;
        if s.status == BundleStatus::Decided && a.status == BundleStatus::Decided && settled {
            assert_eq!(s.verdict, Some(Verdict::Commit));
            assert_eq!(a.verdict, Some(Verdict::Abort));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bundles did not settle: swap {:?}/{:?}, missing {:?}/{:?}",
            s.status,
            s.verdict,
            a.status,
            a.verdict
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("swap settled on both chains {:.1} s after locking", locked_at.elapsed().as_secs_f64());

    assert_eq!(usdc_balance(m, 0, &bob.evm_address).await, U256::from(100), "bob paid on alpha");
    assert_eq!(usdc_balance(m, 1, &alice.evm_address).await, U256::from(50), "alice paid on beta");
    assert_eq!(
        usdc_balance(m, 0, &alice.evm_address).await,
        U256::from(900 - 70),
        "alice's aborted leg refunded, her two buys spent"
    );
    // the buys COMMITted: the first one's action delivered WETH, the second fell back to USDC
    assert_eq!((leg_status(m, 0, buys_id, 0).await, leg_status(m, 0, buys_id, 1).await), (2, 2), "both buys committed");
    let carol_weth = DemoWETH::new(weth, &alice_alpha).balanceOf(carol_evm).call().await.unwrap();
    assert!(
        carol_weth >= quote * U256::from(9) / U256::from(10) && carol_weth > U256::ZERO,
        "carol bought {carol_weth} WETH (quote {quote})"
    );
    assert_eq!(usdc_balance(m, 0, &carol.evm_address).await, U256::from(30), "the second buy paid carol its USDC");
    for token in [usdc, weth] {
        let executor = mesh_chain_evm::bindings::MeshRouter::new(alpha["MeshRouter"].parse().unwrap(), &alice_alpha)
            .actionExecutor()
            .call()
            .await
            .unwrap();
        let held = DemoWETH::new(token, &alice_alpha).balanceOf(executor).call().await.unwrap();
        assert_eq!(held, U256::ZERO, "the executor keeps nothing");
    }
    assert_eq!(usdc_balance(m, 1, &bob.evm_address).await, U256::from(950));

    for r in [r0, r1, r2] {
        assert!(!r.handle.is_finished(), "relayers keep running");
        r.stop().await;
    }
}
