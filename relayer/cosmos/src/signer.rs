use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::{AccountId, Any};
use prost::Message;

/// How a hub account key turns into an address, a public key on the wire and signatures.
///
/// * `Secp256k1` — the Cosmos SDK's `secp256k1`: address = RIPEMD-160(SHA-256(compressed
///   public key)), public key `/cosmos.crypto.secp256k1.PubKey`, signature over SHA-256 of the
///   sign bytes. The devnet's keys are of this type.
/// * `EthSecp256k1` — Injective's `eth_secp256k1`, the default of `injectived keys add`: address
///   = the last 20 bytes of Keccak-256(uncompressed public key without its 0x04 prefix), i.e. the
///   key's EVM address; public key `/injective.crypto.v1beta1.ethsecp256k1.PubKey`; signature
///   over Keccak-256 of the sign bytes.
///
/// The same 32 secret bytes give two different addresses, one per type: a keyring key exported
/// as hex must be used with the keyring's type, or funds sent to the keyring's address are not
/// where this relayer looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    #[default]
    Secp256k1,
    EthSecp256k1,
}

impl KeyType {
    pub const ALL: [KeyType; 2] = [KeyType::Secp256k1, KeyType::EthSecp256k1];

    /// The name in config files and `injectived keys … --algo`.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Secp256k1 => "secp256k1",
            KeyType::EthSecp256k1 => "eth_secp256k1",
        }
    }

    /// The protobuf type of the public key in a tx's `SignerInfo`.
    pub fn pubkey_type_url(self) -> &'static str {
        match self {
            KeyType::Secp256k1 => "/cosmos.crypto.secp256k1.PubKey",
            KeyType::EthSecp256k1 => "/injective.crypto.v1beta1.ethsecp256k1.PubKey",
        }
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Both key types' public key message: `bytes key = 1` (the 33-byte compressed point).
#[derive(Clone, PartialEq, prost::Message)]
struct PubKeyProto {
    #[prost(bytes = "vec", tag = "1")]
    key: Vec<u8>,
}

/// A hub account key. The secret never appears in `Debug` output or logs.
pub struct CosmosSigner {
    key: SigningKey,
    /// The same secret for Keccak-256 prehash signing (`eth_secp256k1`).
    ecdsa: k256::ecdsa::SigningKey,
    key_type: KeyType,
    address: AccountId,
}

impl std::fmt::Debug for CosmosSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosmosSigner")
            .field("address", &self.address.to_string())
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

impl CosmosSigner {
    /// A `secp256k1` key from 32 secret bytes; `prefix` is the hub's bech32 prefix (`inj`).
    pub fn from_secret(secret: &[u8], prefix: &str) -> Result<Self, String> {
        Self::from_secret_typed(secret, prefix, KeyType::Secp256k1)
    }

    /// A key of `key_type` from 32 secret bytes.
    pub fn from_secret_typed(secret: &[u8], prefix: &str, key_type: KeyType) -> Result<Self, String> {
        let key = SigningKey::from_slice(secret).map_err(|e| format!("invalid secp256k1 secret: {e}"))?;
        let ecdsa =
            k256::ecdsa::SigningKey::from_slice(secret).map_err(|e| format!("invalid secp256k1 secret: {e}"))?;
        let address = match key_type {
            KeyType::Secp256k1 => key.public_key().account_id(prefix).map_err(|e| format!("address: {e}"))?,
            KeyType::EthSecp256k1 => {
                let evm = mesh_protocol::sig::signer_address(&ecdsa);
                AccountId::new(prefix, evm.as_slice()).map_err(|e| format!("address: {e}"))?
            }
        };
        Ok(CosmosSigner { key, ecdsa, key_type, address })
    }

    /// A `secp256k1` key from a hex secret (with or without `0x`).
    pub fn from_hex(secret: &str, prefix: &str) -> Result<Self, String> {
        Self::from_hex_typed(secret, prefix, KeyType::Secp256k1)
    }

    /// A key of `key_type` from a hex secret (with or without `0x`).
    pub fn from_hex_typed(secret: &str, prefix: &str, key_type: KeyType) -> Result<Self, String> {
        let bytes = hex::decode(secret.trim().trim_start_matches("0x")).map_err(|_| "secret is not hex".to_string())?;
        Self::from_secret_typed(&bytes, prefix, key_type)
    }

    pub fn address(&self) -> &AccountId {
        &self.address
    }

    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The public key as a tx's `SignerInfo` carries it.
    pub(crate) fn public_key_any(&self) -> Any {
        let compressed = self.ecdsa.verifying_key().to_encoded_point(true).as_bytes().to_vec();
        Any { type_url: self.key_type.pubkey_type_url().into(), value: PubKeyProto { key: compressed }.encode_to_vec() }
    }

    /// The signature a node of this key type verifies over `sign_bytes` (a `SignDoc`).
    pub(crate) fn sign(&self, sign_bytes: &[u8]) -> Result<Vec<u8>, String> {
        match self.key_type {
            KeyType::Secp256k1 => self.key.sign(sign_bytes).map(|s| s.to_vec()).map_err(|e| e.to_string()),
            KeyType::EthSecp256k1 => {
                // what Injective's keyring produces: r ‖ s (low s) ‖ v with v ∈ {0, 1}
                let sig = mesh_protocol::sig::sign_digest(&self.ecdsa, mesh_protocol::keccak256(sign_bytes));
                let mut out = sig.0.to_vec();
                out[64] -= 27;
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // a fixed test secret (never funded anywhere)
    const SECRET: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    #[test]
    fn one_secret_gives_two_addresses_one_per_key_type() {
        let cosmos = CosmosSigner::from_hex_typed(SECRET, "inj", KeyType::Secp256k1).unwrap();
        let eth = CosmosSigner::from_hex_typed(SECRET, "inj", KeyType::EthSecp256k1).unwrap();
        assert_ne!(cosmos.address(), eth.address());
        // eth_secp256k1: the address bytes are the key's EVM address
        let evm = mesh_protocol::sig::signer_address(
            &k256::ecdsa::SigningKey::from_slice(&hex::decode(SECRET).unwrap()).unwrap(),
        );
        assert_eq!(eth.address().to_bytes(), evm.as_slice());
        assert_eq!(format!("{evm:#x}"), "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23");
        // secp256k1 stays what cosmrs derives (the devnet's keys)
        assert_eq!(cosmos.address(), &cosmos.key.public_key().account_id("inj").unwrap());
    }

    #[test]
    fn hex_exports_of_an_injectived_keyring_derive_the_keyrings_addresses() {
        // `injectived keys add op` (default --key-type eth_secp256k1), then
        // `injectived keys export op --unarmored-hex --unsafe` and `injectived keys show op -a`
        let eth = CosmosSigner::from_hex_typed(
            "d67abb801fa9f07131ef0fdfea6736e99f73531a5f8131afb94ffe5f2d47dba2",
            "inj",
            KeyType::EthSecp256k1,
        )
        .unwrap();
        assert_eq!(eth.address().to_string(), "inj1c0y59ek9hnw0cgntg3gazj24fmd68kqdfu4r4d");
        assert_eq!(eth.public_key_any().value[2..], base64_decode("A6wcIIWw1zxZoyujRtJBRYO+UDq5pteeLhJRVOrHo8Fw"));
        // the same export read as secp256k1 is another account: the trap this key type avoids
        let wrong =
            CosmosSigner::from_hex("d67abb801fa9f07131ef0fdfea6736e99f73531a5f8131afb94ffe5f2d47dba2", "inj").unwrap();
        assert_ne!(wrong.address(), eth.address());
        // `injectived keys add op2 --key-type secp256k1`: the SDK's key type
        let cosmos =
            CosmosSigner::from_hex("4294c4a86d525cf0ffb7a6167cda9ddaa4f82d68bf7622a3edfa85dbe04c635f", "inj").unwrap();
        assert_eq!(cosmos.address().to_string(), "inj17khnt2jsjady2ys980xqzjsxyzzhyrhzywr4ff");
    }

    fn base64_decode(s: &str) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(s).unwrap()
    }

    #[test]
    fn eth_secp256k1_signs_the_keccak_of_the_sign_bytes_with_a_recovery_byte() {
        use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
        let eth = CosmosSigner::from_hex_typed(SECRET, "inj", KeyType::EthSecp256k1).unwrap();
        let msg = b"sign doc bytes";
        let sig = eth.sign(msg).unwrap();
        assert_eq!(sig.len(), 65);
        let s = Signature::from_slice(&sig[..64]).unwrap();
        assert!(s.normalize_s().is_none(), "low s, as the node's verifier requires");
        let recovered = VerifyingKey::recover_from_prehash(
            mesh_protocol::keccak256(msg).as_slice(),
            &s,
            RecoveryId::from_byte(sig[64]).unwrap(),
        )
        .unwrap();
        assert_eq!(&recovered, eth.ecdsa.verifying_key());
        let any = eth.public_key_any();
        assert_eq!(any.type_url, "/injective.crypto.v1beta1.ethsecp256k1.PubKey");
        assert_eq!(PubKeyProto::decode(any.value.as_slice()).unwrap().key.len(), 33);
        // secp256k1 keeps its 64-byte SHA-256 signature
        let cosmos = CosmosSigner::from_hex(SECRET, "inj").unwrap();
        assert_eq!(cosmos.sign(msg).unwrap().len(), 64);
        assert_eq!(cosmos.public_key_any(), cosmos.key.public_key().to_any().unwrap(), "what cosmrs sends");
    }
}
