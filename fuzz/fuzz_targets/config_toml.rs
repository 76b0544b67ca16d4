//! Arbitrary bytes as `custodia.toml`: the loader answers with a
//! configuration or an error that says something, and never panics. A
//! configuration it accepts must also work: an engine built from it (the
//! project's own providers, guards and controls compiled into the
//! prefilter) analyses a file in each language.

#![no_main]

use std::path::Path;

use custodia::config::{Config, ConfigError};
use custodia::engine::Engine;
use custodia::lang::FileKind;
use libfuzzer_sys::fuzz_target;

const TS: &str = "import OpenAI from \"openai\";\nconst openai = new OpenAI();\nexport async function ask(q: string) {\n  return await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n}\n";
const PY: &str = "import openai\n\ndef ask(q):\n    return openai.chat.completions.create(model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": q}])\n";

fuzz_target!(|data: &[u8]| {
    // The loader reads files with `read_to_string`: text that is not UTF-8
    // never reaches the parser, so the lossy text is what is worth parsing.
    let text = String::from_utf8_lossy(data);
    let path = Path::new("custodia.toml");
    match Config::parse(&text, path) {
        Ok(config) => {
            let engine = Engine::new(config);
            for (name, source) in [("ask.ts", TS), ("ask.py", PY)] {
                let kind = FileKind::of(Path::new(name)).expect("a source file name");
                let analysis = engine.analyze_source(name, kind, source, &custodia::analysis::NoExternals);
                let analysis = analysis.expect("tree-sitter parses a small file");
                assert!(analysis.failures.is_empty(), "a rule failed with this configuration: {:?}", analysis.failures);
            }
        }
        Err(err) => {
            let message = err.to_string();
            assert!(!message.trim().is_empty(), "an empty error message for {text:?}");
            match err {
                ConfigError::Invalid { line, column, message: detail, .. } => {
                    // 1-based, within the text, and naming the file.
                    assert!(line >= 1 && column >= 1, "{message}");
                    assert!(line as usize <= text.lines().count().max(1) + 1, "line past the end: {message}");
                    assert!(!detail.trim().is_empty(), "{message}");
                    assert!(message.starts_with("custodia.toml:"), "{message}");
                }
                ConfigError::Io { .. } => panic!("parsing text read no file: {message}"),
            }
        }
    }
});
