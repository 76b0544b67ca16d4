//! Fastify: `Fastify()`, routes by calls with route options (`preHandler`,
//! `config.rateLimit`), hooks (`addHook`) and plugins (`register`), whose
//! instance is the plugin function's parameter. The syntax is read in
//! `src/analysis/fastify.rs`.

use super::Spec;

pub(super) const SPEC: Spec = Spec {
    name: "fastify",
    modules: &["fastify"],
    router_builders: None,
    import_prefixes: &["fastify", "@fastify/"],
    decorator_routes: false,
    unscoped_defaults: false,
    needs_url_configuration: false,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};

/// Calls on a plugin's instance that make a conventional name (`fastify`,
/// `instance`) a Fastify router even when the file builds none.
pub const PLUGIN_CALLS: [&str; 5] = ["register", "addHook", "decorate", "decorateRequest", "route"];
