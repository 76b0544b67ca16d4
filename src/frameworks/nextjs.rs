//! Next.js: app-router route handlers (`app/**/route.ts` exporting `GET`,
//! `POST` ...), pages-router API routes (`pages/api/**`, a default export),
//! server actions (`'use server'`), and the middleware file that runs in
//! front of them (`middleware.ts`, renamed `proxy.ts` in Next.js 16 with the
//! same semantics).
//!
//! Routes are files, not calls: the path conventions below are the
//! recognition. The middleware covers a route of its app (the folder it
//! sits in, or the one above `src/`) where its `config.matcher` matches the
//! route's path ([`middleware_runs_on`]); it is always analysed, since
//! nothing imports it.

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

/// `next.config.js` / `.mjs` / `.ts`: the root of a Next.js app.
pub fn is_config_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_prefix("next.config.").is_some_and(|ext| matches!(ext, "js" | "mjs" | "cjs" | "ts" | "mts"))
}

/// How a script file refers to a server action, for telling whether the
/// action is server code only. Next.js gives an action an ID the browser
/// can call only when client code references it (a `'use client'` module,
/// or a component that hands it to a form or a client component); an
/// action that only server code imports (a route handler calling a helper
/// from an actions file) stays on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionReference {
    /// A component or client module names it: the browser can call it.
    Client,
    /// Server code imports it by name.
    ServerImport,
    /// Server code mentions the name otherwise (or not at all).
    Other,
}

impl ActionReference {
    /// How the file at `path` with `text` refers to the action `name`.
    pub fn of(name: &str, path: &str, text: &str) -> ActionReference {
        let escaped = regex::escape(name);
        let mentions = regex::Regex::new(&format!(r"\b{escaped}\b")).is_ok_and(|word| word.is_match(text));
        if !mentions {
            return ActionReference::Other;
        }
        let component = path.ends_with(".tsx") || path.ends_with(".jsx");
        if component || text.contains("'use client'") || text.contains("\"use client\"") {
            return ActionReference::Client;
        }
        let named_import = regex::Regex::new(&format!(r"import\s+(?:type\s+)?\{{[^}}]*\b{escaped}\b[^}}]*\}}\s*from"));
        if named_import.is_ok_and(|import| import.is_match(text)) {
            ActionReference::ServerImport
        } else {
            ActionReference::Other
        }
    }

    /// Whether an action whose references (in every other script file) are
    /// these is server code only: server code imports it by name and no
    /// client code names it. When nothing imports it, it is not (an import
    /// custodia cannot see may exist).
    pub fn server_only(references: impl IntoIterator<Item = ActionReference>) -> bool {
        let mut imported = false;
        for reference in references {
            match reference {
                ActionReference::Client => return false,
                ActionReference::ServerImport => imported = true,
                ActionReference::Other => {}
            }
        }
        imported
    }
}

/// The folder of the app a middleware file at `path` serves: its own folder,
/// or the one above when it sits in `src/` (`""`: the repository's root).
/// Routes outside that folder belong to another app.
pub fn middleware_app_root(path: &str) -> &str {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    dir.strip_suffix("/src").or_else(|| (dir == "src").then_some("")).unwrap_or(dir)
}

/// The name evidence gives a middleware file: Next.js 16 calls it
/// `proxy.ts`, and the evidence names the file it is.
pub fn middleware_file_name(path: &str) -> &'static str {
    if path.rsplit('/').next().is_some_and(|name| name.starts_with("proxy.")) { "proxy.ts" } else { "middleware.ts" }
}

/// Whether a middleware runs on `path` and protects it: its `config.matcher`
/// patterns (none: every path), then Clerk's route matchers, protected ones
/// (only those paths) or else public ones (every path but those).
pub fn middleware_runs_on(matchers: &[String], protected: &[String], public: &[String], path: &str) -> bool {
    let runs = matchers.is_empty() || matchers.iter().any(|m| matcher_matches(m, path));
    if !runs {
        return false;
    }
    if !protected.is_empty() {
        return protected.iter().any(|m| matcher_matches(m, path));
    }
    !public.iter().any(|m| matcher_matches(m, path))
}

/// Next.js matcher patterns (path-to-regexp style) and Clerk route matchers:
/// `/api/:path*`, `/dashboard(.*)`, `/((?!_next|.*\..*).*)`.
pub fn matcher_matches(pattern: &str, path: &str) -> bool {
    let mut regex = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            // `(?:...)`: a non-capturing group, not a parameter.
            ':' if i >= 2 && chars[i - 1] == '?' && chars[i - 2] == '(' => regex.push(':'),
            ':' => {
                // A named segment: `:path*` (zero or more segments), `:path+`, `:id`.
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                match chars.get(j) {
                    Some('*') => {
                        // `/api/:path*` also matches `/api`.
                        if regex.ends_with('/') {
                            regex.pop();
                            regex.push_str("(?:/.*)?");
                        } else {
                            regex.push_str(".*");
                        }
                        j += 1;
                    }
                    Some('+') => {
                        regex.push_str(".+");
                        j += 1;
                    }
                    Some('?') => {
                        regex.push_str("[^/]*");
                        j += 1;
                    }
                    _ => regex.push_str("[^/]+"),
                }
                i = j;
                continue;
            }
            '(' | ')' | '|' | '?' | '*' | '+' | '[' | ']' | '\\' | '^' | '$' => regex.push(c),
            '.' => {
                // Inside a group `.` is a regex wildcard; in a literal path a dot.
                regex.push('.');
            }
            '{' | '}' => regex.push(c),
            _ => regex.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    regex.push('$');
    // The regex crate has no lookahead; Next.js matchers use one negative
    // lookahead right after a fixed prefix (`/((?!_next|api).*)`). Match
    // without it, then require that the lookahead's body does not match at
    // that point.
    if let Some(start) = regex.find("(?!") {
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in regex[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { return false };
        let main = format!("{}{}", &regex[..start], &regex[end + 1..]);
        // The prefix may open groups the lookahead sits in: close them.
        let prefix = &regex[..start];
        let open = prefix.matches('(').count().saturating_sub(prefix.matches(')').count());
        let excluded = format!("{prefix}(?:{}){}", &regex[start + 3..end], ")".repeat(open));
        let matches = |re: &str| regex::Regex::new(re).is_ok_and(|re| re.is_match(path));
        return matches(&main) && !matches(&excluded);
    }
    regex::Regex::new(&regex).is_ok_and(|re| re.is_match(path))
}

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

    #[test]
    fn next_matchers() {
        assert!(matcher_matches("/api/:path*", "/api/chat"));
        assert!(matcher_matches("/api/:path*", "/api"));
        assert!(!matcher_matches("/api/:path*", "/dashboard"));
        assert!(matcher_matches("/dashboard(.*)", "/dashboard/settings"));
        assert!(matcher_matches("/((?!_next|[^?]*\\.(?:html?|css|js)).*)", "/api/chat"));
        assert!(!matcher_matches("/((?!api|_next).*)", "/api/chat"));
        assert!(matcher_matches("/(api|trpc)(.*)", "/api/chat"));
        assert!(matcher_matches("/((?!_next|.*\\..*).*)", "/api/chat"));
        assert!(!matcher_matches("/((?!_next|.*\\..*).*)", "/_next/static/x"));
        assert!(!matcher_matches("/((?!_next|.*\\..*).*)", "/favicon.ico"));
        assert!(matcher_matches("/((?!api/public).*)", "/api/chat"));
        assert!(!matcher_matches("/((?!api/public).*)", "/api/public/ask"));
    }

    #[test]
    fn middleware_files() {
        assert_eq!(middleware_app_root("middleware.ts"), "");
        assert_eq!(middleware_app_root("src/middleware.ts"), "");
        assert_eq!(middleware_app_root("apps/web/src/proxy.ts"), "apps/web");
        assert_eq!(middleware_app_root("apps/web/middleware.ts"), "apps/web");
        assert_eq!(middleware_file_name("src/proxy.ts"), "proxy.ts");
        assert_eq!(middleware_file_name("middleware.js"), "middleware.ts");
    }
}
