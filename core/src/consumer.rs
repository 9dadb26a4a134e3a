//! Consumers: cursors over the records of all parts, in push order.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use memmap2::MmapMut;

use crate::compress::DictReader;
use crate::error::{Error, Result};
use crate::lock::{Handle, Owned};
use crate::meta::{self, Paths, PopInfo, PushInfo};
use crate::part::PartReader;
use crate::record::{self, Header, HEADER_SIZE};
use crate::writer::{current_part, prepare_base};
use crate::{Message, Mode, MsgType, Start};

/// Where a read-write consumer persists its position: the position file and
/// the backup in its lock file, both mapped so a commit is two small copies.
struct CommitFiles {
    queue: String,
    consumer: String,
    path: PathBuf,
    file: File,
    map: Option<MmapMut>,
    backup: Option<MmapMut>,
    line: Vec<u8>,
}

impl CommitFiles {
    fn open(paths: &Paths, consumer: &str, lock: &File, current: &PopInfo) -> Result<CommitFiles> {
        let path = paths.info_pop(consumer);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io_at("open", &path, e))?;
        let len = meta::info_pop_len(&paths.queue, consumer) as u64;
        let mut files = CommitFiles {
            queue: paths.queue.clone(),
            consumer: consumer.to_string(),
            path,
            file,
            map: None,
            backup: None,
            line: Vec::with_capacity(len as usize),
        };
        // Bring a legacy (unpadded) file to the fixed length by rewriting it
        // whole, so that the map below never covers bytes past its end.
        let (record, _) = meta::format_info_pop(&files.queue, consumer, current);
        meta::write_at0(&files.file, &files.path, &record)?;
        let actual = files.file.metadata().map_err(|e| Error::io_at("stat", &files.path, e))?.len();
        if actual != len && record.len() as u64 == len {
            files.file.set_len(len).map_err(|e| Error::io_at("truncate", &files.path, e))?;
        }
        if record.len() as u64 == len {
            // SAFETY: the file has exactly `len` bytes and only this consumer
            // (holding its lock) resizes it.
            files.map = Some(unsafe { MmapMut::map_mut(&files.file) }.map_err(|e| Error::io_at("map", &files.path, e))?);
        }
        let lock_path = paths.info_pop_lock(consumer);
        let lock = lock.try_clone().map_err(|e| Error::io_at("open", &lock_path, e))?;
        let lock_len = lock.metadata().map_err(|e| Error::io_at("stat", &lock_path, e))?.len();
        if lock_len < meta::BACKUP_LEN as u64 {
            lock.set_len(meta::BACKUP_LEN as u64).map_err(|e| Error::io_at("truncate", &lock_path, e))?;
        }
        // SAFETY: as above; the lock file is never shrunk by this project.
        let mut backup = unsafe { memmap2::MmapOptions::new().len(meta::BACKUP_LEN).map_mut(&lock) }
            .map_err(|e| Error::io_at("map", &lock_path, e))?;
        backup.copy_from_slice(&meta::encode_backup(current));
        files.backup = Some(backup);
        Ok(files)
    }

    fn write(&mut self, info: &PopInfo) -> Result<()> {
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

    fn sync(&self) -> Result<()> {
        if let Some(m) = &self.map {
            m.flush().map_err(|e| Error::io_at("sync", &self.path, e))?;
        }
        Ok(())
    }
}

struct Damage {
    offset: u64,
    checksum: bool,
    detail: String,
}

#[derive(Clone, Copy, Default)]
struct Snapshot {
    part: u32,
    pos: u64,
    popped: u32,
    pending: Option<(MsgType, u32)>,
}

pub(crate) struct ConsumerState {
    paths: Paths,
    part: u32,
    pos: u64,
    popped: u32,
    info: PushInfo,
    /// Whether `info` was read intact at least once for this part.
    info_valid: bool,
    info_file: Option<File>,
    queue_file: Option<File>,
    reader: Option<PartReader>,
    pending: Option<(Header, u32)>,
    damage: Option<Damage>,
    dict: DictReader,
    scratch: Vec<u8>,
    commit: Option<CommitFiles>,
}

impl Owned for ConsumerState {
    fn release(&mut self) -> Result<()> {
        self.commit = None;
        self.reader = None;
        Ok(())
    }
}

fn read_head(file: &File, path: &Path) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; 512];
    let n = file.read_at(&mut buf, 0).map_err(|e| Error::io_at("read", path, e))?;
    buf.truncate(n);
    Ok(buf)
}

impl ConsumerState {
    fn new(paths: Paths, at: PopInfo) -> Result<ConsumerState> {
        let mut s = ConsumerState {
            paths,
            part: at.part,
            pos: 0,
            popped: 0,
            info: PushInfo::default(),
            info_valid: false,
            info_file: None,
            queue_file: None,
            reader: None,
            pending: None,
            damage: None,
            dict: DictReader::default(),
            scratch: Vec::new(),
            commit: None,
        };
        s.enter(at.part)?;
        s.pos = at.pos;
        s.popped = at.popped;
        Ok(s)
    }

    /// Checks that a saved position lies inside its part.
    fn check_position(&self, source: &Path) -> Result<()> {
        if self.pos > self.info.right_edge && self.paths.part_dir(self.part).is_dir() {
            return Err(Error::corrupt(
                source,
                0,
                format!(
                    "position {} in part {} is past that part's right edge {}",
                    self.pos, self.part, self.info.right_edge
                ),
            ));
        }
        Ok(())
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            part: self.part,
            pos: self.pos,
            popped: self.popped,
            pending: self.pending.and_then(|(h, len)| h.msg_type().map(|t| (t, len))),
        }
    }

    fn enter(&mut self, part: u32) -> Result<()> {
        self.part = part;
        self.pos = 0;
        self.popped = 0;
        self.info = PushInfo::default();
        self.info_valid = false;
        self.info_file = None;
        self.reader = None;
        self.pending = None;
        self.damage = None;
        self.refresh_info()
    }

    /// Re-reads the current part's info_push. A missing part reads as empty,
    /// so a consumer passes over a deleted part instead of stopping there.
    fn refresh_info(&mut self) -> Result<()> {
        let path = self.paths.info_push(self.part);
        if self.info_file.is_none() {
            match File::open(&path) {
                Ok(f) => self.info_file = Some(f),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if !self.paths.part_dir(self.part).is_dir() && self.info.right_edge == 0 {
                        log::warn!("part {} of queue {} is missing; passing over it", self.part, self.paths.queue);
                    }
                    return Ok(());
                }
                Err(e) => return Err(Error::io_at("open", &path, e)),
            }
        }
        let file = self.info_file.as_ref().expect("opened above");
        let mut attempt = 0;
        loop {
            let bytes = read_head(file, &path)?;
            match meta::parse_info_push(&self.paths.queue, &bytes, &path) {
                Ok(Some(info)) => {
                    if info.right_edge >= self.info.right_edge {
                        self.info = info;
                    }
                    self.info_valid = true;
                    return Ok(());
                }
                Ok(None) => {
                    self.info_valid = true;
                    return Ok(());
                }
                // An update in progress can be seen half done: look again.
                Err(_) if attempt < 3 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_micros(200 << attempt));
                }
                // A writer killed mid-update leaves a torn line until the
                // next writer repairs it; what was read before still holds.
                Err(e) if self.info_valid => {
                    log::debug!("{e}; keeping the last intact reading");
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn writer_part(&mut self) -> Result<u32> {
        if self.queue_file.is_none() {
            self.queue_file = File::open(self.paths.info_queue()).ok();
        }
        if let Some(f) = &self.queue_file {
            let path = self.paths.info_queue();
            if let Ok(id) = meta::parse_info_queue(&self.paths.queue, &read_head(f, &path)?, &path) {
                return Ok(id);
            }
        }
        Ok(current_part(&self.paths)?.unwrap_or(self.part))
    }

    /// Moves to the next part that can hold unread records, if the writer has
    /// moved on; true when a record is available at the position.
    fn settle(&mut self) -> Result<bool> {
        loop {
            if self.pos < self.info.right_edge {
                return Ok(true);
            }
            self.refresh_info()?;
            if self.pos < self.info.right_edge {
                return Ok(true);
            }
            let writer = self.writer_part()?;
            if writer <= self.part {
                return Ok(false);
            }
            // The part is final once the writer has left it; read its last word.
            self.refresh_info()?;
            if self.pos < self.info.right_edge {
                return Ok(true);
            }
            let mut next = self.part + 1;
            while next < writer && !self.paths.part_dir(next).is_dir() {
                log::warn!("part {next} of queue {} is missing; passing over it", self.paths.queue);
                next += 1;
            }
            self.enter(next)?;
        }
    }

    fn damaged(&mut self, offset: u64, checksum: bool, detail: String) -> Error {
        self.pending = None;
        let err = self.damage_error(offset, checksum, &detail);
        self.damage = Some(Damage { offset, checksum, detail });
        err
    }

    fn damage_error(&self, offset: u64, checksum: bool, detail: &str) -> Error {
        let path = self.paths.part_data(self.part);
        let detail = format!("{detail} (call skip_corrupt to resume after it)");
        if checksum {
            Error::checksum(&path, offset, detail)
        } else {
            Error::corrupt(&path, offset, detail)
        }
    }

    fn reader(&mut self) -> Result<&mut PartReader> {
        if self.reader.is_none() {
            self.reader = Some(PartReader::open(&self.paths.part_data(self.part))?);
        }
        Ok(self.reader.as_mut().expect("opened above"))
    }

    fn pop_header(&mut self) -> Result<bool> {
        if self.pending.is_some() {
            return Ok(true);
        }
        if let Some(d) = &self.damage {
            return Err(self.damage_error(d.offset, d.checksum, &d.detail));
        }
        if !self.settle()? {
            return Ok(false);
        }
        let (pos, edge, format) = (self.pos, self.info.right_edge, self.info.format);
        let reader = match self.reader() {
            Ok(r) => r,
            Err(Error::NotFound(_)) => {
                let detail = format!("the part's data file is missing but its info_push promises {edge} bytes");
                return Err(self.damaged(pos, false, detail));
            }
            Err(e) => return Err(e),
        };
        let header = match reader.get(pos, HEADER_SIZE, edge)? {
            Ok(bytes) => Header::decode(bytes),
            Err(short) => {
                let detail = format!("the part file ends at byte {} but its info_push promises {edge}", short.file_end);
                return Err(self.damaged(pos, false, detail));
            }
        };
        if let Err(detail) = record::check_header(&header, pos, format, edge) {
            return Err(self.damaged(pos, false, detail));
        }
        let decoded_len = if header.compressed() {
            match self.reader()?.get(pos + HEADER_SIZE as u64, 4, edge)? {
                Ok(b) => u32::from_le_bytes(b.try_into().unwrap()),
                Err(_) => return Err(self.damaged(pos, false, "the compressed body is cut short".into())),
            }
        } else {
            header.msg_length
        };
        self.pending = Some((header, decoded_len));
        Ok(true)
    }

    fn pop_body_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let Some((header, _)) = self.pending else { return Ok(None) };
        let (pos, edge) = (self.pos, self.info.right_edge);
        let n = HEADER_SIZE + header.msg_length as usize;
        self.reader()?;
        let ConsumerState { reader, dict, scratch, paths, part, .. } = self;
        let bytes = match reader.as_mut().expect("opened above").get(pos, n, edge)? {
            Ok(b) => b,
            Err(short) => {
                let detail = format!("the part file ends at byte {} inside this record", short.file_end);
                return Err(self.damaged(pos, false, detail));
            }
        };
        let crc = record::record_crc(&bytes[..HEADER_SIZE], &bytes[HEADER_SIZE..]);
        if crc != header.crc {
            let detail = format!(
                "record {} ({} body bytes) has CRC {:#010x}, computed {crc:#010x}",
                header.count_pushed, header.msg_length, header.crc
            );
            return Err(self.damaged(pos, true, detail));
        }
        let out = if header.compressed() {
            if let Err(e) = dict.decode(paths, *part, &bytes[HEADER_SIZE..], pos, scratch) {
                self.pending = None;
                self.damage = Some(Damage { offset: pos, checksum: false, detail: e.to_string() });
                return Err(e);
            }
            f(scratch)
        } else {
            f(&bytes[HEADER_SIZE..])
        };
        self.pos = header.end();
        self.popped += 1;
        self.pending = None;
        Ok(Some(out))
    }

    fn pop(&mut self) -> Result<Option<Message>> {
        if !self.pop_header()? {
            return Ok(None);
        }
        let Some((header, _)) = self.pending else { return Ok(None) };
        let (part, offset) = (self.part, self.pos);
        let msg_type = header.msg_type().unwrap_or(MsgType::String);
        Ok(self.pop_body_with(|b| b.to_vec())?.map(|body| Message { body, msg_type, part, offset }))
    }

    fn commit(&mut self) -> Result<()> {
        let info = PopInfo { pos: self.pos, popped: self.popped, part: self.part };
        match &mut self.commit {
            Some(files) => files.write(&info),
            None => Err(Error::ReadOnly(format!(
                "a read-only consumer of queue {:?} keeps its position in memory only",
                self.paths.queue
            ))),
        }
    }

    fn batch_size(&mut self) -> Result<u32> {
        self.refresh_info()?;
        if self.pending.is_none() && self.damage.is_none() {
            self.settle()?;
        }
        Ok(self.info.count.saturating_sub(self.popped))
    }

    fn backlog(&mut self) -> Result<u64> {
        let here = self.batch_size()? as u64;
        let writer = self.writer_part()?;
        let mut total = here;
        for id in self.part + 1..=writer {
            match meta::read_info_push(&self.paths, id) {
                Ok(Some(i)) => total += i.count as u64,
                Ok(None) | Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(total)
    }

    /// Resumes at the next intact record after damage; returns how many
    /// records were lost (known from the counters of the records around it).
    fn skip_corrupt(&mut self) -> Result<u64> {
        let Some(d) = self.damage.take() else { return Ok(0) };
        self.pending = None;
        let (edge, format) = (self.info.right_edge, self.info.format);
        let found = match self.reader() {
            Ok(r) => r.next_valid(d.offset + 1, edge, format)?,
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let lost = match found {
            Some(h) => {
                let before = h.count_pushed.saturating_sub(1);
                let lost = before.saturating_sub(self.popped).max(1);
                self.popped = before;
                self.pos = h.start_pos;
                lost
            }
            None => {
                let lost = self.info.count.saturating_sub(self.popped).max(1);
                self.popped = self.info.count;
                self.pos = edge;
                lost
            }
        };
        log::warn!(
            "queue {}: skipped damage at byte {} of part {}; {lost} record(s) lost",
            self.paths.queue,
            d.offset,
            self.part
        );
        Ok(lost as u64)
    }
}

enum Inner {
    Owned(Handle<ConsumerState>),
    Local(Box<ConsumerState>),
    Closed,
}

/// A consumer of one queue. Read-write consumers save their position with
/// `commit`; read-only ones keep it in memory and never write a file.
pub struct Consumer {
    name: String,
    queue: String,
    mode: Mode,
    inner: Inner,
    snap: std::cell::Cell<Snapshot>,
}

impl Consumer {
    /// Opens (or creates) the read-write consumer `consumer` of `queue`.
    pub fn open(base: impl AsRef<Path>, consumer: &str, queue: &str) -> Result<Consumer> {
        Consumer::open_with_mode(base, consumer, queue, Mode::ReadWrite)
    }

    pub fn open_with_mode(base: impl AsRef<Path>, consumer: &str, queue: &str, mode: Mode) -> Result<Consumer> {
        crate::name::validate_pair(queue, consumer)?;
        let base = prepare_base(base.as_ref(), false)?;
        let paths = Paths::new(&base, queue);
        let writer = current_part(&paths)?
            .ok_or_else(|| Error::NotFound(format!("queue {queue:?} in {} has no parts", base.display())))?;
        let inner = if mode.writes() {
            let what = format!("consumer {consumer:?} of queue {queue:?} in {}", base.display());
            Inner::Owned(Handle::acquire(&paths.info_pop_lock(consumer), &what, |lock| {
                let saved = meta::read_position(&paths, consumer)?;
                let at = saved.unwrap_or(PopInfo { pos: 0, popped: 0, part: writer });
                let mut state = ConsumerState::new(paths.clone(), at)?;
                state.check_position(&paths.info_pop(consumer))?;
                state.commit = Some(CommitFiles::open(&paths, consumer, lock, &at)?);
                Ok(state)
            })?)
        } else {
            let at = meta::read_position(&paths, consumer)?.unwrap_or(PopInfo { pos: 0, popped: 0, part: writer });
            let state = ConsumerState::new(paths.clone(), at)?;
            state.check_position(&paths.info_pop(consumer))?;
            Inner::Local(Box::new(state))
        };
        let mut c = Consumer {
            name: consumer.to_string(),
            queue: queue.to_string(),
            mode,
            inner,
            snap: Default::default(),
        };
        c.with(|_| Ok(()))?;
        Ok(c)
    }

    /// A read-only cursor that writes no file.
    pub fn open_reader(base: impl AsRef<Path>, queue: &str, start: Start) -> Result<Consumer> {
        crate::validate_name(queue)?;
        if let Start::Consumer(name) = &start {
            crate::name::validate_pair(queue, name)?;
        }
        let base = prepare_base(base.as_ref(), false)?;
        let paths = Paths::new(&base, queue);
        let no_parts = || Error::NotFound(format!("queue {queue:?} in {} has no parts", base.display()));
        let (name, at) = match &start {
            Start::FirstPart => {
                let first = *paths.list_parts()?.first().ok_or_else(no_parts)?;
                (String::new(), PopInfo { pos: 0, popped: 0, part: first })
            }
            Start::CurrentPart => {
                let part = current_part(&paths)?.ok_or_else(no_parts)?;
                (String::new(), PopInfo { pos: 0, popped: 0, part })
            }
            Start::Consumer(name) => {
                let at = meta::read_position(&paths, name)?.ok_or_else(|| {
                    Error::NotFound(format!("consumer {name:?} of queue {queue:?} has no saved position"))
                })?;
                (name.clone(), at)
            }
        };
        let state = ConsumerState::new(paths, at)?;
        let mut c = Consumer {
            name,
            queue: queue.to_string(),
            mode: Mode::Read,
            inner: Inner::Local(Box::new(state)),
            snap: Default::default(),
        };
        c.with(|_| Ok(()))?;
        Ok(c)
    }

    fn with<R>(&mut self, f: impl FnOnce(&mut ConsumerState) -> Result<R>) -> Result<R> {
        let mut snap = None;
        let out = match &mut self.inner {
            Inner::Owned(h) => h.with(|s| {
                let r = f(s);
                snap = Some(s.snapshot());
                r
            }),
            Inner::Local(s) => {
                let r = f(s);
                snap = Some(s.snapshot());
                r
            }
            Inner::Closed => Err(Error::Closed(format!("consumer {:?} of queue {:?} is closed", self.name, self.queue))),
        };
        if let Some(s) = snap {
            self.snap.set(s);
        }
        out
    }

    /// True when a record is ready for [`pop_body`](Self::pop_body). Moves to
    /// the next part when this one is exhausted and the writer has moved on.
    pub fn pop_header(&mut self) -> Result<bool> {
        self.with(|s| s.pop_header())
    }

    /// The body of the record announced by `pop_header`; `None` when no
    /// header is pending.
    pub fn pop_body(&mut self) -> Result<Option<Vec<u8>>> {
        self.with(|s| s.pop_body_with(|b| b.to_vec()))
    }

    /// Like `pop_body`, lending the body to `f` without copying it.
    pub fn pop_body_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        self.with(|s| s.pop_body_with(f))
    }

    /// Saves the position after the last popped record.
    pub fn commit(&mut self) -> Result<()> {
        self.with(|s| s.commit())
    }

    /// Unread records in the current part.
    pub fn get_batch_size(&mut self) -> Result<u32> {
        self.with(|s| s.batch_size())
    }

    pub fn pop(&mut self) -> Result<Option<Message>> {
        self.with(|s| s.pop())
    }

    pub fn pop_batch(&mut self, max: usize) -> Result<Vec<Message>> {
        self.with(|s| {
            let mut out = Vec::new();
            while out.len() < max {
                match s.pop()? {
                    Some(m) => out.push(m),
                    None => break,
                }
            }
            Ok(out)
        })
    }

    /// Blocks until a record is available or `timeout` passes, polling with a
    /// back-off capped at 5 ms; true when a record is available. A timeout
    /// too large for the clock to count waits until a record arrives.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now().checked_add(timeout);
        let mut delay = Duration::from_micros(250);
        loop {
            if self.pop_header()? {
                return Ok(true);
            }
            let now = Instant::now();
            let left = deadline.map(|d| d.saturating_duration_since(now));
            if left == Some(Duration::ZERO) {
                return Ok(false);
            }
            std::thread::sleep(left.map_or(delay, |l| delay.min(l)));
            delay = (delay * 2).min(Duration::from_millis(5));
        }
    }

    /// Unread records across all parts.
    pub fn backlog(&mut self) -> Result<u64> {
        self.with(|s| s.backlog())
    }

    /// After a corruption error: resumes at the next intact record and
    /// returns how many records were lost (0 when there was no damage).
    pub fn skip_corrupt(&mut self) -> Result<u64> {
        self.with(|s| s.skip_corrupt())
    }

    /// Flushes the saved position to stable storage.
    pub fn sync(&mut self) -> Result<()> {
        self.with(|s| s.commit.as_ref().map_or(Ok(()), |c| c.sync()))
    }

    /// Releases the consumer without committing. Idempotent.
    pub fn close(&mut self) -> Result<()> {
        let closed = match &self.inner {
            Inner::Owned(h) => h.close(),
            _ => Ok(()),
        };
        self.inner = Inner::Closed;
        closed
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn queue_name(&self) -> &str {
        &self.queue
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Records popped in the current part.
    pub fn count_popped(&self) -> u32 {
        self.snap.get().popped
    }

    pub fn part_id(&self) -> u32 {
        self.snap.get().part
    }

    /// Byte offset after the last popped record.
    pub fn position(&self) -> u64 {
        self.snap.get().pos
    }

    /// Type of the record announced by `pop_header`.
    pub fn msg_type(&self) -> Option<MsgType> {
        self.snap.get().pending.map(|p| p.0)
    }

    /// Decoded body length of the record announced by `pop_header`.
    pub fn record_len(&self) -> Option<u32> {
        self.snap.get().pending.map(|p| p.1)
    }

    /// False once closed or taken over by a newer handle in this process.
    pub fn is_ready(&self) -> bool {
        match &self.inner {
            Inner::Owned(h) => h.is_owner(),
            Inner::Local(_) => true,
            Inner::Closed => false,
        }
    }
}

impl Iterator for Consumer {
    type Item = Result<Message>;
    fn next(&mut self) -> Option<Result<Message>> {
        self.pop().transpose()
    }
}
