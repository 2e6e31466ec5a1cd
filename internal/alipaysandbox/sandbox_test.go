package alipaysandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/smartwalle/alipay/v3"

	"github.com/storefront/storefront/internal/alipaysandbox"
	"github.com/storefront/storefront/internal/testenv"
)

const appID = "2021000000000001"

var beijing = time.FixedZone("CST", 8*60*60)

// Keys are slow to generate under -race: make them once.
var keys = sync.OnceValue(func() (k struct{ appPriv, appPub, gwPriv, otherPriv string }) {
	var err error
	if k.appPriv, k.appPub, err = alipaysandbox.GenerateKey(); err != nil {
		panic(err)
	}
	if k.gwPriv, _, err = alipaysandbox.GenerateKey(); err != nil {
		panic(err)
	}
	if k.otherPriv, _, err = alipaysandbox.GenerateKey(); err != nil {
		panic(err)
	}
	return k
})

// notifySink is the app's notify endpoint: it records each notification and
// answers what answer() says.
type notifySink struct {
	srv *httptest.Server
	ch  chan url.Values

	mu     sync.Mutex
	answer string
}

func newNotifySink(t *testing.T, answer string) *notifySink {
	n := &notifySink{ch: make(chan url.Values, 100), answer: answer}
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			t.Errorf("notify: %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("notify: %v", err)
		}
		n.ch <- r.PostForm
		n.mu.Lock()
		a := n.answer
		n.mu.Unlock()
		_, _ = io.WriteString(w, a)
	}))
	t.Cleanup(n.srv.Close)
	return n
}

func (n *notifySink) setAnswer(a string) {
	n.mu.Lock()
	n.answer = a
	n.mu.Unlock()
}

func (n *notifySink) next(t *testing.T) url.Values {
	t.Helper()
	select {
	case v := <-n.ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no notification arrived")
		return nil
	}
}

func (n *notifySink) none(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case v := <-n.ch:
		t.Fatalf("unexpected notification: %v", v)
	case <-time.After(within):
	}
}

// sharedRedis is the test Redis and a key prefix of this test's own.
func sharedRedis(t *testing.T) (redis.UniversalClient, string) {
	t.Helper()
	addr, prefix := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb, prefix
}

type env struct {
	sb      *alipaysandbox.Sandbox
	srv     *httptest.Server
	gateway string
	client  *alipay.Client
	notify  *notifySink
	http    *http.Client // does not follow redirects
}

func newEnv(t *testing.T, cfg alipaysandbox.Config) *env {
	t.Helper()
	k := keys()
	cfg.AppPublicKeyPEM = k.appPub
	if cfg.PrivateKeyPEM == "" {
		cfg.PrivateKeyPEM = k.gwPriv
	}
	return newEnvWithAppKey(t, cfg, k.appPriv)
}

// newEnvWithAppKey serves a sandbox configured by cfg to a client signing
// with appPriv.
func newEnvWithAppKey(t *testing.T, cfg alipaysandbox.Config, appPriv string) *env {
	t.Helper()
	cfg.AppID = appID
	if cfg.NotifyRetries == nil {
		cfg.NotifyRetries = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}
	}
	if cfg.Redis == nil {
		cfg.Redis, cfg.RedisPrefix = sharedRedis(t)
	}
	sb, err := alipaysandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	mux := http.NewServeMux()
	mux.Handle("/alipay-sandbox/", http.StripPrefix("/alipay-sandbox", sb.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{
		sb:      sb,
		srv:     srv,
		gateway: srv.URL + "/alipay-sandbox/gateway.do",
		notify:  newNotifySink(t, "success"),
		http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
	e.client = e.newClient(t, appID, appPriv)
	return e
}

func (e *env) newClient(t *testing.T, id, priv string) *alipay.Client {
	t.Helper()
	c, err := alipay.New(id, priv, false, alipay.WithSandboxGateway(e.gateway))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAliPayPublicKey(e.sb.PublicKeyPEM()); err != nil {
		t.Fatal(err)
	}
	return c
}

func pagePay(outTradeNo, amount string, expires time.Time, notifyURL string) alipay.TradePagePay {
	var p alipay.TradePagePay
	p.NotifyURL = notifyURL
	p.ReturnURL = "https://shop.example/paid?from=alipay"
	p.Subject = "Order " + outTradeNo
	p.OutTradeNo = outTradeNo
	p.TotalAmount = amount
	p.ProductCode = "FAST_INSTANT_TRADE_PAY"
	if !expires.IsZero() {
		p.TimeExpire = expires.In(beijing).Format("2006-01-02 15:04:05")
	}
	return p
}

// open builds the pay URL with the real client and GETs it.
func (e *env) open(t *testing.T, c *alipay.Client, p alipay.TradePagePay) (int, string) {
	t.Helper()
	u, err := c.TradePagePay(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.String(), e.gateway+"?") {
		t.Fatalf("pay URL %s does not use the sandbox gateway", u)
	}
	resp, err := e.http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// clickPay posts the pay page's form.
func (e *env) clickPay(t *testing.T, outTradeNo string) *http.Response {
	t.Helper()
	resp, err := e.http.PostForm(e.srv.URL+"/alipay-sandbox/pay", url.Values{"out_trade_no": {outTradeNo}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func inAnHour() time.Time { return time.Now().Add(time.Hour) }

func TestPagePayFlow(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, alipaysandbox.Config{MerchantName: "Test Shop"})
	e.notify.setAnswer("failure")

	status, page := e.open(t, e.client, pagePay("order-1", "88.8", inAnHour(), e.notify.srv.URL+"/alipay/notify"))
	if status != http.StatusOK {
		t.Fatalf("page status %d: %s", status, page)
	}
	for _, want := range []string{"Test Shop", "88.80", "Order order-1", "order-1", `<form method="post" action="pay">`, "Cancel", "Pay before"} {
		if !strings.Contains(page, want) {
			t.Errorf("pay page lacks %q:\n%s", want, page)
		}
	}
	st, ok := e.sb.Trade("order-1")
	if !ok || st.Status != alipaysandbox.StatusWaitBuyerPay || st.TotalAmount != "88.80" {
		t.Fatalf("trade after opening: %+v %v", st, ok)
	}
	q, err := e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "order-1"})
	if err != nil || !q.IsSuccess() || q.TradeStatus != alipay.TradeStatusWaitBuyerPay {
		t.Fatalf("query before paying: %+v %v", q, err)
	}

	// Pay: the browser goes back to return_url with verifiable parameters.
	resp := e.clickPay(t, "order-1")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Host != "shop.example" || loc.Path != "/paid" {
		t.Fatalf("redirect to %s", loc)
	}
	ret := loc.Query()
	if ret.Get("from") != "alipay" {
		t.Errorf("return_url's own query lost: %s", loc)
	}
	ret.Del("from") // the merchant's own parameter is not signed
	if err := e.client.VerifySign(ctx, ret); err != nil {
		t.Fatalf("return parameters do not verify: %v (%s)", err, loc)
	}
	if ret.Get("method") != "alipay.trade.page.pay.return" || ret.Get("out_trade_no") != "order-1" ||
		ret.Get("total_amount") != "88.80" || ret.Get("app_id") != appID || ret.Get("trade_no") == "" {
		t.Errorf("return parameters: %v", ret)
	}

	// The notification, answered "failure", is resent; "success" stops it.
	first := e.notify.next(t)
	n, err := e.client.DecodeNotification(ctx, first)
	if err != nil {
		t.Fatalf("notification does not verify: %v", err)
	}
	if n.TradeStatus != alipay.TradeStatusSuccess || n.TotalAmount != "88.80" || n.OutTradeNo != "order-1" ||
		n.AppId != appID || n.TradeNo != ret.Get("trade_no") || n.NotifyType != alipay.NotifyTypeTradeStatusSync ||
		n.SellerId != e.sb.SellerID() || n.BuyerId == "" || n.GmtPayment == "" || n.SignType != "RSA2" {
		t.Errorf("notification: %+v", n)
	}
	e.notify.setAnswer("success")
	second := e.notify.next(t)
	if second.Encode() != first.Encode() {
		t.Errorf("a resend differs from the first notification:\n%v\n%v", first, second)
	}
	e.notify.none(t, 300*time.Millisecond)
	st, _ = e.sb.Trade("order-1")
	if st.NotifyAttempts != 2 || st.NotifyAcks != 1 || !st.PaymentNotified || st.Status != alipaysandbox.StatusSuccess {
		t.Errorf("trade after notifications: %+v", st)
	}

	q, err = e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "order-1"})
	if err != nil || !q.IsSuccess() {
		t.Fatalf("query: %+v %v", q, err)
	}
	if q.TradeStatus != alipay.TradeStatusSuccess || q.TotalAmount != "88.80" || q.TradeNo != n.TradeNo || q.OutTradeNo != "order-1" {
		t.Errorf("query: %+v", q)
	}
	// By trade_no too.
	q, err = e.client.TradeQuery(ctx, alipay.TradeQuery{TradeNo: n.TradeNo})
	if err != nil || !q.IsSuccess() || q.OutTradeNo != "order-1" {
		t.Errorf("query by trade_no: %+v %v", q, err)
	}

	// Reopening the page or clicking again pays nothing twice.
	status, page = e.open(t, e.client, pagePay("order-1", "88.8", inAnHour(), e.notify.srv.URL+"/alipay/notify"))
	if status != http.StatusOK || !strings.Contains(page, "has been paid") || strings.Contains(page, `action="pay"`) {
		t.Errorf("reopened paid page: %d %s", status, page)
	}
	if resp := e.clickPay(t, "order-1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("second click: %d", resp.StatusCode)
	}
	e.notify.none(t, 100*time.Millisecond)

	// Resend delivers the same notification again, on demand.
	if err := e.sb.Resend("order-1"); err != nil {
		t.Fatal(err)
	}
	if again := e.notify.next(t); again.Encode() != first.Encode() {
		t.Errorf("Resend sent something else")
	}
}

func TestQueryUnknownTrade(t *testing.T) {
	e := newEnv(t, alipaysandbox.Config{})
	q, err := e.client.TradeQuery(context.Background(), alipay.TradeQuery{OutTradeNo: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if q.IsSuccess() || q.Code != alipay.CodeBusinessFailed || q.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("query of an unknown trade: %+v", q)
	}
}

func TestCloseThenPayIsRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, alipaysandbox.Config{})

	// A page-pay trade nobody opened does not exist at Alipay.
	c, err := e.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "order-2"})
	if err != nil || c.IsSuccess() || c.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("close unknown: %+v %v", c, err)
	}

	if status, page := e.open(t, e.client, pagePay("order-2", "10.00", inAnHour(), e.notify.srv.URL)); status != http.StatusOK {
		t.Fatalf("open: %d %s", status, page)
	}
	c, err = e.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "order-2"})
	if err != nil || !c.IsSuccess() || c.OutTradeNo != "order-2" || c.TradeNo == "" {
		t.Fatalf("close: %+v %v", c, err)
	}
	// Closing again is harmless.
	if c, err = e.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "order-2"}); err != nil || !c.IsSuccess() {
		t.Fatalf("close again: %+v %v", c, err)
	}
	q, err := e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "order-2"})
	if err != nil || !q.IsSuccess() || q.TradeStatus != alipay.TradeStatusClosed {
		t.Fatalf("query after close: %+v %v", q, err)
	}

	if resp := e.clickPay(t, "order-2"); resp.StatusCode != http.StatusConflict {
		t.Errorf("paying a closed trade: status %d", resp.StatusCode)
	}
	if _, err := e.sb.Pay("order-2"); !errors.Is(err, alipaysandbox.ErrNotPayable) {
		t.Errorf("Pay of a closed trade: %v", err)
	}
	status, page := e.open(t, e.client, pagePay("order-2", "10.00", inAnHour(), e.notify.srv.URL))
	if status != http.StatusOK || strings.Contains(page, `action="pay"`) || !strings.Contains(page, "TRADE_CLOSED") {
		t.Errorf("reopened closed page: %d %s", status, page)
	}
	e.notify.none(t, 100*time.Millisecond)
	if st, _ := e.sb.Trade("order-2"); st.Status != alipaysandbox.StatusClosed || !st.Paid.IsZero() {
		t.Errorf("trade: %+v", st)
	}

	// A paid trade cannot be closed.
	e.open(t, e.client, pagePay("order-3", "10.00", inAnHour(), e.notify.srv.URL))
	if _, err := e.sb.Pay("order-3"); err != nil {
		t.Fatal(err)
	}
	c, err = e.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "order-3"})
	if err != nil || c.IsSuccess() || c.SubCode != "ACQ.TRADE_STATUS_ERROR" {
		t.Errorf("close paid: %+v %v", c, err)
	}
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, alipaysandbox.Config{Now: clock})

	// Already expired: refused, and no trade is created.
	status, page := e.open(t, e.client, pagePay("late", "1.00", now.Add(-time.Minute), e.notify.srv.URL))
	if status != http.StatusBadRequest || !strings.Contains(page, "ACQ.TRADE_HAS_CLOSE") || strings.Contains(page, `action="pay"`) {
		t.Errorf("expired page: %d %s", status, page)
	}
	if _, ok := e.sb.Trade("late"); ok {
		t.Error("an expired page created a trade")
	}

	// Expires while the page is open.
	if status, _ := e.open(t, e.client, pagePay("soon", "1.00", now.Add(time.Minute), e.notify.srv.URL)); status != http.StatusOK {
		t.Fatal(status)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if resp := e.clickPay(t, "soon"); resp.StatusCode != http.StatusConflict {
		t.Errorf("paying after time_expire: %d", resp.StatusCode)
	}
	q, err := e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "soon"})
	if err != nil || q.TradeStatus != alipay.TradeStatusClosed {
		t.Errorf("query after expiry: %+v %v", q, err)
	}
}

func TestRefund(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, alipaysandbox.Config{NotifyRefunds: true})
	e.open(t, e.client, pagePay("order-4", "100", inAnHour(), e.notify.srv.URL))

	// Not paid yet.
	r, err := e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "order-4", RefundAmount: "1.00", OutRequestNo: "r0"})
	if err != nil || r.IsSuccess() || r.SubCode != "ACQ.TRADE_STATUS_ERROR" {
		t.Fatalf("refund unpaid: %+v %v", r, err)
	}

	tradeNo, err := e.sb.Pay("order-4")
	if err != nil {
		t.Fatal(err)
	}
	e.notify.next(t)

	for i := range 2 {
		r, err = e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "order-4", RefundAmount: "30.50", OutRequestNo: "r1"})
		if err != nil || !r.IsSuccess() {
			t.Fatalf("refund #%d: %+v %v", i, r, err)
		}
		want := []string{"Y", "N"}[i]
		if r.FundChange != want || r.RefundFee != "30.50" || r.TradeNo != tradeNo || r.OutTradeNo != "order-4" {
			t.Errorf("refund #%d: %+v", i, r)
		}
	}
	if st, _ := e.sb.Trade("order-4"); st.RefundedAmount != "30.50" || st.Status != alipaysandbox.StatusSuccess {
		t.Errorf("after refund: %+v", st)
	}
	rn, err := e.client.DecodeNotification(ctx, e.notify.next(t))
	if err != nil || rn.RefundFee != "30.50" || rn.TradeStatus != alipay.TradeStatusSuccess || rn.GmtRefund == "" || rn.OutBizNo != "r1" {
		t.Errorf("refund notification: %+v %v", rn, err)
	}
	e.notify.none(t, 100*time.Millisecond)

	// Same out_request_no, another amount.
	r, err = e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "order-4", RefundAmount: "1.00", OutRequestNo: "r1"})
	if err != nil || r.IsSuccess() || r.SubCode != "ACQ.DISCORDANT_REPEAT_REQUEST" {
		t.Errorf("discordant repeat: %+v %v", r, err)
	}
	// More than what is left.
	r, err = e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "order-4", RefundAmount: "69.51", OutRequestNo: "r2"})
	if err != nil || r.IsSuccess() || r.SubCode != "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" {
		t.Errorf("over-refund: %+v %v", r, err)
	}
	// The rest: the trade closes.
	r, err = e.client.TradeRefund(ctx, alipay.TradeRefund{TradeNo: tradeNo, RefundAmount: "69.50", OutRequestNo: "r3"})
	if err != nil || !r.IsSuccess() || r.RefundFee != "100.00" || r.FundChange != "Y" {
		t.Errorf("final refund: %+v %v", r, err)
	}
	q, err := e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "order-4"})
	if err != nil || q.TradeStatus != alipay.TradeStatusClosed {
		t.Errorf("query after full refund: %+v %v", q, err)
	}
	rn, err = e.client.DecodeNotification(ctx, e.notify.next(t))
	if err != nil || rn.TradeStatus != alipay.TradeStatusClosed || rn.RefundFee != "100.00" {
		t.Errorf("full-refund notification: %+v %v", rn, err)
	}
	r, err = e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "order-4", RefundAmount: "1.00", OutRequestNo: "r4"})
	if err != nil || r.IsSuccess() || r.SubCode != "ACQ.TRADE_HAS_CLOSE" {
		t.Errorf("refund of a closed trade: %+v %v", r, err)
	}
	r, err = e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "nope", RefundAmount: "1.00", OutRequestNo: "r1"})
	if err != nil || r.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("refund of an unknown trade: %+v %v", r, err)
	}
}

func TestRefusesForeignRequests(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, alipaysandbox.Config{})
	k := keys()

	checkErr := func(name string, err error, subCode string) {
		t.Helper()
		var aErr *alipay.Error
		if !errors.As(err, &aErr) || aErr.Code != alipay.CodeInvalidParam || aErr.SubCode != subCode {
			t.Errorf("%s: %v, want 40002 %s", name, err, subCode)
		}
	}

	forger := e.newClient(t, appID, k.otherPriv)
	_, err := forger.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "x"})
	checkErr("query signed with another key", err, "isv.invalid-signature")
	_, err = forger.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "x"})
	checkErr("close signed with another key", err, "isv.invalid-signature")

	stranger := e.newClient(t, "2021000000000999", k.appPriv)
	_, err = stranger.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "x", RefundAmount: "1", OutRequestNo: "1"})
	checkErr("refund with a wrong app id", err, "isv.invalid-app-id")

	status, page := e.open(t, forger, pagePay("forged", "1.00", inAnHour(), e.notify.srv.URL))
	if status != http.StatusBadRequest || !strings.Contains(page, "isv.invalid-signature") || strings.Contains(page, `action="pay"`) {
		t.Errorf("forged page pay: %d %s", status, page)
	}
	status, page = e.open(t, stranger, pagePay("stranger", "1.00", inAnHour(), e.notify.srv.URL))
	if status != http.StatusBadRequest || !strings.Contains(page, "isv.invalid-app-id") {
		t.Errorf("wrong app id page pay: %d %s", status, page)
	}

	// A genuine URL with the amount changed.
	u, err := e.client.TradePagePay(pagePay("tampered", "100.00", inAnHour(), e.notify.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("biz_content", strings.Replace(q.Get("biz_content"), "100.00", "0.01", 1))
	u.RawQuery = q.Encode()
	resp, err := e.http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("tampered URL: %d", resp.StatusCode)
	}
	for _, otn := range []string{"forged", "stranger", "tampered"} {
		if _, ok := e.sb.Trade(otn); ok {
			t.Errorf("trade %s was created", otn)
		}
	}

	// An unsupported method.
	_, err = e.client.TradeCancel(ctx, alipay.TradeCancel{OutTradeNo: "x"})
	var aErr *alipay.Error
	if !errors.As(err, &aErr) || aErr.SubCode != "isv.invalid-method" {
		t.Errorf("unsupported method: %v", err)
	}
}

func TestPayPageValidation(t *testing.T) {
	e := newEnv(t, alipaysandbox.Config{})
	p := pagePay("no-product", "1.00", inAnHour(), e.notify.srv.URL)
	p.ProductCode = ""
	if status, page := e.open(t, e.client, p); status != http.StatusBadRequest || !strings.Contains(page, "FAST_INSTANT_TRADE_PAY") {
		t.Errorf("missing product_code: %d %s", status, page)
	}
	if status, _ := e.open(t, e.client, pagePay("bad-amount", "1.001", inAnHour(), e.notify.srv.URL)); status != http.StatusBadRequest {
		t.Errorf("bad amount: %d", status)
	}
	// Same out_trade_no, another amount, while unpaid.
	e.open(t, e.client, pagePay("same", "1.00", inAnHour(), e.notify.srv.URL))
	if status, page := e.open(t, e.client, pagePay("same", "2.00", inAnHour(), e.notify.srv.URL)); status != http.StatusBadRequest ||
		!strings.Contains(page, "ACQ.CONTEXT_INCONSISTENT") {
		t.Errorf("reused out_trade_no: %d %s", status, page)
	}
	// The index lists trades.
	resp, err := http.Get(e.srv.URL + "/alipay-sandbox/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "same") {
		t.Errorf("index: %d %s", resp.StatusCode, b)
	}
}

func TestHelpers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, alipaysandbox.Config{})

	if _, err := e.sb.Pay("unknown"); !errors.Is(err, alipaysandbox.ErrTradeNotFound) {
		t.Errorf("Pay unknown: %v", err)
	}

	// PayWithoutNotify: paid at the gateway, nothing arrives; the query sees it.
	u, err := e.client.TradePagePay(pagePay("lost", "12.34", inAnHour(), e.notify.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	otn, err := e.sb.OpenPayURL(u.String())
	if err != nil || otn != "lost" {
		t.Fatalf("OpenPayURL: %q %v", otn, err)
	}
	tradeNo, err := e.sb.PayWithoutNotify("lost")
	if err != nil || tradeNo == "" {
		t.Fatal(tradeNo, err)
	}
	e.notify.none(t, 200*time.Millisecond)
	q, err := e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "lost"})
	if err != nil || !q.IsSuccess() || q.TradeStatus != alipay.TradeStatusSuccess || q.TradeNo != tradeNo || q.TotalAmount != "12.34" {
		t.Errorf("query: %+v %v", q, err)
	}
	// ... and it can still arrive late.
	if err := e.sb.Resend("lost"); err != nil {
		t.Fatal(err)
	}
	genuine := e.notify.next(t)
	if _, err := e.client.DecodeNotification(ctx, genuine); err != nil {
		t.Fatal(err)
	}

	// Pay delivers the first attempt before returning.
	e.open(t, e.client, pagePay("sync", "5.00", inAnHour(), e.notify.srv.URL))
	tn2, err := e.sb.Pay("sync")
	if err != nil || tn2 == tradeNo {
		t.Fatalf("Pay: %q %v", tn2, err)
	}
	if st, _ := e.sb.Trade("sync"); st.NotifyAcks != 1 || st.TradeNo != tn2 || st.Status != alipaysandbox.StatusSuccess {
		t.Errorf("after Pay: %+v", st)
	}
	e.notify.next(t)

	// A forged notification, validly signed, with a wrong amount.
	forged, ok := e.sb.Notification("lost")
	if !ok || forged.Encode() != genuine.Encode() {
		t.Fatal("Notification does not return the genuine one")
	}
	forged.Set("total_amount", "0.01")
	if _, err := e.client.DecodeNotification(ctx, forged); err == nil {
		t.Error("an altered notification verifies")
	}
	forged = e.sb.SignedNotification(forged)
	n, err := e.client.DecodeNotification(ctx, forged)
	if err != nil || n.TotalAmount != "0.01" {
		t.Errorf("SignedNotification: %+v %v", n, err)
	}
	// A notification signed by anyone else does not verify.
	rdb, prefix := sharedRedis(t)
	other, err := alipaysandbox.New(alipaysandbox.Config{AppID: appID, AppPublicKeyPEM: keys().appPub, PrivateKeyPEM: keys().otherPriv,
		Redis: rdb, RedisPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := e.client.DecodeNotification(ctx, other.SignedNotification(genuine)); err == nil {
		t.Error("a notification signed with another key verifies")
	}

	// Resend without an ack is an error.
	e.notify.setAnswer("fail")
	if err := e.sb.Resend("sync"); err == nil {
		t.Error("Resend answered with fail: no error")
	}
}

func TestNotificationNeedsExactSuccess(t *testing.T) {
	e := newEnv(t, alipaysandbox.Config{NotifyRetries: []time.Duration{10 * time.Millisecond}})
	e.notify.setAnswer("success\n")
	e.open(t, e.client, pagePay("o", "1.00", inAnHour(), e.notify.srv.URL))
	if _, err := e.sb.Pay("o"); err != nil {
		t.Fatal(err)
	}
	e.notify.next(t)
	e.notify.next(t) // the one resend of the schedule
	e.notify.none(t, 100*time.Millisecond)
	if st, _ := e.sb.Trade("o"); st.NotifyAttempts != 2 || st.NotifyAcks != 0 || st.PaymentNotified {
		t.Errorf("trade: %+v", st)
	}
}

func TestCloseStopsResends(t *testing.T) {
	e := newEnv(t, alipaysandbox.Config{NotifyRetries: []time.Duration{time.Hour}})
	e.notify.setAnswer("failure")
	e.open(t, e.client, pagePay("o", "1.00", inAnHour(), e.notify.srv.URL))
	if _, err := e.sb.Pay("o"); err != nil {
		t.Fatal(err)
	}
	e.notify.next(t)
	done := make(chan struct{})
	go func() { e.sb.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the resend loop")
	}
}

func TestKeyFormats(t *testing.T) {
	k := keys()
	// Bare base64 keys, as the Alipay console shows them.
	bare := func(pemText string) string {
		var b strings.Builder
		for _, l := range strings.Split(pemText, "\n") {
			if !strings.HasPrefix(l, "-----") {
				b.WriteString(l)
			}
		}
		return b.String()
	}
	rdb, prefix := sharedRedis(t)
	sb, err := alipaysandbox.New(alipaysandbox.Config{AppID: appID, AppPublicKeyPEM: bare(k.appPub), PrivateKeyPEM: bare(k.gwPriv),
		Redis: rdb, RedisPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if !strings.HasPrefix(sb.PublicKeyPEM(), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("PublicKeyPEM: %s", sb.PublicKeyPEM())
	}
	// smartwalle takes the bare forms too.
	c, err := alipay.New(appID, bare(k.appPriv), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAliPayPublicKey(bare(sb.PublicKeyPEM())); err != nil {
		t.Fatal(err)
	}
	if _, err := alipaysandbox.New(alipaysandbox.Config{AppID: appID, AppPublicKeyPEM: "junk", Redis: rdb}); err == nil {
		t.Error("junk key accepted")
	}
	if _, err := alipaysandbox.New(alipaysandbox.Config{AppPublicKeyPEM: k.appPub, Redis: rdb}); err == nil {
		t.Error("missing app id accepted")
	}
	if _, err := alipaysandbox.New(alipaysandbox.Config{AppID: appID, AppPublicKeyPEM: k.appPub}); err == nil {
		t.Error("missing Redis accepted")
	}
}
