//! The v3 decoder: the input is a part's dictionary and, after `SEPARATOR`,
//! the stored body of a compressed record (length prefix and zstd frame).
//! The record is written whole and published with a valid checksum, so
//! only the decoder stands between it and the reader: it must return the
//! body or a typed error, never panic or allocate beyond the bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vqueue_core::record::{write_record, Header, COMPRESSED_FLAG, HEADER_SIZE, MAGIC_V3};
use vqueue_core_fuzz::{exercise, put, scratch_dir, split, Q};

#[global_allocator]
static ALLOC: vqueue_core_fuzz::Bounded = vqueue_core_fuzz::Bounded;

fuzz_target!(|data: &[u8]| {
    let pieces = split(data, 2);
    let (Some(dict), Some(stored)) = (pieces[0], pieces[1]) else { return };
    let header = Header {
        start_pos: 0,
        msg_length: stored.len() as u32,
        magic: MAGIC_V3,
        count_pushed: 1,
        type_byte: b'O' | COMPRESSED_FLAG,
        crc: 0,
    };
    let mut record = vec![0; HEADER_SIZE + stored.len()];
    write_record(&mut record, &header, stored);
    let base = scratch_dir();
    put(&base.join("q-0/q_queue"), &record);
    put(&base.join("q-0/q_dict"), dict);
    let line = format!("v3;{Q};{};1;", record.len());
    let info_push = format!("{line}{}\n", crc32fast::hash(line.as_bytes()));
    put(&base.join("q-0/q_info_push"), info_push.as_bytes());
    let line = format!("{Q};0;");
    put(&base.join("q_info_queue"), format!("{line}{}\n", crc32fast::hash(line.as_bytes())).as_bytes());
    exercise(&base, Q);
});
