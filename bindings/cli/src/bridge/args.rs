//! Command line grammar of `vqueue bridge`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::args::{parse_seconds, FormatArg, Target, TypeArg};

#[derive(Debug, Subcommand)]
pub enum Direction {
    /// Publish every message of a queue to a JetStream stream, as a named consumer
    ///
    /// The consumer's position is committed only after the server acknowledged
    /// every publish up to it (at least once). Each message carries the
    /// deduplication id `PREFIX/PART/OFFSET`, so what is published again after a
    /// restart inside the stream's duplicate window is stored once.
    Out {
        #[command(flatten)]
        target: Target,
        /// Name of the read-write consumer whose position the bridge keeps
        #[arg(long, value_name = "NAME")]
        consumer: String,
        #[command(flatten)]
        nats: NatsArgs,
        /// Stream the messages go to; it must capture SUBJ
        #[arg(long, value_name = "S")]
        stream: String,
        /// Subject each message is published on
        #[arg(long, value_name = "SUBJ")]
        subject: String,
        /// Create the stream (file storage, subject SUBJ) when it does not exist
        #[arg(long)]
        create_stream: bool,
        /// Duplicate window of a stream made by --create-stream
        #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = parse_seconds)]
        duplicate_window: Duration,
        /// Start of every deduplication id (default: the queue's name); give each
        /// source its own when several queues of the same name feed one stream
        #[arg(long, value_name = "PREFIX")]
        id_prefix: Option<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Copy a JetStream stream into a queue through a durable pull consumer
    ///
    /// Each fetched group of messages is pushed, synced to disk and only then
    /// acknowledged (at least once).
    In {
        #[command(flatten)]
        nats: NatsArgs,
        /// Stream to read
        #[arg(long, value_name = "S")]
        stream: String,
        /// Name of the durable JetStream consumer (created when missing)
        #[arg(long, value_name = "NAME")]
        durable: String,
        /// Only messages on this subject (a new durable consumer's filter)
        #[arg(long, value_name = "SUBJ")]
        subject: Option<String>,
        /// Time the server waits for an acknowledgement before it delivers a
        /// message again (a new durable consumer's setting)
        #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
        ack_wait: Duration,
        #[command(flatten)]
        target: Target,
        /// On-disk format of the part the bridge writes
        #[arg(long, value_enum, default_value_t = FormatArg::V2)]
        format: FormatArg,
        /// Message type for a message without a Vqueue-Type header
        #[arg(long = "type", value_enum, default_value_t = TypeArg::S)]
        msg_type: TypeArg,
        #[command(flatten)]
        run: RunArgs,
    },
}

/// How to reach the server.
#[derive(Debug, Args)]
pub struct NatsArgs {
    /// Server URL, e.g. nats://127.0.0.1:4222 or tls://host:4222
    #[arg(long, value_name = "URL")]
    pub nats: String,
    /// Authentication token (read from this file; the first line is the token)
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Trust the server certificate signed by this CA (PEM); implies TLS
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for servers that verify clients; needs --tls-key
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// When to stop and how much to move at once.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Stop once everything available has been bridged, instead of waiting for more
    #[arg(long)]
    pub drain: bool,
    /// Messages in flight at once (out) or fetched per group (in)
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub batch: u16,
}
