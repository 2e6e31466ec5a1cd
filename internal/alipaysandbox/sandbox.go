// Package alipaysandbox is a local stand-in for Alipay's open-platform
// gateway. It speaks the real wire format (form-encoded requests signed with
// RSA2, JSON responses signed over the raw bytes of the "*_response" value,
// signed async notifications and a signed page-pay return redirect) with test
// keys, so the unmodified smartwalle/alipay/v3 client works against it when
// pointed at its URL, and the whole payment flow runs offline.
//
// Mount Handler() anywhere (with or without http.StripPrefix): it routes on
// the last path segment, so under "/alipay-sandbox/" the gateway is
// "<base>/alipay-sandbox/gateway.do", the pay button posts to ".../pay" and
// ".../" lists the trades.
//
// Supported methods: alipay.trade.page.pay (a GET of the URL the client
// builds: renders a cashier page with a Pay button), alipay.trade.query,
// alipay.trade.close and alipay.trade.refund.
//
// # Several instances
//
// The trades live in Redis (Config.Redis, under Config.RedisPrefix +
// "alipay-sandbox:"), so several servers behind one load balancer are one
// sandbox: a trade opened on one can be paid, queried, closed and refunded
// on any other. Each trade is one hash, "trade:{<out_trade_no>}", and every
// transition (open, pay, close, refund, expiry) is one Lua script on that
// one key, atomic across instances and Cluster-safe; of two instances
// paying one trade at once, one pays and sends the notification, the other
// sees it paid. The trade_no index ("trade-no:{<trade_no>}") and the list
// of recent trades for the index page ("trades") are keys of their own,
// written outside the scripts: a trade_no is reserved before its trade is
// created, and a lookup by trade_no checks the trade's own. Trades are
// kept Config.Retention (a year) after they were opened.
//
// A Redis that does not answer (every call has Config.RedisTimeout) makes
// the gateway answer Alipay's system error (20000 isp.unknow-error), which
// callers retry, never ACQ.TRADE_NOT_EXIST. Injected faults (FailNext) and
// the resends of a notification stay with the process that set them up:
// the instance whose Pay button was clicked delivers the notification,
// though any instance's Resend acknowledges it for all.
//
// Every instance must sign with the same sandbox key and verify the same
// app key: pass them in Config (PrivateKeyPEM, AppPublicKeyPEM), or have
// SharedKeys make a pair once and keep it in Redis for the others. The
// seller_id is derived from the sandbox key, so it agrees too.
package alipaysandbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Trade statuses, as Alipay spells them.
const (
	StatusWaitBuyerPay = "WAIT_BUYER_PAY"
	StatusSuccess      = "TRADE_SUCCESS"
	StatusClosed       = "TRADE_CLOSED"
	StatusFinished     = "TRADE_FINISHED" // never produced by the sandbox
)

// Alipay's wire formats.
const (
	timeLayout         = "2006-01-02 15:04:05"
	productCodePagePay = "FAST_INSTANT_TRADE_PAY"
)

// DefaultNotifyRetries is the resend schedule used when Config.NotifyRetries
// is nil: the delay before each resend, counted from the previous attempt.
// (Alipay itself resends 8 times over about 25 hours.)
var DefaultNotifyRetries = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}

// Config configures a Sandbox.
type Config struct {
	// AppID is the only app id the gateway accepts (anything else gets
	// 40002 isv.invalid-app-id).
	AppID string
	// AppPublicKeyPEM is the app's public key ("应用公钥"), used to verify
	// request signatures: PKIX or PKCS#1, PEM or bare base64.
	AppPublicKeyPEM string
	// PrivateKeyPEM is the sandbox's own ("Alipay") private key, PKCS#1 or
	// PKCS#8; it signs responses, notifications and returns. Empty: a fresh
	// key is generated, which only a single instance can live with (see
	// SharedKeys). The app loads PublicKeyPEM() as "Alipay public key".
	PrivateKeyPEM string
	// Client sends notifications. Nil: a client with a 10s timeout.
	Client *http.Client
	// Log receives what the gateway does. Nil: discarded.
	Log *slog.Logger
	// NotifyRetries: delays between resends of a notification while the app
	// does not answer exactly "success". Nil: DefaultNotifyRetries; a non-nil
	// empty slice: never resend.
	NotifyRetries []time.Duration
	// NotifyRefunds also sends the notifications Alipay sends after a refund
	// (trade_status TRADE_SUCCESS with refund_fee/gmt_refund, or TRADE_CLOSED
	// after a full refund). Off by default.
	NotifyRefunds bool
	// MerchantName is shown on the cashier page.
	MerchantName string
	// SellerID is the merchant's Alipay user id ("2088..."). Empty: random.
	SellerID string
	// Location interprets time_expire and formats gmt_* / notify_time.
	// Nil: UTC+8 (Beijing time, as Alipay).
	Location *time.Location
	// Now is the clock (for expiry tests). Nil: time.Now.
	Now func() time.Time
	// FirstNotifyWait: how long the Pay button waits for the first
	// notification attempt before redirecting the browser, so the shop usually
	// knows about the payment when the buyer comes back. Zero: 3s.
	FirstNotifyWait time.Duration
	// Redis keeps the trades (required). Every sandbox on the same Redis
	// and RedisPrefix serves the same trades; give them the same keys too.
	Redis redis.UniversalClient
	// RedisPrefix starts every key, followed by "alipay-sandbox:".
	RedisPrefix string
	// RedisTimeout bounds each Redis call. Zero: DefaultRedisTimeout.
	RedisTimeout time.Duration
	// Retention is how long a trade is kept after it was opened. Zero:
	// DefaultRetention.
	Retention time.Duration
}

// Sandbox is an Alipay gateway whose trades live in Redis. Create it with
// New, serve Handler(), and Close it to stop notification resends.
type Sandbox struct {
	appID         string
	appPub        *rsa.PublicKey
	key           *rsa.PrivateKey
	pubPEM        string
	client        *http.Client
	log           *slog.Logger
	retries       []time.Duration
	notifyRefunds bool
	merchant      string
	sellerID      string
	loc           *time.Location
	now           func() time.Time
	firstWait     time.Duration
	store         *store

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once

	// mu guards what stays in this process: the injected faults and the
	// resends this instance runs.
	mu     sync.Mutex
	closed bool
	faults map[string][]fault // by method, consumed in order
}

// trade is a trade as read from the store: a snapshot, never written back
// (every change is a store script).
type trade struct {
	outTradeNo  string
	tradeNo     string
	status      string
	subject     string
	body        string
	passback    string
	totalCents  int64
	refunded    int64
	notifyURL   string
	returnURL   string
	created     time.Time
	paid        time.Time
	expires     time.Time // zero: never
	buyerID     string
	everPaid    bool
	refunds     map[string]refund // by out_request_no
	payNotify   url.Values        // the TRADE_SUCCESS notification, as signed
	payAcked    bool
	notifySent  int
	notifyAcked int
	refundCalls int
}

type refund struct {
	cents int64
	at    time.Time
}

// TradeState is a snapshot of a trade, for tests.
type TradeState struct {
	OutTradeNo     string
	TradeNo        string
	Status         string // WAIT_BUYER_PAY, TRADE_SUCCESS or TRADE_CLOSED
	Subject        string
	TotalAmount    string // "88.00": always two decimals, as Alipay echoes it
	RefundedAmount string
	BuyerID        string
	NotifyURL      string
	ReturnURL      string
	Created        time.Time
	Paid           time.Time // zero until paid
	Expires        time.Time // zero: no expiry
	// NotifyAttempts counts notification POSTs sent for this trade (all
	// kinds, resends included); NotifyAcks those answered "success".
	NotifyAttempts int
	NotifyAcks     int
	// PaymentNotified: the TRADE_SUCCESS notification was acknowledged.
	PaymentNotified bool
	// RefundCalls counts authenticated alipay.trade.refund requests with a
	// well-formed amount for this trade, repeats of one out_request_no and
	// business refusals included.
	RefundCalls int
}

// New builds a sandbox gateway.
func New(cfg Config) (*Sandbox, error) {
	if cfg.AppID == "" {
		return nil, errors.New("alipaysandbox: AppID is required")
	}
	if cfg.Redis == nil {
		return nil, errors.New("alipaysandbox: Redis is required")
	}
	appPub, err := parsePublicKey(cfg.AppPublicKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("alipaysandbox: AppPublicKeyPEM: %w", err)
	}
	var key *rsa.PrivateKey
	if cfg.PrivateKeyPEM == "" {
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, err
		}
	} else if key, err = parsePrivateKey(cfg.PrivateKeyPEM); err != nil {
		return nil, fmt.Errorf("alipaysandbox: PrivateKeyPEM: %w", err)
	}
	pubPEM, err := encodePublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{
		appID:         cfg.AppID,
		appPub:        appPub,
		key:           key,
		pubPEM:        pubPEM,
		client:        cfg.Client,
		log:           cfg.Log,
		retries:       cfg.NotifyRetries,
		notifyRefunds: cfg.NotifyRefunds,
		merchant:      cfg.MerchantName,
		sellerID:      cfg.SellerID,
		loc:           cfg.Location,
		now:           cfg.Now,
		firstWait:     cfg.FirstNotifyWait,
		store: &store{
			rdb:       cfg.Redis,
			prefix:    cfg.RedisPrefix + "alipay-sandbox:",
			timeout:   cmp.Or(cfg.RedisTimeout, DefaultRedisTimeout),
			retention: cmp.Or(cfg.Retention, DefaultRetention),
		},
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.retries == nil {
		s.retries = DefaultNotifyRetries
	}
	if s.merchant == "" {
		s.merchant = "Sandbox merchant"
	}
	if s.sellerID == "" {
		s.sellerID = sellerIDOf(&key.PublicKey)
	}
	if s.loc == nil {
		s.loc = time.FixedZone("CST", 8*60*60)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.firstWait == 0 {
		s.firstWait = 3 * time.Second
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// PublicKeyPEM is the sandbox's public key (PKIX PEM): what the app loads
// with Client.LoadAliPayPublicKey.
func (s *Sandbox) PublicKeyPEM() string { return s.pubPEM }

// AppID is the app id the sandbox accepts.
func (s *Sandbox) AppID() string { return s.appID }

// SellerID is the merchant's (fake) Alipay user id sent as seller_id.
func (s *Sandbox) SellerID() string { return s.sellerID }

// Close stops notification resends and waits for in-flight deliveries.
// The handler keeps answering afterwards but sends no more notifications.
func (s *Sandbox) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		s.wg.Wait()
	})
}

// Handler serves the gateway. It routes on the last path segment
// ("gateway.do", "pay", "" for the trade list), so it works mounted at any
// prefix, behind http.StripPrefix or not.
func (s *Sandbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch p[strings.LastIndex(p, "/")+1:] {
		case "gateway.do":
			s.serveGateway(w, r)
		case "pay":
			s.servePay(w, r)
		case "":
			s.serveIndex(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

func (s *Sandbox) fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc).Format(timeLayout)
}

// lookup finds a trade by trade_no (preferred, as Alipay) or out_trade_no
// and runs sc on it; r.code 0 is an unknown trade.
func (s *Sandbox) lookup(ctx context.Context, sc *redis.Script, outTradeNo, tradeNo string, args ...any) (result, error) {
	if tradeNo != "" {
		otn, err := s.store.outTradeNo(ctx, tradeNo)
		if err != nil || otn == "" || (outTradeNo != "" && otn != outTradeNo) {
			return result{}, err
		}
		outTradeNo = otn
	}
	if outTradeNo == "" {
		return result{}, nil
	}
	return s.store.run(ctx, sc, outTradeNo, tradeNo, s.now(), args...)
}

func (s *Sandbox) newTradeNo() string {
	return s.now().In(s.loc).Format("20060102") + "22001" + randomDigits(15)
}

func (t *trade) snapshot() TradeState {
	return TradeState{
		OutTradeNo:      t.outTradeNo,
		TradeNo:         t.tradeNo,
		Status:          t.status,
		Subject:         t.subject,
		TotalAmount:     formatCents(t.totalCents),
		RefundedAmount:  formatCents(t.refunded),
		BuyerID:         t.buyerID,
		NotifyURL:       t.notifyURL,
		ReturnURL:       t.returnURL,
		Created:         t.created,
		Paid:            t.paid,
		Expires:         t.expires,
		NotifyAttempts:  t.notifySent,
		NotifyAcks:      t.notifyAcked,
		PaymentNotified: t.payAcked,
		RefundCalls:     t.refundCalls,
	}
}

func randomDigits(n int) string {
	var b strings.Builder
	ten := big.NewInt(10)
	for range n {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			panic(err)
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// parseAmount reads an Alipay amount in yuan ("88", "88.8", "88.88") into
// cents; Alipay's range is [0.01, 100000000].
func parseAmount(s string) (int64, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || (hasDot && (len(frac) == 0 || len(frac) > 2)) {
		return 0, fmt.Errorf("invalid amount %q", s)
	}
	var cents int64
	for _, c := range whole {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid amount %q", s)
		}
		cents = cents*10 + int64(c-'0')
	}
	frac += "00"[len(frac):]
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid amount %q", s)
		}
		cents = cents*10 + int64(c-'0')
	}
	if cents < 1 || cents > 100_000_000_00 {
		return 0, fmt.Errorf("amount %q out of range", s)
	}
	return cents, nil
}

func formatCents(c int64) string {
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}
