//! Every quick fix is proven: applied to realistic code, the result parses
//! with no ERROR node, and a new scan no longer reports the finding it targets.

use std::path::Path;

use custodia::analysis::NoExternals;
use custodia::config::Config;
use custodia::engine::Engine;
use custodia::fix::{self, FixContext, FixSettings};
use custodia::lang::{self, FileKind};

/// Applies the first fix for `rule` at its first finding and returns the new text.
fn fixed(path: &str, source: &str, rule: &str, settings: &FixSettings) -> Option<String> {
    let engine = Engine::new(Config::default());
    let kind = FileKind::of(Path::new(path)).expect("source file");
    let analysis = engine.analyze_source(path, kind, source, &NoExternals).expect("parses");
    let finding = analysis.findings.iter().find(|f| f.rule == rule).unwrap_or_else(|| panic!("no {rule} in {path}"));
    let tree = lang::parse(kind.grammar, source, None).expect("parses");
    let catalog = &engine.config().catalog;
    let cx = FixContext { source, tree: &tree, facts: &analysis.facts, catalog, settings };
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

#[test]
fn vercel_streams_get_an_on_error_handler() {
    let after = assert_fixed("lib/draft.ts", VERCEL, "missing-failure-path", &FixSettings::default());
    // The first failure-path finding is generateText's; fix it, then the stream's.
    let after = assert_fixed("lib/draft.ts", &after, "missing-failure-path", &FixSettings::default());
    assert!(after.contains("onError: ({ error }) => { console.error(\"streamText failed\", error); },"), "{after}");
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
