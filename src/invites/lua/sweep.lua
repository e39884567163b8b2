-- KEYS[1] the key prefix and ARGV[1] the time, as in every script (see lib.lua).
-- Flips due invites to expired.
-- ARGV: 2 most invites to flip in this call.
-- Walks only the due index (pending invites with an expiry, ordered by it), so the cost follows
-- what expired, not what is stored; and flips each one by its status letter, without decoding it
-- (see lib.lua). Each flip publishes invite.expired with the invite as stored.
-- Reply: {flipped, ids looked at}.
local ids = redis.call('ZRANGE', k('z', 'due'), '-inf', NOW, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
local flipped = 0
local tallies = tally_batch()
for _, id in ipairs(ids) do
  local key = k('inv', id)
  local raw = redis.call('GET', key)
  if raw and string.sub(raw, 1, 1) == 'P' then
    redis.call('SETRANGE', key, 0, 'E')
    audit(id, EXPIRED_LINE, EXPIRED_EVENT)
    publish('invite.expired', id, 'E' .. string.sub(raw, 2))
    tallies.count_raw('expired', raw)
    flipped = flipped + 1
  end
  -- An e-mail invite's uniqueness key expires by itself at expiresAt (uniq_claim).
end
-- The ids read are the due index's first #ids members, and nothing ran in between.
if #ids > 0 then redis.call('ZREMRANGEBYRANK', k('z', 'due'), 0, #ids - 1) end
if flipped > 0 then stat('expired', flipped) end
tallies.flush()
return {flipped, #ids}
