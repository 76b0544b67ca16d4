//! `scan --diff REF`: only findings the changes since REF touch, with
//! cross-file awareness: a route whose helper changed in another file is
//! reported; a change elsewhere in the helper's file is not a reason.

use std::path::Path;
use std::process::{Command, Output};

use custodia::report::json::Report;

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|err| panic!("{program} runs: {err}"));
    if program == "git" {
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    output
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn diff(dir: &Path, reference: &str) -> Report {
    let output = run(dir, env!("CARGO_BIN_EXE_custodia"), &["scan", ".", "--format", "json", "--diff", reference]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

const SERVER: &str = r#"import express from "express";
import { draft } from "./lib/ai";

const app = express();
app.use(express.json());

app.post("/api/draft", async (req, res) => {
  const text = await draft(String(req.body.text));
  res.json({ text });
});

app.get("/api/health", (req, res) => res.json({ ok: true }));

app.listen(3000);
"#;

const AI: &str = r#"import OpenAI from "openai";

const client = new OpenAI({ timeout: 20_000 });

export async function draft(text: string): Promise<string> {
  try {
    const out = await client.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 300,
      messages: [{ role: "user", content: `Draft a reply: ${text}` }],
    });
    return out.choices[0]?.message?.content ?? "";
  } catch (err) {
    console.error("draft failed", err);
    return "";
  }
}

export function wordCount(text: string): number {
  return text.split(/\s+/).length;
}
"#;

#[test]
fn diff_reports_what_the_changes_touch_across_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "package.json",
        r#"{ "name": "drafts", "private": true, "dependencies": { "express": "^4.21.2", "openai": "^5.12.0" } }"#,
    );
    write(root, "src/server.ts", SERVER);
    write(root, "src/lib/ai.ts", AI);
    run(root, "git", &["init", "-q"]);
    run(root, "git", &["add", "."]);
    run(root, "git", &["commit", "-q", "-m", "start"]);
    let full = run(root, env!("CARGO_BIN_EXE_custodia"), &["scan", ".", "--format", "json"]);
    let full: Report = serde_json::from_slice(&full.stdout).expect("JSON");
    assert!(full.findings.iter().any(|f| f.rule == "inference-without-auth"), "{:#?}", full.findings);

    // Nothing changed: nothing reported, and the project-level findings
    // belong to a scan of the whole.
    let report = diff(root, "HEAD");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.diff.expect("a `diff` field").files, Vec::<String>::new());

    // Another function of the helper's file changed: not the route's reach.
    write(root, "src/lib/ai.ts", &AI.replace("text.split(", "text.trim().split("));
    let report = diff(root, "HEAD");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // The helper the route reaches changed, in a commit: `--diff HEAD~1`
    // reports the route, though src/server.ts did not change.
    write(root, "src/lib/ai.ts", &AI.replace("Draft a reply", "Draft a short reply"));
    run(root, "git", &["commit", "-q", "-a", "-m", "helper"]);
    let report = diff(root, "HEAD~1");
    let rules: Vec<(&str, Option<&str>)> =
        report.findings.iter().map(|f| (f.rule.as_str(), f.path.as_deref())).collect();
    assert!(rules.contains(&("inference-without-auth", Some("src/server.ts"))), "{rules:?}");
    assert!(report.findings.iter().all(|f| f.path.is_some()), "no project-level findings: {rules:?}");
    assert_eq!(report.diff.expect("diff").files, vec!["src/lib/ai.ts".to_string()]);

    // An untracked file counts as changed throughout.
    write(
        root,
        "src/extra.ts",
        "import OpenAI from \"openai\";\nconst c = new OpenAI();\nexport const ask = (q: string) => c.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n",
    );
    let report = diff(root, "HEAD");
    assert!(report.findings.iter().any(|f| f.path.as_deref() == Some("src/extra.ts")), "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| f.path.as_deref() == Some("src/extra.ts")), "{:#?}", report.findings);

    // Not a ref: an error that says so.
    let bad = run(root, env!("CARGO_BIN_EXE_custodia"), &["scan", ".", "--diff", "no-such-ref"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a commit"));
}
