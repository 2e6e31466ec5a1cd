package pricing_test

import (
	"testing"

	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/pricing"
)

func TestFreightRule(t *testing.T) {
	t.Parallel()
	free99 := pricing.FreightRule{Flat: 1000, FreeFrom: 9900}
	cases := []struct {
		rule  pricing.FreightRule
		goods money.Fen
		want  money.Fen
	}{
		{free99, 9899, 1000},
		{free99, 9900, 0},
		{free99, 9901, 0},
		{free99, 1, 1000},
		{pricing.FreightRule{Flat: 1000}, 1_000_000_00, 1000}, // FreeFrom 0: never free
		{pricing.FreightRule{}, 500, 0},
	}
	for _, c := range cases {
		if got := c.rule.For(c.goods); got != c.want {
			t.Errorf("%+v.For(%v) = %v, want %v", c.rule, c.goods, got, c.want)
		}
	}
}

func TestAnOrderCostsItsLinesPlusTheFreightOnThem(t *testing.T) {
	t.Parallel()
	rule := pricing.FreightRule{Flat: 1000, FreeFrom: 9900}
	cases := []struct {
		name                    string
		lines                   []pricing.Line
		count                   int
		goods, freight, payable money.Fen
	}{
		{"nothing", nil, 0, 0, 1000, 1000},
		{"below free freight", []pricing.Line{{Price: 3300, Count: 2}}, 2, 6600, 1000, 7600},
		{"exactly at free freight", []pricing.Line{{Price: 3300, Count: 2}, {Price: 3300, Count: 1}}, 3, 9900, 0, 9900},
		{"fen add up without rounding", []pricing.Line{{Price: 1, Count: 999}, {Price: 33, Count: 3}}, 1002, 1098, 1000, 2098},
		{"the largest cart", []pricing.Line{{Price: money.MaxFen, Count: 999}}, 999, money.MaxFen * 999, 0, money.MaxFen * 999},
	}
	for _, c := range cases {
		got := pricing.Order(c.lines, rule)
		if got.Count != c.count || got.Goods != c.goods || got.Freight != c.freight || got.Payable() != c.payable {
			t.Errorf("%s: %+v payable %v; want count %d goods %v freight %v payable %v",
				c.name, got, got.Payable(), c.count, c.goods, c.freight, c.payable)
		}
	}
	if got := pricing.Amount(1999, 3); got != 5997 {
		t.Errorf("Amount(19.99, 3) = %v", got)
	}
}
