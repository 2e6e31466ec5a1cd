package text_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/text"
)

func TestCleanTrimsAndRefusesWhatWouldNotShow(t *testing.T) {
	t.Parallel()
	r := text.Rule{Field: "detail", Min: 1, Max: 10, MaxBytes: 20}
	for in, want := range map[string]string{
		"  文三路 90 号 ": "文三路 90 号",
		"\t\nok\r\n":  "ok",
		"a b":         "a b",
		"👍🏻 好":        "👍🏻 好",
	} {
		got, err := r.Clean(in)
		if err != nil || got != want {
			t.Errorf("Clean(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for name, in := range map[string]string{
		"empty":          "   ",
		"too long":       strings.Repeat("a", 11),
		"too many bytes": strings.Repeat("好", 7),
		"NUL":            "a\x00b",
		"tab inside":     "a\tb",
		"newline":        "a\nb",
		"RLO":            "a\u202eb",
		"ZWJ":            "👩\u200d💻",
		"BOM":            "\ufeffab",
		"invalid UTF-8":  "a\xffb",
		"para separator": "a\u2029b",
		"C1 control":     "a\u0085b",
	} {
		_, err := r.Clean(in)
		var coded *apperr.Error
		if apperr.CodeOf(err) != apperr.CodeBadUserInput {
			t.Errorf("%s: %v; want BAD_USER_INPUT", name, err)
		} else if !errors.As(err, &coded) || coded.Extensions()["field"] != "detail" {
			t.Errorf("%s: %v does not name the field", name, err)
		}
	}
}
