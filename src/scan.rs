//! A whole-project scan: walk the tree, analyse every source file in
//! parallel, and account for every file seen.
//!
//! The walk honours `.gitignore` (with or without a git repository), skips
//! dependency and build directories, virtual environments and minified
//! bundles by default, and applies the project's and the command line's
//! exclusions (gitignore syntax). Every source file the walk reaches ends in
//! exactly one of: analysed, skipped by the prefilter, or skipped with a
//! reason (too large, binary, invalid UTF-8, unreadable, minified, over its
//! time budget). Bad input never stops the scan.

use std::collections::BTreeMap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};
use serde::{Deserialize, Serialize};

use crate::analysis::{ExternalResolver, NoExternals};
use crate::engine::{Engine, FileAnalysis};
use crate::facts::{FileFacts, ImportFact};
use crate::file_class::{Because, FileClass, Reported};
use crate::finding::{Evidence, Finding, Suppressed, evidence_order, finding_order};
use crate::lang::{self, FileKind, Language};
use crate::limits::{ANALYSIS_STACK_SIZE, Exhausted, OverBudget};
use crate::packages::{self, Manifest, Package};
use crate::plans::{self, DocumentFacts};
use crate::prefilter::{import_specifiers, is_health_route, is_project_settings, may_hold_routes};
use crate::project::{ModuleResolver, ProjectIndex, module_import};
use crate::rules::RuleFailure;

/// Directories and files nobody means to audit: dependencies, build output,
/// virtual environments, caches, minified bundles (gitignore syntax).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git/",
    ".hg/",
    ".svn/",
    "node_modules/",
    "bower_components/",
    "jspm_packages/",
    "dist/",
    "build/",
    "out/",
    ".next/",
    ".nuxt/",
    ".output/",
    ".svelte-kit/",
    ".vercel/",
    ".turbo/",
    ".cache/",
    ".parcel-cache/",
    "coverage/",
    "storybook-static/",
    "venv/",
    ".venv/",
    "virtualenv/",
    ".tox/",
    ".nox/",
    "site-packages/",
    "__pycache__/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    "*.min.js",
    "*.min.mjs",
    "*.min.cjs",
    "*.bundle.js",
    "*-bundle.js",
];

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub root: PathBuf,
    /// Exclusions from the command line, added to the configuration's.
    pub exclude: Vec<String>,
    /// Skip files the prefilter proves irrelevant (on by default).
    pub prefilter: bool,
    /// Parse every file and stop there: the benchmark's baseline.
    pub parse_only: bool,
    /// Analyse across files (imported clients, routes, project rules). Off,
    /// only the file rules run: the benchmark measures what the project
    /// analysis adds.
    pub project: bool,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Files named on the command line (relative to the root): reported
    /// whatever their class (a test named explicitly is meant).
    pub named: Vec<String>,
    /// Where the scan counts its progress, for a display (`custodia scan`
    /// on a terminal); `None` counts nothing.
    pub progress: Option<Arc<crate::progress::Counter>>,
}

impl ScanOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ScanOptions {
            root: root.into(),
            exclude: Vec::new(),
            prefilter: true,
            parse_only: false,
            project: true,
            threads: None,
            named: Vec::new(),
            progress: None,
        }
    }
}

/// Why a source file was not analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    TooLarge,
    Binary,
    InvalidUtf8,
    Unreadable,
    Minified,
    ParseFailed,
    /// The walk itself failed here (permission denied, a symlink loop).
    WalkError,
    /// Parsing and analysing the file ran past `[scan] file_time_budget`.
    TimeBudget,
    /// custodia failed on the file (a panic outside the rules): a bug.
    AnalysisFailed,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::TooLarge => "too large",
            SkipReason::Binary => "binary",
            SkipReason::InvalidUtf8 => "invalid UTF-8",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Minified => "minified",
            SkipReason::ParseFailed => "parse failed",
            SkipReason::WalkError => "walk error",
            SkipReason::TimeBudget => "time budget",
            SkipReason::AnalysisFailed => "analysis failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: SkipReason,
    pub detail: String,
}

/// Why a file was analysed only in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartialReason {
    /// The parser recovered from syntax errors; code inside them is not seen.
    SyntaxErrors,
    /// Expressions nested deeper than the analysis follows were cut off.
    DeepNesting,
    /// The analysis used up the steps allowed for a file of its size.
    WorkBudget,
    /// The analysis ran past `[scan] file_time_budget`.
    TimeBudget,
}

impl PartialReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PartialReason::SyntaxErrors => "syntax errors",
            PartialReason::DeepNesting => "deep nesting",
            PartialReason::WorkBudget => "work budget",
            PartialReason::TimeBudget => "time budget",
        }
    }

    /// What the reason means, without the configured figures (a
    /// [`Partial`]'s own `detail` has them).
    pub fn detail(self) -> &'static str {
        match self {
            PartialReason::SyntaxErrors => "the file has syntax errors; it was analysed as far as it parses",
            PartialReason::DeepNesting => {
                "expressions nested deeper than scan.max_nesting_depth were not analysed below that depth"
            }
            PartialReason::WorkBudget => {
                "the analysis used up the steps allowed for a file of its size; what it found before stands"
            }
            PartialReason::TimeBudget => "the analysis ran past scan.file_time_budget; what it found before stands",
        }
    }

    /// What the reason means for a scan with `config`'s bounds.
    pub fn detail_for(self, config: &crate::config::Config) -> String {
        match self {
            PartialReason::SyntaxErrors | PartialReason::WorkBudget | PartialReason::TimeBudget => {
                self.detail().to_string()
            }
            PartialReason::DeepNesting => format!(
                "expressions nested more than {} levels deep were not analysed below that depth (scan.max_nesting_depth)",
                config.max_nesting_depth
            ),
        }
    }
}

/// A file analysed in part: its findings stand, but it may hide more.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Partial {
    pub path: String,
    pub reason: PartialReason,
    /// The reason with the configured figures (the nesting depth).
    pub detail: String,
}

/// A directory or file left out on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Excluded {
    /// A path, or for files left out of scope by their name a pattern in a
    /// directory (`src/*.test.ts`).
    pub path: String,
    /// `default` or `configured`, with the pattern; or `scope: <class>`.
    pub reason: String,
    /// For files left out of scope: how many the entry stands for (an
    /// excluded directory is not walked, so its files are not counted).
    pub files: usize,
}

/// The files a scan left out of its report because of what they are for
/// (tests, examples, docs and tooling, generated code).
#[derive(Debug, Clone, Default)]
pub struct ScopeSummary {
    /// The classes reported.
    pub reported: Reported,
    /// Files of the other classes, by class.
    pub left_out: BTreeMap<FileClass, usize>,
    /// Of those, the files analysed all the same because reported code
    /// imports them (routes reach helpers and clients through them); their
    /// own findings are not reported.
    pub analysed_for_reach: usize,
}

/// Counts and timings of a scan. Every source file seen is analysed,
/// prefiltered or skipped: `files_seen == files_analyzed + files_prefiltered + files_skipped`.
#[derive(Debug, Clone, Default)]
pub struct ScanStats {
    pub files_seen: usize,
    pub files_analyzed: usize,
    pub files_prefiltered: usize,
    pub files_skipped: usize,
    /// `files_skipped` by reason: the counts add up to it.
    pub files_skipped_by_reason: BTreeMap<SkipReason, usize>,
    /// Analysed files (counted in `files_analyzed`) analysed only in part.
    pub files_partial: usize,
    pub files_with_syntax_errors: usize,
    pub files_by_language: BTreeMap<Language, usize>,
    pub bytes_seen: u64,
    pub bytes_analyzed: u64,
    /// Summed over threads.
    pub parse_time: Duration,
    /// Summed over threads: lowering, facts, rules, suppressions.
    pub analysis_time: Duration,
    /// Steps of analysis taken, summed over the files (see
    /// [`Budget`](crate::limits::Budget)): the cost of a scan that does not
    /// depend on the machine.
    pub analysis_steps: u64,
    /// Wall time of the cross-file analysis: the second pass (files that
    /// import clients or reach model code through other files) and the
    /// project rules (routes, reachability, documents).
    pub project_time: Duration,
    pub wall_time: Duration,
    pub threads: usize,
}

/// What became of a file seen, for [`ScanStats::count`].
#[derive(Debug, Clone, Copy)]
enum Tally {
    Analyzed,
    Prefiltered,
    Skipped(SkipReason),
}

impl ScanStats {
    /// Counts one file seen, once, under what became of it: every file goes
    /// through here, which is what keeps `files_seen == files_analyzed +
    /// files_prefiltered + files_skipped`. (Walk errors have no language.)
    fn count(&mut self, tally: Tally, language: Option<Language>, bytes: u64) {
        self.files_seen += 1;
        self.bytes_seen += bytes;
        if let Some(language) = language {
            *self.files_by_language.entry(language).or_default() += 1;
        }
        match tally {
            Tally::Analyzed => {
                self.files_analyzed += 1;
                self.bytes_analyzed += bytes;
            }
            Tally::Prefiltered => self.files_prefiltered += 1,
            Tally::Skipped(reason) => {
                self.files_skipped += 1;
                *self.files_skipped_by_reason.entry(reason).or_default() += 1;
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct ScanResult {
    pub root: PathBuf,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub evidence: Vec<Evidence>,
    pub skipped: Vec<Skipped>,
    /// Files analysed in part (syntax errors, deep nesting).
    pub partial: Vec<Partial>,
    pub excluded: Vec<Excluded>,
    pub files: Vec<FileFacts>,
    /// Incident-response plans, runbooks and the other documents looked at.
    pub documents: Vec<DocumentFacts>,
    /// The packages of the project and what each ships (service,
    /// application, library): the project-level rules apply to what is
    /// deployed, not to libraries.
    pub packages: Vec<Package>,
    /// Rules that panicked (their findings on that input are missing).
    pub rule_failures: Vec<RuleFailure>,
    pub stats: ScanStats,
    pub scope: ScopeSummary,
    /// The parts of the project reported, when not all of it (see [`Selection`]).
    pub selected: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot scan {}: {reason}", path.display())]
    Root { path: PathBuf, reason: String },
    #[error("invalid exclude pattern `{pattern}`: {reason}")]
    Exclude { pattern: String, reason: String },
}

enum Outcome {
    Analyzed(Box<Analyzed>),
    /// A document where an incident-response plan or a runbook may be.
    Document(DocumentFacts),
    /// A package manifest (`package.json`, `pyproject.toml` ...).
    Manifest(Manifest),
    /// A directory holding a `tsconfig.json` or `jsconfig.json`.
    ScriptConfig(String),
    ParsedOnly {
        bytes: u64,
        language: Language,
        parse_time: Duration,
        syntax_errors: bool,
    },
    Prefiltered(Prefiltered),
    Skipped {
        skipped: Skipped,
        bytes: u64,
        language: Option<Language>,
    },
}

/// A file the first pass analysed. The second pass reads and parses again
/// the few files it analyses again: keeping their trees from the first pass
/// cost several times their size in memory, and was slower on the corpus
/// (docs/PERFORMANCE.md).
struct Analyzed {
    file: SourceFile,
    analysis: FileAnalysis,
}

/// Source files found by the walk and waiting for an analysis thread.
const WORK_QUEUE: usize = 1024;

/// A file the prefilter let pass by, with the modules it imports: the
/// second pass analyses it if one of them exports a model client.
struct Prefiltered {
    file: SourceFile,
    imports: Vec<(String, u8)>,
    /// The text may declare routes, middleware or mounts
    /// ([`may_hold_routes`]): the second pass follows imports from here.
    may_route: bool,
    /// A module that passes names on ([`Prefilter::is_barrel`]): analysed
    /// before the second pass if one of those names may be a model client
    /// ([`analyse_client_barrels`]).
    barrel: bool,
}

struct SourceFile {
    /// Where to read it.
    abs: PathBuf,
    /// Relative to the root, `/`-separated.
    rel: String,
    kind: FileKind,
    bytes: u64,
    /// Production, test, example ...: what the package classes read,
    /// whatever the scope reported.
    class: FileClass,
    /// Outside the classes reported: analysed only if reported code imports
    /// it, and then for what it lends to routes, never for findings.
    out_of_scope: Option<(FileClass, Because)>,
}

pub fn scan(engine: &Engine, options: &ScanOptions) -> Result<ScanResult, ScanError> {
    let started = Instant::now();
    let root = &options.root;
    let metadata =
        std::fs::metadata(root).map_err(|e| ScanError::Root { path: root.clone(), reason: e.to_string() })?;
    let base = if metadata.is_file() { root.parent().unwrap_or(Path::new(".")).to_path_buf() } else { root.clone() };
    let threads = options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

    let walked = walk(engine, options, &base, threads)?;
    let mut result = ScanResult { root: root.clone(), ..ScanResult::default() };
    result.stats.threads = threads;
    let first = sort_outcomes(walked.outcomes, &mut result);
    let project_started = Instant::now();
    if let Some(progress) = &options.progress {
        progress.enter(crate::progress::Phase::Project);
    }
    let pass = if options.project {
        project_pass(engine, &base, first, threads, &mut result)
    } else {
        ProjectPass {
            analyzed: first.analyzed,
            prefiltered: first.prefiltered,
            findings: Default::default(),
            evidence: Vec::new(),
            covered_above: HashSet::default(),
        }
    };
    result.stats.project_time = project_started.elapsed();
    account(engine, pass, &mut result);
    order(&mut result, walked.excluded);
    result.stats.wall_time = started.elapsed();
    Ok(result)
}

/// What the walk found: every file's outcome, and what was excluded on the way.
struct Walked {
    outcomes: Vec<Outcome>,
    excluded: Vec<Excluded>,
}

/// The first pass: walks the tree and analyses each source file alone, in
/// parallel. The walker's threads find the files; source files are analysed
/// on threads of our own, whose stacks have room for the configured nesting
/// depth (expressions are lowered recursively). The queue between them is
/// bounded: the walk never runs far ahead of the analysis.
fn walk(engine: &Engine, options: &ScanOptions, base: &Path, threads: usize) -> Result<Walked, ScanError> {
    let defaults = matcher(base, DEFAULT_EXCLUDES.iter().map(|s| s.to_string()))?;
    let configured = matcher(base, engine.config().exclude.iter().chain(&options.exclude).cloned())?;
    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    // `filter_entry` needs a 'static closure: it records exclusions here.
    let excluded: Arc<Mutex<Vec<Excluded>>> = Arc::new(Mutex::new(Vec::new()));

    let mut builder = WalkBuilder::new(&options.root);
    builder.hidden(false).git_global(false).require_git(false).follow_links(true).threads(threads);
    {
        let base = base.to_path_buf();
        let record = excluded.clone();
        builder.filter_entry(move |entry| keep(entry, &base, &defaults, &configured, &record));
    }
    let (work, queue) = std::sync::mpsc::sync_channel::<PathBuf>(WORK_QUEUE);
    let queue = Mutex::new(queue);
    std::thread::scope(|scope| {
        let analyse = || {
            loop {
                // The lock is released before the file is processed.
                let next = lock(&queue).recv();
                let Ok(path) = next else { break };
                // A worker that died would leave the walk blocked on a full
                // queue: a panic outside the rules (which are isolated
                // already) is caught here and the file reported.
                let processed =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(engine, options, base, &path)));
                let outcome = processed.unwrap_or_else(|panic| Some(analysis_failed(base, &path, &*panic)));
                if let Some(outcome) = outcome {
                    lock(&outcomes).push(outcome);
                }
                if let Some(progress) = &options.progress {
                    progress.analysed();
                }
            }
        };
        let workers = (0..threads)
            .filter(|_| {
                let thread = std::thread::Builder::new().stack_size(ANALYSIS_STACK_SIZE);
                thread.spawn_scoped(scope, analyse).is_ok()
            })
            .count();
        builder.build_parallel().run(|| {
            let outcomes = &outcomes;
            let work = work.clone();
            Box::new(move |entry| {
                match entry {
                    Ok(entry) => {
                        if entry.file_type().is_some_and(|t| t.is_file()) {
                            let rel = relative(entry.path(), base);
                            let name = rel.rsplit('/').next().unwrap_or(&rel);
                            if packages::is_manifest(&rel)
                                && let Some(manifest) = manifest(base, &entry)
                            {
                                lock(outcomes).push(Outcome::Manifest(manifest));
                            }
                            let outcome = if name == "tsconfig.json" || name == "jsconfig.json" {
                                let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
                                Some(Outcome::ScriptConfig(dir.to_string()))
                            } else if plans::is_candidate(&rel) {
                                document(base, &entry).map(Outcome::Document)
                            } else if workers == 0 {
                                // No thread could be started: analyse here.
                                process(engine, options, base, entry.path())
                            } else {
                                if FileKind::of(entry.path()).is_some() {
                                    if let Some(progress) = &options.progress {
                                        progress.found();
                                    }
                                    // Sent unless every worker is gone (then
                                    // nothing would receive it anyway).
                                    let _ = work.send(entry.into_path());
                                }
                                None
                            };
                            if let Some(outcome) = outcome {
                                lock(outcomes).push(outcome);
                            }
                        }
                    }
                    Err(err) => {
                        let (path, detail) = walk_error(&err, base);
                        let skipped = Skipped { path, reason: SkipReason::WalkError, detail };
                        lock(outcomes).push(Outcome::Skipped { skipped, bytes: 0, language: None });
                    }
                }
                WalkState::Continue
            })
        });
        // The walk is over: the workers finish the queue and stop.
        drop(work);
    });
    let excluded = std::mem::take(&mut *lock(&excluded));
    Ok(Walked { outcomes: outcomes.into_inner().unwrap_or_else(|e| e.into_inner()), excluded })
}

/// The first pass's results, by kind, waiting for the project pass.
struct FirstPass {
    analyzed: Vec<Analyzed>,
    prefiltered: Vec<Prefiltered>,
    config_dirs: Vec<String>,
    manifests: Vec<Manifest>,
}

/// Sorts the walk's outcomes: files the first pass analysed or let by go on
/// to the project pass; files only parsed or skipped are accounted for now,
/// documents kept.
fn sort_outcomes(outcomes: Vec<Outcome>, result: &mut ScanResult) -> FirstPass {
    let mut first =
        FirstPass { analyzed: Vec::new(), prefiltered: Vec::new(), config_dirs: Vec::new(), manifests: Vec::new() };
    for outcome in outcomes {
        let stats = &mut result.stats;
        match outcome {
            Outcome::Analyzed(file) => first.analyzed.push(*file),
            Outcome::Document(document) => result.documents.push(document),
            Outcome::ScriptConfig(dir) => first.config_dirs.push(dir),
            Outcome::Manifest(manifest) => first.manifests.push(manifest),
            Outcome::Prefiltered(file) => first.prefiltered.push(file),
            Outcome::ParsedOnly { bytes, language, parse_time, syntax_errors } => {
                stats.count(Tally::Analyzed, Some(language), bytes);
                stats.parse_time += parse_time;
                if syntax_errors {
                    stats.files_with_syntax_errors += 1;
                }
            }
            Outcome::Skipped { skipped, bytes, language } => {
                // Walk errors are not files of a language; they are still
                // accounted for, as seen and skipped.
                stats.count(Tally::Skipped(skipped.reason), language, bytes);
                result.skipped.push(skipped);
            }
        }
    }
    // The threads finish in any order; the project index numbers files in
    // this order, and what a route reaches first is named first.
    first.analyzed.sort_by(|a, b| a.file.rel.cmp(&b.file.rel));
    first.prefiltered.sort_by(|a, b| a.file.rel.cmp(&b.file.rel));
    first
}

/// The files after the project pass, and the project rules' findings (by
/// file) and evidence.
struct ProjectPass {
    analyzed: Vec<Analyzed>,
    prefiltered: Vec<Prefiltered>,
    findings: std::collections::HashMap<String, Vec<Finding>>,
    evidence: Vec<Evidence>,
    /// File-rule findings a control one level up covers (`project::above`):
    /// path, rule and the call's location.
    covered_above: HashSet<(String, &'static str, crate::source::Location)>,
}

/// The cross-file part: the second pass (files analysed again, or for the
/// first time, because of what other files export or reach), then what
/// each package ships, then the project rules.
fn project_pass(
    engine: &Engine,
    base: &Path,
    first: FirstPass,
    threads: usize,
    result: &mut ScanResult,
) -> ProjectPass {
    let FirstPass { mut analyzed, prefiltered, mut config_dirs, manifests } = first;
    config_dirs.sort();
    drop_server_only_actions(&mut analyzed, &prefiltered, &manifests);
    let project = Project { base, config_dirs: &config_dirs, manifests: &manifests };
    let (analyzed, prefiltered) = analyse_client_barrels(engine, &project, analyzed, prefiltered, threads);
    let (mut analyzed, prefiltered) = second_pass(engine, &project, analyzed, prefiltered, threads, &mut result.stats);
    analyzed.sort_by(|a, b| a.file.rel.cmp(&b.file.rel));
    // A file whose second parse ran out of budget is skipped, as in the
    // first pass: its facts are empty and must not stand for the file.
    let (mut analyzed, over): (Vec<Analyzed>, Vec<Analyzed>) =
        analyzed.into_iter().partition(|a| a.analysis.over_budget.is_none_or(|o| o.keeps_facts()));
    for Analyzed { file, analysis, .. } in over {
        result.stats.count(Tally::Skipped(SkipReason::TimeBudget), Some(file.kind.language), file.bytes);
        if let Some(over) = analysis.over_budget {
            result.skipped.push(Skipped { path: file.rel, reason: SkipReason::TimeBudget, detail: over.to_string() });
        }
    }
    result.documents.sort_by(|a, b| a.path.cmp(&b.path));
    // Plans kept outside the repository that custodia.toml points at.
    result.documents.extend(engine.config().evidence_documents(base));
    // What each package ships, from its production code whatever the
    // scope reported (an example's or a test's routes are not the
    // system's).
    let signals: Vec<packages::FileSignal> = analyzed
        .iter()
        .filter(|a| a.file.class == FileClass::Production)
        .map(|a| packages::FileSignal { path: a.file.rel.clone(), serves: !a.analysis.facts.entrypoints.is_empty() })
        .collect();
    let example = |file: &SourceFile| file.class == FileClass::Example;
    let examples = prefiltered.iter().any(|p| example(&p.file)) || analyzed.iter().any(|a| example(&a.file));
    result.packages = packages::classify(&manifests, &signals, examples, engine.config().project_kind);
    let (documents, packages) = (&result.documents, &result.packages);
    let outcome = crate::limits::on_large_stack(|| project_rules(engine, &project, &mut analyzed, documents, packages));
    result.rule_failures.extend(outcome.failures);
    ProjectPass {
        analyzed,
        prefiltered,
        findings: outcome.findings,
        evidence: outcome.evidence,
        covered_above: outcome.covered_above,
    }
}

/// Accounts for every file the project pass kept, and gathers the findings
/// of those in scope (their own and the project rules', suppressions
/// applied), their evidence and facts; files outside the scope are counted
/// as left out.
fn account(engine: &Engine, pass: ProjectPass, result: &mut ScanResult) {
    let ProjectPass { analyzed, prefiltered, findings: mut project_findings, evidence, covered_above } = pass;
    result.evidence.extend(evidence);
    let stats = &mut result.stats;
    result.scope.reported = engine.config().scope;
    let mut left_out: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut leave_out = |scope: &mut ScopeSummary, (class, because): &(FileClass, Because)| {
        *scope.left_out.entry(*class).or_default() += 1;
        *left_out.entry((because.anchor().to_string(), format!("scope: {class}"))).or_default() += 1;
    };
    for file in prefiltered {
        if let Some(out) = &file.file.out_of_scope {
            leave_out(&mut result.scope, out);
            continue;
        }
        stats.count(Tally::Prefiltered, Some(file.file.kind.language), file.file.bytes);
    }
    for Analyzed { file, analysis, .. } in analyzed {
        if let Some(out) = &file.out_of_scope {
            leave_out(&mut result.scope, out);
            result.scope.analysed_for_reach += 1;
            project_findings.remove(&file.rel);
            continue;
        }
        stats.count(Tally::Analyzed, Some(file.kind.language), file.bytes);
        stats.parse_time += analysis.parse_time;
        stats.analysis_time += analysis.analysis_time;
        stats.analysis_steps += analysis.steps;
        let stopped = analysis.over_budget.filter(|o| o.keeps_facts());
        if analysis.facts.syntax_errors || analysis.facts.truncated || stopped.is_some() {
            stats.files_partial += 1;
        }
        let mut partial = |reason: PartialReason, detail: String| {
            result.partial.push(Partial { path: file.rel.clone(), reason, detail });
        };
        if analysis.facts.syntax_errors {
            stats.files_with_syntax_errors += 1;
            partial(PartialReason::SyntaxErrors, PartialReason::SyntaxErrors.detail_for(engine.config()));
        }
        if analysis.facts.truncated {
            partial(PartialReason::DeepNesting, PartialReason::DeepNesting.detail_for(engine.config()));
        }
        if let Some(over) = stopped {
            let reason = match over.exhausted {
                Exhausted::Steps => PartialReason::WorkBudget,
                Exhausted::Time => PartialReason::TimeBudget,
            };
            partial(reason, over.to_string());
        }
        let mut findings = analysis.findings;
        if packages::package_of(&result.packages, &file.rel).is_some_and(|p| p.kind == packages::PackageKind::Library) {
            findings.retain(|f| crate::rules::applies_in_libraries(f.rule));
        }
        findings.retain(|f| f.location.is_none_or(|at| !covered_above.contains(&(file.rel.clone(), f.rule, at))));
        if let Some(more) = project_findings.remove(&file.rel) {
            findings.extend(more);
        }
        let applied = engine.finalize(&file.rel, findings, &analysis.facts.suppressions);
        result.findings.extend(applied.findings);
        result.suppressed.extend(applied.suppressed);
        result.evidence.extend(analysis.evidence);
        result.rule_failures.extend(analysis.failures);
        result.files.push(analysis.facts);
    }
    // Findings with no file of their own (project level).
    result.findings.extend(project_findings.into_values().flatten());
    result.excluded.extend(left_out.into_iter().map(|((path, reason), files)| Excluded { path, reason, files }));
}

/// Puts everything in reading order, so that the same project gives the
/// same output whatever order the threads finished in.
fn order(result: &mut ScanResult, walk_excluded: Vec<Excluded>) {
    result.findings.sort_by(finding_order);
    result.suppressed.sort_by(|a, b| finding_order(&a.finding, &b.finding));
    result.evidence.sort_by(evidence_order);
    result.evidence.dedup();
    result.skipped.sort();
    result.partial.sort();
    result.files.sort_by(|a, b| a.path.cmp(&b.path));
    result.excluded.extend(walk_excluded);
    result.excluded.sort();
    result.excluded.dedup();
}

/// What a scan covers: the project it analyses, and the part of it whose
/// findings are reported.
///
/// One directory is a project of its own, as always. A file, or several
/// paths (packages of a monorepo, the files a commit changed), are parts of
/// a project: the project is found upwards from them (the nearest directory
/// with a `custodia.toml` or a `.git`, else the paths' common directory), the
/// whole of it is analysed, so that a route in the file is followed to the
/// model through other files and its guards in middleware are seen, and
/// only what lies in the paths is reported. Findings about the project as a
/// whole are reported only when the whole project is selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The project root: what is analysed, and what paths are relative to.
    pub root: PathBuf,
    /// The parts reported, relative to the root: files, and directories
    /// with a trailing `/`. `None`: the whole project.
    pub parts: Option<Vec<String>>,
}

impl Selection {
    /// The selection for the paths of a command line (`.` when none).
    pub fn of(paths: &[PathBuf]) -> Result<Selection, ScanError> {
        let given: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        let mut absolute = Vec::with_capacity(given.len());
        for path in &given {
            let canonical = std::fs::canonicalize(path)
                .map_err(|e| ScanError::Root { path: path.clone(), reason: e.to_string() })?;
            absolute.push(canonical);
        }
        if let [only] = given.as_slice()
            && absolute[0].is_dir()
        {
            return Ok(Selection { root: only.clone(), parts: None });
        }
        let directory = |p: &Path| if p.is_dir() { p.to_path_buf() } else { p.parent().unwrap_or(p).to_path_buf() };
        let mut common = directory(&absolute[0]);
        for path in &absolute[1..] {
            while !path.starts_with(&common) {
                let Some(parent) = common.parent() else { break };
                common = parent.to_path_buf();
            }
        }
        let root = common
            .ancestors()
            .find(|dir| dir.join(crate::config::FILE_NAME).is_file() || dir.join(".git").exists())
            .map_or(common.clone(), Path::to_path_buf);
        let mut parts = Vec::new();
        for path in &absolute {
            let rel = relative(path, &root);
            if rel.is_empty() {
                return Ok(Selection { root, parts: None });
            }
            parts.push(if path.is_dir() { format!("{rel}/") } else { rel });
        }
        parts.sort();
        parts.dedup();
        Ok(Selection { root, parts: Some(parts) })
    }

    /// The files named (not directories), relative to the root.
    pub fn files(&self) -> Vec<String> {
        self.parts.iter().flatten().filter(|p| !p.ends_with('/')).cloned().collect()
    }

    /// Whether findings at `path` (relative to the root; `None` for the
    /// project as a whole) are reported.
    pub fn includes(&self, path: Option<&str>) -> bool {
        match (&self.parts, path) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(parts), Some(path)) => parts
                .iter()
                .any(|part| if part.ends_with('/') { path.starts_with(part.as_str()) } else { path == part }),
        }
    }
}

impl ScanResult {
    /// Keeps what the selection reports: findings, suppressions, evidence,
    /// skipped and partial files, and file facts in its parts. The counts
    /// of `stats` and `scope` stay those of the project analysed.
    pub fn restrict(&mut self, selection: &Selection) {
        if selection.parts.is_none() {
            return;
        }
        self.selected = selection.parts.clone();
        let keep = |path: Option<&str>| selection.includes(path);
        self.findings.retain(|f| keep(f.path.as_deref()));
        self.suppressed.retain(|s| keep(s.finding.path.as_deref()));
        self.evidence.retain(|e| keep(Some(&e.path)));
        self.skipped.retain(|s| keep(Some(&s.path)));
        self.partial.retain(|p| keep(Some(&p.path)));
        self.files.retain(|f| keep(Some(&f.path)));
    }
}

/// What the cross-file passes know of the project besides its files.
struct Project<'p> {
    base: &'p Path,
    /// Directories with a `tsconfig.json` or `jsconfig.json`, seen by the walk.
    config_dirs: &'p [String],
    /// The package manifests the walk read (workspace packages by name).
    manifests: &'p [packages::Manifest],
}

/// What needs the other files: calls through clients that another module
/// of the project builds and exports. Files that import such a client are
/// analysed again (or, if the prefilter skipped them, for the first time)
/// with their imports resolved against the project index. Returns the
/// analysed files and the files that stay prefiltered.
fn second_pass(
    engine: &Engine,
    project: &Project,
    mut analyzed: Vec<Analyzed>,
    prefiltered: Vec<Prefiltered>,
    threads: usize,
    stats: &mut ScanStats,
) -> (Vec<Analyzed>, Vec<Prefiltered>) {
    enum Job {
        /// Analyse an analysed file again, its imports resolved.
        Again(usize),
        /// Analyse a file the prefilter skipped.
        First(usize),
    }
    let facts: Vec<FileFacts> = analyzed.iter_mut().map(|a| std::mem::take(&mut a.analysis.facts)).collect();
    let index = ProjectIndex::with_config_dirs(project.base, &facts, Some(project.config_dirs))
        .with_workspace(project.manifests);
    let mut jobs: Vec<(Job, &SourceFile)> = Vec::new();
    for (i, file) in analyzed.iter().enumerate() {
        let externals = index.externals(&file.file.rel, file.file.kind.language);
        let imports_client = facts[i].imports.iter().filter(|imp| !imp.namespace).any(|imp| {
            externals.client(&imp.module, imp.relative_level, imp.name.as_deref().unwrap_or("default")).is_some()
        });
        if imports_client {
            jobs.push((Job::Again(i), &file.file));
        }
    }
    let wanted = prefiltered_wanted(project, &analyzed, &facts, &prefiltered, &index, threads);
    jobs.extend(wanted.into_iter().map(|j| (Job::First(j), &prefiltered[j].file)));
    let files: Vec<&SourceFile> = jobs.iter().map(|(_, file)| *file).collect();
    let done = analyse_each(threads, &files, |file, source| {
        engine.analyze_source(&file.rel, file.kind, source, &index.externals(&file.rel, file.kind.language))
    });
    let jobs: Vec<Job> = jobs.into_iter().map(|(job, _)| job).collect();
    drop(index);
    for (analysis, facts) in analyzed.iter_mut().zip(facts) {
        analysis.analysis.facts = facts;
    }
    let mut prefiltered: Vec<Option<Prefiltered>> = prefiltered.into_iter().map(Some).collect();
    for (n, analysis) in done {
        match jobs.get(n) {
            Some(Job::Again(i)) => {
                // The first pass's time was spent too.
                stats.parse_time += analyzed[*i].analysis.parse_time;
                stats.analysis_time += analyzed[*i].analysis.analysis_time;
                stats.analysis_steps += analyzed[*i].analysis.steps;
                analyzed[*i].analysis = analysis;
            }
            Some(Job::First(j)) => {
                if let Some(file) = prefiltered[*j].take() {
                    let mut analysis = analysis;
                    if file.file.out_of_scope.is_some() {
                        // Analysed for what reported code reaches through
                        // it; its own routes are not the system's.
                        analysis.facts.entrypoints.clear();
                    }
                    analyzed.push(Analyzed { file: file.file, analysis });
                }
            }
            None => {}
        }
    }
    (analyzed, prefiltered.into_iter().flatten().collect())
}

/// Barrels the prefilter let by (`index.ts` with `export * from`, Python
/// `__init__.py`), analysed now if the names they pass on may include a
/// model client: a file that imports a client through a barrel is
/// analysed with that client known only if the barrel's exports are in the
/// index the second pass resolves against. A barrel that passes on the
/// project's clients imports, directly or through other barrels, a file
/// the first pass analysed that defines or exports one. The other barrels
/// stay prefiltered (most of a library's `index.ts` files): the second
/// pass still analyses them where a route reaches model code through them.
fn analyse_client_barrels(
    engine: &Engine,
    project: &Project,
    mut analyzed: Vec<Analyzed>,
    prefiltered: Vec<Prefiltered>,
    threads: usize,
) -> (Vec<Analyzed>, Vec<Prefiltered>) {
    let barrels: Vec<usize> = (0..prefiltered.len()).filter(|&j| prefiltered[j].barrel).collect();
    if barrels.is_empty() {
        return (analyzed, prefiltered);
    }
    let facts: Vec<FileFacts> = analyzed.iter_mut().map(|a| std::mem::take(&mut a.analysis.facts)).collect();
    let promoted: Vec<usize> = {
        let index = ProjectIndex::with_config_dirs(project.base, &facts, Some(project.config_dirs))
            .with_workspace(project.manifests);
        let first = analyzed.len();
        let paths = analyzed
            .iter()
            .map(|a| a.file.rel.as_str())
            .chain(barrels.iter().map(|&j| prefiltered[j].file.rel.as_str()));
        let mut resolver = ModuleResolver::with_config_dirs(project.base, paths, Some(project.config_dirs));
        resolver.set_workspace(crate::project::workspace_packages(project.manifests));
        // Each barrel's importers among the barrels, and whether it imports
        // a client-holding file directly.
        let mut importers: Vec<Vec<usize>> = vec![Vec::new(); barrels.len()];
        let mut holds: Vec<bool> = vec![false; barrels.len()];
        for (b, &j) in barrels.iter().enumerate() {
            let barrel = &prefiltered[j];
            for (module, level) in &barrel.imports {
                let import = ImportFact { relative_level: *level, ..module_import(module, None) };
                match resolver.resolve(&barrel.file.rel, barrel.file.kind.language, &import) {
                    Some(to) if to < first => {
                        holds[b] |= !facts[to].clients.is_empty() || index.exports_client(to);
                    }
                    Some(to) => importers[to - first].push(b),
                    None => {}
                }
            }
        }
        let mut work: Vec<usize> = (0..barrels.len()).filter(|&b| holds[b]).collect();
        while let Some(b) = work.pop() {
            for &importer in &importers[b] {
                if !holds[importer] {
                    holds[importer] = true;
                    work.push(importer);
                }
            }
        }
        (0..barrels.len()).filter(|&b| holds[b]).map(|b| barrels[b]).collect()
    };
    for (analysis, facts) in analyzed.iter_mut().zip(facts) {
        analysis.analysis.facts = facts;
    }
    if promoted.is_empty() {
        return (analyzed, prefiltered);
    }
    // Analysed as the first pass would have: alone.
    let files: Vec<&SourceFile> = promoted.iter().map(|&j| &prefiltered[j].file).collect();
    let done =
        analyse_each(threads, &files, |file, source| engine.analyze_source(&file.rel, file.kind, source, &NoExternals));
    let mut prefiltered: Vec<Option<Prefiltered>> = prefiltered.into_iter().map(Some).collect();
    for (n, analysis) in done {
        if let Some(barrel) = promoted.get(n).and_then(|&j| prefiltered[j].take()) {
            analyzed.push(Analyzed { file: barrel.file, analysis });
        }
    }
    (analyzed, prefiltered.into_iter().flatten().collect())
}

/// Server actions only server code calls are not endpoints
/// (`project::actions`): their entrypoints are dropped, and the routes that
/// call them still reach them as functions.
fn drop_server_only_actions(analyzed: &mut [Analyzed], prefiltered: &[Prefiltered], manifests: &[Manifest]) {
    use crate::frameworks::Framework;
    let candidates: Vec<crate::project::actions::Action> = analyzed
        .iter()
        .enumerate()
        .flat_map(|(i, a)| {
            a.analysis
                .facts
                .entrypoints
                .iter()
                .filter(|e| e.framework == Framework::ServerAction)
                .map(move |e| (i, e.path.clone()))
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let scripts: Vec<(&str, &Path)> = analyzed
        .iter()
        .map(|a| &a.file)
        .chain(prefiltered.iter().map(|p| &p.file))
        .filter(|f| f.kind.language != Language::Python)
        .map(|f| (f.rel.as_str(), f.abs.as_path()))
        .collect();
    let manifest_dirs: Vec<&str> = manifests.iter().map(|m| m.dir.as_str()).collect();
    let private = crate::project::actions::server_only(
        &candidates,
        |i| analyzed[i].file.rel.as_str(),
        &scripts,
        &manifest_dirs,
        |abs| std::fs::read_to_string(abs).ok(),
    );
    let private: Vec<(usize, String)> =
        candidates.into_iter().zip(private).filter_map(|(action, private)| private.then_some(action)).collect();
    for (i, name) in private {
        analyzed[i].analysis.facts.entrypoints.retain(|e| !(e.framework == Framework::ServerAction && e.path == name));
    }
}

/// The prefiltered files the project rules need after all. A route handler
/// rarely mentions a provider: it calls a service that does. So every file
/// that imports, directly or through other files, one that holds model code
/// (or writes stored model configuration) is analysed; so is every file such a file imports (where guards and
/// dependencies are defined), and every Next.js `middleware` file. The rest
/// stay prefiltered. Returns indices into `prefiltered`.
fn prefiltered_wanted(
    project: &Project,
    analyzed: &[Analyzed],
    facts: &[FileFacts],
    prefiltered: &[Prefiltered],
    index: &ProjectIndex,
    threads: usize,
) -> Vec<usize> {
    let first = analyzed.len();
    let paths = analyzed.iter().map(|a| a.file.rel.as_str()).chain(prefiltered.iter().map(|p| p.file.rel.as_str()));
    let mut resolver = ModuleResolver::with_config_dirs(project.base, paths, Some(project.config_dirs));
    resolver.set_workspace(crate::project::workspace_packages(project.manifests));
    // Every file's imports, resolved: analysed files first, then prefiltered.
    let imports: Vec<Vec<usize>> = map_in_parallel(threads, first + prefiltered.len(), |i| {
        if let (Some(a), Some(f)) = (analyzed.get(i), facts.get(i)) {
            let language = a.file.kind.language;
            return f.imports.iter().filter_map(|imp| resolver.resolve(&a.file.rel, language, imp)).collect();
        }
        let Some(p) = prefiltered.get(i - first) else { return Vec::new() };
        let language = p.file.kind.language;
        p.imports
            .iter()
            .filter_map(|(module, level)| {
                let import = ImportFact { relative_level: *level, ..module_import(module, None) };
                resolver.resolve(&p.file.rel, language, &import)
            })
            .collect()
    });
    let mut importers: Vec<Vec<usize>> = vec![Vec::new(); imports.len()];
    for (from, targets) in imports.iter().enumerate() {
        for &to in targets {
            importers[to].push(from);
        }
    }
    // Files with model code, then everything that imports them.
    let mut reaches: Vec<bool> = (0..imports.len())
        .map(|i| {
            i < first
                && (!facts[i].inference.is_empty()
                    || !facts[i].clients.is_empty()
                    || !facts[i].config_writes.is_empty()
                    || index.exports_client(i))
        })
        .collect();
    // Files outside the reported scope (tests, examples) pass reachability
    // on (a route may reach the model through a helper filed under
    // `testing/`), but are analysed only when reported code that reaches
    // model code imports them.
    let in_scope = |i: usize| i < first || prefiltered[i - first].file.out_of_scope.is_none();
    let mut work: Vec<usize> = (0..first).filter(|&i| reaches[i]).collect();
    while let Some(file) = work.pop() {
        for &importer in &importers[file] {
            if !reaches[importer] {
                reaches[importer] = true;
                work.push(importer);
            }
        }
    }
    // What a route can reach matters: the files that declare (or may
    // declare) routes, middleware or mounts, the files that import them (an
    // app module that registers a guard for its controllers, a server that
    // mounts a router), and everything these import, directly or not. In a
    // library, where nothing serves requests, that is little or nothing.
    let route_file = |i: usize| {
        if i < first {
            let f = &facts[i];
            !f.entrypoints.is_empty() || !f.routers.is_empty() || !f.mounts.is_empty() || f.next_middleware.is_some()
        } else {
            prefiltered[i - first].may_route
        }
    };
    let mut on_route: Vec<bool> = (0..imports.len()).map(route_file).collect();
    let mut work: Vec<usize> = (0..imports.len()).filter(|&i| on_route[i]).collect();
    while let Some(file) = work.pop() {
        for &importer in &importers[file] {
            if !on_route[importer] {
                on_route[importer] = true;
                work.push(importer);
            }
        }
    }
    let mut work: Vec<usize> = (0..imports.len()).filter(|&i| on_route[i]).collect();
    while let Some(file) = work.pop() {
        for &to in &imports[file] {
            if !on_route[to] {
                on_route[to] = true;
                work.push(to);
            }
        }
    }
    // A file that calls through a client another file exports makes
    // inference calls of its own, on a route or not (a nightly job).
    let calls_imported_client =
        |i: usize| i >= first && imports[i].iter().any(|&to| to < first && index.exports_client(to));
    let needed = |i: usize| reaches[i] && in_scope(i) && (on_route[i] || calls_imported_client(i));
    let mut wanted: Vec<bool> = (0..reaches.len()).map(needed).collect();
    for (from, targets) in imports.iter().enumerate() {
        if needed(from) {
            for &to in targets {
                wanted[to] = true;
            }
        }
    }
    (0..prefiltered.len())
        .filter(|&j| {
            wanted[first + j]
                || (in_scope(first + j) && crate::frameworks::is_next_middleware(&prefiltered[j].file.rel))
        })
        .collect()
}

/// The rules that look at the whole project: routes, what they reach and
/// what covers them. Returns their findings by file, and their evidence.
fn project_rules(
    engine: &Engine,
    project: &Project,
    analyzed: &mut [Analyzed],
    documents: &[DocumentFacts],
    packages: &[Package],
) -> ProjectOutcome {
    let facts: Vec<FileFacts> = analyzed.iter_mut().map(|a| std::mem::take(&mut a.analysis.facts)).collect();
    let (findings, mut evidence, failures, covered) = {
        let index = ProjectIndex::with_config_dirs(project.base, &facts, Some(project.config_dirs))
            .with_workspace(project.manifests);
        let routes = index.routes();
        let results = engine.project_rules(&index, &routes, documents, packages);
        (results.rules.findings, results.rules.evidence, results.rules.failures, results.above)
    };
    let mut covered_above = HashSet::default();
    for c in covered {
        let site = &facts[c.file].inference[c.site];
        covered_above.insert((facts[c.file].path.clone(), c.rule, site.location));
        let kind = if c.rule == "missing-timeout" { "timeout" } else { "failure-path" };
        evidence.push(Evidence {
            criterion: "SOC2:A1.1",
            kind,
            path: facts[c.control_file].path.clone(),
            location: c.control,
            description: c.description,
        });
    }
    for (analysis, facts) in analyzed.iter_mut().zip(facts) {
        analysis.analysis.facts = facts;
    }
    let mut by_file: std::collections::HashMap<String, Vec<Finding>> = std::collections::HashMap::new();
    for finding in findings {
        by_file.entry(finding.path.clone().unwrap_or_default()).or_default().push(finding);
    }
    ProjectOutcome { findings: by_file, evidence, failures, covered_above }
}

/// What the project-level analysis adds to the files' own results.
#[derive(Default)]
struct ProjectOutcome {
    /// Project rules' findings, by path (`""` for the project itself).
    findings: std::collections::HashMap<String, Vec<Finding>>,
    evidence: Vec<Evidence>,
    failures: Vec<RuleFailure>,
    /// File-rule findings a control one level up covers (`project::above`):
    /// path, rule and the call's location.
    covered_above: HashSet<(String, &'static str, crate::source::Location)>,
}

/// Reads and analyses each of `files` on `threads` threads with
/// `analyse(file, source)`; returns (index into `files`, analysis) in that
/// order. A file that changed or vanished since the walk is left out: it
/// keeps what the walk made of it.
fn analyse_each(
    threads: usize,
    files: &[&SourceFile],
    analyse: impl Fn(&SourceFile, &str) -> Option<FileAnalysis> + Sync,
) -> Vec<(usize, FileAnalysis)> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, FileAnalysis)>> = Mutex::new(Vec::new());
    crate::limits::on_analysis_threads(threads.clamp(1, files.len().max(1)), || {
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = files.get(n) else { break };
            let Ok(source) = std::fs::read_to_string(&file.abs) else { continue };
            if let Some(analysis) = analyse(file, &source) {
                lock(&done).push((n, analysis));
            }
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(n, _)| *n);
    done
}

/// `work(0..n)`, in order, on `threads` threads each taking a contiguous
/// run of indices: for many small pieces of work (resolving each file's
/// imports), where a shared counter would cost more than the work.
fn map_in_parallel<T: Send>(threads: usize, n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let chunk = n.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|start| {
                let work = &work;
                let run = move || (start..(start + chunk).min(n)).map(work).collect::<Vec<T>>();
                scope.spawn(run)
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for run in runs {
            out.extend(run.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        out
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn matcher(base: &Path, patterns: impl Iterator<Item = String>) -> Result<Gitignore, ScanError> {
    let mut builder = GitignoreBuilder::new(base);
    for pattern in patterns {
        builder
            .add_line(None, &pattern)
            .map_err(|e| ScanError::Exclude { pattern: pattern.clone(), reason: e.to_string() })?;
    }
    builder.build().map_err(|e| ScanError::Exclude { pattern: String::new(), reason: e.to_string() })
}

fn keep(
    entry: &DirEntry,
    base: &Path,
    defaults: &Gitignore,
    configured: &Gitignore,
    record: &Mutex<Vec<Excluded>>,
) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    let path = entry.path();
    let relevant = is_dir || FileKind::of(path).is_some();
    for (matcher, reason) in [(configured, "configured"), (defaults, "default")] {
        let matched = matcher.matched(path, is_dir);
        if matched.is_ignore() {
            if relevant {
                let pattern = matched.inner().map(|g| g.original().to_string()).unwrap_or_default();
                let reason = format!("{reason}: {pattern}");
                lock(record).push(Excluded { path: relative(path, base), reason, files: 0 });
            }
            return false;
        }
    }
    true
}

fn relative(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let text: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    text.join("/")
}

fn walk_error(err: &ignore::Error, base: &Path) -> (String, String) {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => path_of(err),
            ignore::Error::Partial(errors) => errors.first().and_then(path_of),
            _ => None,
        }
    }
    let path = path_of(err).map(|p| relative(p, base)).unwrap_or_default();
    // Keep absolute paths of the machine out of the report.
    let detail = err.to_string().replace(&format!("{}/", base.display()), "");
    (path, detail)
}

fn process(engine: &Engine, options: &ScanOptions, base: &Path, path: &Path) -> Option<Outcome> {
    let kind = FileKind::of(path)?;
    let rel = relative(path, base);
    let language = kind.language;
    let skip = |reason: SkipReason, detail: String, bytes: u64| Outcome::Skipped {
        skipped: Skipped { path: rel.clone(), reason, detail },
        bytes,
        language: Some(language),
    };
    let (source, size) = match read_source(engine, path, language) {
        Ok(read) => read,
        Err((reason, detail, bytes)) => return Some(skip(reason, detail, bytes)),
    };

    let over_budget = |over: OverBudget| skip(SkipReason::TimeBudget, over.to_string(), size);
    if options.parse_only {
        let budget = engine.budget(source.len());
        let started = Instant::now();
        let tree = lang::parse_within(kind.grammar, &source, &budget);
        let parse_time = started.elapsed();
        return Some(match (tree, budget.over_budget()) {
            (Some(tree), _) => {
                Outcome::ParsedOnly { bytes: size, language, parse_time, syntax_errors: tree.root_node().has_error() }
            }
            (None, Some(over)) => over_budget(over),
            (None, None) => skip(SkipReason::ParseFailed, "the parser gave up".to_string(), size),
        });
    }
    // A file named on the command line is reported whatever it is.
    let (class, because) = engine.classify(&rel, &source);

    let out_of_scope = if path == options.root || options.named.contains(&rel) {
        None
    } else {
        (!engine.config().scope.includes(class)).then_some((class, because))
    };
    let file = SourceFile { abs: path.to_path_buf(), rel: rel.clone(), kind, bytes: size, class, out_of_scope };
    if file.out_of_scope.is_some() {
        // Its own routes are not the system's: never a route file.
        let imports = import_specifiers(language, &source);

        return Some(Outcome::Prefiltered(Prefiltered { file, imports, may_route: false, barrel: false }));
    }
    let prefilter = engine.prefilter();
    if options.prefilter
        && !prefilter.may_matter(language, source.as_bytes())
        && !is_project_settings(language, &source)
        && !is_health_route(&rel, &source)
    {
        let imports = import_specifiers(language, &source);

        let may_route = may_hold_routes(&rel, language, &source);

        let barrel = prefilter.is_barrel(path, language, &source);

        // A barrel that passes a provider's package on is in the inventory.
        let catalog = &engine.config().catalog;
        if !(barrel && imports.iter().any(|(module, _)| crate::inventory::names_provider(catalog, language, module))) {
            return Some(Outcome::Prefiltered(Prefiltered { file, imports, may_route, barrel }));
        }
    }
    // One budget for the parse and the analysis.
    let budget = engine.budget(source.len());
    let started = Instant::now();
    let Some(tree) = lang::parse_within(kind.grammar, &source, &budget) else {
        return Some(match budget.over_budget() {
            Some(over) => over_budget(over),
            None => skip(SkipReason::ParseFailed, "the parser gave up".to_string(), size),
        });
    };
    let parse_time = started.elapsed();
    let mut analysis = engine.analyze_tree_within(&rel, kind, &source, &tree, &NoExternals, &budget);
    if let Some(over) = analysis.over_budget.filter(|o| !o.keeps_facts()) {
        return Some(over_budget(over));
    }
    analysis.parse_time = parse_time;

    Some(Outcome::Analyzed(Box::new(Analyzed { file, analysis })))
}

/// A file whose analysis panicked: skipped, with the panic's message.
fn analysis_failed(base: &Path, path: &Path, panic: &(dyn std::any::Any + Send)) -> Outcome {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    let detail = format!("custodia failed on this file ({message}); this is a bug, please report it");
    Outcome::Skipped {
        skipped: Skipped { path: relative(path, base), reason: SkipReason::AnalysisFailed, detail },
        bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
        language: FileKind::of(path).map(|k| k.language),
    }
}

/// Reads a source file the way every scan does: over-size, binary, non-UTF-8
/// and minified files are refused with the reason and their size. Returns
/// the text and its size.
pub(crate) fn read_source(
    engine: &Engine,
    path: &Path,
    language: Language,
) -> Result<(String, u64), (SkipReason, String, u64)> {
    use std::io::Read;
    let unreadable = |err: std::io::Error, size: u64| (SkipReason::Unreadable, err.to_string(), size);
    // One open and one stat per file: the scan reads every source file of
    // the tree, and on a large tree the system calls add up.
    let mut file = std::fs::File::open(path).map_err(|err| unreadable(err, 0))?;
    let size = file.metadata().map_err(|err| unreadable(err, 0))?.len();
    let limit = engine.config().max_file_size;
    if size > limit {
        let detail = format!("{size} bytes, over the {limit}-byte limit (scan.max_file_size)");
        return Err((SkipReason::TooLarge, detail, size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    file.read_to_end(&mut bytes).map_err(|err| unreadable(err, size))?;
    let size = bytes.len() as u64;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err((SkipReason::Binary, "contains NUL bytes".to_string(), size));
    }
    let source = String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        (SkipReason::InvalidUtf8, format!("invalid UTF-8 at byte {at}"), size)
    })?;
    if language.is_js_family() && is_minified(&source) {
        return Err((SkipReason::Minified, "very long lines: looks like a minified bundle".to_string(), size));
    }
    Ok((source, size))
}

/// A file's text, by its path relative to the root.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: String,
    pub text: String,
}

/// What a scan of a directory would read, read: the language server indexes
/// a workspace from this, so that it sees the files `custodia scan` sees.
#[derive(Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceText>,
    /// Where incident-response plans and runbooks may be.
    pub documents: Vec<SourceText>,
    /// Package manifests (`package.json`, `pyproject.toml` ...).
    pub manifests: Vec<SourceText>,
    pub skipped: Vec<Skipped>,
}

/// Walks `root` with the exclusions of a scan (defaults, the configuration's
/// and `exclude`) and reads every source file and candidate document.
pub fn read_sources(engine: &Engine, root: &Path, exclude: &[String]) -> Result<Sources, ScanError> {
    std::fs::metadata(root).map_err(|e| ScanError::Root { path: root.to_path_buf(), reason: e.to_string() })?;
    let defaults = matcher(root, DEFAULT_EXCLUDES.iter().map(|s| s.to_string()))?;
    let configured = matcher(root, engine.config().exclude.iter().chain(exclude).cloned())?;
    let excluded: Arc<Mutex<Vec<Excluded>>> = Arc::new(Mutex::new(Vec::new()));
    let mut builder = WalkBuilder::new(root);
    builder.hidden(false).git_global(false).require_git(false).follow_links(true);
    {
        let base = root.to_path_buf();
        builder.filter_entry(move |entry| keep(entry, &base, &defaults, &configured, &excluded));
    }
    let mut sources = Sources::default();
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let (path, detail) = walk_error(&err, root);
                sources.skipped.push(Skipped { path, reason: SkipReason::WalkError, detail });
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = relative(entry.path(), root);
        if packages::is_manifest(&path)
            && entry.metadata().is_ok_and(|m| m.len() <= MAX_DOCUMENT_SIZE)
            && let Ok(text) = std::fs::read_to_string(entry.path())
        {
            sources.manifests.push(SourceText { path: path.clone(), text });
        }
        if plans::is_candidate(&path) {
            let readable = entry.metadata().is_ok_and(|m| m.len() <= MAX_DOCUMENT_SIZE);
            if let Some(bytes) = readable.then(|| std::fs::read(entry.path()).ok()).flatten() {
                sources.documents.push(SourceText { path, text: String::from_utf8_lossy(&bytes).into_owned() });
            }
            continue;
        }
        let Some(kind) = FileKind::of(entry.path()) else { continue };
        match read_source(engine, entry.path(), kind.language) {
            Ok((text, _)) => sources.files.push(SourceText { path, text }),
            Err((reason, detail, _)) => sources.skipped.push(Skipped { path, reason, detail }),
        }
    }
    sources.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(sources)
}

/// Reads a package manifest; one that cannot be read is left out (the
/// package is then classed as if it had none).
fn manifest(base: &Path, entry: &DirEntry) -> Option<Manifest> {
    if entry.metadata().ok()?.len() > MAX_DOCUMENT_SIZE {
        return None;
    }
    let text = std::fs::read_to_string(entry.path()).ok()?;
    packages::read_manifest(&relative(entry.path(), base), &text)
}

/// Documents larger than this are not read: a plan is not megabytes long.
const MAX_DOCUMENT_SIZE: u64 = 2 * 1024 * 1024;

/// Reads a candidate document (an incident-response plan, a runbook). One
/// that cannot be read or is too large is left out: documents are evidence,
/// and their absence is what the project rules report.
fn document(base: &Path, entry: &DirEntry) -> Option<DocumentFacts> {
    let size = entry.metadata().ok()?.len();
    if size > MAX_DOCUMENT_SIZE {
        return None;
    }
    let bytes = std::fs::read(entry.path()).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(plans::analyze(&relative(entry.path(), base), &text))
}

/// A bundle, not source: long lines throughout, or one enormous line.
fn is_minified(source: &str) -> bool {
    if source.len() < 4096 {
        return false;
    }
    // One pass over the bytes: the line count and the longest line.
    let (mut lines, mut longest, mut start) = (0, 0, 0);
    for (at, _) in source.bytes().enumerate().filter(|(_, b)| *b == b'\n') {
        lines += 1;
        longest = longest.max(at - start);
        start = at + 1;
    }
    if start < source.len() {
        // The last line, without a newline after it.
        lines += 1;
        longest = longest.max(source.len() - start);
    }
    source.len() / lines.max(1) > 400 || longest > 50_000
}
