//! The test world: one Router on a chain with bank denoms and a mock cw20, the vectors' hub and
//! signer keys, a clock, and `#[track_caller]` helpers that read as the steps of a test.

use cosmwasm_std::testing::MockApi;
use cosmwasm_std::{coin, coins, Addr, Api, Coin, StdResult, Timestamp, Uint128};
use cw_multi_test::{App, AppBuilder, AppResponse, ContractWrapper, Executor};
use k256::ecdsa::SigningKey;
use mesh_hub_api::router_cw::{
    bank_denom_token_id, ConfigResponse, Escrow, ExecuteMsg, InstantiateMsg, LegStatus, QueryMsg, ReceiveMsg,
    SettleItem,
};
use mesh_protocol::eip712::{
    bundle_id, settlement_batch_digest, settlement_leaf, signer_set_hash, signer_set_update_digest, HubDomain,
};
use mesh_protocol::merkle::{merkle_proof, merkle_root};
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{
    AccountId, Amount, Bundle, Hash32, Leg, SettlementBatch, Signature65, SignerSet, SignerSetUpdate, Verdict,
    WeightedSigner, B256,
};
use mesh_router_cw::ContractError;

use crate::cw20_mock;

pub const DENOM: &str = "inj";
pub const OTHER_DENOM: &str = "uatom";
pub const DOMAIN: u64 = 7;
pub const GRACE: u64 = 3600;
pub const ROTATION_DELAY: u64 = 60;
pub const START: u64 = 1_800_000_000 - 10_000;
pub const HUB_CHAIN_ID: &str = "mesh-devnet-1";
pub const DEPLOYMENT: &str = "inj1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7";
pub const SET_EXPIRES_AT: u64 = 1_900_000_000;
pub const INITIAL: u128 = 1_000_000_000;

/// The vectors' four signer keys (ascending by address), weights 100..=103, threshold 271.
pub fn vector_keys() -> Vec<SigningKey> {
    let v = crate::vectors::load();
    v["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let hex = s["privateKey"].as_str().unwrap().trim_start_matches("0x");
            let bytes: [u8; 32] = decode_hex(hex).try_into().unwrap();
            signing_key(&bytes).unwrap()
        })
        .collect()
}

pub fn decode_hex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// A signer set of `keys` (sorted by address), weights 100, 101, …
pub fn set_of(epoch: u64, keys: &[SigningKey], threshold: u128, expires_at: u64) -> SignerSet {
    let mut signers: Vec<WeightedSigner> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| WeightedSigner { address: signer_address(k).into(), weight: Amount::from(100 + i as u128) })
        .collect();
    signers.sort_by_key(|s| s.address);
    SignerSet { epoch, signers, threshold: Amount::from(threshold), expires_at }
}

/// Signatures of `digest` by `keys`, sorted by signer address (as the Router requires).
pub fn sign_sorted(keys: &[&SigningKey], digest: B256) -> Vec<Signature65> {
    let mut signed: Vec<_> = keys.iter().map(|k| (signer_address(k), sign_digest(k, digest))).collect();
    signed.sort_by_key(|(a, _)| *a);
    signed.into_iter().map(|(_, s)| s).collect()
}

pub struct World {
    pub app: App,
    pub router: Addr,
    pub cw20: Addr,
    pub keys: Vec<SigningKey>,
    pub hub: HubDomain,
    pub alice: Addr,
    pub bob: Addr,
    pub carol: Addr,
    pub nonce: u64,
    pub batch_index: u64,
    pub router_code: u64,
}

pub fn instantiate_msg(keys: &[SigningKey]) -> InstantiateMsg {
    InstantiateMsg {
        hub_chain_id: HUB_CHAIN_ID.into(),
        deployment: DEPLOYMENT.into(),
        domain: DOMAIN,
        refund_grace: GRACE,
        min_rotation_delay: ROTATION_DELAY,
        genesis_set: set_of(1, keys, 271, SET_EXPIRES_AT),
        action_executor_code_id: None,
    }
}

impl World {
    pub fn new() -> World {
        let api = MockApi::default();
        let alice = api.addr_make("alice");
        let bob = api.addr_make("bob");
        let carol = api.addr_make("carol");
        let funded = [alice.clone(), bob.clone(), carol.clone()];
        let mut app = AppBuilder::new().build(|router, _api, storage| {
            for a in &funded {
                router.bank.init_balance(storage, a, vec![coin(INITIAL, DENOM), coin(INITIAL, OTHER_DENOM)]).unwrap();
            }
        });
        app.update_block(|b| b.time = Timestamp::from_seconds(START));
        let code = app.store_code(Box::new(
            ContractWrapper::new(
                mesh_router_cw::contract::execute,
                mesh_router_cw::contract::instantiate,
                mesh_router_cw::contract::query,
            )
            .with_reply(mesh_router_cw::contract::reply),
        ));
        let keys = vector_keys();
        let admin = api.addr_make("admin");
        let router =
            app.instantiate_contract(code, admin.clone(), &instantiate_msg(&keys), &[], "router", None).unwrap();
        let cw20_code = app.store_code(cw20_mock::contract());
        let balances = funded.iter().map(|a| (a.to_string(), Uint128::new(INITIAL))).collect();
        let cw20 =
            app.instantiate_contract(cw20_code, admin, &cw20_mock::InitMsg { balances }, &[], "token", None).unwrap();
        World {
            app,
            router,
            cw20,
            keys,
            hub: HubDomain::new(HUB_CHAIN_ID, DEPLOYMENT),
            alice,
            bob,
            carol,
            nonce: 0,
            batch_index: 0,
            router_code: code,
        }
    }

    /// Another Router instance with `msg` (same code).
    pub fn another_router(&mut self, msg: &InstantiateMsg) -> Addr {
        let admin = self.carol.clone();
        self.app.instantiate_contract(self.router_code, admin, msg, &[], "router-2", None).unwrap()
    }

    pub fn now(&self) -> u64 {
        self.app.block_info().time.seconds()
    }

    pub fn warp(&mut self, to: u64) {
        self.app.update_block(|b| b.time = Timestamp::from_seconds(to));
    }

    pub fn account(&self, a: &Addr) -> AccountId {
        let canonical = self.app.api().addr_canonicalize(a.as_str()).unwrap();
        AccountId::from_cosmos_bytes(canonical.as_slice()).unwrap()
    }

    pub fn router_id(&self) -> AccountId {
        self.account(&self.router)
    }

    pub fn native_token(&self) -> AccountId {
        bank_denom_token_id(DENOM)
    }

    pub fn cw20_token(&self) -> AccountId {
        self.account(&self.cw20)
    }

    /// A leg of this Router: `depositor` locks `amount` of `token` for `recipient`.
    pub fn leg(&self, depositor: &Addr, token: AccountId, amount: u128, recipient: &Addr) -> Leg {
        Leg {
            domain: DOMAIN,
            router: self.router_id(),
            depositor: self.account(depositor),
            token,
            amount: Amount::from(amount),
            recipient: self.account(recipient),
            action: None,
            kind: Default::default(),
        }
    }

    /// A leg of another chain (domain 99), never locked here.
    pub fn foreign_leg(&self) -> Leg {
        Leg {
            domain: 99,
            router: AccountId::from_evm([0x11; 20].into()),
            depositor: AccountId::from_evm([0x22; 20].into()),
            token: AccountId::from_evm([0x33; 20].into()),
            amount: Amount::from(5u128),
            recipient: AccountId::from_evm([0x44; 20].into()),
            action: None,
            kind: Default::default(),
        }
    }

    /// A fresh bundle (new nonce) of `legs`, lock deadline in 1000 s, settle deadline in 2000 s.
    pub fn bundle(&mut self, legs: Vec<Leg>) -> Bundle {
        self.nonce += 1;
        let now = self.now();
        Bundle {
            creator: "inj1creator".into(),
            nonce: self.nonce,
            lock_deadline: now + 1000,
            settle_deadline: now + 2000,
            legs,
        }
    }

    /// Alice's one-leg bundle of 1000 `inj` for Bob.
    pub fn simple_bundle(&mut self) -> Bundle {
        let leg = self.leg(&self.alice.clone(), self.native_token(), 1000, &self.bob.clone());
        self.bundle(vec![leg])
    }

    pub fn id(&self, bundle: &Bundle) -> Hash32 {
        Hash32(bundle_id(&self.hub, bundle))
    }

    pub fn exec(&mut self, sender: &Addr, msg: &ExecuteMsg, funds: &[Coin]) -> StdResult<AppResponse> {
        let router = self.router.clone();
        self.app.execute_contract(sender.clone(), router, msg, funds)
    }

    pub fn try_lock_native(
        &mut self,
        sender: &Addr,
        bundle: &Bundle,
        index: u32,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        self.exec(sender, &ExecuteMsg::Lock { bundle: bundle.clone(), index }, funds)
    }

    /// Locks leg `index` with its amount of `inj`, sent by its depositor (`sender`).
    #[track_caller]
    pub fn lock_native(&mut self, sender: &Addr, bundle: &Bundle, index: u32) -> AppResponse {
        let amount: u128 = bundle.legs[index as usize].amount.0.to();
        self.try_lock_native(sender, bundle, index, &coins(amount, DENOM)).expect("lock")
    }

    pub fn try_lock_cw20(
        &mut self,
        sender: &Addr,
        bundle: &Bundle,
        index: u32,
        amount: u128,
    ) -> StdResult<AppResponse> {
        let msg = cosmwasm_std::to_json_binary(&ReceiveMsg::Lock { bundle: bundle.clone(), index }).unwrap();
        let send = mesh_hub_api::router_cw::Cw20ExecuteMsg::Send {
            contract: self.router.to_string(),
            amount: Uint128::new(amount),
            msg,
        };
        let cw20 = self.cw20.clone();
        self.app.execute_contract(sender.clone(), cw20, &send, &[])
    }

    pub fn bank_balance(&self, a: &Addr, denom: &str) -> u128 {
        Uint128::try_from(self.app.wrap().query_balance(a.as_str(), denom).unwrap().amount).unwrap().u128()
    }

    pub fn cw20_balance(&self, a: &Addr) -> u128 {
        let r: cw20_mock::BalanceResponse = self
            .app
            .wrap()
            .query_wasm_smart(self.cw20.as_str(), &cw20_mock::QueryMsg::Balance { address: a.to_string() })
            .unwrap();
        r.balance.u128()
    }

    pub fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> T {
        self.app.wrap().query_wasm_smart(self.router.as_str(), msg).unwrap()
    }

    pub fn escrow(&self, id: Hash32, index: u32) -> Option<Escrow> {
        self.query(&QueryMsg::Escrow { bundle_id: id, index })
    }

    pub fn status(&self, id: Hash32, index: u32) -> LegStatus {
        self.query(&QueryMsg::LegStatus { bundle_id: id, index })
    }

    pub fn config(&self) -> ConfigResponse {
        self.query(&QueryMsg::Config {})
    }

    pub fn is_verified(&self, root: Hash32) -> bool {
        self.query(&QueryMsg::IsVerifiedRoot { root })
    }

    pub fn batch_digest(&self, epoch: u64, batch_index: u64, root: Hash32) -> B256 {
        settlement_batch_digest(&self.hub, &SettlementBatch { epoch, batch_index, root })
    }

    /// Signatures of the genesis keys at `which` positions (key order) over a batch.
    pub fn sign_batch(&self, which: &[usize], epoch: u64, batch_index: u64, root: Hash32) -> Vec<Signature65> {
        let keys: Vec<&SigningKey> = which.iter().map(|i| &self.keys[*i]).collect();
        sign_sorted(&keys, self.batch_digest(epoch, batch_index, root))
    }

    pub fn try_submit(
        &mut self,
        epoch: u64,
        batch_index: u64,
        root: Hash32,
        signatures: Vec<Signature65>,
    ) -> StdResult<AppResponse> {
        let carol = self.carol.clone();
        self.exec(&carol, &ExecuteMsg::SubmitBatch { epoch, batch_index, root, signatures }, &[])
    }

    /// A batch of `leaves` signed by three of the four genesis signers (weight 303 ≥ 271) and
    /// submitted; returns its root.
    #[track_caller]
    pub fn verified_root(&mut self, leaves: &[B256]) -> Hash32 {
        let root = Hash32(merkle_root(leaves).unwrap());
        self.batch_index += 1;
        let index = self.batch_index;
        let sigs = self.sign_batch(&[0, 1, 2], 1, index, root);
        self.try_submit(1, index, root, sigs).expect("submit batch");
        root
    }

    pub fn try_settle(
        &mut self,
        id: Hash32,
        index: u32,
        verdict: Verdict,
        root: Hash32,
        proof: Vec<Hash32>,
    ) -> StdResult<AppResponse> {
        let carol = self.carol.clone();
        self.exec(&carol, &ExecuteMsg::Settle { bundle_id: id, index, verdict, batch_root: root, proof }, &[])
    }

    /// A one-leaf verified batch carrying `verdict` for `id`, then `Settle` of leg `index`.
    pub fn settle_alone(&mut self, id: Hash32, index: u32, verdict: Verdict) -> StdResult<AppResponse> {
        let root = self.verified_root(&[settlement_leaf(id.0, verdict)]);
        self.try_settle(id, index, verdict, root, vec![])
    }

    pub fn try_refund(&mut self, id: Hash32, index: u32) -> StdResult<AppResponse> {
        let carol = self.carol.clone();
        self.exec(&carol, &ExecuteMsg::RefundExpired { bundle_id: id, index }, &[])
    }

    pub fn try_rotate(&mut self, new_set: SignerSet, signers: &[&SigningKey]) -> StdResult<AppResponse> {
        let sigs = sign_sorted(signers, self.update_digest(&new_set));
        let carol = self.carol.clone();
        self.exec(&carol, &ExecuteMsg::Rotate { new_set, signatures: sigs }, &[])
    }

    pub fn update_digest(&self, set: &SignerSet) -> B256 {
        signer_set_update_digest(
            &self.hub,
            &SignerSetUpdate { new_epoch: set.epoch, signers_hash: Hash32(signer_set_hash(set)) },
        )
    }
}

/// Items settling every leg in `legs` (bundle id, index, verdict) under the tree of `leaves`.
pub fn items(leaves: &[B256], legs: &[(Hash32, u32, Verdict)]) -> Vec<SettleItem> {
    legs.iter()
        .map(|(id, index, verdict)| {
            let leaf = settlement_leaf(id.0, *verdict);
            let at = leaves.iter().position(|l| *l == leaf).expect("leaf in batch");
            SettleItem {
                bundle_id: *id,
                index: *index,
                verdict: *verdict,
                proof: merkle_proof(leaves, at).unwrap().into_iter().map(Hash32).collect(),
            }
        })
        .collect()
}

/// The text of a refused call (cw-multi-test reports a contract error by its `Display`, after any
/// sub-message context).
#[track_caller]
pub fn refusal<T: std::fmt::Debug>(result: StdResult<T>) -> String {
    result.expect_err("expected the call to be refused").to_string()
}

/// True when `got` ends in exactly the contract error `want`.
pub fn is_contract_error(got: &str, want: &str) -> bool {
    got == want || got.ends_with(&format!("error: {want}")) || got.ends_with(&format!(": {want}"))
}

/// The call failed with exactly `expected` (its variant's message with every field).
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(result: StdResult<T>, expected: ContractError) {
    let got = refusal(result);
    let want = expected.to_string();
    assert!(is_contract_error(&got, &want), "expected {expected:?} (`{want}`), got `{got}`");
}

/// The signature refusal in `got`, as (variant name, signature index): for refusals whose signer
/// is an unpredictable stranger (a changed byte recovers some other key).
#[track_caller]
pub fn signature_refusal(got: &str) -> (&'static str, usize) {
    let at = got.rfind("signature ").unwrap_or_else(|| panic!("not a signature refusal: `{got}`"));
    let rest = &got[at + "signature ".len()..];
    let index: usize = rest[..rest.find(':').unwrap()].parse().unwrap();
    let kind = [
        ("is not a member of the set", "NotASigner"),
        ("v must be 27 or 28", "BadSignatureV"),
        ("s is high", "HighS"),
        ("no public key recovers from it", "UnrecoverableSignature"),
        ("is not after the previous signer", "SignersNotAscending"),
        ("r or s is zero or not below the curve order", "SignatureOutOfRange"),
    ]
    .into_iter()
    .find(|(fragment, _)| rest.contains(fragment))
    .unwrap_or_else(|| panic!("unknown signature refusal: `{got}`"))
    .1;
    (kind, index)
}

/// The wasm events of type `ty` (multi-test prefixes custom events with `wasm-`).
pub fn events<'a>(r: &'a AppResponse, ty: &str) -> Vec<&'a cosmwasm_std::Event> {
    let name = format!("wasm-{ty}");
    r.events.iter().filter(|e| e.ty == name).collect()
}

pub fn attr<'a>(e: &'a cosmwasm_std::Event, key: &str) -> &'a str {
    e.attributes.iter().find(|a| a.key == key).map(|a| a.value.as_str()).unwrap_or_else(|| panic!("no {key} in {e:?}"))
}
