//! `custodia init`: a commented `custodia.toml` written for the project in
//! front of it, and on request (`--docs`) starter documents for the two
//! plans the project-level rules look for.
//!
//! The configuration is made from a scan: the frameworks that serve routes,
//! the model providers and the models named in code, and the project's own
//! functions whose names say they check authentication or rate limits but
//! in which custodia recognises no check. Those are offered as commented
//! `[guards]` declarations: declaring one credits every route that calls it,
//! so it is for the team to confirm, not for custodia to assume. The text is
//! parsed with the real loader before it is written: `init` never leaves a
//! file that `scan` would refuse.
//!
//! The documents are templates: every `[FILL IN: ...]` placeholder left in
//! one keeps it from counting as evidence (see [`crate::plans`]), so a
//! starter plan never passes for a plan.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::{Config, FILE_NAME};
use crate::facts::{FileFacts, GuardKind};
use crate::file_class::FileClass;
use crate::frameworks::{self, Framework};
use crate::inventory::{Inventory, ProviderUse};
use crate::packages::Package;
use crate::scan::ScanResult;

/// What the scan says about the project, for the configuration.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Survey {
    /// Name of the root package (from its manifest), for `[report] system`.
    pub name: Option<String>,
    /// Web frameworks with routes or imported (`Next.js`, `FastAPI` ...).
    pub frameworks: Vec<String>,
    pub providers: Vec<ProviderUse>,
    pub packages: Vec<Package>,
    /// Functions that look like authentication checks: (name, file:line).
    pub auth_candidates: Vec<(String, String)>,
    /// Functions that look like rate-limit checks: (name, file:line).
    pub rate_limit_candidates: Vec<(String, String)>,
    pub findings: usize,
}

/// `nextjs` → `Next.js`: an entrypoint's framework id by the display name
/// that spells it; the ids no display name spells (`nextjs-pages`,
/// `server-action`, `drf`) are shown as they are.
fn display_framework(id: &str) -> String {
    let flat = |name: &str| name.to_ascii_lowercase().replace(['.', ' '], "");
    frameworks::ALL
        .iter()
        .map(|f| f.spec().display)
        .find(|name| flat(name) == flat(id))
        .map_or_else(|| id.to_string(), str::to_string)
}

pub fn survey(result: &ScanResult, inventory: Inventory) -> Survey {
    let mut frameworks: BTreeSet<String> = BTreeSet::new();
    let mut auth = BTreeSet::new();
    let mut rate = BTreeSet::new();
    for facts in &result.files {
        frameworks.extend(facts.entrypoints.iter().map(|e| display_framework(e.framework.as_str())));
        for import in &facts.imports {
            if let Some(framework) = Framework::of_package(&import.module) {
                frameworks.insert(framework.spec().display.to_string());
            }
        }
        if facts.class != FileClass::Production {
            continue;
        }
        candidates(facts, &mut auth, &mut rate);
    }
    // The same framework by its entrypoint name and its display name.
    let mut seen_lower = BTreeSet::new();
    let frameworks =
        frameworks.into_iter().filter(|f| seen_lower.insert(f.to_ascii_lowercase().replace(['.', ' '], ""))).collect();
    let name = result.packages.iter().find(|p| p.dir.is_empty()).and_then(|p| p.name.clone());
    Survey {
        name,
        frameworks,
        providers: inventory.providers,
        packages: result.packages.clone(),
        auth_candidates: auth.into_iter().collect(),
        rate_limit_candidates: rate.into_iter().collect(),
        findings: result.findings.len(),
    }
}

/// Functions named like checks, in which custodia recognises no check of
/// that kind (those it does recognise are credited already).
fn candidates(facts: &FileFacts, auth: &mut BTreeSet<(String, String)>, rate: &mut BTreeSet<(String, String)>) {
    for (index, function) in facts.functions.iter().enumerate() {
        let Some(name) = &function.name else { continue };
        let recognised = |kind: GuardKind| {
            facts.guards.iter().any(|g| g.kind == kind && g.function.is_some_and(|f| f as usize == index))
        };
        let place = format!("{}:{}", facts.path, function.location.range.start.line);
        if looks_like_auth(name) && !recognised(GuardKind::Auth) {
            auth.insert((name.clone(), place.clone()));
        }
        if looks_like_rate_limit(name) && !recognised(GuardKind::RateLimit) {
            rate.insert((name.clone(), place));
        }
    }
}

/// `requireUser`, `require_api_key`, `verifyToken`, `isAuthenticated`,
/// `get_current_user`, `checkPermission`; not `getAuthor`.
pub fn looks_like_auth(name: &str) -> bool {
    let flat: String = name.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect();
    let auth =
        flat.contains("auth") && !(flat.contains("author") && !flat.contains("authoriz") && !flat.contains("authoris"));
    let checks = ["require", "ensure", "verify", "check", "assert", "validate", "protect", "guard"];
    let subjects = ["user", "session", "apikey", "token", "jwt", "login", "role", "permission", "scope", "admin"];
    auth || flat.contains("currentuser")
        || flat.contains("loginrequired")
        || (checks.iter().any(|c| flat.starts_with(c)) && subjects.iter().any(|s| flat.contains(s)))
}

/// `rateLimit`, `check_rate_limit`, `throttle`, `consumeQuota`, `limiter`.
pub fn looks_like_rate_limit(name: &str) -> bool {
    let flat: String = name.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect();
    ["ratelimit", "throttle", "quota", "limiter"].iter().any(|w| flat.contains(w))
}

/// The commented `custodia.toml` for a surveyed project.
pub fn config_text(survey: &Survey) -> String {
    let mut out = String::new();
    out.push_str("# custodia.toml, written by `custodia init` for this project. Every section is\n");
    out.push_str("# optional; docs/CONFIGURATION.md (in custodia's repository) describes each key.\n");
    out.push_str("# What the scan found when this file was written:\n");
    if survey.frameworks.is_empty() {
        out.push_str("#   frameworks: none that serve routes\n");
    } else {
        out.push_str(&format!("#   frameworks: {}\n", survey.frameworks.join(", ")));
    }
    if survey.providers.is_empty() {
        out.push_str("#   model providers: none found in code\n");
    }
    for provider in &survey.providers {
        let models = if provider.models.is_empty() {
            "no model named in code".to_string()
        } else {
            format!("models {}", provider.models.join(", "))
        };
        out.push_str(&format!(
            "#   model provider: {} (SDK {}; {}; {} inference call{})\n",
            provider.name,
            if provider.sdks.is_empty() { "-".to_string() } else { provider.sdks.join(", ") },
            models,
            provider.inference_sites,
            if provider.inference_sites == 1 { "" } else { "s" }
        ));
    }
    for package in &survey.packages {
        let dir = if package.dir.is_empty() { "the root" } else { package.dir.as_str() };
        out.push_str(&format!("#   package {dir}: {} ({})\n", package.kind.as_str(), package.because));
    }
    out.push_str(&format!(
        "#   findings: {} (`custodia baseline` records them, so that CI fails only on new ones)\n",
        survey.findings
    ));

    out.push_str(
        "
[scan]
# Paths to leave out (gitignore syntax), in addition to .gitignore and the
# built-in exclusions (dependencies, build output, virtual environments).
# exclude = [\"scripts/experiments/\", \"*.generated.ts\"]
# Files larger than this are skipped with a warning.
# max_file_size = \"2 MB\"

# Which files' findings are reported (tests, examples, docs and generated
# code are recognised by their paths; --scope all reports everything).
# [scan.scope]
# report = [\"production\"]
# production = [\"scripts/worker.py\"]   # production code whatever its path says

[rules]
# \"off\", or a severity (critical, high, medium, low, info); `custodia rules`
# lists the rules.
# missing-timeout = \"high\"
",
    );

    out.push_str(
        "
# Plans kept outside this repository (a wiki, a policy repository): where they
# are. They count as evidence for CC7.4 and A1.2; `custodia init --docs` writes
# starter documents into the repository instead.
[evidence]
# incident_response = { location = \"https://wiki.example.com/ai-incident-response\", covers = [\"prompt-injection\", \"model-output\", \"data-leakage\", \"provider-outage\", \"key-compromise\"] }
# outage_runbook = \"docs/runbooks/model-provider-outage.md\"
",
    );

    let kinds: Vec<&str> = survey.packages.iter().map(|p| p.kind.as_str()).collect();
    out.push_str(&format!(
        "
# What the repository ships decides whether the project-level rules apply
# (a library leaves its incident response to its users). custodia read:
# {}. Set it when that is wrong.
[project]
# kind = \"service\"   # or \"application\", \"library\"
",
        if kinds.is_empty() { "no manifest".to_string() } else { kinds.join(", ") }
    ));

    out.push_str(
        "
# Your own checks. The route rules credit the authentication and rate limits
# they recognise (Clerk, NextAuth, JWT verification, FastAPI security schemes,
# express-rate-limit, slowapi ...) and follow your helpers into them. These
# functions of this project are named like checks, but custodia saw no check
# inside them (it may live in a package outside the scan). Declare the ones
# that really check: each call to one then counts on every route that makes it.
[guards.auth]
",
    );
    push_candidates(&mut out, &survey.auth_candidates, "calls = [\"requireUser\"]");
    out.push_str("\n[guards.rate_limit]\n");
    push_candidates(&mut out, &survey.rate_limit_candidates, "calls = [\"quota.consume\"]");

    let system = survey.name.as_deref().map(toml_string);
    out.push_str(&format!(
        "
# The evidence report (`custodia report -o report.pdf`): who it is for, and the
# organisation's own control statements, one per criterion.
[report]
# organization = \"Example Inc.\"
{}
# logo = \"assets/logo.png\"   # PNG or JPEG, relative to this file
# [report.controls]
# \"CC6.1\" = \"Every inference route requires a signed-in user (middleware.ts).\"
",
        match system {
            Some(system) => format!("system = {system}"),
            None => "# system = \"Support assistant\"".to_string(),
        }
    ));
    out
}

fn push_candidates(out: &mut String, candidates: &[(String, String)], example: &str) {
    if candidates.is_empty() {
        out.push_str(&format!("# None found by name. Example: {example}\n"));
        return;
    }
    let names: Vec<String> =
        candidates.iter().map(|(name, _)| toml_string(name)).collect::<BTreeSet<_>>().into_iter().collect();
    for (name, place) in candidates {
        out.push_str(&format!("#   {name}: {place}\n"));
    }
    out.push_str(&format!("# calls = [{}]\n", names.join(", ")));
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Checks `text` with the loader `scan` uses.
pub fn check(text: &str, path: &Path) -> Result<(), String> {
    Config::parse(text, path)
        .map(|_| ())
        .map_err(|err| format!("the generated configuration does not load ({err}); please report this"))
}

/// The starter documents: (path relative to the root, text).
pub fn documents(survey: &Survey) -> Vec<(&'static str, String)> {
    let providers: Vec<&str> = survey.providers.iter().map(|p| p.name.as_str()).collect();
    let providers = if providers.is_empty() {
        "[FILL IN: the model providers, e.g. OpenAI, Anthropic]".to_string()
    } else {
        providers.join(", ")
    };
    vec![
        ("docs/ai-incident-response.md", INCIDENT_RESPONSE.replace("{providers}", &providers)),
        ("docs/runbooks/model-provider-outage.md", OUTAGE_RUNBOOK.replace("{providers}", &providers)),
    ]
}

/// Writes what `custodia init` writes, refusing to overwrite unless `force`.
/// Returns the files written.
pub fn write(root: &Path, survey: &Survey, docs: bool, force: bool) -> Result<Vec<PathBuf>, String> {
    let config_path = root.join(FILE_NAME);
    let text = config_text(survey);
    check(&text, &config_path)?;
    let mut files = vec![(config_path, text)];
    if docs {
        files.extend(documents(survey).into_iter().map(|(rel, text)| (root.join(rel), text)));
    }
    if !force && let Some((existing, _)) = files.iter().find(|(path, _)| path.exists()) {
        return Err(format!(
            "{} exists already; --force overwrites it (and the other files init writes)",
            existing.display()
        ));
    }
    for (path, text) in &files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        }
        std::fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

const INCIDENT_RESPONSE: &str = "# AI incident response plan

<!-- Written by `custodia init --docs` as a starting point. custodia does not
count this document as evidence while any [FILL IN: ...] placeholder is left:
replace each with your organisation's answer, then delete this comment. -->

Owner: [FILL IN: the role accountable for this plan, e.g. Head of Engineering]
Approved by: [FILL IN: name, role] on [FILL IN: date]
Reviewed: at least once a year, and after every AI incident.

## Purpose and scope

This plan is the incident response for the features of [FILL IN: system name]
that call large language models ({providers}). It complements the
organisation's security incident response policy ([FILL IN: link]) with the
incidents specific to model inference.

## Roles and escalation

| role | who | how to reach them |
|---|---|---|
| Incident commander | [FILL IN: role or rotation] | [FILL IN: pager, phone] |
| AI feature owner | [FILL IN] | [FILL IN] |
| Security | [FILL IN] | [FILL IN] |
| Communications / customer support | [FILL IN] | [FILL IN] |

Escalation: [FILL IN: who is paged first, after how long the next level, when
legal and the data protection officer are involved].

## Severity levels

| level | examples | response time |
|---|---|---|
| SEV1 | customer data exposed through a model; a leaked provider key in use | [FILL IN] |
| SEV2 | harmful model output shown to customers; an AI feature down | [FILL IN] |
| SEV3 | a prompt injection attempt blocked; degraded answers | [FILL IN] |

## Detection

How each incident below comes to our attention: [FILL IN: alerts, logs of
model calls, customer reports, the provider's status page, secret scanning].

## Scenarios

For each: how it is detected, how it is contained (the AI feature can be
switched off with [FILL IN: feature flag or configuration]), how it is
resolved, and who is told.

### Prompt injection

Request input or retrieved content that overrides the system prompt
(jailbreak, indirect injection through documents or web pages).
Containment: [FILL IN]. Resolution: [FILL IN: fix the prompt assembly, add
input filtering, review what the injected instructions could reach].

### Harmful or wrong model output

Model output that is harmful, offensive or wrong (hallucination) reaches a
customer or a downstream system. Containment: [FILL IN]. Resolution:
[FILL IN: output filtering, human review, correcting affected records].

### Data leakage through inference

Personal or confidential data sent to a model provider against policy, or
shown to the wrong user in model output (including a system prompt leak).
Containment: [FILL IN]. Notification: [FILL IN: customers, regulators, within
which deadline].

### Model provider outage

The model provider ({providers}) is down, slow or rate limiting us. Follow
the runbook docs/runbooks/model-provider-outage.md.

### API key compromise

A provider API key is leaked or compromised. Revoke the key and rotate the API
keys at the provider ([FILL IN: where keys are stored and who can rotate
them]); review the provider's usage logs for misuse.

## Communication

Customers: [FILL IN: channel, template, who approves]. Internal: [FILL IN:
incident channel]. Regulators: [FILL IN: when and by whom].

## After the incident

A post-incident review within [FILL IN: days] records the timeline, the cause,
the customer impact and the follow-up actions, with owners and dates.

## Testing

This plan is exercised [FILL IN: e.g. once a year in a tabletop exercise];
the last exercise was on [FILL IN: date].
";

const OUTAGE_RUNBOOK: &str = "# Runbook: model provider outage

<!-- Written by `custodia init --docs` as a starting point. custodia does not
count this runbook as evidence while any [FILL IN: ...] placeholder is left. -->

Owner: [FILL IN: team or rotation]. Last reviewed: [FILL IN: date].

## Scope

The AI features of [FILL IN: system name] and the model providers they call:
{providers}. An outage is the provider down, degraded (errors, timeouts,
slow answers) or rate limiting us (HTTP 429).

## Detection

- Alerts: [FILL IN: the error-rate and latency alerts on model calls, their
  thresholds, where they page].
- The provider's status page: [FILL IN: URL].
- The health check: [FILL IN: route, e.g. /api/health, and what it checks].

## Triage

1. Confirm on the status page and in our logs that the provider, not our
   code, is failing.
2. Decide the severity with the incident-response plan
   (docs/ai-incident-response.md).

## Mitigation

- Failover: [FILL IN: the fallback model or provider, how to switch to it,
  e.g. a feature flag or an environment variable].
- Degrade gracefully: [FILL IN: what customers see while the AI feature is
  off or slow].
- Rate limited: [FILL IN: reduce concurrency, queue requests, contact the
  provider].

## Communication

[FILL IN: status page entry, customer support macro, who approves].

## Recovery

Switch back once the provider has been healthy for [FILL IN: duration];
check error rates; record the outage and its impact.

## Contacts

Provider support: [FILL IN: account manager, support plan, how to open a
ticket].
";
