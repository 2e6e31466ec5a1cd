// Package seed loads the demo catalog: a category tree and a few products
// whose specifications combine into SKUs, enough to try every catalog query.
package seed

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/money"
)

type spec struct {
	name   string
	values []string
}

type product struct {
	category string
	name     string
	desc     string
	specs    []spec
	// price of the first combination and what each later option adds
	base money.Fen
	step money.Fen
	// combinations (joined option values) that exist but are not on sale
	unlaunched []string
	// combinations that do not exist at all
	missing []string
}

var tree = []struct {
	name     string
	children []string
}{
	{"Phones", []string{"Smartphones", "Phone accessories"}},
	{"Computers", []string{"Laptops"}},
	{"Audio", []string{"Headphones", "Earbuds"}},
}

var products = []product{
	{
		category: "Smartphones", name: "Aurora X1", desc: "6.1-inch phone with a two-day battery.",
		specs: []spec{{"Colour", []string{"Midnight", "Silver", "Blue"}}, {"Storage", []string{"128 GB", "256 GB"}}},
		base:  3999_00, step: 500_00,
		unlaunched: []string{"Blue / 256 GB"},
	},
	{
		category: "Smartphones", name: "Lumen S", desc: "Compact phone with a periscope camera.",
		specs: []spec{{"Colour", []string{"Black", "White"}}, {"Storage", []string{"128 GB", "256 GB", "512 GB"}}},
		base:  2999_00, step: 400_00,
		missing: []string{"White / 512 GB"},
	},
	{
		category: "Phone accessories", name: "MagSafe Case", desc: "Slim case for the Aurora X1.",
		specs: []spec{{"Colour", []string{"Clear", "Black", "Sage"}}},
		base:  99_00, step: 10_00,
	},
	{
		category: "Laptops", name: "Nimbus 14", desc: "14-inch laptop, 1.2 kg.",
		specs: []spec{{"Colour", []string{"Grey", "Silver"}}, {"Memory", []string{"16 GB", "32 GB"}}},
		base:  6999_00, step: 1000_00,
	},
	{
		category: "Laptops", name: "Nimbus 16", desc: "16-inch laptop for creative work.",
		specs: []spec{{"Memory", []string{"32 GB", "64 GB"}}},
		base:  10999_00, step: 2000_00,
	},
	{
		category: "Headphones", name: "Studio Max", desc: "Over-ear headphones with noise cancelling.",
		specs: []spec{{"Colour", []string{"Black", "Sand"}}},
		base:  1999_00, step: 0,
	},
	{
		category: "Earbuds", name: "Echo Buds", desc: "Wireless earbuds with a charging case.",
		specs: []spec{{"Colour", []string{"White", "Black", "Green"}}},
		base:  699_90, step: 0,
	},
}

// Loaded reports whether the demo catalog (or any catalog) is present.
func Loaded(ctx context.Context, client *ent.Client) (bool, error) {
	return client.Category.Query().Exist(ctx)
}

// Catalog loads the demo catalog in one transaction unless the database
// already has a catalog; it reports whether it loaded anything.
func Catalog(ctx context.Context, db *database.DB) (bool, error) {
	if ok, err := Loaded(ctx, db.Client); err != nil || ok {
		return false, err
	}
	err := db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		return load(ctx, tx.Client())
	})
	if err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	return true, nil
}

func load(ctx context.Context, c *ent.Client) error {
	cats := map[string]*ent.Category{}
	for i, top := range tree {
		parent, err := c.Category.Create().SetName(top.name).SetSort(i).Save(ctx)
		if err != nil {
			return err
		}
		for j, name := range top.children {
			child, err := c.Category.Create().SetName(name).SetSort(j).SetParent(parent).Save(ctx)
			if err != nil {
				return err
			}
			cats[name] = child
		}
	}
	for _, p := range products {
		if err := loadProduct(ctx, c, cats[p.category], p); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

func loadProduct(ctx context.Context, c *ent.Client, cat *ent.Category, p product) error {
	g, err := c.Goods.Create().SetName(p.name).SetDescription(p.desc).SetCategory(cat).Save(ctx)
	if err != nil {
		return err
	}
	options := make([][]*ent.SpecificationOption, len(p.specs))
	for i, s := range p.specs {
		sp, err := c.GoodsSpecification.Create().SetName(s.name).SetSort(i).SetGoods(g).Save(ctx)
		if err != nil {
			return err
		}
		for j, v := range s.values {
			o, err := c.SpecificationOption.Create().SetValue(v).SetSort(j).SetSpecification(sp).Save(ctx)
			if err != nil {
				return err
			}
			options[i] = append(options[i], o)
		}
	}
	for n, combo := range combinations(options) {
		values := make([]string, len(combo))
		extra := money.Fen(0)
		for i, o := range combo {
			values[i] = o.Value
			extra += money.Fen(o.Sort) * p.step
		}
		label := strings.Join(values, " / ")
		if slices.Contains(p.missing, label) {
			continue
		}
		price := p.base + extra
		_, err := c.SKU.Create().
			SetName(p.name + " " + label).
			SetCaption(p.desc).
			SetPrice(price).
			SetMarketPrice(price + price/10).
			SetStock(50 + 25*(n%4)).
			SetSales(0).
			SetLaunched(!slices.Contains(p.unlaunched, label)).
			SetCategory(cat).
			SetGoods(g).
			AddOptions(combo...).
			Save(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

// combinations returns the cartesian product of the option lists, the
// first specification varying slowest.
func combinations(lists [][]*ent.SpecificationOption) [][]*ent.SpecificationOption {
	out := [][]*ent.SpecificationOption{{}}
	for _, list := range lists {
		var next [][]*ent.SpecificationOption
		for _, prefix := range out {
			for _, o := range list {
				next = append(next, append(append([]*ent.SpecificationOption{}, prefix...), o))
			}
		}
		out = next
	}
	return out
}
