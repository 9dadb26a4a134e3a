//! The headers a bridged message carries, named once for both directions.

use async_nats::HeaderMap;
use vqueue_core::{Message, MsgType};

/// `S` or `O`: the message type in the queue.
pub const TYPE: &str = "Vqueue-Type";
/// The queue the message was read from.
pub const QUEUE: &str = "Vqueue-Queue";
/// The part and byte offset of the record in that queue.
pub const PART: &str = "Vqueue-Part";
pub const OFFSET: &str = "Vqueue-Offset";

/// The deduplication id (`Nats-Msg-Id`) of a record: its place in the queue.
pub fn message_id(prefix: &str, part: u32, offset: u64) -> String {
    format!("{prefix}/{part}/{offset}")
}

/// Every header of a message published from `queue`, the deduplication id included.
pub fn for_message(queue: &str, id_prefix: &str, msg: &Message) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        async_nats::header::NATS_MESSAGE_ID,
        message_id(id_prefix, msg.part, msg.offset).as_str(),
    );
    h.insert(TYPE, (msg.msg_type.as_byte() as char).to_string().as_str());
    h.insert(QUEUE, queue);
    h.insert(PART, msg.part.to_string().as_str());
    h.insert(OFFSET, msg.offset.to_string().as_str());
    h
}

/// The type recorded in `headers`; `default` when there is none or it is not S or O.
pub fn msg_type(headers: Option<&HeaderMap>, default: MsgType) -> MsgType {
    headers
        .and_then(|h| h.get(TYPE))
        .and_then(|v| match v.as_str().as_bytes() {
            [b] => MsgType::from_byte(*b),
            _ => None,
        })
        .unwrap_or(default)
}
