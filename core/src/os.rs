//! Every call into the operating system: opening files, locks, preallocation,
//! positional reads and writes, memory maps, fsync of files and directories.
//! The rest of the engine calls these and names no platform.
//!
//! Supported: Linux, Android, macOS and iOS (any Apple target), Windows. Where
//! they differ, each function says how; `docs/format.md` ("Platforms") lists
//! the differences a user can observe.

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple", windows)))]
compile_error!(
    "vqueue-core supports Linux, Android, macOS, iOS and Windows; this target is none of them \
     (see the \"Platforms\" section of docs/format.md)"
);

use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use std::fs::File;

#[cfg(feature = "io-trace")]
pub mod trace;

/// Runs the call `$op`; with the `io-trace` feature, logs what it changed
/// (`$log` given the recorder and the call's result) while recording.
macro_rules! traced {
    ($op:expr, |$r:ident, $out:tt| $log:expr) => {{
        #[cfg(feature = "io-trace")]
        let out = trace::call(|| $op, |$r, $out| $log);
        #[cfg(not(feature = "io-trace"))]
        let out = $op;
        out
    }};
}

/// Binds `$name` to whether `$path` exists, for a call's log (recording only).
macro_rules! existed {
    ($name:ident = $path:expr) => {
        #[cfg(feature = "io-trace")]
        let $name = trace::exists($path);
    };
}

/// Opens for reading.
pub fn open_read(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// Opens for reading and writing, creating the file if needed and never
/// truncating it (metadata is rewritten in place).
pub fn open_rw(path: &Path) -> io::Result<File> {
    open_for_write(path, true, false)
}

/// Opens for writing only, creating the file if needed, without truncating.
pub fn open_write(path: &Path) -> io::Result<File> {
    open_for_write(path, false, false)
}

/// Opens for writing, creating the file or cutting it to nothing.
fn create_truncate(path: &Path) -> io::Result<File> {
    open_for_write(path, false, true)
}

fn open_for_write(path: &Path, read: bool, truncate: bool) -> io::Result<File> {
    existed!(existed = path);
    traced!(
        std::fs::OpenOptions::new()
            .read(read)
            .write(true)
            .create(true)
            .truncate(truncate)
            .open(path),
        |r, f| match (existed, truncate) {
            (false, _) => r.created(path, f),
            (true, true) => r.set_len(f),
            (true, false) => {}
        }
    )
}

/// Reads up to `buf.len()` bytes at `pos`; 0 at or past the end of the file.
/// Windows has no `pread`: `seek_read` moves the file cursor, which no caller
/// uses.
pub fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::read_at(file, buf, pos);
    #[cfg(windows)]
    return std::os::windows::fs::FileExt::seek_read(file, buf, pos);
}

/// Writes all of `bytes` at `pos`.
pub fn write_all_at(file: &File, bytes: &[u8], pos: u64) -> io::Result<()> {
    traced!(write_all_at_io(file, bytes, pos), |r, _| r.write(file, pos, bytes))
}

fn write_all_at_io(file: &File, bytes: &[u8], pos: u64) -> io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::write_all_at(file, bytes, pos);
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < bytes.len() {
            match std::os::windows::fs::FileExt::seek_write(file, &bytes[done..], pos + done as u64) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Writes all of `parts`, one after the other, at `pos`: on 64-bit Linux and
/// Android with one `pwritev` (so pieces held in different places need no
/// copy into one buffer first), elsewhere with one positional write each.
pub fn write_all_vectored_at(file: &File, parts: &mut [io::IoSlice<'_>], pos: u64) -> io::Result<()> {
    // The call consumes `parts`: while recording, the log gets a copy of the
    // bytes first (and only then: pushes allocate nothing otherwise).
    #[cfg(feature = "io-trace")]
    let whole: Vec<u8> = match trace::active() {
        true => parts.iter().flat_map(|p| p.iter().copied()).collect(),
        false => Vec::new(),
    };
    traced!(write_all_vectored_at_io(file, parts, pos), |r, _| r
        .write(file, pos, &whole))
}

fn write_all_vectored_at_io(file: &File, parts: &mut [io::IoSlice<'_>], mut pos: u64) -> io::Result<()> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), target_pointer_width = "64"))]
    {
        use std::os::fd::AsRawFd;
        let mut parts = parts;
        while !parts.is_empty() {
            let count = parts.len().min(1024) as libc::c_int;
            // SAFETY: `IoSlice` is ABI-compatible with `iovec` on Unix, and
            // `parts` outlives the call.
            let n = unsafe { libc::pwritev(file.as_raw_fd(), parts.as_ptr().cast(), count, pos as libc::off_t) };
            match n {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n if n < 0 => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
                n => {
                    pos += n as u64;
                    io::IoSlice::advance_slices(&mut parts, n as usize);
                }
            }
        }
        Ok(())
    }
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), target_pointer_width = "64")))]
    {
        for part in parts.iter() {
            write_all_at(file, part, pos)?;
            pos += part.len() as u64;
        }
        Ok(())
    }
}

/// The whole file.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    std::fs::read(path)
}

pub fn file_len(path: &Path) -> io::Result<u64> {
    std::fs::metadata(path).map(|m| m.len())
}

/// Grows `file` from `from` to `from + len` bytes with the blocks reserved, so
/// that stores through a map of that range cannot fail for lack of space.
///
/// Linux and Android: `posix_fallocate` (which falls back to writing zeros
/// where the file system has no `fallocate`). Apple: `F_PREALLOCATE`, then
/// the new length; a file system that cannot preallocate only gets the new
/// length. Windows: setting the end of file allocates the clusters on NTFS.
pub fn preallocate(file: &File, from: u64, len: u64) -> io::Result<()> {
    traced!(preallocate_io(file, from, len), |r, _| r.set_len(file))
}

/// Sets the file's length: cuts it, or extends it with zeros.
pub fn set_len(file: &File, len: u64) -> io::Result<()> {
    traced!(file.set_len(len), |r, _| r.set_len(file))
}

fn preallocate_io(file: &File, from: u64, len: u64) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: plain syscall on a descriptor we own.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), from as libc::off_t, len as libc::off_t) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(rc))
        }
    }
    #[cfg(target_vendor = "apple")]
    {
        use std::os::fd::AsRawFd;
        // Allocation counts from the physical end of the file, which is at or
        // past `from`, so `len` more bytes cover the range.
        let mut store = libc::fstore_t {
            fst_flags: libc::F_ALLOCATEALL,
            fst_posmode: libc::F_PEOFPOSMODE,
            fst_offset: 0,
            fst_length: len as libc::off_t,
            fst_bytesalloc: 0,
        };
        // SAFETY: fcntl on a descriptor we own with a valid fstore_t.
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_PREALLOCATE, &mut store) } == -1 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::ENOSPC) {
                return Err(err);
            }
        }
        file.set_len(from + len)
    }
    #[cfg(windows)]
    {
        file.set_len(from + len)
    }
}

/// A file mapped for reading and writing, shared with other processes; its
/// bytes are the map's. Flushing goes through here so that, with the
/// `io-trace` feature, stores and flushes are recorded with the file.
pub struct MmapMut {
    map: memmap2::MmapMut,
    /// The recorder's token and file, while recording.
    #[cfg(feature = "io-trace")]
    traced: Option<(u64, u32)>,
}

impl MmapMut {
    fn new(map: memmap2::MmapMut, file: &File) -> MmapMut {
        #[cfg(feature = "io-trace")]
        let traced = trace::map(file, map.len());
        #[cfg(not(feature = "io-trace"))]
        let _ = file;
        MmapMut {
            map,
            #[cfg(feature = "io-trace")]
            traced,
        }
    }

    /// The whole map to stable storage (`msync`).
    pub fn flush(&self) -> io::Result<()> {
        self.flush_range(0, self.map.len())
    }

    /// `len` bytes at `offset` to stable storage (`msync` of the range).
    pub fn flush_range(&self, offset: usize, len: usize) -> io::Result<()> {
        traced!(
            self.map.flush_range(offset, len),
            |r, _| if let Some((_, file)) = self.traced {
                r.sync_range(file, offset, len)
            }
        )
    }
}

impl std::ops::Deref for MmapMut {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl std::ops::DerefMut for MmapMut {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.map
    }
}

#[cfg(feature = "io-trace")]
impl Drop for MmapMut {
    fn drop(&mut self) {
        if let Some((token, _)) = self.traced {
            trace::unmap(token);
        }
    }
}

/// Maps the whole file for reading and writing, shared with other processes.
///
/// # Safety
/// The caller must keep the file at least as long as the map while the map
/// lives (no process shrinks it), or accesses fault.
pub unsafe fn map_mut(file: &File) -> io::Result<MmapMut> {
    Ok(MmapMut::new(memmap2::MmapMut::map_mut(file)?, file))
}

/// Maps the first `len` bytes of the file, which must have at least that many.
///
/// # Safety
/// As for [`map_mut`].
pub unsafe fn map_mut_len(file: &File, len: usize) -> io::Result<MmapMut> {
    Ok(MmapMut::new(memmap2::MmapOptions::new().len(len).map_mut(file)?, file))
}

/// Drops `len` bytes of a shared file map at `offset` from this process's
/// resident set; their contents stay in the file's page cache (dirty pages
/// stay dirty) and come back on the next access. Unix: `MADV_DONTNEED`,
/// which on a shared file mapping only unmaps the pages. Windows: nothing
/// (the working set is trimmed by the system).
pub fn release_mapped(map: &MmapMut, offset: usize, len: usize) {
    #[cfg(unix)]
    // SAFETY: the map is a shared mapping of a file, where MADV_DONTNEED
    // discards no data; the range is checked by memmap2.
    let _ = unsafe {
        map.map
            .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
    };
    #[cfg(windows)]
    let _ = (map, offset, len);
}

/// Data and metadata of the file to stable storage.
pub fn sync(file: &File) -> io::Result<()> {
    traced!(file.sync_all(), |r, _| r.sync(file, false))
}

/// Data of the file (and the metadata needed to read it back) to stable storage.
pub fn sync_data(file: &File) -> io::Result<()> {
    traced!(file.sync_data(), |r, _| r.sync(file, true))
}

/// Makes the directory's entries (files created, renamed, removed) durable.
/// Windows cannot open a directory as a file; NTFS journals its metadata, so
/// there this does nothing.
pub fn sync_dir(path: &Path) -> Result<()> {
    sync_dir_io(path).map_err(|e| Error::io_at("sync directory", path, e))
}

fn sync_dir_io(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    return traced!(File::open(path)?.sync_all(), |r, _| r.sync_dir(path));
    #[cfg(windows)]
    {
        let _ = path;
        Ok(())
    }
}

/// Takes an exclusive lock on `file` without waiting; `false` when another
/// open file (in this process or another) holds it.
///
/// Unix: `flock`, which locks the open file description, is released when
/// the process dies and only binds processes that also lock (std's
/// `File::try_lock` is the same call but is not available on Android).
/// Windows: `LockFileEx` over the whole file, which is mandatory: while held,
/// other handles cannot read or write the file.
pub fn try_lock(file: &File) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(false)
        } else {
            Err(err)
        }
    }
    #[cfg(windows)]
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Opens (creating it if needed) and locks a lock file; `Ok(None)` when
/// another holder has it. Dropping the file releases the lock.
pub fn lock_file(path: &Path) -> Result<Option<File>> {
    let file = open_rw(path).map_err(|e| Error::io_at("open lock file", path, e))?;
    match try_lock(&file) {
        Ok(true) => Ok(Some(file)),
        Ok(false) => Ok(None),
        Err(e) => Err(Error::io_at("lock", path, e)),
    }
}

/// True when some process holds the lock file; never creates it.
pub fn is_locked(path: &Path) -> bool {
    let Ok(file) = open_read(path) else { return false };
    matches!(try_lock(&file), Ok(false))
}

/// The queue directory as an absolute path, created first when `create`.
/// Directories it creates are made durable in their parents (a power loss
/// must not take away a queue whose pushes were acknowledged as durable).
pub fn queue_dir(base: &Path, create: bool) -> Result<PathBuf> {
    if create {
        let missing: Vec<&Path> = base
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .take_while(|p| !p.exists())
            .collect();
        create_dir_all(base)?;
        for dir in missing.iter().rev() {
            match dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent)?,
                _ => sync_dir(Path::new("."))?,
            }
        }
    }
    base.canonicalize()
        .map_err(|e| Error::io_at("open queue directory", base, e))
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    // The directories missing, outermost first (recorded while recording).
    #[cfg(feature = "io-trace")]
    let missing: Vec<&Path> = {
        let mut m: Vec<&Path> = path.ancestors().take_while(|p| !trace::exists(p)).collect();
        m.reverse();
        m
    };
    traced!(std::fs::create_dir_all(path), |r, _| for p in missing {
        r.mkdir(p)
    })
    .map_err(|e| Error::io_at("create directory", path, e))
}

pub fn remove_file(path: &Path) -> io::Result<()> {
    traced!(std::fs::remove_file(path), |r, _| r.unlink(path))
}

/// Renames `from` to `to` (same directory), replacing `to`.
fn rename(from: &Path, to: &Path) -> io::Result<()> {
    traced!(std::fs::rename(from, to), |r, _| r.rename(from, to))
}

/// Bytes held by the files directly in a directory (0 when unreadable).
pub fn dir_bytes(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|d| d.flatten().map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).sum())
        .unwrap_or(0)
}

/// Removes a directory and everything in it.
pub fn remove_dir_all(path: &Path) -> Result<()> {
    // What goes, innermost first (recorded while recording).
    #[cfg(feature = "io-trace")]
    let gone: Vec<PathBuf> = {
        fn walk(p: &Path, out: &mut Vec<PathBuf>) {
            if let Ok(d) = std::fs::read_dir(p) {
                for e in d.flatten() {
                    walk(&e.path(), out);
                }
            }
            out.push(p.to_path_buf());
        }
        let mut g = Vec::new();
        if trace::exists(path) {
            walk(path, &mut g);
        }
        g
    };
    traced!(std::fs::remove_dir_all(path), |r, _| for p in &gone {
        r.unlink(p)
    })
    .map_err(|e| Error::io_at("remove", path, e))
}

/// Names of the entries of a directory (those that are valid UTF-8), with
/// whether each is a directory; empty when the directory does not exist.
pub fn list_dir(path: &Path) -> Result<Vec<(String, bool)>> {
    let entries = match std::fs::read_dir(path) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io_at("list", path, e)),
    };
    Ok(entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            Some((name, entry.path().is_dir()))
        })
        .collect())
}

/// Writes `bytes` to `path` so that a crash leaves either no file or the
/// whole file: a temporary file, fsync, rename over `path`, fsync of the
/// directory. (On Windows the rename replaces an existing file as well.)
pub fn persist_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    persist_atomically_via(path, &path.with_extension(format!("tmp.{}", std::process::id())), bytes)
}

/// [`persist_atomically`] through the temporary file `tmp` (same directory).
pub fn persist_atomically_via(path: &Path, tmp: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = tmp.to_path_buf();
    let result = (|| {
        let f = create_truncate(&tmp)?;
        write_all_at(&f, bytes, 0)?;
        sync(&f)?;
        rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            sync_dir_io(dir)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = remove_file(&tmp);
    }
    result
}

/// Replaces the start of a file with `bytes`, cuts it to their length and
/// syncs it (used by repair, which runs with no writer).
pub fn rewrite(path: &Path, bytes: &[u8]) -> Result<()> {
    let f = open_write(path).map_err(|e| Error::io_at("open", path, e))?;
    write_all_at(&f, bytes, 0).map_err(|e| Error::io_at("write", path, e))?;
    let len = f.metadata().map_err(|e| Error::io_at("stat", path, e))?.len();
    if len > bytes.len() as u64 {
        set_len(&f, bytes.len() as u64).map_err(|e| Error::io_at("truncate", path, e))?;
    }
    sync(&f).map_err(|e| Error::io_at("sync", path, e))
}
