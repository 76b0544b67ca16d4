//! Routes of the whole project: their full paths (mount prefixes), what they
//! reach (the call graph across files), and which controls cover them
//! (guards in the handler path, route and router middleware, dependencies,
//! decorators, a Next.js middleware whose matcher covers the path).

use std::collections::VecDeque;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::facts::{
    DependencyTarget, EntrypointFact, ExportTarget, FileFacts, FunctionIndex, FunctionRef, GuardKind, HandlerRef,
};
use crate::frameworks::{Framework, nextjs};
use crate::lang::Language;
use crate::source::Location;

use super::ProjectIndex;

/// How far calls are followed from a handler.
const MAX_DEPTH: usize = 10;
/// How many functions one traversal may visit.
const MAX_FUNCTIONS: usize = 5_000;
/// How many mount levels are followed up from a router.
const MAX_MOUNTS: usize = 8;
/// Bound on the ways one route is mounted.
const MAX_MOUNT_CHAINS: usize = 64;
/// Bound on the dependencies followed from one function (FastAPI `Depends`).
const MAX_DEPENDENCIES: usize = 256;

/// A function of the project: file index and function index.
pub type FunctionId = (usize, FunctionIndex);

/// A control that covers a route, and where it is written.
#[derive(Debug, Clone)]
pub struct Cover {
    pub kind: GuardKind,
    pub name: String,
    pub file: usize,
    pub location: Location,
    /// How it applies: "in the handler path", "route middleware", "middleware.ts matcher" ...
    pub how: &'static str,
}

/// An inference site a route reaches, and the calls that lead to it.
#[derive(Debug, Clone)]
pub struct Reached {
    pub file: usize,
    pub site: usize,
    /// Each call on the way: the file and location of the call.
    pub path: Vec<(usize, Location, String)>,
}

#[derive(Debug, Clone)]
pub struct Route<'f> {
    pub file: usize,
    /// Where findings about the route are reported: the entrypoint, or the
    /// handler's definition when the entrypoint is a URL pattern elsewhere.
    pub at: (usize, Location),
    pub entry: &'f EntrypointFact,
    /// The full path, with mount and router prefixes.
    pub path: String,
    pub handler: Option<FunctionId>,
    pub covers: Vec<Cover>,
    pub sites: Vec<Reached>,
    /// Writes of stored model configuration the route reaches: file and
    /// index into its `config_writes`.
    pub config_writes: Vec<(usize, usize)>,
    /// Functions called on the way that custodia does not recognise as a
    /// control but whose name suggests one (`requireUser`), by the kind of
    /// control the name suggests.
    pub unknown_guards: Vec<(GuardKind, String)>,
}

impl<'f> Route<'f> {
    pub fn label(&self) -> String {
        match self.entry.method.as_str() {
            "ACTION" => format!("server action `{}`", self.entry.path),
            "*" => format!("{} (any method)", self.path),
            method => format!("{method} {}", self.path),
        }
    }

    pub fn covered(&self, kind: GuardKind) -> bool {
        self.covers.iter().any(|c| c.kind == kind)
    }
}

/// A method name called on values custodia cannot follow dispatches to
/// at most this many member functions of the project; a name more
/// functions share says nothing about which one runs.
const MAX_DISPATCH: usize = 8;

impl<'f> ProjectIndex<'f> {
    /// The functions a call may run: the one a reference names, or for a
    /// method called on a value custodia cannot follow, every member
    /// function of the project by that name (up to [`MAX_DISPATCH`]).
    pub fn resolve_targets(&self, file: usize, function: &FunctionRef) -> Vec<FunctionId> {
        match function {
            FunctionRef::Method { name } => {
                let members = self.members.get_or_init(|| {
                    let mut members: HashMap<String, Vec<FunctionId>> = HashMap::default();
                    for (file, facts) in self.files.iter().enumerate() {
                        for (i, f) in facts.functions.iter().enumerate() {
                            if let (true, Some(name)) = (f.member, &f.name) {
                                members.entry(name.clone()).or_default().push((file, i as FunctionIndex));
                            }
                        }
                    }
                    members
                });
                match members.get(name) {
                    Some(targets) if targets.len() <= MAX_DISPATCH => targets.clone(),
                    _ => Vec::new(),
                }
            }
            FunctionRef::Import { name, .. } => match self.resolve_function(file, function) {
                Some(target) => vec![target],
                // `service.buildChatflow` on an imported object or class
                // that exports no such function (an instance, a package):
                // dispatched by the method's name, as on any receiver.
                None => match name.split_once('.') {
                    Some((_, method)) if crate::analysis::is_compound(method) => {
                        self.resolve_targets(file, &FunctionRef::Method { name: method.to_string() })
                    }
                    _ => Vec::new(),
                },
            },
            FunctionRef::Local(_) => self.resolve_function(file, function).into_iter().collect(),
        }
    }

    /// The function a reference names, in whichever file defines it; a
    /// method dispatched by name is not one function (see
    /// [`Self::resolve_targets`]).
    pub fn resolve_function(&self, file: usize, function: &FunctionRef) -> Option<FunctionId> {
        match function {
            FunctionRef::Method { .. } => None,
            FunctionRef::Local(index) => Some((file, *index)),
            FunctionRef::Import { module, level, name } => {
                let facts = &self.files[file];
                let import =
                    crate::facts::ImportFact { relative_level: *level, ..super::module_import(module, Some(name)) };
                let target = self.resolve_import(&facts.path, language(facts), &import)?;
                match self.export(target, name)? {
                    (defined, ExportTarget::Function(index)) => Some((defined, *index)),
                    _ => None,
                }
            }
        }
    }

    /// A control another module builds and exports, used here as
    /// middleware: `const { apiLimiter } = require("./limits")`.
    fn exported_guard(&self, file: usize, function: &FunctionRef, how: &'static str) -> Option<Cover> {
        let FunctionRef::Import { module, level, name } = function else { return None };
        let facts = &self.files[file];
        let import = crate::facts::ImportFact { relative_level: *level, ..super::module_import(module, Some(name)) };
        let target = self.resolve_import(&facts.path, language(facts), &import)?;
        match self.export(target, name)? {
            (defined, ExportTarget::Guard { kind, name, location }) => {
                Some(Cover { kind: *kind, name: name.clone(), file: defined, location: *location, how })
            }
            _ => None,
        }
    }

    /// The router a mount names.
    fn resolve_router(&self, file: usize, child: &FunctionRef, local: Option<&str>) -> Option<(usize, String)> {
        if let Some(local) = local {
            return Some((file, local.to_string()));
        }
        let FunctionRef::Import { module, level, name } = child else { return None };
        let facts = &self.files[file];
        let import = crate::facts::ImportFact { relative_level: *level, ..super::module_import(module, Some(name)) };
        let target = self.resolve_import(&facts.path, language(facts), &import)?;
        match self.export(target, name)? {
            (defined, ExportTarget::Router(index)) => {
                self.files[defined].routers.get(*index as usize).map(|r| (defined, r.name.clone()))
            }
            // A Fastify plugin: its instance parameter is the router.
            (defined, ExportTarget::Function(function)) => self.files[defined]
                .routers
                .iter()
                .find(|r| r.plugin == Some(*function))
                .map(|r| (defined, r.name.clone())),
            _ => None,
        }
    }

    /// Every route of the project, with what it reaches and what covers it.
    pub fn routes(&self) -> Vec<Route<'f>> {
        self.routes_with(&mut ReachCache::default())
    }

    /// Every route, reusing the traversals of `cache` that are still valid
    /// and adding the ones computed now.
    pub fn routes_with(&self, cache: &mut ReachCache) -> Vec<Route<'f>> {
        let mut graph = Graph::new(self, cache);
        let mut out = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            for entry in &facts.entrypoints {
                if entry.framework == Framework::ServerAction
                    && !self.private_actions.is_empty()
                    && self.private_actions.contains(&(file, entry.path.clone()))
                {
                    continue;
                }
                let handler = match &entry.handler {
                    HandlerRef::Function(function) => self.resolve_function(file, function),
                    _ => None,
                };
                for (path, levels) in self.mount_chains(file, entry) {
                    // A Django view class no URL pattern reaches serves nothing.
                    let unmounted =
                        levels.last().is_some_and(|top| top.file == file && Some(&top.router) == entry.router.as_ref());
                    if let Some(configuration) = entry.framework.spec().url_configuration
                        && entry.router.as_deref() != Some(configuration)
                        && unmounted
                    {
                        continue;
                    }
                    let at = match (entry.report_at_handler, handler) {
                        (true, Some((defined, function))) => self.files[defined]
                            .functions
                            .get(function as usize)
                            .map_or((file, entry.location), |f| (defined, head(f.location))),
                        _ => (file, entry.location),
                    };
                    let mut route = Route {
                        file,
                        at,
                        entry,
                        path,
                        handler,
                        covers: Vec::new(),
                        sites: Vec::new(),
                        config_writes: Vec::new(),
                        unknown_guards: Vec::new(),
                    };
                    if let Some(handler) = handler {
                        let reach = graph.reach(handler);
                        route.sites = reach.sites(self);
                        route.config_writes = reach.config_writes(self);
                        for (kind, name, at, location) in reach.guards(self) {
                            route.covers.push(Cover { kind, name, file: at, location, how: "in the handler path" });
                        }
                        route.unknown_guards = reach.suspects(self);
                        for cover in self.dependency_covers(&mut graph, handler, &mut HashSet::default()) {
                            route.covers.push(cover);
                        }
                    }
                    for step in &entry.chain {
                        route.covers.extend(self.handler_covers(&mut graph, file, step, "route middleware"));
                    }
                    for level in &levels {
                        route.covers.extend(self.level_covers(&mut graph, level));
                    }
                    let covers = self.project_defaults(&mut graph, entry, handler);
                    route.covers.extend(covers);
                    if entry.framework.spec().next_middleware {
                        route.covers.extend(self.next_middleware_covers(file, &route.path));
                    }
                    // What the view opts out of (`@limiter.exempt`, `permission_classes = [AllowAny]`,
                    // NestJS `@Public()`) no app-wide default or router-level guard supplies.
                    if let Some(function) = handler.and_then(|(f, i)| self.files[f].functions.get(i as usize)) {
                        route.covers.retain(|c| {
                            !(function.opts_out.contains(&c.kind)
                                && matches!(c.how, "app middleware" | "project-wide default" | "router dependency"))
                        });
                    }
                    route.unknown_guards.append(&mut graph.suspects);
                    route.unknown_guards.sort();
                    route.unknown_guards.dedup();
                    out.push(route);
                }
            }
        }
        out
    }

    /// See [`Lookups`].
    fn lookups(&self) -> &Lookups {
        self.lookups.get_or_init(|| {
            let mut lookups = Lookups::default();
            for (at, facts) in self.files.iter().enumerate() {
                for (i, mount) in facts.mounts.iter().enumerate() {
                    if let Some(router) = self.resolve_router(at, &mount.child, mount.child_local.as_deref()) {
                        lookups.mounts.entry(router).or_default().push((at, i));
                    }
                }
                for (i, middleware) in facts.middleware.iter().enumerate() {
                    if middleware.router == "*" {
                        lookups.project_wide.push((at, i));
                    }
                }
                if facts.next_middleware.is_some() {
                    lookups.next_middleware.push(at);
                }
            }
            lookups
        })
    }

    /// Project-wide defaults that cover a Python route: flask-limiter and
    /// slowapi default limits for Flask and FastAPI routes, DRF's
    /// `DEFAULT_PERMISSION_CLASSES` / `DEFAULT_THROTTLE_CLASSES` for DRF views,
    /// Django's `LoginRequiredMiddleware` for every Django view, except what
    /// the view opts out of.
    fn project_defaults(&self, graph: &mut Graph, entry: &EntrypointFact, handler: Option<FunctionId>) -> Vec<Cover> {
        let function = handler.and_then(|(file, index)| self.files[file].functions.get(index as usize));
        let opts_out = function.map_or(&[][..], |f| f.opts_out.as_slice());
        let view_framework = function.and_then(|f| f.view_framework);
        let applies = |default: Option<Framework>| Framework::default_covers(default, entry.framework, view_framework);
        let mut out = Vec::new();
        for &(at, i) in &self.lookups().project_wide {
            let middleware = &self.files[at].middleware[i];
            if !applies(middleware.framework) {
                continue;
            }
            for step in &middleware.chain {
                let covers = self.handler_covers(graph, at, step, "project-wide default");
                out.extend(covers.into_iter().filter(|c| !opts_out.contains(&c.kind)));
            }
        }
        out
    }

    /// The ways a route is mounted: its full path and, for each router on
    /// the way up, the level (router, file, path prefix below it, order).
    fn mount_chains(&self, file: usize, entry: &EntrypointFact) -> Vec<(String, Vec<Level>)> {
        let Some(router) = &entry.router else { return vec![(normalize_path(&entry.path), Vec::new())] };
        let mut out = Vec::new();
        let start = Level {
            file,
            router: router.clone(),
            order: entry.order,
            mount_chain: Vec::new(),
            below: entry.path.clone(),
        };
        let mut queue = vec![(start, vec![], 0usize)];
        while let Some((level, mut levels, depth)) = queue.pop() {
            // A router mounted in many places, under routers mounted in many
            // places: the number of chains multiplies; the first ones found
            // are kept.
            if out.len() >= MAX_MOUNT_CHAINS {
                break;
            }
            let prefix = self.files[level.file]
                .routers
                .iter()
                .find(|r| r.name == level.router)
                .map_or("", |r| r.prefix.as_str());
            let path = join_paths(prefix, &level.below);
            levels.push(Level { below: path.clone(), ..level.clone() });
            let parents: Vec<_> = self.mounts_of(level.file, &level.router);
            if parents.is_empty() || depth >= MAX_MOUNTS {
                out.push((normalize_path(&path), levels));
                continue;
            }
            for (parent_file, mount) in parents {
                let parent = Level {
                    file: parent_file,
                    router: mount.router.clone(),
                    order: mount.order,
                    mount_chain: mount.chain.clone(),
                    below: join_paths(&mount.path, &path),
                };
                queue.push((parent, levels.clone(), depth + 1));
            }
        }
        out
    }

    /// The mounts (anywhere in the project) of the router `name` of `file`.
    fn mounts_of(&self, file: usize, name: &str) -> Vec<(usize, &'f crate::facts::MountFact)> {
        let Some(mounts) = self.lookups().mounts.get(&(file, name.to_string())) else { return Vec::new() };
        mounts
            .iter()
            .map(|&(at, i)| (at, &self.files[at].mounts[i]))
            .filter(|(at, mount)| !(*at == file && mount.router == name))
            .collect()
    }

    /// What covers the routes of one router level: the router's own
    /// dependencies, middleware registered on it before (in order) and on a
    /// matching path, and the mount's own middleware.
    fn level_covers(&self, graph: &mut Graph, level: &Level) -> Vec<Cover> {
        let facts = &self.files[level.file];
        let mut out = Vec::new();
        if let Some(router) = facts.routers.iter().find(|r| r.name == level.router) {
            for step in &router.chain {
                out.extend(self.handler_covers(graph, level.file, step, "router dependency"));
            }
        }
        for step in &level.mount_chain {
            out.extend(self.handler_covers(graph, level.file, step, "mount middleware"));
        }
        for middleware in facts.middleware.iter().filter(|m| m.router == level.router) {
            let before = middleware.order < level.order || language(facts) == Language::Python;
            let skipped = middleware.except.iter().any(|pattern| skips(pattern, &level.below));
            if before && !skipped && path_prefix_matches(&middleware.path, &level.below) {
                for step in &middleware.chain {
                    out.extend(self.handler_covers(graph, level.file, step, "app middleware"));
                }
            }
        }
        // Express and Koa run what an earlier `use` registered on a matching
        // path before the request reaches this router: `app.use(requireAuth)`
        // (recorded as a mount until the index knows it is no router) and
        // the middleware of earlier mounts (`app.use("/api", auth, admin)`).
        if language(facts) != Language::Python {
            for mount in facts.mounts.iter().filter(|m| m.router == level.router && m.order < level.order) {
                if !path_prefix_matches(&mount.path, &level.below) {
                    continue;
                }
                for step in &mount.chain {
                    out.extend(self.handler_covers(graph, level.file, step, "app middleware"));
                }
                if mount.child_local.is_none() && self.resolve_router(level.file, &mount.child, None).is_none() {
                    let step = HandlerRef::Function(mount.child.clone());
                    out.extend(self.handler_covers(graph, level.file, &step, "app middleware"));
                }
            }
        }
        out
    }

    /// What one step of a route's handling contributes.
    fn handler_covers(&self, graph: &mut Graph, file: usize, step: &HandlerRef, how: &'static str) -> Vec<Cover> {
        match step {
            HandlerRef::Guard { kind, name, location } => {
                vec![Cover { kind: *kind, name: name.clone(), file, location: *location, how }]
            }
            HandlerRef::Function(function) => {
                let Some(id) = self.resolve_function(file, function) else {
                    if let Some(cover) = self.exported_guard(file, function, how) {
                        return vec![cover];
                    }
                    graph.suspect(function);
                    return Vec::new();
                };
                let reach = graph.reach(id);
                let mut out: Vec<Cover> = reach
                    .guards(self)
                    .into_iter()
                    .map(|(kind, name, at, location)| Cover { kind, name, file: at, location, how })
                    .collect();
                out.extend(self.dependency_covers(graph, id, &mut HashSet::default()));
                // Middleware that names itself a rate limiter
                // (`getRateLimiterMiddleware`, `chatLimiter`) runs before the
                // handler on every request; the limiter it hands on is often
                // built at run time from stored settings, out of sight.
                let (defined, index) = id;
                let function = self.files.get(defined).and_then(|f| f.functions.get(index as usize));
                if !out.iter().any(|c| c.kind == GuardKind::RateLimit)
                    && let Some(function) = function
                    && let Some(name) = function.name.as_deref().filter(|n| names_rate_limiter(n))
                {
                    out.push(Cover {
                        kind: GuardKind::RateLimit,
                        name: format!("{name} (a rate limiter by its name)"),
                        file: defined,
                        location: function.location,
                        how,
                    });
                }
                out
            }
            // `preHandler: [fastify.authenticate]`: a decoration, wherever declared.
            HandlerRef::Unknown(text) => {
                let Some((_, name)) = text.rsplit_once('.') else { return Vec::new() };
                let decorated: Vec<FunctionId> = self
                    .files
                    .iter()
                    .enumerate()
                    .flat_map(|(at, facts)| {
                        facts.decorations.iter().filter(|(n, _)| n == name).map(move |(_, f)| (at, *f))
                    })
                    .collect();
                let mut out = Vec::new();
                for id in decorated {
                    let reach = graph.reach(id);
                    out.extend(reach.guards(self).into_iter().map(|(kind, name, at, location)| Cover {
                        kind,
                        name,
                        file: at,
                        location,
                        how,
                    }));
                }
                out
            }
        }
    }

    /// FastAPI dependencies of a function, followed to their definitions:
    /// `Depends(get_current_user)` covers the route when `get_current_user`
    /// authenticates (uses a security scheme, verifies a token, answers 401,
    /// or depends on something that does).
    /// Each function is followed once (`seen`): dependencies that depend on
    /// each other end, and a shared dependency is not followed twice.
    fn dependency_covers(&self, graph: &mut Graph, function: FunctionId, seen: &mut HashSet<FunctionId>) -> Vec<Cover> {
        if seen.len() > MAX_DEPENDENCIES || !seen.insert(function) {
            return Vec::new();
        }
        let (file, index) = function;
        let facts = &self.files[file];
        let mut out = Vec::new();
        for dependency in facts.dependencies.iter().filter(|d| d.function == Some(index)) {
            match &dependency.target {
                DependencyTarget::Guard(kind, name) => out.push(Cover {
                    kind: *kind,
                    name: name.clone(),
                    file,
                    location: dependency.location,
                    how: "dependency",
                }),
                DependencyTarget::Function(target) => {
                    let Some(id) = self.resolve_function(file, target) else {
                        graph.suspect(target);
                        continue;
                    };
                    let reach = graph.reach(id);
                    for (kind, name, at, location) in reach.guards(self) {
                        if kind != GuardKind::Logging {
                            out.push(Cover { kind, name, file: at, location, how: "dependency" });
                        }
                    }
                    for mut cover in self.dependency_covers(graph, id, seen) {
                        cover.how = "dependency";
                        out.push(cover);
                    }
                }
            }
        }
        out
    }

    /// The Next.js middleware that runs for a route path, and what it applies.
    fn next_middleware_covers(&self, file: usize, path: &str) -> Vec<Cover> {
        let route_file = &self.files[file].path;
        let mut out = Vec::new();
        for &at in &self.lookups().next_middleware {
            let facts = &self.files[at];
            let Some(middleware) = &facts.next_middleware else { continue };
            let app_root = nextjs::middleware_app_root(&facts.path);
            if !app_root.is_empty() && !route_file.starts_with(&format!("{app_root}/")) {
                continue;
            }
            if !nextjs::middleware_runs_on(&middleware.matchers, &middleware.protected, &middleware.public, path) {
                continue;
            }
            let how = nextjs::middleware_file_name(&facts.path);
            for guard in &middleware.guards {
                out.push(Cover { kind: guard.kind, name: guard.name.clone(), file: at, location: guard.location, how });
            }
        }
        out
    }
}

/// One router on the way from a route up to its app.
#[derive(Debug, Clone)]
struct Level {
    file: usize,
    router: String,
    /// Registration order of the route, or of the mount, on this router.
    order: u32,
    /// Middleware passed with the mount itself (`app.use("/api", auth, router)`).
    mount_chain: Vec<HandlerRef>,
    /// The path below this router (the route's path relative to it).
    below: String,
}

/// What the call graph reached from each function, kept between analyses of
/// a project whose files change one at a time (the language server): when a
/// file changes, only the traversals that touched it are dropped.
#[derive(Debug, Default)]
pub struct ReachCache {
    reaches: HashMap<FunctionId, std::sync::Arc<Reach>>,
    /// Traversals computed since the cache was made: what an unchanged file
    /// costs nothing of.
    computed: usize,
}

impl ReachCache {
    pub fn computed(&self) -> usize {
        self.computed
    }

    /// Drops every traversal that visited `file` or tried to resolve a call
    /// into it.
    pub fn invalidate_file(&mut self, file: usize) {
        self.reaches.retain(|&(start, _), reach| start != file && !reach.touched.contains(&file));
    }

    pub fn clear(&mut self) {
        self.reaches.clear();
    }
}

/// The call graph, traversed lazily and cached per function.
struct Graph<'i, 'f, 'c> {
    index: &'i ProjectIndex<'f>,
    /// Functions nested in each function, per file.
    children: HashMap<usize, HashMap<FunctionIndex, Vec<FunctionIndex>>>,
    cache: &'c mut ReachCache,
    /// Steps of the route being built (middleware, dependencies) that name
    /// a function custodia cannot find, when the name suggests a control.
    suspects: Vec<(GuardKind, String)>,
}

/// What a traversal from one function reached.
#[derive(Debug, Default)]
pub struct Reach {
    /// Files whose facts the traversal read: those of reached functions, and
    /// those a call's import resolved to even when the name was not found there.
    touched: HashSet<usize>,
    /// Reached functions, with the call that reached each (file, location,
    /// callee name) and its predecessor.
    visited: HashMap<FunctionId, Option<(FunctionId, usize, Location, String)>>,
    /// Names of calls out of reached functions that lead nowhere custodia
    /// can follow.
    unresolved: Vec<String>,
}

impl<'i, 'f, 'c> Graph<'i, 'f, 'c> {
    fn new(index: &'i ProjectIndex<'f>, cache: &'c mut ReachCache) -> Self {
        Graph { index, children: HashMap::default(), cache, suspects: Vec::new() }
    }

    /// Notes a step custodia cannot follow, if its name suggests a control.
    fn suspect(&mut self, function: &FunctionRef) {
        if let FunctionRef::Import { name, .. } = function
            && let Some(kind) = gate_name(name)
        {
            self.suspects.push((kind, name.clone()));
        }
    }

    fn nested(&mut self, file: usize, function: FunctionIndex) -> Vec<FunctionIndex> {
        let facts = &self.index.files[file];
        let map = self.children.entry(file).or_insert_with(|| {
            let mut map: HashMap<FunctionIndex, Vec<FunctionIndex>> = HashMap::default();
            // A function handed to a scheduler runs on its schedule, not
            // when the function that registers it does.
            for (i, f) in facts.functions.iter().enumerate().filter(|(_, f)| !f.scheduled) {
                if let Some(parent) = f.parent {
                    map.entry(parent).or_default().push(i as FunctionIndex);
                }
            }
            map
        });
        map.get(&function).cloned().unwrap_or_default()
    }

    fn reach(&mut self, start: FunctionId) -> std::sync::Arc<Reach> {
        if let Some(cached) = self.cache.reaches.get(&start) {
            return cached.clone();
        }
        self.cache.computed += 1;
        let mut reach = Reach::default();
        reach.visited.insert(start, None);
        let mut queue = VecDeque::from([(start, 0usize)]);
        while let Some(((file, function), depth)) = queue.pop_front() {
            if reach.visited.len() > MAX_FUNCTIONS {
                break;
            }
            // Functions written inside a reached function run as part of it
            // (callbacks, closures), but for those handed to a scheduler.
            for nested in self.nested(file, function) {
                if !reach.visited.contains_key(&(file, nested)) {
                    reach.visited.insert((file, nested), reach.visited.get(&(file, function)).cloned().flatten());
                    queue.push_back(((file, nested), depth));
                }
            }
            if depth >= MAX_DEPTH {
                continue;
            }
            let facts = &self.index.files[file];
            reach.touched.insert(file);
            for edge in facts.calls.iter().filter(|e| e.caller == Some(function)) {
                let targets = self.index.resolve_targets(file, &edge.target);
                if let (true, FunctionRef::Import { module, level, name }) = (targets.is_empty(), &edge.target) {
                    let import = crate::facts::ImportFact {
                        relative_level: *level,
                        ..super::module_import(module, Some(name.split('.').next().unwrap_or(name)))
                    };
                    if let Some(into) = self.index.resolve_import(&facts.path, language(facts), &import) {
                        reach.touched.insert(into);
                    }
                }
                let name = match &edge.target {
                    FunctionRef::Local(i) => {
                        facts.functions.get(*i as usize).and_then(|f| f.name.clone()).unwrap_or_default()
                    }
                    FunctionRef::Import { name, .. } | FunctionRef::Method { name } => name.clone(),
                };
                if targets.is_empty() {
                    // A method nobody in the project defines is a library's
                    // (`res.setHeader`), not a control to look for.
                    if !matches!(edge.target, FunctionRef::Method { .. }) {
                        reach.unresolved.push(name);
                    }
                    continue;
                }
                for id in targets {
                    if let std::collections::hash_map::Entry::Vacant(entry) = reach.visited.entry(id) {
                        entry.insert(Some(((file, function), file, edge.location, name.clone())));
                        queue.push_back((id, depth + 1));
                    }
                }
            }
        }
        reach.touched.extend(reach.visited.keys().map(|&(file, _)| file));
        let reach = std::sync::Arc::new(reach);
        self.cache.reaches.insert(start, reach.clone());
        reach
    }
}

impl Reach {
    fn sites(&self, index: &ProjectIndex<'_>) -> Vec<Reached> {
        let mut out = Vec::new();
        let mut reached: Vec<&FunctionId> = self.visited.keys().collect();
        reached.sort();
        for &(file, function) in reached {
            for (site, fact) in index.files[file].inference.iter().enumerate() {
                if fact.function == Some(function) {
                    out.push(Reached { file, site, path: self.path_to((file, function)) });
                }
            }
        }
        out
    }

    fn config_writes(&self, index: &ProjectIndex<'_>) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for &(file, function) in self.visited.keys() {
            for (write, fact) in index.files[file].config_writes.iter().enumerate() {
                if fact.function == Some(function) {
                    out.push((file, write));
                }
            }
        }
        out.sort();
        out
    }

    /// The calls from the start to `function`, in order.
    fn path_to(&self, function: FunctionId) -> Vec<(usize, Location, String)> {
        let mut steps = Vec::new();
        let mut current = function;
        for _ in 0..=MAX_DEPTH + 1 {
            match self.visited.get(&current) {
                Some(Some((from, file, location, name))) => {
                    steps.push((*file, *location, name.clone()));
                    current = *from;
                }
                _ => break,
            }
        }
        steps.reverse();
        steps.dedup_by(|a, b| a.1 == b.1 && a.0 == b.0);
        steps
    }

    fn guards(&self, index: &ProjectIndex<'_>) -> Vec<(GuardKind, String, usize, Location)> {
        let mut out = Vec::new();
        let mut seen = HashSet::default();
        let mut reached: Vec<&FunctionId> = self.visited.keys().collect();
        reached.sort();
        for &(file, function) in reached {
            for guard in index.files[file].guards.iter().filter(|g| g.function == Some(function)) {
                if seen.insert((guard.kind, file, guard.location)) {
                    out.push((guard.kind, guard.name.clone(), file, guard.location));
                }
            }
        }
        out
    }

    /// Calls whose names suggest a control custodia does not know, with the
    /// kind they suggest: `requireUser()` (auth), `checkQuota()` (rate limit).
    fn suspects(&self, index: &ProjectIndex<'_>) -> Vec<(GuardKind, String)> {
        let mut out: Vec<(GuardKind, String)> =
            self.unresolved.iter().filter_map(|n| gate_name(n).map(|k| (k, n.clone()))).collect();
        // Resolved functions named like a control and shaped like one (they
        // take the request or the user and can stop the request), with no
        // control custodia knows inside.
        for &(file, function) in self.visited.keys() {
            let facts: &FileFacts = &index.files[file];
            let Some(fact) = facts.functions.get(function as usize).filter(|f| f.gate_shaped) else { continue };
            if let Some(name) = fact.name.as_deref() {
                let guarded = facts.guards.iter().any(|g| g.function == Some(function));
                if let Some(kind) = suggested_control(name).filter(|_| !guarded) {
                    out.push((kind, name.to_string()));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A middleware's name that says it limits the rate of requests:
/// `rateLimiter`, `getRateLimiterMiddleware`, `chatLimiter`, `throttle`.
fn names_rate_limiter(name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace('_', "");
    ["ratelimit", "limiter", "throttl"].iter().any(|w| lower.contains(w))
}

/// The kind of control a function's name suggests, if any: a word of a
/// rate limit, or of authentication. Alone it is not enough to name the
/// function in a hint (see [`gate_name`] and `FunctionFact::gate_shaped`).
fn suggested_control(name: &str) -> Option<GuardKind> {
    let lower = name.to_ascii_lowercase();
    const RATE: [&str; 4] = ["limit", "quota", "throttle", "ratelimit"];
    const AUTH: [&str; 10] =
        ["auth", "session", "login", "token", "permission", "guard", "protect", "verify", "signedin", "apikey"];
    const USER_CHECKS: [&str; 6] = ["require", "ensure", "check", "assert", "current", "get"];
    // `require_admin`, `ensureRole`, `requireApiKey`.
    const GATES: [&str; 2] = ["require", "ensure"];
    if RATE.iter().any(|w| lower.contains(w)) {
        Some(GuardKind::RateLimit)
    } else if AUTH.iter().any(|w| lower.replace('_', "").contains(w))
        || (lower.contains("user") && USER_CHECKS.iter().any(|w| lower.starts_with(w)))
        || GATES.iter().any(|w| lower.starts_with(w))
    {
        Some(GuardKind::Auth)
    } else {
        None
    }
}

/// For a call custodia cannot follow, whose body it cannot see: the control
/// its name states outright, a gate verb and what it gates (`requireUser`,
/// `verify_api_key`, `checkRateLimit`, `enforceQuota`). Names that merely
/// contain such a word (`handleLLMNewToken`, `getSessionTitle`) say nothing.
fn gate_name(name: &str) -> Option<GuardKind> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let lower = last.to_ascii_lowercase().replace('_', "");
    const VERBS: [&str; 14] = [
        "require",
        "ensure",
        "check",
        "verify",
        "validate",
        "authenticate",
        "authorize",
        "authorise",
        "assert",
        "enforce",
        "guard",
        "protect",
        "throttle",
        "ratelimit",
    ];
    const RATE: [&str; 6] = ["ratelimit", "limit", "quota", "throttle", "usage", "credit"];
    const AUTH: [&str; 16] = [
        "auth",
        "user",
        "session",
        "login",
        "signedin",
        "loggedin",
        "admin",
        "role",
        "permission",
        "access",
        "apikey",
        "token",
        "owner",
        "jwt",
        "credential",
        "bearer",
    ];
    let verb = VERBS.iter().find(|v| lower.starts_with(*v))?;
    let rest = &lower[verb.len()..];
    if matches!(*verb, "throttle" | "ratelimit") || RATE.iter().any(|w| rest.contains(w)) {
        Some(GuardKind::RateLimit)
    } else if matches!(*verb, "authenticate" | "authorize" | "authorise") || AUTH.iter().any(|w| rest.contains(w)) {
        Some(GuardKind::Auth)
    } else {
        None
    }
}

/// The first line of a location: where a definition starts.
fn head(location: Location) -> Location {
    let mut head = location;
    if head.range.end.line > head.range.start.line {
        head.range.end = head.range.start;
        head.span.end = head.span.start;
    }
    head
}

fn language(facts: &FileFacts) -> Language {
    facts.language.unwrap_or(Language::TypeScript)
}

/// `/api` + `/chat` → `/api/chat`.
fn join_paths(prefix: &str, path: &str) -> String {
    if path.is_empty() {
        // The router's own root: the prefix as written (`chat/` in Django).
        return prefix.to_string();
    }
    let prefix = prefix.trim_end_matches('/');
    if path == "/" {
        if prefix.is_empty() { "/".into() } else { prefix.to_string() }
    } else if path.starts_with('/') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}/{path}")
    }
}

fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut out = String::with_capacity(path.len() + 1);
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(path);
    while out.contains("//") {
        out = out.replace("//", "/");
    }
    out
}

/// Express semantics: `app.use("/api", mw)` covers `/api` and `/api/...`.
/// Whether a middleware's `unless` pattern skips `path`: an exact path, or
/// `re:<source>`, a JavaScript regular expression tested against the path.
fn skips(pattern: &str, path: &str) -> bool {
    match pattern.strip_prefix("re:") {
        Some(source) => regex::Regex::new(source).is_ok_and(|re| re.is_match(path)),
        None => pattern == path,
    }
}

/// Whether middleware registered on `prefix` runs for `path`. Express and
/// Koa match prefixes; Hono writes them with a wildcard (`/api/*`, `*`).
fn path_prefix_matches(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('*').trim_end_matches('/');
    prefix.is_empty() || path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// What routes ask of every file, gathered in one pass per index: the
/// routers each mount attaches (resolved once, not once per route and
/// level), the project-wide middleware and the Next.js middleware files, in
/// file order (the order the per-route scans found them in).
#[derive(Default)]
pub struct Lookups {
    /// (file, router name) → the mounts attaching it, as (file, index into its mounts).
    mounts: HashMap<(usize, String), Vec<(usize, usize)>>,
    /// Middleware registered on `*`, as (file, index into its middleware).
    project_wide: Vec<(usize, usize)>,
    /// Files with a Next.js middleware (or proxy).
    next_middleware: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_name_that_states_a_gate_is_offered_unseen() {
        for (name, kind) in [
            ("requireUser", GuardKind::Auth),
            ("verify_api_key", GuardKind::Auth),
            ("authenticate", GuardKind::Auth),
            ("auth.ensureSignedIn", GuardKind::Auth),
            ("checkRateLimit", GuardKind::RateLimit),
            ("enforce_quota", GuardKind::RateLimit),
            ("throttle", GuardKind::RateLimit),
        ] {
            assert_eq!(gate_name(name), Some(kind), "{name}");
        }
        for name in ["handleLLMNewToken", "Session", "getSessionTitle", "checkInput", "validate", "tokenize"] {
            assert_eq!(gate_name(name), None, "{name}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(join_paths("/api", "/chat"), "/api/chat");
        assert_eq!(join_paths("", "/chat"), "/chat");
        assert_eq!(join_paths("/v1/", "chat"), "/v1/chat");
        assert!(path_prefix_matches("/api", "/api/chat"));
        assert!(!path_prefix_matches("/api", "/apis"));
        assert!(path_prefix_matches("", "/x"));
        assert!(path_prefix_matches("/api/*", "/api/chat"));
        assert!(path_prefix_matches("*", "/chat"));
        assert!(!path_prefix_matches("/api/*", "/admin/chat"));
    }
}
