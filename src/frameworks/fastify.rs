//! Fastify: `Fastify()`, routes by calls with route options (`preHandler`,
//! `config.rateLimit`), hooks (`addHook`) and plugins (`register`), whose
//! instance is the plugin function's parameter. The syntax is read in
//! `src/analysis/fastify.rs`.

use super::Spec;

pub(super) const SPEC: Spec = Spec {
    name: "fastify",
    display: "Fastify",
    packages: &["fastify"],
    modules: &["fastify"],
    router_builders: None,
    import_prefixes: &["fastify", "@fastify/"],
    receivers: &["fastify", "instance"],
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
pub const PLUGIN_CALLS: [&str; 5] = ["register", "addHook", "decorate", "decorateRequest", "route"];

/// Hooks that run before the handler, where authentication and limits go.
pub const HOOKS: [&str; 4] = ["onRequest", "preParsing", "preValidation", "preHandler"];

/// `fastify.register(plugin, { prefix })`: how a plugin is mounted.
pub const REGISTER: &str = "register";
