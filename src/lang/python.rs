//! Lowering of the Python grammar to [`crate::ir`].
//!
//! Statements are walked with an explicit work stack, so nesting depth costs
//! heap, not call stack; expressions recurse up to the configured depth
//! (`[scan] max_nesting_depth`, [`crate::limits`]).
//! `self` is lowered as [`Expr::This`], so `self.client` and `this.client`
//! resolve the same way.

use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use crate::ir::{
    Arg, Builder, Call, Expr, FileIr, Import, ImportKind, Lit, Param, Prop, Scope, ScopeId, ScopeKind, StatementKind,
    Str, Target, span_of,
};
use crate::limits::{Budget, Phase};

crate::ir::field_table!(
    alias,
    alternative,
    arguments,
    attribute,
    body,
    condition,
    consequence,
    definition,
    expression,
    function,
    key,
    left,
    module_name,
    name,
    object,
    operator,
    parameters,
    right,
    subject,
    subscript,
    superclasses,
    type_,
    value
);

fn fields(tree: &Tree) -> &'static Fields {
    static PYTHON: OnceLock<Fields> = OnceLock::new();
    PYTHON.get_or_init(|| Fields::new(&tree.language()))
}

/// Lowers a parsed file: expressions are followed `max_depth` deep, and
/// the work stops (leaving the IR incomplete) once `budget` is past.
pub fn lower<'s>(tree: &Tree, source: &'s str, max_depth: u32, budget: &Budget) -> FileIr<'s> {
    let root = tree.root_node();
    let f = fields(tree);
    let mut lowerer =
        Lowerer { b: Builder::new(source), f, work: Vec::new(), depth: 0, max_depth, budget, scope: 0, in_try: false };
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
    Block {
        node: Node<'t>,
        scope: ScopeId,
        in_try: bool,
    },
    Statement {
        node: Node<'t>,
        scope: ScopeId,
        in_try: bool,
    },
    /// The body of a lambda: its value is returned.
    ExprBody {
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
    scope: ScopeId,
    in_try: bool,
}

impl<'t, 's> Lowerer<'t, 's> {
    fn text(&self, node: Node<'_>) -> &'s str {
        self.b.text(node)
    }

    fn run(&mut self, work: Work<'t>) {
        match work {
            Work::Block { node, scope, in_try } => {
                let mut cursor = node.walk();
                let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
                for child in children.into_iter().rev() {
                    self.work.push(Work::Statement { node: child, scope, in_try });
                }
            }
            Work::Statement { node, scope, in_try } => {
                self.scope = scope;
                self.in_try = in_try;
                self.statement(node, scope, in_try, Vec::new());
            }
            Work::ExprBody { node, scope } => {
                self.scope = scope;
                self.in_try = false;
                let value = self.expr(node);
                self.b.push(scope, false, span_of(node), StatementKind::Return(value));
            }
        }
    }

    fn push_block(&mut self, node: Option<Node<'t>>, scope: ScopeId, in_try: bool) {
        if let Some(node) = node {
            self.work.push(Work::Block { node, scope, in_try });
        }
    }

    fn eval(&mut self, node: Option<Node<'t>>) {
        if let Some(node) = node {
            let value = self.expr(node);
            self.b.push(self.scope, self.in_try, span_of(node), StatementKind::Eval(value));
        }
    }

    fn statement(&mut self, node: Node<'t>, scope: ScopeId, in_try: bool, decorators: Vec<Expr<'s>>) {
        match self.f.kind(&node) {
            "expression_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
                for child in children {
                    match self.f.kind(&child) {
                        "assignment" | "augmented_assignment" => {
                            self.assignment(child, false);
                        }
                        _ => self.eval(Some(child)),
                    }
                }
            }
            "function_definition" => {
                self.function(node, scope, decorators);
            }
            "class_definition" => self.class(node, scope, decorators),
            "decorated_definition" => {
                let mut cursor = node.walk();
                let decorator_nodes: Vec<Node<'t>> =
                    node.named_children(&mut cursor).filter(|c| self.f.kind(c) == "decorator").collect();
                let lowered =
                    decorator_nodes.into_iter().filter_map(|d| d.named_child(0)).map(|d| self.expr(d)).collect();
                if let Some(definition) = node.child_by_field_id(self.f.definition) {
                    self.statement(definition, scope, in_try, lowered);
                }
            }
            "import_statement" => self.import(node, None, 0),
            "import_from_statement" => {
                let Some(module) = node.child_by_field_id(self.f.module_name) else {
                    return;
                };
                let (module_text, level) = if self.f.kind(&module) == "relative_import" {
                    let text = self.text(module);
                    let level = text.bytes().take_while(|b| *b == b'.').count();
                    (&text[level..], level as u8)
                } else {
                    (self.text(module), 0)
                };
                self.import(node, Some(module_text), level);
            }
            "future_import_statement"
            | "pass_statement"
            | "break_statement"
            | "continue_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "comment"
            | "type_alias_statement" => {}
            "if_statement" => {
                self.eval(node.child_by_field_id(self.f.condition));
                self.push_block(node.child_by_field_id(self.f.consequence), scope, in_try);
                let mut cursor = node.walk();
                let alternatives: Vec<Node<'t>> =
                    node.children_by_field_id(self.f.id(self.f.alternative), &mut cursor).collect();
                for alternative in alternatives {
                    self.work.push(Work::Statement { node: alternative, scope, in_try });
                }
            }
            "elif_clause" => {
                self.eval(node.child_by_field_id(self.f.condition));
                self.push_block(node.child_by_field_id(self.f.consequence), scope, in_try);
            }
            "else_clause" | "finally_clause" => {
                self.push_block(node.child_by_field_id(self.f.body).or_else(|| last_block(node)), scope, in_try)
            }
            "for_statement" => {
                if let (Some(left), Some(right)) =
                    (node.child_by_field_id(self.f.left), node.child_by_field_id(self.f.right))
                {
                    let target = self.target(left);
                    let iterated = self.expr(right);
                    let value = Expr::Other(vec![iterated], span_of(right));
                    self.b.push(scope, in_try, span_of(node), StatementKind::Bind { target, value, exported: false });
                }
                self.push_block(node.child_by_field_id(self.f.body), scope, in_try);
                if let Some(alternative) = node.child_by_field_id(self.f.alternative) {
                    self.work.push(Work::Statement { node: alternative, scope, in_try });
                }
            }
            "while_statement" => {
                self.eval(node.child_by_field_id(self.f.condition));
                self.push_block(node.child_by_field_id(self.f.body), scope, in_try);
                if let Some(alternative) = node.child_by_field_id(self.f.alternative) {
                    self.work.push(Work::Statement { node: alternative, scope, in_try });
                }
            }
            "try_statement" => {
                let mut cursor = node.walk();
                let clauses: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
                let handles = clauses.iter().any(|c| matches!(self.f.kind(c), "except_clause" | "except_group_clause"));
                self.push_block(node.child_by_field_id(self.f.body), scope, in_try || handles);
                for clause in clauses {
                    match self.f.kind(&clause) {
                        // A call in a handler is the fallback of the one
                        // that failed: the handler is the failure path of both.
                        "except_clause" | "except_group_clause" => {
                            self.push_block(last_block(clause), scope, true);
                        }
                        "else_clause" | "finally_clause" => {
                            self.push_block(last_block(clause), scope, in_try);
                        }
                        _ => {}
                    }
                }
            }
            "with_statement" => {
                let mut cursor = node.walk();
                let clauses: Vec<Node<'t>> =
                    node.named_children(&mut cursor).filter(|c| self.f.kind(c) == "with_clause").collect();
                for clause in clauses {
                    let mut inner = clause.walk();
                    let items: Vec<Node<'t>> =
                        clause.named_children(&mut inner).filter(|c| self.f.kind(c) == "with_item").collect();
                    for item in items {
                        let Some(value) = item.child_by_field_id(self.f.value) else {
                            continue;
                        };
                        if self.f.kind(&value) == "as_pattern" {
                            let expr = value.named_child(0).map(|e| self.expr(e));
                            let alias =
                                value.child_by_field_id(self.f.alias).and_then(|a| a.named_child(0).or(Some(a)));
                            if let (Some(expr), Some(alias)) = (expr, alias) {
                                let target = self.target(alias);
                                self.b.push(
                                    scope,
                                    in_try,
                                    span_of(item),
                                    StatementKind::Bind { target, value: expr, exported: false },
                                );
                            }
                        } else {
                            self.eval(Some(value));
                        }
                    }
                }
                // `with contextlib.suppress(SomeError):` handles failures of its body.
                let suppresses = {
                    let mut cursor = node.walk();
                    node.named_children(&mut cursor)
                        .filter(|c| self.f.kind(c) == "with_clause")
                        .any(|clause| clause.utf8_text(self.b.source.as_bytes()).is_ok_and(|t| t.contains("suppress(")))
                };
                self.push_block(node.child_by_field_id(self.f.body), scope, in_try || suppresses);
            }
            "return_statement" => {
                if let Some(value) = node.named_child(0) {
                    let value = self.expr(value);
                    self.b.push(scope, in_try, span_of(node), StatementKind::Return(value));
                }
            }
            "raise_statement" | "assert_statement" | "delete_statement" | "print_statement" | "exec_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.eval(Some(child));
                }
            }
            "match_statement" => {
                self.eval(node.child_by_field_id(self.f.subject));
                if let Some(body) = node.child_by_field_id(self.f.body) {
                    let mut cursor = body.walk();
                    let cases: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
                    for case in cases {
                        self.push_block(case.child_by_field_id(self.f.consequence), scope, in_try);
                    }
                }
            }
            "block" | "module" | "ERROR" => self.work.push(Work::Block { node, scope, in_try }),
            _ => self.eval(Some(node)),
        }
    }

    /// Pushes the binding(s) of an assignment; returns the assigned value
    /// when `want_value` (a chained `a = b = value`).
    fn assignment(&mut self, node: Node<'t>, want_value: bool) -> Option<Expr<'s>> {
        let left = node.child_by_field_id(self.f.left)?;
        let right = node.child_by_field_id(self.f.right)?;
        let mut value = match self.f.kind(&right) {
            // `a = b = value`
            "assignment" | "augmented_assignment" => self.assignment(right, true)?,
            _ => self.expr_named(right, left),
        };
        if self.f.kind(&node) == "augmented_assignment" {
            let old = self.expr(left);
            value = Expr::Interp(vec![old, value], span_of(node));
        }
        let target = self.target(left);
        let returned = want_value.then(|| value.clone());
        self.b.push(self.scope, self.in_try, span_of(node), StatementKind::Bind { target, value, exported: false });
        returned
    }

    /// A lambda bound to a name takes that name.
    fn expr_named(&mut self, value: Node<'t>, target: Node<'t>) -> Expr<'s> {
        if self.f.kind(&value) == "lambda" && self.f.kind(&target) == "identifier" {
            let name = self.text(target);
            let id = self.lambda(value, Some(name));
            return Expr::Function(id, span_of(value));
        }
        self.expr(value)
    }

    fn target(&mut self, node: Node<'t>) -> Target<'s> {
        match self.f.kind(&node) {
            "identifier" => Target::Name(self.text(node), span_of(node)),
            "attribute" => {
                let object = node.child_by_field_id(self.f.object).map(|o| self.expr(o));
                let property = node.child_by_field_id(self.f.attribute).map(|p| self.text(p));
                match (object, property) {
                    (Some(object), Some(property)) => Target::Member { object, property, span: span_of(node) },
                    _ => Target::Other,
                }
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple" => {
                let mut cursor = node.walk();
                let names = node
                    .named_children(&mut cursor)
                    .filter(|c| self.f.kind(c) == "identifier")
                    .map(|c| (self.b.text(c), None, span_of(c)))
                    .collect();
                Target::Pattern(names)
            }
            "subscript" => {
                let object = node.child_by_field_id(self.f.value).map(|v| self.expr(v));
                let key = node.child_by_field_id(self.f.subscript).map(|s| self.expr(s));
                Target::item(object, key)
            }
            _ => Target::Other,
        }
    }

    fn import(&mut self, node: Node<'t>, from: Option<&'s str>, relative_level: u8) {
        let span = span_of(node);
        let mut cursor = node.walk();
        let names: Vec<Node<'t>> = node.children_by_field_id(self.f.id(self.f.name), &mut cursor).collect();
        for name in names {
            let (dotted, alias) = match self.f.kind(&name) {
                "aliased_import" => (
                    name.child_by_field_id(self.f.name).map(|n| self.text(n)).unwrap_or(""),
                    name.child_by_field_id(self.f.alias).map(|a| self.text(a)),
                ),
                _ => (self.text(name), None),
            };
            let import = match from {
                // `from m import a as x`
                Some(module) => Import {
                    module,
                    kind: ImportKind::Named(dotted),
                    local: alias.unwrap_or(dotted),
                    span,
                    relative_level,
                },
                // `import a.b as x` binds x to the module a.b.
                None if alias.is_some() => Import {
                    module: dotted,
                    kind: ImportKind::Namespace,
                    local: alias.unwrap_or(dotted),
                    span,
                    relative_level,
                },
                // `import a.b` binds `a`; `a.b.f()` is resolved from there.
                // The full module is recorded too, as imported.
                None => {
                    let first = dotted.split('.').next().unwrap_or(dotted);
                    if first.len() != dotted.len() {
                        self.b.ir.imports.push(Import {
                            module: dotted,
                            kind: ImportKind::SideEffect,
                            local: "",
                            span,
                            relative_level,
                        });
                    }
                    Import { module: first, kind: ImportKind::Namespace, local: first, span, relative_level }
                }
            };
            self.b.ir.imports.push(import);
        }
        if from.is_some() && node.named_children(&mut node.walk()).any(|c| self.f.kind(&c) == "wildcard_import") {
            self.b.ir.imports.push(Import {
                module: from.unwrap_or(""),
                kind: ImportKind::SideEffect,
                local: "",
                span,
                relative_level,
            });
        }
    }

    fn function(&mut self, node: Node<'t>, parent: ScopeId, decorators: Vec<Expr<'s>>) -> ScopeId {
        let mut scope = Scope::new(ScopeKind::Function, Some(parent), span_of(node));
        scope.name = node.child_by_field_id(self.f.name).map(|n| self.text(n));
        scope.decorators = decorators;
        scope.declaration = true;
        let id = self.b.add_scope(scope);
        let saved = (self.scope, self.in_try);
        self.scope = id;
        self.in_try = false;
        let params = node.child_by_field_id(self.f.parameters).map(|p| self.params(p)).unwrap_or_default();
        self.b.scope_mut(id).params = params;
        (self.scope, self.in_try) = saved;
        self.push_block(node.child_by_field_id(self.f.body), id, false);
        id
    }

    fn lambda(&mut self, node: Node<'t>, name: Option<&'s str>) -> ScopeId {
        let mut scope = Scope::new(ScopeKind::Function, Some(self.scope), span_of(node));
        scope.name = name;
        let id = self.b.add_scope(scope);
        let params = node.child_by_field_id(self.f.parameters).map(|p| self.params(p)).unwrap_or_default();
        self.b.scope_mut(id).params = params;
        if let Some(body) = node.child_by_field_id(self.f.body) {
            self.work.push(Work::ExprBody { node: body, scope: id });
        }
        id
    }

    fn params(&mut self, list: Node<'t>) -> Vec<Param<'s>> {
        let mut cursor = list.walk();
        let children: Vec<Node<'t>> = list.named_children(&mut cursor).collect();
        let mut params = Vec::with_capacity(children.len());
        for param in children {
            let span = span_of(param);
            let (name, annotation, default) = match self.f.kind(&param) {
                "identifier" => (Some(self.text(param)), None, None),
                "typed_parameter" => {
                    let name = param.named_child(0).filter(|n| self.f.kind(n) == "identifier").map(|n| self.text(n));
                    (name, param.child_by_field_id(self.f.type_).map(|t| self.text(t)), None)
                }
                "default_parameter" | "typed_default_parameter" => {
                    let name = param.child_by_field_id(self.f.name).map(|n| self.text(n));
                    let annotation = param.child_by_field_id(self.f.type_).map(|t| self.text(t));
                    let default = param.child_by_field_id(self.f.value).map(|v| self.expr(v));
                    (name, annotation, default)
                }
                _ => continue,
            };
            params.push(Param { name, destructured: Vec::new(), annotation, default, span });
        }
        params
    }

    fn class(&mut self, node: Node<'t>, parent: ScopeId, decorators: Vec<Expr<'s>>) {
        let mut scope = Scope::new(ScopeKind::Class, Some(parent), span_of(node));
        scope.name = node.child_by_field_id(self.f.name).map(|n| self.text(n));
        scope.decorators = decorators;
        let id = self.b.add_scope(scope);
        if let Some(superclasses) = node.child_by_field_id(self.f.superclasses) {
            // Base classes (`LoginRequiredMixin`, `APIView`) as expressions
            // of the class scope.
            let saved = self.scope;
            self.scope = id;
            let bases = self.expr(superclasses);
            self.scope = saved;
            self.b.push(id, false, span_of(superclasses), StatementKind::Eval(bases));
        }
        self.push_block(node.child_by_field_id(self.f.body), id, false);
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

    /// `a in b` or `a not in b`, with exactly two operands.
    fn is_membership(&self, node: Node<'t>) -> bool {
        let mut cursor = node.walk();
        let operators: Vec<&str> =
            node.children(&mut cursor).filter(|c| !c.is_named()).map(|c| self.f.kind(&c)).collect();
        node.named_child_count() == 2 && matches!(operators.as_slice(), ["in"] | ["not", "in"] | ["not in"])
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
            "identifier" => match self.text(node) {
                "self" => Expr::This(span),
                name => Expr::Name(name, span),
            },
            "attribute" => {
                let Some(object) = node.child_by_field_id(self.f.object) else {
                    return Expr::Other(Vec::new(), span);
                };
                let property = node.child_by_field_id(self.f.attribute).map_or("", |a| self.text(a));
                Expr::Member { object: Box::new(self.expr(object)), property, span }
            }
            "subscript" => {
                let object = node.child_by_field_id(self.f.value).map(|v| self.expr(v));
                let index = node.child_by_field_id(self.f.subscript).map(|s| self.expr(s));
                match (object, index) {
                    (Some(object), Some(index)) => {
                        Expr::Index { object: Box::new(object), index: Box::new(index), span }
                    }
                    (object, index) => Expr::Other(object.into_iter().chain(index).collect(), span),
                }
            }
            "call" => self.call(node),
            // `( # why\n value )`: a comment may come first.
            "await" | "parenthesized_expression" => match self.first_non_comment(node) {
                Some(inner) => self.expr(inner),
                None => Expr::Other(Vec::new(), span),
            },
            "string" => self.string(node),
            "concatenated_string" => Expr::Interp(self.children(node), span),
            "integer" | "float" => Expr::Lit(Lit::Number(self.text(node)), span),
            "true" => Expr::Lit(Lit::True, span),
            "false" => Expr::Lit(Lit::False, span),
            "none" => Expr::Lit(Lit::Null, span),
            "dictionary" => self.dictionary(node),
            "list" | "tuple" | "set" | "expression_list" => Expr::Array(self.children(node), span),
            "binary_operator" => {
                let operator = node.child_by_field_id(self.f.operator).map_or("", |o| self.text(o));
                let parts = self.children(node);
                // `+` concatenates; `"..." % args` formats.
                if operator == "+" || operator == "%" { Expr::Interp(parts, span) } else { Expr::Other(parts, span) }
            }
            "conditional_expression" => {
                // `a if cond else b`: children are a, cond, b.
                let mut children = self.children(node);
                if children.len() == 3 {
                    let b = children.pop();
                    let cond = children.pop();
                    let a = children.pop();
                    let branches = a.into_iter().chain(b).collect();
                    Expr::Seq(cond.into_iter().chain(std::iter::once(Expr::Other(branches, span))).collect(), span)
                } else {
                    Expr::Other(children, span)
                }
            }
            "comparison_operator" if self.is_membership(node) => {
                // `x in ALLOWED` / `x not in ALLOWED`: lowered as a call
                // `ALLOWED.__contains__(x)`, so allow-list checks are seen.
                let mut operands = self.children(node);
                let collection = operands.pop();
                let item = operands.pop();
                match (item, collection) {
                    (Some(item), Some(collection)) => {
                        let callee = Expr::Member { object: Box::new(collection), property: "__contains__", span };
                        let call =
                            Expr::Call(Box::new(Call { callee, args: vec![Arg::Positional(item)], new: false, span }));
                        Expr::Seq(vec![call, Expr::Lit(Lit::Null, span)], span)
                    }
                    _ => Expr::Other(Vec::new(), span),
                }
            }
            "not_operator" | "comparison_operator" | "unary_operator" => {
                let mut seq = self.children(node);
                seq.push(Expr::Lit(Lit::Null, span));
                Expr::Seq(seq, span)
            }
            "lambda" => {
                let id = self.lambda(node, None);
                Expr::Function(id, span)
            }
            "named_expression" => {
                // `(x := value)`
                let name = node.child_by_field_id(self.f.name);
                let value = node.child_by_field_id(self.f.value).map(|v| self.expr(v));
                match (name, value) {
                    (Some(name), Some(value)) => {
                        let target = Target::Name(self.text(name), span_of(name));
                        self.b.push(
                            self.scope,
                            self.in_try,
                            span,
                            StatementKind::Bind { target, value: value.clone(), exported: false },
                        );
                        value
                    }
                    (_, value) => Expr::Other(value.into_iter().collect(), span),
                }
            }
            "comment" | "ellipsis" => Expr::Other(Vec::new(), span),
            _ => Expr::Other(self.children(node), span),
        }
    }

    fn call(&mut self, node: Node<'t>) -> Expr<'s> {
        let span = span_of(node);
        let Some(function) = node.child_by_field_id(self.f.function) else {
            return Expr::Other(Vec::new(), span);
        };
        let callee = self.expr(function);
        let args = match node.child_by_field_id(self.f.arguments) {
            Some(list) if self.f.kind(&list) == "argument_list" => self.arguments(list),
            Some(generator) => vec![Arg::Positional(self.expr(generator))],
            None => Vec::new(),
        };
        // `"...{}".format(x)` builds a string from parts.
        if let Expr::Member { object, property: "format", .. } = &callee
            && matches!(**object, Expr::Str(_) | Expr::Interp(..))
        {
            let mut parts = vec![(**object).clone()];
            parts.extend(args.into_iter().map(|a| match a {
                Arg::Positional(v) | Arg::Keyword { value: v, .. } | Arg::Spread { value: v, .. } => v,
            }));
            return Expr::Interp(parts, span);
        }
        Expr::Call(Box::new(Call { callee, args, new: false, span }))
    }

    fn arguments(&mut self, list: Node<'t>) -> Vec<Arg<'s>> {
        let mut cursor = list.walk();
        list.named_children(&mut cursor)
            .filter(|c| self.f.kind(c) != "comment")
            .map(|arg| match self.f.kind(&arg) {
                "keyword_argument" => {
                    let name_node = arg.child_by_field_id(self.f.name);
                    let name = name_node.map_or("", |n| self.text(n));
                    let name_span = name_node.map_or(span_of(arg), span_of);
                    let value = match arg.child_by_field_id(self.f.value) {
                        Some(v) => self.expr(v),
                        None => Expr::Other(Vec::new(), span_of(arg)),
                    };
                    Arg::Keyword { name, span: name_span, value }
                }
                "list_splat" | "dictionary_splat" => {
                    let value = match arg.named_child(0) {
                        Some(inner) => self.expr(inner),
                        None => Expr::Other(Vec::new(), span_of(arg)),
                    };
                    Arg::Spread { keywords: self.f.kind(&arg) == "dictionary_splat", value }
                }
                _ => Arg::Positional(self.expr(arg)),
            })
            .collect()
    }

    fn string(&mut self, node: Node<'t>) -> Expr<'s> {
        let span = span_of(node);
        let mut cursor = node.walk();
        let parts: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        let start = parts.iter().find(|p| self.f.kind(p) == "string_start").map(|p| p.end_byte());
        let end = parts.iter().find(|p| self.f.kind(p) == "string_end").map(|p| p.start_byte());
        if !parts.iter().any(|p| self.f.kind(p) == "interpolation") {
            let value = match (start, end) {
                (Some(s), Some(e)) if s <= e => self.b.source.get(s..e).unwrap_or(""),
                _ => "",
            };
            return Expr::Str(Str { value, span });
        }
        let lowered = parts
            .into_iter()
            .filter_map(|part| match self.f.kind(&part) {
                "string_content" => Some(Expr::Str(Str { value: self.text(part), span: span_of(part) })),
                "interpolation" => part.child_by_field_id(self.f.expression).map(|e| self.expr(e)),
                _ => None,
            })
            .collect();
        Expr::Interp(lowered, span)
    }

    fn dictionary(&mut self, node: Node<'t>) -> Expr<'s> {
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
                    let value = self.expr(value);
                    match self.expr(key) {
                        Expr::Str(s) => props.push(Prop::Pair { key: s.value, key_span: s.span, value }),
                        _ => props.push(Prop::Computed(value)),
                    }
                }
                "dictionary_splat" => {
                    if let Some(inner) = member.named_child(0) {
                        let value = self.expr(inner);
                        props.push(Prop::Spread(value));
                    }
                }
                _ => {}
            }
        }
        Expr::Object(props, span)
    }
}

/// The block of a clause (`except E as e:` followed by its body).
fn last_block(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|c| c.kind() == "block").last()
}

#[cfg(test)]
mod tests {
    use crate::ir::{Arg, Expr, ImportKind, StatementKind, Target};
    use crate::lang::{Grammar, lower, parse};

    fn with_ir(source: &str, check: impl FnOnce(&crate::ir::FileIr<'_>)) {
        let tree = parse(Grammar::Python, source, None).expect("parses");
        let ir = lower(Grammar::Python, &tree, source);
        check(&ir);
    }

    #[test]
    fn imports_and_keyword_arguments() {
        let src = r#"
import openai
from google import genai as g
from .helpers import ask
client = openai.OpenAI(timeout=30)
def chat(body):
    try:
        r = client.chat.completions.create(model="gpt-4o", max_tokens=256, **extra)
    except openai.APIError:
        pass
"#;
        with_ir(src, |ir| {
            let imports: Vec<_> = ir.imports.iter().map(|i| (i.module, i.kind, i.local, i.relative_level)).collect();
            assert_eq!(
                imports,
                vec![
                    ("openai", ImportKind::Namespace, "openai", 0),
                    ("google", ImportKind::Named("genai"), "g", 0),
                    ("helpers", ImportKind::Named("ask"), "ask", 1),
                ]
            );
            let call = ir.statements.iter().find_map(|s| match &s.kind {
                StatementKind::Bind { target: Target::Name("r", _), value: Expr::Call(c), .. } => Some((s.in_try, c)),
                _ => None,
            });
            let (in_try, call) = call.expect("binding of r");
            assert!(in_try);
            assert!(matches!(call.args[1], Arg::Keyword { name: "max_tokens", .. }));
            assert!(matches!(call.args[2], Arg::Spread { keywords: true, .. }));
        });
    }

    #[test]
    fn f_strings_and_format_are_interpolations() {
        with_ir("a = f\"You are {persona}\"\nb = 'x {}'.format(y)\nc = 'plain'\n", |ir| {
            let values: Vec<&Expr<'_>> = ir
                .statements
                .iter()
                .filter_map(|s| match &s.kind {
                    StatementKind::Bind { value, .. } => Some(value),
                    _ => None,
                })
                .collect();
            assert!(matches!(values[0], Expr::Interp(..)));
            assert!(matches!(values[1], Expr::Interp(..)));
            assert!(matches!(values[2], Expr::Str(s) if s.value == "plain"));
        });
    }

    #[test]
    fn decorators_attach_to_functions() {
        with_ir("@app.post('/chat')\nasync def chat(req: ChatRequest, user=Depends(auth)):\n    pass\n", |ir| {
            let scope = ir.scopes.iter().find(|s| s.name == Some("chat")).expect("scope");
            assert_eq!(scope.decorators.len(), 1);
            assert_eq!(scope.params[0].annotation, Some("ChatRequest"));
            assert!(scope.params[1].default.is_some());
        });
    }
}
