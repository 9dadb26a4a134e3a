//! `vqueue cat` (read-only) and `vqueue consume` (read-write consumer).

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use vqueue_core::{Consumer, Start};

use crate::exit::{CmdResult, Failure, OK};
use crate::output::{write_message, Style};

pub fn cat(base: &Path, queue: &str, consumer: Option<String>, style: Style) -> CmdResult {
    let start = match consumer {
        Some(name) => Start::Consumer(name),
        None => Start::FirstPart,
    };
    let mut reader = Consumer::open_reader(base, queue, start)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let drained = loop {
        match reader.pop() {
            Ok(Some(msg)) => write_message(&mut out, &msg, style).map_err(Failure::Output)?,
            Ok(None) => break Ok(OK),
            Err(e) => break Err(Failure::Queue(e)),
        }
    };
    // What was read before an error is still shown, so the error line marks where reading stopped.
    out.flush().map_err(Failure::Output)?;
    drained
}

pub fn consume(
    base: &Path,
    queue: &str,
    consumer: &str,
    max: Option<u64>,
    idle_wait: Duration,
    style: Style,
) -> CmdResult {
    let mut reader = Consumer::open(base, consumer, queue)?;
    let mut out = io::stdout().lock();
    let mut taken = 0u64;
    while max.is_none_or(|max| taken < max) {
        match reader.pop()? {
            Some(msg) => {
                // Printed and flushed before the commit: a message is never
                // committed without having been handed on (at-least-once).
                write_message(&mut out, &msg, style)
                    .and_then(|()| out.flush())
                    .map_err(Failure::Output)?;
                reader.commit()?;
                taken += 1;
            }
            None => {
                if idle_wait.is_zero() || !reader.wait(idle_wait)? {
                    break;
                }
            }
        }
    }
    reader.close()?;
    Ok(OK)
}
