//! The hot path alone, for profilers: N single pushes of 100-byte bodies,
//! then N pop_header + pop_body + commit, v2 (or v3 with `v3` as the second
//! argument), or with `push_batch(1000)` (`batch`), or `sync` pushes.
//!
//!     cargo build --release -p vqueue-core --example hot_path
//!     valgrind --tool=callgrind target/release/examples/hot_path 200000
//!     perf stat -e task-clock,page-faults,context-switches target/release/examples/hot_path 2000000

use vqueue_core::{Consumer, Durability, Format, Mode, MsgType, Queue, WriterOptions};

fn main() -> vqueue_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let how = args.next().unwrap_or_default();
    let opts = WriterOptions {
        format: if how == "v3" { Format::V3 } else { Format::V2 },
        durability: if how == "sync" {
            Durability::Sync
        } else {
            Durability::None
        },
    };
    let bodies: Vec<Vec<u8>> = (0..4096)
        .map(|i| format!("{{\"seq\":{i:08},\"note\":\"{:>80}\"}}", i * 7).into_bytes())
        .collect();
    let dir = tempfile::tempdir().expect("temporary directory");
    let q = Queue::open_with(dir.path(), "q", Mode::ReadWrite, opts)?;
    let start = std::time::Instant::now();
    if how == "batch" {
        for k in 0..n / 1000 {
            let from = (k * 1000) % 3000;
            q.push_batch(&bodies[from..from + 1000], MsgType::String)?;
        }
    } else {
        for i in 0..n {
            q.push(&bodies[i % bodies.len()], MsgType::String)?;
        }
    }
    let pushed = start.elapsed();
    let mut c = Consumer::open(dir.path(), "c", "q")?;
    let start = std::time::Instant::now();
    let mut bytes = 0;
    while c.pop_header()? {
        bytes += c.pop_body()?.map_or(0, |b| b.len());
        c.commit()?;
    }
    let popped = start.elapsed();
    println!("{n} pushes in {pushed:?}, pops in {popped:?} ({bytes} body bytes)");
    Ok(())
}
