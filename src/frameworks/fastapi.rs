//! FastAPI: `FastAPI()`, `APIRouter(prefix=..., dependencies=[...])`, routes
//! by decorators (`@app.post("/path")`), routers mounted by
//! `include_router(router, prefix=..., dependencies=[...])`, dependencies
//! followed to their definitions. Starlette's own `Starlette()` and
//! `Router()` objects take the same decorator shape, so the `starlette`
//! module builds FastAPI-shaped routers here; Starlette's route tables are
//! `starlette.rs`. Default limits that name no framework (slowapi's
//! `Limiter(default_limits=...)`) cover its routes.

use super::{AuthFix, RateLimitFix, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "fastapi",
    modules: &["fastapi", "starlette"],
    router_builders: Some(&["FastAPI", "APIRouter", "Starlette", "Router"]),
    import_prefixes: &["fastapi"],
    decorator_routes: true,
    unscoped_defaults: true,
    needs_url_configuration: false,
    next_middleware: false,
    settings: &[],
    auth_fix: Some(AuthFix::FastApi),
    rate_limit_fix: Some(RateLimitFix::PythonLimiter {
        module: "slowapi",
        limit: "10/minute",
        request_parameter: true,
    }),
};

/// The markers of a FastAPI dependency (`Depends(get_current_user)`,
/// `Annotated[User, Depends(current_user)]`), followed to their definitions.
pub const DEPENDENCY_MARKERS: [&str; 2] = ["Depends", "Security"];

/// The marker whose dependency is a security scheme (`Security(oauth2, scopes=[...])`).
pub const SECURITY_MARKER: &str = "Security";
