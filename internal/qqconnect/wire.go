package qqconnect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/storefront/storefront/internal/apperr"
)

// maxBody caps what is read of any answer from QQ (oauth2 caps its own
// the same way).
const maxBody = 1 << 20

// qqCode is QQ's error code: a number in its answers, a string in some
// copies of them; either reads as its decimal text.
type qqCode string

func (c *qqCode) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*c = qqCode(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*c = qqCode(s)
	return nil
}

// failed reports whether c is an error code (QQ never sends 0 as an
// error, but a "0" would mean none).
func (c qqCode) failed() bool { return c != "" && c != "0" }

// unwrapJSONP returns the JSON inside QQ's `callback( {...} );` form, or b
// itself (trimmed) when it is not wrapped.
func unwrapJSONP(b []byte) []byte {
	b = bytes.TrimSpace(b)
	rest, ok := bytes.CutPrefix(b, []byte("callback"))
	if !ok {
		return b
	}
	rest = bytes.TrimSpace(rest)
	rest, ok = bytes.CutPrefix(rest, []byte("("))
	if !ok {
		return b
	}
	rest = bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(";"))
	rest, ok = bytes.CutSuffix(bytes.TrimSpace(rest), []byte(")"))
	if !ok {
		return b
	}
	return bytes.TrimSpace(rest)
}

// qqTokenTransport rewrites the token endpoint's 2xx answers into what
// oauth2 reads: a form-encoded token is labelled as such (QQ serves it as
// text/html, which oauth2 would read as JSON), JSONP is unwrapped, and a
// numeric "error" becomes RFC 6749's string error, so oauth2 returns a
// RetrieveError carrying QQ's code instead of "cannot parse json". Other
// answers pass untouched: a 5xx stays a RetrieveError without a code.
type qqTokenTransport struct{ base http.RoundTripper }

func (t qqTokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	ctype := resp.Header.Get("Content-Type")
	if j := unwrapJSONP(body); len(j) > 0 && j[0] == '{' {
		ctype = "application/json"
		var e struct {
			Error       qqCode `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(j, &e) == nil && e.Error.failed() {
			j, _ = json.Marshal(map[string]string{"error": string(e.Error), "error_description": e.Description})
		}
		body = j
	} else if v, err := url.ParseQuery(string(bytes.TrimSpace(body))); err == nil && v.Get("access_token") != "" {
		ctype = "application/x-www-form-urlencoded"
	}
	resp.Header = resp.Header.Clone()
	resp.Header.Set("Content-Type", ctype)
	resp.Header.Del("Content-Length")
	resp.ContentLength = int64(len(body))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// get asks one of QQ's GET endpoints and returns the JSON of its 2xx
// answer (unwrapped from JSONP). Failures are Unavailable.
func (c *Client) get(ctx context.Context, endpoint string, q url.Values) ([]byte, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	all := u.Query()
	for k, v := range q {
		all[k] = v
	}
	u.RawQuery = all.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, apperr.Unavailable{Cause: redact(err)}
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, apperr.Unavailable{Cause: fmt.Errorf("qqconnect: reading %s: %w", u.Path, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, apperr.Unavailable{Cause: fmt.Errorf("qqconnect: %s answered %s", u.Path, resp.Status)}
	}
	return unwrapJSONP(body), nil
}

// redact drops the URL (it holds the access token) from a transport
// error, keeping what failed.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

// me asks whose token it is and checks it is this app's.
func (c *Client) me(ctx context.Context, token string) (string, error) {
	body, err := c.get(ctx, c.meURL, url.Values{"access_token": {token}, "fmt": {"json"}})
	if err != nil {
		return "", err
	}
	var m struct {
		ClientID    string `json:"client_id"`
		OpenID      string `json:"openid"`
		Error       qqCode `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return "", apperr.Unavailable{Cause: fmt.Errorf("qqconnect: me: unreadable answer %.200q: %w", body, err)}
	}
	switch {
	case m.Error.failed():
		// QQ refused the token it has just issued: nothing to retry with,
		// since the code is spent; the shopper starts again.
		return "", refusal{coded: apperr.BadField("code", "QQ did not confirm this login; sign in with QQ again"),
			qq: fmt.Errorf("qqconnect: me: QQ error %s %s", m.Error, m.Description)}
	case m.OpenID == "":
		return "", apperr.Unavailable{Cause: fmt.Errorf("qqconnect: me: no openid in %.200q", body)}
	case m.ClientID != c.appID:
		return "", fmt.Errorf("%w: me says client_id %q, this app is %q", ErrClientMismatch, m.ClientID, c.appID)
	}
	return m.OpenID, nil
}

type userInfo struct {
	Ret       int    `json:"ret"`
	Msg       string `json:"msg"`
	Nickname  string `json:"nickname"`
	FigureQQ1 string `json:"figureurl_qq_1"`
	FigureQQ2 string `json:"figureurl_qq_2"`
}

// userInfo fetches the nickname and avatar.
func (c *Client) userInfo(ctx context.Context, token, openID string) (userInfo, error) {
	body, err := c.get(ctx, c.userInfoURL, url.Values{
		"access_token": {token}, "oauth_consumer_key": {c.appID}, "openid": {openID}})
	if err != nil {
		return userInfo{}, err
	}
	var info userInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return userInfo{}, fmt.Errorf("qqconnect: get_user_info: unreadable answer %.200q: %w", body, err)
	}
	if info.Ret != 0 {
		return userInfo{}, errors.New("qqconnect: get_user_info: ret " + strconv.Itoa(info.Ret) + ": " + info.Msg)
	}
	return info, nil
}
