//! Command line grammar of `vqueue`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use vqueue_core::{Durability, Format, MsgType};

use crate::warnings::Verbosity;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  verify found problems (each one is listed with file, part and byte offset)
  2  usage error: bad arguments, or a queue or consumer name that is not valid
     ([A-Za-z0-9_.-]+, at most 128 bytes, not . or ..)
  3  queue error: not found, already open by another process, checksum or
     structure error, or an I/O error
  4  bridge: the NATS server refused the connection, the login or a request,
     or the stream is missing

Errors are printed on stderr as `vqueue: <message>`.";

#[derive(Debug, Parser)]
#[command(
    name = "vqueue",
    version,
    about = "Inspect, read, write, verify, repair and clean up v-queue queues",
    long_about = "Inspect, read, write, verify, repair and clean up v-queue queues.\n\n\
                  BASE is the directory that holds the queue's files, QUEUE the queue's name.",
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Show each warning's kind and file
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Do not show the engine's warnings (records skipped, metadata rebuilt, ...)
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl Cli {
    pub fn verbosity(&self) -> Verbosity {
        match (self.verbose, self.quiet) {
            (true, _) => Verbosity::Verbose,
            (_, true) => Verbosity::Quiet,
            _ => Verbosity::Normal,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show parts, formats, record counts, sizes, consumers and their lag
    Info {
        #[command(flatten)]
        target: Target,
        /// Print one JSON object instead of tables
        #[arg(long)]
        json: bool,
    },
    /// Print every message without changing the queue (no consumer state is written)
    Cat {
        #[command(flatten)]
        target: Target,
        /// Start at this saved consumer's position instead of the first existing part
        #[arg(long, value_name = "NAME")]
        consumer: Option<String>,
        /// One JSON object per message: part, offset, type, len, body (base64)
        #[arg(long)]
        json: bool,
    },
    /// Check every record CRC and every metadata file (exit 1 when a problem is found)
    Verify {
        #[command(flatten)]
        target: Target,
    },
    /// Rebuild metadata from the records; never deletes a record
    Repair {
        #[command(flatten)]
        target: Target,
    },
    /// Delete the parts every consumer has passed and the writer no longer uses
    Cleanup {
        #[command(flatten)]
        target: Target,
        /// Only list what would be deleted
        #[arg(long)]
        dry_run: bool,
    },
    /// Push each line of stdin as one message (without its newline), then print the count
    Push {
        #[command(flatten)]
        target: Target,
        /// On-disk format of the new part
        #[arg(long, value_enum, default_value_t = FormatArg::V2)]
        format: FormatArg,
        /// none: visible at once, survives a process crash; sync: fsync before each push returns
        #[arg(long, value_enum, default_value_t = DurabilityArg::None)]
        durability: DurabilityArg,
        /// Message type: S (string) or O (object)
        #[arg(long = "type", value_enum, default_value_t = TypeArg::S)]
        msg_type: TypeArg,
        /// After each push returns, print `ack N RIGHT_EDGE` (N counts from 1) and flush
        #[arg(long)]
        ack: bool,
    },
    /// Read as a named consumer: pop, print and commit each message
    Consume {
        #[command(flatten)]
        target: Target,
        /// Name of the read-write consumer whose position is kept
        consumer: String,
        /// Stop after this many messages
        #[arg(long, value_name = "N")]
        max: Option<u64>,
        /// When the queue is drained, wait up to this long for a new message
        /// before stopping (the wait restarts after each message; a value
        /// too large to count, or `inf`, waits until a message arrives)
        #[arg(long, value_name = "SECONDS", default_value = "0", value_parser = parse_seconds)]
        wait: Duration,
        /// One JSON object per message: part, offset, type, len, body (base64)
        #[arg(long)]
        json: bool,
    },
    /// Move messages between a queue and a NATS JetStream stream (at least once)
    #[cfg(feature = "bridge")]
    Bridge {
        #[command(subcommand)]
        direction: crate::bridge::args::Direction,
    },
}

#[derive(Debug, Args)]
pub struct Target {
    /// Directory holding the queue's files
    pub base: PathBuf,
    /// Name of the queue
    pub queue: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    V2,
    V3,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::V2 => Format::V2,
            FormatArg::V3 => Format::V3,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DurabilityArg {
    None,
    Sync,
}

impl From<DurabilityArg> for Durability {
    fn from(d: DurabilityArg) -> Durability {
        match d {
            DurabilityArg::None => Durability::None,
            DurabilityArg::Sync => Durability::Sync,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TypeArg {
    #[value(name = "S", alias = "s", alias = "string")]
    S,
    #[value(name = "O", alias = "o", alias = "object")]
    O,
}

impl From<TypeArg> for MsgType {
    fn from(t: TypeArg) -> MsgType {
        match t {
            TypeArg::S => MsgType::String,
            TypeArg::O => MsgType::Object,
        }
    }
}

pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s.parse().map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if secs.is_nan() || secs < 0.0 {
        return Err(format!("`{s}` is not a duration (0 or more seconds)"));
    }
    // More seconds than a Duration holds (or `inf`) is "wait forever".
    Ok(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}
