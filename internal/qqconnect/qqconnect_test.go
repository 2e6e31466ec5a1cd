package qqconnect_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/qqconnect"
)

const callback = "https://shop.example/login/qq/callback"

// sandboxServer serves a sandbox at /qq-sandbox/, as the lead mounts it.
func sandboxServer(t *testing.T, cfg qqconnect.SandboxConfig) (*qqconnect.Sandbox, string) {
	t.Helper()
	s := qqconnect.NewSandbox(cfg)
	mux := http.NewServeMux()
	mux.Handle("/qq-sandbox/", s.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv.URL + "/qq-sandbox"
}

// sandboxClient is a Client configured against the sandbox at base.
func sandboxClient(t *testing.T, s *qqconnect.Sandbox, base string, edit func(*qqconnect.Config)) *qqconnect.Client {
	t.Helper()
	cfg := qqconnect.Config{AppID: s.AppID(), AppKey: s.AppKey(), RedirectURL: callback}
	cfg.AuthorizeURL, cfg.TokenURL, cfg.MeURL, cfg.UserInfoURL = s.Endpoints(base)
	if edit != nil {
		edit(&cfg)
	}
	c, err := qqconnect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var noRedirects = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func wantBadCode(t *testing.T, err error) {
	t.Helper()
	var c apperr.Coded
	if !errors.As(err, &c) || c.Code() != apperr.CodeBadUserInput || c.Extensions()["field"] != "code" || c.Error() == "" {
		t.Fatalf("want BadField(code), got %v (code %q)", err, apperr.CodeOf(err))
	}
}

func wantUnavailable(t *testing.T, err error) {
	t.Helper()
	if apperr.CodeOf(err) != apperr.CodeUnavailable {
		t.Fatalf("want UNAVAILABLE, got %v (code %q)", err, apperr.CodeOf(err))
	}
}

// TestIdentifyThroughTheSandboxPages drives the whole login as a browser
// and the shop would: QQ's page from AuthCodeURL, a click on a listed
// user, the 303 back with code and state, then Identify.
func TestIdentifyThroughTheSandboxPages(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	c := sandboxClient(t, s, base, nil)
	users := qqconnect.DefaultSandboxUsers()

	status, page := get(t, c.AuthCodeURL("st-1"))
	if status != http.StatusOK {
		t.Fatalf("authorize page: %d %s", status, page)
	}
	for _, u := range users {
		if !strings.Contains(page, u.Nickname) || !strings.Contains(page, u.OpenID) {
			t.Fatalf("page does not list %v", u)
		}
	}
	// The click: the page's form for the second user, as the browser sends it.
	au, _ := url.Parse(c.AuthCodeURL("st-1"))
	form := au.Query()
	form.Set("openid", users[1].OpenID)
	resp, err := noRedirects.PostForm(au.Scheme+"://"+au.Host+au.Path, form)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("choice answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != callback || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("redirected to %s", loc)
	}

	id, err := c.Identify(t.Context(), loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if id.OpenID != users[1].OpenID || id.Nickname != users[1].Nickname || !strings.HasPrefix(id.AvatarURL, base+"/avatar?") {
		t.Fatalf("identity %+v", id)
	}
	status, svg := get(t, id.AvatarURL)
	if status != http.StatusOK || !strings.Contains(svg, "<svg") || !strings.Contains(svg, "李") {
		t.Fatalf("avatar: %d %s", status, svg)
	}
}

func TestAuthCodeURLAsksForGetUserInfo(t *testing.T) {
	c, err := qqconnect.New(qqconnect.Config{AppID: "101", AppKey: "k", RedirectURL: callback})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.AuthCodeURL("a b&c"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != qqconnect.DefaultAuthorizeURL || q.Get("response_type") != "code" ||
		q.Get("client_id") != "101" || q.Get("redirect_uri") != callback || q.Get("scope") != "get_user_info" || q.Get("state") != "a b&c" {
		t.Fatalf("AuthCodeURL = %s", u)
	}
}

func TestNewRefusesAnIncompleteConfig(t *testing.T) {
	for _, cfg := range []qqconnect.Config{
		{AppKey: "k", RedirectURL: callback},
		{AppID: "1", RedirectURL: callback},
		{AppID: "1", AppKey: "k"},
		{AppID: "1", AppKey: "k", RedirectURL: "/relative"},
		{AppID: "1", AppKey: "k", RedirectURL: callback, TokenURL: "ftp://x/token"},
	} {
		if _, err := qqconnect.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestACodeIsGoodOnce(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	c := sandboxClient(t, s, base, nil)
	code := codeFor(t, s, qqconnect.DefaultSandboxUsers()[0].OpenID, callback)
	if _, err := c.Identify(t.Context(), code); err != nil {
		t.Fatal(err)
	}
	_, err := c.Identify(t.Context(), code)
	wantBadCode(t, err)
	if !strings.Contains(err.Error(), "already used") {
		t.Fatalf("message %q does not say the login was used", err)
	}
}

func TestAnUnknownOrEmptyCodeIsBadField(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	c := sandboxClient(t, s, base, nil)
	_, err := c.Identify(t.Context(), "0123456789ABCDEF")
	wantBadCode(t, err)
	_, err = c.Identify(t.Context(), "")
	wantBadCode(t, err)
}

func TestAnExpiredCodeIsBadField(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	c := sandboxClient(t, s, base, nil)
	now := time.Now()
	s.Now = func() time.Time { return now }
	code := codeFor(t, s, qqconnect.DefaultSandboxUsers()[0].OpenID, callback)
	now = now.Add(qqconnect.SandboxCodeTTL)
	_, err := c.Identify(t.Context(), code)
	wantBadCode(t, err)
}

func TestACodeForAnotherRedirectIsBadField(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	c := sandboxClient(t, s, base, nil)
	code := codeFor(t, s, qqconnect.DefaultSandboxUsers()[0].OpenID, "https://evil.example/cb")
	_, err := c.Identify(t.Context(), code)
	wantBadCode(t, err)
}

// A wrong AppKey is the shop's misconfiguration, not the shopper's code:
// ErrMisconfigured, uncoded (INTERNAL), and the code is not spent, so the
// same login goes through once the key is right.
func TestAWrongAppKeyIsMisconfiguredAndSpendsNothing(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	bad := sandboxClient(t, s, base, func(c *qqconnect.Config) { c.AppKey = "wrong" })
	code := codeFor(t, s, qqconnect.DefaultSandboxUsers()[2].OpenID, callback)
	_, err := bad.Identify(t.Context(), code)
	if !errors.Is(err, qqconnect.ErrMisconfigured) || apperr.CodeOf(err) != "" || !strings.Contains(err.Error(), "100009") {
		t.Fatalf("wrong AppKey: %v (code %q)", err, apperr.CodeOf(err))
	}
	id, err := sandboxClient(t, s, base, nil).Identify(t.Context(), code)
	if err != nil || id.OpenID != qqconnect.DefaultSandboxUsers()[2].OpenID {
		t.Fatalf("the right key after a wrong one: %+v %v", id, err)
	}
}

func codeFor(t *testing.T, s *qqconnect.Sandbox, openID, redirect string) string {
	t.Helper()
	cb, err := s.Authorize(openID, redirect, "x")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("code")
}

// hangingServer accepts connections and never answers.
func hangingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

func TestAHangingQQIsUnavailableWithinTheTimeout(t *testing.T) {
	hung := hangingServer(t)
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	for _, step := range []string{"token", "me"} {
		t.Run(step, func(t *testing.T) {
			c := sandboxClient(t, s, base, func(c *qqconnect.Config) {
				c.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond}
				if step == "token" {
					c.TokenURL = hung + "/oauth2.0/token"
				} else {
					c.MeURL = hung + "/oauth2.0/me"
				}
			})
			code := codeFor(t, s, qqconnect.DefaultSandboxUsers()[0].OpenID, callback)
			start := time.Now()
			_, err := c.Identify(t.Context(), code)
			wantUnavailable(t, err)
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v for a 300ms timeout", d)
			}
		})
	}
	t.Run("context deadline", func(t *testing.T) {
		c := sandboxClient(t, s, base, func(c *qqconnect.Config) { c.TokenURL = hung + "/oauth2.0/token" })
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Identify(ctx, "ABC")
		wantUnavailable(t, err)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v for a 200ms deadline", d)
		}
	})
}

func TestAClosedListenerIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := qqconnect.New(qqconnect.Config{AppID: "1", AppKey: "k", RedirectURL: callback,
		TokenURL: "http://" + addr + "/oauth2.0/token"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Identify(t.Context(), "ABC")
	wantUnavailable(t, err)
}

// fakeQQ answers each endpoint with a fixed status and body, for answers
// the sandbox never gives.
func fakeQQ(t *testing.T, answers map[string]func(w http.ResponseWriter, r *http.Request)) *qqconnect.Client {
	t.Helper()
	return fakeQQLogging(t, answers, nil)
}

func fakeQQLogging(t *testing.T, answers map[string]func(w http.ResponseWriter, r *http.Request), log *slog.Logger) *qqconnect.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for suffix, h := range answers {
			if strings.HasSuffix(r.URL.Path, suffix) {
				h(w, r)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := qqconnect.New(qqconnect.Config{AppID: "101", AppKey: "k", RedirectURL: callback,
		TokenURL: srv.URL + "/oauth2.0/token", MeURL: srv.URL + "/oauth2.0/me", UserInfoURL: srv.URL + "/user/get_user_info",
		Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answer(status int, ctype, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

var (
	tokenJSON = answer(200, "text/html", `{"access_token":"TOK","expires_in":"7776000","refresh_token":"R"}`)
	meJSONP   = answer(200, "text/html", "callback( {\"client_id\":\"101\",\"openid\":\"OPENID1\"} );\n")
	infoOK    = answer(200, "application/json", `{"ret":0,"msg":"","nickname":"小红","figureurl_qq_1":"http://q.example/40","figureurl_qq_2":"http://q.example/100"}`)
)

func TestServerErrorsAreUnavailable(t *testing.T) {
	for name, answers := range map[string]map[string]func(http.ResponseWriter, *http.Request){
		"token 502":        {"/token": answer(502, "text/html", "<html>Bad Gateway</html>")},
		"token 503 json":   {"/token": answer(503, "application/json", `{"error":"temporarily_unavailable"}`)},
		"token gibberish":  {"/token": answer(200, "text/html", "<html>维护中</html>")},
		"token no token":   {"/token": answer(200, "text/html", `{"expires_in":"7776000"}`)},
		"me 500":           {"/token": tokenJSON, "/me": answer(500, "text/html", "oops")},
		"me gibberish":     {"/token": tokenJSON, "/me": answer(200, "text/html", "callback( nope );")},
		"me without id":    {"/token": tokenJSON, "/me": answer(200, "text/html", `{"client_id":"101"}`)},
		"token truncated":  {"/token": answer(200, "text/html", `{"access_token":"TO`)},
		"token plain 404s": {},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := fakeQQ(t, answers).Identify(t.Context(), "CODE")
			wantUnavailable(t, err)
		})
	}
}

func TestQQRefusalsInEachFormat(t *testing.T) {
	for name, body := range map[string]string{
		"jsonp":         "callback( {\"error\":100019,\"error_description\":\"code to access token error\"} );\n",
		"json":          `{"error":100020,"error_description":"code is reused error"}`,
		"string code":   `{"error":"100010","error_description":"redirect uri is illegal"}`,
		"unknown error": `{"error":100999,"error_description":"something new"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := fakeQQ(t, map[string]func(http.ResponseWriter, *http.Request){
				"/token": answer(200, "text/html", body)}).Identify(t.Context(), "CODE")
			wantBadCode(t, err)
		})
	}
	_, err := fakeQQ(t, map[string]func(http.ResponseWriter, *http.Request){
		"/token": answer(200, "text/html", `callback( {"error":100008,"error_description":"client_id does not exist"} );`)}).
		Identify(t.Context(), "CODE")
	if !errors.Is(err, qqconnect.ErrMisconfigured) {
		t.Fatalf("unknown AppID: %v", err)
	}
}

// The token as QQ sends it by default (form-encoded, labelled text/html)
// and me's JSONP form are both read.
func TestFormEncodedTokenAndJSONPMe(t *testing.T) {
	var tokenForm url.Values
	c := fakeQQ(t, map[string]func(http.ResponseWriter, *http.Request){
		"/token": func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			tokenForm = r.Form
			answer(200, "text/html; charset=utf-8", "access_token=TOK&expires_in=7776000&refresh_token=R")(w, r)
		},
		"/me": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("access_token") != "TOK" {
				http.Error(w, "wrong token", 400)
				return
			}
			meJSONP(w, r)
		},
		"/get_user_info": infoOK,
	})
	id, err := c.Identify(t.Context(), "CODE")
	if err != nil {
		t.Fatal(err)
	}
	if id != (qqconnect.Identity{OpenID: "OPENID1", Nickname: "小红", AvatarURL: "http://q.example/40"}) {
		t.Fatalf("identity %+v", id)
	}
	for k, v := range map[string]string{"grant_type": "authorization_code", "client_id": "101", "client_secret": "k",
		"code": "CODE", "redirect_uri": callback} {
		if tokenForm.Get(k) != v {
			t.Errorf("token request %s = %q, want %q", k, tokenForm.Get(k), v)
		}
	}
}

func TestAMeForAnotherAppIsRefused(t *testing.T) {
	_, err := fakeQQ(t, map[string]func(http.ResponseWriter, *http.Request){
		"/token":         tokenJSON,
		"/me":            answer(200, "text/html", `callback( {"client_id":"999","openid":"OPENID1"} );`),
		"/get_user_info": infoOK,
	}).Identify(t.Context(), "CODE")
	if !errors.Is(err, qqconnect.ErrClientMismatch) || apperr.CodeOf(err) != "" {
		t.Fatalf("client_id mismatch: %v (code %q)", err, apperr.CodeOf(err))
	}
}

func TestMeRefusingTheTokenIsBadField(t *testing.T) {
	_, err := fakeQQ(t, map[string]func(http.ResponseWriter, *http.Request){
		"/token": tokenJSON,
		"/me":    answer(200, "text/html", `callback( {"error":100016,"error_description":"access token check failed"} );`),
	}).Identify(t.Context(), "CODE")
	wantBadCode(t, err)
}

// get_user_info failing in any way still signs the shopper in, and the
// log says why.
func TestUserInfoFailureIsNotFatal(t *testing.T) {
	for name, c := range map[string]struct {
		h       func(http.ResponseWriter, *http.Request)
		logSays string
	}{
		"500":       {answer(500, "text/html", "oops"), "500 Internal Server Error"},
		"ret":       {answer(200, "application/json", `{"ret":-1,"msg":"client request's parameters are invalid"}`), "ret -1"},
		"gibberish": {answer(200, "application/json", `<html>`), "unreadable answer"},
	} {
		t.Run(name, func(t *testing.T) {
			var logged bytes.Buffer
			id, err := fakeQQLogging(t, map[string]func(http.ResponseWriter, *http.Request){
				"/token": tokenJSON, "/me": meJSONP, "/get_user_info": c.h},
				slog.New(slog.NewTextHandler(&logged, nil))).Identify(t.Context(), "CODE")
			if err != nil || id != (qqconnect.Identity{OpenID: "OPENID1"}) {
				t.Fatalf("%+v %v", id, err)
			}
			if !strings.Contains(logged.String(), "get_user_info") || !strings.Contains(logged.String(), c.logSays) {
				t.Fatalf("log %q does not say %q", logged.String(), c.logSays)
			}
		})
	}
}
