package graph_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/payment"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/orderstate"
	storepay "github.com/storefront/storefront/internal/payment"
	"github.com/storefront/storefront/internal/pricing"
)

const payDoc = `mutation($id: ID!) { payOrder(orderId: $id) { payUrl order { orderNo status } } }`
const confirmDoc = `mutation($id: ID!) { confirmPayment(orderId: $id) { state order { status paidAt tradeNo } } }`

type alipayOrder struct {
	buyer
	id, no string
}

// unpaidOrder places an ALIPAY order of one SKU for a new buyer.
func unpaidOrder(t *testing.T, s *gqltest.Server, skuName string) alipayOrder {
	t.Helper()
	b := newBuyer(t, s, map[string]int{skuIDByName(t, s, skuName): 1})
	var p placed
	mustDecode(t, b.place(t, s, "ALIPAY", ""), &p)
	return alipayOrder{buyer: b, id: p.PlaceOrder.ID, no: p.PlaceOrder.OrderNo}
}

func (o alipayOrder) payURL(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	var out struct{ PayOrder struct{ PayURL string } }
	s.As(t, o.Shopper, payDoc, map[string]any{"id": o.id}, &out)
	return out.PayOrder.PayURL
}

func orderStatus(t *testing.T, s *gqltest.Server, no string) orderstate.Status {
	t.Helper()
	o, err := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.OrderNo(no)).Only(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

func payments(t *testing.T, s *gqltest.Server) int {
	t.Helper()
	n, err := s.App.DB.Client.Payment.Query().Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func notify(t *testing.T, s *gqltest.Server, form url.Values) string {
	t.Helper()
	res, err := http.PostForm(s.URL+"/payments/alipay/notify", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestPayThroughTheSandboxUntilTheOrderIsUnsend(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Aurora X1 Silver / 256 GB")

	payURL := o.payURL(t, s)
	if !strings.HasPrefix(payURL, s.URL+"/alipay-sandbox/gateway.do?") {
		t.Fatalf("pay URL %s", payURL)
	}
	// The buyer's browser opens the cashier page.
	res, err := http.Get(payURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "4999.00") || !strings.Contains(string(page), o.no) {
		t.Fatalf("cashier page (%d) does not show the order: %.300s", res.StatusCode, page)
	}
	tradeNo, err := s.App.Sandbox.Pay(o.no)
	if err != nil {
		t.Fatal(err)
	}
	awaitUnsend(t, s, o.no)
	var c struct {
		ConfirmPayment struct {
			State string
			Order struct{ Status, TradeNo string }
		}
	}
	s.As(t, o.Shopper, confirmDoc, map[string]any{"id": o.id}, &c)
	if c.ConfirmPayment.State != "PAID" || c.ConfirmPayment.Order.Status != "UNSEND" || c.ConfirmPayment.Order.TradeNo != tradeNo {
		t.Fatalf("after paying: %+v", c)
	}
	if tr, _ := s.App.Sandbox.Trade(o.no); !tr.PaymentNotified || payments(t, s) != 1 {
		t.Fatalf("notified %v, %d payments", tr.PaymentNotified, payments(t, s))
	}
	// Paid: paying again is ORDER_STATE.
	if res := s.Post(t, gqltest.Request{Query: payDoc, Header: o.Header(), Variables: map[string]any{"id": o.id}}); res.Code() != "ORDER_STATE" {
		t.Fatalf("pay a paid order: %+v", res.Errors)
	}
}

func TestForgedNotificationsChangeNothing(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Echo Buds Black")
	if _, err := s.App.Sandbox.OpenPayURL(o.payURL(t, s)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Sandbox.PayWithoutNotify(o.no); err != nil {
		t.Fatal(err)
	}
	genuine, ok := s.App.Sandbox.Notification(o.no)
	if !ok {
		t.Fatal("no notification")
	}
	edit := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range genuine {
			if key != "sign" && key != "sign_type" {
				f[key] = append([]string{}, vals...)
			}
		}
		f.Set(k, v)
		return s.App.Sandbox.SignedNotification(f)
	}
	tampered := url.Values{}
	for k, v := range genuine {
		tampered[k] = append([]string{}, v...)
	}
	tampered.Set("total_amount", "0.01")
	other := unpaidOrder(t, s, "Echo Buds White")
	for name, form := range map[string]url.Values{
		"bad signature": tampered,
		"another app":   edit("app_id", "2021999999999999"),
		"wrong amount":  edit("total_amount", "1.00"),
		"unknown order": edit("out_trade_no", "20990101000000000000000000"),
		"no signature":  func() url.Values { f := edit("x", "y"); f.Del("sign"); return f }(),
		// Validly signed, but paid to another merchant's account.
		"another seller": edit("seller_id", "2088000000000009"),
		// Validly signed over the same fields, but claiming the legacy
		// RSA (SHA-1) scheme the shop never agreed to.
		"sign_type RSA": edit("sign_type", "RSA"),
	} {
		if got := notify(t, s, form); got != "failure" {
			t.Errorf("%s: answered %q", name, got)
		}
	}
	if orderStatus(t, s, o.no) != orderstate.Unpaid || orderStatus(t, s, other.no) != orderstate.Unpaid || payments(t, s) != 0 {
		t.Fatalf("a forged notification changed something: %d payments", payments(t, s))
	}
	if got := notify(t, s, genuine); got != "success" || orderStatus(t, s, o.no) != orderstate.Unsend {
		t.Fatalf("the genuine one: %q, %s", got, orderStatus(t, s, o.no))
	}
}

func TestEightDuplicateNotificationsMakeOnePayment(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Studio Max Sand")
	openPayURL(t, s, o.payURL(t, s))
	payWithoutNotify(t, s, o.no)
	form, _ := s.App.Sandbox.Notification(o.no)
	answers := make([]string, 8)
	parallel(8, func(i int) { answers[i] = notify(t, s, form) })
	for _, a := range answers {
		if a != "success" {
			t.Fatalf("answers %v", answers)
		}
	}
	if payments(t, s) != 1 || orderStatus(t, s, o.no) != orderstate.Unsend {
		t.Fatalf("%d payments", payments(t, s))
	}
}

func TestANotificationRacingConfirmPaymentMovesTheOrderOnce(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	for range 5 {
		o := unpaidOrder(t, s, "MagSafe Case Sage")
		openPayURL(t, s, o.payURL(t, s))
		payWithoutNotify(t, s, o.no)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); _ = s.App.Sandbox.Resend(o.no) }()
		go func() {
			defer wg.Done()
			res := s.Post(t, gqltest.Request{Query: confirmDoc, Header: o.Header(), Variables: map[string]any{"id": o.id}})
			if len(res.Errors) > 0 {
				t.Errorf("confirm: %+v", res.Errors)
			}
		}()
		wg.Wait()
		if orderStatus(t, s, o.no) != orderstate.Unsend {
			t.Fatalf("order %s is %s", o.no, orderStatus(t, s, o.no))
		}
	}
	if payments(t, s) != 5 {
		t.Fatalf("%d payments for 5 orders", payments(t, s))
	}
}

func TestExpiredOrdersAreCanceledOnceByTwoSweepers(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	id := skuIDByName(t, s, "Lumen S White / 256 GB")
	before := skuRow(t, s, id)
	var orders []alipayOrder
	for range 4 {
		orders = append(orders, unpaidOrder(t, s, "Lumen S White / 256 GB"))
	}
	// One of them was paid at Alipay, its notification lost: the sweeper
	// must record it, not cancel it.
	openPayURL(t, s, orders[0].payURL(t, s))
	payWithoutNotify(t, s, orders[0].no)
	past := time.Now().Add(-time.Minute)
	s.App.DB.Client.OrderInfo.Update().Where(orderinfo.StatusEQ(orderstate.Unpaid)).SetExpiresAt(past).ExecX(t.Context())

	// Two sweepers at once against one database (and one gateway: each
	// instance's offline sandbox is its own, so they share this one).
	var canceled [2]int
	parallel(2, func(i int) {
		n, err := s.App.Payments.Sweep(t.Context(), 100)
		if err != nil {
			t.Errorf("sweep: %v", err)
		}
		canceled[i] = n
	})
	if canceled[0]+canceled[1] != 3 {
		t.Fatalf("canceled %v; want 3 in all", canceled)
	}
	if orderStatus(t, s, orders[0].no) != orderstate.Unsend {
		t.Fatal("the paid order was not recorded")
	}
	for _, o := range orders[1:] {
		if orderStatus(t, s, o.no) != orderstate.Canceled {
			t.Fatalf("%s is %s", o.no, orderStatus(t, s, o.no))
		}
	}
	after := skuRow(t, s, id)
	if after.Stock != before.Stock-1 || after.Sales != before.Sales+1 {
		t.Fatalf("stock %d -> %d, sales %d -> %d; want one unit sold", before.Stock, after.Stock, before.Sales, after.Sales)
	}
	// Sweeping again changes nothing.
	if n, _ := s.App.Payments.Sweep(t.Context(), 100); n != 0 || skuRow(t, s, id).Stock != after.Stock {
		t.Fatalf("a second sweep canceled %d", n)
	}
}

func TestPaidAfterCancelIsRecordedAndRefundedOnce(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Nimbus 14 Grey / 32 GB")
	openPayURL(t, s, o.payURL(t, s))
	payWithoutNotify(t, s, o.no)
	raw, _ := gid.Decode(o.id)
	if err := s.App.Orders.CancelUnpaid(t.Context(), raw); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	for range 3 {
		if err := s.App.Sandbox.Resend(o.no); err != nil {
			t.Fatal(err)
		}
	}
	if orderStatus(t, s, o.no) != orderstate.Canceled {
		t.Fatal("a payment revived a canceled order")
	}
	p, err := s.App.DB.Client.Payment.Query().Only(t.Context())
	if err != nil || p.RefundNo == nil || p.RefundedAt == nil {
		t.Fatalf("payment %+v, %v", p, err)
	}
	tr, _ := s.App.Sandbox.Trade(o.no)
	if tr.RefundedAmount != tr.TotalAmount {
		t.Fatalf("refunded %s of %s", tr.RefundedAmount, tr.TotalAmount)
	}
	if n, _ := s.App.DB.Client.Payment.Query().Where(payment.RefundNoNotNil()).Count(t.Context()); n != 1 {
		t.Fatalf("%d refunds", n)
	}
}

func TestPayOrderRules(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Echo Buds Green")
	cash := newBuyer(t, s, map[string]int{skuIDByName(t, s, "Echo Buds White"): 1})
	var c placed
	mustDecode(t, cash.place(t, s, "CASH", ""), &c)
	stranger := s.NewShopper(t)
	for name, tc := range map[string]struct {
		sh   gqltest.Shopper
		id   string
		code string
	}{
		"a cash order":     {cash.Shopper, c.PlaceOrder.ID, "ORDER_STATE"},
		"another's order":  {stranger, o.id, "NOT_FOUND"},
		"an unknown order": {o.Shopper, gid.Encode(21474836480 + 99999), "NOT_FOUND"},
	} {
		for _, doc := range []string{payDoc, confirmDoc} {
			if res := s.Post(t, gqltest.Request{Query: doc, Header: tc.sh.Header(), Variables: map[string]any{"id": tc.id}}); res.Code() != tc.code {
				t.Errorf("%s: %+v, want %s", name, res.Errors, tc.code)
			}
		}
	}
	var pending struct{ ConfirmPayment struct{ State string } }
	s.As(t, o.Shopper, confirmDoc, map[string]any{"id": o.id}, &pending)
	if pending.ConfirmPayment.State != "PENDING" {
		t.Fatalf("unpaid: %+v", pending)
	}
	// Past its expiry an order cannot be paid any more.
	s.App.DB.Client.OrderInfo.Update().Where(orderinfo.OrderNo(o.no)).SetExpiresAt(time.Now().Add(-time.Second)).ExecX(t.Context())
	if res := s.Post(t, gqltest.Request{Query: payDoc, Header: o.Header(), Variables: map[string]any{"id": o.id}}); res.Code() != "ORDER_STATE" {
		t.Fatalf("expired: %+v", res.Errors)
	}
}

func TestTheReturnRedirectIsVerifiedAndNeverPays(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Studio Max Black")
	openPayURL(t, s, o.payURL(t, s))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Paying through the cashier form redirects the browser to the return URL.
	res, err := noFollow.PostForm(s.URL+"/alipay-sandbox/pay", url.Values{"out_trade_no": {o.no}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back := res.Header.Get("Location")
	if !strings.HasPrefix(back, s.URL+"/payments/alipay/return?") {
		t.Fatalf("the cashier sent the browser to %q (%d)", back, res.StatusCode)
	}
	res, err = noFollow.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != s.URL+storepay.ResultPath+"?orderNo="+o.no {
		t.Fatalf("return: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	forged := strings.Replace(back, "total_amount=", "total_amount=1", 1)
	res, err = noFollow.Get(forged)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a forged return was accepted: %d", res.StatusCode)
	}
}

// paidThenCanceled is an order the buyer paid at Alipay whose notification
// was lost while the order was canceled: its payment must be refunded.
func paidThenCanceled(t *testing.T, s *gqltest.Server, skuName string) alipayOrder {
	t.Helper()
	o := unpaidOrder(t, s, skuName)
	if _, err := s.App.Sandbox.OpenPayURL(o.payURL(t, s)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Sandbox.PayWithoutNotify(o.no); err != nil {
		t.Fatal(err)
	}
	raw, _ := gid.Decode(o.id)
	if err := s.App.Orders.CancelUnpaid(t.Context(), raw); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	return o
}

func TestTwentyConcurrentNotificationsForACanceledOrderRefundOnce(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := paidThenCanceled(t, s, "Nimbus 14 Grey / 16 GB")
	form, _ := s.App.Sandbox.Notification(o.no)
	answers := make([]string, 20)
	parallel(20, func(i int) { answers[i] = notify(t, s, form) })
	for i, a := range answers {
		if a != "success" {
			t.Errorf("notification %d answered %q", i, a)
		}
	}
	tr, _ := s.App.Sandbox.Trade(o.no)
	if tr.RefundCalls != 1 || tr.RefundedAmount != tr.TotalAmount {
		t.Errorf("%d refund calls at Alipay, refunded %s of %s; want one full refund", tr.RefundCalls, tr.RefundedAmount, tr.TotalAmount)
	}
	p, err := s.App.DB.Client.Payment.Query().Only(t.Context())
	if err != nil || p.RefundNo == nil || p.RefundedAt == nil {
		t.Fatalf("payment %+v, %v", p, err)
	}
	if orderStatus(t, s, o.no) != orderstate.Canceled {
		t.Fatal("a payment revived a canceled order")
	}
}

func TestARefundAlipayDidButDidNotConfirmIsFinishedByTheNextDelivery(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := paidThenCanceled(t, s, "Nimbus 14 Silver / 16 GB")
	// Alipay refunds, but its answer is lost (a timeout after the work).
	s.App.Sandbox.FailNext("alipay.trade.refund", 1, true)
	if err := s.App.Sandbox.Resend(o.no); err == nil {
		t.Fatal("the shop acknowledged a notification whose refund it could not confirm")
	}
	p, err := s.App.DB.Client.Payment.Query().Only(t.Context())
	if err != nil || p.RefundNo == nil || p.RefundedAt != nil {
		t.Fatalf("after the lost answer the refund must be owed, not done: %+v, %v", p, err)
	}
	if err := s.App.Sandbox.Resend(o.no); err != nil {
		t.Fatal(err)
	}
	tr, _ := s.App.Sandbox.Trade(o.no)
	if tr.RefundCalls != 2 || tr.RefundedAmount != tr.TotalAmount {
		t.Fatalf("%d refund calls, refunded %s of %s; want the same refund asked twice, paid once", tr.RefundCalls, tr.RefundedAmount, tr.TotalAmount)
	}
	p, err = s.App.DB.Client.Payment.Query().Only(t.Context())
	if err != nil || p.RefundedAt == nil || *p.RefundNo != "refund-"+tr.TradeNo {
		t.Fatalf("payment %+v, %v", p, err)
	}
}

func TestAnOwedRefundIsFinishedByConfirmPaymentOrTheSweeper(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	byConfirm := paidThenCanceled(t, s, "Nimbus 16 32 GB")
	bySweep := paidThenCanceled(t, s, "Nimbus 16 64 GB")
	for _, o := range []alipayOrder{byConfirm, bySweep} {
		// Alipay is down for the refund; after this delivery it gives up
		// (or a concurrent delivery already read "success").
		s.App.Sandbox.FailNext("alipay.trade.refund", 1, false)
		form, _ := s.App.Sandbox.Notification(o.no)
		if got := notify(t, s, form); got != "failure" {
			t.Fatalf("notification with Alipay down answered %q", got)
		}
	}
	var c struct{ ConfirmPayment struct{ State string } }
	s.As(t, byConfirm.Shopper, confirmDoc, map[string]any{"id": byConfirm.id}, &c)
	if c.ConfirmPayment.State != "CLOSED" {
		t.Fatalf("confirmPayment of a canceled order: %+v", c)
	}
	if tr, _ := s.App.Sandbox.Trade(byConfirm.no); tr.RefundedAmount != tr.TotalAmount || tr.RefundCalls != 1 {
		t.Fatalf("confirmPayment left the refund: %d calls, refunded %s of %s", tr.RefundCalls, tr.RefundedAmount, tr.TotalAmount)
	}
	if _, err := s.App.Payments.Sweep(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	if tr, _ := s.App.Sandbox.Trade(bySweep.no); tr.RefundedAmount != tr.TotalAmount || tr.RefundCalls != 1 {
		t.Fatalf("the sweeper left the refund: %d calls, refunded %s of %s", tr.RefundCalls, tr.RefundedAmount, tr.TotalAmount)
	}
	if n := s.App.DB.Client.Payment.Query().Where(payment.RefundedAtNotNil()).CountX(t.Context()); n != 2 {
		t.Fatalf("%d payments have their refund recorded; want 2", n)
	}
	// Finished refunds are not asked again.
	if _, err := s.App.Payments.Sweep(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	for _, o := range []alipayOrder{byConfirm, bySweep} {
		if tr, _ := s.App.Sandbox.Trade(o.no); tr.RefundCalls != 1 {
			t.Fatalf("%s: %d refund calls after a second sweep", o.no, tr.RefundCalls)
		}
	}
}

func TestConfirmPaymentWithAnAmountAlipayDidNotChargeIsPaymentFailed(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Echo Buds Black")
	openPayURL(t, s, o.payURL(t, s))
	payWithoutNotify(t, s, o.no)
	// Alipay's answer and the order disagree on the amount.
	if _, err := s.App.DB.SQL.ExecContext(t.Context(), "UPDATE orders SET freight = freight + 100 WHERE order_no = ?", o.no); err != nil {
		t.Fatal(err)
	}
	res := s.Post(t, gqltest.Request{Query: confirmDoc, Header: o.Header(), Variables: map[string]any{"id": o.id}})
	if res.Code() != "PAYMENT_FAILED" {
		t.Fatalf("confirmPayment with a mismatched amount: %+v", res.Errors)
	}
	if orderStatus(t, s, o.no) != orderstate.Unpaid || payments(t, s) != 0 {
		t.Fatalf("a mismatched amount changed the order: %s, %d payments", orderStatus(t, s, o.no), payments(t, s))
	}
}

func TestARefundClaimedByACrashedCallerIsRetriedOnceItsLeaseRunsOut(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := paidThenCanceled(t, s, "Nimbus 14 Silver / 32 GB")
	s.App.Sandbox.FailNext("alipay.trade.refund", 1, false)
	form, _ := s.App.Sandbox.Notification(o.no)
	if got := notify(t, s, form); got != "failure" {
		t.Fatalf("notification with Alipay down answered %q", got)
	}
	claim := func(at time.Time) {
		t.Helper()
		s.App.DB.Client.Payment.Update().SetRefundRequestedAt(at).ExecX(t.Context())
	}
	calls := func() int { tr, _ := s.App.Sandbox.Trade(o.no); return tr.RefundCalls }
	// Another instance is asking Alipay right now: the refund is owed and
	// claimed, so a delivery is acknowledged without a second call, and the
	// sweeper leaves it alone.
	claim(time.Now())
	if got := notify(t, s, form); got != "success" {
		t.Fatalf("a delivery for a claimed refund answered %q", got)
	}
	if _, err := s.App.Payments.Sweep(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	if n := calls(); n != 0 {
		t.Fatalf("%d refund calls while another caller held the claim", n)
	}
	// That instance died mid-call long ago: the sweeper finishes the refund.
	claim(time.Now().Add(-time.Hour))
	if _, err := s.App.Payments.Sweep(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	tr, _ := s.App.Sandbox.Trade(o.no)
	p := s.App.DB.Client.Payment.Query().OnlyX(t.Context())
	if tr.RefundCalls != 1 || tr.RefundedAmount != tr.TotalAmount || p.RefundedAt == nil {
		t.Fatalf("%d refund calls, refunded %s of %s, refunded_at %v", tr.RefundCalls, tr.RefundedAmount, tr.TotalAmount, p.RefundedAt)
	}
}

// resultPage fetches the page a buyer lands on after paying.
func resultPage(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// The buyer pays in the cashier and the browser comes back to the shop: it
// lands on a page that says the order is paid, with its number and amount,
// and nothing about the buyer. Before the payment is recorded the same page
// says it is still pending and how to ask Alipay; an unknown or hostile
// number is a 404 page that echoes nothing.
func TestTheBuyerBackFromAlipaySeesWhetherTheOrderIsPaid(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Studio Max Black")
	page := s.URL + storepay.ResultPath + "?orderNo=" + o.no
	row, err := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.OrderNo(o.no)).Only(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	amount := "¥" + pricing.Payable(row.TotalAmount, row.Freight).String()
	private := []string{"买家", "13812345678", "文三路", "浙江省", o.Username, "Studio Max"}
	wantPage := func(t *testing.T, body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("the page does not say %q:\n%s", w, body)
			}
		}
		for _, p := range private {
			if strings.Contains(body, p) {
				t.Errorf("the page shows %q, which the order number alone must not tell", p)
			}
		}
	}

	// Pending: the cashier is open, nothing is paid yet.
	code, h, body := resultPage(t, page)
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("pending page: %d %s", code, h.Get("Content-Type"))
	}
	wantPage(t, body, "Waiting for the payment", o.no, amount, "UNPAID", "confirmPayment", `http-equiv="refresh"`)
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", h)
	}

	// Paid through the cashier: the browser follows the return to the page.
	openPayURL(t, s, o.payURL(t, s))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.PostForm(s.URL+"/alipay-sandbox/pay", url.Values{"out_trade_no": {o.no}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	awaitUnsend(t, s, o.no)
	res, err = http.Get(res.Header.Get("Location")) // the return, then the page
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.String() != page {
		t.Fatalf("the browser landed on %s (%d), want %s", res.Request.URL, res.StatusCode, page)
	}
	wantPage(t, string(b), "Order paid", o.no, amount, "UNSEND")
	if strings.Contains(string(b), "refresh") || strings.Contains(string(b), "Waiting") {
		t.Errorf("a paid order's page still waits:\n%s", b)
	}

	// Unknown, missing and hostile numbers: a 404 page that repeats none.
	for _, no := range []string{"", "00000000000000000000000000000000", o.no + "0", `<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`, "' OR '1'='1", strings.Repeat("9", 10_000), "%00", "２０２６", o.no + "\n"} {
		code, h, body := resultPage(t, s.URL+storepay.ResultPath+"?orderNo="+url.QueryEscape(no))
		if code != http.StatusNotFound || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, "No order has this number") {
			t.Errorf("orderNo %.40q: %d %s %.200s", no, code, h.Get("Content-Type"), body)
		}
		if no != "" && strings.Contains(body, no) || strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
			t.Errorf("orderNo %.40q is echoed: %.300s", no, body)
		}
	}
	if res, err := http.Post(page, "text/plain", nil); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the page: %v %v", res.StatusCode, err)
	}
}

// A canceled order's page says so and asks for nothing.
func TestTheResultPageOfACanceledOrderSaysItIsClosed(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Echo Buds White")
	s.As(t, o.Shopper, cancelDoc, map[string]any{"id": o.id}, &struct{}{})
	code, _, body := resultPage(t, s.URL+storepay.ResultPath+"?orderNo="+o.no)
	if code != http.StatusOK || !strings.Contains(body, "Order canceled") || strings.Contains(body, "refresh") || !strings.Contains(body, o.no) {
		t.Fatalf("%d %s", code, body)
	}
}
