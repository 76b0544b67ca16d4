//! Starlette route tables: `Starlette(routes=[Route("/x", endpoint), Mount(...)])`
//! and app middleware (`Middleware(RateLimitMiddleware, ...)`). Recognised by
//! its imports; the syntax is read in `src/analysis/starlette.rs`.
//! Decorated Starlette apps are read as FastAPI (`fastapi.rs`).

use super::{Family, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "starlette",
    display: "Starlette",
    packages: &["starlette"],
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["starlette"],
    receivers: &[],
    family: Family::Python,
    route_hints: &[
        r"@\w+(?:\.\w+)*\.(?:route|websocket_route)\s*\(",
        r"(?-u:\b)(?:Route|WebSocketRoute|Mount)\s*\(",
        r"Starlette\s*\(",
        "add_middleware",
    ],
    route_file: None,
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

// The names `src/analysis/starlette.rs` reads.

/// `Starlette(routes=[...], middleware=[...])`: the app and its two tables.
pub const APP: &str = "Starlette";
pub const ROUTES: &str = "routes";
pub const MIDDLEWARE: &str = "middleware";

/// `Route(path, endpoint, methods=[...])`, `WebSocketRoute(path, endpoint)`:
/// a route, answering `GET` unless `methods` says otherwise.
pub const ROUTE: &str = "Route";
pub const WEBSOCKET_ROUTE: &str = "WebSocketRoute";
pub const ENDPOINT: &str = "endpoint";
pub const METHODS: &str = "methods";

/// `Mount(prefix, routes=[...])`: a table under a prefix.
pub const MOUNT: &str = "Mount";

/// A middleware class whose name (lower-cased) holds this limits the rate
/// (`Middleware(RateLimitMiddleware, ...)`).
pub const RATE_LIMIT_WORD: &str = "ratelimit";
