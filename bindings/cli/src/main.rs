//! `vqueue`: the command line face of the v-queue engine.

mod args;
#[cfg(feature = "bridge")]
mod bridge;
mod commands;
mod exit;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;
use vqueue_core::WriterOptions;

use args::{Cli, Command};
use commands::{info, maintain, read, write};
use exit::CmdResult;
use output::Style;

fn main() -> ExitCode {
    exit::finish(run(Cli::parse()))
}

fn run(cli: Cli) -> CmdResult {
    match cli.command {
        Command::Info { target, json } => info::run(&target.base, &target.queue, json),
        Command::Cat {
            target,
            consumer,
            json,
        } => read::cat(&target.base, &target.queue, consumer, style(json)),
        Command::Verify { target } => maintain::verify(&target.base, &target.queue),
        Command::Repair { target } => maintain::repair(&target.base, &target.queue),
        Command::Cleanup { target, dry_run } => {
            maintain::cleanup(&target.base, &target.queue, dry_run)
        }
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
        } => read::consume(
            &target.base,
            &target.queue,
            &consumer,
            max,
            wait,
            style(json),
        ),
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
