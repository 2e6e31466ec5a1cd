package auth

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestTokensThatMustBeRefused(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s, err := NewSigner(testKey, 15*time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	good, _, err := s.Issue(42, "fam")
	if err != nil {
		t.Fatal(err)
	}
	if id, fam, err := s.Verify(good); err != nil || id != 42 || fam != "fam" {
		t.Fatalf("Verify(good) = %d %q %v", id, fam, err)
	}

	sign := func(method jwt.SigningMethod, key any, mutate func(*accessClaims)) string {
		c := accessClaims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: issuer, Audience: jwt.ClaimStrings{audience}, Subject: "42",
				IssuedAt:  jwt.NewNumericDate(now),
				ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
			},
			Session: "fam",
		}
		if mutate != nil {
			mutate(&c)
		}
		tok, err := jwt.NewWithClaims(method, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	parts := strings.Split(good, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

	cases := map[string]string{
		"alg none":        noneHeader + "." + parts[1] + ".",
		"alg none signed": sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil),
		"wrong key":       sign(jwt.SigningMethodHS256, []byte("another key of thirty-two bytes!"), nil),
		"HS512":           sign(jwt.SigningMethodHS512, testKey, nil),
		"wrong issuer":    sign(jwt.SigningMethodHS256, testKey, func(c *accessClaims) { c.Issuer = "evil" }),
		"wrong audience":  sign(jwt.SigningMethodHS256, testKey, func(c *accessClaims) { c.Audience = jwt.ClaimStrings{"other"} }),
		"expired":         sign(jwt.SigningMethodHS256, testKey, func(c *accessClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Second)) }),
		"no expiry":       sign(jwt.SigningMethodHS256, testKey, func(c *accessClaims) { c.ExpiresAt = nil }),
		"issued later":    sign(jwt.SigningMethodHS256, testKey, func(c *accessClaims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }),
		"bad subject":     sign(jwt.SigningMethodHS256, testKey, func(c *accessClaims) { c.Subject = "me" }),
		"no session":      sign(jwt.SigningMethodHS256, testKey, func(c *accessClaims) { c.Session = "" }),
		"tampered claims": parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1","sid":"fam","iss":"storefront","aud":["storefront-api"],"exp":9999999999}`)) + "." + parts[2],
		"garbage":         "not.a.token",
		"empty":           "",
	}
	for name, tok := range cases {
		if _, _, err := s.Verify(tok); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewSigner([]byte("short"), time.Minute, nil); err == nil {
		t.Error("a short key was accepted")
	}
}

func TestPasswordHash(t *testing.T) {
	p := Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	h, err := HashPassword("correct horse", p)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse", p)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, err := CheckPassword("correct horse", h); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := CheckPassword("correct horsE", h); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$aaaa$bbbb", "$argon2id$v=19$m=1,t=1,p=1$!!$bbbb"} {
		if _, err := CheckPassword("x", bad); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}
