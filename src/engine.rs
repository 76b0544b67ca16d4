//! One file in, its facts, findings and evidence out: the engine both the
//! `scan` command and the language server call, with the same configuration,
//! so both give the same answers on the same code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tree_sitter::Tree;

use crate::analysis::ExternalResolver;
use crate::config::Config;
use crate::facts::{FileFacts, Suppression};
use crate::finding::{Evidence, Finding, Suppressed};
use crate::lang::{self, FileKind};
use crate::prefilter::Prefilter;
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
}

pub struct Engine {
    config: Arc<Config>,
    prefilter: Prefilter,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        let prefilter = Prefilter::new(&config.catalog);
        Engine { config: Arc::new(config), prefilter }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
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

    /// Parses and analyses one file. `None` when the parser gives up.
    pub fn analyze_source(
        &self,
        path: &str,
        kind: FileKind,
        source: &str,
        externals: &dyn ExternalResolver,
    ) -> Option<FileAnalysis> {
        let started = Instant::now();
        let tree = lang::parse(kind.grammar, source, None)?;
        let parse_time = started.elapsed();
        let mut analysis = self.analyze_tree(path, kind, source, &tree, externals);
        analysis.parse_time = parse_time;
        Some(analysis)
    }

    /// Analyses a file whose tree is already parsed (the language server
    /// keeps trees and reparses incrementally).
    pub fn analyze_tree(
        &self,
        path: &str,
        kind: FileKind,
        source: &str,
        tree: &Tree,
        externals: &dyn ExternalResolver,
    ) -> FileAnalysis {
        let started = Instant::now();
        let config = &self.config;
        let catalog = &config.catalog;
        let lines = LineIndex::new(source);
        let ir = lang::lower(kind.grammar, tree, source);
        let mut facts = analysis::analyze(&ir, &lines, kind.language, catalog, path, externals);
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
        }
    }
}
