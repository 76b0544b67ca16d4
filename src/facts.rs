//! What a file says, independent of any rule: its functions and imports, the
//! model clients it builds, the inference calls it makes and the options they
//! carry, where model output and request input flow, the literals that look
//! like keys or endpoints, and its suppression comments.
//!
//! Facts are owned and compact (no source text, no syntax tree), so a
//! project's facts can be kept while its sources are not, and a file's facts
//! can be recomputed alone when it changes.

use crate::catalog::{ClientKind, SinkKind};
use crate::frameworks::Framework;
use crate::lang::Language;
use crate::source::Location;

#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// Relative to the scanned root, `/`-separated.
    pub path: String,
    pub language: Option<Language>,
    /// What the file is for (production code, a test ...): see `file_class`.
    pub class: crate::file_class::FileClass,
    /// The parser recovered from at least one syntax error.
    pub syntax_errors: bool,
    /// Expressions nested deeper than the analysis follows were cut off.
    pub truncated: bool,
    pub functions: Vec<FunctionFact>,
    pub imports: Vec<ImportFact>,
    pub exports: Vec<ExportFact>,
    /// Calls from functions to functions of the project (for reachability).
    pub calls: Vec<CallEdge>,
    /// Authentication, rate limiting and logging found in place.
    pub guards: Vec<GuardFact>,
    /// FastAPI dependencies of functions (`Depends(get_current_user)`).
    pub dependencies: Vec<DependencyFact>,
    /// HTTP entrypoints declared in this file.
    pub entrypoints: Vec<EntrypointFact>,
    /// Apps and routers (`express()`, `APIRouter(...)`, `Blueprint(...)`).
    pub routers: Vec<RouterFact>,
    /// Middleware registered on a router (`app.use(...)`, `before_request`).
    pub middleware: Vec<MiddlewareFact>,
    /// Routers mounted on routers (`app.use("/api", router)`, `include_router`).
    pub mounts: Vec<MountFact>,
    /// A Next.js `middleware.ts`, if this file is one.
    pub next_middleware: Option<NextMiddlewareFact>,
    /// Writes of stored model configuration (system prompt, model choice).
    pub config_writes: Vec<ConfigWrite>,
    /// Fastify `instance.decorate("authenticate", fn)`: name → function, so
    /// that `preHandler: [fastify.authenticate]` anywhere can be followed.
    pub decorations: Vec<(String, FunctionIndex)>,
    pub clients: Vec<ClientFact>,
    pub inference: Vec<InferenceSite>,
    /// A Next.js route segment's `export const maxDuration = 60`: where it
    /// is written and its value. The platform stops every call made while
    /// serving the route after that many seconds.
    pub time_limit: Option<(Location, String)>,
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
    /// Project-wide defaults this function opts out of, as a view:
    /// `@limiter.exempt`, DRF `permission_classes = [AllowAny]`,
    /// `throttle_classes = []`, `@login_not_required`.
    pub opts_out: Vec<GuardKind>,
    /// The framework of the view this function is, when the function itself
    /// says so (`@api_view`, a method of an `APIView`): project-wide
    /// defaults of that framework apply to it.
    pub view_framework: Option<Framework>,
    /// Shaped like a gate: it takes the request or the user (or reads the
    /// request's context) and it can stop the request (throws, raises,
    /// aborts, redirects or answers 401/403/429). Only such a function is
    /// offered as a possible control custodia does not know.
    pub gate_shaped: bool,
    /// Called as `value.<name>()`: a class's method or an object literal's
    /// property (`{ onCreateDocument: async () => ... }`). A call on a
    /// value custodia cannot follow reaches such functions by name
    /// ([`FunctionRef::Method`]).
    pub member: bool,
    /// Written as the argument of a scheduler's registration
    /// (`cron.schedule("0 * * * *", () => ...)`, `setInterval(() => ..., ms)`,
    /// `new CronJob(expr, () => ...)`): it runs on the schedule, not as part
    /// of the function that registers it.
    pub scheduled: bool,
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

/// A function of the project, named where it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionRef {
    /// A function of this file.
    Local(FunctionIndex),
    /// A name imported from another module (`default` for a default import).
    Import { module: String, level: u8, name: String },
    /// A method called on a value custodia cannot follow (an instance a
    /// factory returns, a handler picked from a list:
    /// `handler.onCreateDocument(...)`). It reaches the project's member
    /// functions of that name when the name is distinctive (see
    /// `ProjectIndex::resolve_targets`).
    Method { name: String },
}

/// A call from a function (or the module's top level) to a function of the
/// project.
#[derive(Debug, Clone)]
pub struct CallEdge {
    pub caller: Option<FunctionIndex>,
    pub target: FunctionRef,
    pub location: Location,
    /// Made inside the body of a `try` with a `catch`/`except`, in the
    /// caller: an error of the callee is handled here.
    pub in_try: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GuardKind {
    Auth,
    RateLimit,
    Logging,
}

impl GuardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardKind::Auth => "authentication",
            GuardKind::RateLimit => "rate limiting",
            GuardKind::Logging => "logging",
        }
    }
}

/// A control found in place in a function: a call (`auth()`, `ratelimit.limit`,
/// `logger.info`), a decorator (`@login_required`), a base class
/// (`LoginRequiredMixin`), a permission or throttle class, a 401/429 answer.
#[derive(Debug, Clone)]
pub struct GuardFact {
    pub kind: GuardKind,
    /// The function it is in, or decorates; `None` at module level.
    pub function: Option<FunctionIndex>,
    /// As written: `auth()`, `@login_required`, `IsAuthenticated`.
    pub name: String,
    pub location: Location,
}

/// What a FastAPI dependency refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencyTarget {
    Function(FunctionRef),
    /// A security scheme or a rate limiter built in place
    /// (`Depends(HTTPBearer())`, `Depends(RateLimiter(times=5, seconds=60))`).
    /// A control in itself, with the name it is known by (`OAuth2PasswordBearer`).
    Guard(GuardKind, String),
}

#[derive(Debug, Clone)]
pub struct DependencyFact {
    /// The function whose parameter, or the route whose `dependencies=`, names it.
    pub function: Option<FunctionIndex>,
    pub target: DependencyTarget,
    pub location: Location,
}

/// A step of a route's handling: a function, or a guard written inline
/// (`rateLimit({...})`, `passport.authenticate("jwt")`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerRef {
    Function(FunctionRef),
    Guard {
        kind: GuardKind,
        name: String,
        location: Location,
    },
    /// Something custodia does not follow (`controller.chat`).
    Unknown(String),
}

/// A write of stored model configuration: `prisma.settings.update({ data:
/// { systemPrompt } })`, `org.system_prompt = body.system_prompt`.
#[derive(Debug, Clone)]
pub struct ConfigWrite {
    pub function: Option<FunctionIndex>,
    /// The configuration field written (`systemPrompt`).
    pub field: String,
    pub location: Location,
}

/// An HTTP entrypoint: code an outside request reaches.
#[derive(Debug, Clone)]
pub struct EntrypointFact {
    pub framework: Framework,
    /// `GET`, `POST` ..., `*` for any method, `ACTION` for a server action.
    pub method: String,
    /// The path as declared in this file (before any mount prefix).
    pub path: String,
    pub handler: HandlerRef,
    /// Middleware and route-level dependencies before the handler, in order.
    pub chain: Vec<HandlerRef>,
    /// The app or router object it is registered on (its local name).
    pub router: Option<String>,
    /// Registration order in the file (for middleware registered before it).
    pub order: u32,
    pub location: Location,
    /// Findings about the route are reported at the handler's definition
    /// rather than here (Django: the URL pattern names a view defined elsewhere).
    pub report_at_handler: bool,
}

/// An app or router object: `const app = express()`, `router = APIRouter(prefix="/chat")`.
#[derive(Debug, Clone)]
pub struct RouterFact {
    pub name: String,
    pub framework: Framework,
    pub prefix: String,
    /// Router-level dependencies or middleware (`APIRouter(dependencies=[...])`).
    pub chain: Vec<HandlerRef>,
    pub location: Location,
    /// A Fastify plugin's instance: the router is the parameter of this
    /// function, and mounting the function (`app.register(plugin)`) mounts it.
    pub plugin: Option<FunctionIndex>,
}

/// Middleware registered on a router: `app.use(auth)`, `app.use("/api", limiter)`,
/// Flask `@app.before_request`.
#[derive(Debug, Clone)]
pub struct MiddlewareFact {
    /// The router it is registered on; `*` for a project-wide default.
    pub router: String,
    /// For a project-wide default, the framework whose routes it covers
    /// (`flask`, `drf`, `django`); `None` for any FastAPI or Flask route.
    pub framework: Option<Framework>,
    /// Paths it skips (`koaJwt(...).unless({ path: [/^\/public/] })`): exact
    /// paths, or regular expressions written `re:<source>`.
    pub except: Vec<String>,
    /// Path prefix it applies to ("" for all).
    pub path: String,
    pub chain: Vec<HandlerRef>,
    pub order: u32,
    pub location: Location,
}

/// A router mounted on another: `app.use("/api", chatRouter)`,
/// `app.include_router(router, prefix="/v1", dependencies=[...])`,
/// `app.register_blueprint(bp, url_prefix="/x")`.
#[derive(Debug, Clone)]
pub struct MountFact {
    pub router: String,
    pub path: String,
    /// The mounted router: a local name, or an import.
    pub child: FunctionRef,
    /// Local name of the mounted router when it is defined in this file.
    pub child_local: Option<String>,
    pub chain: Vec<HandlerRef>,
    pub order: u32,
    pub location: Location,
}

/// A Next.js `middleware.ts`: which paths it runs on and what it checks.
#[derive(Debug, Clone)]
pub struct NextMiddlewareFact {
    /// `config.matcher` patterns; empty means every path.
    pub matchers: Vec<String>,
    /// Guards it applies to the paths it runs on.
    pub guards: Vec<GuardFact>,
    /// Paths it leaves public (`createRouteMatcher([...])` used to skip protection).
    pub public: Vec<String>,
    /// Paths it protects explicitly (`createRouteMatcher([...])` used to protect).
    pub protected: Vec<String>,
    /// Health-check paths it answers itself, before anything else runs
    /// (`if (pathname.startsWith("/ping")) return new Response("pong")`).
    pub health: Vec<(String, Location)>,
    pub location: Location,
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
    /// An app or router object (index into `routers`).
    Router(u32),
    /// A ready-made control: `export const apiLimiter = rateLimit({...})`,
    /// used as middleware where it is imported.
    Guard {
        kind: GuardKind,
        name: String,
        location: Location,
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
    /// On the route the call serves (Next.js `maxDuration`).
    Route,
}

impl OptionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            OptionSource::Call => "the call",
            OptionSource::Client => "the client",
            OptionSource::Model => "the model object",
            OptionSource::Route => "the route (the platform stops it after that many seconds)",
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
    /// The system slot (`system`, `role: "system"`, `SystemMessage`, `instructions`),
    /// or the option that names the model (`model`).
    pub slot: String,
    /// The slot chooses the model rather than its instructions.
    pub model: bool,
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
