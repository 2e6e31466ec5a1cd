package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/database"
)

const (
	addToCartDoc = `mutation($id: ID!) { addToCart(skuId: $id, count: 1) { lineCount } }`
	removeDoc    = `mutation($ids: [ID!]!) { removeCartLines(skuIds: $ids) { lineCount } }`
	cartDoc      = `{ cart { lineCount selectedCount selectedAmount lines { skuId name count price amount inStock } } }`
	cartIDsDoc   = `{ cart { lines { skuId } } }`
	placeDoc     = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id orderNo status totalAmount } }`
)

// The addToCart scenario's shape: each buyer rotates over its own
// cartRotation spread SKUs and empties them every cartResetEvery
// iterations, far below the 999-a-line and 100-line caps.
const (
	cartRotation   = 50
	cartResetEvery = 500
	cartFillLines  = 10 // lines in each cart of the cart-query scenario
)

var (
	cartConcs  = []int{1, 32, 128}
	orderConcs = []int{1, 8, 32, 128}
)

// scenarios lists every scenario in the order they run and print.
func scenarios() []*scenario {
	apiRetries := func(e *env) database.RetryStats { return e.app.DB.Retry.Stats() }
	rawRetries := func(e *env) database.RetryStats { return e.raw.policy.Stats() }
	return append([]*scenario{
		{
			key: "addToCart", name: "addToCart", group: "cart", concs: cartConcs,
			before: clearCarts, iter: addToCartIter, retries: apiRetries,
		},
		{
			key: "cart", name: "cart query", group: "cart", concs: cartConcs,
			before: fillCarts, iter: cartQueryIter, retries: apiRetries,
		},
		{
			key: "place-hot", name: "placeOrder hot", group: "orders", concs: orderConcs,
			before: clearCarts, iter: placeIter(hotSKU), retries: apiRetries,
		},
		{
			key: "raw-hot", name: "raw SQL hot", group: "orders", concs: orderConcs,
			before: openRaw, iter: rawIter(hotSKU), retries: rawRetries,
		},
		{
			key: "place-spread", name: "placeOrder spread", group: "orders", concs: orderConcs,
			before: clearCarts, iter: placeIter(spreadSKU), retries: apiRetries,
		},
		{
			key: "raw-spread", name: "raw SQL spread", group: "orders", concs: orderConcs,
			before: openRaw, iter: rawIter(spreadSKU), retries: rawRetries,
		},
		{
			key: "place-3lines", name: "placeOrder 3 lines", group: "orders", concs: orderConcs,
			before: clearCarts, iter: placeLinesIter(spreadLines(multiLines)), retries: apiRetries,
		},
		{
			key: "raw-3lines", name: "raw SQL 3 lines", group: "orders", concs: orderConcs,
			before: openRaw, iter: rawLinesIter(spreadLines(multiLines)), retries: rawRetries,
		},
		{
			key: "checkout", name: "checkout", group: "checkout", concs: []int{1, 8, 32},
			before: clearCarts, iter: checkoutIter, retries: apiRetries,
		},
		catalogScenario(),
	}, discoveryScenarios()...)
}

// pick chooses the SKU of one order.
type pick func(w *worker) benchSKU

func hotSKU(w *worker) benchSKU    { return w.e.hot }
func spreadSKU(w *worker) benchSKU { return w.e.spread[w.rng.IntN(len(w.e.spread))] }

// multiLines is the line count of the multi-line order rows: a small
// basket, which waits in the combiner's lane of its lowest SKU.
const multiLines = 3

// pickLines chooses the SKUs of one order, one unit each.
type pickLines func(w *worker) []benchSKU

// spreadLines picks n distinct random spread SKUs: the same SKU twice would
// be one cart line of two units, not n lines.
func spreadLines(n int) pickLines {
	return func(w *worker) []benchSKU {
		skus := make([]benchSKU, 0, n)
		for len(skus) < n {
			k := w.e.spread[w.rng.IntN(len(w.e.spread))]
			if !slices.ContainsFunc(skus, func(s benchSKU) bool { return s.ID == k.ID }) {
				skus = append(skus, k)
			}
		}
		return skus
	}
}

// rotation returns buyer idx's own slice of the spread set, so concurrent
// buyers add different SKUs (as real shoppers mostly do).
func rotation(e *env, idx, n int) []string {
	ids := make([]string, n)
	for k := range ids {
		ids[k] = e.spread[(idx*n+k)%len(e.spread)].GID
	}
	return ids
}

func addToCartIter(ctx context.Context, w *worker) {
	if w.skus == nil {
		w.skus = rotation(w.e, w.idx, cartRotation)
	}
	ids := w.skus
	if w.iter > 0 && w.iter%cartResetEvery == 0 {
		w.untimed("removeCartLines", func() string {
			code, _ := w.e.client.do(ctx, w.b.Token, removeDoc, map[string]any{"ids": ids}, nil)
			return code
		})
	}
	w.timed(func() string {
		code, _ := w.e.client.do(ctx, w.b.Token, addToCartDoc, map[string]any{"id": ids[w.iter%cartRotation]}, nil)
		return code
	})
}

func cartQueryIter(ctx context.Context, w *worker) {
	w.timed(func() string {
		code, _ := w.e.client.do(ctx, w.b.Token, cartDoc, nil, nil)
		return code
	})
}

// orderSeq makes every idempotency key of the run unique.
var orderSeq atomic.Int64

// placeIter stages one unit in the buyer's cart (untimed) and places the
// order (timed). The staging goes straight through the server's cart
// package, one Redis script, not over HTTP: an addToCart request per order
// would spend the two cores on a second GraphQL call and measure
// addToCart as much as placeOrder (it has its own row above).
func placeIter(p pick) func(ctx context.Context, w *worker) {
	return placeLinesIter(func(w *worker) []benchSKU { return []benchSKU{p(w)} })
}

// placeLinesIter is placeIter for an order of one unit of each SKU p
// picks: every line is staged (selected, as Add leaves a new line) in one
// untimed step, so the stage column stays a per-order figure.
func placeLinesIter(p pickLines) func(ctx context.Context, w *worker) {
	return func(ctx context.Context, w *worker) {
		skus := p(w)
		ids := make([]int, len(skus))
		for i, k := range skus {
			ids[i] = k.ID
		}
		owner := cart.User(w.b.UserID)
		// A failed order, or staging that failed part-way, leaves lines in
		// the cart: take them out, or the next iterations would order ever
		// more units of them (and hit the 999-a-line cap).
		removeLines := func() {
			w.untimed("remove line", func() string {
				return errCode(w.e.app.Carts.Remove(ctx, owner, ids))
			})
		}
		staged := 0
		if !w.untimed(stageOp, func() string {
			for _, id := range ids {
				if _, err := w.e.app.Carts.Add(ctx, owner, id, 1); err != nil {
					return errCode(err)
				}
				staged++
			}
			return ""
		}) {
			if staged > 0 {
				removeLines()
			}
			return
		}
		key := fmt.Sprintf("bench-%s-%d", w.e.runID, orderSeq.Add(1))
		placed := w.timed(func() string {
			code, _ := w.e.client.do(ctx, w.b.Token, placeDoc, map[string]any{"in": map[string]any{
				"addressId": w.b.AddressID, "payMethod": "CASH", "idempotencyKey": key,
			}}, nil)
			return code
		})
		if !placed {
			removeLines()
		}
	}
}

// stageOp names the untimed cart staging before each order.
const stageOp = "stage cart"

// errCode is the extensions.code an error would carry in a response.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	return cmp.Or(apperr.CodeOf(err), apperr.CodeInternal)
}

func rawIter(p pick) func(ctx context.Context, w *worker) {
	return rawLinesIter(func(w *worker) []benchSKU { return []benchSKU{p(w)} })
}

func rawLinesIter(p pickLines) func(ctx context.Context, w *worker) {
	return func(ctx context.Context, w *worker) {
		skus := p(w)
		w.timed(func() string { return w.e.raw.order(ctx, w.b.UserID, skus) })
	}
}

// forBuyers runs fn for every buyer, a few at a time, and returns the
// first error.
func forBuyers(ctx context.Context, buyers []*buyer, fn func(ctx context.Context, idx int, b *buyer) error) error {
	errs := make([]error, len(buyers))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, b := range buyers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(ctx, i, b)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// clearCarts empties the buyers' carts through the API (the cart's Redis
// layout is the cart package's business, not the bench's).
func clearCarts(ctx context.Context, e *env, buyers []*buyer) error {
	return forBuyers(ctx, buyers, func(ctx context.Context, _ int, b *buyer) error {
		var out struct {
			Cart struct{ Lines []struct{ SkuID string } }
		}
		if _, err := e.client.do(ctx, b.Token, cartIDsDoc, nil, &out); err != nil {
			return fmt.Errorf("reading %s's cart: %w", b.Username, err)
		}
		if len(out.Cart.Lines) == 0 {
			return nil
		}
		ids := make([]string, len(out.Cart.Lines))
		for i, l := range out.Cart.Lines {
			ids[i] = l.SkuID
		}
		if _, err := e.client.do(ctx, b.Token, removeDoc, map[string]any{"ids": ids}, nil); err != nil {
			return fmt.Errorf("clearing %s's cart: %w", b.Username, err)
		}
		return nil
	})
}

// fillCarts gives every buyer a cart of cartFillLines lines to read.
func fillCarts(ctx context.Context, e *env, buyers []*buyer) error {
	if err := clearCarts(ctx, e, buyers); err != nil {
		return err
	}
	return forBuyers(ctx, buyers, func(ctx context.Context, idx int, b *buyer) error {
		for _, id := range rotation(e, idx, cartFillLines) {
			if _, err := e.client.do(ctx, b.Token, addToCartDoc, map[string]any{"id": id}, nil); err != nil {
				return fmt.Errorf("filling %s's cart: %w", b.Username, err)
			}
		}
		return nil
	})
}

// openRaw opens the raw SQL pool the first time a raw cell runs.
func openRaw(ctx context.Context, e *env, _ []*buyer) error {
	if e.raw != nil {
		return nil
	}
	raw, err := openRawDB(ctx, e)
	if err != nil {
		return errors.Join(errors.New("opening the raw SQL pool"), err)
	}
	e.raw = raw
	e.onClose("closing the raw SQL pool", false, func(context.Context) error { return raw.db.Close() })
	return nil
}
