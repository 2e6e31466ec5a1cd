package graph_test

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/outbox"
	"github.com/storefront/storefront/internal/qqconnect"
	"github.com/storefront/storefront/internal/qqlogin"
)

const (
	e2eQQLoginURLDoc = `mutation($s: String!) { qqLoginUrl(state: $s) }`
	e2eQQLoginDoc    = `mutation($in: QqLoginInput!) { qqLogin(input: $in) {
		auth { accessToken refreshToken user { username mobile } } bindToken bindTokenExpiresAt nickname state } }`
	e2eBindQQDoc   = `mutation($in: BindQqInput!) { bindQq(input: $in) { accessToken refreshToken user { username mobile } } }`
	e2eSendCodeDoc = `mutation($in: SendSmsCodeInput!) { sendSmsCode(input: $in) { mobile expiresAt resendAfter } }`
	e2eMeDoc       = `query { me { username mobile } }`
	// e2eCallbackPath is where the sandbox sends the browser back (the
	// shop's own page: gqltest sets no -qq-redirect-url).
	e2eCallbackPath = "/oauth/qq/callback"
)

type e2eAuth struct {
	AccessToken, RefreshToken string
	User                      struct{ Username, Mobile string }
}

type e2eQQResult struct {
	Auth               *e2eAuth
	BindToken          *string
	BindTokenExpiresAt *time.Time
	Nickname           *string
	State              string
}

// e2eSMSCode has a LOGIN code sent to mobile the way a shopper does
// (captcha, then sendSmsCode) and reads it from the outbox once the
// background job delivered it. The instance needs RunJobs.
func e2eSMSCode(t *testing.T, s *gqltest.Server, mobile string) string {
	t.Helper()
	prev, _ := s.App.Outbox.Latest(outbox.KindSMS, mobile)
	var c struct{ Captcha struct{ ID string } }
	s.Query(t, `mutation { captcha { id } }`, nil, &c)
	answer := s.App.Redis.Get(t.Context(), s.App.Captchas.Key(c.Captcha.ID)).Val()
	var sent struct{ SendSmsCode struct{ Mobile string } }
	s.Query(t, e2eSendCodeDoc, map[string]any{"in": map[string]any{
		"mobile": mobile, "purpose": "LOGIN", "captchaId": c.Captcha.ID, "captchaAnswer": answer,
	}}, &sent)
	var code string
	e2eWaitFor(t, e2eDeadline, "no SMS code reached the outbox for "+mobile, func() bool {
		e, ok := s.App.Outbox.Latest(outbox.KindSMS, mobile)
		if !ok || e.ID == prev.ID {
			return false
		}
		code = e.Params["code"]
		return code != ""
	})
	return code
}

// e2eQQLoginURL asks for the QQ page and checks it is the sandbox's with
// the shop's app, callback and a state of the server's own.
func e2eQQLoginURL(t *testing.T, s *gqltest.Server, clientState string) (loginURL, redirectURI, state string) {
	t.Helper()
	var out struct{ QqLoginURL string }
	s.Query(t, e2eQQLoginURLDoc, map[string]any{"s": clientState}, &out)
	u, err := url.Parse(out.QqLoginURL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.QqLoginURL, s.URL+"/qq-sandbox/authorize?") {
		t.Fatalf("qqLoginUrl %s is not the sandbox's authorize page at %s", out.QqLoginURL, s.URL)
	}
	q := u.Query()
	if q.Get("client_id") != s.App.QQSandbox.AppID() || q.Get("response_type") != "code" ||
		q.Get("redirect_uri") != s.Config.PublicURL+e2eCallbackPath || q.Get("scope") != qqconnect.Scope {
		t.Fatalf("qqLoginUrl %s: want client_id %s, response_type code, redirect_uri %s, scope %s",
			out.QqLoginURL, s.App.QQSandbox.AppID(), s.Config.PublicURL+e2eCallbackPath, qqconnect.Scope)
	}
	state = q.Get("state")
	// A short client state may turn up in base64 by chance; a longer one
	// in plain text would mean the server's state is the frontend's.
	if state == "" || state == clientState || len(clientState) >= 6 && strings.Contains(state, clientState) {
		t.Fatalf("the state sent to QQ is %q: not the server's own (the frontend's was %q)", state, clientState)
	}
	return out.QqLoginURL, q.Get("redirect_uri"), state
}

// e2eQQAuthorize is a fake user choosing to log in: the code and state
// on the callback URL.
func e2eQQAuthorize(t *testing.T, s *gqltest.Server, openID, redirectURI, state string) string {
	t.Helper()
	cb, err := s.App.QQSandbox.Authorize(openID, redirectURI, state)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("state") != state || u.Query().Get("code") == "" {
		t.Fatalf("the callback %s does not carry the state and a code", cb)
	}
	return u.Query().Get("code")
}

var (
	e2eFormPattern  = regexp.MustCompile(`(?s)<form method="post" action="authorize">(.*?)</form>`)
	e2eInputPattern = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// e2eQQBrowser drives the sandbox's page as a browser does: GET the
// authorize URL, press the button of openID (a POST of that form), and
// read the 303's Location, which it then opens too.
func e2eQQBrowser(t *testing.T, s *gqltest.Server, loginURL, openID string) (code, state string) {
	t.Helper()
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := noFollow.Get(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("the authorize page: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), page)
	}
	var form url.Values
	for _, m := range e2eFormPattern.FindAllStringSubmatch(string(page), -1) {
		if !strings.Contains(m[1], `name="openid" value="`+openID+`"`) {
			continue
		}
		form = url.Values{"openid": {openID}}
		for _, in := range e2eInputPattern.FindAllStringSubmatch(m[1], -1) {
			form.Set(in[1], html.UnescapeString(in[2]))
		}
	}
	if form == nil {
		t.Fatalf("the authorize page has no button for %s:\n%s", openID, page)
	}
	// The form's action is relative to the page.
	action, err := url.Parse(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	action = action.ResolveReference(&url.URL{Path: "authorize"})
	res, err = noFollow.PostForm(action.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choosing %s: %d; want 303", openID, res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != s.Config.PublicURL+e2eCallbackPath {
		t.Fatalf("the sandbox sent the browser to %s; want %s", loc, s.Config.PublicURL+e2eCallbackPath)
	}
	code, state = loc.Query().Get("code"), loc.Query().Get("state")
	// The shop's own callback page shows what to send to qqLogin.
	cbCode, _, cbPage := resultPage(t, loc.String())
	if cbCode != http.StatusOK || !strings.Contains(cbPage, code) || !strings.Contains(cbPage, "qqLogin") {
		t.Fatalf("the callback page: %d\n%s", cbCode, cbPage)
	}
	return code, state
}

func e2eQQLogin(t *testing.T, s *gqltest.Server, code, state string) gqltest.Response {
	t.Helper()
	return s.Post(t, gqltest.Request{Query: e2eQQLoginDoc, Variables: map[string]any{"in": map[string]any{"code": code, "state": state}}})
}

func e2eBindQQ(t *testing.T, s *gqltest.Server, bindToken, mobile, code string, password *string) gqltest.Response {
	t.Helper()
	in := map[string]any{"bindToken": bindToken, "mobile": mobile, "smsCode": code}
	if password != nil {
		in["password"] = *password
	}
	return s.Post(t, gqltest.Request{Query: e2eBindQQDoc, Variables: map[string]any{"in": in}})
}

// e2eQQSignIn runs a whole QQ login of openID with Sandbox.Authorize and
// returns qqLogin's answer, failing on errors.
func e2eQQSignIn(t *testing.T, s *gqltest.Server, openID, clientState string) e2eQQResult {
	t.Helper()
	_, redirect, state := e2eQQLoginURL(t, s, clientState)
	code := e2eQQAuthorize(t, s, openID, redirect, state)
	var out struct{ QqLogin e2eQQResult }
	mustDecode(t, e2eQQLogin(t, s, code, state), &out)
	if out.QqLogin.State != clientState {
		t.Fatalf("qqLogin gave back state %q; want the frontend's %q", out.QqLogin.State, clientState)
	}
	return out.QqLogin
}

func e2eOpenIDOf(t *testing.T, s *gqltest.Server, mobile string) *string {
	t.Helper()
	u, err := s.App.DB.Client.User.Query().Where(user.Mobile(mobile)).Only(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return u.QqOpenid
}

func e2eStr(s string) *string { return &s }

// A QQ user seen for the first time, through the sandbox's page as a
// browser drives it: qqLogin gives a bind token, the nickname and the
// frontend's state; bindQq with a new mobile proven by a LOGIN code makes
// the account and signs in; the next QQ login signs in at once.
func TestQQLoginThroughTheSandboxMakesAnAccountAndSignsInNextTime(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true, RunJobs: true})
	zhang := qqconnect.DefaultSandboxUsers()[0]

	loginURL, _, state := e2eQQLoginURL(t, s, "web-123")
	code, cbState := e2eQQBrowser(t, s, loginURL, zhang.OpenID)
	if cbState != state {
		t.Fatalf("the sandbox changed the state: %q, sent %q", cbState, state)
	}
	var first struct{ QqLogin e2eQQResult }
	mustDecode(t, e2eQQLogin(t, s, code, cbState), &first)
	r := first.QqLogin
	if r.Auth != nil || r.BindToken == nil || *r.BindToken == "" || r.Nickname == nil || *r.Nickname != zhang.Nickname || r.State != "web-123" {
		t.Fatalf("qqLogin of a new QQ user: %+v; want no auth, a bind token, nickname %s, state web-123", r, zhang.Nickname)
	}
	if r.BindTokenExpiresAt == nil || time.Until(*r.BindTokenExpiresAt) > qqlogin.TTL || time.Until(*r.BindTokenExpiresAt) < qqlogin.TTL-time.Minute {
		t.Fatalf("bindTokenExpiresAt %v; want about %v away", r.BindTokenExpiresAt, qqlogin.TTL)
	}

	const mobile = "13700000001"
	res := e2eBindQQ(t, s, *r.BindToken, mobile, "000000", nil)
	e2eWantBad(t, "bindQq with a wrong code", res, "smsCode", "")
	sms := e2eSMSCode(t, s, mobile)
	var bound struct{ BindQq e2eAuth }
	mustDecode(t, e2eBindQQ(t, s, *r.BindToken, mobile, sms, e2eStr("qq-shopper-pw")), &bound)
	if bound.BindQq.AccessToken == "" || bound.BindQq.RefreshToken == "" || bound.BindQq.User.Mobile != mobile {
		t.Fatalf("bindQq: %+v", bound.BindQq)
	}
	var me struct {
		Me struct{ Username, Mobile string }
	}
	res = s.Post(t, gqltest.Request{Query: e2eMeDoc, Header: gqltest.Bearer(bound.BindQq.AccessToken)})
	mustDecode(t, res, &me)
	if me.Me.Username != bound.BindQq.User.Username || me.Me.Mobile != mobile {
		t.Fatalf("me with the bound login: %+v", me.Me)
	}
	if got := e2eOpenIDOf(t, s, mobile); got == nil || *got != zhang.OpenID {
		t.Fatalf("the account's openid is %v; want %s", got, zhang.OpenID)
	}
	// The optional password was kept: the account signs in with it too.
	s.Login(t, mobile, "qq-shopper-pw")
	// The code was used up by the bind.
	res = e2eBindQQ(t, s, *r.BindToken, mobile, sms, e2eStr("qq-shopper-pw"))
	e2eWantBad(t, "bindQq with a used code", res, "smsCode", "")

	// The same QQ user again, through the page once more: signed in at once.
	loginURL, _, _ = e2eQQLoginURL(t, s, "web-456")
	code, cbState = e2eQQBrowser(t, s, loginURL, zhang.OpenID)
	var again struct{ QqLogin e2eQQResult }
	mustDecode(t, e2eQQLogin(t, s, code, cbState), &again)
	if a := again.QqLogin; a.Auth == nil || a.Auth.AccessToken == "" || a.Auth.User.Username != bound.BindQq.User.Username || a.State != "web-456" {
		t.Fatalf("the second QQ login: %+v; want a login of %s and state web-456", a, bound.BindQq.User.Username)
	}
	if a := again.QqLogin; a.BindToken != nil || a.BindTokenExpiresAt != nil {
		// Result.BindToken is a string, which gqlgen answers as "" rather
		// than null; a frontend testing bindToken != null would go to bind.
		t.Errorf("the second QQ login signed in and also answered bindToken %q, bindTokenExpiresAt %v; want both null", *a.BindToken, a.BindTokenExpiresAt)
	}
	res = s.Post(t, gqltest.Request{Query: e2eMeDoc, Header: gqltest.Bearer(again.QqLogin.Auth.AccessToken)})
	mustDecode(t, res, &me)
	if me.Me.Username != bound.BindQq.User.Username {
		t.Fatalf("me after the second QQ login: %+v", me.Me)
	}

	// The old bind token cannot make a second account for the same QQ user.
	const other = "13700000002"
	res = e2eBindQQ(t, s, *r.BindToken, other, e2eSMSCode(t, s, other), nil)
	e2eWantBad(t, "the bind token of a bound QQ user, to a new mobile", res, "bindToken", "TAKEN")
	if n := s.App.DB.Client.User.Query().Where(user.Mobile(other)).CountX(t.Context()); n != 0 {
		t.Fatalf("a second account was made for %s", other)
	}
}

// Binding to the account of an existing mobile needs its password (and
// the code); once bound, QQ signs in to it, and another QQ user cannot
// bind to it.
func TestQQBindsToAnExistingAccountOnlyWithItsPassword(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true, RunJobs: true})
	const mobile, password = "13600000001", "owner password 1"
	if res := register(s, t, "qq_owner", password, mobile); len(res.Errors) > 0 {
		t.Fatalf("register: %+v", res.Errors)
	}
	li := qqconnect.DefaultSandboxUsers()[1]

	r := e2eQQSignIn(t, s, li.OpenID, "app-state")
	if r.Auth != nil || r.BindToken == nil {
		t.Fatalf("qqLogin of an unbound QQ user: %+v", r)
	}
	sms := e2eSMSCode(t, s, mobile)
	res := e2eBindQQ(t, s, *r.BindToken, mobile, sms, e2eStr("not the password"))
	e2eWantBad(t, "bindQq with a wrong password", res, "password", "")
	res = e2eBindQQ(t, s, *r.BindToken, mobile, sms, nil)
	e2eWantBad(t, "bindQq without a password", res, "password", "")
	if got := e2eOpenIDOf(t, s, mobile); got != nil {
		t.Fatalf("a refused bind bound %s", *got)
	}
	// The refusals did not use the code up.
	var bound struct{ BindQq e2eAuth }
	mustDecode(t, e2eBindQQ(t, s, *r.BindToken, mobile, sms, e2eStr(password)), &bound)
	if bound.BindQq.User.Username != "qq_owner" || bound.BindQq.AccessToken == "" {
		t.Fatalf("bindQq with the right password: %+v", bound.BindQq)
	}
	if got := e2eOpenIDOf(t, s, mobile); got == nil || *got != li.OpenID {
		t.Fatalf("openid after the bind: %v; want %s", got, li.OpenID)
	}
	if a := e2eQQSignIn(t, s, li.OpenID, "again"); a.Auth == nil || a.Auth.User.Username != "qq_owner" {
		t.Fatalf("the next QQ login: %+v; want a login of qq_owner", a)
	}
	// The password still works as it did.
	s.Login(t, "qq_owner", password)

	// A third QQ user cannot take the bound account.
	han := qqconnect.DefaultSandboxUsers()[2]
	r3 := e2eQQSignIn(t, s, han.OpenID, "third")
	if r3.BindToken == nil {
		t.Fatalf("qqLogin of the third user: %+v", r3)
	}
	res = e2eBindQQ(t, s, *r3.BindToken, mobile, "123456", e2eStr(password))
	e2eWantBad(t, "binding a second QQ user to the account", res, "mobile", "TAKEN")
	if got := e2eOpenIDOf(t, s, mobile); got == nil || *got != li.OpenID {
		t.Fatalf("openid after the refused bind: %v; want %s still", got, li.OpenID)
	}
}

// The state is the server's: forged, altered, another shop's, replayed or
// overlong ones are refused on field state before QQ is asked (the code
// still works afterwards, so the sandbox never saw it); a forged bind
// token is refused on bindToken.
func TestQQLoginRefusesForgedReplayedAndOverlongStates(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	other := gqltest.Start(t, gqltest.Options{Embedded: true, NoSeed: true})
	const openID = "E2E0FORGERY0TEST0USER"

	_, redirect, state := e2eQQLoginURL(t, s, "mine")
	code := e2eQQAuthorize(t, s, openID, redirect, state)
	_, _, otherState := e2eQQLoginURL(t, other, "mine")
	msg, mac, ok := strings.Cut(state, ".")
	if !ok {
		t.Fatalf("state %q has no signature", state)
	}
	flip := func(s string) string {
		r := byte('A')
		if s[len(s)-1] == 'A' {
			r = 'B'
		}
		return s[:len(s)-1] + string(r)
	}
	for name, forged := range map[string]string{
		"random":                  "c2VjcmV0.c2lnbmF0dXJl",
		"empty":                   "",
		"the frontend's own":      "mine",
		"altered signature":       msg + "." + flip(mac),
		"altered payload":         flip(msg) + "." + mac,
		"without signature":       msg,
		"another instance's":      otherState,
		"oversized":               strings.Repeat("A", 10_000) + "." + mac,
		"a signature with a tail": state + "x",
	} {
		e2eWantBad(t, "qqLogin with a "+name+" state", e2eQQLogin(t, s, code, forged), "state", "")
	}
	// Nothing above reached QQ: the code is unspent and works now.
	var out struct{ QqLogin e2eQQResult }
	mustDecode(t, e2eQQLogin(t, s, code, state), &out)
	if out.QqLogin.BindToken == nil || out.QqLogin.State != "mine" {
		t.Fatalf("the code after the forgeries: %+v", out.QqLogin)
	}
	// Replayed: the same code and state, or the state with a new code.
	e2eWantBad(t, "the same code and state again", e2eQQLogin(t, s, code, state), "state", "USED")
	fresh := e2eQQAuthorize(t, s, openID, redirect, state)
	e2eWantBad(t, "a used state with a fresh code", e2eQQLogin(t, s, fresh, state), "state", "USED")
	// Two logins racing with one code and state: one of them gets it.
	_, _, raced := e2eQQLoginURL(t, s, "raced")
	racedCode := e2eQQAuthorize(t, s, openID, redirect, raced)
	body, _ := json.Marshal(gqltest.Request{Query: e2eQQLoginDoc, Variables: map[string]any{"in": map[string]any{"code": racedCode, "state": raced}}})
	answers := make(chan gqltest.Response, 2)
	for range 2 {
		go func() { // no t.Fatal off the test's goroutine: errors travel as answers
			var out gqltest.Response
			res, err := http.Post(s.URL+"/graphql", "application/json", bytes.NewReader(body))
			if err == nil {
				err = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
			}
			if err != nil {
				out.Errors = []gqltest.Error{{Message: err.Error()}}
			}
			answers <- out
		}()
	}
	a1, a2 := <-answers, <-answers
	if len(a1.Errors) > 0 {
		a1, a2 = a2, a1
	}
	if len(a1.Errors) > 0 || a2.Code() != "BAD_USER_INPUT" || a2.Errors[0].Extensions["reason"] != "USED" {
		t.Fatalf("two racing qqLogins with one state: %+v and %+v; want one login and one USED", a1.Errors, a2.Errors)
	}
	// A code QQ refuses is the code's fault, with a good state.
	_, _, state2 := e2eQQLoginURL(t, s, "")
	e2eWantBad(t, "a bogus code", e2eQQLogin(t, s, "BOGUS", state2), "code", "")
	// The fresh code was not spent by the refused replay.
	_, _, state3 := e2eQQLoginURL(t, s, "")
	mustDecode(t, e2eQQLogin(t, s, fresh, state3), &out)
	if out.QqLogin.BindToken == nil || out.QqLogin.State != "" {
		t.Fatalf("the fresh code with a good state: %+v", out.QqLogin)
	}

	// The frontend's state: at most 256 printable characters, any of them,
	// and it comes back as it was, however JSON escapes it.
	for _, good := range []string{
		strings.Repeat("s", qqlogin.MaxClientState),
		strings.Repeat("状", qqlogin.MaxClientState),
		strings.Repeat("😀", qqlogin.MaxClientState),
		strings.Repeat("<", qqlogin.MaxClientState),
		strings.Repeat("\u2028", qqlogin.MaxClientState),
		`{"return":"/cart?x=1&y=<2>"}`,
	} {
		_, redirect, st := e2eQQLoginURL(t, s, good)
		res := e2eQQLogin(t, s, e2eQQAuthorize(t, s, openID, redirect, st), st)
		if len(res.Errors) > 0 {
			t.Fatalf("qqLogin after qqLoginUrl(%.20q...), a %d-byte state sent to QQ: %+v", good, len(st), res.Errors)
		}
		var r struct{ QqLogin e2eQQResult }
		mustDecode(t, res, &r)
		if r.QqLogin.State != good {
			t.Fatalf("the state %.20q... came back as %.20q...", good, r.QqLogin.State)
		}
	}
	for name, bad := range map[string]string{
		"257 characters": strings.Repeat("s", qqlogin.MaxClientState+1),
		"a newline":      "web\n123",
		"a NUL":          "web\x00123",
	} {
		res := s.Post(t, gqltest.Request{Query: e2eQQLoginURLDoc, Variables: map[string]any{"s": bad}})
		e2eWantBad(t, "qqLoginUrl with a state of "+name, res, "state", "")
	}

	// A forged bind token, or a state in its place.
	for name, forged := range map[string]string{
		"random":           "not-a-bind-token",
		"a state":          state3,
		"altered":          flip(*out.QqLogin.BindToken),
		"another instance": otherState,
	} {
		res := e2eBindQQ(t, s, forged, "13500000001", "123456", nil)
		e2eWantBad(t, "bindQq with a "+name+" bind token", res, "bindToken", "")
	}
	if n := s.App.DB.Client.User.Query().Where(user.QqOpenidNotNil()).CountX(t.Context()); n != 0 {
		t.Fatalf("%d accounts were bound", n)
	}
}

// A shop without a QQ app (and without the sandbox) answers NOT_CONFIGURED
// and serves no sandbox.
func TestQQLoginIsNotConfiguredWithoutAnApp(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true, Config: func(c *config.Config) { c.QQSandbox = false }})
	res := s.Post(t, gqltest.Request{Query: e2eQQLoginURLDoc, Variables: map[string]any{"s": "web-123"}})
	if res.Code() != "NOT_CONFIGURED" {
		t.Fatalf("qqLoginUrl without QQ: %+v; want NOT_CONFIGURED", res.Errors)
	}
	if res := e2eQQLogin(t, s, "code", "state"); res.Code() != "NOT_CONFIGURED" {
		t.Fatalf("qqLogin without QQ: %+v; want NOT_CONFIGURED", res.Errors)
	}
	if res := e2eBindQQ(t, s, "token", "13500000001", "123456", nil); res.Code() != "NOT_CONFIGURED" {
		t.Fatalf("bindQq without QQ: %+v; want NOT_CONFIGURED", res.Errors)
	}
	if s.App.QQSandbox != nil {
		t.Fatal("the sandbox runs with -qq-sandbox=false")
	}
	if code, _, _ := resultPage(t, s.URL+"/qq-sandbox/authorize?response_type=code&client_id="+qqconnect.SandboxAppID); code != http.StatusNotFound {
		t.Fatalf("/qq-sandbox/authorize without the sandbox: %d; want 404", code)
	}
}

// An account made by loginBySms has no password: its holder binds QQ with
// the SMS code alone, as its logins are proven, and no password logs in.
func TestAnAccountMadeBySMSBindsQQWithItsCodeAlone(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{RunJobs: true})
	mobile := newMobile()
	res := loginBySms(t, s, mobile, e2eSMSCode(t, s, mobile))
	var made smsLogin
	mustDecode(t, res, &made)
	for _, pw := range []string{"", "!none", "password1"} {
		if r := s.Post(t, gqltest.Request{Query: `mutation($a: String!, $p: String!) { login(input: {account: $a, password: $p}) { accessToken } }`,
			Variables: map[string]any{"a": mobile, "p": pw}}); r.Code() != apperr.CodeUnauthenticated {
			t.Fatalf("a password %q signed in to an account without one: %+v", pw, r.Errors)
		}
	}
	openID := qqconnect.DefaultSandboxUsers()[2].OpenID
	first := e2eQQSignIn(t, s, openID, "sms-account")
	if first.BindToken == nil || first.Auth != nil {
		t.Fatalf("a new QQ user: %+v", first)
	}
	s.App.Redis.Del(t.Context(), resendKeys(t, s, mobile)...) // the next minute
	var bound struct {
		BindQq struct{ User struct{ Username string } }
	}
	mustDecode(t, e2eBindQQ(t, s, *first.BindToken, mobile, e2eSMSCode(t, s, mobile), nil), &bound)
	if bound.BindQq.User.Username != made.LoginBySms.User.Username {
		t.Fatalf("bound to %q, want the SMS account %q", bound.BindQq.User.Username, made.LoginBySms.User.Username)
	}
	if next := e2eQQSignIn(t, s, openID, "again"); next.Auth == nil || next.BindToken != nil {
		t.Fatalf("the next QQ login: %+v", next)
	}
}
