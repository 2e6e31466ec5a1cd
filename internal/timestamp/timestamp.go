// Package timestamp encodes the GraphQL Time scalar: every time the API
// shows is UTC in RFC 3339 with exactly six fraction digits
// ("2026-12-02T08:30:00.000000Z"), whatever the backend or the value's
// location.
//
// Times reach the API in whatever location they were made or read in:
// SQLite keeps the offset a time was written with (Alipay's payment times
// are Beijing time, +08:00), MariaDB's driver reads UTC. Six digits is what
// a DATETIME(6) column keeps, so a time shows the same when a mutation
// returns it from memory and when a later query reads it back, and
// timestamps of one length sort as strings.
package timestamp

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/storefront/storefront/internal/apperr"
)

// Layout is the one format of a time in the API (always with "Z").
const Layout = "2006-01-02T15:04:05.000000Z07:00"

// Format renders t as the API shows it.
func Format(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(Layout)
}

// MarshalTime is gqlgen's marshaler for the Time scalar; the zero time is
// null.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(Format(t)))
	})
}

// UnmarshalTime is gqlgen's unmarshaler for the Time scalar. It takes RFC
// 3339 with any offset (and, as before, "2006-01-02 15:04:05" as UTC and ""
// as no time) and returns UTC. Its errors are the client's: BAD_USER_INPUT.
func UnmarshalTime(v any) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.BadInput(`a time is an RFC 3339 string such as "2026-12-02T08:30:00Z", not a %T`, v)
	}
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateTime} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, apperr.BadInput(`%q is not an RFC 3339 time such as "2026-12-02T08:30:00Z"`, s)
}
