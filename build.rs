//! Collects the `//!` documentation of each rule in `src/rules/` into a table
//! the binary embeds, so `custodia explain <rule>` prints the same text the
//! code carries.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    println!("cargo::rerun-if-changed=src/rules");
    let mut docs = Vec::new();
    let entries = fs::read_dir("src/rules").expect("src/rules exists");
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if stem == "mod" || path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).expect("rule file is UTF-8");
        let doc: Vec<&str> = text
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .map(|line| line.trim_start_matches("//!").strip_prefix(' ').unwrap_or(line.trim_start_matches("//!")))
            .collect();
        docs.push((stem.replace('_', "-"), doc.join("\n")));
    }
    docs.sort();
    let mut out = String::from("pub static RULE_DOCS: &[(&str, &str)] = &[\n");
    for (id, doc) in docs {
        writeln!(out, "    ({id:?}, {doc:?}),").expect("write to string");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("rule_docs.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}
