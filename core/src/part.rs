//! Part data files: an appending writer over a shared memory map, and a
//! reader that fetches large blocks with positional reads.
//!
//! The writer maps space it has reserved (`os::preallocate`), so running
//! out of disk is an error from `push` rather than a SIGBUS on a page fault,
//! and a record costs a copy instead of a system call. The file is cut back
//! to the published right edge when the writer closes.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::os::{self, File, MmapMut};
use crate::record::{self, Header, HEADER_SIZE};
use crate::types::Format;

const MIN_RESERVE: u64 = 1 << 20;
const MAX_STEP: u64 = 64 << 20;
/// Written bytes the writer's map keeps resident before it lets go of them.
const RELEASE_STEP: u64 = 8 << 20;
/// A multiple of every page size Linux uses, so released ranges are aligned.
const RELEASE_ALIGN: u64 = 64 << 10;
/// Staged bytes are written out in chunks of about this size.
const STAGE_CHUNK: usize = 1 << 20;

pub struct PartWriter {
    file: File,
    path: PathBuf,
    map: Option<MmapMut>,
    /// Bytes reserved on disk and mapped.
    cap: u64,
    /// Bytes written: the right edge once published.
    len: u64,
    /// Bytes before this offset have been dropped from the map (see
    /// `release_written`).
    released: u64,
    /// The last `staged.len()` bytes counted in `len`, not yet in the file.
    staged: Vec<u8>,
}

impl PartWriter {
    /// Opens a part file for appending after `len` bytes; anything beyond is
    /// an unpublished tail and gets overwritten.
    pub fn open(path: &Path, len: u64) -> Result<PartWriter> {
        let file = os::open_rw(path).map_err(|e| Error::io_at("open", path, e))?;
        os::set_len(&file, len).map_err(|e| Error::io_at("truncate", path, e))?;
        Ok(PartWriter {
            file,
            path: path.to_path_buf(),
            map: None,
            cap: len,
            len,
            released: 0,
            staged: Vec::new(),
        })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    fn reserve(&mut self, extra: u64) -> Result<()> {
        let need = self.len + extra;
        if need <= self.cap && self.map.is_some() {
            return Ok(());
        }
        let need = need.div_ceil(4096) * 4096;
        let mut step = self.cap.clamp(MIN_RESERVE, MAX_STEP);
        let new_cap = loop {
            // Reserved blocks mean later stores through the map cannot fault
            // for lack of space.
            let new_cap = need.max(self.cap + step).div_ceil(4096) * 4096;
            match os::preallocate(&self.file, self.cap, new_cap - self.cap) {
                Ok(()) => break new_cap,
                // Short of space: smaller steps, down to what the record needs.
                Err(_) if new_cap > need => step /= 2,
                Err(err) => {
                    // A failed reservation may still have grown the file; keep
                    // it at what the mapping covers so nothing unreserved gets
                    // mapped.
                    let _ = os::set_len(&self.file, self.cap);
                    return Err(Error::io(
                        format!("reserve {} bytes for {}", new_cap - self.cap, self.path.display()),
                        err,
                    ));
                }
            }
        };
        self.map = None;
        // SAFETY: the file is ours (the writer lock is held) and is never
        // shrunk below the mapped length while the map is alive.
        let map = unsafe { os::map_mut(&self.file) }.map_err(|e| Error::io_at("map", &self.path, e))?;
        self.map = Some(map);
        self.cap = new_cap;
        Ok(())
    }

    /// Appends `n` bytes filled in by `fill`; returns the offset they start at.
    /// Nothing is published until the caller advances the right edge.
    pub fn append(&mut self, n: usize, fill: impl FnOnce(&mut [u8])) -> Result<u64> {
        // Room for the sentinel that follows the last record.
        self.reserve((n + HEADER_SIZE) as u64)?;
        let start = self.len;
        let map = self.map.as_mut().expect("reserve maps");
        fill(&mut map[start as usize..start as usize + n]);
        self.len += n as u64;
        if self.len.saturating_sub(self.released) >= RELEASE_STEP {
            self.release_written();
        }
        Ok(start)
    }

    /// Drops the pages well behind the write position from this process's
    /// map. A mapped page counts in the resident set for as long as it is
    /// mapped, so without this a writer of a 1 GiB part would hold 1 GiB;
    /// the data stays in the page cache (a dirty page stays dirty and is
    /// written back, or flushed by a sync, as before).
    fn release_written(&mut self) {
        let upto = (self.len / RELEASE_ALIGN).saturating_sub(1) * RELEASE_ALIGN;
        if let Some(map) = &self.map {
            if upto > self.released {
                os::release_mapped(map, self.released as usize, (upto - self.released) as usize);
            }
        }
        self.released = self.released.max(upto);
    }

    /// Like `append`, but the bytes go to a buffer that `write_staged`
    /// writes to the file with one `pwrite` per chunk. For a lot of data at
    /// once this is cheaper than the map: the first store to a mapped page
    /// makes the kernel fill the page (with zeros) before it is overwritten,
    /// while a write that covers a page replaces it outright.
    /// `fill` extends the buffer by exactly `n` bytes.
    pub fn stage(&mut self, n: usize, fill: impl FnOnce(&mut Vec<u8>)) -> Result<u64> {
        if !self.staged.is_empty() && self.staged.len() + n > STAGE_CHUNK {
            self.write_staged(0)?;
        }
        let start = self.len;
        let before = self.staged.len();
        fill(&mut self.staged);
        debug_assert_eq!(self.staged.len(), before + n);
        self.len += n as u64;
        Ok(start)
    }

    /// Writes the staged bytes to the file; the last `tail` of them (a
    /// sentinel) are not counted as written.
    fn write_staged(&mut self, tail: usize) -> Result<()> {
        if self.staged.is_empty() {
            return Ok(());
        }
        let counted = (self.staged.len() - tail) as u64;
        let at = self.len - counted;
        // Reserve first: the space must exist before the map may cover it,
        // with room for a sentinel after the records.
        self.len = at;
        let reserved = self.reserve(counted + HEADER_SIZE as u64);
        self.len = at + counted;
        let written = reserved.and_then(|()| {
            os::write_all_at(&self.file, &self.staged, at).map_err(|e| Error::io_at("write", &self.path, e))
        });
        self.staged.clear();
        if self.staged.capacity() > 4 * STAGE_CHUNK {
            // Give back the room a very large record needed.
            self.staged = Vec::new();
        }
        if written.is_err() {
            self.len = at;
        }
        written
    }

    /// Writes `parts` after the written bytes with one vectored write, the
    /// last `tail` bytes of them (a sentinel) not counted as written. For a
    /// single large record: its body goes from the caller's buffer to the
    /// file without being staged (copied) first.
    pub fn write_parts(&mut self, parts: &mut [std::io::IoSlice<'_>], tail: usize) -> Result<()> {
        debug_assert!(self.staged.is_empty(), "staged bytes go first");
        let total: usize = parts.iter().map(|p| p.len()).sum();
        // The space must exist before the map may cover it.
        self.reserve(total as u64)?;
        os::write_all_vectored_at(&self.file, parts, self.len).map_err(|e| Error::io_at("write", &self.path, e))?;
        self.len += (total - tail) as u64;
        Ok(())
    }

    /// Writes `header` just past the written bytes without counting it as
    /// written (see `WriterState::sentinel`).
    pub fn put_sentinel(&mut self, header: &[u8; HEADER_SIZE]) -> Result<()> {
        if !self.staged.is_empty() {
            // With the staged records, in the same write.
            self.staged.extend_from_slice(header);
            return self.write_staged(HEADER_SIZE);
        }
        self.reserve(HEADER_SIZE as u64)?;
        let at = self.len as usize;
        self.map.as_mut().expect("reserve maps")[at..at + HEADER_SIZE].copy_from_slice(header);
        Ok(())
    }

    /// Forgets bytes appended after `len` (a failed publish).
    pub fn rewind(&mut self, len: u64) {
        // Staged bytes all belong to the call being undone.
        self.staged.clear();
        self.len = len;
    }

    /// Flushes `[from, len)` to stable storage.
    pub fn sync_from(&self, from: u64) -> Result<()> {
        if let Some(map) = &self.map {
            if self.len > from {
                map.flush_range(from as usize, (self.len - from) as usize)
                    .map_err(|e| Error::io_at("sync", &self.path, e))?;
            }
        }
        Ok(())
    }

    /// Unmaps and cuts the file back to the written length.
    pub fn finish(&mut self) -> Result<()> {
        self.write_staged(0)?;
        self.map = None;
        os::set_len(&self.file, self.len).map_err(|e| Error::io_at("truncate", &self.path, e))?;
        self.cap = self.len;
        Ok(())
    }
}

impl Drop for PartWriter {
    fn drop(&mut self) {
        if self.map.is_some() {
            let _ = self.finish();
        }
    }
}

const READ_BLOCK: usize = 256 << 10;

pub struct PartReader {
    file: File,
    pub path: PathBuf,
    buf: Vec<u8>,
    buf_start: u64,
    buf_len: usize,
}

/// Why a read came back short: the file ends before the bytes its metadata
/// promised (a lost tail after power loss, or a truncated copy).
#[derive(Debug)]
pub struct ShortRead {
    pub file_end: u64,
}

impl PartReader {
    pub fn open(path: &Path) -> Result<PartReader> {
        let file = os::open_read(path).map_err(|e| Error::io_at("open", path, e))?;
        Ok(PartReader {
            file,
            path: path.to_path_buf(),
            buf: Vec::new(),
            buf_start: 0,
            buf_len: 0,
        })
    }

    /// `n` bytes at `pos`, reading ahead no further than `limit`.
    pub fn get(&mut self, pos: u64, n: usize, limit: u64) -> Result<std::result::Result<&[u8], ShortRead>> {
        let end = pos + n as u64;
        if pos < self.buf_start || end > self.buf_start + self.buf_len as u64 {
            let want = (limit.saturating_sub(pos) as usize).clamp(n, n.max(READ_BLOCK));
            if want > READ_BLOCK {
                // A length read from the file may be forged: allocate for it
                // only when the file really holds that many bytes.
                let file_end = self
                    .file
                    .metadata()
                    .map_err(|e| Error::io_at("stat", &self.path, e))?
                    .len();
                if pos.saturating_add(n as u64) > file_end {
                    return Ok(Err(ShortRead { file_end }));
                }
            }
            if self.buf.len() < want {
                self.buf.resize(want, 0);
            } else if want <= READ_BLOCK && self.buf.len() > 4 * READ_BLOCK {
                // Give back the room a very large record needed.
                self.buf = vec![0; READ_BLOCK];
            }
            let mut got = 0;
            while got < want {
                match os::read_at(&self.file, &mut self.buf[got..want], pos + got as u64) {
                    Ok(0) => break,
                    Ok(k) => got += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.buf_len = 0;
                        return Err(Error::io_at("read", &self.path, e));
                    }
                }
            }
            self.buf_start = pos;
            self.buf_len = got;
            if got < n {
                return Ok(Err(ShortRead {
                    file_end: pos + got as u64,
                }));
            }
        }
        let off = (pos - self.buf_start) as usize;
        Ok(Ok(&self.buf[off..off + n]))
    }
}

impl PartReader {
    /// The first intact record starting at or after `from` and ending by
    /// `limit`: magic, self-consistent header and matching CRC. Scans the
    /// whole range (not a fixed window), so any amount of damage is passed.
    pub fn next_valid(&mut self, from: u64, limit: u64, format: Format) -> Result<Option<Header>> {
        let magic = record::magic_of(format).to_le_bytes();
        const WINDOW: usize = 1 << 20;
        let mut at = from;
        while at + HEADER_SIZE as u64 <= limit {
            let want = ((limit - at) as usize).min(WINDOW);
            let (candidates, seen) = match self.get(at, want, limit)? {
                Ok(w) => (magic_hits(w, &magic, at), w.len()),
                Err(short) => {
                    // Scan what the file does hold.
                    let held = short.file_end.saturating_sub(at) as usize;
                    if held < HEADER_SIZE {
                        return Ok(None);
                    }
                    let w = match self.get(at, held, short.file_end)? {
                        Ok(w) => w,
                        Err(_) => return Ok(None),
                    };
                    (magic_hits(w, &magic, at), w.len())
                }
            };
            for start in candidates {
                if let Some(h) = self.record_at(start, limit, format)? {
                    return Ok(Some(h));
                }
            }
            if seen < want || at + seen as u64 >= limit {
                return Ok(None);
            }
            // Overlap so a header straddling the window edge is seen whole.
            at += (seen - HEADER_SIZE) as u64;
        }
        Ok(None)
    }

    /// The record at `start` if it is intact.
    pub fn record_at(&mut self, start: u64, limit: u64, format: Format) -> Result<Option<Header>> {
        let h = match self.get(start, HEADER_SIZE, limit)? {
            Ok(b) => Header::decode(b),
            Err(_) => return Ok(None),
        };
        if record::check_header(&h, start, format, limit).is_err() {
            return Ok(None);
        }
        let n = HEADER_SIZE + h.msg_length as usize;
        Ok(match self.get(start, n, limit)? {
            Ok(b) if record::record_crc(&b[..HEADER_SIZE], &b[HEADER_SIZE..]) == h.crc => Some(h),
            _ => None,
        })
    }
}

/// Offsets where a header whose magic lies in `w` would start.
fn magic_hits(w: &[u8], magic: &[u8; 4], base: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut i = 12;
    while i + 4 <= w.len() {
        if w[i..i + 4] == magic[..] {
            out.push(base + (i - 12) as u64);
        }
        i += 1;
    }
    out
}
