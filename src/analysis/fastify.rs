//! Fastify specifics: plugins and their prefixes (`app.register(routes,
//! { prefix: "/v1" })`), the instance a plugin receives as its router,
//! hooks (`addHook("onRequest", ...)`), decorations
//! (`decorate("authenticate", fn)` then `preHandler: [fastify.authenticate]`),
//! `@fastify/rate-limit` registered globally or set per route
//! (`config: { rateLimit: ... }`), and `instance.route({ method, url, handler })`.

use crate::facts::{EntrypointFact, GuardKind, HandlerRef, MiddlewareFact, MountFact, RouterFact};
use crate::frameworks::Framework;
use crate::frameworks::fastify::{self, HOOKS};
use crate::ir::{Arg, Call, Expr, Prop, ScopeId};
use crate::source::Location;

use super::Analyzer;
use super::scope::Lookup;

impl<'a, 's> Analyzer<'a, 's> {
    /// A Fastify call on `router` other than a plain verb: returns whether
    /// it was one.
    pub(super) fn fastify_call(
        &mut self,
        router: &'s str,
        property: &str,
        call: &'a Call<'s>,
        scope: ScopeId,
        order: u32,
        location: Location,
    ) -> bool {
        match property {
            fastify::REGISTER => self.fastify_register(router, call, scope, order, location),
            fastify::ADD_HOOK => {
                let (Some(Arg::Positional(Expr::Str(hook))), Some(handler)) = (call.args.first(), call.args.get(1))
                else {
                    return true;
                };
                if HOOKS.contains(&hook.value) {
                    self.plugin_router(router, scope);
                    let chain = vec![self.handler_ref(handler.value(), scope)];
                    // Hooks apply to every route of their plugin, whenever registered.
                    let router = router.to_string();
                    self.facts.middleware.push(MiddlewareFact {
                        except: Vec::new(),
                        router,
                        path: String::new(),
                        chain,
                        order: 0,
                        location,
                        framework: None,
                    });
                }
            }
            fastify::DECORATE | fastify::DECORATE_REQUEST => {
                if let (Some(Arg::Positional(Expr::Str(name))), Some(value)) = (call.args.first(), call.args.get(1))
                    && let HandlerRef::Function(crate::facts::FunctionRef::Local(function)) =
                        self.handler_ref(value.value(), scope)
                {
                    self.facts.decorations.push((name.value.to_string(), function));
                }
            }
            fastify::ROUTE => self.fastify_route(router, call, scope, order, location),
            _ => return false,
        }
        true
    }

    /// `app.register(plugin, { prefix })`: a mount; `app.register(rateLimit, {...})`:
    /// a limit on every route registered after it (unless `global: false`).
    fn fastify_register(&mut self, router: &'s str, call: &'a Call<'s>, scope: ScopeId, order: u32, at: Location) {
        let Some(plugin) = call.args.first().map(Arg::value) else { return };
        let options = match call.args.get(1).map(Arg::value) {
            Some(Expr::Object(props, _)) => props.as_slice(),
            _ => &[],
        };
        let option = |key: &str| {
            options.iter().find_map(|p| match p {
                Prop::Pair { key: k, value, .. } if *k == key => Some(value),
                _ => None,
            })
        };
        self.plugin_router(router, scope);
        let plugin_call = match plugin {
            Expr::Call(call) => Some(&**call),
            _ => None,
        };
        let kind = match plugin_call {
            Some(c) => self.guard_call_kind(c, scope),
            None => plugin
                .dotted()
                .and_then(|path| self.guard_name_kind(&path.join(".")))
                .or_else(|| self.guard_module_kind(plugin, scope)),
        };
        if let Some(kind) = kind {
            let global = !matches!(option(fastify::GLOBAL), Some(Expr::Lit(crate::ir::Lit::False, _)));
            if global {
                let name = format!("{}(...)", self.snippet(plugin.span(), 40));
                self.facts.middleware.push(MiddlewareFact {
                    except: Vec::new(),
                    router: router.to_string(),
                    path: String::new(),
                    chain: vec![HandlerRef::Guard { kind, name, location: at }],
                    order,
                    location: at,
                    framework: None,
                });
            }
            return;
        }
        let prefix = match option(fastify::PREFIX) {
            Some(Expr::Str(s)) => s.value.to_string(),
            _ => String::new(),
        };
        let child = match plugin {
            // `app.register(async (instance) => { instance.post(...) })`
            Expr::Function(id, _) => {
                let Some(param) = self.ir.scopes[*id as usize].params.first().and_then(|p| p.name) else { return };
                self.plugin_router(param, *id);
                let local = crate::facts::FunctionRef::Import { module: String::new(), level: 0, name: param.into() };
                Some((local, Some(param.to_string())))
            }
            other => match self.handler_ref(other, scope) {
                HandlerRef::Function(function) => Some((function, None)),
                _ => None,
            },
        };
        if let Some((child, child_local)) = child {
            self.facts.mounts.push(MountFact {
                router: router.to_string(),
                path: prefix,
                child,
                child_local,
                chain: Vec::new(),
                order,
                location: at,
            });
        }
    }

    /// `instance.route({ method: "GET", url: "/x", onRequest: [...], handler })`.
    fn fastify_route(&mut self, router: &'s str, call: &'a Call<'s>, scope: ScopeId, order: u32, at: Location) {
        let Some(Expr::Object(props, _)) = call.args.first().map(Arg::value) else { return };
        let mut methods = Vec::new();
        let mut path = None;
        let mut handler = None;
        for prop in props {
            let Prop::Pair { key, value, .. } = prop else { continue };
            match (*key, value) {
                (fastify::METHOD, Expr::Str(m)) => methods.push(m.value.to_ascii_uppercase()),
                (fastify::METHOD, Expr::Array(items, _)) => methods.extend(items.iter().filter_map(|i| match i {
                    Expr::Str(m) => Some(m.value.to_ascii_uppercase()),
                    _ => None,
                })),
                (fastify::URL | fastify::PATH, Expr::Str(p)) => path = Some(p.value.to_string()),
                (fastify::HANDLER, value) => handler = Some(self.handler_ref(value, scope)),
                _ => {}
            }
        }
        let (Some(path), Some(handler)) = (path, handler) else { return };
        self.plugin_router(router, scope);
        let chain = self.fastify_route_options(props, scope, &handler);
        for method in if methods.is_empty() { vec!["*".to_string()] } else { methods } {
            self.facts.entrypoints.push(EntrypointFact {
                framework: Framework::Fastify,
                method,
                path: path.clone(),
                handler: handler.clone(),
                chain: chain.clone(),
                router: Some(router.to_string()),
                order,
                location: at,
                report_at_handler: false,
            });
        }
    }

    /// What a route's options add before the handler: hooks
    /// (`preHandler: [fastify.authenticate]`) and `config: { rateLimit }`.
    /// `config: { rateLimit: false }` opts the handler out of the global limit.
    pub(super) fn fastify_route_options(
        &mut self,
        props: &'a [Prop<'s>],
        scope: ScopeId,
        handler: &HandlerRef,
    ) -> Vec<HandlerRef> {
        let mut chain = Vec::new();
        for prop in props {
            let Prop::Pair { key, value, .. } = prop else { continue };
            if HOOKS.contains(key) {
                match value {
                    Expr::Array(items, _) => chain.extend(items.iter().map(|i| self.handler_ref(i, scope))),
                    other => chain.push(self.handler_ref(other, scope)),
                }
            } else if *key == fastify::CONFIG {
                let Expr::Object(config, _) = value else { continue };
                for entry in config {
                    let Prop::Pair { key: fastify::RATE_LIMIT, value, key_span } = entry else { continue };
                    if matches!(value, Expr::Lit(crate::ir::Lit::False, _)) {
                        if let HandlerRef::Function(crate::facts::FunctionRef::Local(function)) = handler
                            && let Some(fact) = self.facts.functions.get_mut(*function as usize)
                        {
                            fact.opts_out.push(GuardKind::RateLimit);
                        }
                    } else {
                        let location = self.locate(*key_span);
                        chain.push(HandlerRef::Guard {
                            kind: GuardKind::RateLimit,
                            name: "config.rateLimit".into(),
                            location,
                        });
                    }
                }
            }
        }
        chain
    }

    /// A router that is a plugin function's parameter (`async (fastify) => { fastify.post(...) }`):
    /// recorded with the function, so that registering the function mounts it.
    pub(super) fn plugin_router(&mut self, router: &'s str, scope: ScopeId) {
        if self.facts.routers.iter().any(|r| r.name == router) {
            return;
        }
        let Lookup::Param(function_scope) = self.lookup(router, scope) else { return };
        let Some(plugin) = self.function_index(function_scope) else { return };
        let location = self.locate(self.ir.scopes[function_scope as usize].span);
        self.facts.routers.push(RouterFact {
            name: router.to_string(),
            framework: Framework::Fastify,
            prefix: String::new(),
            chain: Vec::new(),
            location,
            plugin: Some(plugin),
        });
    }
}
