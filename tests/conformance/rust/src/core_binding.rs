//! The scenarios' steps on `vqueue-core`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use vqueue_core::{
    cleanup, inspect, repair, validate_name, verify, Consumer, Durability, Format, Message, Mode, MsgType, Queue,
    Start, WriterOptions,
};

use crate::scenario::{body_bytes, body_result, core_error, rel_path};
use crate::Binding;

enum Handle {
    Writer(Queue),
    Consumer(Consumer),
}

#[derive(Default)]
pub struct Core {
    handles: HashMap<String, Handle>,
}

pub fn mode(s: &str) -> Mode {
    match s {
        "read" => Mode::Read,
        "read_write" => Mode::ReadWrite,
        "default" => Mode::Default,
        other => panic!("unknown mode {other}"),
    }
}

pub fn msg_type(step: &Value) -> MsgType {
    match step["type"].as_str().unwrap_or("S") {
        "O" => MsgType::Object,
        _ => MsgType::String,
    }
}

pub fn type_letter(t: MsgType) -> String {
    (t.as_byte() as char).to_string()
}

fn message(m: &Message) -> Value {
    json!({ "body": body_result(Some(&m.body)), "type": type_letter(m.msg_type), "part": m.part, "offset": m.offset })
}

fn str_of<'a>(step: &'a Value, key: &str, default: &'a str) -> &'a str {
    step[key].as_str().unwrap_or(default)
}

impl Core {
    fn maintenance(&self, base: &Path, op: &str, step: &Value) -> vqueue_core::Result<Value> {
        let queue = step["queue"].as_str().unwrap_or("");
        Ok(match op {
            "inspect" => {
                let i = inspect(base, queue)?;
                json!({
                    "writer_part": i.writer_part,
                    "writer_active": i.writer_active,
                    "parts": i.parts.iter().map(|p| json!({
                        "id": p.id, "format": p.format.to_string(), "count": p.count, "right_edge": p.right_edge,
                        "file_size": p.file_size, "has_dict": p.has_dict, "problem": p.problem.is_some(),
                    })).collect::<Vec<_>>(),
                    "consumers": i.consumers.iter().map(|c| json!({
                        "name": c.name, "part": c.part, "offset": c.offset, "popped": c.popped, "lag": c.lag,
                        "problem": c.problem.is_some(),
                    })).collect::<Vec<_>>(),
                })
            }
            "verify" => {
                let r = verify(base, queue)?;
                json!({
                    "parts": r.parts, "records": r.records,
                    "problems": r.problems.iter().map(|p| json!({
                        "file": rel_path(base, &p.file), "part": p.part, "offset": p.offset,
                    })).collect::<Vec<_>>(),
                })
            }
            "repair" => {
                let r = repair(base, queue)?;
                json!({ "parts": r.parts, "records": r.records })
            }
            "cleanup" => {
                let r = cleanup(base, queue, step["dry_run"].as_bool().unwrap_or(false))?;
                json!({ "removed": r.removed, "kept": r.kept.len(), "bytes_freed": r.bytes_freed })
            }
            _ => {
                validate_name(step["name"].as_str().unwrap_or(""))?;
                Value::Null
            }
        })
    }

    fn open(&mut self, base: &Path, op: &str, step: &Value) -> vqueue_core::Result<Value> {
        let queue = str_of(step, "queue", "");
        let h = match op {
            "open_writer" => {
                let opts = WriterOptions {
                    format: str_of(step, "format", "v2").parse::<Format>().expect("format"),
                    durability: str_of(step, "durability", "none")
                        .parse::<Durability>()
                        .expect("durability"),
                };
                Handle::Writer(Queue::open_with(
                    base,
                    queue,
                    mode(str_of(step, "mode", "read_write")),
                    opts,
                )?)
            }
            "open_consumer" => Handle::Consumer(Consumer::open_with_mode(
                base,
                str_of(step, "consumer", ""),
                queue,
                mode(str_of(step, "mode", "read_write")),
            )?),
            _ => {
                let start = match &step["start"] {
                    Value::Object(m) => Start::Consumer(m["consumer"].as_str().unwrap_or("").to_owned()),
                    Value::String(s) if s == "current" => Start::CurrentPart,
                    _ => Start::FirstPart,
                };
                Handle::Consumer(Consumer::open_reader(base, queue, start)?)
            }
        };
        self.handles.insert(str_of(step, "handle", "").to_owned(), h);
        Ok(Value::Null)
    }

    fn on_writer(q: &mut Queue, op: &str, step: &Value) -> vqueue_core::Result<Value> {
        Ok(match op {
            "push" => json!(q.push(&body_bytes(&step["body"]), msg_type(step))?),
            "push_batch" => {
                let bodies: Vec<Vec<u8>> = step["bodies"].as_array().unwrap().iter().map(body_bytes).collect();
                json!(q.push_batch(&bodies, msg_type(step))?)
            }
            "sync" => {
                q.sync()?;
                Value::Null
            }
            "close" => {
                q.close()?;
                Value::Null
            }
            "state" => json!({
                "count_pushed": q.count_pushed(), "is_ready": q.is_ready(), "part_id": q.part_id(),
                "right_edge": q.right_edge(), "format": q.format().to_string(),
            }),
            other => return Err(vqueue_core::Error::ReadOnly(format!("{other} on a writer"))),
        })
    }

    fn on_consumer(c: &mut Consumer, op: &str, step: &Value) -> vqueue_core::Result<Value> {
        Ok(match op {
            "pop_header" => json!(c.pop_header()?),
            "pop_body" => body_result(c.pop_body()?.as_deref()),
            "pop" => c.pop()?.as_ref().map(message).unwrap_or(Value::Null),
            "pop_batch" => {
                let max = step["max"].as_u64().unwrap_or(0) as usize;
                Value::Array(c.pop_batch(max)?.iter().map(message).collect())
            }
            "read_all" => {
                let mut all = Vec::new();
                while let Some(m) = c.pop()? {
                    all.push(message(&m));
                }
                Value::Array(all)
            }
            "commit" => {
                c.commit()?;
                Value::Null
            }
            "get_batch_size" => json!(c.get_batch_size()?),
            "backlog" => json!(c.backlog()?),
            "wait" => json!(c.wait(Duration::from_millis(step["timeout_ms"].as_u64().unwrap_or(0)))?),
            "skip_corrupt" => json!(c.skip_corrupt()?),
            "sync" => {
                c.sync()?;
                Value::Null
            }
            "close" => {
                c.close()?;
                Value::Null
            }
            "state" => json!({
                "count_popped": c.count_popped(), "is_ready": c.is_ready(), "part_id": c.part_id(),
                "position": Consumer::position(c), "msg_type": c.msg_type().map(type_letter), "record_len": c.record_len(),
            }),
            other => return Err(vqueue_core::Error::ReadOnly(format!("{other} on a consumer"))),
        })
    }
}

impl Binding for Core {
    fn step(&mut self, base: &Path, step: &Value) -> Result<Value, Value> {
        let op = step["op"].as_str().unwrap_or("");
        let r = match op {
            "inspect" | "verify" | "repair" | "cleanup" | "validate_name" => self.maintenance(base, op, step),
            "open_writer" | "open_consumer" | "open_reader" => {
                // A failed open leaves no handle behind, as in every binding.
                self.handles.remove(str_of(step, "handle", ""));
                self.open(base, op, step)
            }
            _ => {
                let name = str_of(step, "handle", "");
                if op == "drop" {
                    return match self.handles.remove(name) {
                        Some(_) => Ok(Value::Null),
                        None => Ok(json!({ "absent": name })),
                    };
                }
                match self.handles.get_mut(name) {
                    None => return Ok(json!({ "absent": name })),
                    Some(Handle::Writer(q)) => Self::on_writer(q, op, step),
                    Some(Handle::Consumer(c)) => Self::on_consumer(c, op, step),
                }
            }
        };
        r.map_err(|e| core_error(base, &e))
    }

    fn finish(&mut self) {
        self.handles.clear();
    }
}
