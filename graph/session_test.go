package graph_test

import (
	"strings"
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

// placeOrder alone leaves its login check to the order batch (one
// statement for all the batch's buyers): an ended login still places
// nothing, and does not learn of an order its key placed before.
func TestPlaceOrderOfAnEndedLoginPlacesNothingAndRevealsNoEarlierOrder(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	ctx := t.Context()
	sku := skuIDByName(t, s, "Nimbus 16 64 GB")
	revoked, off := newBuyer(t, s, map[string]int{sku: 1}), newBuyer(t, s, map[string]int{sku: 1})
	if res := revoked.place(t, s, "CASH", "first"); len(res.Errors) > 0 {
		t.Fatalf("the first order: %+v", res.Errors)
	}
	for _, b := range []buyer{revoked, off} {
		if _, res := cartCall(t, s, b.Header(), addDoc, map[string]any{"id": sku, "n": 1}); len(res.Errors) > 0 {
			t.Fatalf("add to cart: %+v", res.Errors)
		}
	}
	orders := s.App.DB.Client.OrderInfo.Query().CountX(ctx)
	// Ended in the database only: no Redis note to see.
	s.App.DB.Client.Session.Update().Where(session.HasUserWith(user.Username(revoked.Username))).SetRevokedAt(time.Now()).ExecX(ctx)
	deactivate(t, s, off.Username)

	for name, try := range map[string]func() gqltest.Response{
		"a new order of a revoked login":   func() gqltest.Response { return revoked.place(t, s, "CASH", "") },
		"a replay of a revoked login":      func() gqltest.Response { return revoked.place(t, s, "CASH", "first") },
		"a new order of a deactivated one": func() gqltest.Response { return off.place(t, s, "CASH", "") },
	} {
		res := try()
		if res.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s: %+v, want UNAUTHENTICATED", name, res.Errors)
		}
		if strings.Contains(string(res.Data), "orderNo") {
			t.Errorf("%s answered with data: %s", name, res.Data)
		}
	}
	if n := s.App.DB.Client.OrderInfo.Query().CountX(ctx); n != orders {
		t.Fatalf("ended logins placed %d orders", n-orders)
	}
	// With another field beside it, the mutation checks the login first,
	// as every other mutation does.
	res := s.Post(t, gqltest.Request{Query: `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id } logout }`,
		Header: revoked.Header(), Variables: map[string]any{"in": map[string]any{"addressId": revoked.addressID, "payMethod": "CASH", "idempotencyKey": "x"}}})
	if res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("placeOrder beside logout: %+v", res.Errors)
	}
}
