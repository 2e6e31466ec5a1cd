package area

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestParseIsCheap logs what parsing the embedded file costs, and fails
// if it stops being cheap enough to do on a first request.
func TestParseIsCheap(t *testing.T) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	tr, err := parse(tsv)
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("parsed %d bytes into %d areas in %v; %d KB live after GC, %d KB allocated",
		len(tsv), len(tr.byLevel[1])+len(tr.byLevel[2])+len(tr.byLevel[3]), took, live/1024, (after.TotalAlloc-before.TotalAlloc)/1024)
	runtime.KeepAlive(tr)
	if took > 200*time.Millisecond || live > 8<<20 {
		t.Fatalf("parsing took %v and keeps %d bytes", took, live)
	}
}

func TestParseRefusesBrokenData(t *testing.T) {
	for _, bad := range []string{
		"110000\t1\t\t北京市\n110100\t2\t120000\t市辖区\n", // parent missing
		"110000\t1\t\t北京市\n110000\t1\t\t北京市\n",       // twice
		"11000\t1\t\t北京市\n",                          // short code
		"110000\t4\t\t北京市\n",                         // no such level
		"110000\t1\t\n",                              // a field short
		"110100\t2\t\t市辖区\n",                         // a city without parent
	} {
		if _, err := parse(bad); err == nil {
			t.Errorf("parse(%q) accepted it", strings.TrimSpace(bad))
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(tsv); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckAddress(b *testing.B) {
	load()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := CheckAddress("440000", "440300", "440305"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkByNames(b *testing.B) {
	load()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, ok := ByNames("北京", "", "东城区"); !ok {
			b.Fatal("not found")
		}
	}
}
