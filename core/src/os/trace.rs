//! A recorder of every change `os` makes to the files under one directory,
//! in the order the engine made it, with every fsync: the input of the
//! simulated power loss (`core/tests/power_loss.rs`). Built only with the
//! `io-trace` feature, which only the tests enable; not part of the API.
//!
//! Stores through memory maps are not calls: the recorder keeps a copy of
//! every mapped file and, before each call of `os` (and when a map is
//! dropped), logs the bytes that changed since as writes. A store is thus
//! ordered correctly against every fsync, msync and other call; stores made
//! between two calls form one write per changed range.
//!
//! Files are numbered by the recorder (a new number for each file created),
//! so a reused inode is a new file. Paths are relative to the root.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// One change to the files under the root, or a flush.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A new empty file, linked at `path`.
    Create {
        path: PathBuf,
        file: u32,
    },
    Mkdir {
        path: PathBuf,
    },
    /// `bytes` at `offset`: a `pwrite` or (`mapped`) stores through a map.
    Write {
        file: u32,
        offset: u64,
        bytes: Vec<u8>,
        mapped: bool,
    },
    /// A new length (truncation, or preallocation with zeros).
    SetLen {
        file: u32,
        len: u64,
    },
    /// `fsync` (or `fdatasync` when `data_only`) of a file.
    Sync {
        file: u32,
        data_only: bool,
    },
    /// `msync` of a map's range: that range of the file to disk.
    SyncRange {
        file: u32,
        offset: u64,
        len: u64,
    },
    /// `fsync` of a directory: its entries to disk.
    SyncDir {
        path: PathBuf,
    },
    /// An entry renamed, replacing any entry at `to`.
    Rename {
        from: PathBuf,
        to: PathBuf,
    },
    /// An entry (file or empty directory) removed.
    Unlink {
        path: PathBuf,
    },
}

struct Mapped {
    token: u64,
    file: u32,
    fd: File,
    len: usize,
    /// The file's bytes as the events logged so far leave them.
    shadow: Vec<u8>,
}

pub(crate) struct Recorder {
    root: PathBuf,
    events: Vec<Event>,
    files: HashMap<(u64, u64), u32>,
    next_file: u32,
    maps: Vec<Mapped>,
    next_token: u64,
}

static ACTIVE: AtomicBool = AtomicBool::new(false);
static RECORDER: Mutex<Option<Recorder>> = Mutex::new(None);

fn recorder() -> MutexGuard<'static, Option<Recorder>> {
    RECORDER.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts recording the changes under `root` (an existing directory). What
/// `root` already holds is logged first as created, written and synced, so
/// the log alone rebuilds every state.
pub fn start(root: &Path) -> io::Result<()> {
    let root = root.canonicalize()?;
    let mut r = Recorder {
        root: root.clone(),
        events: Vec::new(),
        files: HashMap::new(),
        next_file: 0,
        maps: Vec::new(),
        next_token: 0,
    };
    r.adopt(&root)?;
    *recorder() = Some(r);
    ACTIVE.store(true, Ordering::SeqCst);
    Ok(())
}

/// The number of events so far, once the stores through maps are logged.
pub fn checkpoint() -> usize {
    let mut g = recorder();
    match g.as_mut() {
        Some(r) => {
            r.sweep();
            r.events.len()
        }
        None => 0,
    }
}

/// Stops recording; returns the events.
pub fn stop() -> Vec<Event> {
    let mut g = recorder();
    ACTIVE.store(false, Ordering::SeqCst);
    match g.take() {
        Some(mut r) => {
            r.sweep();
            r.events
        }
        None => Vec::new(),
    }
}

/// Runs the call `op` of `os`; while recording, first logs the stores made
/// through maps since the last call, then what `log` makes of the call.
/// Calls are serialised meanwhile, so the log has one order.
pub(crate) fn call<T>(op: impl FnOnce() -> io::Result<T>, log: impl FnOnce(&mut Recorder, &T)) -> io::Result<T> {
    if !ACTIVE.load(Ordering::Relaxed) {
        return op();
    }
    let mut g = recorder();
    let Some(r) = g.as_mut() else { return op() };
    r.sweep();
    let out = op()?;
    log(r, &out);
    Ok(out)
}

/// Whether `path` exists, asked only while recording (for `call`'s `log`).
pub(crate) fn exists(path: &Path) -> bool {
    ACTIVE.load(Ordering::Relaxed) && path.symlink_metadata().is_ok()
}

/// Registers a new map of the first `len` bytes of `file`; the token for
/// `unmap` and `SyncRange`, when the file is recorded.
pub(crate) fn map(file: &File, len: usize) -> Option<(u64, u32)> {
    if !ACTIVE.load(Ordering::Relaxed) {
        return None;
    }
    let mut g = recorder();
    let r = g.as_mut()?;
    r.sweep();
    let id = r.id(file)?;
    let fd = file.try_clone().ok()?;
    let shadow = read_prefix(&fd, len);
    let token = r.next_token;
    r.next_token += 1;
    r.maps.push(Mapped {
        token,
        file: id,
        fd,
        len,
        shadow,
    });
    Some((token, id))
}

/// A map is gone: logs its last stores.
pub(crate) fn unmap(token: u64) {
    let mut g = recorder();
    if let Some(r) = g.as_mut() {
        r.sweep();
        r.maps.retain(|m| m.token != token);
    }
}

fn read_prefix(fd: &File, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        match fd.read_at(&mut buf[got..], got as u64) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    buf.truncate(got);
    buf
}

fn key(file: &File) -> Option<(u64, u64)> {
    file.metadata().ok().map(|m| (m.dev(), m.ino()))
}

/// Equal bytes between two changed ranges below which they form one write.
const MERGE_GAP: usize = 16;

impl Recorder {
    fn rel(&self, path: &Path) -> Option<PathBuf> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        abs.strip_prefix(&self.root).ok().map(Path::to_path_buf)
    }

    fn id(&self, file: &File) -> Option<u32> {
        self.files.get(&key(file)?).copied()
    }

    fn adopt(&mut self, dir: &Path) -> io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let rel = self.rel(&path).expect("under the root");
            if e.file_type()?.is_dir() {
                self.events.push(Event::Mkdir { path: rel });
                self.adopt(&path)?;
            } else {
                let f = File::open(&path)?;
                self.created(&path, &f);
                if let Some(file) = self.id(&f) {
                    let bytes = std::fs::read(&path)?;
                    self.events.push(Event::Write {
                        file,
                        offset: 0,
                        bytes,
                        mapped: false,
                    });
                    self.events.push(Event::Sync { file, data_only: false });
                }
            }
        }
        if let Some(rel) = self.rel(dir) {
            self.events.push(Event::SyncDir { path: rel });
        }
        Ok(())
    }

    /// Logs the stores made through maps since the last look.
    fn sweep(&mut self) {
        for m in &mut self.maps {
            let now = read_prefix(&m.fd, m.len);
            let n = now.len().min(m.shadow.len());
            let mut i = 0;
            while i < n {
                if now[i] == m.shadow[i] {
                    i += 1;
                    continue;
                }
                let start = i;
                let mut end = i + 1;
                let mut j = end;
                while j < n && j - end < MERGE_GAP {
                    if now[j] != m.shadow[j] {
                        end = j + 1;
                    }
                    j += 1;
                }
                self.events.push(Event::Write {
                    file: m.file,
                    offset: start as u64,
                    bytes: now[start..end].to_vec(),
                    mapped: true,
                });
                i = end;
            }
            m.shadow = now;
        }
    }

    /// `file` was just created at `path`.
    pub(crate) fn created(&mut self, path: &Path, file: &File) {
        let (Some(rel), Some(k)) = (self.rel(path), key(file)) else {
            return;
        };
        let id = self.next_file;
        self.next_file += 1;
        self.files.insert(k, id);
        self.events.push(Event::Create { path: rel, file: id });
    }

    pub(crate) fn mkdir(&mut self, path: &Path) {
        if let Some(rel) = self.rel(path) {
            self.events.push(Event::Mkdir { path: rel });
        }
    }

    pub(crate) fn write(&mut self, file: &File, offset: u64, bytes: &[u8]) {
        let Some(id) = self.id(file) else { return };
        for m in self.maps.iter_mut().filter(|m| m.file == id) {
            let (from, to) = (offset as usize, offset as usize + bytes.len());
            if from < m.shadow.len() {
                let to = to.min(m.shadow.len());
                m.shadow[from..to].copy_from_slice(&bytes[..to - from]);
            }
        }
        self.events.push(Event::Write {
            file: id,
            offset,
            bytes: bytes.to_vec(),
            mapped: false,
        });
    }

    /// The file has a new length (read back from it).
    pub(crate) fn set_len(&mut self, file: &File) {
        let (Some(id), Ok(m)) = (self.id(file), file.metadata()) else {
            return;
        };
        self.events.push(Event::SetLen { file: id, len: m.len() });
    }

    pub(crate) fn sync(&mut self, file: &File, data_only: bool) {
        if let Some(id) = self.id(file) {
            self.events.push(Event::Sync { file: id, data_only });
        }
    }

    pub(crate) fn sync_range(&mut self, file: u32, offset: usize, len: usize) {
        self.events.push(Event::SyncRange {
            file,
            offset: offset as u64,
            len: len as u64,
        });
    }

    pub(crate) fn sync_dir(&mut self, path: &Path) {
        if let Some(rel) = self.rel(path) {
            self.events.push(Event::SyncDir { path: rel });
        }
    }

    pub(crate) fn rename(&mut self, from: &Path, to: &Path) {
        if let (Some(from), Some(to)) = (self.rel(from), self.rel(to)) {
            self.events.push(Event::Rename { from, to });
        }
    }

    pub(crate) fn unlink(&mut self, path: &Path) {
        if let Some(rel) = self.rel(path) {
            self.events.push(Event::Unlink { path: rel });
        }
    }
}
