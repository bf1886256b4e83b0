//! ECDSA over secp256k1 as the EVM uses it: 65-byte `r ‖ s ‖ v` signatures over 32-byte digests,
//! signers identified by their 20-byte address.
//!
//! Every chain accepts only low-s signatures (`s ≤ n/2`, as EIP-2 and OpenZeppelin's `ECDSA`),
//! so a signature has exactly one accepted form and cannot be replayed in a malleated form.

use alloy_primitives::{keccak256, uint, Address, U256};

use crate::types::Signature65;
use crate::ProtocolError;

/// Order of the secp256k1 group.
pub const SECP256K1_N: U256 = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);
/// Largest accepted `s`: `n / 2`.
pub const SECP256K1_HALF_N: U256 = uint!(0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256);

/// A signature that passed the shape checks, split for a recover call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckedSignature {
    /// `r ‖ s`, the 64 bytes a recover function takes.
    pub rs: [u8; 64],
    /// Recovery id 0 or 1 (`v − 27`).
    pub recovery_id: u8,
}

/// Rejects signatures that no chain would accept: bad `v`, `r`/`s` out of range, high `s`.
pub fn check_signature(sig: &Signature65) -> Result<CheckedSignature, ProtocolError> {
    let v = sig.0[64];
    if v != 27 && v != 28 {
        return Err(ProtocolError::SignatureV { v });
    }
    let r = U256::from_be_slice(&sig.0[0..32]);
    let s = U256::from_be_slice(&sig.0[32..64]);
    if r.is_zero() || s.is_zero() || r >= SECP256K1_N || s >= SECP256K1_N {
        return Err(ProtocolError::SignatureOutOfRange);
    }
    if s > SECP256K1_HALF_N {
        return Err(ProtocolError::HighS);
    }
    let mut rs = [0u8; 64];
    rs.copy_from_slice(&sig.0[..64]);
    Ok(CheckedSignature { rs, recovery_id: v - 27 })
}

/// EVM address of a public key: the last 20 bytes of `keccak256(x ‖ y)`.
/// Takes the 65-byte uncompressed SEC1 form (`0x04 ‖ x ‖ y`) or the bare 64 bytes.
pub fn evm_address_from_pubkey(pubkey: &[u8]) -> Result<Address, ProtocolError> {
    let xy = match pubkey.len() {
        65 if pubkey[0] == 0x04 => &pubkey[1..],
        64 => pubkey,
        len => return Err(ProtocolError::PublicKeyLength { len }),
    };
    Ok(Address::from_slice(&keccak256(xy)[12..]))
}

/// Recovers the signer with a caller-supplied recover function (a contract passes the host's
/// `secp256k1_recover_pubkey`); enforces the shape checks first.
pub fn recover_signer_with<E>(
    digest: &[u8; 32],
    sig: &Signature65,
    recover: impl FnOnce(&[u8; 32], &[u8; 64], u8) -> Result<Vec<u8>, E>,
) -> Result<Address, ProtocolError> {
    let checked = check_signature(sig)?;
    let pubkey = recover(digest, &checked.rs, checked.recovery_id).map_err(|_| ProtocolError::Unrecoverable)?;
    evm_address_from_pubkey(&pubkey)
}

#[cfg(feature = "signing")]
mod signing {
    use super::*;
    use alloy_primitives::B256;
    use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};

    /// Recovers the signer of `digest` in pure Rust (k256).
    pub fn recover_signer(digest: B256, sig: &Signature65) -> Result<Address, ProtocolError> {
        recover_signer_with(&digest.0, sig, |d, rs, rec| {
            let signature = Signature::from_slice(rs).map_err(|_| ())?;
            let id = RecoveryId::from_byte(rec).ok_or(())?;
            let key = VerifyingKey::recover_from_prehash(d, &signature, id).map_err(|_| ())?;
            Ok::<_, ()>(key.to_encoded_point(false).as_bytes().to_vec())
        })
    }

    /// Signs `digest`, always returning the low-s form with `v` ∈ {27, 28}.
    pub fn sign_digest(key: &SigningKey, digest: B256) -> Signature65 {
        let (sig, mut id) = key.sign_prehash_recoverable(digest.as_slice()).expect("32-byte prehash always signs");
        let sig = match sig.normalize_s() {
            Some(low) => {
                id = RecoveryId::new(!id.is_y_odd(), id.is_x_reduced());
                low
            }
            None => sig,
        };
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = 27 + id.to_byte();
        Signature65(out)
    }

    /// EVM address of a signing key.
    pub fn signer_address(key: &SigningKey) -> Address {
        evm_address_from_pubkey(key.verifying_key().to_encoded_point(false).as_bytes())
            .expect("uncompressed point is 65 bytes")
    }

    /// A signing key from 32 secret bytes (`None` for zero or ≥ n).
    pub fn signing_key(secret: &[u8; 32]) -> Option<SigningKey> {
        SigningKey::from_slice(secret).ok()
    }
}

#[cfg(feature = "signing")]
pub use signing::*;
