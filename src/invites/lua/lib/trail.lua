--- @include doc
-- The audit trail: a line per entry, "<type>:<at in base 36>" and, when the entry says more, a
-- space and the rest as JSON (cjson escapes newlines). It is kept in the invite's own key after its document (a key of its own cost about 90 bytes
-- more), where lines leave out what the invite holds: a "created" line its batch id, the last
-- "sent" line its message id (the next send writes it in, sent_line); lines that leave the key
-- have them written in (spelled_out). Older lines live in P:ev:ID: a deleted invite's trail
-- (trail_detach), the lines of an invite with a long history (past TRAIL_KEPT bytes they move
-- there, so an open invite accepted by thousands does not rewrite them all on every change).
-- Readers take P:ev:ID first, then the lines in the invite's key.
local TRAIL_KEPT = 2048


-- The "sent" line that left out its message id, with m written in (the lines unchanged when none did).
local function sent_filled(lines, m)
  if isnull(m) or not string.find(lines, 'sent:%w+ {"seq":%d+}') then return lines end
  local out = string.gsub('\n' .. lines, '\n(sent:%w+) {"seq":(%d+)}', function(head, seq)
    return '\n' .. head .. ' ' .. cjson.encode({seq = tonumber(seq), messageId = m})
  end)
  return string.sub(out, 2)
end

-- Trail lines about to leave the invite's key (doc_text: its document), with what they left out.
local function spelled_out(doc_text, lines)
  local batch = batch_of(doc_text)
  if batch then lines = string.gsub(lines, '^(created:%w+)\n', '%1 {"batchId":"' .. batch .. '"}\n', 1) end
  if string.find(lines, 'sent:%w+ {"seq":%d+}') then lines = sent_filled(lines, decode(doc_text).delivery.messageId) end
  return lines
end

local function detached_add(id, lines) redis.call('APPEND', k(K.trail, id), lines) end

local function audit(id, line)
  local cur = held(id)
  if not cur then return detached_add(id, line .. '\n') end
  local nl = string.find(cur, '\n', 1, true)
  -- The lines there leave first, read against the document they were written with.
  if nl and nl < #cur and (#cur - nl) + #line >= TRAIL_KEPT then
    local doc, trail = split(cur)
    detached_add(id, spelled_out(doc, trail))
    return hold(id, doc .. '\n' .. line .. '\n')
  end
  -- Appended without splitting the key's text: a copy of a large invite less.
  hold(id, cur .. (nl and '' or '\n') .. line .. '\n')
end

-- Moves an invite's trail to P:ev:ID, before the invite itself goes (delete.lua).
local function trail_detach(id)
  local cur = held(id)
  if not cur then return end
  local doc, trail = split(cur)
  if trail ~= '' then detached_add(id, spelled_out(doc, trail)) end
end

local function event(id, ev)
  local t = ev.type
  ev.type = nil
  local line = t .. ':' .. NOW36
  if next(ev) ~= nil then line = line .. ' ' .. cjson.encode(ev) end
  audit(id, line)
end

-- A send's trail line, leaving out its message id (the invite's from now on); `previous`, the
-- invite's message id until now, is written into the line of the send before.
local function sent_line(id, seq, previous)
  local cur = held(id)
  if cur then
    local doc, trail = split(cur)
    local filled = sent_filled(trail, previous)
    if filled ~= trail then HELD[id] = doc .. '\n' .. filled end -- audit writes it
  end
  event(id, {type = 'sent', seq = seq})
end
