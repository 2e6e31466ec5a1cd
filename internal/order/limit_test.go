package order_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/orderstate"
)

// fullCart is a shopper's cart that is never emptied: the client that puts
// the line back before each of its concurrent checkouts. With the real cart
// a fast first order would empty it before the others read it, and the
// race would not always be run.
type fullCart struct{ lines []cart.Line }

func (c fullCart) Selected(context.Context, cart.Owner) ([]cart.Line, error) {
	return append([]cart.Line(nil), c.lines...), nil
}
func (fullCart) RemovePurchased(context.Context, cart.Owner, int, []cart.Line) error { return nil }

// limitedService is an order service over s's database whose carts always
// hold lines.
func limitedService(s *gqltest.Server, lines []cart.Line, cfg order.Config, opts ...order.Option) *order.Service {
	if cfg.LimitWindow == 0 {
		cfg.LimitWindow = 24 * time.Hour
	}
	return order.New(s.App.DB, fullCart{lines}, s.App.AddressBook, cfg,
		slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
}

func launchedSKUs(t *testing.T, s *gqltest.Server, n int) []int {
	t.Helper()
	ids, err := s.App.DB.Client.SKU.Query().Where(sku.Launched(true)).Order(ent.Asc(sku.FieldID)).Limit(n).IDs(t.Context())
	if err != nil || len(ids) != n {
		t.Fatalf("%d SKUs (%v)", len(ids), err)
	}
	return ids
}

func setLimit(t *testing.T, s *gqltest.Server, skuID, stock, limit int) {
	t.Helper()
	if err := s.App.DB.Client.SKU.UpdateOneID(skuID).SetStock(stock).SetSales(0).SetPurchaseLimit(limit).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// tally counts outcomes by code ("" for a placed order).
func tally(res []result) map[string]int {
	out := map[string]int{}
	for _, r := range res {
		out[apperr.CodeOf(r.err)]++
		if r.err != nil && apperr.CodeOf(r.err) == "" {
			out[r.err.Error()]++
		}
	}
	return out
}

func TestOneShoppersConcurrentOrdersNeverPassTheLimitTogether(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		skus int
	}{
		{"one SKU, through the combiner", 1},
		{"two SKUs, each order alone", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := gqltest.Start(t, gqltest.Options{})
			ids := launchedSKUs(t, s, c.skus)
			var lines []cart.Line
			for _, id := range ids {
				setLimit(t, s, id, 100, 2)
				lines = append(lines, cart.Line{SKUID: id, Count: 1, Selected: true})
			}
			in := buyer(t, s, ids[0], 1)
			svc := limitedService(s, lines, order.Config{PurchaseLimit: 10})
			ins := make([]order.PlaceInput, 10)
			for i := range ins {
				ins[i] = in
				ins[i].IdempotencyKey = fmt.Sprint("tap-", i)
			}
			res := placeAll(svc, ins)
			got := tally(res)
			if got[""] != 2 || got[apperr.CodePurchaseLimit] != 8 {
				t.Fatalf("outcomes %v; want 2 orders and 8 PURCHASE_LIMIT", got)
			}
			for _, r := range res {
				var lim apperr.PurchaseLimit
				if errors.As(r.err, &lim) && (lim.Limit != 2 || lim.Left != 0 || lim.SKU() != ids[0]) {
					t.Fatalf("refusal %+v; want limit 2, 0 left, SKU %d", lim, ids[0])
				}
			}
			for _, id := range ids {
				k := s.App.DB.Client.SKU.GetX(t.Context(), id)
				if k.Sales != 2 || k.Stock != 98 {
					t.Fatalf("SKU %d: stock %d, sales %d; want 98, 2", id, k.Stock, k.Sales)
				}
			}
		})
	}
}

func TestABatchOfManyBuyersKeepsEachBuyersLimit(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var skuID int
	const buyers = 30
	s := gqltest.Start(t, gqltest.Options{})
	skuID = hotSKU(t, s)
	setLimit(t, s, skuID, 1000, 1)
	// Hold the first batch until every other call queued: the second batch
	// holds all of them, two calls per buyer.
	svc = limitedService(s, []cart.Line{{SKUID: skuID, Count: 1, Selected: true}}, order.Config{PurchaseLimit: 10},
		steps(func(ctx context.Context) error { return queued(t, &svc, skuID, 2*buyers-1)(ctx) }))
	var ins []order.PlaceInput
	for range buyers {
		in := buyer(t, s, skuID, 1)
		again := in
		again.IdempotencyKey += "-again"
		ins = append(ins, in, again)
	}
	res := placeAll(svc, ins)
	if got := tally(res); got[""] != buyers || got[apperr.CodePurchaseLimit] != buyers {
		t.Fatalf("outcomes %v; want %d orders and %d PURCHASE_LIMIT", got, buyers, buyers)
	}
	for i := 0; i < len(ins); i += 2 {
		if (res[i].err == nil) == (res[i+1].err == nil) {
			t.Fatalf("buyer %d: %v / %v; want one order", i/2, res[i].err, res[i+1].err)
		}
	}
	k := s.App.DB.Client.SKU.GetX(t.Context(), skuID)
	if k.Sales != buyers || k.Stock != 1000-buyers {
		t.Fatalf("stock %d, sales %d", k.Stock, k.Sales)
	}
	if st := svc.BatchStats(); st.Batches != 2 || st.Batched != buyers || st.OwnTx != 0 {
		t.Fatalf("batch stats %+v; want every order placed by two batches", st)
	}
}

func TestAShoppersUnpaidOrdersAreCapped(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	ids := launchedSKUs(t, s, 2)
	setLimit(t, s, ids[0], 100, 100)
	one := []cart.Line{{SKUID: ids[0], Count: 1, Selected: true}}
	svc := limitedService(s, one, order.Config{PurchaseLimit: 10, MaxUnpaid: 3, PayWithin: 30 * time.Minute})
	in := buyer(t, s, ids[0], 1)
	in.PayMethod = orderinfo.PayMethodALIPAY
	ins := make([]order.PlaceInput, 8)
	for i := range ins {
		ins[i] = in
		ins[i].IdempotencyKey = fmt.Sprint("alipay-", i)
	}
	res := placeAll(svc, ins)
	if got := tally(res); got[""] != 3 || got[apperr.CodeUnpaidLimit] != 5 {
		t.Fatalf("outcomes %v; want 3 orders and 5 UNPAID_LIMIT", got)
	}
	// CASH orders are not held back by unpaid ones; a canceled unpaid
	// order makes room for another.
	cash := in
	cash.PayMethod, cash.IdempotencyKey = orderinfo.PayMethodCASH, "cash-1"
	if _, err := svc.Place(t.Context(), cash); err != nil {
		t.Fatalf("a CASH order beside three unpaid ones: %v", err)
	}
	var first *ent.OrderInfo
	for _, r := range res {
		if r.err == nil {
			first = r.order
			break
		}
	}
	if err := svc.CancelUnpaid(t.Context(), first.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	in.IdempotencyKey = "alipay-after-cancel"
	if _, err := svc.Place(t.Context(), in); err != nil {
		t.Fatalf("after a cancel: %v", err)
	}
	n, _ := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.UserID(in.UserID), orderinfo.StatusEQ(orderstate.Unpaid)).Count(t.Context())
	if n != 3 {
		t.Fatalf("%d unpaid orders", n)
	}
}
