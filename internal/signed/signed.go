// Package signed makes the tokens that travel through a shopper's hands
// and must come back unchanged: an email verification link, a QQ login's
// state, a QQ bind token. A token carries a small JSON payload and its
// expiry, under an HMAC-SHA256 of a key derived for its one use, so a
// token made for one use is never accepted by another, and none can be
// made or altered without the server's key. Tokens are not secret from
// their holder (the payload is only encoded); what must be used once is
// made so by its caller (a nonce it keeps).
package signed

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// MaxLen bounds what Open reads: a longer string is no token of ours.
const MaxLen = 2048

// The two ways a token fails.
var (
	ErrInvalid = errors.New("signed: not a valid token")
	ErrExpired = errors.New("signed: the token has expired")
)

// DeriveKey is the key of one use under a root secret (HMAC of the use's
// name), so one configured secret serves every use without one's tokens
// or digests standing for another's.
func DeriveKey(root []byte, use string) []byte {
	m := hmac.New(sha256.New, root)
	m.Write([]byte("storefront/" + use))
	return m.Sum(nil)
}

// Sealer seals and opens the tokens of one use.
type Sealer struct {
	key []byte
	// Now is the clock; tests move it.
	Now func() time.Time
}

// New returns the sealer of use under root.
func New(root []byte, use string) *Sealer {
	return &Sealer{key: DeriveKey(root, use), Now: time.Now}
}

type body struct {
	P json.RawMessage `json:"p"`
	E int64           `json:"e"`
}

// Seal makes a token of payload that expires after ttl.
func (s *Sealer) Seal(payload any, ttl time.Duration) (string, time.Time, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return "", time.Time{}, err
	}
	exp := s.Now().Add(ttl).Truncate(time.Second)
	b, err := json.Marshal(body{P: p, E: exp.Unix()})
	if err != nil {
		return "", time.Time{}, err
	}
	msg := base64.RawURLEncoding.EncodeToString(b)
	return msg + "." + s.mac(msg), exp, nil
}

// Open checks a token and decodes its payload into into.
func (s *Sealer) Open(token string, into any) error {
	if len(token) > MaxLen {
		return ErrInvalid
	}
	msg, mac, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.mac(msg))) {
		return ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(msg)
	if err != nil {
		return ErrInvalid
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return ErrInvalid
	}
	if !s.Now().Before(time.Unix(b.E, 0)) {
		return ErrExpired
	}
	if err := json.Unmarshal(b.P, into); err != nil {
		return ErrInvalid
	}
	return nil
}

func (s *Sealer) mac(msg string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Nonce is 24 random bytes, base64url: the one-time part of a token, a
// job id, a link.
func Nonce() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Digest is how a nonce is kept where a copy must not be usable: SHA-256,
// hex (a nonce has 192 bits: no key is needed to make it unguessable).
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
