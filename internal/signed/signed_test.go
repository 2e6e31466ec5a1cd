package signed_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/signed"
)

type payload struct {
	UserID int    `json:"u"`
	Nonce  string `json:"n"`
}

func TestASealedTokenOpensToItsPayloadUntilItExpires(t *testing.T) {
	root := []byte("0123456789abcdef0123456789abcdef")
	s := signed.New(root, "email")
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	tok, exp, err := s.Seal(payload{7, "abc"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("expires %v, want %v", exp, now.Add(time.Hour))
	}
	var got payload
	if err := s.Open(tok, &got); err != nil || got != (payload{7, "abc"}) {
		t.Fatalf("Open = %+v, %v", got, err)
	}
	now = now.Add(time.Hour)
	if err := s.Open(tok, &got); !errors.Is(err, signed.ErrExpired) {
		t.Fatalf("at expiry Open = %v, want ErrExpired", err)
	}
}

func TestATokenOfAnotherUseOrKeyOrAlteredIsInvalid(t *testing.T) {
	root := []byte("0123456789abcdef0123456789abcdef")
	email := signed.New(root, "email")
	tok, _, err := email.Seal(payload{7, "abc"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var got payload
	for name, c := range map[string]struct {
		s   *signed.Sealer
		tok string
	}{
		"another use":   {signed.New(root, "qq-state"), tok},
		"another key":   {signed.New([]byte("another key of thirty-two bytes!"), "email"), tok},
		"altered body":  {email, "x" + tok},
		"altered mac":   {email, tok[:len(tok)-1] + flip(tok[len(tok)-1:])},
		"no mac":        {email, strings.Split(tok, ".")[0]},
		"empty":         {email, ""},
		"oversized":     {email, strings.Repeat("a", signed.MaxLen+1)},
		"control chars": {email, "\x00." + tok},
	} {
		if err := c.s.Open(c.tok, &got); !errors.Is(err, signed.ErrInvalid) {
			t.Errorf("%s: Open = %v, want ErrInvalid", name, err)
		}
	}
}

// flip changes one base64url character to another.
func flip(c string) string {
	if c == "A" {
		return "B"
	}
	return "A"
}
