package captcha_test

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/captcha"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/testenv"
)

type env struct {
	rdb   *redis.Client
	store *captcha.Store
}

func newEnv(t *testing.T, rule ratelimit.Rule) env {
	t.Helper()
	addr, prefix := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return env{rdb: rdb, store: captcha.New(rdb, prefix, ratelimit.New(rdb, prefix), rule)}
}

// read is a person reading the image: the answer as stored.
func (e env) read(t *testing.T, id string) string {
	t.Helper()
	a, err := e.rdb.Get(t.Context(), e.store.Key(id)).Result()
	if err != nil {
		t.Fatalf("reading captcha %s: %v", id, err)
	}
	return a
}

func wantWrong(t *testing.T, err error, what string) {
	t.Helper()
	var coded *apperr.Error
	if apperr.CodeOf(err) != apperr.CodeBadUserInput || !asCoded(err, &coded) || coded.Extensions()["field"] != "captchaAnswer" {
		t.Fatalf("%s: %v; want BAD_USER_INPUT on captchaAnswer", what, err)
	}
}

func asCoded(err error, c **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*c = e
	return ok
}

func TestACaptchaIsAPNGWhoseAnswerWorksOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, captcha.DrawRule)
	ctx := t.Context()
	c, err := e.store.Draw(ctx, "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	data, ok := strings.CutPrefix(c.Image, "data:image/png;base64,")
	if !ok {
		t.Fatalf("image %.40q is not a PNG data URL", c.Image)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the image does not decode as PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != captcha.Width || b.Dy() != captcha.Height {
		t.Fatalf("image is %v", b)
	}
	if ttl := e.rdb.TTL(ctx, e.store.Key(c.ID)).Val(); ttl <= captcha.TTL-time.Minute || ttl > captcha.TTL {
		t.Fatalf("answer lives %v, want about %v", ttl, captcha.TTL)
	}
	answer := e.read(t, c.ID)
	if len(answer) != captcha.Digits {
		t.Fatalf("answer %q", answer)
	}
	if err := e.store.Check(ctx, c.ID, "  "+answer+" "); err != nil {
		t.Fatalf("the right answer, padded: %v", err)
	}
	wantWrong(t, e.store.Check(ctx, c.ID, answer), "the right answer a second time")
}

func TestAWrongGuessBurnsTheCaptcha(t *testing.T) {
	t.Parallel()
	e := newEnv(t, captcha.DrawRule)
	ctx := t.Context()
	c, err := e.store.Draw(ctx, "198.51.100.2")
	if err != nil {
		t.Fatal(err)
	}
	answer := e.read(t, c.ID)
	wrongGuess := strings.Map(func(r rune) rune { return '0' + (r-'0'+1)%10 }, answer)
	wantWrong(t, e.store.Check(ctx, c.ID, wrongGuess), "a wrong guess")
	wantWrong(t, e.store.Check(ctx, c.ID, answer), "the right answer after a wrong one")
	for name, id := range map[string]string{"unknown": "AAAAAAAAAAAAAAAAAAAAAA", "empty": "", "huge": strings.Repeat("x", 10_000)} {
		wantWrong(t, e.store.Check(ctx, id, answer), name+" id")
	}
}

func TestCaptchasAreDrawnAtMostSoOftenPerAddress(t *testing.T) {
	t.Parallel()
	rule := ratelimit.Rule{Name: "captcha", Rate: 3, Burst: 3, Period: time.Hour, Message: "too many captchas"}
	e := newEnv(t, rule)
	ctx := t.Context()
	for i := range rule.Burst {
		if _, err := e.store.Draw(ctx, "2001:db8:5:5::1"); err != nil {
			t.Fatalf("captcha %d: %v", i, err)
		}
	}
	if _, err := e.store.Draw(ctx, "2001:db8:5:5::2"); apperr.CodeOf(err) != apperr.CodeRateLimited {
		t.Fatalf("one more from the same /64: %v; want RATE_LIMITED", err)
	}
	if _, err := e.store.Draw(ctx, "198.51.100.3"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func TestARedisThatDoesNotAnswerIsUnavailableNotWrong(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	store := captcha.New(rdb, "t:", ratelimit.New(rdb, "t:"), captcha.DrawRule)
	c, err := store.Draw(t.Context(), "198.51.100.4")
	if err != nil {
		t.Fatal(err)
	}
	rs.Stop()
	if err := store.Check(t.Context(), c.ID, "123456"); apperr.CodeOf(err) != apperr.CodeUnavailable {
		t.Fatalf("check with Redis down: %v; want UNAVAILABLE", err)
	}
}
