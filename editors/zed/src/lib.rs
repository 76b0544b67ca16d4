//! custodia for Zed: starts `custodia lsp` for TypeScript, TSX, JavaScript
//! and Python buffers. The binary is the one Zed's `lsp.custodia.binary.path`
//! setting names, as for any language server in Zed; else `custodia` on the
//! PATH of the worktree's shell (`worktree.which`). When neither is there, the
//! error shown in Zed says how to install it.

use zed_extension_api::settings::{CommandSettings, LspSettings};
use zed_extension_api::{self as zed, EnvVars, LanguageServerId, Result, Worktree};

struct Custodia;

/// The server's name in Zed's `lsp` settings (extension.toml).
const SERVER: &str = "custodia";

/// Shown by Zed when no binary is configured and none is on PATH.
const MISSING: &str = "custodia is not on your PATH. Install it with `cargo install --path .` from a clone of \
    https://github.com/custodia-dev/custodia (or put a release binary on PATH, or set \
    `lsp.custodia.binary.path` in Zed's settings), then restart the language server \
    (command palette: \"editor: restart language server\").";

/// What starts the server. `binary` is Zed's `lsp.custodia.binary` setting:
/// its `path` wins over PATH (a user who pins a build means that one), its
/// `arguments` replace `lsp` (Zed's meaning for every server: the whole
/// argument list), its `env` is added to the shell's environment.
fn server_command(
    binary: Option<CommandSettings>,
    which: impl FnOnce() -> Option<String>,
    shell_env: EnvVars,
) -> Result<zed::Command> {
    let CommandSettings { path, arguments, env: extra } =
        binary.unwrap_or(CommandSettings { path: None, arguments: None, env: None });
    let command = match path {
        Some(path) => path,
        None => which().ok_or_else(|| MISSING.to_string())?,
    };
    let mut env = shell_env;
    let mut extra: Vec<(String, String)> = extra.unwrap_or_default().into_iter().collect();
    // The settings' map has no order; a sorted list keeps the command the
    // same from one start to the next.
    extra.sort();
    for (key, value) in extra {
        match env.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => env.push((key, value)),
        }
    }
    Ok(zed::Command { command, args: arguments.unwrap_or_else(|| vec!["lsp".to_string()]), env })
}

impl zed::Extension for Custodia {
    fn new() -> Self {
        Custodia
    }

    fn language_server_command(&mut self, _id: &LanguageServerId, worktree: &Worktree) -> Result<zed::Command> {
        // A failure to read the settings is shown rather than papered over
        // with PATH: the user may have set a path precisely to avoid it.
        let settings = LspSettings::for_worktree(SERVER, worktree)
            .map_err(|err| format!("custodia: cannot read the `lsp.custodia` settings: {err}"))?;
        server_command(settings.binary, || worktree.which("custodia"), worktree.shell_env())
    }

    /// The server's settings (docs/LSP.md): Zed's `lsp.custodia.initialization_options`
    /// setting when the user gives one, else the defaults.
    fn language_server_initialization_options(
        &mut self,
        _id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        let settings = LspSettings::for_worktree(SERVER, worktree).ok();
        Ok(settings.and_then(|s| s.initialization_options))
    }
}

zed::register_extension!(Custodia);

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings as Zed hands them to the extension (JSON, deserialised
    /// by the API's own type, as `LspSettings::for_worktree` does).
    fn binary(json: &str) -> Option<CommandSettings> {
        zed::serde_json::from_str::<LspSettings>(json).expect("Zed's lsp settings").binary
    }

    fn shell() -> EnvVars {
        vec![("PATH".to_string(), "/usr/bin".to_string()), ("HOME".to_string(), "/home/me".to_string())]
    }

    #[test]
    fn without_settings_custodia_lsp_runs_from_path_with_the_shell_environment() {
        let command = server_command(binary("{}"), || Some("/usr/local/bin/custodia".into()), shell()).unwrap();
        assert_eq!(command.command, "/usr/local/bin/custodia");
        assert_eq!(command.args, ["lsp"]);
        assert_eq!(command.env, shell());
    }

    #[test]
    fn the_binary_path_setting_wins_over_path() {
        let settings = binary(r#"{ "binary": { "path": "/opt/custodia/bin/custodia" } }"#);
        let command = server_command(settings, || panic!("PATH is not searched when a path is set"), shell()).unwrap();
        assert_eq!(command.command, "/opt/custodia/bin/custodia");
        assert_eq!(command.args, ["lsp"]);
    }

    #[test]
    fn arguments_replace_lsp_and_env_is_added_to_the_shells() {
        let settings = binary(
            r#"{ "binary": { "path": "/opt/custodia", "arguments": ["lsp", "--log", "debug"],
                 "env": { "RUST_LOG": "debug", "HOME": "/tmp/home" } } }"#,
        );
        let command = server_command(settings, || None, shell()).unwrap();
        assert_eq!(command.args, ["lsp", "--log", "debug"]);
        assert_eq!(
            command.env,
            [("PATH", "/usr/bin"), ("HOME", "/tmp/home"), ("RUST_LOG", "debug")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        // Arguments without a path apply to the binary found on PATH.
        let settings = binary(r#"{ "binary": { "arguments": ["lsp"] } }"#);
        assert_eq!(server_command(settings, || Some("custodia".into()), shell()).unwrap().command, "custodia");
    }

    #[test]
    fn nothing_configured_and_nothing_on_path_says_how_to_install() {
        let error = server_command(None, || None, shell()).unwrap_err();
        assert!(error.contains("cargo install --path .") && error.contains("lsp.custodia.binary.path"), "{error}");
    }
}
