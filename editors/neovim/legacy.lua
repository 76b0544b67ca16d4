-- custodia for Neovim before 0.11 (0.8+), without vim.lsp.config: start the
-- server for each TypeScript, JavaScript or Python buffer. Source this file
-- from your init.lua (`dofile('/path/to/legacy.lua')`), or paste it there.

local filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python' }
local root_markers = { 'custodia.toml', 'package.json', 'pyproject.toml', '.git' }

vim.api.nvim_create_autocmd('FileType', {
  pattern = filetypes,
  callback = function(event)
    local path = vim.api.nvim_buf_get_name(event.buf)
    local marker = vim.fs.find(root_markers, { path = vim.fs.dirname(path), upward = true })[1]
    vim.lsp.start({
      name = 'custodia',
      cmd = vim.g.custodia_cmd or { 'custodia', 'lsp' },
      root_dir = marker and vim.fs.dirname(marker) or vim.fs.dirname(path),
      init_options = { custodia = { enable = true, diagnostics = { scope = 'workspace' } } },
    }, { bufnr = event.buf })
  end,
})
