//! The catalogues under `rules/`: providers, sinks, key patterns, control
//! option names, rule metadata and the criteria mapping.
//!
//! They are data, embedded into the binary at build time, and a project's
//! `custodia.toml` can extend them (see [`crate::config`]). A new SDK is a change
//! here, not in the extractors or the rules.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::{Arc, OnceLock};

use regex::Regex;
use serde::Deserialize;

use crate::finding::Severity;
use crate::lang::Language;

const PROVIDERS: &str = include_str!("../rules/providers.toml");
const CONTROLS: &str = include_str!("../rules/controls.toml");
const SINKS: &str = include_str!("../rules/sinks.toml");
const SECRETS: &str = include_str!("../rules/secrets.toml");
const RULES: &str = include_str!("../rules/rules.toml");
const CRITERIA: &str = include_str!("../rules/criteria.toml");
const GUARDS: &str = include_str!("../rules/guards.toml");

/// The built-in catalogues as embedded, by file name: what the ruleset hash
/// of a report is computed over.
pub const BUILTIN_SOURCES: [(&str, &str); 7] = [
    ("controls.toml", CONTROLS),
    ("criteria.toml", CRITERIA),
    ("guards.toml", GUARDS),
    ("providers.toml", PROVIDERS),
    ("rules.toml", RULES),
    ("secrets.toml", SECRETS),
    ("sinks.toml", SINKS),
];

/// Everything the engine knows about SDKs, controls and criteria.
#[derive(Debug)]
pub struct Catalog {
    pub providers: Vec<Provider>,
    pub controls: Controls,
    pub guards: Guards,
    pub sinks: Vec<Sink>,
    pub sanitizers: PerLanguage<Vec<String>>,
    pub keys: Vec<KeyPattern>,
    pub credentials: Credentials,
    pub rules: Vec<RuleMeta>,
    pub criteria: Vec<Criterion>,
    pub frameworks: Vec<Framework>,
    /// Names derived from the providers, built on first use.
    names: OnceLock<Names>,
    /// Last segments of the guard call names (auth and rate limit), built on
    /// first use: a call ending otherwise is no guard call, and is rejected
    /// without comparing it to every name.
    guard_tails: OnceLock<HashSet<String>>,
}

/// Names every client construction and inference call ends with: a call
/// whose callee ends otherwise cannot be one, and needs no resolution.
#[derive(Debug, Default)]
pub struct Names {
    /// Last segment of a call path → the segments that may precede it
    /// (empty string for a one-segment path): `create` → {`completions`, ...}.
    pub calls: HashMap<String, HashSet<String>>,
    /// Last segment of every client constructor or factory.
    pub clients: HashSet<String>,
}

impl Names {
    /// Whether a callee ending `... previous.last` may be an inference call.
    pub fn may_be_call(&self, previous: Option<&str>, last: &str) -> bool {
        self.calls.get(last).is_some_and(|before| before.contains("") || previous.is_some_and(|p| before.contains(p)))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerLanguage<T> {
    #[serde(default)]
    pub typescript: T,
    #[serde(default)]
    pub python: T,
}

impl<T> PerLanguage<T> {
    pub fn get(&self, language: Language) -> &T {
        match language {
            Language::Python => &self.python,
            _ => &self.typescript,
        }
    }
}

// ------------------------------------------------------------- providers --

/// A model provider or SDK (`[[provider]]` in `rules/providers.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub modules: PerLanguage<Vec<String>>,
    #[serde(default)]
    pub token_caps: Vec<String>,
    /// Words that let a file through the prefilter; derived when empty.
    #[serde(default)]
    pub needles: Vec<String>,
    #[serde(default, rename = "client")]
    pub clients: Vec<ClientSpec>,
    #[serde(default, rename = "call")]
    pub calls: Vec<CallSpec>,
    /// What the quick fixes write into this provider's calls; absent, the
    /// token-cap and timeout fixes are not offered (the cap belongs on a
    /// model object, or in a nested config the fix cannot place safely).
    #[serde(default)]
    pub fix: Option<ProviderFix>,
}

/// `[provider.fix]`: options the quick fixes add to an inference call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderFix {
    /// The option that caps output tokens in the call's own options (a
    /// call's own `token_caps` take precedence: OpenAI's Responses API).
    #[serde(default)]
    pub token_cap: PerLanguage<Option<String>>,
    /// Where and how a per-call timeout is written, per language.
    #[serde(default)]
    pub timeout: PerLanguage<Option<OptionFix>>,
}

/// An option a quick fix writes, and where.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionFix {
    pub place: OptionPlace,
    pub option: String,
    /// The value, with `{ms}` or `{s}` standing for the configured timeout.
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptionPlace {
    /// The call's own options: its object argument (TypeScript), its
    /// keyword arguments (Python).
    CallOptions,
    /// The per-request options object after the call's own (TypeScript SDKs
    /// generated by Stainless and Speakeasy: `create(body, { timeout })`).
    RequestOptions,
}

impl Provider {
    /// Whether `module` (an import specifier) belongs to this provider.
    pub fn owns_module(&self, language: Language, module: &str) -> bool {
        self.modules.get(language).iter().any(|m| module_matches(m, module))
    }
}

fn module_matches(pattern: &str, module: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => module.starts_with(prefix),
        None => pattern == module,
    }
}

/// What a client construction produces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    /// An API client: its options hold timeouts, endpoints, keys.
    #[default]
    Client,
    /// A model object: its options (token caps too) apply to every call through it.
    Model,
}

/// Where a name may appear for a catalogue entry to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Receiver {
    /// On a client or model object of the same provider.
    Object,
    /// A function or member of the provider's module, reached through an import.
    Module,
    /// On any receiver, in a file that imports one of the provider's modules.
    Imported,
    /// On any receiver at all (for paths no other API uses).
    Any,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    pub names: Vec<String>,
    #[serde(default)]
    pub kind: ClientKind,
    #[serde(default = "default_client_on")]
    pub on: Vec<Receiver>,
    #[serde(default)]
    pub first_arg: Option<String>,
    #[serde(default)]
    pub language: Option<Language>,
    /// The class sends an output-token cap of its own when none is given;
    /// what it is, for the evidence.
    #[serde(default)]
    pub default_token_cap: Option<String>,
}

fn default_client_on() -> Vec<Receiver> {
    vec![Receiver::Module]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    pub paths: Vec<String>,
    #[serde(default = "default_call_on")]
    pub on: Vec<Receiver>,
    #[serde(default)]
    pub token_caps: Option<Vec<String>>,
    #[serde(default)]
    pub commands: Vec<String>,
    #[serde(default)]
    pub language: Option<Language>,
    /// The call does not throw: its errors arrive as parts of the stream it
    /// returns and at its `onError` callback (the AI SDK's `streamText`).
    #[serde(default)]
    pub errors_in_stream: bool,
}

fn default_call_on() -> Vec<Receiver> {
    vec![Receiver::Object, Receiver::Module]
}

pub fn applies_to(language: Option<Language>, file: Language) -> bool {
    match language {
        None => true,
        Some(Language::Python) => file == Language::Python,
        Some(_) => file != Language::Python,
    }
}

// -------------------------------------------------------------- controls --

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controls {
    #[serde(default)]
    pub timeouts: Timeouts,
    #[serde(default)]
    pub failure: Failure,
    #[serde(default)]
    pub endpoints: Endpoints,
    #[serde(default)]
    pub output: Output,
    #[serde(default)]
    pub request: Request,
    #[serde(default)]
    pub system: System,
    #[serde(default)]
    pub options: OptionShapes,
    #[serde(default)]
    pub configuration: Configuration,
}

/// Writes of stored model configuration (`[configuration]` in controls.toml).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// Field names that hold a system prompt or a model choice.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Methods that write data.
    #[serde(default)]
    pub writes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionShapes {
    /// Options whose value holds further options (`inferenceConfig`, `config`).
    #[serde(default)]
    pub containers: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub option_methods: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    #[serde(default)]
    pub fallback_methods: Vec<String>,
    #[serde(default)]
    pub fallback_options: Vec<String>,
    #[serde(default)]
    pub catch_methods: Vec<String>,
    #[serde(default)]
    pub retry_decorators: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub loopback_hosts: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    #[serde(default)]
    pub metadata_fields: Vec<String>,
    #[serde(default)]
    pub pass_through: Vec<String>,
    #[serde(default)]
    pub scalar_members: Vec<String>,
    #[serde(default)]
    pub validators: Vec<String>,
    #[serde(default)]
    pub allow_list_checks: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(default)]
    pub receivers: Vec<String>,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub route_decorators: Vec<String>,
    #[serde(default)]
    pub non_input_annotations: Vec<String>,
    #[serde(default)]
    pub non_input_defaults: Vec<String>,
    #[serde(default)]
    pub rpc_resolvers: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub message_classes: Vec<String>,
    #[serde(default)]
    pub model_options: Vec<String>,
}

impl Controls {
    /// Appends the entries of `other` to these lists (config extensions).
    pub fn extend(&mut self, other: Controls) {
        fn add(into: &mut Vec<String>, from: Vec<String>) {
            for item in from {
                if !into.contains(&item) {
                    into.push(item);
                }
            }
        }
        add(&mut self.timeouts.options, other.timeouts.options);
        add(&mut self.timeouts.option_methods, other.timeouts.option_methods);
        add(&mut self.failure.fallback_methods, other.failure.fallback_methods);
        add(&mut self.failure.fallback_options, other.failure.fallback_options);
        add(&mut self.failure.catch_methods, other.failure.catch_methods);
        add(&mut self.failure.retry_decorators, other.failure.retry_decorators);
        add(&mut self.endpoints.options, other.endpoints.options);
        add(&mut self.endpoints.env, other.endpoints.env);
        add(&mut self.endpoints.loopback_hosts, other.endpoints.loopback_hosts);
        add(&mut self.output.metadata_fields, other.output.metadata_fields);
        add(&mut self.output.pass_through, other.output.pass_through);
        add(&mut self.output.scalar_members, other.output.scalar_members);
        add(&mut self.output.validators, other.output.validators);
        add(&mut self.output.allow_list_checks, other.output.allow_list_checks);
        add(&mut self.request.receivers, other.request.receivers);
        add(&mut self.request.members, other.request.members);
        add(&mut self.request.route_decorators, other.request.route_decorators);
        add(&mut self.request.non_input_annotations, other.request.non_input_annotations);
        add(&mut self.request.non_input_defaults, other.request.non_input_defaults);
        add(&mut self.request.rpc_resolvers, other.request.rpc_resolvers);
        add(&mut self.system.options, other.system.options);
        add(&mut self.system.roles, other.system.roles);
        add(&mut self.system.message_classes, other.system.message_classes);
        add(&mut self.system.model_options, other.system.model_options);
        add(&mut self.configuration.keys, other.configuration.keys);
        add(&mut self.configuration.writes, other.configuration.writes);
        add(&mut self.options.containers, other.options.containers);
    }
}

// ---------------------------------------------------------------- guards --

/// Authentication, rate limiting and logging (`rules/guards.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guards {
    #[serde(default)]
    pub auth: GuardSpec,
    #[serde(default)]
    pub rate_limit: GuardSpec,
    #[serde(default)]
    pub logging: LoggingSpec,
}

/// How one kind of guard shows in code.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardSpec {
    /// Calls, matched on the end of the callee's dotted path.
    #[serde(default)]
    pub calls: Vec<String>,
    /// Constructors whose instances' methods count as the guard.
    #[serde(default)]
    pub objects: Vec<String>,
    #[serde(default)]
    pub decorators: Vec<String>,
    /// Base classes of class-based views.
    #[serde(default)]
    pub classes: Vec<String>,
    /// DRF permission or throttle classes.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// FastAPI dependency markers (security schemes, rate limiters).
    #[serde(default)]
    pub schemes: Vec<String>,
    /// Middleware factories that apply the guard to every route they cover.
    #[serde(default)]
    pub middleware: Vec<String>,
    /// HTTP statuses that, answered, show the check happened.
    #[serde(default)]
    pub statuses: Vec<String>,
    /// Modules whose functions, used as middleware, are the guard
    /// (`hono/bearer-auth`, `express-rate-limit`), whatever the local name.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Calls that verify a webhook's signature (`stripe.Webhook.construct_event`),
    /// matched like `calls`: a webhook's sender authenticates by signing the body.
    #[serde(default)]
    pub signatures: Vec<String>,
    /// `Constructor.method`: that method called on an object the constructor
    /// built verifies a signature (svix `Webhook(secret).verify(payload, headers)`).
    #[serde(default)]
    pub signature_methods: Vec<String>,
    /// Errors that, built by the project (`raise TooManyRequests()`), are
    /// the guard answering; the same names imported from a provider's SDK
    /// (`openai.RateLimitError`, caught) are not.
    #[serde(default)]
    pub errors: Vec<String>,
    /// Codes that, as the first argument of an error the project builds,
    /// name the guard (`new ChatSDKError("rate_limit:chat")`): the code
    /// itself or the code followed by `:` or `.`.
    #[serde(default)]
    pub error_codes: Vec<String>,
    /// Endings of the names of classes the project writes to be the guard
    /// (`ApiUserRateLimiter`): an instance used as a FastAPI dependency, or
    /// any method called on one, counts.
    #[serde(default)]
    pub class_suffixes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingSpec {
    #[serde(default)]
    pub receivers: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    /// Request-logging middleware modules (`pino-http`, `morgan`).
    #[serde(default)]
    pub modules: Vec<String>,
    /// Options of an inference call that record it as an event (the AI
    /// SDK's `experimental_telemetry`: an OpenTelemetry span per call).
    #[serde(default)]
    pub call_options: Vec<String>,
}

impl Guards {
    /// Appends the entries of `other` (a project's configuration).
    pub fn extend(&mut self, other: Guards) {
        fn add(into: &mut Vec<String>, from: Vec<String>) {
            for item in from {
                if !into.contains(&item) {
                    into.push(item);
                }
            }
        }
        for (into, from) in [(&mut self.auth, other.auth), (&mut self.rate_limit, other.rate_limit)] {
            add(&mut into.calls, from.calls);
            add(&mut into.objects, from.objects);
            add(&mut into.decorators, from.decorators);
            add(&mut into.classes, from.classes);
            add(&mut into.permissions, from.permissions);
            add(&mut into.schemes, from.schemes);
            add(&mut into.middleware, from.middleware);
            add(&mut into.statuses, from.statuses);
            add(&mut into.modules, from.modules);
            add(&mut into.signatures, from.signatures);
            add(&mut into.signature_methods, from.signature_methods);
            add(&mut into.errors, from.errors);
            add(&mut into.error_codes, from.error_codes);
            add(&mut into.class_suffixes, from.class_suffixes);
        }
        add(&mut self.logging.receivers, other.logging.receivers);
        add(&mut self.logging.methods, other.logging.methods);
        add(&mut self.logging.modules, other.logging.modules);
        add(&mut self.logging.call_options, other.logging.call_options);
    }
}

// ----------------------------------------------------------------- sinks --

/// Which rule a sink belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    /// eval, vm, shell, subprocess.
    Code,
    /// Raw SQL execution.
    Sql,
    /// Raw HTML insertion.
    Html,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sink {
    pub kind: SinkKind,
    pub language: Language,
    #[serde(default)]
    pub globals: Vec<String>,
    #[serde(default)]
    pub module: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default, with = "optional_regex")]
    pub receiver: Option<Regex>,
    #[serde(default)]
    pub properties: Vec<String>,
    #[serde(default)]
    pub jsx: Vec<String>,
    #[serde(default)]
    pub args: Option<Vec<usize>>,
    #[serde(default)]
    pub requires: Option<String>,
}

impl Sink {
    pub fn takes_arg(&self, index: usize) -> bool {
        self.args.as_ref().is_none_or(|a| a.contains(&index))
    }
}

// --------------------------------------------------------------- secrets --

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPattern {
    pub provider: String,
    #[serde(with = "required_regex")]
    pub pattern: Regex,
    /// Literal text every match starts with, for the prefilter.
    pub prefix: String,
    #[serde(default)]
    pub context: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub placeholders: Vec<String>,
}

// ------------------------------------------------------ rules and criteria --

/// Metadata of one rule (`rules/rules.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub fix: String,
    /// Tags such as `SOC2:CC6.1`; the first `SOC2:` tag is the primary criterion.
    pub criteria: Vec<String>,
}

impl RuleMeta {
    pub fn primary_criterion(&self) -> Option<&str> {
        self.criteria.iter().find(|c| c.starts_with("SOC2:")).map(String::as_str)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub ai_reading: Option<String>,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub edition: String,
}

/// A criterion tag as people write it: `SOC2:CC6.1` → `SOC 2 CC6.1`,
/// `OWASP-LLM-2025:LLM10` → `OWASP LLM10:2025`, `NIST-AI-RMF:MEASURE-2.7` →
/// `NIST AI RMF MEASURE 2.7`, `EU-AI-ACT:Art.15` → `EU AI Act Art. 15`.
pub fn display_tag(tag: &str) -> String {
    let Some((framework, id)) = tag.split_once(':') else {
        return tag.to_string();
    };
    match framework {
        "SOC2" => format!("SOC 2 {id}"),
        "NIST-AI-RMF" => format!("NIST AI RMF {}", id.replacen('-', " ", 1)),
        "EU-AI-ACT" => format!("EU AI Act {}", id.replace("Art.", "Art. ")),
        f if f.starts_with("OWASP-LLM-") => format!("OWASP {id}:{}", &f["OWASP-LLM-".len()..]),
        _ => tag.to_string(),
    }
}

/// The short form used inside rule documentation: `A1.1`, `LLM10:2025`,
/// `MEASURE 2.6`, `Art. 15`.
pub fn short_tag(tag: &str) -> String {
    let Some((framework, id)) = tag.split_once(':') else {
        return tag.to_string();
    };
    match framework {
        "NIST-AI-RMF" => id.replacen('-', " ", 1),
        "EU-AI-ACT" => id.replace("Art.", "Art. "),
        f if f.starts_with("OWASP-LLM-") => format!("{id}:{}", &f["OWASP-LLM-".len()..]),
        _ => id.to_string(),
    }
}

// --------------------------------------------------------------- loading --

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    provider: Vec<Provider>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SinksFile {
    sink: Vec<Sink>,
    sanitizers: PerLanguage<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretsFile {
    key: Vec<KeyPattern>,
    credentials: Credentials,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rule: Vec<RuleMeta>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriteriaFile {
    framework: Vec<Framework>,
    criterion: Vec<Criterion>,
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> T {
    // The embedded catalogues are part of the binary; a test loads them, so a
    // malformed one never ships.
    match toml::from_str(text) {
        Ok(value) => value,
        Err(err) => panic!("built-in catalogue rules/{file} is invalid: {err}"),
    }
}

impl Catalog {
    /// The catalogue built into the binary, shared.
    pub fn builtin() -> Arc<Catalog> {
        static BUILTIN: OnceLock<Arc<Catalog>> = OnceLock::new();
        BUILTIN.get_or_init(|| Arc::new(Catalog::load_builtin())).clone()
    }

    fn load_builtin() -> Catalog {
        let providers: ProvidersFile = parse("providers.toml", PROVIDERS);
        let controls: Controls = parse("controls.toml", CONTROLS);
        let sinks: SinksFile = parse("sinks.toml", SINKS);
        let secrets: SecretsFile = parse("secrets.toml", SECRETS);
        let rules: RulesFile = parse("rules.toml", RULES);
        let criteria: CriteriaFile = parse("criteria.toml", CRITERIA);
        let guards: Guards = parse("guards.toml", GUARDS);
        Catalog {
            providers: providers.provider,
            controls,
            guards,
            sinks: sinks.sink,
            sanitizers: sinks.sanitizers,
            keys: secrets.key,
            credentials: secrets.credentials,
            rules: rules.rule,
            criteria: criteria.criterion,
            frameworks: criteria.framework,
            names: OnceLock::new(),
            guard_tails: OnceLock::new(),
        }
    }

    /// A copy of this catalogue with a project's additions.
    pub fn extended(&self, providers: Vec<Provider>, controls: Option<Controls>, guards: Option<Guards>) -> Catalog {
        let mut catalog = Catalog {
            providers: self.providers.clone(),
            controls: self.controls.clone(),
            guards: self.guards.clone(),
            sinks: self.sinks.clone(),
            sanitizers: self.sanitizers.clone(),
            keys: self.keys.clone(),
            credentials: self.credentials.clone(),
            rules: self.rules.clone(),
            criteria: self.criteria.clone(),
            frameworks: self.frameworks.clone(),
            names: OnceLock::new(),
            guard_tails: OnceLock::new(),
        };
        catalog.providers.extend(providers);
        if let Some(controls) = controls {
            catalog.controls.extend(controls);
        }
        if let Some(guards) = guards {
            catalog.guards.extend(guards);
        }
        catalog
    }

    /// See [`Catalog::guard_tails`] (the field).
    pub fn guard_tails(&self) -> &HashSet<String> {
        self.guard_tails.get_or_init(|| {
            let guards = &self.guards;
            guards
                .auth
                .calls
                .iter()
                .chain(&guards.rate_limit.calls)
                .chain(&guards.auth.signatures)
                .map(|name| name.rsplit('.').next().unwrap_or(name).to_string())
                .collect()
        })
    }

    pub fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            let mut names = Names::default();
            for provider in &self.providers {
                for path in provider.calls.iter().flat_map(|c| c.paths.iter()) {
                    let mut segments = path.rsplit('.');
                    let last = segments.next().unwrap_or(path).to_string();
                    let previous = segments.next().unwrap_or("").to_string();
                    names.calls.entry(last).or_default().insert(previous);
                }
                let last = |name: &String| name.rsplit('.').next().unwrap_or(name).to_string();
                names.clients.extend(provider.clients.iter().flat_map(|c| c.names.iter()).map(last));
            }
            names
        })
    }

    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The SOC 2 criteria (`CC6.1`, without the `SOC2:` prefix) a rule maps
    /// to, primary first: what every count per criterion counts under
    /// (`report::counts`, the scan history, the editor's summary).
    pub fn soc2_criteria<'a>(&'a self, rule: &str) -> impl Iterator<Item = &'a str> {
        self.rule(rule).into_iter().flat_map(|r| r.criteria.iter().filter_map(|c| c.strip_prefix("SOC2:")))
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// Checks the references between catalogues: every criterion a rule
    /// names exists, every rule has a SOC 2 primary criterion. Returns the
    /// problems found.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let known: HashSet<&str> = self.criteria.iter().map(|c| c.id.as_str()).collect();
        let frameworks: HashSet<&str> = self.frameworks.iter().map(|f| f.id.as_str()).collect();
        for rule in &self.rules {
            if rule.primary_criterion().is_none() {
                problems.push(format!("rule {} has no SOC2 criterion", rule.id));
            }
            for tag in &rule.criteria {
                if !known.contains(tag.as_str()) {
                    problems.push(format!("rule {} maps to unknown criterion {tag}", rule.id));
                }
            }
        }
        for criterion in &self.criteria {
            let framework = criterion.id.split(':').next().unwrap_or_default();
            if !frameworks.contains(framework) {
                problems.push(format!("criterion {} has unknown framework", criterion.id));
            }
        }
        let mut ids = HashMap::default();
        for provider in &self.providers {
            if ids.insert(provider.id.as_str(), ()).is_some() {
                problems.push(format!("provider id {} is used twice", provider.id));
            }
        }
        problems
    }
}

mod optional_regex {
    use regex::Regex;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Regex>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| Regex::new(&t).map_err(serde::de::Error::custom)).transpose()
    }
}

mod required_regex {
    use regex::Regex;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
        let text = String::deserialize(d)?;
        Regex::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_and_is_consistent() {
        let catalog = Catalog::builtin();
        assert!(catalog.providers.len() >= 12);
        assert_eq!(catalog.check(), Vec::<String>::new());
    }

    #[test]
    fn tags_display_as_people_write_them() {
        assert_eq!(display_tag("SOC2:CC6.1"), "SOC 2 CC6.1");
        assert_eq!(display_tag("OWASP-LLM-2026:LLM06"), "OWASP LLM06:2026");
        assert_eq!(display_tag("NIST-AI-RMF:MEASURE-2.7"), "NIST AI RMF MEASURE 2.7");
        assert_eq!(display_tag("EU-AI-ACT:Art.15"), "EU AI Act Art. 15");
        assert_eq!(short_tag("OWASP-LLM-2025:LLM10"), "LLM10:2025");
    }

    #[test]
    fn module_patterns_match_prefixes() {
        assert!(module_matches("llama_index.llms.*", "llama_index.llms.openai"));
        assert!(!module_matches("openai", "openai-edge"));
    }
}
