//! Koa with `@koa/router` (or `koa-router`): `new Router({ prefix })`,
//! routes by calls, middleware by `app.use` in order, routers mounted by
//! `app.use(router.routes())`; `koaJwt(...).unless({ path })` records the
//! paths a middleware skips.

use super::Spec;

pub(super) const SPEC: Spec = Spec {
    name: "koa",
    modules: &["@koa/router", "koa-router", "koa"],
    router_builders: None,
    import_prefixes: &["koa", "@koa/"],
    decorator_routes: false,
    unscoped_defaults: false,
    needs_url_configuration: false,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};
