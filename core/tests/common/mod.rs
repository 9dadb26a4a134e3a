//! Helpers shared by the integration tests: temporary queue directories,
//! the golden fixtures, body digests and draining a consumer.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempDir;
use vqueue_core::{Consumer, Message, MsgType};

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
/// a checkout without them still runs every other test.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("VQUEUE_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "fixtures absent: {} does not exist (set VQUEUE_FIXTURES); fixture checks not run",
            dir.display()
        );
        None
    }
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

/// CRC-32/IEEE, the record checksum, kept here so tests can forge records
/// without reaching into the engine.
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for part in parts {
        for &b in *part {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

/// Right edge, record count and v3-ness published in a part's info_push
/// (first line only; an empty file is an empty part).
pub fn published(base: &Path, queue: &str, part: u32) -> (u64, u32, bool) {
    let text =
        fs::read_to_string(base.join(format!("{queue}-{part}")).join(format!("{queue}_info_push"))).unwrap_or_default();
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
        let mut h = [0u8; 25];
        h[0..8].copy_from_slice(&edge.to_le_bytes());
        h[8..12].copy_from_slice(&(body.len() as u32).to_le_bytes());
        let magic: u32 = if v3 { 0xEEEF_FE33 } else { 0xEEEF_FEEE };
        h[12..16].copy_from_slice(&magic.to_le_bytes());
        h[16..20].copy_from_slice(&(count + 1).to_le_bytes());
        h[20] = b'S';
        let crc = crc32(&[&h, &body]);
        h[21..25].copy_from_slice(&crc.to_le_bytes());
        [&h[..], &body[..]].concat()
    } else {
        body
    };
    let path = base.join(format!("{queue}-{part}")).join(format!("{queue}_queue"));
    let f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .expect("open part data");
    f.write_all_at(&bytes, edge).expect("write torn tail");
}
