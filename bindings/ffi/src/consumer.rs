//! The reader handle, and its wait that suspends instead of blocking.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use vqueue_core as core;

use crate::{lock, Message, Mode, MsgType, QueueError, Start};

/// A named reader with a saved position (or a read-only cursor). Safe to
/// share between threads: calls are serialised.
#[derive(uniffi::Object)]
pub struct Consumer {
    pub(crate) inner: Mutex<core::Consumer>,
}

#[uniffi::export]
impl Consumer {
    /// Opens consumer `name` of queue `queue`; `ReadWrite` saves its
    /// position, `Read` never writes a file.
    #[uniffi::constructor]
    pub fn open(base: String, name: String, queue: String, mode: Mode) -> Result<Self, QueueError> {
        let c = core::Consumer::open_with_mode(base, &name, &queue, mode.into())?;
        Ok(Consumer { inner: Mutex::new(c) })
    }

    /// A read-only cursor that writes no file, starting at `start`.
    #[uniffi::constructor]
    pub fn open_reader(base: String, queue: String, start: Start) -> Result<Self, QueueError> {
        let c = core::Consumer::open_reader(base, &queue, start.into())?;
        Ok(Consumer { inner: Mutex::new(c) })
    }

    /// True when a record is ready for `pop_body`.
    pub fn pop_header(&self) -> Result<bool, QueueError> {
        Ok(lock(&self.inner).pop_header()?)
    }

    /// The body of the record announced by `pop_header`; null when none is.
    pub fn pop_body(&self) -> Result<Option<Vec<u8>>, QueueError> {
        Ok(lock(&self.inner).pop_body()?)
    }

    /// Saves the position after the last popped record.
    pub fn commit(&self) -> Result<(), QueueError> {
        Ok(lock(&self.inner).commit()?)
    }

    /// Unread records in the current part.
    pub fn get_batch_size(&self) -> Result<u32, QueueError> {
        Ok(lock(&self.inner).get_batch_size()?)
    }

    /// The next record, or null when the consumer has read everything.
    pub fn pop(&self) -> Result<Option<Message>, QueueError> {
        Ok(lock(&self.inner).pop()?.map(Message::from))
    }

    /// Up to `max` records in one call; fewer (maybe none) at the end.
    pub fn pop_batch(&self, max: u32) -> Result<Vec<Message>, QueueError> {
        Ok(lock(&self.inner)
            .pop_batch(max as usize)?
            .into_iter()
            .map(Message::from)
            .collect())
    }

    /// `pop` then `commit` in one call: the record is acknowledged once it
    /// is returned.
    pub fn pop_commit(&self) -> Result<Option<Message>, QueueError> {
        let mut c = lock(&self.inner);
        let m = c.pop()?;
        if m.is_some() {
            c.commit()?;
        }
        Ok(m.map(Message::from))
    }

    /// `pop_batch` then `commit` in one call.
    pub fn pop_batch_commit(&self, max: u32) -> Result<Vec<Message>, QueueError> {
        let mut c = lock(&self.inner);
        let batch = c.pop_batch(max as usize)?;
        if !batch.is_empty() {
            c.commit()?;
        }
        Ok(batch.into_iter().map(Message::from).collect())
    }

    /// Blocks this thread until a record is available (true) or `timeout`
    /// passes (false). Other calls on this consumer wait meanwhile.
    pub fn wait(&self, timeout: Duration) -> Result<bool, QueueError> {
        Ok(lock(&self.inner).wait(timeout)?)
    }

    /// `wait` that suspends the caller instead of blocking it: a helper
    /// thread polls (releasing the consumer between probes) and wakes the
    /// caller. Cancelling the caller stops the helper at its next probe.
    pub async fn wait_async(self: Arc<Self>, timeout: Duration) -> Result<bool, QueueError> {
        if self.pop_header()? {
            return Ok(true);
        }
        Wait::start(self, timeout).await
    }

    /// Unread records across all parts.
    pub fn backlog(&self) -> Result<u64, QueueError> {
        Ok(lock(&self.inner).backlog()?)
    }

    /// After a corruption error: resumes at the next intact record and
    /// returns how many records were lost.
    pub fn skip_corrupt(&self) -> Result<u64, QueueError> {
        Ok(lock(&self.inner).skip_corrupt()?)
    }

    /// Flushes the saved position to stable storage.
    pub fn sync(&self) -> Result<(), QueueError> {
        Ok(lock(&self.inner).sync()?)
    }

    /// Releases the consumer without committing. Idempotent.
    pub fn close(&self) -> Result<(), QueueError> {
        Ok(lock(&self.inner).close()?)
    }

    pub fn name(&self) -> String {
        lock(&self.inner).name().to_owned()
    }

    pub fn queue_name(&self) -> String {
        lock(&self.inner).queue_name().to_owned()
    }

    /// Records popped in the current part.
    pub fn count_popped(&self) -> u32 {
        lock(&self.inner).count_popped()
    }

    pub fn part_id(&self) -> u32 {
        lock(&self.inner).part_id()
    }

    /// Byte offset after the last popped record.
    pub fn position(&self) -> u64 {
        lock(&self.inner).position()
    }

    /// Type of the record announced by `pop_header`.
    pub fn msg_type(&self) -> Option<MsgType> {
        lock(&self.inner).msg_type().map(MsgType::from)
    }

    /// Decoded body length of the record announced by `pop_header`.
    pub fn record_len(&self) -> Option<u32> {
        lock(&self.inner).record_len()
    }

    pub fn is_ready(&self) -> bool {
        lock(&self.inner).is_ready()
    }

    pub fn mode(&self) -> Mode {
        lock(&self.inner).mode().into()
    }
}

/// What the helper thread of one `wait_async` shares with its future.
#[derive(Default)]
struct WaitState {
    outcome: Option<Result<bool, QueueError>>,
    waker: Option<Waker>,
    /// The future was dropped: nobody wants the outcome any more.
    abandoned: bool,
}

struct Wait {
    state: Arc<Mutex<WaitState>>,
}

impl Wait {
    fn start(consumer: Arc<Consumer>, timeout: Duration) -> Wait {
        let state = Arc::new(Mutex::new(WaitState::default()));
        let shared = state.clone();
        std::thread::Builder::new()
            .name("vqueue-wait".into())
            .spawn(move || {
                let outcome = poll_until(&consumer, timeout, || lock(&shared).abandoned);
                let mut s = lock(&shared);
                s.outcome = Some(outcome);
                if let Some(w) = s.waker.take() {
                    w.wake();
                }
            })
            .map(drop)
            .unwrap_or_else(|e| {
                let mut s = lock(&state);
                s.outcome = Some(Err(core::Error::Io {
                    context: "starting the wait thread".into(),
                    source: e,
                }
                .into()));
            });
        Wait { state }
    }
}

impl Future for Wait {
    type Output = Result<bool, QueueError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = lock(&self.state);
        match s.outcome.take() {
            Some(o) => Poll::Ready(o),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        lock(&self.state).abandoned = true;
    }
}

/// The core's polling back-off, with the consumer unlocked between probes.
fn poll_until(consumer: &Consumer, timeout: Duration, abandoned: impl Fn() -> bool) -> Result<bool, QueueError> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_micros(250);
    loop {
        if consumer.pop_header()? {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= deadline || abandoned() {
            return Ok(false);
        }
        std::thread::sleep(delay.min(deadline - now));
        delay = (delay * 2).min(Duration::from_millis(5));
    }
}
