// Package text checks the free text clients send (names, addresses,
// comments, captions) before it is stored. One rule for every field: the
// value is trimmed, bounded in characters and in the bytes its column
// holds, and holds no character that hides or rewrites what is displayed
// around it.
//
// Refused are the control characters (Unicode Cc: NUL, ESC, CR, LF, TAB,
// DEL...), the format characters (Cf: bidi overrides such as U+202E, zero
// width spaces and joiners, the byte order mark), the line and paragraph
// separators (Zl, Zp) and invalid UTF-8. Stored, such a character reaches
// a courier's label, an operator's screen or a terminal reading the
// database, where it can reorder an address, forge a log line or drive the
// terminal. No exception is made, not even for newlines in comments or the
// zero width joiner inside emoji sequences: every field is shown on one
// line somewhere, and a joined emoji still reads as its parts.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/storefront/storefront/internal/apperr"
)

// Rule is what one text field may hold.
type Rule struct {
	// Field names the input field in extensions.field.
	Field string
	// Min and Max bound the characters after trimming.
	Min, Max int
	// MaxBytes is the column's size in bytes (what Ent's MaxLen checks);
	// 0 means 4*Max, which any Max characters fit.
	MaxBytes int
}

// Clean returns v trimmed of surrounding white space, which is what the
// caller must store, or BAD_USER_INPUT naming the field.
func (r Rule) Clean(v string) (string, error) {
	v = strings.TrimSpace(v)
	if c, ok := Hidden(v); ok {
		return "", apperr.BadField(r.Field, "%s must not contain control or invisible formatting characters (found %s)", r.Field, c)
	}
	n := utf8.RuneCountInString(v)
	if n < r.Min || n > r.Max {
		return "", apperr.BadField(r.Field, "%s must be %d to %d characters", r.Field, r.Min, r.Max)
	}
	if maxBytes := r.maxBytes(); len(v) > maxBytes {
		return "", apperr.BadField(r.Field, "%s must be at most %d bytes of UTF-8", r.Field, maxBytes)
	}
	return v, nil
}

func (r Rule) maxBytes() int {
	if r.MaxBytes > 0 {
		return r.MaxBytes
	}
	return 4 * r.Max
}

// Char is a refused character, printed as U+XXXX (it would not show).
type Char rune

func (c Char) String() string {
	if c == utf8.RuneError {
		return "invalid UTF-8"
	}
	return fmt.Sprintf("U+%04X", rune(c))
}

// Hidden returns the first character of s that must not be stored, if any.
func Hidden(s string) (Char, bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return Char(r), true
			}
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return Char(r), true
		}
	}
	return 0, false
}
