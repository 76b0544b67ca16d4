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
