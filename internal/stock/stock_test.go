package stock_test

import (
	"testing"

	"github.com/storefront/storefront/internal/stock"
	"github.com/storefront/storefront/internal/testenv"
)

// One SKU through the moves of its life: orders take units while they
// last and only while it is on sale, a cancel puts units back whatever
// the SKU's state, and a merchant's adjustment keeps the stock between 0
// and the cap. A move that does not fit changes nothing.
func TestStockNeverGoesBelowZeroAndAPutBackIsNeverRefused(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	c := env.Client
	cat := c.Category.Create().SetName("Phones").SaveX(ctx)
	g := c.Goods.Create().SetName("Phone").SetCategoryID(cat.ID).SaveX(ctx)
	k := c.SKU.Create().SetName("Phone Black").SetPrice(100).SetStock(3).SetCategoryID(cat.ID).SetGoodsID(g.ID).SaveX(ctx)

	steps := []struct {
		name         string
		move         stock.Move
		moved        bool
		stock, sales int
	}{
		{"take 2 of 3", stock.Take(k.ID, 2), true, 1, 2},
		{"take 2 of 1", stock.Take(k.ID, 2), false, 1, 2},
		{"take the last", stock.Take(k.ID, 1), true, 0, 3},
		{"put 2 back", stock.PutBack(k.ID, 2), true, 2, 1},
		{"remove 3 of 2", stock.Adjust(k.ID, -3, 10), false, 2, 1},
		{"add 9 past the cap of 10", stock.Adjust(k.ID, 9, 10), false, 2, 1},
		{"add 8 up to the cap", stock.Adjust(k.ID, 8, 10), true, 10, 1},
		{"remove 10", stock.Adjust(k.ID, -10, 10), true, 0, 1},
		{"take from a SKU with none", stock.Take(k.ID, 1), false, 0, 1},
		{"a SKU that does not exist", stock.Take(k.ID+1, 1), false, 0, 1},
	}
	for _, st := range steps {
		moved, err := st.move.Apply(ctx, c.SKU)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := c.SKU.GetX(ctx, k.ID)
		if moved != st.moved || got.Stock != st.stock || got.Sales != st.sales {
			t.Fatalf("%s: moved %v, stock %d, sales %d; want %v, %d, %d", st.name, moved, got.Stock, got.Sales, st.moved, st.stock, st.sales)
		}
	}

	c.SKU.UpdateOneID(k.ID).SetLaunched(false).SetStock(5).ExecX(ctx)
	if moved, err := stock.Take(k.ID, 1).Apply(ctx, c.SKU); err != nil || moved {
		t.Fatalf("an order took a unit of a SKU off sale: %v %v", moved, err)
	}
	if moved, err := stock.PutBack(k.ID, 1).Apply(ctx, c.SKU); err != nil || !moved {
		t.Fatalf("a canceled order could not put its unit back on a SKU off sale: %v %v", moved, err)
	}
	if got := c.SKU.GetX(ctx, k.ID); got.Stock != 6 || got.Sales != 0 {
		t.Fatalf("stock %d, sales %d; want 6, 0", got.Stock, got.Sales)
	}
}
