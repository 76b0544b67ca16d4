//! Progress of a scan on stderr: files analysed out of those found, and the
//! phase. The scan counts into a [`Counter`]; a [`Display`] thread paints
//! one line from it, only after the scan has lasted a moment (a quick scan
//! prints nothing) and only when the command line asked for it (stderr is a
//! terminal, the output is for people). Hand-written: one line of `\r` and an
//! erase sequence does not need a progress-bar crate.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

/// What the scan is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Finding files and analysing each on its own.
    Files = 0,
    /// Following imports, routes and guards across files; project rules.
    Project = 1,
}

/// Counts shared between the scan and the display.
#[derive(Debug, Default)]
pub struct Counter {
    found: AtomicUsize,
    analysed: AtomicUsize,
    phase: AtomicU8,
}

impl Counter {
    /// A source file was found and queued for analysis.
    pub fn found(&self) {
        self.found.fetch_add(1, Ordering::Relaxed);
    }

    /// A queued file's analysis ended (analysed, prefiltered or skipped).
    pub fn analysed(&self) {
        self.analysed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn enter(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// The line shown for the counts as they are now.
    pub fn line(&self) -> String {
        let (analysed, found) = (self.analysed.load(Ordering::Relaxed), self.found.load(Ordering::Relaxed));
        if self.phase.load(Ordering::Relaxed) == Phase::Project as u8 {
            format!("following routes and imports across {found} files")
        } else {
            format!("analysing files: {analysed}/{found}")
        }
    }
}

/// The thread that paints the progress line; dropping it erases the line.
pub struct Display {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

/// How long a scan runs before its progress shows.
pub const DELAY: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(80);

impl Display {
    /// Paints `counter` on stderr every tick once `delay` has passed.
    pub fn start(counter: Arc<Counter>, delay: Duration) -> Display {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let started = std::time::Instant::now();
            let mut shown = false;
            for tick in 0usize.. {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                if started.elapsed() >= delay {
                    shown = true;
                    // `\x1b[2K` erases the previous, possibly longer, line.
                    let line = format!("\r\x1b[2K{} {}", FRAMES[tick % FRAMES.len()], counter.line());
                    let mut stderr = std::io::stderr().lock();
                    let _ = stderr.write_all(line.as_bytes()).and_then(|_| stderr.flush());
                }
                std::thread::sleep(TICK);
            }
            if shown {
                let _ = std::io::stderr().lock().write_all(b"\r\x1b[2K");
            }
        });
        Display { stop, handle: Some(handle) }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The delay before progress shows: [`DELAY`], or `CUSTODIA_PROGRESS_DELAY_MS`
/// (the tests set it to 0 to see progress on a quick scan).
pub fn delay() -> Duration {
    std::env::var("CUSTODIA_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .map_or(DELAY, Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_the_counts_and_the_phase() {
        let counter = Counter::default();
        counter.found();
        counter.found();
        counter.analysed();
        assert_eq!(counter.line(), "analysing files: 1/2");
        counter.enter(Phase::Project);
        assert_eq!(counter.line(), "following routes and imports across 2 files");
    }
}
