//! One file in, its facts, findings and evidence out: the engine both the
//! `scan` command and the language server call, with the same configuration,
//! so both give the same answers on the same code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tree_sitter::Tree;

use crate::analysis::ExternalResolver;
use crate::config::Config;
use crate::facts::FileFacts;
use crate::finding::{Evidence, Finding, Suppressed};
use crate::lang::{self, FileKind};
use crate::prefilter::Prefilter;
use crate::source::LineIndex;
use crate::{analysis, rules, suppression};

/// Everything known about one analysed file.
#[derive(Debug, Clone)]
pub struct FileAnalysis {
    pub facts: FileFacts,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub evidence: Vec<Evidence>,
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
        let (mut findings, evidence) = rules::run_file_rules(&facts, catalog, &config.disabled);
        for finding in &mut findings {
            if let Some(severity) = config.severities.get(finding.rule) {
                finding.severity = *severity;
            }
        }
        let mut applied = suppression::apply(path, findings, &facts.suppressions, catalog, &config.disabled);
        applied.findings.retain(|f| !config.disabled.contains(f.rule));
        for finding in &mut applied.findings {
            if let Some(severity) = config.severities.get(finding.rule) {
                finding.severity = *severity;
            }
        }
        FileAnalysis {
            facts,
            findings: applied.findings,
            suppressed: applied.suppressed,
            evidence,
            parse_time: Duration::ZERO,
            analysis_time: started.elapsed(),
        }
    }
}
