//! SARIF 2.1.0 (`--format sarif`), for code-scanning dashboards.
//!
//! One run. The driver lists every rule with its descriptions, help link,
//! tags and `security-severity`, and relates it to the criteria it maps to;
//! the frameworks themselves (SOC 2, NIST AI RMF, the EU AI Act, the OWASP
//! Top 10 for LLM Applications 2025 and 2026) are `taxonomies` whose `taxa`
//! are the criteria custodia uses. Results carry locations (columns in
//! Unicode code points, as everywhere in custodia), related locations,
//! `partialFingerprints` that survive line shifts, the fixes custodia can
//! place without project knowledge (token caps, timeouts, failure paths),
//! and, for findings a `custodia-ignore` comment suppressed, an `inSource`
//! suppression with its justification. Tests validate the output against
//! the official schema.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::catalog::{Catalog, display_tag};
use crate::engine::Engine;
use crate::finding::{Finding, Severity};
use crate::fingerprint::{Fingerprinter, SourceLines};
use crate::fix::{self, FixContext, FixSettings, ProjectHints};
use crate::lang::{self, FileKind};
use crate::scan::ScanResult;
use crate::source::{LineIndex, Location};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const DOCS: &str = "https://github.com/custodia-dev/custodia";

/// Rules whose fixes need nothing beyond their own file; the others (auth,
/// rate limits) follow libraries the whole project uses, which the editor
/// knows and a prefiltered scan does not.
const SELF_CONTAINED_FIXES: [&str; 3] = ["missing-token-cap", "missing-timeout", "missing-failure-path"];

pub fn build(result: &ScanResult, engine: &Engine) -> Value {
    let catalog = &engine.config().catalog;
    let sources = SourceLines::new(&result.root);
    let rules: Vec<Value> = catalog.rules.iter().map(|r| rule(catalog, r)).collect();
    let rule_index: BTreeMap<&str, usize> = catalog.rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let mut seen = Fingerprinter::default();
    let mut results = Vec::new();
    let fixable = |f: &Finding| SELF_CONTAINED_FIXES.contains(&f.rule);
    let anchor = project_anchor(result);
    let context = Context { catalog, rule_index: &rule_index, sources: &sources, anchor: anchor.as_deref() };
    for f in &result.findings {
        let fixes = if fixable(f) { fixes(result, engine, &sources, f) } else { Vec::new() };
        results.push(finding(&context, &mut seen, f, fixes, None));
    }
    for s in &result.suppressed {
        let suppression = json!([{ "kind": "inSource", "justification": s.reason }]);
        results.push(finding(&context, &mut seen, &s.finding, Vec::new(), Some(suppression)));
    }
    let notifications: Vec<Value> = result
        .skipped
        .iter()
        .map(|s| notification("warning", &format!("skipped ({}): {}", s.reason.as_str(), s.detail), Some(&s.path)))
        .chain(result.partial.iter().map(|p| notification("note", &p.detail, Some(&p.path))))
        .chain(result.rule_failures.iter().map(|f| notification("error", &f.to_string(), f.path.as_deref())))
        .collect();
    let root_uri = root_uri(sources.root());
    let mut sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "custodia",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": DOCS,
                    "rules": rules,
                    "supportedTaxonomies": catalog.frameworks.iter().enumerate()
                        .map(|(i, f)| json!({ "name": f.id, "index": i }))
                        .collect::<Vec<_>>(),
                }
            },
            "taxonomies": taxonomies(catalog),
            "invocations": [{
                "executionSuccessful": result.rule_failures.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": { "%SRCROOT%": { "uri": root_uri } },
            "columnKind": "unicodeCodePoints",
            "results": results,
            // The controls found in place: SARIF has no place for what is
            // right, so they travel in the run's property bag, as in the
            // JSON report (`evidence`), for dashboards that show both.
            "properties": { "evidence": evidence(result) },
        }]
    });
    if let Some(provenance) = provenance(result) {
        sarif["runs"][0]["versionControlProvenance"] = provenance;
    }
    sarif
}

/// The repository and commit scanned, for dashboards that link results to
/// the code. The remote passes through `git::public_remote` (in
/// `git::identity`): no credential of a CI clone reaches the file.
fn provenance(result: &ScanResult) -> Option<Value> {
    let base = if result.root.is_file() { result.root.parent()? } else { result.root.as_path() };
    let identity = crate::git::identity(base);
    let uri = crate::git::remote_uri(identity.repository.as_deref()?)?;
    let mut details = json!({ "repositoryUri": uri, "revisionId": identity.commit? });
    // `%SRCROOT%` is the repository's root only when the scan started
    // there; a scanned subdirectory maps nowhere SARIF can say.
    if identity.prefix.is_empty() {
        details["mappedTo"] = json!({ "uriBaseId": "%SRCROOT%" });
    }
    if let Some(branch) = identity.branch.filter(|b| b != "HEAD") {
        details["branch"] = json!(branch);
    }
    Some(json!([details]))
}

fn evidence(result: &ScanResult) -> Vec<Value> {
    result
        .evidence
        .iter()
        .map(|e| {
            json!({
                "criterion": e.criterion,
                "kind": e.kind,
                "location": location_json(&e.path, e.location, None),
                "description": e.description,
            })
        })
        .collect()
}

fn rule(catalog: &Catalog, meta: &crate::catalog::RuleMeta) -> Value {
    let relationships: Vec<Value> = meta
        .criteria
        .iter()
        .filter_map(|tag| {
            let (framework, id) = tag.split_once(':')?;
            let index = catalog.frameworks.iter().position(|f| f.id == framework)?;
            Some(json!({
                "target": { "id": id, "toolComponent": { "name": framework, "index": index } },
                "kinds": ["relevant"],
            }))
        })
        .collect();
    let mut tags: Vec<String> = vec!["security".to_string(), "ai".to_string()];
    tags.extend(meta.criteria.iter().map(|c| display_tag(c)));
    let help = crate::rules::documentation(&meta.id).unwrap_or_default();
    json!({
        "id": meta.id,
        "name": pascal_case(&meta.id),
        "shortDescription": { "text": meta.name },
        "fullDescription": { "text": meta.summary },
        "help": { "text": format!("{}\n\nFix: {}", meta.summary, meta.fix), "markdown": help },
        "helpUri": format!("{DOCS}/blob/main/docs/rules/{}.md", meta.id),
        "defaultConfiguration": { "level": level(meta.severity) },
        "relationships": relationships,
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": security_severity(meta.severity),
            "criteria": meta.criteria,
        },
    })
}

fn taxonomies(catalog: &Catalog) -> Vec<Value> {
    catalog
        .frameworks
        .iter()
        .map(|framework| {
            let taxa: Vec<Value> = catalog
                .criteria
                .iter()
                .filter_map(|c| {
                    let (fw, id) = c.id.split_once(':')?;
                    (fw == framework.id).then(|| {
                        json!({
                            "id": id,
                            "name": c.title,
                            "shortDescription": { "text": c.title },
                            "fullDescription": { "text": c.text },
                            "properties": { "mapping": c.status, "custodiaReading": c.ai_reading },
                        })
                    })
                })
                .collect();
            json!({
                "name": framework.id,
                "fullName": framework.name,
                "version": framework.edition,
                "shortDescription": { "text": format!(
                    "{} ({}). custodia's findings map to these criteria; the mapping is custodia's reading, not a compliance opinion.",
                    framework.name, framework.edition
                ) },
                "taxa": taxa,
            })
        })
        .collect()
}

/// What every result of a run is written with.
struct Context<'r> {
    catalog: &'r Catalog,
    rule_index: &'r BTreeMap<&'r str, usize>,
    sources: &'r SourceLines,
    /// Where a project-level finding is shown (see [`project_anchor`]).
    anchor: Option<&'r str>,
}

/// The file a project-level finding (no incident-response plan, no health
/// route) is shown at: the project's manifest, which says what is deployed,
/// else its README, else the first file analysed. Code-scanning dashboards
/// need a location for every result: GitHub rejects a whole upload with one
/// result that has none.
fn project_anchor(result: &ScanResult) -> Option<String> {
    const MANIFESTS: [&str; 9] = [
        "package.json",
        "pyproject.toml",
        "requirements.txt",
        "setup.py",
        "setup.cfg",
        "Pipfile",
        "custodia.toml",
        "README.md",
        "README",
    ];
    let base = if result.root.is_file() { result.root.parent().unwrap_or(Path::new(".")) } else { &result.root };
    MANIFESTS
        .iter()
        .find(|name| base.join(name).is_file())
        .map(|name| name.to_string())
        .or_else(|| result.files.first().map(|f| f.path.clone()))
}

fn finding(
    cx: &Context<'_>,
    seen: &mut Fingerprinter,
    f: &Finding,
    fixes: Vec<Value>,
    suppressions: Option<Value>,
) -> Value {
    let (catalog, rule_index, sources) = (cx.catalog, cx.rule_index, cx.sources);
    let criteria = catalog.rule(f.rule).map(|r| r.criteria.clone()).unwrap_or_default();
    let primary = criteria.iter().find(|c| c.starts_with("SOC2:")).map(|c| display_tag(c));
    let message = match &primary {
        Some(primary) => format!("[{primary}] {}", f.message),
        None => f.message.clone(),
    };
    let fingerprint = seen.next(sources, f);
    let locations: Vec<Value> = match (&f.path, f.location) {
        (Some(path), Some(location)) => vec![location_json(path, location, None)],
        // A project-level finding: where it points, else the project's anchor.
        _ => match (f.related.first(), cx.anchor) {
            (Some(r), _) => vec![location_json(&r.path, r.location, None)],
            (None, Some(anchor)) => vec![json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri_path(anchor), "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": 1 },
                },
                "message": { "text": "a finding about the project as a whole" },
            })],
            (None, None) => Vec::new(),
        },
    };
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut value = location_json(&r.path, r.location, Some(&r.message));
            value["id"] = json!(i + 1);
            value
        })
        .collect();
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": message },
        "locations": locations,
        "partialFingerprints": { "custodiaFindingHash/v1": fingerprint },
        "properties": { "severity": f.severity.as_str(), "criteria": criteria },
    });
    if let Some(&index) = rule_index.get(f.rule) {
        result["ruleIndex"] = json!(index);
    }
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    if !fixes.is_empty() {
        result["fixes"] = json!(fixes);
    }
    if let Some(suppressions) = suppressions {
        result["suppressions"] = suppressions;
    }
    result
}

fn location_json(path: &str, location: Location, message: Option<&str>) -> Value {
    let range = location.range;
    let mut value = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_path(path), "uriBaseId": "%SRCROOT%" },
            "region": {
                "startLine": range.start.line,
                "startColumn": range.start.column,
                "endLine": range.end.line.max(range.start.line),
                "endColumn": if range.end.line > range.start.line || range.end.column > range.start.column { range.end.column } else { range.start.column + 1 },
            }
        }
    });
    if let Some(message) = message {
        value["message"] = json!({ "text": message });
    }
    value
}

/// The fixes of a finding as SARIF `fix` objects (line/column regions).
fn fixes(result: &ScanResult, engine: &Engine, sources: &SourceLines, f: &Finding) -> Vec<Value> {
    let (Some(path), Some(facts)) = (&f.path, result.files.iter().find(|x| Some(&x.path) == f.path.as_ref())) else {
        return Vec::new();
    };
    let Some(source) = sources.text(path) else { return Vec::new() };
    let Some(kind) = FileKind::of(Path::new(path)) else { return Vec::new() };
    let Some(tree) = lang::parse(kind.grammar, &source, None) else { return Vec::new() };
    let settings = FixSettings::default();
    let project = ProjectHints::default();
    let cx = FixContext {
        source: &source,
        tree: &tree,
        facts,
        catalog: &engine.config().catalog,
        settings: &settings,
        project: &project,
    };
    let lines = LineIndex::new(&source);
    fix::fixes_for(f, &cx)
        .into_iter()
        .map(|fix| {
            let replacements: Vec<Value> = fix
                .edits
                .iter()
                .map(|edit| {
                    let range = lines.range(edit.span);
                    json!({
                        "deletedRegion": {
                            "startLine": range.start.line,
                            "startColumn": range.start.column,
                            "endLine": range.end.line,
                            "endColumn": range.end.column,
                        },
                        "insertedContent": { "text": edit.text },
                    })
                })
                .collect();
            json!({
                "description": { "text": fix.title },
                "artifactChanges": [{
                    "artifactLocation": { "uri": uri_path(path), "uriBaseId": "%SRCROOT%" },
                    "replacements": replacements,
                }],
            })
        })
        .collect()
}

fn notification(level: &str, message: &str, path: Option<&str>) -> Value {
    let mut value = json!({ "level": level, "message": { "text": message } });
    if let Some(path) = path {
        value["locations"] = json!([{ "physicalLocation": { "artifactLocation": { "uri": uri_path(path), "uriBaseId": "%SRCROOT%" } } }]);
    }
    value
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's scale: 9.0+ critical, 7.0+ high, 4.0+ medium, above 0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// `missing-token-cap` → `MissingTokenCap`.
fn pascal_case(id: &str) -> String {
    id.split('-').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
}

fn root_uri(root: &Path) -> String {
    let absolute = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let text = uri_path(&absolute.to_string_lossy().replace('\\', "/"));
    let text = if text.ends_with('/') { text } else { format!("{text}/") };
    if text.starts_with('/') { format!("file://{text}") } else { format!("file:///{text}") }
}

/// A `/`-separated path as a URI reference: characters a URI path may not
/// hold (`[`, `]`, spaces, `%`, `#`, `?`, non-ASCII ...) percent-encoded.
/// Next.js dynamic segments (`app/[slug]/page.tsx`) need it.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
