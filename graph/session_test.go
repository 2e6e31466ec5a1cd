package graph_test

import (
	"testing"
	"time"

	"github.com/storefront/storefront/ent/session"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/gqltest"
)

// deactivate sets users.active = false in the database, as an operator does.
func deactivate(t *testing.T, s *gqltest.Server, username string) {
	t.Helper()
	s.App.DB.Client.User.Update().Where(user.Username(username)).SetActive(false).ExecX(t.Context())
}

const createAddrDoc = `mutation($in: AddressInput!) { createAddress(input: $in) { id } }`

func TestADeactivatedShoppersTokensStopWorking(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)
	deactivate(t, s, sh.Username)
	for name, doc := range map[string]string{
		"createAddress":  createAddrDoc,
		"changePassword": changeDoc,
		"logout":         `mutation { logout }`,
	} {
		res := s.Post(t, gqltest.Request{Query: doc, Header: sh.Header(), Variables: map[string]any{
			"in": map[string]any{"currentPassword": sh.Password, "newPassword": "a new password"}}})
		if name == "createAddress" {
			res = s.Post(t, gqltest.Request{Query: doc, Header: sh.Header(), Variables: map[string]any{"in": addrInput("张三")}})
		}
		if res.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s by a deactivated shopper: %+v, want UNAUTHENTICATED", name, res.Errors)
		}
	}
	if n := s.App.DB.Client.Address.Query().CountX(t.Context()); n != 0 {
		t.Fatalf("a deactivated shopper wrote %d addresses", n)
	}
	if res := s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": sh.RefreshToken}}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("refresh by a deactivated shopper: %+v", res.Errors)
	}
	if res := login(s, t, sh.Username, sh.Password); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("login by a deactivated shopper: %+v", res.Errors)
	}
}

func TestASessionRevokedInTheDatabaseEndsEvenIfRedisForgot(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	ctx := t.Context()
	revoked, deleted, alive := s.NewShopper(t), s.NewShopper(t), s.NewShopper(t)

	// A logout whose Redis note is lost (Redis flushed or failed over).
	s.As(t, revoked, `mutation { logout }`, nil, nil)
	keys, err := s.App.Redis.Keys(ctx, s.Config.RedisPrefix+"auth:revoked:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("revocation keys %q, %v", keys, err)
	}
	s.App.Redis.Del(ctx, keys...)
	// An operator ends a login by deleting its rows.
	s.App.DB.Client.Session.Delete().Where(session.HasUserWith(user.Username(deleted.Username))).ExecX(ctx)

	for who, sh := range map[string]gqltest.Shopper{"revoked": revoked, "deleted": deleted} {
		res := s.Post(t, gqltest.Request{Query: createAddrDoc, Header: sh.Header(), Variables: map[string]any{"in": addrInput(who)}})
		if res.Code() != "UNAUTHENTICATED" {
			t.Errorf("createAddress with a %s session: %+v, want UNAUTHENTICATED", who, res.Errors)
		}
		if res := s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": sh.RefreshToken}}); res.Code() != "UNAUTHENTICATED" {
			t.Errorf("refresh of a %s session: %+v", who, res.Errors)
		}
	}
	// A revoked_at set by hand (no Redis note at all) counts too.
	s.App.DB.Client.Session.Update().Where(session.HasUserWith(user.Username(alive.Username))).SetRevokedAt(time.Now()).ExecX(ctx)
	if res := s.Post(t, gqltest.Request{Query: createAddrDoc, Header: alive.Header(), Variables: map[string]any{"in": addrInput("x")}}); res.Code() != "UNAUTHENTICATED" {
		t.Errorf("createAddress after revoked_at was set: %+v", res.Errors)
	}
	if n := s.App.DB.Client.Address.Query().CountX(ctx); n != 0 {
		t.Fatalf("ended sessions wrote %d addresses", n)
	}
	// A live login still mutates, and a public mutation with an ended
	// token still answers.
	fresh := s.NewShopper(t)
	createAddr(t, s, fresh, "李四")
	if res := register(s, t, "someone_new", "password1", "13700000001"); len(res.Errors) > 0 {
		t.Fatalf("register: %+v", res.Errors)
	}
	res := s.Post(t, gqltest.Request{Query: registerDoc, Header: revoked.Header(), Variables: map[string]any{
		"in": map[string]any{"username": "someone_else", "password": "password1", "mobile": "13700000002"}}})
	if len(res.Errors) > 0 {
		t.Fatalf("a public mutation with an ended token: %+v", res.Errors)
	}
}
