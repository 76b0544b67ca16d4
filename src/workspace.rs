//! The project as an editor holds it: every file's facts, kept up to date
//! one file at a time, and the project rules computed from them.
//!
//! A file's own facts depend only on its text, so a change re-analyses that
//! file alone. Two things cross files, and only they are redone: files that
//! import a client the changed file exports are analysed again (their calls
//! through it are inference calls), and the call-graph traversals that
//! touched the changed file are dropped from the [`ReachCache`]; every other
//! traversal is reused. [`WorkspaceStats`] counts both, so that tests can
//! show that an unrelated change recomputes nothing else.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::Engine;
use crate::facts::{ExportTarget, FileFacts};
use crate::finding::{Evidence, Finding, evidence_order, finding_order};
use crate::lang::{FileKind, Language};
use crate::limits::OverBudget;
use crate::project::ProjectIndex;
use crate::project::reach::ReachCache;
use crate::rules::RuleFailure;

/// What the workspace has computed since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkspaceStats {
    /// Files parsed and analysed (a file whose text did not change is not).
    pub file_analyses: usize,
    /// Call-graph traversals computed (the rest were reused).
    pub reach_computations: usize,
}

/// How long the parts of the last [`Workspace::analysis`] took, in
/// milliseconds: for the editor benchmark's breakdown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AnalysisTimings {
    /// The project index and the routes (call-graph traversals).
    pub routes: f64,
    /// The project rules and the controls one level up.
    pub project_rules: f64,
    /// Each file's findings merged with the project's, finalised.
    pub files: f64,
}

/// One file of the workspace.
struct Entry {
    kind: FileKind,
    source: Arc<str>,
    /// A parse of `source` handed in by the caller (the language server's
    /// incrementally reparsed tree); used once, then dropped.
    tree: Option<tree_sitter::Tree>,
    hash: u64,
    /// The file rules' findings, before suppressions.
    findings: Vec<Finding>,
    evidence: Vec<Evidence>,
    failures: Vec<RuleFailure>,
    /// The last analysis ran past its budget: stopped while parsing, the file
    /// has no facts or findings until a change brings it back within it;
    /// stopped during the analysis, it has what was found before.
    over_budget: Option<OverBudget>,
    /// The file is of a class the configuration reports (`[scan.scope]`):
    /// production code by default. A file outside it (a test, an example)
    /// is analysed only while a reported file imports it, for what routes
    /// reach through it, and its findings are never reported, as in `scan`.
    in_scope: bool,
    /// The file's facts are its analysis (always, for a file in scope).
    analysed: bool,
    /// What the file is for.
    class: crate::file_class::FileClass,
}

impl Entry {
    fn new(engine: &Engine, path: &str, kind: FileKind, source: Arc<str>, tree: Option<tree_sitter::Tree>) -> Entry {
        let class = engine.classify(path, &source).0;
        Entry {
            kind,
            class,
            in_scope: engine.config().scope.includes(class),
            hash: hash_of(&source),
            source,
            tree,
            findings: Vec::new(),
            evidence: Vec::new(),
            failures: Vec::new(),
            over_budget: None,
            analysed: false,
        }
    }
}

/// A project under edit.
pub struct Workspace {
    engine: Arc<Engine>,
    root: PathBuf,
    /// Indices stay stable while the workspace lives: a removed file leaves
    /// empty facts behind, so cached traversals keep pointing at the right files.
    entries: Vec<Option<Entry>>,
    facts: Vec<FileFacts>,
    /// Looked up for every file on every analysis (the editor's
    /// diagnostics): a fast hash.
    by_path: rustc_hash::FxHashMap<String, usize>,
    reach: ReachCache,
    file_analyses: usize,
    /// Incident-response plans and runbooks, by path.
    documents: Vec<crate::plans::DocumentFacts>,
    /// Package manifests, by path.
    manifests: Vec<crate::packages::Manifest>,
    /// Project rules that panicked in the last analysis.
    project_failures: Vec<RuleFailure>,
    /// Directories holding a `tsconfig.json` or `jsconfig.json`, probed on
    /// disk once per set of files (not on every analysis): `None` when a
    /// file was added or removed since.
    config_dirs: std::sync::OnceLock<Vec<String>>,
    /// The module resolver over the files' paths, built once per set of
    /// files and manifests: building it walks every path (and reads the
    /// `tsconfig.json` files), which an edit inside a file does not change.
    resolver: std::sync::OnceLock<Arc<crate::project::ModuleResolver>>,
    /// Each file's calls with their targets resolved, for the controls one
    /// level up (`project::above`): resolving every call of the project was
    /// half of an edit's time in a large workspace. `None` when not resolved
    /// since the file's facts changed; all are dropped when the resolver or
    /// some file's exports or member functions change (resolution goes
    /// through them).
    resolved_calls: Vec<Option<Vec<crate::project::above::ResolvedCall>>>,
    /// Each file's imports resolved to files, to find a file's importers
    /// without resolving every import of the project on each edit. `None`
    /// when not resolved since the file's facts changed; all are dropped
    /// when the resolver changes (resolution depends on nothing else).
    resolved_imports: std::sync::Mutex<Vec<Option<Vec<usize>>>>,
    /// Which server actions only server code calls, and what it was worked
    /// out from (see [`PrivateActions`]). `None` when not worked out since
    /// the set of files changed.
    private_actions: Option<PrivateActions>,
    timings: AnalysisTimings,
}

/// The project's server actions and those of them only server code calls.
/// Working that out reads the text of every script of each action's app
/// (3.5–6 ms an edit in the corpus's Next.js workspaces, regular
/// expressions compiled per file and action); a file changes it only when it
/// refers to an action differently after the change, so the answer is kept
/// until such a change, or one to the actions, the files or the manifests,
/// and then only the files that name an action are read again.
struct PrivateActions {
    actions: Vec<crate::project::actions::Action>,
    /// Whether each file's text names one of the actions, by file index
    /// (`None`: not looked at since the file changed).
    mentions: Vec<Option<bool>>,
    /// The answer; `None` when something it depends on changed.
    private: Option<Vec<crate::project::actions::Action>>,
}

impl PrivateActions {
    /// Whether `text` names one of the actions.
    fn named_in(&self, text: &str) -> bool {
        self.actions.iter().any(|(_, name)| text.contains(name.as_str()))
    }

    /// Whether the file at `path` refers to some action differently with
    /// `new` than with `old` (`project::actions::server_only` reads a file
    /// only through that reference; a keystroke in a route that imports an
    /// action usually leaves it as it was).
    fn refers_differently(&self, path: &str, old: &str, new: &str) -> bool {
        use crate::frameworks::nextjs::ActionReference;
        let reference = |name: &str, text: &str| match text.contains(name) {
            true => ActionReference::of(name, path, text),
            false => ActionReference::Other,
        };
        self.actions.iter().any(|(_, name)| {
            (old.contains(name.as_str()) || new.contains(name.as_str())) && reference(name, old) != reference(name, new)
        })
    }
}

impl Workspace {
    pub fn new(engine: Arc<Engine>, root: impl Into<PathBuf>) -> Self {
        Workspace {
            engine,
            root: root.into(),
            entries: Vec::new(),
            facts: Vec::new(),
            by_path: Default::default(),
            reach: ReachCache::default(),
            file_analyses: 0,
            documents: Vec::new(),
            manifests: Vec::new(),
            project_failures: Vec::new(),
            config_dirs: std::sync::OnceLock::new(),
            resolver: std::sync::OnceLock::new(),
            resolved_calls: Vec::new(),
            resolved_imports: Default::default(),
            private_actions: None,
            timings: AnalysisTimings::default(),
        }
    }

    /// See [`AnalysisTimings`].
    pub fn timings(&self) -> AnalysisTimings {
        self.timings
    }

    /// See the `config_dirs` field.
    fn config_dirs(&self) -> &[String] {
        self.config_dirs.get_or_init(|| {
            let mut dirs: Vec<String> = Vec::new();
            for facts in self.all_facts() {
                let mut dir = facts.path.rsplit_once('/').map_or("", |(d, _)| d);
                loop {
                    dirs.push(dir.to_string());
                    if dir.is_empty() {
                        break;
                    }
                    dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
                }
            }
            dirs.sort();
            dirs.dedup();
            dirs.retain(|dir| {
                let base = self.root.join(dir);
                base.join("tsconfig.json").is_file() || base.join("jsconfig.json").is_file()
            });
            dirs
        })
    }

    /// The set of files changed: configuration directories are probed again.
    fn files_changed(&mut self) {
        self.private_actions = None;
        self.config_dirs = std::sync::OnceLock::new();
        self.resolver = std::sync::OnceLock::new();
        self.resolved_calls.clear();
        self.imports_resolved_mut().clear();
    }

    fn imports_resolved_mut(&mut self) -> &mut Vec<Option<Vec<usize>>> {
        self.resolved_imports.get_mut().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces a file's facts, dropping what was derived from the old ones
    /// (see the `resolved_calls` field).
    fn set_facts(&mut self, index: usize, facts: FileFacts) {
        if let Some(imports) = self.imports_resolved_mut().get_mut(index) {
            *imports = None;
        }
        let old = std::mem::replace(&mut self.facts[index], facts);
        let new = &self.facts[index];
        let members_changed = member_names(&old) != member_names(new);
        if members_changed {
            // A method call anywhere may reach a member function by its
            // name: traversals that did not touch this file may change.
            self.reach.clear();
        }
        if old.exports != new.exports || old.language != new.language || members_changed {
            self.resolved_calls.clear();
        } else if let Some(calls) = self.resolved_calls.get_mut(index) {
            *calls = None;
        }
    }

    /// Who calls whom in `index` (the workspace's files), resolving only the
    /// files whose calls in `resolved` are not known.
    fn callers(
        resolved: &mut Vec<Option<Vec<crate::project::above::ResolvedCall>>>,
        index: &ProjectIndex<'_>,
    ) -> crate::project::above::Callers {
        resolved.resize(index.files().len(), None);
        for (file, calls) in resolved.iter_mut().enumerate() {
            if calls.is_none() {
                *calls = Some(crate::project::above::resolved_calls(index, file));
            }
        }
        crate::project::above::Callers::from_resolved(resolved.iter().flatten().map(Vec::as_slice))
    }

    /// See the `resolver` field.
    fn resolver(&self) -> Arc<crate::project::ModuleResolver> {
        self.resolver
            .get_or_init(|| {
                ProjectIndex::with_config_dirs(&self.root, &self.facts, Some(self.config_dirs()))
                    .with_workspace(&self.manifests)
                    .resolver()
            })
            .clone()
    }

    /// Rules that panicked: on each file as it is now, and in the last
    /// project analysis.
    pub fn failures(&self) -> Vec<RuleFailure> {
        let files = self.entries.iter().flatten().flat_map(|e| e.failures.iter().cloned());
        files.chain(self.project_failures.iter().cloned()).collect()
    }

    pub fn stats(&self) -> WorkspaceStats {
        WorkspaceStats { file_analyses: self.file_analyses, reach_computations: self.reach.computed() }
    }

    /// Files whose last analysis ran past its budget, with what ran out.
    pub fn over_budget(&self) -> Vec<(&str, OverBudget)> {
        self.entries
            .iter()
            .zip(&self.facts)
            .filter_map(|(entry, facts)| Some((facts.path.as_str(), entry.as_ref()?.over_budget?)))
            .collect()
    }

    /// The facts of a file, if the workspace holds it.
    pub fn facts(&self, path: &str) -> Option<&FileFacts> {
        self.by_path.get(path).and_then(|&i| self.entries[i].as_ref().map(|_| &self.facts[i]))
    }

    /// Sets the text of the file at `path` (relative to the root,
    /// `/`-separated). Returns false when nothing changed, or when the path
    /// is not a source file custodia reads.
    pub fn set_file(&mut self, path: &str, source: &str) -> bool {
        self.set_parsed(path, source.into(), None)
    }

    /// Like [`Workspace::set_file`], with the file's parse when the caller
    /// has one (it must be the parse of `source`).
    pub fn set_parsed(&mut self, path: &str, source: Arc<str>, tree: Option<tree_sitter::Tree>) -> bool {
        let Some(kind) = FileKind::of(std::path::Path::new(path)) else { return false };
        let entry = Entry::new(&self.engine, path, kind, source, tree);
        let hash = entry.hash;
        let index = match self.by_path.get(path) {
            Some(&i) if self.entries[i].as_ref().is_some_and(|e| e.hash == hash) => return false,
            Some(&i) => i,
            None => {
                // A new file may be the target of imports that failed to
                // resolve before: resolution is redone for every traversal.
                self.reach.clear();
                self.files_changed();
                self.entries.push(None);
                self.facts.push(FileFacts { path: path.to_string(), ..FileFacts::default() });
                self.by_path.insert(path.to_string(), self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        let old_clients = exported_clients(&self.facts[index]);
        let in_scope = entry.in_scope;
        if let Some(cached) = self.private_actions.as_mut() {
            let old = self.entries[index].as_ref().map_or("", |e| &e.source);
            if cached.refers_differently(path, old, &entry.source) {
                cached.private = None;
            }
            let named = cached.named_in(&entry.source);
            if let Some(mention) = cached.mentions.get_mut(index) {
                *mention = Some(named);
            }
        }
        self.entries[index] = Some(entry);
        if in_scope || self.importers_of(index).iter().any(|&i| self.in_scope(i)) {
            self.analyze(index);
        } else {
            self.reach.invalidate_file(index);
            self.set_facts(index, FileFacts { path: path.to_string(), ..FileFacts::default() });
        }
        if in_scope {
            // It may import a test helper or an example nobody imported before.
            let needed = self.unanalysed_imports(&[index]);
            let results = self.analyze_all(&needed, threads(), true, &|| true);
            self.store(results);
        }
        if exported_clients(&self.facts[index]) != old_clients {
            // Files that import a client from here see it differently now.
            let importers = self.importers_of(index);
            let results = self.analyze_all(&importers, threads(), true, &|| true);
            self.store(results);
        }
        true
    }

    /// Loads many files at once on `threads` threads: what `set_file` does
    /// for each, in the two passes a scan makes. Every file is analysed
    /// alone, then the files that import a client another file builds are
    /// analysed again with their imports resolved. `progress` is called with
    /// the number of files analysed so far (from the worker threads); when it
    /// returns false the load stops, and false is returned (the server is
    /// shutting down).
    pub fn load(
        &mut self,
        files: Vec<(String, Arc<str>, Option<tree_sitter::Tree>)>,
        threads: usize,
        progress: &(dyn Fn(usize) -> bool + Sync),
    ) -> bool {
        let mut fresh = Vec::new();
        for (path, source, tree) in files {
            let Some(kind) = FileKind::of(std::path::Path::new(&path)) else { continue };
            let entry = Entry::new(&self.engine, &path, kind, source, tree);
            let index = match self.by_path.get(&path) {
                Some(&i) => i,
                None => {
                    self.entries.push(None);
                    self.facts.push(FileFacts { path: path.clone(), ..FileFacts::default() });
                    self.by_path.insert(path, self.entries.len() - 1);
                    self.entries.len() - 1
                }
            };
            self.entries[index] = Some(entry);
            fresh.push(index);
        }
        self.reach.clear();
        self.files_changed();
        // Files in scope first; then the files outside it (tests, examples)
        // that they import, as the scan's second pass does.
        let (fresh, outside): (Vec<usize>, Vec<usize>) = fresh.into_iter().partition(|&i| self.in_scope(i));
        let done = std::sync::atomic::AtomicUsize::new(outside.len());
        progress(outside.len());
        let first = self.analyze_all(&fresh, threads, false, &|| {
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1)
        });
        let complete = first.len() == fresh.len();
        self.store(first);
        if !complete {
            return false;
        }
        let needed = self.unanalysed_imports(&fresh);
        let imported = self.analyze_all(&needed, threads, false, &|| true);
        self.store(imported);
        for index in outside.into_iter().filter(|i| !needed.contains(i)) {
            let path = std::mem::take(&mut self.facts[index].path);
            self.set_facts(index, FileFacts { path, ..FileFacts::default() });
        }
        let fresh: Vec<usize> = fresh.into_iter().chain(needed).collect();
        // Files that import a client from another project file.
        let again: Vec<usize> = {
            let project = ProjectIndex::with_resolver(&self.facts, self.resolver());
            fresh
                .iter()
                .copied()
                .filter(|&i| {
                    let facts = &self.facts[i];
                    let language = facts.language.unwrap_or(crate::lang::Language::TypeScript);
                    let externals = project.externals(&facts.path, language);
                    facts.imports.iter().filter(|imp| !imp.namespace).any(|imp| {
                        use crate::analysis::ExternalResolver;
                        externals
                            .client(&imp.module, imp.relative_level, imp.name.as_deref().unwrap_or("default"))
                            .is_some()
                    })
                })
                .collect()
        };
        let second = self.analyze_all(&again, threads, true, &|| true);
        self.store(second);
        true
    }

    /// Analyses files in parallel (with the project's externals or alone).
    fn analyze_all(
        &mut self,
        indices: &[usize],
        threads: usize,
        with_externals: bool,
        tick: &(dyn Fn() -> bool + Sync),
    ) -> Vec<(usize, Option<crate::engine::FileAnalysis>)> {
        if indices.is_empty() {
            // No thread to start (an edit usually has nothing more to analyse).
            return Vec::new();
        }
        // The parses handed in are used by the first analysis of their file.
        let trees: Vec<Option<tree_sitter::Tree>> =
            indices.iter().map(|&i| self.entries[i].as_mut().and_then(|e| e.tree.take())).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::sync::Mutex::new(Vec::with_capacity(indices.len()));
        let project = ProjectIndex::with_resolver(&self.facts, self.resolver());
        let (engine, entries, facts) = (&self.engine, &self.entries, &self.facts);
        crate::limits::on_analysis_threads(threads.clamp(1, indices.len().max(1)), || {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&index) = indices.get(n) else { break };
                let Some(entry) = &entries[index] else { continue };
                let path = &facts[index].path;
                let analysis = if with_externals {
                    let externals = project.externals(path, entry.kind.language);
                    analyze_one(engine, path, entry, trees[n].as_ref(), &externals)
                } else {
                    analyze_one(engine, path, entry, trees[n].as_ref(), &crate::analysis::NoExternals)
                };
                results.lock().unwrap_or_else(|e| e.into_inner()).push((index, analysis));
                if !tick() {
                    // Stop every worker: the caller gave up.
                    next.store(usize::MAX / 2, std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
        let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        self.file_analyses += results.len();
        results
    }

    fn store(&mut self, results: Vec<(usize, Option<crate::engine::FileAnalysis>)>) {
        for (index, analysis) in results {
            self.reach.invalidate_file(index);
            let Some(analysis) = analysis else { continue };
            self.keep(index, analysis);
        }
    }

    /// Keeps a file's analysis. A file outside the reported scope lends its
    /// functions, calls and clients to the routes that reach it; its own
    /// routes are not the system's (as in `scan`).
    fn keep(&mut self, index: usize, analysis: crate::engine::FileAnalysis) {
        let mut facts = analysis.facts;
        if let Some(entry) = self.entries[index].as_ref()
            && !entry.in_scope
        {
            facts.entrypoints.clear();
        }
        self.set_facts(index, facts);
        if let Some(entry) = self.entries[index].as_mut() {
            entry.findings = analysis.findings;
            entry.evidence = analysis.evidence;
            entry.failures = analysis.failures;
            entry.over_budget = analysis.over_budget;
            entry.analysed = true;
        }
    }

    fn in_scope(&self, index: usize) -> bool {
        self.entries.get(index).and_then(Option::as_ref).is_some_and(|e| e.in_scope)
    }

    /// Files outside the reported scope, not analysed yet, that `files` import.
    fn unanalysed_imports(&self, files: &[usize]) -> Vec<usize> {
        let index = ProjectIndex::with_resolver(&self.facts, self.resolver());
        let project = &index;
        let mut out: Vec<usize> = files
            .iter()
            .flat_map(|&i| {
                let facts = &self.facts[i];
                let language = facts.language.unwrap_or(crate::lang::Language::TypeScript);
                facts.imports.iter().filter_map(move |import| project.resolve_import(&facts.path, language, import))
            })
            .filter(|&target| self.entries[target].as_ref().is_some_and(|e| !e.in_scope && !e.analysed))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Sets the text of a document (an incident-response plan, a runbook);
    /// a path that is not where such documents are looked for is ignored.
    pub fn set_document(&mut self, path: &str, text: &str) {
        if !crate::plans::is_candidate(path) {
            return;
        }
        self.documents.retain(|d| d.path != path);
        self.documents.push(crate::plans::analyze(path, text));
        self.documents.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Sets the text of a package manifest (`package.json`, `pyproject.toml`
    /// ...); a path that is not one is ignored.
    pub fn set_manifest(&mut self, path: &str, text: &str) {
        self.manifests.retain(|m| m.path != path);
        if let Some(cached) = self.private_actions.as_mut() {
            cached.private = None;
        }
        // Workspace packages resolve by the names manifests give them.
        self.resolver = std::sync::OnceLock::new();
        self.resolved_calls.clear();
        self.imports_resolved_mut().clear();
        if let Some(manifest) = crate::packages::read_manifest(path, text) {
            self.manifests.push(manifest);
        }
    }

    /// The packages of the workspace and what each ships, as the scan
    /// classes them (from production code, whatever the scope reports).
    pub fn packages(&self) -> Vec<crate::packages::Package> {
        use crate::file_class::FileClass;
        let mut signals = Vec::new();
        let mut examples = false;
        for (entry, facts) in self.entries.iter().zip(&self.facts) {
            let Some(entry) = entry else { continue };
            examples |= entry.class == FileClass::Example;
            if entry.class == FileClass::Production {
                signals.push(crate::packages::FileSignal {
                    path: facts.path.clone(),
                    serves: !facts.entrypoints.is_empty(),
                });
            }
        }
        crate::packages::classify(&self.manifests, &signals, examples, self.engine.config().project_kind)
    }

    /// Forgets a document (deleted).
    pub fn remove_document(&mut self, path: &str) {
        self.documents.retain(|d| d.path != path);
    }

    /// The text of a file the workspace holds.
    pub fn source(&self, path: &str) -> Option<Arc<str>> {
        let &index = self.by_path.get(path)?;
        self.entries[index].as_ref().map(|e| e.source.clone())
    }

    /// The paths of the files the workspace holds, with their texts.
    pub fn texts(&self) -> impl Iterator<Item = (&str, &Arc<str>)> {
        self.entries.iter().zip(&self.facts).filter_map(|(e, f)| Some((f.path.as_str(), &e.as_ref()?.source)))
    }

    /// The paths of the files the workspace holds.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().zip(&self.facts).filter(|(e, _)| e.is_some()).map(|(_, f)| f.path.as_str())
    }

    /// The facts of every file the workspace holds.
    pub fn all_facts(&self) -> impl Iterator<Item = &FileFacts> {
        self.entries.iter().zip(&self.facts).filter(|(e, _)| e.is_some()).map(|(_, f)| f)
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// Forgets a file (deleted or closed without a copy on disk).
    pub fn remove_file(&mut self, path: &str) {
        let Some(&index) = self.by_path.get(path) else { return };
        let clients = exported_clients(&self.facts[index]);
        let importers = if clients.is_empty() { Vec::new() } else { self.importers_of(index) };
        self.entries[index] = None;
        self.files_changed();
        self.set_facts(index, FileFacts { path: path.to_string(), ..FileFacts::default() });
        self.reach.invalidate_file(index);
        let results = self.analyze_all(&importers, threads(), true, &|| true);
        self.store(results);
    }

    /// Analyses one file against the current project index.
    fn analyze(&mut self, index: usize) {
        let Some(entry) = self.entries[index].as_mut() else { return };
        let tree = entry.tree.take();
        let (kind, source) = (entry.kind, entry.source.clone());
        let path = self.facts[index].path.clone();
        let analysis = {
            let project = ProjectIndex::with_resolver(&self.facts, self.resolver());
            let externals = project.externals(&path, kind.language);
            match tree {
                Some(tree) => Some(self.engine.analyze_tree(&path, kind, &source, &tree, &externals)),
                None => self.engine.analyze_source(&path, kind, &source, &externals),
            }
        };
        self.file_analyses += 1;
        self.reach.invalidate_file(index);
        let Some(analysis) = analysis else { return };
        self.keep(index, analysis);
    }

    /// Files with an import that resolves to `index`.
    fn importers_of(&self, index: usize) -> Vec<usize> {
        let mut resolved = self.resolved_imports.lock().unwrap_or_else(|e| e.into_inner());
        resolved.resize(self.facts.len(), None);
        if resolved.iter().any(Option::is_none) {
            let project = ProjectIndex::with_resolver(&self.facts, self.resolver());
            for (i, imports) in resolved.iter_mut().enumerate().filter(|(_, r)| r.is_none()) {
                let facts = &self.facts[i];
                let language = facts.language.unwrap_or(crate::lang::Language::TypeScript);
                let targets =
                    facts.imports.iter().filter_map(|import| project.resolve_import(&facts.path, language, import));
                *imports = Some(targets.collect());
            }
        }
        resolved
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != index && self.entries[i].is_some())
            .filter(|(_, targets)| targets.as_ref().is_some_and(|t| t.contains(&index)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The server actions only server code calls (`project::actions`), from
    /// the files' text as the editor holds it; kept while nothing they
    /// depend on changed (see [`PrivateActions`]).
    fn private_actions(&mut self) -> Vec<crate::project::actions::Action> {
        let actions = crate::project::actions::actions(&self.facts);
        if actions.is_empty() {
            self.private_actions = None;
            return Vec::new();
        }
        let mut cached = match self.private_actions.take() {
            Some(cached) if cached.actions == actions => cached,
            _ => PrivateActions { actions, mentions: Vec::new(), private: None },
        };
        if let Some(private) = &cached.private {
            let private = private.clone();
            self.private_actions = Some(cached);
            return private;
        }
        cached.mentions.resize(self.entries.len(), None);
        for (mention, entry) in cached.mentions.iter_mut().zip(&self.entries) {
            if mention.is_none() {
                *mention = Some(
                    entry
                        .as_ref()
                        .is_some_and(|e| cached.actions.iter().any(|(_, name)| e.source.contains(name.as_str()))),
                );
            }
        }
        let scripts: Vec<(&str, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().filter(|e| e.kind.language != Language::Python).map(|_| i))
            .map(|i| (self.facts[i].path.as_str(), i))
            .collect();
        let manifest_dirs: Vec<&str> = self.manifests.iter().map(|m| m.dir.as_str()).collect();
        // A file that names no action adds nothing to the answer: it is not read.
        let mentions = &cached.mentions;
        let private = crate::project::actions::server_only(
            &cached.actions,
            |i| self.facts[i].path.as_str(),
            &scripts,
            &manifest_dirs,
            |i| match mentions.get(i) {
                Some(Some(false)) => None,
                _ => self.entries[i].as_ref().map(|e| e.source.to_string()),
            },
        );
        let private: Vec<_> = cached
            .actions
            .iter()
            .zip(private)
            .filter(|(_, private)| *private)
            .map(|(action, _)| action.clone())
            .collect();
        cached.private = Some(private.clone());
        self.private_actions = Some(cached);
        private
    }

    /// The findings and evidence of the whole project: each file's rules and
    /// the project rules (routes), with suppressions and configuration
    /// applied. Traversals of the call graph that no change touched are reused.
    pub fn analysis(&mut self) -> (Vec<Finding>, Vec<Evidence>) {
        let started = std::time::Instant::now();
        let private_actions = self.private_actions();
        let config = self.engine.config();
        let ms = |since: std::time::Instant| since.elapsed().as_secs_f64() * 1000.0;
        let packages = self.packages();
        let (results, routes_ms, rules_started) = {
            let index = ProjectIndex::with_resolver(&self.facts, self.resolver()).with_private_actions(private_actions);
            let routes = index.routes_with(&mut self.reach);
            let (routes_ms, rules_started) = (ms(started), std::time::Instant::now());
            let mut documents = self.documents.clone();
            documents.extend(config.evidence_documents(&self.root));
            let callers = Self::callers(&mut self.resolved_calls, &index);
            let results = self.engine.project_rules_with(&index, &routes, &documents, &packages, &callers);
            ((results.rules, results.above), routes_ms, rules_started)
        };
        let (rules_ms, files_started) = (ms(rules_started), std::time::Instant::now());
        let (results, above) = results;
        let (project_findings, mut evidence) = (results.findings, results.evidence);
        let mut covered_above = std::collections::HashSet::new();
        for c in above {
            let facts = &self.facts[c.file];
            covered_above.insert((facts.path.as_str(), c.rule, facts.inference[c.site].location));
            evidence.push(Evidence {
                criterion: "SOC2:A1.1",
                kind: if c.rule == "missing-timeout" { "timeout" } else { "failure-path" },
                path: self.facts[c.control_file].path.clone(),
                location: c.control,
                description: c.description,
            });
        }
        self.project_failures = results.failures;
        // The project's findings by file, so that merging them is one pass
        // over them, not one per file.
        let mut project_by_path: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for finding in &project_findings {
            if let Some(path) = finding.path.as_deref() {
                project_by_path.entry(path).or_default().push(finding);
            }
        }
        let mut findings = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let Some(entry) = entry.as_ref().filter(|e| e.in_scope) else { continue };
            let facts = &self.facts[i];
            let mut own = entry.findings.clone();
            let library = crate::packages::package_of(&packages, &facts.path)
                .is_some_and(|p| p.kind == crate::packages::PackageKind::Library);
            if library {
                own.retain(|f| crate::rules::applies_in_libraries(f.rule));
            }
            own.retain(|f| f.location.is_none_or(|at| !covered_above.contains(&(facts.path.as_str(), f.rule, at))));
            own.extend(project_by_path.get(facts.path.as_str()).into_iter().flatten().map(|f| (*f).clone()));
            findings.extend(self.engine.finalize(&facts.path, own, &facts.suppressions).findings);
            evidence.extend(entry.evidence.iter().cloned());
        }
        findings.sort_by(finding_order);
        evidence.sort_by(evidence_order);
        evidence.dedup();
        self.timings = AnalysisTimings { routes: routes_ms, project_rules: rules_ms, files: ms(files_started) };
        (findings, evidence)
    }
}

/// The threads to analyse on: asked once (the answer reads the cgroup
/// files on every call, and this is asked on every edit).
fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn analyze_one(
    engine: &Engine,
    path: &str,
    entry: &Entry,
    tree: Option<&tree_sitter::Tree>,
    externals: &dyn crate::analysis::ExternalResolver,
) -> Option<crate::engine::FileAnalysis> {
    match tree {
        Some(tree) => Some(engine.analyze_tree(path, entry.kind, &entry.source, tree, externals)),
        None => engine.analyze_source(path, entry.kind, &entry.source, externals),
    }
}

/// The clients a file exports, in a form that compares: a change in them
/// changes what importing files see.
fn exported_clients(facts: &FileFacts) -> Vec<String> {
    facts
        .exports
        .iter()
        .filter_map(|export| match &export.target {
            ExportTarget::Client { client, .. } => {
                Some(format!("{} {:?}", export.name, facts.clients.get(*client as usize)))
            }
            _ => None,
        })
        .collect()
}

fn hash_of(source: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut hasher);
    hasher.finish()
}

/// The names of a file's member functions (methods, object literal
/// properties): a method call elsewhere reaches them by name.
fn member_names(facts: &FileFacts) -> Vec<&str> {
    facts.functions.iter().filter(|f| f.member).filter_map(|f| f.name.as_deref()).collect()
}
