//! The cross-file analysis is incremental: after one file changes, only that
//! file is analysed again, with the files importing a client from it, and
//! only the call-graph traversals that touched it are recomputed.

mod common;

use custodia::config::Config;
use std::sync::Arc;

use custodia::engine::Engine;
use custodia::finding::{Evidence, Finding};
use custodia::workspace::{Workspace, WorkspaceStats};

const CHAT_ROUTE: &str = r#"import { answer } from "@/lib/answer";

export async function POST(req: Request) {
  const { question } = await req.json();
  return Response.json({ answer: await answer(question) });
}
"#;

const ANSWER: &str = r#"import { openai } from "@/lib/ai";

export async function answer(question: string) {
  try {
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 300,
      messages: [{ role: "user", content: question }],
    });
    return r.choices[0].message.content;
  } catch {
    return null;
  }
}
"#;

const CLIENT: &str = r#"import OpenAI from "openai";

export const openai = new OpenAI({ timeout: 20_000 });
"#;

const SUMMARY_ROUTE: &str = r#"import Anthropic from "@anthropic-ai/sdk";
import { auth } from "@clerk/nextjs/server";

const claude = new Anthropic({ timeout: 20_000 });

export async function POST(req: Request) {
  const { userId } = await auth();
  if (!userId) return new Response(null, { status: 401 });
  const { text } = await req.json();
  try {
    const m = await claude.messages.create({ model: "claude-haiku-4-5", max_tokens: 200, messages: [{ role: "user", content: text }] });
    return Response.json({ summary: m.content });
  } catch {
    return new Response(null, { status: 503 });
  }
}
"#;

const FORMAT: &str = "export function formatDate(d: Date) {\n  return d.toISOString().slice(0, 10);\n}\n";

fn workspace(engine: &Arc<Engine>) -> Workspace {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::write(root.path().join("tsconfig.json"), r#"{"compilerOptions":{"paths":{"@/*":["./*"]}}}"#)
        .expect("tsconfig");
    let mut workspace = Workspace::new(engine.clone(), root.keep());
    for (path, text) in [
        ("app/api/chat/route.ts", CHAT_ROUTE),
        ("lib/answer.ts", ANSWER),
        ("lib/ai.ts", CLIENT),
        ("app/api/summary/route.ts", SUMMARY_ROUTE),
        ("lib/format.ts", FORMAT),
    ] {
        workspace.set_file(path, text);
    }
    workspace
}

fn rules_at(findings: &[custodia::finding::Finding], path: &str) -> Vec<&'static str> {
    let mut rules: Vec<&'static str> =
        findings.iter().filter(|f| f.path.as_deref() == Some(path)).map(|f| f.rule).collect();
    rules.sort();
    rules
}

#[test]
fn an_unrelated_change_recomputes_nothing_else() {
    let engine = Arc::new(Engine::new(Config::default()));
    let mut workspace = workspace(&engine);
    let (before, _) = workspace.analysis();
    assert_eq!(
        rules_at(&before, "app/api/chat/route.ts"),
        ["inference-without-auth", "inference-without-logging", "inference-without-rate-limit"],
        "the chat route reaches the model through two files"
    );
    let settled = workspace.stats();

    // Edit a file no route reaches.
    assert!(workspace.set_file("lib/format.ts", &FORMAT.replace("slice(0, 10)", "slice(0, 16)")));
    let (after, _) = workspace.analysis();
    assert_eq!(before, after);
    assert_eq!(
        workspace.stats(),
        WorkspaceStats { file_analyses: settled.file_analyses + 1, reach_computations: settled.reach_computations },
        "only the edited file is analysed, and no traversal of the call graph is redone"
    );

    // The same text again: nothing at all.
    assert!(!workspace.set_file("lib/format.ts", &FORMAT.replace("slice(0, 10)", "slice(0, 16)")));
    let _ = workspace.analysis();
    assert_eq!(workspace.stats().file_analyses, settled.file_analyses + 1);
}

#[test]
fn a_change_on_the_path_recomputes_the_routes_that_depend_on_it() {
    let engine = Arc::new(Engine::new(Config::default()));
    let mut workspace = workspace(&engine);
    let _ = workspace.analysis();
    let settled = workspace.stats();

    // The helper the chat route calls now checks a rate limit.
    let limited = ANSWER.replace(
        "export async function answer(question: string) {\n",
        "export async function answer(question: string) {\n  await ratelimit.limit(\"chat\");\n",
    );
    assert!(workspace.set_file("lib/answer.ts", &limited));
    let (after, _) = workspace.analysis();
    assert_eq!(
        rules_at(&after, "app/api/chat/route.ts"),
        ["inference-without-auth", "inference-without-logging"],
        "the rate limit now on the path is seen"
    );
    let stats = workspace.stats();
    assert_eq!(stats.file_analyses, settled.file_analyses + 1, "only lib/answer.ts is analysed again");
    let recomputed = stats.reach_computations - settled.reach_computations;
    assert!(recomputed >= 1, "the chat route's traversal is redone");
    // The summary route never touched lib/answer.ts: its traversal is reused,
    // so fewer traversals are redone than a fresh analysis computes.
    assert!(recomputed < settled.reach_computations, "{recomputed} of {}", settled.reach_computations);
}

#[test]
fn a_changed_client_reanalyses_the_files_that_import_it() {
    let engine = Arc::new(Engine::new(Config::default()));
    let mut workspace = workspace(&engine);
    let (before, _) = workspace.analysis();
    assert!(!rules_at(&before, "lib/answer.ts").contains(&"missing-timeout"));
    let settled = workspace.stats();

    assert!(workspace.set_file("lib/ai.ts", &CLIENT.replace("{ timeout: 20_000 }", "{}")));
    let (after, _) = workspace.analysis();
    assert!(
        rules_at(&after, "lib/answer.ts").contains(&"missing-timeout"),
        "the importer sees the client without its timeout"
    );
    assert_eq!(workspace.stats().file_analyses, settled.file_analyses + 2, "the client's file and its importer");
}

/// The editor's initial index loads every file at once, in parallel: the
/// result is the one a file-by-file build gives (and the one a scan gives:
/// tests/lsp compares the server with the CLI).
#[test]
fn a_parallel_load_equals_setting_files_one_by_one() {
    let engine = Arc::new(Engine::new(Config::default()));
    let mut one_by_one = workspace(&engine);
    let mut loaded = Workspace::new(engine.clone(), one_by_one.root().to_path_buf());
    let files = [
        ("app/api/summary/route.ts", SUMMARY_ROUTE),
        ("lib/format.ts", FORMAT),
        ("app/api/chat/route.ts", CHAT_ROUTE),
        ("lib/answer.ts", ANSWER),
        ("lib/ai.ts", CLIENT),
    ];
    let complete = loaded.load(files.iter().map(|(p, t)| (p.to_string(), (*t).into(), None)).collect(), 2, &|_| true);
    assert!(complete);
    let (expected, _) = one_by_one.analysis();
    let (got, _) = loaded.analysis();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
    // A caller that gives up stops the load.
    let mut stopped = Workspace::new(engine, one_by_one.root().to_path_buf());
    assert!(!stopped.load(files.iter().map(|(p, t)| (p.to_string(), (*t).into(), None)).collect(), 1, &|_| false));
}

const ASK: &str = r#"import OpenAI from "openai";

const openai = new OpenAI({ timeout: 20_000 });

export async function ask(question: string) {
  const r = await openai.chat.completions.create({
    model: "gpt-4o-mini",
    max_tokens: 300,
    messages: [{ role: "user", content: question }],
  });
  return r.choices[0].message.content;
}
"#;

const CALLER: &str = r#"import { ask } from "./ask";

export async function handle(question: string) {
  try {
    return await ask(question);
  } catch (error) {
    console.error("model call failed", error);
    return null;
  }
}
"#;

/// The findings and evidence of a workspace built from scratch with `files`.
fn fresh(engine: &Arc<Engine>, root: &std::path::Path, files: &[(&str, &str)]) -> (Vec<Finding>, Vec<Evidence>) {
    let mut workspace = Workspace::new(engine.clone(), root.to_path_buf());
    for (path, text) in files {
        workspace.set_file(path, text);
    }
    workspace.analysis()
}

/// Who calls whom is kept between analyses and redone per changed file (or
/// entirely when exports change): after each edit the workspace's findings
/// and evidence equal those of a workspace built from the same texts.
#[test]
fn controls_one_level_up_follow_edits_to_callers_and_exports() {
    let engine = Arc::new(Engine::new(Config::default()));
    let root = tempfile::tempdir().expect("temp dir");
    let mut workspace = Workspace::new(engine.clone(), root.path().to_path_buf());
    workspace.set_file("lib/ask.ts", ASK);
    workspace.set_file("lib/caller.ts", CALLER);
    let (findings, evidence) = workspace.analysis();
    assert!(!rules_at(&findings, "lib/ask.ts").contains(&"missing-failure-path"), "{findings:#?}");
    assert!(evidence.iter().any(|e| e.kind == "failure-path" && e.path == "lib/caller.ts"), "{evidence:#?}");

    let unguarded = CALLER
        .replace("  try {\n    return await ask(question);\n  } catch (error) {\n    console.error(\"model call failed\", error);\n    return null;\n  }\n", "  return await ask(question);\n");
    let renamed_ask = ASK.replace("function ask(", "function askModel(");
    let renamed_caller = CALLER.replace("{ ask }", "{ askModel as ask }");
    let steps: [(&str, &str, &str, &str, bool); 4] = [
        // The caller no longer catches: the call has no failure path.
        ("lib/caller.ts", &unguarded, ASK, &unguarded, true),
        // It catches again.
        ("lib/caller.ts", CALLER, ASK, CALLER, false),
        // The export is renamed and the import not yet: the call is not resolved.
        ("lib/ask.ts", &renamed_ask, &renamed_ask, CALLER, true),
        // The import follows: resolved again.
        ("lib/caller.ts", &renamed_caller, &renamed_ask, &renamed_caller, false),
    ];
    for (edited, text, ask, caller, uncovered) in steps {
        assert!(workspace.set_file(edited, text));
        let (findings, evidence) = workspace.analysis();
        assert_eq!(
            rules_at(&findings, "lib/ask.ts").contains(&"missing-failure-path"),
            uncovered,
            "after editing {edited}: {findings:#?}"
        );
        let expected = fresh(&engine, root.path(), &[("lib/ask.ts", ask), ("lib/caller.ts", caller)]);
        assert_eq!((findings, evidence), expected, "after editing {edited}");
    }
}

/// A file outside the reported scope (an example) is analysed while a file
/// in scope imports it. Who imports whom is kept between edits: after the
/// route starts importing the example and the example is then edited, the
/// example's facts still reach the route, as in a workspace built afresh.
#[test]
fn importers_follow_edits_that_add_an_import() {
    let engine = Arc::new(Engine::new(Config::default()));
    let root = tempfile::tempdir().expect("temp dir");
    let helper = ASK.replace("max_tokens: 300,\n", "");
    let route = "export async function POST(req: Request) {\n  return Response.json({ ok: true });\n}\n";
    let importing = "import { ask } from \"../../../examples/ask\";\n\nexport async function POST(req: Request) {\n  return Response.json({ answer: await ask(await req.text()) });\n}\n";
    let mut workspace = Workspace::new(engine.clone(), root.path().to_path_buf());
    workspace.set_file("app/api/chat/route.ts", route);
    workspace.set_file("examples/ask.ts", &helper);
    let _ = workspace.analysis();
    assert!(workspace.set_file("app/api/chat/route.ts", importing));
    let _ = workspace.analysis();
    let edited = helper.replace("gpt-4o-mini", "gpt-4o");
    assert!(workspace.set_file("examples/ask.ts", &edited));
    let (findings, evidence) = workspace.analysis();
    let expected = fresh(&engine, root.path(), &[("app/api/chat/route.ts", importing), ("examples/ask.ts", &edited)]);
    assert!(!rules_at(&expected.0, "app/api/chat/route.ts").is_empty(), "the route reaches the call: {expected:#?}");
    assert_eq!((findings, evidence), expected);
}

const ROUTE_TO_CALLER: &str = r#"import { handle } from "@/lib/caller";

export async function POST(req: Request) {
  return Response.json({ answer: await handle(await req.text()) });
}
"#;

/// Pieces random edits insert: a `try` opened or closed, an export or an
/// import added, a timeout, a call, a line break.
const PIECES: &[&str] = &[
    "try { ",
    " } catch (e) { console.error(e); }",
    "export ",
    "import { ask } from \"./ask\";\n",
    "timeout: 5, ",
    "await ask(\"x\");\n",
    "\n",
    "x",
];

/// One edit: which file, where (a fraction of its length), how many bytes
/// it removes there, and what it inserts.
fn edit() -> impl proptest::strategy::Strategy<Value = (usize, f64, usize, usize)> {
    (0usize..3, 0.0f64..1.0, 0usize..12, 0..PIECES.len())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// What the workspace keeps between edits (the module resolver, each
    /// file's resolved calls and imports, the call-graph traversals) gives,
    /// after every random edit, the findings and evidence of a workspace
    /// built afresh from the same texts.
    #[test]
    fn kept_facts_equal_fresh_facts_after_random_edits(edits in proptest::collection::vec(edit(), 1..8)) {
        let engine = Arc::new(Engine::new(Config::default()));
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::write(root.path().join("tsconfig.json"), r#"{"compilerOptions":{"paths":{"@/*":["./*"]}}}"#)
            .expect("tsconfig");
        let paths = ["lib/ask.ts", "lib/caller.ts", "app/api/chat/route.ts"];
        let mut texts: Vec<String> = vec![ASK.to_string(), CALLER.to_string(), ROUTE_TO_CALLER.to_string()];
        let mut workspace = Workspace::new(engine.clone(), root.path().to_path_buf());
        for (path, text) in paths.iter().zip(&texts) {
            workspace.set_file(path, text);
        }
        let _ = workspace.analysis();
        for (file, at, removed, piece) in edits {
            let text = &mut texts[file];
            let mut start = ((text.len() as f64) * at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + removed).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(start..end, PIECES[piece]);
            workspace.set_file(paths[file], text);
            let kept = workspace.analysis();
            let files: Vec<(&str, &str)> = paths.iter().copied().zip(texts.iter().map(String::as_str)).collect();
            let expected = fresh(&engine, root.path(), &files);
            proptest::prop_assert_eq!(kept, expected);
        }
    }
}

/// The editor's driver and the scan give the same findings on fixture
/// projects whose routes reach the model through method dispatch, handler
/// lists and server actions (some of them server code only).
#[test]
fn the_editor_and_the_scan_agree_on_dispatch_and_server_actions() {
    let root = common::fixtures_dir().join("method-dispatch");
    let config = Config::discover(&root, None).expect("fixture configuration is valid");
    let engine = Arc::new(Engine::new(config));
    let mut workspace = Workspace::new(engine, root.clone());
    let files: Vec<(String, Arc<str>, Option<tree_sitter::Tree>)> = common::files_under(&root)
        .into_iter()
        .filter(|f| custodia::lang::FileKind::of(f).is_some())
        .map(|f| (common::rel(&f, &root), std::fs::read_to_string(&f).expect("fixture readable").into(), None))
        .collect();
    assert!(workspace.load(files, 2, &|_| true));
    let key = |f: &Finding| (f.path.clone(), f.location.map(|l| l.range.start.line), f.rule, f.message.clone());
    let (editor, _) = workspace.analysis();
    let mut editor: Vec<_> = editor.iter().filter(|f| f.path.is_some()).map(key).collect();
    let mut scan: Vec<_> =
        common::scan_dir(&root, true).findings.iter().filter(|f| f.path.is_some()).map(key).collect();
    editor.sort();
    scan.sort();
    assert!(scan.iter().any(|(_, _, rule, _)| *rule == "inference-without-auth"));
    assert_eq!(editor, scan);
}

/// Which server actions only server code calls is kept between edits (it
/// reads the text of every script of the app): after edits to the client
/// page that calls an action, to a route that starts importing it, to that
/// route again (the import left as it is) and to a file that names no action, the findings and evidence equal a workspace
/// built afresh, and the action is an endpoint exactly while client code
/// names it.
#[test]
fn server_actions_follow_edits_to_the_files_that_call_them() {
    let root = common::fixtures_dir().join("method-dispatch");
    let config = Config::discover(&root, None).expect("fixture configuration is valid");
    let engine = Arc::new(Engine::new(config));
    let mut texts: Vec<(String, String)> = common::files_under(&root)
        .into_iter()
        .filter(|f| custodia::lang::FileKind::of(f).is_some())
        .map(|f| (common::rel(&f, &root), std::fs::read_to_string(&f).expect("fixture readable")))
        .collect();
    let mut workspace = Workspace::new(engine.clone(), root.clone());
    let files = texts.iter().map(|(p, t)| (p.clone(), Arc::<str>::from(t.as_str()), None)).collect();
    assert!(workspace.load(files, 2, &|_| true));
    let at_actions =
        |findings: &[Finding]| findings.iter().filter(|f| f.path.as_deref() == Some("web/app/actions.ts")).count();
    let exposed = at_actions(&workspace.analysis().0);
    let text_of = |texts: &[(String, String)], path: &str| {
        texts.iter().find(|(p, _)| p == path).map(|(_, t)| t.clone()).expect("fixture file")
    };
    let page = "web/app/compose/page.tsx";
    let original = text_of(&texts, page);
    let no_action = original
        .replace("import { draftReply } from \"../actions\";\n", "")
        .replace("action={draftReply}", "action=\"/api/documents\"");
    let route = "web/app/api/documents/route.ts";
    let importing = text_of(&texts, route).replace("{ generateTitle }", "{ generateTitle, draftReply }");
    let auth = "web/lib/auth.ts";
    let unrelated = format!("{}\n// reviewed\n", text_of(&texts, auth));
    // (the file edited, its text, whether the action is an endpoint after it)
    // An edit that leaves the route's import of the action as it was.
    let still_importing = format!("{importing}// reviewed\n");
    let steps = [
        (page, no_action, true),
        (route, importing, false),
        (route, still_importing, false),
        (auth, unrelated, false),
        (page, original, true),
    ];
    for (path, text, endpoint) in steps {
        texts.iter_mut().find(|(p, _)| p == path).expect("fixture file").1 = text.clone();
        assert!(workspace.set_file(path, &text));
        let kept = workspace.analysis();
        let files: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        assert_eq!(kept, fresh(&engine, &root, &files), "after editing {path}");
        assert_eq!(at_actions(&kept.0) == exposed, endpoint, "after editing {path}: {:#?}", kept.0);
    }
}
