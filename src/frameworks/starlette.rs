//! Starlette route tables: `Starlette(routes=[Route("/x", endpoint), Mount(...)])`
//! and app middleware (`Middleware(RateLimitMiddleware, ...)`). Recognised by
//! its imports; the syntax is read in `src/analysis/starlette.rs`.
//! Decorated Starlette apps are read as FastAPI (`fastapi.rs`).

use super::Spec;

pub(super) const SPEC: Spec = Spec {
    name: "starlette",
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["starlette"],
    decorator_routes: false,
    unscoped_defaults: false,
    needs_url_configuration: false,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};
