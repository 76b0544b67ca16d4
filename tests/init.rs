//! `custodia init`: the generated custodia.toml describes the project and
//! loads with the real configuration loader (its commented declarations
//! too, once uncommented); `--docs` writes starter plans that do not count
//! as evidence while they hold placeholders, and do once filled in.

use std::path::Path;
use std::process::{Command, Output};

use custodia::config::Config;
use custodia::report::json::Report;

fn custodia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custodia")).args(args).env("NO_COLOR", "1").output().expect("custodia runs")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// An Express service with one capped model call behind the team's own
/// key check and throttle, both in a package custodia cannot see into.
fn project(root: &Path) {
    write(
        root,
        "package.json",
        r#"{ "name": "ticket-bot", "private": true, "dependencies": { "express": "^4.21.2", "openai": "^5.12.0", "@acme/keys": "^1.0.0" } }"#,
    );
    write(
        root,
        "src/server.ts",
        r#"import express from "express";
import OpenAI from "openai";
import { requireApiKey, throttleDrafts } from "./checks";

const client = new OpenAI({ timeout: 20_000 });
const app = express();
app.use(express.json());

app.post("/api/draft", requireApiKey, throttleDrafts, async (req, res) => {
  try {
    const out = await client.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 300,
      messages: [{ role: "user", content: String(req.body.text) }],
    });
    console.info("draft", { id: out.id, tokens: out.usage?.total_tokens });
    res.json({ text: out.choices[0]?.message?.content });
  } catch (err) {
    res.status(502).json({ error: "model unavailable" });
  }
});

app.listen(3000);
"#,
    );
    write(
        root,
        "src/checks.ts",
        r#"import { lookupKey, takeToken } from "@acme/keys";

export async function requireApiKey(req: any, res: any, next: any) {
  const known = await lookupKey(req.header("x-api-key"));
  known ? next() : next(new Error("denied"));
}

export function throttleDrafts(req: any, res: any, next: any) {
  takeToken(req.ip) ? next() : next(new Error("slow down"));
}

export function getAuthorName(ticket: { author: string }) {
  return ticket.author;
}
"#,
    );
}

fn scan(root: &Path) -> Report {
    let output = custodia(&["scan", &root.to_string_lossy(), "--format", "json"]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn init_writes_a_configuration_that_describes_the_project_and_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    project(root);
    let output = custodia(&["init", &root.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let path = root.join("custodia.toml");
    let text = std::fs::read_to_string(&path).expect("custodia.toml written");
    assert!(text.contains("frameworks: Express") || text.contains("frameworks: express"), "{text}");
    assert!(text.contains("model provider: OpenAI") && text.contains("gpt-4o-mini"), "{text}");
    assert!(text.contains("\n[report]\n") && text.contains("system = \"ticket-bot\""), "{text}");
    // The team's own checks are offered, commented; a function that only
    // sounds like one (`getAuthorName`) is not.
    assert!(text.contains("# calls = [\"requireApiKey\"]"), "{text}");
    assert!(text.contains("# calls = [\"throttleDrafts\"]"), "{text}");
    assert!(!text.contains("getAuthorName"), "{text}");

    // It loads with the loader `scan` uses, as written and with the
    // declarations uncommented.
    Config::load(&path).unwrap_or_else(|err| panic!("{err}\n{text}"));
    let declared = text.replace("# calls = [", "calls = [");
    let config = Config::parse(&declared, &path).unwrap_or_else(|err| panic!("{err}\n{declared}"));
    assert_eq!(config.report.system.as_deref(), Some("ticket-bot"));
    std::fs::write(&path, &declared).expect("write");
    // Declared, the checks are credited on the route.
    let report = scan(root);
    assert!(
        !report.findings.iter().any(|f| f.rule == "inference-without-auth" || f.rule == "inference-without-rate-limit"),
        "{:#?}",
        report.findings
    );

    // An existing file is not overwritten without --force.
    let again = custodia(&["init", &root.to_string_lossy()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), declared);
    let forced = custodia(&["init", &root.to_string_lossy(), "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", String::from_utf8_lossy(&forced.stderr));
}

#[test]
fn starter_documents_are_evidence_only_once_filled_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    project(root);
    let rules = |report: &Report| report.findings.iter().map(|f| f.rule.clone()).collect::<Vec<_>>();
    let before = scan(root);
    assert!(rules(&before).contains(&"missing-ai-incident-response".to_string()), "{:#?}", before.findings);

    let output = custodia(&["init", &root.to_string_lossy(), "--docs"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let plan = root.join("docs/ai-incident-response.md");
    let runbook = root.join("docs/runbooks/model-provider-outage.md");
    let plan_text = std::fs::read_to_string(&plan).expect("plan written");
    let runbook_text = std::fs::read_to_string(&runbook).expect("runbook written");
    for section in [
        "## Roles and escalation",
        "### Prompt injection",
        "### Harmful or wrong model output",
        "### Data leakage",
        "### Model provider outage",
        "### API key compromise",
        "## Communication",
        "## Testing",
    ] {
        assert!(plan_text.contains(section), "{section}");
    }
    for section in ["## Detection", "## Mitigation", "## Recovery", "## Contacts"] {
        assert!(runbook_text.contains(section), "{section}");
    }
    assert!(runbook_text.contains("OpenAI"), "the providers found are named");

    // Templates: not evidence, and the finding says why.
    let templated = scan(root);
    let finding = templated
        .findings
        .iter()
        .find(|f| f.rule == "missing-ai-incident-response")
        .unwrap_or_else(|| panic!("a template is not a plan: {:#?}", templated.findings));
    assert!(finding.message.contains("docs/ai-incident-response.md is still a template"), "{}", finding.message);

    // Filled in: evidence for CC7.4 and A1.2.
    let fill = regex::Regex::new(r"\[FILL IN[^\]]*\]").expect("regex");
    std::fs::write(&plan, fill.replace_all(&plan_text, "the platform on-call engineer").as_ref()).expect("write");
    std::fs::write(&runbook, fill.replace_all(&runbook_text, "the platform on-call engineer").as_ref()).expect("write");
    let filled = scan(root);
    let rules = rules(&filled);
    assert!(!rules.contains(&"missing-ai-incident-response".to_string()), "{:#?}", filled.findings);
    assert!(!rules.contains(&"missing-outage-readiness".to_string()), "{:#?}", filled.findings);
    assert!(filled.evidence.iter().any(|e| e.kind == "incident-response"), "{:#?}", filled.evidence);
    assert!(filled.evidence.iter().any(|e| e.kind == "outage-runbook"), "{:#?}", filled.evidence);
}
