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
    /// Package directories of a monorepo whose manifest custodia does not
    /// see (a checkout laid out without `package.json`): the last segment
    /// of the directory (`components` for `packages/components`) → the
    /// directories, each with an entry file. See [`WORKSPACE_PARENTS`].
    unnamed_packages: HashMap<String, Vec<String>>,
}

/// The project-root aliases templates configure in `tsconfig.json`.
const ROOT_ALIASES: [&str; 2] = ["@/", "~/"];

/// The directories a monorepo keeps its packages in, by convention
/// (npm, pnpm, yarn and Turborepo workspaces).
const WORKSPACE_PARENTS: [&str; 4] = ["packages", "apps", "libs", "services"];

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
        // Every directory of a file and every ancestor of one may hold a
        // config. Borrowed from the paths, and only worked out when needed
        // (the scan knows where its configs are; most projects have few).
        let dirs = || {
            let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for path in files.keys() {
                let mut current = parent(path);
                // A directory seen before has had its ancestors seen too.
                while seen.insert(current) && !current.is_empty() {
                    current = parent(current);
                }
            }
            let mut dirs: Vec<&str> = seen.into_iter().collect();
            dirs.sort_unstable();
            dirs
        };
        let configs: Vec<TsConfig> = match config_dirs {
            Some(known) => known.iter().filter_map(|dir| TsConfig::read(root, dir)).collect(),
            None => dirs().into_iter().filter_map(|dir| TsConfig::read(root, dir)).collect(),
        };
        // The nearest config of every directory, computed once.
        let mut nearest: HashMap<String, usize> = HashMap::default();
        if !configs.is_empty() {
            for dir in dirs() {
                let within = |c: &TsConfig| {
                    c.dir.is_empty()
                        || dir == c.dir.as_str()
                        || dir.strip_prefix(c.dir.as_str()).is_some_and(|r| r.starts_with('/'))
                };
                if let Some((i, _)) =
                    configs.iter().enumerate().filter(|(_, c)| within(c)).max_by_key(|(_, c)| c.dir.len())
                {
                    nearest.insert(dir.to_string(), i);
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
        let unnamed_packages = unnamed_packages(&files);
        ModuleResolver {
            root: root.to_path_buf(),
            files,
            python_modules,
            configs,
            nearest,
            workspace: Vec::new(),
            unnamed_packages,
        }
    }

    /// Declares the project's own packages: (name, directory) pairs. A
    /// declared directory is known by its name only.
    pub fn set_workspace(&mut self, packages: Vec<(String, String)>) {
        for dirs in self.unnamed_packages.values_mut() {
            dirs.retain(|dir| !packages.iter().any(|(_, declared)| declared == dir));
        }
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
        if self.nearest_config(from).is_none()
            && let Some(rest) = ROOT_ALIASES.iter().find_map(|alias| specifier.strip_prefix(alias))
        {
            return self.resolve_root_alias(from, rest);
        }
        self.resolve_configured(from, specifier).or_else(|| self.resolve_unnamed_package(from, specifier))
    }

    /// `@/lib/ai` with no `tsconfig.json` in sight (a checkout laid out
    /// without configuration): the alias that `create-next-app` and most
    /// templates configure, `@/*` → `./*` or `./src/*` at the project's
    /// root. The nearest directory above the importing file that holds the
    /// path is taken for that root.
    fn resolve_root_alias(&self, from: &str, rest: &str) -> Option<usize> {
        let mut dir = parent(from);
        loop {
            for base in [dir.to_string(), join(dir, "src")] {
                if let Some(file) = self.script_candidates(&join(&base, rest)) {
                    return Some(file);
                }
            }
            if dir.is_empty() {
                return None;
            }
            dir = parent(dir);
        }
    }

    /// Through the nearest `tsconfig.json`: its `paths`, then its `baseUrl`.
    fn resolve_configured(&self, from: &str, specifier: &str) -> Option<usize> {
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
    /// project's packages: see [`Self::package_entry`].
    fn resolve_workspace(&self, specifier: &str) -> Option<usize> {
        let (name, dir) = self.workspace.iter().find(|(name, _)| {
            specifier == name || specifier.strip_prefix(name.as_str()).is_some_and(|rest| rest.starts_with('/'))
        })?;
        self.package_entry(dir, specifier[name.len()..].trim_start_matches('/'))
    }

    /// `flowise-components` or `@flowise/components` from
    /// `packages/server/src/app.ts`, when the checkout has no manifest to
    /// name `packages/components`: the package whose directory is the
    /// name's last `-`-separated part (or the whole name), in the same
    /// repository as the importing file, and the only one that fits.
    fn resolve_unnamed_package(&self, from: &str, specifier: &str) -> Option<usize> {
        if self.unnamed_packages.is_empty() {
            return None;
        }
        let (name, rest) = split_package(specifier);
        let unscoped = name.rsplit('/').next().unwrap_or(name);
        let mut fits = std::iter::once(unscoped)
            .chain(unscoped.char_indices().filter(|(_, c)| *c == '-').map(|(i, _)| &unscoped[i + 1..]))
            .filter_map(|tail| self.unnamed_packages.get(tail))
            .flatten()
            .filter(|dir| {
                let repository = dir.rsplitn(3, '/').nth(2).unwrap_or("");
                repository.is_empty() || from.strip_prefix(repository).is_some_and(|r| r.starts_with('/'))
            });
        let dir = fits.next()?;
        if fits.next().is_some() {
            return None;
        }
        self.package_entry(dir, rest)
    }

    /// The file `rest` names in the package at `dir`: its source entry
    /// (`src/index.ts`, `index.ts`) or the path under it (in `src/` or not:
    /// the built `dist/` is not scanned, the source it is built from is).
    fn package_entry(&self, dir: &str, rest: &str) -> Option<usize> {
        let under = |sub: &str| {
            let mut path = dir.to_string();
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

/// The package directories under a [`WORKSPACE_PARENTS`] directory that
/// have an entry file (`src/index.ts`, `index.js` ...), by their last
/// segment.
fn unnamed_packages(files: &HashMap<String, usize>) -> HashMap<String, Vec<String>> {
    let mut packages: HashMap<String, Vec<String>> = HashMap::default();
    for path in files.keys() {
        let segments: Vec<&str> = path.split('/').collect();
        let n = segments.len();
        let is_entry = segments[n - 1].strip_prefix("index.").is_some_and(|ext| TS_EXTENSIONS.contains(&ext));
        // `<parent>/<name>/index.ts` or `<parent>/<name>/src/index.ts`.
        let at = match n {
            _ if !is_entry => continue,
            n if n >= 4 && segments[n - 2] == "src" => n - 4,
            n if n >= 3 => n - 3,
            _ => continue,
        };
        if !WORKSPACE_PARENTS.contains(&segments[at]) {
            continue;
        }
        let dir = segments[..=at + 1].join("/");
        let dirs = packages.entry(segments[at + 1].to_string()).or_default();
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    packages
}

/// A bare specifier's package name and the path inside it:
/// `@acme/core/utils` → (`@acme/core`, `utils`), `lodash/fp` → (`lodash`, `fp`).
fn split_package(specifier: &str) -> (&str, &str) {
    let segments = if specifier.starts_with('@') { 2 } else { 1 };
    match specifier.match_indices('/').nth(segments - 1) {
        Some((i, _)) => (&specifier[..i], &specifier[i + 1..]),
        None => (specifier, ""),
    }
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
    fn the_root_alias_without_a_tsconfig() {
        let files = [
            "chatbot/lib/ai/models.ts",
            "chatbot/app/(chat)/api/chat/route.ts",
            "web/src/lib/db.ts",
            "web/src/app/page.tsx",
        ];
        let resolver = ModuleResolver::new(Path::new("/nonexistent"), files.iter().copied());
        let resolve = |from: &str, spec: &str| resolver.resolve(from, Language::TypeScript, &import(spec, None, 0));
        assert_eq!(resolve("chatbot/app/(chat)/api/chat/route.ts", "@/lib/ai/models"), Some(0));
        assert_eq!(resolve("web/src/app/page.tsx", "~/lib/db"), Some(2), "`src/` under the root");
        assert_eq!(resolve("web/src/app/page.tsx", "@/lib/ai/models"), None, "another project's file");
    }

    #[test]
    fn packages_without_a_manifest() {
        let files = [
            "flowise/packages/components/src/index.ts",
            "flowise/packages/components/src/prompts.ts",
            "flowise/packages/server/src/chat.ts",
            "flowise/packages/ui/src/index.ts",
            "other/packages/ui/index.ts",
            "other/apps/web/app.ts",
        ];
        let mut resolver = ModuleResolver::new(Path::new("/nonexistent"), files.iter().copied());
        let from = "flowise/packages/server/src/chat.ts";
        let resolve = |r: &ModuleResolver, spec: &str| r.resolve(from, Language::TypeScript, &import(spec, None, 0));
        assert_eq!(resolve(&resolver, "flowise-components"), Some(0), "the name's last part names the directory");
        assert_eq!(resolve(&resolver, "@flowise/components"), Some(0));
        assert_eq!(resolve(&resolver, "flowise-components/prompts"), Some(1), "a path inside the package");
        assert_eq!(resolve(&resolver, "@acme/ui"), Some(3), "another repository's `ui` is not this one's");
        assert_eq!(resolve(&resolver, "react"), None);
        assert_eq!(resolve(&resolver, "@/components"), None, "`@/` is the project root's alias, not a package");
        let from_other = |r: &ModuleResolver, spec: &str| {
            r.resolve("other/apps/web/app.ts", Language::TypeScript, &import(spec, None, 0))
        };
        assert_eq!(from_other(&resolver, "ui"), Some(4));
        assert_eq!(from_other(&resolver, "components"), None, "packages of other repositories are not candidates");
        // A package a manifest names is known by that name only.
        resolver.set_workspace(vec![("@flowise/ui".to_string(), "flowise/packages/ui".to_string())]);
        assert_eq!(resolve(&resolver, "@acme/ui"), None);
        assert_eq!(resolve(&resolver, "@flowise/ui"), Some(3));
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
