-- Headless Neovim as a weft user has it (docs/editors.md): the built-in
-- LSP client starts `weft lsp` for a .weft file. Writes what the editor
-- received to $WEFT_OUT: the diagnostics, then the text after formatting.
local out = assert(io.open(os.getenv("WEFT_OUT"), "w"))
local function finish(code)
  out:close()
  vim.cmd(code == 0 and "qa!" or "cq!")
end

vim.filetype.add({ extension = { weft = "weft" } })
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("WEFT_FILE")))
local start = vim.lsp.start or function(config)
  -- Neovim 0.7: start the client and attach it by hand.
  local id = vim.lsp.start_client(config)
  vim.lsp.buf_attach_client(0, id)
  return id
end
start({
  name = "weft",
  cmd = { os.getenv("WEFT_BIN"), "lsp" },
  root_dir = vim.fn.getcwd(),
})

local got = vim.wait(30000, function()
  return #vim.diagnostic.get(0) > 0
end, 50)
if not got then
  out:write("no diagnostics\n")
  return finish(1)
end
for _, d in ipairs(vim.diagnostic.get(0)) do
  out:write(string.format("%d:%d %s %s\n", d.lnum, d.col, d.code or "", d.message:match("[^\n]*")))
end

-- Fix the error, then format through the server.
vim.api.nvim_buf_set_lines(0, 0, -1, false, { "drums:s(\"bd*2\")  .fast( 2 )" })
local format = vim.lsp.buf.format and function()
  vim.lsp.buf.format({ async = false, timeout_ms = 20000 })
end or function()
  vim.lsp.buf.formatting_sync(nil, 20000)
end
local ok, err = pcall(format)
if not ok then
  out:write("formatting failed: " .. tostring(err) .. "\n")
  return finish(1)
end
out:write("---\n")
out:write(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n") .. "\n")
finish(0)
