//! A byte-level test that skips parsing files which cannot contribute a
//! finding or a piece of evidence.
//!
//! Every finding of the file rules needs one of: an import of a provider's
//! module (clients, inference calls and everything that flows from them), a
//! call shape allowed on any receiver, a key prefix, an endpoint environment
//! variable, a system-role message built from request input, a write of a
//! stored model-configuration field (`systemPrompt` in a file that writes
//! data), or a suppression comment.
//! The needles are derived from the catalogue (so a provider added in
//! `custodia.toml` extends them), per language (a Python module's name is
//! not searched for in TypeScript), and searched with one Aho-Corasick
//! automaton per language. A test scans every fixture with and without the prefilter and
//! requires identical output.

use std::path::Path;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;

use crate::catalog::{Catalog, Receiver, applies_to};
use crate::frameworks::{self, Family, HEALTH_SEGMENTS};
use crate::lang::Language;

/// Words shorter than this are too common to search for alone.
const MIN_NEEDLE: usize = 4;

pub struct Prefilter {
    typescript: Needles,
    python: Needles,
    /// The shape of a data write, for a file that names a stored
    /// model-configuration field (see [`Needle::ConfigField`]).
    config_writes: Option<Regex>,
}

/// What a needle found in a file says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needle {
    /// The file may contribute (a provider's module, a call, a role).
    Word,
    /// A provider key may start here: a key is a token of its string
    /// (`literals::is_token`), so the byte before it is not a letter,
    /// digit, `_` or `-` (`task-queue` holds no `sk-` key).
    KeyPrefix,
    /// A stored model-configuration field (`systemPrompt`, `model_id`): it
    /// counts only in a file that also writes data, with a data-writing
    /// method (`.update`, `.upsert`, `.hset` ...) or an assignment to the
    /// field of an object (`org.system_prompt = ...`). A field name alone
    /// is in every file that passes a model id around.
    ConfigField,
}

/// One language's needles, all searched for in one pass over the file.
struct Needles {
    matcher: Option<AhoCorasick>,
    /// The [`Needle::Word`]s.
    words: Vec<String>,
    /// What each pattern of `matcher` is.
    kinds: Vec<Needle>,
}

impl Needles {
    fn new(catalog: &Catalog, language: Language) -> Needles {
        let words = needles(catalog, language);
        let mut keys: Vec<&str> = catalog.keys.iter().map(|k| k.prefix.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let fields = &catalog.controls.configuration.keys;
        let patterns: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .chain(keys.iter().copied())
            .chain(fields.iter().map(String::as_str))
            .collect();
        let kinds: Vec<Needle> = std::iter::repeat_n(Needle::Word, words.len())
            .chain(std::iter::repeat_n(Needle::KeyPrefix, keys.len()))
            .chain(std::iter::repeat_n(Needle::ConfigField, fields.len()))
            .collect();
        // A DFA: the fastest search, for a few hundred short patterns.
        let matcher = AhoCorasick::builder().kind(Some(AhoCorasickKind::DFA)).build(&patterns).ok();
        Needles { matcher, words, kinds }
    }
}

impl Prefilter {
    pub fn new(catalog: &Catalog) -> Prefilter {
        let configuration = &catalog.controls.configuration;
        let alternatives = |names: &[String]| names.iter().map(|n| regex::escape(n)).collect::<Vec<_>>().join("|");
        let writes = format!(
            r"\.(?:{})\b|\.(?:{})\s*=[^=]",
            alternatives(&configuration.writes),
            alternatives(&configuration.keys)
        );
        Prefilter {
            typescript: Needles::new(catalog, Language::TypeScript),
            python: Needles::new(catalog, Language::Python),
            config_writes: Regex::new(&writes).ok(),
        }
    }

    /// Whether a file of this language may contribute; when in doubt, true.
    /// Each language has its own needles: a Python module's name
    /// (`langchain`) says nothing about a TypeScript file that mentions
    /// `@langchain/core`.
    pub fn may_matter(&self, language: Language, bytes: &[u8]) -> bool {
        let needles = self.of(language);
        let Some(matcher) = &needles.matcher else { return true };
        let key_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        let mut names_config = false;
        for found in matcher.find_overlapping_iter(bytes) {
            match needles.kinds.get(found.pattern().as_usize()) {
                Some(Needle::Word) | None => return true,
                Some(Needle::KeyPrefix) => {
                    let start = found.start();
                    match start.checked_sub(1).and_then(|i| bytes.get(i)) {
                        // An escape (`"\nsk-…"`) ends in a letter in the source text.
                        Some(&b) if key_byte(b) => {
                            if start >= 2 && bytes.get(start - 2) == Some(&b'\\') {
                                return true;
                            }
                        }
                        _ => return true,
                    }
                }
                Some(Needle::ConfigField) => names_config = true,
            }
        }
        names_config
            && self
                .config_writes
                .as_ref()
                .is_none_or(|writes| std::str::from_utf8(bytes).map_or(true, |text| writes.is_match(text)))
    }

    pub fn needles(&self, language: Language) -> &[String] {
        &self.of(language).words
    }

    fn of(&self, language: Language) -> &Needles {
        match language {
            Language::Python => &self.python,
            Language::TypeScript | Language::JavaScript => &self.typescript,
        }
    }

    /// Module files that only pass names on (`export * from "./ai"`, Python
    /// `__init__.py`) are always analysed: the project index follows
    /// imports through them.
    pub fn is_barrel(&self, path: &Path, language: Language, text: &str) -> bool {
        static REEXPORT: OnceLock<Option<Regex>> = OnceLock::new();
        match language {
            Language::Python => path.file_name().is_some_and(|n| n == "__init__.py"),
            _ => REEXPORT
                .get_or_init(|| Regex::new(r"export\s*(?:type\s*)?(?:\*|\{[^}]*\}\s*from)").ok())
                .as_ref()
                .is_none_or(|re| re.is_match(text)),
        }
    }
}

/// Settings that apply to every route of a project, wherever they sit
/// (flask-limiter's `RATELIMIT_DEFAULT`, Django REST framework's
/// `REST_FRAMEWORK` defaults, Django's `LoginRequiredMiddleware`), and Django
/// URL configurations, which name each other by string
/// (`include("assistant.urls")`). Nothing imports such a module by name, so
/// files holding one are always analysed.
pub fn is_project_settings(language: Language, text: &str) -> bool {
    language == Language::Python && crate::frameworks::holds_project_settings(text)
}

/// A file that may declare a health-check route (`app.get("/healthz")`,
/// `app/api/health/route.ts`): the outage-readiness rule needs to see it even
/// though it has no model code.
pub fn is_health_route(path: &str, text: &str) -> bool {
    static ROUTE: OnceLock<Option<Regex>> = OnceLock::new();
    let in_path = path.split('/').any(|segment| HEALTH_SEGMENTS.contains(&segment));
    in_path
        || ROUTE
            .get_or_init(|| {
                let segments = HEALTH_SEGMENTS.join("|");
                Regex::new(&format!(r#"["'](?:/[\w.{{}}:<>-]*)*/(?:{segments})/?["']"#)).ok()
            })
            .as_ref()
            .is_some_and(|re| re.is_match(text))
}

/// Whether a file the prefilter skipped may declare routes, middleware or
/// router mounts, by its path (`app/**/route.ts`, `pages/api/`) or a shape
/// of its text (`export async function POST`, `"use server"`,
/// `router.post("/...")`, `@Controller(`, `@app.get(`, `APIRouter`,
/// `urlpatterns` ...). Generous on purpose: a false positive costs one
/// parse, a miss hides a route that reaches the model through this file.
/// The second pass follows the project's imports from such files only.
pub fn may_hold_routes(path: &str, language: Language, text: &str) -> bool {
    static SCRIPT: OnceLock<Option<Regex>> = OnceLock::new();
    static PYTHON: OnceLock<Option<Regex>> = OnceLock::new();
    // Each framework's shapes are in its file (`Spec::route_hints`).
    let (family, re) = match language {
        Language::Python => (Family::Python, &PYTHON),
        _ => (Family::Script, &SCRIPT),
    };
    if family == Family::Script && frameworks::is_route_file(path) {
        return true;
    }
    let re = re.get_or_init(|| Regex::new(&frameworks::route_hints(family)).ok());
    re.as_ref().is_none_or(|re| re.is_match(text))
}

/// The module specifiers a file imports, found without parsing it (with the
/// number of leading dots of a Python relative import). A file the
/// prefilter skips is still analysed when one of these names a module that
/// exports a model client.
pub fn import_specifiers(language: Language, text: &str) -> Vec<(String, u8)> {
    static SCRIPT: OnceLock<Option<Regex>> = OnceLock::new();
    static PYTHON: OnceLock<Option<Regex>> = OnceLock::new();
    let mut out = Vec::new();
    match language {
        Language::Python => {
            let re = PYTHON.get_or_init(|| {
                Regex::new(r"(?m)^\s*(?:from\s+(\.*)([\w.]*)\s+import\s+(\([^)]*\)|[^\n#;]*)|import\s+([\w.]+))").ok()
            });
            let Some(re) = re else { return out };
            for caps in re.captures_iter(text) {
                match (caps.get(1), caps.get(2), caps.get(4)) {
                    (Some(dots), Some(module), _) => {
                        let (module, level) = (module.as_str(), dots.as_str().len() as u8);
                        out.push((module.to_string(), level));
                        // `from app.routers import chat` may name the
                        // submodule `app.routers.chat`.
                        let names = caps.get(3).map_or("", |m| m.as_str());
                        for name in names.trim_matches(|c| c == '(' || c == ')').split(',') {
                            let Some(name) = name.split_whitespace().next().filter(|n| *n != "*") else { continue };
                            let submodule =
                                if module.is_empty() { name.to_string() } else { format!("{module}.{name}") };
                            out.push((submodule, level));
                        }
                    }
                    (_, _, Some(module)) => out.push((module.as_str().to_string(), 0)),
                    _ => {}
                }
            }
        }
        _ => {
            let re = SCRIPT.get_or_init(|| {
                Regex::new(r#"(?:(?-u:\b)from|(?-u:\b)import|(?-u:\b)require\s*\()\s*\(?\s*['"]([^'"\n]+)['"]"#).ok()
            });
            let Some(re) = re else { return out };
            out.extend(re.captures_iter(text).filter_map(|c| c.get(1)).map(|m| (m.as_str().to_string(), 0)));
        }
    }
    out
}

/// The needles for files of one language. A TypeScript module is searched
/// for as the start of a quoted specifier (`"openai`, `'@langchain/openai`):
/// an import, a `require` or a dynamic `import()` always quotes it, and the
/// bare word is in every file that mentions the provider in a comment or
/// another package's name (`@ai-sdk/openai`).
fn needles(catalog: &Catalog, language: Language) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |needle: String| {
        if !needle.is_empty() && !out.contains(&needle) {
            out.push(needle);
        }
    };
    for provider in &catalog.providers {
        if !provider.needles.is_empty() {
            provider.needles.iter().cloned().for_each(&mut add);
        } else {
            for module in provider.modules.get(language) {
                let module = module.trim_end_matches('*');
                match language {
                    Language::Python => python_needles(module).into_iter().for_each(&mut add),
                    Language::TypeScript | Language::JavaScript => {
                        for quote in QUOTES {
                            if module.len() >= MIN_NEEDLE {
                                add(format!("{quote}{module}"));
                            } else {
                                // `ai`: the whole specifier, where a specifier
                                // goes (`from "ai"`, `require("ai")`,
                                // `import("ai")`): `'ai'` alone is a message
                                // role in every LangChain file.
                                for before in ["from ", "from", "("] {
                                    add(format!("{before}{quote}{module}{quote}"));
                                }
                            }
                        }
                    }
                }
            }
        }
        for call in provider.calls.iter().filter(|c| applies_to(c.language, language)) {
            for command in &call.commands {
                add(command.clone());
            }
            // A call shape that matches only with a command argument
            // (`client.send(new ConverseCommand(...))`) needs the command's
            // name in the file: `send` alone is in every other file.
            if call.on.contains(&Receiver::Any) && call.commands.is_empty() {
                // The longest segment: formatters may break a chain across lines.
                for path in &call.paths {
                    if let Some(longest) = path.split('.').max_by_key(|s| s.len()) {
                        add(longest.to_string());
                    }
                }
            }
        }
        for client in provider.clients.iter().filter(|c| applies_to(c.language, language)) {
            if client.on.contains(&Receiver::Any) {
                client.names.iter().cloned().for_each(&mut add);
            }
        }
    }
    // Key prefixes are searched for apart: `KeyPrefixes`.
    catalog.controls.endpoints.env.iter().cloned().for_each(&mut add);
    for role in &catalog.controls.system.roles {
        for quote in QUOTES {
            add(format!("{quote}{role}{quote}"));
        }
    }
    catalog.controls.system.message_classes.iter().cloned().for_each(&mut add);
    // Writes of stored model configuration (`unguarded-config-write`) are
    // tested apart: `ConfigWrites`.
    add(crate::suppression::MARKER.to_string());
    out
}

/// The quotes a specifier or a role name may be written in.
const QUOTES: [char; 3] = ['"', '\'', '`'];

/// A Python module is used through an import statement: `import openai`,
/// `from openai import OpenAI`, `from langchain_openai.chat_models import`
/// (a lazy import inside a function too). The bare name is in every
/// docstring, provider-name string and comment that mentions the vendor.
/// A namespace shared by unrelated packages (`google`, `azure`) says
/// nothing: there the module's last distinctive segment is searched for
/// alone (`genai`, as in `from google import genai`).
fn python_needles(module: &str) -> Vec<String> {
    const SHARED: [&str; 3] = ["google", "azure", "aws"];
    let mut segments = module.split('.').filter(|s| !s.is_empty());
    let first = segments.next().unwrap_or("");
    if first.len() >= MIN_NEEDLE && !SHARED.contains(&first) {
        vec![format!("import {first}"), format!("from {first}")]
    } else {
        vec![module.rsplit('.').find(|s| s.len() >= MIN_NEEDLE).unwrap_or(first).to_string()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_specifiers_without_parsing() {
        let ts = "import { openai } from '@/lib/ai';\nimport x from \"./x\";\nconst y = require('../y');\nexport * from './z';";
        let found: Vec<String> = import_specifiers(Language::TypeScript, ts).into_iter().map(|(m, _)| m).collect();
        assert_eq!(found, vec!["@/lib/ai", "./x", "../y", "./z"]);
        let py = "from ..llm import client\nimport app.settings\nfrom app import db\nfrom . import (\n    chat,\n    admin as a,\n)\n";
        assert_eq!(
            import_specifiers(Language::Python, py),
            vec![
                ("llm".to_string(), 2),
                ("llm.client".to_string(), 2),
                ("app.settings".to_string(), 0),
                ("app".to_string(), 0),
                ("app.db".to_string(), 0),
                ("".to_string(), 1),
                ("chat".to_string(), 1),
                ("admin".to_string(), 1),
            ]
        );
    }

    #[test]
    fn derived_needles_cover_the_catalogue() {
        let prefilter = Prefilter::new(&Catalog::builtin());
        let (ts, py) = (Language::TypeScript, Language::Python);
        for (language, expected) in [
            (ts, "'openai"),
            (ts, "\"@anthropic-ai/sdk"),
            (ts, "from \"ai\""),
            (py, "import openai"),
            (py, "from openai"),
            (py, "genai"),
            (py, "bedrock-runtime"),
            (ts, "ConverseCommand"),
            (py, "OPENAI_BASE_URL"),
            (py, "custodia-ignore"),
            (py, "completions"),
        ] {
            let needles = prefilter.needles(language);
            assert!(needles.iter().any(|n| n == expected), "missing {language:?} needle {expected}");
        }
        assert!(prefilter.may_matter(ts, b"import OpenAI from 'openai'"));
        assert!(prefilter.may_matter(ts, b"import { generateText } from 'ai';"));
        assert!(prefilter.may_matter(ts, b"const { streamText } = require(\"ai\");"));
        assert!(!prefilter.may_matter(ts, b"const message = { type: 'ai', content };"));
        assert!(prefilter.may_matter(ts, b"const { OpenAI } = require(\"openai/index\")"));
        assert!(
            !prefilter.may_matter(ts, b"// Works with OpenAI models.\nimport { tool } from '@langchain/core/tools'")
        );
        assert!(prefilter.may_matter(
            py,
            b"from langchain_core.tools import tool\nfrom langchain.chat_models import init_chat_model"
        ));
        assert!(is_health_route("app/api/health/route.ts", "export function GET() {}"));
        assert!(is_health_route("src/app.js", "app.get(\"/healthz\", (req, res) => res.send(\"ok\"));"));
        assert!(is_health_route("main.py", "@app.get('/api/v1/ready')"));
        assert!(!is_health_route("src/app.js", "const healthScore = 3; fetch('/api/patients')"));
        assert!(may_hold_routes("app/api/chat/route.ts", ts, ""));
        assert!(may_hold_routes("src/actions.ts", ts, "'use server';\nexport async function save() {}"));
        assert!(may_hold_routes("src/server.ts", ts, "router.post(\"/chat\", requireAuth, chat);"));
        assert!(may_hold_routes("src/chat.controller.ts", ts, "@Controller(\"chat\")\nexport class Chat {}"));
        assert!(!may_hold_routes("src/format.ts", ts, "export const fmt = (m: Map<string, string>) => m.get(\"a\");"));
        assert!(may_hold_routes("app/chat.py", py, "@router.post(\"/chat\")\nasync def chat(): ..."));
        assert!(may_hold_routes("app/main.py", py, "app.include_router(chat.router, dependencies=[Depends(auth)])"));
        assert!(may_hold_routes("web/views.py", py, "def ask(request):\n    return None"));
        assert!(!may_hold_routes("app/util.py", py, "def slug(text):\n    return text.lower()"));
        assert!(prefilter.may_matter(py, b"from google import genai"));
        // A Python module counts where it is imported, not where it is named.
        assert!(prefilter.may_matter(py, b"def f():\n    import openai\n    return openai.OpenAI()"));
        assert!(!prefilter.may_matter(py, b"PROVIDERS = {\"openai\": \"OpenAI (hosted)\"}"));
        // A key prefix counts where a key can start.
        assert!(prefilter.may_matter(ts, b"const key = 'sk-proj-Xc81kQ2mZ9vR4tY7uP0aL3sD6fG1hJ5k';"));
        assert!(prefilter.may_matter(py, b"headers = {\"Authorization\": \"Bearer sk-ant-api03-x\"}"));
        assert!(!prefilter.may_matter(ts, b"import { runTask } from './task-queue';"));
        assert!(!prefilter.may_matter(py, b"client = boto3.client(\"s3\")  # not bedrock"));
        assert!(prefilter.may_matter(py, b"client = boto3.client(\"bedrock-runtime\")"));
        // A configuration field counts where data is written.
        assert!(!prefilter.may_matter(ts, b"export const label = (m: { modelId: string }) => m.modelId;"));
        assert!(prefilter.may_matter(ts, b"await prisma.assistant.update({ where, data: { systemPrompt } });"));
        assert!(prefilter.may_matter(py, b"org.system_prompt = payload.text\norg.save()"));
        assert!(!prefilter.may_matter(py, b"if org.system_prompt == default: pass"));
        assert!(!prefilter.may_matter(ts, b"socket.send(payload)"), "`send` alone is not a Bedrock call");
        assert!(!prefilter.may_matter(ts, b"export function add(a: number, b: number) { return a + b }"));
    }
}
