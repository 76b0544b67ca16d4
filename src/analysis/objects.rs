//! What a callee or receiver is, the model clients a file builds, the
//! inference calls it makes, and the options those carry.
//!
//! A receiver is resolved through local bindings, class fields and imports to
//! an [`ObjRef`]: a member path of an imported module, a client or model object
//! constructed in this file, or something unknown with the member path after
//! it. Client constructions and inference calls are then matched against the
//! provider catalogue by that path, so `client.chat.completions.create` is an
//! OpenAI call because `client` was built by `new OpenAI()` imported from
//! `openai`, not because of its name.

use crate::catalog::{CallSpec, ClientKind, ClientSpec, Provider, Receiver, applies_to};
use crate::facts::{
    CallReceiver, ClientFact, CredentialSource, FailurePath, GuardFact, GuardKind, InferenceSite, OptionHit,
    OptionSource,
};
use crate::frameworks::nextjs;
use crate::ir::{Arg, Call, Expr, Lit, Prop, ScopeId, StatementKind, Target};
use crate::lang::Language;
use crate::source::Span;

use super::Analyzer;
use super::scope::Lookup;

/// Bound on the recursion of one resolution (`a = b; b = c; ...`, a
/// fluent chain `s.m0().m1()...`): it keeps the stack bounded. Work is
/// bounded by the memo tables below, not by this.
const MAX_RESOLVE_DEPTH: u32 = 48;

/// The names and fields resolution goes through, for its memo table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum BindingKey<'s> {
    /// A name bound in a scope.
    Var(ScopeId, &'s str),
    /// A field of a class (`this.x`, `self.x`).
    Field(ScopeId, &'s str),
}

/// What resolution has learnt about a file, so that each binding and each
/// call is resolved once: without it, `b = b.m0(); b = b.m1(); ...`
/// resolves every earlier binding again from every later one, which is
/// exponential in the number of reassignments.
#[derive(Default)]
pub(crate) struct ResolveMemo<'a, 's> {
    /// (binding, the first and the end of its values considered) → what it
    /// denotes; `None` while it is being resolved (a cycle resolves to
    /// unknown).
    bindings: rustc_hash::FxHashMap<(BindingKey<'s>, u32, u32), Option<ObjRef<'a, 's>>>,
    /// Whether a binding's values are in source order, once asked.
    ordered: rustc_hash::FxHashMap<BindingKey<'s>, bool>,
    /// The value of a binding being resolved now: a use of the same name
    /// inside it (`b = b.m()`) sees the values bound before it, as the
    /// program does.
    evaluating: rustc_hash::FxHashMap<BindingKey<'s>, u32>,
    /// What the result of a call denotes, by the call's span.
    calls: rustc_hash::FxHashMap<Span, Option<ObjRef<'a, 's>>>,
}

/// A client or model object constructed in the file.
pub(crate) struct ClientInfo<'a, 's> {
    pub provider: usize,
    pub kind: ClientKind,
    pub call: &'a Call<'s>,
    pub scope: ScopeId,
    /// The client a model was obtained from (`genAI.getGenerativeModel(...)`).
    pub parent: Option<usize>,
}

/// What an expression denotes, as far as the file tells.
#[derive(Debug, Clone)]
pub(crate) enum ObjRef<'a, 's> {
    /// A member path of an imported module. `local` is the local name of a
    /// default import (`import OpenAI from "openai"`), which is conventionally
    /// the name of what it exports.
    Module { module: &'s str, path: Vec<&'s str>, local: Option<&'s str> },
    /// A member path of a client or model object built in this file.
    Client { client: usize, path: Vec<&'s str>, extra: Vec<(&'a Call<'s>, ScopeId)>, fallback: Option<Span> },
    /// A member path of a client or model object another file of the
    /// project exports (index into the analyzer's externals).
    External { ext: usize, path: Vec<&'s str> },
    /// A function declared in this file.
    Function,
    /// Unresolved; the member path read after the unresolved root.
    /// `foreign` when the root is known to be something other than a model
    /// client (a local object another library built: `twilio(...)`), as
    /// opposed to unknown (a parameter, a global).
    Unknown { path: Vec<&'s str>, foreign: bool },
}

impl<'a, 's> ObjRef<'a, 's> {
    fn unknown() -> Self {
        ObjRef::Unknown { path: Vec::new(), foreign: false }
    }

    fn is_unknown(&self) -> bool {
        matches!(self, ObjRef::Unknown { .. })
    }

    fn push(self, segment: &'s str) -> Self {
        match self {
            ObjRef::Module { module, mut path, .. } => {
                path.push(segment);
                ObjRef::Module { module, path, local: None }
            }
            ObjRef::Client { client, mut path, extra, fallback } => {
                path.push(segment);
                ObjRef::Client { client, path, extra, fallback }
            }
            ObjRef::External { ext, mut path } => {
                path.push(segment);
                ObjRef::External { ext, path }
            }
            ObjRef::Function => ObjRef::Unknown { path: vec![segment], foreign: false },
            ObjRef::Unknown { mut path, foreign } => {
                path.push(segment);
                ObjRef::Unknown { path, foreign }
            }
        }
    }
}

/// An option written on a call, a client or a model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptionEntry<'a, 's> {
    pub name: &'s str,
    pub key: Span,
    pub value: &'a Expr<'s>,
    pub scope: ScopeId,
}

/// The options of one call or construction.
#[derive(Debug, Clone)]
pub(crate) struct Options<'a, 's> {
    pub entries: Vec<OptionEntry<'a, 's>>,
    /// False when part of the options could not be seen (a spread of an
    /// unknown value, an options object passed in from elsewhere).
    pub complete: bool,
    /// The bound values already followed for these options (by address):
    /// each is read once, so values that refer to each other
    /// (`a = f(b); b = f(a)`) end instead of recursing.
    seen: rustc_hash::FxHashSet<usize>,
}

impl Default for Options<'_, '_> {
    fn default() -> Self {
        Options { entries: Vec::new(), complete: true, seen: Default::default() }
    }
}

impl<'a, 's> Options<'a, 's> {
    /// Whether `value` is met for the first time.
    fn first_visit(&mut self, value: &'a Expr<'s>) -> bool {
        self.seen.insert(value as *const Expr<'s> as usize)
    }
}

struct CallMatch<'a, 's> {
    provider: usize,
    spec: &'a CallSpec,
    api: String,
    command: Option<&'a Call<'s>>,
}

impl<'a, 's> Analyzer<'a, 's> {
    /// Resolves what `expr` denotes when evaluated in `scope`.
    pub(crate) fn resolve(&mut self, expr: &'a Expr<'s>, scope: ScopeId, depth: u32) -> ObjRef<'a, 's> {
        if depth > MAX_RESOLVE_DEPTH || self.budget.step() {
            return ObjRef::unknown();
        }
        match expr {
            Expr::Name(name, at) => match self.lookup(name, scope) {
                Lookup::Bound(values) => {
                    let key = BindingKey::Var(values[0].scope, name);
                    // In the scope that binds it, a name is first what its
                    // bindings before the use made it: `const llm = ...` in
                    // each `case` of a switch is that case's model. (A use in
                    // a nested function may run after any binding.)
                    if values.len() > 1 && values[0].scope == scope {
                        let in_order = *self.memo.ordered.entry(key).or_insert_with(|| {
                            values.windows(2).all(|w| w[0].value.span().start <= w[1].value.span().start)
                        });
                        let before = values.partition_point(|b| b.value.span().start < at.start) as u32;
                        if in_order && before > 0 && (before as usize) < values.len() {
                            let nearest = self.resolve_binding(key, name, values, depth, (before - 1, before));
                            if !nearest.is_unknown() {
                                return nearest;
                            }
                        }
                    }
                    self.resolve_binding(key, name, values, depth, (0, values.len() as u32))
                }
                Lookup::Import(import) => self.externalize(
                    match import.kind {
                        crate::ir::ImportKind::Named(imported) => {
                            ObjRef::Module { module: import.module, path: vec![imported], local: None }
                        }
                        crate::ir::ImportKind::Default => {
                            ObjRef::Module { module: import.module, path: Vec::new(), local: Some(import.local) }
                        }
                        _ => ObjRef::Module { module: import.module, path: Vec::new(), local: None },
                    },
                    import.relative_level,
                ),
                Lookup::Function(_) => ObjRef::Function,
                Lookup::Param(..) | Lookup::Global => ObjRef::Unknown { path: vec![*name], foreign: false },
            },
            Expr::Member { object, property, .. } => {
                if let Expr::This(_) = **object {
                    return match (self.field(property, scope), self.class_of(scope)) {
                        (Some(values), Some(class)) => {
                            let all = (0, values.len() as u32);
                            self.resolve_binding(BindingKey::Field(class, property), property, values, depth, all)
                        }
                        _ => ObjRef::Unknown { path: vec![*property], foreign: false },
                    };
                }
                let base = self.resolve(object, scope, depth + 1);
                self.externalize(base.push(property), 0)
            }
            Expr::Call(call) => self.resolve_call_result(call, scope, depth),
            // `prompt | llm | parser`, `a ?? b`: a model among the parts.
            Expr::Other(parts, _) | Expr::Seq(parts, _) => {
                for part in parts {
                    let resolved = self.resolve(part, scope, depth + 1);
                    if self.is_model(&resolved) {
                        return resolved;
                    }
                }
                ObjRef::unknown()
            }
            _ => ObjRef::unknown(),
        }
    }

    /// What a name or field denotes: the last of its values in `window`
    /// (first, end) that resolves to something known, each binding resolved
    /// once per file.
    ///
    /// Inside one of its own values (`b = b.m()`) the binding counts only
    /// the values bound before that one; a binding met again while it is
    /// being resolved through other names (`a = b; b = a`) is a cycle and
    /// resolves to unknown.
    fn resolve_binding(
        &mut self,
        key: BindingKey<'s>,
        name: &'s str,
        values: &'a [super::scope::Bound<'a, 's>],
        depth: u32,
        (from, end): (u32, u32),
    ) -> ObjRef<'a, 's> {
        let upto = self.memo.evaluating.get(&key).copied().unwrap_or(end).min(end);
        if from >= upto {
            return ObjRef::Unknown { path: vec![name], foreign: false };
        }
        match self.memo.bindings.get(&(key, from, upto)) {
            Some(Some(done)) => return done.clone(),
            Some(None) => return ObjRef::Unknown { path: vec![name], foreign: false },
            None => {}
        }
        self.memo.bindings.insert((key, from, upto), None);
        let outer = self.memo.evaluating.get(&key).copied();
        let mut found = None;
        for i in (from as usize..upto as usize).rev() {
            if self.budget.step() {
                break;
            }
            self.memo.evaluating.insert(key, i as u32);
            let bound = values[i];
            let resolved = match (key, bound.part) {
                (BindingKey::Field(..), _) => self.resolve(bound.value, bound.scope, depth + 1),
                (BindingKey::Var(..), None) => match require_of(bound.value) {
                    Some(module) => self.externalize(ObjRef::Module { module, path: Vec::new(), local: Some(name) }, 0),
                    None => self.resolve(bound.value, bound.scope, depth + 1),
                },
                (BindingKey::Var(..), Some(Some(property))) => {
                    let base = self.resolve(bound.value, bound.scope, depth + 1);
                    self.externalize(base.push(property), 0)
                }
                (BindingKey::Var(..), Some(None)) => ObjRef::unknown(),
            };
            if !resolved.is_unknown() {
                found = Some(resolved);
                break;
            }
        }
        match outer {
            Some(i) => self.memo.evaluating.insert(key, i),
            None => self.memo.evaluating.remove(&key),
        };
        let result = found.unwrap_or_else(|| {
            // Built by some other library's call: known not to be a client.
            let foreign = matches!(key, BindingKey::Var(..))
                && values.iter().any(|b| matches!(b.value, Expr::Call(c) if require_of_call(c).is_none()));
            ObjRef::Unknown { path: vec![name], foreign }
        });
        self.memo.bindings.insert((key, from, upto), Some(result.clone()));
        result
    }

    fn is_model(&self, obj: &ObjRef<'a, 's>) -> bool {
        match obj {
            ObjRef::Client { client, path, .. } => path.is_empty() && self.clients[*client].kind == ClientKind::Model,
            ObjRef::External { ext, path } => path.is_empty() && self.external_kind(*ext) == ClientKind::Model,
            _ => false,
        }
    }

    /// A member of another project module that exports a client is that
    /// client: `import { openai } from "@/lib/ai"`.
    fn externalize(&self, obj: ObjRef<'a, 's>, relative_level: u8) -> ObjRef<'a, 's> {
        let ObjRef::Module { module, path, local } = &obj else { return obj };
        let (name, rest) = match (path.split_first(), local) {
            (Some((first, rest)), _) => (*first, rest),
            (None, Some(_)) => ("default", &[][..]),
            (None, None) => return obj,
        };
        if self.owned_module(module, path) {
            return obj;
        }
        let key = (*module, relative_level, name);
        let cached = self.external_index.borrow().get(&key).copied();
        let ext = match cached {
            Some(ext) => ext,
            None => {
                let found = self.resolver.client(module, relative_level, name).map(|client| {
                    let mut externals = self.externals.borrow_mut();
                    externals.push(client);
                    externals.len() - 1
                });
                self.external_index.borrow_mut().insert(key, found);
                found
            }
        };
        match ext {
            Some(ext) => ObjRef::External { ext, path: rest.to_vec() },
            None => obj,
        }
    }

    fn external_kind(&self, ext: usize) -> ClientKind {
        self.externals.borrow()[ext].client.kind
    }

    /// What the result of `call` denotes, each call resolved once.
    fn resolve_call_result(&mut self, call: &'a Call<'s>, scope: ScopeId, depth: u32) -> ObjRef<'a, 's> {
        match self.memo.calls.get(&call.span) {
            Some(Some(done)) => return done.clone(),
            Some(None) => return ObjRef::unknown(),
            None => {}
        }
        self.memo.calls.insert(call.span, None);
        let result = self.call_result(call, scope, depth);
        self.memo.calls.insert(call.span, Some(result.clone()));
        result
    }

    fn call_result(&mut self, call: &'a Call<'s>, scope: ScopeId, depth: u32) -> ObjRef<'a, 's> {
        if let Some(client) = self.construction(call, scope, depth + 1) {
            return ObjRef::Client { client, path: Vec::new(), extra: Vec::new(), fallback: None };
        }
        if let Some(module) = require_of_call(call) {
            return ObjRef::Module { module, path: Vec::new(), local: None };
        }
        if call.callee.last_name() == Some("promisify")
            && let Some(arg) = call.args.first()
        {
            return self.resolve(arg.value(), scope, depth + 1);
        }
        if let Expr::Member { object, property, .. } = &call.callee {
            let base = self.resolve(object, scope, depth + 1);
            // `importedModel.withStructuredOutput(...)`: a runnable over it.
            if let ObjRef::External { ext, path } = &base
                && path.is_empty()
                && self.external_kind(*ext) == ClientKind::Model
            {
                return base;
            }
            if let ObjRef::Client { client, path, mut extra, mut fallback } = base
                && path.is_empty()
            {
                let controls = &self.catalog.controls;
                if controls.timeouts.option_methods.iter().any(|m| m == property) {
                    extra.push((call, scope));
                    return ObjRef::Client { client, path, extra, fallback };
                }
                if controls.failure.fallback_methods.iter().any(|m| m == property) {
                    fallback = Some(call.span);
                    return ObjRef::Client { client, path, extra, fallback };
                }
                if self.clients[client].kind == ClientKind::Model {
                    // `model.bindTools(...)`, `llm.with_structured_output(...)`:
                    // a runnable over the same model.
                    return ObjRef::Client { client, path, extra, fallback };
                }
            }
        }
        // A model passed in makes a runnable over it: `prompt.pipe(model)`,
        // `createReactAgent({ llm: model })`, `RunnableSequence.from([p, model])`.
        for arg in &call.args {
            let mut candidates: Vec<&'a Expr<'s>> = vec![arg.value()];
            match arg.value() {
                Expr::Object(props, _) => candidates.extend(props.iter().filter_map(|p| match p {
                    Prop::Pair { value, .. } => Some(value),
                    _ => None,
                })),
                Expr::Array(items, _) => candidates.extend(items.iter()),
                _ => {}
            }
            for candidate in candidates {
                if !matches!(candidate, Expr::Name(..) | Expr::Member { .. } | Expr::Call(_)) {
                    continue;
                }
                let resolved = self.resolve(candidate, scope, depth + 1);
                if self.is_model(&resolved) {
                    return resolved;
                }
            }
        }
        ObjRef::unknown()
    }

    /// Module names a Python member path may denote: `google` + `genai.Client`
    /// may be module `google.genai` with path `Client`.
    fn module_candidates(&self, module: &'s str, path: &[&'s str]) -> Vec<(String, usize)> {
        let mut out = vec![(module.to_string(), 0)];
        if self.language == Language::Python {
            let mut current = module.to_string();
            for (i, segment) in path.iter().enumerate() {
                current.push('.');
                current.push_str(segment);
                out.push((current.clone(), i + 1));
            }
        }
        out
    }

    fn providers_for(&self) -> impl Iterator<Item = (usize, &'a Provider)> + '_ {
        let catalog: &'a crate::catalog::Catalog = self.catalog;
        catalog.providers.iter().enumerate()
    }

    /// The name a callee calls, seen through import aliases:
    /// `from ollama import Client as OllamaClient` makes `OllamaClient()` a `Client`.
    fn callee_name(&self, callee: &'a Expr<'s>, scope: ScopeId) -> Option<&'s str> {
        match callee {
            Expr::Name(name, _) => match self.lookup(name, scope) {
                Lookup::Import(crate::ir::Import { kind: crate::ir::ImportKind::Named(imported), .. }) => {
                    Some(imported)
                }
                // CommonJS: `const { OpenAI: OpenAIApi } = require("openai")`.
                Lookup::Bound(values) => Some(
                    values
                        .iter()
                        .find_map(|b| match b.part {
                            Some(Some(property)) if require_of(b.value).is_some() => Some(property),
                            _ => None,
                        })
                        .unwrap_or(name),
                ),
                _ => Some(name),
            },
            _ => callee.last_name(),
        }
    }

    /// A name that holds a provider module's default export under a name of
    /// the project's choosing: `const AnthropicAI = require("@anthropic-ai/sdk")`
    /// (in a constructor, as SDKs loaded lazily are), `import AI from "openai"`.
    fn is_provider_default_export(&self, callee: &'a Expr<'s>, scope: ScopeId) -> bool {
        let Expr::Name(name, _) = callee else { return false };
        match self.lookup(name, scope) {
            Lookup::Import(crate::ir::Import { kind: crate::ir::ImportKind::Default, module, .. }) => {
                self.owned_import(module)
            }
            Lookup::Bound(values) => {
                values.iter().any(|b| b.part.is_none() && require_of(b.value).is_some_and(|m| self.owned_import(m)))
            }
            _ => false,
        }
    }

    /// If `call` builds a model client or model object, its index in `clients`.
    pub(crate) fn construction(&mut self, call: &'a Call<'s>, scope: ScopeId, depth: u32) -> Option<usize> {
        if let Some(known) = self.constructions.get(&call.span) {
            return *known;
        }
        let named = self.callee_name(&call.callee, scope).is_some_and(|n| self.catalog.names().clients.contains(n));
        if !(named || call.new && self.is_provider_default_export(&call.callee, scope)) {
            return None;
        }
        // Mark first: a construction that resolves through itself is none.
        self.constructions.insert(call.span, None);
        let callee = self.resolve(&call.callee, scope, depth + 1);
        let found = self.match_client(&callee, call);
        let index = found.map(|(provider, spec, parent)| {
            self.clients.push(ClientInfo { provider, kind: spec.kind, call, scope, parent });
            self.clients.len() - 1
        });
        self.constructions.insert(call.span, index);
        index
    }

    fn match_client(
        &self,
        callee: &ObjRef<'a, 's>,
        call: &'a Call<'s>,
    ) -> Option<(usize, &'a ClientSpec, Option<usize>)> {
        let language = self.language;
        let first_arg_ok = |spec: &ClientSpec| match &spec.first_arg {
            None => true,
            Some(expected) => call.args.iter().any(|arg| match arg {
                Arg::Positional(Expr::Str(s)) => s.value == expected,
                Arg::Keyword { name: "service_name", value: Expr::Str(s), .. } => s.value == expected,
                _ => false,
            }),
        };
        let specs =
            |provider: &'a Provider| provider.clients.iter().filter(move |spec| applies_to(spec.language, language));
        match callee {
            ObjRef::Module { module, path, local } => {
                for (candidate, consumed) in self.module_candidates(module, path) {
                    let rest = path[consumed..].join(".");
                    let whole_module = rest.is_empty();
                    let name = if rest.is_empty() { local.map(str::to_string) } else { Some(rest) };
                    let Some(name) = name else { continue };
                    for (p, provider) in self.providers_for() {
                        if !provider.owns_module(language, &candidate) {
                            continue;
                        }
                        for spec in specs(provider) {
                            if spec.on.contains(&Receiver::Module) && spec.names.contains(&name) && first_arg_ok(spec) {
                                return Some((p, spec, None));
                            }
                        }
                        // `new AnthropicAI(...)` where `AnthropicAI = require("@anthropic-ai/sdk")`
                        // (or a default import of another name): the module's default export
                        // is its main client, the first the catalogue lists.
                        if whole_module
                            && call.new
                            && let Some(spec) = specs(provider).find(|s| s.on.contains(&Receiver::Module))
                        {
                            return Some((p, spec, None));
                        }
                    }
                }
                if self.owned_module(module, path) {
                    return None;
                }
                self.match_client(&ObjRef::Unknown { path: path.clone(), foreign: false }, call)
            }
            ObjRef::Client { client, path, .. } => {
                let provider_index = self.clients[*client].provider;
                let provider = &self.catalog.providers[provider_index];
                let name = path.join(".");
                specs(provider)
                    .find(|spec| {
                        spec.on.contains(&Receiver::Object) && spec.names.contains(&name) && first_arg_ok(spec)
                    })
                    .map(|spec| (provider_index, spec, Some(*client)))
            }
            ObjRef::Unknown { path, .. } => {
                let last = path.last()?;
                for (p, provider) in self.providers_for() {
                    let imported = self.index.imported_providers.contains(&p);
                    for spec in specs(provider) {
                        let reachable =
                            spec.on.contains(&Receiver::Any) || (imported && spec.on.contains(&Receiver::Imported));
                        if reachable && spec.names.iter().any(|n| n == last) && first_arg_ok(spec) {
                            return Some((p, spec, None));
                        }
                    }
                }
                None
            }
            ObjRef::External { .. } | ObjRef::Function => None,
        }
    }

    fn match_call(&mut self, callee: &ObjRef<'a, 's>, call: &'a Call<'s>, scope: ScopeId) -> Option<CallMatch<'a, 's>> {
        let language = self.language;
        let catalog: &'a crate::catalog::Catalog = self.catalog;
        let specs = |provider: &'a Provider| provider.calls.iter().filter(move |s| applies_to(s.language, language));
        let mut matched: Option<(usize, &'a CallSpec, String)> = None;
        match callee {
            ObjRef::Client { client, path, .. } => {
                let p = self.clients[*client].provider;
                let name = path.join(".");
                if let Some(spec) =
                    specs(&catalog.providers[p]).find(|s| s.on.contains(&Receiver::Object) && s.paths.contains(&name))
                {
                    matched = Some((p, spec, name));
                }
            }
            ObjRef::Module { module, path, .. } => {
                'outer: for (candidate, consumed) in self.module_candidates(module, path) {
                    let rest = path[consumed..].join(".");
                    if rest.is_empty() {
                        continue;
                    }
                    for (p, provider) in catalog.providers.iter().enumerate() {
                        if !provider.owns_module(language, &candidate) {
                            continue;
                        }
                        if let Some(spec) =
                            specs(provider).find(|s| s.on.contains(&Receiver::Module) && s.paths.contains(&rest))
                        {
                            matched = Some((p, spec, rest));
                            break 'outer;
                        }
                    }
                }
                // A module no provider owns (the project's own `@/lib/ai`):
                // its names are matched like unresolved ones.
                if matched.is_none() && !self.owned_module(module, path) {
                    // A bare package specifier that no provider owns names
                    // another library (`twilio`), not the project's code.
                    let package = self.language.is_js_family() && !is_project_specifier(module);
                    matched = self.match_unowned_path(path, package);
                }
            }
            ObjRef::External { ext, path } => {
                let id = self.externals.borrow()[*ext].client.provider.clone();
                if let Some(p) = catalog.providers.iter().position(|provider| provider.id == id) {
                    let name = path.join(".");
                    if let Some(spec) = specs(&catalog.providers[p])
                        .find(|s| s.on.contains(&Receiver::Object) && s.paths.contains(&name))
                    {
                        matched = Some((p, spec, name));
                    }
                }
            }
            ObjRef::Unknown { path, foreign } => matched = self.match_unowned_path(path, *foreign),
            // A function declared in this file with the name of a declared
            // call shape (a project's own `askModel` wrapper).
            ObjRef::Function => {
                if let Expr::Name(name, _) = &call.callee {
                    matched = self.match_unowned_path(&[*name], false);
                }
            }
        }
        let (provider, spec, api) = matched?;
        let command =
            if spec.commands.is_empty() { None } else { Some(self.command_argument(call, scope, &spec.commands)?) };
        Some(CallMatch { provider, spec, api, command })
    }

    fn owned_module(&self, module: &'s str, path: &[&'s str]) -> bool {
        self.module_candidates(module, path)
            .iter()
            .any(|(candidate, _)| self.catalog.providers.iter().any(|p| p.owns_module(self.language, candidate)))
    }

    /// Matches a member path whose root is not a known client against the
    /// call shapes allowed on any receiver (or on any receiver in a file that
    /// imports the provider); the longest matching shape wins.
    /// With `foreign`, the receiver is known not to be a model client, and
    /// only shapes no other API uses (`on = ["any"]`) can match.
    fn match_unowned_path(&self, path: &[&'s str], foreign: bool) -> Option<(usize, &'a CallSpec, String)> {
        let language = self.language;
        let catalog: &'a crate::catalog::Catalog = self.catalog;
        let mut best: Option<(usize, &'a CallSpec, String, usize)> = None;
        for (p, provider) in catalog.providers.iter().enumerate() {
            let imported = self.index.imported_providers.contains(&p);
            for spec in provider.calls.iter().filter(|s| applies_to(s.language, language)) {
                if !(spec.on.contains(&Receiver::Any)
                    || (imported && !foreign && spec.on.contains(&Receiver::Imported)))
                {
                    continue;
                }
                for candidate in &spec.paths {
                    let segments: Vec<&str> = candidate.split('.').collect();
                    if path.len() >= segments.len()
                        && path[path.len() - segments.len()..] == segments[..]
                        && best.as_ref().is_none_or(|b| b.3 < segments.len())
                    {
                        best = Some((p, spec, candidate.clone(), segments.len()));
                    }
                }
            }
        }
        best.map(|(p, spec, api, _)| (p, spec, api))
    }

    /// AWS SDK v3: the `new XCommand(options)` passed to `client.send`.
    fn command_argument(&self, call: &'a Call<'s>, scope: ScopeId, commands: &[String]) -> Option<&'a Call<'s>> {
        let first = match call.args.first()? {
            Arg::Positional(e) => e,
            _ => return None,
        };
        let is_command = |c: &Call<'_>| c.new && c.callee.last_name().is_some_and(|n| commands.iter().any(|x| x == n));
        match first {
            Expr::Call(c) if is_command(c) => Some(c),
            Expr::Name(name, _) => match self.lookup(name, scope) {
                Lookup::Bound(values) => values.iter().rev().find_map(|b| match b.value {
                    Expr::Call(c) if b.part.is_none() && is_command(c) => Some(&**c),
                    _ => None,
                }),
                _ => None,
            },
            _ => None,
        }
    }

    /// Records `call` as an inference site if it is one.
    pub(crate) fn inference(&mut self, call: &'a Call<'s>, scope: ScopeId, in_try: bool) {
        let previous = match &call.callee {
            Expr::Member { object, .. } => object.last_name(),
            _ => None,
        };
        if !self.callee_name(&call.callee, scope).is_some_and(|n| self.catalog.names().may_be_call(previous, n)) {
            return;
        }
        if self.site_by_call.contains_key(&call.span) || matches!(self.constructions.get(&call.span), Some(Some(_))) {
            return;
        }
        let callee = self.resolve(&call.callee, scope, 0);
        let Some(found) = self.match_call(&callee, call, scope) else {
            return;
        };
        let provider = &self.catalog.providers[found.provider];
        let external = match &callee {
            ObjRef::External { ext, .. } => Some(self.externals.borrow()[*ext].clone()),
            _ => None,
        };
        let (receiver, client) = match &callee {
            ObjRef::Client { client, .. } => (CallReceiver::Local(*client as u32), Some(*client)),
            ObjRef::External { .. } => (CallReceiver::Imported, None),
            // A function of the provider's own module; the project's own
            // wrappers (`@/lib/ai`) are not seen from here.
            ObjRef::Module { module, path, .. } if self.owned_module(module, path) => (CallReceiver::Module, None),
            // A plain function (imported by name, or declared here): no
            // client stands behind it, its options are all on the call.
            _ if matches!(call.callee, Expr::Name(..)) => (CallReceiver::Module, None),
            _ => (CallReceiver::Unresolved, None),
        };
        let on_model = client.is_some_and(|c| self.clients[c].kind == ClientKind::Model)
            || external.as_ref().is_some_and(|e| e.client.kind == ClientKind::Model);
        let strict = !on_model && self.language.is_js_family();

        let mut sets: Vec<(OptionSource, Options<'a, 's>)> = Vec::new();
        let mut call_options = Options::default();
        self.collect_args(call, scope, &mut call_options, strict);
        if let Some(command) = found.command {
            self.collect_args(command, scope, &mut call_options, true);
        }
        if let ObjRef::Client { extra, .. } = &callee {
            for (extra_call, extra_scope) in extra {
                self.collect_args(extra_call, *extra_scope, &mut call_options, false);
            }
        }
        sets.push((OptionSource::Call, call_options));
        let mut holder = client;
        let mut guard = 0;
        // A model class that sends a cap of its own (`default_token_cap`).
        let mut default_cap = None;
        while let Some(c) = holder {
            let info = &self.clients[c];
            let (source, info_call, info_scope, parent) = (
                if info.kind == ClientKind::Model { OptionSource::Model } else { OptionSource::Client },
                info.call,
                info.scope,
                info.parent,
            );
            let mut options = Options::default();
            self.collect_args(info_call, info_scope, &mut options, self.language.is_js_family());
            sets.push((source, options));
            if source == OptionSource::Model {
                default_cap =
                    default_cap.or_else(|| self.default_token_cap(found.provider, info_call, &provider.token_caps));
            }
            holder = parent;
            guard += 1;
            if guard > 8 {
                break;
            }
        }

        let cap_names: Vec<String> = found.spec.token_caps.clone().unwrap_or_else(|| provider.token_caps.clone());
        let mut token_cap =
            self.find_option(&sets, &cap_names, |v| !matches!(v, Expr::Lit(Lit::Null, _))).or(default_cap);
        let timeouts = &self.catalog.controls.timeouts.options;
        let mut timeout = self.find_option(&sets, timeouts, |v| !disables_timeout(v));
        let mut timeout_disabled = self.find_option(&sets, timeouts, disables_timeout);
        let mut failure = self.failure_path(call, &callee, &sets, in_try).or_else(|| self.retried(scope));
        if failure.is_none() && found.spec.errors_in_stream {
            failure = Some(FailurePath {
                path: None,
                kind: format!(
                    "the SDK (`{}` reports errors in its stream and to onError; it does not throw)",
                    found.api
                ),
                location: self.locate(call.span),
            });
        }
        let mut model = self.model_name(&sets);
        let mut options_known = sets.iter().all(|(_, o)| o.complete);
        // What the imported client's own construction says.
        if let Some(external) = &external {
            let elsewhere = |hit: &Option<OptionHit>| {
                hit.clone().map(|h| OptionHit { path: h.path.or_else(|| Some(external.path.clone())), ..h })
            };
            let fact = &external.client;
            if fact.kind == ClientKind::Model {
                token_cap = token_cap.or_else(|| elsewhere(&fact.token_cap));
            }
            timeout = timeout.or_else(|| elsewhere(&fact.timeout));
            timeout_disabled = timeout_disabled.or_else(|| elsewhere(&fact.timeout_disabled));
            failure = failure.or_else(|| {
                let fallback = external.fallback.map(|location| FailurePath {
                    path: Some(external.path.clone()),
                    kind: "fallback model".to_string(),
                    location,
                });
                fallback.or_else(|| {
                    fact.failure
                        .clone()
                        .map(|f| FailurePath { path: f.path.or_else(|| Some(external.path.clone())), ..f })
                })
            });
            model = model.or_else(|| fact.model.clone());
            options_known &= fact.options_known;
        }
        if timeout.is_none() && timeout_disabled.is_none() {
            timeout = self.route_time_limit();
        }
        // A call that records itself (`experimental_telemetry`) is logged
        // where it is made: a logging control of its function.
        let recorders = &self.catalog.guards.logging.call_options;
        if let Some(recorded) = self.find_option(&sets, recorders, |v| !telemetry_disabled(v)) {
            self.facts.guards.push(GuardFact {
                kind: GuardKind::Logging,
                function: self.function_index(scope),
                name: recorded.name.clone(),
                location: recorded.location,
            });
        }
        let site = InferenceSite {
            provider: provider.id.clone(),
            api: found.api,
            location: self.locate(Span { start: call.span.start, end: call.callee.span().end }),
            call: self.locate(call.span),
            function: self.function_index(scope),
            receiver,
            model,
            token_cap,
            token_cap_names: cap_names,
            timeout,
            timeout_disabled,
            failure,
            options_known,
        };
        self.site_by_call.insert(call.span, self.facts.inference.len());
        self.facts.inference.push(site);
    }

    /// `export const maxDuration = 60` in a Next.js `app/` route, page or
    /// server-actions file bounds every call made while serving it.
    pub(super) fn route_time_limit(&mut self) -> Option<OptionHit> {
        if let Some(known) = &self.route_time_limit {
            return known.clone();
        }
        let path = self.facts.path.as_str();
        let name = path.rsplit('/').next().unwrap_or(path);
        let in_app = path.starts_with("app/") || path.contains("/app/");
        let segment_file = ["route.", "page.", "layout."].iter().any(|p| name.starts_with(p));
        let actions = self.ir.directives.contains(&nextjs::SERVER_DIRECTIVE);
        let limit = if self.language.is_js_family() && in_app && (segment_file || actions) {
            self.ir.statements.iter().filter(|s| s.scope == 0).find_map(|s| match &s.kind {
                StatementKind::Bind {
                    target: Target::Name("maxDuration", span),
                    value: value @ Expr::Lit(Lit::Number(_), _),
                    exported: true,
                } => Some(OptionHit {
                    path: None,
                    name: "maxDuration".to_string(),
                    location: self.locate(*span),
                    value: self.snippet(value.span(), 40),
                    on: OptionSource::Route,
                }),
                _ => None,
            })
        } else {
            None
        };
        self.route_time_limit = Some(limit.clone());
        limit
    }

    fn find_option(
        &self,
        sets: &[(OptionSource, Options<'a, 's>)],
        names: &[String],
        accept: impl Fn(&Expr<'s>) -> bool,
    ) -> Option<OptionHit> {
        sets.iter().find_map(|(source, options)| {
            options.entries.iter().find(|e| names.iter().any(|n| n == e.name) && accept(e.value)).map(|e| OptionHit {
                path: None,
                name: e.name.to_string(),
                location: self.locate(e.key),
                value: self.snippet(e.value.span(), 40),
                on: *source,
            })
        })
    }

    fn failure_path(
        &self,
        call: &'a Call<'s>,
        callee: &ObjRef<'a, 's>,
        sets: &[(OptionSource, Options<'a, 's>)],
        in_try: bool,
    ) -> Option<FailurePath> {
        let here = self.locate(call.span);
        if in_try {
            let kind = if self.language == Language::Python { "try/except" } else { "try/catch" };
            return Some(FailurePath { path: None, kind: kind.to_string(), location: here });
        }
        if self.caught.contains(&call.span) {
            return Some(FailurePath {
                path: None,
                kind: "promise rejection handler (.catch)".to_string(),
                location: here,
            });
        }
        if let Some((_, handler)) = self.error_handled.iter().find(|(body, _)| body.contains(call.span)) {
            return Some(FailurePath {
                path: None,
                kind: "the `onError` handler of the stream it runs in".to_string(),
                location: self.locate(*handler),
            });
        }
        if let ObjRef::Client { fallback: Some(span), .. } = callee {
            return Some(FailurePath { path: None, kind: "fallback model".to_string(), location: self.locate(*span) });
        }
        let names = &self.catalog.controls.failure.fallback_options;
        for (_, options) in sets {
            if let Some(entry) = options.entries.iter().find(|e| names.iter().any(|n| n == e.name)) {
                return Some(FailurePath {
                    path: None,
                    kind: format!("`{}` option", entry.name),
                    location: self.locate(entry.key),
                });
            }
        }
        None
    }

    /// A retry decorator on the function the call is made in, or on one
    /// it is written inside (`@retry(stop=stop_after_attempt(3))`,
    /// `@backoff.on_exception(...)`): the failure is retried.
    fn retried(&self, scope: ScopeId) -> Option<FailurePath> {
        let names = &self.catalog.controls.failure.retry_decorators;
        let mut current = Some(scope);
        while let Some(id) = current {
            let s = self.ir.scopes.get(id as usize)?;
            for decorator in &s.decorators {
                let callee = match decorator {
                    Expr::Call(call) => &call.callee,
                    other => other,
                };
                let Some(path) = callee.dotted().map(|d| d.join(".")) else { continue };
                if names.contains(&path) {
                    return Some(FailurePath {
                        path: None,
                        kind: format!("the `@{path}` decorator, which retries it"),
                        location: self.locate(decorator.span()),
                    });
                }
            }
            current = s.parent;
        }
        None
    }

    fn model_name(&self, sets: &[(OptionSource, Options<'a, 's>)]) -> Option<String> {
        const KEYS: [&str; 5] = ["model", "modelId", "model_id", "model_name", "modelName"];
        for (_, options) in sets {
            for entry in &options.entries {
                if !KEYS.contains(&entry.name) {
                    continue;
                }
                match entry.value {
                    Expr::Str(s) => return Some(s.value.to_string()),
                    // AI SDK: `model: openai("gpt-4o")`
                    Expr::Call(c) => {
                        if let Some(Arg::Positional(Expr::Str(s))) = c.args.first() {
                            return Some(s.value.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// Collects the options written in a call's arguments. With `strict`, an
    /// argument whose value cannot be seen makes the options incomplete.
    pub(crate) fn collect_args(&mut self, call: &'a Call<'s>, scope: ScopeId, out: &mut Options<'a, 's>, strict: bool) {
        self.collect_args_at(call, scope, out, strict, 0);
    }

    /// Options are followed at most this many levels deep (a local holding
    /// an object whose field holds a call of a configuration builder ...):
    /// a bound on the stack. The work is bounded by reading each bound value
    /// once per set of options.
    const MAX_OPTION_DEPTH: u32 = 64;

    /// Whether collecting may go on: within its depth and the file's budget.
    /// Options that could not be followed to the end are incomplete, so that
    /// no missing option is concluded from them.
    fn may_collect(&self, out: &mut Options<'a, 's>, depth: u32) -> bool {
        if depth > Self::MAX_OPTION_DEPTH || self.budget.step() {
            out.complete = false;
            return false;
        }
        true
    }

    fn collect_args_at(
        &mut self,
        call: &'a Call<'s>,
        scope: ScopeId,
        out: &mut Options<'a, 's>,
        strict: bool,
        depth: u32,
    ) {
        for arg in &call.args {
            match arg {
                Arg::Positional(e) => self.collect(e, scope, out, depth, strict),
                Arg::Keyword { name, span, value } => {
                    out.entries.push(OptionEntry { name, key: *span, value, scope });
                    self.collect_nested(name, value, scope, out, depth + 1);
                }
                Arg::Spread { value, .. } => {
                    if !self.collect_spread(value, scope, out, depth + 1) {
                        out.complete = false;
                    }
                }
            }
        }
    }

    fn collect(&mut self, expr: &'a Expr<'s>, scope: ScopeId, out: &mut Options<'a, 's>, depth: u32, strict: bool) {
        if !self.may_collect(out, depth) {
            return;
        }
        match expr {
            Expr::Object(props, _) => {
                for prop in props {
                    match prop {
                        Prop::Pair { key, key_span, value } => {
                            out.entries.push(OptionEntry { name: key, key: *key_span, value, scope });
                            self.collect_nested(key, value, scope, out, depth + 1);
                        }
                        Prop::Spread(value) => {
                            if !self.collect_spread(value, scope, out, depth + 1) {
                                out.complete = false;
                            }
                        }
                        Prop::Computed(_) => {}
                    }
                }
            }
            Expr::Call(call) if is_config_call(call) => self.collect_args_at(call, scope, out, false, depth + 1),
            // `process.env.HF_TOKEN`, `os.environ["KEY"]`: a value, not options.
            _ if credential_source(expr) != CredentialSource::Other => {}
            Expr::Name(..) | Expr::Member { .. } => match self.bound_values(expr, scope) {
                Some(values) => {
                    for bound in &values {
                        if out.first_visit(bound.value) {
                            self.collect(bound.value, bound.scope, out, depth + 1, strict);
                        }
                    }
                    self.collect_items(expr, &values, out, depth);
                }
                None if strict => out.complete = false,
                None => {}
            },
            Expr::Call(_) | Expr::Index { .. } if strict => out.complete = false,
            _ => {}
        }
    }

    /// The values bound to a local name or a field (`this.x`, `self.x`);
    /// `None` when the expression is not one the file binds.
    pub(super) fn bound_values(&self, expr: &'a Expr<'s>, scope: ScopeId) -> Option<Vec<super::scope::Bound<'a, 's>>> {
        let values: &'a [super::scope::Bound<'a, 's>] = match expr {
            Expr::Name(name, _) => match self.lookup(name, scope) {
                Lookup::Bound(values) => values,
                _ => return None,
            },
            Expr::Member { object, property, .. } if matches!(**object, Expr::This(_)) => {
                self.field(property, scope)?
            }
            _ => return None,
        };
        let whole: Vec<_> = values.iter().filter(|b| b.part.is_none()).copied().collect();
        (!whole.is_empty()).then_some(whole)
    }

    /// Options nested in an option's value: `inferenceConfig: { maxTokens }`,
    /// `config=GenerateContentConfig(max_output_tokens=...)`, a local or a
    /// field holding such an object. When the value of a catalogued container
    /// option (`inferenceConfig`, `config`, `options` ...) cannot be seen, the
    /// options are incomplete.
    fn collect_nested(
        &mut self,
        key: &str,
        value: &'a Expr<'s>,
        scope: ScopeId,
        out: &mut Options<'a, 's>,
        depth: u32,
    ) {
        if !self.may_collect(out, depth) {
            return;
        }
        let container = self.catalog.controls.options.containers.iter().any(|c| c == key);
        match value {
            Expr::Object(..) => self.collect(value, scope, out, depth, false),
            Expr::Call(call) if is_config_call(call) => self.collect_args_at(call, scope, out, false, depth + 1),
            Expr::Name(..) | Expr::Member { .. } => match self.bound_values(value, scope) {
                Some(values) => {
                    for bound in values {
                        if matches!(
                            bound.value,
                            Expr::Object(..) | Expr::Call(_) | Expr::Name(..) | Expr::Member { .. }
                        ) && out.first_visit(bound.value)
                        {
                            self.collect_nested(key, bound.value, bound.scope, out, depth + 1);
                        }
                    }
                }
                None if container && credential_source(value) == CredentialSource::Other => out.complete = false,
                None => {}
            },
            Expr::Call(_) if container => out.complete = false,
            // A custom `fetch` that bounds each request:
            // `fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(60_000) })`.
            Expr::Function(id, _) => self.timeouts_in_function(*id, out),
            _ => {}
        }
    }

    fn timeouts_in_function(&self, function: ScopeId, out: &mut Options<'a, 's>) {
        let ir = self.ir;
        let names = &self.catalog.controls.timeouts.options;
        for statement in ir.statements.iter().filter(|s| s.scope == function) {
            let (StatementKind::Eval(e) | StatementKind::Return(e)) = &statement.kind else { continue };
            e.walk(|inner| {
                if let Expr::Object(props, _) = inner {
                    for prop in props {
                        if let Prop::Pair { key, key_span, value } = prop
                            && names.iter().any(|n| n == key)
                        {
                            out.entries.push(OptionEntry { name: key, key: *key_span, value, scope: function });
                        }
                    }
                }
            });
        }
    }

    /// `...defaults` / `**params` / `**self.defaults`: true when the spread
    /// value was seen.
    /// The entries added by key to a local object after it is bound
    /// (`params["max_tokens"] = 1024` before `create(**params)`), in
    /// whichever branch: an option set on some path is taken as set.
    fn collect_items(
        &mut self,
        expr: &'a Expr<'s>,
        values: &[super::scope::Bound<'a, 's>],
        out: &mut Options<'a, 's>,
        depth: u32,
    ) {
        let (Expr::Name(name, _), Some(first)) = (expr, values.first()) else { return };
        for &(key, key_span, value) in self.items(first.scope, name) {
            if out.first_visit(value) {
                out.entries.push(OptionEntry { name: key, key: key_span, value, scope: first.scope });
                self.collect_nested(key, value, first.scope, out, depth + 1);
            }
        }
    }

    fn collect_spread(&mut self, value: &'a Expr<'s>, scope: ScopeId, out: &mut Options<'a, 's>, depth: u32) -> bool {
        if !self.may_collect(out, depth) {
            // Not followed: unseen, as far as the options can tell.
            return false;
        }
        match value {
            Expr::Object(..) => {
                self.collect(value, scope, out, depth, false);
                true
            }
            Expr::Name(..) | Expr::Member { .. } => match self.bound_values(value, scope) {
                Some(values) if values.iter().all(|b| matches!(b.value, Expr::Object(..))) => {
                    for bound in &values {
                        if out.first_visit(bound.value) {
                            self.collect(bound.value, bound.scope, out, depth + 1, false);
                        }
                    }
                    self.collect_items(value, &values, out, depth);
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Facts of the clients and model objects built in the file.
    pub(super) fn client_facts(&mut self) {
        let ir = self.ir;
        for index in 0..self.clients.len() {
            let (provider, kind, call, scope) = {
                let info = &self.clients[index];
                (info.provider, info.kind, info.call, info.scope)
            };
            let mut options = Options::default();
            self.collect_args(call, scope, &mut options, self.language.is_js_family());
            let options_known = options.complete;
            let source = if kind == ClientKind::Model { OptionSource::Model } else { OptionSource::Client };
            let sets = vec![(source, options)];
            let timeouts = &self.catalog.controls.timeouts.options;
            let timeout = self.find_option(&sets, timeouts, |v| !disables_timeout(v));
            let timeout_disabled = self.find_option(&sets, timeouts, disables_timeout);
            let caps = &self.catalog.providers[provider].token_caps;
            let token_cap = self
                .find_option(&sets, caps, |v| !matches!(v, Expr::Lit(Lit::Null, _)))
                .or_else(|| self.default_token_cap(provider, call, caps));
            let fallbacks = &self.catalog.controls.failure.fallback_options;
            let failure = sets[0].1.entries.iter().find(|e| fallbacks.iter().any(|n| n == e.name)).map(|e| {
                FailurePath { path: None, kind: format!("`{}` option", e.name), location: self.locate(e.key) }
            });
            let credential = self.credential(call, &sets[0].1);
            let model = self.model_name(&sets).or_else(|| match call.args.first() {
                Some(Arg::Positional(Expr::Str(s))) => Some(s.value.to_string()),
                _ => None,
            });
            let binding = ir.statements.iter().find_map(|s| match &s.kind {
                StatementKind::Bind { target, value: Expr::Call(c), .. } if c.span == call.span => match target {
                    Target::Name(n, _) => Some(n.to_string()),
                    Target::Member { object: Expr::This(_), property, .. } => Some(format!("this.{property}")),
                    _ => None,
                },
                _ => None,
            });
            self.facts.clients.push(ClientFact {
                provider: self.catalog.providers[provider].id.clone(),
                constructor: self.snippet(call.callee.span(), 60),
                kind,
                location: self.locate(call.span),
                binding,
                timeout,
                timeout_disabled,
                credential,
                model,
                token_cap,
                failure,
                options_known,
            });
        }
    }

    /// The cap a class sends when the code gives none (`default_token_cap`
    /// in the catalogue), as if written where the class is constructed.
    fn default_token_cap(&self, provider: usize, call: &'a Call<'s>, caps: &[String]) -> Option<OptionHit> {
        let constructor = call.callee.last_name()?;
        let spec = self.catalog.providers[provider]
            .clients
            .iter()
            .find(|c| c.default_token_cap.is_some() && c.names.iter().any(|n| n == constructor))?;
        Some(OptionHit {
            path: None,
            name: caps.first().cloned().unwrap_or_else(|| "max_tokens".to_string()),
            location: self.locate(call.callee.span()),
            value: spec.default_token_cap.clone()?,
            on: OptionSource::Model,
        })
    }

    fn credential(
        &self,
        call: &'a Call<'s>,
        options: &Options<'a, 's>,
    ) -> Option<(String, CredentialSource, crate::source::Location)> {
        let names = &self.catalog.credentials.options;
        if let Some(entry) = options.entries.iter().find(|e| names.iter().any(|n| n == e.name)) {
            let source = credential_source(entry.value);
            return Some((entry.name.to_string(), source, self.locate(entry.value.span())));
        }
        // A key passed positionally: `new InferenceClient(process.env.HF_TOKEN)`.
        match call.args.first() {
            Some(Arg::Positional(value)) => match credential_source(value) {
                CredentialSource::Environment(name) => {
                    Some(("key".to_string(), CredentialSource::Environment(name), self.locate(value.span())))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// A specifier naming the project's own code: relative, or an alias.
fn is_project_specifier(module: &str) -> bool {
    module.starts_with('.')
        || module.starts_with('/')
        || module.starts_with("@/")
        || module.starts_with("~/")
        || module.starts_with('#')
}

/// `require("m")` → `m`.
fn require_of<'s>(expr: &Expr<'s>) -> Option<&'s str> {
    match expr {
        Expr::Call(call) => require_of_call(call),
        _ => None,
    }
}

fn require_of_call<'s>(call: &Call<'s>) -> Option<&'s str> {
    match (&call.callee, call.args.first()) {
        (Expr::Name("require", _), Some(Arg::Positional(Expr::Str(s)))) => Some(s.value),
        _ => None,
    }
}

/// A call that builds a configuration value rather than computing one:
/// `new X({...})`, keyword arguments, an object literal argument
/// (`JSON.stringify({...})`, `Config(read_timeout=5)`).
fn is_config_call(call: &Call<'_>) -> bool {
    call.new || call.args.iter().any(|a| matches!(a, Arg::Keyword { .. } | Arg::Positional(Expr::Object(..))))
}

fn disables_timeout(value: &Expr<'_>) -> bool {
    match value {
        Expr::Lit(Lit::Null, _) => true,
        Expr::Lit(Lit::Number(n), _) => n.trim_end_matches(['.', '0']).is_empty() || *n == "0",
        _ => false,
    }
}

fn credential_source(value: &Expr<'_>) -> CredentialSource {
    match value {
        Expr::Str(_) => CredentialSource::Literal,
        // process.env.X
        Expr::Member { object, property, .. } if object.dotted().as_deref() == Some(&["process", "env"]) => {
            CredentialSource::Environment(property.to_string())
        }
        // os.environ["X"]
        Expr::Index { object, index, .. } if object.dotted().is_some_and(|d| d.last() == Some(&"environ")) => {
            match &**index {
                Expr::Str(s) => CredentialSource::Environment(s.value.to_string()),
                _ => CredentialSource::Other,
            }
        }
        // os.getenv("X"), os.environ.get("X"), Deno.env.get("X")
        Expr::Call(call) => {
            let dotted = call.callee.dotted().unwrap_or_default();
            let env_call = matches!(dotted.as_slice(), [.., "getenv"] | [.., "environ", "get"] | [.., "env", "get"]);
            match (env_call, call.args.first()) {
                (true, Some(Arg::Positional(Expr::Str(s)))) => CredentialSource::Environment(s.value.to_string()),
                _ => CredentialSource::Other,
            }
        }
        // process.env.X ?? "..." / os.getenv("X") or "..."
        Expr::Other(parts, _) => {
            for part in parts {
                if let CredentialSource::Environment(name) = credential_source(part) {
                    return CredentialSource::Environment(name);
                }
            }
            CredentialSource::Other
        }
        _ => CredentialSource::Other,
    }
}

/// `experimental_telemetry: { isEnabled: false }` records nothing. A value
/// custodia cannot read (`isEnabled: isProduction`) is taken as set: the
/// team wrote the option to record calls where it runs.
fn telemetry_disabled(value: &Expr<'_>) -> bool {
    match value {
        Expr::Lit(Lit::False | Lit::Null, _) => true,
        Expr::Object(props, _) => {
            props.iter().any(|p| matches!(p, Prop::Pair { key: "isEnabled", value: Expr::Lit(Lit::False, _), .. }))
        }
        _ => false,
    }
}
