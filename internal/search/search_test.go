package search_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/search"
)

func open(t *testing.T) *search.Bleve {
	t.Helper()
	idx, err := search.OpenBleve("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if err := idx.Upsert(context.Background(), fixture()...); err != nil {
		t.Fatal(err)
	}
	return idx
}

func run(t *testing.T, idx search.Index, q search.Query) search.Result {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func ids(r search.Result) []int {
	out := make([]int, 0, len(r.Hits))
	for _, h := range r.Hits {
		out = append(out, h.SKUID)
	}
	return out
}

func p64(v int64) *int64 { return &v }

// Apple phones come before both the fruit and every other phone: the
// best of each iPhone goods (3 of goods 2, 5 of goods 3) lead, and the
// second SKU of goods 2 (4) follows later, the range of the first page
// going before a second colour of one phone.
func TestSeveralWordsPreferDocsMatchingAll(t *testing.T) {
	got := ids(run(t, open(t), search.Query{Text: "苹果手机"}))
	if len(got) < 4 || !slices.Equal(got[:2], []int{3, 5}) || !slices.Contains(got[:8], 4) {
		t.Fatalf("苹果手机: got %v, want the iPhones 3 and 5 first and 4 in the first page", got)
	}
	for _, id := range []int{17, 18} {
		if i := slices.Index(got, id); i >= 0 && i < 3 {
			t.Errorf("the fruit %d ranks %d", id, i)
		}
	}
}

func sortedCopy(s []int) []int { c := slices.Clone(s); slices.Sort(c); return c }

func TestAppleAloneFindsFruitAndDevices(t *testing.T) {
	got := ids(run(t, open(t), search.Query{Text: "苹果"}))
	if !slices.Contains(got, 17) || !slices.Contains(got, 18) || !slices.Contains(got, 3) {
		t.Fatalf("苹果: got %v, want the fruit 17, 18 and the iPhone 3", got)
	}
}

func TestUnlaunchedNeverReturnedAndRelaunchIsAnUpsert(t *testing.T) {
	ctx := context.Background()
	idx := open(t)
	if n, _ := idx.Count(); n != len(skus) {
		t.Fatalf("count %d, want %d (unlaunched are indexed)", n, len(skus))
	}
	for _, q := range []search.Query{{Text: "华为 Mate 60 白色 1TB"}, {CategoryID: 2}, {}} {
		if got := ids(run(t, idx, q)); slices.Contains(got, 34) || slices.Contains(got, 35) {
			t.Fatalf("%+v returned an unlaunched SKU: %v", q, got)
		}
	}
	d := fixture()[33]
	d.Launched = true
	if err := idx.Upsert(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got := ids(run(t, idx, search.Query{Text: "1TB"})); !slices.Equal(got, []int{34}) {
		t.Fatalf("relaunched: got %v, want [34]", got)
	}
	if n, _ := idx.Count(); n != len(skus) {
		t.Fatalf("count after relaunch %d, want %d", n, len(skus))
	}
}

func TestSoldOutReturned(t *testing.T) {
	if got := ids(run(t, open(t), search.Query{Text: "大闸蟹"})); !slices.Equal(got, []int{25}) {
		t.Fatalf("got %v, want the sold-out 25", got)
	}
}

func TestFilters(t *testing.T) {
	idx := open(t)
	// A parent category matches its children's SKUs.
	got := ids(run(t, idx, search.Query{CategoryID: 10}))
	for _, s := range skus {
		in := categoryPath[s.cat][len(categoryPath[s.cat])-1] == 10
		if in != slices.Contains(got, s.id) {
			t.Errorf("category 10: sku %d in=%v, got %v", s.id, in, got)
		}
	}
	got = ids(run(t, idx, search.Query{Text: "苹果", CategoryID: 11}))
	if !slices.Equal(sortedCopy(got), []int{17, 18}) {
		t.Errorf("苹果 in 水果: got %v", got)
	}
	res := run(t, idx, search.Query{PriceMin: p64(3990), PriceMax: p64(4990)})
	want := 0
	for _, h := range res.Hits {
		s := skus[h.SKUID-1]
		if s.price < 3990 || s.price > 4990 {
			t.Errorf("sku %d at %d outside 3990..4990", s.id, s.price)
		}
	}
	for _, s := range skus {
		if !s.unlaunched && s.price >= 3990 && s.price <= 4990 {
			want++
		}
	}
	if res.Total != want || len(res.Hits) != want {
		t.Errorf("price range: total %d hits %d, want %d", res.Total, len(res.Hits), want)
	}
	if got := ids(run(t, idx, search.Query{PriceMin: p64(1499900)})); !slices.Equal(got, []int{11}) {
		t.Errorf("priceMin only: got %v", got)
	}
	if got := ids(run(t, idx, search.Query{PriceMax: p64(2900)})); !slices.Equal(got, []int{36}) {
		t.Errorf("priceMax only: got %v", got)
	}
}

func TestOrders(t *testing.T) {
	idx := open(t)
	key := map[search.Order]func(s sku) int64{
		search.Price:     func(s sku) int64 { return s.price },
		search.PriceDesc: func(s sku) int64 { return -s.price },
		search.Sales:     func(s sku) int64 { return -int64(s.sales) },
		search.Newest:    func(s sku) int64 { return -int64(s.id) }, // created an hour apart, in id order
		search.Relevance: func(s sku) int64 { return -int64(s.sales) },
	}
	for o, k := range key {
		got := ids(run(t, idx, search.Query{CategoryID: 1, OrderBy: o}))
		if len(got) != 21 { // 数码's 23 SKUs less the two unlaunched
			t.Fatalf("%s: %d hits, want 21", o, len(got))
		}
		for i := 1; i < len(got); i++ {
			a, b := skus[got[i-1]-1], skus[got[i]-1]
			if k(a) > k(b) || (k(a) == k(b) && o != search.Newest && a.id > b.id) {
				t.Fatalf("%s: %d before %d in %v", o, a.id, b.id, got)
			}
		}
	}
	// Price order with text keeps only matches, cheapest first.
	got := ids(run(t, idx, search.Query{Text: "手机", OrderBy: search.Price}))
	if got[0] != 32 { // the phone case, 39 yuan
		t.Errorf("手机 by price: got %v", got)
	}
}

// Pages of a text search cross the reranked window (its first 100 hits)
// without repeating or skipping a SKU.
func TestPagingAcrossTheRerankWindow(t *testing.T) {
	ctx := context.Background()
	idx := open(t)
	var docs []search.Doc
	for i := range 150 {
		d := fixture()[i%8] // the phones
		d.SKUID, d.GoodsID, d.Sales = 1000+i, 1000+i%7, (i*37)%500
		docs = append(docs, d)
	}
	if err := idx.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	q := search.Query{Text: "手机", Limit: 100}
	first := run(t, idx, q)
	q.Offset = 100
	all := append(ids(first), ids(run(t, idx, q))...)
	if len(all) != first.Total || first.Total < 150 {
		t.Fatalf("%d hits of %d", len(all), first.Total)
	}
	for _, page := range []int{7, 30} {
		var paged []int
		for off := 0; off < first.Total; off += page {
			q.Offset, q.Limit = off, page
			paged = append(paged, ids(run(t, idx, q))...)
		}
		if !slices.Equal(paged, all) {
			t.Fatalf("pages of %d: %v\nwant %v", page, paged, all)
		}
	}
}

func TestPaging(t *testing.T) {
	idx := open(t)
	for _, q := range []search.Query{{CategoryID: 1, OrderBy: search.Price}, {Text: "手机"}} {
		all := run(t, idx, q)
		var paged []int
		for off := 0; off < all.Total; off += 3 {
			q.Offset, q.Limit = off, 3
			r := run(t, idx, q)
			if r.Total != all.Total {
				t.Fatalf("page %d: total %d, want %d", off, r.Total, all.Total)
			}
			paged = append(paged, ids(r)...)
		}
		if !slices.Equal(paged, ids(all)) {
			t.Fatalf("%+v: pages %v, all %v", q, paged, ids(all))
		}
	}
}

func TestFacetsCountAllMatchesNotThePage(t *testing.T) {
	res := run(t, open(t), search.Query{Text: "苹果", Limit: 1})
	counts := map[int]int{}
	sum := 0
	for _, f := range res.Facets {
		counts[f.CategoryID] = f.Count
		sum += f.Count
	}
	// 3 iPhones (the 14 is unlaunched), 2 apples, 苹果醋, the apple
	// T-shirt, and through the alias apple: 2 MacBooks, the iPad, the
	// charger.
	want := map[int]int{2: 3, 3: 2, 4: 1, 5: 1, 11: 2, 14: 1, 21: 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) || sum != res.Total || len(res.Hits) != 1 {
		t.Fatalf("facets %v (total %d, hits %d), want %v", res.Facets, res.Total, len(res.Hits), want)
	}
	if res.Facets[0].CategoryID != 2 {
		t.Errorf("facets not most first: %v", res.Facets)
	}
}

func TestHighlight(t *testing.T) {
	idx := open(t)
	hl := func(text string, id int) string {
		for _, h := range run(t, idx, search.Query{Text: text}).Hits {
			if h.SKUID == id {
				return h.Highlight
			}
		}
		t.Fatalf("%q did not find %d", text, id)
		return ""
	}
	cases := []struct {
		text string
		id   int
		want string
	}{
		{"支架", 36, "&lt;script&gt;alert(1)&lt;/script&gt; 桌面<em>支架</em>"},
		{"追剧", 36, "懒人 &amp; <em>追剧</em>"},                  // caption when the name does not match
		{"苹果手机", 3, "Apple/<em>苹果</em> iPhone 15 黑色 128GB"}, // the alias apple counts only where 苹果 is not
		{"iPhone 15 黑色", 3, "Apple/苹果 <em>iPhone</em> <em>15</em> <em>黑色</em> 128GB"},
		{"红富士苹果", 17, "烟台<em>红富士苹果</em> 5斤装 新鲜水果"},
	}
	for _, c := range cases {
		if got := hl(c.text, c.id); got != c.want {
			t.Errorf("%q: highlight %q, want %q", c.text, got, c.want)
		}
	}
	// Nothing typed: the name, escaped.
	for _, h := range run(t, idx, search.Query{CategoryID: 5}).Hits {
		if h.SKUID == 36 && h.Highlight != "&lt;script&gt;alert(1)&lt;/script&gt; 桌面支架" {
			t.Errorf("browse highlight %q", h.Highlight)
		}
	}
}

func TestDelete(t *testing.T) {
	idx := open(t)
	if err := idx.Delete(context.Background(), 22, 999); err != nil {
		t.Fatal(err)
	}
	if got := ids(run(t, idx, search.Query{Text: "三文鱼"})); !slices.Equal(got, []int{23}) {
		t.Fatalf("after delete: %v", got)
	}
	if n, _ := idx.Count(); n != len(skus)-1 {
		t.Fatalf("count %d", n)
	}
}

func TestOnDiskReopenKeepsDocs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skus.bleve")
	idx, err := search.OpenBleve(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(context.Background(), fixture()...); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	idx, err = search.OpenBleve(path)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if n, _ := idx.Count(); n != len(skus) {
		t.Fatalf("reopened count %d", n)
	}
	if got := ids(run(t, idx, search.Query{Text: "笔记本"})); len(got) != 5 {
		t.Fatalf("reopened 笔记本: %v", got)
	}
}

func TestConcurrentSearchAndUpsert(t *testing.T) {
	ctx := context.Background()
	idx := open(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 20 {
				d := fixture()[i]
				d.SKUID = 1000 + w*100 + i
				d.Sales = i
				if err := idx.Upsert(ctx, d); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 20 {
				r, err := idx.Search(ctx, search.Query{Text: "手机", Limit: 10})
				if err == nil && len(r.Hits) == 0 {
					err = fmt.Errorf("no hits")
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := idx.Count(); n != len(skus)+80 {
		t.Fatalf("count %d, want %d", n, len(skus)+80)
	}
}

func TestCheckQuery(t *testing.T) {
	ok, err := search.CheckQuery(search.Query{Text: "  苹果 \t", Limit: 10})
	if err != nil || ok.Text != "苹果" || ok.OrderBy != search.Relevance {
		t.Fatalf("got %+v, %v", ok, err)
	}
	if _, err := search.CheckQuery(search.Query{Text: strings.Repeat("果", 100), Limit: 1}); err != nil {
		t.Fatalf("100 runes: %v", err)
	}
	bad := []struct {
		q     search.Query
		field string
	}{
		{search.Query{Text: strings.Repeat("果", 101), Limit: 1}, "query"},
		{search.Query{Text: "a\x00b", Limit: 1}, "query"},
		{search.Query{Text: "a\u0085b", Limit: 1}, "query"},
		{search.Query{Text: "\xff", Limit: 1}, "query"},
		{search.Query{PriceMin: p64(-1), Limit: 1}, "priceMin"},
		{search.Query{PriceMax: p64(-1), Limit: 1}, "priceMax"},
		{search.Query{PriceMin: p64(5), PriceMax: p64(4), Limit: 1}, "priceMax"},
		{search.Query{Limit: 0}, "first"},
		{search.Query{Limit: 101}, "first"},
		{search.Query{Limit: 1, Offset: -1}, "after"},
		{search.Query{Limit: 1, OrderBy: "CHEAPEST"}, "orderBy"},
	}
	idx := open(t)
	for _, c := range bad {
		_, err := search.CheckQuery(c.q)
		_, serr := idx.Search(context.Background(), c.q)
		for _, e := range []error{err, serr} {
			var ae *apperr.Error
			if !asAppErr(e, &ae) || ae.Code() != apperr.CodeBadUserInput || ae.Extensions()["field"] != c.field {
				t.Errorf("%+v: got %v, want BAD_USER_INPUT on %s", c.q, e, c.field)
			}
		}
	}
	// Only punctuation: no tokens, so nothing, rather than everything.
	if r := run(t, idx, search.Query{Text: "!!!"}); r.Total != 0 || len(r.Hits) != 0 {
		t.Errorf("punctuation matched %d", r.Total)
	}
}

func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }

func TestSearchFailureIsUnavailable(t *testing.T) {
	idx := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := idx.Search(ctx, search.Query{Text: "手机", Limit: 10})
	if apperr.CodeOf(err) != apperr.CodeUnavailable || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v, want UNAVAILABLE wrapping context.Canceled", err)
	}
	if err := idx.Upsert(ctx, fixture()[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upsert: %v", err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := idx.Search(context.Background(), search.Query{Text: "手机", Limit: 10}); apperr.CodeOf(err) != apperr.CodeUnavailable {
		t.Fatalf("closed: got %v, want UNAVAILABLE", err)
	}
}

// TestScale indexes about 1000 docs and times the build and a query.
func TestScale(t *testing.T) {
	ctx := context.Background()
	idx, err := search.OpenBleve("")
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	base := fixture()
	docs := make([]search.Doc, 0, 1000)
	for i := range 1000 {
		d := base[i%len(base)]
		d.SKUID = i + 1
		d.Name = fmt.Sprintf("%s 款%d", d.Name, i)
		docs = append(docs, d)
	}
	start := time.Now()
	if err := idx.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)
	queries := []string{"手机", "苹果手机", "iPhone 15 黑色", "笔记本电脑", "三文鱼"}
	start = time.Now()
	const rounds = 20
	for range rounds {
		for _, q := range queries {
			if r := run(t, idx, search.Query{Text: q, Limit: 20}); r.Total == 0 {
				t.Fatalf("%q found nothing", q)
			}
		}
	}
	per := time.Since(start) / time.Duration(rounds*len(queries))
	t.Logf("1000 docs: index %v, mean query %v (limit 20, facets, highlight)", built, per)
}

// Pinyin typed for the characters finds them: "shouji" the phones,
// "pingguo" the apples, "bijiben" the laptops; and that is an exact
// answer, not an approximate one.
func TestPinyinFindsWhatTheCharactersWould(t *testing.T) {
	idx := open(t)
	for text, want := range map[string][]int{
		"shouji":  {1, 2, 9},
		"pingguo": {17, 18},
		"bijiben": {12, 14},
	} {
		res := run(t, idx, search.Query{Text: text})
		for _, id := range want {
			if !slices.Contains(ids(res), id) {
				t.Errorf("%q: %v lacks %d", text, ids(res), id)
			}
		}
		if res.Approximate {
			t.Errorf("%q: a pinyin match is marked approximate", text)
		}
	}
	// Two syllables' worth at least: "ji" alone is too many words.
	if res := run(t, idx, search.Query{Text: "ji"}); res.Total != 0 {
		t.Errorf(`"ji" matched %v`, ids(res))
	}
}

// A text that matches nothing is tried with its latin words spelt loosely;
// one that matches is never loosened, and CJK is never loosened.
func TestMisspeltLatinWordsAreFoundApproximately(t *testing.T) {
	idx := open(t)
	for text, want := range map[string]int{"macbok": 10, "iphnoe": 3, "thinkpda": 12} {
		res := run(t, idx, search.Query{Text: text})
		if !res.Approximate || !slices.Contains(ids(res), want) {
			t.Errorf("%q: approximate %v, hits %v, want %d", text, res.Approximate, ids(res), want)
		}
	}
	if res := run(t, idx, search.Query{Text: "macbook"}); res.Approximate || res.Total == 0 {
		t.Errorf("macbook: approximate %v, %d hits", res.Approximate, res.Total)
	}
	for _, text := range []string{"苹菓", "zzzzzzzz", "ab"} {
		if res := run(t, idx, search.Query{Text: text}); res.Total != 0 {
			t.Errorf("%q matched %v", text, ids(res))
		}
	}
}
