//! The command line: `custodia scan`, `custodia rules`, `custodia explain`.
//!
//! Exit status: 0 when no finding is at or above `--fail-on`, 1 when one is,
//! 2 for usage, configuration and I/O errors. Bad input files never change
//! the status: they are reported and the scan goes on.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog::{Catalog, display_tag};
use crate::config::{Config, parse_size};
use crate::engine::Engine;
use crate::file_class::Reported;
use crate::finding::Severity;
use crate::report;
use crate::scan::{self, ScanOptions, ScanResult};

#[derive(Parser)]
#[command(
    name = "custodia",
    version,
    about = "Finds the controls around LLM inference in TypeScript, JavaScript and Python code",
    long_about = "custodia reads a TypeScript/JavaScript/Python project and reports where model \
inference lacks a control (token caps, timeouts, failure paths, keys kept out of code, TLS to model \
endpoints, model output kept away from code execution, request input kept out of system prompts) \
and the controls it found in place. Each finding maps to SOC 2 criteria and to the NIST AI RMF, \
the EU AI Act and the OWASP Top 10 for LLM Applications. The mapping is custodia's reading of \
those frameworks, not a compliance opinion."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a project and report findings and evidence
    Scan(ScanArgs),
    /// List the rules, their severity and the criteria they map to
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the documentation of a rule
    Explain {
        /// A rule id, as printed in findings (e.g. missing-token-cap)
        rule: String,
    },
    /// Write the evidence report for an auditor to a file (-o report.pdf,
    /// report.html or report.md), its history limited to a period; prints the
    /// report's SHA-256 and records it in .custodia/reports.jsonl
    Report(ReportArgs),
    /// Show the recorded scans (.custodia/history.jsonl): the trend, when each
    /// finding was first seen and when it was fixed; --verify checks the chain
    History(HistoryArgs),
    /// Write the fingerprints of the current findings to a baseline file;
    /// `scan --baseline FILE` then reports only findings not in it (adopt
    /// custodia on a codebase with findings, fix them over time)
    Baseline(BaselineArgs),
    /// Write a commented custodia.toml for this project: the frameworks and
    /// model providers found, its own functions that look like auth or
    /// rate-limit checks (as declarations to confirm), the [report] section.
    /// --docs also writes starter AI incident-response and provider-outage
    /// documents (templates: not evidence until their placeholders are filled)
    Init(InitArgs),
    /// Run the language server over stdin/stdout (for editors: VS Code,
    /// Neovim, Helix, Zed). Configuration comes from custodia.toml at the
    /// workspace root, as for `scan`
    Lsp,
    /// Print the facts custodia extracted from each file (for debugging rules)
    #[command(hide = true)]
    Facts {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Args)]
struct ReportArgs {
    /// Directory to scan
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Where to write the report; its extension chooses the format: .pdf,
    /// .html (one self-contained file) or .md
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Configuration file (default: custodia.toml in the scanned directory)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Leave out paths matching this pattern (gitignore syntax); repeatable
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<String>,
    /// The history section covers scans at or after this date (YYYY-MM-DD, UTC)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    since: Option<i64>,
    /// The history section covers scans at or before this date (a date alone means the whole day)
    #[arg(long, value_name = "DATE", value_parser = parse_end_date)]
    until: Option<i64>,
    /// Do not record the report's SHA-256 in .custodia/reports.jsonl
    #[arg(long)]
    no_record: bool,
    /// Which files' findings to report: `production` (the default), `all`,
    /// or a comma-separated list of production, test, example, docs, generated
    #[arg(long, value_name = "CLASSES", value_parser = Reported::parse)]
    scope: Option<Reported>,
}

fn report_command(args: &ReportArgs) -> ExitCode {
    use sha2::Digest;
    let Some(format) = report::EvidenceFormat::from_path(&args.output) else {
        let extension = args.output.extension().map_or(String::new(), |e| e.to_string_lossy().into_owned());
        return error(format!(
            "cannot write a report as `.{extension}`: name the output `.pdf`, `.html` (a self-contained file) or `.md`"
        ));
    };
    let (engine, result) = match scan_whole(&args.path, args.config.as_deref(), args.scope, &args.exclude) {
        Ok(scanned) => scanned,
        Err(code) => return code,
    };
    let mut command = format!("custodia report {} -o {}", args.path.display(), args.output.display());
    if let Some(config) = &args.config {
        command.push_str(&format!(" --config {}", config.display()));
    }
    for pattern in &args.exclude {
        command.push_str(&format!(" --exclude '{pattern}'"));
    }
    let period = report::audit::Period { since: args.since, until: args.until };
    let audit = report::audit::build_for(&result, &engine, &command, period);
    let bytes = match report::render_evidence(&audit, engine.config(), format) {
        Ok(bytes) => bytes,
        Err(err) => return error(err),
    };
    if let Err(err) = std::fs::write(&args.output, &bytes) {
        return error(format!("cannot write {}: {err}", args.output.display()));
    }
    let digest = crate::provenance::hex(&sha2::Sha256::digest(&bytes));
    println!("{}  {}", digest, args.output.display());
    eprintln!("report {} written to {} (SHA-256 above)", audit.id, args.output.display());
    if !args.no_record {
        let register = crate::history::reports_path_in(&args.path);
        let record = crate::history::ReportRecord {
            id: audit.id.clone(),
            time: audit.generated_at.clone(),
            file: args.output.display().to_string(),
            format: format.name().to_string(),
            sha256: digest,
            commit: audit.source.commit.clone(),
            dirty: audit.source.dirty,
            tool_version: audit.tool_version.clone(),
        };
        // The report exists either way: a register that cannot be written
        // (a read-only checkout) is a warning, not a failed report.
        match crate::history::record_report(&register, &record) {
            Ok(()) => eprintln!("recorded in {}", register.display()),
            Err(err) => eprintln!("warning: cannot record the report in {}: {err}", register.display()),
        }
    }
    ExitCode::SUCCESS
}

#[derive(Args)]
struct InitArgs {
    /// The project directory (custodia.toml is written there)
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Also write docs/ai-incident-response.md and
    /// docs/runbooks/model-provider-outage.md, starter documents with the
    /// sections an auditor checks
    #[arg(long)]
    docs: bool,
    /// Overwrite files that exist already
    #[arg(long)]
    force: bool,
}

fn init_command(args: &InitArgs) -> ExitCode {
    if !args.path.is_dir() {
        return error(format!("{} is not a directory: name the project's directory", args.path.display()));
    }
    let existing = args.path.join(crate::config::FILE_NAME);
    if existing.exists() && !args.force {
        return error(format!("{} exists already; --force overwrites it", existing.display()));
    }
    // The defaults, not an existing custodia.toml: the survey is of the
    // project as custodia sees it out of the box.
    let config = Config::default();
    let catalog = config.catalog.clone();
    let engine = Engine::new(config);
    let result = match scan::scan(&engine, &ScanOptions::new(&args.path)) {
        Ok(result) => result,
        Err(err) => return error(err),
    };
    let inventory = crate::inventory::inventory(&result.files, &catalog);
    let survey = crate::init::survey(&result, inventory);
    match crate::init::write(&args.path, &survey, args.docs, args.force) {
        Ok(written) => {
            for path in &written {
                println!("wrote {}", path.display());
            }
            println!(
                "next: review custodia.toml (the commented [guards] are for you to confirm), then `custodia scan {}`",
                args.path.display()
            );
            if args.docs {
                println!(
                    "the documents are templates: they count as evidence once every [FILL IN: ...] placeholder is replaced"
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => error(err),
    }
}

#[derive(Args)]
struct BaselineArgs {
    /// The project directory to scan
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Where to write the baseline (commit it)
    #[arg(short, long, value_name = "FILE", default_value = ".custodia/baseline.json")]
    output: PathBuf,
    /// Configuration file (default: custodia.toml in the scanned directory)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Leave out paths matching this pattern (gitignore syntax); repeatable
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<String>,
    /// Which files' findings to baseline: `production` (the default), `all`,
    /// or a comma-separated list of production, test, example, docs, generated
    #[arg(long, value_name = "CLASSES", value_parser = Reported::parse)]
    scope: Option<Reported>,
}

/// Scans a whole project with its configuration (and the scope and
/// exclusions given on the command line), for the commands that need every
/// finding: `report` and `baseline`. Rule failures are said on stderr.
fn scan_whole(
    path: &std::path::Path,
    config: Option<&std::path::Path>,
    scope: Option<Reported>,
    exclude: &[String],
) -> Result<(Engine, scan::ScanResult), ExitCode> {
    let mut config = Config::discover(path, config).map_err(error)?;
    if let Some(scope) = scope {
        config.scope = scope;
    }
    let engine = Engine::new(config);
    let mut options = ScanOptions::new(path);
    options.exclude = exclude.to_vec();
    let result = scan::scan(&engine, &options).map_err(error)?;
    for failure in &result.rule_failures {
        eprintln!("error: {failure}; its findings there are missing (please report this)");
    }
    Ok((engine, result))
}

fn baseline_command(args: &BaselineArgs) -> ExitCode {
    let (_, result) = match scan_whole(&args.path, args.config.as_deref(), args.scope, &args.exclude) {
        Ok(scanned) => scanned,
        Err(code) => return code,
    };
    let baseline = crate::baseline::build(&result);
    if let Err(err) = crate::baseline::write(&args.output, &baseline) {
        return error(err);
    }
    println!(
        "wrote {} finding fingerprints to {}; `custodia scan --baseline {}` reports only new findings",
        baseline.findings.len(),
        args.output.display(),
        args.output.display()
    );
    ExitCode::SUCCESS
}

#[derive(Args)]
struct HistoryArgs {
    /// The project directory (its .custodia/history.jsonl is read)
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Check that no record was edited or removed: exit 1 if one was, or if
    /// there is no history to check
    #[arg(long)]
    verify: bool,
    /// Only scans at or after this date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    since: Option<i64>,
    /// Only scans at or before this date (a date alone means the whole day)
    #[arg(long, value_name = "DATE", value_parser = parse_end_date)]
    until: Option<i64>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

fn parse_date(text: &str) -> Result<i64, String> {
    crate::provenance::parse_utc(text)
        .ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"))
}

fn parse_end_date(text: &str) -> Result<i64, String> {
    let start = parse_date(text)?;
    Ok(if text.contains('T') { start } else { start + 86_399 })
}

fn history_command(args: &HistoryArgs) -> ExitCode {
    use crate::history;
    let path = history::path_in(&args.path);
    if args.verify && !path.is_file() {
        // Nothing to vouch for: an absent history is not an intact one.
        eprintln!(
            "error: no scan history at {}: nothing to verify (record scans with `custodia scan --record`)",
            path.display()
        );
        return ExitCode::from(1);
    }
    let file = match history::read(&path) {
        Ok(file) => file,
        Err(err) => return error(format!("cannot read {}: {err}", path.display())),
    };
    for problem in &file.problems {
        eprintln!("{}: {problem}", if args.verify { "error" } else { "warning" });
    }
    if args.verify {
        if file.problems.is_empty() {
            println!("{}: {} records, chain intact", path.display(), file.records.len());
            return ExitCode::SUCCESS;
        }
        return ExitCode::from(1);
    }
    let records: Vec<&history::Record> = file
        .records
        .iter()
        .map(|(_, r)| r)
        .filter(|r| {
            let time = crate::provenance::parse_utc(&r.time).unwrap_or(0);
            args.since.is_none_or(|s| time >= s) && args.until.is_none_or(|u| time <= u)
        })
        .collect();
    let lives = history::lifecycles(&records);
    if matches!(args.format, ListFormat::Json) {
        let scans: Vec<serde_json::Value> = records
            .iter()
            .map(|r| serde_json::json!({ "time": r.time, "commit": r.commit, "total": r.total, "by_severity": r.by_severity, "by_criterion": r.by_criterion }))
            .collect();
        let document = serde_json::json!({ "scans": scans, "findings": lives });
        println!("{}", serde_json::to_string_pretty(&document).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    if records.is_empty() {
        println!("no scans recorded in {} (record one with `custodia scan --record`)", path.display());
        return ExitCode::SUCCESS;
    }
    println!("{:<21} {:<9} {:>6} {:>5} {:>5}  by criterion", "scan (UTC)", "commit", "total", "new", "fixed");
    for (i, record) in records.iter().enumerate() {
        let new = lives.iter().filter(|l| l.first_seen == record.time && i > 0).count();
        let fixed = lives.iter().filter(|l| l.fixed.as_deref() == Some(record.time.as_str())).count();
        let commit = record.commit.as_deref().map_or("-".to_string(), |c| c.chars().take(8).collect());
        let criteria: Vec<String> = record.by_criterion.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!(
            "{:<21} {:<9} {:>6} {:>5} {:>5}  {}",
            record.time,
            commit,
            record.total,
            new,
            fixed,
            criteria.join(", ")
        );
    }
    let fixed: Vec<f64> = lives.iter().filter_map(|l| l.days_to_remediate).collect();
    let open = lives.iter().filter(|l| l.fixed.is_none()).count();
    println!(
        "
{} findings seen: {open} open, {} fixed",
        lives.len(),
        fixed.len()
    );
    if !fixed.is_empty() {
        let mut sorted = fixed.clone();
        sorted.sort_by(f64::total_cmp);
        let mean = fixed.iter().sum::<f64>() / fixed.len() as f64;
        println!("time to remediate: median {:.1} days, mean {mean:.1} days", sorted[sorted.len() / 2]);
    }
    ExitCode::SUCCESS
}

#[derive(Args)]
struct ScanArgs {
    /// What to scan: a project directory (the default: the current one), or
    /// files and directories within a project (monorepo packages, changed
    /// files). With files or several paths, the project they belong to (the
    /// nearest directory with custodia.toml or .git) is analysed, so routes
    /// are followed across its files, and findings in the paths are reported
    #[arg(default_value = ".", num_args = 1..)]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Exit with status 1 when a finding is at or above this severity:
    /// critical, high, medium, low or info (status 0 otherwise, 2 on an error)
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = severities())]
    fail_on: Severity,
    /// Configuration file (default: custodia.toml in the scanned directory)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Leave out paths matching this pattern (gitignore syntax); repeatable
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<String>,
    /// Skip files larger than this (e.g. 2097152, "4 MB"); default 2 MB
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Follow expressions this many levels deep, no deeper (1 to 1000);
    /// files nested deeper are reported as analysed in part; default 200
    #[arg(long, value_name = "N", value_parser = crate::limits::parse_nesting_depth)]
    max_nesting_depth: Option<u32>,
    /// Skip (and report) a file whose parse and analysis take longer than
    /// this (e.g. "2s", "500ms"); default 10s
    #[arg(long, value_name = "DURATION", value_parser = crate::limits::parse_duration)]
    file_time_budget: Option<Duration>,
    /// Print counts, bytes, parse, analysis and cross-file time, and throughput to stderr
    #[arg(long)]
    stats: bool,
    /// Parse and analyse every file, without the byte-level prefilter
    #[arg(long)]
    no_prefilter: bool,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Which files' findings to report: `production` (the default), `all`,
    /// or a comma-separated list of production, test, example, docs,
    /// generated. Files left out are counted in the output
    #[arg(long, value_name = "CLASSES", value_parser = Reported::parse)]
    scope: Option<Reported>,
    /// When to use colours in text output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Do not print warnings about skipped files or progress
    #[arg(short, long)]
    quiet: bool,
    /// Append this scan to .custodia/history.jsonl (commit it: it is the
    /// record that scanning ran over a period; see `custodia history`)
    #[arg(long)]
    record: bool,
    /// Report only findings not in this baseline file (written by `custodia
    /// baseline`); says how many it held back and which baselined findings
    /// are fixed. Text, JSON and SARIF output only: the evidence report
    /// shows every finding
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Report only findings in code changed since this git ref (a commit,
    /// branch or tag; changes in the working tree and untracked files count):
    /// the finding's line or function changed, or those of a place it relates
    /// (a route whose helper changed). The whole project is still analysed.
    /// Text, JSON and SARIF output only
    #[arg(long, value_name = "REF")]
    diff: Option<String>,
    /// Parse every file and stop (benchmark baseline; no findings)
    #[arg(long, hide = true)]
    parse_only: bool,
    /// Run the file rules only: no cross-file analysis, no routes, no project
    /// rules (the benchmark's scanner-core baseline)
    #[arg(long, hide = true)]
    file_rules_only: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// Annotated snippets and a summary by criterion
    Text,
    /// The stable JSON contract (docs/JSON.md)
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards (docs/SARIF.md)
    Sarif,
    /// The AI bill of materials as CycloneDX 1.6: model providers, SDK
    /// packages with their locked versions, models named in code, where
    /// each is used (docs/CYCLONEDX.md)
    Cyclonedx,
    /// The evidence report as Markdown, for pull requests and wikis (docs/REPORTS.md)
    Markdown,
    /// The evidence report as one self-contained HTML file, printable (docs/REPORTS.md)
    Html,
    /// The evidence report as PDF, to stdout (redirect it, or use `custodia report -o report.pdf`)
    Pdf,
}

/// The command that reproduces a report's scan: the options that change
/// its findings, not where the output went.
fn reproduce_command(args: &ScanArgs) -> String {
    let mut parts = vec!["custodia".to_string(), "scan".to_string()];
    parts.extend(args.paths.iter().map(|p| p.display().to_string()));
    if let Some(config) = &args.config {
        parts.push(format!("--config {}", config.display()));
    }
    for pattern in &args.exclude {
        parts.push(format!("--exclude '{pattern}'"));
    }
    if let Some(size) = args.max_file_size {
        parts.push(format!("--max-file-size {size}"));
    }
    if let Some(depth) = args.max_nesting_depth {
        parts.push(format!("--max-nesting-depth {depth}"));
    }
    if let Some(budget) = args.file_time_budget {
        parts.push(format!("--file-time-budget {}", crate::limits::format_duration(budget)));
    }
    if args.no_prefilter {
        parts.push("--no-prefilter".to_string());
    }
    parts.push(format!(
        "--format {}",
        match args.format {
            OutputFormat::Html => "html",
            OutputFormat::Pdf => "pdf",
            OutputFormat::Markdown => "markdown",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Cyclonedx => "cyclonedx",
            OutputFormat::Json => "json",
            OutputFormat::Text => "text",
        }
    ));
    parts.join(" ")
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The severities, listed in `--help` and checked by clap.
fn severities() -> impl clap::builder::TypedValueParser<Value = Severity> {
    use clap::builder::TypedValueParser;
    let names = Severity::ALL.map(Severity::as_str);
    clap::builder::PossibleValuesParser::new(names).try_map(|name| name.parse::<Severity>())
}

/// Runs the command line and returns the process exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan_command(args),
        Command::Rules { format } => rules_command(format),
        Command::Explain { rule } => explain_command(&rule),
        Command::Facts { path } => facts_command(&path),
        Command::History(args) => history_command(&args),
        Command::Report(args) => report_command(&args),
        Command::Baseline(args) => baseline_command(&args),
        Command::Init(args) => init_command(&args),
        Command::Lsp => match crate::lsp::serve_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => error(format!("the language server could not start: {err}")),
        },
    }
}

fn error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn scan_command(args: ScanArgs) -> ExitCode {
    let selection = match scan::Selection::of(&args.paths) {
        Ok(selection) => selection,
        Err(err) => return error(err),
    };
    if args.record && selection.parts.is_some() {
        return error(
            "--record records scans of a whole project (the history is its evidence over time); scan the project's root to record",
        );
    }
    let evidence_format = matches!(args.format, OutputFormat::Markdown | OutputFormat::Html | OutputFormat::Pdf);
    if args.baseline.is_some() && evidence_format {
        return error(
            "--baseline hides findings, and the evidence report shows every finding: use it with text, json or sarif output",
        );
    }
    if args.diff.is_some() && evidence_format {
        return error(
            "--diff reports part of the findings, and the evidence report shows every finding: use it with text, json or sarif output",
        );
    }
    let changes = match &args.diff {
        Some(reference) => match crate::diff::since(&selection.root, reference) {
            Ok(changes) => Some(changes),
            Err(err) => return error(err),
        },
        None => None,
    };
    let baseline = match &args.baseline {
        Some(path) => match crate::baseline::read(path) {
            Ok(baseline) => Some((path.display().to_string(), baseline)),
            Err(err) => return error(err),
        },
        None => None,
    };
    let mut config = match Config::discover(&selection.root, args.config.as_deref()) {
        Ok(config) => config,
        Err(err) => return error(err),
    };
    if let Some(size) = args.max_file_size {
        config.max_file_size = size;
    }
    if let Some(depth) = args.max_nesting_depth {
        config.max_nesting_depth = depth;
    }
    if let Some(budget) = args.file_time_budget {
        config.file_time_budget = budget;
    }
    if let Some(scope) = args.scope {
        config.scope = scope;
    }
    let catalog = config.catalog.clone();
    let engine = Engine::new(config);
    let mut options = ScanOptions::new(&selection.root);
    options.named = selection.files();
    options.exclude = args.exclude.clone();
    options.prefilter = !args.no_prefilter;
    options.parse_only = args.parse_only;
    options.project = !args.file_rules_only;
    options.threads = args.threads;

    // Progress is for a person watching: on a terminal, for the formats
    // people read, and only once the scan has lasted a moment.
    let for_machines = matches!(args.format, OutputFormat::Json | OutputFormat::Sarif | OutputFormat::Cyclonedx);
    let display = (!args.quiet && !for_machines && std::io::stderr().is_terminal()).then(|| {
        let counter = Arc::new(crate::progress::Counter::default());
        options.progress = Some(counter.clone());
        crate::progress::Display::start(counter, crate::progress::delay())
    });
    let result = scan::scan(&engine, &options);
    drop(display);
    let mut result = match result {
        Ok(result) => result,
        Err(err) => return error(err),
    };
    result.restrict(&selection);
    // Never quiet: a failed rule means findings may be missing.
    for failure in &result.rule_failures {
        eprintln!("error: {failure}; its findings there are missing (please report this)");
    }
    if !args.quiet {
        for skipped in &result.skipped {
            eprintln!("warning: {}: skipped ({}): {}", skipped.path, skipped.reason.as_str(), skipped.detail);
        }
        for partial in &result.partial {
            eprintln!("warning: {}: analysed in part ({}): {}", partial.path, partial.reason.as_str(), partial.detail);
        }
    }
    if args.record {
        let path = crate::history::path_in(&selection.root);
        let recorded = crate::history::read(&path).and_then(|history| {
            for problem in &history.problems {
                eprintln!("warning: {}: {problem}", path.display());
            }
            let record = crate::history::record(&result, &catalog, &history);
            crate::history::append(&path, &record)
        });
        match recorded {
            Ok(()) if !args.quiet => eprintln!("recorded this scan in {}", path.display()),
            Ok(()) => {}
            Err(err) => return error(format!("cannot record the scan in {}: {err}", path.display())),
        }
    }
    // After recording: the history is the evidence of every finding, the
    // baseline only changes what this run reports.
    let changed = |path: Option<&str>| changes.as_ref().is_none_or(|c| path.is_some_and(|p| c.files.contains_key(p)));
    let baselined = baseline.map(|(file, baseline)| {
        crate::baseline::apply(&mut result, &baseline, &file, |path| selection.includes(path) && changed(path))
    });
    if let Some(changes) = &changes {
        crate::diff::restrict(&mut result, changes);
    }
    let written: Result<Vec<u8>, String> = match args.format {
        OutputFormat::Json => {
            let mut report = report::json::build(&result, &catalog, args.stats);
            report.baseline = baselined.clone();
            report.diff = changes.as_ref().map(|c| report::json::JsonDiff {
                reference: c.reference.clone(),
                files: c.files.keys().cloned().collect(),
            });
            serde_json::to_string_pretty(&report).map(|json| (json + "\n").into_bytes()).map_err(|e| e.to_string())
        }
        OutputFormat::Markdown | OutputFormat::Html | OutputFormat::Pdf => {
            let format = match args.format {
                OutputFormat::Html => report::EvidenceFormat::Html,
                OutputFormat::Pdf => report::EvidenceFormat::Pdf,
                _ => report::EvidenceFormat::Markdown,
            };
            if matches!(format, report::EvidenceFormat::Pdf) && std::io::stdout().is_terminal() {
                return error(
                    "a PDF is not for the terminal: redirect it (`> report.pdf`) or use `custodia report -o report.pdf`",
                );
            }
            let command = reproduce_command(&args);
            let audit = report::audit::build(&result, &engine, &command);
            report::render_evidence(&audit, engine.config(), format)
        }
        OutputFormat::Cyclonedx => {
            let bom = report::cyclonedx::build(&result, &catalog);
            serde_json::to_string_pretty(&bom).map(|json| (json + "\n").into_bytes()).map_err(|e| e.to_string())
        }
        OutputFormat::Sarif => {
            let sarif = report::sarif::build(&result, &engine);
            serde_json::to_string_pretty(&sarif).map(|json| (json + "\n").into_bytes()).map_err(|e| e.to_string())
        }
        OutputFormat::Text => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut text = report::text::render(&result, &catalog, color);
            if let Some(outcome) = &baselined {
                text.push_str(&crate::baseline::summary(outcome));
            }
            if let Some(changes) = &changes {
                text.push_str(&format!(
                    "\nchanged since {}: {} file{}; only findings the changes touch are shown\n",
                    changes.reference,
                    changes.files.len(),
                    if changes.files.len() == 1 { "" } else { "s" }
                ));
            }
            Ok(text.into_bytes())
        }
    };
    let output = match written {
        Ok(output) => output,
        Err(err) => return error(err),
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_all(&output).and_then(|_| stdout.flush()) {
        // A closed pipe (`| head`) is not worth a failure status.
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            return error(err);
        }
    }
    if args.stats {
        eprint!("{}", stats_text(&result));
    }
    if result.findings.iter().any(|f| f.severity >= args.fail_on) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn stats_text(result: &ScanResult) -> String {
    let s = &result.stats;
    let wall = s.wall_time.as_secs_f64();
    let mb = s.bytes_seen as f64 / 1_000_000.0;
    let mut out = String::new();
    out.push_str(&format!(
        "files: {} seen = {} parsed + {} skipped by the prefilter + {} skipped with a reason ({} with syntax errors)\n",
        s.files_seen, s.files_analyzed, s.files_prefiltered, s.files_skipped, s.files_with_syntax_errors
    ));
    let languages: Vec<String> = s.files_by_language.iter().map(|(l, n)| format!("{l} {n}")).collect();
    if !s.files_skipped_by_reason.is_empty() {
        let reasons: Vec<String> =
            s.files_skipped_by_reason.iter().map(|(reason, n)| format!("{} {n}", reason.as_str())).collect();
        out.push_str(&format!("skipped: {}\n", reasons.join(", ")));
    }
    out.push_str(&format!("languages: {}\n", languages.join(", ")));
    out.push_str(&format!("bytes: {:.1} MB seen, {:.1} MB parsed\n", mb, s.bytes_analyzed as f64 / 1_000_000.0));
    out.push_str(&format!(
        "time: parse {:.3} s, analysis {:.3} s (summed over {} threads), across files {:.3} s, wall {:.3} s\n",
        s.parse_time.as_secs_f64(),
        s.analysis_time.as_secs_f64(),
        s.threads,
        s.project_time.as_secs_f64(),
        wall
    ));
    out.push_str(&format!("throughput: {:.1} MB/s\n", if wall > 0.0 { mb / wall } else { 0.0 }));
    out.push_str(&format!(
        "work: {} analysis steps ({:.1} per byte parsed), {} files analysed in part\n",
        s.analysis_steps,
        s.analysis_steps as f64 / s.bytes_analyzed.max(1) as f64,
        s.files_partial
    ));
    if let Some(kb) = report::json::peak_rss_kb() {
        out.push_str(&format!("peak memory: {:.0} MB\n", kb as f64 / 1024.0));
    }
    out
}

fn rules_command(format: ListFormat) -> ExitCode {
    let catalog = Catalog::builtin();
    match format {
        ListFormat::Json => {
            let rules: Vec<serde_json::Value> = catalog
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "name": r.name, "severity": r.severity,
                        "summary": r.summary, "criteria": r.criteria, "fix": r.fix,
                    })
                })
                .collect();
            match serde_json::to_string_pretty(&rules) {
                Ok(json) => println!("{json}"),
                Err(err) => return error(err),
            }
        }
        ListFormat::Text => {
            for rule in &catalog.rules {
                let primary = rule.primary_criterion().map(display_tag).unwrap_or_default();
                println!("{:<28} {:<9} {:<13} {}", rule.id, rule.severity.as_str(), primary, rule.summary);
            }
            println!("\nRun `custodia explain <rule>` for a rule's documentation and full mapping.");
        }
    }
    ExitCode::SUCCESS
}

fn explain_command(id: &str) -> ExitCode {
    let catalog = Catalog::builtin();
    let (Some(meta), Some(doc)) = (catalog.rule(id), crate::rules::documentation(id)) else {
        let mut known: Vec<&str> = catalog.rules.iter().map(|r| r.id.as_str()).collect();
        known.sort_by_key(|k| edit_distance(k, id));
        return error(format!(
            "unknown rule `{id}`; did you mean `{}`? (`custodia rules` lists them all)",
            known.first().copied().unwrap_or_default()
        ));
    };
    let criteria: Vec<String> = meta.criteria.iter().map(|c| display_tag(c)).collect();
    println!("# {} — {}\n", meta.id, meta.name);
    println!("Severity: {}", meta.severity);
    println!("Maps to: {}\n", criteria.join(" · "));
    println!("{doc}");
    println!(
        "\n(custodia's mapping is its reading of these frameworks; a finding \"maps to\" a criterion, it is not a compliance opinion.)"
    );
    ExitCode::SUCCESS
}

fn facts_command(path: &std::path::Path) -> ExitCode {
    let config = match Config::discover(path, None) {
        Ok(config) => config,
        Err(err) => return error(err),
    };
    let engine = Engine::new(config);
    let mut options = ScanOptions::new(path);
    options.prefilter = false;
    match scan::scan(&engine, &options) {
        Ok(result) => {
            for facts in &result.files {
                println!("{facts:#?}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => error(err),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb { previous } else { 1 + previous.min(row[j]).min(row[j + 1]) };
            previous = current;
        }
    }
    row[b.len()]
}
