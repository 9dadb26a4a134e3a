//! The `vqueue` command as a library. The `vqueue` binary and the Python
//! package (`python -m vqueue` and its `vqueue` script, through the
//! extension) both call [`main`], so every entry point prints the same bytes
//! and exits with the same code.

mod args;
#[cfg(feature = "bridge")]
mod bridge;
mod commands;
mod exit;
mod output;
mod progress;
mod warnings;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::Parser;
use vqueue_core::WriterOptions;

use args::{Cli, Command};
use commands::{info, maintenance, read, write};
use exit::CmdResult;
use output::Style;

pub use exit::{OK, PROBLEMS_FOUND, QUEUE_ERROR, USAGE};

/// Runs the command line `args` (the arguments after the program name) and
/// returns the exit code. Writes to the process's stdout and stderr, reads
/// its stdin, and sends the engine's warnings to stderr while it runs (see
/// `-v`/`-q`); never exits the process.
pub fn main<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    // The program is always called `vqueue` in usage lines, whoever runs it.
    let argv = std::iter::once(OsString::from("vqueue")).chain(args.into_iter().map(Into::into));
    let code = match Cli::try_parse_from(argv) {
        Ok(cli) => {
            warnings::to_stderr(cli.verbosity());
            exit::finish(run(cli.command))
        }
        Err(e) => {
            // Help and version go to stdout with 0, usage errors to stderr with 2.
            let _ = e.print();
            e.exit_code() as u8
        }
    };
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    code
}

fn run(command: Command) -> CmdResult {
    match command {
        Command::Info { target, json } => info::run(&target.base, &target.queue, json),
        Command::Cat { target, consumer, json } => read::cat(&target.base, &target.queue, consumer, style(json)),
        Command::Verify { target } => maintenance::verify(&target.base, &target.queue),
        Command::Repair { target } => maintenance::repair(&target.base, &target.queue),
        Command::Cleanup { target, dry_run } => maintenance::cleanup(&target.base, &target.queue, dry_run),
        Command::Push {
            target,
            format,
            durability,
            msg_type,
            ack,
        } => {
            let opts = WriterOptions {
                format: format.into(),
                durability: durability.into(),
            };
            write::push(&target.base, &target.queue, opts, msg_type.into(), ack)
        }
        Command::Consume {
            target,
            consumer,
            max,
            wait,
            json,
        } => read::consume(&target.base, &target.queue, &consumer, max, wait, style(json)),
        #[cfg(feature = "bridge")]
        Command::Bridge { direction } => bridge::run(direction),
    }
}

fn style(json: bool) -> Style {
    if json {
        Style::Json
    } else {
        Style::Body
    }
}
