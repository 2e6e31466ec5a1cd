package qqconnect

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// authRequest is what the app's authorize URL carries; the page carries it
// on in hidden fields.
type authRequest struct {
	ResponseType, ClientID, RedirectURI, State, Scope string
}

func readAuthRequest(f url.Values) authRequest {
	return authRequest{ResponseType: f.Get("response_type"), ClientID: f.Get("client_id"),
		RedirectURI: f.Get("redirect_uri"), State: f.Get("state"), Scope: f.Get("scope")}
}

// check is QQ's checking of an authorize request, before any user is shown.
func (s *Sandbox) check(a authRequest) *qqErr {
	switch {
	case a.ResponseType != "code":
		return &qqErr{100000, "response_type is missing or illegal"}
	case a.ClientID == "":
		return &qqErr{100001, "client_id is missing"}
	case a.ClientID != s.appID:
		return &qqErr{100008, "client_id does not exist"}
	}
	return checkRedirect(a.RedirectURI)
}

// serveAuthorize renders the login page (GET) and takes the choice of a
// user (POST).
func (s *Sandbox) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := readAuthRequest(r.Form)
	if e := s.check(a); e != nil {
		s.log.Warn("qq sandbox: authorize refused", "error", e.Code, "error_description", e.Desc)
		s.renderPage(w, http.StatusBadRequest, pageData{Req: a, AppID: s.appID, Error: e})
		return
	}
	if r.Method == http.MethodGet {
		s.renderPage(w, http.StatusOK, pageData{Req: a, AppID: s.appID, Users: s.Users()})
		return
	}
	openID := strings.TrimSpace(r.PostForm.Get("openid"))
	nickname := strings.TrimSpace(r.PostForm.Get("nickname"))
	cb, err := s.issue(a.ClientID, openID, nickname, a.RedirectURI, a.State)
	if err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Req: a, AppID: s.appID, Users: s.Users(),
			Problem: err.Error(), OpenID: openID, Nickname: nickname})
		return
	}
	http.Redirect(w, r, cb, http.StatusSeeOther)
}

// serveAvatar draws a user's avatar: the nickname's first character on a
// disc, as SVG, so the shop shows something without leaving the machine.
func (s *Sandbox) serveAvatar(w http.ResponseWriter, r *http.Request) {
	openID := r.URL.Query().Get("openid")
	s.mu.Lock()
	i, ok := s.known[openID]
	var nick string
	if ok {
		nick = s.users[i].Nickname
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	first, _ := utf8.DecodeRuneInString(nick)
	var b strings.Builder
	if err := avatarTmpl.Execute(&b, string(first)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write([]byte(b.String()))
}

type pageData struct {
	Req      authRequest
	AppID    string
	Users    []SandboxUser
	Error    *qqErr // the request itself is refused: no users shown
	Problem  string // the choice was refused: the page again
	OpenID   string
	Nickname string
}

func (s *Sandbox) renderPage(w http.ResponseWriter, status int, d pageData) {
	var b strings.Builder
	if err := pageTmpl.Execute(&b, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// The avatar is an SVG document: text/template would not escape the
// character, html/template does (a nickname may hold "<").
var avatarTmpl = template.Must(template.New("avatar").Parse(`<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">` +
	`<circle cx="50" cy="50" r="50" fill="#12b7f5"/>` +
	`<text x="50" y="50" dy=".35em" text-anchor="middle" font-size="48" fill="#fff" font-family="sans-serif">{{.}}</text></svg>`))

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QQ登录 · QQ sandbox</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;background:#f2f4f7;color:#222;margin:0}
header{background:#12b7f5;color:#fff;padding:12px 24px;font-weight:600}
header small{font-weight:400;opacity:.85;margin-left:8px}
main{max-width:480px;margin:32px auto;background:#fff;border-radius:8px;padding:24px 32px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 8px}
p.lead{color:#666;margin:0 0 20px}
ul{list-style:none;padding:0;margin:0 0 24px}
li{margin:0 0 10px}
li form button{width:100%;text-align:left;background:#f7fbff;color:#222;border:1px solid #d6ecfa;border-radius:6px;padding:10px 14px;font-size:16px;cursor:pointer}
li form button small{display:block;color:#888;font-size:12px;margin-top:2px;word-break:break-all}
fieldset{border:1px solid #eee;border-radius:6px;padding:12px 16px}
label{display:block;margin:0 0 10px;color:#555}
input[type=text]{display:block;width:100%;box-sizing:border-box;padding:8px;margin-top:4px;border:1px solid #ccc;border-radius:4px;font-size:15px}
button.go{background:#12b7f5;color:#fff;border:0;border-radius:6px;padding:10px 28px;font-size:16px;cursor:pointer}
.err{padding:10px 14px;border-radius:6px;background:#fff2f0;border:1px solid #ffccc7;margin-bottom:16px}
footer{text-align:center;color:#999;font-size:12px;margin:16px}
</style>
</head>
<body>
<header>QQ登录<small>QQ sandbox — local fake accounts, no Tencent server is asked</small></header>
<main>
{{- if .Error}}
<h1>登录失败 / Login refused</h1>
<div class="err"><strong>error {{.Error.Code}}</strong>: {{.Error.Desc}}</div>
{{- else}}
<h1>选择QQ帐号 / Choose a QQ account</h1>
<p class="lead">应用 {{.AppID}} 将获得你的昵称和头像 (scope: {{if .Req.Scope}}{{.Req.Scope}}{{else}}get_user_info{{end}}).</p>
{{- if .Problem}}<div class="err">{{.Problem}}</div>{{end}}
<ul>
{{- range .Users}}
<li><form method="post" action="authorize">
{{template "hidden" $.Req}}<input type="hidden" name="openid" value="{{.OpenID}}">
<button type="submit">{{.Nickname}}<small>openid {{.OpenID}}</small></button>
</form></li>
{{- end}}
</ul>
<form method="post" action="authorize">
{{template "hidden" .Req}}
<fieldset>
<label>openid<input type="text" name="openid" value="{{.OpenID}}" required maxlength="64" pattern="[A-Za-z0-9_\-]+"></label>
<label>昵称 / nickname<input type="text" name="nickname" value="{{.Nickname}}" maxlength="32"></label>
<button class="go" type="submit">授权并登录 / Log in</button>
</fieldset>
</form>
{{- end}}
</main>
<footer>redirect_uri: {{.Req.RedirectURI}}</footer>
</body>
</html>
{{define "hidden"}}<input type="hidden" name="response_type" value="{{.ResponseType}}">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="scope" value="{{.Scope}}">
{{end}}`))
