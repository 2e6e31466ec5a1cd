//go:build analyzers

package search

import (
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/go-ego/gse"
)

// The dictionary segmenter measured against the bigrams (test only): gse with its
// embedded simplified-Chinese dictionary, in search mode (a word and the
// dictionary words inside it, so "笔记本电脑" is also 笔记本 and 电脑).
const (
	gseTokenizerName = "storefront_gse"
	gseAnalyzerName  = "storefront_zh_gse"
)

var (
	gseOnce sync.Once
	gseSeg  gse.Segmenter
	gseErr  error
)

func segmenter() (*gse.Segmenter, error) {
	gseOnce.Do(func() {
		gseErr = gseSeg.LoadDictEmbed("zh_s")
	})
	return &gseSeg, gseErr
}

type gseTokenizer struct{ seg *gse.Segmenter }

func (t gseTokenizer) Tokenize(input []byte) analysis.TokenStream {
	var out analysis.TokenStream
	pos := 0
	var emit func(start int, s *gse.Segment, sub bool)
	emit = func(start int, s *gse.Segment, sub bool) {
		st, en := start+s.Start(), start+s.End()
		if st < 0 || en > len(input) || st >= en || !wordy(input[st:en]) {
			return
		}
		if !sub {
			pos++
		}
		out = append(out, &analysis.Token{
			Term: append([]byte(nil), input[st:en]...), Start: st, End: en,
			Position: pos, Type: analysis.Ideographic,
		})
		for _, c := range s.Token().Segments() {
			emit(st, c, true)
		}
	}
	segs := t.seg.Segment(input)
	for i := range segs {
		emit(0, &segs[i], false)
	}
	return out
}

// wordy says whether a segment has a letter or digit: gse also returns
// spaces and punctuation as segments.
func wordy(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
		b = b[n:]
	}
	return false
}

func init() {
	err := registry.RegisterTokenizer(gseTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		seg, err := segmenter()
		if err != nil {
			return nil, fmt.Errorf("search: load the gse dictionary: %w", err)
		}
		return gseTokenizer{seg: seg}, nil
	})
	if err != nil {
		panic(err)
	}
	customAnalyzers[gseAnalyzerName] = addGseAnalyzer
	Compared = append(Compared, struct{ Name, Analyzer string }{"gse segments", gseAnalyzerName})
}

func addGseAnalyzer(im *mapping.IndexMappingImpl) {
	err := im.AddCustomAnalyzer(gseAnalyzerName, map[string]any{
		"type":          custom.Name,
		"tokenizer":     gseTokenizerName,
		"token_filters": []string{cjk.WidthName, lowercase.Name},
	})
	if err != nil {
		panic(err)
	}
}
