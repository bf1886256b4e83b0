//! Shared fixture for the hub's cw-multi-test suites: the three contracts wired together, bonded
//! relayers with k256 keys, bundles on two EVM chains, and EVM evidence (headers, receipts,
//! receipt proofs) built in the test.

pub mod evm;

use cosmwasm_std::{coins, Addr, Coin, Empty, Uint128};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use k256::ecdsa::SigningKey;
use mesh_hub_api::bundle_log::{
    self as log_api, BatchResponse, BundleResponse, ChainInfo, ChainVm, EvmLocation, LockLocation, LockReport,
    MerkleProofResponse,
};
use mesh_hub_api::dispute::{self as dispute_api, FraudProof};
use mesh_hub_api::stake_escrow::{self as stake_api, RelayerInfo, SignerSetResponse, TotalsResponse};
use mesh_protocol::eip712::{
    leg_hash, relayer_key_digest, settlement_batch_digest, signer_set_update_digest, HubDomain,
};
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{
    keccak256, AccountId, Address, Amount, Bundle, EvmAddress, Hash32, Leg, SettlementBatch, Signature65,
    SignerSetUpdate,
};

pub use cosmwasm_std::StdResult;

pub const DENOM: &str = "umesh";
pub const MIN_BOND: u128 = 1_000;
pub const STAKE: u128 = 10_000;
pub const WINDOW: u64 = 600;
pub const MARGIN: u64 = 300;
pub const UNBONDING: u64 = 2_000;
pub const SLASH_BPS: u16 = 5_000;
pub const BOUNTY_BPS: u16 = 2_000;
pub const ROTATION_DELAY: u64 = 3_600;
pub const MAX_BATCH: u32 = 8;
pub const MAX_REPORTS: u32 = 16;
pub const HORIZON: u64 = 30 * 24 * 3_600;
/// EIP-155 chain ids of the two EVM chains.
pub const CHAIN_A: u64 = 31_337;
pub const CHAIN_B: u64 = 31_338;
/// The domain ids the hub's registry gives them (not their chain ids, on purpose).
pub const DOMAIN_A: u64 = 1;
pub const DOMAIN_B: u64 = 2;

/// The EVM chain id of a registered test domain.
pub fn evm_chain(domain: u64) -> u64 {
    match domain {
        DOMAIN_A => CHAIN_A,
        DOMAIN_B => CHAIN_B,
        other => panic!("domain {other} is not a test domain"),
    }
}

/// The registry entry of a test domain.
pub fn chain_info(domain: u64) -> ChainInfo {
    let (name, router) = if domain == DOMAIN_A { ("anvil-a", router_a()) } else { ("anvil-b", router_b()) };
    ChainInfo { domain, name: name.into(), vm: ChainVm::Evm { chain_id: evm_chain(domain) }, router, confirmations: 2 }
}

/// An EVM address as a leg's account id.
pub fn account(byte: u8) -> AccountId {
    AccountId::from_evm(Address::repeat_byte(byte))
}
/// Funds every test account starts with.
pub const BALANCE: u128 = 1_000_000;

pub fn router_a() -> AccountId {
    account(0xa1)
}
pub fn router_b() -> AccountId {
    account(0xb1)
}

fn stake_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        stake_escrow::contract::execute,
        stake_escrow::contract::instantiate,
        stake_escrow::contract::query,
    ))
}
fn log_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        bundle_log::contract::execute,
        bundle_log::contract::instantiate,
        bundle_log::contract::query,
    ))
}
fn dispute_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(dispute::contract::execute, dispute::contract::instantiate, dispute::contract::query))
}

/// A relayer account with its EVM signing key.
#[derive(Clone)]
pub struct Relayer {
    pub addr: Addr,
    pub key: SigningKey,
    pub evm: EvmAddress,
}

/// The three hub contracts wired together on a cw-multi-test chain.
pub struct Hub {
    pub app: App,
    pub admin: Addr,
    pub stake: Addr,
    pub log: Addr,
    pub dispute: Addr,
    pub relayers: Vec<Relayer>,
    /// The bundle-log's domain (batches, signer-set updates, bundle ids), once it is instantiated.
    pub hub: HubDomain,
    pub community: Addr,
    pub code_ids: (u64, u64, u64),
}

/// Ready-made accounts.
pub fn accounts() -> Vec<&'static str> {
    vec!["admin", "alice", "bob", "carol", "disputer", "mallory", "community"]
        .into_iter()
        .chain(RELAYER_NAMES.iter().copied())
        .collect()
}
pub const RELAYER_NAMES: [&str; 6] = ["relayer0", "relayer1", "relayer2", "relayer3", "relayer4", "relayer5"];

pub fn stake_instantiate_msg() -> stake_api::InstantiateMsg {
    stake_api::InstantiateMsg {
        admin: None,
        hub_chain_id: None,
        bond_denom: DENOM.into(),
        min_bond: Uint128::new(MIN_BOND),
        unbonding_period: UNBONDING,
        dispute_window: WINDOW,
        delivery_margin: MARGIN,
        slash_bps: SLASH_BPS,
        bounty_bps: BOUNTY_BPS,
        community_pool: None,
        rotation_delay: ROTATION_DELAY,
        signer_set_lifetime: None,
        renewal_window: None,
        max_signer_weight_bps: None,
        dispute: None,
    }
}

pub fn log_instantiate_msg(stake: &Addr) -> log_api::InstantiateMsg {
    log_api::InstantiateMsg {
        admin: None,
        hub_chain_id: None,
        stake_escrow: stake.to_string(),
        dispute: None,
        dispute_window: WINDOW,
        delivery_margin: MARGIN,
        max_batch_size: MAX_BATCH,
        batch_max_age: 0,
        max_reports_per_msg: MAX_REPORTS,
        max_horizon: HORIZON,
        rereport_grace: None,
        registration_deposit: None,
        retention: None,
        chains: vec![chain_info(DOMAIN_A), chain_info(DOMAIN_B)],
    }
}

impl Hub {
    /// An app with funded accounts and the three codes stored, nothing instantiated.
    pub fn bare() -> Hub {
        let mut app = App::new(|router, api, storage| {
            for name in accounts() {
                let funds = vec![Coin::new(BALANCE, DENOM), Coin::new(BALANCE, "uother")];
                router.bank.init_balance(storage, &api.addr_make(name), funds).unwrap();
            }
        });
        let code_ids =
            (app.store_code(stake_contract()), app.store_code(log_contract()), app.store_code(dispute_contract()));
        let chain_id = app.block_info().chain_id;
        let admin = app.api().addr_make("admin");
        let community = app.api().addr_make("community");
        let relayers = RELAYER_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let key = signing_key(&[i as u8 + 1; 32]).unwrap();
                Relayer { addr: app.api().addr_make(name), evm: EvmAddress(signer_address(&key)), key }
            })
            .collect();
        Hub {
            app,
            admin,
            stake: Addr::unchecked(""),
            log: Addr::unchecked(""),
            dispute: Addr::unchecked(""),
            relayers,
            hub: HubDomain::new(chain_id, ""),
            community,
            code_ids,
        }
    }

    /// All three contracts instantiated and wired (dispute set in both), no relayer bonded.
    #[track_caller]
    pub fn new() -> Hub {
        Self::with_stake_msg(stake_instantiate_msg())
    }

    #[track_caller]
    pub fn with_stake_msg(stake_msg: stake_api::InstantiateMsg) -> Hub {
        let mut h = Hub::bare();
        let admin = h.admin.clone();
        h.stake =
            h.app.instantiate_contract(h.code_ids.0, admin.clone(), &stake_msg, &[], "stake-escrow", None).unwrap();
        h.log = h
            .app
            .instantiate_contract(h.code_ids.1, admin.clone(), &log_instantiate_msg(&h.stake), &[], "bundle-log", None)
            .unwrap();
        h.hub.deployment = h.log.to_string();
        let dmsg = dispute_api::InstantiateMsg {
            bundle_log: h.log.to_string(),
            stake_escrow: h.stake.to_string(),
            max_proof_nodes: None,
            max_evidence_bytes: None,
        };
        h.dispute = h.app.instantiate_contract(h.code_ids.2, admin.clone(), &dmsg, &[], "dispute", None).unwrap();
        let dispute = h.dispute.clone();
        h.wire(&dispute);
        h
    }

    /// Sets `dispute` as the dispute contract of the stake-escrow and the bundle-log.
    #[track_caller]
    pub fn wire(&mut self, dispute: &Addr) {
        let admin = self.admin.clone();
        let set = stake_api::ExecuteMsg::SetDispute { dispute: dispute.to_string() };
        self.app.execute_contract(admin.clone(), self.stake.clone(), &set, &[]).unwrap();
        let set = log_api::ExecuteMsg::SetDispute { dispute: dispute.to_string() };
        self.app.execute_contract(admin, self.log.clone(), &set, &[]).unwrap();
    }

    /// Stake-escrow and bundle-log whose "dispute contract" is the plain account `judge`, so a
    /// test can call `Slash` and `RevertReport` directly; relayers 0..n bonded, epoch 1 made.
    #[track_caller]
    pub fn with_judge(n: usize) -> Hub {
        let mut h = Hub::bare();
        let admin = h.admin.clone();
        h.stake = h
            .app
            .instantiate_contract(h.code_ids.0, admin.clone(), &stake_instantiate_msg(), &[], "stake-escrow", None)
            .unwrap();
        h.log = h
            .app
            .instantiate_contract(h.code_ids.1, admin, &log_instantiate_msg(&h.stake), &[], "bundle-log", None)
            .unwrap();
        h.dispute = h.addr("judge");
        let judge = h.dispute.clone();
        h.wire(&judge);
        for i in 0..n {
            h.bond(i, STAKE).unwrap();
        }
        if n > 0 {
            h.rotate().unwrap();
        }
        h
    }

    /// Wired hub with the first `n` relayers bonded with `STAKE` each and signer epoch 1 made.
    #[track_caller]
    pub fn with_relayers(n: usize) -> Hub {
        let mut h = Hub::new();
        for i in 0..n {
            h.bond(i, STAKE).unwrap();
        }
        if n > 0 {
            h.rotate().unwrap();
        }
        h
    }

    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }
    pub fn now(&self) -> u64 {
        self.app.block_info().time.seconds()
    }
    /// Moves hub time (and height) forward.
    pub fn wait(&mut self, secs: u64) {
        self.app.update_block(|b| {
            b.time = b.time.plus_seconds(secs);
            b.height += secs.div_ceil(5).max(1);
        });
    }
    pub fn balance(&self, addr: &Addr) -> u128 {
        Uint128::try_from(self.app.wrap().query_balance(addr, DENOM).unwrap().amount).unwrap().u128()
    }

    // ------------------------------------------------------------ stake-escrow

    /// The stake-escrow's domain: proofs of possession are signed for it.
    pub fn stake_domain(&self) -> HubDomain {
        HubDomain::new(self.hub.hub_chain_id.clone(), self.stake.as_str())
    }
    /// The bundle-log's domain, from its current address.
    pub fn log_domain(&self) -> HubDomain {
        HubDomain::new(self.hub.hub_chain_id.clone(), self.log.as_str())
    }
    pub fn proof_of_possession(&self, i: usize) -> Signature65 {
        let r = &self.relayers[i];
        sign_digest(&r.key, relayer_key_digest(&self.stake_domain(), r.addr.as_str()))
    }
    pub fn bond(&mut self, i: usize, amount: u128) -> StdResult<AppResponse> {
        let r = self.relayers[i].clone();
        let msg = stake_api::ExecuteMsg::Bond { evm_signer: r.evm, proof_of_possession: self.proof_of_possession(i) };
        self.app.execute_contract(r.addr, self.stake.clone(), &msg, &coins(amount, DENOM))
    }
    pub fn stake_exec(&mut self, sender: &Addr, msg: &stake_api::ExecuteMsg, funds: &[Coin]) -> StdResult<AppResponse> {
        self.app.execute_contract(sender.clone(), self.stake.clone(), msg, funds)
    }
    /// The dispute contract (`h.dispute`, a plain address in most tests) slashes relayer `i`
    /// for fraud `fraud_id` of `kind` (it is jailed with it).
    pub fn slash(&mut self, i: usize, kind: mesh_hub_api::common::FraudKind, fraud_id: u64) -> StdResult<AppResponse> {
        let (judge, disputer) = (self.dispute.clone(), self.addr("disputer").to_string());
        let msg = stake_api::ExecuteMsg::Slash { relayer: self.relayers[i].addr.to_string(), kind, fraud_id, disputer };
        self.stake_exec(&judge, &msg, &[])
    }
    pub fn unbond(&mut self, i: usize, amount: u128) -> StdResult<AppResponse> {
        let who = self.relayers[i].addr.clone();
        self.stake_exec(&who, &stake_api::ExecuteMsg::Unbond { amount: Uint128::new(amount) }, &[])
    }
    pub fn claim(&mut self, i: usize) -> StdResult<AppResponse> {
        let who = self.relayers[i].addr.clone();
        self.stake_exec(&who, &stake_api::ExecuteMsg::Claim {}, &[])
    }
    pub fn rotate(&mut self) -> StdResult<AppResponse> {
        let who = self.addr("alice");
        self.stake_exec(&who, &stake_api::ExecuteMsg::RotateSigners {}, &[])
    }
    pub fn relayer_info(&self, i: usize) -> RelayerInfo {
        let q = stake_api::QueryMsg::Relayer { address: self.relayers[i].addr.to_string() };
        let r: Option<RelayerInfo> = self.app.wrap().query_wasm_smart(&self.stake, &q).unwrap();
        r.expect("relayer bonded")
    }
    pub fn totals(&self) -> TotalsResponse {
        self.app.wrap().query_wasm_smart(&self.stake, &stake_api::QueryMsg::Totals {}).unwrap()
    }
    pub fn current_set(&self) -> Option<SignerSetResponse> {
        self.app.wrap().query_wasm_smart(&self.stake, &stake_api::QueryMsg::CurrentSignerSet {}).unwrap()
    }

    // ------------------------------------------------------------ bundle-log

    /// A bundle of `legs` legs alternating between the two chains, deadlines from now:
    /// lock in `lock_in` seconds, settle `lock + WINDOW + MARGIN + 1000`.
    pub fn bundle(&self, creator: &str, nonce: u64, legs: usize, lock_in: u64) -> Bundle {
        let lock_deadline = self.now() + lock_in;
        Bundle {
            creator: self.addr(creator).to_string(),
            nonce,
            lock_deadline,
            settle_deadline: lock_deadline + WINDOW + MARGIN + 1_000,
            legs: (0..legs).map(|i| sample_leg(i, nonce)).collect(),
        }
    }
    /// Registers domain 7, the CosmWasm chain "gamma-1" with Router `0x3c…3c` (admin); returns
    /// that Router and the chain's VM.
    pub fn add_gamma(&mut self) -> (AccountId, ChainVm) {
        let (admin, router) = (self.admin.clone(), AccountId(mesh_protocol::B256::repeat_byte(0x3c)));
        let gamma = ChainVm::CosmWasm { chain_id: "gamma-1".into() };
        let add = log_api::ExecuteMsg::AddChain {
            domain: 7,
            name: "gamma".into(),
            vm: gamma.clone(),
            router,
            confirmations: 1,
        };
        self.log_exec(&admin, &add).expect("gamma registered");
        (router, gamma)
    }
    pub fn log_exec(&mut self, sender: &Addr, msg: &log_api::ExecuteMsg) -> StdResult<AppResponse> {
        self.app.execute_contract(sender.clone(), self.log.clone(), msg, &[])
    }
    pub fn register(&mut self, bundle: &Bundle) -> StdResult<Hash32> {
        let creator = Addr::unchecked(bundle.creator.clone());
        let res = self.log_exec(&creator, &log_api::ExecuteMsg::RegisterBundle { bundle: bundle.clone() })?;
        let data: log_api::RegisterBundleResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
        Ok(data.bundle_id)
    }
    /// Registers `legs`-leg bundle number `nonce` of alice, lock deadline in 1000 s.
    #[track_caller]
    pub fn register_sample(&mut self, nonce: u64, legs: usize) -> (Hash32, Bundle) {
        let b = self.bundle("alice", nonce, legs, 1_000);
        (self.register(&b).unwrap(), b)
    }
    pub fn report(&mut self, i: usize, reports: Vec<LockReport>) -> StdResult<AppResponse> {
        let who = self.relayers[i].addr.clone();
        self.log_exec(&who, &log_api::ExecuteMsg::ReportLocks { reports })
    }
    /// Relayer `i` objects to the current report of each named leg with `reason`.
    pub fn object(
        &mut self,
        i: usize,
        legs: &[(Hash32, u32)],
        reason: log_api::ObjectionReason,
    ) -> StdResult<log_api::ObjectReportsResponse> {
        let objections = legs
            .iter()
            .map(|(bundle_id, leg_index)| {
                let r: log_api::ReportResponse = self
                    .app
                    .wrap()
                    .query_wasm_smart(
                        &self.log,
                        &log_api::QueryMsg::Report { bundle_id: *bundle_id, leg_index: *leg_index },
                    )
                    .unwrap();
                let report_id = r.report.map_or(u64::MAX, |r| r.report_id);
                log_api::Objection { bundle_id: *bundle_id, leg_index: *leg_index, report_id, reason }
            })
            .collect();
        let who = self.relayers[i].addr.clone();
        let res = self.log_exec(&who, &log_api::ExecuteMsg::ObjectReports { objections })?;
        Ok(cosmwasm_std::from_json(res.data.unwrap()).unwrap())
    }
    pub fn advance(&mut self) -> StdResult<log_api::AdvanceResponse> {
        let who = self.addr("carol");
        let res = self.log_exec(&who, &log_api::ExecuteMsg::Advance { limit: None })?;
        Ok(cosmwasm_std::from_json(res.data.unwrap()).unwrap())
    }
    pub fn bundle_info(&self, id: &Hash32) -> BundleResponse {
        self.app.wrap().query_wasm_smart(&self.log, &log_api::QueryMsg::Bundle { bundle_id: *id }).unwrap()
    }
    pub fn batch(&self, index: u64) -> BatchResponse {
        self.app.wrap().query_wasm_smart(&self.log, &log_api::QueryMsg::Batch { index }).unwrap()
    }
    pub fn proof(&self, id: &Hash32) -> StdResult<MerkleProofResponse> {
        self.app.wrap().query_wasm_smart(&self.log, &log_api::QueryMsg::MerkleProof { bundle_id: *id })
    }
    pub fn batch_signature(&self, i: usize, epoch: u64, batch_index: u64, root: Hash32) -> Signature65 {
        let d = settlement_batch_digest(&self.log_domain(), &SettlementBatch { epoch, batch_index, root });
        sign_digest(&self.relayers[i].key, d)
    }
    /// Signatures of relayers `signers` over closed batch `index`, as the hub closed it.
    pub fn sign_batch(&self, index: u64, signers: &[usize]) -> Vec<Signature65> {
        let b = self.batch(index);
        signers.iter().map(|&i| self.batch_signature(i, b.epoch.unwrap(), index, b.root.unwrap())).collect()
    }
    pub fn submit_batch_signatures(&mut self, index: u64, signers: &[usize]) -> StdResult<AppResponse> {
        let signatures = self.sign_batch(index, signers);
        let who = self.addr("carol");
        self.log_exec(&who, &log_api::ExecuteMsg::SubmitSignatures { batch_index: index, signatures })
    }
    pub fn update_signature(&self, i: usize, new_epoch: u64, signers_hash: Hash32) -> Signature65 {
        let d = signer_set_update_digest(&self.log_domain(), &SignerSetUpdate { new_epoch, signers_hash });
        sign_digest(&self.relayers[i].key, d)
    }

    // ------------------------------------------------------------ dispute

    pub fn submit_fraud(&mut self, proof: FraudProof) -> StdResult<AppResponse> {
        let who = self.addr("disputer");
        self.app.execute_contract(who, self.dispute.clone(), &dispute_api::ExecuteMsg::SubmitFraudProof { proof }, &[])
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

/// Leg `i` of bundle `nonce`: even legs on domain A, odd on domain B.
pub fn sample_leg(i: usize, nonce: u64) -> Leg {
    let (domain, router) = if i.is_multiple_of(2) { (DOMAIN_A, router_a()) } else { (DOMAIN_B, router_b()) };
    let seed = (i as u8).wrapping_mul(16).wrapping_add(nonce as u8);
    Leg {
        domain,
        router,
        depositor: account(seed | 1),
        token: account(0x70 + i as u8),
        amount: Amount::from(1_000u128 + i as u128),
        recipient: account(0xe0 + i as u8),
        action: None,
        kind: Default::default(),
    }
}

/// A report of `bundle`'s leg `i` at a made-up EVM location (block timestamp 1 s before the
/// lock deadline). Fine wherever no fraud proof is checked against it.
pub fn lock_report(id: &Hash32, bundle: &Bundle, i: usize) -> LockReport {
    let leg = &bundle.legs[i];
    LockReport {
        proof: None,
        bundle_id: *id,
        leg_index: i as u32,
        leg_hash: leg_hash(leg).into(),
        settle_deadline: bundle.settle_deadline,
        location: LockLocation::Evm(EvmLocation {
            chain_id: evm_chain(leg.domain),
            block_number: 100 + i as u64,
            block_hash: Hash32(keccak256(format!("block {id} {i}"))),
            block_timestamp: bundle.lock_deadline - 1,
            tx_hash: Hash32(keccak256(format!("tx {id} {i}"))),
            tx_index: 0,
            log_index: 0,
        }),
    }
}

/// Reports of every leg.
pub fn all_reports(id: &Hash32, bundle: &Bundle) -> Vec<LockReport> {
    (0..bundle.legs.len()).map(|i| lock_report(id, bundle, i)).collect()
}

/// What a refused message is expected to fail with.
///
/// cw-multi-test 3 turns a contract's error into text (`StdError::msg`), so no error type survives
/// to be downcast: a contract error is matched *exactly* instead, as the innermost error of the
/// chain (the text after the last `error: ` cw-multi-test prefixes), which tells every variant and
/// every field value apart. A plain text is only a fragment, for refusals that no contract error
/// type describes (serde's unknown fields, cw-multi-test's own refusals).
pub trait ExpectedError {
    fn matches(&self, got: &str) -> bool;
    fn describe(&self) -> String;
}

impl ExpectedError for &str {
    fn matches(&self, got: &str) -> bool {
        got.contains(*self)
    }
    fn describe(&self) -> String {
        format!("an error containing `{self}`")
    }
}
impl ExpectedError for String {
    fn matches(&self, got: &str) -> bool {
        got.contains(self.as_str())
    }
    fn describe(&self) -> String {
        format!("an error containing `{self}`")
    }
}

/// True when `got` (a cw-multi-test error, possibly wrapping sub-message errors) ends in exactly
/// the contract error `want`.
pub fn is_contract_error(got: &str, want: &str) -> bool {
    got == want || got.ends_with(&format!("error: {want}"))
}

impl<E: ExpectedError> ExpectedError for &E {
    fn matches(&self, got: &str) -> bool {
        (*self).matches(got)
    }
    fn describe(&self) -> String {
        (*self).describe()
    }
}

impl ExpectedError for Box<dyn ExpectedError> {
    fn matches(&self, got: &str) -> bool {
        self.as_ref().matches(got)
    }
    fn describe(&self) -> String {
        self.as_ref().describe()
    }
}

macro_rules! exact_errors {
    ($($t:ty),*) => {$(
        impl ExpectedError for $t {
            fn matches(&self, got: &str) -> bool {
                is_contract_error(got, &self.to_string())
            }
            fn describe(&self) -> String {
                format!("exactly the contract error `{self}` ({self:?})")
            }
        }
    )*};
}
exact_errors!(
    bundle_log::ContractError,
    stake_escrow::ContractError,
    dispute::ContractError,
    mesh_hub_api::common::AccessError,
    mesh_hub_api::common::FundsNotAccepted
);

/// Asserts that `res` failed with `expected`: exactly that contract error (variant and fields), or
/// an error containing that text.
#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(res: StdResult<T>, expected: impl ExpectedError) {
    let err = res.expect_err(&format!("expected {}", expected.describe()));
    let got = err.to_string();
    assert!(expected.matches(&got), "expected {}, got `{got}`", expected.describe());
}

/// The result if it succeeded, `None` if it failed with one of `allowed` (see [`assert_err`]);
/// any other failure panics.
#[track_caller]
pub fn ok_or_one_of<T, E: ExpectedError>(res: StdResult<T>, allowed: &[E]) -> Option<T> {
    match res {
        Ok(v) => Some(v),
        Err(e) => {
            let got = e.to_string();
            let want: Vec<String> = allowed.iter().map(ExpectedError::describe).collect();
            assert!(allowed.iter().any(|a| a.matches(&got)), "expected success or one of {want:?}, got `{got}`");
            None
        }
    }
}
