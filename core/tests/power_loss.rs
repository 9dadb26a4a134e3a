//! Simulated power loss, from a trace of what the engine really did.
//!
//! A scripted run (sync pushes, batches, writer restarts onto new parts, a
//! v3 part, a consumer committing and syncing) is recorded by the engine's
//! `io-trace` recorder (`vqueue_core::io_trace`): every file created,
//! written (by `pwrite` or through a map), resized, renamed or removed, every
//! directory made, and every `fsync`, `fdatasync`, `msync` and directory
//! fsync, in the order they happened. Nothing about the engine's order is
//! assumed: a missing or misplaced fsync in the engine shows up here.
//!
//! Replaying the trace gives, after every event, what is durable and what
//! is still pending: a file's writes are durable up to its last fsync (or,
//! for the range it covers, msync); a directory's entries (files created,
//! renamed, removed, directories made) up to its last fsync. A crash may
//! keep any program-order prefix of each file's and each directory's pending
//! changes, independently of the others. After every event the states
//! materialised are: everything pending kept; nothing pending kept; each
//! file's and each directory's pending changes cut at every point with all
//! the others kept; each one kept alone; and, when the event is a write,
//! that write torn after every one of its first and last 12 bytes and every
//! 29th between (every byte with `VQUEUE_POWER_LOSS_EVERY_BYTE=1`).
//! Identical states are checked once. `VQUEUE_POWER_LOSS_EXHAUSTIVE=1` adds
//! every combination of the units' prefixes (when there are at most 4,096)
//! and each torn write with nothing else pending written.
//!
//! Each state is opened and checked: nothing is returned that was not
//! pushed (nor twice, nor out of order), the metadata is never ahead of the
//! data, a consumer resumes from its saved position before the writer's
//! recovery (losing nothing; the only damage it may meet is a torn
//! `_info_push`), the writer reopens and pushes, every acknowledged push is
//! then there, the writer's recovery does not change what readers already
//! read, and the consumer resumes again.
//!
//! The self-tests below leave fsyncs out of a recorded trace, as if the
//! engine had not issued them, and expect the checks to fail.
//!
//! `VQUEUE_POWER_LOSS_STEPS` sets the number of scripted operations
//! (default 6; the reliability suite runs more).

mod common;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use common::{body, drain_skipping, json_body, temp_base};
use vqueue_core::io_trace::{self, Event};
use vqueue_core::*;

const Q: &str = "q";

#[derive(Clone, Debug)]
enum Op {
    Push(usize),
    Batch(Vec<usize>),
    /// Close the writer and open it again (a new part), in this format.
    Restart(Format),
    /// The consumer pops everything, commits and syncs.
    Consume,
}

impl Op {
    fn pushes(&self) -> usize {
        match self {
            Op::Push(_) => 1,
            Op::Batch(b) => b.len(),
            _ => 0,
        }
    }
}

/// The bodies of every push, by index: JSON text so v3 parts compress, and
/// now and then one large enough for the writer's direct (vectored) write.
fn payload(i: usize) -> Vec<u8> {
    if i % 7 == 1 {
        body(i, 4200)
    } else if i % 7 == 3 {
        body(i, 30 + i % 200)
    } else {
        json_body(i, i.is_multiple_of(2))
    }
}

fn script(steps: usize) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut next = 0;
    for s in 0..steps {
        ops.push(match s % 10 {
            4 => Op::Consume,
            6 => {
                let b: Vec<usize> = (next..next + 3).collect();
                next += 3;
                Op::Batch(b)
            }
            9 => Op::Restart(if (s / 10) % 2 == 0 { Format::V3 } else { Format::V2 }),
            _ => {
                next += 1;
                Op::Push(next - 1)
            }
        });
    }
    ops
}

/// The recorded run: its events, and the number of events when the setup
/// and then each operation had returned.
struct Trace {
    events: Vec<Event>,
    ends: Vec<usize>,
}

fn record(root: &Path, ops: &[Op]) -> Trace {
    io_trace::start(root).unwrap();
    let base = root.join("run");
    let sync = WriterOptions {
        format: Format::V2,
        durability: Durability::Sync,
    };
    let mut w = Queue::open_with(&base, Q, Mode::ReadWrite, sync).unwrap();
    let mut c = Consumer::open(&base, "c", Q).unwrap();
    c.commit().unwrap();
    c.sync().unwrap();
    w.sync().unwrap();
    let mut ends = vec![io_trace::checkpoint()];
    for op in ops {
        match op {
            Op::Push(i) => {
                w.push(&payload(*i), MsgType::String).unwrap();
            }
            Op::Batch(b) => {
                let bodies: Vec<Vec<u8>> = b.iter().map(|&i| payload(i)).collect();
                w.push_batch(&bodies, MsgType::Object).unwrap();
            }
            Op::Restart(format) => {
                w.close().unwrap();
                let opts = WriterOptions {
                    format: *format,
                    durability: Durability::Sync,
                };
                w = Queue::open_with(&base, Q, Mode::ReadWrite, opts).unwrap();
            }
            Op::Consume => {
                while c.pop().unwrap().is_some() {}
                c.commit().unwrap();
                c.sync().unwrap();
            }
        }
        ends.push(io_trace::checkpoint());
    }
    w.close().unwrap();
    c.close().unwrap();
    let events = io_trace::stop();
    Trace { events, ends }
}

// ---------------------------------------------------------------- the model

#[derive(Clone, Debug)]
enum FileOp {
    Write { offset: u64, bytes: Rc<[u8]> },
    SetLen(u64),
}

/// A file's bytes without its trailing zeros (parts are reserved ahead with
/// zeros, a MiB or more) and its length.
#[derive(Clone, Default, Debug, PartialEq, Eq, Hash)]
struct Content {
    bytes: Vec<u8>,
    len: usize,
}

fn apply(content: &mut Content, op: &FileOp) {
    match op {
        FileOp::Write { offset, bytes } => {
            let (at, end) = (*offset as usize, *offset as usize + bytes.len());
            let b = &mut content.bytes;
            if b.len() < end {
                b.resize(end, 0);
            }
            b[at..end].copy_from_slice(bytes);
            while b.last() == Some(&0) {
                b.pop();
            }
            content.len = content.len.max(end);
        }
        FileOp::SetLen(len) => {
            content.bytes.truncate(*len as usize);
            content.len = *len as usize;
        }
    }
}

#[derive(Clone, Default)]
struct FileState {
    durable: Content,
    pending: Vec<FileOp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    File(u32),
    Dir,
}

#[derive(Clone, Debug)]
enum DirOp {
    Link(String, Node),
    Unlink(String),
    Rename(String, String),
}

fn apply_dir(entries: &mut BTreeMap<String, Node>, op: &DirOp) {
    match op {
        DirOp::Link(name, node) => {
            entries.insert(name.clone(), *node);
        }
        DirOp::Unlink(name) => {
            entries.remove(name);
        }
        DirOp::Rename(from, to) => {
            if let Some(node) = entries.remove(from) {
                entries.insert(to.clone(), node);
            }
        }
    }
}

#[derive(Clone, Default)]
struct DirState {
    durable: BTreeMap<String, Node>,
    pending: Vec<DirOp>,
}

/// Something whose pending changes a crash keeps a prefix of.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Unit {
    File(u32),
    Dir(PathBuf),
}

/// What is durable and pending after a prefix of the trace.
#[derive(Clone, Default)]
struct Model {
    files: HashMap<u32, FileState>,
    dirs: BTreeMap<PathBuf, DirState>,
    names: HashMap<u32, PathBuf>,
}

fn split(path: &Path) -> (PathBuf, String) {
    let parent = path.parent().unwrap_or(Path::new("")).to_path_buf();
    (parent, path.file_name().unwrap().to_string_lossy().into_owned())
}

impl Model {
    fn new() -> Model {
        let mut m = Model::default();
        m.dirs.insert(PathBuf::new(), DirState::default());
        m
    }

    fn dir_op(&mut self, path: &Path, op: DirOp) {
        let (parent, _) = split(path);
        self.dirs
            .get_mut(&parent)
            .unwrap_or_else(|| panic!("no directory {}", parent.display()))
            .pending
            .push(op);
    }

    fn step(&mut self, e: &Event) {
        match e {
            Event::Create { path, file } => {
                self.files.insert(*file, FileState::default());
                self.names.insert(*file, path.clone());
                let (_, name) = split(path);
                self.dir_op(path, DirOp::Link(name, Node::File(*file)));
            }
            Event::Mkdir { path } => {
                self.dirs.insert(path.clone(), DirState::default());
                let (_, name) = split(path);
                self.dir_op(path, DirOp::Link(name, Node::Dir));
            }
            Event::Write {
                file, offset, bytes, ..
            } => self.files.get_mut(file).unwrap().pending.push(FileOp::Write {
                offset: *offset,
                bytes: bytes.as_slice().into(),
            }),
            Event::SetLen { file, len } => self.files.get_mut(file).unwrap().pending.push(FileOp::SetLen(*len)),
            Event::Sync { file, .. } => {
                let f = self.files.get_mut(file).unwrap();
                for op in std::mem::take(&mut f.pending) {
                    apply(&mut f.durable, &op);
                }
            }
            Event::SyncRange { file, offset, len } => {
                // msync is a datasync of the range: the parts of pending
                // writes inside it and the file's length reach the disk;
                // the rest stays pending, in order.
                let (lo, hi) = (*offset, offset + len);
                let f = self.files.get_mut(file).unwrap();
                let mut rest = Vec::new();
                for op in std::mem::take(&mut f.pending) {
                    match op {
                        FileOp::SetLen(_) => apply(&mut f.durable, &op),
                        FileOp::Write { offset, bytes } => {
                            let end = offset + bytes.len() as u64;
                            let (a, b) = (offset.max(lo), end.min(hi));
                            if a < b {
                                let inside = FileOp::Write {
                                    offset: a,
                                    bytes: bytes[(a - offset) as usize..(b - offset) as usize].into(),
                                };
                                apply(&mut f.durable, &inside);
                            }
                            if offset < lo.min(end) {
                                let n = (lo.min(end) - offset) as usize;
                                rest.push(FileOp::Write {
                                    offset,
                                    bytes: bytes[..n].into(),
                                });
                            }
                            if end > hi.max(offset) {
                                let from = hi.max(offset);
                                rest.push(FileOp::Write {
                                    offset: from,
                                    bytes: bytes[(from - offset) as usize..].into(),
                                });
                            }
                        }
                    }
                }
                f.pending = rest;
            }
            Event::SyncDir { path } => {
                let d = self.dirs.get_mut(path).unwrap();
                for op in std::mem::take(&mut d.pending) {
                    apply_dir(&mut d.durable, &op);
                }
            }
            Event::Rename { from, to } => {
                for name in self.names.values_mut().filter(|n| *n == from) {
                    name.clone_from(to);
                }
                let ((pf, nf), (pt, nt)) = (split(from), split(to));
                assert_eq!(pf, pt, "renames stay in one directory");
                self.dir_op(from, DirOp::Rename(nf, nt));
            }
            Event::Unlink { path } => {
                let (_, name) = split(path);
                self.dir_op(path, DirOp::Unlink(name));
            }
        }
    }

    /// One line for a failure message.
    fn describe(&self, e: &Event) -> String {
        let name = |f: &u32| self.names[f].display().to_string();
        match e {
            Event::Create { path, .. } => format!("create {}", path.display()),
            Event::Mkdir { path } => format!("mkdir {}", path.display()),
            Event::Write {
                file,
                offset,
                bytes,
                mapped,
            } => format!(
                "{} of {} bytes at {offset} of {}",
                if *mapped { "store" } else { "write" },
                bytes.len(),
                name(file)
            ),
            Event::SetLen { file, len } => format!("set length {len} of {}", name(file)),
            Event::Sync { file, data_only } => {
                format!("{} {}", if *data_only { "fdatasync" } else { "fsync" }, name(file))
            }
            Event::SyncRange { file, offset, len } => format!("msync {len} bytes at {offset} of {}", name(file)),
            Event::SyncDir { path } => format!("fsync directory {:?}", path.display().to_string()),
            Event::Rename { from, to } => format!("rename {} to {}", from.display(), to.display()),
            Event::Unlink { path } => format!("unlink {}", path.display()),
        }
    }

    /// Units with pending changes, and how many.
    fn pending(&self) -> Vec<(Unit, usize)> {
        let mut out: Vec<(Unit, usize)> = self
            .files
            .iter()
            .filter(|(_, f)| !f.pending.is_empty())
            .map(|(id, f)| (Unit::File(*id), f.pending.len()))
            .chain(
                self.dirs
                    .iter()
                    .filter(|(_, d)| !d.pending.is_empty())
                    .map(|(p, d)| (Unit::Dir(p.clone()), d.pending.len())),
            )
            .collect();
        out.sort();
        out
    }
}

/// A crash: how much of each unit's pending changes reached the disk (all
/// of it for units not named, or none with `others_lost`), and optionally
/// the first `cut` bytes of the next pending write of one file.
#[derive(Clone, Default)]
struct Crash {
    kept: BTreeMap<Unit, usize>,
    others_lost: bool,
    torn: Option<(u32, usize)>,
    what: String,
}

impl Crash {
    fn keeps(&self, unit: &Unit, pending: usize) -> usize {
        self.kept
            .get(unit)
            .copied()
            .unwrap_or(if self.others_lost { 0 } else { pending })
    }
}

/// Every file's content (`None` for a directory).
type State = BTreeMap<PathBuf, Option<Content>>;

fn state_of(model: &Model, crash: &Crash) -> State {
    let mut out = State::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(dir) = stack.pop() {
        let d = &model.dirs[&dir];
        let mut entries = d.durable.clone();
        for op in &d.pending[..crash.keeps(&Unit::Dir(dir.clone()), d.pending.len())] {
            apply_dir(&mut entries, op);
        }
        for (name, node) in entries {
            let path = dir.join(&name);
            match node {
                Node::Dir => {
                    out.insert(path.clone(), None);
                    stack.push(path);
                }
                Node::File(id) => {
                    let f = &model.files[&id];
                    let keep = crash.keeps(&Unit::File(id), f.pending.len());
                    let mut bytes = f.durable.clone();
                    for op in &f.pending[..keep] {
                        apply(&mut bytes, op);
                    }
                    if let Some((tid, cut)) = crash.torn {
                        if tid == id {
                            if let Some(FileOp::Write { offset, bytes: b }) = f.pending.get(keep) {
                                let part = FileOp::Write {
                                    offset: *offset,
                                    bytes: b[..cut].into(),
                                };
                                apply(&mut bytes, &part);
                            }
                        }
                    }
                    out.insert(path, Some(bytes));
                }
            }
        }
    }
    out
}

/// Where a write may be cut: every byte with `VQUEUE_POWER_LOSS_EVERY_BYTE`,
/// else every cut near both ends and a sparse sample between.
fn cuts(n: usize) -> Vec<usize> {
    let every = std::env::var_os("VQUEUE_POWER_LOSS_EVERY_BYTE").is_some();
    (0..n)
        .filter(|&t| every || t < 12 || t + 12 >= n || t % 29 == 0)
        .collect()
}

/// Every crash to try right after `last` was applied to `model`.
fn crashes(model: &Model, last: &Event) -> Vec<Crash> {
    let pending = model.pending();
    let name = |u: &Unit| match u {
        Unit::File(id) => model.names[id].display().to_string(),
        Unit::Dir(p) => format!("directory {:?}", p.display().to_string()),
    };
    let mut out = vec![
        Crash {
            what: "everything pending written".into(),
            ..Crash::default()
        },
        Crash {
            others_lost: true,
            what: "nothing pending written".into(),
            ..Crash::default()
        },
    ];
    for (u, n) in &pending {
        for k in 0..*n {
            out.push(Crash {
                kept: BTreeMap::from([(u.clone(), k)]),
                what: format!("{k} of {n} pending changes of {} written, all others", name(u)),
                ..Crash::default()
            });
        }
        out.push(Crash {
            kept: BTreeMap::from([(u.clone(), *n)]),
            others_lost: true,
            what: format!("only the {n} pending changes of {} written", name(u)),
            ..Crash::default()
        });
    }
    let exhaustive = std::env::var_os("VQUEUE_POWER_LOSS_EXHAUSTIVE").is_some();
    if exhaustive {
        // Every combination of the units' prefixes, unless there are more
        // than a few thousand.
        let total = pending.iter().fold(1usize, |t, (_, n)| t.saturating_mul(n + 1));
        if total <= 4096 {
            for combination in 0..total {
                let mut rest = combination;
                let mut kept = BTreeMap::new();
                for (u, n) in &pending {
                    kept.insert(u.clone(), rest % (n + 1));
                    rest /= n + 1;
                }
                let what = kept
                    .iter()
                    .map(|(u, k)| format!("{k} of {}", name(u)))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(Crash {
                    kept,
                    what: format!("pending changes written: {what}"),
                    ..Crash::default()
                });
            }
        }
    }
    if let Event::Write {
        file, bytes, mapped, ..
    } = last
    {
        let n = model.files[file].pending.len();
        if n > 0 {
            let u = Unit::File(*file);
            for t in cuts(bytes.len()) {
                for others_lost in [false, true] {
                    if others_lost && !exhaustive {
                        continue;
                    }
                    out.push(Crash {
                        kept: BTreeMap::from([(u.clone(), n - 1)]),
                        torn: Some((*file, t)),
                        others_lost,
                        what: format!(
                            "the last {} to {} torn after {t} of {} bytes, {} other pending changes",
                            if *mapped { "store" } else { "write" },
                            name(&u),
                            bytes.len(),
                            if others_lost { "no" } else { "all" }
                        ),
                    });
                }
            }
        }
    }
    out
}

fn materialise(root: &Path, state: &State) {
    if root.exists() {
        fs::remove_dir_all(root).unwrap();
    }
    fs::create_dir_all(root).unwrap();
    for (p, entry) in state {
        let to = root.join(p);
        match entry {
            None => fs::create_dir_all(&to).unwrap(),
            Some(c) => {
                let f = fs::File::create(&to).unwrap();
                std::io::Write::write_all(&mut &f, &c.bytes).unwrap();
                f.set_len(c.len as u64).unwrap();
            }
        }
    }
}

// ------------------------------------------------------------- the checks

const MARK: &[u8] = b"after power loss";

fn read_all(base: &Path, what: &str) -> std::result::Result<Vec<Vec<u8>>, String> {
    let mut r = Consumer::open_reader(base, Q, Start::FirstPart).map_err(|e| format!("{what}: open: {e}"))?;
    Ok(drain_skipping(&mut r, false).0)
}

/// Checks one crash state; `acked` pushes were acknowledged, `in_flight`
/// more may or may not be there.
fn check(base: &Path, all: &[Vec<u8>], acked: usize, in_flight: usize) -> std::result::Result<(), String> {
    // Before the writer's recovery a reader may miss acknowledged `sync`
    // pushes (their `info_push` is not flushed per push), but reads nothing
    // else.
    let got = read_all(base, "reader")?;
    if got.len() > acked + in_flight || got[..] != all[..got.len()] {
        return Err(format!(
            "read {} messages that are not the first pushed (acknowledged {acked}, in flight {in_flight})",
            got.len()
        ));
    }
    let report = verify(base, Q).map_err(|e| format!("verify: {e}"))?;
    if let Some(p) = report.problems.iter().find(|p| p.detail.contains("promises")) {
        return Err(format!("metadata ahead of data: {p}"));
    }
    // A consumer may resume before the writer's recovery: from its saved
    // position it reads on, in order, and loses nothing. The only damage it
    // may meet is an `_info_push` torn by the crash, which `skip_corrupt`
    // reads past from the records.
    {
        let mut c = Consumer::open(base, "c", Q).map_err(|e| format!("consumer resume before the writer: {e}"))?;
        let (read, lost, errors) = drain_skipping(&mut c, false);
        let from = read.first().and_then(|b| all.iter().position(|x| x == b)).unwrap_or(0);
        let in_order = all.get(from..from + read.len()) == Some(&read[..]);
        let torn_info_push = |e: &Error| e.to_string().contains("_info_push");
        if lost > 0 || !in_order || !errors.iter().all(torn_info_push) {
            return Err(format!(
                "a consumer resuming before the writer read {} messages (in order: {in_order}), lost {lost}, \
                 errors {errors:?}",
                read.len()
            ));
        }
    }
    let mut w = Queue::open(base, Q, Mode::ReadWrite).map_err(|e| format!("writer reopen: {e}"))?;
    w.push(MARK, MsgType::String)
        .map_err(|e| format!("push after reopen: {e}"))?;
    w.close().map_err(|e| format!("close: {e}"))?;
    // The writer's recovery publishes the flushed records of a `sync`
    // session: every acknowledged push is there, and what readers could
    // already read is unchanged.
    let mut again = read_all(base, "reader after the writer reopened")?;
    if again.pop().as_deref() != Some(MARK) || again.len() > acked + in_flight || again[..] != all[..again.len()] {
        return Err(format!(
            "after the writer reopened a reader reads {} messages that are not the first pushed",
            again.len()
        ));
    }
    if again.len() < acked {
        return Err(format!(
            "acknowledged push lost: {} of {acked} acknowledged pushes are there after the writer reopened",
            again.len()
        ));
    }
    if again.len() < got.len() {
        return Err(format!(
            "the writer's recovery changed the history: {} then {} messages",
            got.len(),
            again.len()
        ));
    }
    let report = verify(base, Q).map_err(|e| format!("verify: {e}"))?;
    if !report.is_ok() {
        return Err(format!(
            "after the writer's recovery verify finds {:?}",
            report.problems
        ));
    }
    let mut c = Consumer::open(base, "c", Q).map_err(|e| format!("consumer resume: {e}"))?;
    let (mut rest, _, errors) = drain_skipping(&mut c, true);
    if !errors.is_empty() || rest.pop().as_deref() != Some(MARK) || !again.ends_with(&rest) {
        return Err(format!(
            "the resumed consumer read {} messages, errors {errors:?}",
            rest.len()
        ));
    }
    Ok(())
}

/// Outcome of checking every crash state of a trace.
struct Outcome {
    states: usize,
    failures: Vec<String>,
}

/// Replays the trace and checks every crash state from operation `first`
/// on, or until a failure says `until`.
fn check_all(dir: &Path, trace: &Trace, ops: &[Op], first: usize, until: Option<&str>) -> Outcome {
    let all: Vec<Vec<u8>> = (0..ops.iter().map(Op::pushes).sum()).map(payload).collect();
    let root = dir.join("state");
    let mut model = Model::new();
    let mut seen = HashSet::new();
    let mut states = 0;
    let mut failures = Vec::new();
    let mut op = 0;
    let mut acked = 0;
    for (j, e) in trace.events.iter().enumerate() {
        model.step(e);
        let at = j + 1;
        if at < trace.ends[first] {
            continue;
        }
        // Operation `op` is under way (its pushes in flight) until its last
        // event; the state after that is also the one before the next.
        while op < ops.len() && trace.ends[op + 1] <= at {
            acked += ops[op].pushes();
            op += 1;
        }
        let in_flight = ops.get(op).map_or(0, Op::pushes);
        for crash in crashes(&model, e) {
            let state = state_of(&model, &crash);
            let mut h = DefaultHasher::new();
            state.hash(&mut h);
            (acked, in_flight).hash(&mut h);
            if !seen.insert(h.finish()) {
                continue;
            }
            materialise(&root, &state);
            states += 1;
            let base = root.join("run");
            let outcome = std::panic::catch_unwind(|| check(&base, &all, acked, in_flight))
                .unwrap_or_else(|p| Err(format!("panic: {:?}", p.downcast_ref::<String>())));
            if let Err(err) = outcome {
                let during = ops
                    .get(op)
                    .map_or("after the last operation".into(), |o| format!("during {o:?}"));
                failures.push(format!(
                    "after event {j} ({}) {during}, {}: {err}",
                    model.describe(e),
                    crash.what
                ));
                if until.is_some_and(|u| err.contains(u)) {
                    return Outcome { states, failures };
                }
            }
            if states % 500 == 0 {
                eprintln!("power loss: {states} states checked, {} failed", failures.len());
            }
        }
    }
    Outcome { states, failures }
}

/// A fresh directory for a trace and its crash states: on a memory file
/// system when there is one, since every state is checked with fsyncs that
/// cost nothing there and the states do not depend on the file system.
fn temp_root() -> (tempfile::TempDir, PathBuf) {
    let shm = Path::new("/dev/shm");
    let dir = shm
        .is_dir()
        .then(|| {
            tempfile::Builder::new()
                .prefix("vqueue-power-loss-")
                .tempdir_in(shm)
                .ok()
        })
        .flatten()
        .unwrap_or_else(temp_base);
    let root = dir.path().canonicalize().unwrap().join("trace");
    fs::create_dir(&root).unwrap();
    (dir, root)
}

#[test]
fn every_power_loss_state_of_a_sync_writer_recovers() {
    let steps = std::env::var("VQUEUE_POWER_LOSS_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let ops = script(steps);
    let (dir, root) = temp_root();
    let trace = record(&root, &ops);
    let syncs = trace
        .events
        .iter()
        .filter(|e| matches!(e, Event::Sync { .. } | Event::SyncRange { .. } | Event::SyncDir { .. }))
        .count();
    let out = check_all(dir.path(), &trace, &ops, 0, None);
    println!(
        "power loss: {} crash states of {} operations ({} events, {syncs} fsyncs) checked, {} failed",
        out.states,
        ops.len(),
        trace.events.len(),
        out.failures.len()
    );
    assert!(out.states > ops.len() * 10, "too few states: {}", out.states);
    assert!(
        out.failures.is_empty(),
        "{} of {} states fail:\n{}",
        out.failures.len(),
        out.states,
        out.failures[..out.failures.len().min(20)].join("\n")
    );
}

/// `trace` without the events after the setup that `drop` picks, as if the
/// engine had not issued them; returns how many were dropped.
fn without(trace: &mut Trace, drop: impl Fn(&Event) -> bool) -> usize {
    let setup = trace.ends[0];
    let mut dropped = 0;
    let mut kept = Vec::new();
    for (j, e) in trace.events.drain(..).enumerate() {
        if j >= setup && drop(&e) {
            dropped += 1;
            for end in trace.ends.iter_mut().filter(|end| **end > kept.len()) {
                *end -= 1;
            }
        } else {
            kept.push(e);
        }
    }
    trace.events = kept;
    dropped
}

fn created(trace: &Trace, suffix: &str) -> u32 {
    trace
        .events
        .iter()
        .find_map(|e| match e {
            Event::Create { path, file } if path.ends_with(suffix) => Some(*file),
            _ => None,
        })
        .unwrap()
}

/// The simulator fails when an fsync is missing: the same run with the
/// fdatasyncs of the part data left out of the trace (as if the engine had
/// not issued them) loses acknowledged pushes.
#[test]
fn a_missing_data_fsync_is_reported_as_lost_pushes() {
    let ops = vec![Op::Push(0), Op::Push(1)];
    let (dir, root) = temp_root();
    let mut trace = record(&root, &ops);
    let data = created(&trace, "q-0/q_queue");
    let dropped = without(
        &mut trace,
        |e| matches!(e, Event::Sync { file, data_only: true } if *file == data),
    );
    assert_eq!(dropped, 2, "one data fdatasync per sync push");
    let lost = "acknowledged push lost";
    let out = check_all(dir.path(), &trace, &ops, 0, Some(lost));
    assert!(
        out.failures.iter().any(|f| f.contains(lost)),
        "no loss reported in {} states: {:?}",
        out.states,
        out.failures
    );
}

/// Likewise, without the fsyncs of the queue directory a new part's
/// directory can vanish while `Q_info_queue` names it.
#[test]
fn a_missing_directory_fsync_is_reported() {
    let ops = vec![Op::Push(0), Op::Restart(Format::V2), Op::Push(1)];
    let (dir, root) = temp_root();
    let mut trace = record(&root, &ops);
    let base = Path::new("run");
    let dropped = without(&mut trace, |e| matches!(e, Event::SyncDir { path } if path == base));
    assert!(dropped >= 1);
    let missing = "part 1 is missing";
    let out = check_all(dir.path(), &trace, &ops, 1, Some(missing));
    assert!(
        out.failures.iter().any(|f| f.contains(missing)),
        "no missing part reported in {} states: {:?}",
        out.states,
        out.failures
    );
}

/// A power loss can keep the records of `sync` pushes and the position of a
/// consumer that read them, but not the `_info_push` line that published
/// them (it is not flushed per push). The consumer, opened before the
/// writer recovers, resumes where it was rather than failing on its saved
/// position, and reads the next records once the writer publishes them.
#[test]
fn a_consumer_past_a_lost_info_push_resumes_before_the_writer() {
    let dir = temp_base();
    let base = dir.path();
    let sync = WriterOptions {
        format: Format::V2,
        durability: Durability::Sync,
    };
    let w = Queue::open_with(base, Q, Mode::ReadWrite, sync).unwrap();
    w.push(&payload(0), MsgType::String).unwrap();
    let info_push = base.join("q-0/q_info_push");
    let old_line = fs::read(&info_push).unwrap();
    w.push(&payload(1), MsgType::String).unwrap();
    w.push(&payload(2), MsgType::String).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    assert_eq!(drain_skipping(&mut c, true).0, vec![payload(0), payload(1), payload(2)]);
    c.sync().unwrap();
    c.close().unwrap();
    // The crash: the writer never closes, and its last lines are lost.
    std::mem::forget(w);
    fs::write(&info_push, &old_line).unwrap();

    let mut c = Consumer::open(base, "c", Q).unwrap();
    let (read, lost, errors) = drain_skipping(&mut c, true);
    assert!(
        read.is_empty() && lost == 0 && errors.is_empty(),
        "{read:?} {lost} {errors:?}"
    );
    c.close().unwrap();
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    w.push(&payload(3), MsgType::String).unwrap();
    w.close().unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    let (read, _, errors) = drain_skipping(&mut c, true);
    assert_eq!((read, errors.len()), (vec![payload(3)], 0));
}
