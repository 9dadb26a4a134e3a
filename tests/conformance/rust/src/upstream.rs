//! The steps a queue needs to be written and read, on the upstream
//! `v_queue` 0.3.3 crate: the reference the cross-writing scenarios compare
//! against. Steps it has no equivalent for give `{"unsupported": op}`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};
use v_queue as up;

use crate::scenario::{body_bytes, body_result, error};
use crate::Binding;

enum Handle {
    Writer(up::queue::Queue),
    Consumer(Box<up::consumer::Consumer>),
}

#[derive(Default)]
pub struct Upstream {
    handles: HashMap<String, Handle>,
}

fn up_error(e: up::record::ErrorQueue) -> Value {
    use up::record::ErrorQueue as E;
    let kind = match e {
        E::AlreadyOpen => "AlreadyOpen",
        E::NotFound => "NotFound",
        E::InvalidChecksum => "InvalidChecksum",
        _ => "Io",
    };
    error(kind, Value::Null)
}

/// The next message, crossing into later parts the way the original
/// consumer loop does (`get_batch_size` moves to the next part).
fn pop(c: &mut up::consumer::Consumer) -> Result<Value, Value> {
    let mut ready = c.pop_header();
    if !ready && c.get_batch_size() > 0 {
        ready = c.pop_header();
    }
    if !ready {
        return Ok(Value::Null);
    }
    let mut buf = vec![0u8; c.record_len()];
    let n = c.pop_body(&mut buf).map_err(up_error)?;
    buf.truncate(n);
    let t = if c.header.msg_type == up::record::MsgType::Object {
        "O"
    } else {
        "S"
    };
    Ok(json!({ "body": body_result(Some(&buf)), "type": t, "part": c.id, "offset": c.header.start_pos }))
}

impl Binding for Upstream {
    fn step(&mut self, base: &Path, step: &Value) -> Result<Value, Value> {
        let op = step["op"].as_str().unwrap_or("");
        let name = step["handle"].as_str().unwrap_or("").to_owned();
        let base_s = base.to_str().expect("utf-8 base");
        let queue = step["queue"].as_str().unwrap_or("");
        match op {
            "open_writer" => {
                self.handles.remove(&name);
                let fmt = match step["format"].as_str().unwrap_or("v2") {
                    "v3" => up::record::FormatVersion::V3,
                    _ => up::record::FormatVersion::V2,
                };
                let q = up::queue::Queue::new_with_format(base_s, queue, up::record::Mode::ReadWrite, fmt)
                    .map_err(up_error)?;
                self.handles.insert(name, Handle::Writer(q));
                return Ok(Value::Null);
            }
            "open_consumer" => {
                self.handles.remove(&name);
                let consumer = step["consumer"].as_str().unwrap_or("");
                let c = up::consumer::Consumer::new(base_s, consumer, queue).map_err(up_error)?;
                self.handles.insert(name, Handle::Consumer(Box::new(c)));
                return Ok(Value::Null);
            }
            "close" | "drop" => {
                return Ok(match self.handles.remove(&name) {
                    Some(_) => Value::Null,
                    None => json!({ "absent": name }),
                })
            }
            _ => {}
        }
        let t = || {
            if step["type"].as_str() == Some("O") {
                up::record::MsgType::Object
            } else {
                up::record::MsgType::String
            }
        };
        match (self.handles.get_mut(&name), op) {
            (None, _) => Ok(json!({ "absent": name })),
            (Some(Handle::Writer(q)), "push") => q
                .push(&body_bytes(&step["body"]), t())
                .map(|e| json!(e))
                .map_err(up_error),
            (Some(Handle::Writer(q)), "push_batch") => {
                let mut edge = 0;
                for b in step["bodies"].as_array().into_iter().flatten() {
                    edge = q.push(&body_bytes(b), t()).map_err(up_error)?;
                }
                Ok(json!(edge))
            }
            (Some(Handle::Consumer(c)), "pop") => pop(c),
            (Some(Handle::Consumer(c)), "read_all") => {
                let mut all = Vec::new();
                loop {
                    match pop(c)? {
                        Value::Null => return Ok(Value::Array(all)),
                        m => all.push(m),
                    }
                }
            }
            (Some(Handle::Consumer(c)), "commit") => Ok(if c.commit() { Value::Null } else { json!(false) }),
            _ => Ok(json!({ "unsupported": op })),
        }
    }

    fn finish(&mut self) {
        self.handles.clear();
    }
}
