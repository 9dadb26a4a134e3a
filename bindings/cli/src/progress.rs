//! Progress bar for the whole-queue scans (`verify`, `repair`).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vqueue_core::Progress;

/// Below this many bytes a scan ends before a bar would be worth drawing.
const LARGE_QUEUE_BYTES: u64 = 16 * 1024 * 1024;

/// Draws a bar on stderr once a scan turns out to be large; never when stderr
/// is not a terminal, so logs and pipes stay clean.
pub struct ScanProgress {
    label: &'static str,
    enabled: bool,
    bar: Option<ProgressBar>,
}

impl ScanProgress {
    pub fn new(label: &'static str) -> ScanProgress {
        ScanProgress {
            label,
            enabled: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    pub fn update(&mut self, p: Progress) {
        if !self.enabled || p.total_bytes < LARGE_QUEUE_BYTES {
            return;
        }
        let label = self.label;
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(p.total_bytes), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label);
            bar
        });
        bar.set_length(p.total_bytes);
        bar.set_position(p.done_bytes);
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
