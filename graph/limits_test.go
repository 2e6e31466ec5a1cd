package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/gqltest"
)

// fragmentBomb doubles a selection n times: under 2 KB of text that names
// 2^n fields once its fragments are expanded.
func fragmentBomb(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { categories { id } }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// refused checks that res is one error with code and no data, and that the
// server sent no SQL for it: the document was judged before anything ran.
func refused(t *testing.T, s *gqltest.Server, req gqltest.Request, code string) gqltest.Response {
	t.Helper()
	before := s.Statements()
	res := s.Post(t, req)
	if res.Code() != code || len(res.Errors) != 1 {
		t.Fatalf("code %q, want one %s error: %+v", res.Code(), code, res.Errors)
	}
	if d := string(res.Data); d != "" && d != "null" {
		t.Errorf("a refused document still returned data %s", d)
	}
	if n := s.Statements() - before; n != 0 {
		t.Errorf("a refused document sent %d SQL statements", n)
	}
	return res
}

func TestAFragmentBombIsRefusedWithoutExpandingIt(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	doc := fragmentBomb(40)
	if len(doc) > 2048 {
		t.Fatalf("the bomb is %d bytes; it is meant to be small", len(doc))
	}
	// Walking every spread of this document visits 2^40 fields: if the
	// limits did that, this test would not end.
	refused(t, s, gqltest.Request{Query: doc}, "COMPLEXITY_LIMIT_EXCEEDED")

	// The same fragments, doubled only a few times, are an ordinary query.
	var ok struct{ Categories []struct{ ID string } }
	s.Query(t, fragmentBomb(3), nil, &ok)
	if len(ok.Categories) == 0 {
		t.Fatal("a small fragment document returned no categories")
	}
}

func TestTenLoginsInOneDocumentAreRefusedBeforeAnyIsTried(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	sh := s.NewShopper(t)
	var b strings.Builder
	b.WriteString("mutation($in: LoginInput!) {")
	for i := range 10 {
		fmt.Fprintf(&b, " a%d: login(input: $in) { accessToken }", i)
	}
	b.WriteString(" }")
	// Wrong passwords: were any tried, the failed-login throttle would
	// count them; no SQL statement proves none was.
	in := map[string]any{"account": sh.Username, "password": "guess"}
	res := refused(t, s, gqltest.Request{Query: b.String(), Variables: map[string]any{"in": in}}, "FIELD_LIMIT_EXCEEDED")
	if res.Errors[0].Extensions["field"] != "login" {
		t.Errorf("extensions = %v, want field login", res.Errors[0].Extensions)
	}

	// Spreading the second password field from a fragment counts too.
	refused(t, s, gqltest.Request{
		Query: `mutation($in: LoginInput!, $r: RegisterInput!) { login(input: $in) { accessToken } ...R }
			fragment R on Mutation { register(input: $r) { id } }`,
		Variables: map[string]any{"in": in, "r": map[string]any{"username": "bomb_1", "password": "correct horse", "mobile": "13700000001"}},
	}, "FIELD_LIMIT_EXCEEDED")

	// A document with two operations runs one of them: one login each is fine.
	body, _ := json.Marshal(map[string]any{
		"operationName": "B",
		"query": `mutation A($in: LoginInput!) { login(input: $in) { accessToken } }
			mutation B($in: LoginInput!) { login(input: $in) { accessToken } }`,
		"variables": map[string]any{"in": map[string]any{"account": sh.Username, "password": sh.Password}},
	})
	if res := s.PostRaw(t, body, nil); len(res.Errors) > 0 {
		t.Fatalf("one login in the executed operation was refused: %+v", res.Errors)
	}
}

func TestAThousandAvailabilityChecksInOneDocumentAreRefused(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " u%d: usernameAvailable(username: \"name_%d\")", i, i)
		}
		return b.String() + " }"
	}
	res := refused(t, s, gqltest.Request{Query: aliases(1000)}, "FIELD_LIMIT_EXCEEDED")
	if res.Errors[0].Extensions["field"] != "usernameAvailable" {
		t.Errorf("extensions = %v", res.Errors[0].Extensions)
	}
	// Mixed names share one budget: two of each is four.
	refused(t, s, gqltest.Request{Query: `{ a: usernameAvailable(username: "a_1") b: usernameAvailable(username: "b_1")
		c: mobileAvailable(mobile: "13700000001") d: mobileAvailable(mobile: "13700000002") }`}, "FIELD_LIMIT_EXCEEDED")

	// A sign-up form checking both fields, or three, is answered.
	var ok map[string]bool
	s.Query(t, aliases(3), nil, &ok)
	if len(ok) != 3 || slices.Contains([]bool{ok["u0"], ok["u1"], ok["u2"]}, false) {
		t.Fatalf("three availability checks: %v", ok)
	}
}

// Each search costs the engine a pass over every match whatever page it
// asks for, so a document may hold three, not a thousand.
func TestAThousandSearchesInOneDocumentAreRefused(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " s%d: searchSkus(query: \"手机 %d\", first: 1) { totalCount }", i, i)
		}
		return b.String() + " }"
	}
	res := refused(t, s, gqltest.Request{Query: aliases(1000)}, "FIELD_LIMIT_EXCEEDED")
	if res.Errors[0].Extensions["field"] != "searchSkus" {
		t.Errorf("extensions = %v", res.Errors[0].Extensions)
	}
	refused(t, s, gqltest.Request{Query: aliases(4)}, "FIELD_LIMIT_EXCEEDED")
	var ok map[string]struct{ TotalCount int }
	s.Query(t, aliases(3), nil, &ok)
	if len(ok) != 3 {
		t.Fatalf("three searches: %v", ok)
	}
}
