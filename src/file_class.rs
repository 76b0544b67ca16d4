//! What a file is for: production code, tests, examples, docs and tooling,
//! or generated code.
//!
//! An auditor's scope is the system a team ships. A repository also holds
//! its tests, examples, documentation snippets, scripts and generated
//! bindings, and a finding there is noise to that reader (in the corpus,
//! 1,489 of langchainjs's 1,522 findings were in examples and tests). So a
//! scan reports production code by default (`--scope` and `[scan.scope]`
//! change that); the other files are looked at only where production code
//! reaches them, and are counted in the output as left out.
//!
//! A file's class is decided, first match wins, by:
//! 1. the project's own globs (`[scan.scope] test = ["qa/**"]`, ...);
//! 2. its name: `*.test.ts`, `*.spec.tsx`, `test_*.py`, `conftest.py`,
//!    `*.d.ts`, `*_pb2.py`, `*.generated.ts` ...;
//! 3. a directory on its path: `tests/`, `__tests__/`, `fixtures/`,
//!    `examples/`, `cookbook/`, `docs/`, `scripts/`, `benchmarks/` ... Under a
//!    routing root (`app/`, `pages/`) directories are URL segments (a
//!    Next.js `app/examples/` page): only test directories count there;
//!    under a source root (`src/`, `lib/`) they are modules (a NestJS
//!    `src/docs/` feature): only test and `examples/` directories count;
//! 4. its text: an import of a test framework (`vitest`, `@jest/globals`,
//!    `pytest`, `unittest` ...), or a generated-code header (`@generated`,
//!    `DO NOT EDIT`).
//!
//! Anything else is production code. The path is taken relative to the
//! scanned root, so scanning `examples/chat-app` itself reports it.

use std::path::Path;
use std::sync::OnceLock;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// What a file is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileClass {
    /// The system the project ships: reported by default.
    #[default]
    Production,
    /// Tests, their fixtures, mocks and set-up.
    Test,
    /// Examples, demos, samples, cookbooks and notebooks.
    Example,
    /// Documentation snippets, scripts, benchmarks, evaluations, CI.
    Docs,
    /// Generated code and type declarations.
    Generated,
}

impl FileClass {
    pub const ALL: [FileClass; 5] =
        [FileClass::Production, FileClass::Test, FileClass::Example, FileClass::Docs, FileClass::Generated];

    pub fn as_str(self) -> &'static str {
        match self {
            FileClass::Production => "production",
            FileClass::Test => "test",
            FileClass::Example => "example",
            FileClass::Docs => "docs",
            FileClass::Generated => "generated",
        }
    }

    /// The class named `name` (`production`, `test`, `example`, `docs`, `generated`).
    pub fn parse(name: &str) -> Option<FileClass> {
        FileClass::ALL.into_iter().find(|c| c.as_str() == name.trim())
    }

    /// `n` files of the class, for a reader: "1 test file", "3 example files".
    pub fn count(self, n: usize) -> String {
        let noun = match self {
            FileClass::Production => "production file",
            FileClass::Test => "test file",
            FileClass::Example => "example file",
            FileClass::Docs => "docs or tooling file",
            FileClass::Generated => "generated file",
        };
        if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
    }
}

impl std::fmt::Display for FileClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The classes a scan reports: `production` by default; `all`, or a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported([bool; 5]);

impl Default for Reported {
    fn default() -> Self {
        Reported::only(&[FileClass::Production])
    }
}

impl Reported {
    pub fn all() -> Reported {
        Reported([true; 5])
    }

    pub fn only(classes: &[FileClass]) -> Reported {
        let mut on = [false; 5];
        for class in classes {
            on[*class as usize] = true;
        }
        Reported(on)
    }

    /// Parses `all`, or a comma-separated list of classes (`production,example`).
    pub fn parse(text: &str) -> Result<Reported, String> {
        if text.trim() == "all" {
            return Ok(Reported::all());
        }
        let mut classes = Vec::new();
        for name in text.split(',').filter(|n| !n.trim().is_empty()) {
            let class = FileClass::parse(name).ok_or_else(|| {
                format!(
                    "unknown scope `{}`: expected all, or some of production, test, example, docs, generated",
                    name.trim()
                )
            })?;
            classes.push(class);
        }
        if classes.is_empty() {
            return Err("empty scope: expected all, or some of production, test, example, docs, generated".to_string());
        }
        Ok(Reported::only(&classes))
    }

    pub fn includes(self, class: FileClass) -> bool {
        self.0[class as usize]
    }

    pub fn is_all(self) -> bool {
        self.0.iter().all(|on| *on)
    }

    /// The classes reported, in [`FileClass::ALL`] order.
    pub fn classes(self) -> Vec<FileClass> {
        FileClass::ALL.into_iter().filter(|c| self.includes(*c)).collect()
    }
}

/// Why a file got its class: what a reader is shown in the `excluded`
/// list, so that one entry stands for a directory or a naming pattern
/// rather than for each of its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Because {
    /// A glob of `[scan.scope]`.
    Configured(String),
    /// The file name's pattern, in the file's directory: `src/*.test.ts`.
    Name(String),
    /// A directory on the path: `packages/core/tests/`.
    Directory(String),
    /// The file's own text (a test framework import, a generated header).
    Text(String),
    /// Nothing said otherwise: production code (the path).
    Production(String),
}

impl Because {
    /// The path or pattern the reason is about.
    pub fn anchor(&self) -> &str {
        match self {
            Because::Configured(s)
            | Because::Name(s)
            | Because::Directory(s)
            | Because::Text(s)
            | Because::Production(s) => s,
        }
    }
}

/// Decides the class of each file of a project.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    /// `[scan.scope]` globs by class, in [`FileClass::ALL`] order.
    configured: Vec<(FileClass, Gitignore, Vec<String>)>,
}

impl Classifier {
    /// A classifier with the project's globs (gitignore syntax, relative to `root`).
    pub fn new(root: &Path, globs: &[(FileClass, Vec<String>)]) -> Result<Classifier, String> {
        let mut configured = Vec::new();
        for class in FileClass::ALL {
            let patterns: Vec<String> =
                globs.iter().filter(|(c, _)| *c == class).flat_map(|(_, p)| p.iter().cloned()).collect();
            if patterns.is_empty() {
                continue;
            }
            let mut builder = GitignoreBuilder::new(root);
            for pattern in &patterns {
                builder
                    .add_line(None, pattern)
                    .map_err(|e| format!("invalid [scan.scope] {class} glob `{pattern}`: {e}"))?;
            }
            let matcher = builder.build().map_err(|e| format!("invalid [scan.scope] {class} globs: {e}"))?;
            configured.push((class, matcher, patterns));
        }
        Ok(Classifier { configured })
    }

    /// The class of the file at `rel` (relative to the root, `/`-separated),
    /// whose text begins with `head` (the start of the file is enough).
    pub fn classify(&self, rel: &str, head: &str) -> (FileClass, Because) {
        for (class, matcher, patterns) in &self.configured {
            let matched = matcher.matched_path_or_any_parents(rel, false);
            if matched.is_ignore() {
                let pattern = matched.inner().map_or_else(|| patterns.join(", "), |g| g.original().to_string());
                return (*class, Because::Configured(pattern));
            }
        }
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        if let Some((class, pattern)) = by_name(name) {
            let anchor = if dir.is_empty() { pattern } else { format!("{dir}/{pattern}") };
            return (class, Because::Name(anchor));
        }
        if let Some((class, directory)) = by_directory(rel) {
            return (class, Because::Directory(directory));
        }
        if let Some(class) = by_text(name, head) {
            return (class, Because::Text(rel.to_string()));
        }
        (FileClass::Production, Because::Production(rel.to_string()))
    }
}

/// The start of a file that [`Classifier::classify`] reads: imports and
/// generated-code headers come first.
pub const HEAD_BYTES: usize = 16 * 1024;

/// The first `HEAD_BYTES` of `text`, cut at a character boundary.
pub fn head(text: &str) -> &str {
    let mut end = text.len().min(HEAD_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Test and generated files by name, with the pattern that matched.
fn by_name(name: &str) -> Option<(FileClass, String)> {
    let lower = name.to_ascii_lowercase();
    let (stem, extension) = lower.rsplit_once('.')?;
    // `*.d.ts`, `*.d.mts`: declarations, no code.
    if stem.ends_with(".d") {
        return Some((FileClass::Generated, format!("*.d.{extension}")));
    }
    if extension == "py" {
        if stem == "conftest" {
            return Some((FileClass::Test, "conftest.py".to_string()));
        }
        if stem.starts_with("test_") {
            return Some((FileClass::Test, "test_*.py".to_string()));
        }
        if stem.ends_with("_test") || stem.ends_with("_tests") {
            return Some((FileClass::Test, "*_test.py".to_string()));
        }
        if stem.ends_with("_pb2") || stem.ends_with("_pb2_grpc") {
            return Some((FileClass::Generated, "*_pb2.py".to_string()));
        }
        return None;
    }
    // `chat.test.ts`, `chat.int.test.ts`, `chat.spec.tsx`, `types.test-d.ts`,
    // `app.e2e-spec.ts`, `chart.stories.tsx`, `parse.bench.ts`.
    let parts: Vec<&str> = stem.split('.').collect();
    for part in parts.iter().skip(1) {
        let class = match *part {
            "test" | "tests" | "spec" | "test-d" | "e2e" | "e2e-spec" | "int" | "integration" | "mock" | "mocks" => {
                FileClass::Test
            }
            "stories" | "story" | "bench" | "benchmark" => FileClass::Docs,
            "generated" | "gen" | "pb" => FileClass::Generated,
            _ => continue,
        };
        return Some((class, format!("*.{part}.{extension}")));
    }
    // Test and tool set-up: `setupTests.ts`, `vitest.setup.ts`, `jest.config.js`.
    let first = parts.first().copied().unwrap_or("");
    if matches!(first, "setuptests" | "test-setup" | "testsetup")
        || (matches!(first, "vitest" | "jest" | "playwright" | "cypress" | "karma" | "mocha")
            && parts.get(1).is_some_and(|p| matches!(*p, "config" | "setup" | "workspace")))
    {
        return Some((FileClass::Test, name.to_string()));
    }
    None
}

const TEST_DIRECTORIES: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__test__",
    "spec",
    "specs",
    "e2e",
    "__mocks__",
    "mocks",
    "mock",
    "__fixtures__",
    "fixtures",
    "fixture",
    "testdata",
    "test-data",
    "test_data",
    "testing",
    "testutils",
    "test-utils",
    "test_utils",
    "test-helpers",
    "test_helpers",
    "cypress",
    "playwright",
];

const EXAMPLE_DIRECTORIES: &[&str] = &[
    "examples",
    "example",
    "demo",
    "demos",
    "samples",
    "sample",
    "cookbook",
    "cookbooks",
    "notebooks",
    "tutorials",
    "tutorial",
    "quickstart",
    "quickstarts",
];

const DOCS_DIRECTORIES: &[&str] = &[
    "docs",
    "doc",
    "documentation",
    "website",
    "scripts",
    "script",
    "benchmarks",
    "benchmark",
    "bench",
    "benches",
    "evals",
    "eval",
    "evaluation",
    "evaluations",
    "stories",
    ".storybook",
    ".github",
    ".circleci",
];

/// A directory on the path that says what the files under it are for: the
/// outermost one wins (`examples/app/tests/` holds an example's tests).
fn by_directory(rel: &str) -> Option<(FileClass, String)> {
    let segments: Vec<&str> = rel.split('/').collect();
    let directories = &segments[..segments.len().saturating_sub(1)];
    let mut in_routes = false;
    let mut in_source = false;
    for (i, segment) in directories.iter().enumerate() {
        let lower = segment.to_ascii_lowercase();
        let test = TEST_DIRECTORIES.contains(&lower.as_str())
            || ["_tests", "-tests", "_test", "-test", ".tests"].iter().any(|s| lower.ends_with(s));
        let class = if test {
            Some(FileClass::Test)
        } else if in_routes {
            // `app/examples/page.tsx` is the URL /examples.
            None
        } else if in_source {
            // `src/docs/` is a feature module; `src/examples/` holds examples
            // all the same (mem0's `src/oss/examples/`).
            matches!(lower.as_str(), "examples" | "example" | "cookbook").then_some(FileClass::Example)
        } else if EXAMPLE_DIRECTORIES.contains(&lower.as_str()) {
            Some(FileClass::Example)
        } else if DOCS_DIRECTORIES.contains(&lower.as_str()) {
            Some(FileClass::Docs)
        } else {
            None
        };
        if let Some(class) = class {
            return Some((class, format!("{}/", directories[..=i].join("/"))));
        }
        match lower.as_str() {
            "app" | "pages" => in_routes = true,
            "src" | "lib" => in_source = true,
            _ => {}
        }
    }
    None
}

/// Test files by their imports, generated files by their header.
fn by_text(name: &str, head: &str) -> Option<FileClass> {
    static SCRIPT_TESTS: OnceLock<Option<Regex>> = OnceLock::new();
    static PYTHON_TESTS: OnceLock<Option<Regex>> = OnceLock::new();
    static GENERATED: OnceLock<Option<Regex>> = OnceLock::new();
    let generated = GENERATED.get_or_init(|| {
        Regex::new(r"(?i)@generated(?-u:\b)|(?-u:\b)code generated by(?-u:\b)|(?-u:\b)do not edit(?-u:\b)|(?-u:\b)auto-?generated (?:file|code|by)(?-u:\b)").ok()
    });
    // The header: the first lines only, so a comment far down that quotes
    // the marker does not count.
    let top: String = head.lines().take(5).collect::<Vec<_>>().join("\n");
    if generated.as_ref().is_some_and(|re| re.is_match(&top)) {
        return Some(FileClass::Generated);
    }
    let tests = if name.ends_with(".py") {
        PYTHON_TESTS.get_or_init(|| {
            Regex::new(r"(?m)^\s*(?:import\s+(?:pytest|unittest|hypothesis)(?-u:\b)|from\s+(?:pytest|unittest|hypothesis)(?-u:\b))")
                .ok()
        })
    } else {
        SCRIPT_TESTS.get_or_init(|| {
            Regex::new(
                r#"(?:(?-u:\b)from|(?-u:\b)import|(?-u:\b)require\s*\()\s*['"](?:vitest|@jest/globals|jest|mocha|chai|ava|tap|uvu|node:test|@playwright/test|cypress|@testing-library/[^'"]+|msw(?:/[^'"]*)?|nock|supertest|sinon)['"]"#,
            )
            .ok()
        })
    };
    tests.as_ref().is_some_and(|re| re.is_match(head)).then_some(FileClass::Test)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(rel: &str, head: &str) -> FileClass {
        Classifier::default().classify(rel, head).0
    }

    #[test]
    fn names() {
        assert_eq!(class("src/chat.test.ts", ""), FileClass::Test);
        assert_eq!(class("libs/core/src/llm.int.test.ts", ""), FileClass::Test);
        assert_eq!(class("src/app.e2e-spec.ts", ""), FileClass::Test);
        assert_eq!(class("src/types.test-d.ts", ""), FileClass::Test);
        assert_eq!(class("pkg/test_chat.py", ""), FileClass::Test);
        assert_eq!(class("pkg/chat_test.py", ""), FileClass::Test);
        assert_eq!(class("conftest.py", ""), FileClass::Test);
        assert_eq!(class("vitest.config.ts", ""), FileClass::Test);
        assert_eq!(class("src/index.d.ts", ""), FileClass::Generated);
        assert_eq!(class("proto/chat_pb2.py", ""), FileClass::Generated);
        assert_eq!(class("src/button.stories.tsx", ""), FileClass::Docs);
        // A module named `test` inside a package is code (pydantic-ai's TestModel).
        assert_eq!(class("pydantic_ai/models/test.py", ""), FileClass::Production);
        assert_eq!(class("src/testimonials.ts", ""), FileClass::Production);
        assert_eq!(class("src/latest.ts", ""), FileClass::Production);
    }

    #[test]
    fn directories() {
        assert_eq!(class("tests/unit/chat.py", ""), FileClass::Test);
        assert_eq!(class("src/__tests__/chat.tsx", ""), FileClass::Test);
        assert_eq!(class("libs/core/environment_tests/app.ts", ""), FileClass::Test);
        assert_eq!(class("examples/next-openai/app/api/chat/route.ts", ""), FileClass::Example);
        assert_eq!(class("cookbook/rag.py", ""), FileClass::Example);
        assert_eq!(class("docs/snippets/quick.ts", ""), FileClass::Docs);
        assert_eq!(class("scripts/seed.py", ""), FileClass::Docs);
        // The outermost directory decides.
        assert_eq!(class("examples/app/tests/chat.ts", ""), FileClass::Example);
        // Under a Next.js route tree a directory is a URL segment...
        assert_eq!(class("app/playground/actions.ts", ""), FileClass::Production);
        assert_eq!(class("app/examples/page.tsx", ""), FileClass::Production);
        assert_eq!(class("src/app/docs/[slug]/page.tsx", ""), FileClass::Production);
        // ...and in a source tree, a module.
        assert_eq!(class("src/docs/docs.controller.ts", ""), FileClass::Production);
        // ...though an `examples/` directory holds examples there too.
        assert_eq!(class("mem0-ts/src/oss/examples/local-llms.ts", ""), FileClass::Example);
        assert_eq!(class("src/demo/page.tsx", ""), FileClass::Production);
        // A test directory is one anywhere.
        assert_eq!(class("app/__tests__/page.tsx", ""), FileClass::Test);
        assert_eq!(class("src/tests/helpers.py", ""), FileClass::Test);
        // Agents' tools are production code.
        assert_eq!(class("libs/langchain/src/tools/calculator.ts", ""), FileClass::Production);
    }

    #[test]
    fn text() {
        assert_eq!(class("src/chat.ts", "import { describe, it } from \"vitest\";\n"), FileClass::Test);
        assert_eq!(class("src/chat.ts", "const { expect } = require('chai');\n"), FileClass::Test);
        assert_eq!(class("pkg/checks.py", "import os\nimport pytest\n"), FileClass::Test);
        assert_eq!(class("src/api.ts", "// Code generated by openapi-generator. DO NOT EDIT.\n"), FileClass::Generated);
        assert_eq!(class("src/api.ts", "import OpenAI from 'openai';\n"), FileClass::Production);
        // The marker far from the top is not a header.
        let body = format!("{}// do not edit below\n", "const a = 1;\n".repeat(10));
        assert_eq!(class("src/api.ts", &body), FileClass::Production);
    }

    #[test]
    fn configured_globs_come_first() {
        let globs = vec![
            (FileClass::Production, vec!["scripts/serve.py".to_string()]),
            (FileClass::Test, vec!["qa/".to_string()]),
        ];
        let classifier = Classifier::new(Path::new("/project"), &globs).expect("valid globs");
        assert_eq!(classifier.classify("scripts/serve.py", "").0, FileClass::Production);
        assert_eq!(classifier.classify("scripts/seed.py", "").0, FileClass::Docs);
        let (class, because) = classifier.classify("qa/flows/chat.ts", "");
        assert_eq!(class, FileClass::Test);
        assert_eq!(because, Because::Configured("qa/".to_string()));
    }

    #[test]
    fn reported_classes() {
        assert!(Reported::default().includes(FileClass::Production));
        assert!(!Reported::default().includes(FileClass::Test));
        assert!(Reported::parse("all").expect("all").is_all());
        let some = Reported::parse("production, example").expect("list");
        assert_eq!(some.classes(), vec![FileClass::Production, FileClass::Example]);
        assert!(Reported::parse("prod").expect_err("unknown").contains("unknown scope `prod`"));
    }
}
