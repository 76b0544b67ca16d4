//! Express: `const app = express()`, `express.Router()`, routes registered
//! by calls (`app.post("/path", ...handlers)`), middleware by `app.use`,
//! applied in registration order to the routes after it on a matching path,
//! routers mounted by `app.use("/api", router)`.

use super::{AuthFix, Family, RateLimitFix, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "express",
    display: "Express",
    packages: &["express"],
    modules: &["express"],
    router_builders: None,
    import_prefixes: &["express"],
    receivers: &[],
    family: Family::Script,
    route_hints: &[r"(?-u:\b)express\s*\(", r"Router\s*\("],
    route_file: None,
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: None,
    next_middleware: false,
    settings: &[],
    auth_fix: Some(AuthFix::Express),
    rate_limit_fix: Some(RateLimitFix::ExpressRateLimit),
};

/// express-rate-limit, whose `rateLimit(...)` the rate-limit fix puts in
/// front of a handler when the project uses it.
pub const RATE_LIMIT_MODULE: &str = "express-rate-limit";
