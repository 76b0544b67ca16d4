-- End-to-end test of the Neovim set-up (run by tests/editors.rs):
--   nvim --headless --clean -l e2e.lua <repo> <project> <custodia binary> <out.json> <config|legacy>
-- Opens <project>/lib/ai.ts with custodia configured exactly as the README
-- says (the binary's path aside), waits for custodia's diagnostics, applies
-- the token-cap quick fix and waits for the finding to go. Writes what it saw
-- as JSON to <out.json>.
local repo, project, binary, out, mode = arg[1], arg[2], arg[3], arg[4], arg[5]
vim.cmd('filetype on')
if mode == 'legacy' then
  vim.g.custodia_cmd = { binary, 'lsp' }
  dofile(repo .. '/editors/neovim/legacy.lua')
else
  -- README: put editors/neovim on the runtimepath, then enable the config.
  vim.opt.runtimepath:prepend(repo .. '/editors/neovim')
  vim.lsp.config('custodia', { cmd = { binary, 'lsp' } })
  vim.lsp.enable('custodia')
end
vim.cmd.edit(project .. '/lib/ai.ts')
local result = { attached = false, codes = {}, fixed = false, text = '' }
local function custodia_diagnostics()
  return vim.tbl_filter(function(d) return d.source == 'custodia' end, vim.diagnostic.get(0))
end
result.attached = vim.wait(20000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'custodia' }) > 0 end, 50)
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
local file = assert(io.open(out, 'w'))
file:write(vim.json.encode(result))
file:close()
vim.cmd('qa!')
