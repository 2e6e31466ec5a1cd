package graph_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
)

const cartFields = `id guestToken selectedCount selectedAmount lineCount
	lines { id skuId name count selected price amount available inStock sku { id name } }`

type cartView struct {
	ID             string
	GuestToken     *string
	SelectedCount  int
	SelectedAmount string
	LineCount      int
	Lines          []struct {
		ID        string
		SkuID     string
		Name      string
		Count     int
		Selected  bool
		Price     string
		Amount    string
		Available bool
		InStock   bool
		Sku       *struct{ ID, Name string }
	}
}

func cartCall(t *testing.T, s *gqltest.Server, h http.Header, doc string, vars map[string]any) (cartView, gqltest.Response) {
	t.Helper()
	res := s.Post(t, gqltest.Request{Query: doc, Variables: vars, Header: h})
	var out map[string]cartView
	if len(res.Errors) == 0 {
		if err := json.Unmarshal(res.Data, &out); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range out {
		return v, res
	}
	return cartView{}, res
}

var (
	addDoc    = `mutation($id: ID!, $n: Int!) { addToCart(skuId: $id, count: $n) { ` + cartFields + ` } }`
	updateDoc = `mutation($id: ID!, $n: Int!, $sel: Boolean) { updateCartLine(skuId: $id, count: $n, selected: $sel) { ` + cartFields + ` } }`
	cartDoc   = `{ cart { ` + cartFields + ` } }`
)

func cartToken(tok string) http.Header { return http.Header{"X-Cart-Token": {tok}} }

func TestGuestCartTravelsByTokenAndMergesAtLogin(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	phone := skuIDByName(t, s, "Aurora X1 Midnight / 128 GB")
	buds := skuIDByName(t, s, "Echo Buds White")
	clearCase := skuIDByName(t, s, "MagSafe Case Clear")

	// A visitor with no cart gets one.
	c, res := cartCall(t, s, nil, addDoc, map[string]any{"id": phone, "n": 2})
	if len(res.Errors) > 0 || c.GuestToken == nil || len(*c.GuestToken) < 22 {
		t.Fatalf("first add: %+v %+v", c, res.Errors)
	}
	guest := cartToken(*c.GuestToken)
	c, _ = cartCall(t, s, guest, addDoc, map[string]any{"id": buds, "n": 1})
	if c.LineCount != 2 || c.SelectedCount != 3 || c.SelectedAmount != "8697.90" {
		t.Fatalf("guest cart = %+v", c)
	}
	// Without the token, or with another visitor's, the cart is not there.
	if c, _ := cartCall(t, s, nil, cartDoc, nil); c.LineCount != 0 || c.GuestToken != nil {
		t.Fatalf("no token: %+v", c)
	}
	other, _ := cartCall(t, s, nil, addDoc, map[string]any{"id": clearCase, "n": 1})
	if other.LineCount != 1 || *other.GuestToken == *c.GuestToken {
		t.Fatalf("second visitor: %+v", other)
	}
	if _, res := cartCall(t, s, cartToken("../../etc"), cartDoc, nil); res.Code() != "BAD_USER_INPUT" {
		t.Fatalf("malformed token: %+v", res.Errors)
	}

	// The shopper had 5 phones and a case; the guest's 2 phones win.
	sh := s.NewShopper(t)
	cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": phone, "n": 5})
	cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": clearCase, "n": 1})
	var login struct{ Login struct{ AccessToken string } }
	s.Query(t, `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`, map[string]any{"in": map[string]any{
		"account": sh.Username, "password": sh.Password, "guestCartToken": *c.GuestToken}}, &login)
	merged, _ := cartCall(t, s, gqltest.Bearer(login.Login.AccessToken), cartDoc, nil)
	counts := map[string]int{}
	for _, l := range merged.Lines {
		counts[l.SkuID] = l.Count
	}
	if merged.LineCount != 3 || counts[phone] != 2 || counts[buds] != 1 || counts[clearCase] != 1 {
		t.Fatalf("merged = %+v", merged)
	}
	if c, _ := cartCall(t, s, guest, cartDoc, nil); c.LineCount != 0 {
		t.Fatalf("the guest cart survived the merge: %+v", c)
	}
	// Merging the same token again changes nothing.
	again, res := cartCall(t, s, sh.Header(), `mutation($t: String!) { mergeCart(guestCartToken: $t) { `+cartFields+` } }`, map[string]any{"t": *c.GuestToken})
	if len(res.Errors) > 0 || again.LineCount != 3 || again.SelectedCount != merged.SelectedCount {
		t.Fatalf("second merge: %+v %+v", again, res.Errors)
	}
}

func TestCartRulesAndCodes(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	sh := s.NewShopper(t)
	h := sh.Header()
	sku := skuIDByName(t, s, "Nimbus 16 32 GB") // stock 50
	hidden := unlaunchedSKUID(t, s)

	c, res := cartCall(t, s, h, addDoc, map[string]any{"id": sku, "n": 3})
	if len(res.Errors) > 0 || c.GuestToken != nil || c.Lines[0].Amount != "32997.00" || !c.Lines[0].InStock || c.Lines[0].Sku.Name != "Nimbus 16 32 GB" {
		t.Fatalf("add: %+v %+v", c, res.Errors)
	}
	for _, bad := range []struct {
		name string
		id   string
		n    int
		code string
	}{
		{"zero", sku, 0, "BAD_USER_INPUT"},
		{"negative", sku, -1, "BAD_USER_INPUT"},
		{"too many", sku, 1000, "BAD_USER_INPUT"},
		{"more than the stock", sku, 48, "INSUFFICIENT_STOCK"},
		{"unlaunched", hidden, 1, "SKU_UNAVAILABLE"},
		{"malformed id", "x", 1, "BAD_USER_INPUT"},
	} {
		_, res := cartCall(t, s, h, addDoc, map[string]any{"id": bad.id, "n": bad.n})
		if res.Code() != bad.code {
			t.Errorf("%s: %+v, want %s", bad.name, res.Errors, bad.code)
		}
		if bad.code == "INSUFFICIENT_STOCK" && (res.Errors[0].Extensions["left"] != float64(50) || res.Errors[0].Extensions["skuId"] != sku) {
			t.Errorf("stock error extensions: %+v", res.Errors[0].Extensions)
		}
		if bad.code == "SKU_UNAVAILABLE" && res.Errors[0].Extensions["skuId"] != hidden {
			t.Errorf("unavailable error extensions: %+v", res.Errors[0].Extensions)
		}
	}
	if c, _ := cartCall(t, s, h, cartDoc, nil); c.LineCount != 1 || c.Lines[0].Count != 3 {
		t.Fatalf("refused adds changed the cart: %+v", c)
	}

	c, res = cartCall(t, s, h, updateDoc, map[string]any{"id": sku, "n": 7, "sel": false})
	if len(res.Errors) > 0 || c.Lines[0].Count != 7 || c.Lines[0].Selected || c.SelectedCount != 0 || c.SelectedAmount != "0.00" {
		t.Fatalf("update: %+v %+v", c, res.Errors)
	}
	other := skuIDByName(t, s, "Echo Buds Green")
	if _, res := cartCall(t, s, h, updateDoc, map[string]any{"id": other, "n": 1}); res.Code() != "NOT_FOUND" {
		t.Fatalf("update of a line not in the cart: %+v", res.Errors)
	}
	cartCall(t, s, h, addDoc, map[string]any{"id": other, "n": 1})
	c, _ = cartCall(t, s, h, `mutation { selectAllCartLines(selected: true) { `+cartFields+` } }`, nil)
	if c.SelectedCount != 8 {
		t.Fatalf("select all: %+v", c)
	}
	c, _ = cartCall(t, s, h, `mutation($ids: [ID!]!) { removeCartLines(skuIds: $ids) { `+cartFields+` } }`, map[string]any{"ids": []string{sku}})
	if c.LineCount != 1 || c.Lines[0].SkuID != other {
		t.Fatalf("remove: %+v", c)
	}
	// A refused token is not silently a guest.
	if _, res := cartCall(t, s, gqltest.Bearer("expired-or-forged"), addDoc, map[string]any{"id": other, "n": 1}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("bad token: %+v", res.Errors)
	}
}

func TestFiftyConcurrentAddsLoseNothing(t *testing.T) {
	t.Parallel()
	// No purchase limit: the stock is what must stop the 51st.
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) { c.PurchaseLimit = 0 }})
	sh := s.NewShopper(t)
	sku := skuIDByName(t, s, "Nimbus 14 Grey / 16 GB") // stock 50
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, res := cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": sku, "n": 1}); len(res.Errors) > 0 {
				t.Errorf("add: %+v", res.Errors)
			}
		}()
	}
	wg.Wait()
	if c, _ := cartCall(t, s, sh.Header(), cartDoc, nil); c.LineCount != 1 || c.Lines[0].Count != 50 {
		t.Fatalf("after 50 adds: %+v", c)
	}
	// The 51st is over the stock.
	if _, res := cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": sku, "n": 1}); res.Code() != "INSUFFICIENT_STOCK" {
		t.Fatalf("51st add: %+v", res.Errors)
	}
}

func TestCheckoutPreviewFreightAndAddress(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	sh := s.NewShopper(t)
	doc := `{ checkoutPreview { goodsCount goodsAmount freight payable address { receiver } lines { name count } } }`
	type preview struct {
		CheckoutPreview struct {
			GoodsCount                    int
			GoodsAmount, Freight, Payable string
			Address                       *struct{ Receiver string }
		}
	}
	if res := s.Post(t, gqltest.Request{Query: doc, Header: sh.Header()}); res.Code() != "CART_EMPTY" {
		t.Fatalf("empty cart: %+v", res.Errors)
	}
	if res := s.Post(t, gqltest.Request{Query: doc}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous preview: %+v", res.Errors)
	}
	caseSKU := skuIDByName(t, s, "MagSafe Case Clear") // 99.00: free freight from 99.00
	budsSKU := skuIDByName(t, s, "Echo Buds White")
	cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": caseSKU, "n": 1})
	cartCall(t, s, sh.Header(), updateDoc, map[string]any{"id": caseSKU, "n": 1, "sel": true})
	var p preview
	s.As(t, sh, doc, nil, &p)
	if got := p.CheckoutPreview; got.GoodsAmount != "99.00" || got.Freight != "0.00" || got.Payable != "99.00" || got.Address != nil {
		t.Fatalf("at the threshold: %+v", got)
	}
	createAddr(t, s, sh, "收货人")
	cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": budsSKU, "n": 2})
	cartCall(t, s, sh.Header(), updateDoc, map[string]any{"id": caseSKU, "n": 1, "sel": false})
	s.As(t, sh, doc, nil, &p)
	if got := p.CheckoutPreview; got.GoodsCount != 2 || got.GoodsAmount != "1399.80" || got.Freight != "0.00" || got.Address == nil || got.Address.Receiver != "收货人" {
		t.Fatalf("buds only: %+v", got)
	}
}

// A buyer reads the checkout page and presses the button: the order
// charges what the page said, line by line and in total.
func TestPlaceOrderChargesWhatCheckoutPreviewShowed(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) { c.FreeFreightFrom = 100_000_00 }})
	b := newBuyer(t, s, map[string]int{
		skuIDByName(t, s, "MagSafe Case Clear"): 3,
		skuIDByName(t, s, "Echo Buds White"):    2,
	})
	var p struct {
		CheckoutPreview struct {
			GoodsCount                    int
			GoodsAmount, Freight, Payable string
			Lines                         []struct{ Name, Amount string }
		}
	}
	s.As(t, b.Shopper, `{ checkoutPreview { goodsCount goodsAmount freight payable lines { name amount } } }`, nil, &p)
	var o placed
	mustDecode(t, b.place(t, s, "CASH", ""), &o)
	pv, po := p.CheckoutPreview, o.PlaceOrder
	if pv.Payable != po.Payable || pv.GoodsAmount != po.TotalAmount || pv.Freight != po.Freight || pv.GoodsCount != po.TotalCount {
		t.Fatalf("preview %+v; the order placed next %+v", pv, po)
	}
	if pv.Freight != "10.00" || pv.Payable != "1706.80" {
		t.Fatalf("preview %+v; want 297.00 + 1399.80 goods and 10.00 freight", pv)
	}
	shown := map[string]string{}
	for _, l := range pv.Lines {
		shown[l.Name] = l.Amount
	}
	for _, l := range po.Lines {
		if shown[l.SkuName] != l.Amount {
			t.Fatalf("line %s: the preview showed %s, the order charges %s", l.SkuName, shown[l.SkuName], l.Amount)
		}
	}
}

func TestFreightIsChargedBelowTheThreshold(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) { c.FreeFreightFrom = 200_00 }})
	sh := s.NewShopper(t)
	cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": skuIDByName(t, s, "MagSafe Case Clear"), "n": 1})
	var p struct {
		CheckoutPreview struct{ GoodsAmount, Freight, Payable string }
	}
	s.As(t, sh, `{ checkoutPreview { goodsAmount freight payable } }`, nil, &p)
	if got := p.CheckoutPreview; got.GoodsAmount != "99.00" || got.Freight != "10.00" || got.Payable != "109.00" {
		t.Fatalf("preview = %+v", got)
	}
}

// A client that caches by id (Apollo Client, urql) shows the cart a
// mutation returns wherever the cart is on screen: the cart, its lines and
// the checkout preview keep their ids from request to request, the line
// addToCart returns is the line a later cart query reads, and no two carts
// share an id. A guest cart's id does not give its token away.
func TestCartIDsAreStableSoACachedCartUpdatesAfterAMutation(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	buds := skuIDByName(t, s, "Echo Buds White")
	sh := s.NewShopper(t)
	h := sh.Header()

	empty, _ := cartCall(t, s, h, cartDoc, nil)
	again, _ := cartCall(t, s, h, cartDoc, nil)
	if empty.ID == "" || again.ID != empty.ID || len(empty.Lines) != 0 {
		t.Fatalf("an empty cart read twice: %q then %q", empty.ID, again.ID)
	}
	added, res := cartCall(t, s, h, addDoc, map[string]any{"id": buds, "n": 1})
	if len(res.Errors) > 0 || added.ID != empty.ID || len(added.Lines) != 1 || added.Lines[0].ID == "" || added.Lines[0].SkuID != buds {
		t.Fatalf("addToCart answered %+v %+v; want cart %s with the new line", added, res.Errors, empty.ID)
	}
	line := added.Lines[0].ID
	read, _ := cartCall(t, s, h, cartDoc, nil)
	if read.ID != added.ID || len(read.Lines) != 1 || read.Lines[0].ID != line || read.Lines[0].Count != 1 {
		t.Fatalf("a later cart query reads %+v; want cart %s with line %s", read, added.ID, line)
	}
	more, _ := cartCall(t, s, h, addDoc, map[string]any{"id": buds, "n": 2})
	if more.ID != added.ID || len(more.Lines) != 1 || more.Lines[0].ID != line || more.Lines[0].Count != 3 {
		t.Fatalf("adding to the line: %+v; want line %s with 3 units", more, line)
	}

	// The preview's line is the cart's line; the preview keeps its id.
	previewDoc := `{ checkoutPreview { id lines { id count } } }`
	type preview struct {
		CheckoutPreview struct {
			ID    string
			Lines []struct {
				ID    string
				Count int
			}
		}
	}
	var p1, p2 preview
	s.As(t, sh, previewDoc, nil, &p1)
	s.As(t, sh, previewDoc, nil, &p2)
	if pv := p1.CheckoutPreview; pv.ID == "" || pv.ID != p2.CheckoutPreview.ID || pv.ID == added.ID ||
		len(pv.Lines) != 1 || pv.Lines[0].ID != line || pv.Lines[0].Count != 3 {
		t.Fatalf("previews %+v then %+v; want one id, and line %s", p1, p2, line)
	}

	// Another shopper's cart and line for the same SKU are other objects.
	other := s.NewShopper(t)
	theirs, _ := cartCall(t, s, other.Header(), addDoc, map[string]any{"id": buds, "n": 1})
	if theirs.ID == added.ID || theirs.Lines[0].ID == line {
		t.Fatalf("two shoppers' carts share ids: %s/%s", theirs.ID, theirs.Lines[0].ID)
	}

	// A visitor: every cartless visitor reads the same empty cart; the
	// first addToCart opens a guest cart, whose ids then hold.
	none, _ := cartCall(t, s, nil, cartDoc, nil)
	guest, _ := cartCall(t, s, nil, addDoc, map[string]any{"id": buds, "n": 1})
	if none.ID == "" || guest.GuestToken == nil || guest.ID == none.ID || guest.ID == added.ID || guest.Lines[0].ID == line {
		t.Fatalf("visitor without a cart %q, then guest cart %+v", none.ID, guest)
	}
	tok := cartToken(*guest.GuestToken)
	back, _ := cartCall(t, s, tok, cartDoc, nil)
	if back.ID != guest.ID || back.Lines[0].ID != guest.Lines[0].ID {
		t.Fatalf("the guest cart read back as %+v; want %s", back, guest.ID)
	}
	for _, id := range []string{guest.ID, guest.Lines[0].ID} {
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || strings.Contains(string(raw), *guest.GuestToken) || strings.Contains(id, *guest.GuestToken) {
			t.Fatalf("id %q (%q, %v) shows the guest token", id, raw, err)
		}
	}
	// The id is no node id.
	if res := s.Post(t, gqltest.Request{Query: `query($id: ID!) { node(id: $id) { id } }`, Variables: map[string]any{"id": added.ID}}); len(res.Errors) == 0 {
		t.Fatalf("node(id: a cart id) = %s", res.Data)
	}
}

func TestAnonymousAddsFromOneAddressOpenOnlySoManyGuestCarts(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	sku := skuIDByName(t, s, "Echo Buds Green")
	var tok string
	codes := map[string]int{}
	for range 25 {
		c, res := cartCall(t, s, nil, addDoc, map[string]any{"id": sku, "n": 1})
		codes[res.Code()]++
		if res.Code() == "RATE_LIMITED" && res.Errors[0].Extensions["retryAfter"] == nil {
			t.Fatalf("no retryAfter: %+v", res.Errors)
		}
		if c.GuestToken != nil {
			tok = *c.GuestToken
		}
	}
	if codes[""] != 20 || codes["RATE_LIMITED"] != 5 {
		t.Fatalf("codes %v; want 20 guest carts, then RATE_LIMITED", codes)
	}
	// A visitor with a cart keeps using it, and a shopper is not a guest.
	if _, res := cartCall(t, s, cartToken(tok), addDoc, map[string]any{"id": sku, "n": 1}); len(res.Errors) > 0 {
		t.Fatalf("an existing guest cart: %+v", res.Errors)
	}
	if _, res := cartCall(t, s, s.NewShopper(t).Header(), addDoc, map[string]any{"id": sku, "n": 1}); len(res.Errors) > 0 {
		t.Fatalf("a shopper: %+v", res.Errors)
	}
}
