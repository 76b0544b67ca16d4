//! `docs/rules/<id>.md` is where each diagnostic's `codeDescription.href`
//! points: the same text `custodia explain <id>` prints. This test keeps the
//! files in step with the rules (`UPDATE_RULE_DOCS=1 cargo test --test
//! rule_docs` rewrites them).

use std::path::Path;

use custodia::catalog::{Catalog, display_tag};

fn render(catalog: &Catalog, id: &str) -> String {
    let meta = catalog.rule(id).expect("rule metadata");
    let doc = custodia::rules::documentation(id).expect("rule documentation");
    let criteria: Vec<String> = meta.criteria.iter().map(|c| display_tag(c)).collect();
    format!(
        "<!-- Generated from src/rules/{file}.rs and rules/rules.toml by tests/rule_docs.rs; do not edit. -->\n\n# {id} — {name}\n\nSeverity: {severity}\n\nMaps to: {criteria}\n\n{doc}\n\n_custodia's mapping is its reading of these frameworks: a finding \"maps to\" a criterion; it is not a compliance opinion._\n",
        file = id.replace('-', "_"),
        name = meta.name,
        severity = meta.severity,
        criteria = criteria.join(" · "),
        doc = doc.trim_end(),
    )
}

#[test]
fn every_rule_has_its_documentation_page() {
    let catalog = Catalog::builtin();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let update = std::env::var_os("UPDATE_RULE_DOCS").is_some();
    let mut stale = Vec::new();
    for rule in &catalog.rules {
        let path = dir.join(format!("{}.md", rule.id));
        let expected = render(&catalog, &rule.id);
        if update {
            std::fs::create_dir_all(&dir).expect("docs/rules");
            std::fs::write(&path, &expected).expect("write");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(rule.id.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: docs/rules/{{{}}}.md — run UPDATE_RULE_DOCS=1 cargo test --test rule_docs",
        stale.join(",")
    );
}
