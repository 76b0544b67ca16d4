//! The evidence report as Markdown (`--format markdown`): for pull-request
//! comments and wikis. GitHub-flavoured tables; code in fenced blocks.

use std::fmt::Write as _;

use super::audit::AuditReport;

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn render(report: &AuditReport) -> String {
    let mut out = String::new();
    let o = &mut out;
    let subject = report.subject().unwrap_or_else(|| report.scope.root.clone());
    let _ = writeln!(o, "# AI application code evidence report\n\n**{}**\n", cell(&subject));
    let _ = writeln!(
        o,
        "Evidence produced by custodia from the code, for the organisation and its auditor. It is not an audit opinion: it says what was checked, what was found in place and what is missing. Findings *map to* criteria; no statement here means \"compliant\".\n"
    );

    let _ = writeln!(o, "## 1. Identification\n\n| | |\n|---|---|");
    let source = &report.source;
    let rows = [
        ("Report", report.id.clone()),
        ("Generated (UTC)", report.generated_at.clone()),
        ("Tool", format!("custodia {}", report.tool_version)),
        ("Ruleset SHA-256", format!("`{}`", report.ruleset_sha256)),
        (
            "Configuration SHA-256",
            report.config_sha256.as_ref().map_or("(no custodia.toml)".to_string(), |h| format!("`{h}`")),
        ),
        (
            "Repository",
            match (&source.repository, &source.commit) {
                (Some(remote), _) => remote.clone(),
                (None, Some(_)) => "(a git repository with no remote named origin)".to_string(),
                (None, None) => "(not a git repository)".to_string(),
            },
        ),
        ("Commit", source.commit.as_ref().map_or("(unknown)".to_string(), |c| format!("`{c}`"))),
        ("Branch", source.branch.clone().unwrap_or_else(|| "(unknown)".to_string())),
        (
            "Working tree",
            match source.dirty {
                Some(true) => "uncommitted changes present: the scan is not of the commit alone".to_string(),
                Some(false) => "clean".to_string(),
                None => "(unknown)".to_string(),
            },
        ),
        ("Reproduce", format!("`{}`", report.reproduce)),
    ];
    for (name, value) in rows {
        let _ = writeln!(o, "| {name} | {} |", cell(&value));
    }

    let scope = &report.scope;
    let _ = writeln!(o, "\n## 2. Scope\n");
    let languages: Vec<String> = scope.files_by_language.iter().map(|(l, n)| format!("{l} {n}")).collect();
    let _ = writeln!(
        o,
        "- Scanned: `{}` — files by language: {}; {} parsed and analysed, {} skipped by the prefilter (no model-related text).",
        scope.root,
        if languages.is_empty() { "none".to_string() } else { languages.join(", ") },
        scope.files_analyzed,
        scope.files_prefiltered
    );
    let _ = writeln!(
        o,
        "- AI SDKs detected: {}; inference call sites: {}.",
        if scope.sdks.is_empty() {
            "none".to_string()
        } else {
            scope.sdks.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        },
        scope.inference_sites
    );
    for (title, list) in
        [("Excluded", &scope.excluded), ("Skipped", &scope.skipped), ("Analysed in part", &scope.partial)]
    {
        if list.is_empty() {
            let _ = writeln!(o, "- {title}: none.");
        } else {
            let _ = writeln!(o, "- {title}:");
            for (path, reason) in list {
                let _ = writeln!(o, "  - `{path}` — {reason}");
            }
        }
    }

    let _ = writeln!(o, "\n## 3. Mapping statement\n");
    let _ = writeln!(
        o,
        "No framework publishes AI-specific SOC 2 criteria. Every mapping in this report is custodia's reading of the frameworks below: a finding *maps to* a criterion; it is never *required by* one, and a clean result is not a compliance opinion.\n"
    );
    for (name, edition) in &report.frameworks {
        let _ = writeln!(o, "- {name}: {edition}");
    }

    let _ =
        writeln!(o, "\n## 4. Summary by criterion\n\n| Criterion | Status | Evidence | Result |\n|---|---|---:|---|");
    for s in &report.summary {
        let _ = writeln!(
            o,
            "| SOC 2 {} {} | {} | {} | {} |",
            s.id,
            cell(&s.title),
            s.status.label(),
            s.evidence,
            cell(&s.wording)
        );
    }

    let _ = writeln!(o, "\n## 5. Criterion by criterion");
    for section in &report.sections {
        let _ = writeln!(o, "\n### SOC 2 {} — {}\n\n> {}\n", section.id, section.title, section.text);
        if let Some(reading) = &section.reading {
            let _ = writeln!(o, "custodia's reading for AI systems: {reading}\n");
        }
        match &section.control {
            Some(control) => {
                let _ = writeln!(o, "**The organisation's control:** {control}\n");
            }
            None => {
                let _ = writeln!(
                    o,
                    "**The organisation's control:** (none stated; `[report.controls]` in custodia.toml)\n"
                );
            }
        }
        if section.evidence.is_empty() {
            let _ = writeln!(o, "Evidence found in place: none.\n");
        } else {
            let _ = writeln!(o, "Evidence found in place:\n\n| Location | Kind | What |\n|---|---|---|");
            for e in &section.evidence {
                let _ = writeln!(o, "| `{}` | {} | {} |", cell(&e.location), e.kind, cell(&e.description));
            }
            let _ = writeln!(o);
        }
        if section.gaps.is_empty() {
            let _ = writeln!(o, "Gaps: no exceptions noted by the tool.");
        } else {
            let _ = writeln!(o, "Gaps ({}):\n", section.gaps.len());
            for gap in &section.gaps {
                let _ = writeln!(o, "- **{}** `{}` at `{}`: {}", gap.severity, gap.rule, gap.location, gap.message);
                if !gap.excerpt.is_empty() {
                    let width = gap.excerpt.iter().map(|(n, _)| n.to_string().len()).max().unwrap_or(1);
                    let _ = writeln!(o, "\n  ```");
                    for (n, line) in &gap.excerpt {
                        let _ = writeln!(o, "  {n:>width$} | {line}");
                    }
                    let _ = writeln!(o, "  ```");
                }
                // Its own paragraph, also when there is no excerpt to end the message's.
                let _ = writeln!(o, "\n  How to fix: {}\n", gap.fix);
            }
        }
    }

    let _ = writeln!(o, "\n## 6. AI inventory (SOC 2 CC9.2)\n");
    if report.inventory.providers.is_empty() {
        let _ = writeln!(o, "No model provider found in the code.");
    } else {
        let _ =
            writeln!(o, "| Provider | SDKs | Models named in code | Inference calls | Files |\n|---|---|---|---:|---|");
        for p in &report.inventory.providers {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                cell(&p.name),
                cell(&p.sdks.join(", ")),
                cell(&if p.models.is_empty() { "(chosen at run time)".to_string() } else { p.models.join(", ") }),
                p.inference_sites,
                cell(&p.files.join(", "))
            );
        }
    }

    let _ = writeln!(o, "\n## 7. Exceptions register\n");
    if report.exceptions.is_empty() {
        let _ = writeln!(o, "No finding is suppressed.");
    } else {
        let _ = writeln!(
            o,
            "Findings suppressed in the code with a `custodia-ignore` comment, and the justification written there.\n\n| Rule | Location | Justification |\n|---|---|---|"
        );
        for e in &report.exceptions {
            let _ = writeln!(o, "| `{}` | `{}` | {} |", e.rule, cell(&e.location), cell(&e.justification));
        }
    }

    let _ = writeln!(o, "\n## 8. Scan history (SOC 2 CC7.1)\n");
    match &report.history {
        None => {
            let _ = writeln!(
                o,
                "No scan is recorded in `.custodia/history.jsonl` (`custodia scan --record` records one): this report covers one scan."
            );
        }
        Some(history) => {
            let _ = writeln!(
                o,
                "Scans recorded in `{}` (each record chained to the one before it by SHA-256; `custodia history --verify` checks the chain).\n",
                history.file
            );
            let _ = writeln!(o, "| Scan (UTC) | Commit | Findings | New | Fixed |\n|---|---|---:|---:|---:|");
            for scan in &history.scans {
                let commit = scan.commit.as_deref().map_or("-".to_string(), |c| format!("`{}`", &c[..c.len().min(12)]));
                let _ = writeln!(o, "| {} | {commit} | {} | {} | {} |", scan.time, scan.total, scan.new, scan.fixed);
            }
            let _ = writeln!(
                o,
                "\nFindings seen over these scans: {} ({} open, {} fixed){}.",
                history.findings_seen,
                history.open,
                history.fixed,
                history
                    .median_days_to_remediate
                    .map_or(String::new(), |d| format!("; median time to remediate {d:.1} days"))
            );
            if !history.problems.is_empty() {
                let _ = writeln!(o, "\nThe history file has problems (`custodia history --verify`):\n");
                for problem in &history.problems {
                    let _ = writeln!(o, "- {}", cell(problem));
                }
            }
        }
    }

    let _ = writeln!(o, "\n## 9. Appendix: cross-references\n");
    if report.cross_references.is_empty() {
        let _ = writeln!(o, "No finding.");
    } else {
        let _ = writeln!(
            o,
            "| Finding | Location | SOC 2 | NIST AI RMF | EU AI Act | OWASP LLM 2025 | OWASP LLM 2026 |\n|---|---|---|---|---|---|---|"
        );
        for x in &report.cross_references {
            let join = |v: &Vec<String>| cell(&v.join(", "));
            let _ = writeln!(
                o,
                "| `{}` | `{}` | {} | {} | {} | {} | {} |",
                x.rule,
                cell(&x.location),
                join(&x.soc2),
                join(&x.nist),
                join(&x.eu_ai_act),
                join(&x.owasp_2025),
                join(&x.owasp_2026)
            );
        }
    }
    out
}
