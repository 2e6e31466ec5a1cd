package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
)

func partnerKey(t *testing.T, s *gqltest.Server, scopes ...string) http.Header {
	t.Helper()
	key, _, err := apikey.New(s.App.DB.Client).Create(t.Context(), "test", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return http.Header{"Authorization": {"ApiKey " + key}}
}

const (
	shipDoc    = `mutation($id: ID!) { shipOrder(orderId: $id, carrier: "SF Express", trackingNo: "SF1234567890") { status carrier trackingNo } }`
	receiptDoc = `mutation($id: ID!) { confirmReceipt(orderId: $id) { status } }`
	commentDoc = `mutation($id: ID!, $c: [LineCommentInput!]!) { commentOrderLines(orderId: $id, comments: $c) { status lines { commented score comment } } }`
	adjustDoc  = `mutation($id: ID!, $d: Int!) { adjustStock(skuId: $id, delta: $d) { stock } }`
)

func lineIDs(t *testing.T, s *gqltest.Server, sh gqltest.Shopper, orderID string) []string {
	t.Helper()
	var o struct {
		Order struct{ Lines []struct{ ID string } }
	}
	s.As(t, sh, `query($id: ID!) { order(id: $id) { lines { id } } }`, map[string]any{"id": orderID}, &o)
	var ids []string
	for _, l := range o.Order.Lines {
		ids = append(ids, l.ID)
	}
	return ids
}

// commentsAreUntouched fails the test unless the shopper's order is in
// status with none of its lines commented.
func commentsAreUntouched(t *testing.T, s *gqltest.Server, sh gqltest.Shopper, orderID, status string) {
	t.Helper()
	var o struct {
		Order struct {
			Status string
			Lines  []struct {
				Commented bool
				Score     int
				Comment   string
			}
		}
	}
	s.As(t, sh, `query($id: ID!) { order(id: $id) { status lines { commented score comment } } }`, map[string]any{"id": orderID}, &o)
	if o.Order.Status != status || len(o.Order.Lines) == 0 {
		t.Fatalf("order %+v, want %s with its lines", o.Order, status)
	}
	for _, l := range o.Order.Lines {
		if l.Commented || l.Comment != "" {
			t.Fatalf("a refused comment was written: %+v", o.Order.Lines)
		}
	}
}

func TestTheOrderLifeCycleAndItsIllegalTransitions(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	shipper := partnerKey(t, s, apikey.OrdersWrite)
	b := newBuyer(t, s, map[string]int{skuIDByName(t, s, "Studio Max Black"): 1, skuIDByName(t, s, "Echo Buds Black"): 1})
	var p placed
	mustDecode(t, b.place(t, s, "CASH", ""), &p)
	id := p.PlaceOrder.ID
	call := func(doc string, h http.Header, vars map[string]any) gqltest.Response {
		vars["id"] = id
		return s.Post(t, gqltest.Request{Query: doc, Header: h, Variables: vars})
	}
	lines := lineIDs(t, s, b.Shopper, id)
	// A well-formed comment on every line: what is refused below is refused
	// for the order's state or owner, never for its input.
	everyLine := func(text string) map[string]any {
		var cs []map[string]any
		for _, l := range lines {
			cs = append(cs, map[string]any{"lineId": l, "score": 3, "text": text})
		}
		return map[string]any{"c": cs}
	}
	stranger := s.NewShopper(t)
	steps := []struct {
		name string
		doc  string
		h    http.Header
		vars map[string]any
		code string
	}{
		{"receipt before shipping", receiptDoc, b.Header(), map[string]any{}, "ORDER_STATE"},
		{"comment before receipt", commentDoc, b.Header(), everyLine("too early"), "ORDER_STATE"},
		{"cancel a CASH order", cancelDoc, b.Header(), map[string]any{}, "ORDER_STATE"},
		{"ship", shipDoc, shipper, map[string]any{}, ""},
		{"ship twice", shipDoc, shipper, map[string]any{}, "ORDER_STATE"},
		{"cancel a shipped order", cancelDoc, b.Header(), map[string]any{}, "ORDER_STATE"},
		{"receipt by another shopper", receiptDoc, stranger.Header(), map[string]any{}, "NOT_FOUND"},
		{"receipt", receiptDoc, b.Header(), map[string]any{}, ""},
		{"receipt twice", receiptDoc, b.Header(), map[string]any{}, "ORDER_STATE"},
	}
	for _, st := range steps {
		if res := call(st.doc, st.h, st.vars); res.Code() != st.code {
			t.Fatalf("%s: %+v, want %q", st.name, res.Errors, st.code)
		}
	}
	commentsAreUntouched(t, s, b.Shopper, id, "UNCOMMENT")

	// Another shopper commenting the order, now that its owner could: it
	// looks like an order that does not exist, tells nothing of its state,
	// and writes nothing.
	res := call(commentDoc, stranger.Header(), everyLine("not my order"))
	if res.Code() != "NOT_FOUND" || len(res.Errors) != 1 {
		t.Fatalf("comment on another shopper's order: %+v, want one NOT_FOUND", res.Errors)
	}
	if e := res.Errors[0]; e.Extensions["status"] != nil || strings.Contains(e.Message, "UNCOMMENT") {
		t.Fatalf("the refusal tells the order's state: %+v", e)
	}
	if string(res.Data) != "null" {
		t.Fatalf("comment on another shopper's order answered data %s, want null", res.Data)
	}
	commentsAreUntouched(t, s, b.Shopper, id, "UNCOMMENT")

	bad := []map[string]any{
		{"lineId": lines[0], "score": 6, "text": "x"},
		{"lineId": lines[0], "score": -1, "text": "x"},
		{"lineId": lines[0], "score": 5, "text": strings.Repeat("好", 501)},
		{"lineId": gid.Encode(17179869184 + 999999), "score": 5, "text": "not my line"},
	}
	for _, c := range bad {
		if res := call(commentDoc, b.Header(), map[string]any{"c": []map[string]any{c}}); res.Code() != "BAD_USER_INPUT" {
			t.Fatalf("comment %v: %+v", c, res.Errors)
		}
	}
	var first struct{ CommentOrderLines struct{ Status string } }
	mustDecode(t, call(commentDoc, b.Header(), map[string]any{"c": []map[string]any{{"lineId": lines[0], "score": 4, "text": strings.Repeat("好", 500), "anonymous": true}}}), &first)
	if first.CommentOrderLines.Status != "UNCOMMENT" {
		t.Fatalf("after one of two comments: %+v", first)
	}
	if res := call(commentDoc, b.Header(), map[string]any{"c": []map[string]any{{"lineId": lines[0], "score": 1, "text": "again"}}}); res.Code() != "BAD_USER_INPUT" {
		t.Fatalf("commenting a line twice: %+v", res.Errors)
	}
	var last struct{ CommentOrderLines struct{ Status string } }
	mustDecode(t, call(commentDoc, b.Header(), map[string]any{"c": []map[string]any{{"lineId": lines[1], "score": 5, "text": "great"}}}), &last)
	if last.CommentOrderLines.Status != "FINISHED" {
		t.Fatalf("after every comment: %+v", last)
	}
	for name, doc := range map[string]string{"receipt": receiptDoc, "ship": shipDoc, "cancel": cancelDoc} {
		h := b.Header()
		if name == "ship" {
			h = shipper
		}
		if res := call(doc, h, map[string]any{}); res.Code() != "ORDER_STATE" {
			t.Errorf("%s of a FINISHED order: %+v", name, res.Errors)
		}
	}
	// An UNPAID order cannot be shipped.
	unpaid := unpaidOrder(t, s, "Echo Buds White")
	if res := s.Post(t, gqltest.Request{Query: shipDoc, Header: shipper, Variables: map[string]any{"id": unpaid.id}}); res.Code() != "ORDER_STATE" {
		t.Fatalf("ship an UNPAID order: %+v", res.Errors)
	}

	// The comments show on the SKU, the anonymous author masked.
	var view struct {
		Sku struct {
			Comments struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Score     int
						Text      string
						Author    string
						Anonymous bool
					}
				}
			}
		}
	}
	s.Query(t, `query($id: ID!) { sku(id: $id) { comments(first: 5) { totalCount edges { node { score text author anonymous } } } } }`,
		map[string]any{"id": skuIDByName(t, s, "Studio Max Black")}, &view)
	c := view.Sku.Comments
	u := b.Username
	if c.TotalCount != 1 || c.Edges[0].Node.Author != u[:1]+"***"+u[len(u)-1:] || c.Edges[0].Node.Score != 4 {
		t.Fatalf("comments = %+v (buyer %s)", c, u)
	}
	s.Query(t, `query($id: ID!) { sku(id: $id) { comments(first: 5) { totalCount edges { node { score text author anonymous } } } } }`,
		map[string]any{"id": skuIDByName(t, s, "Echo Buds Black")}, &view)
	if view.Sku.Comments.Edges[0].Node.Author != u {
		t.Fatalf("a signed comment's author: %+v", view.Sku.Comments)
	}
}

func TestPartnerScopesAndWhoMayCallWhat(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	sku := skuIDByName(t, s, "Echo Buds Green")
	shopper := s.NewShopper(t)
	catalog := partnerKey(t, s, apikey.CatalogWrite)
	reader := partnerKey(t, s, apikey.OrdersRead)
	revoked, rec, _ := apikey.New(s.App.DB.Client).Create(t.Context(), "old", []string{apikey.StockWrite})
	if err := apikey.New(s.App.DB.Client).Revoke(t.Context(), rec.Prefix); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		h    http.Header
		code string
	}{
		{"no credentials", nil, "UNAUTHENTICATED"},
		{"a shopper's token", shopper.Header(), "FORBIDDEN"},
		{"a key without stock:write", catalog, "FORBIDDEN"},
		{"a revoked key", http.Header{"Authorization": {"ApiKey " + revoked}}, "UNAUTHENTICATED"},
		{"a forged key", http.Header{"Authorization": {"ApiKey sf_" + rec.Prefix + "_forged"}}, "UNAUTHENTICATED"},
		{"garbage", http.Header{"Authorization": {"ApiKey nonsense"}}, "UNAUTHENTICATED"},
	}
	before := skuRow(t, s, sku).Stock
	for _, c := range cases {
		if res := s.Post(t, gqltest.Request{Query: adjustDoc, Header: c.h, Variables: map[string]any{"id": sku, "d": 5}}); res.Code() != c.code {
			t.Errorf("%s: %+v, want %s", c.name, res.Errors, c.code)
		}
	}
	if skuRow(t, s, sku).Stock != before {
		t.Fatal("a refused call changed the stock")
	}
	// A partner key never acts as a shopper.
	if res := s.Post(t, gqltest.Request{Query: `{ me { id } }`, Header: catalog}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a key on a shopper field: %+v", res.Errors)
	}
	// orders:read sees orders; catalog:write does not.
	b := newBuyer(t, s, map[string]int{sku: 1})
	b.place(t, s, "CASH", "")
	var list struct{ Orders struct{ TotalCount int } }
	res := s.Post(t, gqltest.Request{Query: `{ orders(first: 10, status: [UNSEND]) { totalCount edges { node { orderNo receiver } } } }`, Header: reader})
	mustDecode(t, res, &list)
	if list.Orders.TotalCount != 1 {
		t.Fatalf("orders: %+v", list)
	}
	if res := s.Post(t, gqltest.Request{Query: `{ orders(first: 10) { totalCount } }`, Header: catalog}); res.Code() != "FORBIDDEN" {
		t.Fatalf("orders without orders:read: %+v", res.Errors)
	}
	if res := s.Post(t, gqltest.Request{Query: `query($f: Time, $t: Time) { orders(createdFrom: $f, createdTo: $t) { totalCount } }`, Header: reader,
		Variables: map[string]any{"f": "2030-01-01T00:00:00Z", "t": "2029-01-01T00:00:00Z"}}); res.Code() != "BAD_USER_INPUT" {
		t.Fatalf("reversed range: %+v", res.Errors)
	}
}

func TestAdjustStockIsAtomicAndNeverBelowZero(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	stock := partnerKey(t, s, apikey.StockWrite)
	sku := skuIDByName(t, s, "Lumen S Black / 512 GB")
	setStock(t, s, sku, 30)
	codes := make([]string, 50)
	parallel(50, func(i int) {
		codes[i] = s.Post(t, gqltest.Request{Query: adjustDoc, Header: stock, Variables: map[string]any{"id": sku, "d": -1}}).Code()
	})
	ok, short := 0, 0
	for _, c := range codes {
		switch c {
		case "":
			ok++
		case "INSUFFICIENT_STOCK":
			short++
		}
	}
	if ok != 30 || short != 20 || skuRow(t, s, sku).Stock != 0 {
		t.Fatalf("%d ok, %d short, stock %d", ok, short, skuRow(t, s, sku).Stock)
	}
	res := s.Post(t, gqltest.Request{Query: adjustDoc, Header: stock, Variables: map[string]any{"id": sku, "d": -1}})
	if res.Code() != "INSUFFICIENT_STOCK" || res.Errors[0].Extensions["left"] != float64(0) {
		t.Fatalf("below zero: %+v", res.Errors)
	}
	for _, d := range []int{0, 10_000_001} {
		if res := s.Post(t, gqltest.Request{Query: adjustDoc, Header: stock, Variables: map[string]any{"id": sku, "d": d}}); res.Code() != "BAD_USER_INPUT" {
			t.Errorf("delta %d: %+v", d, res.Errors)
		}
	}
	var up struct{ AdjustStock struct{ Stock int } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: adjustDoc, Header: stock, Variables: map[string]any{"id": sku, "d": 12}}), &up)
	if up.AdjustStock.Stock != 12 {
		t.Fatalf("after +12: %+v", up)
	}
	if res := s.Post(t, gqltest.Request{Query: adjustDoc, Header: stock, Variables: map[string]any{"id": gid.Encode(30064771072 + 99999), "d": 1}}); res.Code() != "NOT_FOUND" {
		t.Fatalf("unknown SKU: %+v", res.Errors)
	}
}

func TestPartnerCatalogOperations(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	key := partnerKey(t, s, apikey.CatalogWrite)
	var spec struct {
		Sku struct {
			Goods          struct{ ID string }
			Specifications []struct {
				Options []struct{ ID, Value string }
			}
		}
	}
	s.Query(t, `query($id: ID!) { sku(id: $id) { goods { id } specifications { options { id value } } } }`,
		map[string]any{"id": skuIDByName(t, s, "Lumen S Black / 128 GB")}, &spec)
	black := spec.Sku.Specifications[0].Options[0].ID
	white := spec.Sku.Specifications[0].Options[1].ID
	gb512 := spec.Sku.Specifications[1].Options[2].ID
	create := `mutation($in: CreateSkuInput!) { createSku(input: $in) { id name price stock launched } }`
	in := func(opts ...string) map[string]any {
		return map[string]any{"goodsId": spec.Sku.Goods.ID, "name": "Lumen S White / 512 GB", "price": "3799.00", "stock": 5, "optionIds": opts}
	}
	for name, c := range map[string]map[string]any{
		"two colours":       in(black, white),
		"another's option":  in(skuIDByName(t, s, "Echo Buds Green")),
		"negative price":    func() map[string]any { m := in(white, gb512); m["price"] = "-1.00"; return m }(),
		"float price":       func() map[string]any { m := in(white, gb512); m["price"] = 12.5; return m }(),
		"empty name":        func() map[string]any { m := in(white, gb512); m["name"] = " "; return m }(),
		"stock over limits": func() map[string]any { m := in(white, gb512); m["stock"] = 10_000_001; return m }(),
	} {
		if res := s.Post(t, gqltest.Request{Query: create, Header: key, Variables: map[string]any{"in": c}}); res.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v", name, res.Errors)
		}
	}
	var made struct {
		CreateSku struct{ ID, Name, Price string }
	}
	mustDecode(t, s.Post(t, gqltest.Request{Query: create, Header: key, Variables: map[string]any{"in": in(white, gb512)}}), &made)
	// The new SKU completes Lumen S: White / 256 GB now leads to it.
	var view specView
	s.Query(t, `query($id: ID!) { sku(id: $id) { name specifications { name options { value selected sku { id name } } } } }`,
		map[string]any{"id": skuIDByName(t, s, "Lumen S White / 256 GB")}, &view)
	if leadsTo(view)["Storage:512 GB"] != "Lumen S White / 512 GB" {
		t.Fatalf("spec map: %v", leadsTo(view))
	}
	var upd struct{ UpdateSku struct{ Name, Price string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($id: ID!) { updateSku(id: $id, input: {price: "3699.00"}) { name price } }`, Header: key,
		Variables: map[string]any{"id": made.CreateSku.ID}}), &upd)
	if upd.UpdateSku.Price != "3699.00" || upd.UpdateSku.Name != "Lumen S White / 512 GB" {
		t.Fatalf("update: %+v", upd)
	}
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($id: ID!) { setSkuLaunched(id: $id, launched: false) { launched } }`, Header: key,
		Variables: map[string]any{"id": made.CreateSku.ID}}), &struct{}{})
	if res := s.Post(t, gqltest.Request{Query: `query($id: ID!) { sku(id: $id) { id } }`, Variables: map[string]any{"id": made.CreateSku.ID}}); res.Code() != "NOT_FOUND" {
		t.Fatalf("a withdrawn SKU is still shown: %+v", res.Errors)
	}
}
