//! What a module exports: functions, clients and model objects, re-exports.
//!
//! ES modules say it with `export`; CommonJS with `module.exports` and
//! `exports.x`; in Python every module-level function and name can be
//! imported. Other files resolve their imports against these facts (the
//! project index), so a client built in `lib/ai.ts` is a client wherever it
//! is imported.

use rustc_hash::FxHashMap as HashMap;

use crate::facts::{ExportFact, ExportTarget};
use crate::ir::{Expr, ScopeId, ScopeKind, StatementKind, Target};
use crate::lang::Language;

use super::Analyzer;
use super::objects::ObjRef;
use super::scope::Lookup;

const MODULE: ScopeId = 0;

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn export_facts(&mut self) {
        let ir = self.ir;
        let mut exports = Vec::new();
        for export in &ir.exports {
            let target = match export.source {
                Some(module) => ExportTarget::Reexport { module: module.to_string(), name: export.local.to_string() },
                None => self.export_target_of_name(export.local, 0),
            };
            exports.push(ExportFact { name: export.exported.to_string(), target });
        }
        // An object exported whole (`export default { createPrediction,
        // getStats }`, the controllers and services of many Express apps):
        // importers call its functions as `controller.createPrediction(...)`,
        // which is `default.createPrediction` here (as a class's methods are).
        if self.language.is_js_family() {
            for export in ir.exports.iter().filter(|e| e.source.is_none()) {
                let Lookup::Bound(values) = self.lookup(export.local, MODULE) else { continue };
                let Some(Expr::Object(props, _)) = values.last().filter(|b| b.part.is_none()).map(|b| b.value) else {
                    continue;
                };
                for prop in props {
                    if let crate::ir::Prop::Pair { key, value, .. } = prop {
                        let target = self.export_target_of_value(value, MODULE, 0);
                        if !matches!(target, ExportTarget::Other) {
                            exports.push(ExportFact { name: format!("{}.{key}", export.exported), target });
                        }
                    }
                }
            }
        }
        // CommonJS: `module.exports = x`, `module.exports = { a, b }`, `exports.x = ...`.
        for statement in ir.statements.iter().filter(|s| s.scope == MODULE) {
            let StatementKind::Bind { target: Target::Member { object, property, .. }, value, .. } = &statement.kind
            else {
                continue;
            };
            let module_exports = matches!(object, Expr::Name("module", _)) && *property == "exports";
            let named = matches!(object, Expr::Name("exports", _))
                || object.dotted().as_deref() == Some(&["module", "exports"]);
            if module_exports {
                if let Expr::Object(props, _) = value {
                    for prop in props {
                        if let crate::ir::Prop::Pair { key, value, .. } = prop {
                            let target = self.export_target_of_value(value, MODULE, 0);
                            exports.push(ExportFact { name: key.to_string(), target });
                        }
                    }
                }
                let target = self.export_target_of_value(value, MODULE, 0);
                exports.push(ExportFact { name: "default".to_string(), target });
            } else if named {
                let target = self.export_target_of_value(value, MODULE, 0);
                exports.push(ExportFact { name: property.to_string(), target });
            }
        }
        // Python: every module-level function and assignment.
        if self.language == Language::Python {
            for (id, scope) in ir.scopes.iter().enumerate() {
                if scope.kind == ScopeKind::Function
                    && scope.declaration
                    && scope.parent == Some(MODULE)
                    && let (Some(name), Some(index)) = (scope.name, self.function_index(id as ScopeId))
                {
                    exports.push(ExportFact { name: name.to_string(), target: ExportTarget::Function(index) });
                }
            }
            for statement in ir.statements.iter().filter(|s| s.scope == MODULE) {
                if let StatementKind::Bind { target: Target::Name(name, _), value, .. } = &statement.kind {
                    let target = self.export_target_of_value(value, MODULE, 0);
                    exports.push(ExportFact { name: name.to_string(), target });
                }
            }
        }
        // Methods of exported classes, for calls through injected instances
        // (`this.assistant.answer()` → `AssistantService.answer`).
        // Looked up once (a generated module exports tens of thousands of
        // names: a search per export would be quadratic).
        let mut local_of: HashMap<&str, &str> = HashMap::default();
        for e in ir.exports.iter().filter(|e| e.source.is_none()) {
            local_of.entry(e.exported).or_insert(e.local);
        }
        let mut class_of: HashMap<&str, usize> = HashMap::default();
        let mut methods_of: HashMap<usize, Vec<usize>> = HashMap::default();
        for (id, scope) in ir.scopes.iter().enumerate() {
            if scope.kind == ScopeKind::Class
                && let Some(name) = scope.name
            {
                class_of.entry(name).or_insert(id);
            }
            if scope.kind == ScopeKind::Function
                && let Some(parent) = scope.parent
            {
                methods_of.entry(parent as usize).or_default().push(id);
            }
        }
        let mut methods = Vec::new();
        for export in &exports {
            let Some(local) = local_of.get(export.name.as_str()) else { continue };
            let Some(&class) = class_of.get(local) else { continue };
            for &id in methods_of.get(&class).map(Vec::as_slice).unwrap_or_default() {
                if let (Some(name), Some(index)) = (ir.scopes[id].name, self.function_index(id as ScopeId)) {
                    let target = ExportTarget::Function(index);
                    methods.push(ExportFact { name: format!("{}.{name}", export.name), target });
                }
            }
        }
        exports.extend(methods);
        // The last binding of a name wins, as at run time; every
        // `export * from` stands (a barrel has one per module it passes on).
        let mut seen = std::collections::HashSet::new();
        exports.reverse();
        exports.retain(|e| e.name == "*" || seen.insert(e.name.clone()));
        exports.reverse();
        self.facts.exports = exports;
    }

    /// What a module-level name is bound to.
    fn export_target_of_name(&mut self, name: &'s str, depth: u32) -> ExportTarget {
        if depth > 8 || self.budget.step() {
            return ExportTarget::Other;
        }
        match self.lookup(name, MODULE) {
            Lookup::Function(id) => self.function_index(id).map_or(ExportTarget::Other, ExportTarget::Function),
            Lookup::Bound(values) => match values.last() {
                Some(bound) if bound.part.is_none() => self.export_target_of_value(bound.value, bound.scope, depth + 1),
                _ => ExportTarget::Other,
            },
            Lookup::Import(import) => ExportTarget::Reexport {
                // Python relative imports keep their dots: `from ..llm import x`.
                module: format!("{}{}", ".".repeat(import.relative_level as usize), import.module),
                name: match import.kind {
                    crate::ir::ImportKind::Named(imported) => imported.to_string(),
                    _ => "default".to_string(),
                },
            },
            _ => ExportTarget::Other,
        }
    }

    fn export_target_of_value(&mut self, value: &'a Expr<'s>, scope: ScopeId, depth: u32) -> ExportTarget {
        // FastAPI `CurrentUser = Annotated[User, Depends(get_current_user)]`:
        // importers depend on `get_current_user`.
        if self.language == Language::Python && matches!(value, Expr::Index { .. }) {
            let text: &'s str = self.lines.source().get(value.span().as_range()).unwrap_or("");
            if text.starts_with("Annotated[")
                && let Some(name) = super::guards::annotated_dependencies(text).into_iter().next()
            {
                return self.export_target_of_name(name, depth + 1);
            }
        }
        if let Expr::Call(call) = value
            && let Some(kind) = self.guard_call_kind(call, scope)
        {
            let name = self.snippet(call.callee.span(), 40);
            return ExportTarget::Guard { kind, name: format!("{name}()"), location: self.locate(call.span) };
        }
        match value {
            Expr::Function(id, _) => self.function_index(*id).map_or(ExportTarget::Other, ExportTarget::Function),
            Expr::Name(name, _) => self.export_target_of_name(name, depth + 1),
            _ => match self.resolve(value, scope, 0) {
                ObjRef::Client { client, path, fallback, .. } if path.is_empty() => {
                    ExportTarget::Client { client: client as u32, fallback: fallback.map(|span| self.locate(span)) }
                }
                _ => ExportTarget::Other,
            },
        }
    }
}
