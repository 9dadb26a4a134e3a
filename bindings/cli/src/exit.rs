//! How a run ends: the exit codes documented in `--help` and the error line on stderr.

use std::io;

use vqueue_core::{Error, ErrorKind};

pub const OK: u8 = 0;
pub const PROBLEMS_FOUND: u8 = 1;
pub const USAGE: u8 = 2;
pub const QUEUE_ERROR: u8 = 3;

/// Why a command stopped early.
#[derive(Debug)]
pub enum Failure {
    Queue(Error),
    /// Reading the messages to push from stdin failed.
    Input(io::Error),
    /// Writing to stdout failed (a closed pipe is not reported as a failure).
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Queue(e)
    }
}

pub type CmdResult = Result<u8, Failure>;

/// Prints the error line, if any, and turns the outcome into the exit code.
pub fn finish(result: CmdResult) -> u8 {
    let code = match result {
        Ok(code) => code,
        // The reader went away (`vqueue cat ... | head`): that is how such a pipeline ends.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => OK,
        Err(Failure::Output(e)) => {
            eprintln!("vqueue: writing output: {e}");
            QUEUE_ERROR
        }
        Err(Failure::Input(e)) => {
            eprintln!("vqueue: reading stdin: {e}");
            QUEUE_ERROR
        }
        Err(Failure::Queue(e)) => {
            eprintln!("vqueue: {e}");
            code_of(&e)
        }
    };
    code
}

fn code_of(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::InvalidName => USAGE,
        _ => QUEUE_ERROR,
    }
}
