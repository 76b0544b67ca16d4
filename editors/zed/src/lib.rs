//! custodia for Zed: starts `custodia lsp` for TypeScript, TSX, JavaScript
//! and Python buffers. The binary is found on the PATH of the worktree's
//! shell (`worktree.which`); when it is missing, the error shown in Zed says
//! how to install it.

use zed_extension_api::{self as zed, LanguageServerId, Result, Worktree};

struct Custodia;

/// Shown by Zed when the binary is not on PATH.
const MISSING: &str = "custodia is not on your PATH. Install it with `cargo install --path .` from a clone of \
    https://github.com/custodia-dev/custodia (or put a release binary on PATH), then restart the language server \
    (command palette: \"editor: restart language server\").";

impl zed::Extension for Custodia {
    fn new() -> Self {
        Custodia
    }

    fn language_server_command(&mut self, _id: &LanguageServerId, worktree: &Worktree) -> Result<zed::Command> {
        let path = worktree.which("custodia").ok_or_else(|| MISSING.to_string())?;
        Ok(zed::Command { command: path, args: vec!["lsp".to_string()], env: worktree.shell_env() })
    }

    /// The server's settings (docs/LSP.md): Zed's `lsp.custodia.initialization_options`
    /// setting when the user gives one, else the defaults.
    fn language_server_initialization_options(
        &mut self,
        _id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        let settings = zed::settings::LspSettings::for_worktree("custodia", worktree).ok();
        Ok(settings.and_then(|s| s.initialization_options))
    }
}

zed::register_extension!(Custodia);
