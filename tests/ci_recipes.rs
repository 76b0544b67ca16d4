//! The CI recipes work as written: `action.yml` is valid GitHub Action
//! metadata (SchemaStore's schema, tests/schemas/github-action.json) and
//! refers only to inputs it declares; `.pre-commit-hooks.yaml`, run by the
//! real `pre-commit` in a temporary git repository, blocks a commit that
//! adds an unbounded model call and lets one with a capped call through.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/yaml.rs"]
mod yaml;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn read_yaml(name: &str) -> Value {
    let text = std::fs::read_to_string(repo_file(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
    yaml::parse(&text).unwrap_or_else(|err| panic!("{name}: {err}"))
}

#[test]
fn action_yml_is_valid_action_metadata() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("tests/schemas/github-action.json")).expect("the vendored schema"),
    )
    .expect("schema JSON");
    let action = read_yaml("action.yml");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(&action).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "action.yml does not match the Action metadata schema:\n{}", errors.join("\n"));
    assert_eq!(action["runs"]["using"], "composite");

    // Every `inputs.x` used is declared (a typo is an empty string at run time).
    let text = std::fs::read_to_string(repo_file("action.yml")).expect("action.yml");
    let declared = action["inputs"].as_object().expect("inputs");
    for (i, _) in text.match_indices("inputs.") {
        let name: String =
            text[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        assert!(declared.contains_key(&name), "action.yml uses `inputs.{name}`, which it does not declare");
    }
    // The default severity is one `--fail-on` takes.
    let fail_on = action["inputs"]["fail-on"]["default"].as_str().expect("fail-on default");
    assert!(fail_on.parse::<custodia::finding::Severity>().is_ok(), "{fail_on}");
    // Actions used are pinned to a version, and SARIF goes to code scanning.
    let steps = action["runs"]["steps"].as_array().expect("steps");
    for step in steps {
        if let Some(uses) = step["uses"].as_str() {
            assert!(uses.contains("@v"), "{uses} is not pinned to a version");
        }
    }
    assert!(
        steps.iter().any(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")))
    );
}

#[test]
fn pre_commit_hooks_yaml_declares_the_hook() {
    let hooks = read_yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    let hook = hooks.iter().find(|h| h["id"] == "custodia").expect("the custodia hook");
    for key in ["name", "entry", "language"] {
        assert!(hook[key].is_string(), "{key} missing: {hook}");
    }
    let files = regex::Regex::new(hook["files"].as_str().expect("files")).expect("files is a regex");
    for name in ["app/main.py", "lib/ai.ts", "web/page.tsx", "x.mjs", "y.cjs", "z.jsx", "stub.pyi"] {
        assert!(files.is_match(name), "{name}");
    }
    for name in ["README.md", "package.json", "a.tsv"] {
        assert!(!files.is_match(name), "{name}");
    }
}

/// PyYAML (which pre-commit brings) reads the recipe files as the subset
/// reader does: the files mean what the other tests checked.
#[test]
fn pyyaml_reads_the_recipes_the_same_way() {
    let probe = Command::new("python3").args(["-c", "import yaml"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        if tools::in_ci() {
            panic!("PyYAML is missing: install it with `python3 -m pip install pre-commit` (.ci/run does)");
        }
        eprintln!("SKIPPED pyyaml_reads_the_recipes_the_same_way: python3 with PyYAML is not installed");
        return;
    }
    for name in ["action.yml", ".pre-commit-hooks.yaml"] {
        let output = Command::new("python3")
            .args(["-c", "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)"])
            .arg(repo_file(name))
            .output()
            .expect("python3 runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let theirs: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(read_yaml(name), theirs, "{name} is read differently by PyYAML");
    }
}

fn run(dir: &Path, program: &str, args: &[&str], path: &str, home: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|err| panic!("{program} runs: {err}"))
}

fn ok(output: Output, what: &str) -> Output {
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

const UNBOUNDED: &str = r#"import OpenAI from "openai";

const client = new OpenAI({ timeout: 20_000 });

export async function summarize(text: string): Promise<string> {
  try {
    const response = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `Summarize: ${text}` }],
    });
    return response.choices[0]?.message?.content ?? "";
  } catch (err) {
    console.error("summary failed", err);
    return "";
  }
}
"#;

#[test]
fn the_pre_commit_hook_blocks_an_unbounded_model_call_and_passes_a_capped_one() {
    if !tools::require("the pre-commit hook test", "pre-commit", "--version", "python3 -m pip install pre-commit") {
        return;
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::write(
        home.join("gitconfig"),
        "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .expect("gitconfig");
    // The custodia built for these tests comes first on PATH.
    let bin = Path::new(env!("CARGO_BIN_EXE_custodia")).parent().expect("bin dir").to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let path = path.to_string_lossy().into_owned();

    // The hooks repository: this repository's .pre-commit-hooks.yaml, as
    // pre-commit clones it from a `repo:` URL.
    let hooks = temp.path().join("hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    std::fs::copy(repo_file(".pre-commit-hooks.yaml"), hooks.join(".pre-commit-hooks.yaml")).expect("copy");
    ok(run(&hooks, "git", &["init", "-q"], &path, &home), "git init");
    ok(run(&hooks, "git", &["add", "."], &path, &home), "git add");
    ok(run(&hooks, "git", &["commit", "-q", "-m", "hooks"], &path, &home), "git commit");
    let rev = ok(run(&hooks, "git", &["rev-parse", "HEAD"], &path, &home), "rev-parse");
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();

    let project = temp.path().join("project");
    std::fs::create_dir_all(project.join("lib")).expect("project dir");
    std::fs::write(
        project.join(".pre-commit-config.yaml"),
        format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: custodia\n", hooks.display()),
    )
    .expect("config");
    std::fs::write(
        project.join("package.json"),
        r#"{ "name": "app", "private": true, "dependencies": { "openai": "^5.12.0" } }"#,
    )
    .expect("package.json");
    ok(run(&project, "git", &["init", "-q"], &path, &home), "git init");
    ok(run(&project, "pre-commit", &["install"], &path, &home), "pre-commit install");
    ok(run(&project, "git", &["add", "."], &path, &home), "git add");
    ok(run(&project, "git", &["commit", "-q", "-m", "start"], &path, &home), "the first commit (no source files)");

    // An unbounded model call: the commit is refused.
    std::fs::write(project.join("lib/ai.ts"), UNBOUNDED).expect("write");
    ok(run(&project, "git", &["add", "."], &path, &home), "git add");
    let refused = run(&project, "git", &["commit", "-q", "-m", "unbounded"], &path, &home);
    let said = format!("{}{}", String::from_utf8_lossy(&refused.stdout), String::from_utf8_lossy(&refused.stderr));
    assert!(!refused.status.success(), "the commit of an unbounded call went through:\n{said}");
    assert!(said.contains("missing-token-cap"), "the hook says why:\n{said}");

    // The same call with a token cap: the commit goes through.
    let capped = UNBOUNDED.replace("model: \"gpt-4o-mini\",", "model: \"gpt-4o-mini\",\n      max_tokens: 400,");
    std::fs::write(project.join("lib/ai.ts"), capped).expect("write");
    ok(run(&project, "git", &["add", "."], &path, &home), "git add");
    ok(run(&project, "git", &["commit", "-q", "-m", "capped"], &path, &home), "the commit of a capped call");
}
