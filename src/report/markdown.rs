//! The evidence report as Markdown (`--format markdown`): for pull-request
//! comments and wikis. GitHub-flavoured tables; code in fenced blocks.

use std::fmt::Write as _;

use super::audit::AuditReport;

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A location in code, linked to its line on the forge when there is one.
fn located(location: &str, link: Option<&str>) -> String {
    match link {
        Some(link) => format!("[`{location}`]({link})"),
        None => format!("`{location}`"),
    }
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

    audit_period(o, report);

    let scope = &report.scope;
    let _ = writeln!(o, "\n## 3. Scope\n");
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

    limitations(o, report);

    let _ = writeln!(o, "\n## 5. Mapping statement\n");
    let _ = writeln!(
        o,
        "No framework publishes AI-specific SOC 2 criteria. Every mapping in this report is custodia's reading of the frameworks below: a finding *maps to* a criterion; it is never *required by* one, and a clean result is not a compliance opinion.\n"
    );
    for (name, edition) in &report.frameworks {
        let _ = writeln!(o, "- {name}: {edition}");
    }

    let _ = writeln!(o, "\n## 6. Summary by criterion\n\n{}\n", super::counts::DEFINITION);
    let _ = writeln!(o, "| Criterion | Status | Evidence | Result |\n|---|---|---:|---|");
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

    let _ = writeln!(o, "\n## 7. Criterion by criterion");
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
                let at = located(&gap.location, gap.link.as_deref());
                let _ = writeln!(o, "- **{}** `{}` at {at}: {}", gap.severity, gap.rule, gap.message);
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

    let _ = writeln!(o, "\n## 8. AI inventory (SOC 2 CC9.2)\n");
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

    exceptions(o, report);

    let _ = writeln!(o, "\n## 10. Scan history (SOC 2 CC7.1)\n");
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

    sign_off(o, report);

    let _ = writeln!(o, "\n## 12. Appendix: cross-references\n");
    if report.cross_references.is_empty() {
        let _ = writeln!(o, "No finding.");
    } else {
        let _ = writeln!(
            o,
            "Each finding's references in every framework custodia maps to (OWASP: the Top 10 for LLM Applications, 2025 and 2026 editions).\n\n| Finding | SOC 2 | NIST AI RMF | EU AI Act | OWASP 2025 | OWASP 2026 |\n|---|---|---|---|---|---|"
        );
        for x in &report.cross_references {
            let join = |v: &Vec<String>| cell(&v.join(", "));
            // The rule and its location share a cell: seven columns leave a
            // rule id too little room on A4 and it broke mid-word.
            let _ = writeln!(
                o,
                "| `{}` at {} | {} | {} | {} | {} | {} |",
                x.rule,
                located(&cell(&x.location), x.link.as_deref()),
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

/// When the evidence was gathered: the recorded scans of the period, the
/// first and the last, and what changed between them (SOC 2 reports cover a
/// period, not a day).
fn audit_period(o: &mut String, report: &AuditReport) {
    let _ = writeln!(o, "\n## 2. Audit period\n");
    let requested = match &report.period_requested {
        (Some(since), Some(until)) => Some(format!("from {since} to {until}")),
        (Some(since), None) => Some(format!("from {since}")),
        (None, Some(until)) => Some(format!("until {until}")),
        (None, None) => None,
    };
    if let Some(requested) = &requested {
        let _ = writeln!(o, "Period requested: {requested} (UTC).\n");
    }
    let change = report.history.as_ref().and_then(|h| h.change.as_ref());
    let Some(change) = change else {
        let _ = writeln!(
            o,
            "No scan is recorded {}in `.custodia/history.jsonl`: the evidence is this report's own scan, at {}. Recording a scan on every merge (`custodia scan --record`) makes the period visible.",
            if requested.is_some() { "for this period " } else { "" },
            report.generated_at
        );
        return;
    };
    let commit = |c: &Option<String>| c.as_deref().map_or("-".to_string(), |c| format!("`{}`", &c[..c.len().min(12)]));
    let _ = writeln!(o, "| Scan | Time (UTC) | Commit | Findings |\n|---|---|---|---:|");
    let _ = writeln!(
        o,
        "| First scan | {} | {} | {} |",
        change.first.time,
        commit(&change.first.commit),
        change.first.total
    );
    let _ =
        writeln!(o, "| Last scan | {} | {} | {} |", change.last.time, commit(&change.last.commit), change.last.total);
    let _ = writeln!(
        o,
        "\n{} scan{} recorded over the period. Between the first and the last: {} finding{} appeared and {} {} resolved.",
        change.scans,
        if change.scans == 1 { "" } else { "s" },
        change.introduced,
        if change.introduced == 1 { "" } else { "s" },
        change.resolved,
        if change.resolved == 1 { "was" } else { "were" },
    );
    if !change.criteria.is_empty() {
        let moves: Vec<String> =
            change.criteria.iter().map(|(id, first, last)| format!("SOC 2 {id} {first} → {last}")).collect();
        let _ = writeln!(o, "\nCounts that changed by criterion: {}.", moves.join(", "));
    }
    if change.ruleset_changed {
        let _ = writeln!(
            o,
            "\nThe rules changed within the period (another custodia version or ruleset): part of the change may be the tool's, not the code's."
        );
    }
}

/// What a static analysis of the repository cannot see: the report says so
/// next to what it found, so its silence is not read as assurance.
fn limitations(o: &mut String, report: &AuditReport) {
    let _ = writeln!(o, "\n## 4. Limitations\n");
    let _ = writeln!(
        o,
        "custodia reads the source code of one commit; it does not run it. What it cannot see is outside this report's evidence, and the organisation evidences it otherwise:\n"
    );
    for line in [
        "**Runtime configuration**: environment variables, feature flags and secrets managers decide values the code only names (a timeout read from the environment, a model chosen at run time).",
        "**Infrastructure**: gateways, proxies, WAFs, network policy and cloud IAM in front of the application can add controls (or remove them) that the code does not show.",
        "**Third-party services**: limits, retention and logging in the model provider's or an AI gateway's settings are not in the repository.",
        "**Code paths custodia does not follow**: dynamic dispatch, generated code, languages it does not analyse, and the paths listed under Scope as excluded, skipped or analysed in part.",
        "**Operation over time**: one scan shows the code at one commit; operating effectiveness over a period is shown by the recorded scans (Audit period, Scan history), not by this scan.",
    ] {
        let _ = writeln!(o, "- {line}");
    }
    if report.cited_plans.is_empty() {
        let _ = writeln!(
            o,
            "- **Plans kept outside the repository** (incident response, provider outages): none is cited in `custodia.toml` (`[evidence]`)."
        );
    } else {
        let _ = writeln!(
            o,
            "- **Plans kept outside the repository** are cited, not read: custodia records that `custodia.toml` points at them and what they are said to cover; their content is the organisation's to show."
        );
        for (kind, location) in &report.cited_plans {
            let _ = writeln!(o, "  - {kind}: `{}`", location.replace('`', "'"));
        }
    }
}

/// Each suppression with its owner, due date and status: the register an
/// auditor follows up, not only the justification.
fn exceptions(o: &mut String, report: &AuditReport) {
    let _ = writeln!(o, "\n## 9. Exceptions register\n");
    if report.exceptions.is_empty() {
        let _ = writeln!(o, "No finding is suppressed.");
        return;
    }
    let _ = writeln!(
        o,
        "Findings suppressed in the code with a `custodia-ignore` comment: the justification written there, and the owner, due date and status from the comment's terms `(owner: @name, due: YYYY-MM-DD)` or from `[[report.exceptions]]` in custodia.toml. The status is as of this report's date.\n"
    );
    let _ = writeln!(o, "| Rule | Location | Justification | Owner | Due | Status |\n|---|---|---|---|---|---|");
    for e in &report.exceptions {
        let status = match &e.ticket {
            Some(ticket) => format!("{} ({ticket})", e.status),
            None => e.status.clone(),
        };
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} | {} | {} |",
            e.rule,
            located(&cell(&e.location), e.link.as_deref()),
            cell(&e.justification),
            cell(e.owner.as_deref().unwrap_or("(none named)")),
            cell(e.due.as_deref().unwrap_or("(none)")),
            cell(&status)
        );
    }
    let unowned = report.exceptions.iter().filter(|e| e.owner.is_none() || e.due.is_none()).count();
    if unowned > 0 {
        let _ = writeln!(
            o,
            "\n{unowned} of {} exception{} name{} no owner or no due date.",
            report.exceptions.len(),
            if report.exceptions.len() == 1 { "" } else { "s" },
            if unowned == 1 { "s" } else { "" }
        );
    }
}

/// Who prepared the report and who reviewed it: names from custodia.toml,
/// signatures and dates by hand (or the organisation's e-signature).
fn sign_off(o: &mut String, report: &AuditReport) {
    let _ = writeln!(o, "\n## 11. Sign-off\n");
    let _ = writeln!(
        o,
        "The preparer attests that this report was produced by the command under Identification, unaltered; the reviewer, that its content was reviewed.\n"
    );
    let _ = writeln!(o, "| Role | Name | Signature | Date |\n|---|---|---|---|");
    for (role, name) in [("Prepared by", &report.preparer), ("Reviewed by", &report.reviewer)] {
        // A line to write on, in every format (escaped: `_` is emphasis).
        let blank = |n: usize| "\\_".repeat(n);
        let name = name.as_deref().map_or_else(|| blank(22), cell);
        let _ = writeln!(o, "| {role} | {name} | {} | {} |", blank(22), blank(12));
    }
}
