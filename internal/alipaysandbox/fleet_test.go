package alipaysandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/smartwalle/alipay/v3"

	"github.com/storefront/storefront/internal/alipaysandbox"
	"github.com/storefront/storefront/internal/testenv"
)

// fleet is two sandbox instances, as behind a load balancer: one Redis and
// prefix, the keys SharedKeys handed each of them.
func fleet(t *testing.T, rdb redis.UniversalClient, prefix string, cfg alipaysandbox.Config) (a, b *env) {
	t.Helper()
	ctx := context.Background()
	var envs [2]*env
	var first alipaysandbox.Keys
	for i := range envs {
		k, err := alipaysandbox.SharedKeys(ctx, rdb, prefix, 0)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = k
		} else if k != first {
			t.Fatal("the second instance got other keys than the first")
		}
		appPub, err := alipaysandbox.PublicKeyOf(k.App)
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		c.Redis, c.RedisPrefix = rdb, prefix
		c.PrivateKeyPEM, c.AppPublicKeyPEM = k.Sandbox, appPub
		envs[i] = newEnvWithAppKey(t, c, k.App)
	}
	return envs[0], envs[1]
}

func TestATradeOpenedOnOneInstanceIsPaidQueriedAndRefundedOnAnother(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := sharedRedis(t)
	a, b := fleet(t, rdb, prefix, alipaysandbox.Config{})
	if a.sb.SellerID() != b.sb.SellerID() || a.sb.PublicKeyPEM() != b.sb.PublicKeyPEM() {
		t.Fatal("the instances are different merchants")
	}

	if status, page := a.open(t, a.client, pagePay("fleet-1", "100", inAnHour(), a.notify.srv.URL)); status != http.StatusOK {
		t.Fatalf("open on A: %d %s", status, page)
	}
	// The buyer's click lands on B.
	if resp := b.clickPay(t, "fleet-1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay on B: %d", resp.StatusCode)
	}
	genuine := a.notify.next(t)
	n, err := a.client.DecodeNotification(ctx, genuine)
	if err != nil {
		t.Fatalf("B's notification does not verify with A's Alipay key: %v", err)
	}
	if n.TradeStatus != alipay.TradeStatusSuccess || n.OutTradeNo != "fleet-1" || n.SellerId != a.sb.SellerID() {
		t.Errorf("notification: %+v", n)
	}

	q, err := a.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "fleet-1"})
	if err != nil || !q.IsSuccess() || q.TradeStatus != alipay.TradeStatusSuccess || q.TradeNo != n.TradeNo {
		t.Fatalf("query on A: %+v %v", q, err)
	}
	q, err = b.client.TradeQuery(ctx, alipay.TradeQuery{TradeNo: n.TradeNo})
	if err != nil || !q.IsSuccess() || q.OutTradeNo != "fleet-1" {
		t.Fatalf("query by trade_no on B: %+v %v", q, err)
	}

	c, err := b.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "fleet-1"})
	if err != nil || c.IsSuccess() || c.SubCode != "ACQ.TRADE_STATUS_ERROR" {
		t.Errorf("close of the paid trade on B: %+v %v", c, err)
	}

	r, err := a.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "fleet-1", RefundAmount: "30.00", OutRequestNo: "r1"})
	if err != nil || !r.IsSuccess() || r.FundChange != "Y" || r.RefundFee != "30.00" {
		t.Fatalf("refund on A: %+v %v", r, err)
	}
	if st, _ := b.sb.Trade("fleet-1"); st.RefundedAmount != "30.00" || st.Status != alipaysandbox.StatusSuccess || st.RefundCalls != 1 {
		t.Errorf("B's view after the refund: %+v", st)
	}
	// The app retrying the refund through B moves nothing twice.
	r, err = b.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "fleet-1", RefundAmount: "30.00", OutRequestNo: "r1"})
	if err != nil || !r.IsSuccess() || r.FundChange != "N" || r.RefundFee != "30.00" {
		t.Errorf("repeated refund on B: %+v %v", r, err)
	}
	r, err = b.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "fleet-1", RefundAmount: "70.01", OutRequestNo: "r2"})
	if err != nil || r.IsSuccess() || r.SubCode != "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" {
		t.Errorf("over-refund on B: %+v %v", r, err)
	}

	// A resends what B signed, byte for byte.
	if err := a.sb.Resend("fleet-1"); err != nil {
		t.Fatal(err)
	}
	if again := a.notify.next(t); again.Encode() != genuine.Encode() {
		t.Error("A's resend differs from B's notification")
	}
	if st, _ := a.sb.Trade("fleet-1"); st.NotifyAttempts != 2 || st.NotifyAcks != 2 || !st.PaymentNotified {
		t.Errorf("notification counts: %+v", st)
	}

	resp, err := http.Get(b.srv.URL + "/alipay-sandbox/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "fleet-1") {
		t.Errorf("B's index: %d %s", resp.StatusCode, page)
	}
}

func TestTwoInstancesPayingOneTradeAtOncePayItOnce(t *testing.T) {
	rdb, prefix := sharedRedis(t)
	a, b := fleet(t, rdb, prefix, alipaysandbox.Config{})
	const trades = 5
	for i := range trades {
		otn := "race-" + string(rune('a'+i))
		a.open(t, a.client, pagePay(otn, "9.90", inAnHour(), a.notify.srv.URL))
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, e := range []*env{a, b} {
			wg.Go(func() {
				<-start
				_, errs[j] = e.sb.Pay(otn)
			})
		}
		close(start)
		wg.Wait()
		paid := 0
		for _, err := range errs {
			switch {
			case err == nil:
				paid++
			case !errors.Is(err, alipaysandbox.ErrNotPayable):
				t.Fatalf("%s: %v", otn, err)
			}
		}
		if paid != 1 {
			t.Fatalf("%s paid %d times: %v", otn, paid, errs)
		}
		if n := a.notify.next(t); n.Get("out_trade_no") != otn {
			t.Fatalf("notification of %s, want %s", n.Get("out_trade_no"), otn)
		}
	}
	a.notify.none(t, 300*time.Millisecond)
	for i := range trades {
		if st, _ := b.sb.Trade("race-" + string(rune('a'+i))); st.NotifyAttempts != 1 || st.Status != alipaysandbox.StatusSuccess {
			t.Errorf("trade: %+v", st)
		}
	}
}

func TestARedisThatDoesNotAnswerIsASystemErrorNotAMissingTrade(t *testing.T) {
	ctx := context.Background()
	srv := testenv.StartRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	e := newEnv(t, alipaysandbox.Config{Redis: rdb, RedisPrefix: "sf:", RedisTimeout: time.Second})
	e.open(t, e.client, pagePay("down-1", "5.00", inAnHour(), e.notify.srv.URL))
	e.open(t, e.client, pagePay("down-2", "5.00", inAnHour(), e.notify.srv.URL))
	if _, err := e.sb.Pay("down-1"); err != nil {
		t.Fatal(err)
	}
	e.notify.next(t)

	srv.Stop()
	systemError := func(name string, code, subCode string, err error) {
		t.Helper()
		if err != nil || code != "20000" || subCode != "isp.unknow-error" {
			t.Errorf("%s with Redis down: %s %s %v, want 20000 isp.unknow-error", name, code, subCode, err)
		}
	}
	q, err := e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "down-1"})
	systemError("query", string(q.Code), q.SubCode, err)
	c, err := e.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "down-2"})
	systemError("close", string(c.Code), c.SubCode, err)
	r, err := e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "down-1", RefundAmount: "1.00", OutRequestNo: "r1"})
	systemError("refund", string(r.Code), r.SubCode, err)
	if status, page := e.open(t, e.client, pagePay("down-3", "5.00", inAnHour(), e.notify.srv.URL)); status != http.StatusServiceUnavailable ||
		!strings.Contains(page, "isp.unknow-error") || strings.Contains(page, `action="pay"`) {
		t.Errorf("page pay with Redis down: %d %s", status, page)
	}
	if resp := e.clickPay(t, "down-2"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("pay with Redis down: %d", resp.StatusCode)
	}
	if _, err := e.sb.Pay("down-2"); err == nil || errors.Is(err, alipaysandbox.ErrTradeNotFound) {
		t.Errorf("Pay with Redis down: %v", err)
	}

	// A Redis that comes back empty has lost its trades: now they do not exist.
	srv.Restart()
	q, err = e.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "down-1"})
	if err != nil || q.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("query after an empty restart: %+v %v", q, err)
	}
}

func TestTheFirstInstanceMakesTheSharedKeysAndTheOthersLoadThem(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := sharedRedis(t)
	var wg sync.WaitGroup
	got := make([]alipaysandbox.Keys, 3)
	for i := range got {
		wg.Go(func() {
			k, err := alipaysandbox.SharedKeys(ctx, rdb, prefix, 0)
			if err != nil {
				t.Error(err)
			}
			got[i] = k
		})
	}
	wg.Wait()
	if got[0].Sandbox == "" || got[0].Sandbox == got[0].App || got[1] != got[0] || got[2] != got[0] {
		t.Fatal("instances starting together got different keys")
	}
	other, err := alipaysandbox.SharedKeys(ctx, rdb, prefix+"other:", 0)
	if err != nil || other == got[0] {
		t.Errorf("another prefix shares the keys: %v", err)
	}
}

// The embedded mode's Redis is miniredis, in process: the scripts run on
// its Lua as on Redis's.
func TestTheEmbeddedModesInProcessRedisRunsTheTrades(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	e := newEnv(t, alipaysandbox.Config{Redis: rdb, RedisPrefix: "sf:", NotifyRefunds: true})

	if status, page := e.open(t, e.client, pagePay("mini-1", "50", inAnHour(), e.notify.srv.URL)); status != http.StatusOK {
		t.Fatalf("open: %d %s", status, page)
	}
	if status, page := e.open(t, e.client, pagePay("mini-1", "51", inAnHour(), e.notify.srv.URL)); status != http.StatusBadRequest ||
		!strings.Contains(page, "ACQ.CONTEXT_INCONSISTENT") {
		t.Errorf("reused out_trade_no: %d %s", status, page)
	}
	tradeNo, err := e.sb.Pay("mini-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DecodeNotification(ctx, e.notify.next(t)); err != nil {
		t.Fatal(err)
	}
	q, err := e.client.TradeQuery(ctx, alipay.TradeQuery{TradeNo: tradeNo})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("query: %+v %v", q, err)
	}
	for _, amount := range []string{"20.00", "30.00"} {
		r, err := e.client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "mini-1", RefundAmount: amount, OutRequestNo: "r" + amount})
		if err != nil || !r.IsSuccess() || r.FundChange != "Y" {
			t.Fatalf("refund %s: %+v %v", amount, r, err)
		}
		e.notify.next(t)
	}
	if st, _ := e.sb.Trade("mini-1"); st.Status != alipaysandbox.StatusClosed || st.RefundedAmount != "50.00" || st.NotifyAcks != 3 {
		t.Errorf("after refunding all: %+v", st)
	}
	e.open(t, e.client, pagePay("mini-2", "1.00", inAnHour(), e.notify.srv.URL))
	if c, err := e.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "mini-2"}); err != nil || !c.IsSuccess() {
		t.Errorf("close: %+v %v", c, err)
	}
	if _, err := e.sb.Pay("mini-2"); !errors.Is(err, alipaysandbox.ErrNotPayable) {
		t.Errorf("Pay of a closed trade: %v", err)
	}
}
