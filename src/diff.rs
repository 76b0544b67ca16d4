//! `scan --diff REF`: the findings in code changed since a git ref.
//!
//! The whole project is analysed as always (a route is followed across files
//! whatever changed); then a finding is reported when the change touches it:
//! its line changed, or the function it is in changed, or the line or the
//! function of one of its related locations changed. A route finding points
//! at the route and relates the model call it reaches through helpers in
//! other files, so a route whose reach changed because a helper changed is
//! reported though the route's own file did not change. Findings about the
//! project as a whole are not reported: they belong to a scan of the whole.
//!
//! Changes are `git diff REF` against the working tree (staged or not),
//! plus untracked files that are not ignored, which count as changed
//! throughout.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::facts::FileFacts;
use crate::scan::ScanResult;

/// Changed lines by file (relative to the scanned root), as inclusive
/// ranges of new-side lines.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub reference: String,
    pub files: BTreeMap<String, Vec<(u32, u32)>>,
}

/// A whole file, for untracked files.
const WHOLE: (u32, u32) = (1, u32::MAX);

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|err| format!("--diff needs git, which cannot be started: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed in {}: {}",
            args.join(" "),
            root.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What changed in the project at `root` since `reference`.
pub fn since(root: &Path, reference: &str) -> Result<Changes, String> {
    if reference.starts_with('-') {
        return Err(format!("`{reference}` is not a git ref"));
    }
    let base = if root.is_file() { root.parent().unwrap_or(Path::new(".")) } else { root };
    git(base, &["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")])
        .map_err(|_| format!("`{reference}` is not a commit of the git repository at {}", base.display()))?;
    // Paths in git's output are relative to the repository's top level.
    let top = git(base, &["rev-parse", "--show-toplevel"])?;
    let top = std::fs::canonicalize(top.trim()).map_err(|err| format!("cannot read the repository: {err}"))?;
    let here = std::fs::canonicalize(base).map_err(|err| format!("cannot read {}: {err}", base.display()))?;
    let prefix = here.strip_prefix(&top).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
    let relative = |path: &str| -> Option<String> {
        if prefix.is_empty() {
            Some(path.to_string())
        } else {
            path.strip_prefix(&format!("{prefix}/")).map(str::to_string)
        }
    };
    let diff =
        git(base, &["diff", "--unified=0", "--no-color", "--no-ext-diff", "--find-renames", reference, "--", "."])?;
    let mut changes = Changes { reference: reference.to_string(), files: BTreeMap::new() };
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = path.strip_prefix("b/").and_then(relative);
        } else if let Some(hunk) = line.strip_prefix("@@ ")
            && let Some(file) = &current
            && let Some(range) = new_side(hunk)
        {
            changes.files.entry(file.clone()).or_default().push(range);
        }
    }
    for path in git(base, &["ls-files", "--others", "--exclude-standard", "--full-name", "--", "."])?.lines() {
        if let Some(path) = relative(path) {
            changes.files.insert(path, vec![WHOLE]);
        }
    }
    Ok(changes)
}

/// `-12,3 +14,5 @@ ...` → lines 14 to 18; a deletion (`+14,0`) touches the
/// lines on either side of where the text was.
fn new_side(hunk: &str) -> Option<(u32, u32)> {
    let new = hunk.split_whitespace().find(|part| part.starts_with('+'))?.trim_start_matches('+');
    let (start, count) = match new.split_once(',') {
        Some((start, count)) => (start.parse::<u32>().ok()?, count.parse::<u32>().ok()?),
        None => (new.parse::<u32>().ok()?, 1),
    };
    Some(if count == 0 { (start.max(1), start + 1) } else { (start, start + count - 1) })
}

impl Changes {
    fn overlaps(&self, path: &str, from: u32, to: u32) -> bool {
        self.files.get(path).is_some_and(|ranges| ranges.iter().any(|&(a, b)| a <= to && from <= b))
    }

    /// Whether the change touches `line` of `path`, or the innermost
    /// function around it.
    fn touches(&self, files: &[FileFacts], path: &str, line: u32) -> bool {
        if self.overlaps(path, line, line) {
            return true;
        }
        let Some(facts) = files.iter().find(|f| f.path == path) else { return false };
        facts
            .functions
            .iter()
            .filter(|f| f.location.range.start.line <= line && line <= f.location.range.end.line)
            .min_by_key(|f| f.location.range.end.line - f.location.range.start.line)
            .is_some_and(|f| self.overlaps(path, f.location.range.start.line, f.location.range.end.line))
    }
}

/// Keeps the findings (and suppressed findings) the change touches.
pub fn restrict(result: &mut ScanResult, changes: &Changes) {
    let files = std::mem::take(&mut result.files);
    let touched = |f: &crate::finding::Finding| {
        let own = match (&f.path, f.location) {
            (Some(path), Some(location)) => changes.touches(&files, path, location.range.start.line),
            _ => return false,
        };
        own || f.related.iter().any(|r| changes.touches(&files, &r.path, r.location.range.start.line))
    };
    result.findings.retain(|f| touched(f));
    result.suppressed.retain(|s| touched(&s.finding));
    result.files = files;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunk_headers() {
        assert_eq!(new_side("-12,3 +14,5 @@ fn x"), Some((14, 18)));
        assert_eq!(new_side("-3 +3 @@"), Some((3, 3)));
        assert_eq!(new_side("-10,2 +9,0 @@"), Some((9, 10)));
        assert_eq!(new_side("-0,0 +1,4 @@"), Some((1, 4)));
        assert_eq!(new_side("garbage"), None);
    }
}
