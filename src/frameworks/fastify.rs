//! Fastify: `Fastify()`, routes by calls with route options (`preHandler`,
//! `config.rateLimit`), hooks (`addHook`) and plugins (`register`), whose
//! instance is the plugin function's parameter. The syntax is read in
//! `src/analysis/fastify.rs`.

use super::{Family, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "fastify",
    display: "Fastify",
    packages: &["fastify"],
    modules: &["fastify"],
    router_builders: None,
    import_prefixes: &["fastify", "@fastify/"],
    receivers: &["fastify", "instance"],
    family: Family::Script,
    route_hints: &[r"\.route\s*\(\s*\{", r"\.register\s*\("],
    route_file: None,
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: None,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};

/// Calls on a plugin's instance that make a conventional name (`fastify`,
/// `instance`) a Fastify router even when the file builds none.
pub const PLUGIN_CALLS: [&str; 5] = [REGISTER, ADD_HOOK, DECORATE, DECORATE_REQUEST, ROUTE];

// The names `src/analysis/fastify.rs` reads.

/// `fastify.addHook("preHandler", check)`: a hook on every route of the plugin.
pub const ADD_HOOK: &str = "addHook";

/// `fastify.decorate("authenticate", fn)`: a name later hooks refer to.
pub const DECORATE: &str = "decorate";
pub const DECORATE_REQUEST: &str = "decorateRequest";

/// `fastify.route({ method, url, handler, ...options })`: a route by options.
pub const ROUTE: &str = "route";
pub const METHOD: &str = "method";
pub const URL: &str = "url";
pub const PATH: &str = "path";
pub const HANDLER: &str = "handler";

/// Options of `register`: `{ prefix: "/api" }` mounts the plugin there;
/// `{ global: false }` keeps a limiter plugin off the routes after it.
pub const PREFIX: &str = "prefix";
pub const GLOBAL: &str = "global";

/// A route's `config: { rateLimit: {...} }` (or `false`, opting out).
pub const CONFIG: &str = "config";
pub const RATE_LIMIT: &str = "rateLimit";

/// Hooks that run before the handler, where authentication and limits go.
pub const HOOKS: [&str; 4] = ["onRequest", "preParsing", "preValidation", "preHandler"];

/// `fastify.register(plugin, { prefix })`: how a plugin is mounted.
pub const REGISTER: &str = "register";
