//! Django and Django REST framework entrypoints.
//!
//! - `urls.py`: `urlpatterns` of `path` / `re_path` / `url`, with
//!   `include("app.urls")` and `include(router.urls)` as mounts, function
//!   views (reported at the view's definition), `View.as_view()` and wrappers
//!   such as `login_required(view)`;
//! - class-based views (`View`, `APIView`, generic views): one route per
//!   HTTP method the class defines; DRF viewsets: one per action (`list`,
//!   `create`, `retrieve` ... and `@action` methods), registered on a router
//!   with `router.register("threads", ThreadViewSet)`;
//! - what a view opts out of (`permission_classes = [AllowAny]`,
//!   `throttle_classes = []`, `@login_not_required`, `@limiter.exempt`);
//! - `settings.py`: DRF `DEFAULT_PERMISSION_CLASSES` and
//!   `DEFAULT_THROTTLE_CLASSES`, Django's `LoginRequiredMiddleware`.
//!
//! A class-based view no URL pattern reaches is not an entrypoint: the
//! project index drops it.

use crate::facts::{
    EntrypointFact, ExportFact, ExportTarget, FunctionRef, GuardKind, HandlerRef, MiddlewareFact, MountFact, RouterFact,
};
use crate::frameworks::Framework;
use crate::frameworks::django::{self, URLPATTERNS, VIEW_METHODS, VIEWSET_ACTIONS};
use crate::ir::{Arg, Expr, Prop, ScopeId, ScopeKind, StatementKind, Target};
use crate::source::Location;

use super::Analyzer;
use super::flow::ends_with_segments;
use super::guards::names_in;

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn django_facts(&mut self) {
        self.view_opt_outs();
        let imports = |framework: Framework| self.ir.imports.iter().any(|i| framework.imported_as(i.module));
        let drf = imports(Framework::Drf);
        if drf || imports(Framework::Django) {
            self.view_classes(drf);
            self.url_patterns();
        }
        self.django_settings();
    }

    /// Decorators by which a view opts out of a project-wide default, and
    /// DRF's `@api_view`.
    fn view_opt_outs(&mut self) {
        let ir = self.ir;
        for (id, scope) in ir.scopes.iter().enumerate() {
            if scope.kind != ScopeKind::Function {
                continue;
            }
            let Some(function) = self.function_index(id as ScopeId) else { continue };
            for decorator in &scope.decorators {
                let (callee, args) = match decorator {
                    Expr::Call(call) => (&call.callee, call.args.as_slice()),
                    other => (other, &[][..]),
                };
                let Some(path) = callee.dotted().map(|d| d.join(".")) else { continue };
                let fact = &mut self.facts.functions[function as usize];
                if ends_with_segments(&path, django::API_VIEW) {
                    fact.view_framework = Some(Framework::Drf);
                } else if path == django::ACTION {
                    // `@action(detail=True, permission_classes=[AllowAny])`
                    for arg in args {
                        match arg {
                            Arg::Keyword { name: django::PERMISSION_CLASSES, value, .. } if opens_up(value) => {
                                fact.opts_out.push(GuardKind::Auth)
                            }
                            Arg::Keyword { name: django::THROTTLE_CLASSES, value, .. } if is_empty_list(value) => {
                                fact.opts_out.push(GuardKind::RateLimit)
                            }
                            _ => {}
                        }
                    }
                } else if ends_with_segments(&path, django::LIMITER_EXEMPT) {
                    fact.opts_out.push(GuardKind::RateLimit);
                } else if ends_with_segments(&path, django::LOGIN_NOT_REQUIRED)
                    || (path == django::PERMISSION_CLASSES && args.first().is_some_and(|a| opens_up(a.value())))
                {
                    fact.opts_out.push(GuardKind::Auth);
                } else if path == django::THROTTLE_CLASSES && args.first().is_some_and(|a| is_empty_list(a.value())) {
                    fact.opts_out.push(GuardKind::RateLimit);
                }
            }
        }
    }

    /// Class-based views and viewsets: a router of their own (mounted by a
    /// URL pattern or a DRF router), with one entrypoint per method.
    fn view_classes(&mut self, drf: bool) {
        let ir = self.ir;
        for (id, scope) in ir.scopes.iter().enumerate() {
            let id = id as ScopeId;
            if scope.kind != ScopeKind::Class || scope.parent != Some(0) {
                continue;
            }
            let Some(class) = scope.name else { continue };
            let bases: Vec<&str> = ir
                .statements
                .iter()
                .filter(|s| s.scope == id)
                .find_map(|s| match &s.kind {
                    StatementKind::Eval(bases) => Some(names_in(bases)),
                    _ => None,
                })
                .unwrap_or_default();
            let viewset = bases.iter().any(|b| b.ends_with(django::VIEWSET_SUFFIX));
            if !viewset && !bases.iter().any(|b| b.ends_with(django::VIEW_SUFFIX)) {
                continue;
            }
            let framework = if drf { Framework::Drf } else { Framework::Django };
            let opts_out = self.class_opt_outs(id);
            let methods: Vec<(ScopeId, &str)> = ir
                .scopes
                .iter()
                .enumerate()
                .filter(|(_, s)| s.parent == Some(id) && s.kind == ScopeKind::Function)
                .filter_map(|(i, s)| Some((i as ScopeId, s.name?)))
                .collect();
            let mut any = false;
            for (method_scope, name) in methods {
                let Some(function) = self.function_index(method_scope) else { continue };
                let routes = if viewset { self.viewset_routes(method_scope, name) } else { view_routes(name) };
                if routes.is_empty() {
                    continue;
                }
                any = true;
                let fact = &mut self.facts.functions[function as usize];
                fact.view_framework = Some(framework);
                fact.opts_out.extend(opts_out.iter().copied());
                let location = self.function_head(method_scope);
                for (method, path) in routes {
                    self.facts.entrypoints.push(EntrypointFact {
                        framework,
                        method,
                        path,
                        handler: HandlerRef::Function(FunctionRef::Local(function)),
                        chain: Vec::new(),
                        router: Some(class.to_string()),
                        order: 0,
                        location,
                        report_at_handler: false,
                    });
                }
            }
            if any {
                let location = self.locate(scope.span);
                self.add_router(class, framework, location);
            }
        }
    }

    /// Class attributes by which a view opts out of project-wide defaults.
    fn class_opt_outs(&self, class: ScopeId) -> Vec<GuardKind> {
        let mut out = Vec::new();
        for statement in self.ir.statements.iter().filter(|s| s.scope == class) {
            let StatementKind::Bind { target: Target::Name(attribute, _), value, .. } = &statement.kind else {
                continue;
            };
            match *attribute {
                django::PERMISSION_CLASSES if opens_up(value) => out.push(GuardKind::Auth),
                django::THROTTLE_CLASSES if is_empty_list(value) => out.push(GuardKind::RateLimit),
                _ => {}
            }
        }
        out
    }

    /// The routes a viewset method serves: a standard action, or an
    /// `@action(detail=..., methods=[...], url_path=...)`.
    fn viewset_routes(&self, method: ScopeId, name: &str) -> Vec<(String, String)> {
        if let Some((_, verb, detail)) = VIEWSET_ACTIONS.iter().find(|(action, _, _)| *action == name) {
            let path = if *detail { "{pk}/" } else { "" };
            return vec![(verb.to_string(), path.to_string())];
        }
        let scope = &self.ir.scopes[method as usize];
        let Some(call) = scope.decorators.iter().find_map(|d| match d {
            Expr::Call(call) if call.callee.last_name() == Some(django::ACTION) => Some(call),
            _ => None,
        }) else {
            return Vec::new();
        };
        let mut detail = false;
        let mut url_path = name.to_string();
        let mut verbs = vec!["GET".to_string()];
        for arg in &call.args {
            match arg {
                Arg::Keyword { name: django::DETAIL, value, .. } => {
                    detail = matches!(value, Expr::Lit(crate::ir::Lit::True, _))
                }
                Arg::Keyword { name: django::URL_PATH, value: Expr::Str(s), .. } => url_path = s.value.to_string(),
                Arg::Keyword { name: django::METHODS, value: Expr::Array(items, _), .. } => {
                    verbs = items
                        .iter()
                        .filter_map(|i| match i {
                            Expr::Str(s) => Some(s.value.to_ascii_uppercase()),
                            _ => None,
                        })
                        .collect();
                }
                _ => {}
            }
        }
        let path = if detail { format!("{{pk}}/{url_path}/") } else { format!("{url_path}/") };
        verbs.into_iter().map(|verb| (verb, path.clone())).collect()
    }

    /// `urlpatterns = [path(...), ...]` (and `+=`), DRF routers and their
    /// `register` calls.
    fn url_patterns(&mut self) {
        let ir = self.ir;
        let mut order = 0u32;
        let mut has_patterns = false;
        for statement in ir.statements.iter().filter(|s| s.scope == 0) {
            let StatementKind::Bind { target: Target::Name(name, _), value, .. } = &statement.kind else { continue };
            if *name == URLPATTERNS {
                if let Expr::Array(items, _) = value {
                    has_patterns = true;
                    for item in items {
                        order += 1;
                        self.url_pattern(item, order);
                    }
                }
            } else if let Expr::Call(call) = value
                && matches!(call.callee.last_name(), Some(django::DRF_ROUTER | django::DRF_SIMPLE_ROUTER))
            {
                let location = self.locate(statement.span);
                self.add_router(name, Framework::Drf, location);
            }
        }
        if has_patterns {
            self.add_router(URLPATTERNS, Framework::Django, Location::default());
        }
        // `router.register(r"threads", ThreadViewSet, basename="thread")`
        let walked = self.walked;
        for &(scope, _, call) in &walked.calls {
            let Expr::Member { object, property: django::REGISTER, .. } = &call.callee else { continue };
            let Expr::Name(router, _) = &**object else { continue };
            if !self.facts.routers.iter().any(|r| r.name == *router && r.framework == Framework::Drf) {
                continue;
            }
            let (Some(Arg::Positional(Expr::Str(prefix))), Some(Arg::Positional(view))) =
                (call.args.first(), call.args.get(1))
            else {
                continue;
            };
            let Some((child, child_local)) = self.router_child(view, scope) else { continue };
            order += 1;
            self.facts.mounts.push(MountFact {
                router: router.to_string(),
                path: django_route(prefix.value),
                child,
                child_local,
                chain: Vec::new(),
                order,
                location: self.locate(call.span),
            });
        }
    }

    /// One `path(route, view)`.
    fn url_pattern(&mut self, item: &'a Expr<'s>, order: u32) {
        let Expr::Call(call) = item else { return };
        if !matches!(call.callee.last_name(), Some(django::PATH | django::RE_PATH | django::URL)) {
            return;
        }
        let (Some(Arg::Positional(Expr::Str(route))), Some(view)) = (call.args.first(), call.args.get(1)) else {
            return;
        };
        let location = self.locate(call.span);
        self.pattern_view(view.value(), django_route(route.value), Vec::new(), order, location);
    }

    fn pattern_view(
        &mut self,
        view: &'a Expr<'s>,
        route: String,
        mut chain: Vec<HandlerRef>,
        order: u32,
        at: Location,
    ) {
        let mounted = match view {
            Expr::Call(call) if call.callee.last_name() == Some(django::INCLUDE) => {
                match call.args.first().map(Arg::value) {
                    // `include("assistant.urls")`
                    Some(Expr::Str(module)) => Some((
                        FunctionRef::Import { module: module.value.to_string(), level: 0, name: URLPATTERNS.into() },
                        None,
                    )),
                    // `include(router.urls)`
                    Some(Expr::Member { object, property: django::URLS, .. }) => match &**object {
                        Expr::Name(router, _) => Some((
                            FunctionRef::Import { module: String::new(), level: 0, name: router.to_string() },
                            Some(router.to_string()),
                        )),
                        _ => None,
                    },
                    _ => None,
                }
            }
            // `ChatView.as_view()`: the class is a router of its own.
            Expr::Call(call) => match &call.callee {
                Expr::Member { object, property: django::AS_VIEW, .. } => self.router_child(object, 0),
                // A wrapped view: `login_required(views.ask)`, `csrf_exempt(...)`.
                callee => {
                    if let Some(kind) = callee.dotted().and_then(|d| self.decorator_kind(&d.join("."))) {
                        let name = format!("{}(...)", self.snippet(callee.span(), 40));
                        chain.push(HandlerRef::Guard { kind, name, location: self.locate(callee.span()) });
                    }
                    if let Some(inner) = call.args.first() {
                        self.pattern_view(inner.value(), route, chain, order, at);
                    }
                    return;
                }
            },
            Expr::Name(..) | Expr::Member { .. } => {
                let Some(function) = self.function_ref(view, 0) else { return };
                self.facts.entrypoints.push(EntrypointFact {
                    framework: Framework::Django,
                    method: "*".into(),
                    path: route,
                    handler: HandlerRef::Function(function),
                    chain,
                    router: Some(URLPATTERNS.into()),
                    order,
                    location: at,
                    report_at_handler: true,
                });
                return;
            }
            _ => None,
        };
        if let Some((child, child_local)) = mounted {
            let router = URLPATTERNS.into();
            self.facts.mounts.push(MountFact { router, path: route, child, child_local, chain, order, location: at });
        }
    }

    /// The guard kind of a decorator name (`login_required`, `ratelimit`).
    fn decorator_kind(&self, path: &str) -> Option<GuardKind> {
        let guards = &self.catalog.guards;
        if guards.auth.decorators.iter().any(|d| ends_with_segments(path, d)) {
            Some(GuardKind::Auth)
        } else if guards.rate_limit.decorators.iter().any(|d| ends_with_segments(path, d)) {
            Some(GuardKind::RateLimit)
        } else {
            None
        }
    }

    /// A router the index can mount: recorded once, and exported under its name.
    fn add_router(&mut self, name: &str, framework: Framework, location: Location) {
        if self.facts.routers.iter().any(|r| r.name == name) {
            return;
        }
        let index = self.facts.routers.len() as u32;
        self.facts.routers.push(RouterFact {
            name: name.to_string(),
            framework,
            prefix: String::new(),
            chain: Vec::new(),
            location,
            plugin: None,
        });
        match self.facts.exports.iter_mut().find(|e| e.name == name) {
            Some(export) => export.target = ExportTarget::Router(index),
            None => self.facts.exports.push(ExportFact { name: name.to_string(), target: ExportTarget::Router(index) }),
        }
    }

    /// `REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": [...], "DEFAULT_THROTTLE_CLASSES": [...]}`
    /// and `MIDDLEWARE = [..., "django.contrib.auth.middleware.LoginRequiredMiddleware"]`.
    fn django_settings(&mut self) {
        let ir = self.ir;
        for statement in ir.statements.iter().filter(|s| s.scope == 0) {
            let StatementKind::Bind { target: Target::Name(name, _), value, .. } = &statement.kind else { continue };
            match (*name, value) {
                (django::REST_FRAMEWORK, Expr::Object(props, _)) => {
                    for prop in props {
                        let Prop::Pair { key, value, .. } = prop else { continue };
                        let (kind, listed) = match *key {
                            django::DEFAULT_PERMISSION_CLASSES => {
                                (GuardKind::Auth, &self.catalog.guards.auth.permissions)
                            }
                            django::DEFAULT_THROTTLE_CLASSES => {
                                (GuardKind::RateLimit, &self.catalog.guards.rate_limit.permissions)
                            }
                            _ => continue,
                        };
                        let names = class_names(value);
                        if let Some(found) = names.iter().find(|n| listed.iter().any(|l| l == *n)) {
                            let name = format!("{key}: {found}");
                            self.project_default(Framework::Drf, kind, name, self.locate(prop_span(prop)));
                        }
                    }
                }
                (django::MIDDLEWARE, Expr::Array(..))
                    if class_names(value).contains(&django::LOGIN_REQUIRED_MIDDLEWARE) =>
                {
                    let location = self.locate(statement.span);
                    self.project_default(
                        Framework::Django,
                        GuardKind::Auth,
                        django::LOGIN_REQUIRED_MIDDLEWARE.into(),
                        location,
                    );
                }
                _ => {}
            }
        }
    }

    fn project_default(&mut self, framework: Framework, kind: GuardKind, name: String, location: Location) {
        self.facts.middleware.push(MiddlewareFact {
            except: Vec::new(),
            router: "*".into(),
            framework: Some(framework),
            path: String::new(),
            chain: vec![HandlerRef::Guard { kind, name, location }],
            order: 0,
            location,
        });
    }
}

/// The routes a method of a class-based view serves.
fn view_routes(name: &str) -> Vec<(String, String)> {
    if VIEW_METHODS.contains(&name) { vec![(name.to_ascii_uppercase(), String::new())] } else { Vec::new() }
}

/// `r"^api/v1/"` → `api/v1/`: the route as written, regex anchors removed.
fn django_route(route: &str) -> String {
    route.trim_start_matches('^').trim_end_matches('$').to_string()
}

/// `permission_classes = [AllowAny]` or `[]`: anyone may call the view.
fn opens_up(value: &Expr<'_>) -> bool {
    is_empty_list(value) || class_names(value).contains(&django::ALLOW_ANY)
}

fn is_empty_list(value: &Expr<'_>) -> bool {
    matches!(value, Expr::Array(items, _) if items.is_empty())
}

/// Class names in a list, written as names (`IsAuthenticated`) or dotted
/// strings (`"rest_framework.permissions.IsAuthenticated"`).
fn class_names<'s>(value: &Expr<'s>) -> Vec<&'s str> {
    let mut out = names_in(value);
    value.walk(|e| {
        if let Expr::Str(s) = e {
            out.push(s.value.rsplit('.').next().unwrap_or(s.value));
        }
    });
    out
}

fn prop_span(prop: &Prop<'_>) -> crate::source::Span {
    match prop {
        Prop::Pair { key_span, value, .. } => crate::source::Span { start: key_span.start, end: value.span().end },
        Prop::Computed(value) | Prop::Spread(value) => value.span(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_as_written() {
        assert_eq!(django_route(r"^api/v1/$"), "api/v1/");
        assert_eq!(django_route("chat/<int:pk>/"), "chat/<int:pk>/");
        assert_eq!(view_routes("post"), vec![("POST".to_string(), String::new())]);
        assert!(view_routes("get_queryset").is_empty());
    }
}
