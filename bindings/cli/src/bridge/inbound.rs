//! `vqueue bridge in`: a JetStream stream into a queue.

use std::path::Path;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use async_nats::jetstream::context::GetStreamErrorKind;
use async_nats::jetstream::stream::ConsumerErrorKind;
use async_nats::jetstream::{self, Message};
use async_nats::Client;
use futures_util::StreamExt;
use tokio::task::block_in_place;
use vqueue_core::{Mode, MsgType, Queue, WriterOptions};

use super::connect::{connect, REPLY_TIMEOUT};
use super::headers;
use super::status::{persist, Status, Stop, Trouble};
use super::Settings;
use crate::exit::{CmdResult, Failure, OK};

/// Where the messages come from.
pub struct Source {
    pub stream: String,
    pub durable: String,
    pub subject: Option<String>,
    pub ack_wait: Duration,
}

/// How long one pull request waits for messages when the stream has none.
const FETCH_EXPIRES: Duration = Duration::from_secs(1);

pub async fn run(
    base: &Path,
    queue: &str,
    opts: WriterOptions,
    default_type: MsgType,
    from: Source,
    settings: Settings<'_>,
) -> CmdResult {
    let writer = Queue::open_with(base, queue, Mode::ReadWrite, opts)?;
    let mut status = Status::new("bridge in");
    let mut stop = Stop::on_signals().map_err(|e| Failure::Remote(format!("signals: {e}")))?;
    let mut pushed = 0u64;
    let Some(client) = connect(settings.nats, &mut status, &mut stop).await? else {
        return finish(writer, status, pushed);
    };
    let js = jetstream::ContextBuilder::new()
        .timeout(REPLY_TIMEOUT)
        .build(client.clone());
    let Some(consumer) = persist(&mut status, &mut stop, async || durable_consumer(&js, &from).await).await? else {
        return finish(writer, status, pushed);
    };

    while !stop.requested() {
        let Some(batch) = persist(&mut status, &mut stop, async || {
            fetch(&client, &consumer, settings.batch).await
        })
        .await?
        else {
            break;
        };
        let Some(last) = batch.last() else {
            if settings.drain
                && persist(&mut status, &mut stop, async || drained(&consumer).await).await? != Some(false)
            {
                break;
            }
            continue;
        };
        for m in &batch {
            writer.push(&m.payload, headers::msg_type(m.headers.as_ref(), default_type))?;
        }
        // Durable before acknowledged: a crash from here on makes the server
        // deliver the group again (a duplicate in the queue), never lose it.
        block_in_place(|| writer.sync())?;
        // Each message is acknowledged on its own (after a crash the server
        // delivers again out of order, so acknowledging "everything up to
        // here" could cover a message never pushed). The acks travel in order
        // on one connection: the confirmed ack of the last one tells that the
        // server has them all, unless the connection broke in between, and
        // then a lost ack only means a delivery again.
        for m in &batch[..batch.len() - 1] {
            if let Err(e) = m.ack().await {
                status.note(&format!("vqueue bridge: acknowledging: {e}"));
                break;
            }
        }
        let acked = tokio::time::timeout(
            from.ack_wait,
            persist(&mut status, &mut stop, async || {
                last.double_ack()
                    .await
                    .map_err(|e| Trouble::Transient(format!("acknowledging: {e}")))
            }),
        )
        .await;
        pushed += batch.len() as u64;
        status.advance(batch.len() as u64);
        match acked {
            Ok(Ok(Some(()))) => {}
            Ok(Ok(None)) => break,
            Ok(Err(failure)) => return Err(failure),
            Err(_) => status.note(&format!(
                "vqueue bridge: the server did not confirm the acknowledgement of {} messages \
                 within the ack wait; it will deliver them again",
                batch.len()
            )),
        }
    }
    finish(writer, status, pushed)
}

fn finish(mut writer: Queue, status: Status, pushed: u64) -> CmdResult {
    writer.close()?;
    status.finish();
    println!("bridge in: {pushed} messages pushed");
    Ok(OK)
}

async fn durable_consumer(js: &jetstream::Context, from: &Source) -> Result<PullConsumer, Trouble> {
    let fatal = |why: String| Trouble::Fatal(Failure::Remote(why));
    let stream = js.get_stream(&from.stream).await.map_err(|e| match e.kind() {
        GetStreamErrorKind::JetStream(err) if err.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND => {
            fatal(format!("stream {} not found", from.stream))
        }
        GetStreamErrorKind::Request | GetStreamErrorKind::JetStream(_) => Trouble::Transient(e.to_string()),
        _ => fatal(format!("stream {}: {e}", from.stream)),
    })?;
    stream
        .get_or_create_consumer(
            &from.durable,
            pull::Config {
                durable_name: Some(from.durable.clone()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: from.ack_wait,
                filter_subject: from.subject.clone().unwrap_or_default(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| match e.kind() {
            ConsumerErrorKind::TimedOut | ConsumerErrorKind::Request => Trouble::Transient(e.to_string()),
            _ => fatal(format!("consumer {}: {e}", from.durable)),
        })
}

/// One pull: up to `max` messages, fewer when the stream has fewer. A
/// failure after some messages arrived keeps those.
async fn fetch(client: &Client, consumer: &PullConsumer, max: usize) -> Result<Vec<Message>, Trouble> {
    let transient = |e: &dyn std::fmt::Display| Trouble::Transient(format!("fetching: {e}"));
    let mut batch = consumer
        .fetch()
        .max_messages(max)
        .expires(FETCH_EXPIRES)
        .messages()
        .await
        .map_err(|e| transient(&e))?;
    let mut got = Vec::with_capacity(max);
    // A server that goes away in the middle of a pull may never end it.
    let collect = async {
        while let Some(m) = batch.next().await {
            match m {
                Ok(m) => got.push(m),
                Err(e) => return Err(transient(&e)),
            }
        }
        Ok(())
    };
    let ended = tokio::time::timeout(FETCH_EXPIRES + REPLY_TIMEOUT, collect).await;
    match ended {
        // The client ends a pull on its own timer when no answer came, as
        // if the stream were empty: while disconnected, an empty pull is the
        // server's absence, not an empty stream.
        Ok(Ok(())) if got.is_empty() && client.connection_state() != State::Connected => {
            Err(Trouble::Transient("fetching: not connected to the server".into()))
        }
        Ok(Ok(())) => Ok(got),
        _ if !got.is_empty() => Ok(got),
        Ok(Err(trouble)) => Err(trouble),
        Err(_) => Err(Trouble::Transient("fetching: no answer from the server".into())),
    }
}

/// True when the durable consumer has nothing left to deliver or to be acknowledged.
async fn drained(consumer: &PullConsumer) -> Result<bool, Trouble> {
    let info = consumer
        .get_info()
        .await
        .map_err(|e| Trouble::Transient(format!("consumer info: {e}")))?;
    Ok(info.num_pending == 0 && info.num_ack_pending == 0)
}
