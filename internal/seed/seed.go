// Package seed loads the demo catalog: a category tree and products whose
// specifications combine into SKUs, enough to try every catalog query and to
// judge search. The catalog is data (the tables below and in zh.go); Catalog
// loads it in one transaction, with one INSERT per table and batch, so that
// every test instance can afford a fresh copy.
//
// The English trees come first and are frozen: tests name their SKUs and
// count them, and their ids, stock and sales (0) are as they always were.
// The Chinese trees (zh.go) follow, with the sales that make best sellers
// differ.
package seed

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/menu"
	"github.com/storefront/storefront/internal/money"
)

type spec struct {
	name   string
	values []string
	// what each value adds to the price; nil: the value's position times
	// the product's step
	add []money.Fen
}

type product struct {
	category string
	name     string
	desc     string // every SKU's caption
	specs    []spec
	// sep joins the option values into the SKU name after the product
	// name (" / " when empty)
	sep string
	// price of the first combination and what each later option adds
	base money.Fen
	step money.Fen
	// sales of the first combination (later ones sell less; 0: none, the
	// English catalog's); stock of the first combination. Zero stock: the English catalog's 50, 75, 100, 125.
	sales, stock int
	// combinations (joined option values) that exist but are not on sale
	unlaunched []string
	// hidden: no combination is on sale yet (a product not launched)
	hidden bool
	// combinations on sale with no stock left
	soldOut []string
	// combinations that do not exist at all
	missing []string
}

type category struct {
	name     string
	children []string
}

var tree = []category{
	{"Phones", []string{"Smartphones", "Phone accessories"}},
	{"Computers", []string{"Laptops"}},
	{"Audio", []string{"Headphones", "Earbuds"}},
}

var products = []product{
	{
		category: "Smartphones", name: "Aurora X1", desc: "6.1-inch phone with a two-day battery.",
		specs: []spec{{"Colour", []string{"Midnight", "Silver", "Blue"}, nil}, {"Storage", []string{"128 GB", "256 GB"}, nil}},
		base:  3999_00, step: 500_00,
		unlaunched: []string{"Blue / 256 GB"},
	},
	{
		category: "Smartphones", name: "Lumen S", desc: "Compact phone with a periscope camera.",
		specs: []spec{{"Colour", []string{"Black", "White"}, nil}, {"Storage", []string{"128 GB", "256 GB", "512 GB"}, nil}},
		base:  2999_00, step: 400_00,
		missing: []string{"White / 512 GB"},
	},
	{
		category: "Phone accessories", name: "MagSafe Case", desc: "Slim case for the Aurora X1.",
		specs: []spec{{"Colour", []string{"Clear", "Black", "Sage"}, nil}},
		base:  99_00, step: 10_00,
	},
	{
		category: "Laptops", name: "Nimbus 14", desc: "14-inch laptop, 1.2 kg.",
		specs: []spec{{"Colour", []string{"Grey", "Silver"}, nil}, {"Memory", []string{"16 GB", "32 GB"}, nil}},
		base:  6999_00, step: 1000_00,
	},
	{
		category: "Laptops", name: "Nimbus 16", desc: "16-inch laptop for creative work.",
		specs: []spec{{"Memory", []string{"32 GB", "64 GB"}, nil}},
		base:  10999_00, step: 2000_00,
	},
	{
		category: "Headphones", name: "Studio Max", desc: "Over-ear headphones with noise cancelling.",
		specs: []spec{{"Colour", []string{"Black", "Sand"}, nil}},
		base:  1999_00, step: 0,
	},
	{
		category: "Earbuds", name: "Echo Buds", desc: "Wireless earbuds with a charging case.",
		specs: []spec{{"Colour", []string{"White", "Black", "Green"}, nil}},
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
		if err := load(ctx, tx.Client()); err != nil {
			return err
		}
		return menu.Seed(ctx, tx.Client())
	})
	if err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	return true, nil
}

// allTree and allProducts are the whole catalog in load order.
func allTree() []category    { return slices.Concat(tree, zhTree) }
func allProducts() []product { return slices.Concat(products, zhProducts) }

// skuRow is one SKU as the tables define it.
type skuRow struct {
	name         string
	price        money.Fen
	stock, sales int
	launched     bool
	options      []int // per specification, the index of the option
}

// skus returns the product's SKUs, the first specification varying slowest.
func (p product) skus() []skuRow {
	sep := p.sep
	if sep == "" {
		sep = " / "
	}
	combos := combinations(p.specs)
	var out []skuRow
	for n, combo := range combos {
		values := make([]string, len(combo))
		price := p.base
		for i, o := range combo {
			values[i] = p.specs[i].values[o]
			if add := p.specs[i].add; add != nil {
				price += add[o]
			} else {
				price += money.Fen(o) * p.step
			}
		}
		label := strings.Join(values, sep)
		if slices.Contains(p.missing, label) {
			continue
		}
		r := skuRow{name: p.name + " " + label, price: price, options: combo,
			launched: !p.hidden && !slices.Contains(p.unlaunched, label)}
		if p.stock == 0 {
			r.stock = 50 + 25*(n%4)
		} else {
			r.stock = p.stock + 10*(n%5)
		}
		if slices.Contains(p.soldOut, label) {
			r.stock = 0
		}
		// A long tail: the first combination sells best, the nth 1/n as
		// well, so that one product does not fill a best-seller page.
		if p.sales > 0 {
			r.sales = max(1, p.sales/(n+1))
		}
		out = append(out, r)
	}
	return out
}

// combinations returns every choice of one option index per specification,
// the first specification varying slowest.
func combinations(specs []spec) [][]int {
	out := [][]int{{}}
	for _, s := range specs {
		var next [][]int
		for _, prefix := range out {
			for i := range s.values {
				next = append(next, append(slices.Clone(prefix), i))
			}
		}
		out = next
	}
	return out
}

// batch is the most rows one INSERT carries: at the widest row (an SKU's
// 13 columns) well under SQLite's 32766 and MySQL's 65535 placeholders.
const batch = 500

// saveInBatches saves the builders batch by batch with save (one
// CreateBulk) and returns the rows in the builders' order.
func saveInBatches[B, T any](ctx context.Context, builders []B, save func(context.Context, ...B) ([]T, error)) ([]T, error) {
	var out []T
	for chunk := range slices.Chunk(builders, batch) {
		rows, err := save(ctx, chunk...)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

func load(ctx context.Context, c *ent.Client) error {
	// A score of categories: one at a time, in the order (and so with the
	// ids) the tree has always had.
	cats := map[string]*ent.Category{}
	for i, top := range allTree() {
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
	ps := allProducts()

	goodsB := make([]*ent.GoodsCreate, len(ps))
	for i, p := range ps {
		cat, ok := cats[p.category]
		if !ok {
			return fmt.Errorf("%s: no category %q", p.name, p.category)
		}
		goodsB[i] = c.Goods.Create().SetName(p.name).SetDescription(p.desc).SetCategory(cat)
	}
	goods, err := saveInBatches(ctx, goodsB, func(ctx context.Context, b ...*ent.GoodsCreate) ([]*ent.Goods, error) {
		return c.Goods.CreateBulk(b...).Save(ctx)
	})
	if err != nil {
		return fmt.Errorf("goods: %w", err)
	}

	var specB []*ent.GoodsSpecificationCreate
	for i, p := range ps {
		for j, s := range p.specs {
			specB = append(specB, c.GoodsSpecification.Create().SetName(s.name).SetSort(j).SetGoods(goods[i]))
		}
	}
	specs, err := saveInBatches(ctx, specB, func(ctx context.Context, b ...*ent.GoodsSpecificationCreate) ([]*ent.GoodsSpecification, error) {
		return c.GoodsSpecification.CreateBulk(b...).Save(ctx)
	})
	if err != nil {
		return fmt.Errorf("specifications: %w", err)
	}

	var optB []*ent.SpecificationOptionCreate
	n := 0
	for _, p := range ps {
		for _, s := range p.specs {
			for k, v := range s.values {
				optB = append(optB, c.SpecificationOption.Create().SetValue(v).SetSort(k).SetSpecification(specs[n]))
			}
			n++
		}
	}
	opts, err := saveInBatches(ctx, optB, func(ctx context.Context, b ...*ent.SpecificationOptionCreate) ([]*ent.SpecificationOption, error) {
		return c.SpecificationOption.CreateBulk(b...).Save(ctx)
	})
	if err != nil {
		return fmt.Errorf("options: %w", err)
	}

	var skuB []*ent.SKUCreate
	next := 0 // the first option of the product's first specification
	for i, p := range ps {
		// first[j]: index in opts of the product's specification j's first option
		first := make([]int, len(p.specs))
		for j, s := range p.specs {
			first[j] = next
			next += len(s.values)
		}
		for _, r := range p.skus() {
			combo := make([]*ent.SpecificationOption, len(r.options))
			for j, o := range r.options {
				combo[j] = opts[first[j]+o]
			}
			skuB = append(skuB, c.SKU.Create().
				SetName(r.name).
				SetCaption(p.desc).
				SetPrice(r.price).
				SetMarketPrice(r.price+r.price/10).
				SetStock(r.stock).
				SetSales(r.sales).
				SetLaunched(r.launched).
				SetCategory(cats[p.category]).
				SetGoods(goods[i]).
				AddOptions(combo...))
		}
	}
	if _, err := saveInBatches(ctx, skuB, func(ctx context.Context, b ...*ent.SKUCreate) ([]*ent.SKU, error) {
		return c.SKU.CreateBulk(b...).Save(ctx)
	}); err != nil {
		return fmt.Errorf("SKUs: %w", err)
	}
	return nil
}
