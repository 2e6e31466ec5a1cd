package gid

import "testing"

func TestRoundTrip(t *testing.T) {
	for _, id := range []int{1, 42, 4294967297, 1 << 40} {
		got, err := Decode(Encode(id))
		if err != nil || got != id {
			t.Fatalf("Decode(Encode(%d)) = %d, %v", id, got, err)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, s := range []string{"", "42", "!!!", Encode(0), "c2Y6LTE", "c2Y6MDE", "c2Y6", "eHg6MQ", "c2Y6MXg"} {
		if _, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) accepted", s)
		}
	}
	if _, err := UnmarshalID(42); err == nil {
		t.Error("a number must be refused")
	}
}

func TestDerivedIDsAreStableDistinctAndNoNodeIDs(t *testing.T) {
	a, b := Derived("cart", "u42"), Derived("cartline", "u42", "17")
	if a != Derived("cart", "u42") || a == b || a == Derived("cart", "u43") || a == Encode(42) {
		t.Fatalf("derived ids %q %q", a, b)
	}
	for _, s := range []string{a, b} {
		if _, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) took a derived id for a node id", s)
		}
	}
}
