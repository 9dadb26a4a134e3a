//! `vqueue push`

use std::io::{self, BufRead, Write};
use std::path::Path;

use vqueue_core::{Mode, MsgType, Queue, WriterOptions};

use crate::exit::{CmdResult, Failure, OK};

pub fn push(base: &Path, queue: &str, opts: WriterOptions, msg_type: MsgType, ack: bool) -> CmdResult {
    let mut writer = Queue::open_with(base, queue, Mode::ReadWrite, opts)?;
    let mut input = io::stdin().lock();
    let mut out = io::stdout().lock();
    let mut line = Vec::new();
    let mut pushed = 0u64;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).map_err(Failure::Input)? == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let right_edge = writer.push(&line, msg_type)?;
        pushed += 1;
        if ack {
            // Flushed one by one so whoever feeds stdin learns which messages
            // are stored even if this process dies right after.
            writeln!(out, "ack {pushed} {right_edge}")
                .and_then(|()| out.flush())
                .map_err(Failure::Output)?;
        }
    }
    writer.close()?;
    writeln!(out, "{pushed}")
        .and_then(|()| out.flush())
        .map_err(Failure::Output)?;
    Ok(OK)
}
