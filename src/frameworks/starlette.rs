//! Starlette route tables: `Starlette(routes=[Route("/x", endpoint), Mount(...)])`
//! and app middleware (`Middleware(RateLimitMiddleware, ...)`). Recognised by
//! its imports; the syntax is read in `src/analysis/starlette.rs`.
//! Decorated Starlette apps are read as FastAPI (`fastapi.rs`).

use super::Spec;

pub(super) const SPEC: Spec = Spec {
    name: "starlette",
    display: "Starlette",
    packages: &["starlette"],
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["starlette"],
    receivers: &[],
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: None,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};

/// The name under which a Starlette app's own table is recorded as a router.
pub const ROUTE_TABLE: &str = "starlette:routes";
