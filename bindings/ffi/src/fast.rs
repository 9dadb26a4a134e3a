//! The hot calls (push, push a batch, pop, commit) as plain C functions
//! beside the generated surface, for foreign code that calls them per
//! message.
//!
//! A generated method call is two native calls (clone the handle, then the
//! method), each with a call-status structure, plus a buffer for every
//! byte array or record it passes. These functions take a handle the caller
//! owns a reference of (`uniffiCloneHandle`, released with
//! `vqueue_release_*`), primitive arguments and memory the caller owns, and
//! return a status code. A failed call leaves its error in a thread-local
//! slot that the UniFFI function [`take_error`] hands over, so it reaches
//! the foreign side as the same typed error as any generated call.
//!
//! Each function does what the method of the same name does, under the
//! handle's mutex; the engine calls are the same.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::slice;
use std::sync::Arc;

use vqueue_core as core;

use crate::{lock, Consumer, MsgType, Queue, QueueError};

/// The call failed; [`take_error`] returns why.
pub const FAILED: i64 = -1;

/// `vqueue_pop` flag: commit after the records popped, in the same call.
pub const POP_COMMIT: u32 = 1;
/// `vqueue_pop` flag: pop only a record already announced by `pop_header`.
pub const POP_PENDING_ONLY: u32 = 2;

thread_local! {
    static LAST_ERROR: RefCell<Option<QueueError>> = const { RefCell::new(None) };
}

/// The error of this thread's last failed fast call, raised; `Ok` when
/// there is none. The foreign side calls it when a fast call returns
/// `FAILED`.
#[uniffi::export]
pub fn take_error() -> Result<(), QueueError> {
    match LAST_ERROR.with(|e| e.borrow_mut().take()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs `f`, turning its error (or a panic, which must not unwind into the
/// caller) into `FAILED` and the thread's pending error.
fn status(f: impl FnOnce() -> Result<i64, QueueError>) -> i64 {
    let err = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e,
        Err(_) => core::Error::Io {
            context: "a fast call panicked".into(),
            source: std::io::Error::other("panic in the native library"),
        }
        .into(),
    };
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(err));
    FAILED
}

fn msg_type(ordinal: u32) -> MsgType {
    match ordinal {
        1 => MsgType::Object,
        _ => MsgType::String,
    }
}

/// Where one popped record is, as `vqueue_pop` writes it for the caller.
#[repr(C)]
pub struct RecordMeta {
    /// Byte offset of the record's header in its part file.
    pub offset: u64,
    pub part: u32,
    /// Body length in bytes; the body is at the sum of the earlier lengths.
    pub len: u32,
    /// `MsgType` ordinal.
    pub msg_type: u32,
    /// In the entry after the last popped one: 1 when the call stopped for
    /// lack of room before a record of `len` bytes (still pending), else 0.
    pub more: u32,
}

impl RecordMeta {
    const END: RecordMeta = RecordMeta {
        offset: 0,
        part: 0,
        len: 0,
        msg_type: 0,
        more: 0,
    };
}

/// # Safety
/// `queue` is a handle of a `Queue` the caller holds a reference of, and
/// `body` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn vqueue_push(queue: u64, body: *const u8, len: u32, msg_type_ordinal: u32) -> i64 {
    let q = &*(queue as *const Queue);
    let body = bytes(body, len);
    status(|| Ok(q.push(body, msg_type(msg_type_ordinal))? as i64))
}

/// Pushes `count` bodies laid end to end at `data`, their lengths in `lens`.
///
/// # Safety
/// `queue` as for [`vqueue_push`]; `lens` holds `count` lengths and `data`
/// their sum of readable bytes.
#[no_mangle]
pub unsafe extern "C" fn vqueue_push_batch(
    queue: u64,
    data: *const u8,
    lens: *const u32,
    count: u32,
    msg_type_ordinal: u32,
) -> i64 {
    let q = &*(queue as *const Queue);
    let lens = if count == 0 {
        &[][..]
    } else {
        slice::from_raw_parts(lens, count as usize)
    };
    let total: usize = lens.iter().map(|&l| l as usize).sum();
    let data = bytes(data, total as u32);
    let mut bodies = Vec::with_capacity(lens.len());
    let mut at = 0;
    for &l in lens {
        bodies.push(&data[at..at + l as usize]);
        at += l as usize;
    }
    status(|| Ok(lock(&q.inner).push_batch(&bodies, msg_type(msg_type_ordinal).into())? as i64))
}

/// Pops up to `max` records into `out` (bodies end to end, at most `cap`
/// bytes) and `metas` (one each); stops early at the end of the queue or
/// before a record that does not fit (see `RecordMeta::more`). Returns how
/// many were popped, or `FAILED`. `flags`: `POP_COMMIT`, `POP_PENDING_ONLY`.
///
/// # Safety
/// `consumer` is a handle of a `Consumer` the caller holds a reference of;
/// `out` has `cap` writable bytes and `metas` room for `max` entries.
#[no_mangle]
pub unsafe extern "C" fn vqueue_pop(
    consumer: u64,
    max: u32,
    flags: u32,
    out: *mut u8,
    cap: u32,
    metas: *mut RecordMeta,
) -> i64 {
    let c = &*(consumer as *const Consumer);
    let out = if cap == 0 {
        &mut [][..]
    } else {
        slice::from_raw_parts_mut(out, cap as usize)
    };
    let metas = if max == 0 {
        &mut [][..]
    } else {
        slice::from_raw_parts_mut(metas, max as usize)
    };
    status(|| {
        let mut c = lock(&c.inner);
        let mut popped = 0;
        let mut needs = None;
        if flags & POP_PENDING_ONLY != 0 && c.record_len().is_none() {
            // Nothing announced is pop_body's None; a closed consumer is
            // Closed there, and so here.
            if !c.is_ready() {
                let closed = "consumer was closed or taken over by a newer handle";
                return Err(core::Error::Closed(closed.into()).into());
            }
            if let Some(m) = metas.first_mut() {
                *m = RecordMeta::END;
            }
            return Ok(0);
        }
        let mut used = 0;
        while popped < metas.len() {
            // A failure after some records were popped hands those over
            // first; the failure comes back on the next call (damage is
            // remembered by the consumer, an I/O error is retried).
            let next = (|| {
                if !c.pop_header()? {
                    return Ok(None);
                }
                let len = c.record_len().unwrap_or(0) as usize;
                if len > out.len() - used {
                    return Ok(Some(Err(len)));
                }
                let meta = RecordMeta {
                    offset: c.position(),
                    part: c.part_id(),
                    len: len as u32,
                    msg_type: MsgType::from(c.msg_type().unwrap_or(core::MsgType::String)) as u32,
                    more: 0,
                };
                let dest = &mut out[used..used + len];
                c.pop_body_with(|b| dest.copy_from_slice(b))?;
                Ok::<_, core::Error>(Some(Ok(meta)))
            })();
            match next {
                Ok(Some(Ok(meta))) => {
                    used += meta.len as usize;
                    metas[popped] = meta;
                    popped += 1;
                }
                Ok(Some(Err(len))) => {
                    needs = Some(len as u32);
                    break;
                }
                Ok(None) => break,
                Err(e) if popped == 0 => return Err(e.into()),
                Err(_) => break,
            }
        }
        if popped < metas.len() {
            metas[popped] = match needs {
                Some(len) => RecordMeta {
                    len,
                    more: 1,
                    ..RecordMeta::END
                },
                None => RecordMeta::END,
            };
        }
        if popped > 0 && flags & POP_COMMIT != 0 {
            c.commit()?;
        }
        Ok(popped as i64)
    })
}

/// True (1) when a record is ready to pop, 0 when not, or `FAILED`.
///
/// # Safety
/// As for [`vqueue_pop`].
#[no_mangle]
pub unsafe extern "C" fn vqueue_pop_header(consumer: u64) -> i64 {
    let c = &*(consumer as *const Consumer);
    status(|| Ok(c.pop_header()? as i64))
}

/// Saves the position after the last popped record: 0, or `FAILED`.
///
/// # Safety
/// As for [`vqueue_pop`].
#[no_mangle]
pub unsafe extern "C" fn vqueue_commit(consumer: u64) -> i64 {
    let c = &*(consumer as *const Consumer);
    status(|| c.commit().map(|()| 0))
}

/// Gives back a reference taken with the generated `uniffiCloneHandle`.
///
/// # Safety
/// `queue` is such a reference, released once.
#[no_mangle]
pub unsafe extern "C" fn vqueue_release_queue(queue: u64) {
    drop(Arc::from_raw(queue as *const Queue));
}

/// Gives back a reference taken with the generated `uniffiCloneHandle`.
///
/// # Safety
/// `consumer` is such a reference, released once.
#[no_mangle]
pub unsafe extern "C" fn vqueue_release_consumer(consumer: u64) {
    drop(Arc::from_raw(consumer as *const Consumer));
}

unsafe fn bytes<'a>(p: *const u8, len: u32) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        slice::from_raw_parts(p, len as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Durability, Format, Mode};

    fn handles(dir: &std::path::Path) -> (u64, u64) {
        let base = dir.to_str().unwrap().to_owned();
        let q = Queue::open_with(base.clone(), "q".into(), Mode::ReadWrite, Format::V2, Durability::None).unwrap();
        let c = Consumer::open(base, "c".into(), "q".into(), Mode::ReadWrite).unwrap();
        (Arc::into_raw(Arc::new(q)) as u64, Arc::into_raw(Arc::new(c)) as u64)
    }

    const END: RecordMeta = RecordMeta::END;

    #[test]
    fn records_pushed_and_popped_through_the_buffers_keep_their_bytes_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let (q, c) = handles(dir.path());
        unsafe {
            assert!(vqueue_push(q, b"one".as_ptr(), 3, MsgType::String as u32) > 0);
            let data = b"twothree";
            let lens = [3u32, 5];
            assert!(vqueue_push_batch(q, data.as_ptr(), lens.as_ptr(), 2, MsgType::Object as u32) > 0);

            let mut out = [0u8; 64];
            let mut metas = [END, END, END, END];
            let n = vqueue_pop(c, 4, POP_COMMIT, out.as_mut_ptr(), 64, metas.as_mut_ptr());
            assert_eq!(n, 3);
            assert_eq!(&out[..11], b"onetwothree");
            assert_eq!(metas.iter().map(|m| m.len).collect::<Vec<_>>(), [3, 3, 5, 0]);
            assert_eq!(metas[..3].iter().map(|m| m.msg_type).collect::<Vec<_>>(), [0, 1, 1]);
            assert_eq!(metas[3].more, 0, "stopped at the end, not for room");
            assert_eq!(vqueue_pop(c, 1, 0, out.as_mut_ptr(), 64, metas.as_mut_ptr()), 0);
            vqueue_release_queue(q);
            vqueue_release_consumer(c);
        }
    }

    #[test]
    fn a_record_too_large_for_the_buffer_stays_pending_until_the_buffer_grows() {
        let dir = tempfile::tempdir().unwrap();
        let (q, c) = handles(dir.path());
        unsafe {
            vqueue_push(q, b"ab".as_ptr(), 2, 0);
            vqueue_push(q, [7u8; 100].as_ptr(), 100, 0);
            let mut out = [0u8; 100];
            let mut metas = [END, END];
            assert_eq!(vqueue_pop(c, 2, 0, out.as_mut_ptr(), 10, metas.as_mut_ptr()), 1);
            assert_eq!((metas[1].more, metas[1].len), (1, 100));
            assert_eq!(vqueue_pop(c, 2, 0, out.as_mut_ptr(), 10, metas.as_mut_ptr()), 0);
            assert_eq!((metas[0].more, metas[0].len), (1, 100));
            assert_eq!(vqueue_pop(c, 2, 0, out.as_mut_ptr(), 100, metas.as_mut_ptr()), 1);
            assert_eq!(out, [7u8; 100]);
            vqueue_release_queue(q);
            vqueue_release_consumer(c);
        }
    }

    #[test]
    fn a_failed_call_leaves_its_typed_error_for_take_error_once() {
        let dir = tempfile::tempdir().unwrap();
        let (q, c) = handles(dir.path());
        unsafe {
            (*(q as *const Queue)).close().unwrap();
            assert_eq!(vqueue_push(q, b"late".as_ptr(), 4, 0), FAILED);
            assert!(matches!(take_error(), Err(QueueError::Closed { .. })));
            assert_eq!(take_error(), Ok(()), "taken once");
            (*(c as *const Consumer)).close().unwrap();
            assert_eq!(vqueue_commit(c), FAILED);
            assert!(matches!(take_error(), Err(QueueError::Closed { .. })));
            vqueue_release_queue(q);
            vqueue_release_consumer(c);
        }
    }
}
