//! The PDF evidence report, read back the way an auditor's tools read it:
//! `pdftotext` (poppler-utils, installed by `.ci/run`) finds the commit,
//! every criterion, a known gap at its file:line and a known piece of
//! evidence; two renders with the same SOURCE_DATE_EPOCH are the same bytes;
//! the SHA-256 printed is the file's and is recorded; a logo is embedded; a
//! bad logo is a clear error. Without poppler-utils the tests that read the
//! PDF back fail and name the install command (tests/common/tools.rs).
#![cfg(feature = "pdf")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "common/tools.rs"]
mod tools;

const POPPLER_INSTALL: &str = "apt install poppler-utils";

const EPOCH: &str = "1795737600"; // 2026-11-27T00:00:00Z

/// The Next.js fixture in its own git repository (so the commit is known),
/// branded through custodia.toml.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nextjs-app"), dir.path());
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/logo.png"), dir.path().join("logo.png"))
        .expect("logo");
    std::fs::write(
        dir.path().join("custodia.toml"),
        "[report]\norganization = \"Acme Support\"\nsystem = \"Support assistant\"\nlogo = \"logo.png\"\n\n[report.controls]\n\"CC6.1\" = \"Every inference route requires a signed-in user (Clerk).\"\n",
    )
    .expect("config");
    for args in [&["init", "-q", "-b", "main"][..], &["add", "-A"], &["commit", "-q", "-m", "init"]] {
        common::git(dir.path(), args);
    }
    dir
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("dir");
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn report(dir: &Path, output: &Path, extra: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("report")
        .arg(dir)
        .arg("-o")
        .arg(output)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .expect("custodia runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext").arg(pdf).arg("-").output().unwrap_or_else(|err| {
        panic!("pdftotext is needed for this test (apt install poppler-utils; .ci/run installs it): {err}")
    });
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn head(dir: &Path) -> String {
    let out = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(dir).output().expect("git");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn output_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("evidence.pdf");
    (dir, path)
}

#[test]
fn the_pdf_carries_what_an_auditor_reads() {
    if !tools::require("the_pdf_carries_what_an_auditor_reads", "pdftotext", "-v", POPPLER_INSTALL) {
        return;
    }
    let project = project();
    let (_out, pdf) = output_dir();
    report(project.path(), &pdf, &["--no-record"]);
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);
    // Identification: the commit scanned, the time, the organisation.
    assert!(text.contains(&head(project.path())), "no commit SHA in:\n{text}");
    assert!(text.contains("2026-11-27T00:00:00Z"));
    assert!(text.contains("Acme Support — Support assistant"));
    // Every criterion has its section heading.
    for heading in [
        "SOC 2 CC6.1 — Logical access security",
        "SOC 2 CC6.2 — User registration and authorization",
        "SOC 2 CC6.7 — Data in transit",
        "SOC 2 CC6.8 — Unauthorized or malicious software",
        "SOC 2 CC7.1 — Vulnerability and configuration monitoring",
        "SOC 2 CC7.2 — Anomaly and security-event monitoring",
        "SOC 2 CC7.4 — Incident response",
        "SOC 2 CC9.2 — Vendor and business-partner risk",
        "SOC 2 A1.1 — Capacity management",
        "SOC 2 A1.2 — Recovery",
    ] {
        assert!(text.contains(heading), "no heading `{heading}` in:\n{text}");
    }
    // A known gap at its file:line, and a known piece of evidence.
    assert!(text.contains("inference-without-auth at app/api/chat/route.ts:10"), "{text}");
    assert!(text.contains("hardcoded-provider-key at lib/env.ts:8"), "{text}");
    assert!(text.contains("app/playground/actions.ts:10"), "{text}");
    assert!(text.contains("auth() covers server action tryPrompt"), "{text}");
    // The organisation's control statement and the honest mapping.
    assert!(text.contains("Every inference route requires a signed-in user (Clerk)."));
    assert!(text.contains("maps to") || text.contains("map to"));
    assert!(!text.to_lowercase().contains("is compliant"));
    // Page furniture: the footer numbers the pages.
    let pages = text.matches("Page 1 of ").count();
    assert_eq!(pages, 1, "one first page");
}

#[test]
fn same_commit_and_epoch_give_the_same_pdf_bytes() {
    let project = project();
    let (_out, pdf) = output_dir();
    // The same command twice (the output's name is part of the command
    // the report says reproduces it).
    report(project.path(), &pdf, &["--no-record"]);
    let first = std::fs::read(&pdf).expect("first");
    report(project.path(), &pdf, &["--no-record"]);
    let second = std::fs::read(&pdf).expect("second");
    assert!(first == second, "two renders of the same commit at the same SOURCE_DATE_EPOCH differ");
}

#[test]
fn the_printed_sha256_is_the_files_and_is_recorded() {
    use sha2::Digest;
    let project = project();
    let (_out, pdf) = output_dir();
    let out = report(project.path(), &pdf, &[]);
    let digest: String =
        sha2::Sha256::digest(std::fs::read(&pdf).expect("pdf")).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{digest}  {}\n", pdf.display()));
    let register = std::fs::read_to_string(project.path().join(".custodia/reports.jsonl")).expect("register");
    let line: serde_json::Value = serde_json::from_str(register.trim()).expect("one JSON line");
    assert_eq!(line["sha256"], digest.as_str());
    assert_eq!(line["format"], "pdf");
    assert_eq!(line["commit"], head(project.path()).as_str());
    assert_eq!(line["time"], "2026-11-27T00:00:00Z");
    assert!(line["id"].as_str().is_some_and(|id| id.starts_with("CUS-")));
}

#[test]
fn the_logo_is_embedded_and_a_broken_one_is_a_clear_error() {
    if !tools::require("the_logo_is_embedded_and_a_broken_one_is_a_clear_error", "pdfimages", "-v", POPPLER_INSTALL) {
        return;
    }
    let project = project();
    let (_out, pdf) = output_dir();
    report(project.path(), &pdf, &["--no-record"]);
    let images = Command::new("pdfimages").arg("-list").arg(&pdf).output().expect("pdfimages (poppler-utils)");
    let listing = String::from_utf8_lossy(&images.stdout);
    assert!(listing.lines().any(|l| l.contains(" 160 ") && l.contains(" 40 ")), "no 160x40 logo in:\n{listing}");

    std::fs::write(project.path().join("logo.png"), b"not an image").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("report")
        .arg(project.path())
        .arg("-o")
        .arg(&pdf)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("logo.png") && stderr.contains("PNG or JPEG"), "{stderr}");
}

#[test]
fn scan_writes_a_pdf_to_a_pipe_but_not_to_a_terminal() {
    let project = project();
    let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--quiet", "--format", "pdf"])
        .arg(project.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "findings: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.starts_with(b"%PDF-"));
    assert!(out.stdout.trim_ascii_end().ends_with(b"%%EOF"), "a whole PDF");
}

#[test]
fn gaps_link_to_their_line_at_the_commit() {
    let project = project();
    let remote = ["remote", "add", "origin", "https://alice:ghp_secret123@github.com/acme/app.git"];
    let out = Command::new("git").args(remote).current_dir(project.path()).output().expect("git");
    assert!(out.status.success());
    let (_out, pdf) = output_dir();
    report(project.path(), &pdf, &["--no-record"]);
    let bytes = std::fs::read(&pdf).expect("pdf");
    let text = String::from_utf8_lossy(&bytes);
    let link = format!("/URI(https://github.com/acme/app/blob/{}/app/api/chat/route.ts#L10)", head(project.path()));
    assert!(text.contains(&link), "no link annotation {link}");
    assert!(!text.contains("ghp_secret123"));
}
