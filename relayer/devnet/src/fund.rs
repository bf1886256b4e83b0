//! `mesh devnet fund`: gives a party of the devnet (or any address) demo tokens and gas on one
//! chain, paid by the devnet's deployer: USDC is minted, WETH is wrapped from the deployer's ETH
//! and sent, ETH is sent as it is.
use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use mesh_chain_evm::locker::{mined, LockError};

use crate::bindings::DemoWETH;
use crate::helpers::{addr, deployer};
use crate::manifest::Manifest;

/// What `fund` sent.
#[derive(Debug)]
pub struct Funded {
    pub to: Address,
    pub chain: String,
    pub tx: alloy::primitives::B256,
}

/// The tokens `fund` can give, with their decimals (for reading amounts).
pub const TOKENS: [(&str, u8); 3] = [("USDC", 6), ("WETH", 18), ("ETH", 18)];

/// Sends `amount` base units of `token` (USDC, WETH or ETH) to `to` (a devnet identity's name or
/// a 0x address) on the chain named `chain`.
pub async fn fund(m: &Manifest, chain: &str, to: &str, token: &str, amount: u128) -> Result<Funded, LockError> {
    let index = m.evm.iter().position(|c| c.name == chain).ok_or_else(|| {
        let known: Vec<_> = m.evm.iter().map(|c| c.name.as_str()).collect();
        LockError::Invalid(format!("no devnet chain {chain:?} (known: {})", known.join(", ")))
    })?;
    let to = match m.identity(to) {
        Some(id) => addr(&id.evm_address).0,
        None => {
            mesh_protocol::EvmAddress::parse(to)
                .map_err(|_| LockError::Invalid(format!("{to:?} is neither a devnet identity nor a 0x address")))?
                .0
        }
    };
    let p = deployer(m, index);
    let value = U256::from(amount);
    let evm = |what: &str, e: &dyn std::fmt::Display| LockError::Evm(format!("{what}: {e}"));
    let tx = match token {
        "USDC" => {
            let usdc = crate::bindings::MintableERC20::new(addr(&m.evm[index].contracts["USDC"]).0, p.clone());
            let sent = usdc.mint(to, value).send().await.map_err(|e| evm("minting USDC", &e))?;
            mined(sent, "minting USDC").await?.0
        }
        "WETH" => {
            let weth = DemoWETH::new(addr(&m.evm[index].contracts["DemoWETH"]).0, p.clone());
            let sent = weth.deposit().value(value).send().await.map_err(|e| evm("wrapping ETH", &e))?;
            mined(sent, "wrapping ETH").await?;
            let sent = weth.transfer(to, value).send().await.map_err(|e| evm("sending WETH", &e))?;
            mined(sent, "sending WETH").await?.0
        }
        "ETH" => {
            let tx = alloy::rpc::types::TransactionRequest::default().to(to).value(value);
            let sent = p.send_transaction(tx).await.map_err(|e| evm("sending ETH", &e))?;
            mined(sent, "sending ETH").await?.0
        }
        other => {
            return Err(LockError::Invalid(format!(
                "the devnet funds USDC, WETH and ETH, not {other:?} (write the amount as \"1000 USDC\")"
            )))
        }
    };
    Ok(Funded { to, chain: chain.to_string(), tx })
}
