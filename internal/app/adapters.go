package app

import (
	"context"

	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/catalog"
	"github.com/storefront/storefront/internal/order"
)

// cartCatalog gives the cart the SKU facts it validates against.
// purchaseLimit is the shop's default limit (see order.PurchaseLimit).
type cartCatalog struct {
	catalog       *catalog.Service
	purchaseLimit int
}

func (c cartCatalog) SKUFacts(ctx context.Context, ids []int) (map[int]cart.SKUFacts, error) {
	rows, err := c.catalog.SKUsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int]cart.SKUFacts, len(rows))
	for _, k := range rows {
		out[k.ID] = order.SKUFacts(k, c.purchaseLimit)
	}
	return out, nil
}
