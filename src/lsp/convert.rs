//! Between custodia's findings and the protocol's diagnostics: byte spans
//! to positions in the negotiated encoding, paths to URIs, fixes to edits.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position,
    Range, TextEdit, Uri,
};

use crate::catalog::{Catalog, display_tag};
use crate::document::{PositionEncoding, Positions, TextPosition};
use crate::finding::{Finding, Severity};
use crate::fix::Fix;
use crate::source::Span;

/// Where each rule's documentation lives (the same text `custodia explain` prints).
pub const RULE_DOCS: &str = "https://github.com/custodia-dev/custodia/blob/main/docs/rules";

pub fn rule_href(rule: &str) -> String {
    format!("{RULE_DOCS}/{rule}.md")
}

/// What a diagnostic carries for its code actions (Ruff's way: fixes
/// travel in `data`, so a code action never re-runs the analysis).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiagnosticData {
    pub rule: String,
    /// The document version the edits are computed for (`None` for a file
    /// that is not open).
    pub version: Option<i32>,
    pub fixes: Vec<FixData>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FixData {
    pub title: String,
    /// Safe to apply in bulk (`source.fixAll.custodia`).
    pub safe: bool,
    pub edits: Vec<TextEdit>,
}

pub fn position(p: TextPosition) -> Position {
    Position::new(p.line, p.character)
}

pub fn text_position(p: Position) -> TextPosition {
    TextPosition::new(p.line, p.character)
}

pub fn range(positions: &Positions<'_>, span: Span, encoding: PositionEncoding) -> Range {
    Range::new(
        position(positions.position(span.start as usize, encoding)),
        position(positions.position(span.end as usize, encoding)),
    )
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Critical | Severity::High => DiagnosticSeverity::ERROR,
        Severity::Medium => DiagnosticSeverity::WARNING,
        Severity::Low => DiagnosticSeverity::INFORMATION,
        Severity::Info => DiagnosticSeverity::HINT,
    }
}

pub fn uri_of(root: &Path, path: &str) -> Option<Uri> {
    Uri::from_file_path(root.join(path))
}

/// The workspace path of a URI: relative to the root, `/`-separated.
pub fn path_of(root: &Path, uri: &Uri) -> Option<String> {
    let file = uri.to_file_path()?;
    let rel = file.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Everything a conversion needs besides the finding.
pub struct Converter<'a> {
    pub catalog: &'a Catalog,
    pub encoding: PositionEncoding,
    pub root: &'a Path,
    /// The text of the finding's file, as analysed.
    pub positions: &'a Positions<'a>,
    /// Positions in other files (related locations).
    pub other: &'a dyn Fn(&str) -> Option<std::sync::Arc<str>>,
}

impl Converter<'_> {
    pub fn diagnostic(&self, finding: &Finding, fixes: &[Fix], version: Option<i32>) -> Option<Diagnostic> {
        let location = finding.location?;
        let primary = self
            .catalog
            .rule(finding.rule)
            .and_then(|r| r.primary_criterion())
            .map(|c| format!("[{}] ", display_tag(c)))
            .unwrap_or_default();
        let related = finding
            .related
            .iter()
            .filter_map(|r| {
                let text = (self.other)(&r.path)?;
                let positions = Positions::new(&text);
                Some(DiagnosticRelatedInformation {
                    location: Location::new(
                        uri_of(self.root, &r.path)?,
                        range(&positions, r.location.span, self.encoding),
                    ),
                    message: r.message.clone(),
                })
            })
            .collect::<Vec<_>>();
        let data = DiagnosticData {
            rule: finding.rule.to_string(),
            version,
            fixes: fixes
                .iter()
                .map(|fix| FixData {
                    title: fix.title.clone(),
                    safe: fix.safe,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| TextEdit::new(range(self.positions, e.span, self.encoding), e.text.clone()))
                        .collect(),
                })
                .collect(),
        };
        Some(Diagnostic {
            range: range(self.positions, location.span, self.encoding),
            severity: Some(severity(finding.severity)),
            code: Some(NumberOrString::String(finding.rule.to_string())),
            code_description: rule_href(finding.rule).parse().ok().map(|href| CodeDescription { href }),
            source: Some("custodia".to_string()),
            message: format!("{primary}{}", finding.message),
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: serde_json::to_value(data).ok(),
        })
    }
}

/// The custodia payload of a diagnostic, if it is one of ours: what
/// [`Converter`] wrote into `data`, read back by code actions and hovers.
pub fn data_of(diagnostic: &Diagnostic) -> Option<DiagnosticData> {
    if diagnostic.source.as_deref() != Some("custodia") {
        return None;
    }
    serde_json::from_value(diagnostic.data.clone()?).ok()
}
