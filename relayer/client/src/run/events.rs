//! What `mesh bundle run` tells: one JSON object per line (`--json`, and whenever stdout is not
//! a terminal), or progress bars on a terminal.
use std::io::Write;

use indicatif::{ProgressBar, ProgressStyle};
use mesh_protocol::Hash32;
use serde::Serialize;

use super::store::StepEnd;
use super::Balance;

/// One thing that happened. As JSON: `{"event":"tx_sent","step":3,…}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run began (`resumed`: from a state file, with `state` steps already finished).
    Started {
        bundle_id: Hash32,
        steps: usize,
        resumed: bool,
        state: usize,
    },
    StepStarted {
        step: usize,
        action: String,
        actor: String,
    },
    /// A transaction was broadcast (`resent`: the stored one, again, after a restart).
    TxSent {
        step: usize,
        chain: String,
        about: String,
        hash: Hash32,
        resent: bool,
    },
    TxConfirmed {
        step: usize,
        chain: String,
        hash: Hash32,
        block: u64,
    },
    /// The run waits for a step others take (a party, the relayers, the hub).
    Waiting {
        step: usize,
        action: String,
        actor: String,
        deadline: Option<u64>,
    },
    StepDone {
        step: usize,
        action: String,
        end: StepEnd,
        note: String,
    },
    Registered {
        bundle_id: Hash32,
    },
    Verdict {
        verdict: &'static str,
    },
    /// The run delivered the verdict itself (the relayers had not).
    Delivered {
        chain: String,
        legs: usize,
    },
    /// The run refunded escrowed legs itself (`refundExpired`).
    Refunded {
        chain: String,
        legs: usize,
    },
    Balances {
        balances: Vec<Balance>,
    },
    Note {
        text: String,
    },
    Outcome {
        outcome: &'static str,
        bundle_id: Hash32,
        code: i32,
    },
}

/// Where events go.
pub trait Events {
    fn emit(&mut self, e: &Event);
}

/// One JSON object per line on a writer (stdout), flushed at once so a reader sees each event
/// as it happens.
pub struct JsonLines<W: Write>(pub W);

impl<W: Write> Events for JsonLines<W> {
    fn emit(&mut self, e: &Event) {
        if let Ok(line) = serde_json::to_string(e) {
            let _ = writeln!(self.0, "{line}");
            let _ = self.0.flush();
        }
    }
}

/// A progress bar of the steps on a terminal, with the latest event as its message and the
/// lasting ones (steps done, verdict, outcome) printed above it.
pub struct Bars {
    bar: ProgressBar,
}

impl Bars {
    pub fn new() -> Bars {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} steps  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Bars { bar }
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::new()
    }
}

impl Events for Bars {
    fn emit(&mut self, e: &Event) {
        match e {
            Event::Started { bundle_id, steps, resumed, state } => {
                self.bar.set_length(*steps as u64);
                self.bar.set_position(*state as u64);
                let how = if *resumed { "resuming" } else { "running" };
                self.bar.println(format!("{how} bundle {bundle_id} ({steps} steps)"));
            }
            Event::StepStarted { step, action, actor } => {
                self.bar.set_message(format!("step {step}: {actor} {action}"))
            }
            Event::TxSent { step, about, hash, resent, .. } => {
                let again = if *resent { " again" } else { "" };
                self.bar.set_message(format!("step {step}: {about}: sent{again} {hash}"))
            }
            Event::TxConfirmed { step, chain, block, .. } => {
                self.bar.set_message(format!("step {step}: mined on {chain} in block {block}"))
            }
            Event::Waiting { step, action, actor, .. } => {
                self.bar.set_message(format!("step {step}: waiting for {actor} ({action})"))
            }
            Event::StepDone { step, action, note, .. } => {
                self.bar.inc(1);
                self.bar.println(format!("  ✓ step {step} {action}: {note}"));
            }
            Event::Registered { bundle_id } => self.bar.println(format!("  registered {bundle_id}")),
            Event::Verdict { verdict } => self.bar.println(format!("  verdict {verdict}")),
            Event::Delivered { chain, legs } => self.bar.println(format!("  delivered {legs} leg(s) on {chain}")),
            Event::Refunded { chain, legs } => self.bar.println(format!("  refunded {legs} leg(s) on {chain}")),
            Event::Balances { balances } => {
                for b in balances {
                    self.bar.println(format!("  {} on {}: {} {} (base units)", b.party, b.chain, b.amount, b.token));
                }
            }
            Event::Note { text } => self.bar.println(format!("  note: {text}")),
            Event::Outcome { outcome, bundle_id, .. } => {
                self.bar.finish_with_message(format!("{bundle_id}: {outcome}"));
            }
        }
    }
}
