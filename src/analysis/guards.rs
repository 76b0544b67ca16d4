//! Authentication, rate limiting and logging found in place, function by
//! function: calls (`await auth()`, `ratelimit.limit(ip)`, `logger.info(...)`),
//! decorators (`@login_required`, `@limiter.limit("5/minute")`), base classes
//! (`LoginRequiredMixin`), 401/403/429 answers, and FastAPI dependencies
//! (`Depends(get_current_user)`), which the project index follows to their
//! definition to decide whether they authenticate.

use crate::catalog::GuardSpec;
use crate::facts::{DependencyFact, DependencyTarget, GuardFact, GuardKind};
use crate::frameworks::fastapi::{self, DEPENDENCY_MARKERS, SECURITY_MARKER};
use crate::frameworks::{self, django};
use crate::ir::{Arg, Call, Expr, Lit, Prop, ScopeId, ScopeKind, StatementKind};

use super::Analyzer;
use super::flow::ends_with_segments;
use super::scope::Lookup;

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn guard_facts(&mut self) {
        let walked = self.walked;
        let guards = &self.catalog.guards;
        let mut facts = Vec::new();
        // Names bound to an object a guard library builds (`new Ratelimit(...)`):
        // only calls on them need the object check.
        let guard_objects: std::collections::HashSet<&str> = self
            .ir
            .statements
            .iter()
            .filter_map(|s| match &s.kind {
                StatementKind::Bind { target: crate::ir::Target::Name(name, _), value: Expr::Call(built), .. }
                    if built.callee.last_name().is_some_and(|n| {
                        guards.auth.objects.iter().chain(&guards.rate_limit.objects).any(|o| o == n)
                    }) =>
                {
                    Some(*name)
                }
                _ => None,
            })
            .collect();
        // Names bound to an instance of a limiter class the project wrote
        // (`limiter = UsageRateLimiter(...)`): only calls on them are looked up.
        let guard_instances: std::collections::HashSet<&str> = self
            .ir
            .statements
            .iter()
            .filter_map(|s| match &s.kind {
                StatementKind::Bind { target: crate::ir::Target::Name(name, _), value: Expr::Call(built), .. }
                    if built
                        .callee
                        .last_name()
                        .is_some_and(|n| is_guard_class(n, &guards.rate_limit.class_suffixes)) =>
                {
                    Some(*name)
                }
                _ => None,
            })
            .collect();
        let tails = self.catalog.guard_tails();
        for &(scope, _, call) in &walked.calls {
            let function = self.function_index(scope);
            let name = || format!("{}()", self.snippet(call.callee.span(), 40));
            let path = call.callee.dotted().unwrap_or_default();
            let named = path.last().is_some_and(|last| tails.contains(*last));
            let on_object = path.len() >= 2 && guard_objects.contains(path[0]);
            let joined = named.then(|| path.join("."));
            let joined = joined.as_deref();
            if (named || on_object) && self.matches_calls(&guards.auth, &path, joined, scope) {
                facts.push(GuardFact {
                    kind: GuardKind::Auth,
                    function,
                    name: name(),
                    location: self.locate(call.span),
                });
            }
            let signed = joined.is_some_and(|j| guards.auth.signatures.iter().any(|c| ends_with_segments(j, c)));
            if signed || self.is_signature_method(call, scope) {
                facts.push(GuardFact {
                    kind: GuardKind::Auth,
                    function,
                    name: format!("{} verifies the webhook signature", name()),
                    location: self.locate(call.span),
                });
            }
            if (named || on_object) && self.matches_calls(&guards.rate_limit, &path, joined, scope) {
                facts.push(GuardFact {
                    kind: GuardKind::RateLimit,
                    function,
                    name: name(),
                    location: self.locate(call.span),
                });
            }
            if self.is_log_call(call, scope) {
                facts.push(GuardFact {
                    kind: GuardKind::Logging,
                    function,
                    name: name(),
                    location: self.locate(call.span),
                });
            }
            for (kind, spec) in [(GuardKind::Auth, &guards.auth), (GuardKind::RateLimit, &guards.rate_limit)] {
                let on_instance = path.first().is_some_and(|first| guard_instances.contains(first));
                if let Some(how) = self
                    .raised_error(call, spec, scope)
                    .or_else(|| on_instance.then(|| self.guard_class_call(call, spec, scope)).flatten())
                {
                    facts.push(GuardFact { kind, function, name: how, location: self.locate(call.span) });
                }
                if let Some(status) = answered_status(call, &spec.statuses) {
                    facts.push(GuardFact {
                        kind,
                        function,
                        name: format!("answers {status}"),
                        location: self.locate(call.span),
                    });
                }
            }
        }
        // Decorators and base classes.
        let ir = self.ir;
        for (id, scope) in ir.scopes.iter().enumerate() {
            let id = id as ScopeId;
            for decorator in &scope.decorators {
                let mut callee = match decorator {
                    Expr::Call(call) => &call.callee,
                    other => other,
                };
                // Django `@method_decorator(login_required, name="dispatch")`:
                // the wrapped decorator is the guard.
                if let Expr::Call(call) = decorator
                    && callee.last_name() == Some(django::METHOD_DECORATOR)
                {
                    callee = match call.args.first().map(Arg::value) {
                        Some(Expr::Call(inner)) => &inner.callee,
                        Some(other) => other,
                        None => continue,
                    };
                }
                let Some(path) = callee.dotted().map(|d| d.join(".")) else { continue };
                // DRF `@permission_classes([IsAuthenticated])`, `@throttle_classes([UserRateThrottle])`.
                if let (Expr::Call(call), django::PERMISSION_CLASSES | django::THROTTLE_CLASSES) =
                    (decorator, path.as_str())
                {
                    let names: Vec<&str> = call.args.iter().flat_map(|a| names_in(a.value())).collect();
                    for (kind, spec) in [(GuardKind::Auth, &guards.auth), (GuardKind::RateLimit, &guards.rate_limit)] {
                        if let Some(name) = names.iter().find(|n| spec.permissions.iter().any(|p| p == *n)) {
                            for function in self.functions_of(id) {
                                facts.push(GuardFact {
                                    kind,
                                    function: Some(function),
                                    name: name.to_string(),
                                    location: self.locate(decorator.span()),
                                });
                            }
                        }
                    }
                    continue;
                }
                for (kind, spec) in [(GuardKind::Auth, &guards.auth), (GuardKind::RateLimit, &guards.rate_limit)] {
                    if spec.decorators.iter().any(|d| ends_with_segments(&path, d)) {
                        for function in self.functions_of(id) {
                            facts.push(GuardFact {
                                kind,
                                function: Some(function),
                                name: format!("@{path}"),
                                location: self.locate(decorator.span()),
                            });
                        }
                    }
                }
            }
            if scope.kind == ScopeKind::Class {
                self.class_guards(id, &mut facts);
            }
        }
        // Guards found earlier (a call that records itself) stand.
        self.facts.guards.extend(facts);
        self.dependency_facts();
    }

    /// The function a decorator or a class guard applies to: the decorated
    /// function, or every method of a decorated class.
    fn functions_of(&self, scope: ScopeId) -> Vec<u32> {
        let ir = self.ir;
        match ir.scopes.get(scope as usize).map(|s| s.kind) {
            Some(ScopeKind::Function) => self.function_index(scope).into_iter().collect(),
            Some(ScopeKind::Class) => ir
                .scopes
                .iter()
                .enumerate()
                .filter(|(_, s)| s.parent == Some(scope) && s.kind == ScopeKind::Function)
                .filter_map(|(i, _)| self.function_index(i as ScopeId))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `class ChatView(LoginRequiredMixin, View)`, DRF
    /// `permission_classes = [IsAuthenticated]`, `throttle_classes = [...]`.
    fn class_guards(&self, class: ScopeId, facts: &mut Vec<GuardFact>) {
        let guards = &self.catalog.guards;
        let ir = self.ir;
        for statement in ir.statements.iter().filter(|s| s.scope == class) {
            let (names, attribute) = match &statement.kind {
                // Base classes (lowered as an evaluation in the class scope).
                StatementKind::Eval(bases) => (names_in(bases), None),
                StatementKind::Bind { target: crate::ir::Target::Name(attr, _), value, .. } => {
                    (names_in(value), Some(*attr))
                }
                _ => continue,
            };
            for (kind, spec) in [(GuardKind::Auth, &guards.auth), (GuardKind::RateLimit, &guards.rate_limit)] {
                let listed = match attribute {
                    None => &spec.classes,
                    Some(django::PERMISSION_CLASSES | django::THROTTLE_CLASSES | django::AUTHENTICATION_CLASSES) => {
                        &spec.permissions
                    }
                    Some(_) => continue,
                };
                if let Some(name) = names.iter().find(|n| listed.iter().any(|l| l == *n)) {
                    for function in self.functions_of(class) {
                        facts.push(GuardFact {
                            kind,
                            function: Some(function),
                            name: name.to_string(),
                            location: self.locate(statement.span),
                        });
                    }
                }
            }
        }
    }

    /// Whether a call is one of `spec`'s guard calls. `path` is the call's
    /// dotted callee, computed once per call by the caller.
    fn matches_calls(&self, spec: &GuardSpec, path: &[&'s str], joined: Option<&str>, scope: ScopeId) -> bool {
        if let Some(joined) = joined
            && spec.calls.iter().any(|c| ends_with_segments(joined, c))
        {
            return true;
        }
        // A method of an object a guard library built: `limiter.check(ip)`
        // on `new Ratelimit(...)`.
        if !spec.objects.is_empty()
            && path.len() >= 2
            && let Lookup::Bound(values) = self.lookup(path[0], scope)
        {
            return values.iter().any(|b| match b.value {
                Expr::Call(built) => built.callee.last_name().is_some_and(|n| spec.objects.iter().any(|o| o == n)),
                _ => false,
            });
        }
        false
    }

    /// svix `wh.verify(payload, headers)` where `wh = Webhook(secret)`, or
    /// `Webhook(secret).verify(...)` in one expression.
    fn is_signature_method(&self, call: &Call<'s>, scope: ScopeId) -> bool {
        let methods = &self.catalog.guards.auth.signature_methods;
        let Expr::Member { object, property, .. } = &call.callee else { return false };
        let built_by = |built: &Call<'s>| {
            built.callee.last_name().is_some_and(|ctor| {
                methods.iter().any(|m| m.split_once('.').is_some_and(|(c, method)| c == ctor && method == *property))
            })
        };
        if !methods.iter().any(|m| m.rsplit('.').next() == Some(*property)) {
            return false;
        }
        match &**object {
            Expr::Call(built) => built_by(built),
            Expr::Name(name, _) => match self.lookup(name, scope) {
                Lookup::Bound(values) => values.iter().any(|b| matches!(b.value, Expr::Call(built) if built_by(built))),
                _ => false,
            },
            _ => false,
        }
    }

    /// An error the project builds that is the guard answering: one of
    /// `spec.errors` (not imported from a provider's SDK, whose errors of the
    /// same name report the provider's limit), or an error whose code is one
    /// of `spec.error_codes` (`new ChatSDKError("rate_limit:chat")`).
    fn raised_error(&self, call: &Call<'s>, spec: &GuardSpec, scope: ScopeId) -> Option<String> {
        let name = call.callee.last_name()?;
        if spec.errors.iter().any(|e| e == name) {
            let path = call.callee.dotted().unwrap_or_default();
            let from_sdk = path.first().is_some_and(|first| match self.lookup(first, scope) {
                Lookup::Import(import) => self.owned_import(import.module),
                _ => false,
            });
            return (!from_sdk).then(|| format!("raises {name}"));
        }
        if !(name.ends_with("Error") || name.ends_with("Exception")) {
            return None;
        }
        let Some(Arg::Positional(Expr::Str(code))) = call.args.first() else { return None };
        spec.error_codes
            .iter()
            .any(|c| {
                code.value == c || code.value.strip_prefix(c.as_str()).is_some_and(|rest| rest.starts_with([':', '.']))
            })
            .then(|| format!("{name}(\"{}\")", code.value))
    }

    /// A call on an instance of a guard class the project wrote, by the
    /// class's name (`limiter = UsageRateLimiter(...)`; `await limiter.check(user)`).
    fn guard_class_call(&self, call: &Call<'s>, spec: &GuardSpec, scope: ScopeId) -> Option<String> {
        if spec.class_suffixes.is_empty() {
            return None;
        }
        let path = call.callee.dotted()?;
        let first = *path.first()?;
        let Lookup::Bound(values) = self.lookup(first, scope) else { return None };
        values.iter().find_map(|b| match b.value {
            Expr::Call(built) => built
                .callee
                .last_name()
                .filter(|n| is_guard_class(n, &spec.class_suffixes))
                .map(|n| format!("{}() ({n})", path.join("."))),
            _ => None,
        })
    }

    fn is_log_call(&self, call: &Call<'s>, scope: ScopeId) -> bool {
        let logging = &self.catalog.guards.logging;
        let Expr::Member { object, property, .. } = &call.callee else { return false };
        logging.methods.iter().any(|m| m == property) && self.is_logger(object, scope, 0)
    }

    /// A logger: one of the known receivers (`logger`, `log`, `logging`), or
    /// a name bound to one built from them (`logger.child({...})`,
    /// `pino()`, `logging.getLogger(__name__)`, `structlog.get_logger()`).
    fn is_logger(&self, object: &Expr<'s>, scope: ScopeId, depth: u32) -> bool {
        if self.budget.step() {
            return false;
        }
        let logging = &self.catalog.guards.logging;
        let known = |name: &str| logging.receivers.iter().any(|r| r.eq_ignore_ascii_case(name));
        match object {
            Expr::Name(name, _) if known(name) => true,
            Expr::Name(name, _) if depth < 3 => match self.lookup(name, scope) {
                Lookup::Bound(values) => values.iter().any(|bound| match bound.value {
                    Expr::Call(built) => match &built.callee {
                        Expr::Member { object, property, .. } => {
                            matches!(
                                *property,
                                "child" | "getLogger" | "get_logger" | "getChild" | "bind" | "createLogger"
                            ) && self.is_logger(object, bound.scope, depth + 1)
                        }
                        callee => callee.last_name().is_some_and(|n| known(n) || LOGGER_FACTORIES.contains(&n)),
                    },
                    _ => false,
                }),
                _ => false,
            },
            other => other.last_name().is_some_and(known),
        }
    }

    /// FastAPI: `user = Depends(get_current_user)` parameters,
    /// `Annotated[User, Depends(current_user)]` annotations, and
    /// `dependencies=[Depends(verify_key)]` on routes.
    fn dependency_facts(&mut self) {
        let ir = self.ir;
        let mut facts = Vec::new();
        for (id, scope) in ir.scopes.iter().enumerate() {
            let id = id as ScopeId;
            let function = self.function_index(id);
            if scope.kind != ScopeKind::Function {
                continue;
            }
            for param in &scope.params {
                if let Some(Expr::Call(call)) = &param.default
                    && let Some(target) = self.dependency_target(call, id)
                {
                    facts.push(DependencyFact { function, target, location: self.locate(param.span) });
                }
                if let Some(annotation) = param.annotation {
                    for name in annotated_dependencies(annotation) {
                        if let Some(target) = self.named_dependency(name, id) {
                            facts.push(DependencyFact { function, target, location: self.locate(param.span) });
                        }
                    }
                    // A type alias: `CurrentUser = Annotated[User, Depends(get_current_user)]`.
                    if let Some(target) = self.dependency_alias(annotation.trim(), id) {
                        facts.push(DependencyFact { function, target, location: self.locate(param.span) });
                    }
                }
            }
            for decorator in &scope.decorators {
                let Expr::Call(call) = decorator else { continue };
                for arg in &call.args {
                    if let Arg::Keyword { name: fastapi::DEPENDENCIES, value: Expr::Array(items, _), .. } = arg {
                        for item in items {
                            if let Expr::Call(dep) = item
                                && let Some(target) = self.dependency_target(dep, scope.parent.unwrap_or(0))
                            {
                                facts.push(DependencyFact { function, target, location: self.locate(dep.span) });
                            }
                        }
                    }
                }
            }
        }
        self.facts.dependencies = facts;
    }

    /// What a parameter annotated with a plain name depends on, when the
    /// name is an `Annotated[..., Depends(x)]` alias: defined in this file,
    /// or imported (the project index follows the export to `x`).
    fn dependency_alias(&self, annotation: &'s str, scope: ScopeId) -> Option<DependencyTarget> {
        if annotation.is_empty() || !annotation.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        match self.lookup(annotation, scope) {
            Lookup::Bound(values) => values.iter().find_map(|bound| {
                let text: &'s str = self.lines.source().get(bound.value.span().as_range())?;
                let name = annotated_dependencies(text).into_iter().next()?;
                self.named_dependency(name, bound.scope)
            }),
            Lookup::Import(import) => match import.kind {
                crate::ir::ImportKind::Named(imported) => {
                    Some(DependencyTarget::Function(crate::facts::FunctionRef::Import {
                        module: import.module.to_string(),
                        level: import.relative_level,
                        name: imported.to_string(),
                    }))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `Depends(x)` / `Security(x)` → what `x` is.
    pub(crate) fn dependency_target(&self, call: &'a Call<'s>, scope: ScopeId) -> Option<DependencyTarget> {
        let marker = call.callee.last_name()?;
        if !DEPENDENCY_MARKERS.contains(&marker) {
            return None;
        }
        let auth_schemes = &self.catalog.guards.auth.schemes;
        if marker == SECURITY_MARKER {
            return Some(DependencyTarget::Guard(GuardKind::Auth, "Security(...)".into()));
        }
        match call.args.first().map(Arg::value) {
            Some(Expr::Name(name, _)) => self.named_dependency(name, scope),
            // `Depends(HTTPBearer())`, `Depends(RateLimiter(times=5, seconds=60))`
            Some(Expr::Call(inner)) => {
                let built = inner.callee.last_name()?;
                if auth_schemes.iter().any(|s| s == built) {
                    Some(DependencyTarget::Guard(GuardKind::Auth, format!("{built}()")))
                } else if self.catalog.guards.rate_limit.schemes.iter().any(|s| s == built)
                    || is_guard_class(built, &self.catalog.guards.rate_limit.class_suffixes)
                {
                    Some(DependencyTarget::Guard(GuardKind::RateLimit, format!("{built}()")))
                } else {
                    None
                }
            }
            Some(member @ Expr::Member { .. }) => self.function_ref(member, scope).map(DependencyTarget::Function),
            _ => None,
        }
    }

    fn named_dependency(&self, name: &'s str, scope: ScopeId) -> Option<DependencyTarget> {
        // A function the catalogue or the project's custodia.toml names as a
        // control (`[guards.auth] calls = ["require_api_key"]`).
        let guards = &self.catalog.guards;
        if guards.auth.calls.iter().chain(&guards.auth.decorators).chain(&guards.auth.signatures).any(|c| c == name) {
            return Some(DependencyTarget::Guard(GuardKind::Auth, name.to_string()));
        }
        if guards.rate_limit.calls.iter().chain(&guards.rate_limit.decorators).any(|c| c == name) {
            return Some(DependencyTarget::Guard(GuardKind::RateLimit, name.to_string()));
        }
        // A scheme instance: `oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")`.
        if let Lookup::Bound(values) = self.lookup(name, scope) {
            for bound in values {
                if let Expr::Call(built) = bound.value {
                    let built = built.callee.last_name().unwrap_or("");
                    if self.catalog.guards.auth.schemes.iter().any(|s| s == built) {
                        return Some(DependencyTarget::Guard(GuardKind::Auth, format!("{name} ({built})")));
                    }
                    if self.catalog.guards.rate_limit.schemes.iter().any(|s| s == built) {
                        return Some(DependencyTarget::Guard(GuardKind::RateLimit, format!("{name} ({built})")));
                    }
                }
            }
        }
        match self.lookup(name, scope) {
            Lookup::Function(id) => {
                self.function_index(id).map(|f| DependencyTarget::Function(crate::facts::FunctionRef::Local(f)))
            }
            Lookup::Import(import) => Some(DependencyTarget::Function(crate::facts::FunctionRef::Import {
                module: import.module.to_string(),
                level: import.relative_level,
                name: match import.kind {
                    crate::ir::ImportKind::Named(imported) => imported.to_string(),
                    _ => return None,
                },
            })),
            _ => None,
        }
    }
}

/// The names an expression mentions (base classes, `[IsAuthenticated, ...]`).
pub(super) fn names_in<'s>(expr: &Expr<'s>) -> Vec<&'s str> {
    let mut out = Vec::new();
    expr.walk(|e| {
        if let Some(name) = e.last_name() {
            out.push(name);
        }
    });
    out
}

/// A class the project named as a guard (`ApiUserRateLimiter`).
fn is_guard_class(name: &str, suffixes: &[String]) -> bool {
    suffixes.iter().any(|s| name.ends_with(s.as_str()))
}

/// Calls that build a logger (`pino()`, `winston.createLogger()`, `getLogger()`).
const LOGGER_FACTORIES: [&str; 4] = ["pino", "createLogger", "getLogger", "get_logger"];

/// `Annotated[User, Depends(current_user)]` → `current_user`.
pub(super) fn annotated_dependencies(annotation: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for marker in DEPENDENCY_MARKERS {
        let marker = format!("{marker}(");
        let mut rest = annotation;
        while let Some(at) = rest.find(&marker) {
            rest = &rest[at + marker.len()..];
            let name: &str = rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).next().unwrap_or("");
            if !name.is_empty() {
                out.push(name.rsplit('.').next().unwrap_or(name));
            }
        }
    }
    out
}

/// A 401/403/429 answer: `HTTPException(status_code=401)`, `abort(401)`,
/// `res.status(401)`, `new Response(..., { status: 401 })`, Koa `ctx.throw(401)`,
/// `c.json({...}, 401)`, `status.HTTP_401_UNAUTHORIZED`.
fn answered_status<'s>(call: &Call<'s>, statuses: &[String]) -> Option<&'s str> {
    let is_status = |e: &Expr<'s>| -> Option<&'s str> {
        match e {
            Expr::Lit(Lit::Number(n), _) if statuses.iter().any(|s| s == n) => Some(*n),
            Expr::Member { property, .. } if statuses.iter().any(|s| s == property) => Some(*property),
            // `from starlette.status import HTTP_429_TOO_MANY_REQUESTS`
            Expr::Name(name, _) if statuses.iter().any(|s| s == name) => Some(*name),
            _ => None,
        }
    };
    let callee = call.callee.last_name().unwrap_or("");
    for (i, arg) in call.args.iter().enumerate() {
        let found = match arg {
            Arg::Keyword { name: "status_code" | "status" | "code", value, .. } => is_status(value),
            Arg::Positional(Expr::Object(props, _)) => props.iter().find_map(|p| match p {
                Prop::Pair { key: "status" | "statusCode", value, .. } => is_status(value),
                _ => None,
            }),
            // Koa `ctx.throw(401)`, `ctx.assert(user, 401)`.
            Arg::Positional(value)
                if (i == 0 && frameworks::STATUS_FIRST.contains(&callee))
                    || (i > 0 && frameworks::STATUS_AFTER.contains(&callee)) =>
            {
                is_status(value)
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}
