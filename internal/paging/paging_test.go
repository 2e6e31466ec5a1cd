package paging

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/ent"

	"github.com/storefront/storefront/internal/apperr"
)

func ptr(n int) *int { return &n }

func TestValidate(t *testing.T) {
	cases := []struct {
		name        string
		first, last *int
		before      *Cursor
		wantSize    int
		wantErr     bool
	}{
		{name: "default forwards", wantSize: DefaultPageSize},
		{name: "default backwards with before", before: &Cursor{}, wantSize: DefaultPageSize},
		{name: "first", first: ptr(7), wantSize: 7},
		{name: "max", last: ptr(MaxPageSize), wantSize: MaxPageSize},
		{name: "over max", first: ptr(MaxPageSize + 1), wantErr: true},
		{name: "negative", last: ptr(-1), wantErr: true},
		{name: "both", first: ptr(1), last: ptr(1), wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Validate(nil, c.first, c.before, c.last)
			if c.wantErr {
				if apperr.CodeOf(err) != apperr.CodeBadUserInput {
					t.Fatalf("err = %v, want BAD_USER_INPUT", err)
				}
				return
			}
			if err != nil || a.Size() != c.wantSize {
				t.Fatalf("Size = %d, err = %v; want %d", a.Size(), err, c.wantSize)
			}
			if c.before != nil && a.Last == nil {
				t.Fatal("a page before a cursor must default to last")
			}
		})
	}
}

func TestMalformedCursor(t *testing.T) {
	var c Cursor
	if err := c.UnmarshalGQL("%%%not-a-cursor"); apperr.CodeOf(err) != apperr.CodeBadUserInput {
		t.Fatalf("err = %v", err)
	}
}

// encode writes a cursor the way connections do.
func encode(t *testing.T, value any) string {
	t.Helper()
	var b strings.Builder
	ent.Cursor{ID: 7, Value: value}.MarshalGQL(&b)
	s, err := strconv.Unquote(b.String())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestACursorValueMustBeAScalar(t *testing.T) {
	for _, v := range []any{nil, int64(399900), -3, uint64(1) << 63, "name", 1.5, true, time.Now()} {
		var c Cursor
		if err := c.UnmarshalGQL(encode(t, v)); err != nil || c.ID != 7 {
			t.Errorf("%T value: %+v, %v", v, c, err)
		}
	}
	for _, v := range []any{map[string]any{"a": 1}, []any{1, 2}, []byte("raw")} {
		var c Cursor
		if err := c.UnmarshalGQL(encode(t, v)); apperr.CodeOf(err) != apperr.CodeBadUserInput {
			t.Errorf("%T value: err = %v, want BAD_USER_INPUT", v, err)
		}
	}
}
