--- @include base
-- Code look-ups, digest -> id, in hashes that each hold the digests of one two-character start
-- (4,096 per partition), so each stays a small listpack: about 50 bytes a code where a key of its
-- own took 120.
local function code_bucket(digest) return k(K.codes, string.sub(digest, 1, 2)) end
local function code_owner(digest) return redis.call('HGET', code_bucket(digest), digest) end
local function code_set(digest, id) redis.call('HSET', code_bucket(digest), digest, id) end
-- False when the digest leads to an invite already.
local function code_claim(digest, id)
  if code_owner(digest) then return false end
  code_set(digest, id)
  return true
end
local function code_drop(digest) redis.call('HDEL', code_bucket(digest), digest) end
