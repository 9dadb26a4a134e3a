//! Ownership of a writer or a read-write consumer.
//!
//! Across processes, ownership is an exclusive lock on the lock file
//! (`os::lock_file`). In
//! one process, a second open of the same queue (or consumer) takes over: the
//! state lives in a shared slot, and the older handle finds its token
//! replaced and reports `Closed` instead of writing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use crate::error::{Error, Result};
use crate::os::{self, File};
use crate::warning::{warn, WarningKind};

/// Anything that owns files and must put them in order when it loses its slot.
pub trait Owned: Send + 'static {
    fn release(&mut self) -> Result<()>;
}

struct SlotState<S> {
    owner: u64,
    lock: Option<File>,
    inner: Option<S>,
}

pub struct Slot<S> {
    key: PathBuf,
    state: Mutex<SlotState<S>>,
}

type Table = Mutex<HashMap<PathBuf, Weak<dyn std::any::Any + Send + Sync>>>;

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(Default::default)
}

fn next_token() -> u64 {
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

fn lock_guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves state that is still consistent
    // on disk (every write publishes last), so poisoning is not fatal.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct Handle<S: Owned> {
    slot: Arc<Slot<S>>,
    token: u64,
    what: String,
}

impl<S: Owned> Handle<S> {
    /// Becomes the owner of `lock_path`, closing an older owner in this
    /// process; `open` builds the new state (given the lock file) once the
    /// old one has been released.
    pub fn acquire(lock_path: &Path, what: &str, open: impl FnOnce(&File) -> Result<S>) -> Result<Handle<S>> {
        let key = lock_path.to_path_buf();
        let mut tab = lock_guard(table());
        let existing = tab
            .get(&key)
            .and_then(|w| w.upgrade())
            .and_then(|a| a.downcast::<Slot<S>>().ok());
        let slot = match existing {
            Some(slot) => slot,
            None => {
                let file = os::lock_file(lock_path)?.ok_or_else(|| {
                    Error::AlreadyOpen(format!(
                        "{what} is held by another process (lock {})",
                        lock_path.display()
                    ))
                })?;
                let slot = Arc::new(Slot {
                    key: key.clone(),
                    state: Mutex::new(SlotState {
                        owner: 0,
                        lock: Some(file),
                        inner: None,
                    }),
                });
                let any: Arc<dyn std::any::Any + Send + Sync> = slot.clone();
                tab.insert(key, Arc::downgrade(&any));
                slot
            }
        };
        let mut st = lock_guard(&slot.state);
        drop(tab);
        if let Some(mut old) = st.inner.take() {
            if let Err(e) = old.release() {
                warn(
                    WarningKind::CloseFailed,
                    None,
                    format!("releasing {what} for a newer handle: {e}"),
                );
            }
        }
        let state = open(st.lock.as_ref().expect("a live slot holds its lock"))?;
        let token = next_token();
        st.owner = token;
        st.inner = Some(state);
        drop(st);
        Ok(Handle {
            slot,
            token,
            what: what.to_string(),
        })
    }

    /// Runs `f` on the state if this handle still owns it.
    pub fn with<R>(&self, f: impl FnOnce(&mut S) -> Result<R>) -> Result<R> {
        let mut guard = lock_guard(&self.slot.state);
        let st = &mut *guard;
        match st.inner.as_mut() {
            Some(s) if st.owner == self.token => f(s),
            _ => Err(self.closed_error()),
        }
    }

    pub fn is_owner(&self) -> bool {
        let st = lock_guard(&self.slot.state);
        st.owner == self.token && st.inner.is_some()
    }

    pub fn closed_error(&self) -> Error {
        Error::Closed(format!("{} was closed or taken over by a newer handle", self.what))
    }

    /// Releases the state and the lock if this handle still owns them.
    pub fn close(&self) -> Result<()> {
        let mut tab = lock_guard(table());
        let mut st = lock_guard(&self.slot.state);
        if st.owner != self.token {
            return Ok(());
        }
        let released = st.inner.take().map_or(Ok(()), |mut s| s.release());
        st.lock = None;
        st.owner = 0;
        if let Some(w) = tab.get(&self.slot.key) {
            let same = w
                .upgrade()
                .map(|a| Arc::as_ptr(&a) as *const u8 == Arc::as_ptr(&self.slot) as *const u8);
            if same.unwrap_or(true) {
                tab.remove(&self.slot.key);
            }
        }
        released
    }
}

impl<S: Owned> Drop for Handle<S> {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            warn(WarningKind::CloseFailed, None, format!("closing {}: {e}", self.what));
        }
    }
}
