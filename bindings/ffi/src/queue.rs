//! The writer handle.

use std::sync::Mutex;

use vqueue_core as core;

use crate::{lock, Durability, Format, Mode, MsgType, QueueError};

/// A queue opened for writing (`Mode.ReadWrite`) or as a read-only view of
/// its current part. Safe to share between threads: calls are serialised.
#[derive(uniffi::Object)]
pub struct Queue {
    pub(crate) inner: Mutex<core::Queue>,
}

#[uniffi::export]
impl Queue {
    /// Opens queue `name` under directory `base` with the v2 format and no
    /// sync. A `ReadWrite` handle starts a new part.
    #[uniffi::constructor]
    pub fn open(base: String, name: String, mode: Mode) -> Result<Self, QueueError> {
        Self::open_with(base, name, mode, Format::V2, Durability::None)
    }

    /// Opens with an explicit part format and durability.
    #[uniffi::constructor]
    pub fn open_with(
        base: String,
        name: String,
        mode: Mode,
        format: Format,
        durability: Durability,
    ) -> Result<Self, QueueError> {
        let opts = core::WriterOptions {
            format: format.into(),
            durability: durability.into(),
        };
        let q = core::Queue::open_with(base, &name, mode.into(), opts)?;
        Ok(Queue { inner: Mutex::new(q) })
    }

    /// Appends one record; returns the part's right edge after it.
    pub fn push(&self, body: &[u8], msg_type: MsgType) -> Result<u64, QueueError> {
        Ok(lock(&self.inner).push(body, msg_type.into())?)
    }

    /// Appends the records in order with one metadata update; returns the
    /// part's right edge after the last.
    pub fn push_batch(&self, bodies: Vec<Vec<u8>>, msg_type: MsgType) -> Result<u64, QueueError> {
        Ok(lock(&self.inner).push_batch(&bodies, msg_type.into())?)
    }

    /// Puts data and metadata on stable storage now.
    pub fn sync(&self) -> Result<(), QueueError> {
        Ok(lock(&self.inner).sync()?)
    }

    /// Releases the queue. Idempotent; later calls fail with `Closed`.
    pub fn close(&self) -> Result<(), QueueError> {
        Ok(lock(&self.inner).close()?)
    }

    pub fn name(&self) -> String {
        lock(&self.inner).name().to_owned()
    }

    /// Records in the current part.
    pub fn count_pushed(&self) -> u32 {
        lock(&self.inner).count_pushed()
    }

    /// False once closed or taken over by a newer handle.
    pub fn is_ready(&self) -> bool {
        lock(&self.inner).is_ready()
    }

    pub fn part_id(&self) -> u32 {
        lock(&self.inner).part_id()
    }

    /// Byte length of the current part's committed data.
    pub fn right_edge(&self) -> u64 {
        lock(&self.inner).right_edge()
    }

    pub fn format(&self) -> Format {
        lock(&self.inner).format().into()
    }

    pub fn mode(&self) -> Mode {
        lock(&self.inner).mode().into()
    }
}
