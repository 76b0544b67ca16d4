//! NestJS controllers: `@Controller("assistant")` classes whose methods
//! carry `@Get(...)`, `@Post(...)` ...; guards from `@UseGuards(...)` on the
//! class (every route of the controller) or the method, `@Throttle(...)`,
//! global guards (`{ provide: APP_GUARD, useClass: ThrottlerGuard }`,
//! `app.useGlobalGuards(new JwtAuthGuard())`), and what a handler opts out
//! of (`@SkipThrottle()`, `@Public()`).
//!
//! `@UseGuards(X)` counts as authentication only when `X` is one:
//! `AuthGuard("jwt")`, or a guard whose name says it authenticates
//! (`JwtAuthGuard`, `ClerkGuard`, `ApiKeyGuard`, `RolesGuard`); a feature
//! flag guard (`AiFeatureGuard`) stands in nobody's way.

use crate::facts::{EntrypointFact, FunctionRef, GuardFact, GuardKind, HandlerRef, MiddlewareFact, RouterFact};
use crate::frameworks::Framework;
use crate::frameworks::nestjs::{self, AUTH_GUARD_WORDS, AUTH_OPT_OUTS, ROUTE_DECORATORS};
use crate::ir::{Arg, Expr, Prop, ScopeId, ScopeKind};
use crate::source::Location;

use super::Analyzer;

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn nestjs_facts(&mut self) {
        if !self.ir.imports.iter().any(|i| Framework::NestJs.imported_as(i.module)) {
            return;
        }
        self.controllers();
        self.global_guards();
    }

    fn controllers(&mut self) {
        let ir = self.ir;
        for (id, scope) in ir.scopes.iter().enumerate() {
            let id = id as ScopeId;
            if scope.kind != ScopeKind::Class {
                continue;
            }
            let Some(class) = scope.name else { continue };
            let Some((controller, key)) = scope.decorators.iter().find_map(|d| match d {
                Expr::Call(call) => match call.callee.last_name() {
                    Some(nestjs::CONTROLLER) => Some((call, nestjs::CONTROLLER_PATH)),
                    Some(nestjs::GATEWAY) => Some((call, nestjs::GATEWAY_NAMESPACE)),
                    _ => None,
                },
                _ => None,
            }) else {
                continue;
            };
            // `@Controller("chat")`, `@Controller({ path: "chat" })`,
            // `@WebSocketGateway(8080, { namespace: "chat" })`.
            let prefix = controller
                .args
                .iter()
                .find_map(|arg| match arg.value() {
                    Expr::Str(s) => Some(s.value.to_string()),
                    Expr::Object(props, _) => props.iter().find_map(|p| match p {
                        Prop::Pair { key: k, value: Expr::Str(s), .. } if *k == key => Some(s.value.to_string()),
                        _ => None,
                    }),
                    _ => None,
                })
                .unwrap_or_default();
            // Guards on the class apply to every route of the controller.
            let chain = self.use_guards(&scope.decorators);
            let class_opts_out = opt_outs(&scope.decorators);
            self.facts.routers.push(RouterFact {
                name: class.to_string(),
                framework: Framework::NestJs,
                prefix,
                chain,
                location: self.locate(scope.span),
                plugin: None,
            });
            let methods: Vec<ScopeId> = ir
                .scopes
                .iter()
                .enumerate()
                .filter(|(_, s)| s.parent == Some(id) && s.kind == ScopeKind::Function)
                .map(|(i, _)| i as ScopeId)
                .collect();
            for method in methods {
                let Some(function) = self.function_index(method) else { continue };
                let decorators = &ir.scopes[method as usize].decorators;
                for decorator in decorators {
                    let Expr::Call(call) = decorator else { continue };
                    let Some(name) = call.callee.last_name() else { continue };
                    let Some((_, verb)) =
                        ROUTE_DECORATORS.iter().chain([&nestjs::SUBSCRIBE_MESSAGE]).find(|(d, _)| *d == name)
                    else {
                        continue;
                    };
                    let path = match call.args.first().map(Arg::value) {
                        Some(Expr::Str(s)) => s.value.to_string(),
                        _ => String::new(),
                    };
                    self.facts.entrypoints.push(EntrypointFact {
                        framework: Framework::NestJs,
                        method: verb.to_string(),
                        path,
                        handler: HandlerRef::Function(FunctionRef::Local(function)),
                        chain: Vec::new(),
                        router: Some(class.to_string()),
                        order: 0,
                        location: self.locate(decorator.span()),
                        report_at_handler: false,
                    });
                }
                // Method-level guards run after the class's: they are part of the handler.
                for step in self.use_guards(decorators) {
                    if let HandlerRef::Guard { kind, name, location } = step {
                        self.facts.guards.push(GuardFact { kind, function: Some(function), name, location });
                    }
                }
                let fact = &mut self.facts.functions[function as usize];
                fact.opts_out.extend(class_opts_out.iter().copied());
                fact.opts_out.extend(opt_outs(decorators));
            }
        }
    }

    /// The guards of `@UseGuards(...)` decorators, each classified.
    fn use_guards(&self, decorators: &[Expr<'s>]) -> Vec<HandlerRef> {
        let mut out = Vec::new();
        for decorator in decorators {
            let Expr::Call(call) = decorator else { continue };
            if call.callee.last_name() != Some(nestjs::USE_GUARDS) {
                continue;
            }
            for arg in &call.args {
                if let Some(kind) = guard_class_kind(arg.value()) {
                    let name = format!("@UseGuards({})", self.snippet(arg.value().span(), 40));
                    out.push(HandlerRef::Guard { kind, name, location: self.locate(decorator.span()) });
                }
            }
        }
        out
    }

    /// `{ provide: APP_GUARD, useClass: ThrottlerGuard }` in a module's
    /// providers, `app.useGlobalGuards(new JwtAuthGuard())`.
    fn global_guards(&mut self) {
        let walked = self.walked;
        let mut found: Vec<(GuardKind, String, Location)> = Vec::new();
        for &(_, _, call) in &walked.calls {
            let Some(name) = call.callee.last_name() else { continue };
            if name == nestjs::USE_GLOBAL_GUARDS {
                for arg in &call.args {
                    if let Some(kind) = guard_class_kind(arg.value()) {
                        let text = self.snippet(arg.value().span(), 40);
                        found.push((kind, format!("useGlobalGuards({text})"), self.locate(call.span)));
                    }
                }
            }
            for arg in &call.args {
                arg.value().walk(|e| {
                    let Expr::Object(props, span) = e else { return };
                    let provides_guard = props
                        .iter()
                        .any(|p| matches!(p, Prop::Pair { key: nestjs::PROVIDE, value, .. } if value.last_name() == Some(nestjs::APP_GUARD)));
                    if !provides_guard {
                        return;
                    }
                    for prop in props {
                        if let Prop::Pair { key: nestjs::USE_CLASS | nestjs::USE_EXISTING, value, .. } = prop
                            && let Some(kind) = guard_class_kind(value) {
                                let class = value.last_name().unwrap_or("guard");
                                found.push((kind, format!("APP_GUARD {class}"), self.locate(*span)));
                            }
                    }
                });
            }
        }
        for (kind, name, location) in found {
            self.facts.middleware.push(MiddlewareFact {
                except: Vec::new(),
                router: "*".into(),
                framework: Some(Framework::NestJs),
                path: String::new(),
                chain: vec![HandlerRef::Guard { kind, name, location }],
                order: 0,
                location,
            });
        }
    }
}

/// What a guard class (or `AuthGuard("jwt")`) controls, judged by its name.
fn guard_class_kind(expr: &Expr<'_>) -> Option<GuardKind> {
    let (name, called) = match expr {
        // `AuthGuard("jwt")`, and `new JwtAuthGuard()` (lowered as a call).
        Expr::Call(call) => (call.callee.last_name()?, true),
        other => (other.last_name()?, false),
    };
    let lower = name.to_ascii_lowercase();
    if nestjs::RATE_LIMIT_GUARD_WORDS.iter().any(|w| lower.contains(w)) {
        Some(GuardKind::RateLimit)
    } else if (called && name == nestjs::AUTH_GUARD) || AUTH_GUARD_WORDS.iter().any(|w| lower.contains(w)) {
        Some(GuardKind::Auth)
    } else {
        None
    }
}

/// `@SkipThrottle()`, `@Public()`.
fn opt_outs(decorators: &[Expr<'_>]) -> Vec<GuardKind> {
    let mut out = Vec::new();
    for decorator in decorators {
        let callee = match decorator {
            Expr::Call(call) => &call.callee,
            other => other,
        };
        match callee.last_name() {
            Some(nestjs::SKIP_THROTTLE) => out.push(GuardKind::RateLimit),
            Some(name) if AUTH_OPT_OUTS.contains(&name) => out.push(GuardKind::Auth),
            _ => {}
        }
    }
    out
}
