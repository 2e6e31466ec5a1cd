package cart

import (
	"context"
	"fmt"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/money"
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
	// are included; Preview refuses them with INSUFFICIENT_STOCK.
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
		f, ok := facts[l.SKUID]
		it := Item{Line: l, SKU: SKUFacts{ID: l.SKUID}}
		if ok {
			it.SKU = f
			it.Listed = true
			it.Available = f.Launched
			it.InStock = f.Stock >= l.Count
			it.Amount = f.Price * money.Fen(l.Count)
		}
		items[i] = it
	}
	return items, nil
}

// FreightRule prices delivery: Flat per order, nothing once the goods
// amount reaches FreeFrom. FreeFrom 0 means delivery is never free.
// placeOrder charges exactly what For returns, so the preview and the order
// agree.
type FreightRule struct {
	Flat     money.Fen
	FreeFrom money.Fen
}

// For returns the freight for an order whose goods cost goods.
func (r FreightRule) For(goods money.Fen) money.Fen {
	if r.FreeFrom > 0 && goods >= r.FreeFrom {
		return 0
	}
	return r.Flat
}

// Preview is what placing an order now would charge.
type Preview struct {
	// Items are the selected lines, in cart order, at current prices.
	Items []Item
	// GoodsCount is the sum of the counts.
	GoodsCount int
	Goods      money.Fen
	Freight    money.Fen
	// Payable = Goods + Freight.
	Payable money.Fen
}

// Preview prices the selected lines as placeOrder would and fails the way
// it would: CART_EMPTY when nothing is selected, SKU_UNAVAILABLE for a
// selected SKU that is gone or not launched, INSUFFICIENT_STOCK for a count
// above the stock now (the first offending line in cart order is reported).
func (s *Store) Preview(ctx context.Context, o Owner, freight FreightRule) (*Preview, error) {
	lines, err := s.Selected(ctx, o)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, apperr.CartEmpty()
	}
	items, err := s.items(ctx, lines)
	if err != nil {
		return nil, err
	}
	p := &Preview{Items: items}
	for _, it := range items {
		if !it.Available {
			return nil, apperr.SKUUnavailable{SKUID: it.SKUID}
		}
		if !it.InStock {
			return nil, apperr.InsufficientStock{SKUID: it.SKUID, Left: max(it.SKU.Stock, 0)}
		}
		p.GoodsCount += it.Count
		p.Goods += it.Amount
	}
	p.Freight = freight.For(p.Goods)
	p.Payable = p.Goods + p.Freight
	return p, nil
}
