//! The 25-byte record header and its checksum.

use std::sync::OnceLock;

use crate::types::{Format, MsgType};

pub const HEADER_SIZE: usize = 25;
pub const MAGIC_V2: u32 = 0xEEEF_FEEE;
pub const MAGIC_V3: u32 = 0xEEEF_FE33;
pub const COMPRESSED_FLAG: u8 = 0x80;
pub(crate) use crate::types::MAX_BODY;

pub fn magic_of(format: Format) -> u32 {
    match format {
        Format::V2 => MAGIC_V2,
        Format::V3 => MAGIC_V3,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub start_pos: u64,
    /// Body bytes as stored (for a compressed body: 4-byte length + frame).
    pub msg_length: u32,
    pub magic: u32,
    pub count_pushed: u32,
    pub type_byte: u8,
    pub crc: u32,
}

impl Header {
    pub fn decode(b: &[u8]) -> Header {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Header {
            start_pos: u64::from_le_bytes(b[0..8].try_into().unwrap()),
            msg_length: u32_at(8),
            magic: u32_at(12),
            count_pushed: u32_at(16),
            type_byte: b[20],
            crc: u32_at(21),
        }
    }

    /// Encodes with the CRC field zeroed, as the checksum is computed.
    pub fn encode_unsigned(&self, out: &mut [u8; HEADER_SIZE]) {
        out[0..8].copy_from_slice(&self.start_pos.to_le_bytes());
        out[8..12].copy_from_slice(&self.msg_length.to_le_bytes());
        out[12..16].copy_from_slice(&self.magic.to_le_bytes());
        out[16..20].copy_from_slice(&self.count_pushed.to_le_bytes());
        out[20] = self.type_byte;
        out[21..25].copy_from_slice(&[0; 4]);
    }

    pub fn compressed(&self) -> bool {
        self.type_byte & COMPRESSED_FLAG != 0
    }

    pub fn msg_type(&self) -> Option<MsgType> {
        MsgType::from_byte(self.type_byte & !COMPRESSED_FLAG)
    }

    pub fn end(&self) -> u64 {
        self.start_pos + HEADER_SIZE as u64 + self.msg_length as u64
    }
}

/// A CRC-32 hasher ready for input. `crc32fast::Hasher::new` checks the
/// CPU's features on every call, which costs more than the checksum of a
/// short record's header; a clone of one checked once is a copy.
pub fn crc_hasher() -> crc32fast::Hasher {
    static CHECKED: OnceLock<crc32fast::Hasher> = OnceLock::new();
    CHECKED.get_or_init(crc32fast::Hasher::new).clone()
}

/// CRC-32 of `bytes`.
#[inline]
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut h = crc_hasher();
    h.update(bytes);
    h.finalize()
}

/// CRC-32 over the header with its CRC field zeroed, then the stored body.
pub fn record_crc(unsigned_header: &[u8], stored: &[u8]) -> u32 {
    let mut h = crc_hasher();
    h.update(&unsigned_header[..21]);
    h.update(&[0; 4]);
    h.update(stored);
    h.finalize()
}

/// The header of a record of body `stored`, checksummed.
pub fn sealed_header(header: &Header, stored: &[u8]) -> [u8; HEADER_SIZE] {
    let mut out = [0u8; HEADER_SIZE];
    header.encode_unsigned(&mut out);
    let crc = record_crc(&out, stored);
    out[21..25].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Writes a complete record (header + stored body) into `out`, which must be
/// exactly `HEADER_SIZE + stored.len()` bytes.
pub fn write_record(out: &mut [u8], header: &Header, stored: &[u8]) {
    let (head, body) = out.split_at_mut(HEADER_SIZE);
    header.encode_unsigned(head.try_into().expect("a header's worth of bytes"));
    body.copy_from_slice(stored);
    // One pass over the record as laid out (CRC field still zero) costs
    // less than three over its pieces: this runs for every record pushed.
    let crc = crc32(out);
    out[21..25].copy_from_slice(&crc.to_le_bytes());
}

/// Appends a complete record (header + stored body) to `out`.
#[inline]
pub fn extend_record(out: &mut Vec<u8>, header: &Header, stored: &[u8]) {
    let at = out.len();
    let mut hb = [0u8; HEADER_SIZE];
    header.encode_unsigned(&mut hb);
    out.reserve(HEADER_SIZE + stored.len());
    out.extend_from_slice(&hb);
    out.extend_from_slice(stored);
    let crc = crc32(&out[at..]);
    out[at + 21..at + 25].copy_from_slice(&crc.to_le_bytes());
}

/// Why a header at a given offset cannot start a valid record.
pub fn check_header(h: &Header, at: u64, format: Format, right_edge: u64) -> Result<(), String> {
    let expected = magic_of(format);
    if h.magic != expected {
        return Err(format!("magic {:#010x} where {:#010x} was expected", h.magic, expected));
    }
    if h.start_pos != at {
        return Err(format!(
            "header says it starts at byte {} but sits at byte {at}",
            h.start_pos
        ));
    }
    if h.msg_type().is_none() {
        return Err(format!("unknown message type byte {:#04x}", h.type_byte));
    }
    if h.compressed() && (format == Format::V2 || h.msg_length < 4) {
        return Err("compressed flag on a record that cannot be compressed".into());
    }
    if h.msg_length as u64 > MAX_BODY {
        return Err(format!("body length {} exceeds the format's maximum", h.msg_length));
    }
    if h.end() > right_edge {
        return Err(format!(
            "record of {} body bytes runs past the part's right edge {right_edge}",
            h.msg_length
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(len: usize) -> Header {
        Header {
            start_pos: 4_096,
            msg_length: len as u32,
            magic: MAGIC_V2,
            count_pushed: 7,
            type_byte: MsgType::Object.as_byte(),
            crc: 0,
        }
    }

    /// Every way a record is laid out and checksummed agrees with one
    /// CRC-32 pass over the record as stored (CRC field zero), whatever the
    /// body's length (the CRC takes different paths below 16 and 128 bytes).
    #[test]
    fn record_layouts_agree() {
        for len in [0, 1, 3, 15, 16, 17, 100, 102, 103, 127, 128, 1000, 4096, 70_000] {
            let body: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let h = header(len);
            let mut mapped = vec![0u8; HEADER_SIZE + len];
            write_record(&mut mapped, &h, &body);
            let mut staged = vec![1, 2, 3];
            extend_record(&mut staged, &h, &body);
            assert_eq!(&staged[3..], &mapped[..], "{len}");
            let sealed = sealed_header(&h, &body);
            assert_eq!(&sealed[..], &mapped[..HEADER_SIZE], "{len}");
            let mut zeroed = mapped.clone();
            zeroed[21..25].fill(0);
            let whole = crc32fast::hash(&zeroed);
            assert_eq!(Header::decode(&mapped).crc, whole, "{len}");
            assert_eq!(record_crc(&mapped[..HEADER_SIZE], &body), whole, "{len}");
            assert_eq!(crc32(&zeroed), whole, "{len}");
        }
    }
}
