//! The project index: every file's facts, and how the files refer to one
//! another (imports resolved to files, exports followed through re-exports).
//!
//! A file's own facts are computed alone; what depends on other files (a
//! client imported from `lib/ai.ts`) is computed from the index, so that when
//! one file changes only that file and the files that import it need work.

pub mod above;
pub mod actions;
pub mod modules;
pub mod reach;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::analysis::{ExternalClient, ExternalResolver};
use crate::facts::{ExportTarget, FileFacts, ImportFact};
use crate::lang::Language;

pub use modules::ModuleResolver;

/// Bound on re-export chains (`export * from` through barrels).
const MAX_REEXPORTS: u32 = 8;

pub struct ProjectIndex<'f> {
    files: &'f [FileFacts],
    /// Shared: it depends only on the files' paths, the configurations and
    /// the manifests, so the editor keeps one while those stay the same.
    resolver: Arc<ModuleResolver>,
    /// What a file's exported name finally is, once asked: barrels
    /// (`export * from`) are asked about by every file that imports them.
    exports: Mutex<ExportAnswers>,
    /// Whether a file exports a client, once asked.
    client_exports: Mutex<HashMap<usize, bool>>,
    /// The project's member functions (methods, object literal
    /// properties) by name, built when first asked.
    members: std::sync::OnceLock<HashMap<String, Vec<reach::FunctionId>>>,
    /// What every route asks of the whole project, gathered once per index
    /// (see [`reach::Lookups`]): without it each route walked every file.
    lookups: std::sync::OnceLock<reach::Lookups>,
    /// Server actions that are not endpoints (see [`actions::server_only`]):
    /// (file, name).
    private_actions: HashSet<actions::Action>,
}

/// (file, exported name) → where it is defined: (file, index into its
/// exports), or nowhere.
type ExportAnswers = HashMap<(usize, String), Option<(usize, usize)>>;

/// What `name` a file exports: a marker of the (file, name) pairs one
/// lookup has been through, so that re-export cycles end and each pair is
/// looked at once however many barrels lead to it.
type Visited = HashSet<(usize, String)>;

impl<'f> ProjectIndex<'f> {
    pub fn new(root: &Path, files: &'f [FileFacts]) -> ProjectIndex<'f> {
        ProjectIndex::with_config_dirs(root, files, None)
    }

    /// As [`ProjectIndex::new`], reading `tsconfig.json` only in the
    /// directories given (see [`ModuleResolver::with_config_dirs`]).
    pub fn with_config_dirs(root: &Path, files: &'f [FileFacts], config_dirs: Option<&[String]>) -> ProjectIndex<'f> {
        let resolver = ModuleResolver::with_config_dirs(root, files.iter().map(|f| f.path.as_str()), config_dirs);
        ProjectIndex::with_resolver(files, Arc::new(resolver))
    }

    /// An index over `files` with a resolver built for the same paths (see
    /// [`ProjectIndex::resolver`]).
    pub fn with_resolver(files: &'f [FileFacts], resolver: Arc<ModuleResolver>) -> ProjectIndex<'f> {
        ProjectIndex {
            files,
            resolver,
            exports: Default::default(),
            client_exports: Default::default(),
            members: Default::default(),
            lookups: Default::default(),
            private_actions: HashSet::default(),
        }
    }

    /// The module resolver, to build the next index over the same paths with.
    pub fn resolver(&self) -> Arc<ModuleResolver> {
        self.resolver.clone()
    }

    /// Declares the monorepo's own packages (from their manifests), so that
    /// an import of one by its name resolves to its source.
    pub fn with_workspace(mut self, manifests: &[crate::packages::Manifest]) -> Self {
        Arc::make_mut(&mut self.resolver).set_workspace(workspace_packages(manifests));
        self
    }

    /// Leaves these server actions out of the routes: server code only
    /// calls them (see [`actions::server_only`]).
    pub fn with_private_actions(mut self, private: impl IntoIterator<Item = actions::Action>) -> Self {
        self.private_actions = private.into_iter().collect();
        self
    }

    pub fn files(&self) -> &'f [FileFacts] {
        self.files
    }

    /// The file an import of the file at `from` refers to.
    pub fn resolve_import(&self, from: &str, language: Language, import: &ImportFact) -> Option<usize> {
        self.resolver.resolve(from, language, import)
    }

    /// Whether `file` exports a client or model object, directly or through
    /// a re-export (`export * from` chains are followed, each file once).
    pub fn exports_client(&self, file: usize) -> bool {
        if let Some(known) = lock(&self.client_exports).get(&file) {
            return *known;
        }
        let mut seen: HashSet<usize> = HashSet::default();
        let mut work = vec![file];
        let mut found = false;
        while let Some(current) = work.pop() {
            let Some(facts) = self.files.get(current) else { continue };
            if !seen.insert(current) {
                continue;
            }
            if facts
                .exports
                .iter()
                .any(|e| matches!(self.export(current, &e.name), Some((_, ExportTarget::Client { .. }))))
            {
                found = true;
                break;
            }
            let language = facts.language.unwrap_or(Language::TypeScript);
            for export in facts.exports.iter().filter(|e| e.name == "*") {
                if let ExportTarget::Reexport { module, .. } = &export.target
                    && let Some(target) = self.resolve_import(&facts.path, language, &module_import(module, None))
                {
                    work.push(target);
                }
            }
        }
        lock(&self.client_exports).insert(file, found);
        found
    }

    /// What a file at `path` sees when it imports clients.
    pub fn externals<'i>(&'i self, path: &'i str, language: Language) -> FileExternals<'i, 'f> {
        FileExternals { index: self, path, language }
    }

    /// What `name` exported by `file` finally is, following re-exports.
    pub fn export(&self, file: usize, name: &str) -> Option<(usize, &'f ExportTarget)> {
        let key = (file, name.to_string());
        let known = lock(&self.exports).get(&key).copied();
        let found = match known {
            Some(found) => found,
            None => {
                // Each question is answered on its own (not from the partial
                // answers of a lookup cut by a cycle), so the answer does not
                // depend on the order in which threads ask.
                let found = self.export_at(file, name, 0, &mut Visited::default());
                lock(&self.exports).insert(key, found);
                found
            }
        };
        found.map(|(file, i)| (file, &self.files[file].exports[i].target))
    }

    fn export_at(&self, file: usize, name: &str, depth: u32, visited: &mut Visited) -> Option<(usize, usize)> {
        if depth > MAX_REEXPORTS || !visited.insert((file, name.to_string())) {
            return None;
        }
        let facts = self.files.get(file)?;
        let language = facts.language.unwrap_or(Language::TypeScript);
        let mut reexport = |module: &str, imported: &str| {
            // Python relative modules keep their leading dots here (`..llm`).
            let level =
                if language == Language::Python { module.bytes().take_while(|b| *b == b'.').count() } else { 0 };
            let import = ImportFact { relative_level: level as u8, ..module_import(&module[level..], Some(imported)) };
            let target = self.resolver.resolve(&facts.path, language, &import)?;
            self.export_at(target, imported, depth + 1, visited)
        };
        if let Some((i, export)) = facts.exports.iter().enumerate().find(|(_, e)| e.name == name) {
            return match &export.target {
                ExportTarget::Reexport { module, name: imported } => reexport(module, imported),
                _ => Some((file, i)),
            };
        }
        // `export * from "m"` passes on every name but `default`.
        if name != "default" {
            for export in facts.exports.iter().filter(|e| e.name == "*") {
                if let ExportTarget::Reexport { module, .. } = &export.target
                    && let Some(found) = reexport(module, name)
                {
                    return Some(found);
                }
            }
        }
        None
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// An import of `name` from `module`, as a fact to resolve.
pub fn module_import(module: &str, name: Option<&str>) -> ImportFact {
    ImportFact {
        module: module.to_string(),
        name: name.map(str::to_string),
        namespace: false,
        local: String::new(),
        location: Default::default(),
        relative_level: 0,
    }
}

/// The imports of one file resolved against the project index.
pub struct FileExternals<'i, 'f> {
    index: &'i ProjectIndex<'f>,
    path: &'i str,
    language: Language,
}

impl ExternalResolver for FileExternals<'_, '_> {
    fn client(&self, module: &str, relative_level: u8, name: &str) -> Option<ExternalClient> {
        let import = ImportFact { relative_level, ..module_import(module, Some(name)) };
        let target = self.index.resolve_import(self.path, self.language, &import)?;
        let (defined_in, ExportTarget::Client { client, fallback }) = self.index.export(target, name)? else {
            return None;
        };
        let defining = &self.index.files[defined_in];
        Some(ExternalClient {
            module: module.to_string(),
            name: name.to_string(),
            path: defining.path.clone(),
            client: defining.clients.get(*client as usize)?.clone(),
            fallback: *fallback,
        })
    }
}

/// The (name, directory) of each JavaScript package of the project.
pub fn workspace_packages(manifests: &[crate::packages::Manifest]) -> Vec<(String, String)> {
    manifests
        .iter()
        .filter(|m| m.path.ends_with("package.json"))
        .filter_map(|m| Some((m.name.clone()?, m.dir.clone())))
        .collect()
}
