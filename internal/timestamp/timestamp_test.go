package timestamp_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/timestamp"
)

func marshal(t time.Time) string {
	var b bytes.Buffer
	timestamp.MarshalTime(t).MarshalGQL(&b)
	return b.String()
}

// One instant reads the same whichever location it comes in and however
// precise the clock that made it was.
func TestATimeIsShownInUTCWithSixDigitsWhereverItComesFrom(t *testing.T) {
	t.Parallel()
	utc := time.Date(2026, 12, 2, 0, 30, 5, 123456789, time.UTC)
	cst := utc.In(time.FixedZone("CST", 8*3600)) // how Alipay's times arrive
	for _, in := range []time.Time{utc, cst, utc.Local(), utc.Truncate(time.Microsecond)} {
		if got := marshal(in); got != `"2026-12-02T00:30:05.123456Z"` {
			t.Errorf("%v shows as %s", in, got)
		}
	}
	if got := marshal(time.Date(2026, 12, 2, 0, 30, 5, 0, time.UTC)); got != `"2026-12-02T00:30:05.000000Z"` {
		t.Errorf("a whole second shows as %s", got)
	}
	if got := marshal(time.Time{}); got != "null" {
		t.Errorf("the zero time shows as %s", got)
	}
}

func TestTimesReadFromClientsAreUTC(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 12, 2, 0, 30, 5, 0, time.UTC)
	for _, s := range []string{"2026-12-02T00:30:05Z", "2026-12-02T08:30:05+08:00", "2026-12-02T00:30:05.000Z", "2026-12-02 00:30:05"} {
		got, err := timestamp.UnmarshalTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%q = %v, %v; want %v", s, got, err, want)
		}
	}
	if got, err := timestamp.UnmarshalTime(""); err != nil || !got.IsZero() {
		t.Errorf(`"" = %v, %v; want no time`, got, err)
	}
	for _, v := range []any{"yesterday", "2026-12-02", 1764635405, "2026-13-02T00:00:00Z"} {
		if _, err := timestamp.UnmarshalTime(v); apperr.CodeOf(err) != apperr.CodeBadUserInput {
			t.Errorf("%v: %v; want BAD_USER_INPUT", v, err)
		}
	}
}
