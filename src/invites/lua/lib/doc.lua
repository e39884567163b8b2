--- @include codec
-- What each invite's key holds as this call last read or wrote it (false: nothing), so that a
-- change that loads, adds to the trail and saves reads a large invite once and writes it once, at
-- the end of the call (a new invite took three SETs: the document, its "created" and "queued"
-- lines). Every write of an invite's key goes through hold(); the sweep and query, which read
-- keys directly, hold nothing.
local HELD, CHANGED = {}, {}
per_call(function() HELD, CHANGED = {}, {} end)
local function held(id)
  if HELD[id] == nil then HELD[id] = redis.call('GET', k(K.invite, id)) end
  return HELD[id]
end
local function hold(id, value)
  HELD[id] = value
  CHANGED[id] = true
end
at_end(function()
  for id in pairs(CHANGED) do
    local value = HELD[id]
    if value then redis.call('SET', k(K.invite, id), value) else redis.call('DEL', k(K.invite, id)) end
  end
end)

local function load(id)
  local raw = held(id)
  if not raw then return nil end
  return decode(raw, id)
end

-- load for an accept: an open invite's earlier uses as text (codec.lua's decode_open), or nil.
local function load_open(id)
  local raw = held(id)
  if not raw then return nil end
  return decode_open(raw, id)
end

-- Stores the document, keeping the trail that follows it. Returns the document as stored (no
-- trail), so scripts can hand the new state back without another read.
local function save(doc)
  local raw = encode(doc)
  local cur = held(doc.id)
  local trail = cur and trail_of(cur) or ''
  hold(doc.id, trail == '' and raw or (raw .. '\n' .. trail))
  return raw
end
