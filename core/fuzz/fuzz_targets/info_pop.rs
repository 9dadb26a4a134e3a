//! A consumer's saved position, as every entry point meets it: the input is
//! the position file and, after `SEPARATOR`, the backup kept in its lock
//! file; they replace consumer `c`'s in a small valid queue, which is then
//! inspected, verified, read, cleaned up (dry run) and repaired; nothing may
//! panic, hang or allocate beyond the bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vqueue_core_fuzz::{exercise, split, template_with, Q};

#[global_allocator]
static ALLOC: vqueue_core_fuzz::Bounded = vqueue_core_fuzz::Bounded;

fuzz_target!(|data: &[u8]| {
    let pieces = split(data, 2);
    let _ = vqueue_core::fuzzing::parse_info_pop(
        Q,
        "c",
        pieces[0].unwrap_or_default(),
        std::path::Path::new("q_info_pop_c"),
    );
    let _ = vqueue_core::fuzzing::decode_backup(pieces[1].unwrap_or_default());
    let mut files = vec![("q_info_pop_c", pieces[0].unwrap_or_default())];
    if let Some(lock) = pieces[1] {
        files.push(("q_info_pop_c.lock", lock));
    }
    exercise(&template_with(&files), Q);
});
