//! Where an analysis's time goes, phase by phase, for the editor benchmark
//! (`scripts/edit-latency.py`): one line on stderr per analysis when
//! `CUSTODIA_LSP_TIMINGS` is set. Off by default, and then it costs one
//! check of a cached flag: stderr is the editor's log, not a place for noise.
//! With it, the publisher also says, per open document version, whether it
//! sent diagnostics or had nothing new to send ([`published`]).

use std::sync::OnceLock;
use std::time::Instant;

/// Writes `custodia-publish version=N sent=0|1 path=...` to stderr when
/// timings were asked for: the publisher handled the diagnostics of that
/// version of an open document, and sent them (1) or found them equal to
/// what the editor has (0: nothing is published). The benchmark's signal
/// for an edit that changes no diagnostic.
pub fn published(path: &str, version: i32, sent: bool) {
    if enabled() {
        eprintln!("custodia-publish version={version} sent={} path={path}", u8::from(sent));
    }
}

/// The phases of one analysis, timed from its start.
pub struct Phases {
    started: Instant,
    last: Instant,
    marks: Vec<(&'static str, f64)>,
}

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("CUSTODIA_LSP_TIMINGS").is_some())
}

impl Phases {
    /// `None` unless timings were asked for.
    pub fn start() -> Option<Phases> {
        enabled().then(|| {
            let now = Instant::now();
            Phases { started: now, last: now, marks: Vec::new() }
        })
    }

    /// Ends the phase named `name` now.
    pub fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.marks.push((name, (now - self.last).as_secs_f64() * 1000.0));
        self.last = now;
    }

    /// Adds a phase measured elsewhere (inside the workspace).
    pub fn add(&mut self, name: &'static str, ms: f64) {
        self.marks.push((name, ms));
    }

    /// Writes `custodia-timings phase=ms ... total=ms` to stderr.
    pub fn report(self) {
        let mut line = String::from("custodia-timings");
        for (name, ms) in &self.marks {
            line.push_str(&format!(" {name}={ms:.3}"));
        }
        line.push_str(&format!(" total={:.3}", self.started.elapsed().as_secs_f64() * 1000.0));
        eprintln!("{line}");
    }
}
