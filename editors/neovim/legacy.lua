-- custodia for Neovim before 0.11 (0.8+), without vim.lsp.config: start the
-- server for each TypeScript, JavaScript or Python buffer. Source this file
-- from your init.lua (`dofile('/path/to/legacy.lua')`), or paste it there.

local filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python' }
-- The root, as lsp/custodia.lua decides it: the first group with a marker
-- above the file wins (within a group, the nearest). A route's reach crosses
-- packages, so the repository root comes before a monorepo's nested
-- package.json.
local root_markers = { { 'custodia.toml' }, { '.git' }, { 'package.json', 'pyproject.toml' } }

local function root_dir(path)
  for _, markers in ipairs(root_markers) do
    local marker = vim.fs.find(markers, { path = vim.fs.dirname(path), upward = true })[1]
    if marker then
      return vim.fs.dirname(marker)
    end
  end
  return vim.fs.dirname(path)
end

vim.api.nvim_create_autocmd('FileType', {
  pattern = filetypes,
  callback = function(event)
    local path = vim.api.nvim_buf_get_name(event.buf)
    vim.lsp.start({
      name = 'custodia',
      cmd = vim.g.custodia_cmd or { 'custodia', 'lsp' },
      root_dir = root_dir(path),
      init_options = { custodia = { enable = true, diagnostics = { scope = 'workspace' } } },
    }, { bufnr = event.buf })
  end,
})
