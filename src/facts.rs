//! What a file says, independent of any rule: its functions and imports, the
//! model clients it builds, the inference calls it makes and the options they
//! carry, where model output and request input flow, the literals that look
//! like keys or endpoints, and its suppression comments.
//!
//! Facts are owned and compact (no source text, no syntax tree), so a
//! project's facts can be kept while its sources are not, and a file's facts
//! can be recomputed alone when it changes.

use crate::catalog::{ClientKind, SinkKind};
use crate::lang::Language;
use crate::source::Location;

#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// Relative to the scanned root, `/`-separated.
    pub path: String,
    pub language: Option<Language>,
    /// The parser recovered from at least one syntax error.
    pub syntax_errors: bool,
    /// Expressions nested deeper than the analysis follows were cut off.
    pub truncated: bool,
    pub functions: Vec<FunctionFact>,
    pub imports: Vec<ImportFact>,
    pub exports: Vec<ExportFact>,
    pub clients: Vec<ClientFact>,
    pub inference: Vec<InferenceSite>,
    pub sink_flows: Vec<SinkFlow>,
    pub system_inputs: Vec<SystemInput>,
    pub secrets: Vec<SecretLiteral>,
    pub endpoints: Vec<EndpointLiteral>,
    pub suppressions: Vec<Suppression>,
}

/// Index of a function in [`FileFacts::functions`].
pub type FunctionIndex = u32;

#[derive(Debug, Clone)]
pub struct FunctionFact {
    pub name: Option<String>,
    pub location: Location,
    pub exported: bool,
    /// The enclosing function, if any.
    pub parent: Option<FunctionIndex>,
}

#[derive(Debug, Clone)]
pub struct ImportFact {
    pub module: String,
    /// The imported name (`None` for default, namespace and side-effect imports).
    pub name: Option<String>,
    /// `import * as x`, Python `import m`: the module itself, not a name in it.
    pub namespace: bool,
    pub local: String,
    pub location: Location,
    /// Leading dots of a Python relative import.
    pub relative_level: u8,
}

/// A name a module exports, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFact {
    /// The name importers use (`default` for a default export, `*` for
    /// `export * from "m"`).
    pub name: String,
    pub target: ExportTarget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTarget {
    Function(FunctionIndex),
    /// A client or model object built in this file (index into `clients`);
    /// `fallback` when it is exported with fallbacks (`withFallbacks`).
    Client {
        client: u32,
        fallback: Option<Location>,
    },
    /// Re-exported from another module: `export { x } from "m"` (name `x`),
    /// `export * from "m"` (name `*`), or a name imported then exported.
    Reexport {
        module: String,
        name: String,
    },
    /// Something else: a class, a constant.
    Other,
}

/// An option found on a call, a client or a model object.
#[derive(Debug, Clone)]
pub struct OptionHit {
    /// The file the option is written in, when it is not the file of the
    /// call (a client built in another module).
    pub path: Option<String>,
    /// The option's name as written (`max_tokens`, `timeout`, `abortSignal`).
    pub name: String,
    /// The option's key (or keyword) in the code.
    pub location: Location,
    /// The value as written, shortened.
    pub value: String,
    /// Where the option was set.
    pub on: OptionSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionSource {
    /// On the inference call itself (or its request options).
    Call,
    /// On the client the call is made through.
    Client,
    /// On the model object the call is made through.
    Model,
}

impl OptionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            OptionSource::Call => "the call",
            OptionSource::Client => "the client",
            OptionSource::Model => "the model object",
        }
    }
}

/// Where a credential given to a client comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// An environment variable (`process.env.X`, `os.environ["X"]`).
    Environment(String),
    /// A literal in the code.
    Literal,
    /// Something else (a variable, a secret-manager call).
    Other,
}

/// A model client or model object built in this file.
#[derive(Debug, Clone)]
pub struct ClientFact {
    /// Provider id from the catalogue.
    pub provider: String,
    /// The constructor or factory as written (`OpenAI`, `ChatOpenAI`, `boto3.client`).
    pub constructor: String,
    pub kind: ClientKind,
    pub location: Location,
    /// The name it is bound to, if any (`client`, `this.llm`).
    pub binding: Option<String>,
    pub timeout: Option<OptionHit>,
    /// A timeout option set to a value that disables it (`0`, `None`).
    pub timeout_disabled: Option<OptionHit>,
    pub credential: Option<(String, CredentialSource, Location)>,
    /// Literal model name, when given.
    pub model: Option<String>,
    /// For model objects: the output-token cap that applies to every call.
    pub token_cap: Option<OptionHit>,
    /// A failure path set on the client (LiteLLM Router `fallbacks`).
    pub failure: Option<FailurePath>,
    /// False when part of the construction's options could not be seen.
    pub options_known: bool,
}

/// How an inference call's receiver was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallReceiver {
    /// A client or model object built in this file (index into `clients`).
    Local(u32),
    /// A function or default client of the provider's module.
    Module,
    /// A client or model object built in another file of the project and
    /// imported here.
    Imported,
    /// Not resolved in this file (a parameter, a client imported from elsewhere).
    Unresolved,
}

/// How a failure of an inference call is handled.
#[derive(Debug, Clone)]
pub struct FailurePath {
    /// The file it is written in, when not the file of the call.
    pub path: Option<String>,
    /// `try/catch`, `try/except`, `.catch`, `withFallbacks`, `fallbacks=` ...
    pub kind: String,
    pub location: Location,
}

/// A call that sends a prompt to a model.
#[derive(Debug, Clone)]
pub struct InferenceSite {
    pub provider: String,
    /// The call shape matched: `chat.completions.create`, `generateText` ...
    pub api: String,
    /// The callee (`openai.chat.completions.create`), where findings point.
    pub location: Location,
    /// The whole call expression.
    pub call: Location,
    pub function: Option<FunctionIndex>,
    pub receiver: CallReceiver,
    pub model: Option<String>,
    pub token_cap: Option<OptionHit>,
    /// The option names that would cap output tokens for this call.
    pub token_cap_names: Vec<String>,
    pub timeout: Option<OptionHit>,
    pub timeout_disabled: Option<OptionHit>,
    pub failure: Option<FailurePath>,
    /// False when options come from a spread or a value not resolvable in
    /// this file: an absent option then cannot be concluded.
    pub options_known: bool,
}

impl InferenceSite {
    /// Whether every place a timeout could be set was seen.
    pub fn timeout_decidable(&self) -> bool {
        self.options_known && self.receiver != CallReceiver::Unresolved
    }
}

/// Model output reaching a sink.
#[derive(Debug, Clone)]
pub struct SinkFlow {
    pub kind: SinkKind,
    /// The sink as written (`eval`, `exec`, `innerHTML`, `cursor.execute`).
    pub sink: String,
    pub location: Location,
    /// The inference sites whose output arrives (indices into `inference`).
    pub sites: Vec<u32>,
    /// When the output passed a sanitiser first: its name. Such a flow is
    /// evidence of a control, not a finding.
    pub sanitizer: Option<String>,
}

/// Request input reaching the system instructions of a model.
#[derive(Debug, Clone)]
pub struct SystemInput {
    /// The system slot (`system`, `role: "system"`, `SystemMessage`, `instructions`).
    pub slot: String,
    /// The value placed in the slot.
    pub location: Location,
    /// True when request input is concatenated into a larger instruction;
    /// false when the request supplies the whole value.
    pub interpolated: bool,
    /// The request input, as written (`req.json()`, `body.persona`).
    pub source: String,
    pub source_location: Location,
}

#[derive(Debug, Clone)]
pub struct SecretLiteral {
    /// Who issued the key (`OpenAI`, `Anthropic`).
    pub provider: String,
    pub location: Location,
    /// The key with its middle masked, safe to print.
    pub preview: String,
}

#[derive(Debug, Clone)]
pub struct EndpointLiteral {
    pub url: String,
    pub host: String,
    pub plaintext: bool,
    pub loopback: bool,
    pub location: Location,
    /// How the literal is used (`baseURL of new OpenAI(...)`, `default of OPENAI_BASE_URL`).
    pub context: String,
    pub provider: Option<String>,
}

/// A `custodia-ignore[rule, ...]: reason` comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub location: Location,
    /// 1-based line of the comment; it covers this line and the next one.
    pub line: u32,
    /// The comment is alone on its line (so it covers the next line too).
    pub own_line: bool,
}
