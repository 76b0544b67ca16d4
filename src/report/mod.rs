//! Output formats of a scan. `json` is the stable machine contract
//! (SPEC.md); `sarif` is for code-scanning dashboards; `text` is for people
//! at a terminal; `cyclonedx` is the AI bill of materials; `markdown`, `html` and `pdf` render the evidence
//! report (`audit`) for pull requests, wikis and auditors.

pub mod audit;
pub mod counts;
pub mod cyclonedx;
pub mod exceptions;

pub mod html;
pub mod json;
pub mod markdown;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod sarif;
pub mod text;

use crate::config::Config;

/// The evidence report's three presentations (one content: `audit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceFormat {
    Markdown,
    Html,
    Pdf,
}

impl EvidenceFormat {
    /// The format a file name asks for: `.pdf`, `.html`/`.htm`, `.md`/`.markdown`.
    pub fn from_path(path: &std::path::Path) -> Option<EvidenceFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "pdf" => Some(EvidenceFormat::Pdf),
            "html" | "htm" => Some(EvidenceFormat::Html),
            "md" | "markdown" => Some(EvidenceFormat::Markdown),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EvidenceFormat::Markdown => "markdown",
            EvidenceFormat::Html => "html",
            EvidenceFormat::Pdf => "pdf",
        }
    }
}

/// Renders the evidence report; the PDF's logo comes from `[report] logo`.
pub fn render_evidence(audit: &audit::AuditReport, config: &Config, format: EvidenceFormat) -> Result<Vec<u8>, String> {
    match format {
        EvidenceFormat::Markdown => Ok(markdown::render(audit).into_bytes()),
        EvidenceFormat::Html => Ok(html::render(audit).into_bytes()),
        EvidenceFormat::Pdf => render_pdf(audit, config),
    }
}

#[cfg(feature = "pdf")]
fn render_pdf(audit: &audit::AuditReport, config: &Config) -> Result<Vec<u8>, String> {
    let logo = match &config.report.logo {
        Some(path) => Some(pdf::Logo::load(path).map_err(|err| err.to_string())?),
        None => None,
    };
    pdf::render(audit, logo.as_ref()).map_err(|err| err.to_string())
}

#[cfg(not(feature = "pdf"))]
fn render_pdf(_: &audit::AuditReport, _: &Config) -> Result<Vec<u8>, String> {
    Err("this custodia was built without the `pdf` feature: write the report as .html or .md, \
         or reinstall it with the default features"
        .to_string())
}
