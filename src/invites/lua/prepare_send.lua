-- Reads what a send job needs in one round trip: the invite and whether its address is suppressed.
-- KEYS: none (prefix-built, see lib.lua). ARGV: 3 invite id.
-- Reply: {raw invite or false, suppression entry or false}.
local raw = redis.call('GET', k('inv', ARGV[3]))
if not raw then return {false, false} end
local doc = decode(raw)
if isnull(doc.emailKey) then return {raw, false} end
return {raw, suppression(doc.emailKey)}
