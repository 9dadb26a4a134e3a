//! The cursor: a position in the records of all parts, in push order, and
//! the reading that moves it (part changes, damage, skipping past damage).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::position::CommitFiles;
use crate::compress::DictReader;
use crate::error::{Error, Result};
use crate::lock::Owned;
use crate::meta::{self, Paths, PopInfo, PushInfo};
use crate::os::{self, File};
use crate::part::PartReader;
use crate::record::{self, Header, HEADER_SIZE};
use crate::scan::{current_part, scan_part};
use crate::types::{Message, MsgType};
use crate::warning::{warn, WarningKind};

pub(super) struct Damage {
    offset: u64,
    checksum: bool,
    detail: String,
    /// What is damaged: a record (in the part file) or a file that says
    /// where the records are.
    what: Damaged,
}

#[derive(Clone, PartialEq, Eq)]
enum Damaged {
    Record,
    /// The part's info_push is unreadable, or missing while the part holds
    /// records: skip_corrupt reads on from the records themselves.
    InfoPush(PathBuf),
    /// The saved position lies past its part's data: skip_corrupt resumes
    /// at the part's right edge.
    Position(PathBuf),
}

#[derive(Clone, Copy, Default)]
pub(super) struct Snapshot {
    pub part: u32,
    pub pos: u64,
    pub popped: u32,
    pub pending: Option<(MsgType, u32)>,
}

pub(super) struct ConsumerState {
    paths: Paths,
    part: u32,
    pos: u64,
    popped: u32,
    info: PushInfo,
    /// Whether `info` was read intact at least once for this part.
    info_valid: bool,
    /// Whether `info` comes from a published line (or from the records,
    /// after damage to it), rather than from a missing or empty file.
    published: bool,
    info_file: Option<File>,
    queue_file: Option<File>,
    reader: Option<PartReader>,
    pending: Option<(Header, u32)>,
    damage: Option<Damage>,
    dict: DictReader,
    scratch: Vec<u8>,
    pub commit: Option<CommitFiles>,
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
    let n = os::read_at(file, &mut buf, 0).map_err(|e| Error::io_at("read", path, e))?;
    buf.truncate(n);
    Ok(buf)
}

impl ConsumerState {
    pub fn new(paths: Paths, at: PopInfo) -> Result<ConsumerState> {
        let mut s = ConsumerState {
            paths,
            part: at.part,
            pos: 0,
            popped: 0,
            info: PushInfo::default(),
            info_valid: false,
            published: false,
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

    /// A saved position past its part's data (the data was lost, or the
    /// file was edited) is damage every mode reports on the next read, and
    /// `skip_corrupt` resumes at the part's right edge.
    ///
    /// Except when intact records lead from the right edge exactly to the
    /// position: a power loss kept records (flushed by a `sync` push) and
    /// the position of a consumer that read them, but not the line that
    /// published them. The consumer then takes the records as published, as
    /// the writer's recovery will.
    pub fn check_position(&mut self, source: &Path) {
        if self.damage.is_none() && self.pos > self.info.right_edge && self.paths.part_dir(self.part).is_dir() {
            if let Some(n) = self.records_reach(self.pos) {
                log::info!(
                    "{}: position {} in part {} is past the published right edge {}, at the end of {n} \
                     intact records; taking them as published",
                    source.display(),
                    self.pos,
                    self.part,
                    self.info.right_edge
                );
                self.info.right_edge = self.pos;
                self.info.count += n;
                return;
            }
            let detail = format!(
                "position {} in part {} is past that part's right edge {}",
                self.pos, self.part, self.info.right_edge
            );
            self.damage = Some(Damage {
                offset: 0,
                checksum: false,
                detail,
                what: Damaged::Position(source.into()),
            });
        }
    }

    /// How many intact records, numbered on from the published count, lead
    /// from the right edge exactly to `to`; `None` when they do not.
    fn records_reach(&self, to: u64) -> Option<u32> {
        let data = self.paths.part_data(self.part);
        let len = os::file_len(&data).ok()?.min(to);
        let mut reader = PartReader::open(&data).ok()?;
        let (mut at, mut n) = (self.info.right_edge, 0u32);
        while at < to {
            let h = reader.record_at(at, len, self.info.format).ok()??;
            if h.count_pushed != self.info.count.checked_add(n + 1)? {
                return None;
            }
            at += (HEADER_SIZE + h.msg_length as usize) as u64;
            n += 1;
        }
        (at == to).then_some(n)
    }

    pub fn snapshot(&self) -> Snapshot {
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
        self.published = false;
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
            match os::open_read(&path) {
                Ok(f) => self.info_file = Some(f),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let dir = self.paths.part_dir(self.part);
                    if !dir.is_dir() && self.info.right_edge == 0 {
                        let message = format!(
                            "part {} of queue {} is missing; passing over it",
                            self.part, self.paths.queue
                        );
                        warn(WarningKind::PartMissing, Some(&dir), message);
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
                    self.published = true;
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
                // Never read intact: reported on the next read, and
                // skip_corrupt goes on from the records.
                Err(e) => {
                    if self.damage.is_none() {
                        let checksum = matches!(e, Error::InvalidChecksum { .. });
                        let detail = format!("{e}; the part's extent is unknown");
                        self.damage = Some(Damage {
                            offset: 0,
                            checksum,
                            detail,
                            what: Damaged::InfoPush(path),
                        });
                    }
                    return Ok(());
                }
            }
        }
    }

    fn writer_part(&mut self) -> Result<u32> {
        if self.queue_file.is_none() {
            self.queue_file = os::open_read(&self.paths.info_queue()).ok();
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
            if self.damage.is_some() {
                return Ok(false);
            }
            // No published line, yet records: its info_push was lost. Never
            // pass them over in silence.
            if !self.published && self.pos == 0 {
                let data = self.paths.part_data(self.part);
                let len = os::file_len(&data).unwrap_or(0);
                let held = scan_part(&self.paths, self.part, len, None, false, &mut |_| {})?.records;
                if held > 0 {
                    let path = self.paths.info_push(self.part);
                    let detail = format!("missing or empty, but the part holds {held} intact records");
                    self.damage = Some(Damage {
                        offset: 0,
                        checksum: false,
                        detail,
                        what: Damaged::InfoPush(path),
                    });
                    return Ok(false);
                }
            }
            let mut next = self.part + 1;
            while next < writer && !self.paths.part_dir(next).is_dir() {
                let message = format!("part {next} of queue {} is missing; passing over it", self.paths.queue);
                warn(WarningKind::PartMissing, Some(&self.paths.part_dir(next)), message);
                next += 1;
            }
            self.enter(next)?;
        }
    }

    fn damaged(&mut self, offset: u64, checksum: bool, detail: String) -> Error {
        self.pending = None;
        let d = Damage {
            offset,
            checksum,
            detail,
            what: Damaged::Record,
        };
        let err = self.damage_error(&d);
        self.damage = Some(d);
        err
    }

    fn damage_error(&self, d: &Damage) -> Error {
        let (path, detail) = match &d.what {
            Damaged::Record => (
                self.paths.part_data(self.part),
                format!("{} (call skip_corrupt to resume after it)", d.detail),
            ),
            Damaged::InfoPush(p) => (
                p.clone(),
                format!("{} (call skip_corrupt to read on from the records)", d.detail),
            ),
            Damaged::Position(p) => (
                p.clone(),
                format!("{} (call skip_corrupt to resume at the right edge)", d.detail),
            ),
        };
        if d.checksum {
            Error::checksum(&path, d.offset, detail)
        } else {
            Error::corrupt(&path, d.offset, detail)
        }
    }

    fn reader(&mut self) -> Result<&mut PartReader> {
        if self.reader.is_none() {
            self.reader = Some(PartReader::open(&self.paths.part_data(self.part))?);
        }
        Ok(self.reader.as_mut().expect("opened above"))
    }

    pub fn pop_header(&mut self) -> Result<bool> {
        if self.pending.is_some() {
            return Ok(true);
        }
        if let Some(d) = &self.damage {
            return Err(self.damage_error(d));
        }
        if !self.settle()? {
            return match &self.damage {
                Some(d) => Err(self.damage_error(d)),
                None => Ok(false),
            };
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
                let detail = format!(
                    "the part file ends at byte {} but its info_push promises {edge}",
                    short.file_end
                );
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

    pub fn pop_body_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let Some((header, _)) = self.pending else {
            return Ok(None);
        };
        let (pos, edge) = (self.pos, self.info.right_edge);
        let n = HEADER_SIZE + header.msg_length as usize;
        self.reader()?;
        let ConsumerState {
            reader,
            dict,
            scratch,
            paths,
            part,
            ..
        } = self;
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
                self.damage = Some(Damage {
                    offset: pos,
                    checksum: false,
                    detail: e.to_string(),
                    what: Damaged::Record,
                });
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

    pub fn pop(&mut self) -> Result<Option<Message>> {
        if !self.pop_header()? {
            return Ok(None);
        }
        let Some((header, _)) = self.pending else {
            return Ok(None);
        };
        let (part, offset) = (self.part, self.pos);
        let msg_type = header.msg_type().unwrap_or(MsgType::String);
        Ok(self.pop_body_with(|b| b.to_vec())?.map(|body| Message {
            body,
            msg_type,
            part,
            offset,
        }))
    }

    pub fn commit(&mut self) -> Result<()> {
        let info = PopInfo {
            pos: self.pos,
            popped: self.popped,
            part: self.part,
        };
        match &mut self.commit {
            Some(files) => files.write(&info),
            None => Err(Error::ReadOnly(format!(
                "a read-only consumer of queue {:?} keeps its position in memory only",
                self.paths.queue
            ))),
        }
    }

    pub fn batch_size(&mut self) -> Result<u32> {
        self.refresh_info()?;
        if self.pending.is_none() && self.damage.is_none() {
            self.settle()?;
        }
        Ok(self.info.count.saturating_sub(self.popped))
    }

    pub fn backlog(&mut self) -> Result<u64> {
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
    pub fn skip_corrupt(&mut self) -> Result<u64> {
        let Some(d) = self.damage.take() else { return Ok(0) };
        self.pending = None;
        match d.what {
            Damaged::Record => {}
            Damaged::InfoPush(_) => {
                // What the writer's recovery or repair would publish.
                let len = os::file_len(&self.paths.part_data(self.part)).unwrap_or(0);
                let scan = scan_part(&self.paths, self.part, len, None, false, &mut |_| {})?;
                self.info = PushInfo {
                    right_edge: scan.end,
                    count: scan.count,
                    format: scan.format,
                };
                self.info_valid = true;
                self.published = true;
                return Ok(0);
            }
            Damaged::Position(_) => {
                self.pos = self.info.right_edge;
                self.popped = self.info.count;
                return Ok(0);
            }
        }
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
        let message = format!(
            "queue {}: skipped damage at byte {} of part {}; {lost} record(s) lost",
            self.paths.queue, d.offset, self.part
        );
        warn(
            WarningKind::RecordsSkipped,
            Some(&self.paths.part_data(self.part)),
            message,
        );
        Ok(lost as u64)
    }
}
