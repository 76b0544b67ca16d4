//! The evidence report as Markdown and HTML: what an auditor needs is in it
//! (identification, every criterion, a known gap with its file:line and code,
//! a known piece of evidence, the inventory, the exceptions with their
//! justification), text from the code is never interpreted as HTML, and the
//! same input with the same SOURCE_DATE_EPOCH gives the same bytes.

mod common;

use std::path::Path;
use std::process::Command;

fn report(path: &Path, format: &str, epoch: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--quiet", "--format", format])
        .arg(path)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("custodia runs");
    assert!(output.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// A small project in its own git repository (so the commit is known).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, text).expect("write");
    };
    write(
        "custodia.toml",
        "[report]\norganization = \"Acme Support\"\nsystem = \"Support assistant\"\n\n[report.controls]\n\"CC6.1\" = \"Every inference route requires a signed-in user (Clerk).\"\n",
    );
    write(
        "app/api/chat/route.ts",
        r#"import OpenAI from "openai";
import { auth } from "@clerk/nextjs/server";

const openai = new OpenAI({ timeout: 20_000 });

export async function POST(req: Request) {
  const { userId } = await auth();
  if (!userId) {
    return new Response("Unauthorized", { status: 401 });
  }
  const { question } = await req.json();
  // custodia-ignore[missing-failure-path]: the platform's error boundary answers 503 and pages on-call
  const completion = await openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: question }],
  });
  return Response.json({ answer: completion.choices[0].message.content });
}
"#,
    );
    // A route path with markup in it: shown, never interpreted.
    write(
        "app/api/<script>alert(1)<\\script>/route.ts",
        "import OpenAI from \"openai\";\nconst openai = new OpenAI();\nexport async function GET() {\n  const r = await openai.responses.create({ model: \"gpt-4o\", input: \"hi\" });\n  return Response.json(r);\n}\n",
    );
    let git = |args: &[&str]| common::git(dir.path(), args);
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "init"]);
    dir
}

fn head(dir: &Path) -> String {
    let out = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(dir).output().expect("git");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn markdown_report_has_what_an_auditor_reads() {
    let dir = project();
    let md = report(dir.path(), "markdown", "1795737600");
    let commit = head(dir.path());
    assert!(md.contains("**Acme Support — Support assistant**"), "{md}");
    assert!(md.contains(&format!("| Commit | `{commit}` |")), "{md}");
    assert!(md.contains("| Generated (UTC) | 2026-11-27T00:00:00Z |"));
    assert!(md.contains("| Working tree | clean |"));
    assert!(md.contains(&format!("git checkout {commit} && custodia scan")));
    for criterion in ["CC6.1", "CC6.2", "CC6.7", "CC6.8", "CC7.1", "CC7.2", "CC7.4", "CC9.2", "A1.1", "A1.2"] {
        assert!(md.contains(&format!("### SOC 2 {criterion} — ")), "no section for {criterion}");
        assert!(md.contains(&format!("| SOC 2 {criterion} ")), "no summary row for {criterion}");
    }
    // The organisation's own control statement.
    assert!(md.contains("**The organisation's control:** Every inference route requires a signed-in user (Clerk)."));
    // Evidence in place, with file:line.
    assert!(md.contains("| `app/api/chat/route.ts:7` | auth-guard |"), "{md}");
    // A gap with its location, code and fix.
    assert!(md.contains("`missing-token-cap` at `app/api/chat/route.ts:13`"), "{md}");
    assert!(md.contains("13 |   const completion = await openai.chat.completions.create({"), "{md}");
    // The exception register keeps the justification.
    assert!(md.contains("| `missing-failure-path` | `app/api/chat/route.ts:13` | the platform's error boundary answers 503 and pages on-call |"), "{md}");
    assert!(md.contains("| OpenAI | openai | gpt-4o, gpt-4o-mini |"), "{md}");
    assert!(md.contains("maps to") && !md.to_lowercase().contains("is compliant"));
}

#[test]
fn html_report_is_self_contained_and_escapes_the_code() {
    let dir = project();
    let html = report(dir.path(), "html", "1795737600");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("thead { display: table-header-group; }"));
    // No external asset, no script.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)"), "the path is shown as text");
    assert!(html.contains("<h3>SOC 2 CC6.1 — Logical access security</h3>"));
    assert!(html.contains("<table>") && html.contains("<th>Criterion</th>"));
}

#[test]
fn same_commit_and_epoch_give_the_same_bytes() {
    let dir = project();
    for format in ["markdown", "html"] {
        let first = report(dir.path(), format, "1795737600");
        let second = report(dir.path(), format, "1795737600");
        assert_eq!(first, second, "{format}");
        let later = report(dir.path(), format, "1795824000");
        assert_ne!(first, later, "the timestamp (and the report id) follow SOURCE_DATE_EPOCH");
    }
}

#[test]
fn recorded_scans_appear_in_the_report_and_a_broken_chain_is_flagged() {
    let dir = project();
    let md = report(dir.path(), "markdown", "1795737600");
    assert!(md.contains("No scan is recorded in `.custodia/history.jsonl`"), "{md}");
    for epoch in ["1795737600", "1795824000"] {
        let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
            .args(["scan", "--quiet", "--record", "--format", "json"])
            .arg(dir.path())
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .expect("runs");
        assert!(out.status.code().is_some_and(|c| c <= 1));
    }
    let md = report(dir.path(), "markdown", "1795910400");
    let commit = head(dir.path());
    assert!(md.contains("| Scan (UTC) | Commit | Findings | New | Fixed |"), "{md}");
    assert!(md.contains(&format!("| 2026-11-27T00:00:00Z | `{}` |", &commit[..12])), "{md}");
    assert!(md.contains("| 2026-11-28T00:00:00Z |"), "{md}");
    assert!(!md.contains("The history file has problems"));
    // Someone edits the first record: the report says so.
    let path = dir.path().join(".custodia/history.jsonl");
    let text = std::fs::read_to_string(&path).expect("history");
    std::fs::write(&path, text.replacen("\"total\":", "\"total\":1", 1)).expect("write");
    let md = report(dir.path(), "markdown", "1795910400");
    assert!(
        md.contains("The history file has problems") && md.contains("line 2: the record before it does not match"),
        "{md}"
    );
}

#[test]
fn the_report_command_writes_the_file_prints_its_sha256_and_limits_the_period() {
    use sha2::Digest;
    let dir = project();
    for epoch in ["1795737600", "1795824000", "1795910400"] {
        let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
            .args(["scan", "--quiet", "--record", "--format", "json"])
            .arg(dir.path())
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .expect("runs");
        assert!(out.status.code().is_some_and(|c| c <= 1));
    }
    let target = dir.path().join("out/evidence.html");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("dirs");
    let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("report")
        .arg(dir.path())
        .arg("-o")
        .arg(&target)
        .args(["--since", "2026-11-28"])
        .env("SOURCE_DATE_EPOCH", "1795996800")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read(&target).expect("report");
    let digest: String = sha2::Sha256::digest(&written).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{digest}  {}\n", target.display()));
    let html = String::from_utf8(written).expect("UTF-8");
    // The period starts on the 28th: two of the three recorded scans.
    assert!(
        !html.contains(">2026-11-27T00:00:00Z<")
            && html.contains(">2026-11-28T00:00:00Z<")
            && html.contains(">2026-11-29T00:00:00Z<"),
        "{html}"
    );
    // The register of reports written has this one, with the same digest.
    let register = std::fs::read_to_string(dir.path().join(".custodia/reports.jsonl")).expect("register");
    assert!(
        register.contains(&format!("\"sha256\":\"{digest}\"")) && register.contains("\"format\":\"html\""),
        "{register}"
    );
    let docx = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("report")
        .arg(dir.path())
        .args(["-o", "report.docx"])
        .output()
        .expect("runs");
    assert_eq!(docx.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&docx.stderr).contains("name the output `.pdf`, `.html`"));
}

/// The number of findings a line gives: "3 findings (…)", "1 finding (…)",
/// "no findings"; the report's "Exceptions noted by the tool: 2 low, 1 high".
fn count_in(line: &str) -> usize {
    if let Some((_, rest)) = line.split_once("Exceptions noted by the tool: ") {
        return rest
            .split(" |")
            .next()
            .unwrap_or("")
            .split(", ")
            .filter_map(|part| part.split(' ').next()?.parse::<usize>().ok())
            .sum();
    }
    line.split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[1].starts_with("finding"))
        .and_then(|w| w[0].parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_text_summary_and_the_report_count_a_criterion_the_same_way() {
    // `missing-timeout` maps to A1.1 first and to A1.2 as well: the text
    // summary used to count it under A1.1 only, the report under both.
    let dir = project();
    std::fs::write(
        dir.path().join("app/api/chat/slow.ts"),
        "import OpenAI from \"openai\";\nconst client = new OpenAI();\nexport async function ask(q: string) {\n  try {\n    return await client.chat.completions.create({ model: \"gpt-4o\", max_tokens: 100, messages: [{ role: \"user\", content: q }] });\n  } catch { return null; }\n}\n",
    )
    .expect("write");
    let text = report(dir.path(), "text", "1795737600");
    let md = report(dir.path(), "markdown", "1795737600");
    let definition = "A finding is counted under every SOC 2 criterion it maps to";
    assert!(text.contains(definition), "the text summary states the definition:\n{text}");
    assert!(md.contains(definition), "the report states the definition:\n{md}");
    let mut compared = 0;
    for criterion in ["CC6.1", "CC6.2", "CC6.7", "CC6.8", "CC7.1", "CC7.2", "CC7.4", "CC9.2", "A1.1", "A1.2"] {
        let row = md.lines().find(|l| l.starts_with(&format!("| SOC 2 {criterion} "))).expect("a summary row");
        let in_report = count_in(row);
        let in_text =
            text.lines().find(|l| l.trim_start().starts_with(&format!("SOC 2 {criterion} "))).map_or(0, count_in);
        assert_eq!(in_text, in_report, "{criterion}: text says {in_text}, the report {in_report}\n{text}\n{row}");
        compared += in_report;
    }
    let a12 = md.lines().find(|l| l.starts_with("| SOC 2 A1.2 ")).expect("A1.2");
    assert!(count_in(a12) > 0, "missing-timeout counts under A1.2: {a12}");
    assert!(compared > 0);
}

fn git(dir: &Path, args: &[&str]) {
    common::git(dir, args);
}

fn record(dir: &Path, epoch: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--quiet", "--record", "--format", "json"])
        .arg(dir)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("runs");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_report_has_the_audit_period_exceptions_terms_sign_off_limitations_and_links() {
    let dir = project();
    std::fs::write(
        dir.path().join("custodia.toml"),
        "[report]\norganization = \"Acme Support\"\npreparer = \"Dana Lee\"\nreviewer = \"Sam Ortiz\"\n\n[[report.exceptions]]\nrule = \"missing-token-cap\"\npath = \"app/api/late\"\nowner = \"@platform\"\ndue = \"2026-11-01\"\n\n[evidence]\noutage_runbook = \"https://wiki.acme.test/outage\"\n",
    )
    .expect("config");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "config"]);
    git(dir.path(), &["remote", "add", "origin", "https://alice:ghp_secret123@github.com/acme/app.git"]);
    record(dir.path(), "1795737600");
    // A day later: a new route with a finding and two suppressions with terms.
    std::fs::create_dir_all(dir.path().join("app/api/late")).expect("dir");
    std::fs::write(
        dir.path().join("app/api/late/route.ts"),
        "import OpenAI from \"openai\";\nconst openai = new OpenAI({ timeout: 10_000 });\nexport async function summarize(q: string) {\n  try {\n    // custodia-ignore[missing-token-cap]: the summary prompt asks for one line (owner: @alice, due: 2027-03-31)\n    return await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n  } catch { return null; }\n}\nexport async function title(q: string) {\n  try {\n    // custodia-ignore[missing-token-cap]: titles are cut to 60 characters (see ADR 7)\n    return await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n  } catch { return null; }\n}\nexport async function raw(q: string) {\n  return await openai.chat.completions.create({ model: \"gpt-4o\", max_tokens: 50, messages: [{ role: \"user\", content: q }] });\n}\n",
    )
    .expect("write");
    // The history is committed with the code, as CI does.
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "late"]);
    record(dir.path(), "1795824000");
    let md = report(dir.path(), "markdown", "1795910400");
    let commit = head(dir.path());
    let blob = format!("https://github.com/acme/app/blob/{commit}");
    // The appendix links every finding too.
    assert!(
        md.contains(&format!(
            "| `missing-token-cap` at [`app/api/chat/route.ts:13`]({blob}/app/api/chat/route.ts#L13) |"
        )),
        "{md}"
    );

    // The audit period: first and last scan, how many, what changed.
    assert!(md.contains("## 2. Audit period"), "{md}");
    assert!(
        md.contains("| Scan | Time (UTC) | Commit | Findings |")
            && md.contains("| First scan | 2026-11-27T00:00:00Z |")
            && md.contains("| Last scan | 2026-11-28T00:00:00Z |"),
        "{md}"
    );
    assert!(md.contains("2 scans recorded over the period."), "{md}");
    assert!(md.contains("Between the first and the last:"), "{md}");
    assert!(md.contains("1 finding appeared and 0 were resolved"), "{md}");
    let moved = md.lines().find(|l| l.starts_with("Counts that changed by criterion:")).unwrap_or_default();
    assert!(moved.contains("SOC 2 A1.1 ") && moved.contains("SOC 2 A1.2 "), "{md}");

    // The exceptions register: terms from the comment, from custodia.toml,
    // the status on the report's date, a parenthesis that is not terms.
    assert!(md.contains("| Rule | Location | Justification | Owner | Due | Status |"), "{md}");
    assert!(
        md.contains(&format!("| `missing-token-cap` | [`app/api/late/route.ts:6`]({blob}/app/api/late/route.ts#L6) | the summary prompt asks for one line | @alice | 2027-03-31 | open |")),
        "{md}"
    );
    assert!(
        md.contains(&format!("| `missing-token-cap` | [`app/api/late/route.ts:12`]({blob}/app/api/late/route.ts#L12) | titles are cut to 60 characters (see ADR 7) | @platform | 2026-11-01 | overdue |")),
        "{md}"
    );

    // Sign-off, limitations, the plan cited and not read.
    assert!(
        md.contains("## 11. Sign-off")
            && md.contains("| Prepared by | Dana Lee |")
            && md.contains("| Reviewed by | Sam Ortiz |"),
        "{md}"
    );
    assert!(
        md.contains("## 4. Limitations")
            && md.contains("**Runtime configuration**")
            && md.contains("**Infrastructure**"),
        "{md}"
    );
    assert!(
        md.contains("cited, not read") && md.contains("provider-outage runbook: `https://wiki.acme.test/outage`"),
        "{md}"
    );

    // Each gap links to its line at the commit, without the credentials.
    assert!(
        md.contains(&format!(
            "[`app/api/chat/route.ts:13`](https://github.com/acme/app/blob/{commit}/app/api/chat/route.ts#L13)"
        )),
        "{md}"
    );
    assert!(!md.contains("ghp_secret123"));
    let html = report(dir.path(), "html", "1795910400");
    assert!(
        html.contains(&format!("href=\"https://github.com/acme/app/blob/{commit}/app/api/chat/route.ts#L13\"")),
        "{html}"
    );
    for word in ["compliant", "certified", "required by"] {
        let lower = md.to_lowercase();
        let said = lower.match_indices(word).any(|(i, _)| {
            // The mapping statement and the preamble say what the report is not.
            let before = &lower[i.saturating_sub(40)..i];
            !(before.contains("never") || before.contains("means \"") || before.contains("not a"))
        });
        assert!(!said, "the report says `{word}`");
    }
}

#[test]
fn no_link_without_a_known_forge_or_with_uncommitted_changes() {
    let dir = project();
    git(dir.path(), &["remote", "add", "origin", "https://git.example.com/acme/app.git"]);
    let md = report(dir.path(), "markdown", "1795737600");
    assert!(md.contains("at `app/api/chat/route.ts:13`") && !md.contains("/blob/"), "{md}");
    let dir = project();
    git(dir.path(), &["remote", "add", "origin", "git@github.com:acme/app.git"]);
    let md = report(dir.path(), "markdown", "1795737600");
    assert!(md.contains("https://github.com/acme/app/blob/"), "an ssh remote on github.com links:\n{md}");
    std::fs::write(dir.path().join("custodia.toml"), "# changed\n").expect("write");
    let md = report(dir.path(), "markdown", "1795737600");
    assert!(!md.contains("/blob/"), "uncommitted changes: the forge's lines are not the scanned ones:\n{md}");
}

#[test]
fn the_html_tables_have_no_empty_header_and_keep_words_whole() {
    let dir = project();
    let html = report(dir.path(), "html", "1795737600");
    assert!(!html.contains("<th></th>"), "an empty header row");
    assert!(!html.contains("overflow-wrap: anywhere"), "cells may not break inside words");
    assert!(html.contains(r#"<code><span class="nw">missing-token-cap</span></code>"#), "a rule id stays whole");
    assert!(html.contains(r#"<span class="nw">auth-guard</span>"#), "a hyphenated kind stays whole");
}
