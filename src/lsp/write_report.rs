//! `custodia.writeReport`: a fresh scan of the workspace, written where the
//! editor asks, in the format its extension names: `.html` (the evidence
//! report, the default: `custodia-report.html` at the root), `.pdf`, `.md`,
//! `.sarif`, or `.json`.

use std::path::PathBuf;

use super::session::Session;
use crate::report::EvidenceFormat;
use crate::scan::{self, ScanOptions};

pub fn write(session: &Session, target: Option<&str>) -> Result<String, String> {
    let root = session.init().map(|i| i.root.clone()).ok_or("the server is not initialized")?;
    let engine = session.engine().ok_or("the workspace is not indexed yet")?;
    let result = scan::scan(&engine, &ScanOptions::new(&root)).map_err(|e| e.to_string())?;
    let path = match target {
        Some(t) if PathBuf::from(t).is_absolute() => PathBuf::from(t),
        Some(t) => root.join(t),
        None => root.join("custodia-report.html"),
    };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("html").to_ascii_lowercase();
    let command = format!(
        "custodia scan . --format {}",
        match extension.as_str() {
            "md" | "markdown" => "markdown",
            "pdf" => "pdf",
            "sarif" => "sarif",
            "json" => "json",
            _ => "html",
        }
    );
    let bytes = match extension.as_str() {
        "json" => {
            let report = crate::report::json::build(&result, &engine.config().catalog, false);
            (serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n").into_bytes()
        }
        "sarif" => (serde_json::to_string_pretty(&crate::report::sarif::build(&result, &engine))
            .map_err(|e| e.to_string())?
            + "\n")
            .into_bytes(),
        _ => {
            let format = EvidenceFormat::from_path(&path).unwrap_or(EvidenceFormat::Html);
            let audit = crate::report::audit::build(&result, &engine, &command);
            crate::report::render_evidence(&audit, engine.config(), format)?
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
