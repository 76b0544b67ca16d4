//! The server's state, and the one path every change takes to the editor.
//!
//! Edits are applied to their [`Document`] synchronously, in the handler,
//! before its first `.await`: tower-lsp-server polls handlers concurrently,
//! and an edit applied out of order would corrupt the rope. An edit then
//! marks its file dirty and queues an analysis.
//!
//! The analysis runs on a blocking thread, off the edit path. It takes the
//! project lock, reads every dirty file (an open document's text and tree,
//! or the file on disk), lets the [`Workspace`] redo what the change touches
//! (that file's facts and rules, the importers of a changed client, the
//! route traversals that went through it), and turns the findings into
//! diagnostics. Only files whose diagnostics changed are queued for
//! publishing; the publisher sends the newest set per file, and drops a set
//! computed for a document version the editor has since moved past (a newer
//! analysis is already queued for it).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

use dashmap::DashMap;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{Diagnostic, MessageType, Range, TextEdit, Uri};

use super::convert::{self, Converter};
use super::settings::{Scope, Settings};
use crate::config::Config;
use crate::document::{Document, PositionEncoding, Positions};
use crate::engine::Engine;
use crate::finding::Finding;
use crate::fix::{self, FixContext, ProjectHints};
use crate::lang::{self, FileKind};
use crate::workspace::Workspace;

/// What the `initialize` handshake settled.
#[derive(Debug, Clone)]
pub struct Init {
    pub root: PathBuf,
    pub encoding: PositionEncoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`): nothing is pushed.
    pub pull: bool,
    /// The client accepts `workspace/diagnostic/refresh`.
    pub refresh: bool,
    pub watch_dynamic: bool,
    pub progress: bool,
    pub show_document: bool,
}

/// The diagnostics of one file, as last computed.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDiagnostics {
    /// The document version they were computed for (open documents).
    pub version: Option<i32>,
    /// Shared between the latest set, the outbox and what was sent: a
    /// 5,000-line file has hundreds, and a deep copy of them per step
    /// showed in an edit's profile.
    pub items: Arc<Vec<Diagnostic>>,
}

/// A finding of the current analysis, by its key, with its fixes.
#[derive(Debug, Clone)]
pub struct FindingFixes {
    pub rule: String,
    pub range: Range,
    /// The diagnostic's message: two findings of one rule on one range are
    /// told apart by it.
    pub message: String,
    /// Best first.
    pub fixes: Vec<FixEdits>,
}

/// One fix of a finding, as edits of the document.
#[derive(Debug, Clone)]
pub struct FixEdits {
    pub title: String,
    /// Safe to apply in bulk (`source.fixAll.custodia`).
    pub safe: bool,
    pub edits: Vec<TextEdit>,
}

/// The analysed project.
struct Project {
    workspace: Workspace,
    /// The version of each open document's text the workspace holds.
    versions: rustc_hash::FxHashMap<String, i32>,
    /// Each file's diagnostics with what they were made from, so that a
    /// file nothing changed for is not converted (nor parsed for fixes) again.
    rendered: rustc_hash::FxHashMap<String, RenderKey>,
    /// Rule failures already logged.
    failures_reported: std::collections::HashSet<String>,
    /// The diagnostics reflect every change ingested so far.
    analysed: bool,
    /// What the whole project imports and exports, for the fixes: read from
    /// every file's facts, so kept until an ingested file's imports or
    /// exports change (an edit inside a function leaves them alone).
    hints: Option<ProjectHints>,
}

/// What a file's diagnostics are made of: its findings, its text and the
/// texts their related locations point into (by identity: the workspace
/// keeps the same text while a file is unchanged), and the document version.
#[derive(PartialEq)]
struct RenderKey {
    findings: Vec<Finding>,
    /// The file's own text, handed in by the caller (it walks the files
    /// with their texts: no lookup per file on every analysis).
    text: TextIdentity,
    /// The texts of the other files related locations point into.
    related: Vec<TextIdentity>,
    version: Option<i32>,
}

impl RenderKey {
    fn new(workspace: &Workspace, text: &Arc<str>, findings: &[&Finding], version: Option<i32>) -> Self {
        RenderKey {
            findings: findings.iter().map(|f| (*f).clone()).collect(),
            text: TextIdentity(Some(text.clone())),
            related: related_texts(workspace, findings),
            version,
        }
    }

    /// Whether diagnostics built now would be built from the same inputs
    /// (without cloning them: this runs for every file on every analysis).
    fn matches(&self, workspace: &Workspace, text: &Arc<str>, findings: &[&Finding], version: Option<i32>) -> bool {
        self.version == version
            && self.text.0.as_ref().is_some_and(|own| Arc::ptr_eq(own, text))
            && self.findings.len() == findings.len()
            && self.findings.iter().zip(findings).all(|(a, b)| a == *b)
            && self.related == related_texts(workspace, findings)
    }
}

fn related_texts(workspace: &Workspace, findings: &[&Finding]) -> Vec<TextIdentity> {
    let mut paths: Vec<&str> = findings.iter().flat_map(|f| f.related.iter().map(|r| r.path.as_str())).collect();
    if paths.is_empty() {
        return Vec::new();
    }
    paths.sort_unstable();
    paths.dedup();
    paths.iter().map(|p| TextIdentity(workspace.source(p))).collect()
}

/// What [`ProjectHints`] reads from one file, hashed: when it is the same
/// after an edit, the hints built before still hold.
fn hints_signature(facts: &crate::facts::FileFacts) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for import in &facts.imports {
        import.module.hash(&mut hasher);
    }
    for export in &facts.exports {
        let client = matches!(export.target, crate::facts::ExportTarget::Client { .. });
        (client, &export.name).hash(&mut hasher);
    }
    hasher.finish()
}

/// A text compared by identity, not by content.
struct TextIdentity(Option<Arc<str>>);

impl PartialEq for TextIdentity {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

pub struct Session {
    pub client: Client,
    init: OnceLock<Init>,
    settings: RwLock<Settings>,
    /// Open documents, by workspace path.
    documents: DashMap<String, Document>,
    /// The diagnostics last computed, per file: readers (hover, code
    /// actions, pulls) never wait for an analysis in progress.
    latest: DashMap<String, FileDiagnostics>,
    /// Files whose text changed since the last analysis.
    dirty: Mutex<BTreeSet<String>>,
    project: Mutex<Option<Project>>,
    /// The engine of the last good configuration.
    engine: RwLock<Option<Arc<Engine>>>,
    /// An analysis is queued and has not started yet.
    queued: AtomicBool,
    /// Diagnostics waiting to be sent, newest per file.
    outbox: Mutex<HashMap<String, FileDiagnostics>>,
    outbox_ready: tokio::sync::Notify,
    /// What the editor was last sent, per file (for an open document, also
    /// an empty set once published).
    sent: Mutex<HashMap<String, Arc<Vec<Diagnostic>>>>,
    shutting_down: AtomicBool,
    /// Rule failures to log, newest last.
    failures: Mutex<Vec<String>>,
    /// Files left out (too large, binary, over the time budget ...) to log
    /// as warnings, newest last: as `scan` does on stderr, never silent.
    warnings: Mutex<Vec<String>>,
    /// What the user must see, not only the log: a file whose analysis
    /// stopped at its budget (its diagnostics are incomplete).
    notices: Mutex<Vec<String>>,
    /// True once the first index is built and analysed.
    ready: tokio::sync::watch::Sender<bool>,
}

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in an analysis is reported where it happens; the state it
    // leaves is still the best there is.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Session {
    pub fn new(client: Client) -> Arc<Self> {
        Arc::new(Session {
            client,
            init: OnceLock::new(),
            settings: RwLock::new(Settings::default()),
            documents: DashMap::new(),
            latest: DashMap::new(),
            dirty: Mutex::new(BTreeSet::new()),
            project: Mutex::new(None),
            engine: RwLock::new(None),
            queued: AtomicBool::new(false),
            outbox: Mutex::new(HashMap::new()),
            outbox_ready: tokio::sync::Notify::new(),
            sent: Mutex::new(HashMap::new()),
            shutting_down: AtomicBool::new(false),
            failures: Mutex::new(Vec::new()),
            warnings: Mutex::new(Vec::new()),
            notices: Mutex::new(Vec::new()),
            ready: tokio::sync::watch::Sender::new(false),
        })
    }

    pub fn initialize(&self, init: Init, settings: Settings) {
        let _ = self.init.set(init);
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    pub fn init(&self) -> Option<&Init> {
        self.init.get()
    }

    pub fn encoding(&self) -> PositionEncoding {
        self.init().map_or(PositionEncoding::Utf16, |i| i.encoding)
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    /// Waits until the workspace is indexed: requests that read results
    /// (pulled diagnostics, hover, code actions) answer from a whole index.
    pub async fn wait_ready(&self) {
        let mut ready = self.ready.subscribe();
        let _ = ready.wait_for(|r| *r).await;
    }

    pub fn shut_down(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    pub fn path_of(&self, uri: &Uri) -> Option<String> {
        convert::path_of(&self.init()?.root, uri)
    }

    pub fn uri_of(&self, path: &str) -> Option<Uri> {
        convert::uri_of(&self.init()?.root, path)
    }

    pub fn documents(&self) -> &DashMap<String, Document> {
        &self.documents
    }

    pub fn mark_dirty(&self, path: String) {
        lock(&self.dirty).insert(path);
    }

    pub fn engine(&self) -> Option<Arc<Engine>> {
        self.engine.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The diagnostics last computed for a file.
    pub fn diagnostics(&self, path: &str) -> Option<FileDiagnostics> {
        self.latest.get(path).map(|d| d.clone())
    }

    /// The text of a file as analysed, or as open in the editor.
    pub fn text(&self, path: &str) -> Option<String> {
        if let Some(doc) = self.documents.get(path) {
            return Some(doc.text());
        }
        lock(&self.project).as_ref()?.workspace.source(path).map(|s| s.to_string())
    }

    /// Loads `custodia.toml` from the root. A configuration that does not
    /// load leaves the last good one in place (the default at start) and
    /// says why.
    pub fn load_config(&self) -> Result<Arc<Engine>, (Arc<Engine>, String)> {
        let root = self.init().map(|i| i.root.clone()).unwrap_or_default();
        match Config::discover(&root, None) {
            Ok(config) => {
                let engine = Arc::new(Engine::new(config));
                *self.engine.write().unwrap_or_else(|e| e.into_inner()) = Some(engine.clone());
                Ok(engine)
            }
            Err(err) => {
                let engine = self.engine().unwrap_or_else(|| Arc::new(Engine::new(Config::default())));
                *self.engine.write().unwrap_or_else(|e| e.into_inner()) = Some(engine.clone());
                Err((engine, err.to_string()))
            }
        }
    }

    /// Builds the project from the files on disk and the open documents,
    /// then analyses it. `progress` is told `(files done, files in all)`.
    /// Returns the number of files indexed, or why indexing stopped.
    pub fn index(&self, engine: Arc<Engine>, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<usize, String> {
        let indexed = self.build_index(engine, progress);
        // Requests wait for the first index. One that failed (a root that
        // cannot be read) must not leave them waiting for ever: they are
        // answered from the open documents, and the failure is logged.
        self.ready.send_replace(true);
        indexed
    }

    fn build_index(&self, engine: Arc<Engine>, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<usize, String> {
        let root = self.init().map(|i| i.root.clone()).ok_or("the server is not initialized")?;
        hold_index(&root);
        let sources = crate::scan::read_sources(&engine, &root, &[]).map_err(|e| e.to_string())?;
        for skipped in &sources.skipped {
            self.warn(format!("{}: skipped ({}): {}", skipped.path, skipped.reason.as_str(), skipped.detail));
        }
        let mut workspace = Workspace::new(engine, root);
        let mut versions = rustc_hash::FxHashMap::default();
        let total = sources.files.len();
        let mut files = Vec::with_capacity(total);
        for file in sources.files {
            match self.documents.get(&file.path) {
                Some(doc) => {
                    versions.insert(file.path.clone(), doc.version());
                    files.push((file.path, doc.text().into(), doc.tree().cloned()));
                }
                None => files.push((file.path, file.text.into(), None)),
            }
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let complete = workspace.load(files, threads, &|done| {
            if done % 64 == 0 {
                progress(done, total);
            }
            !self.is_shutting_down()
        });
        if !complete {
            return Err("the server is shutting down".to_string());
        }
        progress(total, total);
        for document in &sources.documents {
            workspace.set_document(&document.path, &document.text);
        }
        for manifest in &sources.manifests {
            workspace.set_manifest(&manifest.path, &manifest.text);
        }
        let mut guard = lock(&self.project);
        // Open documents the walk left out (excluded, or not saved yet),
        // and documents edited while the index was built.
        for doc in self.documents.iter() {
            if versions.get(doc.key()) != Some(&doc.version()) {
                versions.insert(doc.key().clone(), doc.version());
                workspace.set_parsed(doc.key(), doc.text().into(), doc.tree().cloned());
            }
        }
        *guard = Some(Project {
            workspace,
            versions,
            rendered: Default::default(),
            failures_reported: Default::default(),
            analysed: false,
            hints: None,
        });
        drop(guard);
        self.analyze();
        Ok(total)
    }

    /// Queues an analysis unless one is queued already.
    pub fn schedule(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::SeqCst) {
            return;
        }
        let session = self.clone();
        tokio::spawn(async move {
            let worker = session.clone();
            let outcome = super::spawn_analysis(move || worker.analyze()).await;
            if let Err(err) = outcome {
                session.queued.store(false, Ordering::SeqCst);
                let message = panic_message(err);
                session.client.log_message(MessageType::ERROR, format!("custodia: analysis failed: {message}")).await;
                session
                    .client
                    .show_message(
                        MessageType::ERROR,
                        format!(
                            "custodia: analysis failed ({message}); diagnostics may be out of date. Please report this."
                        ),
                    )
                    .await;
            }
        });
    }

    /// Brings the project up to date with every dirty file and queues the
    /// diagnostics that changed. Runs on a blocking thread.
    pub fn analyze(&self) {
        let mut guard = lock(&self.project);
        self.queued.store(false, Ordering::SeqCst);
        let Some(project) = guard.as_mut() else {
            drop(guard);
            return self.preview();
        };
        let dirty = std::mem::take(&mut *lock(&self.dirty));
        // Nothing changed since the last analysis (a pull right after one).
        if dirty.is_empty() && project.analysed {
            return;
        }
        project.analysed = true;
        let mut phases = super::timings::Phases::start();
        for path in dirty {
            let before = project.workspace.facts(&path).map(hints_signature);
            let analyses = project.workspace.stats().file_analyses;
            self.ingest(project, &path);
            // Other files analysed again (importers of a changed client) may
            // export differently too.
            let others = project.workspace.stats().file_analyses > analyses + 1;
            if others || project.workspace.facts(&path).map(hints_signature) != before {
                project.hints = None;
            }
        }
        let settings = self.settings();
        let encoding = self.encoding();
        if let Some(phases) = phases.as_mut() {
            phases.mark("ingest");
        }
        let (findings, _) = project.workspace.analysis();
        if let Some(phases) = phases.as_mut() {
            let timings = project.workspace.timings();
            phases.mark("project");
            phases.add("routes", timings.routes);
            phases.add("project_rules", timings.project_rules);
            phases.add("finalize", timings.files);
        }
        for failure in project.workspace.failures() {
            if project.failures_reported.insert(failure.to_string()) {
                lock(&self.failures).push(failure.to_string());
                self.outbox_ready.notify_one();
            }
        }
        for (path, over) in project.workspace.over_budget() {
            if over.keeps_facts() {
                // The diagnostics computed stand; the user is told they may
                // not be all of them.
                let message = format!("{path}: analysed in part: the analysis {over}");
                if project.failures_reported.insert(message.clone()) {
                    lock(&self.notices).push(message);
                    self.outbox_ready.notify_one();
                }
                continue;
            }
            let message = format!("{path}: skipped ({}): {over}", crate::scan::SkipReason::TimeBudget.as_str());
            if project.failures_reported.insert(message.clone()) {
                self.warn(message);
            }
        }
        // Looked up for every file of the workspace: a fast hash.
        let mut by_path: rustc_hash::FxHashMap<&str, Vec<&Finding>> = Default::default();
        for finding in &findings {
            if let Some(path) = &finding.path {
                by_path.entry(path.as_str()).or_default().push(finding);
            }
        }
        let mut changed = Vec::new();
        // The files whose diagnostics may differ from those last rendered:
        // those with findings now, those rendered with findings or as open
        // documents, and the open documents (each version is handled, if
        // only to say nothing changed). Every other file had no diagnostics
        // and has none: a large workspace is not walked file by file.
        let mut candidates: Vec<String> = by_path.keys().map(|p| p.to_string()).collect();
        candidates.extend(
            project
                .rendered
                .iter()
                .filter(|(_, key)| !key.findings.is_empty() || key.version.is_some())
                .map(|(path, _)| path.clone()),
        );
        candidates.extend(project.versions.keys().cloned());
        candidates.sort_unstable();
        candidates.dedup();
        for path in &candidates {
            let Some(text) = project.workspace.source(path) else {
                // The file left the workspace.
                project.rendered.remove(path);
                if self.latest.remove(path).is_some() {
                    changed.push(path.clone());
                }
                continue;
            };
            let findings = by_path.get(path.as_str()).map_or(&[][..], Vec::as_slice);
            let version = project.versions.get(path).copied();
            // Nothing this file's diagnostics are made of changed: keep them.
            if project.rendered.get(path).is_some_and(|key| key.matches(&project.workspace, &text, findings, version)) {
                continue;
            }
            let items = diagnostics_of(&project.workspace, path, findings, encoding);
            let key = RenderKey::new(&project.workspace, &text, findings, version);
            project.rendered.insert(path.clone(), key);
            let next = FileDiagnostics { version, items: Arc::new(items) };
            if self.latest.get(path).is_none_or(|d| *d != next) {
                self.latest.insert(path.clone(), next);
                changed.push(path.clone());
            }
        }
        // Diagnostics of files no longer rendered (a preview of a document
        // closed before the index was built).
        let gone: Vec<String> = if self.latest.len() > project.rendered.len() {
            let rendered = &project.rendered;
            self.latest.iter().filter(|d| !rendered.contains_key(d.key().as_str())).map(|d| d.key().clone()).collect()
        } else {
            Vec::new()
        };
        for path in gone {
            self.latest.remove(&path);
            changed.push(path);
        }
        if let Some(mut phases) = phases {
            phases.mark("render");
            phases.report();
        }
        self.queue_publish(&project.versions, changed, &settings);
    }

    /// Before the first index is built (a large workspace takes seconds):
    /// each dirty open document analysed alone, as a scan of that one file
    /// would, so that a file opened at start shows its diagnostics at once.
    /// The files stay dirty: once the index is built its analysis reads them
    /// again with every cross-file fact (a client imported from another
    /// module, the routes reaching a call), and replaces what changed.
    fn preview(&self) {
        let (Some(engine), Some(init)) = (self.engine(), self.init()) else { return };
        if init.pull {
            // Pulling clients wait for the index (see `wait_ready`).
            return;
        }
        let dirty: Vec<String> = lock(&self.dirty).iter().cloned().collect();
        let (settings, encoding) = (self.settings(), self.encoding());
        let mut previews = Vec::new();
        for path in dirty {
            let Some((version, text, tree)) =
                self.documents.get(&path).map(|d| (d.version(), d.text(), d.tree().cloned()))
            else {
                continue;
            };
            let mut workspace = Workspace::new(engine.clone(), init.root.clone());
            workspace.set_parsed(&path, text.into(), tree);
            let (findings, _) = workspace.analysis();
            let findings: Vec<&Finding> =
                findings.iter().filter(|f| f.path.as_deref() == Some(path.as_str())).collect();
            let items = diagnostics_of(&workspace, &path, &findings, encoding);
            previews.push((path, FileDiagnostics { version: Some(version), items: Arc::new(items) }));
        }
        // Under the project lock: the index may have been installed
        // meanwhile, and its analysis (which holds the lock) is the one to
        // show; a preview must never overwrite it.
        let guard = lock(&self.project);
        if guard.is_some() {
            return;
        }
        let mut changed = Vec::new();
        let mut versions = rustc_hash::FxHashMap::default();
        for (path, next) in previews {
            versions.insert(path.clone(), next.version.unwrap_or_default());
            if self.latest.get(&path).is_none_or(|d| *d != next) {
                self.latest.insert(path.clone(), next);
                changed.push(path);
            }
        }
        self.queue_publish(&versions, changed, &settings);
        drop(guard);
    }

    /// Reads a dirty file into the workspace: the open document, or the
    /// file on disk (gone from disk: removed).
    fn ingest(&self, project: &mut Project, path: &str) {
        if let Some(doc) = self.documents.get(path) {
            project.versions.insert(path.to_string(), doc.version());
            project.workspace.set_parsed(path, doc.text().into(), doc.tree().cloned());
            return;
        }
        project.versions.remove(path);
        let absolute = project.workspace.root().join(path);
        if crate::plans::is_candidate(path) {
            match std::fs::read(&absolute) {
                Ok(bytes) => project.workspace.set_document(path, &String::from_utf8_lossy(&bytes)),
                Err(_) => project.workspace.remove_document(path),
            }
            return;
        }
        let Some(kind) = FileKind::of(Path::new(path)) else { return };
        let engine = project.workspace.engine().clone();
        match crate::scan::read_source(&engine, &absolute, kind.language) {
            Ok((text, _)) => {
                project.workspace.set_file(path, &text);
            }
            Err((reason, detail, _)) => {
                // A deleted file is simply gone; one that is there but
                // cannot be analysed is said so.
                if absolute.exists() {
                    self.warn(format!("{path}: skipped ({}): {detail}", reason.as_str()));
                }
                project.workspace.remove_file(path);
            }
        }
    }

    /// Queues a warning for the editor's log.
    fn warn(&self, message: String) {
        lock(&self.warnings).push(message);
        self.outbox_ready.notify_one();
    }

    /// Queues, for each of `paths`, what the editor should show now: the
    /// latest diagnostics, or nothing (the file is gone, custodia is
    /// switched off, or the file is not open and the scope is open files).
    fn queue_publish(&self, versions: &rustc_hash::FxHashMap<String, i32>, paths: Vec<String>, settings: &Settings) {
        if paths.is_empty() {
            return;
        }
        let mut outbox = lock(&self.outbox);
        if self.init().is_some_and(|i| i.pull) {
            // Pulling clients ask again when told to.
            outbox.insert(String::new(), FileDiagnostics { version: None, items: Arc::default() });
        } else {
            for path in paths {
                let open = self.documents.contains_key(&path);
                let shown = settings.enable && (open || settings.diagnostics.scope == Scope::Workspace);
                let wanted = match self.latest.get(&path) {
                    Some(latest) if shown => latest.clone(),
                    _ => FileDiagnostics { version: versions.get(&path).copied(), items: Arc::default() },
                };
                outbox.insert(path, wanted);
            }
        }
        drop(outbox);
        self.outbox_ready.notify_one();
    }

    /// The settings changed: every file is queued (the scope may differ).
    /// The diagnostics stand: the fix settings are read when a code action
    /// computes its fixes.
    pub fn settings_changed(&self) {
        self.analyze();
        self.republish();
    }

    /// Queues every file again: the settings changed what is shown.
    pub fn republish(&self) {
        let settings = self.settings();
        let guard = lock(&self.project);
        let Some(project) = guard.as_ref() else { return };
        let mut paths: Vec<String> = self.latest.iter().map(|d| d.key().clone()).collect();
        paths.extend(project.workspace.paths().map(str::to_string));
        paths.sort();
        paths.dedup();
        self.queue_publish(&project.versions, paths, &settings);
    }

    /// Sends queued diagnostics, forever: one task per server. Only what
    /// differs from what the editor was last sent goes out: an edit that
    /// leaves a document's diagnostics as they were (most keystrokes: the
    /// ranges are lines and columns) publishes nothing, and an open
    /// document gets one publish after it is opened, even an empty one.
    pub async fn publisher(self: Arc<Self>) {
        loop {
            self.outbox_ready.notified().await;
            let failures: Vec<String> = std::mem::take(&mut *lock(&self.failures));
            for failure in failures {
                let message = format!("custodia: {failure}; its findings there are missing (please report this)");
                self.client.log_message(MessageType::ERROR, message).await;
            }
            let warnings: Vec<String> = std::mem::take(&mut *lock(&self.warnings));
            for warning in warnings {
                self.client.log_message(MessageType::WARNING, format!("custodia: {warning}")).await;
            }
            let notices: Vec<String> = std::mem::take(&mut *lock(&self.notices));
            for notice in notices {
                let message = format!("custodia: {notice}");
                self.client.log_message(MessageType::WARNING, message.clone()).await;
                self.client.show_message(MessageType::WARNING, message).await;
            }
            let mut batch: Vec<(String, FileDiagnostics)> = lock(&self.outbox).drain().collect();
            batch.sort_by(|a, b| a.0.cmp(&b.0));
            for (path, diagnostics) in batch {
                if path.is_empty() {
                    if self.init().is_some_and(|i| i.refresh) {
                        let refresh = self.client.workspace_diagnostic_refresh();
                        let _ = tokio::time::timeout(super::protocol::CLIENT_ANSWER, refresh).await;
                    }
                    continue;
                }
                // A newer version is open: its own analysis will publish.
                let current = self.documents.get(&path).map(|d| d.version());
                if current.is_some() && diagnostics.version.is_some() && current != diagnostics.version {
                    continue;
                }
                let Some(uri) = self.uri_of(&path) else { continue };
                let send = {
                    let mut sent = lock(&self.sent);
                    let published = sent.get(&path);
                    let unchanged = published.map_or(diagnostics.items.is_empty(), |before| {
                        Arc::ptr_eq(before, &diagnostics.items) || before.as_slice() == diagnostics.items.as_slice()
                    });
                    let send = !unchanged || (current.is_some() && published.is_none());
                    if send && diagnostics.items.is_empty() && current.is_none() {
                        sent.remove(&path);
                    } else if send {
                        sent.insert(path.clone(), diagnostics.items.clone());
                    }
                    send
                };
                if let Some(version) = current {
                    super::timings::published(&path, version, send);
                }
                if send {
                    let items = Arc::unwrap_or_clone(diagnostics.items);
                    self.client.publish_diagnostics(uri, items, current).await;
                }
            }
        }
    }

    /// A document was opened: its diagnostics are published again, even
    /// when the editor was sent the same ones before.
    pub fn opened(&self, path: &str) {
        lock(&self.sent).remove(path);
    }

    /// The findings of `path` in the server's current analysis that
    /// `wanted` picks by their key (rule and range), with their fixes as
    /// edits of the document as it is now. `None` when that analysis is not
    /// of the document's current text (a change arrived since, or its
    /// analysis has not run): a stale request gets no edit rather than an
    /// edit of another text.
    pub fn fixes(&self, path: &str, wanted: impl Fn(&str, Range) -> bool) -> Option<Vec<FindingFixes>> {
        let mut guard = lock(&self.project);
        let project = guard.as_mut()?;
        if lock(&self.dirty).contains(path) {
            return None;
        }
        let version = project.versions.get(path).copied();
        let tree = match self.documents.get(path) {
            Some(doc) if Some(doc.version()) != version => return None,
            Some(doc) => doc.tree().cloned(),
            None => None,
        };
        let source = project.workspace.source(path)?;
        let key = project.rendered.get(path)?;
        // The findings were rendered from this very text.
        if !key.text.0.as_ref().is_some_and(|text| Arc::ptr_eq(text, &source)) {
            return None;
        }
        let hints = project.hints.get_or_insert_with(|| ProjectHints::from_facts(project.workspace.all_facts()));
        let workspace = &project.workspace;
        let facts = workspace.facts(path)?;
        let engine = workspace.engine();
        let catalog = &engine.config().catalog;
        let positions = Positions::new(&source);
        let encoding = self.encoding();
        let other = |p: &str| workspace.source(p);
        let converter = Converter { catalog, encoding, root: workspace.root(), positions: &positions, other: &other };
        let fix_settings = self.settings().fixes.to_fix_settings();
        let mut tree = tree;
        let mut found = Vec::new();
        for finding in &key.findings {
            let Some(range) = converter.range(finding) else { continue };
            if !wanted(finding.rule, range) {
                continue;
            }
            // The fixes need a tree: the open document's, or a parse of
            // the file (only when a fix is asked for in a file not open).
            if tree.is_none() {
                tree = FileKind::of(Path::new(path)).and_then(|kind| lang::parse(kind.grammar, &source, None));
            }
            let fixes = match &tree {
                Some(tree) => {
                    let cx =
                        FixContext { source: &source, tree, facts, catalog, settings: &fix_settings, project: hints };
                    fix::fixes_for(finding, &cx)
                }
                None => Vec::new(),
            };
            found.push(FindingFixes {
                rule: finding.rule.to_string(),
                range,
                message: converter.message(finding),
                fixes: fixes
                    .iter()
                    .map(|fix| FixEdits {
                        title: fix.title.clone(),
                        safe: fix.safe,
                        edits: convert::fix_edits(&positions, fix, encoding),
                    })
                    .collect(),
            });
        }
        Some(found)
    }

    /// A summary for `custodia.scanWorkspace`.
    pub fn summary(&self) -> serde_json::Value {
        let guard = lock(&self.project);
        let Some(project) = guard.as_ref() else { return serde_json::json!({ "indexed": false }) };
        let mut by_criterion: std::collections::BTreeMap<String, usize> = Default::default();
        let mut findings = 0;
        let engine = self.engine();
        for diagnostics in self.latest.iter() {
            for d in diagnostics.items.iter() {
                findings += 1;
                // The count every output uses (`report::counts`): under each
                // SOC 2 criterion the rule maps to, not only the first.
                let (Some(engine), Some(tower_lsp_server::ls_types::NumberOrString::String(rule))) = (&engine, &d.code)
                else {
                    continue;
                };
                for id in engine.config().catalog.soc2_criteria(rule) {
                    *by_criterion.entry(format!("SOC 2 {id}")).or_default() += 1;
                }
            }
        }
        serde_json::json!({
            "indexed": true,
            "files": project.workspace.paths().count(),
            "findings": findings,
            "byCriterion": by_criterion,
        })
    }
}

/// The diagnostics of one file's findings (their fixes are computed when a
/// code action asks for them: [`Session::fixes`]).
fn diagnostics_of(
    workspace: &Workspace,
    path: &str,
    findings: &[&Finding],
    encoding: PositionEncoding,
) -> Vec<Diagnostic> {
    let Some(source) = workspace.source(path) else { return Vec::new() };
    if findings.is_empty() {
        return Vec::new();
    }
    let positions = Positions::new(&source);
    let catalog = &workspace.engine().config().catalog;
    let other = |p: &str| workspace.source(p);
    let converter = Converter { catalog, encoding, root: workspace.root(), positions: &positions, other: &other };
    findings.iter().filter_map(|finding| converter.diagnostic(finding)).collect()
}

/// Test hook (debug builds only): a workspace whose root holds
/// `.custodia-test-slow-index` is indexed 3 s late, so that tests can show
/// what the editor gets before the index is built (see [`Session::preview`]).
/// A file in the root, not a variable: tests in one process run side by side.
fn hold_index(root: &Path) {
    #[cfg(debug_assertions)]
    if root.join(".custodia-test-slow-index").is_file() {
        std::thread::sleep(std::time::Duration::from_secs(3));
    }
    #[cfg(not(debug_assertions))]
    let _ = root;
}

fn panic_message(err: tokio::task::JoinError) -> String {
    match err.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string()),
        Err(err) => err.to_string(),
    }
}
