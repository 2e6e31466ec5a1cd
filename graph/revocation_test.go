package graph_test

import (
	"testing"

	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/testenv"
)

// Queries a signed-in client reads with; none of them changes anything, so
// none passes through the mutations' database check of the login.
var shopperReads = map[string]string{
	"me":        `{ me { username } }`,
	"addresses": `{ addresses { id } }`,
	"myOrders":  `{ myOrders(first: 5) { totalCount } }`,
}

// twoInstancesOn starts two instances sharing one database and a Redis the
// test owns.
func twoInstancesOn(t *testing.T, rs *testenv.RedisServer) (a, b *gqltest.Server) {
	t.Helper()
	a = gqltest.Start(t, gqltest.Options{NoSeed: true, Config: func(c *config.Config) { c.RedisAddr = rs.Addr }})
	b = gqltest.StartOn(t, a.Config, app.Options{})
	return a, b
}

// endedLogins are tokens of logins ended in each way a login ends, and the
// logins that must live on, all read once on both instances (so each has
// seen them working).
type endedLogins struct {
	ended map[string]string // how it ended: its access token
	alive map[string]string
}

func endLogins(t *testing.T, a, b *gqltest.Server) endedLogins {
	t.Helper()
	out := endedLogins{ended: map[string]string{}, alive: map[string]string{}}

	loggedOut := a.NewShopper(t)
	out.ended["logout"] = loggedOut.AccessToken

	// A refresh token presented after it was rotated: the family ends,
	// the access token of the rotation included.
	thief := a.NewShopper(t)
	var rotated refreshed
	a.Query(t, refreshDoc, map[string]any{"t": thief.RefreshToken}, &rotated)
	out.ended["refresh-token reuse"] = rotated.RefreshToken.AccessToken

	// changePassword ends every other login of the shopper.
	changer := a.NewShopper(t)
	phone := a.Login(t, changer.Username, changer.Password)
	out.ended["changePassword"] = phone.AccessToken
	out.alive["the login that changed the password"] = changer.AccessToken

	out.alive["an untouched login"] = a.NewShopper(t).AccessToken

	for _, s := range []*gqltest.Server{a, b} {
		for _, tok := range out.ended {
			s.As(t, gqltest.Shopper{AccessToken: tok}, meDoc, nil, nil)
		}
	}
	a.As(t, loggedOut, `mutation { logout }`, nil, nil)
	if res := a.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": thief.RefreshToken}}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a reused refresh token: %+v", res.Errors)
	}
	a.As(t, changer, changeDoc, map[string]any{"in": map[string]any{"currentPassword": changer.Password, "newPassword": "a new password"}}, nil)
	return out
}

// expect checks every read of every token on every instance: ended logins
// answer UNAUTHENTICATED, the others read.
func (l endedLogins) expect(t *testing.T, when string, servers ...*gqltest.Server) {
	t.Helper()
	for i, s := range servers {
		for field, doc := range shopperReads {
			for how, tok := range l.ended {
				res := s.Post(t, gqltest.Request{Query: doc, Header: gqltest.Bearer(tok)})
				if res.Code() != "UNAUTHENTICATED" {
					t.Errorf("%s, instance %d: %s with a login ended by %s answered %s %+v, want UNAUTHENTICATED",
						when, i+1, field, how, res.Data, res.Errors)
				}
			}
			for who, tok := range l.alive {
				if res := s.Post(t, gqltest.Request{Query: doc, Header: gqltest.Bearer(tok)}); len(res.Errors) > 0 {
					t.Errorf("%s, instance %d: %s by %s: %+v", when, i+1, field, who, res.Errors)
				}
			}
		}
	}
}

func TestEndedLoginsStayEndedWhenRedisLosesItsData(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	a, b := twoInstancesOn(t, rs)
	logins := endLogins(t, a, b)
	logins.expect(t, "with Redis intact", a, b)

	rs.Flush()
	logins.expect(t, "after FLUSHALL", a, b)
	// An instance started after the loss has never seen these logins.
	c := gqltest.StartOn(t, a.Config, app.Options{})
	logins.expect(t, "on a fresh instance after FLUSHALL", c)
}

func TestAShoppersReadsCostNoLoginCheckPerRequest(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	a, b := twoInstancesOn(t, rs)
	sh := a.NewShopper(t)
	// me reads the shopper's row: one statement of its own per query.
	const queries, ownStatements = 20, 1
	reads := func(s *gqltest.Server) int64 {
		before := s.Statements()
		for range queries {
			s.As(t, sh, meDoc, nil, nil)
		}
		return s.Statements() - before - queries*ownStatements
	}
	for _, step := range []struct {
		what   string
		s      *gqltest.Server
		before func()
	}{
		{"on the instance that signed the shopper in", a, func() {}},
		{"on an instance that never saw the login", b, func() {}},
		{"after FLUSHALL", a, rs.Flush},
		{"on the other instance after FLUSHALL", b, func() {}},
	} {
		step.before()
		if n := reads(step.s); n > 1 {
			t.Errorf("%d me queries with one token %s checked the login %d times, want at most once", queries, step.what, n)
		}
	}
}

func TestADeactivatedShopperStopsReadingOnceTheLoginIsCheckedAgain(t *testing.T) {
	t.Parallel()
	a := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := a.NewShopper(t)
	a.As(t, sh, meDoc, nil, nil)
	deactivate(t, a, sh.Username)

	// An instance that has not checked this login yet asks the database.
	b := gqltest.StartOn(t, a.Config, app.Options{})
	if res := b.Post(t, gqltest.Request{Query: meDoc, Header: sh.Header()}); res.Code() != "UNAUTHENTICATED" {
		t.Errorf("me by a deactivated shopper on a second instance: %s %+v", res.Data, res.Errors)
	}
	// A mutation checks the login in the database whatever the instance
	// knew, and the instance keeps what it learned for the queries.
	if res := a.Post(t, gqltest.Request{Query: createAddrDoc, Header: sh.Header(), Variables: map[string]any{"in": addrInput("张三")}}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("createAddress by a deactivated shopper: %+v", res.Errors)
	}
	if res := a.Post(t, gqltest.Request{Query: meDoc, Header: sh.Header()}); res.Code() != "UNAUTHENTICATED" {
		t.Errorf("me by a deactivated shopper after a refused mutation: %s %+v", res.Data, res.Errors)
	}
}
