//! SARIF output: valid against the official SARIF 2.1.0 schema for the
//! example and every fixture project, and carrying what code-scanning
//! dashboards read (rules with tags and severities, taxonomies, stable
//! fingerprints, fixes, in-source suppressions).

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn sarif(path: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--format", "sarif", "--quiet"])
        .arg(path)
        .output()
        .expect("custodia runs");
    assert!(output.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("SARIF is JSON")
}

fn validator() -> jsonschema::Validator {
    // One pattern in the official file, `run.language`'s, is not a valid
    // regular expression (a stray `]`); the validator checks the schema's
    // own patterns, so that one is read as intended. custodia writes no
    // `language`, so the change cannot hide an error in its output.
    let text = include_str!("schemas/sarif-schema-2.1.0.json")
        .replace(r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: Value = serde_json::from_str(&text).expect("schema");
    // Formats (`uri`, `date-time` ...) are asserted too.
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the schema compiles")
}

/// The example and every fixture project.
fn projects() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut projects = vec![root.join("examples/ai-support-desk")];
    let mut fixtures: Vec<_> = std::fs::read_dir(root.join("tests/fixtures"))
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    projects.extend(fixtures);
    projects
}

#[test]
fn sarif_of_the_example_and_of_every_fixture_is_valid() {
    let validator = validator();
    let projects = projects();
    let mut results = 0;
    for project in &projects {
        let document = sarif(project);
        let errors: Vec<String> =
            validator.iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path())).take(5).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", project.display());
        results += document["runs"][0]["results"].as_array().map_or(0, Vec::len);
    }
    assert!(projects.len() > 20 && results > 200, "{} projects, {results} results", projects.len());
}

#[test]
fn rules_taxonomies_and_results_carry_what_dashboards_read() {
    let document = sarif(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ai-support-desk"));
    let run = &document["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let cap = rules.iter().find(|r| r["id"] == "missing-token-cap").expect("rule");
    assert_eq!(cap["shortDescription"]["text"], "Inference call without an output-token cap");
    assert!(cap["helpUri"].as_str().expect("helpUri").ends_with("docs/rules/missing-token-cap.md"));
    assert_eq!(cap["properties"]["security-severity"], "5.5");
    let tags: Vec<&str> =
        cap["properties"]["tags"].as_array().expect("tags").iter().filter_map(Value::as_str).collect();
    assert!(tags.contains(&"SOC 2 A1.1") && tags.contains(&"OWASP LLM10:2025"), "{tags:?}");
    let relationship = &cap["relationships"][0];
    assert_eq!(relationship["target"]["id"], "A1.1");
    assert_eq!(relationship["target"]["toolComponent"]["name"], "SOC2");
    let taxonomies = run["taxonomies"].as_array().expect("taxonomies");
    let soc2 = taxonomies.iter().find(|t| t["name"] == "SOC2").expect("SOC 2 taxonomy");
    assert!(soc2["taxa"].as_array().expect("taxa").iter().any(|t| t["id"] == "CC6.1"));
    assert!(taxonomies.iter().any(|t| t["name"] == "OWASP-LLM-2026"));
    let results = run["results"].as_array().expect("results");
    let first = results.iter().find(|r| r["ruleId"] == "missing-token-cap").expect("a token-cap result");
    assert!(first["message"]["text"].as_str().expect("text").starts_with("[SOC 2 A1.1] "));
    assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert!(first["partialFingerprints"]["custodiaFindingHash/v1"].is_string());
    let fix = &first["fixes"][0];
    assert!(fix["description"]["text"].as_str().expect("fix").starts_with("Cap output tokens"), "{first:#}");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("uri").starts_with("file:///"));
}

#[test]
fn fingerprints_survive_lines_added_above_and_suppressions_are_in_source() {
    let dir = tempfile::tempdir().expect("temp dir");
    let code = "import OpenAI from \"openai\";\n\nconst openai = new OpenAI({ timeout: 10_000 });\n\nexport async function ask(q: string) {\n  try {\n    // custodia-ignore[missing-token-cap]: the gateway caps output at 512 tokens\n    const a = await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n    const b = await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n    return [a, b];\n  } catch {\n    return null;\n  }\n}\n";
    std::fs::create_dir_all(dir.path().join("lib")).expect("dirs");
    std::fs::write(dir.path().join("lib/ask.ts"), code).expect("write");
    let fingerprints = |document: &Value| -> Vec<(String, String, bool)> {
        let mut out: Vec<(String, String, bool)> = document["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap_or_default().to_string(),
                    r["partialFingerprints"]["custodiaFindingHash/v1"].as_str().unwrap_or_default().to_string(),
                    r.get("suppressions").is_some(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let before = sarif(dir.path());
    let suppressed = before["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r.get("suppressions").is_some())
        .expect("suppressed");
    assert_eq!(suppressed["suppressions"][0]["kind"], "inSource");
    assert_eq!(suppressed["suppressions"][0]["justification"], "the gateway caps output at 512 tokens");
    std::fs::write(dir.path().join("lib/ask.ts"), format!("// A header comment.\n\n{code}")).expect("write");
    let after = sarif(dir.path());
    assert_eq!(fingerprints(&before), fingerprints(&after));
    // The two identical calls have different fingerprints.
    let caps: Vec<_> = fingerprints(&after).into_iter().filter(|(rule, _, _)| rule == "missing-token-cap").collect();
    assert_eq!(caps.len(), 2);
    assert_ne!(caps[0].1, caps[1].1);
}

/// What GitHub code scanning checks on upload beyond the schema
/// (docs.github.com, "SARIF results exceed limit" and "SARIF support"): a
/// file is rejected whole when one result has no location, or past its hard
/// limits; past the soft ones, data is dropped.
fn github_ingestion_problems(document: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let size = document.to_string().len();
    if size > 10 * 1024 * 1024 {
        problems.push(format!("{size} bytes: over the 10 MB upload limit"));
    }
    let runs = document["runs"].as_array().map_or(0, Vec::len);
    if runs == 0 || runs > 20 {
        problems.push(format!("{runs} runs (1 to 20 accepted)"));
    }
    for run in document["runs"].as_array().into_iter().flatten() {
        let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
        if rules.len() > 25_000 {
            problems.push(format!("{} rules", rules.len()));
        }
        for rule in &rules {
            let tags = rule["properties"]["tags"].as_array().map_or(0, Vec::len);
            // 20 is the hard limit; past 10 the rest are not shown.
            if tags > 10 {
                problems.push(format!("rule {}: {tags} tags (only 10 are shown)", rule["id"]));
            }
        }
        let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
        let results = run["results"].as_array().cloned().unwrap_or_default();
        if results.len() > 5_000 {
            problems.push(format!("{} results (only 5,000 are kept)", results.len()));
        }
        for (i, result) in results.iter().enumerate() {
            let rule = result["ruleId"].as_str().unwrap_or_default();
            if !ids.contains(&rule) {
                problems.push(format!("result {i}: rule `{rule}` is not among the run's rules"));
            }
            if result["message"]["text"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("result {i} ({rule}): no message"));
            }
            let locations = result["locations"].as_array().cloned().unwrap_or_default();
            if locations.is_empty() || locations.len() > 1_000 {
                problems.push(format!("result {i} ({rule}): {} locations (1 to 1,000 accepted)", locations.len()));
            }
            for location in &locations {
                let physical = &location["physicalLocation"];
                if physical["artifactLocation"]["uri"].as_str().is_none_or(str::is_empty) {
                    problems.push(format!("result {i} ({rule}): a location with no file"));
                }
                if physical["region"]["startLine"].as_u64().is_none_or(|l| l == 0) {
                    problems.push(format!("result {i} ({rule}): a location with no start line"));
                }
            }
            let fingerprints = result["partialFingerprints"].as_object().map_or(0, |f| f.len());
            if fingerprints == 0 {
                problems.push(format!("result {i} ({rule}): no partialFingerprints"));
            }
        }
    }
    problems
}

#[test]
fn sarif_of_the_example_and_of_every_fixture_passes_github_ingestion() {
    let mut problems = Vec::new();
    let mut project_level = 0;
    for project in projects() {
        let document = sarif(&project);
        project_level += document["runs"][0]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                r["ruleId"].as_str().is_some_and(|id| id.starts_with("missing-ai-") || id == "missing-outage-readiness")
            })
            .count();
        problems
            .extend(github_ingestion_problems(&document).into_iter().map(|p| format!("{}: {p}", project.display())));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(project_level > 0, "the projects include project-level findings, which need a location too");
}

#[test]
fn a_project_level_finding_points_at_the_manifest() {
    let document = sarif(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ai-support-desk"));
    let results = document["runs"][0]["results"].as_array().expect("results");
    let plan = results.iter().find(|r| r["ruleId"] == "missing-ai-incident-response").expect("project-level finding");
    let uri = &plan["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert!(uri.as_str().is_some_and(|u| ["package.json", "pyproject.toml", "README.md"].contains(&u)), "{plan:#}");
}

#[test]
fn version_control_provenance_is_valid_and_carries_no_credentials() {
    let dir = tempfile::tempdir().expect("temp dir");
    let route = dir.path().join("app/api/chat/route.ts");
    std::fs::create_dir_all(route.parent().expect("parent")).expect("dirs");
    std::fs::write(
        &route,
        "import OpenAI from \"openai\";\nconst openai = new OpenAI();\nexport async function POST(req: Request) {\n  const r = await openai.chat.completions.create({ model: \"gpt-4o\", messages: [] });\n  return Response.json(r);\n}\n",
    )
    .expect("write");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "init"],
        &["remote", "add", "origin", "https://x-access-token:ghs_secret42@github.com/acme/app.git"],
    ] {
        common::git(dir.path(), args);
    }
    let document = sarif(dir.path());
    let errors: Vec<String> =
        validator().iter_errors(&document).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let provenance = &document["runs"][0]["versionControlProvenance"][0];
    assert_eq!(provenance["repositoryUri"], "https://github.com/acme/app.git");
    assert_eq!(provenance["branch"], "main");
    assert_eq!(provenance["mappedTo"]["uriBaseId"], "%SRCROOT%");
    assert!(!document.to_string().contains("ghs_secret42"));
    // A subdirectory scanned: the repository's root is not %SRCROOT%.
    let document = sarif(&dir.path().join("app"));
    let provenance = &document["runs"][0]["versionControlProvenance"][0];
    assert!(provenance["revisionId"].is_string() && provenance.get("mappedTo").is_none(), "{provenance}");
}
