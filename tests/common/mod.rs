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

/// The shapes that overflowed the stack before resolution was bounded: a
/// ring of `export *` re-exports that an import goes through, and options
/// nested 180 calls deep around values that refer to each other, in both
/// languages. Each file path with its text.
pub fn overflow_shapes() -> Vec<(String, String)> {
    let n = 180;
    let ts = format!(
        "import OpenAI from \"openai\";\nconst openai = new OpenAI({{ timeout: 10_000 }});\nfunction cfg(o: any) {{ return o; }}\nlet a: any = cfg({{ ...b }});\nlet b: any = cfg({{ ...a }});\nexport async function ask(q: string) {{\n  try {{\n    return await openai.chat.completions.create({}{{ model: \"gpt-4o\", ...a, messages: [{{ role: \"user\", content: q }}] }}{});\n  }} catch {{ return null; }}\n}}\n",
        "cfg(".repeat(n),
        ")".repeat(n)
    );
    let py = format!(
        "from openai import OpenAI\nclient = OpenAI(timeout=10)\na = dict(**b)\nb = dict(**a)\ndef ask(q):\n    try:\n        return client.chat.completions.create({}model=\"gpt-4o\", **a{})\n    except Exception:\n        return None\n",
        "dict(".repeat(n),
        ")".repeat(n)
    );
    let user = "import { openai } from \"./a\";\nexport async function ask(q: string) {\n  return openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n}\n";
    vec![
        ("lib/a.ts".to_string(), "export * from \"./b\";\nexport const fromA = 1;\n".to_string()),
        ("lib/b.ts".to_string(), "export * from \"./a\";\nexport const fromB = 2;\n".to_string()),
        ("lib/use.ts".to_string(), user.to_string()),
        ("lib/nested.ts".to_string(), ts),
        ("py/nested.py".to_string(), py),
    ]
}

/// Runs git in `dir` with a throwaway identity; a failure fails the test.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}
