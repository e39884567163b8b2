--- @include base
local function stat(name, n) redis.call('HINCRBY', k(K.stats), name, n or 1) end

-- Funnel counts for GET /v1/stats (DESIGN §13), moved in the same script as the change: one hash
-- per hour, a field per metric overall, per scope type, per scope and per batch. The scope key
-- carries the type's length so "a" + "bc" and "ab" + "c" stay apart. A tenant other than
-- default counts apart (DESIGN §15): its metric is prefixed with '|n', its id's length and the id.
local function tally_fields(metric, doc, add)
  if not isnull(doc.tenant) and doc.tenant ~= 'default' then
    metric = metric .. '|n' .. #doc.tenant .. ':' .. doc.tenant
  end
  add(metric)
  if not isnull(doc.scope) then
    add(metric .. '|t' .. doc.scope.type)
    add(metric .. '|s' .. #doc.scope.type .. ':' .. doc.scope.type .. doc.scope.id)
  end
  if not isnull(doc.batchId) then add(metric .. '|b' .. doc.batchId) end
end
local function tally_key() return k(K.hourly, string.format('%d', NOW - NOW % 3600000)) end

local function tally(metric, doc)
  local hk = tally_key()
  tally_fields(metric, doc, function(f) redis.call('HINCRBY', hk, f, 1) end)
end
