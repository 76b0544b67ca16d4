//! Flask: `Flask()`, `Blueprint(url_prefix=...)`, routes by decorators
//! (`@app.route("/path", methods=[...])`), `register_blueprint`,
//! `@app.before_request` middleware, and flask-limiter's defaults
//! (`RATELIMIT_DEFAULT` in the configuration, `Limiter(default_limits=...)`),
//! which cover every route of the app.

use super::{AuthFix, Family, RateLimitFix, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "flask",
    display: "Flask",
    packages: &["flask"],
    modules: &["flask"],
    router_builders: Some(&["Flask", "Blueprint"]),
    import_prefixes: &["flask"],
    receivers: &["bp"],
    family: Family::Python,
    route_hints: &[
        r"@\w+(?:\.\w+)*\.route\s*\(",
        "add_url_rule",
        "register_blueprint",
        r"Blueprint\s*\(",
        r"Flask\s*\(",
    ],
    route_file: None,
    decorator_routes: true,
    unscoped_defaults: true,
    url_configuration: None,
    next_middleware: false,
    settings: &["RATELIMIT_DEFAULT"],
    auth_fix: Some(AuthFix::Flask),
    rate_limit_fix: Some(RateLimitFix::PythonLimiter {
        module: "flask_limiter",
        limit: "10 per minute",
        request_module: None,
    }),
};

/// The settings that set flask-limiter's default limit.
pub const RATELIMIT_SETTINGS: [&str; 2] = ["RATELIMIT_DEFAULT", "RATELIMIT_DEFAULTS"];

/// flask-limiter's constructor, the keyword of its default limits and the
/// keyword naming the app they limit: `Limiter(key_func, app=app,
/// default_limits=["100/hour"])`. slowapi, FastAPI's limiter, copies that
/// constructor; built without an app (the factory pattern, slowapi) its
/// defaults limit every route of the project.
pub const LIMITER: &str = "Limiter";
pub const DEFAULT_LIMITS: &str = "default_limits";
pub const LIMITER_APP: &str = "app";

/// `@app.before_request` / `app.before_request(f)`: middleware in front of
/// every route of the app or blueprint.
pub const BEFORE_REQUEST: &str = "before_request";

/// `app.register_blueprint(bp, url_prefix=...)`: a mount.
pub const REGISTER_BLUEPRINT: &str = "register_blueprint";

/// The keyword of a blueprint's or a mount's path prefix.
pub const URL_PREFIX: &str = "url_prefix";

/// `@app.route("/path", methods=[...])`: a route answering `GET` unless
/// `methods` says otherwise.
pub const ROUTE: &str = "route";

/// The module the fixes import `abort` and `request` from.
pub const MODULE: &str = "flask";

/// Flask-Login, whose `@login_required` the authentication fix uses when the
/// project does.
pub const LOGIN_MODULE: &str = "flask_login";
