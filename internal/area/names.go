package area

import (
	"strings"
	"unicode/utf8"
)

// maxName bounds a name ByNames looks at: longer is no area's name
// (the longest in the tree is 15 characters).
const maxName = 64

// suffixes are what old addresses drop from a name, longest first so that
// 自治区 goes before 区.
var suffixes = []string{"特别行政区", "自治区", "自治州", "自治县", "地区", "省", "市", "区", "县", "盟", "旗"}

// short is a name without its administrative suffix; a name that is only a
// suffix (Chongqing's city 县) is kept whole.
func short(name string) string {
	for _, s := range suffixes {
		if rest, ok := strings.CutSuffix(name, s); ok && rest != "" {
			return rest
		}
	}
	return name
}

// loosely says whether an old-style name means the area called name:
// the same without suffixes (北京 = 北京市, 南山 = 南山区), or, for an
// autonomous area, its place name without the peoples named (广西 =
// 广西壮族自治区, 恩施州 = 恩施土家族苗族自治州).
func loosely(old, name string) bool {
	s := short(old)
	if s == short(name) {
		return true
	}
	if !strings.Contains(name, "自治") {
		return false
	}
	s = strings.TrimSuffix(s, "州")
	return utf8.RuneCountInString(s) >= 2 && strings.HasPrefix(name, s)
}

// pick finds the area of as that old names, exact names first, then
// loosely, and says how many matched: only n == 1 is an answer.
func pick(as []Area, old string) (a Area, n int) {
	if old == "" {
		return Area{}, 0
	}
	for _, exact := range []bool{true, false} {
		for _, x := range as {
			if exact && x.Name == old || !exact && loosely(old, x.Name) {
				a, n = x, n+1
			}
		}
		if n > 0 {
			return a, n
		}
	}
	return Area{}, 0
}

// ByNames finds the codes of an address stored as names, for migrating old
// addresses: exact names first, then tolerant of missing suffixes (省, 市,
// 自治区, 特别行政区, 区, 县 and the like) and of the peoples in an autonomous
// area's name. A city name the province does not have (北京市 under 北京,
// whose city is 市辖区; 济源市, a province-administered city) or an empty
// one is looked for as the district instead, across the whole province;
// an empty district is the city itself for a city with no counties (东莞市).
// ok is false when a name is not found or matches more than one area: a
// migration should ask a person then, not guess.
func ByNames(province, city, district string) (p, c, d Area, ok bool) {
	province, city, district = strings.TrimSpace(province), strings.TrimSpace(city), strings.TrimSpace(district)
	if len(province) > maxName || len(city) > maxName || len(district) > maxName {
		return Area{}, Area{}, Area{}, false
	}
	t := load()
	p, n := pick(t.children[""], province)
	if n != 1 {
		return Area{}, Area{}, Area{}, false
	}
	cities := t.children[p.Code]
	c, n = pick(cities, city)
	switch {
	case n > 1:
		return Area{}, Area{}, Area{}, false
	case n == 1 && district == "":
		if kids := t.children[c.Code]; len(kids) == 1 && kids[0].Code == c.Code {
			return p, c, kids[0], true
		}
		return Area{}, Area{}, Area{}, false
	case n == 1:
		if d, n = pick(t.children[c.Code], district); n == 1 {
			return p, c, d, true
		}
		return Area{}, Area{}, Area{}, false
	}
	// The city is none of the province's: the name stored may be the
	// municipality's own, or the district's when it hangs under a
	// 省直辖县级行政区划. Look for the district across the province.
	var all []Area
	for _, ci := range cities {
		all = append(all, t.children[ci.Code]...)
	}
	name := district
	if name == "" {
		name = city
	}
	if d, n = pick(all, name); n != 1 {
		return Area{}, Area{}, Area{}, false
	}
	// A city name that is neither the municipality's nor the district's is
	// a wrong city, not one to skip.
	if city != "" && !loosely(city, p.Name) && !loosely(city, d.Name) {
		return Area{}, Area{}, Area{}, false
	}
	return p, t.byLevel[City][d.ParentCode], d, true
}
