package search

import (
	"html"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/search"
)

// highlight marks the matched runs of the name, else of the caption;
// with no match in either (a match in specs, or no text) it is the
// name, escaped.
func highlight(h *search.DocumentMatch) string {
	for _, f := range []string{fName, fCaption} {
		s, _ := h.Fields[f].(string)
		if s == "" {
			continue
		}
		if m := mark(s, h.Locations[f]); m != "" {
			return m
		}
	}
	s, _ := h.Fields[fName].(string)
	return html.EscapeString(s)
}

// mark wraps the byte ranges locs covers in <em>, merging overlaps (the
// bigrams 苹果 and 果手 of 苹果手 are one run), and escapes the rest. It
// returns "" when there is nothing to mark.
func mark(s string, locs search.TermLocationMap) string {
	type span struct{ start, end int }
	var spans []span
	for _, ls := range locs {
		for _, l := range ls {
			st, en := int(l.Start), int(l.End)
			if st >= 0 && en <= len(s) && st < en {
				spans = append(spans, span{st, en})
			}
		}
	}
	if len(spans) == 0 {
		return ""
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var sb strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		st, en := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= en; i++ {
			en = max(en, spans[i].end)
		}
		st = max(st, at)
		sb.WriteString(html.EscapeString(s[at:st]))
		sb.WriteString("<em>")
		sb.WriteString(html.EscapeString(s[st:en]))
		sb.WriteString("</em>")
		at = en
	}
	sb.WriteString(html.EscapeString(s[at:]))
	return sb.String()
}
