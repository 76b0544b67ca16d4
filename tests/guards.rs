//! A check custodia cannot see into is named in the finding, and declaring
//! it in `custodia.toml` makes it count.

use std::path::Path;
use std::process::Command;

use custodia::report::json::Report;

fn scan(root: &Path) -> Report {
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--format", "json"])
        .arg(root)
        .output()
        .expect("custodia runs");
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("valid JSON report")
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A Next.js route whose auth check comes from the company's shared package,
/// outside the scanned tree, and a FastAPI route with a dependency from one.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "app/api/draft/route.ts",
        r#"import OpenAI from "openai";
import { requireUser } from "@acme/session";

const openai = new OpenAI({ timeout: 20_000 });

export async function POST(req: Request) {
  const user = await requireUser(req);
  const { topic } = await req.json();
  try {
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 300,
      messages: [{ role: "user", content: `Draft a note for ${user.name} about ${topic}` }],
    });
    return Response.json({ draft: r.choices[0].message.content });
  } catch {
    return Response.json({ error: "unavailable" }, { status: 503 });
  }
}
"#,
    );
    write(
        dir.path(),
        "service/main.py",
        r#"from anthropic import Anthropic
from fastapi import Depends, FastAPI, HTTPException

from acme_platform.security import require_api_key

app = FastAPI()
claude = Anthropic(timeout=20.0)


@app.post("/classify")
def classify(text: str, key: str = Depends(require_api_key)):
    try:
        msg = claude.messages.create(model="claude-haiku-4-5", max_tokens=20, messages=[{"role": "user", "content": text}])
    except Exception:
        raise HTTPException(status_code=503)
    return {"label": msg.content[0].text}
"#,
    );
    dir
}

fn auth_findings(report: &Report) -> Vec<(String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == "inference-without-auth")
        .map(|f| (f.path.clone().unwrap_or_default(), f.message.clone()))
        .collect()
}

#[test]
fn an_unknown_check_is_named_and_declaring_it_removes_the_finding() {
    let dir = project();
    let before = auth_findings(&scan(dir.path()));
    assert_eq!(before.len(), 2, "{before:#?}");
    for (path, message) in &before {
        let named = if path.ends_with(".ts") { "`requireUser`" } else { "`require_api_key`" };
        assert!(
            message.contains(&format!("custodia does not know {named} as a control")),
            "the finding names the check it cannot see: {message}"
        );
        assert!(message.contains("custodia.toml"), "and says how to declare it: {message}");
    }

    write(dir.path(), "custodia.toml", "[guards.auth]\ncalls = [\"requireUser\", \"require_api_key\"]\n");
    let after = scan(dir.path());
    assert_eq!(auth_findings(&after), Vec::<(String, String)>::new());
    let evidence: Vec<&str> =
        after.evidence.iter().filter(|e| e.kind == "auth-guard").map(|e| e.description.as_str()).collect();
    assert!(evidence.iter().any(|d| d.contains("requireUser") && d.contains("POST /api/draft")), "{evidence:?}");
    assert!(evidence.iter().any(|d| d.contains("require_api_key") && d.contains("POST /classify")), "{evidence:?}");
}

#[test]
fn the_other_route_rules_still_apply_to_a_declared_check() {
    let dir = project();
    write(dir.path(), "custodia.toml", "[guards.auth]\ncalls = [\"requireUser\", \"require_api_key\"]\n");
    let report = scan(dir.path());
    // Authentication is not a rate limit: both routes still lack one.
    let limited: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "inference-without-rate-limit")
        .filter_map(|f| f.path.as_deref())
        .collect();
    assert_eq!(limited, ["app/api/draft/route.ts", "service/main.py"]);
}

/// A hint names a function of the project only when its name and its shape
/// fit: it takes the request or the user and can stop the request. A
/// streaming callback named `handleLLMNewToken` or a helper that counts
/// tokens is no control, and naming it would send the reader astray.
#[test]
fn a_hint_names_only_a_function_shaped_like_a_gate() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "app/api/answer/route.ts",
        r#"import OpenAI from "openai";
import { checkQuota, handleLLMNewToken, tokenBudget } from "@/lib/helpers";

const openai = new OpenAI({ timeout: 20_000 });

export async function POST(req: Request) {
  await checkQuota(req);
  const { question } = await req.json();
  try {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: tokenBudget(question),
      stream: true,
      messages: [{ role: "user", content: question }],
    });
    for await (const chunk of stream) handleLLMNewToken(chunk.choices[0]?.delta?.content ?? "");
    return new Response("ok");
  } catch {
    return Response.json({ error: "unavailable" }, { status: 503 });
  }
}
"#,
    );
    write(dir.path(), "tsconfig.json", r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./*"] } } }"#);
    write(
        dir.path(),
        "lib/helpers.ts",
        r#"import { db } from "./db";

export class QuotaExceeded extends Error {}

// Counts the caller's questions today against their plan.
export async function checkQuota(req: Request) {
  const team = req.headers.get("x-team-id") ?? "anonymous";
  const used = await db.usage.count({ where: { team, day: new Date().toDateString() } });
  if (used >= 500) throw new QuotaExceeded(`team ${team} used its 500 questions today`);
}

const tokens: string[] = [];

export function handleLLMNewToken(token: string) {
  tokens.push(token);
}

export function tokenBudget(text: string) {
  return Math.min(1024, 4 * text.length);
}
"#,
    );
    let report = scan(dir.path());
    let message = |rule: &str| {
        let found: Vec<&str> = report.findings.iter().filter(|f| f.rule == rule).map(|f| f.message.as_str()).collect();
        assert_eq!(found.len(), 1, "{rule}: {found:#?}");
        found[0].to_string()
    };
    let limit = message("inference-without-rate-limit");
    assert!(limit.contains("custodia does not know `checkQuota` as a control"), "{limit}");
    let auth = message("inference-without-auth");
    assert!(!auth.contains("does not know"), "no function of this project is shaped like an auth check: {auth}");
}
