//! Lowering of the TypeScript and TSX grammars (and JavaScript, parsed as TSX)
//! to [`crate::ir`].
//!
//! Statements are walked with an explicit work stack, so nesting depth costs
//! heap, not call stack; expressions recurse up to the configured depth
//! (`[scan] max_nesting_depth`, [`crate::limits`]).

use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use crate::ir::{
    Arg, Builder, Call, Export, Expr, FileIr, Import, ImportKind, Lit, Param, Prop, Scope, ScopeId, ScopeKind,
    StatementKind, Str, Target, span_of, unquote,
};
use crate::limits::{Budget, Phase};

crate::ir::field_table!(
    alias,
    alternative,
    arguments,
    body,
    condition,
    consequence,
    constructor,
    declaration,
    finalizer,
    function,
    handler,
    increment,
    index,
    initializer,
    key,
    left,
    name,
    object,
    operator,
    parameter,
    parameters,
    pattern,
    property,
    right,
    source,
    type_,
    value,
    decorator
);

/// The field table of the grammar a tree was parsed with (TypeScript and TSX
/// number their fields differently).
fn fields(tree: &Tree) -> &'static Fields {
    static TYPESCRIPT: OnceLock<Fields> = OnceLock::new();
    static TSX: OnceLock<Fields> = OnceLock::new();
    let language = tree.language();
    let cell = if language.id_for_node_kind("jsx_element", true) != 0 { &TSX } else { &TYPESCRIPT };
    cell.get_or_init(|| Fields::new(&language))
}

/// Lowers a parsed file: expressions are followed `max_depth` deep, and
/// the work stops (leaving the IR incomplete) once `budget` is past.
pub fn lower<'s>(tree: &Tree, source: &'s str, max_depth: u32, budget: &Budget) -> FileIr<'s> {
    let root = tree.root_node();
    let f = fields(tree);
    let mut lowerer =
        Lowerer { b: Builder::new(source), f, work: Vec::new(), depth: 0, max_depth, budget, scope: 0, in_try: false };
    let directives = lowerer.directives(root);
    lowerer.b.ir.directives = directives;
    lowerer.work.push(Work::Block { node: root, scope: 0, in_try: false });
    while let Some(work) = lowerer.work.pop() {
        if budget.tick(Phase::Lowering) {
            break;
        }
        lowerer.run(work);
    }
    lowerer.b.ir
}

enum Work<'t> {
    /// Each named child is a statement.
    Block {
        node: Node<'t>,
        scope: ScopeId,
        in_try: bool,
    },
    Statement {
        node: Node<'t>,
        scope: ScopeId,
        in_try: bool,
        exported: bool,
    },
    /// The expression body of an arrow function: its value is returned.
    ExprBody {
        node: Node<'t>,
        scope: ScopeId,
    },
    ClassBody {
        node: Node<'t>,
        scope: ScopeId,
    },
}

struct Lowerer<'t, 's> {
    b: Builder<'s>,
    f: &'static Fields,
    work: Vec<Work<'t>>,
    depth: u32,
    /// Expressions nested deeper than this are cut off (`[scan] max_nesting_depth`).
    max_depth: u32,
    budget: &'t Budget,
    /// Context of the statement being lowered, for statements that
    /// expressions create on the way (nested assignments, JSX attributes).
    scope: ScopeId,
    in_try: bool,
}

impl<'t, 's> Lowerer<'t, 's> {
    fn text(&self, node: Node<'_>) -> &'s str {
        self.b.text(node)
    }

    fn run(&mut self, work: Work<'t>) {
        match work {
            Work::Block { node, scope, in_try } => self.block(node, scope, in_try),
            Work::Statement { node, scope, in_try, exported } => {
                self.scope = scope;
                self.in_try = in_try;
                self.statement(node, scope, in_try, exported);
            }
            Work::ExprBody { node, scope } => {
                self.scope = scope;
                self.in_try = false;
                let value = self.expr(node);
                self.b.push(scope, false, span_of(node), StatementKind::Return(value));
            }
            Work::ClassBody { node, scope } => self.class_body(node, scope),
        }
    }

    fn block(&mut self, node: Node<'t>, scope: ScopeId, in_try: bool) {
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        for child in children.into_iter().rev() {
            self.work.push(Work::Statement { node: child, scope, in_try, exported: false });
        }
    }

    fn push_child(&mut self, node: Option<Node<'t>>, scope: ScopeId, in_try: bool) {
        if let Some(node) = node {
            self.work.push(Work::Statement { node, scope, in_try, exported: false });
        }
    }

    fn eval(&mut self, node: Option<Node<'t>>) {
        if let Some(node) = node {
            let value = self.expr(node);
            self.b.push(self.scope, self.in_try, span_of(node), StatementKind::Eval(value));
        }
    }

    fn statement(&mut self, node: Node<'t>, scope: ScopeId, in_try: bool, exported: bool) {
        match self.f.kind(&node) {
            "expression_statement" => {
                if let Some(expr) = node.named_child(0) {
                    self.expression_statement(expr);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut cursor = node.walk();
                let declarators: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
                for declarator in declarators.into_iter().filter(|d| self.f.kind(d) == "variable_declarator") {
                    let (Some(name), Some(value)) =
                        (declarator.child_by_field_id(self.f.name), declarator.child_by_field_id(self.f.value))
                    else {
                        continue;
                    };
                    let target = self.target(name);
                    let binding_name = match &target {
                        Target::Name(n, _) => Some(*n),
                        _ => None,
                    };
                    let value = self.expr_named(value, binding_name, exported);
                    self.b.push(scope, in_try, span_of(declarator), StatementKind::Bind { target, value, exported });
                }
            }
            "function_declaration" | "generator_function_declaration" => {
                let name = node.child_by_field_id(self.f.name).map(|n| self.text(n));
                let id = self.function(node, scope, name, None);
                let declared = self.b.scope_mut(id);
                declared.exported = exported;
                declared.declaration = true;
            }
            "class_declaration" | "abstract_class_declaration" => {
                self.class(node, scope, exported);
            }
            "export_statement" => self.export(node, scope, in_try),
            "import_statement" => self.import(node),
            "if_statement" => {
                self.eval(node.child_by_field_id(self.f.condition));
                self.push_child(node.child_by_field_id(self.f.consequence), scope, in_try);
                if let Some(alternative) = node.child_by_field_id(self.f.alternative) {
                    self.push_child(alternative.named_child(0), scope, in_try);
                }
            }
            "for_statement" => {
                self.push_child(node.child_by_field_id(self.f.initializer), scope, in_try);
                self.eval(node.child_by_field_id(self.f.condition));
                self.eval(node.child_by_field_id(self.f.increment));
                self.push_child(node.child_by_field_id(self.f.body), scope, in_try);
            }
            "for_in_statement" => {
                if let (Some(left), Some(right)) =
                    (node.child_by_field_id(self.f.left), node.child_by_field_id(self.f.right))
                {
                    let target = self.target(left);
                    let iterated = self.expr(right);
                    let value = Expr::Other(vec![iterated], span_of(right));
                    self.b.push(scope, in_try, span_of(node), StatementKind::Bind { target, value, exported: false });
                }
                self.push_child(node.child_by_field_id(self.f.body), scope, in_try);
            }
            "while_statement" | "do_statement" => {
                self.eval(node.child_by_field_id(self.f.condition));
                self.push_child(node.child_by_field_id(self.f.body), scope, in_try);
            }
            "try_statement" => {
                let handler = node.child_by_field_id(self.f.handler);
                if let Some(body) = node.child_by_field_id(self.f.body) {
                    self.work.push(Work::Block { node: body, scope, in_try: in_try || handler.is_some() });
                }
                // A call in the handler is the fallback of the one that
                // failed: the handler is the failure path of both.
                if let Some(body) = handler.and_then(|h| h.child_by_field_id(self.f.body)) {
                    self.work.push(Work::Block { node: body, scope, in_try: true });
                }
                if let Some(body) =
                    node.child_by_field_id(self.f.finalizer).and_then(|f| f.child_by_field_id(self.f.body))
                {
                    self.work.push(Work::Block { node: body, scope, in_try });
                }
            }
            "return_statement" => {
                if let Some(value) = node.named_child(0) {
                    let value = self.expr(value);
                    self.b.push(scope, in_try, span_of(node), StatementKind::Return(value));
                }
            }
            "throw_statement" => self.eval(node.named_child(0)),
            "statement_block" | "else_clause" | "finally_clause" | "class_static_block" | "ERROR" => {
                self.work.push(Work::Block { node, scope, in_try });
            }
            "switch_statement" => {
                self.eval(node.child_by_field_id(self.f.value));
                if let Some(body) = node.child_by_field_id(self.f.body) {
                    self.work.push(Work::Block { node: body, scope, in_try });
                }
            }
            "switch_case" | "switch_default" => {
                let value = node.child_by_field_id(self.f.value);
                self.eval(value);
                let mut cursor = node.walk();
                let children: Vec<Node<'t>> =
                    node.named_children(&mut cursor).filter(|c| Some(c.id()) != value.map(|v| v.id())).collect();
                for child in children.into_iter().rev() {
                    self.work.push(Work::Statement { node: child, scope, in_try, exported: false });
                }
            }
            "labeled_statement" => self.push_child(node.child_by_field_id(self.f.body), scope, in_try),
            "internal_module" | "module" => {
                if let Some(body) = node.child_by_field_id(self.f.body) {
                    self.work.push(Work::Block { node: body, scope, in_try });
                }
            }
            "expression" => self.push_child(node.named_child(0), scope, in_try),
            "empty_statement"
            | "break_statement"
            | "continue_statement"
            | "debugger_statement"
            | "comment"
            | "hash_bang_line"
            | "type_alias_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "ambient_declaration"
            | "abstract_method_signature"
            | "function_signature"
            | "import_alias"
            | "decorator" => {}
            _ => self.eval(Some(node)),
        }
    }

    fn expression_statement(&mut self, expr: Node<'t>) {
        match self.f.kind(&expr) {
            "assignment_expression" | "augmented_assignment_expression" => {
                self.assignment(expr, false);
            }
            _ => self.eval(Some(expr)),
        }
    }

    /// Pushes the binding of an assignment; returns the assigned value when
    /// `want_value` (an assignment inside an expression).
    fn assignment(&mut self, node: Node<'t>, want_value: bool) -> Option<Expr<'s>> {
        let (Some(left), Some(right)) = (node.child_by_field_id(self.f.left), node.child_by_field_id(self.f.right))
        else {
            return want_value.then(|| Expr::Other(Vec::new(), span_of(node)));
        };
        let target = self.target(left);
        let name = match &target {
            Target::Name(n, _) => Some(*n),
            Target::Member { property, .. } => Some(*property),
            _ => None,
        };
        let mut value = self.expr_named(right, name, false);
        if self.f.kind(&node) == "augmented_assignment_expression" {
            // `buf += chunk`: the new value is built from the old one.
            let old = self.expr(left);
            value = Expr::Interp(vec![old, value], span_of(node));
        }
        let returned = want_value.then(|| value.clone());
        self.b.push(self.scope, self.in_try, span_of(node), StatementKind::Bind { target, value, exported: false });
        returned
    }

    fn target(&mut self, node: Node<'t>) -> Target<'s> {
        match self.f.kind(&node) {
            "identifier" | "shorthand_property_identifier_pattern" => Target::Name(self.text(node), span_of(node)),
            "member_expression" => {
                let object = node.child_by_field_id(self.f.object).map(|o| self.expr(o));
                let property = node.child_by_field_id(self.f.property).map(|p| self.text(p));
                match (object, property) {
                    (Some(object), Some(property)) => Target::Member { object, property, span: span_of(node) },
                    _ => Target::Other,
                }
            }
            "object_pattern" | "array_pattern" => {
                let mut names = Vec::new();
                self.pattern_names(node, None, &mut names, 0);
                Target::Pattern(names)
            }
            "parenthesized_expression" | "non_null_expression" => match node.named_child(0) {
                Some(inner) => self.target(inner),
                None => Target::Other,
            },
            "subscript_expression" => {
                let object = node.child_by_field_id(self.f.object).map(|o| self.expr(o));
                let key = node.child_by_field_id(self.f.index).map(|i| self.expr(i));
                Target::item(object, key)
            }
            _ => Target::Other,
        }
    }

    /// Collects the names a destructuring pattern binds, with the property
    /// each is read from (first level only).
    fn pattern_names(
        &mut self,
        node: Node<'t>,
        property: Option<&'s str>,
        out: &mut Vec<(&'s str, Option<&'s str>, crate::source::Span)>,
        depth: u32,
    ) {
        if depth > 32 {
            return;
        }
        match self.f.kind(&node) {
            "identifier" => out.push((self.text(node), property, span_of(node))),
            "shorthand_property_identifier_pattern" => {
                let name = self.text(node);
                out.push((name, Some(name), span_of(node)));
            }
            "pair_pattern" => {
                let key = node.child_by_field_id(self.f.key).map(|k| unquote(self.text(k)));
                if let Some(value) = node.child_by_field_id(self.f.value) {
                    self.pattern_names(value, key, out, depth + 1);
                }
            }
            "object_assignment_pattern" | "assignment_pattern" => {
                if let Some(left) = node.child_by_field_id(self.f.left) {
                    self.pattern_names(left, property, out, depth + 1);
                }
            }
            "rest_pattern" => {
                if let Some(inner) = node.named_child(0) {
                    self.pattern_names(inner, None, out, depth + 1);
                }
            }
            "object_pattern" | "array_pattern" => {
                let nested = depth > 0;
                let mut cursor = node.walk();
                let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
                for child in children {
                    // Properties of a nested pattern are not the outer value's.
                    self.pattern_names(child, if nested { None } else { property }, out, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn export(&mut self, node: Node<'t>, scope: ScopeId, in_try: bool) {
        let span = span_of(node);
        let source = node.child_by_field_id(self.f.source).map(|s| unquote(self.text(s)));
        let mut cursor = node.walk();
        let is_default = node.children(&mut cursor).any(|c| self.f.kind(&c) == "default");
        if let Some(declaration) = node.child_by_field_id(self.f.declaration) {
            for local in self.declared_names(declaration) {
                let exported = if is_default { "default" } else { local };
                self.b.ir.exports.push(Export { exported, local, source: None, span });
            }
            self.work.push(Work::Statement { node: declaration, scope, in_try, exported: true });
        } else if let Some(value) = node.child_by_field_id(self.f.value) {
            // `export default <expression>`
            let value = self.expr_named(value, Some("default"), true);
            let target = Target::Name("default", span);
            self.b.push(scope, in_try, span, StatementKind::Bind { target, value, exported: true });
            self.b.ir.exports.push(Export { exported: "default", local: "default", source: None, span });
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        for child in children {
            match self.f.kind(&child) {
                // `export { a, b as c } [from "m"]`
                "export_clause" => {
                    let mut inner = child.walk();
                    let specifiers: Vec<Node<'t>> = child.named_children(&mut inner).collect();
                    for specifier in specifiers.into_iter().filter(|s| self.f.kind(s) == "export_specifier") {
                        let Some(name) = specifier.child_by_field_id(self.f.name) else { continue };
                        let local = unquote(self.text(name));
                        let exported =
                            specifier.child_by_field_id(self.f.alias).map_or(local, |a| unquote(self.text(a)));
                        self.b.ir.exports.push(Export { exported, local, source, span });
                    }
                }
                // `export * as ns from "m"`
                "namespace_export" => {
                    let exported = child.named_child(0).map_or("*", |n| unquote(self.text(n)));
                    self.b.ir.exports.push(Export { exported, local: "*", source, span });
                }
                _ => {}
            }
        }
        if let Some(module) = source {
            // `export * from "m"`
            if node.child_by_field_id(self.f.declaration).is_none()
                && !node
                    .named_children(&mut node.walk())
                    .any(|c| matches!(self.f.kind(&c), "export_clause" | "namespace_export"))
            {
                self.b.ir.exports.push(Export { exported: "*", local: "*", source, span });
            }
            // A re-export is an import too.
            self.b.ir.imports.push(Import { module, kind: ImportKind::SideEffect, local: "", span, relative_level: 0 });
        }
    }

    /// The names a declaration binds: a function's or class's name, each
    /// plain variable of `const a = ..., b = ...`.
    fn declared_names(&self, declaration: Node<'t>) -> Vec<&'s str> {
        match self.f.kind(&declaration) {
            "lexical_declaration" | "variable_declaration" => {
                let mut cursor = declaration.walk();
                declaration
                    .named_children(&mut cursor)
                    .filter_map(|d| d.child_by_field_id(self.f.name))
                    .filter(|n| self.f.kind(n) == "identifier")
                    .map(|n| self.text(n))
                    .collect()
            }
            _ => declaration.child_by_field_id(self.f.name).map(|n| self.text(n)).into_iter().collect(),
        }
    }

    fn import(&mut self, node: Node<'t>) {
        let Some(source) = node.child_by_field_id(self.f.source) else {
            return;
        };
        let module = unquote(self.text(source));
        let span = span_of(node);
        let mut bound = false;
        let mut cursor = node.walk();
        for clause in node.named_children(&mut cursor).filter(|c| self.f.kind(c) == "import_clause") {
            let mut inner = clause.walk();
            for part in clause.named_children(&mut inner) {
                match self.f.kind(&part) {
                    "identifier" => {
                        bound = true;
                        self.b.ir.imports.push(Import {
                            module,
                            kind: ImportKind::Default,
                            local: self.b.text(part),
                            span,
                            relative_level: 0,
                        });
                    }
                    "namespace_import" => {
                        if let Some(name) = part.named_child(0) {
                            bound = true;
                            self.b.ir.imports.push(Import {
                                module,
                                kind: ImportKind::Namespace,
                                local: self.b.text(name),
                                span,
                                relative_level: 0,
                            });
                        }
                    }
                    "named_imports" => {
                        let mut specs = part.walk();
                        for spec in part.named_children(&mut specs).filter(|s| self.f.kind(s) == "import_specifier") {
                            let Some(name) = spec.child_by_field_id(self.f.name) else {
                                continue;
                            };
                            let imported = unquote(self.b.text(name));
                            let local = spec.child_by_field_id(self.f.alias).map_or(imported, |a| self.b.text(a));
                            bound = true;
                            self.b.ir.imports.push(Import {
                                module,
                                kind: ImportKind::Named(imported),
                                local,
                                span,
                                relative_level: 0,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        if !bound {
            self.b.ir.imports.push(Import { module, kind: ImportKind::SideEffect, local: "", span, relative_level: 0 });
        }
    }

    /// The directive prologue (`'use server'`) of a program or function body.
    fn directives(&self, body: Node<'t>) -> Vec<&'s str> {
        let mut out = Vec::new();
        let mut cursor = body.walk();
        for child in body.named_children(&mut cursor) {
            match self.f.kind(&child) {
                "comment" | "hash_bang_line" => continue,
                "expression_statement" => match child.named_child(0) {
                    Some(s) if self.f.kind(&s) == "string" => out.push(unquote(self.text(s))),
                    _ => break,
                },
                _ => break,
            }
        }
        out
    }

    /// Creates the scope of a function-like node and queues its body.
    fn function(
        &mut self,
        node: Node<'t>,
        parent: ScopeId,
        name: Option<&'s str>,
        passed_to: Option<&'s str>,
    ) -> ScopeId {
        let mut scope = Scope::new(ScopeKind::Function, Some(parent), span_of(node));
        scope.name = name;
        scope.passed_to = passed_to;
        let id = self.b.add_scope(scope);
        let saved = (self.scope, self.in_try);
        self.scope = id;
        self.in_try = false;
        let params = self.params(node);
        self.b.scope_mut(id).params = params;
        (self.scope, self.in_try) = saved;
        if let Some(body) = node.child_by_field_id(self.f.body) {
            if self.f.kind(&body) == "statement_block" {
                let directives = self.directives(body);
                self.b.scope_mut(id).directives = directives;
                self.work.push(Work::Block { node: body, scope: id, in_try: false });
            } else {
                self.work.push(Work::ExprBody { node: body, scope: id });
            }
        }
        id
    }

    fn params(&mut self, node: Node<'t>) -> Vec<Param<'s>> {
        let mut params = Vec::new();
        if let Some(single) = node.child_by_field_id(self.f.parameter) {
            params.push(Param {
                name: Some(self.text(single)),
                destructured: Vec::new(),
                annotation: None,
                default: None,
                span: span_of(single),
            });
            return params;
        }
        let Some(list) = node.child_by_field_id(self.f.parameters) else {
            return params;
        };
        let mut cursor = list.walk();
        let children: Vec<Node<'t>> = list.named_children(&mut cursor).collect();
        for param in children {
            match self.f.kind(&param) {
                "required_parameter" | "optional_parameter" => {
                    let pattern =
                        param.child_by_field_id(self.f.pattern).or_else(|| param.child_by_field_id(self.f.name));
                    let annotation =
                        param.child_by_field_id(self.f.type_).map(|t| self.text(t).trim_start_matches(':').trim());
                    let default = param.child_by_field_id(self.f.value).map(|v| self.expr(v));
                    let (name, destructured) = self.param_names(pattern);
                    params.push(Param { name, destructured, annotation, default, span: span_of(param) });
                }
                "identifier" | "object_pattern" | "array_pattern" | "assignment_pattern" | "rest_pattern" => {
                    let (name, destructured) = self.param_names(Some(param));
                    params.push(Param { name, destructured, annotation: None, default: None, span: span_of(param) });
                }
                _ => {}
            }
        }
        params
    }

    fn param_names(&mut self, pattern: Option<Node<'t>>) -> (Option<&'s str>, Vec<&'s str>) {
        let Some(pattern) = pattern else {
            return (None, Vec::new());
        };
        match self.f.kind(&pattern) {
            "identifier" => (Some(self.text(pattern)), Vec::new()),
            "this" => (Some("this"), Vec::new()),
            _ => {
                let mut names = Vec::new();
                self.pattern_names(pattern, None, &mut names, 0);
                (None, names.into_iter().map(|(n, _, _)| n).collect())
            }
        }
    }

    fn class(&mut self, node: Node<'t>, parent: ScopeId, exported: bool) -> ScopeId {
        let mut scope = Scope::new(ScopeKind::Class, Some(parent), span_of(node));
        scope.name = node.child_by_field_id(self.f.name).map(|n| self.text(n));
        scope.exported = exported;
        let mut cursor = node.walk();
        let mut decorators: Vec<Node<'t>> =
            node.children_by_field_id(self.f.id(self.f.decorator), &mut cursor).collect();
        // `@Controller() export class X {}`: the decorators belong to the export statement.
        if let Some(export) = node.parent().filter(|p| self.f.kind(p) == "export_statement") {
            let mut cursor = export.walk();
            let outer: Vec<Node<'t>> = export.children_by_field_id(self.f.id(self.f.decorator), &mut cursor).collect();
            decorators.splice(0..0, outer);
        }
        let id = self.b.add_scope(scope);
        let lowered: Vec<Expr<'s>> = decorators.into_iter().map(|d| self.decorator(d)).collect();
        self.b.scope_mut(id).decorators = lowered;
        if let Some(body) = node.child_by_field_id(self.f.body) {
            self.work.push(Work::ClassBody { node: body, scope: id });
        }
        id
    }

    fn decorator(&mut self, node: Node<'t>) -> Expr<'s> {
        match node.named_child(0) {
            Some(inner) => self.expr(inner),
            None => Expr::Other(Vec::new(), span_of(node)),
        }
    }

    fn class_body(&mut self, body: Node<'t>, class: ScopeId) {
        let mut cursor = body.walk();
        let members: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
        let mut pending_decorators = Vec::new();
        for member in members {
            self.scope = class;
            self.in_try = false;
            match self.f.kind(&member) {
                "decorator" => pending_decorators.push(self.decorator(member)),
                // A comment between a decorator and its member keeps the decorator.
                "comment" => {}
                "method_definition" => {
                    let name = member.child_by_field_id(self.f.name).map(|n| self.text(n));
                    let id = self.function(member, class, name, None);
                    let method = self.b.scope_mut(id);
                    method.decorators = std::mem::take(&mut pending_decorators);
                    // Methods are declared in the class: `this.name(...)` finds them.
                    method.declaration = true;
                }
                "public_field_definition" | "field_definition" => {
                    pending_decorators.clear();
                    let name =
                        member.child_by_field_id(self.f.name).or_else(|| member.child_by_field_id(self.f.property));
                    let (Some(name), Some(value)) = (name, member.child_by_field_id(self.f.value)) else {
                        continue;
                    };
                    let name_text = self.text(name);
                    let value = self.expr_named(value, Some(name_text), false);
                    self.b.push(
                        class,
                        false,
                        span_of(member),
                        StatementKind::Bind { target: Target::Name(name_text, span_of(name)), value, exported: false },
                    );
                }
                "class_static_block" => {
                    if let Some(block) = member.child_by_field_id(self.f.body) {
                        self.work.push(Work::Block { node: block, scope: class, in_try: false });
                    }
                }
                _ => pending_decorators.clear(),
            }
        }
    }

    /// Lowers an expression that is being bound to `name`: a function
    /// expression takes the name (`export const POST = async () => ...`).
    fn expr_named(&mut self, node: Node<'t>, name: Option<&'s str>, exported: bool) -> Expr<'s> {
        let inner = strip_wrappers(node);
        if is_function(self.f.kind(&inner)) {
            let id = self.function(inner, self.scope, name, None);
            self.b.scope_mut(id).exported = exported;
            return Expr::Function(id, span_of(inner));
        }
        self.expr(node)
    }

    fn expr(&mut self, node: Node<'t>) -> Expr<'s> {
        if self.depth >= self.max_depth {
            self.b.ir.truncated = true;
            return Expr::Other(Vec::new(), span_of(node));
        }
        // One statement can hold a whole file's worth of expressions (a
        // generated table): the budget is watched inside it too.
        if self.budget.tick(Phase::Lowering) {
            return Expr::Other(Vec::new(), span_of(node));
        }
        self.depth += 1;
        let expr = self.expr_inner(node);
        self.depth -= 1;
        expr
    }

    fn first_non_comment(&self, node: Node<'t>) -> Option<Node<'t>> {
        let mut cursor = node.walk();
        node.named_children(&mut cursor).find(|c| self.f.kind(c) != "comment")
    }

    fn children(&mut self, node: Node<'t>) -> Vec<Expr<'s>> {
        let mut cursor = node.walk();
        let mut out = Vec::with_capacity(node.named_child_count());
        for child in node.named_children(&mut cursor) {
            if self.f.kind(&child) != "comment" {
                out.push(self.expr(child));
            }
        }
        out
    }

    fn expr_inner(&mut self, node: Node<'t>) -> Expr<'s> {
        let span = span_of(node);
        match self.f.kind(&node) {
            "identifier" | "shorthand_property_identifier" | "property_identifier" => Expr::Name(self.text(node), span),
            "this" => Expr::This(span),
            "member_expression" => {
                let Some(object) = node.child_by_field_id(self.f.object) else {
                    return Expr::Other(Vec::new(), span);
                };
                let property = node.child_by_field_id(self.f.property).map_or("", |p| self.text(p));
                if self.f.kind(&object) == "import" {
                    return Expr::Other(Vec::new(), span);
                }
                Expr::Member { object: Box::new(self.expr(object)), property, span }
            }
            "subscript_expression" => {
                let object = node.child_by_field_id(self.f.object).map(|o| self.expr(o));
                let index = node.child_by_field_id(self.f.index).map(|i| self.expr(i));
                match (object, index) {
                    (Some(object), Some(index)) => {
                        Expr::Index { object: Box::new(object), index: Box::new(index), span }
                    }
                    (object, index) => Expr::Other(object.into_iter().chain(index).collect(), span),
                }
            }
            "call_expression" => {
                let callee = match node.child_by_field_id(self.f.function) {
                    Some(f) if self.f.kind(&f) == "import" => Expr::Name("import", span_of(f)),
                    Some(f) => self.expr(f),
                    None => return Expr::Other(Vec::new(), span),
                };
                let args = match node.child_by_field_id(self.f.arguments) {
                    Some(a) if self.f.kind(&a) == "arguments" => self.arguments(a, callee.last_name()),
                    Some(template) => vec![Arg::Positional(self.expr(template))],
                    None => Vec::new(),
                };
                Expr::Call(Box::new(Call { callee, args, new: false, span }))
            }
            "new_expression" => {
                let callee = match node.child_by_field_id(self.f.constructor) {
                    Some(c) => self.expr(c),
                    None => return Expr::Other(Vec::new(), span),
                };
                let args = match node.child_by_field_id(self.f.arguments) {
                    Some(a) => self.arguments(a, callee.last_name()),
                    None => Vec::new(),
                };
                Expr::Call(Box::new(Call { callee, args, new: true, span }))
            }
            "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion" => {
                let inner = match self.f.kind(&node) {
                    // `<T>x`: the expression is the last child.
                    "type_assertion" => node.named_child(node.named_child_count().saturating_sub(1) as u32),
                    // `( // why\n value )`: a comment may come first.
                    _ => self.first_non_comment(node),
                };
                match inner {
                    Some(inner) => self.expr(inner),
                    None => Expr::Other(Vec::new(), span),
                }
            }
            "string" => Expr::Str(Str { value: unquote(self.text(node)), span }),
            "template_string" => self.template(node),
            "number" => Expr::Lit(Lit::Number(self.text(node)), span),
            "true" => Expr::Lit(Lit::True, span),
            "false" => Expr::Lit(Lit::False, span),
            "null" | "undefined" => Expr::Lit(Lit::Null, span),
            "object" => self.object(node),
            "array" => Expr::Array(self.children(node), span),
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                let id = self.function(node, self.scope, None, None);
                Expr::Function(id, span)
            }
            "class" => {
                self.class(node, self.scope, false);
                Expr::Other(Vec::new(), span)
            }
            "binary_expression" => {
                let operator = node.child_by_field_id(self.f.operator).map_or("", |o| self.text(o));
                let parts = self.children(node);
                if operator == "+" { Expr::Interp(parts, span) } else { Expr::Other(parts, span) }
            }
            "ternary_expression" => {
                let condition = node.child_by_field_id(self.f.condition).map(|c| self.expr(c));
                let branches: Vec<Expr<'s>> = [self.f.consequence, self.f.alternative]
                    .into_iter()
                    .filter_map(|f| node.child_by_field_id(f))
                    .map(|n| self.expr(n))
                    .collect();
                let mut seq: Vec<Expr<'s>> = condition.into_iter().collect();
                seq.push(Expr::Other(branches, span));
                Expr::Seq(seq, span)
            }
            "unary_expression" | "update_expression" => {
                // `!x`, `typeof x`, `i++`: evaluated, but the value is not x's data.
                let mut seq = self.children(node);
                seq.push(Expr::Lit(Lit::Null, span));
                Expr::Seq(seq, span)
            }
            "sequence_expression" => Expr::Seq(self.children(node), span),
            "assignment_expression" | "augmented_assignment_expression" => {
                self.assignment(node, true).unwrap_or_else(|| Expr::Other(Vec::new(), span))
            }
            "jsx_element" | "jsx_self_closing_element" | "jsx_fragment" | "jsx_opening_element" => {
                Expr::Other(self.jsx(node), span)
            }
            "jsx_expression" | "spread_element" | "yield_expression" | "template_substitution" => {
                Expr::Other(self.children(node), span)
            }
            "regex" | "comment" | "jsx_text" | "html_character_reference" => Expr::Other(Vec::new(), span),
            _ => Expr::Other(self.children(node), span),
        }
    }

    fn arguments(&mut self, node: Node<'t>, callee: Option<&'s str>) -> Vec<Arg<'s>> {
        let mut cursor = node.walk();
        node.named_children(&mut cursor)
            .filter(|c| self.f.kind(c) != "comment")
            .map(|arg| {
                if self.f.kind(&arg) == "spread_element" {
                    let value = match arg.named_child(0) {
                        Some(inner) => self.expr(inner),
                        None => Expr::Other(Vec::new(), span_of(arg)),
                    };
                    Arg::Spread { keywords: false, value }
                } else if is_function(self.f.kind(&arg)) {
                    let id = self.function(arg, self.scope, None, callee);
                    Arg::Positional(Expr::Function(id, span_of(arg)))
                } else {
                    Arg::Positional(self.expr(arg))
                }
            })
            .collect()
    }

    fn template(&mut self, node: Node<'t>) -> Expr<'s> {
        let span = span_of(node);
        let mut cursor = node.walk();
        let parts: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        if !parts.iter().any(|p| self.f.kind(p) == "template_substitution") {
            return Expr::Str(Str { value: unquote(self.text(node)), span });
        }
        let lowered = parts
            .into_iter()
            .filter_map(|part| match self.f.kind(&part) {
                "string_fragment" => Some(Expr::Str(Str { value: self.text(part), span: span_of(part) })),
                "template_substitution" => part.named_child(0).map(|e| self.expr(e)),
                _ => None,
            })
            .collect();
        Expr::Interp(lowered, span)
    }

    fn object(&mut self, node: Node<'t>) -> Expr<'s> {
        let span = span_of(node);
        let mut cursor = node.walk();
        let members: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        let mut props = Vec::with_capacity(members.len());
        for member in members {
            match self.f.kind(&member) {
                "pair" => {
                    let (Some(key), Some(value)) =
                        (member.child_by_field_id(self.f.key), member.child_by_field_id(self.f.value))
                    else {
                        continue;
                    };
                    if self.f.kind(&key) == "computed_property_name" {
                        let value = self.expr(value);
                        props.push(Prop::Computed(value));
                        continue;
                    }
                    let key_text = unquote(self.text(key));
                    let value = self.expr_named(value, Some(key_text), false);
                    props.push(Prop::Pair { key: key_text, key_span: span_of(key), value });
                }
                "shorthand_property_identifier" => {
                    let name = self.text(member);
                    props.push(Prop::Pair {
                        key: name,
                        key_span: span_of(member),
                        value: Expr::Name(name, span_of(member)),
                    });
                }
                "spread_element" => {
                    if let Some(inner) = member.named_child(0) {
                        let value = self.expr(inner);
                        props.push(Prop::Spread(value));
                    }
                }
                "method_definition" => {
                    let name = member.child_by_field_id(self.f.name).map(|n| self.text(n));
                    let id = self.function(member, self.scope, name, None);
                    if let Some(name) = name {
                        props.push(Prop::Pair {
                            key: name,
                            key_span: span_of(member),
                            value: Expr::Function(id, span_of(member)),
                        });
                    }
                }
                _ => {}
            }
        }
        Expr::Object(props, span)
    }

    /// JSX: attributes with expression values become statements of their
    /// own (`dangerouslySetInnerHTML={...}`); embedded expressions are kept.
    fn jsx(&mut self, node: Node<'t>) -> Vec<Expr<'s>> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        for child in children {
            match self.f.kind(&child) {
                "jsx_attribute" => {
                    let name = child.named_child(0).map(|n| self.text(n)).unwrap_or("");
                    let value = child.named_child(1);
                    if let Some(value) = value.filter(|v| self.f.kind(v) == "jsx_expression") {
                        let lowered = match value.named_child(0) {
                            Some(inner) => self.expr(inner),
                            None => continue,
                        };
                        self.b.push(
                            self.scope,
                            self.in_try,
                            span_of(child),
                            StatementKind::JsxAttribute { name, value: lowered },
                        );
                    } else if let Some(value) = value {
                        out.push(self.expr(value));
                    }
                }
                "jsx_opening_element" | "jsx_self_closing_element" | "jsx_element" | "jsx_fragment"
                    if self.depth < self.max_depth =>
                {
                    self.depth += 1;
                    out.extend(self.jsx(child));
                    self.depth -= 1;
                }
                // Deeper elements are cut off like deeper expressions, and
                // said to be.
                "jsx_opening_element" | "jsx_self_closing_element" | "jsx_element" | "jsx_fragment" => {
                    self.b.ir.truncated = true;
                }
                "jsx_expression" => out.push(self.expr(child)),
                _ => {}
            }
        }
        out
    }
}

fn is_function(kind: &str) -> bool {
    matches!(kind, "arrow_function" | "function_expression" | "function" | "generator_function")
}

/// Looks through parentheses and type assertions around an expression.
fn strip_wrappers(mut node: Node<'_>) -> Node<'_> {
    while matches!(node.kind(), "parenthesized_expression" | "as_expression" | "satisfies_expression") {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use crate::ir::{Expr, ImportKind, StatementKind, Target};
    use crate::lang::{Grammar, lower, parse};

    fn with_ir(source: &str, check: impl FnOnce(&crate::ir::FileIr<'_>)) {
        let tree = parse(Grammar::Tsx, source, None).expect("parses");
        let ir = lower(Grammar::Tsx, &tree, source);
        check(&ir);
    }

    #[test]
    fn imports_bindings_and_calls() {
        let src = r#"
import OpenAI, { AzureOpenAI as Az } from "openai";
import * as ai from 'ai';
const client = new OpenAI({ timeout: 30_000 });
export async function POST(req: Request) {
  const { messages } = await req.json();
  try {
    const r = await client.chat.completions.create({ model: "gpt-4o", messages });
    return Response.json(r);
  } catch (e) {}
}
"#;
        with_ir(src, |ir| {
            let kinds: Vec<_> = ir.imports.iter().map(|i| (i.module, i.kind, i.local)).collect();
            assert_eq!(
                kinds,
                vec![
                    ("openai", ImportKind::Default, "OpenAI"),
                    ("openai", ImportKind::Named("AzureOpenAI"), "Az"),
                    ("ai", ImportKind::Namespace, "ai"),
                ]
            );
            let post = ir.scopes.iter().find(|s| s.name == Some("POST")).expect("POST scope");
            assert!(post.exported);
            assert_eq!(post.params[0].annotation, Some("Request"));
            let in_try: Vec<bool> = ir
                .statements
                .iter()
                .filter_map(|s| match &s.kind {
                    StatementKind::Bind { target: Target::Name("r", _), .. } => Some(s.in_try),
                    _ => None,
                })
                .collect();
            assert_eq!(in_try, vec![true]);
            let destructured = ir.statements.iter().any(|s| {
                matches!(&s.kind, StatementKind::Bind { target: Target::Pattern(p), .. } if p[0].0 == "messages" && p[0].1 == Some("messages"))
            });
            assert!(destructured);
        });
    }

    #[test]
    fn template_literals_are_interpolations() {
        with_ir("const s = `You are ${body.persona}.`;", |ir| {
            let StatementKind::Bind { value, .. } = &ir.statements[0].kind else { panic!() };
            let Expr::Interp(parts, _) = value else { panic!("{value:?}") };
            assert_eq!(parts.len(), 3);
        });
    }

    #[test]
    fn jsx_attributes_become_statements() {
        with_ir("const el = <div dangerouslySetInnerHTML={{ __html: html }} />;", |ir| {
            assert!(
                ir.statements
                    .iter()
                    .any(|s| matches!(&s.kind, StatementKind::JsxAttribute { name: "dangerouslySetInnerHTML", .. }))
            );
        });
    }
}
