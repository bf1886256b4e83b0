#![allow(dead_code)]

use mesh_protocol::*;
use proptest::prelude::*;

pub fn addr(byte: u8) -> AccountId {
    AccountId::from_evm(Address::repeat_byte(byte))
}

pub fn evm(byte: u8) -> EvmAddress {
    EvmAddress(Address::repeat_byte(byte))
}

pub fn sample_leg(domain: u64, seed: u8, amount: u128) -> Leg {
    Leg {
        domain,
        router: addr(seed),
        depositor: addr(seed.wrapping_add(1)),
        token: addr(seed.wrapping_add(2)),
        amount: Amount::from(amount),
        recipient: addr(seed.wrapping_add(3)),
        action: None,
        kind: Default::default(),
    }
}

pub fn sample_bundle() -> Bundle {
    Bundle {
        creator: "inj1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn3rzgrx".into(),
        nonce: 7,
        lock_deadline: 1_800_000_000,
        settle_deadline: 1_800_003_600,
        legs: vec![sample_leg(31337, 0x11, 200), sample_leg(31338, 0x21, 199)],
    }
}

/// Any account id: EVM-shaped (a left-padded 20-byte address) or a full 32 bytes.
pub fn arb_address() -> impl Strategy<Value = AccountId> {
    prop_oneof![
        any::<[u8; 20]>().prop_map(|b| AccountId::from_evm(Address::from(b))),
        any::<[u8; 32]>().prop_map(|b| AccountId(B256::from(b))),
    ]
}

/// Any valid action: any accounts, calldata of 0 to 200 bytes, any minimum, any gas limit the
/// protocol allows.
pub fn arb_action() -> impl Strategy<Value = Action> {
    (
        arb_address(),
        proptest::collection::vec(any::<u8>(), 0..200),
        arb_address(),
        any::<[u8; 32]>(),
        1..=MAX_ACTION_GAS,
    )
        .prop_map(|(target, data, output_token, min_out, gas_limit)| Action {
            target,
            data: data.into(),
            output_token,
            min_out: Amount(U256::from_be_bytes(min_out)),
            gas_limit,
        })
}

pub fn arb_leg() -> impl Strategy<Value = Leg> {
    (1u64.., arb_address(), arb_address(), arb_address(), 1u128.., arb_address(), proptest::option::of(arb_action()))
        .prop_map(|(domain, router, depositor, token, amount, recipient, action)| Leg {
            domain,
            router,
            depositor,
            token,
            amount: Amount::from(amount),
            recipient,
            action,
            kind: LegKind::Escrow,
        })
}

pub fn arb_bundle() -> impl Strategy<Value = Bundle> {
    (
        "[a-z0-9]{1,60}",
        any::<u64>(),
        0u64..u64::MAX / 2,
        1u64..1_000_000,
        prop::collection::vec(arb_leg(), 1..=MAX_LEGS),
    )
        .prop_map(|(creator, nonce, lock_deadline, gap, legs)| Bundle {
            creator,
            nonce,
            lock_deadline,
            settle_deadline: lock_deadline + gap,
            legs,
        })
}
