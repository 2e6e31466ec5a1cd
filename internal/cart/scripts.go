package cart

import "github.com/redis/go-redis/v9"

// Prefixes of the error replies the scripts raise on purpose. Go matches
// them with redis.HasErrorPrefix; the text after the prefix is for people
// reading a Redis log only.
const (
	errPrefixQtyLimit = "QTYLIMIT"
	errPrefixLimit    = "BUYLIMIT"
	errPrefixNoStock  = "NOSTOCK"
	errPrefixCartFull = "CARTFULL"
	errPrefixNoLine   = "NOLINE"
)

// luaLine is shared by the scripts: the line encoding "<count>:<sel>:<seq>"
// (see the package comment) and the TTL touch.
const luaLine = `
local function decode(v)
  local c, s, q = string.match(v, '^(%d+):([01]):(%d+)$')
  if not c then error('cart: malformed line value ' .. tostring(v)) end
  return tonumber(c), s, tonumber(q)
end

local function encode(c, s, q)
  return string.format('%d:%s:%d', c, s, q)
end

-- nextseq is one more than the highest seq in the cart, so a new line sorts
-- after every line already there. A cart has at most 100 lines.
local function nextseq(key)
  local top = 0
  for _, v in ipairs(redis.call('HVALS', key)) do
    local _, _, q = decode(v)
    if q > top then top = q end
  end
  return top + 1
end

-- touch keeps a guest cart alive; ARGV[1] = 0 (a shopper's cart) leaves
-- the key without expiry. Every script passes the same first three ARGV:
-- ttl, newTTL and revisit (ms). A cart this script just created lives
-- newTTL; it earns the full ttl when it is used again: by a later write,
-- or by any touch revisit ms after it was created. Until then a read
-- leaves its clock alone, so a cart touched once dies a day later. The
-- remaining TTL is the state: a cart with more than newTTL left has earned
-- the full ttl already.
local function touch(key, write)
  local ttl, newTTL, revisit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
  if ttl <= 0 then return end
  local left = redis.call('PTTL', key)
  if left == -2 then return end
  if left == -1 then
    redis.call('PEXPIRE', key, newTTL)
  elseif write or left > newTTL or newTTL - left >= revisit then
    redis.call('PEXPIRE', key, ttl)
  end
end
`

// addScript: KEYS[1] cart; ARGV ttl, newTTL, revisit (see touch), sku,
// count, stock, limit (0: none), maxCount, maxLines. Returns the line's new
// value. The stock and limit checks are here, not in Go, so the count they
// judge is the one being written even when devices race.
var addScript = redis.NewScript(luaLine + `
local key, sku = KEYS[1], ARGV[4]
local add, stock, limit = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local maxCount, maxLines = tonumber(ARGV[8]), tonumber(ARGV[9])
local count, sel, seq = 0, '1', 0
local cur = redis.call('HGET', key, sku)
if cur then
  count, sel, seq = decode(cur)
elseif redis.call('HLEN', key) >= maxLines then
  return redis.error_reply('CARTFULL the cart already holds ' .. maxLines .. ' lines')
else
  seq = nextseq(key)
end
local total = count + add
if total > maxCount then
  return redis.error_reply('QTYLIMIT ' .. count .. ' + ' .. add .. ' > ' .. maxCount)
end
if total > stock then
  return redis.error_reply('NOSTOCK ' .. total .. ' > ' .. stock)
end
if limit > 0 and total > limit then
  return redis.error_reply('BUYLIMIT ' .. total .. ' > ' .. limit)
end
local v = encode(total, sel, seq)
redis.call('HSET', key, sku, v)
touch(key, true)
return v
`)

// updateScript: KEYS[1] cart; ARGV ttl, newTTL, revisit, sku, count,
// stock, limit (0: none), sel ("1", "0", or empty to keep it). Returns the
// line's new value.
var updateScript = redis.NewScript(luaLine + `
local key, sku = KEYS[1], ARGV[4]
local count, stock, limit, sel = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local cur = redis.call('HGET', key, sku)
if not cur then
  return redis.error_reply('NOLINE ' .. sku)
end
local _, s, q = decode(cur)
if count > stock then
  return redis.error_reply('NOSTOCK ' .. count .. ' > ' .. stock)
end
if limit > 0 and count > limit then
  return redis.error_reply('BUYLIMIT ' .. count .. ' > ' .. limit)
end
if sel ~= '' then s = sel end
local v = encode(count, s, q)
redis.call('HSET', key, sku, v)
touch(key, true)
return v
`)

// removeScript: KEYS[1] cart; ARGV ttl, newTTL, revisit, sku... Returns
// lines removed.
var removeScript = redis.NewScript(luaLine + `
local key, n = KEYS[1], 0
for i = 4, #ARGV do
  n = n + redis.call('HDEL', key, ARGV[i])
end
touch(key, true)
return n
`)

// selectAllScript: KEYS[1] cart; ARGV ttl, newTTL, revisit, sel ('1' or
// '0'). Returns the number of lines.
var selectAllScript = redis.NewScript(luaLine + `
local key, sel = KEYS[1], ARGV[4]
local h = redis.call('HGETALL', key)
-- decode everything before writing anything: a script that fails halfway
-- keeps its earlier writes
local out = {}
for i = 1, #h, 2 do
  local c, _, q = decode(h[i + 1])
  out[#out + 1] = h[i]
  out[#out + 1] = encode(c, sel, q)
end
if #out > 0 then redis.call('HSET', key, unpack(out)) end
touch(key, true)
return #h / 2
`)

// readScript: KEYS[1] cart; ARGV ttl, newTTL, revisit. Returns HGETALL's
// flat list. A script rather than a bare HGETALL so that reading a guest
// cart also keeps it alive, in the same round trip.
var readScript = redis.NewScript(luaLine + `
local h = redis.call('HGETALL', KEYS[1])
if #h > 0 then touch(KEYS[1], false) end
return h
`)

// removePurchasedScript: KEYS[1] cart, KEYS[2] the order's mark; ARGV
// ttl, newTTL, revisit, the mark's lifetime (ms), then sku, count pairs.
// Each line keeps what was added beyond the purchase (current - purchased);
// a line left with <= 0 is deleted. The mark, set in the same step, makes
// a second run for the order (a retry whose first answer was lost) change
// nothing. Returns 1, or 0 when the order's lines were taken out before.
var removePurchasedScript = redis.NewScript(luaLine + `
local key, mark = KEYS[1], KEYS[2]
if redis.call('EXISTS', mark) == 1 then return 0 end
for i = 5, #ARGV, 2 do
  local sku, bought = ARGV[i], tonumber(ARGV[i + 1])
  local cur = redis.call('HGET', key, sku)
  if cur then
    local c, s, q = decode(cur)
    if c - bought <= 0 then
      redis.call('HDEL', key, sku)
    else
      redis.call('HSET', key, sku, encode(c - bought, s, q))
    end
  end
end
touch(key, true)
redis.call('SET', mark, '1', 'PX', ARGV[4])
return 1
`)

// applyGuestScript, the first step of a merge, runs on the shopper's slot:
// KEYS[1] shopper cart, KEYS[2] the merge's mark (a hash: SKU id -> the
// guest line's value it applied, or "d" and the value it dropped); ARGV
// maxLines, the mark's lifetime (ms), then the guest cart's sku, value
// pairs as read. A guest line whose value the mark holds was dealt with by
// an earlier run of this merge and is not applied again; a line the
// visitor changed since is. Returns the SKU ids of the guest lines dropped
// for lack of room, now or by the earlier run.
var applyGuestScript = redis.NewScript(luaLine + `
local userKey, mark, maxLines = KEYS[1], KEYS[2], tonumber(ARGV[1])
local guest = {}
for i = 3, #ARGV, 2 do
  local c, s, q = decode(ARGV[i + 1])
  guest[#guest + 1] = {sku = ARGV[i], v = ARGV[i + 1], c = c, s = s, q = q}
end
-- the visitor's add order decides which new lines fit
table.sort(guest, function(a, b)
  if a.q ~= b.q then return a.q < b.q end
  return tonumber(a.sku) < tonumber(b.sku)
end)
local lines = redis.call('HLEN', userKey)
local seq = nextseq(userKey)
local dropped, done = {}, {}
for _, g in ipairs(guest) do
  local before = redis.call('HGET', mark, g.sku)
  if before == 'd' .. g.v then
    dropped[#dropped + 1] = g.sku
  elseif before ~= g.v then
    local cur = redis.call('HGET', userKey, g.sku)
    if cur then
      local _, _, q = decode(cur)
      redis.call('HSET', userKey, g.sku, encode(g.c, g.s, q))
      done[#done + 1], done[#done + 2] = g.sku, g.v
    elseif lines < maxLines then
      redis.call('HSET', userKey, g.sku, encode(g.c, g.s, seq))
      seq = seq + 1
      lines = lines + 1
      done[#done + 1], done[#done + 2] = g.sku, g.v
    else
      dropped[#dropped + 1] = g.sku
      done[#done + 1], done[#done + 2] = g.sku, 'd' .. g.v
    end
  end
end
if #done > 0 then
  redis.call('HSET', mark, unpack(done))
  redis.call('PEXPIRE', mark, ARGV[2])
end
return dropped
`)

// dropGuestScript, the second step of a merge, runs on the guest's slot:
// KEYS[1] guest cart; ARGV its sku, value pairs as the first step read
// them. It deletes the cart only if it still holds exactly those lines, so
// a line the visitor wrote in between is not lost. Returns 1 when deleted.
var dropGuestScript = redis.NewScript(`
if redis.call('HLEN', KEYS[1]) * 2 ~= #ARGV then return 0 end
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then return 0 end
end
redis.call('DEL', KEYS[1])
return 1
`)
