use mesh_protocol::sig::*;
use mesh_protocol::*;
use proptest::prelude::*;

fn key(seed: u8) -> k256::ecdsa::SigningKey {
    signing_key(&keccak256([seed]).0).unwrap()
}

fn flip_to_high_s(sig: &Signature65) -> Signature65 {
    let s = U256::from_be_slice(&sig.0[32..64]);
    let high = SECP256K1_N - s;
    let mut out = sig.0;
    out[32..64].copy_from_slice(&high.to_be_bytes::<32>());
    out[64] = if out[64] == 27 { 28 } else { 27 };
    Signature65(out)
}

#[test]
fn high_s_twin_of_a_valid_signature_is_refused() {
    let k = key(1);
    let digest = keccak256("statement");
    let sig = sign_digest(&k, digest);
    assert_eq!(recover_signer(digest, &sig), Ok(signer_address(&k)));
    let twin = flip_to_high_s(&sig);
    assert_eq!(recover_signer(digest, &twin), Err(ProtocolError::HighS));
}

#[test]
fn malformed_signatures_are_refused_with_a_reason() {
    let digest = keccak256("statement");
    let mut sig = sign_digest(&key(2), digest);
    sig.0[64] = 1;
    assert_eq!(recover_signer(digest, &sig), Err(ProtocolError::SignatureV { v: 1 }));
    let mut zero_r = sign_digest(&key(2), digest);
    zero_r.0[..32].fill(0);
    assert_eq!(recover_signer(digest, &zero_r), Err(ProtocolError::SignatureOutOfRange));
    let mut big_r = sign_digest(&key(2), digest);
    big_r.0[..32].fill(0xff);
    assert_eq!(recover_signer(digest, &big_r), Err(ProtocolError::SignatureOutOfRange));
    assert_eq!(Signature65::from_slice(&[0u8; 64]), Err(ProtocolError::SignatureLength { len: 64 }));
    assert!(Signature65::parse("0x1234").is_err());
}

#[test]
fn pubkey_to_address_accepts_both_forms() {
    let k = key(3);
    let point = k.verifying_key().to_encoded_point(false);
    let a65 = evm_address_from_pubkey(point.as_bytes()).unwrap();
    let a64 = evm_address_from_pubkey(&point.as_bytes()[1..]).unwrap();
    assert_eq!(a65, a64);
    assert_eq!(a65, signer_address(&k));
    assert_eq!(evm_address_from_pubkey(&[4u8; 33]), Err(ProtocolError::PublicKeyLength { len: 33 }));
    // Hardhat/anvil's first dev key has a well-known address.
    let dev = signing_key(&hex_literal("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")).unwrap();
    assert_eq!(format!("{}", EvmAddress(signer_address(&dev))), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
}

fn hex_literal(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..32 {
        out[i] = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

proptest! {
    #[test]
    fn signatures_recover_their_signer_and_only_for_their_digest(seed in any::<u8>(), msg in any::<Vec<u8>>(), other in any::<Vec<u8>>()) {
        prop_assume!(msg != other);
        let k = key(seed);
        let digest = keccak256(&msg);
        let sig = sign_digest(&k, digest);
        prop_assert!(check_signature(&sig).is_ok(), "we only ever produce low-s signatures");
        prop_assert_eq!(recover_signer(digest, &sig).unwrap(), signer_address(&k));
        // Another digest recovers some other key (or none), never the signer.
        if let Ok(a) = recover_signer(keccak256(&other), &sig) {
            prop_assert_ne!(a, signer_address(&k));
        }
    }

    #[test]
    fn garbage_signatures_never_panic(bytes in prop::collection::vec(any::<u8>(), 65), digest in any::<[u8; 32]>()) {
        let sig = Signature65::from_slice(&bytes).unwrap();
        let _ = recover_signer(B256::from(digest), &sig);
    }
}

/// A signature with the given `r`, `s` and `v`, for the shape checks alone.
fn raw_signature(r: U256, s: U256, v: u8) -> Signature65 {
    let mut out = [0u8; 65];
    out[..32].copy_from_slice(&r.to_be_bytes::<32>());
    out[32..64].copy_from_slice(&s.to_be_bytes::<32>());
    out[64] = v;
    Signature65(out)
}

#[test]
fn a_zero_s_or_an_s_of_the_group_order_is_refused_as_out_of_range() {
    let one = U256::from(1u8);
    assert_eq!(check_signature(&raw_signature(one, U256::ZERO, 27)), Err(ProtocolError::SignatureOutOfRange));
    assert_eq!(check_signature(&raw_signature(U256::ZERO, one, 27)), Err(ProtocolError::SignatureOutOfRange));
    // s = n is out of range before it is high.
    assert_eq!(check_signature(&raw_signature(one, SECP256K1_N, 27)), Err(ProtocolError::SignatureOutOfRange));
    assert_eq!(check_signature(&raw_signature(SECP256K1_N, one, 28)), Err(ProtocolError::SignatureOutOfRange));
    // A real signature with its s zeroed is refused for its shape, not by the recovery.
    let digest = keccak256("statement");
    let mut zero_s = sign_digest(&key(4), digest);
    zero_s.0[32..64].fill(0);
    assert_eq!(recover_signer(digest, &zero_s), Err(ProtocolError::SignatureOutOfRange));
}

#[test]
fn an_s_of_exactly_half_the_order_is_accepted_and_one_more_is_high() {
    // The boundary the EVM side (EdgesTest.test_SignatureS_ExactlyHalfOrderBoundary) also pins.
    assert_eq!(SECP256K1_HALF_N, SECP256K1_N >> 1usize, "n is odd: n/2 rounds down");
    let r = U256::from(7u8);
    let half = raw_signature(r, SECP256K1_HALF_N, 27);
    let mut rs = [0u8; 64];
    rs.copy_from_slice(&half.0[..64]);
    assert_eq!(check_signature(&half), Ok(CheckedSignature { rs, recovery_id: 0 }));
    let above = raw_signature(r, SECP256K1_HALF_N + U256::from(1u8), 27);
    assert_eq!(check_signature(&above), Err(ProtocolError::HighS));
    // v 27 and 28 are recovery ids 0 and 1.
    assert_eq!(check_signature(&raw_signature(r, U256::from(1u8), 28)).map(|c| c.recovery_id), Ok(1));
}

#[test]
fn a_65_byte_public_key_without_the_uncompressed_prefix_is_refused() {
    let k = key(5);
    let point = k.verifying_key().to_encoded_point(false);
    let mut other_prefix = point.as_bytes().to_vec();
    other_prefix[0] = 0x02;
    assert_eq!(evm_address_from_pubkey(&other_prefix), Err(ProtocolError::PublicKeyLength { len: 65 }));
    assert_eq!(evm_address_from_pubkey(point.as_bytes()), Ok(signer_address(&k)));
}
