//! One file in, its facts, findings and evidence out, and the project rules
//! over all files: the engine both drivers (`scan.rs`, and `workspace.rs`
//! for the language server) call, with the same configuration, so both give
//! the same answers on the same code.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tree_sitter::Tree;

use crate::analysis::ExternalResolver;
use crate::config::Config;
use crate::facts::{FileFacts, Suppression};
use crate::file_class::{Because, Classifier, FileClass};
use crate::finding::{Evidence, Finding, Suppressed};
use crate::lang::{self, FileKind};
use crate::limits::{Budget, OverBudget, Phase};
use crate::packages::Package;
use crate::plans::DocumentFacts;
use crate::prefilter::Prefilter;
use crate::project::ProjectIndex;
use crate::project::reach::Route;
use crate::rules::RuleResults;
use crate::source::LineIndex;
use crate::{analysis, rules, suppression};

/// Everything known about one analysed file.
#[derive(Debug, Clone)]
pub struct FileAnalysis {
    pub facts: FileFacts,
    /// The file rules' findings, before suppressions and severity overrides
    /// ([`Engine::finalize`] applies them once project rules have run too).
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub evidence: Vec<Evidence>,
    /// Rules that panicked on this file.
    pub failures: Vec<rules::RuleFailure>,
    pub parse_time: Duration,
    pub analysis_time: Duration,
    /// The steps of analysis the file took (see [`Budget`]): the measure of
    /// its cost that does not depend on the machine.
    pub steps: u64,
    /// The file ran past its budget. Stopped while it was parsed or lowered
    /// ([`OverBudget::keeps_facts`] false), its facts, findings and evidence
    /// are empty and it is reported as skipped; stopped during the analysis,
    /// they hold what was found before and it is analysed in part.
    pub over_budget: Option<OverBudget>,
}

impl FileAnalysis {
    /// The analysis of a file that ran out of time: nothing but its path.
    fn over_budget(path: &str, kind: FileKind, over: OverBudget) -> FileAnalysis {
        FileAnalysis {
            facts: FileFacts { path: path.to_string(), language: Some(kind.language), ..FileFacts::default() },
            findings: Vec::new(),
            suppressed: Vec::new(),
            evidence: Vec::new(),
            failures: Vec::new(),
            parse_time: Duration::ZERO,
            analysis_time: Duration::ZERO,
            steps: 0,
            over_budget: Some(over),
        }
    }
}

pub struct Engine {
    config: Arc<Config>,
    prefilter: Prefilter,
    classifier: Classifier,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        let prefilter = Prefilter::new(&config.catalog);
        // The globs were checked when the configuration was read.
        let classifier = Classifier::new(Path::new("."), &config.scope_globs).unwrap_or_default();
        Engine { config: Arc::new(config), prefilter, classifier }
    }

    /// What the file at `rel` (relative to the root) is for, from its path
    /// and the start of its text, and why.
    pub fn classify(&self, rel: &str, text: &str) -> (FileClass, Because) {
        self.classifier.classify(rel, crate::file_class::head(text))
    }

    /// Whether findings in the file at `rel` are reported with the
    /// configured scope (`[scan.scope] report`).
    pub fn in_scope(&self, rel: &str, text: &str) -> bool {
        self.config.scope.includes(self.classify(rel, text).0)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    /// The project rules (routes, what they reach, documents, packages) and
    /// the controls found one level up from the files' calls, on
    /// the project index, with the configuration's catalogue and switched-off
    /// rules: the one step after the files' own analysis that the scan and
    /// the editor's workspace share.
    pub fn project_rules(
        &self,
        index: &ProjectIndex<'_>,
        routes: &[Route<'_>],
        documents: &[DocumentFacts],
        packages: &[Package],
    ) -> ProjectResults {
        let callers = crate::project::above::Callers::of(index);
        self.project_rules_with(index, routes, documents, packages, &callers)
    }

    /// [`Engine::project_rules`] with who calls whom already resolved (the
    /// editor keeps it between edits).
    pub fn project_rules_with(
        &self,
        index: &ProjectIndex<'_>,
        routes: &[Route<'_>],
        documents: &[DocumentFacts],
        packages: &[Package],
        callers: &crate::project::above::Callers,
    ) -> ProjectResults {
        let config = self.config();
        let inputs = rules::ProjectInputs { documents, packages };
        let rules = rules::run_project_rules(index, routes, &inputs, &config.catalog, &config.disabled);
        ProjectResults { rules, above: crate::project::above::controls_above_with(index, routes, callers) }
    }

    /// Applies the configuration to a file's findings (file and project
    /// rules alike): rules switched off, severity overrides, and the file's
    /// `custodia-ignore` comments, which also report suppressions that are
    /// invalid or unused.
    pub fn finalize(&self, path: &str, findings: Vec<Finding>, suppressions: &[Suppression]) -> suppression::Applied {
        let config = &self.config;
        let findings = findings.into_iter().filter(|f| !config.disabled.contains(f.rule)).collect();
        let mut applied = suppression::apply(path, findings, suppressions, &config.catalog, &config.disabled);
        applied.findings.retain(|f| !config.disabled.contains(f.rule));
        for finding in applied.findings.iter_mut().chain(applied.suppressed.iter_mut().map(|s| &mut s.finding)) {
            if let Some(severity) = config.severities.get(finding.rule) {
                finding.severity = *severity;
            }
        }
        applied
    }

    /// The budget of one file of `bytes` bytes: the configured time, and
    /// steps in proportion to its size.
    pub fn budget(&self, bytes: usize) -> Budget {
        let budget = Budget::start(self.config.file_time_budget);
        budget.allow_steps_for(bytes, self.config.max_analysis_steps);
        budget
    }

    /// Parses and analyses one file, within the configured time budget. `None`
    /// when the parser gives up; a file that runs out of time is returned
    /// with [`FileAnalysis::over_budget`] set and nothing else.
    pub fn analyze_source(
        &self,
        path: &str,
        kind: FileKind,
        source: &str,
        externals: &dyn ExternalResolver,
    ) -> Option<FileAnalysis> {
        let budget = self.budget(source.len());
        let started = Instant::now();
        let Some(tree) = lang::parse_within(kind.grammar, source, &budget) else {
            return budget.over_budget().map(|over| FileAnalysis::over_budget(path, kind, over));
        };
        let parse_time = started.elapsed();
        let mut analysis = self.analyze_tree_within(path, kind, source, &tree, externals, &budget);
        analysis.parse_time = parse_time;
        Some(analysis)
    }

    /// Analyses a file whose tree is already parsed (the language server
    /// keeps trees and reparses incrementally), within the time budget.
    pub fn analyze_tree(
        &self,
        path: &str,
        kind: FileKind,
        source: &str,
        tree: &Tree,
        externals: &dyn ExternalResolver,
    ) -> FileAnalysis {
        self.analyze_tree_within(path, kind, source, tree, externals, &self.budget(source.len()))
    }

    /// Analyses a parsed file within `budget` (the scan starts the budget
    /// before parsing, so that one budget covers both).
    pub fn analyze_tree_within(
        &self,
        path: &str,
        kind: FileKind,
        source: &str,
        tree: &Tree,
        externals: &dyn ExternalResolver,
        budget: &Budget,
    ) -> FileAnalysis {
        inject_fault(path);
        let started = Instant::now();
        let config = &self.config;
        let catalog = &config.catalog;
        let lines = LineIndex::new(source);
        let ir = lang::lower_within(kind.grammar, tree, source, config.max_nesting_depth, budget);
        let over = |budget: &Budget| budget.over_budget().map(|over| FileAnalysis::over_budget(path, kind, over));
        if let Some(analysis) = over(budget) {
            return analysis;
        }
        let mut facts = analysis::analyze(&ir, &lines, kind.language, catalog, path, externals, budget);
        // Past this point the budget can only have run out in the analysis:
        // what it found stands (the rules and suppressions are one pass over
        // the facts, and run either way).
        budget.check(Phase::Analysis);
        facts.class = self.classify(path, source).0;
        facts.syntax_errors = tree.root_node().has_error();
        facts.truncated = ir.truncated;
        facts.suppressions = suppression::parse(source, tree, &lines);
        let results = rules::run_file_rules(&facts, catalog, &config.disabled);
        FileAnalysis {
            facts,
            findings: results.findings,
            suppressed: Vec::new(),
            evidence: results.evidence,
            failures: results.failures,
            parse_time: Duration::ZERO,
            analysis_time: started.elapsed(),
            steps: budget.spent(),
            over_budget: budget.over_budget(),
        }
    }
}

/// Test hook (debug builds only): `CUSTODIA_FAULT_ANALYSIS=<path>` makes the
/// analysis of that file panic outside any rule, so tests can show that the
/// scan reports the file and goes on.
fn inject_fault(path: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("CUSTODIA_FAULT_ANALYSIS").is_ok_and(|p| p == path) {
        panic!("fault injected into the analysis of `{path}` (CUSTODIA_FAULT_ANALYSIS)");
    }
    #[cfg(not(debug_assertions))]
    let _ = path;
}

/// What the project step finds: the project rules' results, and the calls
/// whose failure path or timeout is provided above them (their file-rule
/// findings are dropped, the control is evidence).
pub struct ProjectResults {
    pub rules: RuleResults,
    pub above: Vec<crate::project::above::CoveredAbove>,
}
