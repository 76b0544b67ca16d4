//! The web frameworks custodia knows, one file each, the way `src/rules/`
//! holds one rule per file.
//!
//! A framework is a [`Framework`], never a string: every place that treats
//! frameworks differently matches on the enum, so adding a variant makes
//! the compiler list each of them. What a framework *is* lives in its file
//! as a [`Spec`]: how it is recognised, the text that may declare its routes,
//! how its middleware and project-wide defaults apply, the files that must
//! always be analysed, and the fix templates for a route without
//! authentication or a rate limit. Beside the spec, its file names the
//! syntax custodia reads (decorators, keywords, mount calls, settings) as
//! constants: the code that reads it (`src/analysis/`), finds it without
//! parsing (`src/prefilter.rs`) and writes fixes (`src/fix/guard.rs`)
//! imports those names instead of spelling them.
//!
//! This module sits below the analysis: it knows names, paths and
//! conventions, and imports nothing of the crate.

pub mod django;
pub mod express;
pub mod fastapi;
pub mod fastify;
pub mod flask;
pub mod hono;
pub mod koa;
pub mod nestjs;
pub mod nextjs;
pub mod starlette;

pub use nextjs::{app_route_path, is_next_middleware, pages_api_path};

/// A web framework, or one of the ways a framework declares routes when the
/// two are told apart downstream (Next.js app routes, pages API routes and
/// server actions; Django views and Django REST framework views).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    /// Next.js app router: `app/**/route.ts`.
    NextJs,
    /// Next.js pages router: `pages/api/**`.
    NextJsPages,
    /// Next.js server actions: `'use server'` functions.
    ServerAction,
    Express,
    Hono,
    Koa,
    Fastify,
    NestJs,
    FastApi,
    Starlette,
    Flask,
    Django,
    /// Django REST framework.
    Drf,
}

/// The registry: every framework, in the order the project lists them.
pub const ALL: [Framework; 13] = [
    Framework::NextJs,
    Framework::NextJsPages,
    Framework::ServerAction,
    Framework::Express,
    Framework::Hono,
    Framework::Koa,
    Framework::Fastify,
    Framework::NestJs,
    Framework::FastApi,
    Framework::Starlette,
    Framework::Flask,
    Framework::Django,
    Framework::Drf,
];

/// What custodia knows of one framework. Each file fills one; every field
/// must be stated, so a new framework cannot forget one.
#[derive(Debug)]
pub struct Spec {
    /// The name in facts, messages and output (`nextjs-pages`, `drf`).
    pub name: &'static str,
    /// The name people know it by (`Next.js`, `Django REST framework`), in
    /// the configuration `custodia init` writes.
    pub display: &'static str,
    /// The packages whose import (`import flask`, `"@nestjs/core"`) tells
    /// `custodia init` the project uses it, matched whole or by their first
    /// dotted segment.
    pub packages: &'static [&'static str],
    /// Modules whose calls build its apps and routers (`express()`,
    /// `APIRouter()`), for frameworks that build them by calls.
    pub modules: &'static [&'static str],
    /// Which calls of those modules build an app or router; `None` when any
    /// call does (`express()`, `express.Router()`, `new Router()`).
    pub router_builders: Option<&'static [&'static str]>,
    /// Module prefixes whose import marks a file as written for it
    /// (`@nestjs/`, `rest_framework`): what the analyses that recognise the
    /// framework by its imports rather than by calls look for.
    pub import_prefixes: &'static [&'static str],
    /// Names its apps and routers conventionally go by beyond the ones every
    /// framework shares ([`CONVENTIONAL_RECEIVERS`]): Fastify's `fastify`
    /// and `instance`, Flask's `bp`.
    pub receivers: &'static [&'static str],
    /// The languages its code is written in.
    pub family: Family,
    /// Regular-expression fragments of text that may declare its routes,
    /// middleware or mounts (`APIRouter`, `@Controller\s*\(`): a file the
    /// prefilter skipped is still analysed when one matches, in a file of
    /// its family. Generous on purpose: a false positive costs one parse, a
    /// miss hides a route.
    pub route_hints: &'static [&'static str],
    /// Whether a path may be one of its route files by its name alone
    /// (Next.js `route.ts`, `pages/api/`), whatever the text.
    pub route_file: Option<fn(&str) -> bool>,
    /// Routes are declared by decorators (`@app.post("/x")`), so a call
    /// `app.post(...)` is not a registration.
    pub decorator_routes: bool,
    /// Project-wide defaults that name no framework (slowapi's
    /// `Limiter(default_limits=...)`) cover its routes.
    pub unscoped_defaults: bool,
    /// The module-level list its URL configuration is read from
    /// (`urlpatterns`): a route exists only when that configuration reaches
    /// it (a Django view class no URL pattern includes serves nothing).
    pub url_configuration: Option<&'static str>,
    /// Next.js `middleware.ts` / `proxy.ts` covers its routes where the
    /// matcher matches.
    pub next_middleware: bool,
    /// Names of module-level settings that configure every route of a
    /// project (`RATELIMIT_DEFAULT`, `REST_FRAMEWORK`); a file holding one is
    /// always analysed, since nothing imports it by name.
    pub settings: &'static [&'static str],
    /// The fix offered for a route without authentication.
    pub auth_fix: Option<AuthFix>,
    /// The fix offered for a route without a rate limit.
    pub rate_limit_fix: Option<RateLimitFix>,
}

/// The languages a framework's code is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Python,
    /// JavaScript and TypeScript.
    Script,
}

/// The authentication check `src/fix/guard.rs` writes into a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFix {
    /// An app-router handler answering `new Response(..., { status: 401 })`.
    NextApp,
    /// A pages-router handler answering `res.status(401)`.
    NextPages,
    /// Express middleware in front of the handler.
    Express,
    /// A FastAPI dependency.
    FastApi,
    /// `@login_required` or a header check with `abort(401)`.
    Flask,
    /// `permission_classes = [IsAuthenticated]`.
    Drf,
}

/// The rate limit `src/fix/guard.rs` puts in front of a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitFix {
    /// `@upstash/ratelimit` in the handler.
    Upstash,
    /// `express-rate-limit` middleware.
    ExpressRateLimit,
    /// A limiter decorator from `module` with a limit written as `limit`;
    /// with `request_module`, the handler gets a `request: Request`
    /// parameter, `Request` imported from that module, if it has none
    /// (slowapi reads the client's address from it).
    PythonLimiter { module: &'static str, limit: &'static str, request_module: Option<&'static str> },
}

impl Framework {
    /// Its description, from its file.
    pub fn spec(self) -> &'static Spec {
        match self {
            Framework::NextJs => &nextjs::APP,
            Framework::NextJsPages => &nextjs::PAGES,
            Framework::ServerAction => &nextjs::SERVER_ACTION,
            Framework::Express => &express::SPEC,
            Framework::Hono => &hono::SPEC,
            Framework::Koa => &koa::SPEC,
            Framework::Fastify => &fastify::SPEC,
            Framework::NestJs => &nestjs::SPEC,
            Framework::FastApi => &fastapi::SPEC,
            Framework::Starlette => &starlette::SPEC,
            Framework::Flask => &flask::SPEC,
            Framework::Django => &django::DJANGO,
            Framework::Drf => &django::DRF,
        }
    }

    /// The name it is written as (`nextjs`, `fastapi`, `drf`).
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// The framework whose apps and routers calls of `module` build.
    pub fn of_module(module: &str) -> Option<Framework> {
        ALL.into_iter().find(|f| f.spec().modules.contains(&module))
    }

    /// The framework a project uses when it imports `module`, by
    /// [`Spec::packages`]: the module itself or its first dotted segment
    /// (`django.urls` → Django).
    pub fn of_package(module: &str) -> Option<Framework> {
        let top = module.split('.').next().unwrap_or_default();
        ALL.into_iter().find(|f| f.spec().packages.iter().any(|p| *p == module || *p == top))
    }

    /// Whether `module` is one of its modules, by [`Spec::import_prefixes`].
    pub fn imported_as(self, module: &str) -> bool {
        self.spec().import_prefixes.iter().any(|prefix| module.starts_with(prefix))
    }

    /// Whether a call of one of its modules, named `name` (`APIRouter`,
    /// `Blueprint`), builds an app or router.
    pub fn builds_router(self, name: &str) -> bool {
        self.spec().router_builders.is_none_or(|names| names.contains(&name))
    }

    /// Whether a project-wide default set for `self` (`None`: for no
    /// framework in particular) covers a route of `route`, whose handler
    /// says it is a view of `view`.
    pub fn default_covers(default: Option<Framework>, route: Framework, view: Option<Framework>) -> bool {
        match default {
            None => route.spec().unscoped_defaults,
            Some(Framework::Drf | Framework::Django) => django::default_covers(default, route, view),
            Some(
                other @ (Framework::NextJs
                | Framework::NextJsPages
                | Framework::ServerAction
                | Framework::Express
                | Framework::Hono
                | Framework::Koa
                | Framework::Fastify
                | Framework::NestJs
                | Framework::FastApi
                | Framework::Starlette
                | Framework::Flask),
            ) => route == other,
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The health-route shape, the same in every framework: a route whose last
/// path segment is one of these (`app.get("/healthz")`, `@app.get("/ready")`,
/// Next.js `app/api/health/route.ts`). The prefilter keeps files that may
/// declare one; the outage-readiness rule counts the routes that do.
pub const HEALTH_SEGMENTS: [&str; 12] = [
    "health",
    "healthz",
    "healthcheck",
    "health-check",
    "health_check",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "ping",
];

/// Names apps and routers are conventionally given in every framework, for
/// receivers the file does not build itself (`export function routes(app) {
/// app.post(...) }`); each framework adds its own ([`Spec::receivers`]).
pub const CONVENTIONAL_RECEIVERS: [&str; 5] = ["app", "router", "api", "server", "routes"];

/// Whether `name` is one apps and routers of some framework conventionally
/// go by.
pub fn is_conventional_receiver(name: &str) -> bool {
    CONVENTIONAL_RECEIVERS.contains(&name) || ALL.iter().any(|f| f.spec().receivers.contains(&name))
}

/// Calls that answer an error status given as their first argument:
/// Flask's `abort(401)`, Express's `res.status(401)` and `res.sendStatus`,
/// FastAPI's `HTTPException(401)`, NestJS's `HttpException`, Koa's
/// `ctx.throw(401)`.
pub const STATUS_FIRST: [&str; 6] = ["abort", "status", "sendStatus", "HTTPException", "HttpException", "throw"];

/// Calls that take the status after the body: Hono's `c.json({...}, 401)`,
/// `new Response(body, { status })`, Koa's `ctx.assert(user, 401)`.
pub const STATUS_AFTER: [&str; 5] = ["json", "text", "body", "Response", "assert"];

/// Route shapes every framework of a family shares, beside each framework's
/// own ([`Spec::route_hints`]): a decorator or a call with an HTTP verb and
/// a path, tRPC procedures, middleware by `.use(`.
const SHARED_ROUTE_HINTS: [(Family, &str); 4] = [
    (Family::Python, r"@\w+(?:\.\w+)*\.(?:get|post|put|patch|delete|head|options)\s*\("),
    (Family::Script, r#"\.(?:get|post|put|patch|delete|del|all|options|head|route|use)\s*\(\s*['"`]/"#),
    (Family::Script, r"\.(?:mutation|query|subscription)\s*\("),
    (Family::Script, r"\.use\s*\("),
];

/// The route shapes of a family, shared and each framework's, as one
/// regular expression's alternatives.
pub fn route_hints(family: Family) -> String {
    let shared = SHARED_ROUTE_HINTS.iter().filter(|(f, _)| *f == family).map(|(_, hint)| *hint);
    let own = ALL.iter().map(|f| f.spec()).filter(|s| s.family == family).flat_map(|s| s.route_hints.iter().copied());
    let mut hints: Vec<&str> = Vec::new();
    for hint in shared.chain(own) {
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    hints.join("|")
}

/// Whether a path is some framework's route file by its name alone.
pub fn is_route_file(path: &str) -> bool {
    ALL.iter().any(|f| f.spec().route_file.is_some_and(|is| is(path)))
}

/// Whether a Python file holds a project-wide setting of some framework
/// (see [`Spec::settings`]).
pub fn holds_project_settings(text: &str) -> bool {
    ALL.iter().flat_map(|f| f.spec().settings).any(|needle| text.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = ALL.iter().map(|f| f.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn modules_name_one_framework() {
        assert_eq!(Framework::of_module("starlette"), Some(Framework::FastApi));
        assert_eq!(Framework::of_module("koa-router"), Some(Framework::Koa));
        assert_eq!(Framework::of_module("openai"), None);
        assert!(Framework::FastApi.builds_router("APIRouter"));
        assert!(!Framework::Flask.builds_router("request"));
        assert!(Framework::Express.builds_router("Router"));
    }

    #[test]
    fn registry_lookups() {
        assert_eq!(Framework::of_package("django.urls"), Some(Framework::Django));
        assert_eq!(Framework::of_package("@nestjs/common"), Some(Framework::NestJs));
        assert_eq!(Framework::of_package("rest_framework"), Some(Framework::Drf));
        assert_eq!(Framework::of_package("openai"), None);
        assert!(
            is_conventional_receiver("app") && is_conventional_receiver("bp") && is_conventional_receiver("instance")
        );
        assert!(!is_conventional_receiver("client"));
        assert!(is_route_file("src/app/api/chat/route.ts") && is_route_file("pages/api/chat.js"));
        assert!(!is_route_file("src/lib/chat.ts"));
    }

    #[test]
    fn route_hints_are_one_expression_per_family() {
        for (family, declares, plain) in [
            (Family::Python, "router = APIRouter(prefix=\"/chat\")", "def slug(text):"),
            (Family::Script, "@Controller(\"chat\")", "export const fmt = 1;"),
        ] {
            let hints = route_hints(family);
            let re = regex::Regex::new(&hints).expect("the route hints are a regular expression");
            assert!(re.is_match(declares), "{family:?}");
            assert!(!re.is_match(plain), "{family:?}");
        }
    }
}
