//! The layers of docs/ARCHITECTURE.md, kept honest: reads the crate's
//! `use crate::` lines (and `crate::` paths written inline) and fails on an
//! import from a lower layer to a higher one, on a cycle between top-level
//! modules, on a cycle between the files of `src/lsp/`, and on a top-level
//! module no layer lists.
//!
//! And the rule of "Adding a framework": no code outside `src/frameworks/`
//! spells a framework's name, package or module as a string, so that what
//! a framework is stays in its file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. A module may import modules of its own layer or below.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "source",
            "limits",
            "file_class",
            "plans",
            "packages",
            "frameworks",
            "finding",
            "git",
            "lockfiles",
            "progress",
        ],
    ),
    ("language", &["ir", "lang", "document", "catalog", "config"]),
    ("facts", &["facts", "suppression", "inventory", "prefilter", "fingerprint"]),
    ("analysis", &["analysis", "project", "fix", "rules"]),
    ("engine", &["engine"]),
    ("drivers", &["scan", "workspace"]),
    ("output", &["provenance", "report", "history", "baseline", "diff", "init"]),
    ("interfaces", &["lsp", "cli"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src/ is readable").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file that is compiled into the crate: comments and
/// `#[cfg(test)]` modules (always last in this crate's files) left out.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("source is readable");
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        if !line.starts_with("//") {
            out.push(line);
        }
    }
    out.join("\n")
}

/// The first path segment after each `prefix` of a text: `use
/// crate::{a, b::c}` → a, b; `crate::scan::scan(...)` → scan.
fn refs(text: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| s.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        let Some(group) = rest.strip_prefix('{') else {
            out.push(ident(rest));
            continue;
        };
        let (mut depth, mut item) = (0, String::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(ident(&std::mem::take(&mut item)));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        out.push(ident(&item));
    }
    out.retain(|name| !name.is_empty());
    out
}

fn crate_refs(text: &str) -> Vec<String> {
    refs(text, "crate::")
}

/// Top-level module → the top-level modules it imports.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&root).expect("under src/");
        let first = rel.components().next().expect("a path").as_os_str().to_string_lossy().to_string();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let imports = graph.entry(module.clone()).or_default();
        for target in crate_refs(&code(&file)) {
            if target != module {
                imports.insert(target);
            }
        }
    }
    graph
}

/// The pairs of modules each reachable from the other.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<(String, String)> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut work = vec![from.to_string()];
        while let Some(at) = work.pop() {
            for next in graph.get(&at).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    work.push(next.clone());
                }
            }
        }
        seen
    };
    let mut out = BTreeSet::new();
    for a in graph.keys() {
        for b in reach(a) {
            if a < &b && reach(&b).contains(a) {
                out.insert((a.clone(), b));
            }
        }
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

#[test]
fn every_top_level_module_has_a_layer() {
    let unlisted: Vec<String> = module_graph().into_keys().filter(|m| layer_of(m).is_none()).collect();
    assert!(unlisted.is_empty(), "modules in no layer of tests/layers.rs (and docs/ARCHITECTURE.md): {unlisted:?}");
}

#[test]
fn no_import_runs_up_the_layers() {
    let mut upward = Vec::new();
    for (module, imports) in module_graph() {
        let Some(from) = layer_of(&module) else { continue };
        for target in imports {
            if let Some(to) = layer_of(&target)
                && to > from
            {
                upward.push(format!("{module} ({}) imports {target} ({})", LAYERS[from].0, LAYERS[to].0));
            }
        }
    }
    assert!(upward.is_empty(), "imports from a lower layer to a higher one:\n{}", upward.join("\n"));
}

#[test]
fn no_cycle_between_top_level_modules() {
    let found = cycles(&module_graph());
    assert!(found.is_empty(), "import cycles: {found:?}");
}

#[test]
fn no_cycle_between_the_language_servers_files() {
    let dir = src().join("lsp");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let name = file.file_stem().expect("a file name").to_string_lossy().to_string();
        let imports = graph.entry(name.clone()).or_default();
        if name == "mod" {
            continue; // declares the others and re-exports them
        }
        let text = code(file);
        for target in refs(&text, "super::").into_iter().chain(refs(&text, "crate::lsp::")) {
            if target != name && files.iter().any(|f| f.file_stem().is_some_and(|s| *s == *target)) {
                imports.insert(target);
            }
        }
    }
    let found = cycles(&graph);
    assert!(found.is_empty(), "import cycles inside src/lsp/: {found:?}");
}

#[test]
fn no_framework_is_named_outside_its_file() {
    let mut names: Vec<&str> = Vec::new();
    for framework in custodia::frameworks::ALL {
        let spec = framework.spec();
        names.push(spec.name);
        names.extend(spec.packages);
        names.extend(spec.modules);
        names.extend(spec.url_configuration);
    }
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut named = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(root.join("frameworks"))) {
        let text = code(file);
        for name in &names {
            if text.contains(&format!("\"{name}\"")) {
                named.push(format!("{}: \"{name}\"", file.strip_prefix(&root).expect("under src/").display()));
            }
        }
    }
    named.sort();
    named.dedup();
    assert!(
        named.is_empty(),
        "framework names outside src/frameworks/ (ask the Framework instead):\n{}",
        named.join("\n")
    );
}

#[test]
fn the_reader_sees_imports() {
    assert_eq!(crate_refs("use crate::finding::{Evidence, Finding};"), ["finding"]);
    assert_eq!(crate_refs("use crate::{analysis, rules, suppression};"), ["analysis", "rules", "suppression"]);
    assert_eq!(crate_refs("use crate::{\n    facts::{A, B},\n    ir::Expr,\n};"), ["facts", "ir"]);
    assert_eq!(crate_refs("let x = crate::scan::scan(a) + crate::limits::X;"), ["scan", "limits"]);
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(cycles(&graph).len(), 1);
}
