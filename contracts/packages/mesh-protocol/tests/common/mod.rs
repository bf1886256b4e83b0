#![allow(dead_code)]
pub mod anvil;

use mesh_protocol::*;
use proptest::prelude::*;

pub fn addr(byte: u8) -> EvmAddress {
    EvmAddress(Address::repeat_byte(byte))
}

pub fn sample_leg(chain_id: u64, seed: u8, amount: u128) -> Leg {
    Leg {
        chain_id,
        router: addr(seed),
        depositor: addr(seed.wrapping_add(1)),
        token: addr(seed.wrapping_add(2)),
        amount: Amount::from(amount),
        recipient: addr(seed.wrapping_add(3)),
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

pub fn arb_address() -> impl Strategy<Value = EvmAddress> {
    any::<[u8; 20]>().prop_map(|b| EvmAddress(Address::from(b)))
}

pub fn arb_leg() -> impl Strategy<Value = Leg> {
    (1u64.., arb_address(), arb_address(), arb_address(), 1u128.., arb_address()).prop_map(
        |(chain_id, router, depositor, token, amount, recipient)| Leg {
            chain_id,
            router,
            depositor,
            token,
            amount: Amount::from(amount),
            recipient,
        },
    )
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
