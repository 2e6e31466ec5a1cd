package qqconnect

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Sandbox is an offline stand-in for QQ Connect with fake users, for the
// embedded mode and the tests. It speaks QQ's wire format, so Client works
// against it unchanged when pointed at Endpoints:
//
//   - authorize (GET) checks response_type=code, client_id and redirect_uri
//     and renders a page listing the users, plus a form for a new openid and
//     nickname (no script, no external assets). Choosing one (POST) answers
//     303 to redirect_uri?code=...&state=..., state unchanged.
//   - Codes are random, good once, for SandboxCodeTTL, for the client_id and
//     redirect_uri they were issued with.
//   - token (GET as QQ documents, or POST as oauth2 sends) checks grant_type,
//     client_id, client_secret, code and redirect_uri and answers as QQ
//     does: form-encoded by default, JSON with fmt=json, errors as
//     `callback( {"error":N,"error_description":"..."} );` (plain JSON with
//     fmt=json), all with HTTP 200. The error numbers are those of QQ's
//     public return-code table; the descriptions are the sandbox's own.
//     The app's credentials are checked before the code, so a request with
//     a wrong AppKey does not spend the code.
//   - me (JSONP by default, JSON with fmt=json) and user/get_user_info
//     (JSON) answer for tokens it issued and QQ-style errors otherwise; the
//     avatar get_user_info names is an SVG the sandbox serves itself, at the
//     host and prefix the get_user_info request came to.
//
// State lives in memory. Handler routes on the end of the path, so it may
// be mounted at any prefix, with or without http.StripPrefix.
type Sandbox struct {
	// Now is the sandbox's clock (codes and tokens expire by it). Tests
	// move it; set it before serving.
	Now func() time.Time

	appID, appKey string
	log           *slog.Logger

	mu     sync.Mutex
	users  []SandboxUser // in page order
	known  map[string]int
	codes  map[string]*sandboxCode
	tokens map[string]*sandboxToken
}

// SandboxConfig configures a Sandbox.
type SandboxConfig struct {
	// AppID and AppKey are the only app credentials accepted. Empty:
	// SandboxAppID and SandboxAppKey.
	AppID, AppKey string
	// Users are listed on the authorize page. Nil: three fake users with
	// Chinese nicknames (DefaultSandboxUsers). Users without an OpenID are
	// skipped; of two with one OpenID the first counts.
	Users []SandboxUser
	// Log receives what the sandbox does. Nil: discarded.
	Log *slog.Logger
}

// SandboxUser is a fake QQ account.
type SandboxUser struct{ OpenID, Nickname string }

const (
	// SandboxAppID and SandboxAppKey are the credentials when the config
	// names none.
	SandboxAppID  = "101000000"
	SandboxAppKey = "sandbox-qq-app-key"
	// SandboxCodeTTL is how long a code can be exchanged (QQ: 10 minutes).
	SandboxCodeTTL = 10 * time.Minute
	// SandboxTokenTTL is an access token's life (QQ: 3 months).
	SandboxTokenTTL = 7776000 * time.Second
	openIDChars     = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"
	// defaultNickname names a typed-in user without a nickname.
	defaultNickname = "QQ用户"
)

// DefaultSandboxUsers are the users when SandboxConfig.Users is nil. Their
// openids are fixed, so an embedded shop that links them to accounts finds
// them again after a restart.
func DefaultSandboxUsers() []SandboxUser {
	return []SandboxUser{
		{OpenID: "4F1C9A2B7D3E4F5A8B6C0D1E2F3A4B5C", Nickname: "张小明"},
		{OpenID: "9E8D7C6B5A4F3E2D1C0B9A8F7E6D5C4B", Nickname: "李雷"},
		{OpenID: "1A2B3C4D5E6F708192A3B4C5D6E7F801", Nickname: "韩梅梅"},
	}
}

type sandboxCode struct {
	openID, clientID, redirectURI string
	expires                       time.Time
	used                          bool
}

type sandboxToken struct {
	openID  string
	expires time.Time
}

// NewSandbox builds a sandbox.
func NewSandbox(cfg SandboxConfig) *Sandbox {
	s := &Sandbox{
		Now:    time.Now,
		appID:  cfg.AppID,
		appKey: cfg.AppKey,
		log:    cfg.Log,
		known:  map[string]int{},
		codes:  map[string]*sandboxCode{},
		tokens: map[string]*sandboxToken{},
	}
	if s.appID == "" {
		s.appID = SandboxAppID
	}
	if s.appKey == "" {
		s.appKey = SandboxAppKey
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	users := cfg.Users
	if users == nil {
		users = DefaultSandboxUsers()
	}
	for _, u := range users {
		if u.OpenID != "" {
			s.addUserLocked(u)
		}
	}
	return s
}

// AppID is the client_id the sandbox accepts.
func (s *Sandbox) AppID() string { return s.appID }

// AppKey is the client_secret the sandbox accepts.
func (s *Sandbox) AppKey() string { return s.appKey }

// Users are the fake users, typed-in ones included, in page order.
func (s *Sandbox) Users() []SandboxUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SandboxUser(nil), s.users...)
}

// Endpoints are the URLs to put in Config for a sandbox whose Handler is
// served at base (for example "http://127.0.0.1:8080/qq-sandbox").
func (s *Sandbox) Endpoints(base string) (authorize, token, me, userInfo string) {
	b := strings.TrimRight(base, "/")
	return b + "/authorize", b + "/token", b + "/me", b + "/user/get_user_info"
}

// Handler serves the sandbox: .../authorize, .../token, .../me,
// .../user/get_user_info and .../avatar, matched on the end of the path.
func (s *Sandbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case endsWith(p, "user/get_user_info"):
			s.serveUserInfo(w, r)
		case endsWith(p, "authorize"):
			s.serveAuthorize(w, r)
		case endsWith(p, "token"):
			s.serveToken(w, r)
		case endsWith(p, "me"):
			s.serveMe(w, r)
		case endsWith(p, "avatar"):
			s.serveAvatar(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// endsWith reports whether path p ends with the segments tail.
func endsWith(p, tail string) bool { return p == tail || strings.HasSuffix(p, "/"+tail) }

// Authorize is what choosing openID on the authorize page does, for tests
// that do not drive HTML: it issues a code for the sandbox's own AppID and
// returns redirectURI with code and state. An openID not yet listed is
// added, named defaultNickname.
func (s *Sandbox) Authorize(openID, redirectURI, state string) (callbackURL string, err error) {
	if e := checkRedirect(redirectURI); e != nil {
		return "", e
	}
	return s.issue(s.appID, openID, "", redirectURI, state)
}

// qqErr is an answer QQ gives instead of what was asked.
type qqErr struct {
	Code int    `json:"error"`
	Desc string `json:"error_description"`
}

func (e *qqErr) Error() string { return fmt.Sprintf("qq sandbox: %d %s", e.Code, e.Desc) }

func checkRedirect(redirectURI string) *qqErr {
	if redirectURI == "" {
		return &qqErr{100010, "redirect uri is missing"}
	}
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &qqErr{100010, "redirect uri is illegal"}
	}
	return nil
}

// checkOpenID keeps typed openids to what fits a URL and a database
// column: QQ's are 32 hex digits, the sandbox takes up to 64 of [A-Za-z0-9_-].
func checkOpenID(openID string) error {
	if openID == "" || len(openID) > 64 {
		return errors.New("qq sandbox: openid must be 1 to 64 characters")
	}
	if strings.TrimLeft(openID, openIDChars) != "" {
		return errors.New("qq sandbox: openid may hold only letters, digits, _ and -")
	}
	return nil
}

// issue makes a code for openID (adding the user, or renaming it when a
// nickname is given) and returns the callback URL.
func (s *Sandbox) issue(clientID, openID, nickname, redirectURI, state string) (string, error) {
	if err := checkOpenID(openID); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(nickname) > 32 {
		return "", errors.New("qq sandbox: nickname longer than 32 characters")
	}
	u, err := url.Parse(redirectURI)
	if err != nil {
		return "", err
	}
	code := randomHex(16)
	now := s.Now()
	s.mu.Lock()
	if i, ok := s.known[openID]; !ok {
		s.addUserLocked(SandboxUser{OpenID: openID, Nickname: nickname})
	} else if nickname != "" {
		s.users[i].Nickname = nickname
	}
	for k, c := range s.codes { // few codes live at once: pruning here is cheap
		if !now.Before(c.expires) {
			delete(s.codes, k)
		}
	}
	s.codes[code] = &sandboxCode{openID: openID, clientID: clientID, redirectURI: redirectURI,
		expires: now.Add(SandboxCodeTTL)}
	s.mu.Unlock()
	s.log.Info("qq sandbox: code issued", "openid", openID, "redirect_uri", redirectURI)
	q := u.Query()
	q.Set("code", code)
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (s *Sandbox) addUserLocked(u SandboxUser) {
	if _, dup := s.known[u.OpenID]; dup {
		return
	}
	if u.Nickname == "" {
		u.Nickname = defaultNickname
	}
	s.known[u.OpenID] = len(s.users)
	s.users = append(s.users, u)
}

// exchange spends a code for a token.
func (s *Sandbox) exchange(f url.Values) (token string, openID string, e *qqErr) {
	switch {
	case f.Get("grant_type") != "authorization_code":
		return "", "", &qqErr{100004, "grant_type is missing or illegal"}
	case f.Get("client_id") == "":
		return "", "", &qqErr{100001, "client_id is missing"}
	case f.Get("client_secret") == "":
		return "", "", &qqErr{100002, "client_secret is missing"}
	case f.Get("code") == "":
		return "", "", &qqErr{100005, "code is missing"}
	case f.Get("redirect_uri") == "":
		return "", "", &qqErr{100010, "redirect uri is missing"}
	case f.Get("client_id") != s.appID:
		return "", "", &qqErr{100008, "client_id does not exist"}
	case subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.appKey)) != 1:
		return "", "", &qqErr{100009, "client_secret is illegal"}
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.codes[f.Get("code")]
	switch {
	case c == nil || !now.Before(c.expires):
		return "", "", &qqErr{100019, "code to access token error"}
	case c.used:
		return "", "", &qqErr{100020, "code is reused error"}
	}
	// Spent by the first exchange that names it with the app's
	// credentials, whatever it says next: a guess at the redirect address
	// gets one try.
	c.used = true
	switch {
	case c.clientID != f.Get("client_id"):
		return "", "", &qqErr{100019, "code to access token error"}
	case c.redirectURI != f.Get("redirect_uri"):
		return "", "", &qqErr{100010, "redirect uri is illegal"}
	}
	for k, t := range s.tokens {
		if !now.Before(t.expires) {
			delete(s.tokens, k)
		}
	}
	token = randomHex(16)
	s.tokens[token] = &sandboxToken{openID: c.openID, expires: now.Add(SandboxTokenTTL)}
	return token, c.openID, nil
}

// tokenOwner is the openid a live token was issued for.
func (s *Sandbox) tokenOwner(token string) (string, *qqErr) {
	if token == "" {
		return "", &qqErr{100007, "access token is missing"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[token]
	switch {
	case t == nil:
		return "", &qqErr{100016, "access token check failed"}
	case !s.Now().Before(t.expires):
		return "", &qqErr{100014, "access token is expired"}
	}
	return t.openID, nil
}

func (s *Sandbox) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f := r.Form // QQ reads the query string and the body alike
	asJSON := f.Get("fmt") == "json"
	token, openID, e := s.exchange(f)
	if e != nil {
		s.log.Warn("qq sandbox: token refused", "error", e.Code, "error_description", e.Desc)
		writeQQ(w, asJSON, e)
		return
	}
	expires := strconv.Itoa(int(SandboxTokenTTL / time.Second))
	v := url.Values{"access_token": {token}, "expires_in": {expires}, "refresh_token": {randomHex(16)}}
	if f.Get("need_openid") == "1" {
		v.Set("openid", openID)
	}
	if asJSON {
		m := map[string]string{}
		for k := range v {
			m[k] = v.Get(k)
		}
		writeQQ(w, true, m)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(v.Encode()))
}

func (s *Sandbox) serveMe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	openID, e := s.tokenOwner(q.Get("access_token"))
	if e != nil {
		writeQQ(w, q.Get("fmt") == "json", e)
		return
	}
	writeQQ(w, q.Get("fmt") == "json", map[string]string{"client_id": s.appID, "openid": openID})
}

// writeQQ answers v as QQ's oauth2.0 endpoints do: HTTP 200 whatever
// happened, JSON with fmt=json, else JSONP.
func writeQQ(w http.ResponseWriter, asJSON bool, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !asJSON {
		b = []byte("callback( " + string(b) + " );\n")
	}
	_, _ = w.Write(b)
}

func (s *Sandbox) serveUserInfo(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	answer := func(v any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(v)
	}
	refuse := func(ret int, msg string) { answer(map[string]any{"ret": ret, "msg": msg}) }
	if q.Get("access_token") == "" || q.Get("oauth_consumer_key") == "" || q.Get("openid") == "" {
		refuse(-1, "client request's parameters are invalid: access_token, oauth_consumer_key and openid are required")
		return
	}
	if q.Get("oauth_consumer_key") != s.appID {
		refuse(100008, "client_id does not exist")
		return
	}
	openID, e := s.tokenOwner(q.Get("access_token"))
	if e != nil {
		refuse(e.Code, e.Desc)
		return
	}
	if openID != q.Get("openid") {
		refuse(-22, "openid is not the token's")
		return
	}
	s.mu.Lock()
	nick := s.users[s.known[openID]].Nickname
	s.mu.Unlock()
	avatar := avatarURL(r, openID)
	answer(map[string]any{"ret": 0, "msg": "", "is_lost": 0, "nickname": nick,
		"figureurl_qq": avatar, "figureurl_qq_1": avatar, "figureurl_qq_2": avatar})
}

// avatarURL is the sandbox's own avatar for openID, next to the
// get_user_info URL this request came to. RequestURI keeps the prefix
// http.StripPrefix took off the path.
func avatarURL(r *http.Request, openID string) string {
	p, _, _ := strings.Cut(r.RequestURI, "?")
	if p == "" {
		p = r.URL.Path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(p, "user/get_user_info") + "avatar?openid=" + url.QueryEscape(openID)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return strings.ToUpper(hex.EncodeToString(b))
}
