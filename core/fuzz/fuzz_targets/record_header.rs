//! The 25-byte record header: decoding and the checks that decide whether
//! bytes at an offset start a record, for both formats and any right edge.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vqueue_core::fuzzing::{check_header, record_crc, Header, HEADER_SIZE};
use vqueue_core::Format;

#[global_allocator]
static ALLOC: vqueue_core_fuzz::Bounded = vqueue_core_fuzz::Bounded;

fuzz_target!(|data: &[u8]| {
    if data.len() < HEADER_SIZE + 16 {
        return;
    }
    let (head, rest) = data.split_at(HEADER_SIZE);
    let at = u64::from_le_bytes(rest[..8].try_into().unwrap());
    let edge = u64::from_le_bytes(rest[8..16].try_into().unwrap());
    let body = &rest[16..];
    let h = Header::decode(head);
    for format in [Format::V2, Format::V3] {
        if check_header(&h, at, format, edge).is_ok() {
            // What the checks promise the readers that rely on them.
            assert_eq!(h.start_pos, at);
            assert!(h.end() <= edge);
            assert!(h.msg_type().is_some());
            assert!(h.msg_length <= u32::MAX / 2, "longer than the format admits");
        }
    }
    let mut unsigned = [0u8; HEADER_SIZE];
    h.encode_unsigned(&mut unsigned);
    assert_eq!(Header::decode(&unsigned).msg_length, h.msg_length);
    let _ = record_crc(&unsigned, body);
});
