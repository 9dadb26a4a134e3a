//! The writer: one per queue, appending records to its own part.

use std::path::{Path, PathBuf};

use crate::compress::DictWriter;
use crate::error::{Error, Result};
use crate::lock::{Handle, Owned};
use crate::meta::{self, Paths, PushInfo};
use crate::name::validate_queue_name;
use crate::os::{self, File, MmapMut};
use crate::part::{PartReader, PartWriter};
use crate::record::{self, Header, HEADER_SIZE, MAX_BODY};
use crate::scan::{current_part, rebuild_info_push};
use crate::types::{Durability, Format, Mode, MsgType, WriterOptions};
use crate::warning::{warn, WarningKind};

pub(crate) struct WriterState {
    paths: Paths,
    part: u32,
    info: PushInfo,
    durability: Durability,
    data: PartWriter,
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

/// A queue handle. Read-write: the queue's single writer. Read: a view of the
/// writer's current part that refuses to push.
pub struct Queue {
    name: String,
    mode: Mode,
    inner: Inner,
    /// Last known part and counters, still readable after close.
    last: std::cell::Cell<(u32, PushInfo)>,
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
    let Ok(mut reader) = PartReader::open(&data) else { return false };
    // Anything but an intact first record (a sentinel, reserved zeros) is
    // an unpublished tail; an intact one is recoverable and must be kept.
    [Format::V2, Format::V3]
        .iter()
        .all(|&f| matches!(reader.record_at(0, len, f), Ok(None)))
}

impl WriterState {
    fn open(paths: Paths, opts: WriterOptions) -> Result<WriterState> {
        let sync = opts.durability == Durability::Sync;
        let current = current_part(&paths)?;
        if let Some(id) = current {
            // A writer killed in the middle of publishing can leave a torn
            // info_push, and a power loss a missing or empty one; rebuild it
            // from the records before moving on, while no reader can have
            // passed the part (the queue still names it as the writer's).
            let unpublished = matches!(
                meta::read_info_push(&paths, id),
                Ok(None) | Err(Error::InvalidChecksum { .. } | Error::Corrupt { .. } | Error::NotFound(_))
            );
            if unpublished && paths.part_dir(id).is_dir() {
                if let (_, _, Some(action)) = rebuild_info_push(&paths, id, &mut |_| {})? {
                    let message = format!("queue {}: {action}", paths.queue);
                    warn(WarningKind::InfoPushRebuilt, Some(&paths.info_push(id)), message);
                }
            }
        }
        let part = match current {
            Some(id) if paths.part_dir(id).is_dir() && part_is_empty(&paths, id) => id,
            Some(id) => id.checked_add(1).ok_or_else(|| {
                Error::corrupt(&paths.info_queue(), 0, "part ids are exhausted")
            })?,
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
        let info_push_path = paths.info_push(part);
        let info_push = os::open_rw(&info_push_path).map_err(|e| Error::io_at("open", &info_push_path, e))?;
        let mut state = WriterState {
            info: PushInfo { right_edge: 0, count: 0, format: opts.format },
            paths,
            part,
            durability: opts.durability,
            data,
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
        let actual = state.info_push.metadata().map_err(|e| Error::io_at("stat", &state.info_push_path, e))?.len();
        if actual != fixed {
            state.info_push.set_len(fixed).map_err(|e| Error::io_at("truncate", &state.info_push_path, e))?;
        }
        // SAFETY: the file has exactly `fixed` bytes and only the writer,
        // which holds the queue lock, resizes it.
        let map = unsafe { os::map_mut(&state.info_push) }
            .map_err(|e| Error::io_at("map", &state.info_push_path, e))?;
        state.info_map = Some(map);
        if sync {
            os::sync(state.data.file()).map_err(|e| Error::io_at("sync", &state.paths.part_data(part), e))?;
            os::sync(&state.info_push).map_err(|e| Error::io_at("sync", &state.info_push_path, e))?;
            os::sync_dir(&dir)?;
        }
        // The part is complete on disk before the queue points at it.
        let iq = state.paths.info_queue();
        let f = os::open_write(&iq).map_err(|e| Error::io_at("open", &iq, e))?;
        meta::write_at0(&f, &iq, &meta::format_info_queue(&state.paths.queue, part))?;
        if sync {
            os::sync(&f).map_err(|e| Error::io_at("sync", &iq, e))?;
            os::sync_dir(&state.paths.base)?;
        }
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
        let header = Header {
            start_pos: self.data.len(),
            msg_length: 0,
            magic: record::magic_of(self.info.format),
            count_pushed: self.info.count + 1,
            type_byte: MsgType::String.as_byte(),
            crc: 0,
        };
        let mut bytes = [0u8; HEADER_SIZE];
        header.encode_unsigned(&mut bytes);
        let crc = !record::record_crc(&bytes, &[]);
        bytes[21..25].copy_from_slice(&crc.to_le_bytes());
        self.data.put_sentinel(&bytes)
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

    fn append(&mut self, body: &[u8], msg_type: MsgType) -> Result<()> {
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
            count_pushed: self.info.count + 1,
            type_byte: msg_type.as_byte() | if compressed { record::COMPRESSED_FLAG } else { 0 },
            crc: 0,
        };
        self.data.append(HEADER_SIZE + stored.len(), |out| record::write_record(out, &header, stored))?;
        self.info.count += 1;
        if let Some(d) = &mut self.dict {
            d.observe(body);
        }
        Ok(())
    }

    /// Publishes everything appended since `edge`/`count`, or forgets it.
    fn commit_appended(&mut self, edge: u64, count: u32) -> Result<u64> {
        let outcome = (|| {
            self.sentinel()?;
            if self.durability == Durability::Sync {
                self.data.sync_from(edge)?;
            }
            self.info.right_edge = self.data.len();
            self.publish()?;
            if self.durability == Durability::Sync {
                self.sync_info_push()?;
            }
            Ok(self.info.right_edge)
        })();
        if outcome.is_err() {
            self.rollback(edge, count);
        }
        outcome
    }

    fn rollback(&mut self, edge: u64, count: u32) {
        self.data.rewind(edge);
        self.info.right_edge = edge;
        self.info.count = count;
    }

    fn push_many<B: AsRef<[u8]>>(&mut self, bodies: &[B], msg_type: MsgType) -> Result<u64> {
        let (edge, count) = (self.info.right_edge, self.info.count);
        for body in bodies {
            if let Err(e) = self.append(body.as_ref(), msg_type) {
                self.rollback(edge, count);
                return Err(e);
            }
        }
        self.commit_appended(edge, count)
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
            let h = Handle::acquire(&paths.queue_lock(), &what, |_| WriterState::open(paths.clone(), opts))?;
            let last = h.with(|w| Ok((w.part, w.info)))?;
            (Inner::Writer(h), last)
        } else {
            let part = current_part(&paths)?
                .ok_or_else(|| Error::NotFound(format!("queue {name:?} in {}", base.display())))?;
            let info = meta::read_info_push(&paths, part)?.unwrap_or_default();
            (Inner::Reader, (part, info))
        };
        Ok(Queue { name: name.to_string(), mode, inner, last: std::cell::Cell::new(last) })
    }

    fn writer(&self) -> Result<&Handle<WriterState>> {
        match &self.inner {
            Inner::Writer(h) => Ok(h),
            Inner::Reader => Err(Error::ReadOnly(format!("queue {:?} was opened read-only", self.name))),
        }
    }

    /// Appends one record; returns the part's right edge after it. The record
    /// is visible to consumers in any process when this returns.
    pub fn push(&mut self, body: &[u8], msg_type: MsgType) -> Result<u64> {
        self.push_batch(&[body], msg_type)
    }

    /// Appends several records and publishes them together.
    pub fn push_batch<B: AsRef<[u8]>>(&mut self, bodies: &[B], msg_type: MsgType) -> Result<u64> {
        let (edge, last) = self.writer()?.with(|w| {
            let edge = w.push_many(bodies, msg_type);
            Ok((edge, (w.part, w.info)))
        })?;
        self.last.set(last);
        edge
    }

    /// Forces everything written so far to stable storage.
    pub fn sync(&mut self) -> Result<()> {
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

    fn view<R>(&self, f: impl Fn(u32, &PushInfo) -> R) -> R {
        let (part, info) = self.last.get();
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
