package fleet_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/fleet"
	"github.com/storefront/storefront/internal/testenv"
)

// shopper talks GraphQL to one URL (nginx) and keeps the X-Request-Id of
// each answer, so the test can ask nginx which instance served it.
type shopper struct {
	t     *testing.T
	url   string
	token string
}

// do posts a document and decodes its data into out; it returns the
// request id nginx answered with.
func (s *shopper) do(query string, vars map[string]any, out any) string {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Errors) > 0 {
		s.t.Fatalf("%.60s: %d %s", query, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			s.t.Fatal(err)
		}
	}
	return res.Header.Get("X-Request-Id")
}

// A shopper checks out through nginx in front of two instances, as a shop
// runs on a sale day: signed in on one instance, served by the other with
// the same token; the Alipay sandbox's trade opened through one and paid
// through the other; Alipay's notification (sent while the paying
// instance still holds the buyer's request, so nginx's least_conn sends
// it to the idle one) recorded by the instance that did not take the
// payment. Every request id nginx gave is in the instance's own log.
func TestACheckoutThroughNginxIsServedByBothInstances(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	redisAddr, prefix := testenv.Redis(t)
	nginxAddr := testenv.FreeAddr(t)
	public := "http://" + nginxAddr
	flags := []string{
		"-mysql-dsn=" + db.DSN, "-redis-addr=" + redisAddr, "-redis-prefix=" + prefix,
		"-jwt-secret=fleet-test-secret-" + strings.Repeat("x", 32),
		"-public-url=" + public, "-trust-proxy=true", "-seed=true",
		"-alipay-sandbox=true", "-require-sms=false", "-argon2-memory-kib=1024",
		"-register-per-hour=1000", "-drain-delay=0s",
	}
	a := fleet.StartInstance(t, "A", flags...)
	b := fleet.StartInstance(t, "B", flags...)
	ngx := fleet.StartNginx(t, nginxAddr, true, a.Addr, b.Addr)
	instanceOf := func(rid string) string {
		switch up := ngx.Upstream(t, rid); up {
		case a.Addr:
			return "A"
		case b.Addr:
			return "B"
		default:
			t.Fatalf("request %s went to %q, neither instance", rid, up)
			return ""
		}
	}

	s := &shopper{t: t, url: public}
	var reg struct{ Register struct{ ID string } }
	s.do(`mutation($in: RegisterInput!) { register(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"username": "fleet_buyer", "password": "fleet password 1", "mobile": "13900000001"}}, &reg)
	var login struct{ Login struct{ AccessToken string } }
	loginRID := s.do(`mutation($in: LoginInput!) { login(input: $in) { accessToken } }`, map[string]any{"in": map[string]any{
		"account": "fleet_buyer", "password": "fleet password 1"}}, &login)
	s.token = login.Login.AccessToken
	signedInOn := instanceOf(loginRID)

	// The same token, served by the other instance.
	servedElsewhere := false
	for range 6 {
		var me struct{ Me struct{ Username string } }
		rid := s.do(`{ me { username } }`, nil, &me)
		if me.Me.Username != "fleet_buyer" {
			t.Fatalf("me: %+v", me)
		}
		if instanceOf(rid) != signedInOn {
			servedElsewhere = true
			break
		}
	}
	if !servedElsewhere {
		t.Fatalf("six requests with the token of a login on %s were all served by %s: nginx does not spread them", signedInOn, signedInOn)
	}

	var skus struct {
		Skus struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.do(`{ skus(first: 1) { edges { node { id } } } }`, nil, &skus)
	if len(skus.Skus.Edges) == 0 {
		t.Fatal("the seeded catalog has no SKU")
	}
	s.do(`mutation($id: ID!) { addToCart(skuId: $id, count: 1) { lineCount } }`, map[string]any{"id": skus.Skus.Edges[0].Node.ID}, nil)
	var addr struct{ CreateAddress struct{ ID string } }
	s.do(`mutation($in: AddressInput!) { createAddress(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"receiver": "Fleet Buyer", "mobile": "13812345678", "provinceCode": "330000", "cityCode": "330100",
		"districtCode": "330106", "detail": "文三路 90 号"}}, &addr)
	s.do(`{ checkoutPreview { payable } }`, nil, nil)
	var placed struct {
		PlaceOrder struct{ ID, OrderNo, Status string }
	}
	s.do(`mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id orderNo status } }`, map[string]any{"in": map[string]any{
		"addressId": addr.CreateAddress.ID, "payMethod": "ALIPAY", "idempotencyKey": "fleet-1"}}, &placed)
	var pay struct{ PayOrder struct{ PayURL string } }
	s.do(`mutation($id: ID!) { payOrder(orderId: $id) { payUrl } }`, map[string]any{"id": placed.PlaceOrder.ID}, &pay)
	if !strings.HasPrefix(pay.PayOrder.PayURL, public+"/alipay-sandbox/gateway.do?") {
		t.Fatalf("the pay URL %s is not the sandbox's behind nginx", pay.PayOrder.PayURL)
	}

	// The buyer's browser: the cashier page, then the Pay button.
	res, err := http.Get(pay.PayOrder.PayURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), placed.PlaceOrder.OrderNo) {
		t.Fatalf("cashier page %d: %.300s", res.StatusCode, page)
	}
	openedOn := instanceOf(res.Header.Get("X-Request-Id"))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noRedirect.PostForm(public+"/alipay-sandbox/pay", url.Values{"out_trade_no": {placed.PlaceOrder.OrderNo}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 400 {
		t.Fatalf("pay: %d", res.StatusCode)
	}
	paidOn := instanceOf(res.Header.Get("X-Request-Id"))

	var status string
	if !fleet.WaitFor(t.Context(), 15*time.Second, func() bool {
		var o struct{ Order struct{ Status string } }
		s.do(`query($id: ID!) { order(id: $id) { status } }`, map[string]any{"id": placed.PlaceOrder.ID}, &o)
		status = o.Order.Status
		return status == "UNSEND"
	}) {
		t.Fatalf("the order is %s after paying, want UNSEND", status)
	}
	var notifies []string // request ids
	for line := range strings.SplitSeq(ngx.AccessLog(), "\n") {
		if _, rid, ok := strings.Cut(line, "rid="); ok && strings.Contains(line, "POST /payments/alipay/notify ") {
			notifies = append(notifies, rid)
		}
	}
	if len(notifies) != 1 {
		t.Fatalf("%d notifications through nginx, want one:\n%s", len(notifies), ngx.AccessLog())
	}
	notifiedOn := instanceOf(notifies[0])
	t.Logf("signed in on %s, cashier opened on %s, paid on %s, notification recorded on %s", signedInOn, openedOn, paidOn, notifiedOn)
	if notifiedOn == paidOn {
		t.Errorf("the notification landed on %s, the instance that took the payment; want the other", paidOn)
	}
	// One id from nginx's log to the instance's: the recording instance
	// logged the payment under the id nginx gave the notification.
	recorder := map[string]*fleet.Instance{"A": a, "B": b}[notifiedOn]
	found := false
	for line := range strings.SplitSeq(recorder.Log(), "\n") {
		if strings.Contains(line, `"msg":"order paid"`) && strings.Contains(line, `"request_id":"`+notifies[0]+`"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("%s's log has no \"order paid\" line with nginx's request id %s:\n%s", notifiedOn, notifies[0], recorder.Log())
	}

	// Each instance's /metrics tells its share: the payment on the one
	// that recorded it, the order on whichever placed it.
	placedOK := 0
	for _, in := range []*fleet.Instance{a, b} {
		page := scrapeMetrics(t, in)
		if v := sample(page, `storefront_graphql_root_field_results_total{code="OK",field="placeOrder",type="Mutation"}`); v != "" {
			placedOK++
		}
		want := "0"
		if in == recorder {
			want = "1"
			var lines []string
			for line := range strings.SplitSeq(page, "\n") {
				if strings.HasPrefix(line, "storefront_") && !strings.Contains(line, "_bucket{") {
					lines = append(lines, line)
				}
			}
			t.Logf("%s's /metrics (storefront_ series, histogram buckets left out):\n%s", in.Name, strings.Join(lines, "\n"))
		}
		if got := sample(page, `storefront_payments_total{outcome="recorded"}`); got != want {
			t.Errorf("%s: storefront_payments_total{outcome=\"recorded\"} = %q, want %s", in.Name, got, want)
		}
	}
	if placedOK != 1 {
		t.Errorf("placeOrder OK counted on %d instances, want 1", placedOK)
	}
}

func scrapeMetrics(t *testing.T, in *fleet.Instance) string {
	t.Helper()
	res, err := http.Get("http://" + in.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// sample is the value of the series named exactly series, or "".
func sample(page, series string) string {
	for line := range strings.SplitSeq(page, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}
