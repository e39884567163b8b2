-- Shared helpers, first in Herald's function library (after LAYOUT, see lua-source.ts). KEYS[1]
-- is the prefix of the partition the script works in (a hash tag: "{herald}", or "{herald:3}" with several
-- partitions; the data prefix for chunk_done and finish_batch), ARGV[1] the time (ms). Every key
-- a script touches is built from it, so all of them live in one hash slot: on a Redis Cluster the
-- call is routed by KEYS[1] to the master that holds them all. The names match src/keys.ts's
-- partitionKeys and dataKeys.
-- Set by begin() at the start of every call: the library is loaded once and its functions share
-- these, so nothing a call computes may outlive it.
local KEYS, ARGV, P, NOW, NOW36
local NULL = cjson.null

local function isnull(v) return v == nil or v == NULL end
local function k(...) return P .. ':' .. table.concat({...}, ':') end
-- The names of a partition's keys (src/keys.ts's PARTITION_KEYS, handed in as LAYOUT.keys).
local K = LAYOUT.keys

-- Lua compares strings with strcoll, so in the collation of Redis' locale (Redis sets LC_COLLATE
-- from its environment: under en_US.UTF-8 'B' sorts after 'a' and '_' is ignored), while sorted
-- sets compare bytes. Every comparison of stored strings goes through lt(), which is Lua's own
-- `<` where the locale orders like bytes (C, POSIX, C.UTF-8: probed once, when the library loads)
-- and a byte loop elsewhere (test/integration/collation.test.ts).
local function bytes_lt(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function collates_as_bytes()
  -- Each character then a high one against the next character then a low one: bytes decide by
  -- the first, a locale that ignores or folds the first decides by the second. And a byte past
  -- ASCII, which bytes put after every ASCII one.
  for c = 32, 125 do
    if not (string.char(c) .. 'z' < string.char(c + 1) .. 'A') then return false end
  end
  return '~' < '\195\169' and 'Z' < 'a'
end
local lt = collates_as_bytes() and function(a, b) return a < b end or bytes_lt

-- A whole number >= 0 in base 36: times in stored invites, trail lines and events take 8
-- characters (until 2059) where decimal milliseconds took 13. Read back with tonumber(s, 36).
local B36 = '0123456789abcdefghijklmnopqrstuvwxyz'
local TO36 = {} -- a call writes a few distinct times many times (NOW, one expiry)
local function to36(n)
  if TO36[n] then return TO36[n] end
  local t, m = {}, n
  repeat
    local d = m % 36
    t[#t + 1] = string.sub(B36, d + 1, d + 1)
    m = (m - d) / 36
  until m == 0
  TO36[n] = string.reverse(table.concat(t))
  return TO36[n]
end

-- What a module keeps for the length of one call (a cache, a memo) is emptied by a function it
-- hands to per_call; begin() runs them all once KEYS, ARGV, P, NOW and NOW36 are set.
-- What a module writes once at the end of a call (doc.lua's invites) is written by a function
-- it hands to at_end; finish() runs them after the script's body has returned.
local RESETS, ENDS = {}, {}
local function per_call(reset) RESETS[#RESETS + 1] = reset end
local function at_end(write) ENDS[#ENDS + 1] = write end
local function begin(keys, args)
  KEYS, ARGV, P, NOW, TO36 = keys, args, keys[1], tonumber(args[1]), {}
  NOW36 = to36(math.max(0, math.floor(NOW or 0)))
  for i = 1, #RESETS do RESETS[i]() end
end
local function finish()
  for i = 1, #ENDS do ENDS[i]() end
end
