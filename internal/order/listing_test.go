package order_test

import (
	"slices"
	"testing"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/paging"
	"github.com/storefront/storefront/internal/partner"
)

// A shopper's orders, the partner's listing and a SKU's comments come
// from their services newest first, page after page, without the caller
// naming an order.
func TestListingsComeNewestFirstFromTheirServices(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	ctx := t.Context()
	skuID := hotSKU(t, s)
	setStock(t, s, skuID, 100)
	in := buyer(t, s, skuID, 1)
	var placed []*ent.OrderInfo
	for i, key := range []string{"first", "second", "third"} {
		if i > 0 {
			if _, err := s.App.Carts.Add(ctx, cart.User(in.UserID), skuID, 1); err != nil {
				t.Fatal(err)
			}
		}
		in.IdempotencyKey = key
		o, err := s.App.Orders.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		placed = append(placed, o)
	}
	// Commented in the order placed: the last comment is the newest.
	for _, o := range placed {
		if err := s.App.DB.Client.OrderInfo.UpdateOneID(o.ID).SetStatus(orderstate.Uncomment).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Orders.Comment(ctx, in.UserID, o.ID, []order.LineComment{{LineID: o.Edges.Lines[0].ID, Score: 5}}); err != nil {
			t.Fatal(err)
		}
	}
	newestFirst := []int{placed[2].ID, placed[1].ID, placed[0].ID}
	two := 2
	merchant := partner.New(s.App.DB, s.App.Orders)
	reader := apikey.Partner{Name: "erp", Scopes: []string{apikey.OrdersRead}}

	orders := map[string]func(page paging.Args) (*ent.OrderInfoConnection, error){
		"myOrders": func(page paging.Args) (*ent.OrderInfoConnection, error) {
			return s.App.Orders.Mine(ctx, in.UserID, nil, page)
		},
		"partner orders": func(page paging.Args) (*ent.OrderInfoConnection, error) {
			return merchant.Orders(ctx, reader, partner.OrderFilter{}, page)
		},
	}
	for name, list := range orders {
		first, err := list(paging.Args{First: &two})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rest, err := list(paging.Args{First: &two, After: first.PageInfo.EndCursor})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []int
		for _, e := range append(first.Edges, rest.Edges...) {
			got = append(got, e.Node.ID)
		}
		if !slices.Equal(got, newestFirst) || !first.PageInfo.HasNextPage || rest.PageInfo.HasNextPage || first.TotalCount != 3 {
			t.Errorf("%s: orders %v over two pages (total %d), want %v", name, got, first.TotalCount, newestFirst)
		}
	}

	first, err := s.App.Orders.Comments(ctx, skuID, paging.Args{First: &two})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := s.App.Orders.Comments(ctx, skuID, paging.Args{First: &two, After: first.PageInfo.EndCursor})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, e := range append(first.Edges, rest.Edges...) {
		got = append(got, e.Node.OrderID)
		if order.Author(e.Node) == "" {
			t.Errorf("a comment without its author loaded: %+v", e.Node.Edges)
		}
	}
	if !slices.Equal(got, newestFirst) {
		t.Errorf("comments of orders %v, want %v", got, newestFirst)
	}
}
