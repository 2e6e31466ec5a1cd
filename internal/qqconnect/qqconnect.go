// Package qqconnect signs shoppers in with QQ (QQ Connect, "QQ互联", an
// OAuth 2.0 authorization-code flow) and tells who they are. Its promises:
//
//   - AuthCodeURL sends the browser to QQ asking only for get_user_info;
//     the state it is given comes back unchanged on the redirect. Checking
//     that state (CSRF) is the caller's job.
//   - Identify turns the code QQ put on the redirect into the shopper's
//     openid, and only after QQ's me endpoint said the token belongs to
//     this app (its client_id is AppID): a token issued to another app
//     never names a shopper here.
//   - A code QQ refuses (unknown, expired, already used, issued for another
//     redirect address) is apperr.BadField("code", ...): definite, the
//     shopper starts the QQ login again. A code is good for one Identify.
//   - A QQ that does not answer, answers 5xx or answers something that is
//     not QQ's format is apperr.Unavailable: the outcome is unknown and a
//     retry may work. QQ refusing the app itself (wrong AppKey, unknown
//     AppID) is ErrMisconfigured, an uncoded error (INTERNAL): neither the
//     shopper's fault nor mended by retrying.
//   - The nickname and avatar are a nicety: if get_user_info fails the
//     identity is still returned, with them empty, and the failure logged.
//   - Every call to QQ is bounded by the context and by the HTTP client's
//     timeout (default 10 s per request).
//
// The token exchange is golang.org/x/oauth2's; QQ's dialect (HTTP 200
// with a numeric "error", JSONP "callback( ... );" bodies, form-encoded
// tokens served as text/html) is translated to RFC 6749's shapes on the way
// in (wire.go). Sandbox (sandbox.go) is an offline QQ for the embedded
// mode and the tests.
package qqconnect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/storefront/storefront/internal/apperr"
)

// QQ's production endpoints.
const (
	DefaultAuthorizeURL = "https://graph.qq.com/oauth2.0/authorize"
	DefaultTokenURL     = "https://graph.qq.com/oauth2.0/token"
	DefaultMeURL        = "https://graph.qq.com/oauth2.0/me"
	DefaultUserInfoURL  = "https://graph.qq.com/user/get_user_info"

	// Scope is the one permission asked for: nickname and avatar.
	Scope = "get_user_info"
	// DefaultTimeout bounds each request to QQ when Config.HTTPClient is nil.
	DefaultTimeout = 10 * time.Second
)

// ErrMisconfigured says QQ refused the app rather than the shopper's code:
// a wrong AppKey, an AppID QQ does not know or an app not online. It is
// not coded, so clients see INTERNAL and the log has QQ's answer.
var ErrMisconfigured = errors.New("qqconnect: QQ refused the app's credentials")

// ErrClientMismatch says QQ's me endpoint named another app as the
// token's owner. Uncoded (INTERNAL): the token came straight from QQ's
// token endpoint with this app's credentials, so it means a wrong
// configuration (TokenURL and MeURL of different QQs) or a tampered answer.
var ErrClientMismatch = errors.New("qqconnect: the token belongs to another app")

// Config configures a Client.
type Config struct {
	AppID, AppKey string // QQ Connect client_id / client_secret
	// RedirectURL is where QQ sends the browser back (the frontend's
	// callback page). It must be the one registered with QQ; Identify sends
	// it again, and QQ refuses a code issued for another.
	RedirectURL  string
	AuthorizeURL string       // default DefaultAuthorizeURL
	TokenURL     string       // default DefaultTokenURL
	MeURL        string       // default DefaultMeURL
	UserInfoURL  string       // default DefaultUserInfoURL
	HTTPClient   *http.Client // default: DefaultTimeout per request
	// Log receives what is not worth failing a login for (get_user_info
	// failures). Nil: slog.Default().
	Log *slog.Logger
}

// Identity is who QQ says the shopper is. OpenID is stable for one
// shopper and one AppID; Nickname and AvatarURL may be empty.
type Identity struct{ OpenID, Nickname, AvatarURL string }

// Client talks to QQ Connect for one app. It is safe for concurrent use.
type Client struct {
	oauth       oauth2.Config
	tokenHTTP   *http.Client // HTTPClient with the QQ-dialect adapter
	http        *http.Client
	appID       string
	meURL       string
	userInfoURL string
	log         *slog.Logger
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.AppID == "" || cfg.AppKey == "" {
		return nil, errors.New("qqconnect: AppID and AppKey are required")
	}
	if err := checkURL(cfg.RedirectURL); err != nil {
		return nil, fmt.Errorf("qqconnect: RedirectURL: %w", err)
	}
	urls := []*string{&cfg.AuthorizeURL, &cfg.TokenURL, &cfg.MeURL, &cfg.UserInfoURL}
	defaults := []string{DefaultAuthorizeURL, DefaultTokenURL, DefaultMeURL, DefaultUserInfoURL}
	names := []string{"AuthorizeURL", "TokenURL", "MeURL", "UserInfoURL"}
	for i, u := range urls {
		if *u == "" {
			*u = defaults[i]
		}
		if err := checkURL(*u); err != nil {
			return nil, fmt.Errorf("qqconnect: %s: %w", names[i], err)
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	tokenHTTP := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	tokenHTTP.Transport = qqTokenTransport{base: base}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	return &Client{
		oauth: oauth2.Config{
			ClientID:     cfg.AppID,
			ClientSecret: cfg.AppKey,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       []string{Scope},
			// QQ takes client_id and client_secret as parameters; saying
			// so spares oauth2 its probe (a Basic-auth try first, then a
			// second exchange of the same code).
			Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthorizeURL, TokenURL: cfg.TokenURL,
				AuthStyle: oauth2.AuthStyleInParams},
		},
		tokenHTTP:   &tokenHTTP,
		http:        hc,
		appID:       cfg.AppID,
		meURL:       cfg.MeURL,
		userInfoURL: cfg.UserInfoURL,
		log:         log,
	}, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// AuthCodeURL is QQ's login page for this app, asking for get_user_info,
// which sends the browser back to RedirectURL with a code and state.
func (c *Client) AuthCodeURL(state string) string {
	return c.oauth.AuthCodeURL(state)
}

// Identify exchanges code for a token, asks QQ whose it is and fetches the
// nickname and avatar. Errors: see the package comment.
func (c *Client) Identify(ctx context.Context, code string) (Identity, error) {
	if code == "" {
		return Identity{}, apperr.BadField("code", "code is required")
	}
	tok, err := c.oauth.Exchange(context.WithValue(ctx, oauth2.HTTPClient, c.tokenHTTP), code,
		oauth2.SetAuthURLParam("fmt", "json"))
	if err != nil {
		return Identity{}, tokenError(err)
	}
	openID, err := c.me(ctx, tok.AccessToken)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{OpenID: openID}
	info, err := c.userInfo(ctx, tok.AccessToken, openID)
	if err != nil {
		var u apperr.Unavailable
		if errors.As(err, &u) {
			err = u.Cause // its Error() is the client's fixed text
		}
		c.log.WarnContext(ctx, "qqconnect: get_user_info failed, signing in without a nickname", "openid", openID, "err", err)
		return id, nil
	}
	id.Nickname = info.Nickname
	id.AvatarURL = info.FigureQQ1
	if id.AvatarURL == "" {
		id.AvatarURL = info.FigureQQ2
	}
	return id, nil
}

// tokenError sorts the exchange's failures: QQ refusing the code, QQ
// refusing the app, and everything whose outcome is unknown.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode == "" || re.Response == nil ||
		re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests {
		// No answer from QQ itself: transport failures, timeouts, 5xx
		// and 429 (whatever their body says: a proxy's or an overloaded
		// QQ's), 4xx without a code, answers that do not parse. QQ
		// answers its refusals with 200.
		return apperr.Unavailable{Cause: fmt.Errorf("qqconnect: token: %w", err)}
	}
	switch re.ErrorCode {
	case "100000", "100001", "100002", "100003", "100004", "100008", "100009", "100011", "100012":
		return fmt.Errorf("%w: %s %s", ErrMisconfigured, re.ErrorCode, re.ErrorDescription)
	case "100020":
		return badCode(re, "this QQ login was already used; sign in with QQ again")
	case "100010":
		return badCode(re, "QQ refused this login for this return address; sign in with QQ again")
	default:
		// 100019 (no token for this code: unknown or expired), 100018 and
		// whatever else QQ refuses the exchange with: QQ has answered, and
		// the remedy is the same.
		return badCode(re, "QQ did not accept this login (it may have expired); sign in with QQ again")
	}
}

// badCode is a refusal of the shopper's code; QQ's own answer stays in
// the chain for the logs.
func badCode(re *oauth2.RetrieveError, msg string) error {
	return refusal{coded: apperr.BadField("code", "%s", msg), qq: re}
}

// refusal is a BadField that also unwraps to QQ's answer.
type refusal struct {
	coded *apperr.Error
	qq    error
}

func (r refusal) Error() string              { return r.coded.Error() }
func (r refusal) Code() string               { return r.coded.Code() }
func (r refusal) Extensions() map[string]any { return r.coded.Extensions() }
func (r refusal) Unwrap() error              { return r.qq }

var _ apperr.Coded = refusal{}
