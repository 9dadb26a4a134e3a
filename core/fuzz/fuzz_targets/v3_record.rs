//! The v3 decoder: the input is a part's dictionary and, after `SEPARATOR`,
//! the stored body of a compressed record (length prefix and zstd frame).
//! The record is written whole and published with a valid checksum, so
//! only the decoder stands between it and the reader: it must return the
//! body or a typed error, never panic or allocate beyond the bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vqueue_core_fuzz::{exercise, put, scratch_dir, split, Q};

#[global_allocator]
static ALLOC: vqueue_core_fuzz::Bounded = vqueue_core_fuzz::Bounded;

fuzz_target!(|data: &[u8]| {
    let pieces = split(data, 2);
    let (Some(dict), Some(stored)) = (pieces[0], pieces[1]) else {
        return;
    };
    // Header: start 0, stored length, v3 magic, counter 1, type `O` with the
    // compressed flag, CRC over the header (CRC field zero) and the body.
    let mut record = Vec::with_capacity(25 + stored.len());
    record.extend_from_slice(&0u64.to_le_bytes());
    record.extend_from_slice(&(stored.len() as u32).to_le_bytes());
    record.extend_from_slice(&0xEEEF_FE33u32.to_le_bytes());
    record.extend_from_slice(&1u32.to_le_bytes());
    record.push(b'O' | 0x80);
    record.extend_from_slice(&[0; 4]);
    record.extend_from_slice(stored);
    let crc = crc32fast::hash(&record);
    record[21..25].copy_from_slice(&crc.to_le_bytes());
    let base = scratch_dir();
    put(&base.join("q-0/q_queue"), &record);
    put(&base.join("q-0/q_dict"), dict);
    let line = format!("v3;{Q};{};1;", record.len());
    let info_push = format!("{line}{}\n", crc32fast::hash(line.as_bytes()));
    put(&base.join("q-0/q_info_push"), info_push.as_bytes());
    let line = format!("{Q};0;");
    put(
        &base.join("q_info_queue"),
        format!("{line}{}\n", crc32fast::hash(line.as_bytes())).as_bytes(),
    );
    exercise(&base, Q);
});
