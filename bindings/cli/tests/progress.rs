//! The progress bar of `verify`/`repair`: drawn on a terminal for a large
//! queue, never otherwise (the non-terminal case is checked in commands.rs).

mod common;

use std::fs::File;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use vqueue_core::{Mode, MsgType, Queue};

/// Runs `vqueue ARGS` with stderr on a new pseudo-terminal; returns its exit
/// code, stdout and everything written to the terminal.
fn run_with_terminal_stderr(args: &[&str]) -> (i32, String, String) {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors into the out-parameters.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned here only.
    let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let child = {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(slave));
        cmd.spawn().expect("spawn vqueue")
        // `cmd` and with it this process's copy of the terminal end are dropped
        // here, so reading the master ends when the child exits.
    };
    let reader = std::thread::spawn(move || {
        let mut master = master;
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // A pseudo-terminal master reports EIO once the last slave is closed.
        while let Ok(n @ 1..) = master.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let out = child.wait_with_output().unwrap();
    let terminal = reader.join().unwrap();
    (code(&out), stdout(&out), terminal)
}

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
