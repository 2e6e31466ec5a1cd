package order

import (
	"context"
	"slices"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/outage"
	"github.com/storefront/storefront/internal/pricing"
)

// Preview is what placing an order now would charge.
type Preview struct {
	// Items are the selected lines, in cart order, at the prices Place
	// would write.
	Items []cart.Item
	// Totals are those Place would write into the order row.
	pricing.Totals
}

// Preview prices the shopper's selected cart lines the way Place does, on
// the same path: it first finishes what earlier orders still owe the cart
// (their lines must not be priced again), reads the SKUs as Place reads
// them before its transaction and prices them with the same function and
// freight rule. So it fails where Place would before its transaction
// (CART_EMPTY; SKU_UNAVAILABLE, then INSUFFICIENT_STOCK, for the lowest
// SKU id concerned), and what it shows is what an order placed now costs.
// Purchase limits are not checked: they depend on orders racing this one.
func (s *Service) Preview(ctx context.Context, userID int) (*Preview, error) {
	p, err := s.preview(ctx, userID)
	if err != nil && apperr.CodeOf(err) == "" && outage.Is(err) {
		return nil, apperr.Unavailable{Cause: err}
	}
	return p, err
}

func (s *Service) preview(ctx context.Context, userID int) (*Preview, error) {
	lines, err := s.checkoutLines(ctx, userID, nil)
	if err != nil {
		return nil, err
	}
	// Place checks in ascending SKU id; the preview shows cart order.
	sorted := slices.SortedFunc(slices.Values(lines), bySKU)
	skus, err := s.priced(ctx, sorted)
	if err != nil {
		return nil, err
	}
	p := &Preview{Items: make([]cart.Item, len(lines)), Totals: s.price(lines, skus)}
	for i, l := range lines {
		p.Items[i] = cart.NewItem(l, SKUFacts(skus[l.SKUID], s.cfg.PurchaseLimit))
	}
	return p, nil
}

// price is what an order of lines costs; skus holds their SKUs as read by
// priced or onSale. Place writes it, Preview shows it.
func (s *Service) price(lines []cart.Line, skus map[int]*ent.SKU) pricing.Totals {
	priced := make([]pricing.Line, len(lines))
	for i, l := range lines {
		priced[i] = pricing.Line{Price: skus[l.SKUID].Price, Count: l.Count}
	}
	return pricing.Order(priced, s.cfg.Freight)
}

// SKUFacts is what the cart knows of k; shopLimit is the shop's default
// purchase limit.
func SKUFacts(k *ent.SKU, shopLimit int) cart.SKUFacts {
	return cart.SKUFacts{
		ID: k.ID, Name: k.Name, Price: k.Price, Stock: k.Stock, Launched: k.Launched, Image: k.Image,
		PurchaseLimit: PurchaseLimit(k, shopLimit),
	}
}
