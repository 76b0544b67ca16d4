//! Where model output and request input flow inside one file.
//!
//! A small flow-insensitive taint analysis over the IR. Values carry origins:
//! the output of an inference site, the output after a sanitiser, or request
//! input. Origins travel through local variables, class fields, member and
//! index access (except metadata fields such as `usage`), destructuring,
//! string building (template literals, f-strings, `+`, `.format`), methods
//! called on a tainted value, catalogued pass-through functions
//! (`JSON.parse`), and the return values of functions declared in the same
//! file. Unknown functions stop the flow: custodia reports what it can show.
//!
//! The analysis iterates to a fixpoint (bounded), then checks the sinks of
//! `rules/sinks.toml` and the system-instruction slots of inference calls.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::catalog::Sink;
use crate::facts::{SinkFlow, SystemInput};
use crate::frameworks::nextjs;
use crate::ir::{Arg, Call, Expr, Lit, Prop, ScopeId, ScopeKind, StatementKind, Target};
use crate::source::Span;

use super::Analyzer;
use super::objects::ObjRef;
use super::scope::Lookup;

/// Calls that assemble messages for a model rather than consume them: a
/// system message passed to one of these is still a system message.
const MESSAGE_BUILDERS: [&str; 13] = [
    "push",
    "unshift",
    "concat",
    "append",
    "extend",
    "insert",
    "from_messages",
    "fromMessages",
    "stringify",
    "dumps",
    "Array",
    "list",
    "tuple",
];

/// Bound on fixpoint rounds; each round is one pass over the file.
const MAX_ROUNDS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Origin {
    /// Output of an inference site.
    Model(u32),
    /// Output of an inference site after a sanitiser (index into `sanitizers`).
    Sanitized(u32, u32),
    /// Request input (index into `sources`).
    Request(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FlowItem {
    origin: Origin,
    /// The value was concatenated into a larger string on the way.
    interpolated: bool,
}

type Taint = Vec<FlowItem>;

fn union(into: &mut Taint, from: &[FlowItem]) -> bool {
    let mut changed = false;
    for item in from {
        if !into.contains(item) {
            into.push(*item);
            changed = true;
        }
    }
    changed
}

#[derive(Default)]
struct FlowState<'s> {
    vars: HashMap<(ScopeId, &'s str), Taint>,
    returns: HashMap<ScopeId, Taint>,
    /// Set when evaluation tainted something as a side effect (a parameter).
    dirty: bool,
    /// Request inputs seen: description and place.
    sources: Vec<(String, Span)>,
    source_by_span: HashMap<Span, u32>,
    sanitizers: Vec<String>,
    /// Parameters that carry request input, by (function scope, name).
    request_params: HashSet<(ScopeId, &'s str)>,
    /// tRPC resolver parameters whose `.input` is request input.
    rpc_params: HashSet<(ScopeId, &'s str)>,
    /// Names checked against a fixed allow-list (`ALLOWED.includes(x)`,
    /// `x in ALLOWED`): request input no longer flows from them.
    allow_listed: HashSet<(ScopeId, &'s str)>,
    /// Member paths checked the same way (`body.units`), by the scope of
    /// their root name.
    allow_listed_paths: HashSet<(ScopeId, String)>,
}

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn flows(&mut self) {
        // Model output matters only with an inference site; request input
        // only where it can reach a system slot.
        let slots = self.system_slots();
        if self.facts.inference.is_empty() && slots.is_empty() {
            return;
        }
        let mut state = FlowState::default();
        self.find_request_params(&mut state);
        self.find_allow_lists(&mut state);
        if self.facts.inference.is_empty()
            && state.request_params.is_empty()
            && state.rpc_params.is_empty()
            && !self.mentions_request()
        {
            return;
        }
        let ir = self.ir;
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for statement in &ir.statements {
                match &statement.kind {
                    StatementKind::Bind { target, value, .. } => {
                        let taint = self.eval(value, statement.scope, &mut state);
                        if !taint.is_empty() {
                            changed |= self.assign(target, statement.scope, &taint, &mut state);
                        }
                    }
                    StatementKind::Return(value) => {
                        let taint = self.eval(value, statement.scope, &mut state);
                        if let Some(function) = self.function_scope(statement.scope)
                            && !taint.is_empty()
                        {
                            changed |= union(state.returns.entry(function).or_default(), &taint);
                        }
                    }
                    StatementKind::Eval(value) | StatementKind::JsxAttribute { value, .. } => {
                        // For what calls pass to the file's own functions.
                        self.eval(value, statement.scope, &mut state);
                    }
                }
            }
            changed |= std::mem::take(&mut state.dirty);
            if !changed {
                break;
            }
        }
        if !self.facts.inference.is_empty() {
            self.check_sinks(&mut state);
        }
        self.check_system_slots(slots, &mut state);
    }

    /// Whether any expression reads a catalogued request member; files with
    /// neither inference nor request input need no flow analysis.
    fn mentions_request(&self) -> bool {
        let mut found = false;
        for (_, expr) in self.all_expressions() {
            expr.walk(|e| {
                if !found && matches!(e, Expr::Member { .. }) && self.request_member(e).is_some() {
                    found = true;
                }
            });
            if found {
                return true;
            }
        }
        false
    }

    fn find_request_params(&self, state: &mut FlowState<'s>) {
        let request = &self.catalog.controls.request;
        let file_actions = self.ir.directives.contains(&nextjs::SERVER_DIRECTIVE);
        for (id, scope) in self.ir.scopes.iter().enumerate() {
            if scope.kind != ScopeKind::Function {
                continue;
            }
            let id = id as ScopeId;
            // FastAPI / Starlette / Flask: `@app.post("/chat")`.
            let is_route = scope.decorators.iter().any(|d| match d {
                Expr::Call(call) => matches!(&call.callee, Expr::Member { property, .. } if request.route_decorators.iter().any(|m| m == property)),
                _ => false,
            });
            // Next.js server actions: exported functions of a 'use server'
            // module, or functions with their own 'use server' directive.
            let is_action = (file_actions && scope.exported) || scope.directives.contains(&nextjs::SERVER_DIRECTIVE);
            if is_route || is_action {
                for param in &scope.params {
                    let excluded = param.annotation.is_some_and(|a| {
                        request.non_input_annotations.iter().any(|n| annotation_names(a).any(|w| w == n))
                            || request.non_input_defaults.iter().any(|d| a.contains(&format!("{d}(")))
                    }) || param.default.as_ref().is_some_and(|d| match d {
                        Expr::Call(c) => {
                            c.callee.last_name().is_some_and(|n| request.non_input_defaults.iter().any(|x| x == n))
                        }
                        _ => false,
                    }) || matches!(param.name, Some("self" | "cls" | "request" | "this"));
                    if excluded {
                        continue;
                    }
                    let what = if is_route { "route parameter" } else { "server action argument" };
                    for name in param.name.iter().chain(param.destructured.iter()) {
                        state.request_params.insert((id, name));
                        self.add_source(state, format!("{what} `{name}`"), param.span);
                    }
                }
            }
            // tRPC: `.mutation(({ input }) => ...)`.
            if scope.passed_to.is_some_and(|p| request.rpc_resolvers.iter().any(|r| r == p))
                && let Some(first) = scope.params.first()
            {
                if first.destructured.contains(&"input") {
                    state.request_params.insert((id, "input"));
                    self.add_source(state, "tRPC `input`".to_string(), first.span);
                }
                if let Some(name) = first.name {
                    state.rpc_params.insert((id, name));
                }
            }
        }
    }

    fn find_allow_lists(&self, state: &mut FlowState<'s>) {
        let checks = &self.catalog.controls.output.allow_list_checks;
        for &(scope, _, call) in &self.walked.calls {
            let Expr::Member { object, property, .. } = &call.callee else { continue };
            if !checks.iter().any(|c| c == property) || !self.is_fixed_collection(object, scope) {
                continue;
            }
            match call.args.first() {
                Some(crate::ir::Arg::Positional(Expr::Name(name, _))) => {
                    if let Some(key) = self.var_key(name, scope) {
                        state.allow_listed.insert(key);
                    }
                }
                // `body.units not in ("metric", "imperial")`
                Some(crate::ir::Arg::Positional(member @ Expr::Member { .. })) => {
                    if let Some(path) = member.dotted()
                        && let Some(key) = self.var_key(path[0], scope)
                    {
                        state.allow_listed_paths.insert((key.0, path.join(".")));
                    }
                }
                _ => {}
            }
        }
    }

    /// A collection written in the code: an array, set or dict literal, or a
    /// constant-style name (`SUPPORTED_LOCALES`) bound to one.
    fn is_fixed_collection(&self, expr: &'a Expr<'s>, scope: ScopeId) -> bool {
        self.is_fixed_collection_at(expr, scope, 0)
    }

    fn is_fixed_collection_at(&self, expr: &'a Expr<'s>, scope: ScopeId, depth: u32) -> bool {
        if depth > 8 || self.budget.step() {
            return false;
        }
        match expr {
            Expr::Array(..) | Expr::Object(..) => true,
            Expr::Call(call) => call.new && call.args.first().is_some_and(|a| matches!(a.value(), Expr::Array(..))),
            Expr::Name(name, _) => match self.lookup(name, scope) {
                Lookup::Bound(values) => {
                    values.iter().all(|b| b.part.is_none() && self.is_fixed_collection_at(b.value, b.scope, depth + 1))
                }
                _ => name.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()),
            },
            _ => false,
        }
    }

    fn add_source(&self, state: &mut FlowState<'s>, description: String, span: Span) -> u32 {
        if let Some(index) = state.source_by_span.get(&span) {
            return *index;
        }
        let index = state.sources.len() as u32;
        state.sources.push((description, span));
        state.source_by_span.insert(span, index);
        index
    }

    fn request_source(&self, span: Span, state: &mut FlowState<'s>) -> Taint {
        let index = self.add_source(state, format!("`{}`", self.snippet(span, 50)), span);
        vec![FlowItem { origin: Origin::Request(index), interpolated: false }]
    }

    /// `req.body`, `request.args`, `ctx.request.body`, `c.req.json`: a
    /// catalogued member of a catalogued request receiver.
    fn request_member(&self, expr: &Expr<'s>) -> Option<()> {
        let dotted = expr.dotted()?;
        let (last, receiver) = dotted.split_last()?;
        let request = &self.catalog.controls.request;
        if !request.members.iter().any(|m| m == last) || receiver.is_empty() {
            return None;
        }
        let receiver = receiver.join(".");
        request.receivers.contains(&receiver).then_some(())
    }

    fn metadata(&self, name: &str) -> bool {
        self.catalog.controls.output.metadata_fields.iter().any(|m| m == name)
    }

    fn without_metadata(taint: Taint) -> Taint {
        taint.into_iter().filter(|f| matches!(f.origin, Origin::Request(_))).collect()
    }

    /// The key under which a name's taint is kept, as seen from `scope`.
    fn var_key(&self, name: &'s str, scope: ScopeId) -> Option<(ScopeId, &'s str)> {
        match self.lookup(name, scope) {
            Lookup::Bound(values) => values.first().map(|b| (b.scope, name)),
            Lookup::Param(s) => Some((s, name)),
            _ => None,
        }
    }

    fn eval(&mut self, expr: &'a Expr<'s>, scope: ScopeId, state: &mut FlowState<'s>) -> Taint {
        if self.budget.step() {
            return Taint::new();
        }
        match expr {
            Expr::Name(name, _) => {
                let mut taint = Taint::new();
                if let Some(key) = self.var_key(name, scope) {
                    if let Some(t) = state.vars.get(&key) {
                        taint.extend_from_slice(t);
                    }
                    if state.allow_listed.contains(&key) {
                        taint.retain(|f| !matches!(f.origin, Origin::Request(_)));
                        return taint;
                    }
                    if state.request_params.contains(&key)
                        && let Some(index) = self.param_source(key, state)
                    {
                        union(&mut taint, &[FlowItem { origin: Origin::Request(index), interpolated: false }]);
                    }
                }
                taint
            }
            Expr::Member { object, property, .. } => {
                if !state.allow_listed_paths.is_empty()
                    && let Some(path) = expr.dotted()
                    && let Some(key) = self.var_key(path[0], scope)
                    && state.allow_listed_paths.contains(&(key.0, path.join(".")))
                {
                    let mut taint = self.eval(object, scope, state);
                    taint.retain(|f| !matches!(f.origin, Origin::Request(_)));
                    return taint;
                }
                if self.request_member(expr).is_some() {
                    return self.request_source(expr.span(), state);
                }
                match &**object {
                    Expr::This(_) => {
                        return self
                            .class_of(scope)
                            .and_then(|c| state.vars.get(&(c, *property)))
                            .cloned()
                            .unwrap_or_default();
                    }
                    Expr::Name(name, _) if *property == "input" => {
                        if let Some(key) = self.var_key(name, scope)
                            && state.rpc_params.contains(&key)
                        {
                            return self.request_source(expr.span(), state);
                        }
                    }
                    _ => {}
                }
                if self.catalog.controls.output.scalar_members.iter().any(|m| m == property) {
                    // `answer.length` is a number: it carries no text.
                    return Taint::new();
                }
                let taint = match self.field_values(object, property, scope) {
                    Some(values) => self.eval_all(&values, state),
                    None => self.eval(object, scope, state),
                };
                if self.metadata(property) { Self::without_metadata(taint) } else { taint }
            }
            Expr::Index { object, index, .. } => {
                let taint = match &**index {
                    Expr::Str(key) => match self.field_values(object, key.value, scope) {
                        Some(values) => self.eval_all(&values, state),
                        None => self.eval(object, scope, state),
                    },
                    _ => self.eval(object, scope, state),
                };
                match &**index {
                    Expr::Str(s) if self.metadata(s.value) => Self::without_metadata(taint),
                    _ => taint,
                }
            }
            Expr::Call(call) => self.eval_call(call, scope, state),
            Expr::Interp(parts, _) => {
                let mut taint = Taint::new();
                for part in parts {
                    let t: Taint = self
                        .eval(part, scope, state)
                        .into_iter()
                        .map(|f| FlowItem { interpolated: true, ..f })
                        .collect();
                    union(&mut taint, &t);
                }
                taint
            }
            Expr::Object(..) | Expr::Array(..) | Expr::Other(..) => {
                let mut children = Vec::new();
                expr.for_each_child(|c| children.push(c));
                let mut taint = Taint::new();
                for child in children {
                    let t = self.eval(child, scope, state);
                    union(&mut taint, &t);
                }
                taint
            }
            Expr::Seq(parts, _) => match parts.last() {
                Some(last) => self.eval(last, scope, state),
                None => Taint::new(),
            },
            Expr::Str(_) | Expr::Lit(..) | Expr::This(_) | Expr::Function(..) => Taint::new(),
        }
    }

    /// When `object` is a local name bound only to object literals that all
    /// set `field`, the values of that field: `card.heading` of
    /// `const card = { heading: "...", body: answer }` is the constant.
    fn field_values(&self, object: &'a Expr<'s>, field: &str, scope: ScopeId) -> Option<Vec<(&'a Expr<'s>, ScopeId)>> {
        let Expr::Name(name, _) = object else { return None };
        let Lookup::Bound(bounds) = self.lookup(name, scope) else { return None };
        let mut values = Vec::new();
        for bound in bounds {
            let Expr::Object(props, _) = bound.value else { return None };
            if bound.part.is_some() {
                return None;
            }
            let value = props.iter().find_map(|p| match p {
                Prop::Pair { key, value, .. } if *key == field => Some(value),
                _ => None,
            })?;
            values.push((value, bound.scope));
        }
        (!values.is_empty()).then_some(values)
    }

    fn eval_all(&mut self, values: &[(&'a Expr<'s>, ScopeId)], state: &mut FlowState<'s>) -> Taint {
        let mut taint = Taint::new();
        for (value, scope) in values {
            let t = self.eval(value, *scope, state);
            union(&mut taint, &t);
        }
        taint
    }

    fn param_source(&self, key: (ScopeId, &'s str), state: &FlowState<'s>) -> Option<u32> {
        let scope = self.ir.scopes.get(key.0 as usize)?;
        let param = scope.params.iter().find(|p| p.name == Some(key.1) || p.destructured.contains(&key.1))?;
        state.source_by_span.get(&param.span).copied()
    }

    fn eval_call(&mut self, call: &'a Call<'s>, scope: ScopeId, state: &mut FlowState<'s>) -> Taint {
        if let Some(site) = self.site_by_call.get(&call.span) {
            return vec![FlowItem { origin: Origin::Model(*site as u32), interpolated: false }];
        }
        if matches!(call.callee, Expr::Member { .. }) && self.request_member(&call.callee).is_some() {
            return self.request_source(call.span, state);
        }
        let dotted = call.callee.dotted();
        let joined = dotted.as_ref().map(|d| d.join("."));
        if let Some(joined) = &joined {
            let sanitizers = self.catalog.sanitizers.get(self.language);
            if sanitizers.iter().any(|s| ends_with_segments(joined, s)) {
                let index = match state.sanitizers.iter().position(|n| n == joined) {
                    Some(i) => i as u32,
                    None => {
                        state.sanitizers.push(joined.clone());
                        (state.sanitizers.len() - 1) as u32
                    }
                };
                let mut taint = Taint::new();
                for arg in &call.args {
                    let t = self.eval(arg.value(), scope, state);
                    let mapped: Taint = t
                        .into_iter()
                        .map(|f| match f.origin {
                            Origin::Model(site) | Origin::Sanitized(site, _) => {
                                FlowItem { origin: Origin::Sanitized(site, index), interpolated: f.interpolated }
                            }
                            Origin::Request(_) => f,
                        })
                        .collect();
                    union(&mut taint, &mapped);
                }
                return taint;
            }
            if self.catalog.controls.output.pass_through.iter().any(|p| ends_with_segments(joined, p)) {
                return self.eval_args(call, scope, state, false);
            }
        }
        // A function or method of this file: its arguments reach its
        // parameters, and the call is worth what it returns.
        if let Some(id) = self.local_function(&call.callee, scope) {
            self.taint_parameters(id, call, scope, state);
            return state.returns.get(&id).cloned().unwrap_or_default();
        }
        // `schema.parse(body)`: validated, still the request's data.
        if let Expr::Member { property, .. } = &call.callee
            && self.catalog.controls.output.validators.iter().any(|v| v == property)
        {
            return self.eval_args(call, scope, state, false);
        }
        // A method called on a value returns data derived from it.
        if let Expr::Member { object, property, .. } = &call.callee {
            let mut taint = self.eval(object, scope, state);
            if matches!(
                *property,
                "join"
                    | "concat"
                    | "replace"
                    | "replaceAll"
                    | "format"
                    | "format_map"
                    | "substitute"
                    | "safe_substitute"
            ) {
                let args = self.eval_args(call, scope, state, true);
                union(&mut taint, &args);
            }
            return taint;
        }
        Taint::new()
    }

    /// The function a callee names, when the file declares it: `f(...)`,
    /// `const f = () => ...`, `this.f(...)` / `self.f(...)`.
    fn local_function(&mut self, callee: &'a Expr<'s>, scope: ScopeId) -> Option<ScopeId> {
        match callee {
            Expr::Name(name, _) => match self.lookup(name, scope) {
                Lookup::Function(id) => Some(id),
                Lookup::Bound(values) => values.iter().find_map(|b| match b.value {
                    Expr::Function(id, _) if b.part.is_none() => Some(*id),
                    _ => None,
                }),
                _ => None,
            },
            Expr::Member { object, property, .. } if matches!(**object, Expr::This(_)) => self.method(property, scope),
            _ => None,
        }
    }

    fn taint_parameters(&mut self, function: ScopeId, call: &'a Call<'s>, scope: ScopeId, state: &mut FlowState<'s>) {
        let ir = self.ir;
        let params = &ir.scopes[function as usize].params;
        // Python methods receive `self` first.
        let offset = usize::from(params.first().is_some_and(|p| matches!(p.name, Some("self" | "cls"))));
        let mut position = 0;
        for arg in &call.args {
            let param = match arg {
                Arg::Positional(_) => {
                    position += 1;
                    params.get(position - 1 + offset)
                }
                Arg::Keyword { name, .. } => params.iter().find(|p| p.name == Some(name)),
                Arg::Spread { .. } => None,
            };
            let Some(param) = param else { continue };
            let taint = self.eval(arg.value(), scope, state);
            if taint.is_empty() {
                continue;
            }
            for name in param.name.iter().chain(param.destructured.iter()) {
                if union(state.vars.entry((function, *name)).or_default(), &taint) {
                    state.dirty = true;
                }
            }
        }
    }

    fn eval_args(
        &mut self,
        call: &'a Call<'s>,
        scope: ScopeId,
        state: &mut FlowState<'s>,
        interpolated: bool,
    ) -> Taint {
        let mut taint = Taint::new();
        for arg in &call.args {
            let t: Taint = self
                .eval(arg.value(), scope, state)
                .into_iter()
                .map(|f| FlowItem { interpolated: f.interpolated || interpolated, ..f })
                .collect();
            union(&mut taint, &t);
        }
        taint
    }

    fn assign(&self, target: &Target<'s>, scope: ScopeId, taint: &Taint, state: &mut FlowState<'s>) -> bool {
        match target {
            Target::Name(name, _) => union(state.vars.entry((scope, *name)).or_default(), taint),
            Target::Member { object: Expr::This(_), property, .. } => match self.class_of(scope) {
                Some(class) => union(state.vars.entry((class, *property)).or_default(), taint),
                None => false,
            },
            Target::Pattern(parts) => {
                let mut changed = false;
                for (name, property, _) in parts {
                    let filtered = match property {
                        Some(p) if self.metadata(p) => Self::without_metadata(taint.clone()),
                        _ => taint.clone(),
                    };
                    changed |= union(state.vars.entry((scope, *name)).or_default(), &filtered);
                }
                changed
            }
            Target::Member { .. } | Target::Item { .. } | Target::Other => false,
        }
    }

    // ------------------------------------------------------------- sinks --

    fn check_sinks(&mut self, state: &mut FlowState<'s>) {
        let ir = self.ir;
        let catalog: &'a crate::catalog::Catalog = self.catalog;
        let sinks: Vec<&'a Sink> =
            catalog.sinks.iter().filter(|s| crate::catalog::applies_to(Some(s.language), self.language)).collect();
        for statement in &ir.statements {
            let scope = statement.scope;
            match &statement.kind {
                StatementKind::Bind { target: Target::Member { property, span, .. }, value, .. } => {
                    for sink in sinks.iter().filter(|s| s.properties.iter().any(|p| p == property)) {
                        let taint = self.eval(value, scope, state);
                        self.record_sink(sink, property.to_string(), *span, &taint, state);
                    }
                }
                StatementKind::JsxAttribute { name, value } => {
                    for sink in sinks.iter().filter(|s| s.jsx.iter().any(|j| j == name)) {
                        let taint = self.eval(value, scope, state);
                        self.record_sink(sink, name.to_string(), statement.span, &taint, state);
                    }
                }
                _ => {}
            }
        }
        let walked = self.walked;
        for &(scope, _, call) in &walked.calls {
            {
                for sink in &sinks {
                    if !self.sink_matches(sink, call, scope) {
                        continue;
                    }
                    let mut taint = Taint::new();
                    let mut position = 0;
                    for arg in &call.args {
                        let counts = match arg {
                            Arg::Positional(_) => {
                                let take = sink.takes_arg(position);
                                position += 1;
                                take
                            }
                            Arg::Keyword { name, .. } => {
                                sink.takes_arg(0)
                                    && matches!(
                                        *name,
                                        "args" | "cmd" | "command" | "sql" | "statement" | "query" | "source" | "code"
                                    )
                            }
                            Arg::Spread { .. } => false,
                        };
                        if counts {
                            let t = self.eval_sink_argument(sink, arg.value(), scope, state);
                            union(&mut taint, &t);
                        }
                    }
                    let name = self.snippet(call.callee.span(), 40);
                    self.record_sink(sink, name, call.span, &taint, state);
                }
            }
        }
    }

    /// A SQL call given a query object (`pool.query({ text, values })`,
    /// `client.execute({ sql, args })`, `client.query({ query, variables })`)
    /// executes only its query text; the rest are bound parameters.
    fn eval_sink_argument(
        &mut self,
        sink: &Sink,
        value: &'a Expr<'s>,
        scope: ScopeId,
        state: &mut FlowState<'s>,
    ) -> Taint {
        match value {
            Expr::Object(props, _) if sink.kind == crate::catalog::SinkKind::Sql => {
                let mut taint = Taint::new();
                for prop in props {
                    if let Prop::Pair { key: "sql" | "text" | "query" | "statement", value, .. } = prop {
                        let t = self.eval(value, scope, state);
                        union(&mut taint, &t);
                    }
                }
                taint
            }
            _ => self.eval(value, scope, state),
        }
    }

    fn sink_matches(&mut self, sink: &Sink, call: &'a Call<'s>, scope: ScopeId) -> bool {
        let callee = &call.callee;
        let matched = if !sink.globals.is_empty() {
            matches!(callee, Expr::Name(name, _) if sink.globals.iter().any(|g| g == name) && matches!(self.lookup(name, scope), Lookup::Global))
        } else if !sink.functions.is_empty() {
            match self.resolve(callee, scope, 0) {
                ObjRef::Module { module, path, .. } if !path.is_empty() => {
                    let mut matched = false;
                    // `subprocess.run`, or Python `os.path`-style split modules.
                    let mut current = module.to_string();
                    for (i, segment) in path.iter().enumerate() {
                        if sink.module.contains(&current)
                            && path.len() == i + 1
                            && sink.functions.iter().any(|f| f == segment)
                        {
                            matched = true;
                        }
                        current.push('.');
                        current.push_str(segment);
                    }
                    matched
                }
                _ => false,
            }
        } else if !sink.methods.is_empty() {
            match callee {
                Expr::Member { object, property, .. } if sink.methods.iter().any(|m| m == property) => {
                    match &sink.receiver {
                        None => true,
                        Some(pattern) => object.last_name().is_some_and(|n| pattern.is_match(n)),
                    }
                }
                _ => false,
            }
        } else {
            false
        };
        matched && sink.requires.as_deref().is_none_or(|option| requires_true(call, option))
    }

    fn record_sink(&mut self, sink: &Sink, name: String, span: Span, taint: &Taint, state: &FlowState<'s>) {
        let mut sites: Vec<u32> = Vec::new();
        let mut sanitized: Vec<u32> = Vec::new();
        let mut sanitizer = None;
        for item in taint {
            match item.origin {
                Origin::Model(site) if !sites.contains(&site) => sites.push(site),
                Origin::Sanitized(site, by) if !sanitized.contains(&site) => {
                    sanitized.push(site);
                    sanitizer = state.sanitizers.get(by as usize).cloned();
                }
                _ => {}
            }
        }
        let location = self.locate(span);
        if !sites.is_empty() {
            sites.sort_unstable();
            self.facts.sink_flows.push(SinkFlow { kind: sink.kind, sink: name, location, sites, sanitizer: None });
        } else if !sanitized.is_empty() {
            sanitized.sort_unstable();
            self.facts.sink_flows.push(SinkFlow { kind: sink.kind, sink: name, location, sites: sanitized, sanitizer });
        }
    }

    // ------------------------------------------------------ system slots --

    /// Where system instructions are written: `role: "system"` messages,
    /// `("system", ...)` templates, `SystemMessage(...)`, and the system options
    /// of inference calls and model objects.
    fn system_slots(&mut self) -> Vec<(String, &'a Expr<'s>, ScopeId)> {
        let catalog: &'a crate::catalog::Catalog = self.catalog;
        let system = &catalog.controls.system;
        let walked = self.walked;
        // A system message handed to another API (a database write, a
        // socket event, a log line) is not an instruction to a model.
        let mut slots: Vec<(String, &'a Expr<'s>, ScopeId)> = walked
            .role_slots
            .iter()
            .filter(|slot| match slot.enclosing {
                None => true,
                Some(call) => {
                    self.site_by_call.contains_key(&call.span)
                        || matches!(self.constructions.get(&call.span), Some(Some(_)))
                        || call.callee.last_name().is_some_and(|name| MESSAGE_BUILDERS.contains(&name))
                }
            })
            .map(|slot| (format!("`{}` message", slot.role), slot.value, slot.scope))
            .collect();
        for &(scope, _, call) in &walked.calls {
            {
                let is_message_class = call
                    .callee
                    .last_name()
                    .is_some_and(|n| system.message_classes.iter().any(|c| c == n))
                    || matches!(&call.callee, Expr::Member { object, property: "from_template" | "fromTemplate", .. }
                        if object.last_name().is_some_and(|n| system.message_classes.iter().any(|c| c == n)));
                if is_message_class {
                    let name = call.callee.last_name().unwrap_or("SystemMessage");
                    for arg in &call.args {
                        match arg {
                            Arg::Positional(v) => slots.push((format!("`{name}`"), v, scope)),
                            Arg::Keyword { name: "content", value, .. } => {
                                slots.push((format!("`{name}`"), value, scope))
                            }
                            _ => {}
                        }
                    }
                }
                let is_site = self.site_by_call.contains_key(&call.span);
                let is_construction = matches!(self.constructions.get(&call.span), Some(Some(_)));
                if is_site || is_construction {
                    let mut options = super::objects::Options::default();
                    self.collect_args(call, scope, &mut options, false);
                    for entry in options.entries {
                        if system.options.iter().any(|o| o == entry.name) {
                            slots.push((format!("`{}` option", entry.name), entry.value, entry.scope));
                        } else if system.model_options.iter().any(|o| o == entry.name) {
                            slots.push((format!("{MODEL_SLOT}`{}` option", entry.name), entry.value, entry.scope));
                        }
                    }
                }
            }
        }
        slots
    }

    fn check_system_slots(&mut self, slots: Vec<(String, &'a Expr<'s>, ScopeId)>, state: &mut FlowState<'s>) {
        let mut seen = HashSet::default();
        for (slot, value, scope) in slots {
            if !seen.insert(value.span()) {
                continue;
            }
            let taint = self.eval(value, scope, state);
            let requests: Vec<&FlowItem> = taint.iter().filter(|f| matches!(f.origin, Origin::Request(_))).collect();
            let Some(first) = requests.first() else {
                continue;
            };
            let Origin::Request(index) = first.origin else {
                continue;
            };
            let (description, span) = state.sources[index as usize].clone();
            let (slot, model) = match slot.strip_prefix(MODEL_SLOT) {
                Some(option) => (option.to_string(), true),
                None => (slot, false),
            };
            self.facts.system_inputs.push(SystemInput {
                slot,
                model,
                location: self.locate(value.span()),
                interpolated: requests.iter().any(|f| f.interpolated),
                source: description,
                source_location: self.locate(span),
            });
        }
    }
}

/// Marks a slot that names the model, among the system slots.
const MODEL_SLOT: &str = "model:";

/// The identifiers in a type annotation: `Annotated[User, Depends(x)]`.
fn annotation_names(annotation: &str) -> impl Iterator<Item = &str> {
    annotation.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

/// `a.b.c` ends with `b.c` on a segment boundary.
pub(crate) fn ends_with_segments(path: &str, suffix: &str) -> bool {
    path == suffix || path.strip_suffix(suffix).is_some_and(|rest| rest.ends_with('.'))
}

/// `shell=True` (Python keyword) or `{ shell: true }` (an options object).
fn requires_true(call: &Call<'_>, option: &str) -> bool {
    call.args.iter().any(|arg| match arg {
        Arg::Keyword { name, value: Expr::Lit(Lit::True, _), .. } => *name == option,
        Arg::Positional(Expr::Object(props, _)) => {
            props.iter().any(|p| matches!(p, Prop::Pair { key, value: Expr::Lit(Lit::True, _), .. } if *key == option))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::ends_with_segments;

    #[test]
    fn segment_suffixes() {
        assert!(ends_with_segments("DOMPurify.sanitize", "DOMPurify.sanitize"));
        assert!(ends_with_segments("window.DOMPurify.sanitize", "DOMPurify.sanitize"));
        assert!(!ends_with_segments("xsanitize", "sanitize"));
    }
}
