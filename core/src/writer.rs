//! The writer: one per queue, appending records to its own part.

use std::io::IoSlice;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::compress::DictWriter;
use crate::error::{Error, Result};
use crate::lock::{Handle, Owned};
use crate::meta::{self, Paths, PushInfo};
use crate::name::validate_queue_name;
use crate::os::{self, File, MmapMut};
use crate::part::{PartReader, PartWriter};
use crate::record::{self, Header, HEADER_SIZE, MAX_BODY};
use crate::scan::{current_part, rebuild_info_push, Edge};
use crate::types::{Durability, Format, Mode, MsgType, WriterOptions};
use crate::warning::{warn, WarningKind};

/// Bytes of records in one call from which they are written with `pwrite`
/// rather than copied into the map.
const STAGE_MIN: usize = 4096;

/// How a call's records reach the part file.
#[derive(Clone, Copy)]
enum Via {
    /// Copied into the writer's map: no system call.
    Map,
    /// Laid out in the staging buffer, written a chunk at a time.
    Stage,
    /// One record, written from the caller's buffer with its sentinel.
    Direct,
}

pub(crate) struct WriterState {
    paths: Paths,
    part: u32,
    /// What readers have been told: the published right edge and count.
    info: PushInfo,
    /// Records appended, published or not (`data.len()` is their edge).
    appended: u32,
    durability: Durability,
    data: PartWriter,
    /// The part file for flushes made outside the writer's lock (group
    /// commit); the map may be replaced meanwhile, the descriptor is not.
    flush_file: Arc<File>,
    /// Set when a flush failed: what it covered may not be on disk, and a
    /// later successful fsync would not prove it is, so the writer refuses
    /// further pushes until it is reopened.
    failed: bool,
    info_push: File,
    info_push_path: PathBuf,
    /// The info_push file mapped, so publishing a record is a copy rather
    /// than a system call; readers re-read a line that fails its CRC.
    info_map: Option<MmapMut>,
    dict: Option<DictWriter>,
    line: Vec<u8>,
    scratch: Vec<u8>,
}

enum Inner {
    Writer(Handle<WriterState>),
    Reader,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Group commit of `Durability::Sync` pushers sharing one handle: a pusher
/// whose records are not yet on disk either waits for the flush under way
/// (if it started after the records were appended, it covers them) or runs
/// the next one itself, for every record appended by then.
#[derive(Default)]
struct Group {
    state: Mutex<Flushes>,
    done: Condvar,
}

#[derive(Default)]
struct Flushes {
    running: bool,
    /// Right edge of the records known to be on stable storage.
    durable: u64,
    failed: bool,
}

/// A queue handle. Read-write: the queue's single writer. Read: a view of the
/// writer's current part that refuses to push.
pub struct Queue {
    name: String,
    mode: Mode,
    inner: Inner,
    /// Last known part and counters, still readable after close.
    last: Mutex<(u32, PushInfo)>,
    group: Group,
}

/// The writer's lock file says whether the last writer session was a `Sync`
/// one, and on which part: only then are intact records past that part's
/// recorded right edge acknowledged ones to recover.
mod session {
    use std::path::Path;

    use crate::error::{Error, Result};
    use crate::os::{self, File};

    const MAGIC: &[u8; 4] = b"VQW1";
    const LEN: usize = 12;

    pub fn synced_part(lock: &File) -> Option<u32> {
        let mut b = [0u8; LEN];
        if os::read_at(lock, &mut b, 0).ok()? != LEN {
            return None;
        }
        let part = u32::from_le_bytes(b[4..8].try_into().unwrap());
        (&b[..4] == MAGIC && crate::record::crc32(&b[..8]).to_le_bytes() == b[8..12]).then_some(part)
    }

    /// `Some(part)` for a `Sync` session (on disk before its first push is
    /// acknowledged), `None` clears the mark.
    pub fn record(lock: &File, path: &Path, synced: Option<u32>) -> Result<()> {
        let mut b = [0u8; LEN];
        if let Some(part) = synced {
            b[..4].copy_from_slice(MAGIC);
            b[4..8].copy_from_slice(&part.to_le_bytes());
            let sum = crate::record::crc32(&b[..8]);
            b[8..12].copy_from_slice(&sum.to_le_bytes());
        }
        os::write_all_at(lock, &b, 0).map_err(|e| Error::io_at("write", path, e))?;
        if synced.is_some() {
            os::sync_data(lock).map_err(|e| Error::io_at("sync", path, e))?;
        }
        Ok(())
    }
}

/// Whether an intact record continues the part just past its published
/// right edge: records that reached the disk without their metadata.
fn record_follows(paths: &Paths, id: u32, info: &PushInfo) -> bool {
    let data = paths.part_data(id);
    let Ok(len) = os::file_len(&data) else { return false };
    let Ok(mut reader) = PartReader::open(&data) else {
        return false;
    };
    matches!(reader.record_at(info.right_edge, len, info.format), Ok(Some(h)) if h.count_pushed == info.count + 1)
}

/// Whether a part can be reused by a new writer: it exists and holds no
/// published and no recoverable record.
fn part_is_empty(paths: &Paths, id: u32) -> bool {
    match meta::read_info_push(paths, id) {
        Ok(None) => {}
        Ok(Some(info)) if info.count == 0 && info.right_edge == 0 => {}
        _ => return false,
    }
    let data = paths.part_data(id);
    let Ok(len) = os::file_len(&data) else { return true };
    let Ok(mut reader) = PartReader::open(&data) else {
        return false;
    };
    // Anything but an intact first record (a sentinel, reserved zeros) is
    // an unpublished tail; an intact one is recoverable and must be kept.
    [Format::V2, Format::V3]
        .iter()
        .all(|&f| matches!(reader.record_at(0, len, f), Ok(None)))
}

impl WriterState {
    fn open(paths: Paths, opts: WriterOptions, lock: &File) -> Result<WriterState> {
        let sync = opts.durability == Durability::Sync;
        let current = current_part(&paths)?;
        let sync_session = session::synced_part(lock);
        if let Some(id) = current {
            // A writer killed in the middle of publishing can leave a torn
            // info_push, one that lost power an info_push older than the
            // records it had flushed (a `Sync` push flushes only the data),
            // and a power loss a missing or empty one: rebuild it from the
            // records before moving on, while no reader can have passed the
            // part (the queue still names it as the writer's).
            let stale = match meta::read_info_push(&paths, id) {
                Err(Error::InvalidChecksum { .. } | Error::Corrupt { .. }) => true,
                // Only a `Sync` session acknowledges records before their
                // metadata is on disk; past a `None` session's right edge a
                // complete record is one whose push never returned.
                Ok(Some(info)) => sync_session == Some(id) && record_follows(&paths, id, &info),
                Ok(None) | Err(Error::NotFound(_)) => true,
                Err(_) => false,
            };
            let edge = if sync_session == Some(id) {
                Edge::Records
            } else {
                Edge::Keep
            };
            if stale && paths.part_dir(id).is_dir() {
                if let (_, _, Some(action)) = rebuild_info_push(&paths, id, edge, &mut |_| {})? {
                    let message = format!("queue {}: {action}", paths.queue);
                    warn(WarningKind::InfoPushRebuilt, Some(&paths.info_push(id)), message);
                }
            }
        }
        let part = match current {
            Some(id) if paths.part_dir(id).is_dir() && part_is_empty(&paths, id) => id,
            Some(id) => id
                .checked_add(1)
                .ok_or_else(|| Error::corrupt(&paths.info_queue(), 0, "part ids are exhausted"))?,
            None => 0,
        };
        let dir = paths.part_dir(part);
        os::create_dir_all(&dir)?;

        // A new v3 part starts with the previous part's dictionary when there
        // is one, so compression does not restart from nothing.
        let mut dict = None;
        if opts.format == Format::V3 {
            let path = paths.dict(part);
            let mut existing = os::read(&path).ok();
            if existing.is_none() && part > 0 {
                if let Ok(prev) = os::read(&paths.dict(part - 1)) {
                    match os::persist_atomically(&path, &prev) {
                        Ok(()) => existing = Some(prev),
                        Err(e) => {
                            let message = format!("cannot copy dictionary to {}: {e}", path.display());
                            warn(WarningKind::DictionaryNotPersisted, Some(&path), message);
                        }
                    }
                }
            }
            dict = Some(DictWriter::new(path, existing.as_deref()));
        } else {
            let _ = os::remove_file(&paths.dict(part));
        }

        let data = PartWriter::open(&paths.part_data(part), 0)?;
        let flush_file = Arc::new(
            data.file()
                .try_clone()
                .map_err(|e| Error::io_at("open", &paths.part_data(part), e))?,
        );
        let info_push_path = paths.info_push(part);
        let info_push = os::open_rw(&info_push_path).map_err(|e| Error::io_at("open", &info_push_path, e))?;
        let mut state = WriterState {
            info: PushInfo {
                right_edge: 0,
                count: 0,
                format: opts.format,
            },
            appended: 0,
            paths,
            part,
            durability: opts.durability,
            data,
            flush_file,
            failed: false,
            info_push,
            info_push_path,
            info_map: None,
            dict,
            line: Vec::with_capacity(256),
            scratch: Vec::new(),
        };
        state.sentinel()?;
        state.publish()?;
        let fixed = meta::info_push_len(&state.paths.queue) as u64;
        let actual = state
            .info_push
            .metadata()
            .map_err(|e| Error::io_at("stat", &state.info_push_path, e))?
            .len();
        if actual != fixed {
            os::set_len(&state.info_push, fixed).map_err(|e| Error::io_at("truncate", &state.info_push_path, e))?;
        }
        // SAFETY: the file has exactly `fixed` bytes and only the writer,
        // which holds the queue lock, resizes it.
        let map =
            unsafe { os::map_mut(&state.info_push) }.map_err(|e| Error::io_at("map", &state.info_push_path, e))?;
        state.info_map = Some(map);
        if sync {
            os::sync(state.data.file()).map_err(|e| Error::io_at("sync", &state.paths.part_data(part), e))?;
            os::sync(&state.info_push).map_err(|e| Error::io_at("sync", &state.info_push_path, e))?;
            os::sync_dir(&dir)?;
            // Its directory too: `Q_info_queue` must never name a part
            // that a power loss can take away.
            os::sync_dir(&state.paths.base)?;
        }
        // The part is complete on disk before the queue points at it.
        let iq = state.paths.info_queue();
        let f = os::open_write(&iq).map_err(|e| Error::io_at("open", &iq, e))?;
        meta::write_at0(&f, &iq, &meta::format_info_queue(&state.paths.queue, part))?;
        if sync {
            os::sync(&f).map_err(|e| Error::io_at("sync", &iq, e))?;
            os::sync_dir(&state.paths.base)?;
        }
        session::record(lock, &state.paths.queue_lock(), sync.then_some(part))?;
        Ok(state)
    }

    fn sync_info_push(&self) -> Result<()> {
        match &self.info_map {
            Some(map) => map.flush(),
            None => os::sync_data(&self.info_push),
        }
        .map_err(|e| Error::io_at("sync", &self.info_push_path, e))
    }

    /// Marks the end of the published records for readers of the reference
    /// crate. They read the 25 bytes at the right edge before they know
    /// whether a record is there, and mistake anything without a valid magic
    /// (such as reserved zeros) for damage to resynchronise past. A header
    /// with the right magic and a record counter one past the published one
    /// reads as "not yet published"; its CRC is deliberately wrong so that
    /// no scan can mistake it for a record. Closing cuts it off.
    fn sentinel(&mut self) -> Result<()> {
        let bytes = self.sentinel_at(self.data.len(), self.appended + 1);
        self.data.put_sentinel(&bytes)
    }

    /// The sentinel for a record `count_pushed` that would start at `start_pos`.
    fn sentinel_at(&self, start_pos: u64, count_pushed: u32) -> [u8; HEADER_SIZE] {
        let header = Header {
            start_pos,
            msg_length: 0,
            magic: record::magic_of(self.info.format),
            count_pushed,
            type_byte: MsgType::String.as_byte(),
            crc: 0,
        };
        let mut bytes = [0u8; HEADER_SIZE];
        header.encode_unsigned(&mut bytes);
        // The CRC field is still zero: the record's checksum, inverted.
        let crc = !record::crc32(&bytes);
        bytes[21..25].copy_from_slice(&crc.to_le_bytes());
        bytes
    }

    fn publish(&mut self) -> Result<()> {
        meta::format_info_push(&self.paths.queue, &self.info, &mut self.line);
        match &mut self.info_map {
            Some(map) if map.len() == self.line.len() => {
                // The record bytes must be in place before the line that
                // publishes them.
                std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
                map.copy_from_slice(&self.line);
                Ok(())
            }
            _ => meta::write_at0(&self.info_push, &self.info_push_path, &self.line),
        }
    }

    // Runs once per record pushed; inlined, `how` is a constant of the loop
    // that calls it (about 45 fewer instructions per single push).
    #[inline(always)]
    fn append(&mut self, body: &[u8], msg_type: MsgType, how: Via) -> Result<()> {
        if body.len() as u64 > MAX_BODY {
            return Err(Error::TooLarge { len: body.len() as u64 });
        }
        let compressed = match &mut self.dict {
            Some(d) => d.encode(body, &mut self.scratch),
            None => false,
        };
        let stored: &[u8] = if compressed { &self.scratch } else { body };
        let header = Header {
            start_pos: self.data.len(),
            msg_length: stored.len() as u32,
            magic: record::magic_of(self.info.format),
            count_pushed: self.appended + 1,
            type_byte: msg_type.as_byte() | if compressed { record::COMPRESSED_FLAG } else { 0 },
            crc: 0,
        };
        match how {
            Via::Map => {
                self.data.append(HEADER_SIZE + stored.len(), |out| {
                    record::write_record(out, &header, stored)
                })?;
            }
            Via::Stage => {
                self.data.stage(HEADER_SIZE + stored.len(), |out| {
                    record::extend_record(out, &header, stored)
                })?;
            }
            Via::Direct => {
                let head = record::sealed_header(&header, stored);
                let sentinel = self.sentinel_at(header.end(), header.count_pushed + 1);
                let mut parts = [IoSlice::new(&head), IoSlice::new(stored), IoSlice::new(&sentinel)];
                self.data.write_parts(&mut parts, HEADER_SIZE)?;
            }
        }
        self.appended += 1;
        if let Some(d) = &mut self.dict {
            d.observe(body);
        }
        Ok(())
    }

    /// Appends `bodies` after everything appended so far, unpublished, and
    /// returns the edge after them; on error forgets this call's records.
    fn append_many<B: AsRef<[u8]>>(&mut self, bodies: &[B], msg_type: MsgType) -> Result<u64> {
        if self.failed {
            return Err(Error::io(
                format!(
                    "push to {}: an earlier flush failed; reopen the queue",
                    self.paths.part_data(self.part).display()
                ),
                std::io::Error::other("earlier flush failed"),
            ));
        }
        let (edge, count) = (self.data.len(), self.appended);
        // A page or more of records at once is written with `pwrite` (see
        // `PartWriter::stage`), a single such record straight from the
        // caller's buffer, with its sentinel; less goes through the map.
        let bytes: usize = bodies.iter().map(|b| b.as_ref().len() + HEADER_SIZE).sum();
        let appended = match bodies {
            [body] if bytes >= STAGE_MIN => self.append(body.as_ref(), msg_type, Via::Direct),
            _ => {
                let how = if bytes >= STAGE_MIN { Via::Stage } else { Via::Map };
                bodies
                    .iter()
                    .try_for_each(|b| self.append(b.as_ref(), msg_type, how))
                    .and_then(|()| self.sentinel())
            }
        };
        if let Err(e) = appended {
            self.rollback(edge, count);
            return Err(e);
        }
        Ok(self.data.len())
    }

    /// Publishes the records appended up to `edge` (`count` of them).
    fn publish_upto(&mut self, edge: u64, count: u32) -> Result<()> {
        let before = self.info;
        self.info.right_edge = edge;
        self.info.count = count;
        let published = self.publish();
        if published.is_err() {
            self.info = before;
        }
        published
    }

    /// Publishes every record appended so far; the `Durability::None` push.
    fn publish_appended(&mut self) -> Result<()> {
        let published = self.publish_upto(self.data.len(), self.appended);
        if published.is_err() {
            self.discard_unpublished();
        }
        published
    }

    /// Forgets the records appended but not published.
    fn discard_unpublished(&mut self) {
        self.rollback(self.info.right_edge, self.info.count);
        // Best effort: the sentinel only helps readers of the reference.
        let _ = self.sentinel();
    }

    fn rollback(&mut self, edge: u64, count: u32) {
        self.data.rewind(edge);
        self.appended = count;
    }

    fn sync(&mut self) -> Result<()> {
        self.data.sync_from(0)?;
        self.sync_info_push()?;
        os::sync_dir(&self.paths.part_dir(self.part))?;
        os::sync_dir(&self.paths.base)
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(d) = &mut self.dict {
            d.settle();
        }
        // A push still waiting for its flush is not acknowledged: it fails.
        self.discard_unpublished();
        self.data.finish()?;
        if self.durability == Durability::Sync {
            self.sync()?;
        }
        Ok(())
    }
}

impl Owned for WriterState {
    fn release(&mut self) -> Result<()> {
        self.finish()
    }
}

impl Queue {
    /// Opens `name` under `base` with the default writer options.
    pub fn open(base: impl AsRef<Path>, name: &str, mode: Mode) -> Result<Queue> {
        Queue::open_with(base, name, mode, WriterOptions::default())
    }

    pub fn open_with(base: impl AsRef<Path>, name: &str, mode: Mode, opts: WriterOptions) -> Result<Queue> {
        validate_queue_name(name)?;
        let base = os::queue_dir(base.as_ref(), mode.writes())?;
        let paths = Paths::new(&base, name);
        let (inner, last) = if mode.writes() {
            let what = format!("the writer of queue {name:?} in {}", base.display());
            let h = Handle::acquire(&paths.queue_lock(), &what, |lock| {
                WriterState::open(paths.clone(), opts, lock)
            })?;
            let last = h.with(|w| Ok((w.part, w.info)))?;
            (Inner::Writer(h), last)
        } else {
            let part = current_part(&paths)?
                .ok_or_else(|| Error::NotFound(format!("queue {name:?} in {}", base.display())))?;
            let info = meta::read_info_push(&paths, part)?.unwrap_or_default();
            (Inner::Reader, (part, info))
        };
        let group = Group {
            state: Mutex::new(Flushes {
                durable: last.1.right_edge,
                ..Flushes::default()
            }),
            done: Condvar::new(),
        };
        Ok(Queue {
            name: name.to_string(),
            mode,
            inner,
            last: Mutex::new(last),
            group,
        })
    }

    fn writer(&self) -> Result<&Handle<WriterState>> {
        match &self.inner {
            Inner::Writer(h) => Ok(h),
            Inner::Reader => Err(Error::ReadOnly(format!("queue {:?} was opened read-only", self.name))),
        }
    }

    /// Appends one record; returns the part's right edge after it. The record
    /// is visible to consumers in any process when this returns.
    pub fn push(&self, body: &[u8], msg_type: MsgType) -> Result<u64> {
        self.push_batch(&[body], msg_type)
    }

    /// Appends several records and publishes them together.
    ///
    /// With `Durability::Sync` the records are flushed before they are
    /// published, with one flush of the part data; metadata is not flushed
    /// (records carry their own CRC, and a writer opening after a crash
    /// publishes the intact records it finds past the recorded right edge).
    /// Threads pushing through one handle share flushes: pushes appended
    /// while a flush runs go to disk together in the next one.
    pub fn push_batch<B: AsRef<[u8]>>(&self, bodies: &[B], msg_type: MsgType) -> Result<u64> {
        let h = self.writer()?;
        let (edge, sync) = h.with(|w| {
            let edge = w.append_many(bodies, msg_type)?;
            let sync = w.durability == Durability::Sync;
            if !sync {
                w.publish_appended()?;
                // Under the writer's lock, so concurrent pushers store it in order.
                self.remember(w);
            }
            Ok((edge, sync))
        })?;
        if sync {
            self.flushed_to(h, edge)?;
        }
        Ok(edge)
    }

    /// Returns once the records up to `edge` are on stable storage and
    /// published, flushing them itself unless a flush under way covers them.
    fn flushed_to(&self, h: &Handle<WriterState>, edge: u64) -> Result<()> {
        let mut g = guard(&self.group.state);
        loop {
            if g.durable >= edge {
                return Ok(());
            }
            if g.failed {
                return Err(Error::io(
                    "push",
                    std::io::Error::other("the flush that covered this push failed"),
                ));
            }
            if g.running {
                g = self.group.done.wait(g).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            g.running = true;
            drop(g);
            let flushed = self.flush_appended(h);
            g = guard(&self.group.state);
            g.running = false;
            match &flushed {
                Ok(upto) => g.durable = g.durable.max(*upto),
                Err(_) => g.failed = true,
            }
            self.group.done.notify_all();
            flushed?;
        }
    }

    /// Flushes every record appended so far, then publishes them; returns
    /// their edge. The flush runs without the writer's lock.
    fn flush_appended(&self, h: &Handle<WriterState>) -> Result<u64> {
        let (upto, count, file) = h.with(|w| Ok((w.data.len(), w.appended, w.flush_file.clone())))?;
        let data_path = || h.with(|w| Ok(w.paths.part_data(w.part))).unwrap_or_default();
        let outcome = match os::sync_data(&file) {
            Ok(()) => h.with(|w| {
                w.publish_upto(upto, count)?;
                self.remember(w);
                Ok(upto)
            }),
            Err(e) => Err(Error::io_at("sync", &data_path(), e)),
        };
        if outcome.is_err() {
            let _ = h.with(|w| {
                w.failed = true;
                w.discard_unpublished();
                Ok(())
            });
        }
        outcome
    }

    /// Forces everything written so far to stable storage.
    pub fn sync(&self) -> Result<()> {
        self.writer()?.with(|w| w.sync())
    }

    /// Releases the part and the writer lock. Idempotent.
    pub fn close(&mut self) -> Result<()> {
        match &self.inner {
            Inner::Writer(h) => h.close(),
            Inner::Reader => Ok(()),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    fn remember(&self, w: &WriterState) {
        *guard(&self.last) = (w.part, w.info);
    }

    fn view<R>(&self, f: impl Fn(u32, &PushInfo) -> R) -> R {
        let (part, info) = *guard(&self.last);
        f(part, &info)
    }

    /// Records in the current part.
    pub fn count_pushed(&self) -> u32 {
        self.view(|_, i| i.count)
    }

    pub fn right_edge(&self) -> u64 {
        self.view(|_, i| i.right_edge)
    }

    pub fn part_id(&self) -> u32 {
        self.view(|p, _| p)
    }

    pub fn format(&self) -> Format {
        self.view(|_, i| i.format)
    }

    /// False once closed or taken over by a newer writer in this process.
    pub fn is_ready(&self) -> bool {
        match &self.inner {
            Inner::Writer(h) => h.is_owner(),
            Inner::Reader => true,
        }
    }
}
