//! Where a read-write consumer saves its position.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::meta::{self, Paths, PopInfo};
use crate::os::{self, File, MmapMut};

/// Where a read-write consumer persists its position: the position file and
/// the backup in its lock file, both mapped so a commit is two small copies.
pub(super) struct CommitFiles {
    queue: String,
    consumer: String,
    path: PathBuf,
    lock_path: PathBuf,
    file: File,
    map: Option<MmapMut>,
    backup: Option<MmapMut>,
    line: Vec<u8>,
}

impl CommitFiles {
    pub fn open(paths: &Paths, consumer: &str, lock: &File, current: &PopInfo) -> Result<CommitFiles> {
        let path = paths.info_pop(consumer);
        if os::file_len(&path).unwrap_or(0) == 0 {
            // A new consumer's file appears whole or not at all, so a full
            // disk cannot leave an empty position file behind. The temporary
            // name is hidden: no listing takes it for a consumer.
            let (record, _) = meta::format_info_pop(&paths.queue, consumer, current);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let tmp = path.with_file_name(format!(".{name}.tmp.{}", std::process::id()));
            os::persist_atomically_via(&path, &tmp, &record).map_err(|e| Error::io_at("create", &path, e))?;
        }
        let file = os::open_rw(&path).map_err(|e| Error::io_at("open", &path, e))?;
        let len = meta::info_pop_len(&paths.queue, consumer) as u64;
        let mut files = CommitFiles {
            queue: paths.queue.clone(),
            consumer: consumer.to_string(),
            path,
            lock_path: paths.info_pop_lock(consumer),
            file,
            map: None,
            backup: None,
            line: Vec::with_capacity(len as usize),
        };
        // Bring a legacy (unpadded) file to the fixed length by rewriting it
        // whole, so that the map below never covers bytes past its end.
        let (record, _) = meta::format_info_pop(&files.queue, consumer, current);
        meta::write_at0(&files.file, &files.path, &record)?;
        let actual = files
            .file
            .metadata()
            .map_err(|e| Error::io_at("stat", &files.path, e))?
            .len();
        if actual != len && record.len() as u64 == len {
            os::set_len(&files.file, len).map_err(|e| Error::io_at("truncate", &files.path, e))?;
        }
        if record.len() as u64 == len {
            // SAFETY: the file has exactly `len` bytes and only this consumer
            // (holding its lock) resizes it.
            files.map = Some(unsafe { os::map_mut(&files.file) }.map_err(|e| Error::io_at("map", &files.path, e))?);
        }
        let lock_path = files.lock_path.clone();
        let lock = lock.try_clone().map_err(|e| Error::io_at("open", &lock_path, e))?;
        let lock_len = lock.metadata().map_err(|e| Error::io_at("stat", &lock_path, e))?.len();
        if lock_len < meta::BACKUP_LEN as u64 {
            os::set_len(&lock, meta::BACKUP_LEN as u64).map_err(|e| Error::io_at("truncate", &lock_path, e))?;
        }
        // SAFETY: as above; the lock file is never shrunk by this project.
        let mut backup =
            unsafe { os::map_mut_len(&lock, meta::BACKUP_LEN) }.map_err(|e| Error::io_at("map", &lock_path, e))?;
        backup.copy_from_slice(&meta::encode_backup(current));
        files.backup = Some(backup);
        Ok(files)
    }

    pub fn write(&mut self, info: &PopInfo) -> Result<()> {
        // Backup first: if the process dies while the position file is half
        // rewritten, the backup already holds the new position.
        if let Some(b) = &mut self.backup {
            b.copy_from_slice(&meta::encode_backup(info));
        }
        let tokened = meta::format_info_pop_into(&self.queue, &self.consumer, info, &mut self.line);
        match &mut self.map {
            Some(map) if tokened && map.len() == self.line.len() => {
                map.copy_from_slice(&self.line);
                Ok(())
            }
            _ => meta::write_at0(&self.file, &self.path, &self.line),
        }
    }

    pub fn sync(&self) -> Result<()> {
        // The backup first: a later commit torn in the position file by a
        // power loss falls back to it, so it must hold the synced position.
        if let Some(b) = &self.backup {
            b.flush().map_err(|e| Error::io_at("sync", &self.lock_path, e))?;
        }
        if let Some(m) = &self.map {
            m.flush().map_err(|e| Error::io_at("sync", &self.path, e))?;
        }
        Ok(())
    }
}
