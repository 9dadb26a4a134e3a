//! How messages are printed by `cat` and `consume`.

use std::io::{self, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use vqueue_core::Message;

#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// The body as is, then a newline.
    Body,
    /// `{"part":..,"offset":..,"type":"S","len":..,"body":"<base64>"}`
    Json,
}

pub fn write_message(out: &mut impl Write, msg: &Message, style: Style) -> io::Result<()> {
    match style {
        Style::Body => {
            out.write_all(&msg.body)?;
            out.write_all(b"\n")
        }
        // Hand-written so the keys keep the documented order; every value is a
        // number or base64/ASCII, none needs escaping.
        Style::Json => writeln!(
            out,
            "{{\"part\":{},\"offset\":{},\"type\":\"{}\",\"len\":{},\"body\":\"{}\"}}",
            msg.part,
            msg.offset,
            msg.msg_type.as_byte() as char,
            msg.body.len(),
            STANDARD.encode(&msg.body)
        ),
    }
}
