//! 材料上传 — uploaded materials, streamed to disk while their SHA-256 is computed, checked by
//! their content signature (not their name), size-limited, and stored by content hash outside
//! any served folder. They are served back only to those allowed, as downloads.

use std::path::{Path, PathBuf};

use axum::body::Body;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};
use shared::application::{UPLOAD_MEDIA_TYPES, UploadReceipt, safe_file_name};
use tokio::io::AsyncWriteExt as _;

use super::content;
use super::error::ApplyingError;
use crate::auth::service::Session;
use crate::pii::hex;
use crate::store::applications::{ExpiredUploads, UploadAdmission, UploadLimits, UploadRow};

/// Uploads listed at most by [`App::my_uploads`].
const MY_UPLOADS_LIMIT: i64 = 200;

/// The folder uploaded files live in, under the data directory.
pub fn files_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("files")
}

/// Where a file of this hash is kept: `files/ab/abcdef…`.
pub(crate) fn path_of(data_dir: &Path, sha256: &str) -> PathBuf {
    files_dir(data_dir).join(&sha256[..2]).join(sha256)
}

/// Removes what an interrupted upload left in the temporary folder (a crash, a kill); called at
/// start-up, before any upload can be in flight.
pub fn sweep_temporary_files(data_dir: &Path) -> std::io::Result<usize> {
    let dir = files_dir(data_dir).join("tmp");
    let mut removed = 0;
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries {
                std::fs::remove_file(entry?.path())?;
                removed += 1;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    Ok(removed)
}

/// Streams a body into `file`, hashing as it goes; refuses it once it passes `limit` or when
/// its first bytes are not an allowed kind of file.
async fn receive(
    mut file: tokio::fs::File,
    limit: u64,
    body: Body,
) -> Result<(String, u64, &'static str), ApplyingError> {
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(64);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApplyingError::UploadInterrupted)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ApplyingError::FileTooLarge { limit });
        }
        if head.len() < 64 {
            head.extend_from_slice(&chunk[..chunk.len().min(64 - head.len())]);
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(anyhow::Error::from)?;
    }
    if size == 0 {
        return Err(ApplyingError::EmptyFile);
    }
    let media_type = infer::get(&head)
        .map(|t| t.mime_type())
        .and_then(|m| UPLOAD_MEDIA_TYPES.iter().map(|(allowed, _)| *allowed).find(|allowed| *allowed == m))
        .ok_or_else(|| ApplyingError::UnsupportedFileType)?;
    file.sync_all().await.map_err(anyhow::Error::from)?;
    Ok((hex(&hasher.finalize()), size, media_type))
}

impl super::ApplyingService<'_> {
    /// 上传 — receives one file for the signed-in person. The body goes to a temporary file
    /// that is removed however the request ends (refused, failed, timed out or disconnected:
    /// dropping the request drops the file); the daily count, the quota and the record are
    /// one transaction.
    pub async fn upload(&self, s: &Session, name: &str, body: Body) -> Result<UploadReceipt, ApplyingError> {
        let day = self.clock.today();
        let max_files = i64::from(self.config.max_uploads_per_day);
        if self.store.uploads_today(&s.row.person_id, day).await? >= max_files {
            return Err(ApplyingError::DailyUploadLimit);
        }
        let limit = self.config.max_upload_bytes;
        let tmp_dir = files_dir(&self.config.data_dir).join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(anyhow::Error::from)?;
        let tmp = tempfile::Builder::new().prefix("upload-").tempfile_in(&tmp_dir).map_err(anyhow::Error::from)?;
        let (file, tmp_path) = tmp.into_parts();
        let (received_sha256, received_size, media_type) =
            receive(tokio::fs::File::from_std(file), limit, body).await?;
        let (sha256, size) = match self.check_content(&tmp_path, media_type).await? {
            content::Checked::AsSent => (received_sha256, received_size),
            content::Checked::Reencoded(bytes) => {
                tokio::fs::write(&tmp_path, &bytes).await.map_err(anyhow::Error::from)?;
                (hex(&Sha256::digest(&bytes)), bytes.len() as u64)
            }
        };
        let target = path_of(&self.config.data_dir, &sha256);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(anyhow::Error::from)?;
        }
        let row = UploadRow {
            id: uuid::Uuid::new_v4().to_string(),
            owner_id: s.row.person_id.clone(),
            sha256: sha256.clone(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            media_type: media_type.to_owned(),
            file_name: safe_file_name(name),
        };
        let quota = self.config.max_stored_bytes_per_person;
        let limits = UploadLimits { max_files, max_bytes: i64::try_from(quota).unwrap_or(i64::MAX) };
        // The file is in place before its record commits: a crash between the two leaves a file
        // nothing refers to, never a record without its file.
        tmp_path.persist(&target).map_err(|e| anyhow::Error::from(e.error))?;
        match self.store.insert_upload_within_limits(&row, self.clock.now(), day, limits).await? {
            UploadAdmission::Stored => {}
            UploadAdmission::DailyLimit => return Err(ApplyingError::DailyUploadLimit),
            UploadAdmission::Quota { .. } => return Err(ApplyingError::QuotaFull { quota }),
        }
        Ok(UploadReceipt { id: row.id, file_name: row.file_name, media_type: row.media_type, size, sha256 })
    }

    /// Judges a received file by all of its content ([`content::check`]), on the blocking pool
    /// and at most one check per core at a time, since decoding a picture takes memory and CPU.
    async fn check_content(&self, path: &Path, media_type: &'static str) -> Result<content::Checked, ApplyingError> {
        let _permit = self.content_checks.acquire().await.map_err(anyhow::Error::from)?;
        let bytes = tokio::fs::read(path).await.map_err(anyhow::Error::from)?;
        let checked = tokio::task::spawn_blocking(move || content::check(&bytes, media_type))
            .await
            .map_err(anyhow::Error::from)?;
        checked.map_err(|e| {
            tracing::info!(reason = %e, media_type, "upload refused by its content");
            ApplyingError::BadContent(e)
        })
    }

    /// 清理 — deletes uploads no application holds after the configured days, drafts not saved
    /// in that time, and the stored files nothing refers to any more.
    pub async fn expire_unattached_uploads(&self) -> Result<ExpiredUploads, ApplyingError> {
        let before = self.clock.now() - chrono::Duration::days(i64::from(self.config.unattached_upload_days));
        let expired = self.store.expire_unattached_uploads(before).await?;
        for sha256 in &expired.unused_files {
            match tokio::fs::remove_file(path_of(&self.config.data_dir, sha256)).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, "cannot remove an expired upload's file"),
            }
        }
        if expired.uploads > 0 || expired.drafts > 0 {
            tracing::info!(
                uploads = expired.uploads,
                drafts = expired.drafts,
                files = expired.unused_files.len(),
                "expired unattached uploads and old drafts"
            );
        }
        Ok(expired)
    }

    /// 我的文件 — the files the person uploaded, newest first, so that a resumed draft names them.
    pub async fn my_uploads(&self, s: &Session) -> Result<Vec<UploadReceipt>, ApplyingError> {
        Ok(self
            .store
            .uploads_of(&s.row.person_id, MY_UPLOADS_LIMIT)
            .await?
            .into_iter()
            .map(|u| UploadReceipt {
                id: u.id,
                file_name: u.file_name,
                media_type: u.media_type,
                size: u64::try_from(u.size).unwrap_or_default(),
                sha256: u.sha256,
            })
            .collect())
    }

    /// A file the person may download: their own upload, or a material of an application of
    /// theirs or of their enterprise's. Anything else is answered as not found.
    pub async fn download(
        &self,
        s: &Session,
        id: shared::ids::RecordId,
    ) -> Result<(UploadRow, tokio::fs::File), ApplyingError> {
        let not_found = || ApplyingError::UploadNotFound;
        let id = id.to_stored();
        let row = self.store.upload(&id).await?.ok_or_else(not_found)?;
        let allowed =
            row.owner_id == s.row.person_id || self.store.upload_in_application_of(&id, &s.row.person_id).await?;
        if !allowed {
            return Err(not_found());
        }
        let file =
            tokio::fs::File::open(path_of(&self.config.data_dir, &row.sha256)).await.map_err(anyhow::Error::from)?;
        Ok((row, file))
    }
}
