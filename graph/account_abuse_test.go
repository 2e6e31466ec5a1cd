package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
)

const loginDoc = `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`

func login(s *gqltest.Server, t *testing.T, account, password string) gqltest.Response {
	t.Helper()
	return s.Post(t, gqltest.Request{Query: loginDoc, Variables: map[string]any{"in": map[string]any{"account": account, "password": password}}})
}

// throttleKeys lists the login throttle's per-account counters in Redis.
func throttleKeys(t *testing.T, s *gqltest.Server) []string {
	t.Helper()
	keys, err := s.App.Redis.Keys(t.Context(), s.Config.RedisPrefix+"login:acct:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestAnAccountSpelledWithSpacesOrCaseIsTheSameAccountToTheThrottle(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	victim := s.NewShopper(t)
	for i := range 5 {
		if res := login(s, t, victim.Username, "guess"); res.Code() != "UNAUTHENTICATED" {
			t.Fatalf("guess %d: %+v", i+1, res.Errors)
		}
	}
	// The attacker now spells the same account differently, hoping for a
	// fresh count. MariaDB's collation ignores trailing spaces, so these
	// would reach the victim's row.
	for _, alias := range []string{
		victim.Username + "   ", " " + victim.Username, victim.Username + "\t",
		strings.ToUpper(victim.Username), victim.Username + "\u3000", "\u00a0" + victim.Username,
	} {
		if res := login(s, t, alias, victim.Password); res.Code() != "RATE_LIMITED" {
			t.Errorf("login as %q while the account waits: %+v, want RATE_LIMITED", alias, res.Errors)
		}
	}
	// Spellings no account can have are refused as bad credentials and
	// start no counter of their own.
	for _, alias := range []string{
		victim.Username + "\u200b", victim.Username + "\x00", strings.Replace(victim.Username, "_", "\t_", 1),
		victim.Username + "\u202e", "\uff53" + victim.Username[1:], // a full-width s
	} {
		if res := login(s, t, alias, victim.Password); res.Code() != "UNAUTHENTICATED" {
			t.Errorf("login as %q: %+v, want UNAUTHENTICATED", alias, res.Errors)
		}
	}
	if keys := throttleKeys(t, s); len(keys) != 1 {
		t.Fatalf("one account has %d throttle counters: %q", len(keys), keys)
	}
}

func TestUsernamesAreOneAccountWhateverTheirCase(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	if res := register(s, t, "Alice_01", "password1", "13800000001"); len(res.Errors) > 0 {
		t.Fatalf("register Alice_01: %+v", res.Errors)
	}
	for _, name := range []string{"alice_01", "ALICE_01", " alice_01 "} {
		res := register(s, t, name, "password1", "13800000002")
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["reason"] != "TAKEN" || res.Errors[0].Extensions["field"] != "username" {
			t.Errorf("register %q next to Alice_01: %+v, want the username TAKEN", name, res.Errors)
		}
	}
	// Three availability checks is what one document may ask.
	var avail struct{ A, B, C, D bool }
	s.Query(t, `{ a: usernameAvailable(username: "alice_01") b: usernameAvailable(username: "ALICE_01 ")
		c: mobileAvailable(mobile: " 13800000001") }`, nil, &avail)
	s.Query(t, `{ d: usernameAvailable(username: "alice_02") }`, nil, &avail)
	if avail.A || avail.B || avail.C || !avail.D {
		t.Fatalf("availability = %+v, want taken, taken, taken, free", avail)
	}
	for _, account := range []string{"alice_01", "ALICE_01", "Alice_01", " 13800000001 "} {
		if res := login(s, t, account, "password1"); len(res.Errors) > 0 {
			t.Errorf("login as %q: %+v", account, res.Errors)
		}
	}
	if n := s.App.DB.Client.User.Query().CountX(t.Context()); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

const changeDoc = `mutation($in: ChangePasswordInput!) { changePassword(input: $in) }`

func TestChangePasswordGuessesAreThrottledLikeLogins(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	thief := s.NewShopper(t) // a stolen access token, and guessing the password
	change := func(current string) gqltest.Response {
		return s.Post(t, gqltest.Request{Query: changeDoc, Header: thief.Header(), Variables: map[string]any{
			"in": map[string]any{"currentPassword": current, "newPassword": "a new password"}}})
	}
	// A right password clears the count, as a login does.
	for range 3 {
		if res := change("guess"); res.Code() != "BAD_USER_INPUT" {
			t.Fatalf("wrong current password: %+v", res.Errors)
		}
	}
	s.As(t, thief, changeDoc, map[string]any{"in": map[string]any{"currentPassword": thief.Password, "newPassword": "second password"}}, nil)
	for i := range 5 {
		if res := change(fmt.Sprint("guess ", i)); res.Code() != "BAD_USER_INPUT" {
			t.Fatalf("guess %d after the count was cleared: %+v", i+1, res.Errors)
		}
	}
	if res := change("second password"); res.Code() != "RATE_LIMITED" {
		t.Fatalf("sixth try: %+v, want RATE_LIMITED", res.Errors)
	} else if ra, _ := res.Errors[0].Extensions["retryAfter"].(float64); ra < 1 {
		t.Fatalf("retryAfter = %v", res.Errors[0].Extensions["retryAfter"])
	}
	// One budget per account: logins wait too.
	if res := login(s, t, thief.Username, "second password"); res.Code() != "RATE_LIMITED" {
		t.Fatalf("login while changePassword waits: %+v", res.Errors)
	}

	// Ten guesses in one document: refused whole, before any is checked
	// (one password-hashing field per document).
	other := s.NewShopper(t)
	var doc strings.Builder
	doc.WriteString("mutation {")
	for i := range 10 {
		fmt.Fprintf(&doc, ` g%d: changePassword(input: {currentPassword: "guess %d", newPassword: "a new password"})`, i, i)
	}
	doc.WriteString(" }")
	res := s.Post(t, gqltest.Request{Query: doc.String(), Header: other.Header()})
	if res.Code() != "FIELD_LIMIT_EXCEEDED" || len(res.Errors) != 1 {
		t.Fatalf("ten guesses in one document: %+v, want one FIELD_LIMIT_EXCEEDED", res.Errors)
	}
	// None was counted either: the owner still has all five tries.
	for i := range 5 {
		res := s.Post(t, gqltest.Request{Query: changeDoc, Header: other.Header(), Variables: map[string]any{
			"in": map[string]any{"currentPassword": fmt.Sprint("guess ", i), "newPassword": "a new password"}}})
		if res.Code() != "BAD_USER_INPUT" {
			t.Fatalf("guess %d after the refused document: %+v", i+1, res.Errors)
		}
	}
}

func TestAccountExistenceQuestionsAreRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true, Config: func(c *config.Config) {
		c.TrustProxy = true
		c.AvailabilityPerHour, c.RegisterPerHour = 5, 3
	}})
	from := func(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }
	// An enumerator asks about ten accounts, two per request (a document
	// may ask three).
	// refused counts the questions of such a round refused for addr
	// (the answered ones are lost with them: the fields are non-null).
	refused := func(addr string) (n int) {
		t.Helper()
		for i := range 5 {
			doc := fmt.Sprintf(`{ u: usernameAvailable(username: "probe_%d") m: mobileAvailable(mobile: "1380000000%d") }`, i, i)
			for _, e := range s.Post(t, gqltest.Request{Query: doc, Header: from(addr)}).Errors {
				if e.Extensions["code"] != "RATE_LIMITED" {
					t.Errorf("unexpected %+v", e)
				} else if ra, _ := e.Extensions["retryAfter"].(float64); ra < 1 {
					t.Errorf("retryAfter = %v", e.Extensions["retryAfter"])
				}
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		addr string
		want int
	}{
		{"203.0.113.7", 5},  // five of ten questions may be asked
		{"203.0.113.7", 10}, // and then none
		{"203.0.113.8", 5},  // another address has its own five
		{"2001:db8:1:2::1", 5},
		{"2001:db8:1:2::ffff", 10}, // one IPv6 subscriber (a /64) is one address
	} {
		if n := refused(c.addr); n != c.want {
			t.Fatalf("%d of ten questions from %s refused, want %d", n, c.addr, c.want)
		}
	}

	// register answers TAKEN, so it is limited too; a refused one writes
	// nothing.
	reg := func(addr, username, mobile string) gqltest.Response {
		return s.Post(t, gqltest.Request{Query: registerDoc, Header: from(addr), Variables: map[string]any{
			"in": map[string]any{"username": username, "password": "password1", "mobile": mobile}}})
	}
	for i, want := range []string{"", "BAD_USER_INPUT", "", "RATE_LIMITED", "RATE_LIMITED"} {
		name := fmt.Sprint("joiner_", i)
		if i == 1 {
			name = "joiner_0" // taken
		}
		res := reg("198.51.100.1", name, fmt.Sprint("1370000000", i))
		if res.Code() != want {
			t.Fatalf("registration %d: %+v, want %q", i+1, res.Errors, want)
		}
		if want == "RATE_LIMITED" {
			if ra, _ := res.Errors[0].Extensions["retryAfter"].(float64); ra < 1 {
				t.Fatalf("retryAfter = %v", res.Errors[0].Extensions["retryAfter"])
			}
		}
	}
	if n := s.App.DB.Client.User.Query().CountX(t.Context()); n != 2 {
		t.Fatalf("%d users, want 2", n)
	}
	if res := reg("198.51.100.2", "joiner_9", "13700000009"); len(res.Errors) > 0 {
		t.Fatalf("another address may register: %+v", res.Errors)
	}
}
