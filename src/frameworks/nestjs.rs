//! NestJS: controllers (`@Controller("prefix")`) whose methods carry route
//! decorators (`@Post("path")`), guards by `@UseGuards(...)` on the class or
//! the method, and global guards (`APP_GUARD`, `useGlobalGuards`), which
//! are project-wide defaults for NestJS routes. Recognised by its imports;
//! the syntax is read in `src/analysis/nestjs.rs`.

use super::{Family, Spec};

pub(super) const SPEC: Spec = Spec {
    name: "nestjs",
    display: "NestJS",
    packages: &["@nestjs/core", "@nestjs/common"],
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["@nestjs/"],
    receivers: &[],
    family: Family::Script,
    route_hints: &[
        r"@(?:Controller|Get|Post|Put|Patch|Delete|All|UseGuards|WebSocketGateway|SubscribeMessage|Module)\s*\(",
    ],
    route_file: None,
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: None,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};

/// Method decorators that declare a route, and their HTTP method.
pub const ROUTE_DECORATORS: [(&str, &str); 7] = [
    ("Get", "GET"),
    ("Post", "POST"),
    ("Put", "PUT"),
    ("Patch", "PATCH"),
    ("Delete", "DELETE"),
    ("All", "*"),
    ("Options", "OPTIONS"),
];

/// Words in a guard's name that say it authenticates.
pub const AUTH_GUARD_WORDS: [&str; 12] = [
    "auth",
    "jwt",
    "session",
    "clerk",
    "passport",
    "apikey",
    "firebase",
    "supabase",
    "roles",
    "permission",
    "bearer",
    "token",
];

/// Decorators by which a handler opts out of a guard applied around it.
pub const AUTH_OPT_OUTS: [&str; 4] = ["Public", "IsPublic", "AllowAnonymous", "SkipAuth"];

// The names `src/analysis/nestjs.rs` reads, beside the tables above.

/// `@Controller("prefix")` or `@Controller({ path: "prefix" })`.
pub const CONTROLLER: &str = "Controller";
pub const CONTROLLER_PATH: &str = "path";

/// `@WebSocketGateway({ namespace: "chat" })` (or with a port first): a
/// class whose `@SubscribeMessage("ask")` methods answer WebSocket
/// messages, guarded as a controller's routes are.
pub const GATEWAY: &str = "WebSocketGateway";
pub const GATEWAY_NAMESPACE: &str = "namespace";
/// A gateway method's decorator, and the method its entrypoints carry.
pub const SUBSCRIBE_MESSAGE: (&str, &str) = ("SubscribeMessage", "WEBSOCKET");

/// `@UseGuards(JwtAuthGuard)` on a controller or a method.
pub const USE_GUARDS: &str = "UseGuards";

/// `app.useGlobalGuards(new JwtAuthGuard())` and a module's
/// `{ provide: APP_GUARD, useClass: ThrottlerGuard }`: guards on every route.
pub const USE_GLOBAL_GUARDS: &str = "useGlobalGuards";
pub const PROVIDE: &str = "provide";
pub const APP_GUARD: &str = "APP_GUARD";
pub const USE_CLASS: &str = "useClass";
pub const USE_EXISTING: &str = "useExisting";

/// `@nestjs/passport`'s `AuthGuard("jwt")`: authentication whatever its argument.
pub const AUTH_GUARD: &str = "AuthGuard";

/// Words in a guard's name (lower-cased) that say it limits the rate
/// (`ThrottlerGuard`, `RateLimitGuard`).
pub const RATE_LIMIT_GUARD_WORDS: [&str; 2] = ["throttl", "ratelimit"];

/// `@SkipThrottle()`: a handler opting out of the throttler.
pub const SKIP_THROTTLE: &str = "SkipThrottle";
