//! Progress on stderr for long scans: files and bytes scanned and the rate.
//!
//! The scan only bumps two atomic counters once per file ([`Counters`]); a separate thread
//! reads them and draws with `indicatif`. Nothing is drawn unless stderr is a terminal, and
//! nothing before the scan has run for [`DELAY`], so short scans and piped output never
//! see it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a scan runs before progress appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// How often the display refreshes.
const TICK: Duration = Duration::from_millis(120);

/// Files and bytes scanned so far; updated with relaxed atomics, once per file.
#[derive(Debug, Default)]
pub struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    /// How many files (or blobs) there are in all, when known in advance; 0 if not.
    pub total: AtomicU64,
}

/// Whether progress should be shown: stderr is a terminal and the user did not ask for quiet.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A running progress display. Dropping it (or [`Progress::finish`]) erases it.
#[derive(Debug)]
pub struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Does nothing: for when progress is not wanted.
    pub fn none() -> Progress {
        Progress {
            stop: None,
            thread: None,
        }
    }

    /// Starts a display of `counters` on stderr that appears after `delay` unless finished
    /// by then. `what` names the work ("scanning").
    pub fn start(counters: Arc<Counters>, delay: Duration, what: &'static str) -> Progress {
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("akscan-progress".into())
            .spawn(move || {
                match rx.recv_timeout(delay) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(
                    "{spinner} {prefix} {msg}, {binary_bytes} ({binary_bytes_per_sec}) {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
                bar.set_style(style);
                bar.set_prefix(what);
                loop {
                    let files = counters.files.load(Ordering::Relaxed);
                    bar.set_position(counters.bytes.load(Ordering::Relaxed));
                    let total = counters.total.load(Ordering::Relaxed);
                    if total > 0 {
                        bar.set_message(format!("{files}/{total}"));
                    } else {
                        bar.set_message(format!(
                            "{files} file{}",
                            if files == 1 { "" } else { "s" }
                        ));
                    }
                    bar.tick();
                    match rx.recv_timeout(TICK) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => break,
                    }
                }
                bar.finish_and_clear();
            })
            .ok();
        Progress {
            stop: Some(tx),
            thread,
        }
    }

    /// Stops and erases the display; returns once the terminal line is clean.
    pub fn finish(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_now();
    }
}
