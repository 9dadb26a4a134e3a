//! Pushes alone, of the engine and of its peers, for instruction-count
//! profiles (callgrind counts are repeatable however loaded the machine):
//!
//!     push_peers CONTENDER single|batch BODY_BYTES MESSAGES
//!
//! CONTENDER is `vqueue` (v2, `Durability::None`), `yaque` or `queue-file`
//! (sync writes off), as the `throughput` benchmark opens them; `batch`
//! pushes 1,000 bodies per call (`push_batch`, `try_send_batch`, `add_n`).
//!
//!     cargo build --release -p vqueue-core --example push_peers
//!     valgrind --tool=callgrind target/release/examples/push_peers vqueue batch 100 200000
//!
//! Subtract a run with MESSAGES = 0 (opening, set-up) and divide by MESSAGES
//! for the instructions per message.

use vqueue_core::{Durability, Format, Mode, MsgType, Queue, WriterOptions};

const BATCH: usize = 1000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [who, how, size, n] = &args[..] else {
        eprintln!("usage: push_peers vqueue|yaque|queue-file single|batch BODY_BYTES MESSAGES");
        std::process::exit(2);
    };
    let size: usize = size.parse().expect("body bytes");
    let n: usize = n.parse().expect("messages");
    let batch = match how.as_str() {
        "single" => false,
        "batch" => true,
        _ => panic!("single or batch, not {how}"),
    };
    // Distinct bodies, as the benchmark pushes them.
    let bodies: Vec<Vec<u8>> = (0..2 * BATCH)
        .map(|i| (0..size).map(|j| (i * 31 + j * 7) as u8).collect())
        .collect();
    let chunk = |k: usize| &bodies[(k % 2) * BATCH..(k % 2 + 1) * BATCH];
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("q");
    match who.as_str() {
        "vqueue" => {
            let opts = WriterOptions {
                format: Format::V2,
                durability: Durability::None,
            };
            let q = Queue::open_with(dir.path(), "q", Mode::ReadWrite, opts).unwrap();
            if batch {
                (0..n / BATCH).for_each(|k| {
                    q.push_batch(chunk(k), MsgType::String).unwrap();
                });
            } else {
                (0..n).for_each(|i| {
                    q.push(&bodies[i % bodies.len()], MsgType::String).unwrap();
                });
            }
        }
        "yaque" => {
            let mut tx = yaque::Sender::open(&path).unwrap();
            if batch {
                (0..n / BATCH).for_each(|k| tx.try_send_batch(chunk(k)).map_err(|e| e.to_string()).unwrap());
            } else {
                (0..n).for_each(|i| {
                    tx.try_send(&bodies[i % bodies.len()])
                        .map_err(|e| e.to_string())
                        .unwrap()
                });
            }
        }
        "queue-file" => {
            let mut q = queue_file::QueueFile::open(&path).unwrap();
            q.set_sync_writes(false);
            if batch {
                (0..n / BATCH).for_each(|k| q.add_n(chunk(k)).unwrap());
            } else {
                (0..n).for_each(|i| q.add(&bodies[i % bodies.len()]).unwrap());
            }
        }
        _ => panic!("vqueue, yaque or queue-file, not {who}"),
    }
}
