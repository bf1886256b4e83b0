use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::AccountId;

/// A hub account key. The secret never appears in `Debug` output or logs.
pub struct CosmosSigner {
    key: SigningKey,
    address: AccountId,
}

impl std::fmt::Debug for CosmosSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosmosSigner").field("address", &self.address.to_string()).finish_non_exhaustive()
    }
}

impl CosmosSigner {
    /// From 32 secret bytes; `prefix` is the hub's bech32 prefix (`inj`).
    pub fn from_secret(secret: &[u8], prefix: &str) -> Result<Self, String> {
        let key = SigningKey::from_slice(secret).map_err(|e| format!("invalid secp256k1 secret: {e}"))?;
        let address = key.public_key().account_id(prefix).map_err(|e| format!("address: {e}"))?;
        Ok(CosmosSigner { key, address })
    }

    /// From a hex secret (with or without `0x`).
    pub fn from_hex(secret: &str, prefix: &str) -> Result<Self, String> {
        let bytes = hex::decode(secret.trim().trim_start_matches("0x")).map_err(|_| "secret is not hex".to_string())?;
        Self::from_secret(&bytes, prefix)
    }

    pub fn address(&self) -> &AccountId {
        &self.address
    }

    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }
}
