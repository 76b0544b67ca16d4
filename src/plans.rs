//! Incident-response plans and runbooks, and the AI-incident topics they
//! cover.
//!
//! SOC 2 CC7.4 asks for a documented response to security incidents. For a
//! project that calls a model, the incidents an auditor asks about are prompt
//! injection, a model producing harmful or wrong output, and data leaking
//! through inference (CUS-GOV-01). A1.2 asks for recovery from infrastructure
//! failures, and a runbook for a model-provider outage is evidence of it
//! (CUS-AVAIL-03). custodia cannot judge whether a plan is a *good* plan; it
//! can tell whether a document sits where a reviewer would look for one, and
//! whether that document names those scenarios. So this module answers two
//! questions per document:
//!
//! - is it an incident-response plan ([`DocumentFacts::incident_response`]) or
//!   a runbook ([`DocumentFacts::runbook`]);
//! - which [`Topic`]s does it mention, and at which line first (the line is
//!   where a finding's evidence points).
//!
//! Everything is keyword matching on prose: phrases are case-insensitive,
//! matched on (ASCII) word boundaries, and may wrap onto the next line, since
//! Markdown is usually hard-wrapped. Code is not prose: fenced code blocks
//! (```` ``` ```` / `~~~`), reStructuredText literal blocks, AsciiDoc listing,
//! literal, passthrough and comment blocks, and Markdown HTML comments are
//! masked before matching. A code sample, or a `<!-- TODO -->` in a template,
//! is not a plan. Markdown indented code blocks are not masked: they cannot be
//! told apart from a nested list's continuation without a full parser.
//!
//! The topics are reported for every document, whatever its kind; the caller
//! decides which kinds of document count as evidence for which criterion.

use std::sync::OnceLock;

use regex::{Captures, Regex};

/// The placeholder that keeps a template from counting as evidence.
pub const PLACEHOLDER: &str = "[FILL IN";

/// Extensions of the documents read: Markdown (and MDX), reStructuredText,
/// AsciiDoc and plain text.
const EXTENSIONS: [&str; 6] = ["md", "markdown", "mdx", "rst", "adoc", "txt"];

/// File-name prefixes of the documents a reviewer looks for wherever they
/// sit (`SECURITY.md` is GitHub's convention for the security policy, at the
/// root, in `docs/` or in `.github/`). `dr` is handled apart: see
/// [`named_dr`].
const NAME_PREFIXES: [&str; 8] =
    ["security", "incident", "runbook", "playbook", "oncall", "on-call", "on_call", "disaster"];

/// Directories that hold project and operations documentation. `playbook`,
/// `documentation`, `incident_response` and `oncall` complete the obvious
/// spellings.
const DIRECTORIES: [&str; 15] = [
    "docs",
    "doc",
    "documentation",
    "runbooks",
    "runbook",
    "playbooks",
    "playbook",
    "incident-response",
    "incident_response",
    "incidents",
    "ops",
    "operations",
    "sre",
    ".github",
    "oncall",
];

/// Directories of third-party code (their documents are someone else's
/// plan), and of text written for a model rather than for people: an
/// agent's `skills/security.md` tells the agent how to behave, it is not
/// the organisation's plan.
const EXCLUDED_DIRECTORIES: [&str; 8] =
    ["node_modules", "vendor", "skills", "prompts", "microagents", "agents", "cookbook", "cookbooks"];

/// `llms.txt` (and `llms-full.txt`): a site's documentation indexed for
/// models (llmstxt.org), which names every topic of the docs at once.
const MODEL_INDEX_STEMS: [&str; 2] = ["llms", "llms-full"];

/// Words that exclude a path: a changelog mentions "fixed a prompt injection"
/// and a licence mentions "data"; neither is a plan.
const EXCLUDED_WORDS: [&str; 3] = ["changelog", "license", "licence"];

/// Other usual names of a changelog (whole file stems).
const CHANGELOG_STEMS: [&str; 4] = ["changes", "history", "release-notes", "release_notes"];

/// A post-mortem records one incident after the fact; it is not a plan for
/// the next one, even when it says "incident response" and "runbook".
const POSTMORTEM_WORDS: [&str; 3] = ["postmortem", "post-mortem", "post_mortem"];

/// Whether a file is one of the documents custodia reads for incident
/// response and runbooks. `path` is relative and `/`-separated (`\` is
/// accepted too); the comparison ignores ASCII case.
///
/// A candidate has the extension `md`, `markdown`, `mdx`, `rst`, `adoc` or
/// `txt`, and either
/// - a name a reviewer looks for at any depth: `SECURITY*`, `INCIDENT*`,
///   `RUNBOOK*`, `PLAYBOOK*`, `ONCALL*` / `ON-CALL*`, `DISASTER*`, or `DR`
///   followed by a separator (`DR.md`, `dr-plan.md`, `DRP.md`, but not
///   `DRAFT.md` or `driver.md`);
/// - or a place, at any depth, under a documentation or operations directory:
///   `docs`, `doc`, `documentation`, `runbook(s)`, `playbook(s)`,
///   `incident-response`, `incidents`, `ops`, `operations`, `sre`, `oncall`,
///   `.github`.
///
/// Third-party directories (`node_modules`, `vendor`), text written for a
/// model (`skills`, `prompts`, `microagents`, `agents`, `llms.txt`),
/// recipes (`cookbook(s)`), changelogs
/// (`CHANGELOG*`, `CHANGES`, `HISTORY`, `RELEASE-NOTES`) and licences are
/// never candidates: a changelog says "fixed a prompt injection" without
/// being a plan.
pub fn is_candidate(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let (name, directories) = split_path(&lower);
    let Some((stem, extension)) = name.rsplit_once('.') else { return false };
    if !EXTENSIONS.contains(&extension) {
        return false;
    }
    if directories.iter().any(|d| EXCLUDED_DIRECTORIES.contains(d))
        || EXCLUDED_WORDS.iter().any(|w| lower.contains(w))
        || CHANGELOG_STEMS.contains(&stem)
        || MODEL_INDEX_STEMS.contains(&stem)
    {
        return false;
    }
    named_like_a_plan(name) || directories.iter().any(|d| DIRECTORIES.contains(d))
}

/// The file name and the directories of a lowercased path; empty and `.`
/// components are dropped.
fn split_path(lower: &str) -> (&str, Vec<&str>) {
    let mut parts: Vec<&str> = lower.split(['/', '\\']).filter(|p| !p.is_empty() && *p != ".").collect();
    let name = parts.pop().unwrap_or("");
    (name, parts)
}

/// `SECURITY*`, `INCIDENT*`, ... and disaster-recovery plans. A bare `dr`
/// prefix would take in drafts and drivers, so `dr` (or `drp`, disaster
/// recovery plan) must be followed by a non-letter.
fn named_like_a_plan(lower_name: &str) -> bool {
    NAME_PREFIXES.iter().any(|p| lower_name.starts_with(p)) || named_dr(lower_name)
}

/// `dr`, or `drp`, followed by a non-letter or nothing: `DR.md`,
/// `dr-plan.md`, `DRP.md`, but not `DRAFT.md` or `driver.md`.
fn named_dr(lower_name: &str) -> bool {
    let bytes = lower_name.as_bytes();
    let ends_word = |n: usize| bytes.get(n).is_none_or(|b| !b.is_ascii_alphabetic());
    bytes.starts_with(b"dr") && (ends_word(2) || (bytes.get(2) == Some(&b'p') && ends_word(3)))
}

/// Topics an AI incident-response document can cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topic {
    /// Instructions smuggled into the model through user input or retrieved
    /// content (OWASP LLM01).
    PromptInjection,
    /// Harmful, toxic or wrong output, hallucinations (OWASP LLM05, LLM09).
    ModelOutputFailure,
    /// Personal or sensitive data leaking through prompts, outputs or the
    /// system prompt (OWASP LLM02, LLM07).
    DataLeakage,
    /// The model provider is down, degraded or rate-limiting (A1.2).
    ProviderOutage,
    /// A provider API key leaked and must be revoked and rotated.
    KeyCompromise,
}

impl Topic {
    /// Every topic, in report order.
    pub const ALL: [Topic; 5] = [
        Topic::PromptInjection,
        Topic::ModelOutputFailure,
        Topic::DataLeakage,
        Topic::ProviderOutage,
        Topic::KeyCompromise,
    ];

    /// How the topic is named in findings.
    pub fn label(self) -> &'static str {
        match self {
            Topic::PromptInjection => "prompt injection",
            Topic::ModelOutputFailure => "model output failure",
            Topic::DataLeakage => "data leakage via inference",
            Topic::ProviderOutage => "model provider outage",
            Topic::KeyCompromise => "API key compromise",
        }
    }
}

/// What one document covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFacts {
    /// The path as given to [`analyze`].
    pub path: String,
    /// The document is an incident-response plan or security policy.
    pub incident_response: bool,
    /// The document is a runbook, playbook, on-call guide or disaster-recovery
    /// plan.
    pub runbook: bool,
    /// The topics mentioned, in [`Topic::ALL`] order, each with the 1-based
    /// line of its first mention.
    pub topics: Vec<(Topic, u32)>,
    /// A plan kept outside the repository (a wiki, a policy repository)
    /// that `custodia.toml` points at: where it is. `path` is then the
    /// configuration file and the lines those of its keys; the topics are
    /// what the configuration says it covers (custodia cannot read it).
    pub reference: Option<String>,
    /// The 1-based line of the first `[FILL IN: ...]` placeholder of a
    /// template (`custodia init --docs`) left in the prose. A document that
    /// still holds one is a template, not a plan: it is neither an
    /// incident-response plan nor a runbook, whatever it says.
    pub placeholder: Option<u32>,
}

impl DocumentFacts {
    /// How evidence names the document: its path, or the configuration's
    /// pointer to a plan kept elsewhere.
    pub fn cited(&self) -> String {
        match &self.reference {
            Some(location) => format!("`{}` points at {location} (stated there; custodia does not read it)", self.path),
            None => format!("`{}`", self.path),
        }
    }
}

/// Reads one candidate document (Markdown, reStructuredText, AsciiDoc or
/// plain text; the format is taken from the extension, Markdown when
/// unknown). Any text is accepted; nothing here panics.
///
/// **Incident response.** The file name says so (it contains `incident`,
/// `security` or `ir-plan`, or is named `irp`, or pairs `response` with
/// `plan`, `emergency` or `breach`; or the file sits in `incident-response/`),
/// or the prose says "incident response", "incident management", "incident
/// handling", "security incident", "on-call" or "escalation". `response`
/// alone does not count: LLM projects document API responses
/// (`response-format.md`). "Privilege escalation" is a vulnerability class,
/// not an escalation path, and does not count.
///
/// **Runbook.** The file name contains `runbook`, `playbook` or `oncall` /
/// `on-call`, names a disaster-recovery plan (`DISASTER*`, `DR*`, see
/// [`is_candidate`]), or the file sits in `runbooks/`, `playbooks/` or
/// `oncall/`; or the prose says "runbook" or "playbook". An "Ansible
/// playbook" is deployment code and does not count.
///
/// A post-mortem (the path contains `postmortem` / `post-mortem`) is neither:
/// it records one incident after the fact, it is not a plan for the next.
/// Its topics are still reported.
///
/// **Topics** are found by phrases (variants in brackets):
/// - prompt injection: "prompt injection", "jailbreak", "indirect
///   injection", "injected instructions";
/// - model output failure: "model output failure / error", "wrong / harmful /
///   incorrect model output", "harmful / unsafe output",
///   "hallucination" ("hallucinate"), "incorrect answer", "toxic", "model
///   misbehaves";
/// - data leakage: "data leak(age)", "leak of", "exfiltration", "PII",
///   "personal / sensitive data", "training data extraction", "system prompt
///   leak";
/// - provider outage: "outage", "provider (is) down", "degraded",
///   "failover", "fallback model", "rate limited by", "429", "status page",
///   only when the document also names a model provider or an LLM somewhere
///   (OpenAI, Anthropic, Claude, GPT, Gemini, Bedrock, Mistral, Cohere, LLM,
///   "model provider", "AI provider", "inference"): an outage runbook for the
///   database is not evidence for the model provider;
/// - API key compromise: "key rotation", "rotate the (API) key(s)",
///   "leaked / compromised key", "API key compromise", "revoke the key".
pub fn analyze(path: &str, text: &str) -> DocumentFacts {
    let lower = path.to_ascii_lowercase();
    let (name, directories) = split_path(&lower);
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    let prose = mask(text, Format::of(extension));
    let postmortem = POSTMORTEM_WORDS.iter().any(|w| lower.contains(w));
    let patterns = patterns();
    let says = |pick: fn(&Patterns) -> &Regex| patterns.and_then(|p| first_match(pick(p), &prose)).is_some();

    // Placeholders in code samples or comments are not the document's own.
    let placeholder = prose.find(PLACEHOLDER).map(|offset| line_of(&prose, offset));
    let plan = !postmortem && placeholder.is_none();
    let incident_response = plan && (incident_response_name(stem, &directories) || says(|p| &p.incident_response));
    let runbook = plan && (runbook_name(stem, &directories) || says(|p| &p.runbook));
    let topics = match patterns {
        Some(patterns) => Topic::ALL
            .into_iter()
            .filter_map(|topic| patterns.first_mention(topic, &prose).map(|offset| (topic, line_of(&prose, offset))))
            .collect(),
        None => Vec::new(),
    };
    DocumentFacts { path: path.to_string(), incident_response, runbook, topics, reference: None, placeholder }
}

/// See [`analyze`]: incident-response plans by name.
fn incident_response_name(stem: &str, directories: &[&str]) -> bool {
    let words: Vec<&str> = stem.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    ["incident", "security", "ir-plan", "ir_plan", "irplan"].iter().any(|w| stem.contains(w))
        || words.contains(&"irp")
        || (words.contains(&"response") && ["plan", "emergency", "breach"].iter().any(|w| words.contains(w)))
        || directories.iter().any(|d| matches!(*d, "incident-response" | "incident_response"))
}

/// See [`analyze`]: runbooks by name.
fn runbook_name(stem: &str, directories: &[&str]) -> bool {
    ["runbook", "playbook", "oncall", "on-call", "on_call"].iter().any(|w| stem.contains(w))
        || stem.starts_with("disaster")
        || named_dr(stem)
        || directories
            .iter()
            .any(|d| matches!(*d, "runbooks" | "runbook" | "playbooks" | "playbook" | "oncall" | "on-call"))
}

/// The byte offset of the first match of `re` in `prose` whose `neg` group
/// (a context that turns the phrase into something else, like "privilege"
/// before "escalation") did not take part.
fn first_match(re: &Regex, prose: &str) -> Option<usize> {
    re.captures_iter(prose).find(|c: &Captures<'_>| c.name("neg").is_none()).and_then(|c| c.get(0)).map(|m| m.start())
}

/// The 1-based line of a byte offset. Masking keeps every line break, so a
/// line of the masked text is the same line of the document.
fn line_of(prose: &str, offset: usize) -> u32 {
    let before = prose.as_bytes().get(..offset).unwrap_or_default();
    let line = before.iter().filter(|&&b| b == b'\n').count().saturating_add(1);
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// Separator between the words of a phrase (`~` in the patterns): a hyphen,
/// spaces, or one line break (Markdown is hard-wrapped; a blank line ends a
/// paragraph, so two line breaks do not join words). A Markdown blockquote
/// marker after the line break is skipped.
const SEP: &str = r"(?:-(?:[ \t]*\r?\n[ \t]*)?|[ \t]+|[ \t]*\r?\n[ \t]*(?:>[ \t]*)*)";

/// The compiled phrase patterns. They run with ASCII-only word boundaries
/// and case folding (`(?i-u)`): every phrase is ASCII, and ASCII boundaries
/// keep the regex engine on its fast path on non-ASCII text.
struct Patterns {
    incident_response: Regex,
    runbook: Regex,
    /// A model provider or LLM is named (gate for [`Topic::ProviderOutage`]).
    provider: Regex,
    prompt_injection: Regex,
    model_output_failure: Regex,
    data_leakage: Regex,
    outage: Regex,
    key_compromise: Regex,
}

/// The compiled patterns, or `None` if one does not compile (a bug, which the
/// tests catch; documents are then read as covering nothing).
fn patterns() -> Option<&'static Patterns> {
    static PATTERNS: OnceLock<Option<Patterns>> = OnceLock::new();
    PATTERNS.get_or_init(|| Patterns::new().ok()).as_ref()
}

/// One regex matching any of `alternatives`, with `~` standing for [`SEP`].
fn phrases(alternatives: &[&str]) -> Result<Regex, regex::Error> {
    let body = alternatives.join("|").replace('~', SEP);
    Regex::new(&format!("(?i-u)(?:{body})"))
}

impl Patterns {
    fn new() -> Result<Self, regex::Error> {
        Ok(Patterns {
            incident_response: phrases(&[
                r"\bincident~(?:response|management|handling)\b",
                r"\bsecurity~incidents?\b",
                r"\bon-?call\b",
                // "Privilege escalation" is a vulnerability, not an escalation path.
                r"\b(?P<neg>privileges?~)?escalations?\b",
            ])?,
            runbook: phrases(&[
                // An Ansible playbook is deployment code.
                r"\b(?P<neg>ansible~)?(?:run|play)-?books?\b",
            ])?,
            provider: phrases(&[
                r"\b(?:openai|anthropic|claude|(?:chat)?gpt\w*|gemini|bedrock|mistral|cohere|openrouter)\b",
                r"\b(?:vertex|azure)~(?:ai|openai)\b",
                r"\bllms?\b",
                r"\b(?:model|ai|llm)~providers?\b",
                r"\binference\b",
            ])?,
            prompt_injection: phrases(&[
                r"\bprompt~injections?\b",
                r"\bjailbreak\w*",
                r"\bindirect~(?:prompt~)?injections?\b",
                r"\binjected~(?:instructions?|prompts?)\b",
            ])?,
            model_output_failure: phrases(&[
                // "model output" alone is any mention of it ("a model output
                // pasted in is not a report"): the failure must be named.
                r"\b(?:model|llm|ai)~outputs?~(?:failures?|errors?|(?:that|which)~(?:is|are)~(?:wrong|harmful|unsafe|incorrect|toxic))\b",
                r"\b(?:wrong|bad|harmful|unsafe|incorrect|inaccurate|malicious|erroneous|failed)~(?:model|llm|ai)~(?:outputs?|responses?|answers?)\b",
                r"\b(?:harmful|unsafe)~(?:outputs?|responses?|content)\b",
                r"\bhallucinat\w*",
                r"\bincorrect~answers?\b",
                r"\btoxic\w*",
                r"\bmodel~misbehav\w*",
            ])?,
            data_leakage: phrases(&[
                r"\bdata~leak\w*",
                r"\bleak(?:s|age)?~of\b",
                r"\bexfiltrat\w*",
                r"\bpii\b",
                r"\b(?:personal|sensitive)~data\b",
                r"\btraining~data~extraction\b",
                r"\bsystem~prompt~(?:leak\w*|extraction)",
            ])?,
            outage: phrases(&[
                r"\boutages?\b",
                r"\bproviders?~(?:is~|are~)?down\b",
                r"\bdegraded\b",
                r"\bfail(?:~)?over\b",
                r"\bfallback~(?:models?|providers?)\b",
                r"\brate~limited~by\b",
                // `#429` is an issue, `:429` a port, `1.429` a number.
                r"(?:(?P<neg>[#.,/:])|\b)429\b",
                r"\bstatus~pages?\b",
            ])?,
            key_compromise: phrases(&[
                r"\b(?:api~)?keys?~rotation\b",
                r"\brotat(?:e|es|ed|ing)~(?:\w+~){0,3}?(?:keys?|secrets?|credentials?)\b",
                r"\b(?:leaked|compromised|exposed|stolen)~(?:\w+~){0,2}?(?:keys?|secrets?|credentials?)\b",
                r"\b(?:api~)?keys?~(?:compromise\w*|leak\w*|exposure)",
                r"\brevok(?:e|es|ed|ing)~(?:\w+~){0,3}?(?:keys?|secrets?|credentials?)\b",
            ])?,
        })
    }

    /// The byte offset of the first mention of a topic.
    fn first_mention(&self, topic: Topic, prose: &str) -> Option<usize> {
        match topic {
            Topic::PromptInjection => first_match(&self.prompt_injection, prose),
            Topic::ModelOutputFailure => first_match(&self.model_output_failure, prose),
            Topic::DataLeakage => first_match(&self.data_leakage, prose),
            Topic::ProviderOutage => first_match(&self.provider, prose).and_then(|_| first_match(&self.outage, prose)),
            Topic::KeyCompromise => first_match(&self.key_compromise, prose),
        }
    }
}

/// Document formats, by extension; each has its own code blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Markdown,
    Rst,
    AsciiDoc,
    Text,
}

impl Format {
    fn of(extension: &str) -> Format {
        match extension {
            "rst" | "rest" => Format::Rst,
            "adoc" | "asciidoc" | "asc" => Format::AsciiDoc,
            "txt" | "text" => Format::Text,
            _ => Format::Markdown,
        }
    }
}

/// The code block the masking is in.
#[derive(Debug, Clone, Copy)]
enum Block {
    None,
    /// A fence of `len` backticks or tildes (any format: AsciiDoc supports
    /// them, and in plain text they mean the same).
    Fence {
        marker: u8,
        len: usize,
    },
    /// A reStructuredText literal block: lines indented deeper than the line
    /// that introduced it, and blank lines.
    Literal {
        indent: usize,
    },
    /// An AsciiDoc delimited block: listing `----`, literal `....`,
    /// passthrough `++++` or comment `////`, closed by the same line.
    Delimited {
        marker: u8,
        len: usize,
    },
}

/// The document with code and comments blanked out, every line break kept
/// (so that line numbers stay right). See the module documentation.
fn mask(text: &str, format: Format) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut block = Block::None;
    let mut in_comment = false;
    // AsciiDoc: whether the previous line may precede a delimited block. A
    // `----` under a title line is a legacy (setext) section title instead.
    let mut block_may_open = true;
    for line in text.split_inclusive('\n') {
        let (body, eol) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        match block {
            Block::None => {}
            Block::Fence { marker, len } => {
                if fence_closes(body, marker, len) {
                    block = Block::None;
                }
                out.push_str(eol);
                continue;
            }
            Block::Delimited { marker, len } => {
                if adoc_delimiter(body) == Some((marker, len)) {
                    block = Block::None;
                    block_may_open = true;
                }
                out.push_str(eol);
                continue;
            }
            Block::Literal { indent } => {
                if body.trim().is_empty() || indent_of(body) > indent {
                    out.push_str(eol);
                    continue;
                }
                block = Block::None;
            }
        }
        if !in_comment {
            if let Some((marker, len)) = fence_opens(body) {
                block = Block::Fence { marker, len };
                out.push_str(eol);
                continue;
            }
            if format == Format::AsciiDoc {
                if let Some((marker, len)) = adoc_delimiter(body).filter(|_| block_may_open) {
                    block = Block::Delimited { marker, len };
                    out.push_str(eol);
                    continue;
                }
                let trimmed = body.trim();
                block_may_open = trimmed.is_empty() || trimmed.starts_with(['[', '.', '/']);
                if trimmed.starts_with("//") {
                    // A line comment.
                    out.push_str(eol);
                    continue;
                }
            }
        }
        if format == Format::Markdown {
            strip_html_comments(body, &mut in_comment, &mut out);
        } else {
            out.push_str(body);
        }
        out.push_str(eol);
        if format == Format::Rst && introduces_literal_block(body) {
            block = Block::Literal { indent: indent_of(body) };
        }
    }
    out
}

/// The line with a leading Markdown blockquote marker and indentation
/// removed: fences may sit in a list item or a quote.
fn unquote(body: &str) -> &str {
    body.trim_start().trim_start_matches(['>', ' ', '\t'])
}

/// An opening fence: three or more backticks or tildes; a backtick fence's
/// info string has no backtick (```` ```js``` ```` on one line is inline code).
fn fence_opens(body: &str) -> Option<(u8, usize)> {
    let line = unquote(body);
    let marker = *line.as_bytes().first()?;
    if marker != b'`' && marker != b'~' {
        return None;
    }
    let len = line.bytes().take_while(|&b| b == marker).count();
    let info = line.get(len..).unwrap_or("");
    (len >= 3 && !(marker == b'`' && info.contains('`'))).then_some((marker, len))
}

/// A closing fence: only the opening marker, at least as many times.
fn fence_closes(body: &str, marker: u8, len: usize) -> bool {
    let line = unquote(body).trim_end();
    line.len() >= len && line.bytes().all(|b| b == marker)
}

/// An AsciiDoc delimiter line of a block whose content is not prose: four or
/// more `-`, `.`, `+` or `/`, from the first column.
fn adoc_delimiter(body: &str) -> Option<(u8, usize)> {
    let line = body.trim_end();
    let marker = *line.as_bytes().first()?;
    (line.len() >= 4 && b"-.+/".contains(&marker) && line.bytes().all(|b| b == marker)).then_some((marker, line.len()))
}

/// A reStructuredText line after which an indented literal block follows: a
/// paragraph ending in `::`, or a code directive. Other directives
/// (`.. note::`) hold prose.
fn introduces_literal_block(body: &str) -> bool {
    let line = body.trim();
    if line.starts_with("..") {
        [".. code-block::", ".. code::", ".. sourcecode::"].iter().any(|d| line.starts_with(d))
    } else {
        line.ends_with("::")
    }
}

/// Leading whitespace, in characters.
fn indent_of(body: &str) -> usize {
    body.chars().take_while(|c| *c == ' ' || *c == '\t').count()
}

/// Appends the line without its HTML comments (`<!-- ... -->`, possibly
/// spanning lines); a removed comment leaves a space so that the words around
/// it stay apart.
fn strip_html_comments(body: &str, in_comment: &mut bool, out: &mut String) {
    let mut rest = body;
    loop {
        if *in_comment {
            let Some(end) = rest.find("-->") else { return };
            *in_comment = false;
            out.push(' ');
            rest = rest.get(end + 3..).unwrap_or("");
        } else {
            let Some(start) = rest.find("<!--") else {
                out.push_str(rest);
                return;
            };
            out.push_str(rest.get(..start).unwrap_or(""));
            *in_comment = true;
            rest = rest.get(start + 4..).unwrap_or("");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(path: &str, text: &str) -> Vec<(Topic, u32)> {
        analyze(path, text).topics
    }

    #[test]
    fn patterns_compile() {
        if let Err(error) = Patterns::new() {
            panic!("a pattern does not compile: {error}");
        }
    }

    #[test]
    fn labels_and_serialization() {
        let labels: Vec<&str> = Topic::ALL.iter().map(|t| t.label()).collect();
        assert_eq!(
            labels,
            [
                "prompt injection",
                "model output failure",
                "data leakage via inference",
                "model provider outage",
                "API key compromise"
            ]
        );
        let json = serde_json::to_string(&Topic::ALL).expect("topics serialize");
        assert_eq!(
            json,
            r#"["prompt-injection","model-output-failure","data-leakage","provider-outage","key-compromise"]"#
        );
    }

    #[test]
    fn candidate_paths() {
        for path in [
            "SECURITY.md",
            "security.rst",
            ".github/SECURITY.md",
            "packages/api/SECURITY.md",
            "INCIDENT_RESPONSE.md",
            "incident-response-plan.adoc",
            "RUNBOOK.md",
            "ops/Playbook.txt",
            "ONCALL.md",
            "On-Call.md",
            "DISASTER_RECOVERY.md",
            "DR.md",
            "dr-plan.md",
            "DRP.md",
            "docs/incident-response/ai-incidents.md",
            "docs/architecture.mdx",
            "apps/web/docs/guide/setup.markdown",
            "doc/index.rst",
            "runbooks/openai-outage.md",
            "infra/sre/llm.md",
            "operations/notes.txt",
            "incidents/2024-q1.md",
            ".github/ISSUE_TEMPLATE/bug.md",
            "./docs/x.md",
            "docs\\windows.md",
        ] {
            assert!(is_candidate(path), "{path} should be a candidate");
        }
        for path in [
            "README.md",
            "src/notes.md",
            "DRAFT.md",
            "driver.md",
            "docs/diagram.png",
            "SECURITY",
            "security.py",
            "runbooks/restart.sh",
            "node_modules/pkg/SECURITY.md",
            "node_modules/pkg/docs/incident.md",
            "vendor/lib/RUNBOOK.md",
            "skills/security.md",
            "docs/llms.txt",
            "docs/cookbooks/essentials/entity-partitioning-playbook.mdx",
            "backend/prompts/docs/incident.md",
            "docs/CHANGELOG.md",
            "CHANGELOG.md",
            "docs/LICENSE.md",
            "docs/changes.md",
            "documents/SECURITY_LICENSE.txt",
            "",
            "/",
            ".",
            "docs/",
            ".md",
            "docs.md",
        ] {
            assert!(!is_candidate(path), "{path} should not be a candidate");
        }
    }

    #[test]
    fn a_mention_of_model_output_is_not_a_plan_for_its_failure() {
        let policy = "Reports generated by an AI tool are welcome. A scan result or model\noutput pasted in without a reproduction is not a vulnerability report.";
        assert!(!topics("SECURITY.md", policy).iter().any(|(t, _)| *t == Topic::ModelOutputFailure));
        for plan in [
            "## Model output failure\nRoll back the prompt version.",
            "If the assistant returns harmful model output, switch the feature off.",
            "Model outputs that are wrong are reported by users through the feedback button.",
        ] {
            assert!(
                topics("docs/incident-response.md", plan).iter().any(|(t, _)| *t == Topic::ModelOutputFailure),
                "{plan}"
            );
        }
    }

    #[test]
    fn security_policy_without_ai_topics() {
        let text = "\
# Security Policy

## Supported Versions

| Version | Supported          |
| ------- | ------------------ |
| 2.x     | :white_check_mark: |
| < 2.0   | :x:                |

## Reporting a Vulnerability

Please report vulnerabilities privately through GitHub's \"Report a
vulnerability\" button, or email security@example.com. Do not open a public
issue. We acknowledge reports within 3 business days and publish an advisory
once a fix is released. Thank you for helping keep our users safe.
";
        let facts = analyze("SECURITY.md", text);
        assert_eq!(
            facts,
            DocumentFacts {
                path: "SECURITY.md".into(),
                incident_response: true,
                runbook: false,
                topics: vec![],
                reference: None,
                placeholder: None,
            }
        );
    }

    const AI_INCIDENTS: &str = "\
---
title: AI incident response plan
owner: platform-security
last_reviewed: 2025-01-15
---

# AI incident response plan

Owner: Platform Security. Reviewed quarterly.

## Severity and escalation

Page the on-call engineer through PagerDuty. SEV1 is any incident with
customer impact; the incident commander owns customer communications.

## Scenarios

### Prompt injection

A user, or a document retrieved for RAG, smuggles injected instructions into
the assistant (a jailbreak or an indirect injection). Turn off tool calling
with the `AI_TOOLS_ENABLED` flag, keep the transcript, and review the guard.

### Harmful or incorrect model output

The model produces toxic content or hallucinated facts. Switch the assistant
to the canned-answer mode and collect the flagged conversations.

### Data leakage via inference

A response reveals another tenant's records, PII, or the system prompt.
Disable the feature, purge the cache, and notify the DPO within 24 hours.

### Model provider outage

If OpenAI is down or rate limits us (HTTP 429), fail over to Anthropic via
the router and post on the status page. See the runbook.

### API key compromise

Revoke the key in the OpenAI dashboard, rotate the secret in Vault and
redeploy. Check usage for the leaked key's time window.
";

    #[test]
    fn ai_incident_plan_covers_all_five() {
        let facts = analyze("docs/incident-response/ai-incidents.md", AI_INCIDENTS);
        assert!(facts.incident_response);
        assert!(facts.runbook, "it says: see the runbook");
        assert_eq!(
            facts.topics,
            vec![
                (Topic::PromptInjection, 18),
                (Topic::ModelOutputFailure, 24),
                (Topic::DataLeakage, 29),
                (Topic::ProviderOutage, 34),
                (Topic::KeyCompromise, 39),
            ]
        );
    }

    #[test]
    fn openai_outage_runbook() {
        let text = "\
# Runbook: OpenAI outage

**Owner:** SRE on-call · **Updated:** 2025-02-03

## Detect

- Alert `llm_error_rate > 5%` fires, or
- https://status.openai.com shows a degraded API.

## Mitigate

1. Set `LLM_PRIMARY=anthropic` in the config service; the gateway fails over
   within a minute.
2. If both providers are down, enable the static-answer mode.
";
        let facts = analyze("runbooks/openai.md", text);
        assert!(facts.runbook);
        assert!(facts.incident_response, "on-call names the escalation path");
        assert_eq!(facts.topics, vec![(Topic::ProviderOutage, 1)]);
    }

    #[test]
    fn outage_without_a_model_provider_is_not_a_provider_outage() {
        let text = "\
# Database runbook

During a Postgres outage, promote the replica (see failover.md) and update
the status page. Keep the on-call channel informed.
";
        let facts = analyze("docs/ops/database.md", text);
        assert!(facts.runbook);
        assert!(facts.incident_response);
        assert_eq!(facts.topics, vec![]);
    }

    #[test]
    fn fenced_code_is_not_prose() {
        let text = "\
# Guardrails

```python
# prompt injection check, see OpenAI outage notes
detect_prompt_injection(text)
```

~~~~
jailbreak
```
still code: a shorter or different fence does not close
~~~~

We defend against prompt injection with an input classifier.
";
        assert_eq!(topics("docs/guardrails.md", text), vec![(Topic::PromptInjection, 14)]);
    }

    #[test]
    fn unclosed_fence_runs_to_the_end() {
        let text = "Intro.\n\n```\nprompt injection\n";
        assert_eq!(topics("docs/a.md", text), vec![]);
    }

    #[test]
    fn inline_triple_backticks_are_not_a_fence() {
        let text = "Use ```code``` sparingly.\nprompt injection\n";
        assert_eq!(topics("docs/a.md", text), vec![(Topic::PromptInjection, 2)]);
    }

    #[test]
    fn fence_in_a_list_item_and_a_quote() {
        let text = "1. Step\n   ```sh\n   rotate keys\n   ```\n> ```\n> jailbreak\n> ```\nend\n";
        assert_eq!(topics("docs/a.md", text), vec![]);
    }

    #[test]
    fn html_comments_are_not_prose() {
        let text = "\
## Prompt handling
<!-- TODO: describe the prompt injection response
     and key rotation -->
Nothing yet. <!-- jailbreak --> Data leak review is done weekly.
";
        assert_eq!(topics("docs/ai.md", text), vec![(Topic::DataLeakage, 4)]);
    }

    #[test]
    fn phrases_wrap_across_lines() {
        let text = "We treat every case of prompt\ninjection as SEV2.\n";
        assert_eq!(topics("docs/a.md", text), vec![(Topic::PromptInjection, 1)]);
        // A blank line ends the paragraph.
        let text = "prompt\n\ninjection\n";
        assert_eq!(topics("docs/a.md", text), vec![]);
        let text = "Key\n> rotation is quarterly.\n";
        assert_eq!(topics("docs/a.md", text), vec![(Topic::KeyCompromise, 1)]);
    }

    #[test]
    fn word_boundaries_and_variants() {
        let cases: &[(&str, Option<Topic>)] = &[
            ("Prompt-Injection", Some(Topic::PromptInjection)),
            ("PROMPT INJECTIONS", Some(Topic::PromptInjection)),
            ("jailbreaking attempts", Some(Topic::PromptInjection)),
            ("promptinjection", None),
            ("the model hallucinates", Some(Topic::ModelOutputFailure)),
            ("toxicity filters", Some(Topic::ModelOutputFailure)),
            ("nontoxic", None),
            ("when the model misbehaves", Some(Topic::ModelOutputFailure)),
            ("exfiltration of chats", Some(Topic::DataLeakage)),
            ("strip PII before logging", Some(Topic::DataLeakage)),
            ("spiing", None),
            ("a system prompt leak", Some(Topic::DataLeakage)),
            ("data leaks", Some(Topic::DataLeakage)),
            ("rotate the OpenAI API key", Some(Topic::KeyCompromise)),
            ("a compromised API key", Some(Topic::KeyCompromise)),
            ("revoke the key", Some(Topic::KeyCompromise)),
            ("API key compromise", Some(Topic::KeyCompromise)),
            ("keyboard rotation", None),
        ];
        for (text, expected) in cases {
            let found: Vec<Topic> = topics("docs/a.md", text).into_iter().map(|(t, _)| t).collect();
            assert_eq!(found, expected.iter().copied().collect::<Vec<_>>(), "{text}");
        }
    }

    #[test]
    fn provider_outage_signals() {
        let with_provider = |s: &str| topics("docs/a.md", &format!("The LLM gateway.\n{s}\n"));
        for s in [
            "Outage",
            "the provider is down",
            "degraded",
            "fail over",
            "failover",
            "use a fallback model",
            "rate-limited by Anthropic",
            "HTTP 429",
            "status page",
        ] {
            assert_eq!(with_provider(s), vec![(Topic::ProviderOutage, 2)], "{s}");
        }
        for s in ["see #429", "port :429", "1.429 s", "14290"] {
            assert_eq!(with_provider(s), vec![], "{s}");
        }
        for provider in ["ChatGPT", "GPT-4o", "Claude", "Gemini", "Amazon Bedrock", "inference", "AI provider"] {
            assert_eq!(
                topics("docs/a.md", &format!("{provider} outage")),
                vec![(Topic::ProviderOutage, 1)],
                "{provider}"
            );
        }
        // The provider named only in code does not count.
        assert_eq!(topics("docs/a.md", "outage\n```\nopenai\n```\n"), vec![]);
    }

    #[test]
    fn incident_response_and_runbook_by_name_and_text() {
        let plain = "Nothing to see.";
        let by_name = |path: &str| {
            let f = analyze(path, plain);
            (f.incident_response, f.runbook)
        };
        assert_eq!(by_name("SECURITY.md"), (true, false));
        assert_eq!(by_name("docs/incident-handling.md"), (true, false));
        assert_eq!(by_name("docs/ir-plan.md"), (true, false));
        assert_eq!(by_name("docs/IRP.md"), (true, false));
        assert_eq!(by_name("docs/breach-response.md"), (true, false));
        assert_eq!(by_name("docs/incident-response/llm.md"), (true, false));
        assert_eq!(by_name("docs/response-format.md"), (false, false));
        assert_eq!(by_name("docs/streaming-responses.md"), (false, false));
        assert_eq!(by_name("RUNBOOK.md"), (false, true));
        assert_eq!(by_name("docs/on-call.md"), (false, true));
        assert_eq!(by_name("runbooks/openai.md"), (false, true));
        assert_eq!(by_name("DR.md"), (false, true));
        assert_eq!(by_name("docs/disaster-recovery.md"), (false, true));
        assert_eq!(by_name("docs/draft.md"), (false, false));
        assert_eq!(by_name("docs/guide.md"), (false, false));

        let by_text = |text: &str| {
            let f = analyze("docs/guide.md", text);
            (f.incident_response, f.runbook)
        };
        assert_eq!(by_text("## Incident Response"), (true, false));
        assert_eq!(by_text("our incident-response process"), (true, false));
        assert_eq!(by_text("Incident management lives in Jira."), (true, false));
        assert_eq!(by_text("Report a security incident to ..."), (true, false));
        assert_eq!(by_text("Escalation: page the lead."), (true, false));
        assert_eq!(by_text("Prevents privilege escalation."), (false, false));
        assert_eq!(by_text("Follow the runbook."), (false, true));
        assert_eq!(by_text("See the playbooks."), (false, true));
        assert_eq!(by_text("Run the Ansible playbook to deploy."), (false, false));
        assert_eq!(by_text("```\nincident response runbook\n```"), (false, false));
    }

    #[test]
    fn postmortems_are_not_plans() {
        let text = "# Post-mortem: OpenAI outage\n\nOur incident response worked; the runbook was followed.\n";
        let facts = analyze("docs/incidents/2024-03-12-postmortem.md", text);
        assert!(!facts.incident_response);
        assert!(!facts.runbook);
        assert_eq!(facts.topics, vec![(Topic::ProviderOutage, 1)]);
        assert!(!analyze("docs/post-mortems/openai.md", text).runbook);
    }

    #[test]
    fn templates_with_placeholders_are_not_plans() {
        let text = "# AI incident response plan\n\nOwner: [FILL IN: a role]\n\nPrompt injection: page the on-call.\n";
        let facts = analyze("docs/ai-incident-response.md", text);
        assert_eq!(facts.placeholder, Some(3));
        assert!(!facts.incident_response && !facts.runbook);
        // Filled in, it is one.
        let filled = analyze("docs/ai-incident-response.md", &text.replace("[FILL IN: a role]", "the CTO"));
        assert_eq!(filled.placeholder, None);
        assert!(filled.incident_response);
        // A placeholder shown in a code sample or a comment is not the document's own.
        let sample =
            "# Incident response\n\n```\n[FILL IN: x]\n```\n<!-- [FILL IN] -->\nPrompt injection: page the on-call.\n";
        let facts = analyze("docs/incident-response.md", sample);
        assert_eq!(facts.placeholder, None);
        assert!(facts.incident_response);
    }

    #[test]
    fn restructured_text_literal_blocks() {
        let text = "\
Incident response
=================

Example::

    prompt injection in a literal block

.. code-block:: text

   jailbreak

.. note::

   Rotate the key after any leak.

Back to prose: PII.
";
        let facts = analyze("docs/ir.rst", text);
        assert!(facts.incident_response);
        // The note's body is prose.
        assert_eq!(facts.topics, vec![(Topic::DataLeakage, 16), (Topic::KeyCompromise, 14)]);
    }

    #[test]
    fn asciidoc_blocks_and_comments() {
        let text = "\
= Incident response

[source,text]
----
prompt injection
----

// jailbreak in a comment
////
hallucination in a comment block
////

Legacy title about outages
--------------------------

Data leakage is reported to the DPO.
";
        let facts = analyze("docs/ir.adoc", text);
        assert!(facts.incident_response);
        // The underline of a legacy title is not a listing delimiter.
        assert_eq!(facts.topics, vec![(Topic::DataLeakage, 16)]);
    }

    #[test]
    fn plain_text_keeps_markdown_like_comments() {
        let text = "<!-- prompt injection -->\n";
        assert_eq!(topics("docs/notes.txt", text), vec![(Topic::PromptInjection, 1)]);
        assert_eq!(topics("docs/notes.md", text), vec![]);
    }

    #[test]
    fn line_numbers_with_crlf_bom_and_non_ascii() {
        let text =
            "\u{feff}```\r\ncode\r\n```\r\n# Réponse aux incidents — 事故対応\r\nÉchappement: prompt injection ✓\r\n";
        assert_eq!(topics("docs/a.md", text), vec![(Topic::PromptInjection, 5)]);
    }

    #[test]
    fn robust_on_odd_input() {
        let odd = [
            "",
            "\n",
            "```",
            "~~~~~~",
            "<!--",
            "-->",
            "<!-- <!-- --> -->",
            "::",
            "\u{feff}",
            "\r",
            "\0\0\0",
            "````\u{1F600}`",
            "..",
            ".. code-block::",
            "----\n....\n++++\n////",
            "é\u{301}\u{200d}",
            "prompt~injection",
        ];
        for text in odd {
            for path in ["docs/a.md", "docs/a.rst", "docs/a.adoc", "docs/a.txt", "", "ü/ß", "a.", "."] {
                let facts = analyze(path, text);
                assert_eq!(facts.path, path);
            }
        }
    }

    #[test]
    fn huge_documents() {
        let mut text = "日本語のテキスト ✓ escalation\n".repeat(20_000);
        text.push_str("An indirect injection through a web page.\n");
        let facts = analyze("docs/big.md", &text);
        assert!(facts.incident_response);
        assert_eq!(facts.topics, vec![(Topic::PromptInjection, 20_001)]);

        let one_line = "OpenAI outage ".repeat(50_000);
        assert_eq!(topics("docs/big.md", &one_line), vec![(Topic::ProviderOutage, 1)]);
    }
}
