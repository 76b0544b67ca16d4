//! Every quick fix is proven: applied to realistic code, the result parses
//! with no ERROR node, and a new scan no longer reports the finding it targets.

use std::path::Path;

use custodia::analysis::NoExternals;
use custodia::config::Config;
use custodia::engine::Engine;
use custodia::fix::{self, FixContext, FixSettings, ProjectHints};
use custodia::lang::{self, FileKind};

/// Applies the first fix for `rule` at its first finding and returns the new text.
fn fixed(path: &str, source: &str, rule: &str, settings: &FixSettings) -> Option<String> {
    let engine = Engine::new(Config::default());
    let kind = FileKind::of(Path::new(path)).expect("source file");
    let analysis = engine.analyze_source(path, kind, source, &NoExternals).expect("parses");
    let finding = analysis.findings.iter().find(|f| f.rule == rule).unwrap_or_else(|| panic!("no {rule} in {path}"));
    let tree = lang::parse(kind.grammar, source, None).expect("parses");
    let catalog = &engine.config().catalog;
    let project = ProjectHints::from_facts([&analysis.facts]);
    let cx = FixContext { source, tree: &tree, facts: &analysis.facts, catalog, settings, project: &project };
    let fix = fix::fixes_for(finding, &cx).into_iter().next()?;
    Some(fix::apply(source, &fix.edits))
}

/// The fixed text parses cleanly and no longer has the finding.
fn assert_fixed(path: &str, source: &str, rule: &str, settings: &FixSettings) -> String {
    let after = fixed(path, source, rule, settings).unwrap_or_else(|| panic!("no fix for {rule} in {path}"));
    let engine = Engine::new(Config::default());
    let kind = FileKind::of(Path::new(path)).expect("source file");
    let tree = lang::parse(kind.grammar, &after, None).expect("parses");
    assert!(!tree.root_node().has_error(), "the fix broke the syntax:\n{after}");
    let analysis = engine.analyze_source(path, kind, &after, &NoExternals).expect("parses");
    let before_count = {
        let a = engine.analyze_source(path, kind, source, &NoExternals).expect("parses");
        a.findings.iter().filter(|f| f.rule == rule).count()
    };
    let after_count = analysis.findings.iter().filter(|f| f.rule == rule).count();
    assert_eq!(after_count, before_count - 1, "{rule} still reported after the fix:\n{after}");
    after
}

const OPENAI_ROUTE: &str = r#"import OpenAI from "openai";

const openai = new OpenAI({ timeout: 20_000 });

export async function summarize(text: string) {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: text }],
    });
    return completion.choices[0].message.content;
  } catch (error) {
    return null;
  }
}
"#;

#[test]
fn token_cap_joins_a_multiline_options_object_in_its_layout() {
    let after = assert_fixed("lib/summarize.ts", OPENAI_ROUTE, "missing-token-cap", &FixSettings::default());
    assert!(
        after.contains(
            "      messages: [{ role: \"user\", content: text }],\n      max_completion_tokens: 1024,\n    });"
        ),
        "{after}"
    );
}

#[test]
fn token_cap_value_comes_from_the_settings() {
    let settings = FixSettings { max_tokens: 256, ..FixSettings::default() };
    let after = assert_fixed("lib/summarize.ts", OPENAI_ROUTE, "missing-token-cap", &settings);
    assert!(after.contains("max_completion_tokens: 256,"), "{after}");
}

const OPENAI_PY: &str = r#"import openai
from openai import OpenAI

client = OpenAI()


def answer(question: str) -> str:
    try:
        response = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    except openai.APIError:
        return "The assistant is unavailable."
    return response.choices[0].message.content
"#;

#[test]
fn python_keyword_arguments_on_one_line() {
    let after = assert_fixed("app/answer.py", OPENAI_PY, "missing-token-cap", &FixSettings::default());
    assert!(after.contains("\"content\": question}], max_completion_tokens=1024)"), "{after}");
    let after = assert_fixed("app/answer.py", OPENAI_PY, "missing-timeout", &FixSettings::default());
    assert!(after.contains("question}], timeout=30)"), "{after}");
}

const ANTHROPIC_TS: &str = r#"import Anthropic from "@anthropic-ai/sdk";

const anthropic = new Anthropic();

export async function POST(req: Request) {
  const { prompt } = await req.json();
  try {
    const message = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: prompt }]
    });
    return Response.json(message);
  } catch {
    return new Response("unavailable", { status: 503 });
  }
}
"#;

#[test]
fn timeout_goes_into_per_request_options_for_stainless_sdks() {
    let after = assert_fixed("app/api/ask/route.ts", ANTHROPIC_TS, "missing-timeout", &FixSettings::default());
    assert!(
        after.contains("      messages: [{ role: \"user\", content: prompt }]\n    }, { timeout: 30_000 });"),
        "{after}"
    );
}

const VERCEL: &str = r#"import { openai } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";

export async function draft(topic: string) {
  const { text } = await generateText({ model: openai("gpt-4o"), prompt: `Write about ${topic}` });
  return text;
}

export function live(prompt: string) {
  const result = streamText({
    model: openai("gpt-4o"),
    prompt,
    maxOutputTokens: 512,
    abortSignal: AbortSignal.timeout(20_000),
  });
  return result.toTextStreamResponse();
}
"#;

#[test]
fn vercel_ai_sdk_options() {
    let after = assert_fixed("lib/draft.ts", VERCEL, "missing-token-cap", &FixSettings::default());
    assert!(after.contains("prompt: `Write about ${topic}`, maxOutputTokens: 1024 });"), "{after}");
    let after = assert_fixed("lib/draft.ts", VERCEL, "missing-timeout", &FixSettings::default());
    assert!(after.contains(", abortSignal: AbortSignal.timeout(30_000) });"), "{after}");
}

const NO_FAILURE_PATH: &str = r#"import OpenAI from "openai";

const client = new OpenAI({ timeout: 15_000 });

export async function classify(ticket: string) {
  const res = await client.chat.completions.create({
    model: "gpt-4o-mini",
    max_completion_tokens: 64,
    messages: [{ role: "user", content: ticket }],
  });
  return res.choices[0].message.content;
}
"#;

#[test]
fn fallback_retries_on_the_configured_model() {
    let settings = FixSettings { fallback_model: Some("gpt-4.1-mini".to_string()), ..FixSettings::default() };
    let after = assert_fixed("lib/classify.ts", NO_FAILURE_PATH, "missing-failure-path", &settings);
    assert!(after.contains("  }).catch((error) => {\n    console.error(\"openai chat.completions.create failed; retrying on gpt-4.1-mini\", error);\n    return client.chat.completions.create({\n      model: \"gpt-4.1-mini\","), "{after}");
}

#[test]
fn fallback_without_a_model_logs_and_rethrows() {
    let after = assert_fixed("lib/classify.ts", NO_FAILURE_PATH, "missing-failure-path", &FixSettings::default());
    assert!(after.contains("    throw error;\n  });"), "{after}");
}

const PY_NO_FAILURE_PATH: &str = r#""""Ticket triage."""
from anthropic import Anthropic

client = Anthropic(timeout=20.0)


def triage(ticket: str) -> str:
    message = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=256,
        messages=[{"role": "user", "content": ticket}],
    )
    return message.content[0].text
"#;

#[test]
fn python_fallback_wraps_the_statement_and_imports_logging() {
    let settings = FixSettings { fallback_model: Some("claude-sonnet-4-5".to_string()), ..FixSettings::default() };
    let after = assert_fixed("app/triage.py", PY_NO_FAILURE_PATH, "missing-failure-path", &settings);
    assert!(
        after.starts_with("\"\"\"Ticket triage.\"\"\"\nimport logging\nfrom anthropic import Anthropic"),
        "{after}"
    );
    assert!(
        after.contains("    try:\n        message = client.messages.create(\n            model=\"claude-haiku-4-5\","),
        "{after}"
    );
    assert!(after.contains("    except Exception:\n        logging.exception(\"anthropic messages.create failed; retrying on claude-sonnet-4-5\")\n        message = client.messages.create(\n            model=\"claude-sonnet-4-5\","), "{after}");
    let after = assert_fixed("app/triage.py", PY_NO_FAILURE_PATH, "missing-failure-path", &FixSettings::default());
    assert!(
        after.contains(
            "    except Exception:\n        logging.exception(\"anthropic messages.create failed\")\n        raise\n"
        ),
        "{after}"
    );
}

#[test]
fn no_fix_where_the_option_cannot_be_placed() {
    // Options built elsewhere: the rule does not report, so nothing to fix;
    // a Gemini config is nested: the provider has no fix entry.
    let gemini = r#"import { GoogleGenAI } from "@google/genai";

const ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY });

export async function caption(text: string) {
  const response = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: text });
  return response.text;
}
"#;
    assert_eq!(fixed("lib/caption.ts", gemini, "missing-token-cap", &FixSettings::default()), None);
}

/// Scans a project, applies the first fix of the first `rule` finding in
/// `target`, and scans again: the file parses cleanly and that route's
/// finding is gone. Returns the fixed text.
fn fix_in_project(files: &[(&str, &str)], target: &str, rule: &str) -> String {
    let project = Project::new(files);
    let fix = project.fixes(target, rule).into_iter().next().unwrap_or_else(|| panic!("no fix for {rule} in {target}"));
    let source = project.source(target);
    let after = fix::apply(source, &fix.edits);
    let kind = FileKind::of(Path::new(target)).expect("kind");
    let tree = lang::parse(kind.grammar, &after, None).expect("parses");
    assert!(!tree.root_node().has_error(), "`{}` broke the syntax:\n{after}", fix.title);
    std::fs::write(project.dir.path().join(target), &after).expect("write");
    let again = custodia::scan::scan(&project.engine, &project.options).expect("scan");
    assert_eq!(
        project.count(&again, target, rule),
        project.count(&project.result, target, rule) - 1,
        "`{}` left {rule} in place:\n{after}",
        fix.title
    );
    after
}

/// A scanned project on disk, with every file's facts as the language server
/// holds them (the prefilter would leave out files without model code, where
/// auth helpers and limiters live).
struct Project<'f> {
    files: &'f [(&'f str, &'f str)],
    dir: tempfile::TempDir,
    engine: Engine,
    options: custodia::scan::ScanOptions,
    result: custodia::scan::ScanResult,
}

impl<'f> Project<'f> {
    fn new(files: &'f [(&'f str, &'f str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
            std::fs::write(full, text).expect("write");
        }
        let engine = Engine::new(Config::default());
        let mut options = custodia::scan::ScanOptions::new(dir.path());
        options.prefilter = false;
        let result = custodia::scan::scan(&engine, &options).expect("scan");
        Project { files, dir, engine, options, result }
    }

    fn source(&self, path: &str) -> &'f str {
        self.files.iter().find(|(p, _)| *p == path).expect("a file of the project").1
    }

    fn count(&self, result: &custodia::scan::ScanResult, target: &str, rule: &str) -> usize {
        result.findings.iter().filter(|f| f.rule == rule && f.path.as_deref() == Some(target)).count()
    }

    /// The fixes offered for the first `rule` finding in `target`.
    fn fixes(&self, target: &str, rule: &str) -> Vec<fix::Fix> {
        let result = &self.result;
        let finding = result
            .findings
            .iter()
            .find(|f| f.rule == rule && f.path.as_deref() == Some(target))
            .unwrap_or_else(|| panic!("no {rule} in {target}: {:#?}", result.findings));
        let source = self.source(target);
        let kind = FileKind::of(Path::new(target)).expect("kind");
        let tree = lang::parse(kind.grammar, source, None).expect("parses");
        let facts = result.files.iter().find(|f| f.path == target).expect("facts");
        let project = ProjectHints::from_facts(&result.files);
        let settings = FixSettings::default();
        let catalog = &self.engine.config().catalog;
        let cx = FixContext { source, tree: &tree, facts, catalog, settings: &settings, project: &project };
        fix::fixes_for(finding, &cx)
    }
}

const NEXT_ROUTE: &str = r#"import OpenAI from "openai";

const openai = new OpenAI({ timeout: 20_000 });

export async function POST(request: Request) {
  const { prompt } = await request.json();
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_completion_tokens: 300,
      messages: [{ role: "user", content: prompt }],
    });
    console.info("completion", completion.id);
    return Response.json({ text: completion.choices[0].message.content });
  } catch {
    return new Response("unavailable", { status: 503 });
  }
}
"#;

#[test]
fn auth_fix_uses_clerk_when_the_project_does() {
    let layout = "import { ClerkProvider } from \"@clerk/nextjs\";\n\nexport default function RootLayout({ children }: { children: React.ReactNode }) {\n  return <ClerkProvider>{children}</ClerkProvider>;\n}\n";
    let after = fix_in_project(
        &[("app/layout.tsx", layout), ("app/api/draft/route.ts", NEXT_ROUTE)],
        "app/api/draft/route.ts",
        "inference-without-auth",
    );
    assert!(
        after.starts_with("import OpenAI from \"openai\";\nimport { auth } from \"@clerk/nextjs/server\";\n"),
        "{after}"
    );
    assert!(after.contains("export async function POST(request: Request) {\n  const { userId } = await auth();\n  if (!userId) {\n    return new Response(\"Unauthorized\", { status: 401 });\n  }\n  const { prompt }"), "{after}");
}

#[test]
fn auth_fix_uses_next_auth_options_where_they_are_exported() {
    let options = "import type { NextAuthOptions } from \"next-auth\";\nimport GitHub from \"next-auth/providers/github\";\n\nexport const authOptions: NextAuthOptions = { providers: [GitHub({ clientId: \"x\", clientSecret: \"y\" })] };\n";
    let after = fix_in_project(
        &[("lib/auth.ts", options), ("app/api/draft/route.ts", NEXT_ROUTE)],
        "app/api/draft/route.ts",
        "inference-without-auth",
    );
    assert!(
        after.contains(
            "import { getServerSession } from \"next-auth\";\nimport { authOptions } from \"../../../lib/auth\";"
        ),
        "{after}"
    );
    assert!(after.contains("const session = await getServerSession(authOptions);\n  if (!session) {"), "{after}");
}

#[test]
fn auth_fix_uses_the_supabase_server_client() {
    let helper = "import { createServerClient } from \"@supabase/ssr\";\nimport { cookies } from \"next/headers\";\n\nexport async function createClient() {\n  const store = await cookies();\n  return createServerClient(process.env.SUPABASE_URL!, process.env.SUPABASE_ANON_KEY!, { cookies: { getAll: () => store.getAll() } });\n}\n";
    let after = fix_in_project(
        &[("utils/supabase/server.ts", helper), ("app/api/draft/route.ts", NEXT_ROUTE)],
        "app/api/draft/route.ts",
        "inference-without-auth",
    );
    assert!(after.contains("import { createClient } from \"../../../utils/supabase/server\";"), "{after}");
    assert!(after.contains("const { data: { user } } = await supabase.auth.getUser();\n  if (!user) {"), "{after}");
}

#[test]
fn auth_fix_without_a_library_is_a_marked_placeholder() {
    let after =
        fix_in_project(&[("app/api/draft/route.ts", NEXT_ROUTE)], "app/api/draft/route.ts", "inference-without-auth");
    assert!(after.contains("  // custodia: placeholder authentication (SOC 2 CC6.1): replace with your real check.\n  if (!request.headers.get(\"authorization\")) {\n    return new Response(\"Unauthorized\", { status: 401 });\n  }"), "{after}");
}

#[test]
fn auth_fix_in_an_express_handler() {
    let app = r#"const express = require("express");
const OpenAI = require("openai");

const app = express();
const openai = new OpenAI({ timeout: 15000 });

app.post("/api/summaries", async (req, res) => {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 200,
      messages: [{ role: "user", content: req.body.text }],
    });
    console.log("summary", completion.id);
    res.json({ summary: completion.choices[0].message.content });
  } catch (err) {
    res.status(502).json({ error: "upstream" });
  }
});

app.listen(3000);
"#;
    let after = fix_in_project(&[("server.js", app)], "server.js", "inference-without-auth");
    assert!(after.contains("async (req, res) => {\n  // custodia: placeholder authentication (SOC 2 CC6.1): replace with your real check.\n  if (!req.headers.authorization) {\n    return res.status(401).json({ error: \"Unauthorized\" });\n  }\n  try {"), "{after}");
}

const FASTAPI_ROUTE: &str = r#"import logging

from fastapi import APIRouter
from openai import OpenAI

from app.schemas import Draft

router = APIRouter(prefix="/drafts")
client = OpenAI(timeout=20)
log = logging.getLogger(__name__)


@router.post("/outline")
def outline(draft: Draft):
    """Outline a draft."""
    try:
        response = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": draft.text}])
    except Exception:
        log.exception("outline failed")
        raise
    log.info("outline %s", response.id)
    return {"outline": response.choices[0].message.content}
"#;

#[test]
fn auth_fix_depends_on_the_projects_current_user_dependency() {
    let deps = "from fastapi import Depends, HTTPException\nfrom fastapi.security import OAuth2PasswordBearer\n\noauth2_scheme = OAuth2PasswordBearer(tokenUrl=\"token\")\n\n\ndef get_current_user(token: str = Depends(oauth2_scheme)):\n    if not token:\n        raise HTTPException(status_code=401)\n    return {\"sub\": token}\n";
    let after = fix_in_project(
        &[
            ("app/deps.py", deps),
            ("app/schemas.py", "class Draft:\n    text: str\n"),
            ("app/routers/drafts.py", FASTAPI_ROUTE),
        ],
        "app/routers/drafts.py",
        "inference-without-auth",
    );
    assert!(after.contains("def outline(draft: Draft, current_user=Depends(get_current_user)):"), "{after}");
    assert!(
        after.contains(
            "from app.schemas import Draft\nfrom app.deps import get_current_user\nfrom fastapi import Depends"
        ),
        "{after}"
    );
}

#[test]
fn auth_fix_in_fastapi_without_a_dependency_is_a_marked_placeholder() {
    let after = fix_in_project(
        &[("app/schemas.py", "class Draft:\n    text: str\n"), ("app/routers/drafts.py", FASTAPI_ROUTE)],
        "app/routers/drafts.py",
        "inference-without-auth",
    );
    assert!(after.contains("def outline(draft: Draft, authorization: str | None = Header(default=None)):\n    \"\"\"Outline a draft.\"\"\"\n    # custodia: placeholder authentication (SOC 2 CC6.1): replace with your real check.\n    if not authorization:\n        raise HTTPException(status_code=401, detail=\"Unauthorized\")\n    try:"), "{after}");
}

const FLASK_VIEWS: &str = r#"import logging

from flask import Blueprint, jsonify, request
from anthropic import Anthropic

bp = Blueprint("studio", __name__)
client = Anthropic(timeout=20.0)
log = logging.getLogger(__name__)


@bp.post("/headline")
def headline():
    try:
        message = client.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": request.json["text"]}])
    except Exception:
        log.exception("headline failed")
        return jsonify(error="unavailable"), 503
    log.info("headline %s", message.id)
    return jsonify(headline=message.content[0].text)
"#;

#[test]
fn auth_fix_uses_flask_login_when_the_project_does() {
    let login = "from flask_login import LoginManager\n\nlogin_manager = LoginManager()\n";
    let after = fix_in_project(
        &[("studio/auth.py", login), ("studio/views.py", FLASK_VIEWS)],
        "studio/views.py",
        "inference-without-auth",
    );
    assert!(after.contains("@bp.post(\"/headline\")\n@login_required\ndef headline():"), "{after}");
    assert!(after.contains("from anthropic import Anthropic\nfrom flask_login import login_required"), "{after}");
}

#[test]
fn auth_fix_in_flask_without_flask_login_aborts_with_401() {
    let after = fix_in_project(&[("studio/views.py", FLASK_VIEWS)], "studio/views.py", "inference-without-auth");
    assert!(after.contains("def headline():\n    # custodia: placeholder authentication (SOC 2 CC6.1): replace with your real check.\n    if not request.headers.get(\"Authorization\"):\n        abort(401)\n    try:"), "{after}");
    assert!(after.contains("from flask import abort"), "{after}");
}

#[test]
fn rate_limit_fix_uses_the_projects_upstash_limiter() {
    let limiter = "import { Ratelimit } from \"@upstash/ratelimit\";\nimport { Redis } from \"@upstash/redis\";\n\nexport const ratelimit = new Ratelimit({ redis: Redis.fromEnv(), limiter: Ratelimit.slidingWindow(20, \"60 s\") });\n";
    let after = fix_in_project(
        &[("lib/ratelimit.ts", limiter), ("app/api/draft/route.ts", NEXT_ROUTE)],
        "app/api/draft/route.ts",
        "inference-without-rate-limit",
    );
    assert!(after.contains("import { ratelimit } from \"../../../lib/ratelimit\";"), "{after}");
    assert!(after.contains("  const identifier = request.headers.get(\"x-forwarded-for\") ?? \"anonymous\";\n  const { success } = await ratelimit.limit(identifier);\n  if (!success) {\n    return new Response(\"Too many requests\", { status: 429 });\n  }\n"), "{after}");
}

#[test]
fn rate_limit_fix_adds_express_rate_limit_before_the_handler() {
    let app = r#"const express = require("express");
const OpenAI = require("openai");

const app = express();
const openai = new OpenAI({ timeout: 15000 });

app.post("/api/summaries", async (req, res) => {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 200,
      messages: [{ role: "user", content: req.body.text }],
    });
    console.log("summary", completion.id);
    res.json({ summary: completion.choices[0].message.content });
  } catch (err) {
    res.status(502).json({ error: "upstream" });
  }
});
"#;
    // Another part of the app already limits its routes with express-rate-limit.
    let admin = "const { rateLimit } = require(\"express-rate-limit\");\nconst { Router } = require(\"express\");\n\nconst router = Router();\nrouter.use(rateLimit({ windowMs: 60_000, limit: 100 }));\nrouter.get(\"/health\", (req, res) => res.send(\"ok\"));\n\nmodule.exports = router;\n";
    let after = fix_in_project(&[("admin.js", admin), ("server.js", app)], "server.js", "inference-without-rate-limit");
    assert!(
        after
            .contains("app.post(\"/api/summaries\", rateLimit({ windowMs: 60_000, limit: 20 }), async (req, res) => {"),
        "{after}"
    );
    assert!(after.starts_with("const express = require(\"express\");\nconst OpenAI = require(\"openai\");\nconst { rateLimit } = require(\"express-rate-limit\");\n"), "{after}");
}

#[test]
fn rate_limit_fix_decorates_with_the_projects_slowapi_limiter() {
    let limits = "from slowapi import Limiter\nfrom slowapi.util import get_remote_address\n\nlimiter = Limiter(key_func=get_remote_address)\n";
    let after = fix_in_project(
        &[
            ("app/limits.py", limits),
            ("app/schemas.py", "class Draft:\n    text: str\n"),
            ("app/routers/drafts.py", FASTAPI_ROUTE),
        ],
        "app/routers/drafts.py",
        "inference-without-rate-limit",
    );
    assert!(
        after.contains(
            "@router.post(\"/outline\")\n@limiter.limit(\"10/minute\")\ndef outline(request: Request, draft: Draft):"
        ),
        "{after}"
    );
    assert!(after.contains("from fastapi import Request\nfrom app.limits import limiter"), "{after}");
}

#[test]
fn rate_limit_fix_decorates_with_the_projects_flask_limiter() {
    let limits = "from flask_limiter import Limiter\nfrom flask_limiter.util import get_remote_address\n\nlimiter = Limiter(get_remote_address)\n";
    let after = fix_in_project(
        &[("studio/limits.py", limits), ("studio/views.py", FLASK_VIEWS)],
        "studio/views.py",
        "inference-without-rate-limit",
    );
    assert!(after.contains("@bp.post(\"/headline\")\n@limiter.limit(\"10 per minute\")\ndef headline():"), "{after}");
    assert!(after.contains("from studio.limits import limiter"), "{after}");
}

#[test]
fn no_rate_limit_fix_without_a_limiter_in_the_project() {
    let files = [("app/api/draft/route.ts", NEXT_ROUTE)];
    assert!(Project::new(&files).fixes("app/api/draft/route.ts", "inference-without-rate-limit").is_empty());
}

const DRF_URLS: &str = r#"from django.urls import path

from clauses import views

urlpatterns = [
    path("explain/", views.ExplainView.as_view()),
    path("public/", views.PublicCheckView.as_view()),
    path("summary/", views.summarize),
]
"#;

const DRF_VIEWS: &str = r#"import logging

from anthropic import Anthropic
from rest_framework.decorators import api_view
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

client = Anthropic(timeout=20.0)
logger = logging.getLogger(__name__)


def explain(text: str) -> str:
    try:
        message = client.messages.create(model="claude-haiku-4-5", max_tokens=200, messages=[{"role": "user", "content": text}])
    except Exception:
        logger.exception("explain failed")
        raise
    logger.info("explained %s", message.id)
    return message.content[0].text


class ExplainView(APIView):
    """Explains a clause."""

    throttle_classes = [UserRateThrottle]

    def post(self, request):
        return Response({"explanation": explain(request.data["clause"])})


class PublicCheckView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [UserRateThrottle]

    def post(self, request):
        return Response({"verdict": explain(request.data["clause"])})


@api_view(["POST"])
def summarize(request):
    return Response({"summary": explain(request.data["text"])})
"#;

#[test]
fn drf_auth_fixes_set_is_authenticated_where_permissions_are_decided() {
    let files = [("clauses/urls.py", DRF_URLS), ("clauses/views.py", DRF_VIEWS)];
    let after = fix_in_project(&files, "clauses/views.py", "inference-without-auth");
    assert!(
        after.contains(
            "    \"\"\"Explains a clause.\"\"\"\n\n    permission_classes = [IsAuthenticated]\n\n    throttle_classes"
        ),
        "{after}"
    );
    assert!(
        after.contains(
            "from rest_framework.views import APIView\nfrom rest_framework.permissions import IsAuthenticated"
        ),
        "{after}"
    );
    let after = fix_in_project(
        &[("clauses/urls.py", DRF_URLS), ("clauses/views.py", &after)],
        "clauses/views.py",
        "inference-without-auth",
    );
    assert!(after.contains("class PublicCheckView(APIView):\n    permission_classes = [IsAuthenticated]\n"), "{after}");
    let after = fix_in_project(
        &[("clauses/urls.py", DRF_URLS), ("clauses/views.py", &after)],
        "clauses/views.py",
        "inference-without-auth",
    );
    assert!(
        after.contains("@api_view([\"POST\"])\n@permission_classes([IsAuthenticated])\ndef summarize(request):"),
        "{after}"
    );
}
