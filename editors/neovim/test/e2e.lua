-- End-to-end test of the Neovim set-up (run by tests/editors.rs):
--   nvim --headless --clean -l e2e.lua <repo> <project> <custodia binary> <out.json> <mode> <file> [root]
-- Opens <project>/<file> with custodia configured exactly as the README
-- says (the binary's path aside), in <mode>: `config` (lsp/custodia.lua),
-- `config-0.11.2` (the same, as a Neovim before 0.11.3 reads it) or `legacy`
-- (legacy.lua). Records the workspace root the client chose; unless `root`
-- is given, also waits for custodia's diagnostics, applies the token-cap
-- quick fix and waits for the finding to go. Writes what it saw as JSON to
-- <out.json>.
local repo, project, binary, out, mode, file, root_only = arg[1], arg[2], arg[3], arg[4], arg[5], arg[6], arg[7] == 'root'
vim.cmd('filetype on')
if mode == 'legacy' then
  vim.g.custodia_cmd = { binary, 'lsp' }
  dofile(repo .. '/editors/neovim/legacy.lua')
else
  if mode == 'config-0.11.2' then
    -- lsp/custodia.lua asks `vim.fn.has('nvim-0.11.3')` to choose its root
    -- markers: answer as an older 0.11 would.
    local has = vim.fn.has
    vim.fn.has = function(feature) return feature == 'nvim-0.11.3' and 0 or has(feature) end
  end
  -- README: put editors/neovim on the runtimepath, then enable the config.
  vim.opt.runtimepath:prepend(repo .. '/editors/neovim')
  vim.lsp.config('custodia', { cmd = { binary, 'lsp' } })
  vim.lsp.enable('custodia')
end
vim.cmd.edit(project .. '/' .. file)
local result = { attached = false, root = vim.NIL, codes = {}, fixed = false, text = '' }
local function write_and_quit()
  local handle = assert(io.open(out, 'w'))
  handle:write(vim.json.encode(result))
  handle:close()
  vim.cmd('qa!')
end
local function custodia_diagnostics()
  return vim.tbl_filter(function(d) return d.source == 'custodia' end, vim.diagnostic.get(0))
end
result.attached = vim.wait(20000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'custodia' }) > 0 end, 50)
local client = vim.lsp.get_clients({ bufnr = 0, name = 'custodia' })[1]
result.root = client and client.root_dir or vim.NIL
if root_only then
  return write_and_quit()
end
vim.wait(20000, function() return #custodia_diagnostics() > 0 end, 50)
local cap
for _, d in ipairs(custodia_diagnostics()) do
  table.insert(result.codes, d.code)
  if d.code == 'missing-token-cap' then cap = d end
end
table.sort(result.codes)
if cap then
  vim.api.nvim_win_set_cursor(0, { cap.lnum + 1, cap.col })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action) return action.title:find('Cap output tokens', 1, true) ~= nil end,
  })
  result.fixed = vim.wait(20000, function()
    return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'):find('max_completion_tokens: 1024', 1, true) ~= nil
  end, 50)
  -- The server re-analyses the edited buffer: the finding goes away.
  result.cleared = vim.wait(20000, function()
    for _, d in ipairs(custodia_diagnostics()) do
      if d.code == 'missing-token-cap' then return false end
    end
    return true
  end, 50)
end
result.text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
write_and_quit()
