//! Reformatting code (indentation, blank lines, comments) changes no
//! finding: every fixture project and the example are reformatted in a
//! temporary copy, and each finding must reappear with the same rule and
//! message on the line its code moved to.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use custodia::lang::{FileKind, Language};

/// Reformats one file; returns the new text and the new line of each old line.
fn reformat(text: &str, language: Language) -> (String, Vec<u32>) {
    let comment = if language == Language::Python { "#" } else { "//" };
    let mut out = format!("{comment} Reformatted copy: indentation, blank lines and comments differ.\n\n");
    let mut new_line = 2u32;
    let mut mapping = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        let reindented = if language == Language::Python {
            // Consistent within the file, so still valid Python.
            format!("{}{body}", " ".repeat(indent * 2))
        } else {
            format!("{}{body}", "\t".repeat(indent / 2))
        };
        new_line += 1;
        mapping.push(new_line);
        out.push_str(&reindented);
        out.push('\n');
        let trimmed = body.trim_end();
        let next_is_code = lines.get(i + 1).is_some_and(|n| !n.trim_start().starts_with(comment));
        let statement_end = if language == Language::Python {
            trimmed.ends_with(':') && !trimmed.starts_with(comment)
        } else {
            trimmed.ends_with(';')
                || (trimmed.ends_with('{')
                    && ["function", "export", "async", "if", "try", "for", "while", "class"]
                        .iter()
                        .any(|k| trimmed.starts_with(k)))
        };
        // A comment line between a suppression and its target would
        // (correctly) detach it; only insert before code.
        if statement_end && next_is_code && !trimmed.contains("custodia-ignore") {
            out.push_str(&format!("{comment} (a comment the formatter kept)\n\n"));
            new_line += 2;
        }
    }
    (out, mapping)
}

fn copy_reformatted(from: &Path, to: &Path) -> BTreeMap<String, Vec<u32>> {
    let mut mappings = BTreeMap::new();
    for file in common::files_under(from) {
        let rel = common::rel(&file, from);
        let dest = to.join(&rel);
        fs::create_dir_all(dest.parent().expect("has parent")).expect("mkdir");
        let kind = FileKind::of(&file);
        match (kind, fs::read_to_string(&file)) {
            (Some(kind), Ok(text)) => {
                let (formatted, mapping) = reformat(&text, kind.language);
                fs::write(&dest, formatted).expect("write");
                mappings.insert(rel, mapping);
            }
            _ => {
                fs::copy(&file, &dest).expect("copy");
            }
        }
    }
    mappings
}

#[test]
fn reformatting_changes_no_finding() {
    let mut projects = common::subdirs(&common::fixtures_dir());
    projects.extend(common::subdirs(&common::examples_dir()));
    for project in projects {
        let original = common::scan_dir(&project, true);
        let temp = tempfile::tempdir().expect("temp dir");
        let mappings = copy_reformatted(&project, temp.path());
        let reformatted = common::scan_dir(temp.path(), true);
        let key = |path: &Option<String>, line: Option<u32>, rule: &str, message: &str| {
            (path.clone(), line, rule.to_string(), message.to_string())
        };
        let mut expected: Vec<_> = original
            .findings
            .iter()
            .map(|f| {
                let line = f.location.map(|l| l.range.start.line);
                let moved = match (&f.path, line) {
                    (Some(path), Some(line)) => mappings.get(path).and_then(|m| m.get(line as usize - 1)).copied(),
                    _ => line,
                };
                key(&f.path, moved, f.rule, &f.message)
            })
            .collect();
        let mut actual: Vec<_> = reformatted
            .findings
            .iter()
            .map(|f| key(&f.path, f.location.map(|l| l.range.start.line), f.rule, &f.message))
            .collect();
        expected.sort();
        actual.sort();
        assert_eq!(expected, actual, "reformatting changed the findings of {}", project.display());
        assert_eq!(original.suppressed.len(), reformatted.suppressed.len(), "{}", project.display());
    }
}
