-- custodia for Neovim 0.11+: the language server's configuration, in the
-- form `vim.lsp.config` and nvim-lspconfig read from `lsp/<name>.lua`.
-- See editors/neovim/README.md.

---@type vim.lsp.Config
return {
  cmd = { 'custodia', 'lsp' },
  filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python' },
  root_markers = { 'custodia.toml', 'package.json', 'pyproject.toml', '.git' },
  -- Sent as initializationOptions; see docs/LSP.md ("Settings").
  init_options = {
    custodia = {
      enable = true,
      diagnostics = { scope = 'workspace' },
      fixes = { maxTokens = 1024, timeoutSeconds = 30 },
    },
  },
}
