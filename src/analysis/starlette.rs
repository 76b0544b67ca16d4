//! Starlette route tables: `Starlette(routes=[Route("/ask", ask, methods=["POST"]),
//! Mount("/api", routes=[...])], middleware=[Middleware(AuthenticationMiddleware, ...)])`.
//! FastAPI's decorators are read with the other frameworks (`routes.rs`);
//! this is the declarative form Starlette apps use.

use crate::facts::{EntrypointFact, GuardKind, HandlerRef, MiddlewareFact};
use crate::frameworks::Framework;
use crate::frameworks::starlette::{self, ROUTE_TABLE};
use crate::ir::{Arg, Call, Expr};

use super::Analyzer;

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn starlette_routes(&mut self) {
        if !self.ir.imports.iter().any(|i| Framework::Starlette.imported_as(i.module)) {
            return;
        }
        let walked = self.walked;
        for &(scope, _, call) in &walked.calls {
            if call.callee.last_name() != Some(starlette::APP) {
                continue;
            }
            for arg in &call.args {
                match arg {
                    Arg::Keyword { name: starlette::ROUTES, value: Expr::Array(items, _), .. } => {
                        self.route_table(items, "", scope);
                    }
                    Arg::Keyword { name: starlette::MIDDLEWARE, value: Expr::Array(items, _), .. } => {
                        self.starlette_middleware(items, call);
                    }
                    _ => {}
                }
            }
        }
    }

    /// `Route(path, endpoint, methods=[...])` and `Mount(prefix, routes=[...])`.
    fn route_table(&mut self, items: &'a [Expr<'s>], prefix: &str, scope: crate::ir::ScopeId) {
        for item in items {
            let Expr::Call(call) = item else { continue };
            let Some(Arg::Positional(Expr::Str(path))) = call.args.first() else { continue };
            let path = format!("{}{}", prefix.trim_end_matches('/'), path.value);
            match call.callee.last_name() {
                Some(starlette::ROUTE | starlette::WEBSOCKET_ROUTE) => {
                    let Some(endpoint) =
                        call.args.get(1).map(Arg::value).or_else(|| keyword(call, starlette::ENDPOINT))
                    else {
                        continue;
                    };
                    let handler = self.handler_ref(endpoint, scope);
                    let methods: Vec<String> = match keyword(call, starlette::METHODS) {
                        Some(Expr::Array(methods, _)) => methods
                            .iter()
                            .filter_map(|m| match m {
                                Expr::Str(s) => Some(s.value.to_ascii_uppercase()),
                                _ => None,
                            })
                            .collect(),
                        _ => vec!["GET".to_string()],
                    };
                    let location = self.locate(call.span);
                    for method in methods {
                        self.facts.entrypoints.push(EntrypointFact {
                            framework: Framework::Starlette,
                            method,
                            path: path.clone(),
                            handler: handler.clone(),
                            chain: Vec::new(),
                            router: Some(ROUTE_TABLE.into()),
                            order: 0,
                            location,
                            report_at_handler: false,
                        });
                    }
                }
                Some(starlette::MOUNT) => {
                    if let Some(Expr::Array(routes, _)) = keyword(call, starlette::ROUTES) {
                        self.route_table(routes, &path, scope);
                    }
                }
                _ => {}
            }
        }
    }

    /// App middleware that limits every route (`Middleware(RateLimitMiddleware, ...)`).
    /// `AuthenticationMiddleware` is not a guard: it only tells who the caller
    /// is, and an endpoint without `@requires(...)` still answers anyone.
    fn starlette_middleware(&mut self, items: &'a [Expr<'s>], app: &'a Call<'s>) {
        for item in items {
            let Expr::Call(call) = item else { continue };
            let Some(class) = call.args.first().map(Arg::value).and_then(Expr::last_name) else { continue };
            if !class.to_ascii_lowercase().contains(starlette::RATE_LIMIT_WORD) {
                continue;
            }
            let kind = GuardKind::RateLimit;
            let location = self.locate(call.span);
            self.facts.middleware.push(MiddlewareFact {
                except: Vec::new(),
                router: ROUTE_TABLE.into(),
                framework: None,
                path: String::new(),
                chain: vec![HandlerRef::Guard { kind, name: class.to_string(), location }],
                order: 0,
                location: self.locate(app.span),
            });
        }
    }
}

fn keyword<'a, 's>(call: &'a Call<'s>, name: &str) -> Option<&'a Expr<'s>> {
    call.args.iter().find_map(|a| match a {
        Arg::Keyword { name: n, value, .. } if *n == name => Some(value),
        _ => None,
    })
}
