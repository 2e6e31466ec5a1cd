package cart

import (
	"context"
	"fmt"

	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/pricing"
)

// Item is a cart line together with what the catalog says about its SKU now.
type Item struct {
	Line
	// SKU holds the catalog's facts; only SKU.ID is set when Listed is false.
	SKU SKUFacts
	// Listed is false when the SKU vanished from the catalog: the line is
	// still shown (as unavailable) so the shopper can remove it.
	Listed bool
	// Available: listed and launched, so it can be bought at all.
	Available bool
	// InStock: the stock now covers Count.
	InStock bool
	// Amount is the current unit price times Count (0 when not listed).
	Amount money.Fen
}

// Cart is what a cart page shows.
type Cart struct {
	Items []Item
	// LineCount is the number of lines (distinct SKUs).
	LineCount int
	// SelectedCount is the sum of the counts of the selected lines.
	SelectedCount int
	// SelectedAmount is the sum of the amounts of the selected lines that
	// are Available (listed and launched): no order can ever charge for the
	// others, so they are not in the total. Available lines short of stock
	// are included; checkoutPreview and placeOrder refuse them with
	// INSUFFICIENT_STOCK.
	SelectedAmount money.Fen
}

// View returns the cart with current SKU facts. Lines whose SKU the
// catalog no longer knows are shown as unavailable, not as an error.
func (s *Store) View(ctx context.Context, o Owner) (*Cart, error) {
	lines, err := s.Lines(ctx, o)
	if err != nil {
		return nil, err
	}
	items, err := s.items(ctx, lines)
	if err != nil {
		return nil, err
	}
	c := &Cart{Items: items, LineCount: len(items)}
	for _, it := range items {
		if !it.Selected {
			continue
		}
		c.SelectedCount += it.Count
		if it.Available {
			c.SelectedAmount += it.Amount
		}
	}
	return c, nil
}

// items joins lines with one batched catalog lookup.
func (s *Store) items(ctx context.Context, lines []Line) ([]Item, error) {
	items := make([]Item, len(lines))
	if len(lines) == 0 {
		return items, nil
	}
	ids := make([]int, len(lines))
	for i, l := range lines {
		ids[i] = l.SKUID
	}
	facts, err := s.catalog.SKUFacts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("cart: sku facts: %w", err)
	}
	for i, l := range lines {
		if f, ok := facts[l.SKUID]; ok {
			items[i] = NewItem(l, f)
		} else {
			items[i] = Item{Line: l, SKU: SKUFacts{ID: l.SKUID}}
		}
	}
	return items, nil
}

// NewItem is line l of a SKU the catalog lists with facts f. Checkout
// previews build their lines with it too, so a line shows the same wherever
// it appears.
func NewItem(l Line, f SKUFacts) Item {
	return Item{
		Line: l, SKU: f, Listed: true,
		Available: f.Launched,
		InStock:   f.Stock >= l.Count,
		Amount:    pricing.Amount(f.Price, l.Count),
	}
}
