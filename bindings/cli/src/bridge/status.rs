//! What a running bridge tells its user: a progress line when stderr is a
//! terminal, one stderr line per pause and resume, and whether it was asked
//! to stop.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::watch;

use crate::exit::Failure;

/// The progress line (terminal only) and the notes printed around it.
pub struct Status {
    bar: Option<ProgressBar>,
    paused: bool,
}

impl Status {
    pub fn new(label: &'static str) -> Status {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{prefix}: {human_pos} messages, {per_sec}") {
                bar.set_style(style);
            }
            bar.set_prefix(label);
            bar.tick();
            bar
        });
        Status { bar, paused: false }
    }

    pub fn advance(&self, messages: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(messages);
        }
    }

    /// One line on stderr, with the progress line cleared around it.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Says once that the bridge waits for the server, and why.
    pub fn pause(&mut self, why: &str) {
        if !self.paused {
            self.note(&format!(
                "vqueue bridge: paused, the server is unavailable ({why}); retrying until it is back"
            ));
            self.paused = true;
        }
    }

    /// Says that the bridge moves again, if it had said it paused.
    pub fn resume(&mut self) {
        if self.paused {
            self.note("vqueue bridge: resumed");
            self.paused = false;
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish();
        }
    }
}

/// Becomes true on SIGINT or SIGTERM; the bridge stops at its next safe point.
#[derive(Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Installs the signal handlers; must run inside the runtime.
    pub fn on_signals() -> std::io::Result<Stop> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            let _ = tx.send(true);
        });
        Ok(Stop(rx))
    }

    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Sleeps for `d`; false when a stop was requested meanwhile.
    pub async fn sleep(&mut self, d: Duration) -> bool {
        let slept = tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = self.0.wait_for(|stop| *stop) => false,
        };
        slept && !self.requested()
    }

    /// Runs `fut` unless a stop is requested first.
    pub async fn until<F: std::future::Future>(&mut self, fut: F) -> Option<F::Output> {
        if self.requested() {
            return None;
        }
        tokio::select! {
            out = fut => Some(out),
            _ = self.0.wait_for(|stop| *stop) => None,
        }
    }
}

/// Delay before the next try after `attempt` failures in a row: short at
/// first so a brief outage costs little, at most a second so the bridge
/// notices a returning server quickly.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((50u64 << attempt.min(5)).min(1000))
}

/// Why one attempt at talking to the server failed.
pub enum Trouble {
    /// The server is away or not answering: wait and try again.
    Transient(String),
    /// Trying again cannot help (refused, misconfigured).
    Fatal(Failure),
}

/// Runs `op` until it succeeds, pausing (said once on stderr) while it fails
/// with a transient trouble and saying so when it succeeds again. `None`
/// when a stop was requested before it succeeded. The first attempt runs to
/// its end even when a stop comes meanwhile (every operation is bounded by a
/// timeout), so a stop in the middle of a healthy exchange finishes it.
pub async fn persist<T>(
    status: &mut Status,
    stop: &mut Stop,
    mut op: impl AsyncFnMut() -> Result<T, Trouble>,
) -> Result<Option<T>, Failure> {
    let mut attempt = 0;
    loop {
        let outcome = if attempt == 0 {
            Some(op().await)
        } else {
            stop.until(op()).await
        };
        match outcome {
            None => return Ok(None),
            Some(Ok(value)) => {
                status.resume();
                return Ok(Some(value));
            }
            Some(Err(Trouble::Fatal(failure))) => return Err(failure),
            Some(Err(Trouble::Transient(why))) => {
                status.pause(&why);
                if !stop.sleep(backoff(attempt)).await {
                    return Ok(None);
                }
                attempt += 1;
            }
        }
    }
}
