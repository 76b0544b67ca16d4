//! The small syntax both languages are lowered to before analysis.
//!
//! The language modules (`lang::typescript`, `lang::python`) know tree-sitter
//! node kinds; everything after them reads only this. It keeps what matters to
//! the controls custodia checks (calls, bindings, object options, strings,
//! scopes, try blocks, decorators) and borrows all text from the source, so
//! lowering a file allocates little. An expression nested deeper than the
//! configured depth (`[scan] max_nesting_depth`, [`MAX_EXPR_DEPTH`] by
//! default) is cut off as [`Expr::Other`] with no children: deeply nested
//! input degrades the analysis, never the process.

use crate::source::Span;

/// Index of a scope in [`FileIr::scopes`]; scope 0 is the module.
pub type ScopeId = u32;

/// Expressions nested deeper than this are not lowered further, unless
/// configured otherwise (`[scan] max_nesting_depth`).
pub const MAX_EXPR_DEPTH: u32 = crate::limits::DEFAULT_MAX_NESTING_DEPTH;

#[derive(Debug, Default)]
pub struct FileIr<'s> {
    pub scopes: Vec<Scope<'s>>,
    pub imports: Vec<Import<'s>>,
    pub statements: Vec<Statement<'s>>,
    /// Directive prologue of the module (`'use server'`, `'use client'`).
    pub directives: Vec<&'s str>,
    /// Some expression was nested deeper than the configured depth and its
    /// deepest parts were not lowered.
    pub truncated: bool,
    /// ES module exports (`export ...`). CommonJS `module.exports` and
    /// Python's module-level names are read from the statements.
    pub exports: Vec<Export<'s>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Export<'s> {
    /// The name importers use: `default` for a default export, `*` for
    /// `export * from "m"`.
    pub exported: &'s str,
    /// The local name it refers to (`default` for `export default <expr>`).
    pub local: &'s str,
    /// `export ... from "m"`: the module re-exported.
    pub source: Option<&'s str>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
}

#[derive(Debug)]
pub struct Scope<'s> {
    pub kind: ScopeKind,
    pub parent: Option<ScopeId>,
    pub name: Option<&'s str>,
    pub span: Span,
    pub params: Vec<Param<'s>>,
    pub decorators: Vec<Expr<'s>>,
    /// `export function f`, `export const f = () => ...`, `export default ...`.
    pub exported: bool,
    /// Directive prologue of a function body (`'use server'`).
    pub directives: Vec<&'s str>,
    /// When the function is written as an argument of a call, the name of the
    /// called method or function (`.mutation(...)`, `app.post(...)`).
    pub passed_to: Option<&'s str>,
    /// A function declaration (`function f`, `def f`) binds its name in the
    /// enclosing scope; function expressions are bound by their statement.
    pub declaration: bool,
}

impl<'s> Scope<'s> {
    pub fn new(kind: ScopeKind, parent: Option<ScopeId>, span: Span) -> Self {
        Scope {
            kind,
            parent,
            name: None,
            span,
            params: Vec::new(),
            decorators: Vec::new(),
            exported: false,
            directives: Vec::new(),
            passed_to: None,
            declaration: false,
        }
    }
}

#[derive(Debug)]
pub struct Param<'s> {
    /// The parameter's name when it is a plain identifier.
    pub name: Option<&'s str>,
    /// Names bound by a destructuring pattern (`{ input, ctx }`).
    pub destructured: Vec<&'s str>,
    /// The type annotation as written (`Request`, `ChatBody`).
    pub annotation: Option<&'s str>,
    pub default: Option<Expr<'s>>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind<'s> {
    /// `import x from 'm'`, CommonJS `const x = require('m')`.
    Default,
    /// `import * as x from 'm'`, Python `import m` / `import m as x`.
    Namespace,
    /// `import { a as x } from 'm'`, Python `from m import a as x`.
    Named(&'s str),
    /// `import 'm'`: no binding.
    SideEffect,
}

#[derive(Debug, Clone)]
pub struct Import<'s> {
    pub module: &'s str,
    pub kind: ImportKind<'s>,
    /// The local name bound (empty for side-effect imports).
    pub local: &'s str,
    pub span: Span,
    /// Python `from . import x` style: the number of leading dots.
    pub relative_level: u8,
}

#[derive(Debug)]
pub struct Statement<'s> {
    pub scope: ScopeId,
    /// Inside the body of a `try` that has a `catch`/`except` clause, in the
    /// same function.
    pub in_try: bool,
    pub kind: StatementKind<'s>,
    pub span: Span,
}

#[derive(Debug)]
pub enum StatementKind<'s> {
    /// `target = value`: declarations, assignments, for-of/for-in loops,
    /// `with ... as x`, class fields.
    Bind {
        target: Target<'s>,
        value: Expr<'s>,
        exported: bool,
    },
    /// An expression evaluated for its effects (calls, conditions, throws).
    Eval(Expr<'s>),
    Return(Expr<'s>),
    /// A JSX attribute whose value is an expression: `name={value}`.
    JsxAttribute {
        name: &'s str,
        value: Expr<'s>,
    },
}

#[derive(Debug)]
pub enum Target<'s> {
    Name(&'s str, Span),
    /// `object.property = ...`, including `this.x` and `self.x`.
    Member {
        object: Expr<'s>,
        property: &'s str,
        span: Span,
    },
    /// Destructuring: each local name with the property it is read from
    /// (`None` for positional elements).
    Pattern(Vec<(&'s str, Option<&'s str>, Span)>),
    /// `name["key"] = ...` with a literal key: an entry added to a local
    /// object or dict (`params["max_tokens"] = 1024` before
    /// `create(**params)`).
    Item {
        name: &'s str,
        key: &'s str,
        span: Span,
    },
    /// A target custodia does not track (`a[i] = ...`).
    Other,
}

impl<'s> Target<'s> {
    /// `params["max_tokens"] = ...`: an item of a local dict or object set
    /// by a literal key; any other subscript is [`Target::Other`].
    pub fn item(object: Option<Expr<'s>>, key: Option<Expr<'s>>) -> Target<'s> {
        match (object, key) {
            (Some(Expr::Name(name, _)), Some(Expr::Str(key))) => Target::Item { name, key: key.value, span: key.span },
            _ => Target::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lit<'s> {
    Number(&'s str),
    True,
    False,
    /// `null`, `undefined`, `None`.
    Null,
}

/// A string literal: `value` is the text between the quotes, escapes as written.
#[derive(Debug, Clone, Copy)]
pub struct Str<'s> {
    pub value: &'s str,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Expr<'s> {
    Name(&'s str, Span),
    /// `this` in TS/JS, `self` in Python.
    This(Span),
    Member {
        object: Box<Expr<'s>>,
        property: &'s str,
        span: Span,
    },
    Index {
        object: Box<Expr<'s>>,
        index: Box<Expr<'s>>,
        span: Span,
    },
    Call(Box<Call<'s>>),
    Object(Vec<Prop<'s>>, Span),
    Array(Vec<Expr<'s>>, Span),
    Str(Str<'s>),
    /// A string built from parts: template literal, f-string, `+`,
    /// `.format()`, `%`. Literal parts are kept as [`Expr::Str`].
    Interp(Vec<Expr<'s>>, Span),
    Lit(Lit<'s>, Span),
    /// A function or lambda written inline; its body is its own scope.
    Function(ScopeId, Span),
    /// Expressions evaluated in order; the value is the last one's
    /// (sequence expressions; conditions of `a ? b : c`).
    Seq(Vec<Expr<'s>>, Span),
    /// Anything else. Its value may come from any child.
    Other(Vec<Expr<'s>>, Span),
}

#[derive(Debug, Clone)]
pub struct Call<'s> {
    pub callee: Expr<'s>,
    pub args: Vec<Arg<'s>>,
    /// `new X(...)`.
    pub new: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Arg<'s> {
    Positional(Expr<'s>),
    Keyword {
        name: &'s str,
        span: Span,
        value: Expr<'s>,
    },
    /// `...xs` / `*xs` (positional) or `**kwargs` (keywords).
    Spread {
        keywords: bool,
        value: Expr<'s>,
    },
}

impl<'s> Arg<'s> {
    pub fn value(&self) -> &Expr<'s> {
        match self {
            Arg::Positional(v) | Arg::Keyword { value: v, .. } | Arg::Spread { value: v, .. } => v,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Prop<'s> {
    Pair {
        key: &'s str,
        key_span: Span,
        value: Expr<'s>,
    },
    /// A computed key (`[k]: v`, a non-literal dict key): only the value counts.
    Computed(Expr<'s>),
    Spread(Expr<'s>),
}

impl<'s> Expr<'s> {
    pub fn span(&self) -> Span {
        match self {
            Expr::Name(_, s)
            | Expr::This(s)
            | Expr::Member { span: s, .. }
            | Expr::Index { span: s, .. }
            | Expr::Object(_, s)
            | Expr::Array(_, s)
            | Expr::Interp(_, s)
            | Expr::Lit(_, s)
            | Expr::Function(_, s)
            | Expr::Seq(_, s)
            | Expr::Other(_, s) => *s,
            Expr::Str(s) => s.span,
            Expr::Call(c) => c.span,
        }
    }

    /// The dotted path of a name or member chain: `a.b.c` → `["a", "b", "c"]`,
    /// with `this`/`self` as the first segment `"this"`. `None` for anything
    /// that is not a plain chain.
    pub fn dotted(&self) -> Option<Vec<&'s str>> {
        let mut segments = Vec::new();
        let mut current = self;
        loop {
            match current {
                Expr::Name(n, _) => {
                    segments.push(*n);
                    break;
                }
                Expr::This(_) => {
                    segments.push("this");
                    break;
                }
                Expr::Member { object, property, .. } => {
                    segments.push(*property);
                    current = object;
                }
                _ => return None,
            }
        }
        segments.reverse();
        Some(segments)
    }

    /// The last name of a callee: `a.b.c` → `c`, `f` → `f`.
    pub fn last_name(&self) -> Option<&'s str> {
        match self {
            Expr::Name(n, _) => Some(n),
            Expr::Member { property, .. } => Some(property),
            _ => None,
        }
    }

    /// The children of this expression, in source order (not descending into
    /// inline functions, whose bodies are statements of their own scope).
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr<'s>)) {
        match self {
            Expr::Name(..) | Expr::This(_) | Expr::Str(_) | Expr::Lit(..) | Expr::Function(..) => {}
            Expr::Member { object, .. } => f(object),
            Expr::Index { object, index, .. } => {
                f(object);
                f(index);
            }
            Expr::Call(call) => {
                f(&call.callee);
                for arg in &call.args {
                    f(arg.value());
                }
            }
            Expr::Object(props, _) => {
                for prop in props {
                    match prop {
                        Prop::Pair { value, .. } | Prop::Computed(value) | Prop::Spread(value) => f(value),
                    }
                }
            }
            Expr::Array(items, _) | Expr::Interp(items, _) | Expr::Seq(items, _) | Expr::Other(items, _) => {
                items.iter().for_each(f)
            }
        }
    }

    /// Visits this expression and every expression inside it, depth first.
    /// Iterative: depth is bounded by lowering, but no recursion is needed.
    pub fn walk<'a>(&'a self, mut f: impl FnMut(&'a Expr<'s>)) {
        let mut stack = vec![self];
        while let Some(expr) = stack.pop() {
            f(expr);
            let at = stack.len();
            expr.for_each_child(|child| stack.push(child));
            stack[at..].reverse();
        }
    }
}

/// Shared state of a lowering pass: the IR being built and the scope stack.
pub struct Builder<'s> {
    pub ir: FileIr<'s>,
    pub source: &'s str,
}

impl<'s> Builder<'s> {
    pub fn new(source: &'s str) -> Self {
        let mut ir = FileIr::default();
        ir.scopes.push(Scope::new(ScopeKind::Module, None, Span::new(0, source.len())));
        Builder { ir, source }
    }

    pub fn text(&self, node: tree_sitter::Node<'_>) -> &'s str {
        self.source.get(node.byte_range()).unwrap_or("")
    }

    pub fn add_scope(&mut self, scope: Scope<'s>) -> ScopeId {
        self.ir.scopes.push(scope);
        (self.ir.scopes.len() - 1) as ScopeId
    }

    pub fn scope_mut(&mut self, id: ScopeId) -> &mut Scope<'s> {
        &mut self.ir.scopes[id as usize]
    }

    pub fn push(&mut self, scope: ScopeId, in_try: bool, span: Span, kind: StatementKind<'s>) {
        self.ir.statements.push(Statement { scope, in_try, kind, span });
    }
}

/// Declares a table of a grammar's field ids, looked up once: asking a node
/// for a child by field *name* compares strings against every field of the
/// grammar on each call, by *id* it does not.
macro_rules! field_table {
    ($($name:ident),* $(,)?) => {
        #[allow(dead_code)]
        pub(crate) struct Fields {
            $(pub $name: u16,)*
            /// Node kind names by kind id: `Node::kind` validates UTF-8 on
            /// every call, this does not.
            kinds: Vec<Box<str>>,
        }

        impl Fields {
            pub(crate) fn new(language: &tree_sitter::Language) -> Fields {
                Fields {
                    $($name: language.field_id_for_name(stringify!($name).trim_end_matches('_')).map_or(0, |id| id.get()),)*
                    kinds: (0..language.node_kind_count())
                        .map(|id| Box::from(language.node_kind_for_id(id as u16).unwrap_or("")))
                        .collect(),
                }
            }

            pub(crate) fn kind(&self, node: &tree_sitter::Node<'_>) -> &str {
                self.kinds.get(node.kind_id() as usize).map_or("", |k| k)
            }

            /// For the `children_by_field_id` family, which wants a non-zero id.
            pub(crate) fn id(&self, field: u16) -> std::num::NonZeroU16 {
                std::num::NonZeroU16::new(field).unwrap_or(std::num::NonZeroU16::MAX)
            }
        }
    };
}
pub(crate) use field_table;

pub fn span_of(node: tree_sitter::Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// Strips the quotes of a string literal's text: `'a'`, `"a"`, `` `a` ``.
pub fn unquote(text: &str) -> &str {
    let bytes = text.as_bytes();
    if bytes.len() >= 2 && matches!(bytes[0], b'\'' | b'"' | b'`') && bytes[bytes.len() - 1] == bytes[0] {
        &text[1..text.len() - 1]
    } else {
        text
    }
}
