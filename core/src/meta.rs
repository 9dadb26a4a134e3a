//! File names of a queue and its three kinds of metadata lines.
//!
//! Every metadata file is rewritten in place with a single `pwrite` of a
//! fixed-length record and never truncated first, so a crashed process can
//! leave the old or the new line but never an empty file; readers parse the
//! first line only, as the reference does.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::name::validate_pair;
use crate::os::{self, File};
use crate::types::Format;
use crate::warning::{warn, WarningKind};

#[derive(Debug, Clone)]
pub struct Paths {
    pub base: PathBuf,
    pub queue: String,
}

impl Paths {
    pub fn new(base: &Path, queue: &str) -> Paths {
        Paths {
            base: base.to_path_buf(),
            queue: queue.to_string(),
        }
    }
    pub fn info_queue(&self) -> PathBuf {
        self.base.join(format!("{}_info_queue", self.queue))
    }
    pub fn queue_lock(&self) -> PathBuf {
        self.base.join(format!("{}_queue.lock", self.queue))
    }
    pub fn info_pop(&self, consumer: &str) -> PathBuf {
        self.base.join(format!("{}_info_pop_{}", self.queue, consumer))
    }
    pub fn info_pop_lock(&self, consumer: &str) -> PathBuf {
        self.base.join(format!("{}_info_pop_{}.lock", self.queue, consumer))
    }
    pub fn part_dir(&self, id: u32) -> PathBuf {
        self.base.join(format!("{}-{}", self.queue, id))
    }
    pub fn part_data(&self, id: u32) -> PathBuf {
        self.part_dir(id).join(format!("{}_queue", self.queue))
    }
    pub fn info_push(&self, id: u32) -> PathBuf {
        self.part_dir(id).join(format!("{}_info_push", self.queue))
    }
    pub fn dict(&self, id: u32) -> PathBuf {
        self.part_dir(id).join(format!("{}_dict", self.queue))
    }

    /// Ids of the part directories present, ascending.
    pub fn list_parts(&self) -> Result<Vec<u32>> {
        let prefix = format!("{}-", self.queue);
        let mut ids: Vec<u32> = os::list_dir(&self.base)?
            .into_iter()
            .filter(|(_, is_dir)| *is_dir)
            .filter_map(|(name, _)| {
                let id = name.strip_prefix(&prefix)?.parse::<u32>().ok()?;
                (id.to_string() == name[prefix.len()..]).then_some(id)
            })
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// Names of consumers that have a position file: regular files named
    /// for a consumer this queue can have, so files of another queue that
    /// share the prefix are not taken for consumers.
    pub fn list_consumers(&self) -> Result<Vec<String>> {
        let prefix = format!("{}_info_pop_", self.queue);
        let mut names: Vec<String> = os::list_dir(&self.base)?
            .into_iter()
            .filter_map(|(name, is_dir)| {
                let c = name.strip_prefix(&prefix)?;
                (!is_dir && validate_pair(&self.queue, c).is_ok()).then(|| c.to_string())
            })
            .collect();
        names.sort();
        Ok(names)
    }
}

fn crc(s: &[u8]) -> u32 {
    crate::record::crc32(s)
}

/// First line of a metadata file, without its newline.
fn first_line(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => &bytes[..i],
        None => bytes,
    }
}

/// A line followed by spaces up to `len - 1` bytes and a final newline.
fn padded(line: &str, len: usize) -> Vec<u8> {
    let mut buf = line.as_bytes().to_vec();
    if buf.len() < len {
        buf.resize(len, b' ');
        buf[len - 1] = b'\n';
    }
    buf
}

pub fn write_at0(file: &File, path: &Path, bytes: &[u8]) -> Result<()> {
    os::write_all_at(file, bytes, 0).map_err(|e| Error::io_at("write", path, e))
}

// ---- Q_info_queue: `Q;ID;CRC\n` ------------------------------------------

pub fn format_info_queue(queue: &str, id: u32) -> Vec<u8> {
    let p = format!("{queue};{id};");
    padded(&format!("{p}{}\n", crc(p.as_bytes())), queue.len() + 24)
}

pub fn parse_info_queue(queue: &str, bytes: &[u8], path: &Path) -> Result<u32> {
    let line = std::str::from_utf8(first_line(bytes)).unwrap_or("");
    if line.is_empty() {
        return Err(Error::corrupt(path, 0, "the writer's part file is empty"));
    }
    let f: Vec<&str> = line.split(';').collect();
    if f.len() != 3 {
        return Err(Error::corrupt(
            path,
            0,
            format!("expected `{queue};ID;CRC`, found {line:?}"),
        ));
    }
    if f[0] != queue {
        return Err(Error::corrupt(
            path,
            0,
            format!("names queue {:?}, expected {queue:?}", f[0]),
        ));
    }
    let (Ok(id), Ok(sum)) = (f[1].parse::<u32>(), f[2].parse::<u32>()) else {
        return Err(Error::corrupt(path, 0, format!("unparseable numbers in {line:?}")));
    };
    let expect = crc(format!("{queue};{id};").as_bytes());
    if sum != expect {
        return Err(Error::checksum(
            path,
            0,
            format!("line {line:?} has CRC {sum}, computed {expect}"),
        ));
    }
    Ok(id)
}

/// The writer's current part id; `None` when the file does not exist.
pub fn read_info_queue(paths: &Paths) -> Result<Option<u32>> {
    let path = paths.info_queue();
    match os::read(&path) {
        Ok(b) => parse_info_queue(&paths.queue, &b, &path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io_at("read", &path, e)),
    }
}

// ---- Q-N/Q_info_push: `[v3;]Q;RIGHT_EDGE;COUNT;CRC\n` ---------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PushInfo {
    pub right_edge: u64,
    pub count: u32,
    pub format: Format,
}

pub fn info_push_len(queue: &str) -> usize {
    queue.len() + 48
}

/// "00" to "99", for two digits per division.
const DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends the decimal digits of `v`; on the publish path of every push, so
/// it avoids the formatting machinery and takes two digits per division.
fn push_decimal(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(&DIGIT_PAIRS[v as usize * 2..v as usize * 2 + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + v as u8;
    }
    out.extend_from_slice(&digits[i..]);
}

pub fn format_info_push(queue: &str, info: &PushInfo, out: &mut Vec<u8>) {
    out.clear();
    if info.format == Format::V3 {
        out.extend_from_slice(b"v3;");
    }
    out.extend_from_slice(queue.as_bytes());
    out.push(b';');
    push_decimal(out, info.right_edge);
    out.push(b';');
    push_decimal(out, info.count as u64);
    out.push(b';');
    let sum = crc(out);
    push_decimal(out, sum as u64);
    out.push(b'\n');
    let len = info_push_len(queue);
    if out.len() < len {
        out.resize(len, b' ');
        out[len - 1] = b'\n';
    }
}

/// `None` for an empty file: a part that has not received a record.
pub fn parse_info_push(queue: &str, bytes: &[u8], path: &Path) -> Result<Option<PushInfo>> {
    let line = std::str::from_utf8(first_line(bytes)).unwrap_or("\u{fffd}");
    if line.is_empty() && bytes.iter().all(|&b| b == b'\n' || b == b' ') {
        return Ok(None);
    }
    let (format, rest) = match line.strip_prefix("v3;") {
        Some(rest) => (Format::V3, rest),
        None => (Format::V2, line),
    };
    let f: Vec<&str> = rest.split(';').collect();
    if f.len() != 4 {
        return Err(Error::corrupt(
            path,
            0,
            format!("expected `{queue};RIGHT_EDGE;COUNT;CRC`, found {line:?}"),
        ));
    }
    if f[0] != queue {
        return Err(Error::corrupt(
            path,
            0,
            format!("names queue {:?}, expected {queue:?}", f[0]),
        ));
    }
    let (Ok(right_edge), Ok(count), Ok(sum)) = (f[1].parse::<u64>(), f[2].parse::<u32>(), f[3].parse::<u32>()) else {
        return Err(Error::corrupt(path, 0, format!("unparseable numbers in {line:?}")));
    };
    let prefix_len = line.len() - f[3].len();
    let expect = crc(&line.as_bytes()[..prefix_len]);
    if sum != expect {
        return Err(Error::checksum(
            path,
            0,
            format!("line {line:?} has CRC {sum}, computed {expect}"),
        ));
    }
    Ok(Some(PushInfo {
        right_edge,
        count,
        format,
    }))
}

/// Reads a part's info_push. A concurrent in-place update can be observed
/// half-done, so a checksum mismatch is retried briefly before it counts.
pub fn read_info_push(paths: &Paths, id: u32) -> Result<Option<PushInfo>> {
    let path = paths.info_push(id);
    let mut attempt = 0;
    loop {
        let bytes = os::read(&path).map_err(|e| Error::io_at("read", &path, e))?;
        match parse_info_push(&paths.queue, &bytes, &path) {
            Err(Error::InvalidChecksum { .. }) | Err(Error::Corrupt { .. }) if attempt < 3 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_micros(200 << attempt));
            }
            other => return other,
        }
    }
}

// ---- Q_info_pop_C: `Q;C;POS;POPPED;PART\n` ---------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PopInfo {
    pub pos: u64,
    pub popped: u32,
    pub part: u32,
}

pub fn info_pop_len(queue: &str, consumer: &str) -> usize {
    queue.len() + consumer.len() + 46
}

/// Width of the `~XXXXXXXX` checksum token kept before the final newline.
const TOKEN_LEN: usize = 9;

/// The padded record into `out`; `true` when it carries the checksum token
/// (the line left room for it), which lets a reader tell a torn update from
/// a valid one. Runs on every commit, hence no formatting machinery.
pub fn format_info_pop_into(queue: &str, consumer: &str, info: &PopInfo, out: &mut Vec<u8>) -> bool {
    out.clear();
    out.extend_from_slice(queue.as_bytes());
    out.push(b';');
    out.extend_from_slice(consumer.as_bytes());
    out.push(b';');
    push_decimal(out, info.pos);
    out.push(b';');
    push_decimal(out, info.popped as u64);
    out.push(b';');
    push_decimal(out, info.part as u64);
    out.push(b'\n');
    let line_len = out.len();
    let len = info_pop_len(queue, consumer);
    let room = line_len + TOKEN_LEN < len;
    if line_len < len {
        out.resize(len, b' ');
        out[len - 1] = b'\n';
    }
    if room {
        let sum = crc(&out[..line_len]);
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let token = &mut out[len - 1 - TOKEN_LEN..len - 1];
        token[0] = b'~';
        for i in 0..8 {
            token[1 + i] = HEX[((sum >> (28 - 4 * i)) & 0xf) as usize];
        }
    }
    room
}

pub fn format_info_pop(queue: &str, consumer: &str, info: &PopInfo) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let room = format_info_pop_into(queue, consumer, info, &mut out);
    (out, room)
}

pub fn parse_info_pop(queue: &str, consumer: &str, bytes: &[u8], path: &Path) -> Result<PopInfo> {
    let line_bytes = first_line(bytes);
    let line = std::str::from_utf8(line_bytes).unwrap_or("\u{fffd}");
    if line.is_empty() {
        return Err(Error::corrupt(path, 0, "the consumer position file is empty"));
    }
    let f: Vec<&str> = line.split(';').collect();
    if f.len() != 5 {
        return Err(Error::corrupt(
            path,
            0,
            format!("expected `{queue};{consumer};POS;POPPED;PART`, found {line:?}"),
        ));
    }
    if f[0] != queue || f[1] != consumer {
        return Err(Error::corrupt(
            path,
            0,
            format!("belongs to {}/{}, expected {queue}/{consumer}", f[0], f[1]),
        ));
    }
    let (Ok(pos), Ok(popped), Ok(part)) = (f[2].parse::<u64>(), f[3].parse::<u32>(), f[4].parse::<u32>()) else {
        return Err(Error::corrupt(path, 0, format!("unparseable numbers in {line:?}")));
    };
    if bytes.len() > line_bytes.len() {
        let len = bytes.len();
        if len > TOKEN_LEN + 1 && bytes[len - 1 - TOKEN_LEN] == b'~' {
            let token = std::str::from_utf8(&bytes[len - TOKEN_LEN..len - 1]).unwrap_or("");
            let expect = crc(&bytes[..=line_bytes.len()]);
            if u32::from_str_radix(token, 16).ok() != Some(expect) {
                return Err(Error::checksum(
                    path,
                    0,
                    "the position record is torn (checksum token mismatch)",
                ));
            }
        }
    } else if bytes.len() == line_bytes.len() {
        // No newline at all: an unfinished line cannot be trusted.
        return Err(Error::corrupt(path, 0, format!("unterminated line {line:?}")));
    }
    Ok(PopInfo { pos, popped, part })
}

// ---- backup of the last commit, kept in Q_info_pop_C.lock ------------------

pub const BACKUP_LEN: usize = 24;
const BACKUP_MAGIC: &[u8; 4] = b"VQP1";

pub fn encode_backup(info: &PopInfo) -> [u8; BACKUP_LEN] {
    let mut b = [0u8; BACKUP_LEN];
    b[0..4].copy_from_slice(BACKUP_MAGIC);
    b[4..8].copy_from_slice(&info.part.to_le_bytes());
    b[8..16].copy_from_slice(&info.pos.to_le_bytes());
    b[16..20].copy_from_slice(&info.popped.to_le_bytes());
    let sum = crc(&b[..20]);
    b[20..24].copy_from_slice(&sum.to_le_bytes());
    b
}

pub fn decode_backup(b: &[u8]) -> Option<PopInfo> {
    if b.len() < BACKUP_LEN || &b[0..4] != BACKUP_MAGIC {
        return None;
    }
    if crc(&b[..20]).to_le_bytes() != b[20..24] {
        return None;
    }
    Some(PopInfo {
        part: u32::from_le_bytes(b[4..8].try_into().unwrap()),
        pos: u64::from_le_bytes(b[8..16].try_into().unwrap()),
        popped: u32::from_le_bytes(b[16..20].try_into().unwrap()),
    })
}

/// A consumer's saved position: the position file, or when that is torn or
/// empty, the backup of the last commit. `None` when the consumer is new
/// (no file, or an empty one with no backup).
pub fn read_position(paths: &Paths, consumer: &str) -> Result<Option<PopInfo>> {
    let path = paths.info_pop(consumer);
    let bytes = match os::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io_at("read", &path, e)),
    };
    match parse_info_pop(&paths.queue, consumer, &bytes, &path) {
        Ok(info) => Ok(Some(info)),
        Err(err) => {
            let backup = os::read(&paths.info_pop_lock(consumer)).ok();
            match backup.as_deref().and_then(decode_backup) {
                Some(info) => {
                    warn(
                        WarningKind::PositionFromBackup,
                        Some(&path),
                        format!("{err}; using the backup of the last commit"),
                    );
                    Ok(Some(info))
                }
                // Empty, and no backup was ever written: a consumer whose
                // creation did not finish (older versions created the file
                // empty first), so a new consumer. A damaged backup is not
                // "never committed".
                None if bytes.is_empty() && backup.as_deref().is_none_or(|b| b.iter().all(|&x| x == 0)) => Ok(None),
                None => Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_match_the_standard_formatting() {
        let mut edges: Vec<u64> = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, u32::MAX as u64, u64::MAX];
        edges.extend((0..20).flat_map(|p| {
            let t = 10u64.pow(p);
            [t - 1, t, t + 1]
        }));
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            edges.push(x >> (x % 64));
        }
        let mut out = Vec::new();
        for v in edges {
            out.clear();
            push_decimal(&mut out, v);
            assert_eq!(out, v.to_string().as_bytes());
        }
    }
}
