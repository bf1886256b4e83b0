//! A depositor's lock on a CosmWasm chain ([`LegLocker`]): a bank denom is sent with the Router's
//! `Lock`, a cw20 token through the token's `Send` with the Router's `ReceiveMsg::Lock` hook.
use std::str::FromStr;

use mesh_chain::{Chain, DomainId, LegLocker, Locked};
use mesh_cosmos::{CosmosClient, CosmosSigner};
use mesh_hub_api::bundle_log::ChainVm;
use mesh_hub_api::router_cw::{self, Cw20ExecuteMsg, ExecuteMsg, QueryMsg, ReceiveMsg};
use mesh_protocol::{AccountId, Bundle, Hash32};

use crate::chain::address_bytes;
use crate::delivery::tx_hash;
use crate::CwError;

/// A token a depositor may lock on this chain, as configured.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CwToken {
    /// A bank denom (token id `router_cw::bank_denom_token_id(denom)`).
    Native { denom: String },
    /// A cw20 contract (token id: its address bytes, `AccountId::from_cosmos_bytes`).
    Cw20 { address: String },
}

impl CwToken {
    /// The token's id, as legs name it.
    pub fn id(&self) -> Result<AccountId, CwError> {
        match self {
            CwToken::Native { denom } => Ok(router_cw::bank_denom_token_id(denom)),
            CwToken::Cw20 { address } => {
                let bytes = address_bytes("cw20 token", address)?;
                AccountId::from_cosmos_bytes(&bytes).map_err(|e| CwError::BadAddress {
                    what: "cw20 token",
                    address: address.clone(),
                    detail: e.to_string(),
                })
            }
        }
    }
}

/// A depositor's wallet on one CosmWasm chain.
pub struct CwLocker {
    pub name: String,
    pub domain: DomainId,
    pub chain_id: String,
    /// The Router's bech32 address.
    pub router: String,
    pub client: CosmosClient,
    /// The depositor's key (a leg's `depositor` must be its address).
    pub signer: CosmosSigner,
    /// The tokens legs may name on this chain.
    pub tokens: Vec<CwToken>,
}

impl Chain for CwLocker {
    type Error = CwError;
    fn domain(&self) -> DomainId {
        self.domain
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn vm(&self) -> ChainVm {
        ChainVm::CosmWasm { chain_id: self.chain_id.clone() }
    }
}

impl LegLocker for CwLocker {
    /// Sends exactly the leg's amount. The Router computes the bundle id itself (from its hub
    /// domain); it is compared with `bundle_id` first, so a Router of another deployment is
    /// refused before any token moves.
    async fn lock(&self, bundle: &Bundle, bundle_id: Hash32, index: usize) -> Result<Locked, CwError> {
        let leg = bundle.legs.get(index).ok_or(CwError::NoSuchLeg(index))?;
        let wrong = |detail: String| CwError::WrongLeg { index, detail };
        if leg.domain != self.domain {
            return Err(wrong(format!("it is on domain {}, {} is domain {}", leg.domain, self.name, self.domain)));
        }
        let router = AccountId::from_cosmos_bytes(&address_bytes("router", &self.router)?)
            .map_err(|e| CwError::BadAddress { what: "router", address: self.router.clone(), detail: e.to_string() })?;
        if leg.router != router {
            return Err(wrong(format!(
                "its router is {}, this chain's Router {} is {router}",
                leg.router, self.router
            )));
        }
        let me = AccountId::from_cosmos_bytes(&self.signer.address().to_bytes()).map_err(|e| CwError::BadAddress {
            what: "depositor",
            address: self.signer.address().to_string(),
            detail: e.to_string(),
        })?;
        if leg.depositor != me {
            return Err(wrong(format!("its depositor is {}, this wallet is {}", leg.depositor, self.signer.address())));
        }
        let amount: u128 = leg
            .amount
            .0
            .try_into()
            .map_err(|_| wrong(format!("its amount {} exceeds 128 bits (a Cosmos coin)", leg.amount)))?;
        let mut token = None;
        for t in &self.tokens {
            if t.id()? == leg.token {
                token = Some(t);
                break;
            }
        }
        let token = token.ok_or(CwError::UnknownToken { index, token: leg.token, chain: self.name.clone() })?;
        let routers_id: Hash32 =
            self.client.query_smart(&self.router, &QueryMsg::BundleId { bundle: bundle.clone() }).await?;
        if routers_id != bundle_id {
            return Err(CwError::WrongBundleId { expected: bundle_id, router: routers_id });
        }
        let (bundle, index32) = (bundle.clone(), index as u32);
        let out = match token {
            CwToken::Native { denom } => {
                let coin = cosmrs::Coin {
                    denom: cosmrs::Denom::from_str(denom)
                        .map_err(|e| CwError::WrongLeg { index, detail: format!("denom {denom}: {e}") })?,
                    amount,
                };
                self.client
                    .execute(&self.signer, &self.router, &ExecuteMsg::Lock { bundle, index: index32 }, vec![coin])
                    .await?
            }
            CwToken::Cw20 { address } => {
                let hook = serde_json::to_vec(&ReceiveMsg::Lock { bundle, index: index32 })
                    .map_err(|e| mesh_cosmos::CosmosError::Encode(e.to_string()))?;
                let send =
                    Cw20ExecuteMsg::Send { contract: self.router.clone(), amount: amount.into(), msg: hook.into() };
                self.client.execute(&self.signer, address, &send, vec![]).await?
            }
        };
        tracing::info!(chain = %self.name, %bundle_id, index, tx = %out.hash, height = out.height, gas_used = out.gas_used, "leg locked");
        let tx = tx_hash(&out.hash).ok_or_else(|| CwError::Unexpected {
            chain: self.name.clone(),
            call: "broadcast",
            detail: format!("tx hash {}", out.hash),
        })?;
        Ok(Locked { tx, block: out.height })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_are_the_routers() {
        assert_eq!(
            CwToken::Native { denom: "inj".into() }.id().unwrap().to_string(),
            "0x8115bad1beb341a70111b14e92f905c48fc92ae74f31efe2de92e270e30323e3"
        );
        let address = cosmrs::AccountId::new("inj", &[9; 20]).unwrap().to_string();
        let id = CwToken::Cw20 { address: address.clone() }.id().unwrap();
        assert!(id.is_evm_shaped(), "a 20-byte address is left-padded");
        assert_eq!(id.to_cosmos_bytes(), address_bytes("t", &address).unwrap());
        // a 32-byte (wasmd) contract address is taken as it is
        let long = cosmrs::AccountId::new("wasm", &[5; 32]).unwrap().to_string();
        assert_eq!(CwToken::Cw20 { address: long }.id().unwrap().0 .0, [5; 32]);
        // the configuration's JSON shape
        let t: CwToken = serde_json::from_str(r#"{"native":{"denom":"inj"}}"#).unwrap();
        assert_eq!(t, CwToken::Native { denom: "inj".into() });
    }
}
