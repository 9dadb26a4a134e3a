//! Bodies, file steps and the normalised form of results, shared by the
//! bindings of this crate (the Python runners follow the same rules in
//! `../scenario.py`; the driver's comparison keeps them in step).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vqueue_core::Error;

/// Bodies up to this size made of printable ASCII are shown as text.
pub const TEXT_MAX: usize = 64;

pub const FILE_OPS: &[&str] = &["files", "digest", "delete", "empty", "truncate", "flip", "write"];

pub fn body_bytes(spec: &Value) -> Vec<u8> {
    if let Some(s) = spec.as_str() {
        return s.as_bytes().to_vec();
    }
    if let Some(s) = spec["text"].as_str() {
        return s.as_bytes().to_vec();
    }
    if let Some(h) = spec["hex"].as_str() {
        return hex::decode(h).expect("hex body");
    }
    if let Some(p) = spec["pattern"].as_str() {
        let n = spec["len"].as_u64().expect("pattern len") as usize;
        return p.as_bytes().iter().copied().cycle().take(n).collect();
    }
    if let Some(n) = spec["zeros"].as_u64() {
        // Zeroed allocations are lazily mapped: a 2 GiB body costs nothing
        // until written, and a push that refuses it never touches it.
        return vec![0u8; n as usize];
    }
    panic!("unknown body spec {spec}")
}

pub fn body_result(data: Option<&[u8]>) -> Value {
    match data {
        None => Value::Null,
        Some(d) if d.len() <= TEXT_MAX && d.iter().all(|b| (0x20..0x7f).contains(b)) => {
            Value::String(String::from_utf8(d.to_vec()).unwrap())
        }
        Some(d) => json!({ "len": d.len(), "sha256": hex::encode(Sha256::digest(d)) }),
    }
}

/// `p` relative to the queue base, with `/` separators.
pub fn rel_path(base: &Path, p: &Path) -> String {
    let canon = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let r = p.strip_prefix(base).or_else(|_| p.strip_prefix(&canon)).unwrap_or(p);
    r.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/")
}

pub fn error(kind: &str, fields: Value) -> Value {
    let mut e = json!({ "kind": kind });
    if let Value::Object(m) = fields {
        for (k, v) in m {
            e[k] = v;
        }
    }
    json!({ "error": e })
}

/// The normalised error: kind and the structured fields the core's error
/// table gives (errno is left out: it is the OS's, not the queue's).
pub fn core_error(base: &Path, e: &Error) -> Value {
    let mut fields = serde_json::Map::new();
    if let Some(p) = e.path() {
        fields.insert("path".into(), json!(rel_path(base, p)));
    }
    if let Some(o) = e.offset() {
        fields.insert("offset".into(), json!(o));
    }
    if let Some(n) = e.name() {
        fields.insert("name".into(), json!(n));
    }
    if let Some(l) = e.length() {
        fields.insert("length".into(), json!(l));
    }
    error(e.kind().name(), Value::Object(fields))
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<Value>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            walk(base, &p, out)?;
        } else {
            out.push(json!([rel_path(base, &p), p.metadata()?.len()]));
        }
    }
    Ok(())
}

fn not_found() -> Value {
    error("NotFound", Value::Null)
}

/// A damage or file step, done on the files directly.
pub fn file_step(base: &Path, step: &Value) -> Result<Value, Value> {
    let op = step["op"].as_str().unwrap_or("");
    if op == "files" {
        let mut out = Vec::new();
        walk(base, base, &mut out).map_err(|_| not_found())?;
        out.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
        return Ok(Value::Array(out));
    }
    let path: PathBuf = base.join(step["path"].as_str().expect("path"));
    let io = |r: std::io::Result<()>| r.map(|_| Value::Null).map_err(|_| not_found());
    if op == "write" {
        return io(fs::write(&path, step["text"].as_str().unwrap_or("")));
    }
    if !path.exists() {
        return Err(not_found());
    }
    match op {
        "digest" => {
            let data = fs::read(&path).map_err(|_| not_found())?;
            Ok(Value::String(hex::encode(Sha256::digest(&data))))
        }
        "delete" if path.is_dir() => io(fs::remove_dir_all(&path)),
        "delete" => io(fs::remove_file(&path)),
        "empty" => io(fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(0))),
        "truncate" => {
            let size = path.metadata().map_err(|_| not_found())?.len() as i64;
            let n = step["len"].as_i64().expect("len");
            let to = if n >= 0 { n } else { (size + n).max(0) } as u64;
            io(fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_len(to)))
        }
        "flip" => {
            let mut data = fs::read(&path).map_err(|_| not_found())?;
            let off = step["offset"].as_i64().expect("offset");
            let at = if off < 0 { data.len() as i64 + off } else { off } as usize;
            data[at] ^= step["mask"].as_u64().unwrap_or(0xff) as u8;
            io(fs::write(&path, data))
        }
        other => panic!("unknown file op {other}"),
    }
}
