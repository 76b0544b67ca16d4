//! Between custodia's findings and the protocol's diagnostics: byte spans
//! to positions in the negotiated encoding, paths to URIs, fixes to edits.
//!
//! A diagnostic carries no `data`: its fixes are not computed when it is
//! published (a 5,000-line file has hundreds of diagnostics, and the edits
//! of their fixes were most of each publish), and a code action finds the
//! finding again by its key, the rule and the range ([`Converter::range`]),
//! in the server's current analysis of the document (`actions.rs`).

use std::path::Path;

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

/// A fix's edits in protocol ranges, over the text it was computed on.
pub fn fix_edits(positions: &Positions<'_>, fix: &Fix, encoding: PositionEncoding) -> Vec<TextEdit> {
    fix.edits.iter().map(|e| TextEdit::new(range(positions, e.span, encoding), e.text.clone())).collect()
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
    /// The range a finding's diagnostic has: with the rule, the key by
    /// which a code action finds the finding again.
    pub fn range(&self, finding: &Finding) -> Option<Range> {
        Some(range(self.positions, finding.location?.span, self.encoding))
    }

    /// The diagnostic's message: the finding's, after its primary criterion.
    pub fn message(&self, finding: &Finding) -> String {
        let primary = self
            .catalog
            .rule(finding.rule)
            .and_then(|r| r.primary_criterion())
            .map(|c| format!("[{}] ", display_tag(c)))
            .unwrap_or_default();
        format!("{primary}{}", finding.message)
    }

    pub fn diagnostic(&self, finding: &Finding) -> Option<Diagnostic> {
        let location = finding.location?;
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
        Some(Diagnostic {
            range: range(self.positions, location.span, self.encoding),
            severity: Some(severity(finding.severity)),
            code: Some(NumberOrString::String(finding.rule.to_string())),
            code_description: rule_href(finding.rule).parse().ok().map(|href| CodeDescription { href }),
            source: Some("custodia".to_string()),
            message: self.message(finding),
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        })
    }
}

/// The rule of a diagnostic, if it is one of ours.
pub fn rule_of(diagnostic: &Diagnostic) -> Option<&str> {
    if diagnostic.source.as_deref() != Some("custodia") {
        return None;
    }
    match diagnostic.code.as_ref()? {
        NumberOrString::String(rule) => Some(rule),
        NumberOrString::Number(_) => None,
    }
}
