//! The binding index of a file and name lookup through its scopes.
//!
//! Lookup is flow-insensitive: every value ever bound to a name in a scope is
//! a candidate. Class scopes hold fields (`client = ...` in a class body,
//! `this.client = ...` / `self.client = ...` in its methods); plain names
//! inside methods do not see them, as in both languages.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::catalog::Catalog;
use crate::ir::{Expr, FileIr, Import, ImportKind, ScopeId, ScopeKind, StatementKind, Target};
use crate::lang::Language;
use crate::source::Span;

use super::Analyzer;

/// One value bound to a name, with the scope it was bound in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bound<'a, 's> {
    pub scope: ScopeId,
    pub value: &'a Expr<'s>,
    /// For destructuring: the property read from `value` (`None` for a
    /// positional element); `Some(None)` marks a positional part.
    pub part: Option<Option<&'s str>>,
}

/// An entry added to a local object by key: the key, where it is written,
/// the value.
pub(crate) type Item<'a, 's> = (&'s str, Span, &'a Expr<'s>);

/// What a name refers to at a point of the code.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lookup<'a, 's> {
    Bound(&'a [Bound<'a, 's>]),
    /// A function declared with `function f` / `def f`.
    Function(ScopeId),
    /// The parameter of a function: scope and index.
    Param(ScopeId),
    Import(&'a Import<'s>),
    /// Not bound in this file: a global or builtin.
    Global,
}

/// Who binds what, built once per file before the analysis.
#[derive(Default)]
pub(crate) struct ScopeIndex<'a, 's> {
    bindings: HashMap<(ScopeId, &'s str), Vec<Bound<'a, 's>>>,
    fields: HashMap<(ScopeId, &'s str), Vec<Bound<'a, 's>>>,
    /// Entries added to a local object by key (`params["max_tokens"] = n`),
    /// by the object's (scope, name).
    items: HashMap<(ScopeId, &'s str), Vec<Item<'a, 's>>>,
    functions: HashMap<(ScopeId, &'s str), ScopeId>,
    imports: HashMap<&'s str, usize>,
    /// Indices into `catalog.providers` of providers whose module this file imports.
    pub imported_providers: HashSet<usize>,
}

impl<'a, 's> ScopeIndex<'a, 's> {
    pub(crate) fn build(ir: &'a FileIr<'s>, language: Language, catalog: &Catalog) -> Self {
        let mut index = ScopeIndex::default();
        for (i, import) in ir.imports.iter().enumerate() {
            if !import.local.is_empty() {
                index.imports.insert(import.local, i);
            }
            for (p, provider) in catalog.providers.iter().enumerate() {
                if provider.owns_module(language, import.module)
                    || python_submodule(language, import).is_some_and(|m| provider.owns_module(language, &m))
                {
                    index.imported_providers.insert(p);
                }
            }
        }
        for (id, scope) in ir.scopes.iter().enumerate() {
            if scope.declaration
                && let (Some(name), Some(parent)) = (scope.name, scope.parent)
            {
                index.functions.insert((parent, name), id as ScopeId);
            }
        }
        for statement in &ir.statements {
            let StatementKind::Bind { target, value, .. } = &statement.kind else {
                continue;
            };
            let scope = statement.scope;
            match target {
                Target::Name(name, _) => {
                    let bound = Bound { scope, value, part: None };
                    index.bindings.entry((scope, *name)).or_default().push(bound);
                    if ir.scopes[scope as usize].kind == ScopeKind::Class {
                        index.fields.entry((scope, *name)).or_default().push(bound);
                    }
                }
                Target::Member { object: Expr::This(_), property, .. } => {
                    if let Some(class) = class_of(ir, scope) {
                        index.fields.entry((class, *property)).or_default().push(Bound { scope, value, part: None });
                    }
                }
                Target::Pattern(parts) => {
                    for (name, property, _) in parts {
                        let bound = Bound { scope, value, part: Some(*property) };
                        index.bindings.entry((scope, *name)).or_default().push(bound);
                    }
                }
                Target::Item { name, key, span } => {
                    index.items.entry((scope, *name)).or_default().push((*key, *span, value));
                }
                Target::Member { .. } | Target::Other => {}
            }
        }
        index
    }
}

/// `from google import genai` also names the module `google.genai`.
fn python_submodule(language: Language, import: &Import<'_>) -> Option<String> {
    match (language, import.kind) {
        (Language::Python, ImportKind::Named(name)) => Some(format!("{}.{name}", import.module)),
        _ => None,
    }
}

/// The class a method (or a function nested in one) belongs to.
pub(crate) fn class_of(ir: &FileIr<'_>, mut scope: ScopeId) -> Option<ScopeId> {
    loop {
        let s = ir.scopes.get(scope as usize)?;
        if s.kind == ScopeKind::Class {
            return Some(scope);
        }
        scope = s.parent?;
    }
}

impl<'a, 's> Analyzer<'a, 's> {
    pub(crate) fn class_of(&self, scope: ScopeId) -> Option<ScopeId> {
        class_of(self.ir, scope)
    }

    pub(crate) fn lookup(&self, name: &'s str, from: ScopeId) -> Lookup<'a, 's> {
        let ir = self.ir;
        let index = self.index;
        let mut scope = Some(from);
        while let Some(id) = scope {
            let s = &ir.scopes[id as usize];
            // Names in a class body are fields, invisible to its methods.
            if s.kind != ScopeKind::Class || id == from {
                if let Some(values) = index.bindings.get(&(id, name)) {
                    return Lookup::Bound(values);
                }
                if let Some(function) = index.functions.get(&(id, name)) {
                    return Lookup::Function(*function);
                }
                if s.params.iter().any(|p| p.name == Some(name) || p.destructured.contains(&name)) {
                    return Lookup::Param(id);
                }
            }
            scope = s.parent;
        }
        match index.imports.get(name) {
            Some(i) => Lookup::Import(&ir.imports[*i]),
            None => Lookup::Global,
        }
    }

    /// A method of the class `from` belongs to (`this.name(...)`).
    pub(crate) fn method(&self, name: &'s str, from: ScopeId) -> Option<ScopeId> {
        let class = self.class_of(from)?;
        self.index.functions.get(&(class, name)).copied()
    }

    /// The entries added by key to the local object `name` of `scope`.
    pub(crate) fn items(&self, scope: ScopeId, name: &'s str) -> &'a [Item<'a, 's>] {
        self.index.items.get(&(scope, name)).map_or(&[], Vec::as_slice)
    }

    /// The values of a field (`this.x`, `self.x`) as seen from a method.
    pub(crate) fn field(&self, name: &'s str, from: ScopeId) -> Option<&'a [Bound<'a, 's>]> {
        let class = self.class_of(from)?;
        self.index.fields.get(&(class, name)).map(Vec::as_slice)
    }
}
