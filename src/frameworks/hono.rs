//! Hono: `new Hono()` (or `OpenAPIHono`), routes and middleware registered
//! by calls as in Express, sub-apps mounted by `app.route("/api", sub)`.

use super::{Family, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "hono",
    display: "Hono",
    packages: &["hono"],
    modules: &["hono"],
    router_builders: Some(&["Hono", "OpenAPIHono"]),
    import_prefixes: &["hono"],
    receivers: &[],
    family: Family::Script,
    route_hints: &[r"new\s+Hono"],
    route_file: None,
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: None,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};

/// `app.route("/api", sub)`: how a sub-app is mounted.
pub const MOUNT: &str = "route";
