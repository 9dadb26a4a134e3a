//! Bad inputs: damaged files, torn or short tails, wrong checksums in every
//! file that has one, bad names, missing parts, a full disk, writers and
//! consumers that vanish mid-stream, and misuse of handles. Each one gets a
//! typed error naming the file (and byte offset) or a documented recovery —
//! `Consumer::skip_corrupt`, `repair` — and never loses an acknowledged
//! message.
//!
//! Tests that change process-wide state (resource limits, signal handling)
//! run themselves in a child process, so they stay isolated under any runner.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{
    body, crc32, data_path, dict_path, drain_bodies, encode_record, info_pop_path, info_push_path, info_queue_path,
    isolated, json_body, limit_file_size, parse_records, part_dir, published, restore_file_size, session, sessions,
    temp_base, Rec,
};
use vqueue_core::*;

// ------------------------------------------------------ shared test code

const Q: &str = "q";

/// Replaces the CRC of a metadata file's first line with a wrong one of the
/// same width, keeping the file length.
fn break_metadata_crc(path: &Path) {
    let text = fs::read_to_string(path).unwrap();
    let nl = text.find('\n').unwrap();
    let (line, rest) = text.split_at(nl);
    let (prefix, sum) = line.rsplit_once(';').unwrap();
    let wrong = sum.trim().parse::<u32>().unwrap() ^ 1;
    fs::write(path, format!("{prefix};{wrong}{rest}")).unwrap();
}

/// A queue of one part holding `n` bodies of `len` bytes: its directory, the
/// bodies, the data file and its records.
fn one_part_queue(n: usize, len: usize) -> (tempfile::TempDir, Vec<Vec<u8>>, PathBuf, Vec<Rec>) {
    let dir = temp_base();
    let bodies: Vec<Vec<u8>> = (0..n).map(|i| body(i, len)).collect();
    session(dir.path(), Q, &bodies);
    let data = data_path(dir.path(), Q, 0);
    let recs = parse_records(&data, u64::MAX);
    (dir, bodies, data, recs)
}

fn read_all(base: &Path, q: &str) -> Vec<Vec<u8>> {
    drain_bodies(&mut Consumer::open_reader(base, q, Start::FirstPart).expect("open reader"))
}

/// The error names `file` by path and, when given, the byte offset.
fn assert_names(e: &Error, file: &Path, offset: Option<u64>) {
    let msg = e.to_string();
    let shown = file.file_name().unwrap().to_str().unwrap();
    assert!(msg.contains(shown), "error does not name {shown}: {msg}");
    if let Some(off) = offset {
        assert!(
            msg.contains(&off.to_string()),
            "error does not give offset {off}: {msg}"
        );
    }
    match e {
        Error::InvalidChecksum { path, offset: o, .. } | Error::Corrupt { path, offset: o, .. } => {
            assert!(
                path.ends_with(file.strip_prefix(file.parent().unwrap().parent().unwrap()).unwrap()) || path == file,
                "{path:?} vs {file:?}"
            );
            if let Some(off) = offset {
                assert_eq!(*o, off, "{msg}");
            }
        }
        _ => {}
    }
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

// ------------------------------------------------------------- bad names

const BAD_NAMES: &[&str] = &[
    "", " ", "a b", "a;b", "a/b", "/abs", "..", ".", "../up", "a\\b", "a\nb", "a\0b", "tab\t", "é", "кью", "a*", "a:b",
];

fn too_long() -> String {
    "a".repeat(129)
}

/// Every entry point refuses each bad name, queue or consumer, with
/// `InvalidName` before touching a file: the base directory stays empty, and
/// one that does not exist is not created.
#[test]
fn bad_names_are_refused_by_every_entry_point_before_any_file_is_touched() {
    let dir = temp_base();
    let base = dir.path().join("base");
    fs::create_dir(&base).unwrap();
    let missing = dir.path().join("missing");
    let long = too_long();
    let mut names: Vec<&str> = BAD_NAMES.to_vec();
    names.push(&long);

    let mut wrong = Vec::new();
    for name in names {
        for b in [&base, &missing] {
            let attempts: Vec<(&str, Result<()>)> = vec![
                ("validate_name", validate_name(name)),
                ("Queue::open rw", Queue::open(b, name, Mode::ReadWrite).map(drop)),
                ("Queue::open read", Queue::open(b, name, Mode::Read).map(drop)),
                (
                    "Queue::open_with v3",
                    Queue::open_with(
                        b,
                        name,
                        Mode::ReadWrite,
                        WriterOptions {
                            format: Format::V3,
                            durability: Durability::Sync,
                        },
                    )
                    .map(drop),
                ),
                ("Consumer::open consumer", Consumer::open(b, name, Q).map(drop)),
                ("Consumer::open queue", Consumer::open(b, "c", name).map(drop)),
                (
                    "open_with_mode consumer",
                    Consumer::open_with_mode(b, name, Q, Mode::Read).map(drop),
                ),
                (
                    "open_with_mode queue",
                    Consumer::open_with_mode(b, "c", name, Mode::Read).map(drop),
                ),
                (
                    "open_reader first",
                    Consumer::open_reader(b, name, Start::FirstPart).map(drop),
                ),
                (
                    "open_reader current",
                    Consumer::open_reader(b, name, Start::CurrentPart).map(drop),
                ),
                (
                    "open_reader consumer",
                    Consumer::open_reader(b, Q, Start::Consumer(name.to_string())).map(drop),
                ),
                ("inspect", inspect(b, name).map(drop)),
                ("verify", verify(b, name).map(drop)),
                ("repair", repair(b, name).map(drop)),
                ("cleanup", cleanup(b, name, false).map(drop)),
                ("cleanup dry", cleanup(b, name, true).map(drop)),
            ];
            for (what, r) in attempts {
                match r {
                    Err(Error::InvalidName { name: n, reason }) => {
                        assert_eq!(n, name, "{what}");
                        assert!(!reason.is_empty(), "{what}: no reason given");
                    }
                    other => wrong.push(format!(
                        "{what} with name {name:?} in {}: {other:?}",
                        b.file_name().unwrap().to_str().unwrap()
                    )),
                }
            }
        }
        assert!(
            dir_entries(&base).is_empty(),
            "name {name:?} touched the base directory: {:?}",
            dir_entries(&base)
        );
        assert!(!missing.exists(), "name {name:?} created the base directory");
    }
    assert_eq!(dir_entries(dir.path()), vec!["base".to_string()]);
    assert!(wrong.is_empty(), "expected InvalidName:\n{}", wrong.join("\n"));
}

/// The edges of the name rule are accepted: 128 bytes, and every allowed
/// character class, including dots that are not exactly `.` or `..`.
#[test]
fn names_at_the_edge_of_the_rule_are_accepted() {
    let dir = temp_base();
    let base = dir.path();
    let longest = "q".repeat(128);
    for name in [longest.as_str(), "A.b-c_9", "...", "-x", "0"] {
        validate_name(name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        session(base, name, &[b"x".to_vec()]);
        let mut c = Consumer::open_reader(base, name, Start::FirstPart).unwrap();
        assert_eq!(drain_bodies(&mut c), vec![b"x".to_vec()], "{name:?}");
        let consumer = if name.len() > 100 { "c" } else { name };
        let mut c = Consumer::open(base, consumer, name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        c.close().unwrap();
    }
    // Two maximal names do not fit one file name (`Q_info_pop_C.lock` would
    // be 271 bytes, the limit is 255): that must be a clear refusal, never a
    // raw I/O error or a half-created consumer.
    match Consumer::open(base, &longest, &longest) {
        Ok(mut c) => c.close().unwrap(),
        Err(e) => assert!(matches!(e, Error::InvalidName { .. }), "{e:?}"),
    }
}

// ----------------------------------------------------- damaged record data

/// A flipped byte in a record body: `pop` is `InvalidChecksum` naming the data
/// file and the record's offset, `verify` reports the same place,
/// `skip_corrupt` loses exactly that record and reading goes on.
#[test]
fn flipped_body_byte_is_invalid_checksum_at_the_record_offset() {
    let (dir, bodies, data, recs) = one_part_queue(10, 300);
    let base = dir.path();
    let mut bytes = fs::read(&data).unwrap();
    bytes[recs[4].offset as usize + 25 + 7] ^= 0x20;
    fs::write(&data, &bytes).unwrap();

    let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    for b in &bodies[..4] {
        assert_eq!(&c.pop().unwrap().unwrap().body, b);
    }
    let e = c.pop().unwrap_err();
    assert!(matches!(e, Error::InvalidChecksum { .. }), "{e:?}");
    assert_names(&e, &data, Some(recs[4].offset));

    let report = verify(base, Q).unwrap();
    assert!(!report.is_ok());
    // One flipped byte is one problem, reported where it is.
    assert_eq!(
        report.problems.len(),
        1,
        "{:?}",
        report
            .problems
            .iter()
            .map(|p| (p.offset, &p.detail))
            .collect::<Vec<_>>()
    );
    let p = &report.problems[0];
    assert!(p.file.ends_with("q-0/q_queue"), "{:?}", p.file);
    assert_eq!((p.part, p.offset), (Some(0), Some(recs[4].offset)));

    assert_eq!(c.skip_corrupt().unwrap(), 1);
    let mut rest = bodies[..4].to_vec();
    rest.extend(drain_bodies(&mut c));
    let mut expected = bodies.clone();
    expected.remove(4);
    assert_eq!(rest, expected);
}

/// A header whose length field claims gigabytes (and one whose fields are
/// all garbage) is a typed error at its offset — no huge allocation, no
/// panic — and `skip_corrupt` finds the next record.
#[test]
fn garbage_header_is_a_typed_error_not_an_allocation() {
    let (dir, bodies, data, recs) = one_part_queue(8, 64);
    let base = dir.path();
    let mut bytes = fs::read(&data).unwrap();
    let at = recs[2].offset as usize;
    bytes[at + 8..at + 12].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    let at5 = recs[5].offset as usize;
    bytes[at5..at5 + 25].copy_from_slice(&[0x5A; 25]);
    fs::write(&data, &bytes).unwrap();

    let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    let mut got = Vec::new();
    let mut errors = Vec::new();
    let mut lost = 0;
    loop {
        match c.pop() {
            Ok(Some(m)) => got.push(m.body),
            Ok(None) => break,
            Err(e) => {
                assert!(
                    matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
                    "{e:?}"
                );
                errors.push(e);
                assert!(errors.len() <= 2, "{errors:?}");
                lost += c.skip_corrupt().unwrap();
            }
        }
    }
    assert_eq!(errors.len(), 2);
    assert_names(&errors[0], &data, Some(recs[2].offset));
    assert_names(&errors[1], &data, Some(recs[5].offset));
    assert_eq!(lost, 2);
    let mut expected = bodies.clone();
    expected.remove(5);
    expected.remove(2);
    assert_eq!(got, expected);
}

/// The data file ends before info_push's right edge (power lost after the
/// metadata reached the disk): the intact records read, the short tail is a
/// typed error naming the file and the first missing record's offset,
/// `verify` reports it and `repair` rebuilds info_push from the records, after
/// which everything that is left reads without error and a writer continues.
#[test]
fn short_data_file_is_reported_and_repair_rebuilds_metadata() {
    let (dir, bodies, data, recs) = one_part_queue(6, 90);
    let base = dir.path();
    let cut = recs[4].offset + 30;
    fs::OpenOptions::new()
        .write(true)
        .open(&data)
        .unwrap()
        .set_len(cut)
        .unwrap();

    let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    for b in &bodies[..4] {
        assert_eq!(&c.pop().unwrap().unwrap().body, b);
    }
    let e = c.pop().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
        "{e:?}"
    );
    assert_names(&e, &data, Some(recs[4].offset));

    let report = verify(base, Q).unwrap();
    assert!(!report.is_ok());
    assert!(
        report.problems.iter().any(|p| p.part == Some(0)),
        "verify missed the short part"
    );

    let fixed = repair(base, Q).unwrap();
    assert!(!fixed.actions.is_empty());
    let (edge, count, _) = published(base, Q, 0);
    assert_eq!((edge, count), (recs[4].offset, 4));
    assert!(verify(base, Q).unwrap().is_ok());
    assert_eq!(read_all(base, Q), bodies[..4].to_vec());

    let more: Vec<Vec<u8>> = (6..9).map(|i| body(i, 90)).collect();
    session(base, Q, &more);
    let mut expected = bodies[..4].to_vec();
    expected.extend(more);
    assert_eq!(read_all(base, Q), expected);
}

/// Bytes after info_push's right edge are a torn or unpublished tail. Random
/// garbage there, and even a complete record with a valid CRC, are never
/// returned: not to a reader waiting at the edge, not after the writer
/// restarts, and not when a writer reuses an empty part whose data file holds
/// such bytes.
#[test]
fn bytes_after_the_right_edge_are_never_returned() {
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    let first: Vec<Vec<u8>> = (0..5).map(|i| body(i, 70)).collect();
    for b in &first {
        w.push(b, MsgType::String).unwrap();
    }
    let edge = w.right_edge();
    // The writer dies here; its process leaves a torn tail behind.
    std::mem::forget(w);
    let data = data_path(base, Q, 0);
    let mut tail = encode_record(edge, 6, b'S', b"unpublished but well formed", false);
    tail.extend((0..500u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    {
        use std::os::unix::fs::FileExt;
        fs::OpenOptions::new()
            .write(true)
            .open(&data)
            .unwrap()
            .write_all_at(&tail, edge)
            .unwrap();
    }

    for b in &first {
        assert_eq!(&c.pop().unwrap().unwrap().body, b);
    }
    assert!(c.pop().unwrap().is_none(), "a record past the right edge was returned");
    assert_eq!(c.backlog().unwrap(), 0);

    let second: Vec<Vec<u8>> = (5..8).map(|i| body(i, 70)).collect();
    session(base, Q, &second);
    assert_eq!(drain_bodies(&mut c), second);
    let mut all = first.clone();
    all.extend(second.iter().cloned());
    assert_eq!(read_all(base, Q), all);

    // An empty part (no record published) whose data file holds a torn tail,
    // reused by the next writer.
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    std::mem::forget(w);
    let mut torn = encode_record(0, 1, b'S', b"torn before info_push was written", false);
    torn.extend_from_slice(&[0xEE; 300]);
    {
        use std::os::unix::fs::FileExt;
        fs::OpenOptions::new()
            .write(true)
            .open(data_path(base, Q, 0))
            .unwrap()
            .write_all_at(&torn, 0)
            .unwrap();
    }
    let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    assert!(
        r.pop().unwrap().is_none(),
        "a torn record of an empty part was returned"
    );
    let fresh: Vec<Vec<u8>> = (0..3).map(|i| body(100 + i, 10)).collect();
    let part = session(base, Q, &fresh);
    assert_eq!(part, 0, "an empty part is reused");
    assert_eq!(read_all(base, Q), fresh);
    assert!(verify(base, Q).unwrap().is_ok());
}

// ------------------------------------------------------- metadata files

/// A wrong CRC in info_queue. Writers never trust it (fault 3); readers and
/// consumers either refuse with `InvalidChecksum` naming the file, or fall
/// back to the newest part directory — never to an older part — and read
/// every message. `verify` reports the file and `repair` rewrites it.
#[test]
fn wrong_info_queue_crc_is_refused_or_recovered_and_repaired() {
    let dir = temp_base();
    let base = dir.path();
    let all = sessions(base, Q, 0..2, 4, 30).concat();
    Consumer::open(base, "c", Q).unwrap().close().unwrap();
    let path = info_queue_path(base, Q);
    break_metadata_crc(&path);

    let refused = |what: &str, e: Error| {
        assert!(matches!(e, Error::InvalidChecksum { .. }), "{what}: {e:?}");
        assert_names(&e, &path, None);
    };
    match Queue::open(base, Q, Mode::Read) {
        Ok(q) => assert_eq!(q.part_id(), 1, "a reader fell back to an older part"),
        Err(e) => refused("Queue read", e),
    }
    match Consumer::open(base, "new", Q) {
        Ok(mut c) => {
            assert_eq!(
                drain_bodies(&mut c),
                all[4..].to_vec(),
                "a new consumer starts at the current part"
            );
            c.close().unwrap();
            fs::remove_file(info_pop_path(base, Q, "new")).unwrap();
        }
        Err(e) => {
            refused("Consumer::open new", e);
            assert!(
                !info_pop_path(base, Q, "new").exists(),
                "a refused consumer left a position file"
            );
        }
    }
    match Consumer::open_reader(base, Q, Start::CurrentPart) {
        Ok(mut r) => assert_eq!(drain_bodies(&mut r), all[4..].to_vec()),
        Err(e) => refused("reader current part", e),
    }
    match Consumer::open_reader(base, Q, Start::FirstPart) {
        Ok(mut r) => assert_eq!(drain_bodies(&mut r), all),
        Err(e) => refused("reader first part", e),
    }
    let report = verify(base, Q).unwrap();
    assert!(
        report.problems.iter().any(|p| p.file.ends_with("q_info_queue")),
        "verify missed info_queue"
    );

    repair(base, Q).unwrap();
    assert!(verify(base, Q).unwrap().is_ok());
    assert!(fs::read_to_string(&path).unwrap().starts_with("q;1;"));
    let mut c = Consumer::open(base, "c", Q).unwrap();
    assert_eq!(
        drain_bodies(&mut c),
        all[4..].to_vec(),
        "consumer c was created in part 1"
    );
    assert_eq!(read_all(base, Q), all);
}

/// A wrong CRC in info_push, v2 and v3: reading that part is
/// `InvalidChecksum` naming the file; `verify` reports it; `repair` rebuilds
/// it from the records and nothing is lost.
#[test]
fn wrong_info_push_crc_is_refused_naming_the_file_and_repaired() {
    for format in [Format::V2, Format::V3] {
        let dir = temp_base();
        let base = dir.path();
        let opts = WriterOptions {
            format,
            durability: Durability::None,
        };
        let bodies: Vec<Vec<u8>> = (0..500).map(|i| json_body(i, false).repeat(3)).collect();
        let mut w = Queue::open_with(base, Q, Mode::ReadWrite, opts).unwrap();
        w.push_batch(&bodies, MsgType::Object).unwrap();
        w.close().unwrap();
        let path = info_push_path(base, Q, 0);
        let before = fs::read(&path).unwrap();
        assert_eq!(before.starts_with(b"v3;"), format == Format::V3);
        break_metadata_crc(&path);

        let e = Consumer::open_reader(base, Q, Start::FirstPart)
            .and_then(|mut c| c.pop().map(drop))
            .expect_err("a part with a wrong info_push CRC was read");
        assert!(matches!(e, Error::InvalidChecksum { .. }), "{format}: {e:?}");
        assert_names(&e, &path, None);
        let report = verify(base, Q).unwrap();
        assert!(
            report.problems.iter().any(|p| p.file.ends_with("q-0/q_info_push")),
            "{format}: verify missed info_push"
        );

        repair(base, Q).unwrap();
        assert!(verify(base, Q).unwrap().is_ok(), "{format}");
        assert_eq!(
            fs::read(&path).unwrap(),
            before,
            "{format}: repair must rebuild the same line"
        );
        assert_eq!(read_all(base, Q), bodies, "{format}");
    }
}

/// info_pop has no CRC in its line; a garbled one (not numbers, another
/// consumer's or queue's line, empty, cut short, or a changed position that
/// no longer matches the checksum token in the padding) is `Corrupt` or
/// `InvalidChecksum` naming the file, unless the backup of the last commit
/// restores the exact position. Either way no consumer restarts from part 0
/// or skips ahead.
#[test]
fn garbled_info_pop_is_corrupt_or_restored_exactly() {
    let dir = temp_base();
    let base = dir.path();
    let bodies: Vec<Vec<u8>> = (0..6).map(|i| body(i, 20)).collect();
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    for b in &bodies {
        w.push(b, MsgType::String).unwrap();
    }
    w.close().unwrap();
    for _ in 0..2 {
        c.pop().unwrap().unwrap();
    }
    c.commit().unwrap();
    c.close().unwrap();
    let path = info_pop_path(base, Q, "c");
    let good = fs::read(&path).unwrap();
    // The same file with its position changed to another number of the
    // same width: well-formed, but its checksum token no longer matches.
    let text = String::from_utf8(good.clone()).unwrap();
    let pos: u64 = text.split(';').nth(2).unwrap().parse().unwrap();
    let forged = text
        .replacen(&format!(";{pos};"), &format!(";{};", pos + 1), 1)
        .into_bytes();
    assert_eq!(forged.len(), good.len());
    assert!(
        good.windows(1).any(|w| w == b"~"),
        "position files carry a checksum token"
    );
    for garbage in [
        &b"q;c;abc;2;0\n"[..],
        b"q;other;0;0;0\n",
        b"p;c;0;0;0\n",
        b"\x00\x00\x00\x00\n",
        b"q;c",
        b"",
        &forged,
    ] {
        fs::write(&path, garbage).unwrap();
        match Consumer::open(base, "c", Q) {
            Err(e) => {
                assert!(
                    matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
                    "{e:?}"
                );
                assert_names(&e, &path, None);
            }
            Ok(mut c) => {
                assert_eq!(
                    c.pop().unwrap().unwrap().body,
                    bodies[2],
                    "{:?}",
                    String::from_utf8_lossy(garbage)
                );
                c.close().unwrap();
            }
        }
        fs::write(&path, &good).unwrap();
    }

    // With the backup in the lock file damaged as well, nothing tells the
    // position any more: that must be an error, not a fresh start.
    let lock = base.join(format!("{Q}_info_pop_c.lock"));
    let backup = fs::read(&lock).unwrap_or_default();
    fs::write(&lock, vec![0x55u8; backup.len().max(24)]).unwrap();
    fs::write(&path, b"").unwrap();
    let e = Consumer::open(base, "c", Q)
        .map(drop)
        .expect_err("a consumer without any saved position started over");
    assert!(
        matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
        "{e:?}"
    );
    assert_names(&e, &path, None);
    assert!(
        fs::read(&path).unwrap().is_empty(),
        "the refused open rewrote the position file"
    );
}

/// A v3 part whose dictionary is damaged or gone: a compressed record is a
/// typed error naming the dictionary, the uncompressed records before it
/// still read.
#[test]
fn damaged_or_missing_dictionary_is_a_typed_error() {
    let dir = temp_base();
    let base = dir.path();
    let (bodies, _, recs, first) = reference_v3_queue(base);
    let dict = dict_path(base, Q, 0);
    let good = fs::read(&dict).unwrap();

    for (what, damage) in [("garbage", Some(vec![0x42u8; 200])), ("missing", None)] {
        match &damage {
            Some(bytes) => fs::write(&dict, bytes).unwrap(),
            None => fs::remove_file(&dict).unwrap(),
        }
        let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        for (i, x) in bodies[..first].iter().enumerate() {
            assert_eq!(&r.pop().unwrap().unwrap().body, x, "{what}: record {i}");
        }
        let e = r.pop().expect_err(what);
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Corrupt | ErrorKind::NotFound | ErrorKind::InvalidChecksum
            ),
            "{what}: {e:?}"
        );
        // Either the dictionary file is named, or the record (file and
        // offset) with a detail that blames the dictionary.
        let msg = e.to_string();
        let names_dict = msg.contains("q_dict");
        let names_record = msg.contains("q_queue")
            && msg.contains(&recs[first].offset.to_string())
            && msg.to_lowercase().contains("dictionar");
        assert!(
            names_dict || names_record,
            "{what}: error names neither the dictionary nor the record: {msg}"
        );
        let report = verify(base, Q).unwrap();
        assert!(
            !report.is_ok(),
            "{what}: verify passed a part without a usable dictionary"
        );
        fs::write(&dict, &good).unwrap();
    }
    assert_eq!(read_all(base, Q), bodies);
}

/// Metadata files cut short (a crash of a writer that truncated them, as
/// the reference does): info_push of a finished part is a typed error naming
/// it, which `repair` fixes; an info_queue cut short is refused or recovered
/// without going back to an older part.
#[test]
fn truncated_metadata_files_are_typed_errors_or_recovered() {
    let dir = temp_base();
    let base = dir.path();
    let mut all = sessions(base, Q, 0..2, 4, 30).concat();
    let push0 = info_push_path(base, Q, 0);
    let good = fs::read(&push0).unwrap();
    for cut in [5, 9, 12] {
        fs::write(&push0, &good[..cut]).unwrap();
        let e = Consumer::open_reader(base, Q, Start::FirstPart)
            .and_then(|mut r| r.pop().map(drop))
            .expect_err("a part with a cut info_push was read");
        assert!(
            matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
            "cut at {cut}: {e:?}"
        );
        assert_names(&e, &push0, None);
        assert!(!verify(base, Q).unwrap().is_ok());
    }
    repair(base, Q).unwrap();
    assert!(verify(base, Q).unwrap().is_ok());
    assert_eq!(read_all(base, Q), all);

    let iq = info_queue_path(base, Q);
    let good = fs::read(&iq).unwrap();
    fs::write(&iq, &good[..3]).unwrap();
    match Consumer::open_reader(base, Q, Start::CurrentPart) {
        Ok(mut r) => assert_eq!(
            drain_bodies(&mut r),
            all[4..].to_vec(),
            "a cut info_queue sent the reader to another part"
        ),
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
                "{e:?}"
            );
            assert_names(&e, &iq, None);
        }
    }
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    assert_eq!(w.part_id(), 2, "a writer must start after the newest part");
    w.push(b"more", MsgType::String).unwrap();
    w.close().unwrap();
    all.push(b"more".to_vec());
    assert_eq!(read_all(base, Q), all);
}

/// A v3 queue written by the reference crate, with compressed records.
/// Returns the bodies, the data file, its records and the first compressed.
fn reference_v3_queue(base: &Path) -> (Vec<Vec<u8>>, PathBuf, Vec<Rec>, usize) {
    let bodies: Vec<Vec<u8>> = (0..3000).map(|i| json_body(i, false).repeat(3)).collect();
    {
        let b = base.to_str().unwrap();
        let mut up = v_queue::queue::Queue::new(b, Q, v_queue::record::Mode::ReadWrite).unwrap();
        for x in &bodies {
            up.push(x, v_queue::record::MsgType::String).unwrap();
        }
    }
    let data = data_path(base, Q, 0);
    let recs = parse_records(&data, u64::MAX);
    let k = recs
        .iter()
        .position(|r| r.type_byte & 0x80 != 0)
        .expect("nothing compressed");
    (bodies, data, recs, k)
}

/// Rewrites the original-length prefix of compressed record `k` and fixes
/// its CRC, so that only the length is wrong.
fn claim_length(good: &[u8], rec: &Rec, claimed: u32) -> Vec<u8> {
    let mut bytes = good.to_vec();
    let at = rec.offset as usize;
    let end = at + 25 + rec.stored_len as usize;
    bytes[at + 25..at + 29].copy_from_slice(&claimed.to_le_bytes());
    bytes[at + 21..at + 25].fill(0);
    let sum = crc32(&[&bytes[at..end]]);
    bytes[at + 21..at + 25].copy_from_slice(&sum.to_le_bytes());
    bytes
}

/// A compressed record whose original-length prefix disagrees with what the
/// frame decodes to (CRC recomputed, so only the length is wrong) is an
/// error naming the record, never a body of the wrong size, and
/// `skip_corrupt` moves past it.
#[test]
fn compressed_length_prefix_mismatch_is_an_error() {
    let dir = temp_base();
    let base = dir.path();
    let (bodies, data, recs, k) = reference_v3_queue(base);
    let good = fs::read(&data).unwrap();
    let len = bodies[k].len() as u32;
    for (what, claimed) in [
        ("one more", len + 1),
        ("one less", len - 1),
        ("zero", 0),
        ("over the limit", u32::MAX),
    ] {
        fs::write(&data, claim_length(&good, &recs[k], claimed)).unwrap();
        let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        for x in &bodies[..k] {
            assert_eq!(&r.pop().unwrap().unwrap().body, x);
        }
        let e = r.pop().expect_err(what);
        assert!(
            matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
            "{what}: {e:?}"
        );
        assert_names(&e, &data, Some(recs[k].offset));
        assert_eq!(r.skip_corrupt().unwrap(), 1, "{what}");
        assert_eq!(r.pop().unwrap().unwrap().body, bodies[k + 1], "{what}");
    }
    fs::write(&data, &good).unwrap();
    assert_eq!(read_all(base, Q), bodies);
}

/// A crafted record claiming a decoded length of almost 2 GiB (within the
/// format's limit, CRC valid) must be refused without first allocating and
/// zeroing that much: the frame itself says how long its content is. Peak
/// memory of this process is the measure.
#[test]
fn compressed_length_claiming_gigabytes_is_refused_without_allocating() {
    isolated(
        "compressed_length_claiming_gigabytes_is_refused_without_allocating",
        || {
            let dir = temp_base();
            let base = dir.path();
            let (bodies, data, recs, k) = reference_v3_queue(base);
            let good = fs::read(&data).unwrap();
            fs::write(&data, claim_length(&good, &recs[k], 0x7FFF_FFF0)).unwrap();
            let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
            for x in &bodies[..k] {
                assert_eq!(&r.pop().unwrap().unwrap().body, x);
            }
            let before = max_rss_bytes();
            let e = r.pop().expect_err("a record claiming 2 GiB was returned");
            let grown = max_rss_bytes().saturating_sub(before);
            assert_names(&e, &data, Some(recs[k].offset));
            assert!(
                grown < 256 << 20,
                "peak memory grew by {} MiB to refuse one record",
                grown >> 20
            );
        },
    );
}

fn max_rss_bytes() -> u64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    ru.ru_maxrss as u64 * 1024
}

// ------------------------------------------------------------ missing parts

/// Removes one file (or the directory) of part 1 of three, then reads from
/// the first part: each gap is a typed error naming the part that
/// `skip_corrupt` moves past, or is passed over; the records of parts 0 and 2
/// are all read.
fn read_around_missing(what: &str) {
    let dir = temp_base();
    let base = dir.path();
    let parts = sessions(base, Q, 0..3, 3, 40);
    let gone = match what {
        "data file" => data_path(base, Q, 1),
        "info_push" => info_push_path(base, Q, 1),
        _ => part_dir(base, Q, 1),
    };
    if gone.is_dir() {
        fs::remove_dir_all(&gone).unwrap();
    } else {
        fs::remove_file(&gone).unwrap();
    }
    let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    let mut got = Vec::new();
    let mut errors = 0;
    loop {
        match r.pop() {
            Ok(Some(m)) => got.push(m.body),
            Ok(None) => break,
            Err(e) => {
                errors += 1;
                assert!(
                    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Corrupt),
                    "{what}: {e:?}"
                );
                assert!(
                    e.to_string().contains("q-1"),
                    "{what}: error does not name the part: {e}"
                );
                let lost = r.skip_corrupt().unwrap();
                assert!(
                    errors < 3,
                    "{what}: skip_corrupt (returned {lost}) does not move past: {e}"
                );
            }
        }
    }
    let mut expected = parts[0].clone();
    expected.extend(parts[2].iter().cloned());
    // Without info_push the records are still on disk; reading them is as
    // good as passing the part over, as long as nothing else is lost.
    let recovered: Vec<Vec<u8>> = parts.concat();
    assert!(
        got == expected || (what == "info_push" && got == recovered),
        "{what}: {} records read",
        got.len()
    );
    if what != "directory" {
        assert!(!verify(base, Q).unwrap().is_ok(), "{what}: verify saw no problem");
    }
}

#[test]
fn missing_data_file_is_a_typed_error_and_skippable() {
    read_around_missing("data file");
}

#[test]
fn missing_info_push_is_a_typed_error_or_read_through() {
    read_around_missing("info_push");
}

#[test]
fn missing_part_directory_is_passed_over() {
    read_around_missing("directory");
}

/// Opening what does not exist is `NotFound` and creates nothing.
#[test]
fn missing_queue_is_not_found_and_creates_nothing() {
    let dir = temp_base();
    let base = dir.path();
    for (what, r) in [
        ("Queue read", Queue::open(base, Q, Mode::Read).map(drop)),
        ("Consumer rw", Consumer::open(base, "c", Q).map(drop)),
        (
            "Consumer read",
            Consumer::open_with_mode(base, "c", Q, Mode::Read).map(drop),
        ),
        ("reader", Consumer::open_reader(base, Q, Start::FirstPart).map(drop)),
        ("inspect", inspect(base, Q).map(drop)),
    ] {
        let e = r.expect_err(what);
        assert!(matches!(e, Error::NotFound(_)), "{what}: {e:?}");
    }
    assert!(dir_entries(base).is_empty(), "{:?}", dir_entries(base));
    session(base, Q, &[b"x".to_vec()]);
    let e = Consumer::open_reader(base, Q, Start::Consumer("nobody".into()))
        .map(drop)
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
}

// -------------------------------------------------------------- disk full

/// The disk fills up while pushing (simulated by RLIMIT_FSIZE): the push
/// that does not fit is `Error::Io`, nothing acknowledged is lost, the failed
/// body never appears, and once space is back the same writer carries on.
#[test]
fn disk_full_push_is_io_error_and_loses_nothing() {
    isolated("disk_full_push_is_io_error_and_loses_nothing", || {
        let dir = temp_base();
        let base = dir.path();
        let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
        let mut c = Consumer::open(base, "c", Q).unwrap();
        let big = 64 * 1024;
        let mut acked = Vec::new();
        for i in 0..20 {
            acked.push(body(i, big));
            w.push(&acked[i], MsgType::String).unwrap();
        }
        let file_len = fs::metadata(data_path(base, Q, 0)).unwrap().len();
        let old = limit_file_size(file_len);
        let mut failed = None;
        for i in 20..20 + (file_len as usize / big) + 100 {
            let b = body(i, big);
            match w.push(&b, MsgType::String) {
                Ok(_) => acked.push(b),
                Err(e) => {
                    failed = Some((e, b));
                    break;
                }
            }
        }
        restore_file_size(old);
        let (e, failed_body) = failed.expect("no push failed although the file could not grow");
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
        assert!(
            e.to_string().contains("q_queue"),
            "the error does not name the file: {e}"
        );

        let later: Vec<Vec<u8>> = (10_000..10_005).map(|i| body(i, 100)).collect();
        for b in &later {
            w.push(b, MsgType::String)
                .expect("the writer keeps working once space is back");
        }
        let got = drain_bodies(&mut c);
        assert!(!got.contains(&failed_body), "the failed push was published");
        let mut expected = acked.clone();
        expected.extend(later.iter().cloned());
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "acknowledged messages lost or reordered");
        w.close().unwrap();
        assert!(verify(base, Q).unwrap().is_ok());
    });
}

/// `push_batch` on a full disk: `Error::Io`; everything acknowledged before
/// is kept; of the failed batch at most a prefix is visible, never a hole or
/// garbage; the writer continues after space is back.
#[test]
fn disk_full_push_batch_is_io_error_and_loses_nothing() {
    isolated("disk_full_push_batch_is_io_error_and_loses_nothing", || {
        let dir = temp_base();
        let base = dir.path();
        let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
        let mut c = Consumer::open(base, "c", Q).unwrap();
        let big = 16 * 1024;
        let mut acked: Vec<Vec<u8>> = (0..40).map(|i| body(i, big)).collect();
        w.push_batch(&acked, MsgType::Object).unwrap();
        let file_len = fs::metadata(data_path(base, Q, 0)).unwrap().len();
        let old = limit_file_size(file_len);
        let mut failed = None;
        let mut next = 40;
        for _ in 0..(file_len as usize / (big * 50)) + 10 {
            let batch: Vec<Vec<u8>> = (next..next + 50).map(|i| body(i, big)).collect();
            next += 50;
            match w.push_batch(&batch, MsgType::Object) {
                Ok(_) => acked.extend(batch),
                Err(e) => {
                    failed = Some((e, batch));
                    break;
                }
            }
        }
        restore_file_size(old);
        let (e, batch) = failed.expect("no batch failed although the file could not grow");
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
        let later: Vec<Vec<u8>> = (50_000..50_010).map(|i| body(i, 10)).collect();
        w.push_batch(&later, MsgType::Object)
            .expect("the writer keeps working once space is back");

        let got = drain_bodies(&mut c);
        assert_eq!(&got[..acked.len()], &acked[..], "acknowledged messages lost");
        let rest = &got[acked.len()..];
        let shown = rest.len() - later.len();
        assert_eq!(&rest[..shown], &batch[..shown], "the failed batch left a non-prefix");
        assert_eq!(&rest[shown..], &later[..]);
    });
}

/// The disk is full when a writer starts its part (the data file cannot be
/// reserved): `Error::Io` from opening or from the first push, and once space
/// is back the queue works with nothing lost and no half-made part in the way.
#[test]
fn disk_full_when_starting_a_part_is_io_error_and_queue_recovers() {
    isolated("disk_full_when_starting_a_part_is_io_error_and_queue_recovers", || {
        let dir = temp_base();
        let base = dir.path();
        let first: Vec<Vec<u8>> = (0..5).map(|i| body(i, 100)).collect();
        session(base, Q, &first);
        let mut consumer = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        let old = limit_file_size(64);
        let attempt = Queue::open(base, Q, Mode::ReadWrite).and_then(|w| {
            for i in 0..1000 {
                w.push(&body(1000 + i, 1000), MsgType::String)?;
            }
            Ok(())
        });
        restore_file_size(old);
        match attempt {
            Err(Error::Io { .. }) => {}
            other => panic!("expected Error::Io with the file size capped, got {other:?}"),
        }
        let later: Vec<Vec<u8>> = (0..5).map(|i| body(2000 + i, 100)).collect();
        session(base, Q, &later);
        let mut expected = first.clone();
        expected.extend(later.iter().cloned());
        assert_eq!(drain_bodies(&mut consumer), expected);
        assert_eq!(read_all(base, Q), expected);
        assert!(verify(base, Q).unwrap().is_ok());
    });
}

/// A reader popping while the writer pushes (another thread, no pause) gets
/// every record whole and in order: it never sees reserved space past the
/// right edge, nor a record before its bytes are in place. v2 and v3.
#[test]
fn concurrent_reader_never_sees_unpublished_bytes() {
    for format in [Format::V2, Format::V3] {
        let dir = temp_base();
        let base = dir.path().to_path_buf();
        let opts = WriterOptions {
            format,
            durability: Durability::None,
        };
        let mut w = Queue::open_with(&base, Q, Mode::ReadWrite, opts).unwrap();
        let mut c = Consumer::open(&base, "c", Q).unwrap();
        let n = 30_000;
        let writer = std::thread::spawn(move || {
            for i in 0..n {
                if i % 100 == 0 {
                    let batch: Vec<Vec<u8>> = (i..i + 100)
                        .map(|k| json_body(k, false).repeat(3)[..1 + k % 300].to_vec())
                        .collect();
                    w.push_batch(&batch, MsgType::Object).unwrap();
                }
            }
            w.close().unwrap();
        });
        let mut i = 0;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while i < n {
            match c.pop().unwrap() {
                Some(m) => {
                    assert_eq!(
                        m.body,
                        json_body(i, false).repeat(3)[..1 + i % 300].to_vec(),
                        "{format}: record {i}"
                    );
                    i += 1;
                }
                None => {
                    assert!(std::time::Instant::now() < deadline, "{format}: stuck at {i}");
                    std::thread::yield_now();
                }
            }
        }
        writer.join().unwrap();
        assert!(c.pop().unwrap().is_none());
    }
}

// -------------------------------------------------- vanished handles

/// A writer that vanishes mid-stream without closing (its handle forgotten,
/// as a killed process leaves it): a new writer in the same process takes
/// over, starts a new part, and every acknowledged message of both reads in
/// order.
#[test]
fn forgotten_writer_mid_stream_loses_nothing() {
    let dir = temp_base();
    let base = dir.path();
    let mut c = None;
    let mut expected = Vec::new();
    for round in 0..3 {
        let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
        assert_eq!(w.part_id(), round, "each writer session starts its own part");
        if c.is_none() {
            c = Some(Consumer::open(base, "c", Q).unwrap());
        }
        for i in 0..100 {
            let b = body(round as usize * 1000 + i, 1 + i * 7);
            w.push(&b, if i % 2 == 0 { MsgType::String } else { MsgType::Object })
                .unwrap();
            expected.push(b);
        }
        w.push_batch(&[b"batched".to_vec()], MsgType::String).unwrap();
        expected.push(b"batched".to_vec());
        std::mem::forget(w);
    }
    let mut c = c.unwrap();
    assert_eq!(drain_bodies(&mut c), expected);
    assert_eq!(read_all(base, Q), expected);
    assert!(verify(base, Q).unwrap().is_ok());
}

/// A writer process killed with SIGKILL while pushing: every push it
/// acknowledged (reported on its stdout after `push` returned) is read back
/// in order, whatever it pushed after that is a gap-free continuation, its
/// lock is released with the process, and the next writer carries on.
#[test]
fn killed_writer_process_loses_nothing_acknowledged() {
    use std::io::{BufRead, BufReader, Write};
    const NAME: &str = "killed_writer_process_loses_nothing_acknowledged";
    const VAR: &str = "VQUEUE_TEST_KILLED_WRITER_BASE";
    if let Ok(base) = std::env::var(VAR) {
        let w = Queue::open(&base, Q, Mode::ReadWrite).unwrap();
        let out = std::io::stdout();
        for i in 0.. {
            w.push(&body(i, 1 + i % 700), MsgType::String).unwrap();
            writeln!(out.lock(), "acked {i}").unwrap();
        }
        unreachable!();
    }
    let dir = temp_base();
    let base = dir.path();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, base)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut last_acked = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if let Some(n) = line.unwrap().strip_prefix("acked ") {
            let n: usize = n.parse().unwrap();
            last_acked = Some(n);
            if n >= 20_000 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let last_acked = last_acked.expect("the writer process acknowledged nothing");
    assert!(last_acked >= 20_000);

    let got = read_all(base, Q);
    assert!(
        got.len() > last_acked,
        "acknowledged pushes lost: {} read, {} acknowledged",
        got.len(),
        last_acked + 1
    );
    for (i, b) in got.iter().enumerate() {
        assert_eq!(b, &body(i, 1 + i % 700), "record {i}");
    }
    let mut w = Queue::open(base, Q, Mode::ReadWrite).expect("the lock dies with the process");
    assert_eq!(w.part_id(), 1);
    w.push(b"after", MsgType::String).unwrap();
    w.close().unwrap();
    let again = read_all(base, Q);
    assert_eq!(again.len(), got.len() + 1);
    assert_eq!(again.last().unwrap(), b"after");
    assert!(verify(base, Q).unwrap().is_ok());
}

/// A consumer that vanishes between pop and commit replays from its last
/// commit on reopen (at-least-once), in the same process and without
/// closing the old handle.
#[test]
fn forgotten_consumer_replays_from_last_commit() {
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    let bodies: Vec<Vec<u8>> = (0..10).map(|i| body(i, 33)).collect();
    w.push_batch(&bodies, MsgType::String).unwrap();
    for _ in 0..3 {
        c.pop().unwrap().unwrap();
    }
    c.commit().unwrap();
    for _ in 0..4 {
        c.pop().unwrap().unwrap();
    }
    std::mem::forget(c);
    let mut c = Consumer::open(base, "c", Q).unwrap();
    assert_eq!(drain_bodies(&mut c), bodies[3..].to_vec());
}

// ------------------------------------------------------------ misuse

/// Bodies over the format's limit are `TooLarge` and write nothing, also
/// inside a batch.
#[test]
fn oversized_body_is_too_large_and_writes_nothing() {
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    w.push(b"before", MsgType::String).unwrap();
    let edge = w.right_edge();
    // Zeroed allocation: the pages are never touched unless the body is read.
    let huge = vec![0u8; (u32::MAX / 2) as usize + 1];
    match w.push(&huge, MsgType::String) {
        Err(Error::TooLarge { len }) => assert_eq!(len, huge.len() as u64),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let batch: Vec<&[u8]> = vec![&b"small"[..], &huge[..]];
    assert!(matches!(
        w.push_batch(&batch, MsgType::String),
        Err(Error::TooLarge { .. })
    ));
    assert_eq!(w.right_edge(), edge);
    assert_eq!(w.count_pushed(), 1);
    w.push(b"after", MsgType::String).unwrap();
    drop(huge);
    assert_eq!(read_all(base, Q), vec![b"before".to_vec(), b"after".to_vec()]);
}

/// Writing through read-only handles is `ReadOnly`; using closed or
/// taken-over handles is `Closed`; neither changes the queue.
#[test]
fn read_only_and_closed_handles_give_typed_errors() {
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    w.push(b"one", MsgType::String).unwrap();
    let ro = Queue::open(base, Q, Mode::Read).unwrap();
    assert!(matches!(ro.push(b"x", MsgType::String), Err(Error::ReadOnly(_))));
    assert!(matches!(
        ro.push_batch(&[b"x"], MsgType::String),
        Err(Error::ReadOnly(_))
    ));

    let mut r = Consumer::open_with_mode(base, "c", Q, Mode::Read);
    if let Ok(r) = &mut r {
        assert!(matches!(r.commit(), Err(Error::ReadOnly(_))));
    }
    let mut reader = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    reader.pop().unwrap().unwrap();
    assert!(matches!(reader.commit(), Err(Error::ReadOnly(_))));

    let mut w2 = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    assert!(!w.is_ready());
    assert!(matches!(w.push(b"stale", MsgType::String), Err(Error::Closed(_))));
    w2.push(b"two", MsgType::String).unwrap();
    w2.close().unwrap();
    w2.close().unwrap();
    assert!(matches!(w2.push(b"x", MsgType::String), Err(Error::Closed(_))));

    let mut c = Consumer::open(base, "c2", Q).unwrap();
    c.close().unwrap();
    assert!(matches!(c.pop(), Err(Error::Closed(_))));
    assert!(matches!(c.commit(), Err(Error::Closed(_))));
    assert_eq!(read_all(base, Q), vec![b"one".to_vec(), b"two".to_vec()]);
}
