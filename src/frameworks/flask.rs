//! Flask: `Flask()`, `Blueprint(url_prefix=...)`, routes by decorators
//! (`@app.route("/path", methods=[...])`), `register_blueprint`,
//! `@app.before_request` middleware, and flask-limiter's defaults
//! (`RATELIMIT_DEFAULT` in the configuration, `Limiter(default_limits=...)`),
//! which cover every route of the app.

use super::{AuthFix, RateLimitFix, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "flask",
    modules: &["flask"],
    router_builders: Some(&["Flask", "Blueprint"]),
    import_prefixes: &["flask"],
    decorator_routes: true,
    unscoped_defaults: true,
    needs_url_configuration: false,
    next_middleware: false,
    settings: &["RATELIMIT_DEFAULT"],
    auth_fix: Some(AuthFix::Flask),
    rate_limit_fix: Some(RateLimitFix::PythonLimiter {
        module: "flask_limiter",
        limit: "10 per minute",
        request_parameter: false,
    }),
};

/// The settings that set flask-limiter's default limit.
pub const RATELIMIT_SETTINGS: [&str; 2] = ["RATELIMIT_DEFAULT", "RATELIMIT_DEFAULTS"];
