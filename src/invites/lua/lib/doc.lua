--- @include codec
-- What each invite's key holds as this script last read or wrote it (false: nothing), so that a
-- change that loads, adds to the trail and saves reads a large invite once.
local HELD = {}
per_call(function() HELD = {} end)
local function held(id)
  if HELD[id] == nil then HELD[id] = redis.call('GET', k(K.invite, id)) end
  return HELD[id]
end
local function hold(id, value)
  HELD[id] = value
  if value then redis.call('SET', k(K.invite, id), value) else redis.call('DEL', k(K.invite, id)) end
end

local function load(id)
  local raw = held(id)
  if not raw then return nil end
  return decode(raw, id)
end

-- Stores the document, keeping the trail that follows it. Returns the document as stored (no
-- trail), so scripts can hand the new state back without another read.
local function save(doc)
  local raw = encode(doc)
  local cur = held(doc.id)
  local trail = cur and select(2, split(cur)) or ''
  hold(doc.id, trail == '' and raw or (raw .. '\n' .. trail))
  return raw
end
