package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
)

const registerDoc = `mutation($in: RegisterInput!) { register(input: $in) { id username mobile } }`

func register(s *gqltest.Server, t *testing.T, username, password, mobile string) gqltest.Response {
	t.Helper()
	return s.Post(t, gqltest.Request{Query: registerDoc, Variables: map[string]any{
		"in": map[string]any{"username": username, "password": password, "mobile": mobile},
	}})
}

func TestRegistrationRulesNameTheField(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	cases := []struct {
		name, username, password, mobile, field string
	}{
		{"username too short", "abcd", "password1", "13800000001", "username"},
		{"username too long", strings.Repeat("a", 21), "password1", "13800000001", "username"},
		{"username with a space", "bad name", "password1", "13800000001", "username"},
		{"username with unicode", "名字名字名字", "password1", "13800000001", "username"},
		{"username of digits only", "13800000002", "password1", "13800000001", "username"},
		{"password too short", "alice_1", "1234567", "13800000001", "password"},
		{"password too long", "alice_1", strings.Repeat("p", 65), "13800000001", "password"},
		{"mobile too short", "alice_1", "password1", "1380000000", "mobile"},
		{"mobile bad prefix", "alice_1", "password1", "12800000001", "mobile"},
		{"mobile with letters", "alice_1", "password1", "1380000000x", "mobile"},
	}
	for _, c := range cases {
		res := register(s, t, c.username, c.password, c.mobile)
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != c.field {
			t.Errorf("%s: %+v, want BAD_USER_INPUT on %s", c.name, res.Errors, c.field)
		}
	}
	if n, _ := s.App.DB.Client.User.Query().Count(t.Context()); n != 0 {
		t.Fatalf("%d users written by refused registrations", n)
	}

	// The boundaries themselves are accepted.
	ok := register(s, t, "abcde", "12345678", "13900000000")
	if len(ok.Errors) > 0 {
		t.Fatalf("5-char name, 8-char password refused: %+v", ok.Errors)
	}
	ok = register(s, t, strings.Repeat("z", 20), strings.Repeat("密", 64), "19900000000")
	if len(ok.Errors) > 0 {
		t.Fatalf("20-char name, 64-char password refused: %+v", ok.Errors)
	}

	for _, c := range []struct{ username, mobile, field string }{
		{"abcde", "13900000009", "username"},
		{"ABCDE_x", "13900000000", "mobile"},
	} {
		res := register(s, t, c.username, "password1", c.mobile)
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != c.field || res.Errors[0].Extensions["reason"] != "TAKEN" {
			t.Errorf("taken %s: %+v", c.field, res.Errors)
		}
	}

	// One request may make three availability checks (graph/limits.go).
	var avail, more struct{ A, B, C, D bool }
	s.Query(t, `{ a: usernameAvailable(username: "abcde") b: usernameAvailable(username: "fresh_name")
		c: mobileAvailable(mobile: "13900000000") }`, nil, &avail)
	s.Query(t, `{ d: mobileAvailable(mobile: "13900000001") }`, nil, &more)
	avail.D = more.D
	if avail.A || !avail.B || avail.C || !avail.D {
		t.Fatalf("availability = %+v", avail)
	}
	res := s.Post(t, gqltest.Request{Query: `{ usernameAvailable(username: "x") }`})
	if res.Code() != "BAD_USER_INPUT" {
		t.Fatalf("an invalid name must be BAD_USER_INPUT, got %+v", res.Errors)
	}
}

func TestTwoRegistrationsRacingForOneNameMakeOneAccount(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	var wg sync.WaitGroup
	codes := make([]string, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = register(s, t, "racer", "password1", fmt.Sprintf("1370000000%d", i)).Code()
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case "BAD_USER_INPUT":
		default:
			t.Errorf("unexpected code %s", c)
		}
	}
	if won != 1 {
		t.Fatalf("%d registrations of one name succeeded (%v)", won, codes)
	}
}

const meDoc = `{ me { username mobile } }`

func TestLoginByUsernameOrMobileAndTokens(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)

	var me struct{ Me struct{ Username string } }
	s.As(t, sh, meDoc, nil, &me)
	if me.Me.Username != sh.Username {
		t.Fatalf("me = %+v", me)
	}
	byMobile := s.Login(t, sh.Mobile, sh.Password)
	s.As(t, gqltest.Shopper{AccessToken: byMobile.AccessToken}, meDoc, nil, &me)
	if me.Me.Username != sh.Username {
		t.Fatalf("login by mobile gave %+v", me)
	}

	for name, h := range map[string]http.Header{
		"no header":      nil,
		"garbage token":  gqltest.Bearer("not-a-token"),
		"another scheme": {"Authorization": {"Basic " + sh.AccessToken}},
		"tampered token": gqltest.Bearer(sh.AccessToken[:len(sh.AccessToken)-2] + "xx"),
		"alg none":       gqltest.Bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(sh.AccessToken, ".")[1] + "."),
	} {
		res := s.Post(t, gqltest.Request{Query: meDoc, Header: h})
		if res.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s: %+v", name, res.Errors)
		}
		// A bad token does not break public fields.
		res = s.Post(t, gqltest.Request{Query: `{ usernameAvailable(username: "someone_new") }`, Header: h})
		if len(res.Errors) > 0 {
			t.Errorf("%s: a public field failed: %+v", name, res.Errors)
		}
	}

	for name, in := range map[string]map[string]any{
		"wrong password":  {"account": sh.Username, "password": "wrong password"},
		"unknown account": {"account": "nobody_here", "password": sh.Password},
		"empty account":   {"account": "", "password": sh.Password},
	} {
		res := s.Post(t, gqltest.Request{Query: `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`, Variables: map[string]any{"in": in}})
		if res.Code() != "UNAUTHENTICATED" || res.Errors[0].Message != "wrong account or password" {
			t.Errorf("%s: %+v", name, res.Errors)
		}
	}
}

const refreshDoc = `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }`

type refreshed struct{ RefreshToken gqltest.Tokens }

func TestRefreshTokensRotateAndReuseEndsTheLogin(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)
	other := s.Login(t, sh.Username, sh.Password) // a second device

	var r1 refreshed
	s.Query(t, refreshDoc, map[string]any{"t": sh.RefreshToken}, &r1)
	if r1.RefreshToken.RefreshToken == sh.RefreshToken || r1.RefreshToken.AccessToken == "" {
		t.Fatal("refresh did not rotate")
	}
	var r2 refreshed
	s.Query(t, refreshDoc, map[string]any{"t": r1.RefreshToken.RefreshToken}, &r2)

	// The first token again: stolen. The whole family ends, the latest
	// tokens included; the other device's login is untouched.
	res := s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": sh.RefreshToken}})
	if res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("reused token: %+v", res.Errors)
	}
	res = s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": r2.RefreshToken.RefreshToken}})
	if res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the family's newest refresh token still works: %+v", res.Errors)
	}
	res = s.Post(t, gqltest.Request{Query: meDoc, Header: gqltest.Bearer(r2.RefreshToken.AccessToken)})
	if res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the family's access token still works: %+v", res.Errors)
	}
	s.As(t, gqltest.Shopper{AccessToken: other.AccessToken}, meDoc, nil, nil)
	var ok refreshed
	s.Query(t, refreshDoc, map[string]any{"t": other.RefreshToken}, &ok)

	for _, bad := range []string{"", "nope", strings.Repeat("a", 500)} {
		res := s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": bad}})
		if res.Code() != "UNAUTHENTICATED" {
			t.Errorf("refresh token %q: %+v", bad, res.Errors)
		}
	}
}

func TestTwoRefreshesRacingWithOneTokenLeaveNoWorkingPair(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)
	var wg sync.WaitGroup
	results := make([]gqltest.Response, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": sh.RefreshToken}})
		}()
	}
	wg.Wait()
	failed := 0
	for _, r := range results {
		if r.Code() == "UNAUTHENTICATED" {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("one refresh token was exchanged twice")
	}
}

func TestLogoutAndChangePasswordEndSessions(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)
	phone := s.Login(t, sh.Username, sh.Password)

	s.As(t, sh, `mutation { logout }`, nil, nil)
	if res := s.Post(t, gqltest.Request{Query: meDoc, Header: sh.Header()}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("access token works after logout: %+v", res.Errors)
	}
	if res := s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": sh.RefreshToken}}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("refresh token works after logout: %+v", res.Errors)
	}
	s.As(t, gqltest.Shopper{AccessToken: phone.AccessToken}, meDoc, nil, nil) // the other login lives

	laptop := s.Login(t, sh.Username, sh.Password)
	lt := gqltest.Shopper{AccessToken: laptop.AccessToken}
	change := `mutation($in: ChangePasswordInput!) { changePassword(input: $in) }`
	res := s.Post(t, gqltest.Request{Query: change, Header: lt.Header(), Variables: map[string]any{
		"in": map[string]any{"currentPassword": "not it", "newPassword": "a new password"}}})
	if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "currentPassword" {
		t.Fatalf("wrong current password: %+v", res.Errors)
	}
	res = s.Post(t, gqltest.Request{Query: change, Header: lt.Header(), Variables: map[string]any{
		"in": map[string]any{"currentPassword": sh.Password, "newPassword": "short"}}})
	if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "newPassword" {
		t.Fatalf("short new password: %+v", res.Errors)
	}
	s.As(t, lt, change, map[string]any{"in": map[string]any{"currentPassword": sh.Password, "newPassword": "a new password"}}, nil)

	s.As(t, lt, meDoc, nil, nil) // the login that changed it lives on
	if res := s.Post(t, gqltest.Request{Query: meDoc, Header: gqltest.Bearer(phone.AccessToken)}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("another login survived the password change: %+v", res.Errors)
	}
	if res := s.Post(t, gqltest.Request{Query: refreshDoc, Variables: map[string]any{"t": phone.RefreshToken}}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("another login's refresh token survived: %+v", res.Errors)
	}
	loginDoc := `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`
	if res := s.Post(t, gqltest.Request{Query: loginDoc, Variables: map[string]any{"in": map[string]any{"account": sh.Username, "password": sh.Password}}}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the old password still works: %+v", res.Errors)
	}
	s.Login(t, sh.Username, "a new password")
}

func TestRepeatedFailedLoginsAreThrottled(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)
	loginDoc := `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`
	try := func(password string) gqltest.Response {
		return s.Post(t, gqltest.Request{Query: loginDoc, Variables: map[string]any{"in": map[string]any{"account": sh.Username, "password": password}}})
	}
	// NewShopper's own login succeeded and cleared the count: five free
	// wrong guesses, then the account must wait.
	for i := 0; i < 5; i++ {
		if res := try("guess"); res.Code() != "UNAUTHENTICATED" {
			t.Fatalf("guess %d: %+v", i+1, res.Errors)
		}
	}
	res := try("guess")
	if res.Code() != "RATE_LIMITED" {
		t.Fatalf("sixth guess: %+v", res.Errors)
	}
	if ra, ok := res.Errors[0].Extensions["retryAfter"].(float64); !ok || ra < 1 {
		t.Fatalf("retryAfter = %v", res.Errors[0].Extensions["retryAfter"])
	}
	// Even the right password waits: the throttle is checked first.
	if res := try(sh.Password); res.Code() != "RATE_LIMITED" {
		t.Fatalf("right password while throttled: %+v", res.Errors)
	}
	// Other accounts are not affected by this one's count, and many
	// successful logins from one address (an office) are never throttled.
	other := s.NewShopper(t)
	for range 40 {
		s.Login(t, other.Username, other.Password)
	}
}

const addrFields = `id receiver mobile province city district detail isDefault`

func addrInput(receiver string) map[string]any {
	return map[string]any{"receiver": receiver, "mobile": "13812345678", "provinceCode": "330000", "cityCode": "330100", "districtCode": "330106", "detail": "文三路 90 号"}
}

type addr struct {
	ID        string
	Receiver  string
	IsDefault bool
}

func createAddr(t *testing.T, s *gqltest.Server, sh gqltest.Shopper, receiver string) addr {
	t.Helper()
	var out struct{ CreateAddress addr }
	s.As(t, sh, `mutation($in: AddressInput!) { createAddress(input: $in) { `+addrFields+` } }`, map[string]any{"in": addrInput(receiver)}, &out)
	return out.CreateAddress
}

func book(t *testing.T, s *gqltest.Server, sh gqltest.Shopper) []addr {
	t.Helper()
	var out struct{ Addresses []addr }
	s.As(t, sh, `{ addresses { `+addrFields+` } }`, nil, &out)
	return out.Addresses
}

func defaults(b []addr) (n int, who string) {
	for _, a := range b {
		if a.IsDefault {
			n++
			who = a.Receiver
		}
	}
	return n, who
}

func TestAddressBookKeepsExactlyOneDefault(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)

	a := createAddr(t, s, sh, "张三")
	b := createAddr(t, s, sh, "李四")
	c := createAddr(t, s, sh, "王五")
	if !a.IsDefault || b.IsDefault || c.IsDefault {
		t.Fatalf("the first address must be the default: %+v %+v %+v", a, b, c)
	}
	var set struct{ SetDefaultAddress addr }
	s.As(t, sh, `mutation($id: ID!) { setDefaultAddress(id: $id) { id isDefault } }`, map[string]any{"id": c.ID}, &set)
	if n, who := defaults(book(t, s, sh)); n != 1 || who != "王五" {
		t.Fatalf("after setDefault: %d defaults, %s", n, who)
	}
	s.As(t, sh, `mutation($id: ID!) { deleteAddress(id: $id) }`, map[string]any{"id": c.ID}, nil)
	if n, who := defaults(book(t, s, sh)); n != 1 || who != "张三" {
		t.Fatalf("after deleting the default: %d defaults, %s; want the oldest remaining", n, who)
	}
	var upd struct {
		UpdateAddress struct{ Receiver, Detail string }
	}
	in := addrInput("  赵六  ")
	in["detail"] = strings.Repeat("路", 200)
	s.As(t, sh, `mutation($id: ID!, $in: AddressInput!) { updateAddress(id: $id, input: $in) { receiver detail } }`, map[string]any{"id": b.ID, "in": in}, &upd)
	if upd.UpdateAddress.Receiver != "赵六" {
		t.Fatalf("update = %+v", upd)
	}
	s.As(t, sh, `mutation($id: ID!) { deleteAddress(id: $id) }`, map[string]any{"id": a.ID}, nil)
	s.As(t, sh, `mutation($id: ID!) { deleteAddress(id: $id) }`, map[string]any{"id": b.ID}, nil)
	if got := book(t, s, sh); len(got) != 0 {
		t.Fatalf("book = %+v", got)
	}
	if d := createAddr(t, s, sh, "孙七"); !d.IsDefault {
		t.Fatal("the first address of an emptied book must be the default")
	}
}

func TestAddressRulesAndLimit(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)
	doc := `mutation($in: AddressInput!) { createAddress(input: $in) { id } }`
	for field, bad := range map[string]string{
		"receiver": "", "mobile": "12345", "provinceCode": strings.Repeat("1", 7),
		"cityCode": "   ", "districtCode": "120101", "detail": strings.Repeat("路", 201),
	} {
		in := addrInput("张三")
		in[field] = bad
		res := s.Post(t, gqltest.Request{Query: doc, Variables: map[string]any{"in": in}, Header: sh.Header()})
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != field {
			t.Errorf("bad %s: %+v", field, res.Errors)
		}
	}
	// Twenty-five devices adding at once: the book stops at twenty with one
	// default.
	var wg sync.WaitGroup
	codes := make([]string, 25)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = s.Post(t, gqltest.Request{Query: doc, Variables: map[string]any{"in": addrInput(fmt.Sprint("收件人", i))}, Header: sh.Header()}).Code()
		}()
	}
	wg.Wait()
	limited := 0
	for _, c := range codes {
		if c == "BAD_USER_INPUT" {
			limited++
		} else if c != "" {
			t.Errorf("unexpected %s", c)
		}
	}
	b := book(t, s, sh)
	if n, _ := defaults(b); len(b) != 20 || limited != 5 || n != 1 {
		t.Fatalf("%d addresses, %d refused, %d defaults; want 20, 5, 1", len(b), limited, n)
	}
}

func TestAnotherShoppersAddressIsNotFound(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	alice, mallory := s.NewShopper(t), s.NewShopper(t)
	a := createAddr(t, s, alice, "Alice")
	docs := map[string]string{
		"update":     `mutation($id: ID!, $in: AddressInput!) { updateAddress(id: $id, input: $in) { id } }`,
		"delete":     `mutation($id: ID!) { deleteAddress(id: $id) }`,
		"setDefault": `mutation($id: ID!) { setDefaultAddress(id: $id) { id } }`,
		"node":       `query($id: ID!) { node(id: $id) { id ... on Address { receiver } } }`,
	}
	for name, doc := range docs {
		for who, h := range map[string]http.Header{"another shopper": mallory.Header(), "nobody": nil} {
			res := s.Post(t, gqltest.Request{Query: doc, Header: h, Variables: map[string]any{"id": a.ID, "in": addrInput("Mallory")}})
			want := "NOT_FOUND"
			if h == nil && name != "node" {
				want = "UNAUTHENTICATED"
			}
			if res.Code() != want {
				t.Errorf("%s by %s: %+v, want %s", name, who, res.Errors, want)
			}
		}
	}
	// Unknown ids look the same as someone else's.
	res := s.Post(t, gqltest.Request{Query: docs["delete"], Header: mallory.Header(), Variables: map[string]any{"id": gid.Encode(999999)}})
	if res.Code() != "NOT_FOUND" {
		t.Errorf("unknown id: %+v", res.Errors)
	}
	got := book(t, s, alice)
	if len(got) != 1 || got[0].Receiver != "Alice" || !got[0].IsDefault {
		t.Fatalf("alice's book changed: %+v", got)
	}
	var own struct{ Node struct{ Receiver string } }
	s.As(t, alice, docs["node"], map[string]any{"id": a.ID}, &own)
	if own.Node.Receiver != "Alice" {
		t.Fatalf("alice cannot read her own address node: %+v", own)
	}
	var me struct{ Me struct{ ID string } }
	s.As(t, alice, `{ me { id } }`, nil, &me)
	res = s.Post(t, gqltest.Request{Query: `query($id: ID!) { node(id: $id) { id } }`, Header: mallory.Header(), Variables: map[string]any{"id": me.Me.ID}})
	if res.Code() != "NOT_FOUND" {
		t.Errorf("another shopper's user node: %+v", res.Errors)
	}
}
