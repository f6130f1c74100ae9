//! 受理写入 — one writer task per node that commits submissions in groups: it takes every
//! submission waiting and writes them as one unit of work ([`Store::write_submissions`]: each
//! in its own savepoint, so one bad submission does not sink the others), and answers each
//! only after the commit is durable. One fsync then serves a whole group, which is what lets a
//! node take thousands of submissions a second.

use tokio::sync::{mpsc, oneshot};

use crate::store::Store;
use crate::store::submissions::{Outcome, Submission};

/// The most submissions one transaction takes.
pub const MAX_GROUP: usize = 256;
/// Submissions that may wait for the writer before callers wait to enqueue.
const QUEUE: usize = 4096;

struct Job {
    submission: Submission,
    reply: oneshot::Sender<Result<Outcome, sqlx::Error>>,
}

/// The handle submissions are sent through.
#[derive(Clone, Debug)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<Job>,
}

impl SubmissionWriter {
    /// Starts the writer task on the store.
    pub fn start(store: Store) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, jobs));
        Self { queue }
    }

    /// Submissions waiting for the writer.
    pub fn queue_depth(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Writes one submission with the next group, and answers once it is durable.
    pub async fn submit(&self, submission: Submission) -> Result<Outcome, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Job { submission, reply }).await.map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn run(store: Store, mut jobs: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
        let size = group.len();
        let submissions: Vec<&Submission> = group.iter().map(|j: &Job| &j.submission).collect();
        let started = std::time::Instant::now();
        let written = store.write_submissions(&submissions).await;
        metrics::histogram!("yiwang_group_commit_size").record(size as f64);
        metrics::histogram!("yiwang_group_commit_seconds").record(started.elapsed().as_secs_f64());
        match written {
            Ok(outcomes) => {
                for (job, outcome) in group.drain(..).zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, size, "submission group failed to commit");
                for job in group.drain(..) {
                    let _ = job.reply.send(Err(sqlx::Error::Protocol(format!("group commit failed: {e}"))));
                }
            }
        }
        tracing::debug!(size, "submission group committed");
    }
}
