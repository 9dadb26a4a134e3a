//! The `q_info_push` parser, as every entry point meets it: the input
//! replaces that file in a small valid queue, which is then inspected,
//! verified, read by every kind of consumer, cleaned up (dry run) and
//! repaired; nothing may panic, hang or allocate beyond the bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vqueue_core_fuzz::{exercise, template_with, Q};

#[global_allocator]
static ALLOC: vqueue_core_fuzz::Bounded = vqueue_core_fuzz::Bounded;

fuzz_target!(|data: &[u8]| {
    let _ = vqueue_core::fuzzing::parse_info_push(Q, data, std::path::Path::new("q_info_push"));
    exercise(&template_with(&[("q-1/q_info_push", data)]), Q);
});
