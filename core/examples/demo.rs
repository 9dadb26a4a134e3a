//! The main job of v-queue in a few lines: a writer appends messages over two
//! sessions (so the queue has two parts), and two consumers each read every
//! message at their own pace, keeping their own position on disk.
//!
//! `cargo run -p vqueue-core --example demo -- [BASE_DIR]` (default: a new
//! directory under the system temp dir). The queue is left in place so that
//! `vqueue info BASE_DIR demo` can show it afterwards.

use std::path::PathBuf;

use vqueue_core::{Consumer, Format, Mode, MsgType, Queue, WriterOptions};

const QUEUE: &str = "demo";

fn main() -> vqueue_core::Result<()> {
    let base = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("vqueue-demo-{}", std::process::id())));
    println!("queue `{QUEUE}` in {}", base.display());

    // First writer session: part 0, the default v2 format.
    {
        let writer = Queue::open(&base, QUEUE, Mode::ReadWrite)?;
        for i in 1..=3 {
            writer.push(format!("order {i} created").as_bytes(), MsgType::String)?;
        }
        println!(
            "writer: pushed {} messages into part {} ({})",
            writer.count_pushed(),
            writer.part_id(),
            writer.format()
        );
    }

    // Consumers that exist before the next session follow the queue into the new part.
    let mut billing = Consumer::open(&base, "billing", QUEUE)?;
    let mut audit = Consumer::open(&base, "audit", QUEUE)?;

    // Second writer session: a new part, compressed v3 format, one batched push.
    {
        let opts = WriterOptions {
            format: Format::V3,
            ..WriterOptions::default()
        };
        let writer = Queue::open_with(&base, QUEUE, Mode::ReadWrite, opts)?;
        let bodies: Vec<String> = (1..=3).map(|i| format!(r#"{{"order":{i},"status":"paid"}}"#)).collect();
        writer.push_batch(&bodies, MsgType::Object)?;
        println!(
            "writer: pushed {} messages into part {} ({})",
            writer.count_pushed(),
            writer.part_id(),
            writer.format()
        );
    }

    // billing drains everything, committing after each message.
    while let Some(msg) = billing.pop()? {
        show("billing", &msg);
        billing.commit()?;
    }

    // audit reads only two messages for now; the rest stays as its lag.
    for msg in audit.pop_batch(2)? {
        show("audit", &msg);
    }
    audit.commit()?;
    println!("audit: {} messages still waiting", audit.backlog()?);
    Ok(())
}

fn show(consumer: &str, msg: &vqueue_core::Message) {
    println!(
        "{:<12} part {} offset {:>3} [{}] {}",
        format!("{consumer} got"),
        msg.part,
        msg.offset,
        msg.msg_type.as_byte() as char,
        String::from_utf8_lossy(&msg.body)
    );
}
