//! `custodia.writeReport`: the scan report of the workspace, written where
//! the editor asks (default `custodia-report.json` at the root).

use std::path::PathBuf;

use super::session::Session;
use crate::scan::{self, ScanOptions};

pub fn write(session: &Session, target: Option<&str>) -> Result<String, String> {
    let root = session.init().map(|i| i.root.clone()).ok_or("the server is not initialized")?;
    let engine = session.engine().ok_or("the workspace is not indexed yet")?;
    let result = scan::scan(&engine, &ScanOptions::new(&root)).map_err(|e| e.to_string())?;
    let report = crate::report::json::build(&result, &engine.config().catalog, false);
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n";
    let path = match target {
        Some(t) if PathBuf::from(t).is_absolute() => PathBuf::from(t),
        Some(t) => root.join(t),
        None => root.join("custodia-report.json"),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
