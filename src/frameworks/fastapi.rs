//! FastAPI: `FastAPI()`, `APIRouter(prefix=..., dependencies=[...])`, routes
//! by decorators (`@app.post("/path")`), routers mounted by
//! `include_router(router, prefix=..., dependencies=[...])`, dependencies
//! followed to their definitions. Starlette's own `Starlette()` and
//! `Router()` objects take the same decorator shape, so the `starlette`
//! module builds FastAPI-shaped routers here; Starlette's route tables are
//! `starlette.rs`. Default limits that name no framework (slowapi's
//! `Limiter(default_limits=...)`) cover its routes.

use super::{AuthFix, Family, RateLimitFix, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "fastapi",
    display: "FastAPI",
    packages: &["fastapi"],
    modules: &["fastapi", "starlette"],
    router_builders: Some(&["FastAPI", "APIRouter", "Starlette", "Router"]),
    import_prefixes: &["fastapi"],
    receivers: &[],
    family: Family::Python,
    route_hints: &[
        r"@\w+(?:\.\w+)*\.(?:api_route|websocket)\s*\(",
        "APIRouter",
        "include_router",
        "add_api_route",
        r"FastAPI\s*\(",
        "add_middleware",
    ],
    route_file: None,
    decorator_routes: true,
    unscoped_defaults: true,
    url_configuration: None,
    next_middleware: false,
    settings: &[],
    auth_fix: Some(AuthFix::FastApi),
    rate_limit_fix: Some(RateLimitFix::PythonLimiter {
        module: "slowapi",
        limit: "10/minute",
        request_module: Some(MODULE),
    }),
};

/// The markers of a FastAPI dependency (`Depends(get_current_user)`,
/// `Annotated[User, Depends(current_user)]`), followed to their definitions.
pub const DEPENDENCY_MARKERS: [&str; 2] = ["Depends", "Security"];

/// The marker whose dependency is a security scheme (`Security(oauth2, scopes=[...])`).
pub const SECURITY_MARKER: &str = "Security";

/// `app.include_router(router, prefix=..., dependencies=[...])`: a mount.
pub const INCLUDE_ROUTER: &str = "include_router";

/// The keyword of the dependencies a router, a mount or a route declares.
pub const DEPENDENCIES: &str = "dependencies";

/// `@app.api_route("/path", methods=[...])`: a route answering every method
/// unless `methods` says otherwise.
pub const API_ROUTE: &str = "api_route";

/// `@app.websocket("/path")`: a WebSocket route.
pub const WEBSOCKET: &str = "websocket";

/// The module the fixes import `Depends`, `Header`, `HTTPException` and
/// `Request` from.
pub const MODULE: &str = "fastapi";

/// What a project's signed-in-user dependency is conventionally called,
/// tried in this order by the authentication fix.
pub const CURRENT_USER_DEPENDENCIES: [&str; 3] = ["get_current_user", "get_current_active_user", "require_user"];
