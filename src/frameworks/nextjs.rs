//! Next.js: app-router route handlers (`app/**/route.ts` exporting `GET`,
//! `POST` ...), pages-router API routes (`pages/api/**`, a default export),
//! server actions (`'use server'`), and the middleware file that runs in
//! front of them (`middleware.ts`, renamed `proxy.ts` in Next.js 16 with the
//! same semantics).
//!
//! Routes are files, not calls: the path conventions below are the
//! recognition. The middleware covers a route where its `config.matcher`
//! matches the route's path; it is always analysed, since nothing imports it.

use super::{AuthFix, Family, RateLimitFix, Spec};

pub(super) const APP: Spec = Spec {
    name: "nextjs",
    display: "Next.js",
    packages: &["next"],
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["next/"],
    receivers: &[],
    family: Family::Script,
    route_hints: &[
        r#"['"]use server['"]"#,
        r"export\s+(?:async\s+)?function\s+(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)(?-u:\b)",
        r"export\s+const\s+(?:GET|POST|PUT|PATCH|DELETE)(?-u:\b)",
    ],
    route_file: Some(may_be_route_file),
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: None,
    next_middleware: true,
    settings: &[],
    auth_fix: Some(AuthFix::NextApp),
    rate_limit_fix: Some(RateLimitFix::Upstash),
};

pub(super) const PAGES: Spec =
    Spec { name: "nextjs-pages", auth_fix: Some(AuthFix::NextPages), rate_limit_fix: None, ..APP };

pub(super) const SERVER_ACTION: Spec =
    Spec { name: "server-action", next_middleware: false, auth_fix: None, rate_limit_fix: None, ..APP };

/// `app/api/chat/route.ts` → `/api/chat`; route groups `(marketing)` and
/// parallel slots `@modal` leave the path, private folders `_lib` are not
/// routes. `None` for files that are not app-router route handlers.
pub fn app_route_path(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    if !matches!(file, "route.ts" | "route.tsx" | "route.js" | "route.jsx" | "route.mjs") {
        return None;
    }
    let at = if path.starts_with("app/") { 0 } else { path.find("/app/")? + 1 };
    let inner = &path[at + 4..path.len() - file.len()];
    let mut segments = Vec::new();
    for segment in inner.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('_') {
            return None;
        }
        if (segment.starts_with('(') && segment.ends_with(')')) || segment.starts_with('@') {
            continue;
        }
        segments.push(segment);
    }
    Some(format!("/{}", segments.join("/")))
}

/// `pages/api/chat/[id].ts` → `/api/chat/[id]`; `index` files name their folder.
pub fn pages_api_path(path: &str) -> Option<String> {
    let at = if path.starts_with("pages/api/") { 0 } else { path.find("/pages/api/")? + 1 };
    let rest = &path[at + "pages/".len()..];
    let stem = rest.rsplit_once('.').map_or(rest, |(stem, _)| stem);
    let stem = stem.strip_suffix("/index").unwrap_or(stem);
    Some(format!("/{stem}"))
}

/// Whether a script may be a route file by its name alone: a route handler
/// (`route.ts`), the middleware (`middleware.ts`, `proxy.ts`), a pages-router
/// API route (`pages/api/`).
fn may_be_route_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    matches!(stem, "route" | "middleware" | "proxy") || path.contains("pages/api/")
}

/// The middleware file of a Next.js app: `middleware.ts` (or `.js`), or
/// `proxy.ts` (or `.js`), its name from Next.js 16 on, at the root of the
/// app or of its `src/`. Never inside the `app/` or `pages/` trees, nor in a
/// `lib/` or `routes/` folder, where a file of that name is ordinary code
/// (an Express middleware, an HTTP proxy). The one definition both the
/// scan (which always analyses this file) and the analysis (which reads its
/// matchers) use.
pub fn is_next_middleware(path: &str) -> bool {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    if !matches!(file, "middleware.ts" | "middleware.js" | "proxy.ts" | "proxy.js") {
        return false;
    }
    !dir.split('/').any(|segment| matches!(segment, "app" | "pages" | "lib" | "routes"))
}

/// `export const config = { matcher: [...] }`: the paths the middleware
/// runs on.
pub const MIDDLEWARE_CONFIG: &str = "config";
pub const MATCHER: &str = "matcher";

/// Clerk's `createRouteMatcher([...])`, whose patterns are public or
/// protected by the name they are bound to (`isPublicRoute`).
pub const ROUTE_MATCHER: &str = "createRouteMatcher";

/// Words in the name a matcher is bound to (lower-cased) that make its
/// patterns public (`isPublicRoute`, `ignoredRoutes`); any other name
/// protects them.
pub const PUBLIC_MATCHER_WORDS: [&str; 2] = ["public", "ignored"];

/// Clerk's `clerkMiddleware(...)` protects only what its callback protects,
/// unlike the auth middleware that protects everything it runs on.
pub const CALLBACK_MIDDLEWARE: &str = "clerkMiddleware";

/// NextAuth's package: `export { default } from "next-auth/middleware"`
/// protects every route the middleware runs on.
pub const NEXT_AUTH: &str = "next-auth";
pub const NEXT_AUTH_MIDDLEWARE: &str = "next-auth/middleware";

/// The auth libraries the authentication fix follows when the project uses
/// them: Clerk (`auth()` from its server entry) and Supabase's server client.
pub const CLERK: &str = "@clerk/nextjs";
pub const CLERK_SERVER: &str = "@clerk/nextjs/server";
pub const SUPABASE_SSR: &str = "@supabase/ssr";

/// Upstash's limiter, which the rate-limit fix calls when the project has one.
pub const UPSTASH_RATELIMIT: &str = "@upstash/ratelimit";

/// The directive that makes a function, or every exported function of a
/// file, a server action.
pub const SERVER_DIRECTIVE: &str = "use server";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(app_route_path("app/api/chat/route.ts").as_deref(), Some("/api/chat"));
        assert_eq!(app_route_path("src/app/(app)/api/threads/[id]/route.ts").as_deref(), Some("/api/threads/[id]"));
        assert_eq!(app_route_path("apps/web/app/api/route.ts").as_deref(), Some("/api"));
        assert_eq!(app_route_path("app/_lib/route.ts"), None);
        assert_eq!(app_route_path("app/api/chat/page.tsx"), None);
        assert_eq!(pages_api_path("pages/api/chat/index.ts").as_deref(), Some("/api/chat"));
        assert_eq!(pages_api_path("src/pages/api/summarize.js").as_deref(), Some("/api/summarize"));
    }

    #[test]
    fn middleware_and_proxy() {
        assert!(is_next_middleware("middleware.ts"));
        assert!(is_next_middleware("src/middleware.ts"));
        assert!(is_next_middleware("apps/web/middleware.js"));
        assert!(is_next_middleware("proxy.ts"));
        assert!(is_next_middleware("src/proxy.js"));
        assert!(!is_next_middleware("src/lib/middleware.ts"));
        assert!(!is_next_middleware("lib/proxy.ts"));
        assert!(!is_next_middleware("app/api/middleware.ts"));
        assert!(!is_next_middleware("src/pages/middleware.ts"));
        assert!(!is_next_middleware("server/routes/middleware.js"));
        assert!(!is_next_middleware("middleware.py"));
        assert!(!is_next_middleware("src/middleware/index.ts"));
    }
}
