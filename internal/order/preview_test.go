package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/pricing"
)

// priceSKUs gives the first len(prices) launched SKUs those prices and
// plenty of stock, and returns their ids.
func priceSKUs(t *testing.T, s *gqltest.Server, prices ...money.Fen) []int {
	t.Helper()
	ids := launchedSKUs(t, s, len(prices))
	for i, id := range ids {
		if err := s.App.DB.Client.SKU.UpdateOneID(id).SetPrice(prices[i]).SetStock(100).SetSales(0).SetPurchaseLimit(0).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// A shopper looks at the checkout, then places the order: the order costs
// exactly what the preview said, on both paths an order takes (one SKU goes
// through the flash-sale combiner, several are placed alone), with freight
// charged and free. A line the shopper deselected is in neither.
func TestAnOrderCostsWhatItsPreviewSaid(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) {
		c.Freight, c.FreeFreightFrom = 10_00, 100_00
	}})
	ids := priceSKUs(t, s, 12_34, 55_55, 7_00)
	a, b, unselected := ids[0], ids[1], ids[2]
	cases := []struct {
		name  string
		lines []cart.Line // in the order they go into the cart
		want  pricing.Totals
	}{
		{"one SKU, freight charged", []cart.Line{{SKUID: a, Count: 2}}, pricing.Totals{Count: 2, Goods: 24_68, Freight: 10_00}},
		{"one SKU, free freight", []cart.Line{{SKUID: b, Count: 2}}, pricing.Totals{Count: 2, Goods: 111_10, Freight: 0}},
		{"two SKUs, freight charged", []cart.Line{{SKUID: b, Count: 1}, {SKUID: a, Count: 2}}, pricing.Totals{Count: 3, Goods: 80_23, Freight: 10_00}},
		{"two SKUs, free freight", []cart.Line{{SKUID: b, Count: 1}, {SKUID: a, Count: 4}}, pricing.Totals{Count: 5, Goods: 104_91, Freight: 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			in := buyer(t, s, unselected, 3)
			sel := false
			if _, err := s.App.Carts.Update(ctx, cart.User(in.UserID), unselected, 3, &sel); err != nil {
				t.Fatal(err)
			}
			for _, l := range c.lines {
				if _, err := s.App.Carts.Add(ctx, cart.User(in.UserID), l.SKUID, l.Count); err != nil {
					t.Fatal(err)
				}
			}
			p, err := s.App.Orders.Preview(ctx, in.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Totals != c.want || p.Payable() != c.want.Goods+c.want.Freight {
				t.Fatalf("preview %+v payable %v; want %+v", p.Totals, p.Payable(), c.want)
			}
			if len(p.Items) != len(c.lines) {
				t.Fatalf("preview lines %+v; want %+v", p.Items, c.lines)
			}
			for i, it := range p.Items {
				if it.SKUID != c.lines[i].SKUID || it.Count != c.lines[i].Count || !it.Available || !it.InStock ||
					it.Amount != pricing.Amount(it.SKU.Price, it.Count) {
					t.Fatalf("preview line %d = %+v; want %+v in cart order", i, it, c.lines[i])
				}
			}

			o, err := s.App.Orders.Place(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if o.TotalCount != p.Count || o.TotalAmount != p.Goods || o.Freight != p.Freight ||
				pricing.Payable(o.TotalAmount, o.Freight) != p.Payable() {
				t.Fatalf("placed %d units, %v + %v freight; the preview said %+v, payable %v",
					o.TotalCount, o.TotalAmount, o.Freight, p.Totals, p.Payable())
			}
			if len(o.Edges.Lines) != len(c.lines) {
				t.Fatalf("placed lines %+v", o.Edges.Lines)
			}
		})
	}
}

// The preview refuses a cart the way placing it would, with the same code
// and details, so a checkout page learns the problem before the buyer
// presses the button.
func TestAPreviewRefusesWhatPlacingWouldRefuse(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	ids := priceSKUs(t, s, 10_00, 20_00, 30_00)
	cases := []struct {
		name   string
		change func(t *testing.T, skuID int)
		code   string
		left   int
	}{
		{"withdrawn", func(t *testing.T, id int) {
			if err := s.App.DB.Client.SKU.UpdateOneID(id).SetLaunched(false).Exec(t.Context()); err != nil {
				t.Fatal(err)
			}
		}, apperr.CodeSKUUnavailable, 0},
		{"sold down below the count", func(t *testing.T, id int) {
			if err := s.App.DB.Client.SKU.UpdateOneID(id).SetStock(1).Exec(t.Context()); err != nil {
				t.Fatal(err)
			}
		}, apperr.CodeInsufficientStock, 1},
		{"nothing selected", func(*testing.T, int) {}, apperr.CodeCartEmpty, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Not parallel: each case spoils a SKU the next one needs whole.
			ctx := t.Context()
			bad := ids[1]
			in := buyer(t, s, ids[0], 1)
			if c.code == apperr.CodeCartEmpty {
				if err := s.App.Carts.SelectAll(ctx, cart.User(in.UserID), false); err != nil {
					t.Fatal(err)
				}
			} else {
				if _, err := s.App.Carts.Add(ctx, cart.User(in.UserID), bad, 2); err != nil {
					t.Fatal(err)
				}
			}
			c.change(t, bad)
			t.Cleanup(func() {
				if err := s.App.DB.Client.SKU.UpdateOneID(bad).SetLaunched(true).SetStock(100).Exec(context.Background()); err != nil {
					t.Error(err)
				}
			})

			_, perr := s.App.Orders.Preview(ctx, in.UserID)
			_, oerr := s.App.Orders.Place(ctx, in)
			if apperr.CodeOf(perr) != c.code || apperr.CodeOf(oerr) != c.code {
				t.Fatalf("case %d: preview %v, place %v; want %s from both", i, perr, oerr, c.code)
			}
			var ps, os apperr.InsufficientStock
			if errors.As(perr, &ps) != errors.As(oerr, &os) || ps != os || (c.left > 0 && (ps.SKUID != bad || ps.Left != c.left)) {
				t.Fatalf("preview says %+v, place %+v; want SKU %d with %d left", ps, os, bad, c.left)
			}
			var pu, ou apperr.SKUUnavailable
			if errors.As(perr, &pu) != errors.As(oerr, &ou) || pu != ou {
				t.Fatalf("preview says %+v, place %+v", pu, ou)
			}
		})
	}
}
