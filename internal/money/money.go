// Package money holds amounts as an integer count of fen (minor units).
//
// Floats never touch money: the database stores fen as BIGINT, GraphQL and
// Alipay see a decimal string with exactly two places ("12.30").
package money

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/storefront/storefront/internal/apperr"
)

// Fen is an amount in fen (1 yuan = 100 fen).
type Fen int64

// MaxFen bounds parsed amounts so sums of many lines cannot overflow int64.
const MaxFen Fen = 1_000_000_000_00 // one billion yuan

// ErrFormat is returned for anything that is not a decimal amount with at
// most two fraction digits.
var ErrFormat = errors.New(`money: want a decimal amount such as "12.30"`)

// String renders the amount as yuan with two decimals, e.g. "12.30".
func (f Fen) String() string {
	sign := ""
	v := int64(f)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Parse reads a decimal yuan amount ("12", "12.3", "12.30") into fen.
func Parse(s string) (Fen, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasDot && frac == "") || len(whole) > 12 {
		return 0, ErrFormat
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, ErrFormat
		}
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrFormat
	}
	frac += strings.Repeat("0", 2-len(frac))
	c, _ := strconv.ParseInt(frac, 10, 64)
	v := Fen(y*100 + c)
	if v > MaxFen {
		return 0, ErrFormat
	}
	if neg {
		v = -v
	}
	return v, nil
}

// MarshalGQL writes the amount as a JSON string so clients never parse it
// into a binary float.
func (f Fen) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(f.String()))
}

// UnmarshalGQL accepts a decimal string; numbers are refused because a JSON
// number such as 0.1 has already been through a float in most clients.
// Its errors are the client's: BAD_USER_INPUT.
func (f *Fen) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return apperr.BadInput(`money is a decimal string such as "12.30", not a %T`, v)
	}
	p, err := Parse(s)
	if err != nil {
		return apperr.BadInput("%q is not an amount: %v", s, err)
	}
	*f = p
	return nil
}
