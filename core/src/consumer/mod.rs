//! Consumers: handles that read every record of a queue in push order.
//!
//! `position` saves where a read-write consumer is, `cursor` reads and moves
//! through the parts; this module is the public handle over them.

mod cursor;
mod position;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::lock::Handle;
use crate::meta::{self, Paths, PopInfo};
use crate::name::{validate_pair, validate_queue_name};
use crate::os;
use crate::scan::current_part;
use crate::types::{Message, Mode, MsgType, Start};
use cursor::{ConsumerState, Snapshot};
use position::CommitFiles;

enum Inner {
    Owned(Handle<ConsumerState>),
    Local(Box<ConsumerState>),
    Closed,
}

/// A consumer of one queue. Read-write consumers save their position with
/// `commit`; read-only ones keep it in memory and never write a file.
pub struct Consumer {
    name: String,
    queue: String,
    mode: Mode,
    inner: Inner,
    snap: std::cell::Cell<Snapshot>,
}

impl Consumer {
    /// Opens (or creates) the read-write consumer `consumer` of `queue`.
    pub fn open(base: impl AsRef<Path>, consumer: &str, queue: &str) -> Result<Consumer> {
        Consumer::open_with_mode(base, consumer, queue, Mode::ReadWrite)
    }

    pub fn open_with_mode(base: impl AsRef<Path>, consumer: &str, queue: &str, mode: Mode) -> Result<Consumer> {
        validate_pair(queue, consumer)?;
        let base = os::queue_dir(base.as_ref(), false)?;
        let paths = Paths::new(&base, queue);
        let writer = current_part(&paths)?
            .ok_or_else(|| Error::NotFound(format!("queue {queue:?} in {} has no parts", base.display())))?;
        let inner = if mode.writes() {
            let what = format!("consumer {consumer:?} of queue {queue:?} in {}", base.display());
            Inner::Owned(Handle::acquire(&paths.info_pop_lock(consumer), &what, |lock| {
                let saved = meta::read_position(&paths, consumer)?;
                let at = saved.unwrap_or(PopInfo {
                    pos: 0,
                    popped: 0,
                    part: writer,
                });
                let mut state = ConsumerState::new(paths.clone(), at)?;
                state.check_position(&paths.info_pop(consumer));
                state.commit = Some(CommitFiles::open(&paths, consumer, lock, &at)?);
                Ok(state)
            })?)
        } else {
            let at = meta::read_position(&paths, consumer)?.unwrap_or(PopInfo {
                pos: 0,
                popped: 0,
                part: writer,
            });
            let mut state = ConsumerState::new(paths.clone(), at)?;
            state.check_position(&paths.info_pop(consumer));
            Inner::Local(Box::new(state))
        };
        let mut c = Consumer {
            name: consumer.to_string(),
            queue: queue.to_string(),
            mode,
            inner,
            snap: Default::default(),
        };
        c.with(|_| Ok(()))?;
        Ok(c)
    }

    /// A read-only cursor that writes no file.
    pub fn open_reader(base: impl AsRef<Path>, queue: &str, start: Start) -> Result<Consumer> {
        validate_queue_name(queue)?;
        if let Start::Consumer(name) = &start {
            validate_pair(queue, name)?;
        }
        let base = os::queue_dir(base.as_ref(), false)?;
        let paths = Paths::new(&base, queue);
        let no_parts = || Error::NotFound(format!("queue {queue:?} in {} has no parts", base.display()));
        let (name, at) = match &start {
            Start::FirstPart => {
                let first = *paths.list_parts()?.first().ok_or_else(no_parts)?;
                (
                    String::new(),
                    PopInfo {
                        pos: 0,
                        popped: 0,
                        part: first,
                    },
                )
            }
            Start::CurrentPart => {
                let part = current_part(&paths)?.ok_or_else(no_parts)?;
                (
                    String::new(),
                    PopInfo {
                        pos: 0,
                        popped: 0,
                        part,
                    },
                )
            }
            Start::Consumer(name) => {
                let at = meta::read_position(&paths, name)?.ok_or_else(|| {
                    Error::NotFound(format!("consumer {name:?} of queue {queue:?} has no saved position"))
                })?;
                (name.clone(), at)
            }
        };
        let mut state = ConsumerState::new(paths.clone(), at)?;
        if !name.is_empty() {
            state.check_position(&paths.info_pop(&name));
        }
        let mut c = Consumer {
            name,
            queue: queue.to_string(),
            mode: Mode::Read,
            inner: Inner::Local(Box::new(state)),
            snap: Default::default(),
        };
        c.with(|_| Ok(()))?;
        Ok(c)
    }

    fn with<R>(&mut self, f: impl FnOnce(&mut ConsumerState) -> Result<R>) -> Result<R> {
        let mut snap = None;
        let out = match &mut self.inner {
            Inner::Owned(h) => h.with(|s| {
                let r = f(s);
                snap = Some(s.snapshot());
                r
            }),
            Inner::Local(s) => {
                let r = f(s);
                snap = Some(s.snapshot());
                r
            }
            Inner::Closed => Err(Error::Closed(format!(
                "consumer {:?} of queue {:?} is closed",
                self.name, self.queue
            ))),
        };
        if let Some(s) = snap {
            self.snap.set(s);
        }
        out
    }

    /// True when a record is ready for [`pop_body`](Self::pop_body). Moves to
    /// the next part when this one is exhausted and the writer has moved on.
    pub fn pop_header(&mut self) -> Result<bool> {
        self.with(|s| s.pop_header())
    }

    /// The body of the record announced by `pop_header`; `None` when no
    /// header is pending.
    pub fn pop_body(&mut self) -> Result<Option<Vec<u8>>> {
        self.with(|s| s.pop_body_with(|b| b.to_vec()))
    }

    /// Like `pop_body`, lending the body to `f` without copying it.
    pub fn pop_body_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        self.with(|s| s.pop_body_with(f))
    }

    /// Saves the position after the last popped record.
    pub fn commit(&mut self) -> Result<()> {
        self.with(|s| s.commit())
    }

    /// Unread records in the current part.
    pub fn get_batch_size(&mut self) -> Result<u32> {
        self.with(|s| s.batch_size())
    }

    pub fn pop(&mut self) -> Result<Option<Message>> {
        self.with(|s| s.pop())
    }

    pub fn pop_batch(&mut self, max: usize) -> Result<Vec<Message>> {
        self.with(|s| {
            let mut out = Vec::new();
            while out.len() < max {
                match s.pop()? {
                    Some(m) => out.push(m),
                    None => break,
                }
            }
            Ok(out)
        })
    }

    /// Blocks until a record is available or `timeout` passes, polling with a
    /// back-off capped at 5 ms; true when a record is available. A timeout
    /// too large for the clock to count waits until a record arrives.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now().checked_add(timeout);
        let mut delay = Duration::from_micros(250);
        loop {
            if self.pop_header()? {
                return Ok(true);
            }
            let now = Instant::now();
            let left = deadline.map(|d| d.saturating_duration_since(now));
            if left == Some(Duration::ZERO) {
                return Ok(false);
            }
            std::thread::sleep(left.map_or(delay, |l| delay.min(l)));
            delay = (delay * 2).min(Duration::from_millis(5));
        }
    }

    /// Unread records across all parts.
    pub fn backlog(&mut self) -> Result<u64> {
        self.with(|s| s.backlog())
    }

    /// After a corruption error: resumes at the next intact record and
    /// returns how many records were lost (0 when there was no damage).
    pub fn skip_corrupt(&mut self) -> Result<u64> {
        self.with(|s| s.skip_corrupt())
    }

    /// Flushes the saved position to stable storage.
    pub fn sync(&mut self) -> Result<()> {
        self.with(|s| s.commit.as_ref().map_or(Ok(()), |c| c.sync()))
    }

    /// Releases the consumer without committing. Idempotent.
    pub fn close(&mut self) -> Result<()> {
        let closed = match &self.inner {
            Inner::Owned(h) => h.close(),
            _ => Ok(()),
        };
        self.inner = Inner::Closed;
        closed
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn queue_name(&self) -> &str {
        &self.queue
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Records popped in the current part.
    pub fn count_popped(&self) -> u32 {
        self.snap.get().popped
    }

    pub fn part_id(&self) -> u32 {
        self.snap.get().part
    }

    /// Byte offset after the last popped record.
    pub fn position(&self) -> u64 {
        self.snap.get().pos
    }

    /// Type of the record announced by `pop_header`.
    pub fn msg_type(&self) -> Option<MsgType> {
        self.snap.get().pending.map(|p| p.0)
    }

    /// Decoded body length of the record announced by `pop_header`.
    pub fn record_len(&self) -> Option<u32> {
        self.snap.get().pending.map(|p| p.1)
    }

    /// False once closed or taken over by a newer handle in this process.
    pub fn is_ready(&self) -> bool {
        match &self.inner {
            Inner::Owned(h) => h.is_owner(),
            Inner::Local(_) => true,
            Inner::Closed => false,
        }
    }
}

impl Iterator for Consumer {
    type Item = Result<Message>;
    fn next(&mut self) -> Option<Result<Message>> {
        self.pop().transpose()
    }
}
