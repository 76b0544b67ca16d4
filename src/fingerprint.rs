//! Stable fingerprints of findings: the same finding gets the same value
//! after lines are added above it, in every custodia version and on every
//! machine (so a hash the standard library may change between releases is
//! not used).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::finding::Finding;

/// FNV-1a, 64 bits.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A finding's fingerprint: its rule, its file, the text of its line
/// (trimmed) and which of the identical lines of that file it is on.
pub fn finding(rule: &str, path: &str, line_text: &str, occurrence: usize) -> String {
    format!("{:016x}:{occurrence}", fnv1a(&[rule, path, line_text.trim()]))
}

/// A finding's fingerprint within a function: as [`finding`], with the
/// name of the function the finding is in (`scope`) as part of its identity.
pub fn scoped_finding(rule: &str, path: &str, line_text: &str, scope: &str, occurrence: usize) -> String {
    format!("{:016x}:{occurrence}", fnv1a(&[rule, path, line_text.trim(), scope]))
}

/// Fingerprints a sequence of findings: identical (rule, file, line text)
/// triples (with [`Fingerprinter::next_in`], identical quadruples with the
/// enclosing function) are numbered in the order they come.
#[derive(Default)]
pub struct Fingerprinter {
    seen: BTreeMap<(String, String, String, Option<String>), usize>,
}

impl Fingerprinter {
    pub fn next(&mut self, sources: &SourceLines, f: &Finding) -> String {
        self.fingerprint(sources, f, None)
    }

    /// As [`Fingerprinter::next`], the enclosing function's name part of the
    /// identity: two identical lines in two functions (the same
    /// `client.chat.completions.create({` in each) are told apart by their
    /// function, not by their order, so adding or removing one does not
    /// renumber the other.
    pub fn next_in(&mut self, sources: &SourceLines, f: &Finding, scope: &str) -> String {
        self.fingerprint(sources, f, Some(scope))
    }

    fn fingerprint(&mut self, sources: &SourceLines, f: &Finding, scope: Option<&str>) -> String {
        let path = f.path.clone().unwrap_or_default();
        // The finding's own line, without indentation: it survives lines
        // added above it.
        let line = f.location.and_then(|l| sources.line(&path, l.range.start.line)).unwrap_or_default();
        let key = (f.rule.to_string(), path, line.trim().to_string(), scope.map(str::to_string));
        let occurrence = self.seen.entry(key.clone()).or_insert(0);
        *occurrence += 1;
        match scope {
            Some(scope) => scoped_finding(&key.0, &key.1, &key.2, scope, *occurrence),
            None => finding(&key.0, &key.1, &key.2, *occurrence),
        }
    }
}

/// The named functions around a finding, outermost first, joined with `.`
/// (`Handler.post`); anonymous functions (a route's arrow handler) are
/// skipped. Empty at the top level of a file and for project findings.
pub fn enclosing_function(files: &[crate::facts::FileFacts], f: &Finding) -> String {
    let (Some(path), Some(location)) = (&f.path, f.location) else { return String::new() };
    let Some(facts) = files.iter().find(|facts| &facts.path == path) else { return String::new() };
    let at = location.range.start;
    let innermost = facts
        .functions
        .iter()
        .enumerate()
        .filter(|(_, function)| function.location.range.start <= at && at < function.location.range.end)
        .min_by_key(|(_, function)| function.location.span.end - function.location.span.start)
        .map(|(index, _)| index);
    let mut names = Vec::new();
    let mut next = innermost;
    // Bounded by the number of functions: a malformed parent chain cannot loop.
    for _ in 0..facts.functions.len() {
        let Some(index) = next else { break };
        let Some(function) = facts.functions.get(index) else { break };
        if let Some(name) = &function.name {
            names.push(name.as_str());
        }
        next = function.parent.map(|p| p as usize);
    }
    names.reverse();
    names.join(".")
}

/// The fingerprints a baseline holds for a scan's findings, in their order:
/// SARIF's `custodiaFindingHash/v1` scheme with the enclosing function
/// ([`Fingerprinter::next_in`]).
pub fn scoped(root: &Path, files: &[crate::facts::FileFacts], findings: &[Finding]) -> Vec<String> {
    let sources = SourceLines::new(root);
    let mut seen = Fingerprinter::default();
    findings.iter().map(|f| seen.next_in(&sources, f, &enclosing_function(files, f))).collect()
}

/// The scanned files' text, read once each when something needs it.
pub struct SourceLines {
    root: PathBuf,
    cache: RefCell<BTreeMap<String, Option<Rc<str>>>>,
}

impl SourceLines {
    /// `root` as scanned: a single-file scan reports paths relative to the
    /// file's directory.
    pub fn new(root: &Path) -> Self {
        let root =
            if root.is_file() { root.parent().unwrap_or(Path::new(".")).to_path_buf() } else { root.to_path_buf() };
        SourceLines { root, cache: RefCell::default() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn text(&self, path: &str) -> Option<Rc<str>> {
        self.cache
            .borrow_mut()
            .entry(path.to_string())
            .or_insert_with(|| std::fs::read_to_string(self.root.join(path)).ok().map(Into::into))
            .clone()
    }

    /// A 1-based line of a file.
    pub fn line(&self, path: &str, line: u32) -> Option<String> {
        let text = self.text(path)?;
        text.lines().nth(line.checked_sub(1)? as usize).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_values() {
        // Fixed values: a change here changes every recorded fingerprint.
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            finding("missing-token-cap", "lib/ai.ts", "  const r = await openai.chat.completions.create({", 1),
            finding("missing-token-cap", "lib/ai.ts", "const r = await openai.chat.completions.create({", 1)
        );
        assert_ne!(finding("a", "b", "c", 1), finding("a", "b", "c", 2));
        assert_ne!(finding("ab", "c", "", 1), finding("a", "bc", "", 1));
        assert_ne!(scoped_finding("a", "b", "c", "f", 1), scoped_finding("a", "b", "c", "g", 1));
        assert_ne!(scoped_finding("a", "b", "c", "", 1), finding("a", "b", "c", 1));
    }
}
