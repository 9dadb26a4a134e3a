//! `vqueue bridge`: moves messages between a queue and a NATS JetStream
//! stream, in either direction, at least once (see docs/bridge.md).

pub mod args;
mod connect;
mod headers;
mod inbound;
mod outbound;
mod status;

use args::{Direction, NatsArgs, RunArgs};
use vqueue_core::WriterOptions;

use crate::exit::{CmdResult, Failure};

/// What both directions share.
pub struct Settings<'a> {
    nats: &'a NatsArgs,
    batch: usize,
    drain: bool,
}

impl<'a> Settings<'a> {
    fn new(nats: &'a NatsArgs, run: &RunArgs) -> Settings<'a> {
        Settings {
            nats,
            batch: usize::from(run.batch),
            drain: run.drain,
        }
    }
}

pub fn run(direction: Direction) -> CmdResult {
    // Two workers: the client's connection task keeps running while the
    // bridge blocks on the queue (a wait for records, an fsync).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Remote(format!("starting the async runtime: {e}")))?;
    runtime.block_on(async {
        match direction {
            Direction::Out {
                target,
                consumer,
                nats,
                stream,
                subject,
                create_stream,
                duplicate_window,
                id_prefix,
                run,
            } => {
                let to = outbound::Destination {
                    stream,
                    subject,
                    create_with_window: create_stream.then_some(duplicate_window),
                    id_prefix,
                };
                let settings = Settings::new(&nats, &run);
                outbound::run(&target.base, &target.queue, &consumer, to, settings).await
            }
            Direction::In {
                nats,
                stream,
                durable,
                subject,
                ack_wait,
                target,
                format,
                msg_type,
                run,
            } => {
                let from = inbound::Source {
                    stream,
                    durable,
                    subject,
                    ack_wait,
                };
                let opts = WriterOptions {
                    format: format.into(),
                    ..WriterOptions::default()
                };
                let settings = Settings::new(&nats, &run);
                inbound::run(&target.base, &target.queue, opts, msg_type.into(), from, settings).await
            }
        }
    })
}
