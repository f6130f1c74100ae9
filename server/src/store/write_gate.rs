//! 写入闸 — on SQLite, changes take their turn to write in the order they asked.
//!
//! SQLite has one writer at a time. A connection that finds the write lock taken waits in its
//! busy handler, which sleeps and tries again rather than queueing: while the group-commit
//! writer takes the lock again the moment it commits (a flood of submissions), a sign-in's
//! change kept losing the race and its commit waited seconds (sign-ins beside a flood of
//! submissions went from 46 to 25 a second, p99 3.0 s; BENCHMARKS.md). Here every unit of work
//! on SQLite first takes this gate, a FIFO lock (`tokio::sync::Mutex` grants in the order asked),
//! and holds it until it commits or is dropped, so a change waits for the changes that asked
//! before it, at most one group of submissions, and never for one that asked after. A write
//! made outside a unit of work (a session's touch, a failed sign-in, a text message's code, a
//! draft, a token's last use) takes a turn too, through `Store::write_turn`: one that did not
//! raced the writer as a sign-in's change once did.
//!
//! PostgreSQL has no gate: its writers lock rows, not the database.
//!
//! A unit of work must not begin another while it is open: the second would wait for the gate
//! the first holds. None does (each `begin` call site was checked when the gate came in), and
//! should one ever, the wait ends after [`PATIENCE`] with a warning and the change goes on
//! without the gate, as it would have before there was one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a change waits for its turn before it goes on without one: SQLite's busy timeout,
/// which is how long it would have waited for the write lock itself.
pub(super) const PATIENCE: Duration = Duration::from_secs(5);

/// The gate; cloning it gives another handle to the same one.
#[derive(Clone, Debug, Default)]
pub(super) struct WriteGate(Option<Arc<Mutex<()>>>);

/// A turn to write, held until dropped.
#[derive(Debug)]
pub(super) struct Turn {
    /// Held for its drop; `None` without a gate, or when the wait ran out.
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteGate {
    /// The gate of a SQLite database.
    pub(super) fn sqlite() -> Self {
        Self(Some(Arc::new(Mutex::new(()))))
    }

    /// No gate (PostgreSQL): every turn is given at once.
    pub(super) fn none() -> Self {
        Self(None)
    }

    /// Waits for this change's turn.
    pub(super) async fn turn(&self) -> Turn {
        self.turn_within(PATIENCE).await
    }

    async fn turn_within(&self, patience: Duration) -> Turn {
        let Some(gate) = &self.0 else { return Turn { _guard: None } };
        let asked = Instant::now();
        let turn = match tokio::time::timeout(patience, Arc::clone(gate).lock_owned()).await {
            Ok(guard) => Some(guard),
            Err(_) => {
                tracing::warn!(waited_ms = patience.as_millis(), "no turn at the write gate; writing without one");
                None
            }
        };
        metrics::histogram!("yiwang_sqlite_write_gate_wait_seconds").record(asked.elapsed().as_secs_f64());
        Turn { _guard: turn }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_are_given_in_the_order_they_were_asked_for() {
        let gate = WriteGate::sqlite();
        let first = gate.turn().await;
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for i in 0..5 {
            let (gate, order) = (gate.clone(), Arc::clone(&order));
            waiting.push(tokio::spawn(async move {
                let _turn = gate.turn().await;
                order.lock().expect("not poisoned").push(i);
                tokio::task::yield_now().await;
            }));
            // Each asks before the next one does.
            tokio::task::yield_now().await;
        }
        assert!(order.lock().expect("not poisoned").is_empty(), "nobody writes while a turn is held");
        drop(first);
        for w in waiting {
            w.await.expect("the task ends");
        }
        assert_eq!(*order.lock().expect("not poisoned"), vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn a_turn_not_given_within_the_patience_goes_on_without_the_gate() {
        let gate = WriteGate::sqlite();
        let _held = gate.turn().await;
        let patience = Duration::from_millis(50);
        let asked = Instant::now();
        let turn = gate.turn_within(patience).await;
        assert!(turn._guard.is_none(), "it writes without a turn");
        assert!(asked.elapsed() >= patience, "it waited its patience first");
    }

    #[tokio::test]
    async fn without_a_gate_every_turn_is_given_at_once() {
        let gate = WriteGate::none();
        let _held = gate.turn().await;
        let second = tokio::time::timeout(Duration::from_secs(1), gate.turn()).await;
        assert!(second.is_ok_and(|t| t._guard.is_none()), "given at once, while another is held");
    }
}
