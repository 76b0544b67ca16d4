-- custodia for Neovim 0.11+: the language server's configuration, in the
-- form `vim.lsp.config` and nvim-lspconfig read from `lsp/<name>.lua`.
-- See editors/neovim/README.md.

---@type vim.lsp.Config
return {
  cmd = { 'custodia', 'lsp' },
  filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python' },
  -- In priority order (a nested list: equal priority, the nearest wins). A
  -- route's reach crosses packages, so the repository is the workspace, not
  -- the nearest package.json of a monorepo: custodia's own configuration
  -- first, then the repository root, then the nearest package or Python
  -- project outside a repository. Nested lists need Neovim 0.11.3 (before,
  -- they are an error); older 0.11 releases get the flat list, where
  -- package.json outranks pyproject.toml (0.11.2 ranks it in order; 0.11.0
  -- and 0.11.1 take the nearest marker of any kind: see the README).
  root_markers = vim.fn.has('nvim-0.11.3') == 1 and { 'custodia.toml', '.git', { 'package.json', 'pyproject.toml' } }
    or { 'custodia.toml', '.git', 'package.json', 'pyproject.toml' },
  -- Sent as initializationOptions; see docs/LSP.md ("Settings").
  init_options = {
    custodia = {
      enable = true,
      diagnostics = { scope = 'workspace' },
      fixes = { maxTokens = 1024, timeoutSeconds = 30 },
    },
  },
}
