package graph_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/captcha"
	"github.com/storefront/storefront/internal/gqltest"
)

const captchaDoc = `mutation { captcha { id image expiresAt } }`

type drawn struct {
	Captcha struct {
		ID, Image string
		ExpiresAt time.Time
	}
}

func TestAVisitorDrawsACaptchaWhoseAnswerIsKeptFiveMinutes(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	res := s.Post(t, gqltest.Request{Query: captchaDoc})
	if len(res.Errors) > 0 {
		t.Fatalf("captcha: %+v", res.Errors)
	}
	var d drawn
	if err := json.Unmarshal(res.Data, &d); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(d.Captcha.Image, "data:image/png;base64,"))
	if err != nil || !strings.HasPrefix(d.Captcha.Image, "data:image/png;base64,") {
		t.Fatalf("image %.40q: %v", d.Captcha.Image, err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if left := time.Until(d.Captcha.ExpiresAt); left < captcha.TTL-time.Minute || left > captcha.TTL {
		t.Fatalf("expiresAt is %v away", left)
	}
	key := s.App.Captchas.Key(d.Captcha.ID)
	if ttl := s.App.Redis.TTL(t.Context(), key).Val(); ttl <= captcha.TTL-time.Minute {
		t.Fatalf("the answer at %s lives %v", key, ttl)
	}
	// The answer is checked where the action it guards is taken; here the
	// store the resolver wrote to takes it once.
	answer := s.App.Redis.Get(t.Context(), key).Val()
	if err := s.App.Captchas.Check(t.Context(), d.Captcha.ID, answer); err != nil {
		t.Fatalf("the answer read from the image: %v", err)
	}
	if err := s.App.Captchas.Check(t.Context(), d.Captcha.ID, answer); apperr.CodeOf(err) != apperr.CodeBadUserInput {
		t.Fatalf("the same answer again: %v", err)
	}
}

func TestADocumentDrawsOneCaptchaAtMostAndAnAddressAFew(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	var aliases strings.Builder
	aliases.WriteString("mutation {")
	for i := range 1000 {
		aliases.WriteString(" c" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ": captcha { id image }")
	}
	aliases.WriteString(" }")
	res := s.Post(t, gqltest.Request{Query: aliases.String()})
	if res.Code() != apperr.CodeFieldLimit || len(res.Data) > 0 && string(res.Data) != "null" {
		t.Fatalf("1,000 aliased captchas: %s %s; want FIELD_LIMIT_EXCEEDED and no data", res.Code(), res.Data)
	}
	if keys := s.App.Redis.Keys(t.Context(), s.Config.RedisPrefix+"captcha:*").Val(); len(keys) != 0 {
		t.Fatalf("a refused document drew %d captchas", len(keys))
	}
	for i := range captcha.DrawRule.Burst {
		if res := s.Post(t, gqltest.Request{Query: captchaDoc}); len(res.Errors) > 0 {
			t.Fatalf("captcha %d of the burst: %+v", i+1, res.Errors)
		}
	}
	res = s.Post(t, gqltest.Request{Query: captchaDoc})
	if res.Code() != apperr.CodeRateLimited || res.Errors[0].Extensions["retryAfter"] == nil {
		t.Fatalf("one captcha past the burst: %+v; want RATE_LIMITED with retryAfter", res.Errors)
	}
}
