//! The prefilter only saves time: with it and without it, every fixture
//! project and the bundled example give the same findings, suppressions,
//! evidence and package classes.

mod common;

use custodia::catalog::Catalog;
use custodia::report::json;

fn comparable(result: &custodia::scan::ScanResult) -> String {
    let mut report = json::build(result, &Catalog::builtin(), false);
    report.stats = None;
    // A service's `because` names a file that declares routes, and the
    // prefilter may skip such a file when it touches no model; what the
    // package is classed as must not change.
    for package in &mut report.packages {
        package.because.clear();
    }
    serde_json::to_string_pretty(&report).expect("serialises")
}

#[test]
fn the_prefilter_changes_no_finding() {
    let mut projects = common::subdirs(&common::fixtures_dir());
    projects.extend(common::subdirs(&common::examples_dir()));
    assert!(projects.len() > 2, "fixtures and examples are present");
    for project in projects {
        let with = common::scan_dir(&project, true);
        let without = common::scan_dir(&project, false);
        assert_eq!(comparable(&with), comparable(&without), "prefilter changed the output for {}", project.display());
        assert_eq!(without.stats.files_prefiltered, 0);
    }
}
