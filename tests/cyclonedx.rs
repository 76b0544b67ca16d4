//! `--format cyclonedx`: the AI bill of materials is a valid CycloneDX 1.6
//! document (the official schema, tests/schemas/cyclonedx/), and says what
//! the inventory says: providers as services, SDK packages with the versions
//! the lock files pin, the models named in code, where each is used.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn schema_file(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/cyclonedx").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vendored schema")).expect("schema JSON")
}

/// Serves the schemas `bom-1.6.schema.json` references from the vendored
/// copies: no network.
struct Vendored;

impl jsonschema::Retrieve for Vendored {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.path().as_str().rsplit('/').next().unwrap_or_default().to_string();
        match name.as_str() {
            "spdx.schema.json" | "jsf-0.82.schema.json" => Ok(schema_file(&name)),
            _ => Err(format!("{uri} is not vendored in tests/schemas/cyclonedx").into()),
        }
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Vendored)
        .build(&schema_file("bom-1.6.schema.json"))
        .expect("the CycloneDX schema compiles")
}

fn bom(dir: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", &dir.to_string_lossy(), "--format", "cyclonedx"])
        .output()
        .expect("custodia runs");
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn assert_valid(document: &Value) {
    let validator = validator();
    let errors: Vec<String> =
        validator.iter_errors(document).map(|e| format!("{} at {}", e, e.instance_path())).take(10).collect();
    assert!(errors.is_empty(), "not valid CycloneDX 1.6:\n{}", errors.join("\n"));
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn the_example_and_every_fixture_give_valid_cyclonedx() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The validator does reject what 1.6 does not allow.
    let wrong = serde_json::json!({ "bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{ "type": "model", "name": "x" }] });
    assert!(!validator().is_valid(&wrong));
    let mut dirs = vec![root.join("examples/ai-support-desk")];
    let fixtures = std::fs::read_dir(root.join("tests/fixtures")).expect("fixtures");
    let mut fixtures: Vec<_> = fixtures.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    fixtures.sort();
    dirs.extend(fixtures);
    for dir in dirs {
        let document = bom(&dir);
        assert_eq!(document["specVersion"], "1.6", "{}", dir.display());
        assert_valid(&document);
    }
}

#[test]
fn the_bom_lists_providers_sdks_with_locked_versions_models_and_where_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "package.json",
        r#"{ "name": "helpdesk", "private": true, "dependencies": { "openai": "^5.12.0", "@anthropic-ai/sdk": "^0.60.0" } }"#,
    );
    write(
        root,
        "package-lock.json",
        r#"{ "name": "helpdesk", "lockfileVersion": 3, "packages": {
            "": { "name": "helpdesk" },
            "node_modules/openai": { "version": "5.12.2" },
            "node_modules/@anthropic-ai/sdk": { "version": "0.60.1" } } }"#,
    );
    write(
        root,
        "lib/ai.ts",
        r#"import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";

const openai = new OpenAI({ timeout: 10_000 });
const anthropic = new Anthropic({ timeout: 10_000 });

export async function draft(text: string) {
  const r = await openai.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 200, messages: [{ role: "user", content: text }] });
  return r.choices[0]?.message?.content;
}

export async function review(text: string) {
  const r = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 200, messages: [{ role: "user", content: text }] });
  return r.content;
}
"#,
    );
    let document = bom(root);
    assert_valid(&document);
    assert_eq!(document["bomFormat"], "CycloneDX");
    assert_eq!(document["metadata"]["component"]["name"], "helpdesk");
    let components = document["components"].as_array().expect("components");
    let find =
        |name: &str| components.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{name}: {components:#?}"));

    let openai = find("openai");
    assert_eq!(openai["type"], "library");
    assert_eq!(openai["version"], "5.12.2");
    assert_eq!(openai["purl"], "pkg:npm/openai@5.12.2");
    assert_eq!(openai["evidence"]["occurrences"][0]["location"], "lib/ai.ts");
    assert_eq!(openai["evidence"]["occurrences"][0]["line"], 1);
    let anthropic = find("@anthropic-ai/sdk");
    assert_eq!(anthropic["version"], "0.60.1");
    assert_eq!(anthropic["purl"], "pkg:npm/%40anthropic-ai/sdk@0.60.1");

    let model = find("gpt-4o-mini");
    assert_eq!(model["type"], "machine-learning-model");
    assert_eq!(model["supplier"]["name"], "OpenAI");
    assert!(model["evidence"]["occurrences"].as_array().expect("occurrences").iter().any(|o| o["line"] == 8));
    assert_eq!(find("claude-sonnet-4-5")["type"], "machine-learning-model");

    let services = document["services"].as_array().expect("services");
    let names: Vec<&str> = services.iter().filter_map(|s| s["provider"]["name"].as_str()).collect();
    assert!(names.contains(&"OpenAI") && names.contains(&"Anthropic"), "{names:?}");
    // Every reference in `dependencies` names something in the document.
    let mut refs: Vec<&str> = components.iter().chain(services).filter_map(|c| c["bom-ref"].as_str()).collect();
    refs.push("project");
    for dependency in document["dependencies"].as_array().expect("dependencies") {
        let reference = dependency["ref"].as_str().expect("ref");
        assert!(refs.contains(&reference), "{reference}");
        for on in dependency["dependsOn"].as_array().expect("dependsOn") {
            assert!(refs.contains(&on.as_str().expect("a ref")), "{on}");
        }
    }

    // Without a lock file: the package, no version guessed.
    std::fs::remove_file(root.join("package-lock.json")).expect("rm");
    let unlocked = bom(root);
    let openai = unlocked["components"].as_array().expect("components").iter().find(|c| c["name"] == "openai").cloned();
    let openai = openai.expect("openai listed");
    assert!(openai.get("version").is_none(), "{openai}");
    assert_eq!(openai["purl"], "pkg:npm/openai");
}
