package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/storefront/storefront/internal/signed"
)

const (
	issuer   = "storefront"
	audience = "storefront-api"
)

// accessClaims are what an access token says: who (sub) and which login
// (sid, the session family, so a revoked login's tokens can be refused).
type accessClaims struct {
	jwt.RegisteredClaims
	Session string `json:"sid"`
}

// Signer issues and verifies access tokens (HS256 JWTs).
type Signer struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// MinKeyLen is the shortest signing key accepted (256 bits).
const MinKeyLen = 32

// NewSigner returns a signer with key; tokens live for ttl.
func NewSigner(key []byte, ttl time.Duration, now func() time.Time) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("auth: the signing key must have at least %d bytes", MinKeyLen)
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, ttl: ttl, now: now}, nil
}

// Issue returns a signed access token for user within session family.
func (s *Signer) Issue(userID int, family string) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(s.ttl)
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Audience:  jwt.ClaimStrings{audience},
			Subject:   strconv.Itoa(userID),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Session: family,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	return tok, exp, err
}

// errInvalidToken covers every way a token can be wrong; the reason is not
// told to the client.
var errInvalidToken = errors.New("auth: invalid access token")

// Verify checks signature, algorithm (HS256 only: no "none", no RSA/HMAC
// confusion), issuer, audience and expiry, and returns the user and session.
func (s *Signer) Verify(token string) (userID int, family string, err error) {
	var c accessClaims
	_, err = jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", errInvalidToken, err)
	}
	id, err := strconv.Atoi(c.Subject)
	if err != nil || id <= 0 || c.Session == "" {
		return 0, "", errInvalidToken
	}
	return id, c.Session, nil
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is how refresh tokens are stored: a leaked table holds no
// usable token. SHA-256 suffices because the tokens are 256 random bits.
func hashToken(tok string) string { return signed.Digest(tok) }
