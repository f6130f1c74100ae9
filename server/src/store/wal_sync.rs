//! 落盘 — on SQLite, making the group-commit writer's commits durable off its path.
//!
//! A group of submissions is acknowledged only once its commit is on disk. SQLite's
//! `synchronous = FULL` gets there by an fsync of the write-ahead log inside each commit, and
//! the writer, one at a time, waited for it: about a third of each group's time (4 ms of 13 at
//! the peak, measured with `strace -T`; BENCHMARKS.md). Here the writer's connection commits
//! with `synchronous = NORMAL` (the commit's pages are written to the log, not yet fsynced) and
//! goes on to the next group, while the submission writer's sync task fsyncs the log and only
//! then answers the group's applicants ([`crate::applying::writer`]). An fsync begun after a
//! commit returned covers that commit's pages, and one fsync serves every group committed
//! before it began.
//!
//! What a crash can do is unchanged: an acknowledged submission's pages were fsynced before
//! its answer was sent; one whose commit had not reached the disk was never acknowledged, and
//! SQLite drops a commit whose pages are incomplete when it recovers the log (its frames carry
//! checksums). The log's pages before a checkpoint restarts it are fsynced by the checkpoint,
//! which in WAL mode with `synchronous = NORMAL` syncs the log before copying it and the
//! database file after.

use std::fs::File;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The write-ahead log of one database file, to fsync.
#[derive(Debug)]
pub struct WalSync {
    /// The log: the database file's name and `-wal`.
    wal: PathBuf,
    /// The directory holding it.
    dir: PathBuf,
    /// The log file (by inode) whose directory entry was last made durable: a log SQLite made
    /// anew needs its entry in the directory fsynced once, as SQLite does for a file it creates.
    entry_synced: Mutex<Option<u64>>,
}

impl WalSync {
    /// The log of the database file `database`.
    pub(super) fn of(database: &Path) -> Self {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        // A bare file name (`sqlite:yiwang.db`) has an empty parent: the working directory.
        let dir = database
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Self { wal: PathBuf::from(wal), dir, entry_synced: Mutex::new(None) }
    }

    /// Fsyncs the log: every commit that returned before this began is then on disk. Blocks;
    /// run it off the async threads.
    pub fn sync(&self) -> std::io::Result<()> {
        let log = File::open(&self.wal)?;
        // `fdatasync`, as SQLite syncs its log: the pages and the file's length, not its times.
        log.sync_data()?;
        let inode = log.metadata()?.ino();
        let mut synced = self.entry_synced.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *synced != Some(inode) {
            File::open(&self.dir)?.sync_all()?;
            *synced = Some(inode);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_the_database_files_name_and_wal_beside_it() {
        let sync = WalSync::of(Path::new("/data/yiwang/yiwang.db"));
        assert_eq!(sync.wal, Path::new("/data/yiwang/yiwang.db-wal"));
        assert_eq!(sync.dir, Path::new("/data/yiwang"));
    }

    #[test]
    fn a_bare_file_names_log_is_in_the_working_directory() {
        let sync = WalSync::of(Path::new("yiwang.db"));
        assert_eq!(sync.wal, Path::new("yiwang.db-wal"));
        assert_eq!(sync.dir, Path::new("."), "a directory that opens, not an empty path");
    }

    #[test]
    fn a_missing_log_is_an_error_never_taken_for_durable() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let sync = WalSync::of(&dir.path().join("yiwang.db"));
        assert!(sync.sync().is_err(), "no log to fsync: the group is not known to be on disk");
        std::fs::write(dir.path().join("yiwang.db-wal"), b"frames").expect("a log");
        sync.sync().expect("the log fsyncs");
    }
}
