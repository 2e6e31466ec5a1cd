package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/gqltest"
)

// A client that sends its own traceparent with placeOrder gets one trace
// of the whole request under it: the HTTP request, the operation, the
// placeOrder resolver, and the SQL statements and Redis commands the
// order made, each a child of the span it ran under.
func TestAPlacedOrderIsOneTraceFromTheRequestToItsStatements(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	s := gqltest.Start(t, gqltest.Options{App: app.Options{SpanProcessor: sdktrace.NewSimpleSpanProcessor(exp)}})
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

	exp.Reset()
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	header := sh.Header()
	header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	res := s.Post(t, gqltest.Request{Header: header, Query: `mutation PlaceOrder($in: PlaceOrderInput!) { placeOrder(input: $in) { orderNo } }`,
		Variables: map[string]any{"in": map[string]any{"addressId": address.CreateAddress.ID, "payMethod": "ALIPAY", "idempotencyKey": "trace-1"}}})
	if len(res.Errors) > 0 || !json.Valid(res.Data) {
		t.Fatalf("placeOrder: %+v", res.Errors)
	}

	spans := exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, sp := range spans {
		byID[sp.SpanContext.SpanID()] = sp
		t.Logf("%-28s %-10v under %s", sp.Name, sp.EndTime.Sub(sp.StartTime), sp.Parent.SpanID())
	}
	find := func(match func(tracetest.SpanStub) bool, what string) tracetest.SpanStub {
		t.Helper()
		for _, sp := range spans {
			if match(sp) {
				return sp
			}
		}
		t.Fatalf("no %s span among %d", what, len(spans))
		return tracetest.SpanStub{}
	}
	named := func(name string) func(tracetest.SpanStub) bool {
		return func(sp tracetest.SpanStub) bool { return sp.Name == name }
	}
	httpSpan := find(named("POST /graphql"), "POST /graphql")
	op := find(named("mutation PlaceOrder"), "operation")
	resolver := find(named("Mutation.placeOrder"), "resolver")
	sql := find(func(sp tracetest.SpanStub) bool { return strings.HasPrefix(sp.Name, "sql ") }, "SQL")
	redis := find(func(sp tracetest.SpanStub) bool { return strings.Contains(sp.InstrumentationScope.Name, "redisotel") }, "Redis")

	for _, sp := range spans {
		if got := sp.SpanContext.TraceID().String(); got != traceID {
			t.Errorf("%s is in trace %s, want the client's %s", sp.Name, got, traceID)
		}
	}
	if !httpSpan.Parent.IsRemote() || httpSpan.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("the HTTP span's parent is %v, want the client's span", httpSpan.Parent)
	}
	if op.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
		t.Errorf("the operation's parent is %s, want the HTTP span", parentName(byID, op))
	}
	if resolver.Parent.SpanID() != op.SpanContext.SpanID() {
		t.Errorf("the resolver's parent is %s, want the operation", parentName(byID, resolver))
	}
	for _, sp := range []tracetest.SpanStub{sql, redis} {
		if !under(byID, sp, resolver.SpanContext.SpanID()) {
			t.Errorf("%s is not under the resolver: parent %s", sp.Name, parentName(byID, sp))
		}
	}
	if sp := httpSpan; sp.Resource.String() == "" || !strings.Contains(sp.Resource.String(), "service.name=storefront") {
		t.Errorf("resource %s, want service.name=storefront", sp.Resource)
	}
}

// under reports whether sp descends from ancestor, within the spans seen.
func under(byID map[trace.SpanID]tracetest.SpanStub, sp tracetest.SpanStub, ancestor trace.SpanID) bool {
	for range len(byID) {
		p := sp.Parent.SpanID()
		if p == ancestor {
			return true
		}
		next, ok := byID[p]
		if !ok {
			return false
		}
		sp = next
	}
	return false
}

func parentName(byID map[trace.SpanID]tracetest.SpanStub, sp tracetest.SpanStub) string {
	if p, ok := byID[sp.Parent.SpanID()]; ok {
		return p.Name
	}
	return fmt.Sprintf("%s (not a span of this test)", sp.Parent.SpanID())
}
