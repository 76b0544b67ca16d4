//! Every rule is documented in its source file, in the same shape, and its
//! documentation names every criterion the catalogue maps it to.

use custodia::catalog::{Catalog, short_tag};
use custodia::rules;

#[test]
fn every_rule_has_documentation_with_every_section() {
    let catalog = Catalog::builtin();
    let documented: Vec<&str> = rules::documented_ids().collect();
    for rule in &catalog.rules {
        let doc = rules::documentation(&rule.id).unwrap_or_else(|| panic!("{} has no documentation", rule.id));
        for section in
            ["## What it does", "## Why it matters to an auditor", "## Example", "## Use instead", "## Criteria"]
        {
            assert!(doc.contains(section), "{}: missing section {section}", rule.id);
        }
        let criteria = doc.split("## Criteria").nth(1).unwrap_or_default();
        for tag in &rule.criteria {
            let short = short_tag(tag);
            assert!(criteria.contains(&short), "{}: the Criteria section does not name {short} ({tag})", rule.id);
        }
        assert!(!doc.contains("compliant") && !doc.contains("required by"), "{}: say \"maps to\"", rule.id);
    }
    for id in documented {
        assert!(catalog.rule(id).is_some(), "documented rule {id} is missing from rules/rules.toml");
    }
}

#[test]
fn every_file_rule_has_metadata() {
    let catalog = Catalog::builtin();
    for rule in rules::FILE_RULES {
        assert!(catalog.rule(rule.id).is_some(), "{} has no entry in rules/rules.toml", rule.id);
    }
    for id in rules::SUPPRESSION_RULES {
        assert!(catalog.rule(id).is_some(), "{id} has no entry in rules/rules.toml");
    }
}
