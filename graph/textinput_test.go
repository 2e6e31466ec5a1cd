package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/gqltest"
)

// Characters a client can send in a JSON string that must never be stored:
// they hide or reorder text in every later display (an operator's screen, a
// courier's label, a terminal reading the database).
var hidden = map[string]string{
	"NUL":             "a\x00b",
	"ESC":             "a\x1b[31mb",
	"CR":              "a\rb",
	"LF":              "a\nb",
	"right-to-left":   "a\u202eb",
	"zero width":      "a\u200bb",
	"line separator":  "a\u2028b",
	"byte order mark": "a\ufeffb",
	"DEL":             "a\x7fb",
}

func TestHiddenCharactersAreRefusedInEveryStoredTextField(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	catalog := partnerKey(t, s, apikey.CatalogWrite)
	orders := partnerKey(t, s, apikey.OrdersWrite)
	skuID := skuIDByName(t, s, "Echo Buds Green")
	b := newBuyer(t, s, map[string]int{skuID: 1})
	var p placed
	mustDecode(t, b.place(t, s, "CASH", ""), &p)
	orderID := p.PlaceOrder.ID
	var goods struct {
		Sku struct{ Goods struct{ ID string } }
	}
	s.Query(t, `query($id: ID!) { sku(id: $id) { goods { id } } }`, map[string]any{"id": skuID}, &goods)

	type call struct {
		field string
		h     http.Header
		doc   string
		vars  func(v string) map[string]any
	}
	addr := func(field string) call {
		return call{field, b.Header(), `mutation($in: AddressInput!) { createAddress(input: $in) { id } }`, func(v string) map[string]any {
			in := addrInput("张三")
			in[field] = v
			return map[string]any{"in": in}
		}}
	}
	calls := []call{
		addr("receiver"), addr("detail"),
		{"receiver", b.Header(), `mutation($id: ID!, $in: AddressInput!) { updateAddress(id: $id, input: $in) { id } }`, func(v string) map[string]any {
			return map[string]any{"id": b.addressID, "in": addrInput(v)}
		}},
		{"name", catalog, `mutation($in: CreateSkuInput!) { createSku(input: $in) { id } }`, func(v string) map[string]any {
			return map[string]any{"in": map[string]any{"goodsId": goods.Sku.Goods.ID, "name": v, "price": "1.00"}}
		}},
		{"caption", catalog, `mutation($in: CreateSkuInput!) { createSku(input: $in) { id } }`, func(v string) map[string]any {
			return map[string]any{"in": map[string]any{"goodsId": goods.Sku.Goods.ID, "name": "ok", "caption": v, "price": "1.00"}}
		}},
		{"name", catalog, `mutation($id: ID!, $v: String) { updateSku(id: $id, input: {name: $v}) { id } }`, func(v string) map[string]any {
			return map[string]any{"id": skuID, "v": v}
		}},
		{"caption", catalog, `mutation($id: ID!, $v: String) { updateSku(id: $id, input: {caption: $v}) { id } }`, func(v string) map[string]any {
			return map[string]any{"id": skuID, "v": v}
		}},
		{"image", catalog, `mutation($id: ID!, $v: String) { updateSku(id: $id, input: {image: $v}) { id } }`, func(v string) map[string]any {
			return map[string]any{"id": skuID, "v": v}
		}},
		{"carrier", orders, `mutation($id: ID!, $v: String!) { shipOrder(orderId: $id, carrier: $v, trackingNo: "SF1") { id } }`, func(v string) map[string]any {
			return map[string]any{"id": orderID, "v": v}
		}},
		{"trackingNo", orders, `mutation($id: ID!, $v: String!) { shipOrder(orderId: $id, carrier: "SF", trackingNo: $v) { id } }`, func(v string) map[string]any {
			return map[string]any{"id": orderID, "v": v}
		}},
	}
	for _, c := range calls {
		for name, v := range hidden {
			res := s.Post(t, gqltest.Request{Query: c.doc, Header: c.h, Variables: c.vars(v)})
			if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != c.field {
				t.Errorf("%s with %s in %s: %+v", strings.SplitN(strings.SplitN(c.doc, "{ ", 2)[1], "(", 2)[0], name, c.field, res.Errors)
			}
		}
	}
	// Nothing of it was stored.
	if n := len(book(t, s, b.Shopper)); n != 1 {
		t.Fatalf("%d addresses", n)
	}
	if k := skuRow(t, s, skuID); k.Name != "Echo Buds Green" || strings.ContainsAny(k.Caption+k.Image, "\x00\x1b\r\n\u202e") {
		t.Fatalf("sku = %q / %q", k.Name, k.Caption)
	}

	// The order can still be shipped and commented, and a comment is held
	// to the same rule.
	mustDecode(t, s.Post(t, gqltest.Request{Query: shipDoc, Header: orders, Variables: map[string]any{"id": orderID}}), &struct{}{})
	s.As(t, b.Shopper, receiptDoc, map[string]any{"id": orderID}, nil)
	line := lineIDs(t, s, b.Shopper, orderID)[0]
	for name, v := range hidden {
		res := s.Post(t, gqltest.Request{Query: commentDoc, Header: b.Header(), Variables: map[string]any{"id": orderID,
			"c": []map[string]any{{"lineId": line, "score": 5, "text": v}}}})
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "text" {
			t.Errorf("comment with %s: %+v", name, res.Errors)
		}
	}
	// Ordinary text with emoji, CJK and spaces inside is fine.
	var ok struct{ CommentOrderLines struct{ Status string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: commentDoc, Header: b.Header(), Variables: map[string]any{"id": orderID,
		"c": []map[string]any{{"lineId": line, "score": 5, "text": "  音质很好 👍 five stars  "}}}}), &ok)
	if ok.CommentOrderLines.Status != "FINISHED" {
		t.Fatalf("comment: %+v", ok)
	}
}

func TestPaddedSKUTextIsStoredTrimmedAndOverlongIsBadInput(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	catalog := partnerKey(t, s, apikey.CatalogWrite)
	orders := partnerKey(t, s, apikey.OrdersWrite)
	skuID := skuIDByName(t, s, "Echo Buds Green")
	var goods struct {
		Sku struct{ Goods struct{ ID string } }
	}
	s.Query(t, `query($id: ID!) { sku(id: $id) { goods { id } } }`, map[string]any{"id": skuID}, &goods)

	pad := strings.Repeat(" ", 1100)
	create := `mutation($in: CreateSkuInput!) { createSku(input: $in) { id name caption image } }`
	var made struct {
		CreateSku struct{ ID, Name, Caption, Image string }
	}
	mustDecode(t, s.Post(t, gqltest.Request{Query: create, Header: catalog, Variables: map[string]any{"in": map[string]any{
		"goodsId": goods.Sku.Goods.ID, "name": pad + "Padded" + pad, "caption": pad + "好声音" + pad,
		"image": pad + "https://img.example/a.png" + pad, "price": "1.00"}}}), &made)
	if c := made.CreateSku; c.Name != "Padded" || c.Caption != "好声音" || c.Image != "https://img.example/a.png" {
		t.Fatalf("created %+v", c)
	}
	update := `mutation($id: ID!, $in: UpdateSkuInput!) { updateSku(id: $id, input: $in) { caption image } }`
	var upd struct {
		UpdateSku struct{ Caption, Image string }
	}
	mustDecode(t, s.Post(t, gqltest.Request{Query: update, Header: catalog, Variables: map[string]any{"id": made.CreateSku.ID,
		"in": map[string]any{"caption": pad + "新" + pad, "image": pad + "https://img.example/b.png" + pad}}}), &upd)
	if upd.UpdateSku.Caption != "新" || upd.UpdateSku.Image != "https://img.example/b.png" {
		t.Fatalf("updated %+v", upd)
	}
	// Within the character limits but beyond what the columns hold in
	// bytes: refused with the field, never INTERNAL.
	for field, v := range map[string]string{
		"caption": strings.Repeat("好", 257),
		"image":   strings.Repeat("图", 200),
	} {
		res := s.Post(t, gqltest.Request{Query: update, Header: catalog, Variables: map[string]any{"id": made.CreateSku.ID, "in": map[string]any{field: v}}})
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != field {
			t.Errorf("%s of %d characters: %+v", field, len([]rune(v)), res.Errors)
		}
	}
	// A carrier named in Chinese fits.
	b := newBuyer(t, s, map[string]int{skuID: 1})
	var p placed
	mustDecode(t, b.place(t, s, "CASH", ""), &p)
	var shipped struct{ ShipOrder struct{ Carrier string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($id: ID!, $c: String!) { shipOrder(orderId: $id, carrier: $c, trackingNo: "SF1") { carrier } }`,
		Header: orders, Variables: map[string]any{"id": p.PlaceOrder.ID, "c": " " + strings.Repeat("顺", 32) + " "}}), &shipped)
	if shipped.ShipOrder.Carrier != strings.Repeat("顺", 32) {
		t.Fatalf("carrier %q", shipped.ShipOrder.Carrier)
	}
}
