package main

import (
	"strings"
	"testing"
)

func files(p, c, a string) map[string][]byte {
	return map[string][]byte{
		"package/dist/provinces.json": []byte(p),
		"package/dist/cities.json":    []byte(c),
		"package/dist/areas.json":     []byte(a),
	}
}

func TestConvertPadsCodesAndKeepsOrder(t *testing.T) {
	lines, counts, err := convert(files(
		`[{"code":"44","name":"广东省"},{"code":"11","name":"北京市"}]`,
		`[{"code":"4403","name":"深圳市","provinceCode":"44"},{"code":"1101","name":"市辖区","provinceCode":"11"}]`,
		`[{"code":"440305","name":"南山区","cityCode":"4403","provinceCode":"44"}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := "110000\t1\t\t北京市|440000\t1\t\t广东省|110100\t2\t110000\t市辖区|440300\t2\t440000\t深圳市|440305\t3\t440300\t南山区"
	if got := strings.Join(lines, "|"); got != want || counts != [4]int{0, 2, 2, 1} {
		t.Fatalf("got %q %v", got, counts)
	}
}

func TestConvertRefusesDataThatDoesNotHoldTogether(t *testing.T) {
	p := `[{"code":"44","name":"广东省"}]`
	c := `[{"code":"4403","name":"深圳市","provinceCode":"44"}]`
	for name, f := range map[string]map[string][]byte{
		"unknown parent": files(p, `[{"code":"4403","name":"深圳市","provinceCode":"45"}]`, `[]`),
		"not nested":     files(p, c, `[{"code":"440405","name":"x","cityCode":"4403","provinceCode":"44"}]`),
		"wrong province": files(p, c, `[{"code":"440305","name":"x","cityCode":"4403","provinceCode":"45"}]`),
		"code length":    files(`[{"code":"440","name":"广东省"}]`, `[]`, `[]`),
		"letters":        files(`[{"code":"4a","name":"广东省"}]`, `[]`, `[]`),
		"tab in name":    files(`[{"code":"44","name":"广\t东"}]`, `[]`, `[]`),
		"empty name":     files(`[{"code":"44","name":""}]`, `[]`, `[]`),
		"twice":          files(`[{"code":"44","name":"a"},{"code":"44","name":"b"}]`, `[]`, `[]`),
		"not JSON":       files(`{`, `[]`, `[]`),
	} {
		if _, _, err := convert(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
