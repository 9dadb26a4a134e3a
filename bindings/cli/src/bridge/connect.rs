//! Connecting to the server with the options of `NatsArgs`.

use std::fs;
use std::io;
use std::time::Duration;

use async_nats::{Client, ConnectError, ConnectErrorKind, ConnectOptions};

use super::args::NatsArgs;
use super::status::{backoff, persist, Status, Stop, Trouble};
use crate::exit::Failure;

/// How long JetStream calls (publish acknowledgements, API requests) wait
/// before the bridge counts the server as unavailable.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

fn options(args: &NatsArgs) -> Result<ConnectOptions, Failure> {
    let mut opts = ConnectOptions::new()
        .name("vqueue bridge")
        .connection_timeout(REPLY_TIMEOUT)
        .request_timeout(Some(REPLY_TIMEOUT))
        // The client reconnects for ever; the bridge decides when to give up
        // (never, until it is stopped).
        .max_reconnects(None)
        .reconnect_delay_callback(|attempts| backoff(attempts as u32));
    if let Some(path) = &args.token_file {
        let text = fs::read_to_string(path)
            .map_err(|e| Failure::Remote(format!("reading token file {}: {e}", path.display())))?;
        let token = text.lines().next().unwrap_or("").trim().to_string();
        if token.is_empty() {
            return Err(Failure::Remote(format!("token file {} is empty", path.display())));
        }
        opts = opts.token(token);
    }
    if let Some(ca) = &args.tls_ca {
        opts = opts.add_root_certificates(ca.clone()).require_tls(true);
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        opts = opts.add_client_certificate(cert.clone(), key.clone()).require_tls(true);
    }
    Ok(opts)
}

/// Connects, waiting (with a note on stderr) while the server cannot be
/// reached; a refused login or TLS handshake fails at once. `None` when a
/// stop was requested while waiting.
pub async fn connect(args: &NatsArgs, status: &mut Status, stop: &mut Stop) -> Result<Option<Client>, Failure> {
    let opts = options(args)?;
    persist(status, stop, async || {
        match opts.clone().connect(args.nats.as_str()).await {
            Ok(client) => Ok(client),
            Err(e)
                if matches!(e.kind(), ConnectErrorKind::Io | ConnectErrorKind::TimedOut)
                    && !is_handshake_failure(&e) =>
            {
                Err(Trouble::Transient(e.to_string()))
            }
            Err(e) => Err(Trouble::Fatal(Failure::Remote(format!(
                "connecting to {}: {e}",
                args.nats
            )))),
        }
    })
    .await
}

/// A TLS handshake the server or the bridge rejected (an unknown issuer, a
/// wrong name): the client reports it as I/O, but waiting does not fix it.
fn is_handshake_failure(e: &ConnectError) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::InvalidData)
        {
            return true;
        }
        source = s.source();
    }
    false
}
