package alipaysandbox

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// errStore marks a Redis failure: the outcome of the call is unknown, so
// the gateway answers Alipay's system error (retry), never "no such trade".
var errStore = errors.New("alipaysandbox: trade store unavailable")

// Default store settings.
const (
	// DefaultRedisTimeout bounds every Redis call of the sandbox.
	DefaultRedisTimeout = 3 * time.Second
	// DefaultRetention is how long a trade stays in Redis after it was
	// opened: Alipay takes refunds of a trade for 12 months.
	DefaultRetention = 366 * 24 * time.Hour
	// indexLength caps the creation-order list the index page reads.
	indexLength = 1000
)

// store keeps the trades in Redis so every instance on the same prefix
// serves every trade. A trade is one hash; each transition is one Lua
// script on that one key, so two instances racing on a trade serialize in
// Redis (and the keys work on Redis Cluster, one slot per trade).
type store struct {
	rdb       redis.UniversalClient
	prefix    string
	timeout   time.Duration
	retention time.Duration
}

// The {hash tag} is the trade's own id: each script touches one key anyway,
// the tag only keeps a trade's keys on one slot should a script ever need
// two.
func (st *store) tradeKey(outTradeNo string) string {
	return st.prefix + "trade:{" + outTradeNo + "}"
}
func (st *store) tradeNoKey(tradeNo string) string { return st.prefix + "trade-no:{" + tradeNo + "}" }
func (st *store) orderKey() string                 { return st.prefix + "trades" }

func (st *store) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, st.timeout)
}

func storeErr(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", errStore, op, err)
}

// loadLua opens every trade script: it finds the trade (KEYS[1]; ARGV[2],
// when not empty, the trade_no it must have) and closes it when its
// time_expire (ms) has passed at ARGV[1], as Alipay does on its own.
const loadLua = `
local function load()
  if redis.call('EXISTS', KEYS[1]) == 0 then return false end
  if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'tn') ~= ARGV[2] then return false end
  local exp = tonumber(redis.call('HGET', KEYS[1], 'expires') or '0')
  if exp > 0 and tonumber(ARGV[1]) >= exp and redis.call('HGET', KEYS[1], 'status') == 'WAIT_BUYER_PAY' then
    redis.call('HSET', KEYS[1], 'status', 'TRADE_CLOSED')
  end
  return true
end
`

// Every script answers {code, HGETALL of the trade or {}, extra}.

// queryScript: {0} unknown, {1, trade}.
var queryScript = redis.NewScript(loadLua + `
if not load() then return {0} end
return {1, redis.call('HGETALL', KEYS[1])}
`)

// openScript finds or creates a trade. ARGV[3]: total cents, [4]: subject,
// [5]/[6]: notify_url/return_url (replace the stored ones while unpaid),
// [7]: "1" when the new trade's time_expire has passed already, [8]:
// retention ms, [9...]: the new trade's fields and values.
// {1, trade} found, {2} found with another amount or subject, {3, trade}
// created, {4} not created (expired).
var openScript = redis.NewScript(loadLua + `
if load() then
  if redis.call('HGET', KEYS[1], 'status') == 'WAIT_BUYER_PAY' then
    if redis.call('HGET', KEYS[1], 'total') ~= ARGV[3] or redis.call('HGET', KEYS[1], 'subject') ~= ARGV[4] then
      return {2}
    end
    if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'notify_url', ARGV[5]) end
    if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'return_url', ARGV[6]) end
  end
  return {1, redis.call('HGETALL', KEYS[1])}
end
if ARGV[7] == '1' then return {4} end
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return {3, redis.call('HGETALL', KEYS[1])}
`)

// payScript pays a WAIT_BUYER_PAY trade. ARGV[3]: gmt_payment ms, [4]:
// buyer id, [5]: the payment notification (stored only when the trade has
// a notify_url, and only by the one call that pays).
// {0} unknown, {1, trade} paid now, {2, trade} not payable.
var payScript = redis.NewScript(loadLua + `
if not load() then return {0} end
if redis.call('HGET', KEYS[1], 'status') ~= 'WAIT_BUYER_PAY' then
  return {2, redis.call('HGETALL', KEYS[1])}
end
redis.call('HSET', KEYS[1], 'status', 'TRADE_SUCCESS', 'ever_paid', '1', 'paid', ARGV[3], 'buyer', ARGV[4])
if (redis.call('HGET', KEYS[1], 'notify_url') or '') ~= '' then
  redis.call('HSET', KEYS[1], 'pay_notify', ARGV[5])
end
return {1, redis.call('HGETALL', KEYS[1])}
`)

// closeScript: {0} unknown, {1, trade} closed before, {2} paid (cannot be
// closed), {3, trade} closed now.
var closeScript = redis.NewScript(loadLua + `
if not load() then return {0} end
if redis.call('HGET', KEYS[1], 'ever_paid') == '1' then return {2} end
if redis.call('HGET', KEYS[1], 'status') == 'WAIT_BUYER_PAY' then
  redis.call('HSET', KEYS[1], 'status', 'TRADE_CLOSED')
  return {3, redis.call('HGETALL', KEYS[1])}
end
return {1, redis.call('HGETALL', KEYS[1])}
`)

// refundScript refunds ARGV[4] cents under out_request_no ARGV[3] (empty:
// the out_trade_no, Alipay's default single full refund) at ARGV[1].
// {0} unknown, {1, trade, req} a repeat (nothing moves), {2} a repeat
// with another amount, {3} not paid, {4} closed, {5} more than is left,
// {6, trade, req} refunded now.
var refundScript = redis.NewScript(loadLua + `
if not load() then return {0} end
redis.call('HINCRBY', KEYS[1], 'refund_calls', 1)
local req = ARGV[3]
if req == '' then req = redis.call('HGET', KEYS[1], 'otn') end
local prev = redis.call('HGET', KEYS[1], 'r:' .. req)
if prev then
  if string.match(prev, '^%d+') ~= ARGV[4] then return {2} end
  return {1, redis.call('HGETALL', KEYS[1]), req}
end
if redis.call('HGET', KEYS[1], 'ever_paid') ~= '1' then return {3} end
if redis.call('HGET', KEYS[1], 'status') == 'TRADE_CLOSED' then return {4} end
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
local refunded = tonumber(redis.call('HGET', KEYS[1], 'refunded') or '0')
if tonumber(ARGV[4]) > total - refunded then return {5} end
redis.call('HSET', KEYS[1], 'r:' .. req, ARGV[4] .. ' ' .. ARGV[1])
if redis.call('HINCRBY', KEYS[1], 'refunded', ARGV[4]) == total then
  redis.call('HSET', KEYS[1], 'status', 'TRADE_CLOSED')
end
return {6, redis.call('HGETALL', KEYS[1]), req}
`)

// countScript counts one notification attempt: ARGV[1] "1" when it was
// acknowledged, ARGV[2] "1" when it was the payment notification.
var countScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'notify_sent', 1)
if ARGV[1] == '1' then
  redis.call('HINCRBY', KEYS[1], 'notify_acked', 1)
  if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'pay_acked', '1') end
end
return 1
`)

// result is a script's answer.
type result struct {
	code  int64
	trade *trade
	extra string
}

// run runs a trade script on outTradeNo's key: ARGV[1] is now, ARGV[2]
// the trade_no the trade must have ("" for any).
func (st *store) run(ctx context.Context, sc *redis.Script, outTradeNo, tradeNo string, now time.Time, args ...any) (result, error) {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	argv := append([]any{now.UnixMilli(), tradeNo}, args...)
	v, err := sc.Run(ctx, st.rdb, []string{st.tradeKey(outTradeNo)}, argv...).Slice()
	if err != nil {
		return result{}, storeErr("trade script", err)
	}
	var r result
	if len(v) > 0 {
		r.code, _ = v[0].(int64)
	}
	if len(v) > 1 {
		flat, _ := v[1].([]any)
		if len(flat) > 0 {
			if r.trade, err = decodeTrade(flat); err != nil {
				return result{}, err
			}
		}
	}
	if len(v) > 2 {
		r.extra, _ = v[2].(string)
	}
	return r, nil
}

// outTradeNo resolves a trade_no through the index; "" when unknown.
func (st *store) outTradeNo(ctx context.Context, tradeNo string) (string, error) {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	otn, err := st.rdb.Get(ctx, st.tradeNoKey(tradeNo)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", storeErr("trade_no index", err)
	}
	return otn, nil
}

// claimTradeNo reserves a fresh trade_no for outTradeNo in the index
// before the trade is created, so a trade never exists without its index
// entry. A reservation whose trade was not created (another instance
// created it first) points at a trade with another trade_no, which
// lookups reject, and is deleted.
func (st *store) claimTradeNo(ctx context.Context, outTradeNo string, newNo func() string) (string, error) {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	for {
		no := newNo()
		ok, err := st.rdb.SetNX(ctx, st.tradeNoKey(no), outTradeNo, st.retention).Result()
		if err != nil {
			return "", storeErr("trade_no index", err)
		}
		if ok {
			return no, nil
		}
	}
}

func (st *store) dropTradeNo(ctx context.Context, tradeNo string) error {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	if err := st.rdb.Del(ctx, st.tradeNoKey(tradeNo)).Err(); err != nil {
		return storeErr("trade_no index", err)
	}
	return nil
}

// listed appends a new trade to the creation-order list of the index page.
func (st *store) listed(ctx context.Context, outTradeNo string) error {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	if _, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, st.orderKey(), outTradeNo)
		p.LTrim(ctx, st.orderKey(), -indexLength, -1)
		return nil
	}); err != nil {
		return storeErr("trade list", err)
	}
	return nil
}

// recent returns the listed trades, oldest first, as stored (expiry not
// applied: the caller judges it for display).
func (st *store) recent(ctx context.Context) ([]*trade, error) {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	otns, err := st.rdb.LRange(ctx, st.orderKey(), 0, -1).Result()
	if err != nil {
		return nil, storeErr("trade list", err)
	}
	if len(otns) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(otns))
	if _, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, otn := range otns {
			cmds[i] = p.HGetAll(ctx, st.tradeKey(otn))
		}
		return nil
	}); err != nil {
		return nil, storeErr("trade list", err)
	}
	out := make([]*trade, 0, len(otns))
	for _, c := range cmds {
		if len(c.Val()) == 0 {
			continue // past its retention
		}
		t, err := tradeFromMap(c.Val())
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// payAcked reports whether some instance has had the payment notification
// acknowledged.
func (st *store) payAcked(ctx context.Context, outTradeNo string) (bool, error) {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	v, err := st.rdb.HGet(ctx, st.tradeKey(outTradeNo), "pay_acked").Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, storeErr("trade", err)
	}
	return v == "1", nil
}

func (st *store) countAttempt(ctx context.Context, outTradeNo string, acked, payment bool) error {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	if err := countScript.Run(ctx, st.rdb, []string{st.tradeKey(outTradeNo)}, flag(acked), flag(payment)).Err(); err != nil {
		return storeErr("notification count", err)
	}
	return nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// fields is a new trade as the hash fields openScript stores.
func (t *trade) fields() []any {
	return []any{
		"otn", t.outTradeNo, "tn", t.tradeNo, "status", t.status,
		"subject", t.subject, "body", t.body, "passback", t.passback,
		"total", strconv.FormatInt(t.totalCents, 10), "refunded", "0",
		"notify_url", t.notifyURL, "return_url", t.returnURL,
		"created", millis(t.created), "expires", millis(t.expires),
	}
}

func millis(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func fromMillis(s string) (time.Time, error) {
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms), nil
}

func decodeTrade(flat []any) (*trade, error) {
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		m[k] = v
	}
	return tradeFromMap(m)
}

func tradeFromMap(m map[string]string) (*trade, error) {
	t := &trade{
		outTradeNo: m["otn"],
		tradeNo:    m["tn"],
		status:     m["status"],
		subject:    m["subject"],
		body:       m["body"],
		passback:   m["passback"],
		notifyURL:  m["notify_url"],
		returnURL:  m["return_url"],
		buyerID:    m["buyer"],
		everPaid:   m["ever_paid"] == "1",
		payAcked:   m["pay_acked"] == "1",
		refunds:    map[string]refund{},
	}
	var err error
	// bad keeps the first field that did not parse.
	bad := func(field string, e error) {
		if e != nil && err == nil {
			err = fmt.Errorf("alipaysandbox: trade %q field %s: %w", t.outTradeNo, field, e)
		}
	}
	num := func(field string) int64 {
		if m[field] == "" {
			return 0
		}
		n, e := strconv.ParseInt(m[field], 10, 64)
		bad(field, e)
		return n
	}
	when := func(field string) time.Time {
		tm, e := fromMillis(m[field])
		bad(field, e)
		return tm
	}
	t.totalCents, t.refunded = num("total"), num("refunded")
	t.notifySent, t.notifyAcked, t.refundCalls = int(num("notify_sent")), int(num("notify_acked")), int(num("refund_calls"))
	t.created, t.paid, t.expires = when("created"), when("paid"), when("expires")
	if raw := m["pay_notify"]; raw != "" {
		v, e := url.ParseQuery(raw)
		bad("pay_notify", e)
		t.payNotify = v
	}
	for k, v := range m {
		req, ok := strings.CutPrefix(k, "r:")
		if !ok {
			continue
		}
		cents, at, _ := strings.Cut(v, " ")
		c, e := strconv.ParseInt(cents, 10, 64)
		bad(k, e)
		tm, e := fromMillis(at)
		bad(k, e)
		t.refunds[req] = refund{cents: c, at: tm}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}
