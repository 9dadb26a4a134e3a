//! Measures how long `Consumer::wait` takes to notice a push made by another
//! thread: 200 pushes at irregular intervals (3-42 ms), the delay between
//! `push` returning and `wait` returning, as median, 99th percentile and max.
//!
//! cargo run --release -p vqueue-core --example wait_latency

use std::sync::mpsc;
use std::time::{Duration, Instant};

use vqueue_core::{Consumer, Mode, MsgType, Queue};

const ROUNDS: u64 = 200;

fn main() -> vqueue_core::Result<()> {
    let dir = std::env::temp_dir().join(format!("vqueue-wait-latency-{}", std::process::id()));
    let queue = Queue::open(&dir, "q", Mode::ReadWrite)?;
    let mut consumer = Consumer::open(&dir, "c", "q")?;
    let (tx, rx) = mpsc::channel();
    let writer = std::thread::spawn(move || -> vqueue_core::Result<()> {
        for i in 0..ROUNDS {
            std::thread::sleep(Duration::from_millis(3 + (i * 7919) % 40));
            queue.push(&i.to_le_bytes(), MsgType::String)?;
            tx.send(Instant::now()).expect("the reader outlives the writer");
        }
        Ok(())
    });
    let mut millis = Vec::new();
    for _ in 0..ROUNDS {
        assert!(consumer.wait(Duration::from_secs(10))?, "no record within 10 s");
        let woke = Instant::now();
        consumer.pop_body()?.expect("wait announced a record");
        let pushed = rx.recv().expect("one stamp per push");
        millis.push(woke.saturating_duration_since(pushed).as_secs_f64() * 1e3);
    }
    writer.join().expect("writer thread")?;
    drop(consumer);
    let _ = std::fs::remove_dir_all(&dir);
    millis.sort_by(f64::total_cmp);
    let at = |q: f64| millis[((millis.len() - 1) as f64 * q) as usize];
    println!(
        "wait wake-up latency over {ROUNDS} pushes: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}
