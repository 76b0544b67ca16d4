//! The versions of the packages a project installs, from its lock files:
//! what the AI bill of materials (`--format cyclonedx`) says of each SDK.
//!
//! Read, in each package directory: `package-lock.json` (and
//! `npm-shrinkwrap.json`), `yarn.lock` (classic and Berry), `pnpm-lock.yaml`,
//! `poetry.lock`, `uv.lock`, `Pipfile.lock`, and pinned `name==version`
//! lines of `requirements.txt`. A lock file that cannot be read is passed
//! over: the package is then listed without a version, never with a guess.

use std::collections::BTreeMap;
use std::path::Path;

/// Which registry a package name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    Npm,
    PyPI,
}

impl Ecosystem {
    /// The package-URL type (`pkg:npm/...`, `pkg:pypi/...`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
        }
    }
}

/// Locked versions: (ecosystem, normalised name) → (version, lock file).
#[derive(Debug, Default, Clone)]
pub struct Locked {
    versions: BTreeMap<(Ecosystem, String), (String, String)>,
}

impl Locked {
    /// The version of a package and the lock file that says so.
    pub fn get(&self, ecosystem: Ecosystem, name: &str) -> Option<(&str, &str)> {
        self.versions.get(&(ecosystem, normalise(ecosystem, name))).map(|(v, f)| (v.as_str(), f.as_str()))
    }

    fn insert(&mut self, ecosystem: Ecosystem, name: &str, version: &str, file: &str) {
        let version = version.trim().trim_start_matches("==").trim_start_matches('v');
        if name.is_empty() || version.is_empty() {
            return;
        }
        // The first lock file read wins (the root's, then the packages' in order).
        self.versions
            .entry((ecosystem, normalise(ecosystem, name)))
            .or_insert_with(|| (version.to_string(), file.to_string()));
    }
}

/// PyPI names compare case-insensitively with `-`, `_` and `.` alike (PEP 503).
fn normalise(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::Npm => name.to_string(),
        Ecosystem::PyPI => name.to_ascii_lowercase().replace(['_', '.'], "-"),
    }
}

/// The npm package an import names: `@scope/name/sub` → `@scope/name`.
pub fn npm_package(module: &str) -> String {
    let mut parts = module.split('/');
    match (parts.next(), parts.next()) {
        (Some(scope), Some(name)) if scope.starts_with('@') => format!("{scope}/{name}"),
        (Some(name), _) => name.to_string(),
        _ => module.to_string(),
    }
}

/// The PyPI distributions a Python import may come from, most likely first:
/// `google.generativeai` → `google-generativeai`, `google`;
/// `langchain_openai.chat` → `langchain-openai`.
pub fn pypi_candidates(module: &str) -> Vec<String> {
    let parts: Vec<&str> = module.split('.').collect();
    let mut out = Vec::new();
    if parts.len() >= 2 {
        out.push(format!("{}-{}", parts[0], parts[1]));
    }
    out.push(parts[0].replace('_', "-"));
    out
}

/// Reads the lock files in `dirs` (relative to `root`; `""` is the root).
pub fn read(root: &Path, dirs: &[String]) -> Locked {
    let mut locked = Locked::default();
    let base = if root.is_file() { root.parent().unwrap_or(Path::new(".")) } else { root };
    for dir in dirs {
        let rel = |name: &str| if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") };
        let text = |name: &str| std::fs::read_to_string(base.join(rel(name))).ok();
        for name in ["package-lock.json", "npm-shrinkwrap.json"] {
            if let Some(text) = text(name) {
                package_lock(&mut locked, &text, &rel(name));
            }
        }
        if let Some(text) = text("yarn.lock") {
            yarn_lock(&mut locked, &text, &rel("yarn.lock"));
        }
        if let Some(text) = text("pnpm-lock.yaml") {
            pnpm_lock(&mut locked, &text, &rel("pnpm-lock.yaml"));
        }
        for name in ["poetry.lock", "uv.lock"] {
            if let Some(text) = text(name) {
                toml_packages(&mut locked, &text, &rel(name));
            }
        }
        if let Some(text) = text("Pipfile.lock") {
            pipfile_lock(&mut locked, &text, &rel("Pipfile.lock"));
        }
        if let Some(text) = text("requirements.txt") {
            requirements(&mut locked, &text, &rel("requirements.txt"));
        }
    }
    locked
}

fn package_lock(locked: &mut Locked, text: &str, file: &str) {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return };
    // lockfileVersion 2 and 3: "packages": { "node_modules/openai": { "version" } }.
    if let Some(packages) = json.get("packages").and_then(|p| p.as_object()) {
        for (path, entry) in packages {
            let Some(name) = path.rsplit_once("node_modules/").map(|(_, name)| name) else { continue };
            // Only the top-level install: nested copies are other versions.
            if path.matches("node_modules/").count() != 1 {
                continue;
            }
            if let Some(version) = entry.get("version").and_then(|v| v.as_str()) {
                locked.insert(Ecosystem::Npm, name, version, file);
            }
        }
    }
    // lockfileVersion 1: "dependencies": { "openai": { "version" } }.
    if let Some(dependencies) = json.get("dependencies").and_then(|d| d.as_object()) {
        for (name, entry) in dependencies {
            if let Some(version) = entry.get("version").and_then(|v| v.as_str()) {
                locked.insert(Ecosystem::Npm, name, version, file);
            }
        }
    }
}

/// `"openai@^5.12.0", openai@^5:` then `  version "5.12.0"` (classic) or
/// `"openai@npm:^5.12.0":` then `  version: 5.12.0` (Berry).
fn yarn_lock(locked: &mut Locked, text: &str, file: &str) {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') && !line.starts_with('#') {
            names = line
                .trim_end_matches(':')
                .split(", ")
                .filter_map(|spec| {
                    let spec = spec.trim().trim_matches('"');
                    // The name ends at the `@` that is not its first character.
                    let at = spec[1..].find('@')? + 1;
                    Some(spec[..at].to_string())
                })
                .collect();
        } else if let Some(version) = line.trim_start().strip_prefix("version") {
            if line.starts_with("    ") {
                continue;
            }
            let version = version.trim_start_matches(':').trim().trim_matches('"');
            for name in names.drain(..) {
                locked.insert(Ecosystem::Npm, &name, version, file);
            }
        }
    }
}

/// The keys of `packages:` (`  /openai@5.12.0:`, `  'openai@5.12.0':`,
/// `  /@scope/name@1.0.0(peer@2):`).
fn pnpm_lock(locked: &mut Locked, text: &str, file: &str) {
    let mut in_packages = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            in_packages = line.trim_end() == "packages:";
            continue;
        }
        if !in_packages || line.starts_with("   ") || !line.trim_end().ends_with(':') {
            continue;
        }
        let key = line.trim().trim_end_matches(':').trim_matches(['\'', '"']).trim_start_matches('/');
        let key = key.split('(').next().unwrap_or(key);
        let Some(at) = key.get(1..).and_then(|rest| rest.find('@')).map(|i| i + 1) else { continue };
        locked.insert(Ecosystem::Npm, &key[..at], &key[at + 1..], file);
    }
}

/// `[[package]]` tables with `name` and `version` (poetry.lock, uv.lock).
fn toml_packages(locked: &mut Locked, text: &str, file: &str) {
    let Ok(value) = text.parse::<toml::Table>() else { return };
    let Some(packages) = value.get("package").and_then(|p| p.as_array()) else { return };
    for package in packages {
        let name = package.get("name").and_then(|n| n.as_str());
        let version = package.get("version").and_then(|v| v.as_str());
        if let (Some(name), Some(version)) = (name, version) {
            locked.insert(Ecosystem::PyPI, name, version, file);
        }
    }
}

fn pipfile_lock(locked: &mut Locked, text: &str, file: &str) {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return };
    for section in ["default", "develop"] {
        let Some(packages) = json.get(section).and_then(|s| s.as_object()) else { continue };
        for (name, entry) in packages {
            if let Some(version) = entry.get("version").and_then(|v| v.as_str()) {
                locked.insert(Ecosystem::PyPI, name, version, file);
            }
        }
    }
}

/// Pinned lines only: `openai==1.40.0` (extras and markers allowed).
fn requirements(locked: &mut Locked, text: &str, file: &str) {
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((name, rest)) = line.split_once("==") else { continue };
        let name = name.split('[').next().unwrap_or(name).trim();
        let version = rest.split([';', ' ', ',']).next().unwrap_or("").trim();
        if !version.contains('*') {
            locked.insert(Ecosystem::PyPI, name, version, file);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lock_format() {
        let mut locked = Locked::default();
        package_lock(
            &mut locked,
            r#"{"lockfileVersion":3,"packages":{"":{},"node_modules/openai":{"version":"5.12.0"},"node_modules/x/node_modules/openai":{"version":"4.0.0"},"node_modules/@ai-sdk/openai":{"version":"2.0.3"}}}"#,
            "package-lock.json",
        );
        assert_eq!(locked.get(Ecosystem::Npm, "openai"), Some(("5.12.0", "package-lock.json")));
        assert_eq!(locked.get(Ecosystem::Npm, "@ai-sdk/openai").map(|v| v.0), Some("2.0.3"));
        yarn_lock(
            &mut locked,
            "# yarn lockfile v1\n\n\"@anthropic-ai/sdk@^0.60.0\":\n  version \"0.60.1\"\n  resolved \"x\"\n\nai@^5, ai@^5.0.1:\n  version \"5.0.4\"\n",
            "yarn.lock",
        );
        assert_eq!(locked.get(Ecosystem::Npm, "@anthropic-ai/sdk").map(|v| v.0), Some("0.60.1"));
        assert_eq!(locked.get(Ecosystem::Npm, "ai").map(|v| v.0), Some("5.0.4"));
        pnpm_lock(
            &mut locked,
            "lockfileVersion: '9.0'\n\npackages:\n\n  cohere-ai@7.18.0:\n    resolution: {}\n  '@mistralai/mistralai@1.7.5(zod@3.25.76)':\n    x: y\n",
            "pnpm-lock.yaml",
        );
        assert_eq!(locked.get(Ecosystem::Npm, "cohere-ai").map(|v| v.0), Some("7.18.0"));
        assert_eq!(locked.get(Ecosystem::Npm, "@mistralai/mistralai").map(|v| v.0), Some("1.7.5"));
        toml_packages(&mut locked, "[[package]]\nname = \"Anthropic\"\nversion = \"0.64.0\"\n", "poetry.lock");
        assert_eq!(locked.get(Ecosystem::PyPI, "anthropic").map(|v| v.0), Some("0.64.0"));
        requirements(&mut locked, "google-generativeai==0.8.5 ; python_version>'3.8'\nopenai>=1\n", "requirements.txt");
        assert_eq!(locked.get(Ecosystem::PyPI, "google_generativeai").map(|v| v.0), Some("0.8.5"));
        assert_eq!(locked.get(Ecosystem::PyPI, "openai"), None);
        pipfile_lock(&mut locked, r#"{"default":{"mistralai":{"version":"==1.9.0"}}}"#, "Pipfile.lock");
        assert_eq!(locked.get(Ecosystem::PyPI, "mistralai").map(|v| v.0), Some("1.9.0"));
        // Nothing readable: nothing guessed.
        package_lock(&mut locked, "not json", "package-lock.json");
        toml_packages(&mut locked, "[[[", "uv.lock");
    }

    #[test]
    fn package_names_of_imports() {
        assert_eq!(npm_package("@ai-sdk/openai/internal"), "@ai-sdk/openai");
        assert_eq!(npm_package("openai/resources"), "openai");
        assert_eq!(pypi_candidates("google.generativeai"), vec!["google-generativeai", "google"]);
        assert_eq!(pypi_candidates("langchain_openai"), vec!["langchain-openai"]);
    }
}
