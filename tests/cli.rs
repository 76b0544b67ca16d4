//! The command line as users run it: output formats, exit statuses, rules
//! and explain, and snapshots of the bundled example's output.

mod common;

use std::process::{Command, Output};

use custodia::report::json::Report;

fn custodia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custodia")).args(args).env("NO_COLOR", "1").output().expect("custodia runs")
}

fn example() -> String {
    common::examples_dir().join("ai-support-desk").to_string_lossy().into_owned()
}

/// The example JSON of SPEC.md parses into the documented structure, so the
/// structure the tool writes is the one the contract describes.
#[test]
fn the_spec_example_parses_into_the_report_structure() {
    let spec_example = r#"{
      "version": 1,
      "tool": {"name": "custodia", "version": "0.1.0"},
      "findings": [
        {
          "rule": "inference-without-auth",
          "severity": "high",
          "message": "POST /api/chat calls a model without an authentication check",
          "path": "app/api/chat/route.ts",
          "range": {"start": {"line": 4, "column": 1}, "end": {"line": 19, "column": 2}},
          "criteria": ["SOC2:CC6.1", "OWASP-LLM-2025:LLM10", "OWASP-LLM-2026:LLM06", "NIST-AI-RMF:MEASURE-2.7", "EU-AI-ACT:Art.15"]
        }
      ],
      "evidence": [
        {"criterion": "SOC2:CC6.1", "kind": "auth-guard", "path": "middleware.ts",
         "range": {"start": {"line": 3, "column": 1}, "end": {"line": 3, "column": 40}},
         "description": "clerkMiddleware protects /api/(.*)"}
      ]
    }"#;
    let report: Report = serde_json::from_str(spec_example).expect("SPEC.md example parses");
    assert_eq!(report.findings[0].range.expect("range").start.line, 4);
}

#[test]
fn json_output_has_the_spec_shape() {
    let output = custodia(&["scan", "--format", "json", &example()]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let report: Report = serde_json::from_value(value.clone()).expect("parses into the documented structure");
    assert_eq!(report.version, 1);
    assert_eq!(report.tool.name, "custodia");
    assert!(!report.findings.is_empty() && !report.evidence.is_empty());
    for finding in &report.findings {
        assert!(
            finding.criteria.first().is_some_and(|c| c.starts_with("SOC2:")),
            "primary criterion first: {finding:?}"
        );
        // Project-level findings (incident response) have neither path nor range.
        let Some(path) = finding.path.as_deref() else {
            assert!(finding.range.is_none(), "a project-level finding has no range: {finding:?}");
            continue;
        };
        assert!(!path.starts_with('/') && !path.contains('\\'), "relative, /-separated: {path}");
        let range = finding.range.expect("range");
        assert!(range.start.line >= 1 && range.start.column >= 1);
        assert!((range.start.line, range.start.column) <= (range.end.line, range.end.column));
    }
    for evidence in &report.evidence {
        assert!(evidence.criterion.starts_with("SOC2:"));
        assert!(evidence.range.is_some() && evidence.path.is_some());
    }
    // The fields SPEC.md names are present under their names.
    let first = &value["findings"][0];
    for field in ["rule", "severity", "message", "path", "range", "criteria"] {
        assert!(first.get(field).is_some(), "finding field {field}");
    }
    let evidence = &value["evidence"][0];
    for field in ["criterion", "kind", "path", "range", "description"] {
        assert!(evidence.get(field).is_some(), "evidence field {field}");
    }
}

#[test]
fn exit_status_follows_fail_on() {
    // The example has high findings but nothing critical.
    assert_eq!(custodia(&["scan", "--format", "json", "--fail-on", "critical", &example()]).status.code(), Some(0));
    assert_eq!(custodia(&["scan", "--format", "json", "--fail-on", "high", &example()]).status.code(), Some(1));
    let empty = tempfile::tempdir().expect("temp dir");
    let path = empty.path().to_string_lossy().into_owned();
    assert_eq!(custodia(&["scan", &path]).status.code(), Some(0));
    assert_eq!(custodia(&["scan", "--fail-on", "loud", &path]).status.code(), Some(2));
    assert_eq!(custodia(&["scan", "--format", "xml", &path]).status.code(), Some(2));
}

#[test]
fn the_help_lists_the_severities_of_fail_on() {
    for flag in ["-h", "--help"] {
        let help = String::from_utf8(custodia(&["scan", flag]).stdout).expect("UTF-8");
        let at = help.find("--fail-on").expect("--fail-on is documented");
        let text: String = help[at..].split_whitespace().take(40).collect::<Vec<_>>().join(" ");
        for severity in ["critical", "high", "medium", "low", "info"] {
            assert!(text.contains(severity), "{flag}: {severity} missing from: {text}");
        }
    }
}

#[test]
fn text_output_of_the_example() {
    let output = custodia(&["scan", "--color", "never", &example()]);
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(text.contains("maps to SOC 2"), "criteria are shown");
    insta::assert_snapshot!("example_text", text);
}

#[test]
fn json_output_of_the_example() {
    let output = custodia(&["scan", "--format", "json", &example()]);
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    insta::assert_snapshot!("example_json", text);
}

#[test]
fn rules_and_explain() {
    let rules = String::from_utf8(custodia(&["rules"]).stdout).expect("UTF-8");
    for id in ["missing-token-cap", "hardcoded-provider-key", "system-prompt-injection", "unused-suppression"] {
        assert!(rules.contains(id), "{id} listed");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&custodia(&["rules", "--format", "json"]).stdout).expect("JSON");
    assert!(json.as_array().is_some_and(|a| a.len() >= 11));

    let explain = custodia(&["explain", "missing-token-cap"]);
    assert_eq!(explain.status.code(), Some(0));
    let text = String::from_utf8(explain.stdout).expect("UTF-8");
    assert!(text.contains("## Why it matters to an auditor") && text.contains("SOC 2 A1.1"));

    let unknown = custodia(&["explain", "missing-token-caps"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `missing-token-cap`"));
}

#[test]
fn stats_account_for_every_file() {
    let output = custodia(&["scan", "--stats", "--format", "json", &example()]);
    let report: Report = serde_json::from_slice(&output.stdout).expect("JSON");
    let stats = report.stats.expect("stats");
    assert_eq!(stats.files_seen, stats.files_analyzed + stats.files_prefiltered + stats.files_skipped);
    assert!(stats.timing.is_some(), "--stats adds timings");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for word in ["files:", "bytes:", "parse", "analysis", "wall", "MB/s"] {
        assert!(stderr.contains(word), "--stats prints {word}: {stderr}");
    }
}

/// The AI inventory names each vendor that receives data, through which
/// SDKs, with the models written in code.
#[test]
fn json_output_lists_the_ai_inventory() {
    let output = custodia(&["scan", "--format", "json", &example()]);
    let report: Report = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let providers: Vec<&str> = report.inventory.providers.iter().map(|p| p.provider.as_str()).collect();
    assert_eq!(providers, ["anthropic", "openai", "vercel-ai"]);
    let openai = &report.inventory.providers[1];
    assert_eq!(openai.sdks, ["@ai-sdk/openai", "openai"], "the AI SDK's OpenAI provider sends data to OpenAI");
    assert!(openai.models.iter().any(|m| m == "gpt-4o-mini"));
    assert!(openai.files.iter().any(|f| f == "web/app/api/chat/route.ts"));
    assert_eq!(report.inventory.providers[0].models, ["claude-sonnet-4-5"]);
}

#[test]
fn verifying_a_missing_history_fails_and_says_so() {
    let empty = tempfile::tempdir().expect("temp dir");
    let path = empty.path().to_string_lossy().into_owned();
    let output = custodia(&["history", "--verify", &path]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no scan history") && stderr.contains("custodia scan --record"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("chain intact"));
    // Without --verify, an empty history is simply empty.
    assert_eq!(custodia(&["history", &path]).status.code(), Some(0));
}

/// A project in a git repository: a Next.js route that reaches a model
/// through `lib/ai.ts`, with no authentication on the way.
fn route_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, text).expect("write");
    };
    std::fs::create_dir_all(dir.path().join(".git")).expect(".git");
    write("tsconfig.json", r#"{ "compilerOptions": { "paths": { "@/*": ["./*"] } } }"#);
    write(
        "app/api/chat/route.ts",
        "import { answer } from \"@/lib/ai\";\n\nexport async function POST(req: Request) {\n  const { q } = await req.json();\n  return Response.json({ a: await answer(q) });\n}\n",
    );
    write(
        "lib/ai.ts",
        "import OpenAI from \"openai\";\nconst openai = new OpenAI();\nexport async function answer(q: string) {\n  return openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n}\n",
    );
    dir
}

fn findings_of(output: &std::process::Output) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut out: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f: &serde_json::Value| {
            (f["path"].as_str().unwrap_or("(project)").to_string(), f["rule"].as_str().unwrap_or("").to_string())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn a_file_is_scanned_in_the_context_of_its_project() {
    let dir = route_project();
    let route = dir.path().join("app/api/chat/route.ts").to_string_lossy().into_owned();
    let output = custodia(&["scan", "--format", "json", &route]);
    assert_eq!(output.status.code(), Some(1));
    // The route is followed into lib/ai.ts: the route rules report it; the
    // model call's own findings (in lib/ai.ts) and the project-level ones
    // are not about this file.
    let found = findings_of(&output);
    let route_rules: Vec<&str> =
        found.iter().filter(|(p, _)| p == "app/api/chat/route.ts").map(|(_, r)| r.as_str()).collect();
    assert!(route_rules.contains(&"inference-without-auth"), "{found:?}");
    assert!(found.iter().all(|(p, _)| p == "app/api/chat/route.ts"), "{found:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["selected"], serde_json::json!(["app/api/chat/route.ts"]));

    // Several paths: the findings in each.
    let client = dir.path().join("lib/ai.ts").to_string_lossy().into_owned();
    let both = findings_of(&custodia(&["scan", "--format", "json", &route, &client]));
    assert!(both.iter().any(|(p, r)| p == "lib/ai.ts" && r == "missing-token-cap"), "{both:?}");
    assert!(both.iter().any(|(p, r)| p == "app/api/chat/route.ts" && r == "inference-without-auth"), "{both:?}");
    assert!(both.iter().all(|(p, _)| p != "(project)"), "{both:?}");

    // The whole project, as before, with the project-level findings.
    let whole = findings_of(&custodia(&["scan", "--format", "json", &dir.path().to_string_lossy()]));
    assert!(whole.iter().any(|(p, _)| p == "(project)"), "{whole:?}");

    // A history records whole projects only.
    let record = custodia(&["scan", "--record", &route]);
    assert_eq!(record.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&record.stderr).contains("--record records scans of a whole project"));
}

/// An incident-response plan kept in the organisation's wiki, named in
/// custodia.toml: evidence in the JSON, the SARIF and the report, and no
/// finding; without the reference, the finding says what an auditor asks.
#[test]
fn incident_response_evidence_by_reference_reaches_every_output() {
    let dir = route_project();
    std::fs::write(
        dir.path().join("custodia.toml"),
        "[evidence]\nincident_response = { location = \"https://wiki.acme.test/ai-incidents\", covers = [\"prompt-injection\", \"model-output\", \"data-leakage\"] }\n",
    )
    .expect("config");
    let root = dir.path().to_string_lossy().into_owned();
    let json: serde_json::Value =
        serde_json::from_slice(&custodia(&["scan", "--format", "json", &root]).stdout).expect("JSON");
    let cited = |e: &serde_json::Value| {
        e["description"].as_str().is_some_and(|d| d.contains("https://wiki.acme.test/ai-incidents"))
    };
    let evidence =
        json["evidence"].as_array().expect("evidence").iter().find(|e| cited(e)).expect("evidence by reference");
    assert_eq!(
        (evidence["criterion"].as_str(), evidence["path"].as_str()),
        (Some("SOC2:CC7.4"), Some("custodia.toml"))
    );
    let rules: Vec<&str> =
        json["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(!rules.contains(&"missing-ai-incident-response"), "{rules:?}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&custodia(&["scan", "--format", "sarif", &root]).stdout).expect("SARIF");
    assert!(sarif["runs"][0]["properties"]["evidence"].as_array().expect("evidence").iter().any(cited));
    let markdown = String::from_utf8(custodia(&["scan", "--format", "markdown", &root]).stdout).expect("UTF-8");
    assert!(markdown.contains("https://wiki.acme.test/ai-incidents"));

    // Without it: the finding, saying what an auditor will ask for and how
    // to point custodia at a plan kept elsewhere.
    std::fs::remove_file(dir.path().join("custodia.toml")).expect("remove");
    let json: serde_json::Value =
        serde_json::from_slice(&custodia(&["scan", "--format", "json", &root]).stdout).expect("JSON");
    let finding = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "missing-ai-incident-response")
        .expect("the finding");
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(message.contains("[evidence] incident_response") && message.contains("An auditor will ask"), "{message}");
}
