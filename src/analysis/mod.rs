//! From the lowered IR of one file to its [`FileFacts`].
//!
//! The analysis is language-neutral: it resolves names through scopes,
//! bindings and imports, matches calls against the provider catalogue, follows
//! options through simple local bindings, and tracks where model output and
//! request input flow inside the file.
//!
//! - [`scope`]: the binding index and name lookup;
//! - [`objects`]: what a callee or receiver is (a module member, a client, a
//!   model), client constructions, inference sites and their options;
//! - [`flow`]: data flow of model output to sinks and of request input to
//!   system instructions;
//! - [`literals`]: provider keys and model endpoints written as literals.

mod flow;
mod literals;
mod objects;
mod scope;

use std::collections::{HashMap, HashSet};

use crate::catalog::Catalog;
use crate::facts::{FileFacts, FunctionFact, FunctionIndex, ImportFact};
use crate::ir::{Call, Expr, FileIr, ImportKind, ScopeId, ScopeKind, StatementKind, Target};
use crate::lang::Language;
use crate::source::{LineIndex, Location, Span};

use objects::ClientInfo;
use scope::ScopeIndex;

/// Analyses one lowered file.
pub fn analyze(ir: &FileIr<'_>, lines: &LineIndex<'_>, language: Language, catalog: &Catalog, path: &str) -> FileFacts {
    let index = ScopeIndex::build(ir, language, catalog);
    let mut analyzer = Analyzer::new(ir, &index, lines, language, catalog);
    analyzer.run();
    analyzer.into_facts(path)
}

pub(crate) struct Analyzer<'a, 's> {
    ir: &'a FileIr<'s>,
    lines: &'a LineIndex<'s>,
    language: Language,
    catalog: &'a Catalog,
    index: &'a ScopeIndex<'a, 's>,
    // objects (see objects.rs)
    clients: Vec<ClientInfo<'a, 's>>,
    constructions: HashMap<Span, Option<usize>>,
    site_by_call: HashMap<Span, usize>,
    /// Calls whose rejection is handled by a chained `.catch` or `allSettled`.
    caught: HashSet<Span>,
    facts: FileFacts,
}

impl<'a, 's> Analyzer<'a, 's> {
    fn new(
        ir: &'a FileIr<'s>,
        index: &'a ScopeIndex<'a, 's>,
        lines: &'a LineIndex<'s>,
        language: Language,
        catalog: &'a Catalog,
    ) -> Self {
        Analyzer {
            ir,
            index,
            lines,
            language,
            catalog,
            clients: Vec::new(),
            constructions: HashMap::new(),
            site_by_call: HashMap::new(),
            caught: HashSet::new(),
            facts: FileFacts { language: Some(language), ..FileFacts::default() },
        }
    }

    fn run(&mut self) {
        self.find_caught_calls();
        let ir = self.ir;
        // Constructions first: inference sites resolve their receivers to them.
        for statement in &ir.statements {
            self.for_each_call(&statement.kind, |this, call| {
                this.construction(call, statement.scope, 0);
            });
        }
        for statement in &ir.statements {
            let in_try = statement.in_try;
            self.for_each_call(&statement.kind, |this, call| {
                this.inference(call, statement.scope, in_try);
            });
        }
        self.client_facts();
        self.flows();
        self.literals();
        self.function_facts();
        self.import_facts();
    }

    fn into_facts(mut self, path: &str) -> FileFacts {
        self.facts.path = path.to_string();
        self.facts
    }

    pub(crate) fn locate(&self, span: Span) -> Location {
        self.lines.locate(span)
    }

    /// The source text of a span, shortened for messages.
    pub(crate) fn snippet(&self, span: Span, max: usize) -> String {
        let text = self.lines.source().get(span.as_range()).unwrap_or("");
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() <= max {
            one_line
        } else {
            let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
            format!("{cut}…")
        }
    }

    /// Calls `f` for every call expression in a statement, outermost first.
    fn for_each_call(&mut self, kind: &'a StatementKind<'s>, mut f: impl FnMut(&mut Self, &'a Call<'s>)) {
        let mut visit = |this: &mut Self, expr: &'a Expr<'s>| {
            let mut calls = Vec::new();
            expr.walk(|e| {
                if let Expr::Call(call) = e {
                    calls.push(&**call);
                }
            });
            for call in calls {
                f(this, call);
            }
        };
        match kind {
            StatementKind::Bind { target, value, .. } => {
                if let Target::Member { object, .. } = target {
                    visit(self, object);
                }
                visit(self, value);
            }
            StatementKind::Eval(e) | StatementKind::Return(e) | StatementKind::JsxAttribute { value: e, .. } => {
                visit(self, e)
            }
        }
    }

    /// Every expression of the file with the scope it is evaluated in:
    /// statements, decorators and parameter defaults.
    fn all_expressions(&self) -> Vec<(ScopeId, &'a Expr<'s>)> {
        let ir = self.ir;
        let mut out = Vec::with_capacity(ir.statements.len());
        for statement in &ir.statements {
            match &statement.kind {
                StatementKind::Bind { target, value, .. } => {
                    if let Target::Member { object, .. } = target {
                        out.push((statement.scope, object));
                    }
                    out.push((statement.scope, value));
                }
                StatementKind::Eval(e) | StatementKind::Return(e) | StatementKind::JsxAttribute { value: e, .. } => {
                    out.push((statement.scope, e))
                }
            }
        }
        for (id, scope) in ir.scopes.iter().enumerate() {
            let parent = scope.parent.unwrap_or(0);
            out.extend(scope.decorators.iter().map(|d| (parent, d)));
            out.extend(scope.params.iter().filter_map(|p| p.default.as_ref()).map(|d| (id as ScopeId, d)));
        }
        out
    }

    /// Marks calls whose promise rejection is handled where they are made:
    /// `call().catch(...)`, `call().then(ok, err)`, `Promise.allSettled([...])`.
    fn find_caught_calls(&mut self) {
        let catch_methods = &self.catalog.controls.failure.catch_methods;
        let mut caught = HashSet::new();
        for (_, expr) in self.all_expressions() {
            expr.walk(|e| {
                let Expr::Call(call) = e else { return };
                let handled_receiver = match &call.callee {
                    Expr::Member { object, property, .. }
                        if catch_methods.iter().any(|m| m == property)
                            || (*property == "then" && call.args.len() >= 2) =>
                    {
                        Some(&**object)
                    }
                    _ => None,
                };
                let settled = matches!(call.callee.dotted().as_deref(), Some(["Promise", "allSettled"]));
                let mut mark = |root: &Expr<'_>| {
                    root.walk(|inner| {
                        if let Expr::Call(c) = inner {
                            caught.insert(c.span);
                        }
                    })
                };
                if let Some(receiver) = handled_receiver {
                    mark(receiver);
                }
                if settled {
                    for arg in &call.args {
                        mark(arg.value());
                    }
                }
            });
        }
        self.caught = caught;
    }

    /// The nearest enclosing function scope (or the scope itself).
    pub(crate) fn function_scope(&self, mut scope: ScopeId) -> Option<ScopeId> {
        loop {
            let s = self.ir.scopes.get(scope as usize)?;
            if s.kind == ScopeKind::Function {
                return Some(scope);
            }
            scope = s.parent?;
        }
    }

    fn function_index(&self, scope: ScopeId) -> Option<FunctionIndex> {
        let function = self.function_scope(scope)?;
        // Function facts are numbered in scope order, skipping non-functions.
        let index = self.ir.scopes[..function as usize].iter().filter(|s| s.kind == ScopeKind::Function).count();
        Some(index as FunctionIndex)
    }

    fn function_facts(&mut self) {
        let mut index_of = HashMap::new();
        for (id, scope) in self.ir.scopes.iter().enumerate() {
            if scope.kind != ScopeKind::Function {
                continue;
            }
            let parent = scope.parent.and_then(|p| self.function_scope(p)).and_then(|p| index_of.get(&p).copied());
            index_of.insert(id as ScopeId, self.facts.functions.len() as FunctionIndex);
            self.facts.functions.push(FunctionFact {
                name: scope.name.map(str::to_string),
                location: self.locate(scope.span),
                exported: scope.exported,
                parent,
            });
        }
    }

    fn import_facts(&mut self) {
        for import in &self.ir.imports {
            self.facts.imports.push(ImportFact {
                module: import.module.to_string(),
                name: match import.kind {
                    ImportKind::Named(name) => Some(name.to_string()),
                    _ => None,
                },
                local: import.local.to_string(),
                location: self.lines.locate(import.span),
                relative_level: import.relative_level,
            });
        }
    }
}
