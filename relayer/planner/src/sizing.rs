//! Calls, leg actions, variables and the objective: a spec's parts that depend on live state.
//!
//! Every name is resolved once ([`Resolved`]); then each candidate assignment of the variables
//! (the grid `min, min + step, …, max` of each, at most [`MAX_CANDIDATES`] in all) is priced
//! exactly — pool quotes as the pool computes them, gas at the chain's price valued through a
//! pool at its mid price — and the planner keeps the candidate with the largest objective among
//! those whose every swap is within its slippage tolerance and whose declared constraints hold
//! (the first such candidate in grid order on a tie). The search is exhaustive, so the optimum is
//! the grid's optimum, not a local one.
use std::collections::BTreeMap;

use alloy_dyn_abi::{DynSolType, DynSolValue, JsonAbiExt};
use alloy_json_abi::Function;
use alloy_primitives::{Address, U256};
use mesh_protocol::{AccountId, HexBytes};
use serde::Deserialize;

use crate::directory::{ChainEntry, Directory, TokenEntry};
use crate::market::{gas, Market, Needs, PoolState, TokenRef};
use crate::spec::{Approve, BundleSpec, PlannedCall, SpecError};
use crate::units::{format_units, parse_signed, AmountError, Unit};

/// Most candidates the optimiser prices (the product of every variable's grid).
pub const MAX_CANDIDATES: u64 = 100_000;
/// Gas an action gets when the spec does not say.
pub const DEFAULT_ACTION_GAS: u64 = 300_000;

alloy_sol_types::sol! {
    function swapExactIn(address tokenIn, uint256 amountIn, uint256 minOut, address to) external returns (uint256 amountOut);
    function deposit(address token, uint256 amount) external;
}

/// A quantity the optimiser chooses, e.g. the size of a loan.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    /// Used in amounts: `"loan"`, `"loan * 1.0009"`.
    pub name: String,
    /// Token and chain its bounds are written in (for whole-token amounts like "1 WETH").
    pub token: String,
    pub chain: String,
    pub min: String,
    pub max: String,
    /// Grid step between candidates.
    pub step: String,
}

/// What the optimiser maximises: a party's net change of a token (summed over chains, like a
/// constraint without `chain`) on COMMIT, after the gas of its own transactions.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec {
    /// The party whose outcome is maximised.
    pub party: String,
    /// The token it is measured in (symbol).
    pub token: String,
    /// The token that stands for each chain's native coin (gas is paid in it), e.g. "WETH".
    pub native: String,
    /// The pool (named contract on every chain the party pays gas on) whose mid price values
    /// `native` in `token`.
    pub gas_pool: String,
    /// Least net accepted (default 0: the plan must not lose money after gas).
    pub at_least: Option<String>,
}

/// A party's own transaction before its locks (see [`PlannedCall`]): exactly one of `swap`,
/// `deposit`, `call`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// What it is for, for people.
    pub about: Option<String>,
    /// The party (of the network file) that sends it.
    pub party: String,
    pub chain: String,
    pub swap: Option<SwapSpec>,
    pub deposit: Option<DepositSpec>,
    pub call: Option<CallBySignature>,
    /// Gas estimate of the call itself (the approval is counted apart); defaults per kind.
    pub gas: Option<u64>,
}

/// A swap on a named pool: exactly one of `amount_in` (exact input) and `amount_out` (exact
/// output: the least input that buys it, sent with `minOut` = the amount).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapSpec {
    /// A named contract of the chain (e.g. "ConstantProductPool") or its address.
    pub pool: String,
    /// Token paid (symbol).
    pub sell: String,
    /// Token bought (symbol).
    pub buy: String,
    pub amount_in: Option<String>,
    pub amount_out: Option<String>,
    /// Most the trade may fall short of the input's value at the pool's mid price ("1%",
    /// "50 bps"); `minOut` is that value less the tolerance.
    pub slippage: String,
}

/// `deposit(address token, uint256 amount)` on a contract, after approving it the amount.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepositSpec {
    pub contract: String,
    pub token: String,
    pub amount: String,
}

/// A call by ABI signature with its arguments: addresses by name (parties, contracts, token
/// symbols) or 0x, numbers as amounts ("5 USDC", "loan * 0.5", "100"), anything else as the ABI
/// writes it. What it spends and produces is declared for the composition check.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallBySignature {
    /// A named contract, a token symbol, or a 0x address.
    pub contract: String,
    /// e.g. "deposit()", "stake(address,uint256)".
    pub signature: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Native coin sent with the call, in base units (or an amount expression).
    pub value: Option<String>,
    /// A token amount the call pulls from the party (approved to the contract first).
    pub spends: Option<TokenAmount>,
    /// A token amount the call gives the party.
    pub produces: Option<TokenAmount>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenAmount {
    pub token: String,
    pub amount: String,
}

/// A leg's action on COMMIT (protocol §12): exactly one of `swap` and `call`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// Sells the leg's tokens on a pool for the recipient.
    pub swap: Option<ActionSwap>,
    /// Any call by signature, with the output it must give the recipient.
    pub call: Option<ActionCall>,
    /// Gas the call gets (default 300 000).
    pub gas_limit: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSwap {
    pub pool: String,
    /// Token the recipient receives (symbol).
    pub buy: String,
    pub slippage: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionCall {
    pub contract: String,
    pub signature: String,
    #[serde(default)]
    pub args: Vec<String>,
    pub output_token: String,
    pub min_out: String,
}

/// An amount as written: a literal, or a variable times an exact decimal coefficient (rounded
/// down to a base unit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Lit(i128),
    Var { name: String, num: i128, den: i128 },
}

impl Expr {
    /// Parses `text` in `unit`; names must be `vars`.
    pub fn parse(text: &str, unit: Option<&Unit>, vars: &[String]) -> Result<Expr, AmountError> {
        let t = text.trim();
        let (a, b) = match t.split_once('*') {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (t, None),
        };
        let is_var = |s: &str| vars.iter().any(|v| v == s);
        match (a, b) {
            (v, None) if is_var(v) => Ok(Expr::Var { name: v.into(), num: 1, den: 1 }),
            (v, Some(c)) | (c, Some(v)) if is_var(v) => {
                let (num, den) = decimal(c).ok_or_else(|| AmountError::Syntax(text.into()))?;
                Ok(Expr::Var { name: v.into(), num, den })
            }
            (_, Some(_)) => Err(AmountError::Syntax(text.into())),
            _ => parse_signed(t, unit).map(Expr::Lit),
        }
    }

    pub fn eval(&self, vars: &BTreeMap<String, i128>) -> i128 {
        match self {
            Expr::Lit(v) => *v,
            Expr::Var { name, num, den } => (vars[name] * num).div_euclid(*den),
        }
    }
}

/// "1.0009" → (10009, 10000), exactly; "-0.5" → (-5, 10).
fn decimal(s: &str) -> Option<(i128, i128)> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let num: i128 = format!("{int}{frac}").parse().ok()?;
    let den = 10i128.checked_pow(frac.len() as u32)?;
    Some((if neg { -num } else { num }, den))
}

/// "1%", "0.5 %", "50 bps" → basis points.
pub fn parse_tolerance(s: &str) -> Option<u32> {
    let t = s.trim();
    let bps = if let Some(p) = t.strip_suffix('%') {
        let (n, d) = decimal(p.trim())?;
        let v = n.checked_mul(10_000)?;
        (v % (d * 100) == 0).then_some(v / (d * 100))?
    } else {
        t.strip_suffix("bps")?.trim().parse::<i128>().ok()?
    };
    (0..=10_000).contains(&bps).then_some(bps as u32)
}

/// One swap of a candidate, against its tolerance.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SwapCheck {
    pub about: String,
    pub chain: String,
    #[serde(with = "u256_dec")]
    pub amount_in: U256,
    pub sell: String,
    pub buy: String,
    /// The input's value at the pool's mid price, in the output token.
    #[serde(with = "u256_dec")]
    pub ideal: U256,
    /// What the pool gives now.
    #[serde(with = "u256_dec")]
    pub quote: U256,
    /// The least output accepted: `ideal × (1 − tolerance)`.
    #[serde(with = "u256_dec")]
    pub min_out: U256,
    /// Shortfall of the quote from the ideal, in basis points (rounded up).
    pub slippage_bps: u32,
    pub tolerance_bps: u32,
    #[serde(skip)]
    pub unit_in: Unit,
    #[serde(skip)]
    pub unit_out: Unit,
}

impl SwapCheck {
    pub fn within(&self) -> bool {
        self.quote >= self.min_out
    }
}

impl std::fmt::Display for SwapCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = |v: U256| show_u(v, &self.unit_out);
        write!(
            f,
            "{} on {}: {} in, worth {} at the mid price, quote {} (slippage {} bps, tolerance {} bps, min_out {})",
            self.about,
            self.chain,
            show_u(self.amount_in, &self.unit_in),
            o(self.ideal),
            o(self.quote),
            self.slippage_bps,
            self.tolerance_bps,
            o(self.min_out)
        )
    }
}

/// A U256 amount for people.
pub fn show_u(v: U256, unit: &Unit) -> String {
    match i128::try_from(v) {
        Ok(v) => crate::units::show(v, unit),
        Err(_) => format!("{v} base units of {}", unit.symbol),
    }
}

/// Integers in JSON as decimal strings (exact at any size, as `Amount` writes them).
fn dec<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

fn opt_dec<T: std::fmt::Display, S: serde::Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&v.to_string()),
        None => s.serialize_none(),
    }
}

mod u256_dec {
    pub fn serialize<S: serde::Serializer>(v: &alloy_primitives::U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
}

/// Gas a party pays on a chain for its calls and locks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GasCost {
    pub party: String,
    pub chain: String,
    pub gas: u64,
    /// Native base units per gas.
    #[serde(serialize_with = "dec")]
    pub price: u128,
    /// gas × price, native base units.
    #[serde(serialize_with = "dec")]
    pub native: u128,
    /// Its value in the objective's token, for the objective's party.
    #[serde(serialize_with = "opt_dec")]
    pub valued: Option<i128>,
}

/// The objective's outcome for the chosen candidate.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ObjectiveOutcome {
    pub party: String,
    pub token: String,
    /// Net change before gas, base units.
    #[serde(serialize_with = "dec")]
    pub gross: i128,
    /// Its gas, valued in the token.
    #[serde(serialize_with = "dec")]
    pub gas: i128,
    #[serde(serialize_with = "dec")]
    pub net: i128,
    #[serde(serialize_with = "dec")]
    pub at_least: i128,
    #[serde(skip)]
    pub unit: Unit,
}

impl std::fmt::Display for ObjectiveOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |v| crate::units::show(v, &self.unit);
        write!(
            f,
            "{} nets {} ({} over every chain) before gas, gas costs {}, net after gas {} (at least {} required)",
            self.party,
            s(self.gross),
            self.token,
            s(self.gas),
            s(self.net),
            s(self.at_least)
        )
    }
}

/// How a plan was sized: the chosen variables and what they give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sizing {
    /// (name, value, unit).
    pub vars: Vec<(String, i128, Unit)>,
    /// Candidates priced.
    pub candidates: u64,
    pub swaps: Vec<SwapCheck>,
    pub gas: Vec<GasCost>,
    pub objective: Option<ObjectiveOutcome>,
    /// The composition check, one line per step (what it needs and where it comes from).
    pub composition: Vec<String>,
    /// Contracts the calls and actions name: (chain, account, name as written).
    pub names: Vec<(String, AccountId, String)>,
}

impl BundleSpec {
    /// The contracts the calls and actions name, resolved.
    pub(crate) fn contract_names(&self, d: &dyn Directory) -> Vec<(String, AccountId, String)> {
        let mut out = Vec::new();
        for c in &self.calls {
            let name = c
                .swap
                .as_ref()
                .map(|s| &s.pool)
                .or(c.deposit.as_ref().map(|x| &x.contract))
                .or(c.call.as_ref().map(|x| &x.contract));
            if let Some(a) = name.and_then(|n| account(d, &c.chain, n).map(|a| (a, n))) {
                out.push((c.chain.clone(), a.0, a.1.clone()));
            }
        }
        for l in &self.legs {
            let name = l
                .action
                .as_ref()
                .and_then(|a| a.swap.as_ref().map(|s| &s.pool).or(a.call.as_ref().map(|c| &c.contract)));
            if let Some(a) = name.and_then(|n| account(d, &l.chain, n).map(|a| (a, n))) {
                out.push((l.chain.clone(), a.0, a.1.clone()));
            }
        }
        out
    }
}

/// Shows variable assignments for people.
pub(crate) fn show_vars(vars: &[(String, i128, Unit)]) -> String {
    vars.iter()
        .map(|(n, v, u)| format!("{n} = {} {}", format_units(*v, u.decimals), u.symbol))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Resolution: names → addresses, pools, units, once.

#[derive(Clone, Debug)]
enum Arg {
    Value(DynSolValue),
    Uint { bits: usize, amount: Expr },
}

#[derive(Clone, Debug)]
struct Encoded {
    func: Function,
    args: Vec<Arg>,
}

impl Encoded {
    fn resolve(
        d: &dyn Directory,
        chain: &str,
        signature: &str,
        args: &[String],
        vars: &[String],
        bad: &dyn Fn(String) -> SpecError,
    ) -> Result<Encoded, SpecError> {
        let func = Function::parse(signature).map_err(|e| bad(format!("signature {signature:?}: {e}")))?;
        if func.inputs.len() != args.len() {
            return Err(bad(format!("{signature} takes {} argument(s), {} given", func.inputs.len(), args.len())));
        }
        let mut out = Vec::new();
        for (p, a) in func.inputs.iter().zip(args) {
            let ty = DynSolType::parse(&p.ty).map_err(|e| bad(format!("type {}: {e}", p.ty)))?;
            out.push(match ty {
                DynSolType::Address => Arg::Value(DynSolValue::Address(
                    address(d, chain, a)
                        .ok_or_else(|| bad(format!("argument {a:?} is no party, contract or token")))?,
                )),
                DynSolType::Uint(bits) => Arg::Uint { bits, amount: amount_on(d, chain, a, vars, bad)? },
                ty => Arg::Value(ty.coerce_str(a).map_err(|e| bad(format!("argument {a:?} as {}: {e}", p.ty)))?),
            });
        }
        Ok(Encoded { func, args: out })
    }

    fn encode(&self, vars: &BTreeMap<String, i128>) -> Result<Vec<u8>, String> {
        let values: Vec<DynSolValue> = self
            .args
            .iter()
            .map(|a| match a {
                Arg::Value(v) => v.clone(),
                Arg::Uint { bits, amount } => DynSolValue::Uint(U256::from(amount.eval(vars).max(0) as u128), *bits),
            })
            .collect();
        self.func.abi_encode_input(&values).map_err(|e| e.to_string())
    }
}

/// An amount on `chain` whose unit is named in the text ("5 USDC") or absent (base units).
fn amount_on(
    d: &dyn Directory,
    chain: &str,
    text: &str,
    vars: &[String],
    bad: &dyn Fn(String) -> SpecError,
) -> Result<Expr, SpecError> {
    match Expr::parse(text, None, vars) {
        Err(AmountError::WrongUnit { unit, .. }) => {
            let t = d.token(chain, &unit).ok_or_else(|| bad(format!("{text:?}: no token {unit} on {chain}")))?;
            Expr::parse(text, Some(&t.unit), vars).map_err(|e| bad(e.to_string()))
        }
        r => r.map_err(|e| bad(e.to_string())),
    }
}

/// An address by name on `chain`: a party, a named contract, a token symbol, or 0x.
fn address(d: &dyn Directory, chain: &str, name: &str) -> Option<Address> {
    account(d, chain, name)?.to_evm()
}

fn account(d: &dyn Directory, chain: &str, name: &str) -> Option<AccountId> {
    d.account(chain, name)
        .or_else(|| d.token(chain, name).map(|t| t.address))
        .or_else(|| mesh_protocol::EvmAddress::parse(name).ok().map(AccountId::from))
}

#[derive(Clone, Debug)]
struct RPool {
    address: AccountId,
    state: PoolState,
}

#[derive(Clone, Debug)]
enum RCallKind {
    Swap {
        pool: RPool,
        sell: TokenEntry,
        buy: TokenEntry,
        amount: Expr,
        exact_out: bool,
        tolerance: u32,
    },
    Deposit {
        contract: AccountId,
        token: TokenEntry,
        amount: Expr,
    },
    Call {
        target: AccountId,
        enc: Encoded,
        value: Option<Expr>,
        spends: Option<(TokenEntry, Expr)>,
        produces: Option<(TokenEntry, Expr)>,
    },
}

#[derive(Clone, Debug)]
struct RCall {
    about: String,
    party: String,
    account: AccountId,
    chain: String,
    kind: RCallKind,
    gas: u64,
}

#[derive(Clone, Debug)]
enum RActionKind {
    Swap { pool: RPool, buy: TokenEntry, tolerance: u32 },
    Call { target: AccountId, enc: Encoded, output: TokenEntry, min_out: Expr },
}

#[derive(Clone, Debug)]
struct RLeg {
    chain: ChainEntry,
    token: TokenEntry,
    from: String,
    to: String,
    recipient: AccountId,
    amount: Expr,
    action: Option<(RActionKind, u64)>,
}

#[derive(Clone, Debug)]
struct RObjective {
    party: String,
    token: String,
    unit: Unit,
    at_least: i128,
    /// Per chain: (native token address, gas pool) to value gas.
    pricing: BTreeMap<String, (AccountId, RPool, AccountId)>,
}

/// A spec with every name resolved and every pool read.
pub(crate) struct Resolved {
    legs: Vec<RLeg>,
    calls: Vec<RCall>,
    grids: Vec<(String, i128, i128, i128, Unit)>,
    objective: Option<RObjective>,
    gas_prices: BTreeMap<String, u128>,
}

/// A priced candidate.
#[derive(Clone, Debug)]
pub(crate) struct Priced {
    pub vars: BTreeMap<String, i128>,
    pub legs: Vec<i128>,
    /// Each leg's token unit.
    pub units: Vec<Unit>,
    pub calls: Vec<PricedCall>,
    pub actions: Vec<Option<mesh_protocol::Action>>,
    pub action_about: Vec<Option<String>>,
    pub swaps: Vec<SwapCheck>,
    pub gas: Vec<GasCost>,
    pub objective: Option<ObjectiveOutcome>,
}

/// A call with what it takes from and gives its party (for the composition check).
#[derive(Clone, Debug)]
pub(crate) struct PricedCall {
    pub planned: PlannedCall,
    pub account: AccountId,
    /// (token, symbol, amount): spent, then produced.
    pub spends: Vec<(TokenRef, Unit, u128)>,
    pub produces: Vec<(TokenRef, Unit, u128)>,
}

fn pool(
    d: &dyn Directory,
    m: &dyn Market,
    chain: &str,
    name: &str,
    bad: &dyn Fn(String) -> SpecError,
) -> Result<RPool, SpecError> {
    let address = account(d, chain, name).ok_or_else(|| bad(format!("pool {name:?} is not a contract of {chain}")))?;
    let state =
        m.pool(chain, &address).ok_or_else(|| SpecError::Market(format!("no state of pool {name} on {chain}")))?;
    Ok(RPool { address, state })
}

fn token(
    d: &dyn Directory,
    chain: &str,
    sym: &str,
    bad: &dyn Fn(String) -> SpecError,
) -> Result<TokenEntry, SpecError> {
    d.token(chain, sym).ok_or_else(|| bad(format!("token {sym:?} is not in the network file for {chain}")))
}

fn tolerance(s: &str, bad: &dyn Fn(String) -> SpecError) -> Result<u32, SpecError> {
    parse_tolerance(s).ok_or_else(|| {
        bad(format!("slippage {s:?}: write a percentage (\"1%\") or basis points (\"50 bps\"), at most 100 %"))
    })
}

impl BundleSpec {
    /// Whether the spec needs live state: calls, leg actions, variables or an objective.
    pub fn needs_market(&self) -> bool {
        !self.calls.is_empty()
            || !self.variables.is_empty()
            || self.objective.is_some()
            || self.legs.iter().any(|l| l.action.is_some())
    }

    fn var_names(&self) -> Vec<String> {
        self.variables.iter().map(|v| v.name.clone()).collect()
    }

    /// What a market must hold to plan this spec: its pools, the balances of every party that
    /// spends (calls and locks), the gas prices of the chains it pays gas on.
    pub fn market_needs(&self, d: &dyn Directory) -> Needs {
        let mut n = Needs::default();
        for c in &self.calls {
            n.gas(&c.chain);
            let Some(who) = d.account(&c.chain, &c.party) else { continue };
            let tok = |s: &str| d.token(&c.chain, s).map(|t| Some(t.address));
            if let Some(s) = &c.swap {
                if let Some(p) = account(d, &c.chain, &s.pool) {
                    n.pool(&c.chain, &p);
                }
                if let Some(t) = tok(&s.sell) {
                    n.balance(&c.chain, &t, &who);
                }
            }
            if let Some(t) = c.deposit.as_ref().and_then(|x| tok(&x.token)) {
                n.balance(&c.chain, &t, &who);
            }
            if let Some(call) = &c.call {
                if let Some(t) = call.spends.as_ref().and_then(|x| tok(&x.token)) {
                    n.balance(&c.chain, &t, &who);
                }
                if call.value.is_some() {
                    n.balance(&c.chain, &None, &who);
                }
            }
        }
        for l in &self.legs {
            n.gas(&l.chain);
            if let (Some(who), Some(t)) = (account(d, &l.chain, &l.from), d.token(&l.chain, &l.token)) {
                n.balance(&l.chain, &Some(t.address), &who);
            }
            if let Some(p) = l.action.as_ref().and_then(|a| a.swap.as_ref()).and_then(|s| account(d, &l.chain, &s.pool))
            {
                n.pool(&l.chain, &p);
            }
        }
        if let Some(o) = &self.objective {
            for c in d.chains() {
                if let Some(p) = account(d, &c.name, &o.gas_pool) {
                    n.pool(&c.name, &p);
                }
            }
        }
        n
    }

    /// Resolves every name of the spec's live parts and reads their state from `m`.
    pub(crate) fn resolve(&self, d: &dyn Directory, m: &dyn Market) -> Result<Resolved, SpecError> {
        let vars = self.var_names();
        let chains = d.chains();
        let chain = |name: &str, bad: &dyn Fn(String) -> SpecError| {
            chains.iter().find(|c| c.name == name).cloned().ok_or_else(|| bad(format!("unknown chain {name:?}")))
        };
        let mut grids = Vec::new();
        for (i, v) in self.variables.iter().enumerate() {
            let bad = |detail: String| SpecError::BadVariable { name: v.name.clone(), detail };
            if !v.name.starts_with(|c: char| c.is_ascii_alphabetic())
                || !v.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || vars[..i].contains(&v.name)
            {
                return Err(bad("names are letters, digits and _, each used once".into()));
            }
            chain(&v.chain, &bad)?;
            let t = token(d, &v.chain, &v.token, &bad)?;
            let p = |s: &str| parse_signed(s, Some(&t.unit)).map_err(|e| bad(e.to_string()));
            let (min, max, step) = (p(&v.min)?, p(&v.max)?, p(&v.step)?);
            if step <= 0 || min > max || min <= 0 {
                return Err(bad("needs 0 < min ≤ max and step > 0".into()));
            }
            grids.push((v.name.clone(), min, max, step, t.unit));
        }
        let count = grids.iter().try_fold(1u64, |acc, g| acc.checked_mul(((g.2 - g.1) / g.3 + 1) as u64));
        if count.is_none_or(|c| c > MAX_CANDIDATES) {
            return Err(SpecError::BadVariable {
                name: vars.join(", "),
                detail: format!("more than {MAX_CANDIDATES} candidates: give a coarser step or a narrower range"),
            });
        }
        if !grids.is_empty() && self.objective.is_none() {
            return Err(SpecError::BadVariable {
                name: vars.join(", "),
                detail: "variables need an [objective] to choose them".into(),
            });
        }

        let mut calls = Vec::new();
        for (i, c) in self.calls.iter().enumerate() {
            let bad = |detail: String| SpecError::BadCall { call: i, detail };
            chain(&c.chain, &bad)?;
            let account = d
                .account(&c.chain, &c.party)
                .ok_or_else(|| bad(format!("party {:?} has no account on {}", c.party, c.chain)))?;
            let kind = match (&c.swap, &c.deposit, &c.call) {
                (Some(s), None, None) => {
                    let (amount, exact_out) = match (&s.amount_in, &s.amount_out) {
                        (Some(a), None) => (a, false),
                        (None, Some(a)) => (a, true),
                        _ => return Err(bad("a swap gives exactly one of amount_in and amount_out".into())),
                    };
                    let (sell, buy) = (token(d, &c.chain, &s.sell, &bad)?, token(d, &c.chain, &s.buy, &bad)?);
                    let unit = if exact_out { &buy.unit } else { &sell.unit };
                    let amount = Expr::parse(amount, Some(unit), &vars).map_err(|e| bad(e.to_string()))?;
                    let pool = pool(d, m, &c.chain, &s.pool, &bad)?;
                    pair(&pool, &sell, &buy, &bad)?;
                    RCallKind::Swap { pool, sell, buy, amount, exact_out, tolerance: tolerance(&s.slippage, &bad)? }
                }
                (None, Some(x), None) => {
                    let token = token(d, &c.chain, &x.token, &bad)?;
                    let amount = Expr::parse(&x.amount, Some(&token.unit), &vars).map_err(|e| bad(e.to_string()))?;
                    let contract = account_of(d, &c.chain, &x.contract, &bad)?;
                    RCallKind::Deposit { contract, token, amount }
                }
                (None, None, Some(x)) => {
                    let target = account_of(d, &c.chain, &x.contract, &bad)?;
                    let enc = Encoded::resolve(d, &c.chain, &x.signature, &x.args, &vars, &bad)?;
                    let value = x
                        .value
                        .as_ref()
                        .map(|v| Expr::parse(v, None, &vars).map_err(|e| bad(e.to_string())))
                        .transpose()?;
                    let ta = |t: &Option<TokenAmount>| -> Result<Option<(TokenEntry, Expr)>, SpecError> {
                        t.as_ref()
                            .map(|t| {
                                let tok = token(d, &c.chain, &t.token, &bad)?;
                                let e =
                                    Expr::parse(&t.amount, Some(&tok.unit), &vars).map_err(|e| bad(e.to_string()))?;
                                Ok((tok, e))
                            })
                            .transpose()
                    };
                    RCallKind::Call { target, enc, value, spends: ta(&x.spends)?, produces: ta(&x.produces)? }
                }
                _ => return Err(bad("give exactly one of swap, deposit, call".into())),
            };
            let gas = c.gas.unwrap_or(match kind {
                RCallKind::Swap { .. } => gas::SWAP,
                _ => gas::CALL,
            });
            let about = c.about.clone().unwrap_or_else(|| format!("{}'s call {i} on {}", c.party, c.chain));
            calls.push(RCall { about, party: c.party.clone(), account, chain: c.chain.clone(), kind, gas });
        }

        let mut legs = Vec::new();
        for (i, l) in self.legs.iter().enumerate() {
            let bad = |detail: String| SpecError::BadAction { leg: i, detail };
            let ch = chain(&l.chain, &|_| SpecError::UnknownChain {
                leg: i,
                chain: l.chain.clone(),
                known: chains.iter().map(|e| e.name.clone()).collect::<Vec<_>>().join(", "),
            })?;
            let tok = d.token(&l.chain, &l.token).ok_or_else(|| SpecError::UnknownToken {
                leg: i,
                token: l.token.clone(),
                chain: l.chain.clone(),
            })?;
            let amount = Expr::parse(&l.amount, Some(&tok.unit), &vars).map_err(|source| SpecError::BadAmount {
                leg: i,
                amount: l.amount.clone(),
                source,
            })?;
            let recipient = account(d, &l.chain, &l.to).ok_or_else(|| SpecError::UnknownParty {
                leg: i,
                what: "recipient",
                name: l.to.clone(),
            })?;
            let action = match &l.action {
                None => None,
                Some(a) => {
                    let kind = match (&a.swap, &a.call) {
                        (Some(s), None) => {
                            let buy = token(d, &l.chain, &s.buy, &bad)?;
                            let pool = pool(d, m, &l.chain, &s.pool, &bad)?;
                            pair(&pool, &tok, &buy, &bad)?;
                            RActionKind::Swap { pool, buy, tolerance: tolerance(&s.slippage, &bad)? }
                        }
                        (None, Some(c)) => {
                            let output = token(d, &l.chain, &c.output_token, &bad)?;
                            let min_out =
                                Expr::parse(&c.min_out, Some(&output.unit), &vars).map_err(|e| bad(e.to_string()))?;
                            RActionKind::Call {
                                target: account_of(d, &l.chain, &c.contract, &bad)?,
                                enc: Encoded::resolve(d, &l.chain, &c.signature, &c.args, &vars, &bad)?,
                                output,
                                min_out,
                            }
                        }
                        _ => return Err(bad("give exactly one of swap, call".into())),
                    };
                    Some((kind, a.gas_limit.unwrap_or(DEFAULT_ACTION_GAS)))
                }
            };
            legs.push(RLeg {
                chain: ch,
                token: tok,
                from: l.from.clone(),
                to: l.to.clone(),
                recipient,
                amount,
                action,
            });
        }

        let mut gas_prices = BTreeMap::new();
        for c in self.calls.iter().map(|c| &c.chain).chain(self.legs.iter().map(|l| &l.chain)) {
            let p = m.gas_price(c).ok_or_else(|| SpecError::Market(format!("no gas price of {c}")))?;
            gas_prices.insert(c.clone(), p);
        }

        let objective = match &self.objective {
            None => None,
            Some(o) => {
                let bad = |detail: String| SpecError::BadObjective(detail);
                let mut pricing = BTreeMap::new();
                let mut unit = None;
                for c in gas_prices.keys() {
                    let native = token(d, c, &o.native, &bad)?;
                    let t = token(d, c, &o.token, &bad)?;
                    if unit.as_ref().is_some_and(|u: &Unit| *u != t.unit) {
                        return Err(bad(format!("{} has different decimals on different chains", o.token)));
                    }
                    unit = Some(t.unit.clone());
                    let p = pool(d, m, c, &o.gas_pool, &bad)?;
                    pair(&p, &native, &t, &bad)?;
                    pricing.insert(c.clone(), (native.address, p, t.address));
                }
                let unit = match unit {
                    Some(u) => u,
                    None => d
                        .chains()
                        .iter()
                        .find_map(|c| d.token(&c.name, &o.token))
                        .map(|t| t.unit)
                        .ok_or_else(|| bad(format!("no chain has token {}", o.token)))?,
                };
                let at_least = o
                    .at_least
                    .as_ref()
                    .map(|a| parse_signed(a, Some(&unit)).map_err(|e| bad(e.to_string())))
                    .transpose()?
                    .unwrap_or(0);
                Some(RObjective { party: o.party.clone(), token: o.token.clone(), unit, at_least, pricing })
            }
        };
        Ok(Resolved { legs, calls, grids, objective, gas_prices })
    }
}

fn account_of(
    d: &dyn Directory,
    chain: &str,
    name: &str,
    bad: &dyn Fn(String) -> SpecError,
) -> Result<AccountId, SpecError> {
    account(d, chain, name).ok_or_else(|| bad(format!("{name:?} is no party, contract or token of {chain}")))
}

fn pair(p: &RPool, a: &TokenEntry, b: &TokenEntry, bad: &dyn Fn(String) -> SpecError) -> Result<(), SpecError> {
    let s = &p.state;
    let ok = (s.token0 == a.address && s.token1 == b.address) || (s.token1 == a.address && s.token0 == b.address);
    if ok {
        Ok(())
    } else {
        Err(bad(format!("the pool does not trade {} for {}", a.unit.symbol, b.unit.symbol)))
    }
}

fn evm(a: &AccountId) -> Address {
    a.to_evm().unwrap_or_default()
}

fn u(v: i128) -> U256 {
    U256::from(v.max(0) as u128)
}

fn i(v: U256) -> i128 {
    i128::try_from(v).unwrap_or(i128::MAX)
}

/// One swap's numbers: ideal, quote, min_out, slippage.
fn check(
    pool: &RPool,
    sell: &TokenEntry,
    buy: &TokenEntry,
    amount_in: U256,
    tolerance: u32,
    about: &str,
    chain: &str,
) -> Result<SwapCheck, String> {
    let quote = pool.state.amount_out(&sell.address, amount_in).map_err(|e| format!("{about}: {e}"))?;
    let ideal = pool.state.mid_value(&sell.address, amount_in).map_err(|e| format!("{about}: {e}"))?;
    let min_out = ideal * U256::from(10_000 - tolerance) / U256::from(10_000);
    let short = ideal.saturating_sub(quote);
    let slippage_bps = if ideal.is_zero() {
        0
    } else {
        u32::try_from((short * U256::from(10_000)).div_ceil(ideal)).unwrap_or(u32::MAX)
    };
    Ok(SwapCheck {
        about: about.into(),
        chain: chain.into(),
        amount_in,
        sell: sell.unit.symbol.clone(),
        buy: buy.unit.symbol.clone(),
        ideal,
        quote,
        min_out,
        slippage_bps,
        tolerance_bps: tolerance,
        unit_in: sell.unit.clone(),
        unit_out: buy.unit.clone(),
    })
}

impl Resolved {
    /// Every candidate assignment, in grid order.
    pub fn candidates(&self) -> Vec<BTreeMap<String, i128>> {
        let mut out = vec![BTreeMap::new()];
        for (name, min, max, step, _) in &self.grids {
            let mut next = Vec::new();
            for base in &out {
                let mut v = *min;
                while v <= *max {
                    let mut a = base.clone();
                    a.insert(name.clone(), v);
                    next.push(a);
                    v += step;
                }
            }
            out = next;
        }
        out
    }

    pub fn units(&self) -> Vec<(String, Unit)> {
        self.grids.iter().map(|g| (g.0.clone(), g.4.clone())).collect()
    }

    /// Prices one candidate; `Err` when a pool cannot quote it at all (e.g. more than its
    /// reserve).
    pub fn price(&self, vars: &BTreeMap<String, i128>) -> Result<Priced, String> {
        let legs: Vec<i128> = self.legs.iter().map(|l| l.amount.eval(vars)).collect();
        if let Some(i) = legs.iter().position(|a| *a <= 0) {
            return Err(format!("leg {i}'s amount is {} at this size", legs[i]));
        }
        let mut swaps = Vec::new();
        let mut calls = Vec::new();
        let mut gas_by: BTreeMap<(String, String), u64> = BTreeMap::new();
        for c in &self.calls {
            let (approve, target, data, value, spends, produces) = match &c.kind {
                RCallKind::Swap { pool, sell, buy, amount, exact_out, tolerance } => {
                    let a = u(amount.eval(vars));
                    let amount_in = if *exact_out {
                        pool.state.amount_in(&sell.address, a).map_err(|e| format!("{}: {e}", c.about))?
                    } else {
                        a
                    };
                    let sc = check(pool, sell, buy, amount_in, *tolerance, &c.about, &c.chain)?;
                    // exact output: the call must give what the plan needs, or revert
                    let min_out = if *exact_out { a } else { sc.min_out };
                    let out = if *exact_out { a } else { sc.quote };
                    let data = swapExactInCall {
                        tokenIn: evm(&sell.address),
                        amountIn: amount_in,
                        minOut: min_out,
                        to: evm(&c.account),
                    };
                    swaps.push(sc);
                    (
                        Some(Approve {
                            token: sell.address,
                            spender: pool.address,
                            amount: amount_in.saturating_to::<u128>(),
                        }),
                        pool.address,
                        alloy_sol_types::SolCall::abi_encode(&data),
                        0,
                        vec![(Some(sell.address), sell.unit.clone(), amount_in.saturating_to::<u128>())],
                        vec![(Some(buy.address), buy.unit.clone(), out.saturating_to::<u128>())],
                    )
                }
                RCallKind::Deposit { contract, token, amount } => {
                    let a = amount.eval(vars).max(0) as u128;
                    let data = depositCall { token: evm(&token.address), amount: U256::from(a) };
                    (
                        Some(Approve { token: token.address, spender: *contract, amount: a }),
                        *contract,
                        alloy_sol_types::SolCall::abi_encode(&data),
                        0,
                        vec![(Some(token.address), token.unit.clone(), a)],
                        vec![],
                    )
                }
                RCallKind::Call { target, enc, value, spends, produces } => {
                    let data = enc.encode(vars).map_err(|e| format!("{}: {e}", c.about))?;
                    let value = value.as_ref().map(|v| v.eval(vars).max(0) as u128).unwrap_or(0);
                    let sp =
                        spends.as_ref().map(|(t, e)| (Some(t.address), t.unit.clone(), e.eval(vars).max(0) as u128));
                    let mut spent: Vec<_> = sp.clone().into_iter().collect();
                    if value > 0 {
                        spent.push((None, Unit::new("native", 18), value));
                    }
                    (
                        sp.map(|(t, _, a)| Approve { token: t.unwrap_or_default(), spender: *target, amount: a }),
                        *target,
                        data,
                        value,
                        spent,
                        produces
                            .iter()
                            .map(|(t, e)| (Some(t.address), t.unit.clone(), e.eval(vars).max(0) as u128))
                            .collect(),
                    )
                }
            };
            *gas_by.entry((c.party.clone(), c.chain.clone())).or_default() +=
                c.gas + if approve.is_some() { gas::APPROVE } else { 0 };
            calls.push(PricedCall {
                planned: PlannedCall {
                    about: c.about.clone(),
                    chain: c.chain.clone(),
                    party: c.party.clone(),
                    approve,
                    target,
                    data,
                    value,
                },
                account: c.account,
                spends,
                produces,
            });
        }
        let mut actions = Vec::new();
        let mut action_about = Vec::new();
        // what each leg's recipient receives on COMMIT: (symbol, amount)
        let mut receipts = Vec::new();
        for (idx, (l, amount)) in self.legs.iter().zip(&legs).enumerate() {
            let lock_gas = if l.action.is_some() { gas::LOCK_ACTION } else { gas::LOCK };
            *gas_by.entry((l.from.clone(), l.chain.name.clone())).or_default() += lock_gas + gas::APPROVE;
            match &l.action {
                None => {
                    actions.push(None);
                    action_about.push(None);
                    receipts.push((l.token.unit.symbol.clone(), *amount));
                }
                Some((RActionKind::Swap { pool, buy, tolerance }, gas_limit)) => {
                    let about =
                        format!("leg {idx}'s sale of {} for {} on COMMIT", l.token.unit.symbol, buy.unit.symbol);
                    let sc = check(pool, &l.token, buy, u(*amount), *tolerance, &about, &l.chain.name)?;
                    let data = swapExactInCall {
                        tokenIn: evm(&l.token.address),
                        amountIn: u(*amount),
                        minOut: sc.min_out,
                        to: evm(&l.recipient),
                    };
                    actions.push(Some(mesh_protocol::Action {
                        target: pool.address,
                        data: HexBytes(alloy_sol_types::SolCall::abi_encode(&data)),
                        output_token: buy.address,
                        min_out: mesh_protocol::Amount(sc.min_out),
                        gas_limit: *gas_limit,
                    }));
                    action_about.push(Some(format!(
                        "on COMMIT sells {} on the pool for ≥ {} (quote {})",
                        show_u(u(*amount), &l.token.unit),
                        show_u(sc.min_out, &buy.unit),
                        show_u(sc.quote, &buy.unit)
                    )));
                    receipts.push((buy.unit.symbol.clone(), i(sc.quote)));
                    swaps.push(sc);
                }
                Some((RActionKind::Call { target, enc, output, min_out }, gas_limit)) => {
                    let min_out = u(min_out.eval(vars));
                    let data = enc.encode(vars).map_err(|e| format!("leg {idx}'s action: {e}"))?;
                    actions.push(Some(mesh_protocol::Action {
                        target: *target,
                        data: HexBytes(data),
                        output_token: output.address,
                        min_out: mesh_protocol::Amount(min_out),
                        gas_limit: *gas_limit,
                    }));
                    action_about.push(Some(format!(
                        "on COMMIT calls {} for ≥ {}",
                        enc.func.signature(),
                        show_u(min_out, &output.unit)
                    )));
                    receipts.push((output.unit.symbol.clone(), i(min_out)));
                }
            }
        }
        let mut gas = Vec::new();
        for ((party, chain), g) in gas_by {
            let price = self.gas_prices[&chain];
            let native = u128::from(g) * price;
            let valued = match &self.objective {
                Some(o) if o.party == party => {
                    let (n, p, _) = &o.pricing[&chain];
                    Some(if native == 0 {
                        0
                    } else {
                        i(p.state.mid_value(n, U256::from(native)).map_err(|e| e.to_string())?)
                    })
                }
                _ => None,
            };
            gas.push(GasCost { party, chain, gas: g, price, native, valued });
        }
        let objective = self.objective.as_ref().map(|o| {
            let mut gross = 0i128;
            for (idx, l) in self.legs.iter().enumerate() {
                if l.to == o.party && receipts[idx].0 == o.token {
                    gross += receipts[idx].1;
                }
                if l.from == o.party && l.token.unit.symbol == o.token {
                    gross -= legs[idx];
                }
            }
            for c in calls.iter().filter(|c| c.planned.party == o.party) {
                gross -= c
                    .spends
                    .iter()
                    .filter(|s| s.1.symbol == o.token && s.0.is_some())
                    .map(|s| s.2 as i128)
                    .sum::<i128>();
                gross += c.produces.iter().filter(|s| s.1.symbol == o.token).map(|s| s.2 as i128).sum::<i128>();
            }
            let g: i128 = gas.iter().filter_map(|g| g.valued).sum();
            ObjectiveOutcome {
                party: o.party.clone(),
                token: o.token.clone(),
                gross,
                gas: g,
                net: gross - g,
                at_least: o.at_least,
                unit: o.unit.clone(),
            }
        });
        let units = self.legs.iter().map(|l| l.token.unit.clone()).collect();
        Ok(Priced { vars: vars.clone(), legs, units, calls, actions, action_about, swaps, gas, objective })
    }
}
