//! The languages custodia reads: which files they are, which tree-sitter
//! grammar parses them, and the lowering of each grammar to [`crate::ir`].
//!
//! JavaScript (`.js`, `.jsx`, `.mjs`, `.cjs`) is parsed with the TSX grammar.
//! TSX parses every JavaScript and JSX construct that occurs in practice, and
//! one grammar fewer keeps the build lean and the lowering single; the only
//! syntax it reads differently (`<T>expr` type assertions) does not exist in
//! JavaScript. Plain `.ts` files use the TypeScript grammar, where `<T>expr`
//! is a type assertion rather than JSX.

pub mod python;
pub mod typescript;

use std::cell::RefCell;
use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

use crate::ir::FileIr;
use crate::limits::{Budget, DEFAULT_MAX_NESTING_DEPTH, Phase};

/// A source language, as reported in statistics and matched by catalogues
/// (where `typescript` stands for the whole TypeScript/JavaScript family).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    TypeScript,
    JavaScript,
    Python,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::TypeScript => "typescript",
            Language::JavaScript => "javascript",
            Language::Python => "python",
        }
    }

    /// TypeScript and JavaScript share one analysis.
    pub fn is_js_family(self) -> bool {
        matches!(self, Language::TypeScript | Language::JavaScript)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tree-sitter grammar a file is parsed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grammar {
    TypeScript,
    Tsx,
    Python,
}

impl Grammar {
    fn index(self) -> usize {
        self as usize
    }

    fn language(self) -> tree_sitter::Language {
        match self {
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
        }
    }
}

/// What custodia makes of a file, decided by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileKind {
    pub language: Language,
    pub grammar: Grammar,
}

impl FileKind {
    pub fn of(path: &Path) -> Option<FileKind> {
        let ext = path.extension()?.to_str()?;
        let (language, grammar) = match ext {
            "ts" | "mts" | "cts" => (Language::TypeScript, Grammar::TypeScript),
            "tsx" => (Language::TypeScript, Grammar::Tsx),
            "js" | "jsx" | "mjs" | "cjs" => (Language::JavaScript, Grammar::Tsx),
            "py" => (Language::Python, Grammar::Python),
            _ => return None,
        };
        // Declaration files describe types only.
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".d.ts") || name.ends_with(".d.mts") || name.ends_with(".d.cts") {
            return None;
        }
        Some(FileKind { language, grammar })
    }
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 3]> = const { RefCell::new([None, None, None]) };
}

/// Parses `source` with a parser kept per thread and grammar.
///
/// Returns `None` only when tree-sitter gives up (it does not on any input
/// it is allowed to finish); syntax errors produce a tree with ERROR nodes.
pub fn parse(grammar: Grammar, source: &str, old: Option<&Tree>) -> Option<Tree> {
    with_parser(grammar, |parser| parser.parse(source, old))
}

/// Parses text held in pieces (a rope's chunks): `chunk(offset)` returns
/// the text from `offset` to the end of its piece, empty past the end.
pub fn parse_chunks<'c>(
    grammar: Grammar,
    chunk: &mut dyn FnMut(usize) -> &'c [u8],
    old: Option<&Tree>,
) -> Option<Tree> {
    with_parser(grammar, |parser| parser.parse_with_options(&mut |offset, _| chunk(offset), old, None))
}

/// Parses `source`, giving up once `budget` is past (then `None`, and
/// [`Budget::over_budget`] says so). tree-sitter calls the progress
/// callback every hundred or so parse steps; the budget reads the clock
/// only now and then.
pub fn parse_within(grammar: Grammar, source: &str, budget: &Budget) -> Option<Tree> {
    let bytes = source.as_bytes();
    let mut text = |offset: usize, _| bytes.get(offset..).unwrap_or_default();
    let mut progress = |_: &ParseState| {
        if budget.tick(Phase::Parsing) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    };
    with_parser(grammar, |parser| {
        let tree =
            parser.parse_with_options(&mut text, None, Some(ParseOptions::new().progress_callback(&mut progress)));
        if tree.is_none() {
            // A parse stopped by its callback resumes on the next call
            // unless the parser is reset: the next file must start afresh.
            parser.reset();
        }
        tree
    })
}

fn with_parser(grammar: Grammar, parse: impl FnOnce(&mut Parser) -> Option<Tree>) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[grammar.index()];
        if slot.is_none() {
            let mut parser = Parser::new();
            // The grammars are compiled in and their ABI is checked by a
            // test; failure here would be a build defect, reported as no tree.
            parser.set_language(&grammar.language()).ok()?;
            *slot = Some(parser);
        }
        parse(slot.as_mut()?)
    })
}

/// Lowers a parsed file to the shared IR, with the default nesting depth
/// and no time limit.
pub fn lower<'s>(grammar: Grammar, tree: &Tree, source: &'s str) -> FileIr<'s> {
    lower_within(grammar, tree, source, DEFAULT_MAX_NESTING_DEPTH, &Budget::start(Duration::MAX))
}

/// Lowers a parsed file to the shared IR: expressions are followed
/// `max_depth` deep (deeper ones set [`FileIr::truncated`]), and lowering
/// stops once `budget` is past (the IR is then incomplete, and
/// [`Budget::over_budget`] says so).
pub fn lower_within<'s>(grammar: Grammar, tree: &Tree, source: &'s str, max_depth: u32, budget: &Budget) -> FileIr<'s> {
    match grammar {
        Grammar::TypeScript | Grammar::Tsx => typescript::lower(tree, source, max_depth, budget),
        Grammar::Python => python::lower(tree, source, max_depth, budget),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_loads() {
        for grammar in [Grammar::TypeScript, Grammar::Tsx, Grammar::Python] {
            assert!(parse(grammar, "x", None).is_some(), "{grammar:?}");
        }
    }

    #[test]
    fn file_kinds_by_extension() {
        let kind = |p: &str| FileKind::of(Path::new(p)).map(|k| (k.language, k.grammar));
        assert_eq!(kind("a/route.ts"), Some((Language::TypeScript, Grammar::TypeScript)));
        assert_eq!(kind("page.tsx"), Some((Language::TypeScript, Grammar::Tsx)));
        assert_eq!(kind("server.mjs"), Some((Language::JavaScript, Grammar::Tsx)));
        assert_eq!(kind("app.py"), Some((Language::Python, Grammar::Python)));
        assert_eq!(kind("types.d.ts"), None);
        assert_eq!(kind("README.md"), None);
    }
}
