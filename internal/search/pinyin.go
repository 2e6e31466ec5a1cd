package search

import (
	"slices"
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// A shopper on a phone keyboard often types the pinyin and not the
// characters ("shouji" for 手机). The index keeps, for each run of Han
// characters in a SKU's name and category, the toneless pinyin of every
// window of 2 to 4 characters run together: 烟台苹果 gives yantai, taiping,
// pingguo, yantaiping, taipingguo, yantaipingguo. A query word of latin
// letters is looked for among them too, so "pingguo", "shouji", "bijiben"
// (笔记本) and "huawei" find what the characters would. Pinyin typed with
// spaces ("shou ji") is two words, each too short to mean much, and is
// not matched.
const (
	pinyinMinWindow = 2
	pinyinMaxWindow = 4
)

var pinyinArgs = pinyin.Args{Style: pinyin.Normal, Fallback: func(rune, pinyin.Args) []string { return nil }}

// pinyinWindows returns the windows of every Han run in texts, without
// repeats.
func pinyinWindows(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, text := range texts {
		for _, run := range hanRuns(text) {
			syl := make([]string, 0, len(run))
			for _, r := range run {
				p := pinyin.SinglePinyin(r, pinyinArgs)
				if len(p) == 0 {
					syl = append(syl, "")
					continue
				}
				syl = append(syl, p[0])
			}
			for size := pinyinMinWindow; size <= pinyinMaxWindow; size++ {
				for i := 0; i+size <= len(syl); i++ {
					w := strings.Join(syl[i:i+size], "")
					if !seen[w] && !slices.Contains(syl[i:i+size], "") {
						seen[w] = true
						out = append(out, w)
					}
				}
			}
		}
	}
	return out
}

// hanRuns are the maximal runs of Han characters in text.
func hanRuns(text string) [][]rune {
	var runs [][]rune
	var cur []rune
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// pinyinQuery reports whether a query token may be pinyin: latin letters
// only, at least two syllables' worth.
func pinyinQuery(tok string) bool {
	if len(tok) < 4 {
		return false
	}
	for _, r := range tok {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
