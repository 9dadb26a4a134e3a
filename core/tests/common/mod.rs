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
            "\"@id\":\"d:", "\"rdf:type\":", "\"v-s:created\":", "\"rdfs:label\":",
            "\"v-s:author\":\"td:", "\"type\":\"Uri\"", "\"type\":\"String\"",
            "\"lang\":\"RU\"", "\"data\":", "{", "},", "\"v-s:Document\"",
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
