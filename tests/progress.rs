//! Progress on stderr: files analysed out of those found, and the phase, on
//! a terminal only. Piped, or with a machine-readable format, not a byte of
//! it. `CUSTODIA_PROGRESS_DELAY_MS=0` shows it even on a quick scan; the
//! terminal is a pseudo-terminal from `script` (util-linux).

#[path = "common/tools.rs"]
mod tools;

use std::path::Path;
use std::process::{Command, Output};

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ai-support-desk").to_string_lossy().into_owned()
}

fn progress_bytes(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
    text.contains('\r') || text.contains("\x1b[2K") || text.contains("analysing files") || text.contains("across")
}

#[test]
fn piped_stderr_gets_no_progress() {
    for format in ["text", "json", "markdown"] {
        let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
            .args(["scan", &example(), "--format", format])
            .env("CUSTODIA_PROGRESS_DELAY_MS", "0")
            .output()
            .expect("custodia runs");
        assert_eq!(output.status.code(), Some(1));
        assert!(!progress_bytes(&output.stderr), "{format}: {:?}", String::from_utf8_lossy(&output.stderr));
    }
}

/// Runs custodia with stdin, stdout and stderr on a pseudo-terminal.
fn on_a_terminal(args: &str) -> Output {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_custodia"));
    Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .env("CUSTODIA_PROGRESS_DELAY_MS", "0")
        .env("NO_COLOR", "1")
        .output()
        .expect("script runs")
}

#[test]
fn a_terminal_gets_progress_for_text_output_and_none_for_json() {
    if !tools::require("the progress test", "script", "--version", "apt-get install bsdutils") {
        return;
    }
    let shown = on_a_terminal(&format!("scan {} --color never", example()));
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("analysing files: ") || text.contains("following routes"), "{text:?}");
    // The line is erased before the output: the findings follow a clean line.
    assert!(text.contains("\r\x1b[2K"), "{text:?}");
    assert!(text.contains("maps to SOC 2"), "{text:?}");

    let json = on_a_terminal(&format!("scan {} --format json", example()));
    let json = String::from_utf8_lossy(&json.stdout);
    assert!(!json.contains("analysing files") && !json.contains('\u{280b}'), "{json:?}");

    let quiet = on_a_terminal(&format!("scan {} --quiet", example()));
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("analysing files"));
}
