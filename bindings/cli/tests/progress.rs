//! The progress bar of `verify`/`repair`: drawn on a terminal for a large
//! queue, never otherwise (the non-terminal case is checked in commands.rs).

mod common;

use std::path::Path;

use common::*;
use vqueue_core::{Mode, MsgType, Queue};

fn write_queue(base: &Path, records: usize, body_len: usize) {
    let mut q = Queue::open(base, "q", Mode::ReadWrite).unwrap();
    let body = vec![b'x'; body_len];
    for _ in 0..records {
        q.push(&body, MsgType::String).unwrap();
    }
    q.close().unwrap();
}

#[test]
fn verify_and_repair_draw_a_bar_on_a_terminal_for_a_large_queue() {
    let tmp = tempfile::tempdir().unwrap();
    write_queue(tmp.path(), 200, 100 * 1024); // about 20 MiB
    for (cmd, summary) in [
        ("verify", "verify: 1 parts, 200 records, 0 problems"),
        ("repair", "repair: 1 parts, 200 records"),
    ] {
        let (code, out, terminal) = run_with_terminal_stderr(&[cmd, base_arg(tmp.path()), "q"]);
        assert_eq!(code, 0, "{out}{terminal}");
        assert!(out.contains(summary), "{out}");
        assert!(
            terminal.contains(cmd) && terminal.contains("MiB"),
            "no progress bar on the terminal: {terminal:?}"
        );
    }
}

#[test]
fn no_bar_for_a_small_queue_even_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    write_queue(tmp.path(), 10, 100);
    let (code, out, terminal) = run_with_terminal_stderr(&["verify", base_arg(tmp.path()), "q"]);
    assert_eq!(code, 0);
    assert_eq!(out, "verify: 1 parts, 10 records, 0 problems\n");
    assert_eq!(terminal, "");
}
