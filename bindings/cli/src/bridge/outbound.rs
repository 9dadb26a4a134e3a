//! `vqueue bridge out`: a queue's messages to a JetStream stream.

use std::path::Path;
use std::time::Duration;

use async_nats::jetstream::context::{GetStreamByNameErrorKind, PublishError, PublishErrorKind};
use async_nats::jetstream::{self, stream};
use async_nats::{HeaderMap, Subject};
use bytes::Bytes;
use tokio::task::block_in_place;
use vqueue_core::Consumer;

use super::connect::{connect, REPLY_TIMEOUT};
use super::headers;
use super::status::{persist, Status, Stop, Trouble};
use super::Settings;
use crate::exit::{CmdResult, Failure, OK};

/// Where the messages go.
pub struct Destination {
    pub stream: String,
    pub subject: String,
    /// Create the stream with this duplicate window when it does not exist.
    pub create_with_window: Option<Duration>,
    pub id_prefix: Option<String>,
}

/// How long one wait for new records lasts before the bridge looks at its
/// stop flag again.
const IDLE_POLL: Duration = Duration::from_millis(200);

pub async fn run(base: &Path, queue: &str, consumer: &str, to: Destination, settings: Settings<'_>) -> CmdResult {
    // The queue is opened first: a wrong name or base fails before any network.
    let mut reader = Consumer::open(base, consumer, queue)?;
    let mut status = Status::new("bridge out");
    let mut stop = Stop::on_signals().map_err(|e| Failure::Remote(format!("signals: {e}")))?;
    let Some(client) = connect(settings.nats, &mut status, &mut stop).await? else {
        return finish(reader, status, Totals::default());
    };
    let js = jetstream::ContextBuilder::new().timeout(REPLY_TIMEOUT).build(client);
    if persist(&mut status, &mut stop, async || ensure_stream(&js, &to).await)
        .await?
        .is_none()
    {
        return finish(reader, status, Totals::default());
    }

    let subject = Subject::from(to.subject.as_str());
    let id_prefix = to.id_prefix.as_deref().unwrap_or(queue);
    let mut totals = Totals::default();
    let mut window: Vec<(HeaderMap, Bytes)> = Vec::with_capacity(settings.batch);
    while !stop.requested() {
        window.clear();
        while window.len() < settings.batch {
            let Some(msg) = reader.pop()? else { break };
            window.push((headers::for_message(queue, id_prefix, &msg), Bytes::from(msg.body)));
        }
        if window.is_empty() {
            if settings.drain {
                break;
            }
            block_in_place(|| reader.wait(IDLE_POLL))?;
            continue;
        }
        let published = persist(&mut status, &mut stop, async || {
            publish_all(&js, &subject, &window).await
        })
        .await?;
        // Stopped before every publish of the window was acknowledged: the
        // position stays before it, and the next run publishes it again
        // under the same ids.
        let Some(duplicates) = published else { break };
        reader.commit()?;
        totals.published += window.len() as u64;
        totals.duplicates += duplicates;
        status.advance(window.len() as u64);
    }
    finish(reader, status, totals)
}

#[derive(Default)]
struct Totals {
    published: u64,
    /// Acknowledged by the server as already stored (same id inside the window).
    duplicates: u64,
}

fn finish(mut reader: Consumer, status: Status, totals: Totals) -> CmdResult {
    reader.close()?;
    status.finish();
    println!(
        "bridge out: {} messages published, {} of them already in the stream",
        totals.published, totals.duplicates
    );
    Ok(OK)
}

/// Checks that `to.stream` is the stream that captures `to.subject`, or
/// creates it when asked to.
async fn ensure_stream(js: &jetstream::Context, to: &Destination) -> Result<(), Trouble> {
    let fatal = |why: String| Trouble::Fatal(Failure::Remote(why));
    match js.stream_by_subject(to.subject.as_str()).await {
        Ok(name) if name == to.stream => Ok(()),
        Ok(name) => Err(fatal(format!(
            "subject {} is captured by stream {name}, not by {}",
            to.subject, to.stream
        ))),
        Err(e) => match e.kind() {
            GetStreamByNameErrorKind::NotFound => match to.create_with_window {
                Some(window) => js
                    .create_stream(stream::Config {
                        name: to.stream.clone(),
                        subjects: vec![to.subject.clone()],
                        storage: stream::StorageType::File,
                        duplicate_window: window,
                        ..Default::default()
                    })
                    .await
                    .map(drop)
                    .map_err(|e| fatal(format!("creating stream {}: {e}", to.stream))),
                None => Err(fatal(format!(
                    "no stream captures subject {}: create stream {} for it, or pass --create-stream",
                    to.subject, to.stream
                ))),
            },
            GetStreamByNameErrorKind::Request => Err(Trouble::Transient(e.to_string())),
            _ => Err(fatal(format!("looking up stream {}: {e}", to.stream))),
        },
    }
}

/// Publishes every message of `window` without waiting in between, then
/// waits for every acknowledgement. Returns how many the stream had already.
async fn publish_all(
    js: &jetstream::Context,
    subject: &Subject,
    window: &[(HeaderMap, Bytes)],
) -> Result<u64, Trouble> {
    let mut pending = Vec::with_capacity(window.len());
    for (h, body) in window {
        let ack = js
            .publish_with_headers(subject.clone(), h.clone(), body.clone())
            .await
            .map_err(trouble)?;
        pending.push(ack);
    }
    let mut duplicates = 0;
    for ack in pending {
        if ack.await.map_err(trouble)?.duplicate {
            duplicates += 1;
        }
    }
    Ok(duplicates)
}

fn trouble(e: PublishError) -> Trouble {
    match e.kind() {
        PublishErrorKind::MaxPayloadExceeded => Trouble::Fatal(Failure::Remote(format!("publishing: {e}"))),
        _ => Trouble::Transient(e.to_string()),
    }
}
