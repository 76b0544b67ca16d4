//! Shapes of code that make a naive resolver blow up, generated at two
//! sizes: the analysis must do about twice the work on twice the code, and
//! the model call written next to each shape must still be reported.
//!
//! Work is counted in the analysis's own steps (`FileAnalysis::steps`), not
//! timed: the count is the same on every machine, under any load.

mod common;

use std::path::Path;

use custodia::analysis::NoExternals;
use custodia::config::Config;
use custodia::engine::{Engine, FileAnalysis};
use custodia::lang::FileKind;

/// A model call with no token cap (and a timeout and a failure path, so
/// that `missing-token-cap` is its only finding), in each language. The
/// call is on the line `CALL_LINE` of the preamble.
const TS_CALL: &str = r#"import OpenAI from "openai";
const openai = new OpenAI({ timeout: 10_000 });
export async function ask(q: string) {
  try {
    return await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: q }] });
  } catch { return null; }
}
"#;

const PY_CALL: &str = r#"from openai import OpenAI
client = OpenAI(timeout=10)
def ask(q):
    try:
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    except Exception:
        return None
"#;

const CALL_LINE: u32 = 5;

/// One shape: its name, the file it goes in, and the code for size `k`.
struct Shape {
    name: &'static str,
    file: &'static str,
    code: fn(usize) -> String,
}

fn lines(k: usize, line: impl Fn(usize) -> String) -> String {
    (0..k).map(line).collect()
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "reassignment chain (Python)",
        file: "chain.py",
        code: |k| {
            format!("def f(g, s):\n    b = g.start(s)\n{}    return b\n", lines(k, |i| format!("    b = b.m{i}()\n")))
        },
    },
    Shape {
        name: "reassignment chain (TypeScript)",
        file: "chain.ts",
        code: |k| {
            format!(
                "export function f(g: any, s: any) {{\n  let b = g.start(s);\n{}  return b;\n}}\n",
                lines(k, |i| format!("  b = b.m{i}();\n"))
            )
        },
    },
    Shape {
        name: "conditional reassignment (Python)",
        file: "conditional.py",
        code: |k| {
            format!(
                "def f(g, s, flag):\n    b = g.start(s)\n{}    return b\n",
                lines(k, |_| "    if flag:\n        b = b.step(b)\n".into())
            )
        },
    },
    Shape {
        name: "conditional reassignment (TypeScript)",
        file: "conditional.ts",
        code: |k| {
            format!(
                "export function f(g: any, s: any, flag: boolean) {{\n  let b = g.start(s);\n{}  return b;\n}}\n",
                lines(k, |_| "  if (flag) b = b.step(b);\n".into())
            )
        },
    },
    Shape {
        name: "reassignment in loops (Python)",
        file: "loops.py",
        code: |k| {
            format!(
                "def f(g, xs):\n    b = g.start()\n{}    return b\n",
                lines(k, |i| format!("    for x in xs:\n        b = b.m{i}(x, b)\n"))
            )
        },
    },
    Shape {
        name: "reassignment in loops (TypeScript)",
        file: "loops.ts",
        code: |k| {
            format!(
                "export function f(g: any, xs: any[]) {{\n  let b = g.start();\n{}  return b;\n}}\n",
                lines(k, |i| format!("  for (const x of xs) {{ b = b.m{i}(x, b); }}\n"))
            )
        },
    },
    Shape {
        name: "alias ring (TypeScript)",
        file: "ring.ts",
        code: |k| {
            let ring = lines(k, |i| format!("var a{i} = a{};\n", (i + 1) % k.max(1)));
            format!("{ring}export const out = a0.chat.completions.create({{ model: \"gpt-4o\" }});\n")
        },
    },
    Shape {
        name: "alias ring (Python)",
        file: "ring.py",
        code: |k| {
            let ring = lines(k, |i| format!("a{i} = a{}\n", (i + 1) % k.max(1)));
            format!("{ring}out = a0.chat.completions.create(model=\"gpt-4o\")\n")
        },
    },
    Shape {
        name: "options spread into each other step by step (TypeScript)",
        file: "spread.ts",
        code: |k| {
            let steps = lines(k, |i| format!("const o{} = {{ ...o{i}, ...o{i}, temperature: {i} }};\n", i + 1));
            format!("const o0 = {{ model: \"gpt-4o\" }};\n{steps}export const options = o{k};\n")
        },
    },
    Shape {
        name: "**kwargs merged step by step (Python)",
        file: "kwargs.py",
        code: |k| {
            let steps = lines(k, |i| format!("k{} = {{**k{i}, **k{i}, \"temperature\": {i}}}\n", i + 1));
            format!("k0 = dict(model=\"gpt-4o\")\n{steps}options = k{k}\n")
        },
    },
    Shape {
        name: "nested call arguments (TypeScript)",
        file: "nested.ts",
        code: |k| {
            format!(
                "export const x = openai.chat.completions.create({}{{ model: \"gpt-4o\" }}{});\n",
                "wrap(".repeat(k),
                ")".repeat(k)
            )
        },
    },
    Shape {
        name: "nested call arguments (Python)",
        file: "nested.py",
        code: |k| {
            format!(
                "x = client.chat.completions.create({}dict(model=\"gpt-4o\"){})\n",
                "wrap(".repeat(k),
                ")".repeat(k)
            )
        },
    },
    Shape {
        name: "fields that refer to each other (TypeScript)",
        file: "fields.ts",
        code: |k| {
            let fields = lines(k, |i| format!("    this.x{i} = this.x{};\n", (i + 1) % k.max(1)));
            format!(
                "export class Holder {{\n  constructor() {{\n{fields}  }}\n  run() {{\n    return this.x0.chat.completions.create({{ model: \"gpt-4o\" }});\n  }}\n}}\n"
            )
        },
    },
    Shape {
        name: "fields that refer to each other (Python)",
        file: "fields.py",
        code: |k| {
            let fields = lines(k, |i| format!("        self.x{i} = self.x{}\n", (i + 1) % k.max(1)));
            format!(
                "class Holder:\n    def __init__(self):\n{fields}        pass\n\n    def run(self):\n        return self.x0.chat.completions.create(model=\"gpt-4o\")\n"
            )
        },
    },
    Shape {
        name: "mutually recursive functions carrying model output (TypeScript)",
        file: "mutual.ts",
        code: |k| {
            let functions = lines(k, |i| {
                format!("function f{i}(x: string): string {{ return f{}(x + \"{i}\"); }}\n", (i + 1) % k.max(1))
            });
            format!(
                "{functions}export async function g(q: string) {{\n  const answer = await ask(q);\n  return f0(answer ?? \"\");\n}}\n"
            )
        },
    },
    Shape {
        name: "mutually recursive functions carrying model output (Python)",
        file: "mutual.py",
        code: |k| {
            let functions = lines(k, |i| format!("def f{i}(x):\n    return f{}(x + \"{i}\")\n", (i + 1) % k.max(1)));
            format!("{functions}def g(q):\n    answer = ask(q)\n    return f0(answer)\n")
        },
    },
    Shape {
        name: "long fluent chain (TypeScript)",
        file: "fluent.ts",
        code: |k| format!("export const q = s{};\n", lines(k, |i| format!(".m{i}(s)"))),
    },
    Shape {
        name: "long fluent chain (Python)",
        file: "fluent.py",
        code: |k| format!("q = s{}\n", lines(k, |i| format!(".m{i}(s)"))),
    },
];

fn engine() -> Engine {
    Engine::new(Config::discover(Path::new("."), None).expect("the built-in configuration"))
}

/// The shape at size `k`, after the model call.
fn source(shape: &Shape, k: usize) -> String {
    let call = if shape.file.ends_with(".py") { PY_CALL } else { TS_CALL };
    format!("{call}{}", (shape.code)(k))
}

fn analyse(engine: &Engine, shape: &Shape, k: usize) -> FileAnalysis {
    let text = source(shape, k);
    let kind = FileKind::of(Path::new(shape.file)).expect("a source file");
    engine.analyze_source(shape.file, kind, &text, &NoExternals).expect("the file parses")
}

/// Sizes at which the naive resolver took seconds to forever; the
/// fluent chain and nested arguments stay below the nesting depth
/// (`scan.max_nesting_depth`, 200) so that they are analysed whole.
fn size(shape: &Shape) -> usize {
    match shape.file {
        "fluent.ts" | "fluent.py" => 90,
        "nested.ts" | "nested.py" => 45,
        _ => 60,
    }
}

#[test]
fn doubling_an_adversarial_shape_at_most_doubles_the_work() {
    let engine = engine();
    let mut failures = Vec::new();
    for shape in SHAPES {
        let k = size(shape);
        let base = analyse(&engine, shape, 0).steps;
        let once = analyse(&engine, shape, k);
        let twice = analyse(&engine, shape, 2 * k);
        for (label, analysis) in [("k", &once), ("2k", &twice)] {
            if let Some(over) = analysis.over_budget {
                failures.push(format!("{}: at {label} the file ran out of budget: {over}", shape.name));
            }
            let capped = analysis
                .findings
                .iter()
                .any(|f| f.rule == "missing-token-cap" && f.location.is_some_and(|l| l.range.start.line == CALL_LINE));
            if !capped {
                failures.push(format!("{}: at {label} the model call's missing token cap is not reported", shape.name));
            }
        }
        // The work the shape adds, at k and at 2k: at most about twice.
        let (grown_once, grown_twice) = (once.steps.saturating_sub(base), twice.steps.saturating_sub(base));
        if grown_twice > grown_once * 5 / 2 + 100 {
            failures.push(format!(
                "{}: {} steps at k = {k}, {} at 2k (the call alone: {base}): more than linear",
                shape.name, once.steps, twice.steps
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_reassigned_client_keeps_its_options() {
    // `client = client.with_options(...)`: the value on the right is the
    // client bound before, as the program runs it, not a cycle.
    let engine = engine();
    let text = r#"from openai import OpenAI
client = OpenAI()
client = client.with_options(timeout=20)
def ask(q):
    try:
        return client.chat.completions.create(model="gpt-4o", max_tokens=200, messages=[])
    except Exception:
        return None
"#;
    let kind = FileKind::of(Path::new("ai.py")).expect("python");
    let analysis = engine.analyze_source("ai.py", kind, text, &NoExternals).expect("parses");
    let site = analysis.facts.inference.first().expect("the call is an inference site");
    assert!(site.timeout.is_some(), "the timeout of with_options is seen: {site:?}");
    assert!(analysis.findings.is_empty(), "{:?}", analysis.findings);
}

#[test]
fn a_file_out_of_steps_keeps_what_was_found_and_says_why() {
    let engine = engine();
    let shape = &SHAPES[0];
    let text = format!("{}{}", PY_CALL, (shape.code)(200));
    let kind = FileKind::of(Path::new("chain.py")).expect("python");
    let tree = custodia::lang::parse(kind.grammar, &text, None).expect("parses");
    let budget = engine.budget(text.len());
    // Half of what the whole file takes: the calls are found early, the
    // data flow comes later.
    let whole = analyse(&engine, shape, 200).steps;
    budget.allow_steps(whole / 2);
    let analysis = engine.analyze_tree_within("chain.py", kind, &text, &tree, &NoExternals, &budget);
    let over = analysis.over_budget.expect("the steps ran out");
    assert!(over.keeps_facts(), "{over}");
    assert!(over.to_string().contains("work budget"), "{over}");
    assert_eq!(analysis.facts.inference.len(), 1, "the call found before the budget ran out stays");
}
