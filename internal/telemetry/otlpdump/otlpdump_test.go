package otlpdump_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/telemetry/otlpdump"
)

// A Storefront started with -otlp-endpoint sends a placed order's trace
// over OTLP/HTTP, named for its service and instance, within the batch
// processor's delay. With -v the test prints the trace:
//
//	go test -count=1 -v -run TestAPlacedOrdersTraceArrivesOverOTLP ./internal/telemetry/otlpdump/
func TestAPlacedOrdersTraceArrivesOverOTLP(t *testing.T) {
	recv := &otlpdump.Receiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) { c.OTLPEndpoint = collector.URL }})
	sh := s.NewShopper(t)
	var page struct {
		Skus struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.Query(t, `{ skus(first: 1) { edges { node { id } } } }`, nil, &page)
	if len(page.Skus.Edges) == 0 {
		t.Fatal("no SKU in the demo catalog")
	}
	var address struct{ CreateAddress struct{ ID string } }
	s.As(t, sh, `mutation($in: AddressInput!) { createAddress(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"receiver": "买家", "mobile": "13812345678", "provinceCode": "330000", "cityCode": "330100", "districtCode": "330106", "detail": "文三路 90 号",
	}}, &address)
	s.As(t, sh, `mutation($id: ID!) { addToCart(skuId: $id, count: 1) { lineCount } }`, map[string]any{"id": page.Skus.Edges[0].Node.ID}, nil)
	s.As(t, sh, `mutation PlaceOrder($in: PlaceOrderInput!) { placeOrder(input: $in) { orderNo } }`,
		map[string]any{"in": map[string]any{"addressId": address.CreateAddress.ID, "payMethod": "ALIPAY", "idempotencyKey": "otlp-1"}}, nil)

	var trace []otlpdump.Span
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		spans := recv.Spans()
		i := slices.IndexFunc(spans, func(s otlpdump.Span) bool { return s.Name == "mutation PlaceOrder" })
		if i < 0 {
			continue
		}
		for _, sp := range spans {
			if sp.TraceID == spans[i].TraceID {
				trace = append(trace, sp)
			}
		}
		if slices.ContainsFunc(trace, func(s otlpdump.Span) bool { return s.Name == "POST /graphql" }) {
			break
		}
		trace = nil
	}
	if trace == nil {
		t.Fatalf("no whole placeOrder trace among %d spans received in 30s", len(recv.Spans()))
	}
	var out strings.Builder
	otlpdump.Tree(&out, trace)
	t.Logf("the placeOrder trace:\n%s", out.String())
	for _, want := range []string{"POST /graphql", "mutation PlaceOrder", "Mutation.placeOrder", "sql INSERT", "sql.tx.commit"} {
		if !slices.ContainsFunc(trace, func(s otlpdump.Span) bool { return s.Name == want }) {
			t.Errorf("no %q span in the trace", want)
		}
	}
	if res := trace[0].Resource; res["service.name"] != "storefront" || res["service.instance.id"] == "" {
		t.Errorf("resource %v, want service.name storefront and an instance id", res)
	}
}
