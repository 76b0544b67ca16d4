//! NestJS: controllers (`@Controller("prefix")`) whose methods carry route
//! decorators (`@Post("path")`), guards by `@UseGuards(...)` on the class or
//! the method, and global guards (`APP_GUARD`, `useGlobalGuards`), which
//! are project-wide defaults for NestJS routes. Recognised by its imports;
//! the syntax is read in `src/analysis/nestjs.rs`.

use super::Spec;

pub(super) const SPEC: Spec = Spec {
    name: "nestjs",
    display: "NestJS",
    packages: &["@nestjs/core", "@nestjs/common"],
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["@nestjs/"],
    receivers: &[],
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
