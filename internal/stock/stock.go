// Package stock changes SKUs' stock and sales, and is the only place that
// does: an order takes units, a cancel or an expiry puts them back, a
// merchant adjusts the count. Every change is one guarded UPDATE of the
// SKU's row, so no interleaving of them takes the stock below zero or moves
// a unit twice, and the row's lock is held only from that UPDATE to COMMIT
// (the flash-sale path depends on it: see internal/order).
package stock

import (
	"context"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/ent/sku"
)

// Move is one change of a SKU's stock and sales.
type Move struct {
	SKUID int
	// Stock is added to the stock. A negative Stock applies only while the
	// SKU holds that many units (stock >= -Stock).
	Stock int
	// Sales is added to the units sold.
	Sales int
	// OnSale applies the move only to a launched SKU.
	OnSale bool
	// Max, when positive, applies the move only if the stock ends at most
	// Max.
	Max int
}

// Take moves n units from the stock of an on-sale SKU to its sales: an
// order.
func Take(skuID, n int) Move { return Move{SKUID: skuID, Stock: -n, Sales: n, OnSale: true} }

// PutBack returns n units an order took: a cancel or an expiry. It never
// fails for want of stock or room, and the SKU need not be on sale.
func PutBack(skuID, n int) Move { return Move{SKUID: skuID, Stock: n, Sales: -n} }

// Adjust adds delta to the stock, keeping it between 0 and most; sales are
// untouched (receiving goods, a count correction).
func Adjust(skuID, delta, most int) Move { return Move{SKUID: skuID, Stock: delta, Max: most} }

// Apply runs the move as one UPDATE through skus (a transaction's tx.SKU,
// or a client's for a move that is its own statement) and reports whether
// the SKU changed: false when it is short, off sale, past Max, or gone. Why
// is the caller's to explain, from a read in the same transaction.
func (m Move) Apply(ctx context.Context, skus *ent.SKUClient) (bool, error) {
	where := []predicate.SKU{sku.ID(m.SKUID)}
	if m.Stock < 0 {
		where = append(where, sku.StockGTE(-m.Stock))
	}
	if m.Max > 0 {
		where = append(where, sku.StockLTE(m.Max-m.Stock))
	}
	if m.OnSale {
		where = append(where, sku.Launched(true))
	}
	u := skus.Update().Where(where...).AddStock(m.Stock)
	if m.Sales != 0 {
		u.AddSales(m.Sales)
	}
	n, err := u.Save(ctx)
	return n == 1, err
}
