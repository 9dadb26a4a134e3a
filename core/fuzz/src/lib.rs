//! Shared by the fuzz targets: an allocator that enforces the engine's
//! allocation bound, a small valid queue to damage, and the entry points
//! every target drives.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use vqueue_core::{cleanup, inspect, repair, verify, Consumer, Mode, MsgType, Queue, Start};

/// No input may make the engine allocate more than this at once: bodies are
/// bounded by what a record can hold, and every fuzz input is small.
pub const MAX_ALLOCATION: usize = 64 << 20;

/// Aborts (a crash libFuzzer reports with the input) on any allocation above
/// [`MAX_ALLOCATION`], with or without a sanitizer.
pub struct Bounded;

fn check(size: usize) {
    if size > MAX_ALLOCATION {
        // No allocation from here: write the reason and abort.
        let msg = b"fuzz: allocation above the bound\n";
        // SAFETY: writing a static buffer to stderr.
        unsafe { libc_write(2, msg.as_ptr(), msg.len()) };
        std::process::abort();
    }
}

extern "C" {
    #[link_name = "write"]
    fn libc_write(fd: i32, buf: *const u8, n: usize) -> isize;
}

unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// A directory of this process for writing queue files, emptied on each call.
pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vqueue-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Splits `data` at each occurrence of `SEPARATOR` into at most `n` pieces
/// (missing pieces are `None`), so one input describes several files.
pub const SEPARATOR: &[u8] = b"\n--vqueue-file--\n";

pub fn split(data: &[u8], n: usize) -> Vec<Option<&[u8]>> {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => {
                out.push(Some(&rest[..i]));
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    out.push(Some(rest));
    out.resize(n, None);
    out
}

/// Writes `bytes` to `path`, creating its directory.
pub fn put(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(path, bytes).expect("write fuzz file");
}

/// The queue every metadata target starts from.
pub const Q: &str = "q";

/// The files of a small valid queue written by the engine: part 0 with three
/// records, part 1 (the writer's) with two, consumer `c` after the first.
pub fn template() -> &'static [(PathBuf, Vec<u8>)] {
    static FILES: OnceLock<Vec<(PathBuf, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vqueue-fuzz-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for part in [
            &[&b"first message"[..], b"second", b"third, a little longer"][..],
            &[b"fourth", b"fifth"],
        ] {
            let mut q = Queue::open(&dir, Q, Mode::ReadWrite).expect("template writer");
            for body in part {
                q.push(body, MsgType::String).expect("template push");
            }
            q.close().expect("template close");
        }
        let mut c = Consumer::open(&dir, "c", Q).expect("template consumer");
        c.pop().expect("template pop");
        c.commit().expect("template commit");
        c.close().expect("template consumer close");
        let mut files = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("list template") {
                let p = e.expect("template entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let bytes = std::fs::read(&p).expect("read template");
                    files.push((p.strip_prefix(&dir).unwrap().to_path_buf(), bytes));
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        files
    })
}

/// A fresh scratch directory holding the template with each `(file,
/// bytes)` written over it.
pub fn template_with(files: &[(&str, &[u8])]) -> PathBuf {
    let base = scratch_dir();
    for (rel, content) in template() {
        put(&base.join(rel), content);
    }
    for (file, bytes) in files {
        put(&base.join(file), bytes);
    }
    base
}

/// Reads every message, passing damage with skip_corrupt; bounded, so a
/// consumer that does not make progress is a failure rather than a hang.
pub fn drain(c: &mut Consumer) -> usize {
    let mut n = 0;
    for _ in 0..100_000 {
        match c.pop() {
            Ok(Some(_)) => n += 1,
            Ok(None) => return n,
            Err(_) => {
                if c.skip_corrupt().is_err() {
                    return n;
                }
            }
        }
    }
    panic!("the consumer does not reach the end");
}

/// Every read-side entry point on `queue` in `base`, then a repair and the
/// readers again: each must return or fail with an error, never panic.
pub fn exercise(base: &Path, queue: &str) {
    let _ = inspect(base, queue);
    let _ = verify(base, queue);
    let read = || {
        for start in [Start::FirstPart, Start::CurrentPart, Start::Consumer("c".into())] {
            if let Ok(mut r) = Consumer::open_reader(base, queue, start) {
                drain(&mut r);
            }
        }
    };
    read();
    if let Ok(mut c) = Consumer::open_with_mode(base, "c", queue, Mode::Read) {
        drain(&mut c);
    }
    let _ = cleanup(base, queue, true);
    if repair(base, queue).is_ok() {
        let _ = verify(base, queue);
        read();
    }
    let _ = std::fs::remove_dir_all(base);
}
