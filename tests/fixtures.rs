//! Fixture projects under `tests/fixtures/<project>/` say in comments what
//! custodia must report, and the test checks it exactly:
//!
//! - `expect: rule-a, rule-b` — these findings start on this line (and no
//!   finding that is not expected may appear anywhere);
//! - `ok: rule-a` — a negative case: the control is in place here, and rule-a
//!   must not fire on this line;
//! - `evidence: kind` — evidence of this kind starts on this line;
//! - the `-next-line` forms (`expect-next-line: ...`) point at the next line;
//! - the `-project` forms (`expect-project: rule`, `ok-project: rule`) are
//!   about findings of the project as a whole, which have no line (they may
//!   sit in any file of the fixture);
//! - `pending (...)` comments record findings custodia should report but does
//!   not yet (calls through a client imported from another file need the
//!   project index); the harness ignores them, and they become `expect` when
//!   that lands.
//!
//! The annotations say what is reported with every file in scope (`--scope
//! all`); with the default scope, the findings are exactly those in files
//! classed as production code (tests, examples, scripts ... are left out).
//!
//! A coverage test requires a positive (`expect`) and a negative (`ok`) case
//! for every rule in both languages, and, for every provider and language its
//! SDK exists in, an inference site with a finding and one with none.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use custodia::file_class::{Classifier, FileClass, Reported};
use custodia::lang::{FileKind, Language};
use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Mark {
    path: String,
    line: u32,
    kind: &'static str,
    name: String,
    /// About the project as a whole: compared without path and line.
    project: bool,
}

fn annotations(root: &Path) -> Vec<Mark> {
    let pattern = Regex::new(
        r"(?:#|//|/\*|\{/\*)\s*(?:.*?\s)??(expect|ok|evidence)(-next-line|-project)?:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)",
    )
    .expect("valid regex");
    let mut marks = Vec::new();
    for file in common::files_under(root) {
        if FileKind::of(&file).is_none() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let path = common::rel(&file, root);
        for (index, line) in text.lines().enumerate() {
            for caps in pattern.captures_iter(line) {
                let kind = match &caps[1] {
                    "expect" => "expect",
                    "ok" => "ok",
                    _ => "evidence",
                };
                let suffix = caps.get(2).map(|m| m.as_str());
                let project = suffix == Some("-project");
                let line_no = if project { 0 } else { index as u32 + 1 + u32::from(suffix.is_some()) };
                for name in caps[3].split(',') {
                    let name = name.trim().to_string();
                    marks.push(Mark { path: path.clone(), line: line_no, kind, name, project });
                }
            }
        }
    }
    marks.sort();
    marks
}

fn language_of(path: &str) -> Option<Language> {
    FileKind::of(Path::new(path))
        .map(|k| if k.language == Language::Python { Language::Python } else { Language::TypeScript })
}

#[test]
fn fixtures_report_exactly_what_their_comments_say() {
    let mut failures = Vec::new();
    for project in common::subdirs(&common::fixtures_dir()) {
        let name = project.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let marks = annotations(&project);
        let result = common::scan_dir_in_scope(&project, true, Some(Reported::all()));
        let actual: BTreeSet<(String, u32, String)> = result
            .findings
            .iter()
            .map(|f| match (&f.path, f.location) {
                (Some(path), Some(location)) => (path.clone(), location.range.start.line, f.rule.to_string()),
                // Project level: no path, no line.
                _ => (String::new(), 0, f.rule.to_string()),
            })
            .collect();
        let key = |m: &Mark| {
            if m.project { (String::new(), 0, m.name.clone()) } else { (m.path.clone(), m.line, m.name.clone()) }
        };
        let expected: BTreeSet<(String, u32, String)> = marks.iter().filter(|m| m.kind == "expect").map(key).collect();
        for missing in expected.difference(&actual) {
            failures.push(format!("{name}/{}:{}: expected `{}`, not reported", missing.0, missing.1, missing.2));
        }
        for extra in actual.difference(&expected) {
            let message = result
                .findings
                .iter()
                .find(|f| {
                    f.path.as_deref().unwrap_or("") == extra.0
                        && f.location.map_or(0, |l| l.range.start.line) == extra.1
                        && f.rule == extra.2
                })
                .map(|f| f.message.clone())
                .unwrap_or_default();
            failures.push(format!("{name}/{}:{}: unexpected `{}`: {message}", extra.0, extra.1, extra.2));
        }
        for ok in marks.iter().filter(|m| m.kind == "ok") {
            if actual.contains(&key(ok)) {
                failures.push(format!("{name}/{}:{}: `{}` must not fire here (marked ok)", ok.path, ok.line, ok.name));
            }
        }
        for mark in marks.iter().filter(|m| m.kind == "evidence") {
            let found = result
                .evidence
                .iter()
                .any(|e| e.path == mark.path && e.location.range.start.line == mark.line && e.kind == mark.name);
            if !found {
                let here: Vec<String> = result
                    .evidence
                    .iter()
                    .filter(|e| e.path == mark.path)
                    .map(|e| format!("{}@{}", e.kind, e.location.range.start.line))
                    .collect();
                failures.push(format!(
                    "{name}/{}:{}: expected evidence `{}`; evidence in file: {here:?}",
                    mark.path, mark.line, mark.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} fixture mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// The finding keys of a scan: path, line, rule (project level: no path).
fn keys(result: &custodia::scan::ScanResult) -> BTreeSet<(String, u32, String)> {
    result
        .findings
        .iter()
        .map(|f| (f.path.clone().unwrap_or_default(), f.location.map_or(0, |l| l.range.start.line), f.rule.to_string()))
        .collect()
}

#[test]
fn by_default_only_production_files_are_reported() {
    let classifier = Classifier::default();
    let mut failures = Vec::new();
    let mut left_out = 0;
    for project in common::subdirs(&common::fixtures_dir()) {
        let name = project.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let all = keys(&common::scan_dir_in_scope(&project, true, Some(Reported::all())));
        let default = common::scan_dir(&project, true);
        let production = |path: &str| {
            let text = std::fs::read_to_string(project.join(path)).unwrap_or_default();
            path.is_empty() || classifier.classify(path, &text).0 == FileClass::Production
        };
        let expected: BTreeSet<_> = all.iter().filter(|k| production(&k.0)).cloned().collect();
        left_out += all.len() - expected.len();
        let actual = keys(&default);
        for missing in expected.difference(&actual) {
            failures.push(format!("{name}/{}:{}: `{}` not reported by default", missing.0, missing.1, missing.2));
        }
        for extra in actual.difference(&expected) {
            failures.push(format!("{name}/{}:{}: `{}` reported outside production code", extra.0, extra.1, extra.2));
        }
        let counted: usize = default.scope.left_out.values().sum();
        let files = common::files_under(&project)
            .iter()
            .filter(|f| FileKind::of(f).is_some())
            .map(|f| common::rel(f, &project))
            .filter(|rel| !production(rel))
            .count();
        if counted != files {
            failures.push(format!("{name}: {files} files outside production code, {counted} counted as left out"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(left_out > 0, "some fixture has findings in a test, an example or a script");
}

#[test]
fn every_rule_has_positive_and_negative_fixtures_in_both_languages() {
    let mut coverage: BTreeMap<(String, &'static str, Language), usize> = BTreeMap::new();
    for project in common::subdirs(&common::fixtures_dir()) {
        for mark in annotations(&project).into_iter().filter(|m| m.kind != "evidence") {
            if let Some(language) = language_of(&mark.path) {
                *coverage.entry((mark.name.clone(), mark.kind, language)).or_default() += 1;
            }
        }
    }
    let catalog = custodia::catalog::Catalog::builtin();
    let mut missing = Vec::new();
    for rule in &catalog.rules {
        for language in [Language::TypeScript, Language::Python] {
            for kind in ["expect", "ok"] {
                if !coverage.contains_key(&(rule.id.clone(), kind, language)) {
                    missing.push(format!("{} has no `{kind}` fixture in {language}", rule.id));
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing fixture coverage:\n{}", missing.join("\n"));
}

/// The web frameworks whose entrypoints custodia recognises; each has a
/// fixture project `routes-<framework>` written by someone other than the
/// author of the route rules.
const FRAMEWORKS: &[&str] =
    &["nextjs", "express", "fastify", "hono", "koa", "nestjs", "fastapi", "starlette", "flask", "django", "drf"];

/// The route rules, per framework: a route that breaks each one and a route
/// that satisfies it.
#[test]
fn every_route_rule_has_positive_and_negative_fixtures_per_framework() {
    let route_rules = [
        "inference-without-auth",
        "inference-without-rate-limit",
        "inference-without-logging",
        "unguarded-config-write",
    ];
    let mut missing = Vec::new();
    for framework in FRAMEWORKS {
        let project = common::fixtures_dir().join(format!("routes-{framework}"));
        let marks = annotations(&project);
        if marks.is_empty() {
            missing.push(format!("no fixture project routes-{framework}"));
            continue;
        }
        for rule in route_rules {
            for kind in ["expect", "ok"] {
                if !marks.iter().any(|m| m.kind == kind && m.name == rule) {
                    missing.push(format!("routes-{framework}: no `{kind}` for {rule}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing route fixture coverage:\n{}", missing.join("\n"));
}

/// Providers and the languages their SDKs exist in (SPEC.md).
const PROVIDERS: &[(&str, &[Language])] = &[
    ("openai", &[Language::TypeScript, Language::Python]),
    ("anthropic", &[Language::TypeScript, Language::Python]),
    ("vercel-ai", &[Language::TypeScript]),
    ("langchain", &[Language::TypeScript, Language::Python]),
    ("llamaindex", &[Language::TypeScript, Language::Python]),
    ("google-genai", &[Language::TypeScript, Language::Python]),
    ("bedrock", &[Language::TypeScript, Language::Python]),
    ("cohere", &[Language::TypeScript, Language::Python]),
    ("mistral", &[Language::TypeScript, Language::Python]),
    ("ollama", &[Language::TypeScript, Language::Python]),
    ("litellm", &[Language::Python]),
    ("huggingface", &[Language::TypeScript, Language::Python]),
];

#[test]
fn every_provider_has_a_flagged_and_a_clean_inference_site() {
    const INFERENCE_RULES: [&str; 3] = ["missing-token-cap", "missing-failure-path", "missing-timeout"];
    // (provider, language) -> (sites with a finding, sites without)
    let mut seen: BTreeMap<(String, Language), (usize, usize)> = BTreeMap::new();
    for project in common::subdirs(&common::fixtures_dir()) {
        let result = common::scan_dir_in_scope(&project, true, Some(Reported::all()));
        for file in &result.files {
            let Some(language) = language_of(&file.path) else { continue };
            for site in &file.inference {
                let flagged = result.findings.iter().any(|f| {
                    f.path.as_deref() == Some(&file.path)
                        && INFERENCE_RULES.contains(&f.rule)
                        && f.location.map(|l| l.span) == Some(site.location.span)
                });
                let entry = seen.entry((site.provider.clone(), language)).or_default();
                if flagged { entry.0 += 1 } else { entry.1 += 1 }
            }
        }
    }
    let mut missing = Vec::new();
    for (provider, languages) in PROVIDERS {
        for language in *languages {
            let (flagged, clean) = seen.get(&(provider.to_string(), *language)).copied().unwrap_or_default();
            if flagged == 0 {
                missing.push(format!("{provider} ({language}): no inference site with a finding"));
            }
            if clean == 0 {
                missing.push(format!("{provider} ({language}): no inference site with every control in place"));
            }
        }
    }
    assert!(missing.is_empty(), "missing provider coverage:\n{}", missing.join("\n"));
}
