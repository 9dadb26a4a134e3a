//! Helpers shared by the integration tests: temporary queue directories,
//! the golden fixtures, body digests and draining a consumer.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use vqueue_core::{Consumer, Error, Message, Mode, MsgType, Queue};

/// A fresh, empty base directory removed when the value is dropped.
pub fn temp_base() -> TempDir {
    tempfile::Builder::new()
        .prefix("vqueue-test-")
        .tempdir()
        .expect("create temporary base directory")
}

/// The upstream crate takes `&str` paths.
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// Where the golden queues live: `$VQUEUE_FIXTURES`, else `../shared/fixtures`
/// next to the repository. `None` (after saying so on stderr) when absent, so
/// a checkout without them still runs every other test; a panic instead when
/// they are required.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("VQUEUE_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            !fixtures_required(),
            "fixtures absent: {} does not exist, and VQUEUE_REQUIRE_FIXTURES=1 (set VQUEUE_FIXTURES)",
            dir.display()
        );
        eprintln!(
            "fixtures absent: {} does not exist (set VQUEUE_FIXTURES); fixture checks not run",
            dir.display()
        );
        None
    }
}

/// `VQUEUE_REQUIRE_FIXTURES=1` (set by CI): a missing fixtures folder fails
/// the fixture tests instead of letting them pass without checking.
pub fn fixtures_required() -> bool {
    std::env::var_os("VQUEUE_REQUIRE_FIXTURES").is_some_and(|v| v == "1")
}

/// Copies a directory tree. Contents are rewritten rather than `fs::copy`-ed
/// because the fixtures are read-only on disk and opening a queue must be
/// able to write its metadata in the copy.
pub fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("create copy destination");
    for entry in fs::read_dir(src).expect("read fixture dir") {
        let entry = entry.expect("fixture dir entry");
        let from = entry.path();
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&from, &to);
        } else {
            let bytes = fs::read(&from).expect("read fixture file");
            fs::write(&to, bytes).expect("write fixture copy");
        }
    }
}

/// A writable copy of fixture folder `name` inside a new temporary directory;
/// returns the temp dir (keep it alive) and the base path of the queue.
pub fn fixture_copy(fixtures: &Path, name: &str) -> (TempDir, PathBuf) {
    let tmp = temp_base();
    let base = tmp.path().join(name);
    copy_tree(&fixtures.join(name), &base);
    (tmp, base)
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Digest of a message sequence as the fixtures define it: sha256 over the
/// concatenated raw sha256 values of the bodies, in order.
#[derive(Default)]
pub struct SeqDigest {
    hasher: Sha256,
    pub count: u64,
}

impl SeqDigest {
    pub fn add_body_digest(&mut self, body_sha: &[u8; 32]) {
        self.hasher.update(body_sha);
        self.count += 1;
    }
    pub fn hex(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

pub fn type_letter(t: MsgType) -> &'static str {
    match t {
        MsgType::String => "S",
        MsgType::Object => "O",
    }
}

/// Pops until the consumer reports nothing more; errors abort the test with
/// the number of messages read so far.
pub fn drain(consumer: &mut Consumer) -> Vec<Message> {
    let mut out = Vec::new();
    loop {
        match consumer.pop() {
            Ok(Some(m)) => out.push(m),
            Ok(None) => return out,
            Err(e) => panic!("pop failed after {} messages: {e:?}", out.len()),
        }
    }
}

/// The bodies `drain` returns.
pub fn drain_bodies(consumer: &mut Consumer) -> Vec<Vec<u8>> {
    drain(consumer).into_iter().map(|m| m.body).collect()
}

/// Deterministic pseudo-random generator so large bodies can be described by
/// a seed in proptest values instead of being stored and shrunk byte by byte.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// A body of `len` bytes: random bytes when `compressible` is false, else
/// JSON-like text over a small vocabulary (what a dictionary compresses well).
pub fn make_body(len: usize, seed: u64, compressible: bool) -> Vec<u8> {
    let mut rng = XorShift::new(seed);
    let mut out = Vec::with_capacity(len + 64);
    if compressible {
        const WORDS: [&str; 12] = [
            "\"@id\":\"d:",
            "\"rdf:type\":",
            "\"v-s:created\":",
            "\"rdfs:label\":",
            "\"v-s:author\":\"td:",
            "\"type\":\"Uri\"",
            "\"type\":\"String\"",
            "\"lang\":\"RU\"",
            "\"data\":",
            "{",
            "},",
            "\"v-s:Document\"",
        ];
        while out.len() < len {
            let r = rng.next();
            out.extend_from_slice(WORDS[(r % WORDS.len() as u64) as usize].as_bytes());
            if r & 0x30 == 0 {
                out.extend_from_slice((r >> 40).to_string().as_bytes());
            }
        }
        out.truncate(len);
    } else {
        while out.len() < len {
            out.extend_from_slice(&rng.next().to_le_bytes());
        }
        out.truncate(len);
    }
    out
}

/// A body described by its length and a seed, so proptest values stay small
/// and shrink by description rather than byte by byte.
#[derive(Clone, Debug)]
pub struct BodySpec {
    pub len: usize,
    pub seed: u64,
    pub compressible: bool,
}

impl BodySpec {
    pub fn body(&self) -> Vec<u8> {
        make_body(self.len, self.seed, self.compressible)
    }
}

/// Body specs whose lengths follow `len`.
pub fn body_spec(len: impl Strategy<Value = usize>) -> impl Strategy<Value = BodySpec> {
    (len, any::<u64>(), any::<bool>()).prop_map(|(len, seed, compressible)| BodySpec {
        len,
        seed,
        compressible,
    })
}

/// Bytes a crash mid-push leaves past the published right edge (see
/// `write_torn_tail`).
#[derive(Clone, Copy, Debug)]
pub struct Torn {
    pub seed: u64,
    pub len: usize,
    pub whole_record: bool,
}

/// No tail, or one of up to 300 bytes.
pub fn torn() -> impl Strategy<Value = Option<Torn>> {
    prop::option::of(
        (any::<u64>(), 1usize..300, any::<bool>()).prop_map(|(seed, len, whole_record)| Torn {
            seed,
            len,
            whole_record,
        }),
    )
}

/// CRC-32/IEEE over the concatenated `parts`, the checksum of records and
/// metadata lines, computed here so tests can forge both without reaching
/// into the engine.
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for part in parts {
        h.update(part);
    }
    h.finalize()
}

/// A record (v2 or v3 header, uncompressed body), byte for byte as the
/// format defines it.
pub fn encode_record(start_pos: u64, count: u32, msg_type: u8, body: &[u8], v3: bool) -> Vec<u8> {
    let mut r = Vec::with_capacity(25 + body.len());
    r.extend_from_slice(&start_pos.to_le_bytes());
    r.extend_from_slice(&(body.len() as u32).to_le_bytes());
    let magic: u32 = if v3 { 0xEEEF_FE33 } else { 0xEEEF_FEEE };
    r.extend_from_slice(&magic.to_le_bytes());
    r.extend_from_slice(&count.to_le_bytes());
    r.push(msg_type);
    r.extend_from_slice(&[0; 4]);
    r.extend_from_slice(body);
    let c = crc32(&[&r]);
    r[21..25].copy_from_slice(&c.to_le_bytes());
    r
}

/// Right edge, record count and v3-ness published in a part's info_push
/// (first line only; an empty file is an empty part).
pub fn published(base: &Path, queue: &str, part: u32) -> (u64, u32, bool) {
    let text = fs::read_to_string(info_push_path(base, queue, part)).unwrap_or_default();
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return (0, 0, false);
    }
    let (v3, rest) = match line.strip_prefix("v3;") {
        Some(r) => (true, r),
        None => (false, line),
    };
    let f: Vec<&str> = rest.split(';').collect();
    (f[1].parse().expect("right edge"), f[2].parse().expect("count"), v3)
}

/// What a crash in the middle of a push leaves behind: bytes past the
/// published right edge of `part`, either noise or a complete, correctly
/// checksummed record that was never published. Readers must ignore both.
pub fn write_torn_tail(base: &Path, queue: &str, part: u32, seed: u64, len: usize, whole_record: bool) {
    use std::os::unix::fs::FileExt;
    let (edge, count, v3) = published(base, queue, part);
    let body = make_body(len, seed, false);
    let bytes = if whole_record {
        encode_record(edge, count + 1, b'S', &body, v3)
    } else {
        body
    };
    let path = data_path(base, queue, part);
    let f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .expect("open part data");
    f.write_all_at(&bytes, edge).expect("write torn tail");
}

/// A body that names its index, so a wrong or repeated record is detected.
pub fn body(i: usize, len: usize) -> Vec<u8> {
    let mut b = format!("m{i:08}:").into_bytes();
    let mut x = (i as u32).wrapping_mul(2654435761) | 1;
    while b.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.push(b'a' + (x % 26) as u8);
    }
    b.truncate(len.max(1));
    b
}

/// Compressible JSON text, different for every index. The `score` field
/// gives a second shape; tests keep the shape their sizes were chosen for.
pub fn json_body(i: usize, with_score: bool) -> Vec<u8> {
    let score = if with_score {
        format!("\"score\":{},", (i * 37) % 1000)
    } else {
        String::new()
    };
    format!(
        "{{\"id\":{i},\"kind\":\"event\",\"user\":\"user-{:05}\",\"tags\":[\"alpha\",\"beta\",\"gamma\"],{score}\"note\":\"the quick brown fox jumps over the lazy dog {}\"}}",
        i % 977,
        i % 13
    )
    .into_bytes()
}

pub fn part_dir(base: &Path, q: &str, part: u32) -> PathBuf {
    base.join(format!("{q}-{part}"))
}
pub fn data_path(base: &Path, q: &str, part: u32) -> PathBuf {
    part_dir(base, q, part).join(format!("{q}_queue"))
}
pub fn info_push_path(base: &Path, q: &str, part: u32) -> PathBuf {
    part_dir(base, q, part).join(format!("{q}_info_push"))
}
pub fn dict_path(base: &Path, q: &str, part: u32) -> PathBuf {
    part_dir(base, q, part).join(format!("{q}_dict"))
}
pub fn info_queue_path(base: &Path, q: &str) -> PathBuf {
    base.join(format!("{q}_info_queue"))
}
pub fn info_pop_path(base: &Path, q: &str, c: &str) -> PathBuf {
    base.join(format!("{q}_info_pop_{c}"))
}

/// One record of a part file as found by an independent parser.
#[derive(Debug, Clone)]
pub struct Rec {
    pub offset: u64,
    pub stored_len: u32,
    pub type_byte: u8,
}

/// Parses the records of a data file from offset 0 up to `limit` without the
/// engine, so tests can aim damage at a precise record.
pub fn parse_records(path: &Path, limit: u64) -> Vec<Rec> {
    use std::io::Read;
    // Part files may be preallocated; only the published extent matters.
    let mut data = Vec::new();
    fs::File::open(path)
        .unwrap()
        .take(limit)
        .read_to_end(&mut data)
        .unwrap();
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 25 <= data.len() {
        let h = &data[pos..pos + 25];
        let len = u32::from_le_bytes(h[8..12].try_into().unwrap());
        out.push(Rec {
            offset: pos as u64,
            stored_len: len,
            type_byte: h[20],
        });
        pos += 25 + len as usize;
    }
    out
}

/// One writer session: opens (starting a part), pushes, closes.
pub fn session(base: &Path, q: &str, bodies: &[Vec<u8>]) -> u32 {
    let mut w = Queue::open(base, q, Mode::ReadWrite).expect("open writer");
    for b in bodies {
        w.push(b, MsgType::String).expect("push");
    }
    let part = w.part_id();
    w.close().expect("close writer");
    part
}

/// Writer sessions `parts`, one part each, of `per_part` bodies of `len`
/// bytes numbered on from `parts.start * per_part`; each session's bodies.
pub fn sessions(base: &Path, q: &str, parts: std::ops::Range<usize>, per_part: usize, len: usize) -> Vec<Vec<Vec<u8>>> {
    parts
        .map(|s| {
            let bodies: Vec<Vec<u8>> = (0..per_part).map(|i| body(s * per_part + i, len)).collect();
            session(base, q, &bodies);
            bodies
        })
        .collect()
}

/// Every file under `dir` with its bytes, to show that nothing changed; with
/// `with_dirs`, directories too (as `<dir>`), so a new empty one shows.
pub fn snapshot(dir: &Path, with_dirs: bool) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if with_dirs {
                    out.insert(p.clone(), b"<dir>".to_vec());
                }
                stack.push(p);
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Runs `body` in a fresh copy of this test binary, so process-wide changes
/// (seccomp filters, resource limits, signal dispositions) stay isolated
/// whatever the test runner.
pub fn isolated(test_name: &str, body: impl FnOnce()) {
    const VAR: &str = "VQUEUE_TEST_ISOLATED";
    if std::env::var(VAR).ok().as_deref() == Some(test_name) {
        body();
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, test_name)
        .output()
        .expect("run isolated child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "isolated run of {test_name} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

/// Writes a valid `Q;ID;CRC` line, as a writer of the reference would.
pub fn write_info_queue(base: &Path, q: &str, id: u32) {
    let p = format!("{q};{id};");
    fs::write(info_queue_path(base, q), format!("{p}{}\n", crc32(&[p.as_bytes()]))).unwrap();
}

/// Pops until `None`; a damaged record is passed with `skip_corrupt`, the
/// documented recovery. Returns the bodies and the records reported lost.
pub fn drain_skipping(c: &mut Consumer, commit: bool) -> (Vec<Vec<u8>>, u64, Vec<Error>) {
    let mut bodies = Vec::new();
    let mut lost = 0;
    let mut errors = Vec::new();
    for _ in 0..100_000 {
        match c.pop() {
            Ok(Some(m)) => {
                bodies.push(m.body);
                if commit {
                    c.commit().expect("commit");
                }
            }
            Ok(None) => return (bodies, lost, errors),
            Err(e) => {
                assert!(errors.len() < 50, "consumer does not make progress: {errors:?}");
                errors.push(e);
                lost += c.skip_corrupt().expect("skip_corrupt");
            }
        }
    }
    panic!("consumer never reached the end");
}

/// Caps the size any file of this process may grow to; SIGXFSZ is ignored so
/// the write fails with EFBIG instead of killing the process, as a full disk
/// fails it with ENOSPC.
pub fn limit_file_size(bytes: u64) -> libc::rlimit {
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut old), 0);
        let new = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &new), 0);
        old
    }
}

pub fn restore_file_size(old: libc::rlimit) {
    unsafe { assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &old), 0) };
}
