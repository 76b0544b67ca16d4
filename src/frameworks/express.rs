//! Express: `const app = express()`, `express.Router()`, routes registered
//! by calls (`app.post("/path", ...handlers)`), middleware by `app.use`,
//! applied in registration order to the routes after it on a matching path,
//! routers mounted by `app.use("/api", router)`.

use super::{AuthFix, RateLimitFix, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "express",
    modules: &["express"],
    router_builders: None,
    import_prefixes: &["express"],
    decorator_routes: false,
    unscoped_defaults: false,
    needs_url_configuration: false,
    next_middleware: false,
    settings: &[],
    auth_fix: Some(AuthFix::Express),
    rate_limit_fix: Some(RateLimitFix::ExpressRateLimit),
};
