package seed

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/ent"
	entcategory "github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
)

func openSQLite(t *testing.T) *database.DB {
	t.Helper()
	db, err := database.Open(t.Context(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "seed.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// loaded loads the catalog into db, checks that a second load adds
// nothing, and returns every SKU with its options, goods and category.
func loaded(t *testing.T, db *database.DB) []*ent.SKU {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	start := time.Now()
	ok, err := Catalog(ctx, db)
	if err != nil || !ok {
		t.Fatalf("Catalog = %v, %v; want a load", ok, err)
	}
	t.Logf("loaded the demo catalog in %v", time.Since(start).Round(time.Millisecond))
	if ok, err := Catalog(ctx, db); err != nil || ok {
		t.Fatalf("second Catalog = %v, %v; want nothing loaded", ok, err)
	}
	skus, err := db.Client.SKU.Query().
		WithOptions(func(q *ent.SpecificationOptionQuery) { q.WithSpecification() }).
		WithGoods(func(q *ent.GoodsQuery) { q.WithSpecifications() }).
		WithCategory().
		Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return skus
}

func TestCatalogLoadsOnSQLiteAndMariaDB(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *database.DB{
		"SQLite":  openSQLite,
		"MariaDB": func(t *testing.T) *database.DB { return testenv.MySQL(t).DB },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			checkCatalog(t, db, loaded(t, db))
		})
	}
}

func checkCatalog(t *testing.T, db *database.DB, skus []*ent.SKU) {
	if len(skus) < 200 {
		t.Errorf("%d SKUs, want at least 200", len(skus))
	}
	english := map[string]bool{}
	for _, top := range tree {
		english[top.name] = true
		for _, c := range top.children {
			english[c] = true
		}
	}
	names := map[string]bool{}
	launchedIn := map[int]int{}
	var soldOut, unlaunched int
	for _, s := range skus {
		if names[s.Name] {
			t.Errorf("two SKUs named %q", s.Name)
		}
		names[s.Name] = true
		if s.Launched {
			launchedIn[s.CategoryID]++
		}
		if s.Edges.Goods.CategoryID != s.CategoryID {
			t.Errorf("%s is in category %d, its goods in %d", s.Name, s.CategoryID, s.Edges.Goods.CategoryID)
		}
		// One option of each of its goods' specifications.
		var got, want []int
		for _, o := range s.Edges.Options {
			got = append(got, o.Edges.Specification.ID)
		}
		for _, sp := range s.Edges.Goods.Edges.Specifications {
			want = append(want, sp.ID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s has options of specifications %v, want one of each of %v", s.Name, got, want)
		}
		if english[s.Edges.Category.Name] {
			continue
		}
		if s.Sales <= 0 || s.Price <= 0 || s.MarketPrice < s.Price || s.Caption == "" {
			t.Errorf("%s: sales %d, price %d, market price %d, caption %q", s.Name, s.Sales, s.Price, s.MarketPrice, s.Caption)
		}
		if !s.Launched {
			unlaunched++
		} else if s.Stock == 0 {
			soldOut++
		}
	}
	if soldOut < 3 || unlaunched < 3 {
		t.Errorf("%d sold-out and %d unlaunched Chinese SKUs; want a few of each", soldOut, unlaunched)
	}

	cats, err := db.Client.Category.Query().WithChildren().All(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	leaves := 0
	for _, c := range cats {
		n := launchedIn[c.ID]
		for _, k := range c.Edges.Children {
			n += launchedIn[k.ID]
		}
		if n == 0 {
			t.Errorf("category %s has no launched SKU", c.Name)
		}
		if len(c.Edges.Children) == 0 {
			leaves++
		}
	}
	roots, err := db.Client.Category.Query().Where(entcategory.ParentIDIsNil()).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d SKUs, %d categories (%d top-level, %d leaves)", len(skus), len(cats), roots, leaves)
	if leaves < 10 {
		t.Errorf("%d leaf categories, want at least 10", leaves)
	}
}

// englishGolden is the English catalog as it has always been loaded: tests
// elsewhere name these SKUs and count on their stock and sales.
const englishGolden = `Aurora X1 Midnight / 128 GB 399900 50 on
Aurora X1 Midnight / 256 GB 449900 75 on
Aurora X1 Silver / 128 GB 449900 100 on
Aurora X1 Silver / 256 GB 499900 125 on
Aurora X1 Blue / 128 GB 499900 50 on
Aurora X1 Blue / 256 GB 549900 75 off
Lumen S Black / 128 GB 299900 50 on
Lumen S Black / 256 GB 339900 75 on
Lumen S Black / 512 GB 379900 100 on
Lumen S White / 128 GB 339900 125 on
Lumen S White / 256 GB 379900 50 on
MagSafe Case Clear 9900 50 on
MagSafe Case Black 10900 75 on
MagSafe Case Sage 11900 100 on
Nimbus 14 Grey / 16 GB 699900 50 on
Nimbus 14 Grey / 32 GB 799900 75 on
Nimbus 14 Silver / 16 GB 799900 100 on
Nimbus 14 Silver / 32 GB 899900 125 on
Nimbus 16 32 GB 1099900 50 on
Nimbus 16 64 GB 1299900 75 on
Studio Max Black 199900 50 on
Studio Max Sand 199900 75 on
Echo Buds White 69990 50 on
Echo Buds Black 69990 75 on
Echo Buds Green 69990 100 on`

func TestTheEnglishCatalogIsUnchangedAndFirst(t *testing.T) {
	t.Parallel()
	skus := loaded(t, openSQLite(t))
	var got []string
	for _, s := range skus[:min(25, len(skus))] {
		if s.Sales != 0 || s.MarketPrice != s.Price+s.Price/10 || s.Caption == "" {
			t.Errorf("%s: sales %d, market price %d, caption %q", s.Name, s.Sales, s.MarketPrice, s.Caption)
		}
		on := "on"
		if !s.Launched {
			on = "off"
		}
		got = append(got, fmt.Sprintf("%s %d %d %s", s.Name, s.Price, s.Stock, on))
	}
	if strings.Join(got, "\n") != englishGolden {
		t.Fatalf("the first SKUs are\n%s\nwant\n%s", strings.Join(got, "\n"), englishGolden)
	}
}

func TestRelevanceCasesNameLaunchedSKUs(t *testing.T) {
	t.Parallel()
	skus := loaded(t, openSQLite(t))
	launched := map[string]bool{}
	for _, s := range skus {
		launched[s.Name] = s.Launched
	}
	if len(Relevance) < 30 {
		t.Errorf("%d relevance cases, want at least 30", len(Relevance))
	}
	queries := map[string]bool{}
	for _, c := range Relevance {
		if strings.TrimSpace(c.Query) == "" || queries[c.Query] {
			t.Errorf("query %q is empty or judged twice", c.Query)
		}
		queries[c.Query] = true
		if len(c.Want) == 0 || len(c.Want) > 5 {
			t.Errorf("%q wants %d SKUs in the first 5", c.Query, len(c.Want))
		}
		for _, w := range c.Want {
			if on, ok := launched[w]; !ok || !on {
				t.Errorf("%q wants %q: in the catalog %v, launched %v", c.Query, w, ok, on)
			}
			if slices.Contains(c.Not, w) {
				t.Errorf("%q both wants and refuses %q", c.Query, w)
			}
		}
		// A misspelt Not would make the case pass vacuously.
		for _, n := range c.Not {
			if _, ok := launched[n]; !ok {
				t.Errorf("%q refuses %q, which is not in the catalog", c.Query, n)
			}
		}
	}
}

// The catalog is data: the tables alone, without a database, already give
// unique names and a category for every product.
func TestTablesAreConsistent(t *testing.T) {
	t.Parallel()
	leaves := map[string]bool{}
	for _, top := range allTree() {
		if leaves[top.name] {
			t.Errorf("category %s twice", top.name)
		}
		leaves[top.name] = true
		for _, c := range top.children {
			if leaves[c] {
				t.Errorf("category %s twice", c)
			}
			leaves[c] = true
		}
	}
	for _, p := range allProducts() {
		if !leaves[p.category] {
			t.Errorf("%s: no category %q", p.name, p.category)
		}
		for _, s := range p.specs {
			if s.add != nil && len(s.add) != len(s.values) {
				t.Errorf("%s %s: %d price adds for %d values", p.name, s.name, len(s.add), len(s.values))
			}
		}
		labels := map[string]bool{}
		for _, r := range p.skus() {
			labels[strings.TrimPrefix(r.name, p.name+" ")] = true
		}
		for _, l := range slices.Concat(p.unlaunched, p.soldOut) {
			if !labels[l] {
				t.Errorf("%s: %q names no combination", p.name, l)
			}
		}
	}
}

// BenchmarkCatalog times one load into a fresh database: every test
// instance (internal/gqltest) pays it.
func BenchmarkCatalog(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *database.DB{
		"SQLite": func(tb testing.TB) *database.DB {
			db, err := database.Open(context.Background(), database.Config{SQLitePath: filepath.Join(tb.TempDir(), "seed.db")})
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { _ = db.Close() })
			return db
		},
		"MariaDB": func(tb testing.TB) *database.DB { return testenv.MySQL(tb).DB },
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := open(b)
				b.StartTimer()
				if ok, err := Catalog(context.Background(), db); err != nil || !ok {
					b.Fatalf("Catalog = %v, %v", ok, err)
				}
			}
		})
	}
}
