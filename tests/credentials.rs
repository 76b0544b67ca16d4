//! No credential in a remote URL reaches anything custodia writes: CI clones
//! with a token in `origin` (`https://x-access-token:<token>@github.com/…`,
//! GitLab's `gitlab-ci-token:<token>@`), and the report, the history, the
//! SARIF and JSON files travel to auditors, dashboards and the repository.
//! Each output is produced from a repository whose `origin` carries a token,
//! and searched for it.

mod common;

use std::path::Path;
use std::process::Command;

#[cfg(feature = "pdf")]
#[path = "common/tools.rs"]
mod tools;

const SECRET: &str = "ghp_secret123";
const GITLAB_SECRET: &str = "glcbt-64_Zx9secret";

/// A small project with a finding and a suppression, in a git repository
/// whose `origin` is `remote`.
fn project(remote: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("app/api/chat/route.ts");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("dirs");
    std::fs::write(
        &file,
        r#"import OpenAI from "openai";
const openai = new OpenAI();
export async function POST(req: Request) {
  const { question } = await req.json();
  // custodia-ignore[missing-failure-path]: the platform answers 503 (owner: @alice, due: 2027-03-31)
  const r = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: question }] });
  return Response.json(r);
}
"#,
    )
    .expect("write");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "init"],
        &["remote", "add", "origin", remote],
    ] {
        common::git(dir.path(), args);
    }
    dir
}

fn custodia(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(args)
        .arg(dir)
        .env("SOURCE_DATE_EPOCH", "1795737600")
        .output()
        .expect("custodia runs");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{:?}: {}", args, String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(SECRET), "stderr of {args:?}");
    out.stdout
}

fn assert_clean(what: &str, text: &str, secret: &str) {
    assert!(!text.contains(secret), "{what} carries the token:\n{text}");
    assert!(!text.contains("alice:") && !text.contains("gitlab-ci-token"), "{what} carries a user name:\n{text}");
}

#[test]
fn the_markdown_and_html_reports_name_the_repository_without_its_token() {
    let dir = project(&format!("https://alice:{SECRET}@github.com/acme/app.git"));
    let md = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", "markdown"])).expect("UTF-8");
    assert_clean("the Markdown report", &md, SECRET);
    assert!(md.contains("| Repository | https://github.com/acme/app.git |"), "{md}");
    let html = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", "html"])).expect("UTF-8");
    assert_clean("the HTML report", &html, SECRET);
    assert!(html.contains("https://github.com/acme/app.git"), "{html}");
}

#[test]
fn gitlab_ci_clones_leave_no_token_either() {
    let dir = project(&format!("https://gitlab-ci-token:{GITLAB_SECRET}@gitlab.com/acme/app.git"));
    let md = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", "markdown"])).expect("UTF-8");
    assert_clean("the Markdown report", &md, GITLAB_SECRET);
    assert!(md.contains("| Repository | https://gitlab.com/acme/app.git |"), "{md}");
    let sarif = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", "sarif"])).expect("UTF-8");
    assert_clean("the SARIF file", &sarif, GITLAB_SECRET);
}

#[test]
fn an_ssh_remote_keeps_its_git_user() {
    // `git@` is the address of an ssh remote, not a credential.
    let dir = project("git@github.com:acme/app.git");
    let md = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", "markdown"])).expect("UTF-8");
    assert!(md.contains("| Repository | git@github.com:acme/app.git |"), "{md}");
}

#[test]
fn sarif_provenance_json_and_text_carry_no_token() {
    let dir = project(&format!("https://alice:{SECRET}@github.com/acme/app.git"));
    let sarif = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", "sarif"])).expect("UTF-8");
    assert_clean("the SARIF file", &sarif, SECRET);
    let value: serde_json::Value = serde_json::from_str(&sarif).expect("JSON");
    let provenance = &value["runs"][0]["versionControlProvenance"][0];
    assert_eq!(provenance["repositoryUri"], "https://github.com/acme/app.git", "{provenance}");
    assert!(provenance["revisionId"].as_str().is_some_and(|c| c.len() == 40), "{provenance}");
    for format in ["json", "text"] {
        let out = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", format])).expect("UTF-8");
        assert_clean(format, &out, SECRET);
    }
}

#[test]
fn the_history_and_the_reports_register_carry_no_token() {
    let dir = project(&format!("https://alice:{SECRET}@github.com/acme/app.git"));
    custodia(dir.path(), &["scan", "--quiet", "--record", "--format", "json"]);
    let out = tempfile::tempdir().expect("temp dir");
    let html = out.path().join("evidence.html");
    let status = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("report")
        .arg(dir.path())
        .arg("-o")
        .arg(&html)
        .env("SOURCE_DATE_EPOCH", "1795824000")
        .output()
        .expect("runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    assert_clean("the report file", &std::fs::read_to_string(&html).expect("report"), SECRET);
    for file in [".custodia/history.jsonl", ".custodia/reports.jsonl"] {
        let text = std::fs::read_to_string(dir.path().join(file)).expect(file);
        assert_clean(file, &text, SECRET);
    }
    for format in ["text", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
            .args(["history", "--format", format])
            .current_dir(dir.path())
            .output()
            .expect("runs");
        assert_clean("custodia history", &String::from_utf8_lossy(&out.stdout), SECRET);
    }
}

#[cfg(feature = "pdf")]
#[test]
fn the_pdf_report_carries_no_token() {
    if !tools::require("the_pdf_report_carries_no_token", "pdftotext", "-v", "apt install poppler-utils") {
        return;
    }
    let dir = project(&format!("https://alice:{SECRET}@github.com/acme/app.git"));
    let out = tempfile::tempdir().expect("temp dir");
    let pdf = out.path().join("evidence.pdf");
    let status = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("report")
        .arg(dir.path())
        .arg("-o")
        .arg(&pdf)
        .arg("--no-record")
        .env("SOURCE_DATE_EPOCH", "1795737600")
        .output()
        .expect("runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()), "the token is in the PDF's bytes");
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert_clean("the PDF report", &text, SECRET);
    assert!(text.contains("https://github.com/acme/app.git"), "{text}");
}

#[test]
fn a_plan_cited_with_credentials_in_its_url_is_cited_without_them() {
    let dir = project("https://github.com/acme/app.git");
    std::fs::write(
        dir.path().join("custodia.toml"),
        "[evidence]\nincident_response = \"https://bob:wikitoken99@wiki.acme.test/ai-incidents\"\n",
    )
    .expect("config");
    for format in ["markdown", "html", "json", "sarif", "text"] {
        let out = String::from_utf8(custodia(dir.path(), &["scan", "--quiet", "--format", format])).expect("UTF-8");
        assert!(!out.contains("wikitoken99") && !out.contains("bob:"), "{format} carries the wiki's token:\n{out}");
        if format == "markdown" {
            assert!(out.contains("https://wiki.acme.test/ai-incidents"), "the plan is still cited:\n{out}");
        }
    }
}
