//! "Open and read a whole queue directory of arbitrary bytes": the input is
//! a queue name and the files of a two-part queue with one saved consumer,
//! separated by `SEPARATOR`; every entry point must return or fail with a
//! typed error, never panic, hang or allocate beyond the bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vqueue_core_fuzz::{exercise, put, scratch_dir, split};

#[global_allocator]
static ALLOC: vqueue_core_fuzz::Bounded = vqueue_core_fuzz::Bounded;

/// The files after the name, in input order; `Q` stands for the name.
const FILES: [&str; 9] = [
    "Q_info_queue",
    "Q-0/Q_info_push",
    "Q-0/Q_queue",
    "Q-0/Q_dict",
    "Q-1/Q_info_push",
    "Q-1/Q_queue",
    "Q-1/Q_dict",
    "Q_info_pop_c",
    "Q_info_pop_c.lock",
];

fuzz_target!(|data: &[u8]| {
    let pieces = split(data, FILES.len() + 1);
    let name = pieces[0]
        .and_then(|n| std::str::from_utf8(n).ok())
        .filter(|n| vqueue_core::validate_name(n).is_ok())
        .unwrap_or("q")
        .to_string();
    let base = scratch_dir();
    for (file, bytes) in FILES.iter().zip(&pieces[1..]) {
        // An absent piece, or an empty one for a metadata file, is no file.
        if let Some(bytes) = bytes {
            if !bytes.is_empty() || file.ends_with("_queue") {
                put(&base.join(file.replace('Q', &name)), bytes);
            }
        }
    }
    exercise(&base, &name);
});
