// Package captcha is the image captcha that stands in front of anything
// that costs the shop money or tells whether an account exists (sending an
// SMS code first of all). Its promises:
//
//   - An answer is checked once. Right or wrong, the first check deletes it
//     (GETDEL), so one captcha buys one guess and one action.
//   - It lives in Redis for TTL, shared by every instance: a captcha made
//     on one instance is checked on another.
//   - An unknown, expired, used or wrong captcha gets one answer, so the
//     answer does not tell which.
//   - Making one draws a PNG (about a millisecond of CPU), so it is
//     rate-limited per client address before anything is drawn.
//
// Images are drawn by github.com/dchest/captcha; its own in-memory store is
// not used, because it is per process.
package captcha

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	dcaptcha "github.com/dchest/captcha"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/ratelimit"
)

const (
	// TTL is how long a captcha can be answered.
	TTL = 5 * time.Minute
	// Digits is the answer's length.
	Digits = 6
	// Width is the image's width in pixels.
	Width = 240
	// Height is the image's height in pixels.
	Height = 80

	idBytes = 16 // 128 random bits: an id cannot be guessed
)

// DrawRule limits how many captchas one client address may draw: a sign-up
// page needs a few, a script drawing PNGs in a loop is stopped.
var DrawRule = ratelimit.Rule{Name: "captcha", Rate: 60, Burst: 20, Period: time.Hour,
	Message: "too many captchas from this address"}

// Challenge is a drawn captcha: what the client shows and sends back.
type Challenge struct {
	ID string
	// Image is the PNG as a data URL, ready for an <img src>.
	Image     string
	ExpiresAt time.Time
}

// Store makes and checks captchas.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	limiter *ratelimit.Limiter
	rule    ratelimit.Rule
	now     func() time.Time
}

// New returns a store whose keys start with prefix + "captcha:".
func New(rdb redis.UniversalClient, prefix string, limiter *ratelimit.Limiter, rule ratelimit.Rule) *Store {
	return &Store{rdb: rdb, prefix: prefix + "captcha:", limiter: limiter, rule: rule, now: time.Now}
}

// Key is the Redis key that holds the answer to captcha id. Tests read it
// as a person reads the image.
func (s *Store) Key(id string) string { return s.prefix + id }

// Draw makes a captcha for a visitor from addr. Past its rule for addr it is
// RATE_LIMITED; a Redis that does not answer is UNAVAILABLE.
func (s *Store) Draw(ctx context.Context, addr string) (Challenge, error) {
	if err := s.limiter.Allow(ctx, s.rule, ratelimit.AddressKey(addr)); err != nil {
		return Challenge{}, err
	}
	raw := make([]byte, idBytes)
	if _, err := rand.Read(raw); err != nil {
		return Challenge{}, fmt.Errorf("captcha: id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	digits := dcaptcha.RandomDigits(Digits)
	answer := make([]byte, len(digits))
	for i, d := range digits {
		answer[i] = '0' + d
	}
	var png bytes.Buffer
	if _, err := dcaptcha.NewImage(id, digits, Width, Height).WriteTo(&png); err != nil {
		return Challenge{}, fmt.Errorf("captcha: drawing: %w", err)
	}
	if err := s.rdb.Set(ctx, s.Key(id), answer, TTL).Err(); err != nil {
		return Challenge{}, apperr.Unavailable{Cause: fmt.Errorf("captcha: storing: %w", err)}
	}
	return Challenge{
		ID:        id,
		Image:     "data:image/png;base64," + base64.StdEncoding.EncodeToString(png.Bytes()),
		ExpiresAt: s.now().Add(TTL),
	}, nil
}

// wrong is the one answer for every captcha that does not pass.
func wrong() error {
	return apperr.BadField("captchaAnswer", "the captcha is wrong or has expired; draw a new one")
}

// Check spends captcha id on answer: nil if it was right. Any check, right
// or wrong, deletes the captcha. Case and surrounding spaces do not count
// (the digits have no case, but a later alphabet might). A Redis that does
// not answer is UNAVAILABLE, never "wrong": the client draws no new one
// for nothing.
func (s *Store) Check(ctx context.Context, id, answer string) error {
	// Bound what reaches Redis: a valid id is 22 characters.
	if id == "" || len(id) > 64 || len(answer) > 32 {
		return wrong()
	}
	want, err := s.rdb.GetDel(ctx, s.Key(id)).Result()
	if errors.Is(err, redis.Nil) {
		return wrong()
	}
	if err != nil {
		return apperr.Unavailable{Cause: fmt.Errorf("captcha: checking: %w", err)}
	}
	got := strings.ToLower(strings.TrimSpace(answer))
	if subtle.ConstantTimeCompare([]byte(got), []byte(strings.ToLower(want))) != 1 {
		return wrong()
	}
	return nil
}
