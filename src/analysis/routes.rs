//! HTTP entrypoints declared in a file, the apps and routers they hang on,
//! and the middleware and mounts between them.
//!
//! - Next.js: `app/**/route.ts` exports (`GET`, `POST` ...), `pages/api/**`
//!   default exports, server actions (`'use server'`), `middleware.ts`;
//! - Express, Hono, Koa routers, Fastify: `app.post("/path", ...handlers)`,
//!   `app.use(...)`, `app.use("/api", router)`, `app.route("/api", sub)`;
//! - FastAPI: `@app.post("/path")`, `APIRouter(prefix=..., dependencies=...)`,
//!   `app.include_router(router, prefix=..., dependencies=...)`;
//! - Flask: `@app.route("/path", methods=[...])`, blueprints,
//!   `register_blueprint`, `@app.before_request`, flask-limiter defaults;
//! - Django and Django REST framework: in `django.rs`.
//!
//! Code that no request reaches (CLI scripts, jobs, workers) declares none of
//! these and is never an entrypoint.
//!
//! What each framework is (its modules, router builders, path conventions)
//! is in `src/frameworks/`; this file reads the syntax that follows it.

use crate::facts::{
    EntrypointFact, ExportTarget, FunctionRef, GuardFact, GuardKind, HandlerRef, MiddlewareFact, MountFact,
    NextMiddlewareFact, RouterFact,
};
use crate::frameworks::{self, Framework, fastapi, fastify, flask, hono, koa, nextjs};
use crate::ir::{Arg, Call, Expr, ImportKind, Prop, ScopeId, ScopeKind, StatementKind, Target};
use crate::lang::Language;
use crate::source::Span;

use super::Analyzer;
use super::flow::ends_with_segments;
use super::objects::ObjRef;
use super::scope::Lookup;

const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const VERBS: [&str; 8] = ["get", "post", "put", "patch", "delete", "all", "options", "head"];

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn route_facts(&mut self) {
        self.nextjs_routes();
        self.server_actions();
        self.router_objects();
        self.registrations();
        self.decorated_routes();
        self.next_middleware();
        if self.language == Language::Python {
            self.settings_defaults();
            self.django_facts();
            self.starlette_routes();
        } else {
            self.nestjs_facts();
        }
    }

    /// Project-wide defaults set in configuration: flask-limiter's
    /// `RATELIMIT_DEFAULT = "100 per hour"` (a class attribute of the config
    /// object or a module constant) limits every route of the app.
    fn settings_defaults(&mut self) {
        for statement in &self.ir.statements {
            let StatementKind::Bind { target: Target::Name(name, _), value, .. } = &statement.kind else { continue };
            if !flask::RATELIMIT_SETTINGS.contains(name) || !is_non_empty_setting(value) {
                continue;
            }
            let location = self.locate(statement.span);
            self.facts.middleware.push(MiddlewareFact {
                except: Vec::new(),
                router: "*".into(),
                path: String::new(),
                chain: vec![HandlerRef::Guard {
                    kind: GuardKind::RateLimit,
                    name: format!("{name} (flask-limiter)"),
                    location,
                }],
                order: 0,
                location,
                framework: Some(Framework::Flask),
            });
        }
    }

    /// The framework this file's imports say it uses, if any.
    fn file_framework(&self) -> Option<Framework> {
        self.ir.imports.iter().find_map(|import| Framework::of_module(import.module))
    }

    // ---------------------------------------------------------- Next.js --

    fn nextjs_routes(&mut self) {
        let path = self.facts.path.clone();
        let ir = self.ir;
        if let Some(route) = frameworks::app_route_path(&path) {
            for export in &ir.exports {
                if !HTTP_METHODS.contains(&export.exported) || export.source.is_some() {
                    continue;
                }
                let (handler, chain, location) = self.exported_handler(export.local, export.span);
                self.facts.entrypoints.push(EntrypointFact {
                    framework: Framework::NextJs,
                    method: export.exported.to_string(),
                    path: route.clone(),
                    handler,
                    chain,
                    router: None,
                    order: 0,
                    location,
                    report_at_handler: false,
                });
            }
        }
        if let Some(route) = frameworks::pages_api_path(&path)
            && let Some(export) = ir.exports.iter().find(|e| e.exported == "default")
        {
            let (handler, chain, location) = self.exported_handler(export.local, export.span);
            self.facts.entrypoints.push(EntrypointFact {
                framework: Framework::NextJsPages,
                method: "*".into(),
                path: route,
                handler,
                chain,
                router: None,
                order: 0,
                location,
                report_at_handler: false,
            });
        }
    }

    /// What an exported route handler is: a function of this file, possibly
    /// wrapped (`export const POST = withAuth(async (req) => ...)`).
    fn exported_handler(
        &mut self,
        local: &'s str,
        span: Span,
    ) -> (HandlerRef, Vec<HandlerRef>, crate::source::Location) {
        let module = 0;
        let mut chain = Vec::new();
        let mut location = self.locate(span);
        let handler = match self.lookup(local, module) {
            Lookup::Function(id) => {
                location = self.function_head(id);
                self.function_index(id).map(|f| HandlerRef::Function(FunctionRef::Local(f)))
            }
            Lookup::Bound(values) => values.last().and_then(|b| match b.value {
                Expr::Function(id, _) => {
                    location = self.function_head(*id);
                    self.function_index(*id).map(|f| HandlerRef::Function(FunctionRef::Local(f)))
                }
                Expr::Call(call) => {
                    // A wrapper: its name may be a guard; the handler is its argument.
                    chain.push(self.handler_ref(&call.callee, module));
                    let inner =
                        call.args.iter().map(Arg::value).find(|v| matches!(v, Expr::Function(..) | Expr::Name(..)))?;
                    if let Expr::Function(id, _) = inner {
                        location = self.function_head(*id);
                    }
                    Some(self.handler_ref(inner, module))
                }
                // `const handler = async (req, res) => {...}; export default handler;`:
                // reported at the function, as when it is exported directly.
                Expr::Name(name, _) => {
                    let function = match self.lookup(name, module) {
                        Lookup::Function(id) => Some(id),
                        Lookup::Bound(values) => values.last().and_then(|v| match v.value {
                            Expr::Function(id, _) => Some(*id),
                            _ => None,
                        }),
                        _ => None,
                    };
                    if let Some(id) = function {
                        location = self.function_head(id);
                    }
                    Some(self.handler_ref(b.value, module))
                }
                _ => None,
            }),
            Lookup::Import(import) => Some(match import.kind {
                ImportKind::Named(name) => HandlerRef::Function(FunctionRef::Import {
                    module: import.module.to_string(),
                    level: import.relative_level,
                    name: name.to_string(),
                }),
                _ => HandlerRef::Unknown(local.to_string()),
            }),
            _ => None,
        };
        (handler.unwrap_or(HandlerRef::Unknown(local.to_string())), chain, location)
    }

    /// The first line of a function, where route findings point.
    pub(super) fn function_head(&self, id: ScopeId) -> crate::source::Location {
        let span = self.ir.scopes[id as usize].span;
        let source = self.lines.source();
        let end = source.get(span.as_range()).and_then(|t| t.find('\n')).map_or(span.end, |n| span.start + n as u32);
        self.locate(Span { start: span.start, end })
    }

    fn server_actions(&mut self) {
        let ir = self.ir;
        let file_actions = ir.directives.contains(&nextjs::SERVER_DIRECTIVE);
        for (id, scope) in ir.scopes.iter().enumerate() {
            let id = id as ScopeId;
            if scope.kind != ScopeKind::Function {
                continue;
            }
            let exported = ir.exports.iter().any(|e| Some(e.local) == scope.name && e.source.is_none());
            let action = (file_actions && exported && scope.parent == Some(0))
                || scope.directives.contains(&nextjs::SERVER_DIRECTIVE);
            if !action {
                continue;
            }
            let Some(index) = self.function_index(id) else { continue };
            let name = scope.name.unwrap_or("action");
            self.facts.entrypoints.push(EntrypointFact {
                framework: Framework::ServerAction,
                method: "ACTION".into(),
                path: name.to_string(),
                handler: HandlerRef::Function(FunctionRef::Local(index)),
                chain: Vec::new(),
                router: None,
                order: 0,
                location: self.function_head(id),
                report_at_handler: false,
            });
        }
    }

    fn next_middleware(&mut self) {
        let path = self.facts.path.clone();
        if !frameworks::is_next_middleware(&path) {
            return;
        }
        let ir = self.ir;
        let guards: Vec<GuardFact> =
            self.facts.guards.iter().filter(|g| g.kind != GuardKind::Logging).cloned().collect();
        let mut matchers = Vec::new();
        let mut public = Vec::new();
        let mut protected = Vec::new();
        let mut applied = guards;
        let auth_middleware = &self.catalog.guards.auth.middleware;
        let mut location = self.locate(Span::new(0, 0));
        for statement in &ir.statements {
            match &statement.kind {
                // export const config = { matcher: [...] }
                StatementKind::Bind {
                    target: Target::Name(nextjs::MIDDLEWARE_CONFIG, _),
                    value: Expr::Object(props, _),
                    ..
                } => {
                    for prop in props {
                        if let Prop::Pair { key: nextjs::MATCHER, value, .. } = prop {
                            value.walk(|e| {
                                if let Expr::Str(s) = e {
                                    matchers.push(s.value.to_string());
                                }
                            });
                        }
                    }
                }
                // const isPublicRoute = createRouteMatcher(["/sign-in(.*)", ...])
                StatementKind::Bind { target: Target::Name(name, _), value: Expr::Call(call), .. }
                    if call.callee.last_name() == Some(nextjs::ROUTE_MATCHER) =>
                {
                    let mut patterns = Vec::new();
                    call.args.iter().for_each(|a| {
                        a.value().walk(|e| {
                            if let Expr::Str(s) = e {
                                patterns.push(s.value.to_string());
                            }
                        })
                    });
                    if nextjs::PUBLIC_MATCHER_WORDS.iter().any(|w| name.to_ascii_lowercase().contains(w)) {
                        public.extend(patterns);
                    } else {
                        protected.extend(patterns);
                    }
                }
                _ => {}
            }
            // export default clerkMiddleware(...) / withAuth(...) / authMiddleware(...)
            if let StatementKind::Bind { target: Target::Name("default", _), value, .. } = &statement.kind {
                location = self.locate(statement.span);
                if let Expr::Call(call) = value {
                    let name = call.callee.last_name().unwrap_or("");
                    // clerkMiddleware protects only what its callback protects;
                    // withAuth (NextAuth) and authMiddleware protect everything.
                    if auth_middleware.iter().any(|m| m == name) && name != nextjs::CALLBACK_MIDDLEWARE {
                        applied.push(GuardFact {
                            kind: GuardKind::Auth,
                            function: None,
                            name: format!("{name}()"),
                            location: self.locate(call.span),
                        });
                    }
                }
            }
        }
        // `export { default } from "next-auth/middleware"`
        if ir
            .exports
            .iter()
            .any(|e| e.exported == "default" && e.source.is_some_and(|s| s.starts_with(nextjs::NEXT_AUTH)))
        {
            applied.push(GuardFact {
                kind: GuardKind::Auth,
                function: None,
                name: nextjs::NEXT_AUTH_MIDDLEWARE.into(),
                location: self.locate(Span::new(0, 0)),
            });
        }
        let health = self.health_paths();
        if applied.is_empty() && matchers.is_empty() && health.is_empty() {
            return;
        }
        self.facts.next_middleware =
            Some(NextMiddlewareFact { matchers, guards: applied, public, protected, health, location });
    }

    /// The health-check paths a middleware compares the request's path with:
    /// `pathname.startsWith("/ping")`, `pathname === "/healthz"`. A
    /// middleware that branches on one answers it (or lets it through to the
    /// route that does) before authentication runs.
    fn health_paths(&self) -> Vec<(String, crate::source::Location)> {
        static COMPARED: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r#"(?:startsWith\(\s*|===?\s*|endsWith\(\s*)["'`](/[A-Za-z0-9_./-]*)["'`]"#).ok()
        });
        let Some(compared) = COMPARED.as_ref() else { return Vec::new() };
        let source = self.lines.source();
        let mut out = Vec::new();
        for caps in compared.captures_iter(source) {
            let Some(path) = caps.get(1) else { continue };
            let last = path.as_str().trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if frameworks::HEALTH_SEGMENTS.contains(&last.to_ascii_lowercase().as_str()) {
                let span = Span::new(path.start().saturating_sub(1), path.end() + 1);
                out.push((path.as_str().to_string(), self.locate(span)));
            }
        }
        out
    }

    // ------------------------------------- Express, Hono, Koa, Fastify ... --

    /// `const app = express()`, `const router = express.Router()`,
    /// `app = FastAPI()`, `router = APIRouter(prefix="/chat")`, `bp = Blueprint(...)`.
    fn router_objects(&mut self) {
        let ir = self.ir;
        for statement in &ir.statements {
            let StatementKind::Bind { target: Target::Name(name, _), value, .. } = &statement.kind else { continue };
            let Expr::Call(call) = value else { continue };
            let Some(framework) = self.router_framework(call, statement.scope) else { continue };
            let (prefix, chain) = self.prefix_and_dependencies(&call.args, statement.scope);
            self.facts.routers.push(RouterFact {
                name: name.to_string(),
                framework,
                prefix,
                chain,
                location: self.locate(statement.span),
                plugin: None,
            });
        }
        // Exported routers, for mounts in other files.
        for index in 0..self.facts.routers.len() {
            let name = self.facts.routers[index].name.clone();
            let is_default = self.default_export_is(&name);
            for export in self.facts.exports.iter_mut() {
                let default_other =
                    export.name == "default" && matches!(export.target, ExportTarget::Other) && is_default;
                if export.name == name || default_other {
                    export.target = ExportTarget::Router(index as u32);
                }
            }
        }
    }

    /// The path prefix and the dependencies a router or a mount declares:
    /// `APIRouter(prefix=..., dependencies=[...])`, `include_router(r,
    /// prefix=..., dependencies=[...])`, `Blueprint(url_prefix=...)`, koa-router
    /// `new Router({ prefix: "/api" })`.
    fn prefix_and_dependencies(&mut self, args: &'a [Arg<'s>], scope: ScopeId) -> (String, Vec<HandlerRef>) {
        let mut prefix = String::new();
        let mut chain = Vec::new();
        for arg in args {
            match arg {
                Arg::Keyword { name: "prefix" | flask::URL_PREFIX, value: Expr::Str(s), .. } => {
                    prefix = s.value.to_string()
                }
                Arg::Keyword { name: fastapi::DEPENDENCIES, value: Expr::Array(items, _), .. } => {
                    chain.extend(items.iter().filter_map(|i| self.dependency_ref(i, scope)));
                }
                Arg::Positional(Expr::Object(props, _)) => {
                    for prop in props {
                        if let Prop::Pair { key: "prefix", value: Expr::Str(s), .. } = prop {
                            prefix = s.value.to_string();
                        }
                    }
                }
                _ => {}
            }
        }
        (prefix, chain)
    }

    fn default_export_is(&self, name: &str) -> bool {
        self.ir.exports.iter().any(|e| e.exported == "default" && e.local == name)
            || self.ir.statements.iter().any(|s| {
                matches!(&s.kind, StatementKind::Bind { target: Target::Name("default", _), value: Expr::Name(n, _), .. } if *n == name)
                    || matches!(&s.kind, StatementKind::Bind { target: Target::Member { object: Expr::Name("module", _), property: "exports", .. }, value: Expr::Name(n, _), .. } if *n == name)
            })
    }

    fn router_framework(&mut self, call: &'a Call<'s>, scope: ScopeId) -> Option<Framework> {
        match self.resolve(&call.callee, scope, 0) {
            ObjRef::Module { module, path, local } => {
                let framework = Framework::of_module(module)?;
                let name = path.last().copied().or(local).unwrap_or("");
                framework.builds_router(name).then_some(framework)
            }
            _ => None,
        }
    }

    fn is_router(&self, name: &str) -> Option<Framework> {
        self.facts.routers.iter().find(|r| r.name == name).map(|r| r.framework)
    }

    /// `X.post(path, ...)`, `X.use(...)`, `X.route(...)`,
    /// `X.include_router(...)`, `X.register_blueprint(...)`, `X.before_request(f)`.
    fn registrations(&mut self) {
        let walked = self.walked;
        let file_framework = self.file_framework();
        for (order, &(scope, _, call)) in walked.calls.iter().enumerate() {
            let order = order as u32;
            // Python: `Limiter(key_func, app=app, default_limits=["100/hour"])`
            // limits the routes of `app`; built without an app (the factory
            // pattern, slowapi), every route of the project.
            if call.callee.last_name() == Some(flask::LIMITER)
                && call.args.iter().any(|a| matches!(a, Arg::Keyword { name: flask::DEFAULT_LIMITS, .. }))
            {
                let app = call.args.iter().find_map(|a| match a {
                    Arg::Keyword { name: flask::LIMITER_APP, value: Expr::Name(app, _), .. } => Some(app.to_string()),
                    _ => None,
                });
                self.facts.middleware.push(MiddlewareFact {
                    except: Vec::new(),
                    router: app.unwrap_or_else(|| "*".into()),
                    path: String::new(),
                    chain: vec![HandlerRef::Guard {
                        kind: GuardKind::RateLimit,
                        name: "Limiter(default_limits=...)".into(),
                        location: self.locate(call.span),
                    }],
                    order,
                    location: self.locate(call.span),
                    framework: None,
                });
                continue;
            }
            let Expr::Member { object, property, .. } = &call.callee else { continue };
            let Expr::Name(router, _) = &**object else { continue };
            let first_path = match call.args.first() {
                Some(Arg::Positional(Expr::Str(s))) => Some(s.value),
                // Express: `router.post(['/', '/:id'], ...)` serves each
                // path; one entrypoint, under the most specific (longest)
                // of them, so that a route is reported once.
                Some(Arg::Positional(Expr::Array(items, _))) => items
                    .iter()
                    .filter_map(|item| match item {
                        Expr::Str(s) => Some(s.value),
                        _ => None,
                    })
                    .max_by_key(|path| path.len()),
                _ => None,
            };
            let known = self.is_router(router);
            let framework = match (known, file_framework) {
                (Some(f), _) => f,
                // A conventional name with a route-looking first argument.
                (None, Some(f))
                    if frameworks::is_conventional_receiver(router)
                        && first_path.is_some_and(|p| p.starts_with('/')) =>
                {
                    f
                }
                // A Fastify plugin's instance: `fastify.register(...)`, `fastify.addHook(...)`.
                (None, Some(Framework::Fastify)) if fastify::PLUGIN_CALLS.contains(property) => Framework::Fastify,
                (None, _)
                    if known.is_none()
                        && frameworks::is_conventional_receiver(router)
                        && first_path.is_some_and(|p| p.starts_with('/'))
                        && matches!(*property, "get" | "post" | "put" | "patch" | "delete")
                        && self.language.is_js_family() =>
                {
                    Framework::Express
                }
                _ => continue,
            };
            if framework.spec().decorator_routes && VERBS.contains(property) {
                continue; // decorators, handled below
            }
            let location = self.locate(Span {
                start: call.span.start,
                end: call.args.first().map_or(call.callee.span().end, |a| a.value().span().end),
            });
            if framework == Framework::Fastify && self.fastify_call(router, property, call, scope, order, location) {
                continue;
            }
            match *property {
                verb if VERBS.contains(&verb) => {
                    let Some(path) = first_path else { continue };
                    if framework == Framework::Fastify {
                        self.plugin_router(router, scope);
                    }
                    let mut refs = Vec::new();
                    let mut options = None;
                    for arg in call.args.iter().skip(1) {
                        match arg.value() {
                            // Fastify route options: `{ preHandler: [auth], config: { rateLimit } }`
                            Expr::Object(props, _) => options = Some(props.as_slice()),
                            value => refs.push(self.handler_ref(value, scope)),
                        }
                    }
                    let Some(handler) = refs.pop() else { continue };
                    if let Some(props) = options {
                        let chain = self.fastify_route_options(props, scope, &handler);
                        refs.extend(chain);
                    }
                    let method = if verb == "all" { "*".to_string() } else { verb.to_ascii_uppercase() };
                    self.facts.entrypoints.push(EntrypointFact {
                        framework,
                        method,
                        path: path.to_string(),
                        handler,
                        chain: refs,
                        router: Some(router.to_string()),
                        order,
                        location,
                        report_at_handler: false,
                    });
                }
                "use" | hono::MOUNT | fastify::REGISTER => {
                    let path = first_path.unwrap_or("").to_string();
                    let start = usize::from(first_path.is_some());
                    let mut chain = Vec::new();
                    for arg in call.args.iter().skip(start) {
                        let value = arg.value();
                        match self.router_child(value, scope) {
                            Some((child, child_local)) => self.facts.mounts.push(MountFact {
                                router: router.to_string(),
                                path: path.clone(),
                                child,
                                child_local,
                                chain: std::mem::take(&mut chain),
                                order,
                                location,
                            }),
                            None => chain.push(self.handler_ref(value, scope)),
                        }
                    }
                    if !chain.is_empty() {
                        let except = self.unless_paths(&call.args);
                        self.facts.middleware.push(MiddlewareFact {
                            except,
                            router: router.to_string(),
                            path,
                            chain,
                            order,
                            location,
                            framework: None,
                        });
                    }
                }
                fastapi::INCLUDE_ROUTER | flask::REGISTER_BLUEPRINT => {
                    let Some(first) = call.args.first() else { continue };
                    let Some((child, child_local)) = self.router_child(first.value(), scope) else { continue };
                    let (path, chain) = self.prefix_and_dependencies(&call.args, scope);
                    self.facts.mounts.push(MountFact {
                        router: router.to_string(),
                        path,
                        child,
                        child_local,
                        chain,
                        order,
                        location,
                    });
                }
                flask::BEFORE_REQUEST => {
                    if let Some(arg) = call.args.first() {
                        let chain = vec![self.handler_ref(arg.value(), scope)];
                        self.facts.middleware.push(MiddlewareFact {
                            except: Vec::new(),
                            router: router.to_string(),
                            path: String::new(),
                            chain,
                            order,
                            location,
                            framework: None,
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// A router being mounted: a local router, an imported name (the
    /// project index decides whether it is a router), `router.routes()`.
    pub(super) fn router_child(
        &mut self,
        value: &'a Expr<'s>,
        scope: ScopeId,
    ) -> Option<(FunctionRef, Option<String>)> {
        match value {
            Expr::Name(name, _) => {
                if self.is_router(name).is_some() {
                    return Some((
                        FunctionRef::Import { module: String::new(), level: 0, name: name.to_string() },
                        Some(name.to_string()),
                    ));
                }
                match self.lookup(name, scope) {
                    Lookup::Import(import)
                        if import.kind != ImportKind::SideEffect && Framework::of_module(import.module).is_none() =>
                    {
                        let imported = match import.kind {
                            ImportKind::Named(n) => n,
                            _ => "default",
                        };
                        Some((
                            FunctionRef::Import {
                                module: import.module.to_string(),
                                level: import.relative_level,
                                name: imported.to_string(),
                            },
                            None,
                        ))
                    }
                    // `const chat = require("./routes/chat")`
                    Lookup::Bound(values) => values.iter().find_map(|b| match (b.value, b.part) {
                        (Expr::Call(call), part) => match (&call.callee, call.args.first()) {
                            (Expr::Name("require", _), Some(Arg::Positional(Expr::Str(module)))) => Some((
                                FunctionRef::Import {
                                    module: module.value.to_string(),
                                    level: 0,
                                    name: part.flatten().unwrap_or("default").to_string(),
                                },
                                None,
                            )),
                            _ => None,
                        },
                        _ => None,
                    }),
                    _ => None,
                }
            }
            // `router.routes()` (koa-router), the router defined here or imported.
            Expr::Call(call) => match &call.callee {
                Expr::Member { object, property, .. } if koa::ROUTER_MOUNTS.contains(property) => match &**object {
                    Expr::Name(name, _) if self.is_router(name).is_some() => Some((
                        FunctionRef::Import { module: String::new(), level: 0, name: name.to_string() },
                        Some(name.to_string()),
                    )),
                    object @ Expr::Name(..) => self.router_child(object, scope),
                    _ => None,
                },
                _ => None,
            },
            // `app.include_router(chat.router)`, `app.use("/api", chat.router)`:
            // `chat` a module of the project.
            Expr::Member { object, property, .. } => match &**object {
                Expr::Name(root, _) => {
                    let (module, level) = self.module_object(root, scope)?;
                    Some((FunctionRef::Import { module, level, name: property.to_string() }, None))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// One step of a route's handling.
    pub(crate) fn handler_ref(&mut self, value: &'a Expr<'s>, scope: ScopeId) -> HandlerRef {
        match value {
            Expr::Function(id, _) => match self.function_index(*id) {
                Some(index) => HandlerRef::Function(FunctionRef::Local(index)),
                None => HandlerRef::Unknown("function".into()),
            },
            Expr::Call(call) => {
                // `koaJwt({...}).unless({ path })`: the guard, with the paths
                // it skips recorded on the middleware.
                if let Expr::Member { object, property: "unless", .. } = &call.callee
                    && let Expr::Call(inner) = &**object
                    && let Some(kind) = self.guard_call_kind(inner, scope)
                {
                    let name = format!("{}()", self.snippet(inner.callee.span(), 40));
                    return HandlerRef::Guard { kind, name, location: self.locate(call.span) };
                }
                // An inline guard: `rateLimit({...})`, `passport.authenticate("jwt")`.
                if let Some(kind) = self.guard_call_kind(call, scope) {
                    return HandlerRef::Guard {
                        kind,
                        name: format!("{}()", self.snippet(call.callee.span(), 40)),
                        location: self.locate(call.span),
                    };
                }
                // A factory returning middleware: `requireRole("admin")` → the factory.
                match self.function_ref(&call.callee, scope) {
                    Some(function) => HandlerRef::Function(function),
                    None => HandlerRef::Unknown(self.snippet(value.span(), 40)),
                }
            }
            _ => {
                if let Some(path) = value.dotted().map(|d| d.join("."))
                    && let Some(kind) = self.guard_name_kind(&path)
                {
                    return HandlerRef::Guard { kind, name: path, location: self.locate(value.span()) };
                }
                // A name bound to an inline guard: `const limiter = rateLimit({...})`.
                if let Expr::Name(name, _) = value
                    && let Lookup::Bound(values) = self.lookup(name, scope)
                {
                    for bound in values {
                        if let Expr::Call(call) = bound.value
                            && let Some(kind) = self.guard_call_kind(call, scope)
                        {
                            return HandlerRef::Guard {
                                kind,
                                name: name.to_string(),
                                location: self.locate(bound.value.span()),
                            };
                        }
                    }
                }
                match self.function_ref(value, scope) {
                    Some(function) => HandlerRef::Function(function),
                    None => HandlerRef::Unknown(self.snippet(value.span(), 40)),
                }
            }
        }
    }

    /// The control a call used as middleware applies: by its name
    /// (`rateLimit(...)`, `passport.authenticate("jwt")`) or by the module
    /// the function comes from (`pinoHttp()` from `pino-http`).
    pub(crate) fn guard_call_kind(&self, call: &Call<'s>, scope: ScopeId) -> Option<GuardKind> {
        call.callee
            .dotted()
            .and_then(|path| self.guard_name_kind(&path.join(".")))
            .or_else(|| self.guard_module_kind(&call.callee, scope))
    }

    /// The control a function provides because of the module it is
    /// imported (or required) from.
    pub(super) fn guard_module_kind(&self, callee: &Expr<'s>, scope: ScopeId) -> Option<GuardKind> {
        let root = callee.dotted()?.first().copied()?;
        let module = match self.lookup(root, scope) {
            Lookup::Import(import) => import.module,
            Lookup::Bound(values) => values.iter().find_map(|b| match b.value {
                Expr::Call(call) => match (&call.callee, call.args.first()) {
                    (Expr::Name("require", _), Some(Arg::Positional(Expr::Str(module)))) => Some(module.value),
                    _ => None,
                },
                _ => None,
            })?,
            _ => return None,
        };
        let guards = &self.catalog.guards;
        let listed = |modules: &[String]| modules.iter().any(|m| m == module);
        if listed(&guards.auth.modules) {
            Some(GuardKind::Auth)
        } else if listed(&guards.rate_limit.modules) {
            Some(GuardKind::RateLimit)
        } else if listed(&guards.logging.modules) {
            Some(GuardKind::Logging)
        } else {
            None
        }
    }

    pub(super) fn guard_name_kind(&self, path: &str) -> Option<GuardKind> {
        let guards = &self.catalog.guards;
        let hit = |names: &[String]| names.iter().any(|n| ends_with_segments(path, n));
        if hit(&guards.auth.middleware) || hit(&guards.auth.calls) || hit(&guards.auth.decorators) {
            Some(GuardKind::Auth)
        } else if hit(&guards.rate_limit.middleware) || hit(&guards.rate_limit.calls) {
            Some(GuardKind::RateLimit)
        } else {
            None
        }
    }

    /// The paths a middleware skips: `koaJwt({...}).unless({ path: ["/health", /^\/public/] })`.
    fn unless_paths(&self, args: &[Arg<'s>]) -> Vec<String> {
        let mut out = Vec::new();
        for arg in args {
            let Expr::Call(call) = arg.value() else { continue };
            if !matches!(&call.callee, Expr::Member { property: "unless", .. }) {
                continue;
            }
            let Some(Expr::Object(props, _)) = call.args.first().map(Arg::value) else { continue };
            for prop in props {
                let Prop::Pair { key: "path", value, .. } = prop else { continue };
                let items = match value {
                    Expr::Array(items, _) => items.iter().collect::<Vec<_>>(),
                    other => vec![other],
                };
                for item in items {
                    match item {
                        Expr::Str(s) => out.push(s.value.to_string()),
                        // A regular expression literal, kept as written.
                        Expr::Other(_, span) => {
                            let text = self.lines.source().get(span.as_range()).unwrap_or("");
                            if let Some(body) = text.strip_prefix('/').and_then(|t| t.rsplit_once('/')).map(|(b, _)| b)
                            {
                                out.push(format!("re:{body}"));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        out
    }

    /// An item of `dependencies=[...]`: `Depends(verify_key)`.
    fn dependency_ref(&mut self, item: &'a Expr<'s>, scope: ScopeId) -> Option<HandlerRef> {
        let Expr::Call(call) = item else { return None };
        match self.dependency_target(call, scope)? {
            crate::facts::DependencyTarget::Function(function) => Some(HandlerRef::Function(function)),
            crate::facts::DependencyTarget::Guard(kind, _) => {
                Some(HandlerRef::Guard { kind, name: self.snippet(call.span, 60), location: self.locate(call.span) })
            }
        }
    }

    // ---------------------------------------------------- FastAPI, Flask --

    fn decorated_routes(&mut self) {
        if self.language != Language::Python {
            return;
        }
        let ir = self.ir;
        let file_framework = self.file_framework();
        for (id, scope) in ir.scopes.iter().enumerate() {
            let id = id as ScopeId;
            if scope.kind != ScopeKind::Function {
                continue;
            }
            for decorator in &scope.decorators {
                let (callee, call) = match decorator {
                    Expr::Call(call) => (&call.callee, Some(&**call)),
                    other => (other, None),
                };
                let Expr::Member { object, property, .. } = callee else { continue };
                let Expr::Name(router, _) = &**object else { continue };
                let framework = match (self.is_router(router), file_framework) {
                    (Some(f), _) => f,
                    (None, Some(f)) if frameworks::is_conventional_receiver(router) => f,
                    _ => continue,
                };
                let Some(index) = self.function_index(id) else { continue };
                let location = self.locate(decorator.span());
                if *property == flask::BEFORE_REQUEST {
                    self.facts.middleware.push(MiddlewareFact {
                        except: Vec::new(),
                        router: router.to_string(),
                        path: String::new(),
                        chain: vec![HandlerRef::Function(FunctionRef::Local(index))],
                        order: 0,
                        location,
                        framework: None,
                    });
                    continue;
                }
                let Some(call) = call else { continue };
                let path = match call.args.first() {
                    Some(Arg::Positional(Expr::Str(s))) => s.value.to_string(),
                    _ => continue,
                };
                let method = match *property {
                    "get" | "post" | "put" | "patch" | "delete" | "options" | "head" => property.to_ascii_uppercase(),
                    fastapi::WEBSOCKET => "WEBSOCKET".into(),
                    flask::ROUTE | fastapi::API_ROUTE => {
                        let listed = call.args.iter().find_map(|a| match a {
                            Arg::Keyword { name: "methods", value: Expr::Array(items, _), .. } => {
                                items.iter().find_map(|i| match i {
                                    Expr::Str(s) => Some(s.value.to_ascii_uppercase()),
                                    _ => None,
                                })
                            }
                            _ => None,
                        });
                        listed.unwrap_or_else(|| if *property == flask::ROUTE { "GET".into() } else { "*".into() })
                    }
                    _ => continue,
                };
                self.facts.entrypoints.push(EntrypointFact {
                    framework,
                    method,
                    path,
                    handler: HandlerRef::Function(FunctionRef::Local(index)),
                    chain: Vec::new(),
                    router: Some(router.to_string()),
                    order: call.span.start,
                    location,
                    report_at_handler: false,
                });
            }
        }
    }
}

/// A setting with a value: a non-empty string or list (an environment
/// lookup counts; an empty string does not).
fn is_non_empty_setting(value: &Expr<'_>) -> bool {
    match value {
        Expr::Str(s) => !s.value.trim().is_empty(),
        Expr::Array(items, _) => !items.is_empty(),
        _ => true,
    }
}
