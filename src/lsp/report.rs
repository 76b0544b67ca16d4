//! `custodia.writeReport`: a fresh scan of the workspace, written where the
//! editor asks, in the format its extension names: `.html` (the evidence
//! report, the default: `custodia-report.html` at the root), `.md`,
//! `.sarif`, or `.json`.

use std::path::PathBuf;

use super::session::Session;
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
            "sarif" => "sarif",
            "json" => "json",
            _ => "html",
        }
    );
    let text = match extension.as_str() {
        "json" => {
            let report = crate::report::json::build(&result, &engine.config().catalog, false);
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
        }
        "sarif" => {
            serde_json::to_string_pretty(&crate::report::sarif::build(&result, &engine)).map_err(|e| e.to_string())?
                + "\n"
        }
        "md" | "markdown" => crate::report::markdown::render(&crate::report::audit::build(&result, &engine, &command)),
        _ => crate::report::html::render(&crate::report::audit::build(&result, &engine, &command)),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
