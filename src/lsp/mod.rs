//! `custodia lsp`: the scanner kept warm in the editor.
//!
//! The same engine and configuration as `custodia scan`, fed one edit at a
//! time: documents are ropes with incrementally reparsed trees
//! ([`crate::document`]), the project is a [`crate::workspace::Workspace`]
//! that redoes only what a change touches, and findings become diagnostics
//! tagged with the criterion they map to; their quick fixes are computed
//! when a code action asks for them, from the current analysis.

mod actions;
mod convert;
mod hover;
mod protocol;
mod server;
mod session;
mod settings;
mod timings;
mod transport;
mod write_report;

pub use protocol::{PLACE_CURSOR, SCAN_WORKSPACE, WRITE_REPORT};
pub use server::Server;
pub use settings::{Scope, Settings};
pub use transport::serve;

/// Runs work that analyses user code off the async threads, on a thread
/// with the analysis stack ([`crate::limits::ANALYSIS_STACK_SIZE`]),
/// whatever runtime the server was started in (the stdio server's, or a
/// host's or a test's with default stacks).
pub(crate) fn spawn_analysis<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    tokio::task::spawn_blocking(move || crate::limits::on_large_stack(work))
}

/// Serves the protocol over stdin and stdout until the client exits.
pub fn serve_stdio() -> std::io::Result<()> {
    cap_malloc_arenas(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Analyses run on the blocking threads: room for the configured nesting depth.
        .thread_stack_size(crate::limits::ANALYSIS_STACK_SIZE)
        .build()?;
    runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // After `exit` the reader of stdin may still be blocked in a read (some
    // clients never close it): do not wait for it.
    runtime.shutdown_background();
    Ok(())
}

/// glibc gives a thread that allocates while another holds the allocator's
/// lock an arena of its own (up to eight per core) and keeps what is freed
/// in each. Analyses run on whichever blocking thread is free, so a
/// long-lived server ends up holding freed memory in many arenas: on a
/// 5,000-line Python document, 200 edits left it 14 MB above what it held
/// once the document was open, 8 MB with one arena per core
/// (`scripts/edit-latency.py`, docs/PERFORMANCE.md). `MALLOC_ARENA_MAX`, when
/// set, is left to decide.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cap_malloc_arenas(cores: usize) {
    const M_ARENA_MAX: std::ffi::c_int = -8;
    unsafe extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let arenas = std::ffi::c_int::try_from(cores.max(1)).unwrap_or(8);
    // SAFETY: `mallopt` sets one of glibc's allocator tunables; it is
    // called here before the runtime starts its threads.
    unsafe {
        mallopt(M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn cap_malloc_arenas(_: usize) {}
