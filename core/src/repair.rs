//! Maintenance: inspect, verify, repair and clean up a queue on disk.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::compress::DictReader;
use crate::error::{Error, Result};
use crate::meta::{self, Paths, PopInfo, PushInfo};
use crate::part::PartReader;
use crate::record::{Header, HEADER_SIZE, MAGIC_V3};
use crate::writer::current_part;
use crate::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done_bytes: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    pub id: u32,
    pub format: Format,
    pub count: u32,
    pub right_edge: u64,
    pub file_size: u64,
    pub has_dict: bool,
    /// Why the part's metadata could not be read, if it could not.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfo {
    pub name: String,
    pub part: u32,
    pub offset: u64,
    pub popped: u32,
    /// Unread records across all parts.
    pub lag: u64,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueInfo {
    pub name: String,
    pub writer_part: Option<u32>,
    pub writer_active: bool,
    pub parts: Vec<PartInfo>,
    pub consumers: Vec<ConsumerInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub part: Option<u32>,
    pub offset: Option<u64>,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(p) = self.part {
            write!(f, " (part {p})")?;
        }
        if let Some(o) = self.offset {
            write!(f, " at byte {o}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub parts: u32,
    pub records: u64,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairReport {
    pub parts: u32,
    pub records: u64,
    /// What was rewritten, one line each; empty when nothing needed repair.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    pub removed: Vec<u32>,
    pub kept: Vec<u32>,
    pub bytes_freed: u64,
}

fn open_base(base: &Path, queue: &str) -> Result<Paths> {
    crate::validate_name(queue)?;
    if !base.is_dir() {
        return Err(Error::NotFound(format!("queue directory {}", base.display())));
    }
    let paths = Paths::new(base, queue);
    if !paths.info_queue().exists() && paths.list_parts()?.is_empty() {
        return Err(Error::NotFound(format!("queue {queue:?} in {}", base.display())));
    }
    Ok(paths)
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// True when some process holds the lock file (without creating it).
fn is_locked(path: &Path) -> bool {
    use std::os::unix::io::AsRawFd;
    let Ok(f) = File::open(path) else { return false };
    // SAFETY: flock on a descriptor we own; dropping `f` unlocks.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK)
}

/// What the records of one part say about it.
struct PartScan {
    records: u64,
    /// End of the last intact record.
    end: u64,
    /// Counter of the last intact record.
    count: u32,
    format: Format,
    problems: Vec<Problem>,
}

fn detect_format(reader: &mut PartReader, len: u64) -> Result<Format> {
    Ok(match reader.get(0, HEADER_SIZE, len)? {
        Ok(b) if Header::decode(b).magic == MAGIC_V3 => Format::V3,
        _ => Format::V2,
    })
}

/// Walks every record in `[0, limit)`, resynchronising past damage.
fn scan_part(
    paths: &Paths,
    id: u32,
    limit: u64,
    format: Option<Format>,
    decode: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<PartScan> {
    let data = paths.part_data(id);
    let mut scan = PartScan { records: 0, end: 0, count: 0, format: format.unwrap_or_default(), problems: vec![] };
    let mut reader = match PartReader::open(&data) {
        Ok(r) => r,
        Err(Error::NotFound(_)) => {
            if limit > 0 {
                scan.problems.push(Problem {
                    file: data,
                    part: Some(id),
                    offset: None,
                    detail: "the part's data file is missing".into(),
                });
            }
            return Ok(scan);
        }
        Err(e) => return Err(e),
    };
    if format.is_none() {
        scan.format = detect_format(&mut reader, limit)?;
    }
    let mut dict = DictReader::default();
    let mut out = Vec::new();
    let mut pos = 0;
    let problem = |offset: u64, detail: String| Problem { file: data.clone(), part: Some(id), offset: Some(offset), detail };
    while pos < limit {
        match reader.record_at(pos, limit, scan.format)? {
            Some(h) => {
                if h.count_pushed != scan.count + 1 {
                    scan.problems.push(problem(
                        pos,
                        format!("record counter jumps from {} to {}", scan.count, h.count_pushed),
                    ));
                }
                if decode && h.compressed() {
                    let stored = match reader.get(pos + HEADER_SIZE as u64, h.msg_length as usize, limit)? {
                        Ok(b) => b.to_vec(),
                        Err(_) => Vec::new(),
                    };
                    if let Err(e) = dict.decode(paths, id, &stored, pos, &mut out) {
                        scan.problems.push(problem(pos, e.to_string()));
                    }
                }
                scan.records += 1;
                scan.count = h.count_pushed;
                pos = h.end();
                scan.end = pos;
                progress(pos);
            }
            None => {
                let next = reader.next_valid(pos + 1, limit, scan.format)?;
                let detail = match next {
                    Some(n) => format!(
                        "no intact record here; the next one starts at byte {} (record {}, {} lost)",
                        n.start_pos,
                        n.count_pushed,
                        n.count_pushed.saturating_sub(scan.count + 1)
                    ),
                    None => "no intact record from here to the end of the part".to_string(),
                };
                scan.problems.push(problem(pos, detail));
                match next {
                    Some(n) => {
                        pos = n.start_pos;
                        // The gap is reported above, not again as a jump.
                        scan.count = n.count_pushed.saturating_sub(1);
                    }
                    None => break,
                }
            }
        }
    }
    Ok(scan)
}

pub fn inspect(base: impl AsRef<Path>, queue: &str) -> Result<QueueInfo> {
    let paths = open_base(base.as_ref(), queue)?;
    let writer_part = current_part(&paths)?;
    let mut parts = Vec::new();
    let mut counts = BTreeMap::new();
    for id in paths.list_parts()? {
        let (info, problem) = match meta::read_info_push(&paths, id) {
            Ok(i) => (i.unwrap_or_default(), None),
            Err(e) => (PushInfo::default(), Some(e.to_string())),
        };
        counts.insert(id, (info.count, info.right_edge));
        parts.push(PartInfo {
            id,
            format: info.format,
            count: info.count,
            right_edge: info.right_edge,
            file_size: file_len(&paths.part_data(id)),
            has_dict: paths.dict(id).exists(),
            problem,
        });
    }
    let mut consumers = Vec::new();
    for name in paths.list_consumers()? {
        consumers.push(match meta::read_position(&paths, &name) {
            Ok(Some(p)) => {
                let lag = counts
                    .range(p.part..)
                    .map(|(&id, &(count, _))| if id == p.part { count.saturating_sub(p.popped) } else { count } as u64)
                    .sum();
                ConsumerInfo { name, part: p.part, offset: p.pos, popped: p.popped, lag, problem: None }
            }
            Ok(None) => continue,
            Err(e) => ConsumerInfo { name, part: 0, offset: 0, popped: 0, lag: 0, problem: Some(e.to_string()) },
        });
    }
    Ok(QueueInfo {
        name: queue.to_string(),
        writer_part,
        writer_active: is_locked(&paths.queue_lock()),
        parts,
        consumers,
    })
}

pub fn verify(base: impl AsRef<Path>, queue: &str) -> Result<VerifyReport> {
    verify_with(base, queue, &mut |_| {})
}

pub fn verify_with(base: impl AsRef<Path>, queue: &str, progress: &mut dyn FnMut(Progress)) -> Result<VerifyReport> {
    let paths = open_base(base.as_ref(), queue)?;
    let mut report = VerifyReport::default();
    let parts = paths.list_parts()?;
    let mut edges = BTreeMap::new();
    let whole = |file: PathBuf, part: Option<u32>, detail: String| Problem { file, part, offset: None, detail };
    match meta::read_info_queue(&paths) {
        Ok(Some(id)) => {
            if let Some(&newest) = parts.last() {
                if newest > id {
                    report.problems.push(whole(
                        paths.info_queue(),
                        None,
                        format!("names part {id} but part {newest} exists"),
                    ));
                }
            }
        }
        Ok(None) => report.problems.push(whole(paths.info_queue(), None, "missing".into())),
        Err(e) => report.problems.push(whole(paths.info_queue(), None, e.to_string())),
    }
    // Parts are numbered consecutively and cleanup only removes the oldest,
    // so a hole means a part was lost.
    for pair in parts.windows(2) {
        for missing in pair[0] + 1..pair[1] {
            report.problems.push(whole(
                paths.part_dir(missing),
                Some(missing),
                format!("part {missing} is missing between parts {} and {}", pair[0], pair[1]),
            ));
        }
    }
    let total: u64 = parts.iter().map(|&id| file_len(&paths.part_data(id))).sum();
    let mut done_before = 0;
    for &id in &parts {
        report.parts += 1;
        let file_size = file_len(&paths.part_data(id));
        let (limit, format, count) = match meta::read_info_push(&paths, id) {
            Ok(Some(i)) => (i.right_edge, Some(i.format), Some(i.count)),
            Ok(None) => (0, None, Some(0)),
            Err(e) => {
                report.problems.push(whole(paths.info_push(id), Some(id), e.to_string()));
                (file_size, None, None)
            }
        };
        if file_size < limit {
            report.problems.push(Problem {
                file: paths.part_data(id),
                part: Some(id),
                offset: Some(file_size),
                detail: format!("the file ends at byte {file_size} but its info_push promises {limit}"),
            });
        }
        let scan = scan_part(&paths, id, limit.min(file_size), format, true, &mut |pos| {
            progress(Progress { done_bytes: done_before + pos, total_bytes: total })
        })?;
        if let Some(count) = count {
            if scan.problems.is_empty() && scan.count != count && file_size >= limit {
                report.problems.push(whole(
                    paths.info_push(id),
                    Some(id),
                    format!("says {count} records, the part holds {}", scan.count),
                ));
            }
        }
        done_before += file_size;
        report.records += scan.records;
        report.problems.extend(scan.problems);
        edges.insert(id, limit);
    }
    for name in paths.list_consumers()? {
        let file = paths.info_pop(&name);
        match meta::read_position(&paths, &name) {
            Ok(Some(p)) => {
                if let Some(&edge) = edges.get(&p.part) {
                    if p.pos > edge {
                        report.problems.push(whole(
                            file,
                            Some(p.part),
                            format!("position {} is past the part's right edge {edge}", p.pos),
                        ));
                    }
                }
            }
            Ok(None) => {}
            Err(e) => report.problems.push(whole(file, None, e.to_string())),
        }
    }
    Ok(report)
}

pub fn repair(base: impl AsRef<Path>, queue: &str) -> Result<RepairReport> {
    repair_with(base, queue, &mut |_| {})
}

fn rewrite(path: &Path, bytes: &[u8]) -> Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::io_at("open", path, e))?;
    meta::write_at0(&f, path, bytes)?;
    let len = f.metadata().map_err(|e| Error::io_at("stat", path, e))?.len();
    if len > bytes.len() as u64 {
        f.set_len(bytes.len() as u64).map_err(|e| Error::io_at("truncate", path, e))?;
    }
    f.sync_all().map_err(|e| Error::io_at("sync", path, e))
}

/// Rebuilds `_info_push` of one part from its records when it disagrees
/// with them; returns the part's state and what was done.
pub(crate) fn repair_part(paths: &Paths, id: u32, progress: &mut dyn FnMut(u64)) -> Result<(PushInfo, u64, Option<String>)> {
    let existing = meta::read_info_push(paths, id);
    let format = match &existing {
        Ok(Some(i)) => Some(i.format),
        _ => None,
    };
    let scan = scan_part(paths, id, file_len(&paths.part_data(id)), format, false, progress)?;
    let rebuilt = PushInfo { right_edge: scan.end, count: scan.count, format: scan.format };
    let agrees = match &existing {
        Ok(Some(i)) => *i == rebuilt,
        Ok(None) => scan.records == 0,
        Err(_) => false,
    };
    if agrees {
        return Ok((rebuilt, scan.records, None));
    }
    let mut line = Vec::new();
    meta::format_info_push(&paths.queue, &rebuilt, &mut line);
    rewrite(&paths.info_push(id), &line)?;
    let was = match existing {
        Ok(Some(i)) => format!("right edge {}, {} records", i.right_edge, i.count),
        Ok(None) => "empty".to_string(),
        Err(e) => e.to_string(),
    };
    let action = format!(
        "part {id}: info_push rebuilt from {} intact records (right edge {}, count {}); was: {was}",
        scan.records, rebuilt.right_edge, rebuilt.count
    );
    Ok((rebuilt, scan.records, Some(action)))
}

pub fn repair_with(base: impl AsRef<Path>, queue: &str, progress: &mut dyn FnMut(Progress)) -> Result<RepairReport> {
    let paths = open_base(base.as_ref(), queue)?;
    let _lock = crate::lock::try_flock(&paths.queue_lock())?.ok_or_else(|| {
        Error::AlreadyOpen(format!("queue {queue:?} has a live writer; stop it before repairing"))
    })?;
    let mut report = RepairReport::default();
    let parts = paths.list_parts()?;
    let total: u64 = parts.iter().map(|&id| file_len(&paths.part_data(id))).sum();
    let mut done_before = 0;
    let mut infos = BTreeMap::new();
    for &id in &parts {
        let (info, records, action) = repair_part(&paths, id, &mut |pos| {
            progress(Progress { done_bytes: done_before + pos, total_bytes: total })
        })?;
        done_before += file_len(&paths.part_data(id));
        report.parts += 1;
        report.records += records;
        report.actions.extend(action);
        infos.insert(id, info);
    }
    if let Some(&newest) = parts.last() {
        let recorded = meta::read_info_queue(&paths);
        if !matches!(recorded, Ok(Some(id)) if id == newest) {
            rewrite(&paths.info_queue(), &meta::format_info_queue(queue, newest))?;
            let was = match recorded {
                Ok(Some(id)) => format!("part {id}"),
                Ok(None) => "missing".into(),
                Err(e) => e.to_string(),
            };
            report.actions.push(format!("info_queue set to part {newest}; was: {was}"));
        }
    }
    let first = parts.first().copied().unwrap_or(0);
    for name in paths.list_consumers()? {
        let fixed = match meta::read_position(&paths, &name) {
            Ok(Some(p)) => match infos.get(&p.part) {
                Some(i) if p.pos > i.right_edge => Some((
                    PopInfo { pos: i.right_edge, popped: i.count, part: p.part },
                    format!("position {} was past the right edge {}", p.pos, i.right_edge),
                )),
                _ => None,
            },
            Ok(None) => None,
            // Unknown position: replay from the oldest part rather than skip.
            Err(e) => Some((PopInfo { pos: 0, popped: 0, part: first }, e.to_string())),
        };
        if let Some((p, why)) = fixed {
            let (record, _) = meta::format_info_pop(queue, &name, &p);
            rewrite(&paths.info_pop(&name), &record)?;
            report.actions.push(format!(
                "consumer {name}: position set to part {}, byte {}; {why}",
                p.part, p.pos
            ));
        }
    }
    Ok(report)
}

pub fn cleanup(base: impl AsRef<Path>, queue: &str, dry_run: bool) -> Result<CleanupReport> {
    let paths = open_base(base.as_ref(), queue)?;
    let writer = current_part(&paths)?.unwrap_or(0);
    let parts = paths.list_parts()?;
    let mut positions = Vec::new();
    for name in paths.list_consumers()? {
        if let Some(p) = meta::read_position(&paths, &name)? {
            positions.push(p);
        }
    }
    let edge = |id: u32| meta::read_info_push(&paths, id).ok().flatten().map(|i| i.right_edge).unwrap_or(0);
    let passed = |id: u32| {
        positions.iter().all(|p| p.part > id || (p.part == id && id < writer && p.pos >= edge(id)))
    };
    let mut report = CleanupReport::default();
    for id in parts {
        if id < writer && passed(id) {
            let dir = paths.part_dir(id);
            let bytes: u64 = std::fs::read_dir(&dir)
                .map(|d| d.flatten().map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).sum())
                .unwrap_or(0);
            if !dry_run {
                std::fs::remove_dir_all(&dir).map_err(|e| Error::io_at("remove", &dir, e))?;
            }
            report.bytes_freed += bytes;
            report.removed.push(id);
        } else {
            report.kept.push(id);
        }
    }
    Ok(report)
}
