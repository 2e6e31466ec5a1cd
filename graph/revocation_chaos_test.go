//go:build chaos

package graph_test

import (
	"testing"

	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/testenv"
)

func TestEndedLoginsStayEndedWhenRedisRestartsEmpty(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	a, b := twoInstancesOn(t, rs)
	logins := endLogins(t, a, b)

	rs.Restart() // SHUTDOWN NOSAVE, then an empty server on the same port
	logins.expect(t, "after Redis restarted empty", a, b)
}

func TestWhileRedisIsDownLoginsAreCheckedInTheDatabase(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	a, b := twoInstancesOn(t, rs)
	logins := endLogins(t, a, b)
	leaving := a.NewShopper(t)

	rs.Stop()
	logins.expect(t, "with Redis down", a, b)
	// The database is asked once per login, not once per request.
	alive := gqltest.Shopper{AccessToken: logins.alive["an untouched login"]}
	const queries, ownStatements = 5, 1 // me reads the shopper's row
	before := b.Statements()
	for range queries {
		b.As(t, alive, meDoc, nil, nil)
	}
	if n := b.Statements() - before - queries*ownStatements; n > 0 {
		t.Errorf("%d me queries with one login already checked during the outage checked it %d more times", queries, n)
	}
	// A logout while Redis is down is kept in the database: it holds on
	// the instance that took it and on one that had not confirmed the
	// login yet.
	a.As(t, leaving, `mutation { logout }`, nil, nil)
	for i, s := range []*gqltest.Server{a, b} {
		if res := s.Post(t, gqltest.Request{Query: meDoc, Header: leaving.Header()}); res.Code() != "UNAUTHENTICATED" {
			t.Errorf("instance %d, Redis down: me after logout answered %s %+v", i+1, res.Data, res.Errors)
		}
	}
	logins.ended["logout with Redis down"] = leaving.AccessToken

	rs.Restart()
	logins.expect(t, "after Redis came back empty", a, b)
}
