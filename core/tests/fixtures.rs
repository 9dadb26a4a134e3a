//! Golden queues written by other implementations: every message must come
//! back exactly as the upstream crate read it (`NAME.expected.jsonl`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{fixture_copy, fixtures_dir, sha256, snapshot, type_letter, SeqDigest};
use vqueue_core::{Consumer, Error, Format, Mode, Start};

/// Folders this file knows; a new fixture folder must be added here so it
/// never goes untested silently.
const KNOWN: [(&str, &str); 4] = [
    ("real-veda-v2", "individuals-flow"),
    ("real-veda-small", "test"),
    ("v3-compressed", "docs"),
    ("v2-generated", "docs"),
];

struct Expected {
    messages: Vec<ExpectedMsg>,
    count: u64,
    digest: String,
}

#[derive(Debug, PartialEq)]
struct ExpectedMsg {
    part: u32,
    msg_type: String,
    len: u64,
    sha256: String,
}

fn load_expected(fixtures: &Path, name: &str) -> Expected {
    let text = fs::read_to_string(fixtures.join(format!("{name}.expected.jsonl")))
        .unwrap_or_else(|e| panic!("{name}.expected.jsonl: {e}"));
    let mut messages = Vec::new();
    let mut summary = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("expected line is JSON");
        if v.get("summary").is_some() {
            summary = Some((
                v["messages"].as_u64().expect("summary.messages"),
                v["digest"].as_str().expect("summary.digest").to_string(),
            ));
        } else {
            messages.push(ExpectedMsg {
                part: v["part"].as_u64().expect("part") as u32,
                msg_type: v["type"].as_str().expect("type").to_string(),
                len: v["len"].as_u64().expect("len"),
                sha256: v["sha256"].as_str().expect("sha256").to_string(),
            });
        }
    }
    let (count, digest) = summary.expect("expected file has a summary line");
    assert_eq!(messages.len() as u64, count, "{name}: summary count vs lines");
    Expected {
        messages,
        count,
        digest,
    }
}

fn queue_of(folder: &str) -> &'static str {
    KNOWN
        .iter()
        .find(|(f, _)| *f == folder)
        .map(|(_, q)| *q)
        .unwrap_or_else(|| panic!("unknown fixture folder {folder}"))
}

/// Compares what was read with the expected file, message by message, then
/// count and digest.
fn assert_matches(name: &str, how: &str, got: &[ExpectedMsg], exp: &Expected) {
    for (i, (g, e)) in got.iter().zip(&exp.messages).enumerate() {
        assert_eq!(g, e, "{name} ({how}): message #{i} differs");
    }
    assert_eq!(got.len() as u64, exp.count, "{name} ({how}): message count");
    let mut d = SeqDigest::default();
    for g in got {
        let raw: [u8; 32] = hex::decode(&g.sha256).unwrap().try_into().unwrap();
        d.add_body_digest(&raw);
    }
    assert_eq!(d.hex(), exp.digest, "{name} ({how}): digest");
}

fn describe(part: u32, t: vqueue_core::MsgType, body: &[u8]) -> ExpectedMsg {
    ExpectedMsg {
        part,
        msg_type: type_letter(t).to_string(),
        len: body.len() as u64,
        sha256: hex::encode(sha256(body)),
    }
}

/// Reads with the low-level calls the original bindings use: pop_header,
/// a buffer of record_len, pop_body, commit after every message.
fn read_with_headers(c: &mut Consumer) -> Vec<ExpectedMsg> {
    let mut out = Vec::new();
    while c.pop_header().expect("pop_header") {
        let len = c.record_len().expect("record_len after a popped header");
        let t = c.msg_type().expect("msg_type after a popped header");
        let part = c.part_id();
        let body = c.pop_body().expect("pop_body").expect("body of a popped header");
        assert_eq!(body.len() as u32, len, "record_len is the decoded length");
        out.push(describe(part, t, &body));
        c.commit().expect("commit");
    }
    out
}

fn read_with_pop(c: &mut Consumer) -> Vec<ExpectedMsg> {
    common::drain(c)
        .iter()
        .map(|m| describe(m.part, m.msg_type, &m.body))
        .collect()
}

fn check_read_write(name: &str) {
    let Some(fixtures) = fixtures_dir() else { return };
    let exp = load_expected(&fixtures, name);
    let (_tmp, base) = fixture_copy(&fixtures, name);
    let queue = queue_of(name);

    let mut c = Consumer::open(&base, "fixture", queue).expect("open read-write consumer");
    let got = read_with_headers(&mut c);
    assert_matches(name, "read-write", &got, &exp);
    assert_eq!(c.backlog().expect("backlog"), 0, "{name}: backlog after reading all");
    c.close().expect("close");
    drop(c);

    // The committed position must survive a reopen: nothing is read twice.
    let mut again = Consumer::open(&base, "fixture", queue).expect("reopen consumer");
    assert!(
        again.pop().expect("pop after reopen").is_none(),
        "{name}: committed position lost"
    );
}

fn check_read_only(name: &str) {
    let Some(fixtures) = fixtures_dir() else { return };
    let exp = load_expected(&fixtures, name);
    let (_tmp, base) = fixture_copy(&fixtures, name);
    let queue = queue_of(name);
    let before = snapshot(&base, false);

    let mut c = Consumer::open_with_mode(&base, "fixture", queue, Mode::Read).expect("open read-only consumer");
    let got = read_with_pop(&mut c);
    assert_matches(name, "read-only", &got, &exp);
    assert!(
        matches!(c.commit(), Err(Error::ReadOnly(_))),
        "{name}: commit on a read-only consumer"
    );
    drop(c);

    let mut r = Consumer::open_reader(&base, queue, Start::Consumer("fixture".into())).expect("open reader");
    let got = read_with_pop(&mut r);
    assert_matches(name, "reader from saved position", &got, &exp);
    drop(r);

    assert_eq!(before, snapshot(&base, false), "{name}: a read-only pass changed files");
}

#[test]
fn every_fixture_folder_is_known() {
    let Some(fixtures) = fixtures_dir() else { return };
    let mut seen = 0;
    for e in fs::read_dir(&fixtures).unwrap() {
        let e = e.unwrap();
        if !e.file_type().unwrap().is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            KNOWN.iter().any(|(f, _)| *f == name),
            "fixture folder {name} has no test here"
        );
        assert!(
            fixtures.join(format!("{name}.expected.jsonl")).is_file(),
            "fixture folder {name} has no expected file"
        );
        assert!(e.path().join(format!("{}_info_queue", queue_of(&name))).is_file());
        seen += 1;
    }
    assert_eq!(seen, KNOWN.len(), "fixture folders missing from {}", fixtures.display());
}

#[test]
fn real_veda_v2_read_write() {
    check_read_write("real-veda-v2");
}

#[test]
fn real_veda_v2_read_only() {
    check_read_only("real-veda-v2");
}

#[test]
fn v2_generated_read_write() {
    check_read_write("v2-generated");
}

#[test]
fn v2_generated_read_only() {
    check_read_only("v2-generated");
}

#[test]
fn v3_compressed_read_write() {
    check_read_write("v3-compressed");
}

#[test]
fn v3_compressed_read_only() {
    check_read_only("v3-compressed");
}

/// The saved `fixture` positions of these queues point at their first
/// existing part, so a reader from the first part sees the same sequence.
#[test]
fn first_part_reader_matches_expected() {
    let Some(fixtures) = fixtures_dir() else { return };
    for name in ["real-veda-v2", "v2-generated", "v3-compressed"] {
        let exp = load_expected(&fixtures, name);
        let (_tmp, base) = fixture_copy(&fixtures, name);
        let mut r = Consumer::open_reader(&base, queue_of(name), Start::FirstPart).expect("open reader");
        let got = read_with_pop(&mut r);
        assert_matches(name, "reader from first part", &got, &exp);
    }
}

/// Files whose CRC the fixture README says is wrong.
fn bad_small_files(base: &Path) -> Vec<PathBuf> {
    vec![
        base.join("test_info_queue"),
        base.join("test-0").join("test_info_push"),
        base.join("test-1").join("test_info_push"),
    ]
}

/// The queue is refused, when it is opened or at the latest on the first
/// read, with a checksum error naming one of the damaged files.
fn assert_checksum_error_names_bad_file(base: &Path, r: Result<Consumer, Error>, how: &str) {
    let r = r.and_then(|mut c| c.pop());
    match r {
        Err(Error::InvalidChecksum { path, .. }) => assert!(
            bad_small_files(base).contains(&path),
            "{how}: checksum error names {} instead of a file with a bad CRC",
            path.display()
        ),
        Err(e) => panic!("{how}: expected InvalidChecksum, got {e:?}"),
        Ok(m) => panic!("{how}: a queue with bad metadata CRCs was read: {m:?}"),
    }
}

#[test]
fn real_veda_small_is_refused_with_checksum_error() {
    let Some(fixtures) = fixtures_dir() else { return };
    let (_tmp, base) = fixture_copy(&fixtures, "real-veda-small");
    assert_checksum_error_names_bad_file(&base, Consumer::open(&base, "fixture", "test"), "read-write consumer");
    assert_checksum_error_names_bad_file(
        &base,
        Consumer::open_with_mode(&base, "fixture", "test", Mode::Read),
        "read-only consumer",
    );
    assert_checksum_error_names_bad_file(
        &base,
        Consumer::open_reader(&base, "test", Start::FirstPart),
        "reader from first part",
    );
}

#[test]
fn real_veda_small_verify_names_bad_files() {
    let Some(fixtures) = fixtures_dir() else { return };
    let (_tmp, base) = fixture_copy(&fixtures, "real-veda-small");
    let report = vqueue_core::verify(&base, "test").expect("verify runs");
    assert!(!report.is_ok(), "verify accepted metadata with wrong CRCs");
    let bad = bad_small_files(&base);
    for f in &bad {
        assert!(
            report.problems.iter().any(|p| &p.file == f),
            "verify did not report {}; problems: {:?}",
            f.display(),
            report.problems.iter().map(|p| (&p.file, &p.detail)).collect::<Vec<_>>()
        );
    }
    for p in &report.problems {
        assert!(
            bad.contains(&p.file),
            "verify reports a sound file: {} ({})",
            p.file.display(),
            p.detail
        );
    }
}

#[test]
fn real_veda_small_after_repair_reads_all() {
    let Some(fixtures) = fixtures_dir() else { return };
    let exp = load_expected(&fixtures, "real-veda-small");
    let (_tmp, base) = fixture_copy(&fixtures, "real-veda-small");
    let part0 = fs::read(base.join("test-0/test_queue")).unwrap();
    let part1 = fs::read(base.join("test-1/test_queue")).unwrap();

    let report = vqueue_core::repair(&base, "test").expect("repair");
    assert_eq!(report.records, 39, "repair counted records: {:?}", report.actions);
    assert_eq!(
        fs::read(base.join("test-0/test_queue")).unwrap(),
        part0,
        "repair changed records of part 0"
    );
    assert_eq!(
        fs::read(base.join("test-1/test_queue")).unwrap(),
        part1,
        "repair changed records of part 1"
    );

    let v = vqueue_core::verify(&base, "test").expect("verify after repair");
    assert!(
        v.is_ok(),
        "problems after repair: {:?}",
        v.problems.iter().map(|p| &p.detail).collect::<Vec<_>>()
    );

    let mut c = Consumer::open(&base, "fixture", "test").expect("open after repair");
    let got = read_with_headers(&mut c);
    assert_matches("real-veda-small", "after repair", &got, &exp);
    drop(c);

    // The three saved consumers were at the end; repair keeps their positions.
    for name in ["test1", "test2", "test3"] {
        let mut c = Consumer::open(&base, name, "test").expect("open saved consumer");
        assert!(c.pop().expect("pop").is_none(), "{name} was at the end before repair");
    }
}

#[test]
fn verify_reports_v2_and_v3_fixtures_clean() {
    let Some(fixtures) = fixtures_dir() else { return };
    for name in ["real-veda-v2", "v2-generated", "v3-compressed"] {
        let (_tmp, base) = fixture_copy(&fixtures, name);
        let exp = load_expected(&fixtures, name);
        let report = vqueue_core::verify(&base, queue_of(name)).expect("verify");
        assert!(
            report.is_ok(),
            "{name}: {:?}",
            report
                .problems
                .iter()
                .map(|p| (&p.file, p.offset, &p.detail))
                .collect::<Vec<_>>()
        );
        assert_eq!(report.records, exp.count, "{name}: records verified");
    }
}

/// `inspect` agrees with the fixtures' documented layout and with the
/// per-part message counts of the expected files.
#[test]
fn inspect_reports_fixture_layout() {
    let Some(fixtures) = fixtures_dir() else { return };
    for (name, format) in [
        ("real-veda-v2", Format::V2),
        ("v2-generated", Format::V2),
        ("v3-compressed", Format::V3),
    ] {
        let exp = load_expected(&fixtures, name);
        let (_tmp, base) = fixture_copy(&fixtures, name);
        let info = vqueue_core::inspect(&base, queue_of(name)).expect("inspect");
        let mut per_part = std::collections::BTreeMap::<u32, u32>::new();
        for m in &exp.messages {
            *per_part.entry(m.part).or_default() += 1;
        }
        let ids: Vec<u32> = info.parts.iter().map(|p| p.id).collect();
        for p in &info.parts {
            assert_eq!(
                p.count,
                per_part.get(&p.id).copied().unwrap_or(0),
                "{name}: records of part {}",
                p.id
            );
            assert_eq!(p.format, format, "{name}: format of part {}", p.id);
            assert_eq!(p.has_dict, format == Format::V3, "{name}: dictionary of part {}", p.id);
        }
        for part in per_part.keys() {
            assert!(
                ids.contains(part),
                "{name}: part {part} holds messages but is not listed"
            );
        }
        assert_eq!(info.writer_part, ids.last().copied(), "{name}: writer part");
        assert!(!info.writer_active, "{name}: no writer holds the lock");
        let c = info
            .consumers
            .iter()
            .find(|c| c.name == "fixture")
            .expect("fixture consumer listed");
        assert_eq!(
            (c.part, c.offset, c.popped),
            (ids[0], 0, 0),
            "{name}: fixture consumer position"
        );
        assert_eq!(c.lag, exp.count, "{name}: fixture consumer lag");
        if name == "real-veda-v2" {
            assert_eq!(ids, (17..=42).collect::<Vec<u32>>(), "{name}: parts");
            let empty: Vec<u32> = info.parts.iter().filter(|p| p.count == 0).map(|p| p.id).collect();
            assert_eq!(empty, [22, 26, 28, 29, 39, 42], "{name}: empty parts");
        }
    }
}

/// Runs this test binary's `every_fixture_folder_is_known` with the fixtures
/// pointed at a folder that does not exist.
fn run_with_absent_fixtures(require: bool) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "every_fixture_folder_is_known", "--nocapture"])
        .env("VQUEUE_FIXTURES", tmp.path().join("absent"))
        .env_remove("VQUEUE_REQUIRE_FIXTURES");
    if require {
        cmd.env("VQUEUE_REQUIRE_FIXTURES", "1");
    }
    cmd.output().unwrap()
}

#[test]
fn absent_fixtures_fail_only_when_required() {
    let lenient = run_with_absent_fixtures(false);
    assert!(lenient.status.success(), "{}", String::from_utf8_lossy(&lenient.stderr));
    assert!(String::from_utf8_lossy(&lenient.stderr).contains("fixtures absent"));
    let strict = run_with_absent_fixtures(true);
    assert!(
        !strict.status.success(),
        "a required, absent fixtures folder must fail the test"
    );
    let out = String::from_utf8_lossy(&strict.stdout).into_owned() + &String::from_utf8_lossy(&strict.stderr);
    assert!(out.contains("VQUEUE_REQUIRE_FIXTURES=1"), "{out}");
}
