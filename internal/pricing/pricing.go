// Package pricing is the one place that says what an order costs. A line
// costs its unit price times its count; an order's goods are the sum of its
// lines; freight follows the shop's FreightRule on the goods; the buyer pays
// goods plus freight. The cart, checkoutPreview, placeOrder, an order's
// payable and the Alipay trade amount all ask here, so no two of them can
// disagree.
//
// Amounts are integer fen (money.Fen) and nothing here rounds. money.MaxFen
// bounds a price, a line holds at most 999 units and an order at most 100
// lines, so no sum comes near overflowing int64.
package pricing

import "github.com/storefront/storefront/internal/money"

// Amount is what count units at price cost.
func Amount(price money.Fen, count int) money.Fen {
	return price * money.Fen(count)
}

// Payable is what the buyer pays for an order: its goods plus freight.
func Payable(goods, freight money.Fen) money.Fen {
	return goods + freight
}

// FreightRule prices delivery: Flat per order, nothing once the goods
// amount reaches FreeFrom. FreeFrom 0 means delivery is never free.
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

// Line is one line of an order to price.
type Line struct {
	Price money.Fen
	Count int
}

// Totals is what an order of some lines costs.
type Totals struct {
	// Count is the number of units.
	Count   int
	Goods   money.Fen
	Freight money.Fen
}

// Payable is Goods + Freight.
func (t Totals) Payable() money.Fen { return Payable(t.Goods, t.Freight) }

// Order prices an order of lines under the freight rule.
func Order(lines []Line, freight FreightRule) Totals {
	var t Totals
	for _, l := range lines {
		t.Count += l.Count
		t.Goods += Amount(l.Price, l.Count)
	}
	t.Freight = freight.For(t.Goods)
	return t
}
