--- @include codec counters
-- The scope and batch of a stored invite without decoding all of it (a sweep flips many): the
-- quoted key names can only occur as keys, since quotes inside JSON strings are escaped; the
-- scope object ends at its first '}' outside a string. Returns the scope's JSON text (or '')
-- and the batch id (or nil): a cheap signature that sweeps use to reuse decoded dimensions.
local function dims_text(raw)
  -- Plain finds and anchored matches: an unanchored pattern would be tried at every position.
  -- LAYOUT's names: "bt" is batchId, "sc" the scope ({"t": type, "i": id}).
  local batch = batch_of(raw)
  local start = string.find(raw, '"sc":{', 1, true)
  if not start then return '', batch end
  local i, quoted = start + 6, false
  while true do
    i = string.find(raw, '[\\"}]', i)
    if not i then return '', batch end
    local c = string.byte(raw, i)
    if c == 92 then i = i + 2 -- a backslash escapes the next character
    else
      if c == 34 then quoted = not quoted
      elseif not quoted then return string.sub(raw, start + 5, i), batch end
      i = i + 1
    end
  end
end

-- For scripts that count many changes (a sweep): sums in memory, one HINCRBY per field at the end.
local function tally_batch()
  local sums, known = {}, {}
  local add = function(f) sums[f] = (sums[f] or 0) + 1 end
  return {
    count = function(metric, doc) tally_fields(metric, doc, add) end,
    -- Counts a stored invite by its raw text; invites of one scope and batch share the work.
    count_raw = function(metric, raw)
      local scope, batch = dims_text(raw)
      local tenant = tenant_of(raw)
      local byBatch = known[tenant .. ' ' .. scope]
      if not byBatch then
        byBatch = {}
        known[tenant .. ' ' .. scope] = byBatch
      end
      local fields = byBatch[batch or '']
      if not fields then
        fields = {}
        local dims = {scope = NULL, batchId = batch or NULL, tenant = tenant}
        if scope ~= '' then
          local sc = cjson.decode(scope)
          dims.scope = {type = sc.t, id = sc.i}
        end
        tally_fields(metric, dims, function(f) fields[#fields + 1] = f end)
        byBatch[batch or ''] = fields
      end
      for _, f in ipairs(fields) do sums[f] = (sums[f] or 0) + 1 end
    end,
    flush = function()
      local hk = tally_key()
      for f, n in pairs(sums) do redis.call('HINCRBY', hk, f, n) end
    end,
  }
end
