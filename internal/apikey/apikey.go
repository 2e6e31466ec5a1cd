// Package apikey authenticates partner systems. A key is shown once at
// creation: "sf_<prefix>_<secret>". The prefix is public and finds the
// record; only a SHA-256 of the whole key is stored (the secret has 256
// random bits, so a fast hash suffices and a leaked table holds no key).
// Each key carries scopes; an operation names the scope it needs.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/storefront/storefront/ent"
	entapikey "github.com/storefront/storefront/ent/apikey"
	"github.com/storefront/storefront/internal/apperr"
)

// Scopes a key may hold.
const (
	CatalogWrite = "catalog:write"
	StockWrite   = "stock:write"
	OrdersRead   = "orders:read"
	OrdersWrite  = "orders:write"
)

// AllScopes lists every scope.
var AllScopes = []string{CatalogWrite, StockWrite, OrdersRead, OrdersWrite}

// ParseScopes checks and de-duplicates scopes.
func ParseScopes(scopes []string) ([]string, error) {
	var out []string
	for _, s := range scopes {
		s = strings.TrimSpace(s)
		if !slices.Contains(AllScopes, s) {
			return nil, apperr.BadField("scopes", "unknown scope %q (want %s)", s, strings.Join(AllScopes, ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, apperr.BadField("scopes", "a key needs at least one scope")
	}
	return out, nil
}

// Partner is an authenticated key.
type Partner struct {
	KeyID  int
	Name   string
	Prefix string
	Scopes []string
}

// Require answers FORBIDDEN unless the key holds scope.
func (p Partner) Require(scope string) error {
	if slices.Contains(p.Scopes, scope) {
		return nil
	}
	return apperr.New(apperr.CodeForbidden, "this API key lacks the %s scope", scope).With("scope", scope)
}

// Store keeps API keys.
type Store struct {
	client *ent.Client
	now    func() time.Time
}

// New returns the key store.
func New(client *ent.Client) *Store { return &Store{client: client, now: time.Now} }

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Create makes a key; the returned plaintext is the only copy.
func (s *Store) Create(ctx context.Context, name string, scopes []string) (string, *ent.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return "", nil, apperr.BadField("name", "a key's name is 1 to 64 characters")
	}
	scopes, err := ParseScopes(scopes)
	if err != nil {
		return "", nil, err
	}
	raw, err := random(9)
	if err != nil {
		return "", nil, err
	}
	prefix := strings.ToLower(strings.NewReplacer("-", "x", "_", "y").Replace(raw))
	secret, err := random(32)
	if err != nil {
		return "", nil, err
	}
	key := "sf_" + prefix + "_" + secret
	rec, err := s.client.APIKey.Create().
		SetName(name).SetPrefix(prefix).SetKeyHash(hashKey(key)).SetScopes(scopes).
		Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("apikey: create: %w", err)
	}
	return key, rec, nil
}

// Revoke ends a key; revoking twice is fine.
func (s *Store) Revoke(ctx context.Context, prefix string) error {
	rec, err := s.client.APIKey.Query().Where(entapikey.Prefix(prefix)).Only(ctx)
	if ent.IsNotFound(err) {
		return apperr.NotFound("API key")
	}
	if err != nil || rec.RevokedAt != nil {
		return err
	}
	return s.client.APIKey.UpdateOneID(rec.ID).Where(entapikey.RevokedAtIsNil()).SetRevokedAt(s.now()).Exec(ctx)
}

// List returns every key, newest first.
func (s *Store) List(ctx context.Context) ([]*ent.APIKey, error) {
	return s.client.APIKey.Query().Order(ent.Desc(entapikey.FieldID)).All(ctx)
}

var errBadKey = apperr.New(apperr.CodeUnauthenticated, "the API key is not valid")

// Authenticate checks a presented key.
func (s *Store) Authenticate(ctx context.Context, key string) (Partner, error) {
	rest, ok := strings.CutPrefix(key, "sf_")
	prefix, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || prefix == "" || len(key) > 128 {
		return Partner{}, errBadKey
	}
	rec, err := s.client.APIKey.Query().Where(entapikey.Prefix(prefix)).Only(ctx)
	if ent.IsNotFound(err) {
		return Partner{}, errBadKey
	}
	if err != nil {
		return Partner{}, fmt.Errorf("apikey: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hashKey(key)), []byte(rec.KeyHash)) != 1 || rec.RevokedAt != nil {
		return Partner{}, errBadKey
	}
	// Recording use at most once a minute keeps a busy integration from
	// writing on every request.
	now := s.now()
	if rec.LastUsedAt == nil || now.Sub(*rec.LastUsedAt) > time.Minute {
		_ = s.client.APIKey.UpdateOneID(rec.ID).SetLastUsedAt(now).Exec(ctx)
	}
	return Partner{KeyID: rec.ID, Name: rec.Name, Prefix: rec.Prefix, Scopes: rec.Scopes}, nil
}

type partnerKey struct{}

// WithPartner attaches an authenticated key to ctx.
func WithPartner(ctx context.Context, p Partner) context.Context {
	return context.WithValue(ctx, partnerKey{}, p)
}

// FromContext returns the request's partner, if any.
func FromContext(ctx context.Context) (Partner, bool) {
	p, ok := ctx.Value(partnerKey{}).(Partner)
	return p, ok
}
