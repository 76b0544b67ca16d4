//! External programs some tests drive (Neovim, poppler-utils). A test whose
//! program is missing must not pass as if it had run: it fails and names the
//! command that installs the program. On a developer's machine,
//! `CUSTODIA_SKIP_MISSING_TOOLS=1` turns that failure into a skip, announced
//! on the terminal (past the test harness's capture, so it shows without
//! `--nocapture`). In CI (`CI` set, as `.ci/run` does, which installs every
//! program) the opt-out is ignored: there the tests always run.
//!
//! Included with `#[path = "common/tools.rs"] mod tools;` by the tests that
//! need it (it does not depend on the rest of `common`).

use std::io::{ErrorKind, Write};
use std::process::Command;

/// The opt-out, as the failure message and README.md name it.
pub const SKIP_VAR: &str = "CUSTODIA_SKIP_MISSING_TOOLS";

/// Whether this is a CI run (the convention CI services and insta follow:
/// `CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// `true` when `program` can be started (`probe` is an argument it accepts
/// harmlessly, such as `--version`). When it cannot: panics with `install`,
/// or, under the opt-out outside CI, prints that `test` was skipped and
/// returns `false` (the caller returns).
pub fn require(test: &str, program: &str, probe: &str, install: &str) -> bool {
    let error = match Command::new(program).arg(probe).output() {
        Ok(_) => return true,
        Err(err) if err.kind() == ErrorKind::NotFound => format!("`{program}` is not installed"),
        Err(err) => format!("`{program}` cannot be started ({err})"),
    };
    let opted_out = std::env::var_os(SKIP_VAR).is_some_and(|v| !v.is_empty() && v != "0");
    if in_ci() {
        panic!("{error}: CI must run {test}; install it with `{install}` (.ci/run does)");
    }
    if !opted_out {
        panic!(
            "{error}: {test} needs it. Install it with `{install}`, or set {SKIP_VAR}=1 to skip the tests that need it"
        );
    }
    // Straight to the process's stderr: `eprintln!` would be captured and
    // shown only with --nocapture, and the run would look complete.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {error} ({SKIP_VAR} is set; install: `{install}`)");
    false
}
