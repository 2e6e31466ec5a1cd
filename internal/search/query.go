package search

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// A query token is looked for in all the text (fAll), and in the name,
// the category and the caption on their own: a match in the name adds
// much, being what a shopper reads in the list, and one in the category's
// name a little more, since a shopper often types the kind of thing
// ("水果" is the fruit category, not 水果玉米, the sweet corn, whose name
// holds the word: at 3 the corn ranked second); the caption is marketing
// copy and adds little. Name and caption also give
// the highlight its locations.
const (
	boostAll      = 1
	boostName     = 3
	boostCategory = 4
	boostCaption  = 0.5
	boostPinyin   = 1 // as a match anywhere: "shouji" is 手机 typed the other way
)

// brandAliases are other spellings a query token also looks for, as the
// analyzer cuts them, in each field where the token itself is not: shops
// name goods by the maker's latin brand ("Apple iPhone 15") and shoppers
// type the Chinese one, or the other way round. 苹果 looks for apple but
// not apple for 苹果: "apple" means the brand, 苹果 is also the fruit.
// Each entry is measured on both relevance tests before it goes in.
var brandAliases = map[string][]string{
	"苹果": {"apple"},
	"华为": {"huawei"}, "huawei": {"华为"},
	"小米": {"xiaomi"}, "xiaomi": {"小米"},
}

// aliasBoost weighs an alias against the word itself. Above 1.2 Apple
// devices push the fruit out of "苹果" on the package's fixture; below it
// the demo catalog's iPhones fall out of it (measured by both relevance
// tests).
const aliasBoost = 1.2

// filtersOf is what every hit must be: launched, in the category, in
// the price range.
func filtersOf(q Query) []query.Query {
	launched := bleve.NewBoolFieldQuery(true)
	launched.SetField(fLaunched)
	must := []query.Query{launched}
	if q.CategoryID != 0 {
		c := bleve.NewTermQuery(strconv.Itoa(q.CategoryID))
		c.SetField(fCategoryIDs)
		must = append(must, c)
	}
	if q.PriceMin != nil || q.PriceMax != nil {
		var lo, hi *float64
		if q.PriceMin != nil {
			v := float64(*q.PriceMin)
			lo = &v
		}
		if q.PriceMax != nil {
			v := float64(*q.PriceMax)
			hi = &v
		}
		yes := true
		p := bleve.NewNumericRangeInclusiveQuery(lo, hi, &yes, &yes)
		p.SetField(fPrice)
		must = append(must, p)
	}
	return must
}

// textQuery is one clause per token: the outer disjunction's
// coordination factor (matched clauses / clauses) is what ranks a doc
// matching all the words above one matching some, wherever in the doc
// each word is; within a clause, the name and caption terms add to the
// match anywhere. With fuzzy, the latin words also match spellings one
// or two edits away.
func textQuery(toks []string, words map[string]bool, fuzzy bool) query.Query {
	clauses := make([]query.Query, 0, len(toks))
	for _, tok := range toks {
		var aliases []string
		if words[tok] {
			aliases = brandAliases[tok]
		}
		per := make([]query.Query, 0, 8)
		for _, f := range []struct {
			name  string
			boost float64
		}{{fAll, boostAll}, {fName, boostName}, {fCategoryName, boostCategory}, {fCaption, boostCaption}} {
			per = append(per, termIn(f.name, tok, aliases, f.boost))
		}
		if pinyinQuery(tok) {
			per = append(per, termIn(fPinyin, tok, nil, boostPinyin))
		}
		if fuzzy && loose(tok) {
			for _, field := range []string{fAll, fPinyin} {
				fq := bleve.NewFuzzyQuery(tok)
				fq.SetField(field)
				fq.SetFuzziness(typoTolerance(tok))
				per = append(per, fq)
			}
		}
		clauses = append(clauses, bleve.NewDisjunctionQuery(per...))
	}
	return bleve.NewDisjunctionQuery(clauses...)
}

// loose reports whether a token may be spelt loosely: a latin word of 4
// letters or more (shorter ones, and CJK bigrams, are a different word
// one edit away).
func loose(tok string) bool {
	if len(tok) < 4 {
		return false
	}
	for _, r := range tok {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// typoTolerance is how many edits a loose word may be off by (a swap of
// two letters is one): one up to 7 letters ("macbok", "iphnoe"), two
// from 8 ("thinkpda" is one; two in a shorter word reach other words).
func typoTolerance(tok string) int {
	if len(tok) >= 8 {
		return 2
	}
	return 1
}

// wordsOf is the set of the text's words as a shopper typed them apart:
// runs of letters and digits, cut where the script changes between Han
// and the rest, lower-cased. A brand alias applies only to a token that
// is such a word ("苹果", "苹果 充电器"), not to one cut out of a longer
// run: in "红富士苹果" 苹果 is the fruit.
func wordsOf(text string) map[string]bool {
	out := map[string]bool{}
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out[strings.ToLower(string(cur))] = true
			cur = cur[:0]
		}
	}
	for _, r := range text {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.Is(unicode.Han, cur[len(cur)-1]) != unicode.Is(unicode.Han, r) {
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// termIn matches tok in field, or one of tok's brand aliases where tok
// itself is not there: a name with both ("Apple/苹果 iPhone 15") is not
// twice as 苹果. Either way it is one clause of the token's disjunction,
// so a token with aliases weighs no more in the coordination than one
// without.
func termIn(field, tok string, aliases []string, boost float64) query.Query {
	t := bleve.NewTermQuery(tok)
	t.SetField(field)
	if len(aliases) == 0 {
		t.SetBoost(boost)
		return t
	}
	// The two sides exclude each other, so this disjunction's
	// coordination is always 1/2: the doubled boosts undo it.
	t.SetBoost(2 * boost)
	alt := make([]query.Query, len(aliases))
	for i, a := range aliases {
		at := bleve.NewTermQuery(a)
		at.SetField(field)
		at.SetBoost(2 * boost * aliasBoost)
		alt[i] = at
	}
	not := bleve.NewTermQuery(tok)
	not.SetField(field)
	return bleve.NewDisjunctionQuery(t, query.NewBooleanQuery([]query.Query{bleve.NewDisjunctionQuery(alt...)}, nil, []query.Query{not}))
}

func sortFor(o Order, text bool) []string {
	switch o {
	case Price:
		return []string{fPrice, fSKUID}
	case PriceDesc:
		return []string{"-" + fPrice, fSKUID}
	case Sales:
		return []string{"-" + fSales, fSKUID}
	case Newest:
		return []string{"-" + fCreatedAt, "-" + fSKUID}
	}
	if !text {
		// Every browsed doc scores the same; best sellers first is what
		// "relevant" means with nothing typed.
		return []string{"-" + fSales, fSKUID}
	}
	return []string{"-_score", "-" + fSales, fSKUID}
}
