package money

import (
	"bytes"
	"testing"
)

func TestParseAndString(t *testing.T) {
	cases := []struct {
		in   string
		want Fen
		ok   bool
	}{
		{"12.30", 1230, true},
		{"12.3", 1230, true},
		{"12", 1200, true},
		{"0.01", 1, true},
		{"-5.05", -505, true},
		{"1.234", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{"abc", 0, false},
		{"1e3", 0, false},
		{"99999999999999", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
	for in, want := range map[Fen]string{0: "0.00", 5: "0.05", 1230: "12.30", -505: "-5.05"} {
		if in.String() != want {
			t.Errorf("%d.String() = %q, want %q", int64(in), in.String(), want)
		}
	}
}

func TestGQLRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	Fen(1999).MarshalGQL(&buf)
	if buf.String() != `"19.99"` {
		t.Fatalf("marshal = %s", buf.String())
	}
	var f Fen
	if err := f.UnmarshalGQL("19.99"); err != nil || f != 1999 {
		t.Fatalf("unmarshal = %v, %v", f, err)
	}
	if err := f.UnmarshalGQL(19.99); err == nil {
		t.Fatal("a float must be refused")
	}
}
