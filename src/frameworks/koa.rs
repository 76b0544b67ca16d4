//! Koa with `@koa/router` (or `koa-router`): `new Router({ prefix })`,
//! routes by calls, middleware by `app.use` in order, routers mounted by
//! `app.use(router.routes())`; `koaJwt(...).unless({ path })` records the
//! paths a middleware skips.

use super::{Family, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "koa",
    display: "Koa",
    packages: &["koa"],
    modules: &["@koa/router", "koa-router", "koa"],
    router_builders: None,
    import_prefixes: &["koa", "@koa/"],
    receivers: &[],
    family: Family::Script,
    route_hints: &[r"Router\s*\("],
    route_file: None,
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: None,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};

/// `app.use(router.routes())`, `app.use(router.middleware())`: how a
/// koa-router is mounted.
pub const ROUTER_MOUNTS: [&str; 2] = ["routes", "middleware"];
