//! Calls from the file's functions to functions of the project: the edges
//! the project index follows from an entrypoint to the model.

use crate::facts::{CallEdge, FunctionRef};
use crate::ir::{Expr, ImportKind, ScopeId};
use crate::lang::Language;

use super::Analyzer;
use super::scope::Lookup;

/// How many names a call is followed through to the function it runs.
const MAX_ALIASES: u32 = 3;

/// A method called on a value no other rule follows (`handler.onCreateDocument()`,
/// `provider.streamGetChatCompletion()`), when its name is distinctive
/// enough to dispatch on: a compound name (`onCreateDocument`,
/// `get_chat_completion`). One word (`create`, `invoke`, `get`) names a
/// method of every other class, and a provider's call besides.
fn method_ref(callee: &Expr<'_>) -> Option<FunctionRef> {
    let Expr::Member { object, property, .. } = callee else { return None };
    if matches!(**object, Expr::This(_)) || !is_compound(property) {
        return None;
    }
    Some(FunctionRef::Method { name: property.to_string() })
}

/// `camelCase` or `snake_case` with two words or more, not a private name.
pub(crate) fn is_compound(name: &str) -> bool {
    let word = name.trim_start_matches('_');
    word.len() == name.len()
        && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && (word.chars().any(|c| c.is_ascii_uppercase()) || word.trim_end_matches('_').contains('_'))
}

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn call_facts(&mut self) {
        let walked = self.walked;
        let mut edges = Vec::new();
        for &(scope, in_try, call) in &walked.calls {
            let target = self
                .function_ref(&call.callee, scope)
                .or_else(|| self.alias_target(&call.callee, scope, 0))
                .or_else(|| method_ref(&call.callee));
            let Some(target) = target else { continue };
            edges.push(CallEdge {
                caller: self.function_index(scope),
                target,
                location: self.locate(call.callee.span()),
                in_try,
            });
        }
        self.facts.calls = edges;
    }

    /// The project function an expression names, when it names one: a
    /// function of this file (`helper`, `this.helper`, `const helper = () =>`),
    /// or a name imported from a module no provider owns (`ask` from
    /// `@/lib/ai`, `h.ask` with `import * as h`, Python `helpers.ask` with
    /// `from app import helpers`).
    pub(crate) fn function_ref(&self, expr: &'a Expr<'s>, scope: ScopeId) -> Option<FunctionRef> {
        match expr {
            Expr::Name(name, _) => match self.lookup(name, scope) {
                Lookup::Function(id) => self.function_index(id).map(FunctionRef::Local),
                Lookup::Bound(values) => values.iter().find_map(|b| match b.value {
                    Expr::Function(id, _) if b.part.is_none() => self.function_index(*id).map(FunctionRef::Local),
                    // CommonJS: `const { summarize } = require("./ai")`, `const auth = require("./auth")`.
                    Expr::Call(call) => match (&call.callee, call.args.first()) {
                        (Expr::Name("require", _), Some(crate::ir::Arg::Positional(Expr::Str(module))))
                            if !self.owned_import(module.value) =>
                        {
                            let name = b.part.flatten().unwrap_or("default");
                            Some(FunctionRef::Import { module: module.value.to_string(), level: 0, name: name.into() })
                        }
                        _ => None,
                    },
                    _ => None,
                }),
                Lookup::Import(import) => {
                    if self.owned_import(import.module) {
                        return None;
                    }
                    let name = match import.kind {
                        ImportKind::Named(imported) => imported,
                        ImportKind::Default => "default",
                        ImportKind::Namespace | ImportKind::SideEffect => return None,
                    };
                    Some(FunctionRef::Import {
                        module: import.module.to_string(),
                        level: import.relative_level,
                        name: name.to_string(),
                    })
                }
                _ => None,
            },
            Expr::Member { object, property, .. } => match &**object {
                Expr::This(_) => {
                    self.method(property, scope).and_then(|id| self.function_index(id)).map(FunctionRef::Local)
                }
                // An injected service: `this.assistant.answer(...)` with
                // `constructor(private readonly assistant: AssistantService)`.
                Expr::Member { object: this, property: field, .. } if matches!(**this, Expr::This(_)) => {
                    self.injected_method(field, property, scope)
                }
                Expr::Name(root, _) => {
                    if let Some((module, level)) = self.module_object(root, scope) {
                        return Some(FunctionRef::Import { module, level, name: property.to_string() });
                    }
                    self.imported_object_member(root, property, scope)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// A call through a name or a field that holds a function of the
    /// project: `unwrapped = self._complete` where `self._complete =
    /// partial(self._call_model, ...)`. Followed through at most
    /// [`MAX_ALIASES`] names.
    fn alias_target(&self, expr: &'a Expr<'s>, scope: ScopeId, depth: u32) -> Option<FunctionRef> {
        if depth >= MAX_ALIASES {
            return None;
        }
        self.bound_values(expr, scope)?.into_iter().find_map(|bound| {
            let held = match bound.value {
                // `functools.partial(f, ...)` calls `f`.
                Expr::Call(call) if call.callee.last_name() == Some("partial") => call.args.first()?.value(),
                value => value,
            };
            self.function_ref(held, bound.scope).or_else(|| self.alias_target(held, bound.scope, depth + 1))
        })
    }

    /// `this.<field>.<method>` where the field is a constructor parameter
    /// typed with a class: the class's method, in this file or imported
    /// (exported as `Class.method`).
    fn injected_method(&self, field: &str, method: &'s str, scope: ScopeId) -> Option<FunctionRef> {
        let ir = self.ir;
        let class = self.class_of(scope)?;
        let constructor = ir.scopes.iter().find(|s| {
            s.parent == Some(class) && s.kind == crate::ir::ScopeKind::Function && s.name == Some("constructor")
        })?;
        let annotation = constructor.params.iter().find(|p| p.name == Some(field))?.annotation?;
        let type_name: &'s str = annotation.trim_start_matches(':').trim();
        if type_name.is_empty() || !type_name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            return None;
        }
        // A class of this file.
        if let Some((id, _)) = ir
            .scopes
            .iter()
            .enumerate()
            .find(|(_, s)| s.kind == crate::ir::ScopeKind::Class && s.name == Some(type_name))
        {
            let target = ir.scopes.iter().position(|s| {
                s.parent == Some(id as ScopeId) && s.kind == crate::ir::ScopeKind::Function && s.name == Some(method)
            })?;
            return self.function_index(target as ScopeId).map(FunctionRef::Local);
        }
        match self.lookup(type_name, scope) {
            Lookup::Import(import) if !self.owned_import(import.module) => {
                let imported = match import.kind {
                    ImportKind::Named(name) => name,
                    ImportKind::Default => "default",
                    _ => return None,
                };
                Some(FunctionRef::Import {
                    module: import.module.to_string(),
                    level: import.relative_level,
                    name: format!("{imported}.{method}"),
                })
            }
            _ => None,
        }
    }

    /// The project module a name stands for as a whole, with its relative
    /// level: `import * as h from "./h"`, CommonJS `const h = require("./h")`,
    /// Python `from app import helpers` (the submodule `app.helpers`).
    /// Modules a provider owns are not the project's.
    pub(crate) fn module_object(&self, name: &'s str, scope: ScopeId) -> Option<(String, u8)> {
        let (module, level) = match self.lookup(name, scope) {
            Lookup::Import(import) => match import.kind {
                ImportKind::Namespace => (import.module.to_string(), import.relative_level),
                ImportKind::Named(submodule) if self.language == Language::Python => {
                    let module = if import.module.is_empty() {
                        submodule.to_string()
                    } else {
                        format!("{}.{submodule}", import.module)
                    };
                    (module, import.relative_level)
                }
                _ => return None,
            },
            Lookup::Bound(values) => values.iter().find_map(|b| match (b.value, b.part) {
                (Expr::Call(call), None) => match (&call.callee, call.args.first()) {
                    (Expr::Name("require", _), Some(crate::ir::Arg::Positional(Expr::Str(module)))) => {
                        Some((module.value.to_string(), 0))
                    }
                    _ => None,
                },
                _ => None,
            })?,
            _ => return None,
        };
        (!self.owned_import(&module)).then_some((module, level))
    }

    /// `controller.createPrediction` where `controller` is an ES import of
    /// an object (`export default { createPrediction }`) or a class
    /// (`Service.create`): the exporting module names it
    /// `default.createPrediction` (see `export_facts`). When the module
    /// exports no such function, the project index dispatches on the
    /// method's name as for any other receiver.
    fn imported_object_member(&self, root: &'s str, property: &str, scope: ScopeId) -> Option<FunctionRef> {
        if !self.language.is_js_family() {
            return None;
        }
        let Lookup::Import(import) = self.lookup(root, scope) else { return None };
        let exported = match import.kind {
            ImportKind::Default => "default",
            ImportKind::Named(imported) => imported,
            ImportKind::Namespace | ImportKind::SideEffect => return None,
        };
        if self.owned_import(import.module) {
            return None;
        }
        Some(FunctionRef::Import {
            module: import.module.to_string(),
            level: import.relative_level,
            name: format!("{exported}.{property}"),
        })
    }

    pub(super) fn owned_import(&self, module: &str) -> bool {
        self.catalog.providers.iter().any(|p| p.owns_module(self.language, module))
    }
}
