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

/// Fingerprints a sequence of findings: identical (rule, file, line text)
/// triples are numbered in the order they come.
#[derive(Default)]
pub struct Fingerprinter {
    seen: BTreeMap<(String, String, String), usize>,
}

impl Fingerprinter {
    pub fn next(&mut self, sources: &SourceLines, f: &Finding) -> String {
        let path = f.path.clone().unwrap_or_default();
        // The finding's own line, without indentation: it survives lines
        // added above it.
        let line = f.location.and_then(|l| sources.line(&path, l.range.start.line)).unwrap_or_default();
        let key = (f.rule.to_string(), path, line.trim().to_string());
        let occurrence = self.seen.entry(key.clone()).or_insert(0);
        *occurrence += 1;
        finding(&key.0, &key.1, &key.2, *occurrence)
    }
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
    }
}
