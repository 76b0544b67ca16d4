//! What a repository ships, package by package: services, applications and
//! libraries.
//!
//! An SDK's own code calls models on behalf of its users, and its CI
//! fixtures are not an HTTP surface: the project-level controls (an
//! incident-response plan, outage readiness) are the deployer's, not the
//! library author's. So each package of a repository (a directory with a
//! `package.json`, `pyproject.toml`, `setup.py` or `setup.cfg`; files outside
//! any are the root's) is classed:
//!
//! - a **service** declares HTTP entrypoints (routes, server actions);
//! - a **library** is published as a package (a `package.json` that is not
//!   `private` and names an entry point, `main`/`exports`/`module`/`types`/
//!   `bin`; a `pyproject.toml` with a project name and a build system; a
//!   `setup.py` or `setup.cfg`) and declares none;
//! - an **application** is a package that is not published (a private
//!   `package.json`, a `requirements.txt` or `Pipfile`: a worker, a bot, a
//!   CLI product);
//! - files under no manifest are the root's, classed from the code: a
//!   service if they declare routes, a library if the repository has
//!   examples and nothing that serves requests (its examples show others
//!   how to call it; a library's command-line tool does not make it a
//!   deployed system), else an application.
//!
//! `[project] kind = "library"`, `"application"` or `"service"` in
//! `custodia.toml` states it for the whole repository instead.

use serde::Serialize;

/// What a package is, for the project-level rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageKind {
    /// Declares HTTP entrypoints: deployed and serving requests.
    Service,
    /// Not published as a package, no entrypoints: a worker, a bot, a CLI product.
    Application,
    /// Published for others to call: call-level rules only.
    Library,
}

impl PackageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageKind::Service => "service",
            PackageKind::Application => "application",
            PackageKind::Library => "library",
        }
    }

    pub fn parse(text: &str) -> Option<PackageKind> {
        match text.trim() {
            "service" => Some(PackageKind::Service),
            "application" => Some(PackageKind::Application),
            "library" => Some(PackageKind::Library),
            _ => None,
        }
    }
}

/// A package manifest found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The package's directory, relative to the root (`""` for the root).
    pub dir: String,
    /// The manifest's path, relative to the root.
    pub path: String,
    pub name: Option<String>,
    /// Published as a package for others to install.
    pub publishable: bool,
}

/// A package and what it was classed as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// The package's directory (`""` for the repository's root).
    pub dir: String,
    /// Its manifest, if it has one.
    pub manifest: Option<String>,
    pub name: Option<String>,
    pub kind: PackageKind,
    /// Why, in words: what a reader checks the class against.
    pub because: String,
}

/// What the code of one reported file says about its package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSignal {
    pub path: String,
    /// It declares HTTP entrypoints.
    pub serves: bool,
}

/// Whether the file at `rel` is a package manifest custodia reads.
pub fn is_manifest(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(name, "package.json" | "pyproject.toml" | "setup.py" | "setup.cfg" | "requirements.txt" | "Pipfile")
}

/// Reads a manifest; `None` when it is not one or cannot be read as one.
pub fn read_manifest(rel: &str, text: &str) -> Option<Manifest> {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let (package, publishable) = match name {
        "package.json" => {
            let json: serde_json::Value = serde_json::from_str(text).ok()?;
            let private = json.get("private").and_then(serde_json::Value::as_bool).unwrap_or(false);
            let entry = ["main", "module", "exports", "types", "typings", "bin"].iter().any(|k| json.get(k).is_some());
            let name = json.get("name").and_then(serde_json::Value::as_str).map(str::to_string);
            let publishable = !private && name.is_some() && entry;
            (name, publishable)
        }
        "pyproject.toml" => {
            let toml: toml::Table = toml::from_str(text).ok()?;
            let name = toml
                .get("project")
                .and_then(|p| p.get("name"))
                .or_else(|| toml.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("name")))
                .and_then(toml::Value::as_str)
                .map(str::to_string);
            let publishable = name.is_some() && toml.contains_key("build-system");
            (name, publishable)
        }
        "setup.py" | "setup.cfg" => (None, true),
        // Pinned dependencies: something that is deployed, not published.
        "requirements.txt" | "Pipfile" => (None, false),
        _ => return None,
    };
    Some(Manifest { dir: dir.to_string(), path: rel.to_string(), name: package, publishable })
}

/// The packages of a project, classed from their manifests and the signals
/// of their reported files; `examples` says whether the repository has
/// example code; `forced` is `[project] kind`. Files outside every
/// manifest's directory make up the root package.
pub fn classify(
    manifests: &[Manifest],
    files: &[FileSignal],
    examples: bool,
    forced: Option<PackageKind>,
) -> Vec<Package> {
    let mut manifests: Vec<&Manifest> = manifests.iter().collect();
    // One package per directory: `package.json` and `pyproject.toml` side
    // by side make one package, published if either says so.
    manifests.sort_by(|a, b| (&a.dir, !a.publishable).cmp(&(&b.dir, !b.publishable)));
    manifests.dedup_by(|a, b| a.dir == b.dir);
    let mut packages: Vec<Package> = manifests
        .iter()
        .map(|m| {
            let (kind, because) = if m.publishable {
                (PackageKind::Library, format!("{} publishes it as a package", m.path))
            } else {
                (PackageKind::Application, format!("{} does not publish it", m.path))
            };
            Package { dir: m.dir.clone(), manifest: Some(m.path.clone()), name: m.name.clone(), kind, because }
        })
        .collect();
    let root_manifest = packages.iter().any(|p| p.dir.is_empty());
    if !root_manifest {
        let (kind, because) = if examples {
            (PackageKind::Library, "no manifest; examples and nothing that serves requests".to_string())
        } else {
            (PackageKind::Application, "no manifest; assumed deployed".to_string())
        };
        packages.push(Package { dir: String::new(), manifest: None, name: None, kind, because });
    }
    // The first serving file in path order names the reason, whatever order
    // the workers finished in.
    let mut serving: Vec<&FileSignal> = files.iter().filter(|f| f.serves).collect();
    serving.sort_by(|a, b| a.path.cmp(&b.path));
    for file in serving {
        let Some(index) = package_index(&packages, &file.path) else { continue };
        if packages[index].kind != PackageKind::Service {
            packages[index].kind = PackageKind::Service;
            packages[index].because = format!("{} declares HTTP entrypoints", file.path);
        }
    }
    if let Some(kind) = forced {
        for package in &mut packages {
            package.kind = kind;
            package.because = "custodia.toml [project] kind".to_string();
        }
    }
    packages.sort_by(|a, b| a.dir.cmp(&b.dir));
    packages
}

/// The package a file belongs to: the deepest package directory holding it.
pub fn package_of<'p>(packages: &'p [Package], path: &str) -> Option<&'p Package> {
    package_index(packages, path).map(|i| &packages[i])
}

fn package_index(packages: &[Package], path: &str) -> Option<usize> {
    packages
        .iter()
        .enumerate()
        // Compared in place, not through a formatted `dir/`: this runs for
        // every file against every package on each analysis in the editor.
        .filter(|(_, p)| {
            p.dir.is_empty() || path.strip_prefix(p.dir.as_str()).is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(_, p)| p.dir.len())
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(path: &str, serves: bool) -> FileSignal {
        FileSignal { path: path.to_string(), serves }
    }

    #[test]
    fn manifests() {
        let library = read_manifest("libs/core/package.json", r#"{"name":"@acme/core","main":"dist/index.js"}"#);
        assert!(library.is_some_and(|m| m.publishable && m.dir == "libs/core"));
        let app = read_manifest("package.json", r#"{"name":"web","private":true,"main":"x.js"}"#);
        assert!(app.is_some_and(|m| !m.publishable && m.dir.is_empty()));
        let python = read_manifest("pyproject.toml", "[project]\nname = \"acme\"\n[build-system]\nrequires = []\n");
        assert!(python.is_some_and(|m| m.publishable && m.name.as_deref() == Some("acme")));
        let script = read_manifest("tools/pyproject.toml", "[tool.ruff]\nline-length = 100\n");
        assert!(script.is_some_and(|m| !m.publishable));
        assert!(read_manifest("package.json", "{ not json").is_none());
    }

    #[test]
    fn packages_are_classed_by_what_they_ship() {
        let manifests = vec![
            read_manifest("package.json", r#"{"name":"mono","private":true}"#).expect("root"),
            read_manifest("libs/sdk/package.json", r#"{"name":"sdk","exports":"./index.js"}"#).expect("sdk"),
            read_manifest("apps/api/package.json", r#"{"name":"api","main":"server.js"}"#).expect("api"),
        ];
        let files = vec![facts("libs/sdk/src/chat.ts", false), facts("apps/api/src/server.ts", true)];
        let packages = classify(&manifests, &files, false, None);
        let kind = |dir: &str| packages.iter().find(|p| p.dir == dir).map(|p| p.kind);
        assert_eq!(kind(""), Some(PackageKind::Application));
        assert_eq!(kind("libs/sdk"), Some(PackageKind::Library));
        // Published, but it serves requests: a service.
        assert_eq!(kind("apps/api"), Some(PackageKind::Service));
        assert_eq!(package_of(&packages, "libs/sdk/src/chat.ts").map(|p| p.kind), Some(PackageKind::Library));
        assert_eq!(package_of(&packages, "scripts/x.ts").map(|p| p.dir.as_str()), Some(""));
        // No manifest: deployed, unless the repository has examples and
        // nothing that serves requests (then a library).
        let kinds = |files: &[FileSignal], examples| classify(&[], files, examples, None)[0].kind;
        assert_eq!(kinds(&[facts("lib/chat.py", false)], false), PackageKind::Application);
        assert_eq!(kinds(&[facts("lib/chat.py", false)], true), PackageKind::Library);
        assert_eq!(kinds(&[facts("app/main.py", true)], true), PackageKind::Service);
        let pinned = read_manifest("requirements.txt", "openai==1.0\n").expect("requirements");
        assert_eq!(classify(&[pinned], &[], true, None)[0].kind, PackageKind::Application);
        let forced = classify(&manifests, &files, false, Some(PackageKind::Library));
        assert!(forced.iter().all(|p| p.kind == PackageKind::Library));
    }
}
