//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use custodia::config::Config;
use custodia::engine::Engine;
use custodia::file_class::Reported;
use custodia::scan::{ScanOptions, ScanResult, scan};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Scans a directory the way `custodia scan` does (configuration discovered
/// in the directory), with or without the prefilter.
pub fn scan_dir(dir: &Path, prefilter: bool) -> ScanResult {
    scan_dir_in_scope(dir, prefilter, None)
}

/// As [`scan_dir`], reporting the classes of files in `scope` (the
/// configuration's when `None`; `--scope` on the command line).
pub fn scan_dir_in_scope(dir: &Path, prefilter: bool, scope: Option<Reported>) -> ScanResult {
    let mut config = Config::discover(dir, None).expect("fixture configuration is valid");
    if let Some(scope) = scope {
        config.scope = scope;
    }
    let engine = Engine::new(config);
    let mut options = ScanOptions::new(dir);
    options.prefilter = prefilter;
    scan(&engine, &options).expect("scan succeeds")
}

/// All files under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Subdirectories of `dir`, sorted.
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("directory exists").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    out.sort();
    out
}

/// The path of `file` relative to `root`, `/`-separated.
pub fn rel(file: &Path, root: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}
