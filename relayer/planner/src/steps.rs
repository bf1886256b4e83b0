//! A plan as a coordination plan: the steps that run a bundle, who takes each, what each waits
//! for and by when. An executor (or a person following `mesh bundle plan`) runs a step once every
//! step it depends on is done; [`Steps::order`] gives one order that respects every dependency
//! and fails with the cycle if there is none.
use std::collections::BTreeMap;

use crate::spec::Plan;

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The creator registers the bundle on the hub (with its deposit).
    Register,
    /// A party's own transaction on a chain, outside the bundle, that produces what one of its
    /// legs locks (e.g. buying the repayment on a pool): `plan.calls[call]`.
    Call { call: usize },
    /// A depositor locks leg `leg` on its chain, before the lock deadline.
    Lock { leg: usize },
    /// The relayers report a chain's locks and the hub decides the verdict once every report's
    /// dispute window passed (COMMIT), or at the lock deadline with a leg missing (ABORT).
    Verdict,
    /// The verdict is delivered to one chain's Router (by the relayers' posters, or by anyone
    /// with `mesh bundle deliver`), settling that chain's legs.
    Deliver { chain: String },
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: usize,
    pub action: Action,
    /// Who takes the step (a party of the spec, "relayers", "anyone").
    pub actor: String,
    /// Steps that must be done first, by id.
    pub depends_on: Vec<usize>,
    /// Unix time by which the step must be done for the bundle to COMMIT (`None`: no deadline of
    /// its own).
    pub deadline: Option<u64>,
}

/// A plan's steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Steps(pub Vec<Step>);

/// A set of steps that cannot all run: a dependency on a step that does not exist, or a cycle.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepsError {
    #[error("step {step} depends on step {missing}, which does not exist")]
    UnknownDependency { step: usize, missing: usize },
    #[error("steps {0:?} depend on each other in a cycle")]
    Cycle(Vec<usize>),
}

impl Steps {
    /// The steps of `plan`: register and the parties' own calls, then every lock (each needs the
    /// registered bundle and its depositor's calls on that chain), then the verdict (it needs
    /// every lock), then one delivery per chain of the legs.
    pub fn of(plan: &Plan) -> Steps {
        let b = &plan.bundle;
        let mut steps = vec![Step {
            id: 0,
            action: Action::Register,
            actor: plan.creator_name.clone(),
            depends_on: vec![],
            deadline: Some(b.lock_deadline),
        }];
        // a party's own calls need nothing from the bundle; its locks on that chain wait for them
        let calls: Vec<usize> = (0..plan.calls.len())
            .map(|call| {
                let c = &plan.calls[call];
                steps.push(Step {
                    id: steps.len(),
                    action: Action::Call { call },
                    actor: c.party.clone(),
                    depends_on: vec![],
                    deadline: Some(b.lock_deadline),
                });
                steps.len() - 1
            })
            .collect();
        let first_lock = steps.len();
        for (leg, w) in plan.written.iter().enumerate() {
            // a mint or release leg locks nothing: its Router pays on COMMIT (protocol §13)
            if !b.legs[leg].kind.needs_lock() {
                continue;
            }
            let mut depends_on = vec![0];
            depends_on.extend(
                calls
                    .iter()
                    .zip(&plan.calls)
                    .filter(|(_, c)| c.party == w.from && c.chain == w.chain)
                    .map(|(id, _)| *id),
            );
            steps.push(Step {
                id: steps.len(),
                action: Action::Lock { leg },
                actor: w.from.clone(),
                depends_on,
                deadline: Some(b.lock_deadline),
            });
        }
        let locks: Vec<usize> = (first_lock..steps.len()).collect();
        let verdict = steps.len();
        steps.push(Step {
            id: verdict,
            action: Action::Verdict,
            actor: "relayers".into(),
            depends_on: locks,
            deadline: None,
        });
        let mut chains: Vec<&str> = plan.written.iter().map(|w| w.chain.as_str()).collect();
        chains.sort_unstable();
        chains.dedup();
        for chain in chains {
            steps.push(Step {
                id: steps.len(),
                action: Action::Deliver { chain: chain.to_string() },
                actor: "relayers, or anyone (mesh bundle deliver)".into(),
                depends_on: vec![verdict],
                deadline: Some(b.settle_deadline),
            });
        }
        Steps(steps)
    }

    /// One order of the steps in which each comes after everything it depends on (Kahn's
    /// algorithm, lowest id first among the ready ones).
    pub fn order(&self) -> Result<Vec<usize>, StepsError> {
        let ids: BTreeMap<usize, &Step> = self.0.iter().map(|s| (s.id, s)).collect();
        let mut waiting: BTreeMap<usize, usize> = BTreeMap::new();
        for s in &self.0 {
            for d in &s.depends_on {
                if !ids.contains_key(d) {
                    return Err(StepsError::UnknownDependency { step: s.id, missing: *d });
                }
            }
            waiting.insert(s.id, s.depends_on.len());
        }
        let mut done = Vec::with_capacity(self.0.len());
        while let Some(next) = waiting.iter().find(|(_, n)| **n == 0).map(|(id, _)| *id) {
            waiting.remove(&next);
            done.push(next);
            for s in self.0.iter().filter(|s| s.depends_on.contains(&next)) {
                if let Some(n) = waiting.get_mut(&s.id) {
                    *n -= s.depends_on.iter().filter(|d| **d == next).count();
                }
            }
        }
        if waiting.is_empty() {
            Ok(done)
        } else {
            Err(StepsError::Cycle(waiting.into_keys().collect()))
        }
    }

    /// The steps that can run once `done` are done (not done themselves).
    pub fn ready(&self, done: &[usize]) -> Vec<usize> {
        self.0
            .iter()
            .filter(|s| !done.contains(&s.id) && s.depends_on.iter().all(|d| done.contains(d)))
            .map(|s| s.id)
            .collect()
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Register => write!(f, "register the bundle on the hub"),
            Action::Call { call } => write!(f, "call {call}"),
            Action::Lock { leg } => write!(f, "lock leg {leg}"),
            Action::Verdict => write!(f, "reports, dispute windows, verdict on the hub"),
            Action::Deliver { chain } => write!(f, "deliver the verdict to {chain}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: usize, depends_on: &[usize]) -> Step {
        Step { id, action: Action::Verdict, actor: "x".into(), depends_on: depends_on.to_vec(), deadline: None }
    }

    #[test]
    fn an_order_puts_every_step_after_what_it_depends_on() {
        let s = Steps(vec![step(0, &[]), step(1, &[0]), step(2, &[0]), step(3, &[1, 2]), step(4, &[3])]);
        let order = s.order().unwrap();
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
        for st in &s.0 {
            let at = order.iter().position(|i| *i == st.id).unwrap();
            assert!(st.depends_on.iter().all(|d| order.iter().position(|i| i == d).unwrap() < at));
        }
        assert_eq!(s.ready(&[0]), vec![1, 2]);
        assert_eq!(s.ready(&[0, 1]), vec![2], "the verdict waits for every lock");
    }

    #[test]
    fn a_cycle_and_a_missing_dependency_are_refused_by_name() {
        let cycle = Steps(vec![step(0, &[]), step(1, &[2]), step(2, &[1])]);
        assert_eq!(cycle.order(), Err(StepsError::Cycle(vec![1, 2])));
        let missing = Steps(vec![step(0, &[7])]);
        assert_eq!(missing.order(), Err(StepsError::UnknownDependency { step: 0, missing: 7 }));
    }
}
