//! Module resolution, as the bundler or the interpreter would do it.
//!
//! TypeScript/JavaScript: relative specifiers, extensionless paths, `index`
//! files, ESM `.js` specifiers that name `.ts` sources, and the `baseUrl` and
//! `paths` of the nearest `tsconfig.json` (or `jsconfig.json`). Python:
//! relative imports (`from .x import y`) and absolute imports of the
//! project's own packages, found by path suffix so that `src/` layouts and
//! nested services work without configuration.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap as HashMap;

use crate::facts::ImportFact;
use crate::lang::Language;

const TS_EXTENSIONS: [&str; 8] = ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// Resolves import specifiers to the project's own files.
#[derive(Clone)]
pub struct ModuleResolver {
    root: PathBuf,
    /// Relative path → file index.
    files: HashMap<String, usize>,
    /// Python: every dotted suffix of a module's path → the file (the one
    /// closest to the root when several match): `app.llm` and `llm` for
    /// `service/app/llm.py`.
    python_modules: HashMap<String, usize>,
    /// TS configs by the directory they sit in ("" for the root).
    configs: Vec<TsConfig>,
    /// Directory → index of its nearest config.
    nearest: HashMap<String, usize>,
    /// The monorepo's own packages, by the name their `package.json` gives
    /// (`flowise-components` → `packages/components`): an import of one is
    /// an import of the project's code, as the package manager links it.
    workspace: Vec<(String, String)>,
}

/// The part of a `tsconfig.json` that maps specifiers to paths.
#[derive(Debug, Clone)]
struct TsConfig {
    /// Directory of the config, relative to the root ("" for the root).
    dir: String,
    /// `baseUrl`, relative to the root.
    base: Option<String>,
    /// `paths`: pattern → targets, each relative to the root.
    paths: Vec<(String, Vec<String>)>,
}

impl ModuleResolver {
    /// `files` are the project's source files, relative to `root`, `/`-separated.
    /// Every ancestor directory of a file is probed for a `tsconfig.json`.
    pub fn new<'p>(root: &Path, files: impl Iterator<Item = &'p str>) -> ModuleResolver {
        ModuleResolver::with_config_dirs(root, files, None)
    }

    /// As [`ModuleResolver::new`], when the directories holding a
    /// `tsconfig.json` or `jsconfig.json` are known already (the scan's walk
    /// saw them): only those are read, instead of probing every directory.
    pub fn with_config_dirs<'p>(
        root: &Path,
        files: impl Iterator<Item = &'p str>,
        config_dirs: Option<&[String]>,
    ) -> ModuleResolver {
        let files: HashMap<String, usize> = files.enumerate().map(|(i, p)| (p.to_string(), i)).collect();
        let mut dirs: Vec<String> = files.keys().map(|p| parent(p).to_string()).collect();
        // Every ancestor directory may hold a config.
        let mut ancestors = Vec::new();
        for dir in &dirs {
            let mut current = dir.as_str();
            loop {
                ancestors.push(current.to_string());
                if current.is_empty() {
                    break;
                }
                current = parent(current);
            }
        }
        dirs.extend(ancestors);
        dirs.sort();
        dirs.dedup();
        let configs: Vec<TsConfig> = match config_dirs {
            Some(known) => known.iter().filter_map(|dir| TsConfig::read(root, dir)).collect(),
            None => dirs.iter().filter_map(|dir| TsConfig::read(root, dir)).collect(),
        };
        // The nearest config of every directory, computed once.
        let mut nearest: HashMap<String, usize> = HashMap::default();
        if !configs.is_empty() {
            for dir in &dirs {
                let within = |c: &TsConfig| {
                    c.dir.is_empty()
                        || dir == &c.dir
                        || dir.strip_prefix(c.dir.as_str()).is_some_and(|r| r.starts_with('/'))
                };
                if let Some((i, _)) =
                    configs.iter().enumerate().filter(|(_, c)| within(c)).max_by_key(|(_, c)| c.dir.len())
                {
                    nearest.insert(dir.clone(), i);
                }
            }
        }
        let mut python_modules: HashMap<String, usize> = HashMap::default();
        let mut by_length: Vec<(&String, &usize)> = files.iter().filter(|(p, _)| p.ends_with(".py")).collect();
        // Longest paths first, so that the shortest (closest to the root) wins.
        by_length.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| b.0.cmp(a.0)));
        for (path, file) in by_length {
            let stem = path.trim_end_matches(".py");
            let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
            let segments: Vec<&str> = stem.split('/').collect();
            for start in 0..segments.len() {
                python_modules.insert(segments[start..].join("."), *file);
            }
        }
        ModuleResolver { root: root.to_path_buf(), files, python_modules, configs, nearest, workspace: Vec::new() }
    }

    /// Declares the project's own packages: (name, directory) pairs.
    pub fn set_workspace(&mut self, packages: Vec<(String, String)>) {
        self.workspace = packages;
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file an import of `from` refers to, if it is one of the project's.
    pub fn resolve(&self, from: &str, language: Language, import: &ImportFact) -> Option<usize> {
        if language == Language::Python {
            self.resolve_python(from, import)
        } else {
            self.resolve_script(from, &import.module)
        }
    }

    fn resolve_script(&self, from: &str, specifier: &str) -> Option<usize> {
        if specifier.starts_with("./") || specifier.starts_with("../") || specifier == "." || specifier == ".." {
            return self.script_candidates(&join(parent(from), specifier));
        }
        if let Some(file) = self.resolve_workspace(specifier) {
            return Some(file);
        }
        let config = self.nearest_config(from)?;
        for (pattern, targets) in &config.paths {
            let Some(rest) = match_pattern(pattern, specifier) else { continue };
            for target in targets {
                if let Some(file) = self.script_candidates(&normalize(&target.replacen('*', rest, 1))) {
                    return Some(file);
                }
            }
        }
        let base = config.base.as_deref()?;
        self.script_candidates(&join(base, specifier))
    }

    /// `@acme/core` or `@acme/core/utils` when `@acme/core` is one of the
    /// project's packages: its source entry (`src/index.ts`, `index.ts`) or
    /// the path under it (in `src/` or not: the built `dist/` is not
    /// scanned, the source it is built from is).
    fn resolve_workspace(&self, specifier: &str) -> Option<usize> {
        let (name, dir) = self.workspace.iter().find(|(name, _)| {
            specifier == name || specifier.strip_prefix(name.as_str()).is_some_and(|rest| rest.starts_with('/'))
        })?;
        let rest = specifier[name.len()..].trim_start_matches('/');
        let under = |sub: &str| {
            let mut path = dir.clone();
            for part in [sub, rest] {
                if !part.is_empty() {
                    if !path.is_empty() {
                        path.push('/');
                    }
                    path.push_str(part);
                }
            }
            path
        };
        self.script_candidates(&under("src")).or_else(|| self.script_candidates(&under("")))
    }

    /// `p`, `p.ts` ..., `p/index.ts` ..., and `p.ts` for an ESM `p.js`.
    /// Called for every import of every file: candidates are built in one
    /// reused buffer rather than allocated one by one.
    fn script_candidates(&self, path: &str) -> Option<usize> {
        if let Some(file) = self.files.get(path) {
            return Some(*file);
        }
        let mut buffer = String::with_capacity(path.len() + 12);
        let mut lookup = |stem: &str, middle: &str, ext: &str| {
            buffer.clear();
            buffer.push_str(stem);
            buffer.push_str(middle);
            buffer.push_str(ext);
            self.files.get(buffer.as_str()).copied()
        };
        if let Some(stem) = [".js", ".jsx", ".mjs", ".cjs"].iter().find_map(|ext| path.strip_suffix(ext)) {
            for ext in ["ts", "tsx", "mts", "cts"] {
                if let Some(file) = lookup(stem, ".", ext) {
                    return Some(file);
                }
            }
        }
        for ext in TS_EXTENSIONS {
            if let Some(file) = lookup(path, ".", ext) {
                return Some(file);
            }
        }
        let index = if path.is_empty() { "index." } else { "/index." };
        for ext in TS_EXTENSIONS {
            if let Some(file) = lookup(path, index, ext) {
                return Some(file);
            }
        }
        None
    }

    fn nearest_config(&self, from: &str) -> Option<&TsConfig> {
        if let Some(&i) = self.nearest.get(parent(from)) {
            return self.configs.get(i);
        }
        self.configs
            .iter()
            .filter(|c| c.dir.is_empty() || from.starts_with(&format!("{}/", c.dir)))
            .max_by_key(|c| c.dir.len())
    }

    fn resolve_python(&self, from: &str, import: &ImportFact) -> Option<usize> {
        let module_path = import.module.replace('.', "/");
        if import.relative_level > 0 {
            let mut base = parent(from).to_string();
            for _ in 1..import.relative_level {
                base = parent(&base).to_string();
            }
            let full = join(&base, &module_path);
            // `from . import x` names a submodule `x` or a name in `__init__`.
            if let Some(name) = import.name.as_deref().filter(|_| import.module.is_empty())
                && let Some(file) = self.python_candidates(&join(&base, name))
            {
                return Some(file);
            }
            return self.python_candidates(&full);
        }
        // Absolute: the project's own package, wherever its root is.
        self.python_modules.get(&import.module).copied()
    }

    fn python_candidates(&self, path: &str) -> Option<usize> {
        self.files.get(&format!("{path}.py")).or_else(|| self.files.get(&format!("{path}/__init__.py"))).copied()
    }
}

impl TsConfig {
    fn read(root: &Path, dir: &str) -> Option<TsConfig> {
        let base_dir = if dir.is_empty() { root.to_path_buf() } else { root.join(dir) };
        let text = ["tsconfig.json", "jsconfig.json"]
            .iter()
            .find_map(|name| std::fs::read_to_string(base_dir.join(name)).ok())?;
        let value: serde_json::Value = serde_json::from_str(&strip_jsonc(&text)).ok()?;
        let options = value.get("compilerOptions")?;
        let base = options.get("baseUrl").and_then(|b| b.as_str()).map(|b| join(dir, b));
        let anchor = base.clone().unwrap_or_else(|| dir.to_string());
        let paths = options
            .get("paths")
            .and_then(|p| p.as_object())
            .map(|paths| {
                paths
                    .iter()
                    .map(|(pattern, targets)| {
                        let targets = targets
                            .as_array()
                            .map(|t| t.iter().filter_map(|x| x.as_str()).map(|x| join(&anchor, x)).collect())
                            .unwrap_or_default();
                        (pattern.clone(), targets)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(TsConfig { dir: dir.to_string(), base, paths })
    }
}

/// `@/*` matches `@/lib/ai` with `lib/ai`; a pattern without `*` matches itself.
fn match_pattern<'s>(pattern: &str, specifier: &'s str) -> Option<&'s str> {
    match pattern.split_once('*') {
        Some((prefix, suffix)) => specifier.strip_prefix(prefix)?.strip_suffix(suffix),
        None => (pattern == specifier).then_some(""),
    }
}

/// JSON with comments and trailing commas (tsconfig's dialect) to JSON.
fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => {
                    if let Some(escaped) = chars.next() {
                        out.push(escaped);
                    }
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut previous = ' ';
                for next in chars.by_ref() {
                    if previous == '*' && next == '/' {
                        break;
                    }
                    previous = next;
                }
            }
            (',', _) => {
                // A trailing comma: the next significant character closes.
                let rest: String = chars.clone().collect();
                let next = rest.trim_start().chars().next();
                if !matches!(next, Some('}' | ']')) {
                    out.push(',');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Joins a relative path onto a directory and normalises `.` and `..`.
fn join(dir: &str, relative: &str) -> String {
    if dir.is_empty() { normalize(relative) } else { normalize(&format!("{dir}/{relative}")) }
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(module: &str, name: Option<&str>, level: u8) -> ImportFact {
        ImportFact {
            module: module.into(),
            name: name.map(Into::into),
            namespace: false,
            local: String::new(),
            location: Default::default(),
            relative_level: level,
        }
    }

    #[test]
    fn script_specifiers() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("tsconfig.json"),
            "{\n // comment\n \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@/*\": [\"./src/*\"], }, },\n}",
        )
        .expect("write");
        let files = ["src/lib/ai.ts", "src/app/api/chat/route.ts", "src/lib/db/index.ts", "src/util.ts"];
        let resolver = ModuleResolver::new(dir.path(), files.iter().copied());
        let from = "src/app/api/chat/route.ts";
        let resolve = |spec: &str| resolver.resolve(from, Language::TypeScript, &import(spec, None, 0));
        assert_eq!(resolve("@/lib/ai"), Some(0));
        assert_eq!(resolve("../../../lib/ai"), Some(0));
        assert_eq!(resolve("../../../lib/ai.js"), Some(0), "ESM .js specifier names the .ts source");
        assert_eq!(resolve("@/lib/db"), Some(2), "index file");
        assert_eq!(resolve("src/util"), Some(3), "baseUrl");
        assert_eq!(resolve("openai"), None);
    }

    #[test]
    fn python_modules() {
        let files = [
            "service/app/__init__.py",
            "service/app/llm.py",
            "service/app/routers/chat.py",
            "service/app/routers/__init__.py",
        ];
        let resolver = ModuleResolver::new(Path::new("/nonexistent"), files.iter().copied());
        let from = "service/app/routers/chat.py";
        assert_eq!(resolver.resolve(from, Language::Python, &import("app.llm", Some("client"), 0)), Some(1));
        assert_eq!(resolver.resolve(from, Language::Python, &import("llm", Some("client"), 2)), Some(1));
        assert_eq!(resolver.resolve(from, Language::Python, &import("", Some("chat"), 1)), Some(2));
        assert_eq!(resolver.resolve(from, Language::Python, &import("openai", Some("OpenAI"), 0)), None);
    }

    #[test]
    fn jsonc() {
        assert_eq!(strip_jsonc("{\"a\": \"//x\", /* c */ \"b\": [1,],}"), "{\"a\": \"//x\",  \"b\": [1]}");
    }
}
