//! Simulated power loss.
//!
//! A scripted run (sync pushes, batches, writer restarts onto new parts, a
//! v3 part, a consumer committing and syncing) is recorded as a write
//! stream: after every operation the queue directory is snapshot, and the
//! byte ranges each operation changed are that operation's writes. Every
//! operation of a `sync` writer or a synced consumer ends with fsyncs of
//! what it wrote, so the states before it are durable; inside one operation
//! nothing is promised except the order the format relies on (record bytes
//! before the line that publishes them, the part before the `_info_queue`
//! that names it, the backup before the position file).
//!
//! Every prefix of that order is materialised (each write not done, or done
//! whole), plus torn versions of the last write: every cut of its first and
//! last 12 changed bytes and every 29th between (every byte with
//! `VQUEUE_POWER_LOSS_EVERY_BYTE=1`). Each state is
//! opened and checked: no acknowledged push is missing, nothing is returned
//! that was not pushed (and nothing twice or out of order), the metadata is
//! never ahead of the data, the writer reopens and pushes, and a consumer
//! resumes from its saved position.
//!
//! `VQUEUE_POWER_LOSS_STEPS` sets the number of scripted operations (default
//! 6; the reliability suite runs more).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use common::{body, drain_skipping, json_body, temp_base};
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

/// The bodies of every push, by index: JSON text so v3 parts compress.
fn payload(i: usize) -> Vec<u8> {
    if i % 7 == 3 {
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

/// A file's bytes without its trailing zeros (parts are reserved ahead with
/// zeros) and its length; `None` for a directory.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Entry(Option<(Rc<[u8]>, usize)>);

impl Entry {
    fn file(mut bytes: Vec<u8>) -> Entry {
        let len = bytes.len();
        while bytes.last() == Some(&0) {
            bytes.pop();
        }
        Entry(Some((bytes.into(), len)))
    }
    fn bytes(&self) -> Option<Vec<u8>> {
        self.0.as_ref().map(|(b, len)| {
            let mut v = b.to_vec();
            v.resize(*len, 0);
            v
        })
    }
}

type Snap = BTreeMap<PathBuf, Entry>;

/// Every file and directory under `dir`; unchanged files share the bytes of
/// the previous snapshot.
fn snapshot(dir: &Path, prev: Option<&Snap>) -> Snap {
    let mut out = Snap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.insert(p.clone(), Entry(None));
                stack.push(p);
            } else {
                // A dictionary's temporary file can vanish while we look.
                let Ok(bytes) = fs::read(&p) else { continue };
                let mut entry = Entry::file(bytes);
                if let Some(old) = prev.and_then(|s| s.get(&p)) {
                    if *old == entry {
                        entry = old.clone();
                    }
                }
                out.insert(p, entry);
            }
        }
    }
    out
}

/// Runs the script; returns the snapshot before each operation (and after
/// the last) and, for each snapshot, how many pushes had been acknowledged.
fn record(base: &Path, ops: &[Op]) -> (Vec<Snap>, Vec<usize>) {
    let sync = WriterOptions {
        format: Format::V2,
        durability: Durability::Sync,
    };
    let mut w = Queue::open_with(base, Q, Mode::ReadWrite, sync).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    c.commit().unwrap();
    c.sync().unwrap();
    w.sync().unwrap();
    let mut snaps = vec![snapshot(base, None)];
    let mut acked = vec![0];
    let mut pushed = 0;
    for op in ops {
        match op {
            Op::Push(i) => {
                w.push(&payload(*i), MsgType::String).unwrap();
                pushed += 1;
            }
            Op::Batch(b) => {
                let bodies: Vec<Vec<u8>> = b.iter().map(|&i| payload(i)).collect();
                w.push_batch(&bodies, MsgType::Object).unwrap();
                pushed += b.len();
            }
            Op::Restart(format) => {
                w.close().unwrap();
                let opts = WriterOptions {
                    format: *format,
                    durability: Durability::Sync,
                };
                w = Queue::open_with(base, Q, Mode::ReadWrite, opts).unwrap();
            }
            Op::Consume => {
                while c.pop().unwrap().is_some() {}
                c.commit().unwrap();
                c.sync().unwrap();
            }
        }
        snaps.push(snapshot(base, snaps.last()));
        acked.push(pushed);
    }
    w.close().unwrap();
    c.close().unwrap();
    (snaps, acked)
}

/// Order in which one operation's writes reach the disk at the latest: data
/// before the metadata that points at it.
fn write_rank(path: &Path) -> u8 {
    let name = path.file_name().unwrap().to_str().unwrap();
    if name.ends_with("_dict") || name.contains("_dict.tmp") {
        0
    } else if name.ends_with("_queue") && !name.ends_with("_info_queue") {
        1
    } else if name.ends_with("_info_push") {
        2
    } else if name.ends_with("_info_queue") {
        3
    } else if name.ends_with(".lock") {
        4
    } else {
        5
    }
}

/// One write of an operation: a file or directory before and after.
struct Write {
    path: PathBuf,
    old: Option<Entry>,
    new: Option<Entry>,
}

fn writes(before: &Snap, after: &Snap) -> Vec<Write> {
    let mut out: Vec<Write> = before
        .keys()
        .chain(after.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .map(|p| Write {
            path: p.clone(),
            old: before.get(p).cloned(),
            new: after.get(p).cloned(),
        })
        .collect();
    // Directories are created before what they hold.
    out.sort_by_key(|w| (w.new != Some(Entry(None)), write_rank(&w.path), w.path.clone()));
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

/// The changed range of a write of `old` -> `new`: from the first byte
/// that differs to the last (the shorter one read as zeros past its end).
fn changed(old: &[u8], new: &[u8]) -> (usize, usize) {
    let at = |b: &[u8], i: usize| b.get(i).copied().unwrap_or(0);
    let n = old.len().max(new.len());
    let lo = (0..n).find(|&i| at(old, i) != at(new, i)).unwrap_or(n);
    let hi = (lo..n).rev().find(|&i| at(old, i) != at(new, i)).map_or(lo, |i| i + 1);
    (lo, hi)
}

/// The file as it is when the write of `old` -> `new` stopped after `t` of
/// its changed bytes (its length is the new one once the write is whole).
fn torn(old: &[u8], new: &[u8], t: usize) -> Vec<u8> {
    let (lo, hi) = changed(old, new);
    let mut out = old.to_vec();
    out.resize(old.len().max(new.len()), 0);
    let end = (lo + t).min(hi);
    for (i, b) in out.iter_mut().enumerate().take(end).skip(lo) {
        *b = new.get(i).copied().unwrap_or(0);
    }
    out
}

fn materialise(root: &Path, from: &Path, state: &Snap) {
    if root.exists() {
        fs::remove_dir_all(root).unwrap();
    }
    fs::create_dir_all(root).unwrap();
    for (p, entry) in state {
        let to = root.join(p.strip_prefix(from).unwrap());
        match &entry.0 {
            None => fs::create_dir_all(&to).unwrap(),
            Some((bytes, len)) => {
                fs::create_dir_all(to.parent().unwrap()).unwrap();
                let f = fs::File::create(&to).unwrap();
                std::io::Write::write_all(&mut &f, bytes).unwrap();
                f.set_len(*len as u64).unwrap();
            }
        }
    }
}

/// Every crash state during the operation from `before` to `after`.
fn crash_states(before: &Snap, after: &Snap) -> Vec<(String, Snap)> {
    let mut out = Vec::new();
    let mut state = before.clone();
    for (k, w) in writes(before, after).iter().enumerate() {
        let name = w.path.file_name().unwrap().to_string_lossy().to_string();
        let old = w.old.as_ref().and_then(Entry::bytes);
        if let Some(new) = w.new.as_ref().and_then(Entry::bytes) {
            let old = old.unwrap_or_default();
            let (lo, hi) = changed(&old, &new);
            for t in cuts(hi - lo) {
                let mut s = state.clone();
                s.insert(w.path.clone(), Entry::file(torn(&old, &new, t)));
                out.push((format!("write {k} ({name}) torn after {t} of its bytes"), s));
            }
        }
        match &w.new {
            Some(e) => state.insert(w.path.clone(), e.clone()),
            None => state.remove(&w.path),
        };
        out.push((format!("after write {k} ({name})"), state.clone()));
    }
    out
}

const MARK: &[u8] = b"after power loss";

fn read_all(root: &Path, what: &str) -> std::result::Result<Vec<Vec<u8>>, String> {
    let mut r = Consumer::open_reader(root, Q, Start::FirstPart).map_err(|e| format!("{what}: open: {e}"))?;
    Ok(drain_skipping(&mut r, false).0)
}

/// Checks one crash state; `acked` pushes were acknowledged, `in_flight`
/// more may or may not be there.
fn check(root: &Path, all: &[Vec<u8>], acked: usize, in_flight: usize) -> std::result::Result<(), String> {
    let got = read_all(root, "reader")?;
    if got.len() < acked || got.len() > acked + in_flight || got[..] != all[..got.len()] {
        return Err(format!(
            "read {} messages (acknowledged {acked}, in flight {in_flight})",
            got.len()
        ));
    }
    let report = verify(root, Q).map_err(|e| format!("verify: {e}"))?;
    if let Some(p) = report.problems.iter().find(|p| p.detail.contains("promises")) {
        return Err(format!("metadata ahead of data: {p}"));
    }
    let mut w = Queue::open(root, Q, Mode::ReadWrite).map_err(|e| format!("writer reopen: {e}"))?;
    w.push(MARK, MsgType::String)
        .map_err(|e| format!("push after reopen: {e}"))?;
    w.close().map_err(|e| format!("close: {e}"))?;
    // The writer's recovery of its own part may publish the in-flight
    // records of a `sync` session (acknowledged once their data is flushed),
    // but never changes or drops what readers could already read.
    let mut again = read_all(root, "reader after the writer reopened")?;
    if again.pop().as_deref() != Some(MARK)
        || again.len() < got.len()
        || again.len() > acked + in_flight
        || again[..] != all[..again.len()]
    {
        return Err(format!(
            "the writer's recovery changed the history: {} then {} messages",
            got.len(),
            again.len()
        ));
    }
    let report = verify(root, Q).map_err(|e| format!("verify: {e}"))?;
    if !report.is_ok() {
        return Err(format!(
            "after the writer's recovery verify finds {:?}",
            report.problems
        ));
    }
    let mut c = Consumer::open(root, "c", Q).map_err(|e| format!("consumer resume: {e}"))?;
    let (mut rest, _, errors) = drain_skipping(&mut c, true);
    if !errors.is_empty() || rest.pop().as_deref() != Some(MARK) || !again.ends_with(&rest) {
        return Err(format!(
            "the resumed consumer read {} messages, errors {errors:?}",
            rest.len()
        ));
    }
    Ok(())
}

#[test]
fn every_power_loss_state_of_a_sync_writer_recovers() {
    let steps = std::env::var("VQUEUE_POWER_LOSS_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let ops = script(steps);
    let dir = temp_base();
    let run = dir.path().join("run");
    let (snaps, acked) = record(&run, &ops);
    let all: Vec<Vec<u8>> = (0..*acked.last().unwrap()).map(payload).collect();
    let root = dir.path().join("state");
    let mut states = 0;
    let mut failures = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let in_flight = acked[i + 1] - acked[i];
        for (what, state) in crash_states(&snaps[i], &snaps[i + 1]) {
            materialise(&root, &run, &state);
            states += 1;
            let outcome = std::panic::catch_unwind(|| check(&root, &all, acked[i], in_flight))
                .unwrap_or_else(|p| Err(format!("panic: {:?}", p.downcast_ref::<String>())));
            if let Err(e) = outcome {
                failures.push(format!("operation {i} ({op:?}), {what}: {e}"));
            }
            if states % 250 == 0 {
                eprintln!("power loss: {states} states checked, {} failed", failures.len());
            }
        }
    }
    println!(
        "power loss: {states} crash states of {} operations checked, {} failed",
        ops.len(),
        failures.len()
    );
    assert!(states > ops.len() * 10, "too few states: {states}");
    assert!(
        failures.is_empty(),
        "{} of {states} states fail:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
