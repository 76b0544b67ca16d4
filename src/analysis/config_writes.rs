//! Writes of stored model configuration: a data write whose payload names a
//! system-prompt or model field (`prisma.assistantSettings.update({ data: {
//! systemPrompt } })`, `redis.hset("bot", { modelName })`,
//! `Setting.objects.update_or_create(defaults={"system_prompt": ...})`), or an
//! assignment to such a field of an object (`org.system_prompt = text`, then
//! `org.save()`). The project index decides whether an entrypoint that
//! reaches one is authenticated (`unguarded-config-write`).

use crate::facts::ConfigWrite;
use crate::ir::{Arg, Expr, Prop, StatementKind, Target};

use super::Analyzer;

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn config_write_facts(&mut self) {
        let configuration = &self.catalog.controls.configuration;
        let is_key = |name: &str| configuration.keys.iter().any(|k| k == name);
        let mut writes = Vec::new();
        let walked = self.walked;
        for &(scope, _, call) in &walked.calls {
            let Expr::Member { property, .. } = &call.callee else { continue };
            if !configuration.writes.iter().any(|w| w == property) {
                continue;
            }
            let mut field = None;
            for arg in &call.args {
                if let Arg::Keyword { name, .. } = arg {
                    if is_key(name) {
                        field = Some(name.to_string());
                    }
                }
                arg.value().walk(|e| {
                    if field.is_some() {
                        return;
                    }
                    match e {
                        Expr::Object(props, _) => {
                            for prop in props {
                                if let Prop::Pair { key, .. } = prop {
                                    if is_key(key) {
                                        field = Some(key.to_string());
                                    }
                                }
                            }
                        }
                        // Python `update(system_prompt=...)` inside a wrapper call.
                        Expr::Call(inner) => {
                            for arg in &inner.args {
                                if let Arg::Keyword { name, .. } = arg {
                                    if is_key(name) {
                                        field = Some(name.to_string());
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                });
            }
            if let Some(field) = field {
                writes.push(ConfigWrite {
                    function: self.function_index(scope),
                    field,
                    location: self.locate(call.span),
                });
            }
        }
        // `org.system_prompt = body.system_prompt`: not on `this`/`self`, which
        // a constructor sets up rather than a request changing it.
        for statement in &self.ir.statements {
            let StatementKind::Bind { target: Target::Member { object, property, span }, .. } = &statement.kind else {
                continue;
            };
            let own = matches!(object, Expr::This(_)) || matches!(object, Expr::Name("self", _));
            if own || !is_key(property) {
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
}
