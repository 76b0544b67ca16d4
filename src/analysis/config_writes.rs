//! Writes of stored model configuration: a data write whose payload names a
//! system-prompt or model field (`prisma.assistantSettings.update({ data: {
//! systemPrompt } })`, `redis.hset("bot", { modelName })`,
//! `Setting.objects.update_or_create(defaults={"system_prompt": ...})`), or an
//! assignment to such a field of an object (`org.system_prompt = text`, then
//! `org.save()`). The payload is followed through simple local bindings
//! (`const data = { systemPrompt }; update({ where, data })`). The project
//! index decides whether an entrypoint that reaches one is authenticated
//! (`unguarded-config-write`).

use crate::facts::ConfigWrite;
use crate::ir::{Arg, Expr, Prop, ScopeId, StatementKind, Target};

use super::Analyzer;
use super::scope::Lookup;

/// Collections that live in memory: a write to one stores nothing.
const IN_MEMORY: [&str; 7] = ["Set", "Map", "WeakMap", "WeakSet", "dict", "set", "list"];

/// How far a payload is followed through local bindings.
const MAX_BINDINGS: u32 = 2;

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn config_write_facts(&mut self) {
        let configuration = &self.catalog.controls.configuration;
        let mut writes = Vec::new();
        let walked = self.walked;
        for &(scope, _, call) in &walked.calls {
            let Expr::Member { object, property, .. } = &call.callee else { continue };
            if !configuration.writes.iter().any(|w| w == property) || self.in_memory(object, scope) {
                continue;
            }
            let field = call.args.iter().find_map(|arg| {
                if let Arg::Keyword { name, .. } = arg
                    && self.is_config_key(name)
                {
                    return Some(name.to_string());
                }
                self.config_field_in(arg.value(), scope, 0)
            });
            if let Some(field) = field {
                writes.push(ConfigWrite {
                    function: self.function_index(scope),
                    field,
                    location: self.locate(call.span),
                });
            }
        }
        // `org.system_prompt = body.system_prompt`: not on `this`/`self`, which
        // a constructor sets up, nor on a parameter (the request's own body).
        for statement in &self.ir.statements {
            let StatementKind::Bind { target: Target::Member { object, property, span }, .. } = &statement.kind else {
                continue;
            };
            let own = match object {
                Expr::This(_) | Expr::Name("self", _) => true,
                Expr::Name(name, _) => matches!(self.lookup(name, statement.scope), Lookup::Param(_)),
                _ => false,
            };
            if own || !self.is_config_key(property) {
                continue;
            }
            let Some(function) = self.function_index(statement.scope) else { continue };
            writes.push(ConfigWrite {
                function: Some(function),
                field: property.to_string(),
                location: self.locate(*span),
            });
        }
        self.facts.config_writes = writes;
    }

    fn is_config_key(&self, name: &str) -> bool {
        self.catalog.controls.configuration.keys.iter().any(|k| k == name)
    }

    /// The configuration field a payload names: an object key, a keyword
    /// argument of a nested call (`defaults=dict(system_prompt=...)`), or
    /// either of these in the value of a local name the payload mentions.
    fn config_field_in(&self, payload: &'a Expr<'s>, scope: ScopeId, depth: u32) -> Option<String> {
        if self.budget.step() {
            return None;
        }
        let mut field = None;
        let mut names = Vec::new();
        payload.walk(|e| {
            if field.is_some() {
                return;
            }
            match e {
                Expr::Object(props, _) => {
                    for prop in props {
                        match prop {
                            Prop::Pair { key, .. } if self.is_config_key(key) => field = Some(key.to_string()),
                            // `{ systemPrompt }` shorthand is a pair too; a spread names a binding.
                            Prop::Spread(Expr::Name(name, _)) => names.push(*name),
                            _ => {}
                        }
                    }
                }
                Expr::Call(inner) => {
                    for arg in &inner.args {
                        if let Arg::Keyword { name, .. } = arg
                            && self.is_config_key(name)
                        {
                            field = Some(name.to_string());
                        }
                    }
                }
                Expr::Name(name, _) => names.push(*name),
                _ => {}
            }
        });
        if field.is_some() || depth >= MAX_BINDINGS {
            return field;
        }
        names.into_iter().find_map(|name| match self.lookup(name, scope) {
            Lookup::Bound(values) => {
                values.iter().find_map(|bound| self.config_field_in(bound.value, bound.scope, depth + 1))
            }
            _ => None,
        })
    }

    /// A receiver that is an in-memory collection (`new Set()`, `new Map()`, `dict()`).
    fn in_memory(&self, receiver: &Expr<'s>, scope: ScopeId) -> bool {
        let Expr::Name(name, _) = receiver else { return false };
        match self.lookup(name, scope) {
            Lookup::Bound(values) => values.iter().any(|bound| match bound.value {
                Expr::Call(built) => built.callee.last_name().is_some_and(|n| IN_MEMORY.contains(&n)),
                Expr::Object(..) | Expr::Array(..) => true,
                _ => false,
            }),
            _ => false,
        }
    }
}
