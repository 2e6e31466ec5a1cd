package app

import (
	"context"

	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/catalog"
)

// cartCatalog gives the cart the SKU facts it validates against.
type cartCatalog struct{ catalog *catalog.Service }

func (c cartCatalog) SKUFacts(ctx context.Context, ids []int) (map[int]cart.SKUFacts, error) {
	rows, err := c.catalog.SKUsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int]cart.SKUFacts, len(rows))
	for _, k := range rows {
		out[k.ID] = cart.SKUFacts{ID: k.ID, Name: k.Name, Price: k.Price, Stock: k.Stock, Launched: k.Launched, Image: k.Image}
	}
	return out, nil
}
