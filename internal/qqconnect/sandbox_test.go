package qqconnect_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/qqconnect"
)

func authorizeQuery(s *qqconnect.Sandbox, state string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {s.AppID()}, "redirect_uri": {callback},
		"state": {state}, "scope": {"get_user_info"}}
}

// TestAuthorizePageEscapesHostileInput: a nickname and a state made to
// break out of the page are shown as text, and the state goes back to the
// redirect unchanged and properly escaped.
func TestAuthorizePageEscapesHostileInput(t *testing.T) {
	const nick = `<script>alert("nick")</script>`
	const state = `"><script>alert(1)</script>&x=1#frag`
	s, base := sandboxServer(t, qqconnect.SandboxConfig{Users: []qqconnect.SandboxUser{
		{OpenID: "OPEN1", Nickname: nick}, {OpenID: "OPEN2", Nickname: "王小二"}}})
	authorize, _, _, _ := s.Endpoints(base)
	q := authorizeQuery(s, state)

	status, page := get(t, authorize+"?"+q.Encode())
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, page)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, `"><script`) {
		t.Fatalf("hostile input reached the page unescaped:\n%s", page)
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;nick&#34;)&lt;/script&gt;") || !strings.Contains(page, "王小二") {
		t.Fatalf("the users are not listed as text:\n%s", page)
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "<link") || strings.Contains(page, "<img") {
		t.Fatal("the page needs script or external assets")
	}

	q.Set("openid", "OPEN1")
	resp, err := noRedirects.PostForm(authorize, q)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	raw := resp.Header.Get("Location")
	loc, err := url.Parse(raw)
	if resp.StatusCode != http.StatusSeeOther || err != nil || strings.ContainsAny(raw, `"<> #`) {
		t.Fatalf("redirect %d %q", resp.StatusCode, raw)
	}
	if loc.Query().Get("state") != state || loc.Fragment != "" {
		t.Fatalf("state came back as %q (fragment %q)", loc.Query().Get("state"), loc.Fragment)
	}
}

func TestAuthorizeChecksTheRequest(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	authorize, _, _, _ := s.Endpoints(base)
	for name, edit := range map[string]func(url.Values){
		"no response_type":    func(q url.Values) { q.Del("response_type") },
		"token response_type": func(q url.Values) { q.Set("response_type", "token") },
		"no client_id":        func(q url.Values) { q.Del("client_id") },
		"other client_id":     func(q url.Values) { q.Set("client_id", "999") },
		"no redirect_uri":     func(q url.Values) { q.Del("redirect_uri") },
		"script redirect_uri": func(q url.Values) { q.Set("redirect_uri", "javascript:alert(1)") },
	} {
		t.Run(name, func(t *testing.T) {
			q := authorizeQuery(s, "s")
			edit(q)
			status, page := get(t, authorize+"?"+q.Encode())
			if status != http.StatusBadRequest || !strings.Contains(page, "error 1000") ||
				strings.Contains(page, qqconnect.DefaultSandboxUsers()[0].OpenID) {
				t.Fatalf("%d %s", status, page)
			}
			q.Set("openid", qqconnect.DefaultSandboxUsers()[0].OpenID)
			resp, err := noRedirects.PostForm(authorize, q)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("choice on a refused request: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// A user typed into the form signs in with that nickname and is listed
// from then on; an openid that is not one is refused on the page.
func TestATypedInUserSignsIn(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	c := sandboxClient(t, s, base, nil)
	authorize, _, _, _ := s.Endpoints(base)

	q := authorizeQuery(s, "s")
	q.Set("openid", "bad openid<")
	resp, err := noRedirects.PostForm(authorize, q)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad openid: %d", resp.StatusCode)
	}

	q.Set("openid", "NEWUSER42")
	q.Set("nickname", "  赵六  ")
	resp, err = noRedirects.PostForm(authorize, q)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	id, err := c.Identify(t.Context(), loc.Query().Get("code"))
	if err != nil || id.OpenID != "NEWUSER42" || id.Nickname != "赵六" {
		t.Fatalf("%+v %v", id, err)
	}
	if _, page := get(t, authorize+"?"+authorizeQuery(s, "s").Encode()); !strings.Contains(page, "NEWUSER42") {
		t.Fatal("the typed-in user is not listed")
	}
}

func sandboxGet(t *testing.T, endpoint string, q url.Values) string {
	t.Helper()
	status, body := get(t, endpoint+"?"+q.Encode())
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", endpoint, status, body)
	}
	return body
}

// The token endpoint answers as QQ documents: form-encoded, JSON with
// fmt=json, refusals as JSONP or JSON, all with 200.
func TestSandboxTokenEndpointSpeaksQQ(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	_, token, _, _ := s.Endpoints(base)
	req := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {s.AppID()},
			"client_secret": {s.AppKey()}, "code": {code}, "redirect_uri": {callback}}
	}
	openID := qqconnect.DefaultSandboxUsers()[0].OpenID

	v, err := url.ParseQuery(sandboxGet(t, token, req(codeFor(t, s, openID, callback))))
	if err != nil || v.Get("access_token") == "" || v.Get("expires_in") != "7776000" || v.Get("refresh_token") == "" {
		t.Fatalf("form answer %v %v", v, err)
	}

	q := req(codeFor(t, s, openID, callback))
	q.Set("fmt", "json")
	q.Set("need_openid", "1")
	var j map[string]string
	if err := json.Unmarshal([]byte(sandboxGet(t, token, q)), &j); err != nil || j["access_token"] == "" || j["openid"] != openID {
		t.Fatalf("json answer %v %v", j, err)
	}

	for name, c := range map[string]struct {
		edit func(url.Values)
		want string
	}{
		"used code":       {func(url.Values) {}, `"error":100020`},
		"unknown code":    {func(q url.Values) { q.Set("code", "NOPE") }, `"error":100019`},
		"grant_type":      {func(q url.Values) { q.Set("grant_type", "password") }, `"error":100004`},
		"no secret":       {func(q url.Values) { q.Del("client_secret") }, `"error":100002`},
		"wrong secret":    {func(q url.Values) { q.Set("client_secret", "x") }, `"error":100009`},
		"other client_id": {func(q url.Values) { q.Set("client_id", "1") }, `"error":100008`},
		"no redirect":     {func(q url.Values) { q.Del("redirect_uri") }, `"error":100010`},
	} {
		t.Run(name, func(t *testing.T) {
			q := req(codeFromSpent(t, s, token, req))
			c.edit(q)
			body := sandboxGet(t, token, q)
			if !strings.HasPrefix(body, "callback( {") || !strings.Contains(body, c.want) || !strings.HasSuffix(body, "} );\n") {
				t.Fatalf("JSONP refusal %q, want %s", body, c.want)
			}
			q.Set("fmt", "json")
			var e struct {
				Error int    `json:"error"`
				Desc  string `json:"error_description"`
			}
			if err := json.Unmarshal([]byte(sandboxGet(t, token, q)), &e); err != nil || e.Error == 0 || e.Desc == "" {
				t.Fatalf("JSON refusal %+v %v", e, err)
			}
		})
	}
}

// codeFromSpent is a code already exchanged once.
func codeFromSpent(t *testing.T, s *qqconnect.Sandbox, token string, req func(string) url.Values) string {
	t.Helper()
	code := codeFor(t, s, qqconnect.DefaultSandboxUsers()[0].OpenID, callback)
	sandboxGet(t, token, req(code))
	return code
}

func TestSandboxMeAndUserInfoAnswerOnlyForItsTokens(t *testing.T) {
	s, base := sandboxServer(t, qqconnect.SandboxConfig{})
	now := time.Now()
	s.Now = func() time.Time { return now }
	_, token, me, info := s.Endpoints(base)
	user := qqconnect.DefaultSandboxUsers()[1]
	tv, err := url.ParseQuery(sandboxGet(t, token, url.Values{"grant_type": {"authorization_code"},
		"client_id": {s.AppID()}, "client_secret": {s.AppKey()}, "code": {codeFor(t, s, user.OpenID, callback)},
		"redirect_uri": {callback}}))
	if err != nil {
		t.Fatal(err)
	}
	tok := tv.Get("access_token")

	if got := sandboxGet(t, me, url.Values{"access_token": {tok}}); got != `callback( {"client_id":"`+s.AppID()+`","openid":"`+user.OpenID+`"} );`+"\n" {
		t.Fatalf("me JSONP %q", got)
	}
	if got := sandboxGet(t, me, url.Values{"access_token": {"FORGED"}, "fmt": {"json"}}); !strings.Contains(got, `"error":100016`) {
		t.Fatalf("me for a forged token %q", got)
	}
	ok := url.Values{"access_token": {tok}, "oauth_consumer_key": {s.AppID()}, "openid": {user.OpenID}}
	var answer struct {
		Ret      int    `json:"ret"`
		Nickname string `json:"nickname"`
	}
	if err := json.Unmarshal([]byte(sandboxGet(t, info, ok)), &answer); err != nil || answer.Ret != 0 || answer.Nickname != user.Nickname {
		t.Fatalf("get_user_info %+v %v", answer, err)
	}
	for name, edit := range map[string]func(url.Values){
		"forged token":   func(q url.Values) { q.Set("access_token", "FORGED") },
		"other openid":   func(q url.Values) { q.Set("openid", qqconnect.DefaultSandboxUsers()[0].OpenID) },
		"other consumer": func(q url.Values) { q.Set("oauth_consumer_key", "1") },
		"no openid":      func(q url.Values) { q.Del("openid") },
	} {
		q := url.Values{}
		for k, v := range ok {
			q[k] = v
		}
		edit(q)
		answer.Ret = 0
		if err := json.Unmarshal([]byte(sandboxGet(t, info, q)), &answer); err != nil || answer.Ret == 0 {
			t.Errorf("%s: get_user_info answered ret %d %v", name, answer.Ret, err)
		}
	}
	now = now.Add(qqconnect.SandboxTokenTTL)
	if got := sandboxGet(t, me, url.Values{"access_token": {tok}}); !strings.Contains(got, `"error":100014`) {
		t.Fatalf("me for an expired token %q", got)
	}
}

// Behind http.StripPrefix the sandbox works the same, and the avatar URL
// it gives out still has the prefix.
func TestSandboxUnderStripPrefix(t *testing.T) {
	s := qqconnect.NewSandbox(qqconnect.SandboxConfig{AppID: "202", AppKey: "secret"})
	mux := http.NewServeMux()
	mux.Handle("/qq-sandbox/", http.StripPrefix("/qq-sandbox", s.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := srv.URL + "/qq-sandbox/"
	c := sandboxClient(t, s, base, nil)
	id, err := c.Identify(t.Context(), codeFor(t, s, qqconnect.DefaultSandboxUsers()[0].OpenID, callback))
	if err != nil || id.Nickname != qqconnect.DefaultSandboxUsers()[0].Nickname || !strings.HasPrefix(id.AvatarURL, srv.URL+"/qq-sandbox/avatar?") {
		t.Fatalf("%+v %v", id, err)
	}
	if status, _ := get(t, id.AvatarURL); status != http.StatusOK {
		t.Fatalf("avatar %d", status)
	}
}
