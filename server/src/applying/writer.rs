//! 受理写入 — one writer task per node that commits submissions in groups: it takes every
//! submission waiting and writes them as one unit of work ([`Store::write_submissions`]: each
//! in its own savepoint, so one bad submission does not sink the others), and answers each
//! only after the commit is durable. One fsync then serves a whole group, which is what lets a
//! node take thousands of submissions a second.
//!
//! On SQLite the fsync is not the writer's: a sync task of its own fsyncs the write-ahead log
//! after the commits and then answers their applicants, while the writer goes on to the next
//! group ([`crate::store::WalSync`]). A group committed while an fsync is under way waits for
//! the next one, which serves every group committed meanwhile.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use crate::store::Store;
use crate::store::submissions::{Outcome, Submission};

/// The most submissions one transaction takes.
pub const MAX_GROUP: usize = 256;
/// Submissions that may wait for the writer before callers wait to enqueue.
const QUEUE: usize = 4096;

/// Where a submission's outcome is sent.
type Reply = oneshot::Sender<Result<Outcome, sqlx::Error>>;

struct Job {
    submission: Submission,
    reply: Reply,
}

/// A committed group's answers, waiting for the fsync that makes them true.
type Committed = Vec<(Reply, Result<Outcome, sqlx::Error>)>;

/// Makes every commit that returned before it began durable; blocks.
type SyncLog = Arc<dyn Fn() -> std::io::Result<()> + Send + Sync>;

/// The handle submissions are sent through.
#[derive(Clone, Debug)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<Job>,
}

impl SubmissionWriter {
    /// Starts the writer task on the store.
    pub fn start(store: Store) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let syncer = store.wal_sync().map(|wal| start_syncer(Arc::new(move || wal.sync())));
        tokio::spawn(run(store, jobs, syncer));
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

async fn run(store: Store, mut jobs: mpsc::Receiver<Job>, syncer: Option<mpsc::UnboundedSender<Committed>>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
        let size = group.len();
        let submissions: Vec<&Submission> = group.iter().map(|j: &Job| &j.submission).collect();
        let started = Instant::now();
        let written = store.write_submissions(&submissions).await;
        metrics::histogram!("yiwang_group_commit_size").record(size as f64);
        metrics::histogram!("yiwang_group_commit_seconds").record(started.elapsed().as_secs_f64());
        match written {
            Ok(outcomes) => {
                let committed: Committed = group.drain(..).map(|j| j.reply).zip(outcomes).collect();
                match &syncer {
                    Some(syncer) => {
                        if let Err(mpsc::error::SendError(committed)) = syncer.send(committed) {
                            answer_all_failed(committed, "the log's sync task has stopped");
                        }
                    }
                    None => answer(committed),
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

/// Starts the sync task: it takes every group committed since its last fsync, fsyncs, and
/// answers them. Its queue is unbounded, since what enters it is bounded by the writer's own
/// queue and the requests a node admits.
fn start_syncer(sync: SyncLog) -> mpsc::UnboundedSender<Committed> {
    let (syncer, committed) = mpsc::unbounded_channel();
    tokio::spawn(sync_then_answer(sync, committed));
    syncer
}

async fn sync_then_answer(sync: SyncLog, mut committed: mpsc::UnboundedReceiver<Committed>) {
    let mut groups = Vec::new();
    while committed.recv_many(&mut groups, usize::MAX).await > 0 {
        let started = Instant::now();
        let sync = Arc::clone(&sync);
        let synced = tokio::task::spawn_blocking(move || sync()).await;
        metrics::histogram!("yiwang_wal_sync_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("yiwang_wal_sync_groups").record(groups.len() as f64);
        let failure = match synced {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        for group in groups.drain(..) {
            match &failure {
                None => answer(group),
                Some(e) => {
                    tracing::error!(error = %e, "the write-ahead log could not be fsynced; the group is not acknowledged");
                    answer_all_failed(group, &format!("the commit could not be made durable: {e}"));
                }
            }
        }
    }
}

fn answer(committed: Committed) {
    for (reply, outcome) in committed {
        let _ = reply.send(outcome);
    }
}

fn answer_all_failed(committed: Committed, why: &str) {
    for (reply, _) in committed {
        let _ = reply.send(Err(sqlx::Error::Protocol(why.to_owned())));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// A sync that waits for the test's word before each fsync it stands for, and counts them.
    fn held_sync() -> (SyncLog, std::sync::mpsc::Sender<std::io::Result<()>>, Arc<AtomicUsize>) {
        let (go, word) = std::sync::mpsc::channel();
        let word = std::sync::Mutex::new(word);
        let begun = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&begun);
        let sync: SyncLog = Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            word.lock().expect("not poisoned").recv().expect("the test's word")
        });
        (sync, go, begun)
    }

    fn one_committed() -> (Committed, oneshot::Receiver<Result<Outcome, sqlx::Error>>) {
        let (reply, answer) = oneshot::channel();
        (vec![(reply, Ok(Outcome::Created))], answer)
    }

    async fn begun(count: &AtomicUsize, n: usize) {
        for _ in 0..200 {
            if count.load(Ordering::SeqCst) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("fsync {n} never began");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_is_answered_after_an_fsync_that_began_after_its_commit() {
        let (sync, go, count) = held_sync();
        let syncer = start_syncer(sync);
        let (first, mut first_answer) = one_committed();
        syncer.send(first).expect("the sync task runs");
        begun(&count, 1).await;
        // Committed while the first fsync is under way: that fsync may not cover it.
        let (second, mut second_answer) = one_committed();
        let (third, third_answer) = one_committed();
        syncer.send(second).expect("the sync task runs");
        syncer.send(third).expect("the sync task runs");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(first_answer.try_recv().is_err(), "nobody is answered before the fsync returns");

        go.send(Ok(())).expect("the fsync goes on");
        assert!(matches!(first_answer.await, Ok(Ok(Outcome::Created))), "answered after its fsync");
        begun(&count, 2).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(second_answer.try_recv().is_err(), "a group committed during an fsync waits for the next");

        go.send(Ok(())).expect("the fsync goes on");
        assert!(matches!(second_answer.await, Ok(Ok(Outcome::Created))));
        assert!(matches!(third_answer.await, Ok(Ok(Outcome::Created))), "one fsync serves both");
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_whose_fsync_fails_is_not_acknowledged() {
        let (sync, go, count) = held_sync();
        let syncer = start_syncer(sync);
        let (group, answer) = one_committed();
        syncer.send(group).expect("the sync task runs");
        begun(&count, 1).await;
        go.send(Err(std::io::Error::other("the disk is gone"))).expect("the fsync goes on");
        match answer.await.expect("an answer") {
            Err(e) => assert!(e.to_string().contains("could not be made durable"), "{e}"),
            Ok(outcome) => panic!("acknowledged without being on disk: {outcome:?}"),
        }
    }
}
