package order

import (
	"testing"
	"time"
)

func TestOrderNumbersFitTheColumnAndVary(t *testing.T) {
	now := time.Date(2026, 11, 23, 22, 45, 1, 0, time.UTC)
	seen := map[string]bool{}
	for range 1000 {
		no, err := orderNumber(now, 4294967297) // a user id in its type's range
		if err != nil {
			t.Fatal(err)
		}
		if len(no) != 32 || no[:14] != "20261123224501" || no[14:20] != "000001" {
			t.Fatalf("order number %q", no)
		}
		if seen[no] {
			t.Fatalf("%q drawn twice in 1000 draws", no)
		}
		seen[no] = true
	}
}
