//! The names and waits of custodia's side of the protocol: the commands it
//! registers, and how long it waits for the editor. Shared by the handlers
//! (`server.rs`), the session that runs the analysis and the code actions,
//! so that none of them imports another for a constant.

/// Runs a scan of the whole workspace and publishes its findings.
pub const SCAN_WORKSPACE: &str = "custodia.scanWorkspace";
/// Writes the evidence report (`write_report.rs`).
pub const WRITE_REPORT: &str = "custodia.writeReport";
/// Moves the editor's cursor after a quick fix placed a placeholder.
pub const PLACE_CURSOR: &str = "custodia.placeCursor";

/// How long the server waits for the editor to answer one of its own
/// requests (a progress token, a registration, a refresh) before going on
/// without it: an editor that never answers must not stall indexing or
/// publishing.
pub const CLIENT_ANSWER: std::time::Duration = std::time::Duration::from_secs(5);
