package graph_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/gqltest"
)

// scrape reads the instance's /metrics as Prometheus would.
func scrape(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	srv := httptest.NewServer(s.App.MetricsHandler)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", res.StatusCode, b)
	}
	return string(b)
}

// metric returns the value of the sample named exactly series, or fails.
func metric(t *testing.T, page, series string) string {
	t.Helper()
	for line := range strings.SplitSeq(page, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	t.Fatalf("/metrics has no %s", series)
	return ""
}

// An operator watching a sale sees what shoppers did: the order placed and
// the one refused (by code), the combiner's batch, the payment recorded
// from Alipay's notification, and the pools and the queue it ran on.
func TestMetricsShowTheOrdersPaymentsAndPoolsOfASale(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Aurora X1 Silver / 256 GB")
	openPayURL(t, s, o.payURL(t, s))
	if _, err := s.App.Sandbox.Pay(o.no); err != nil {
		t.Fatal(err)
	}
	awaitUnsend(t, s, o.no)
	// A refused order: the cart is empty now.
	refused := s.Post(t, gqltest.Request{Header: o.Header(), Query: `mutation Checkout($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }`,
		Variables: map[string]any{"in": map[string]any{"addressId": o.addressID, "payMethod": "ALIPAY", "idempotencyKey": "second"}}})
	code := refused.Code()
	if code == "" {
		t.Fatalf("the refused order: %+v", refused)
	}

	page := scrape(t, s)
	for series, want := range map[string]string{
		`storefront_graphql_root_field_results_total{code="OK",field="placeOrder",type="Mutation"}`:                     "1",
		`storefront_graphql_root_field_results_total{code="` + code + `",field="placeOrder",type="Mutation"}`:           "1",
		`storefront_graphql_root_field_results_total{code="OK",field="payOrder",type="Mutation"}`:                       "1",
		`storefront_graphql_operation_duration_seconds_count{code="` + code + `",operation="Checkout",type="mutation"}`: "1",
		`storefront_order_batches_total`:                       "1",
		`storefront_order_batch_size_bucket{le="1"}`:           "1",
		`storefront_payments_total{outcome="recorded"}`:        "1",
		`storefront_alipay_notifies_total{outcome="recorded"}`: "1",
		`storefront_alipay_notifies_total{outcome="forged"}`:   "0",
		`storefront_db_retries_total{cause="deadlock"}`:        "0",
		`storefront_job_queue_readable`:                        "1",
		`go_sql_max_open_connections{db_name="storefront"}`:    fmt.Sprint(s.Config.DBMaxOpen),
		`storefront_redis_pool_events_total{event="timeout"}`:  "0",
	} {
		if got := metric(t, page, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	if strings.Contains(page, o.AccessToken) || strings.Contains(page, o.no) {
		t.Error("/metrics shows a token or an order number")
	}

	// The Grafana dashboard reads only what the shop exports.
	b, err := os.ReadFile("../deploy/grafana/storefront.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`\b(storefront|go)_[a-z_]+`)
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, m := range name.FindAllString(target.Expr, -1) {
				if !strings.Contains(page, "\n"+m) {
					t.Errorf("panel %q reads %s, which /metrics does not have", p.Title, m)
				}
			}
		}
	}
}

// Operation names are the client's: a script naming each request anew
// must not grow the registry without end.
func TestMetricsBoundTheOperationNamesAClientChooses(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	for i := range 230 {
		res := s.Post(t, gqltest.Request{Query: fmt.Sprintf(`query Q%d { __typename }`, i)})
		if len(res.Errors) > 0 {
			t.Fatalf("query %d: %+v", i, res.Errors)
		}
	}
	page := scrape(t, s)
	names := strings.Count(page, "storefront_graphql_operation_duration_seconds_count{")
	if names > 201 {
		t.Errorf("%d operation series after 230 names, want at most 200 and one for the rest", names)
	}
	if got := metric(t, page, `storefront_graphql_operation_duration_seconds_count{code="OK",operation="other",type="query"}`); got != "30" {
		t.Errorf("other = %s, want 30", got)
	}
}
