// Package emailverify binds an email address to an account through a link
// sent to it. Its promises:
//
//   - setEmail stores the address unverified and queues a mail (a
//     background job) with a link that is signed, expires in 24 hours and
//     works once: the account row keeps a digest of the link's nonce, a
//     used or superseded link no longer matches it, and a Redis that lost
//     its data cannot revive one.
//   - Changing the address unverifies it; setting the verified address
//     again changes nothing and sends nothing.
//   - verifyEmail needs no login (the link is opened wherever the mail is
//     read); the link also works as a GET that lands on the frontend.
//   - setEmail is throttled per account and per client address: each one
//     sends a mail to an address the caller chose.
package emailverify

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	smail "github.com/storefront/storefront/internal/mail"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/signed"
)

// MailJob is the kind of the job that sends a mail.
const MailJob = "mail.send"

// LinkTTL is how long a verification link works.
const LinkTTL = 24 * time.Hour

// LinkPath is where the link lands (GET).
const LinkPath = "/verify-email"

// Rules of setEmail.
var (
	AccountRule = ratelimit.Rule{Name: "email-acct", Rate: 5, Burst: 5, Period: time.Hour,
		Message: "too many email changes for this account"}
	AddressRule = ratelimit.Rule{Name: "email-addr", Rate: 30, Burst: 30, Period: time.Hour,
		Message: "too many email changes from this address"}
)

// Queue takes background jobs (jobs.Queue).
type Queue interface {
	Enqueue(ctx context.Context, kind, id string, payload any) error
}

// Config places the link.
type Config struct {
	// PublicURL is where the link points (this API).
	PublicURL string
	// LandingURL receives the browser after the GET, with ?status=
	// verified, invalid, expired or used.
	LandingURL string
	Shop       string
}

// Service binds emails.
type Service struct {
	client  *ent.Client
	jobs    Queue
	limiter *ratelimit.Limiter
	links   *signed.Sealer
	cfg     Config
	log     *slog.Logger
}

// New returns the service; key is the root secret links are signed under.
func New(client *ent.Client, jobs Queue, limiter *ratelimit.Limiter, key []byte, cfg Config, log *slog.Logger) *Service {
	if cfg.Shop == "" {
		cfg.Shop = "Storefront"
	}
	return &Service{client: client, jobs: jobs, limiter: limiter, links: signed.New(key, "email-link"), cfg: cfg, log: log}
}

// Links is the sealer of links; tests move its clock.
func (s *Service) Links() *signed.Sealer { return s.links }

// ReadEmail checks and canonicalizes an address: a bare addr-spec (no
// display name), at most 254 bytes, no control or space characters, the
// domain lower-cased. Only plain spaces around it are forgiven (a pasted
// address); a line break or tab anywhere is refused, not trimmed: it is
// the shape of a header injection, and a form never sends one.
func ReadEmail(s string) (string, error) {
	s = strings.Trim(s, " ")
	bad := apperr.BadField("email", "email must be an address like name@example.com")
	if s == "" || len(s) > 254 || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", bad
	}
	return local + "@" + strings.ToLower(domain), nil
}

type linkPayload struct {
	UserID int    `json:"u"`
	Nonce  string `json:"n"`
}

// SetEmail stores email unverified on the account and queues the link.
func (s *Service) SetEmail(ctx context.Context, p auth.Principal, c auth.Origin, email string) (*ent.User, error) {
	email, err := ReadEmail(email)
	if err != nil {
		return nil, err
	}
	u, err := s.client.User.Get(ctx, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("emailverify: %w", err)
	}
	if u.EmailVerified && u.Email != nil && *u.Email == email {
		return u, nil
	}
	if err := s.limiter.Allow(ctx, AccountRule, "user:"+strconv.Itoa(u.ID)); err != nil {
		return nil, err
	}
	if err := s.limiter.Allow(ctx, AddressRule, ratelimit.AddressKey(c.Addr)); err != nil {
		return nil, err
	}
	nonce, err := signed.Nonce()
	if err != nil {
		return nil, err
	}
	token, exp, err := s.links.Seal(linkPayload{UserID: u.ID, Nonce: nonce}, LinkTTL)
	if err != nil {
		return nil, err
	}
	u, err = s.client.User.UpdateOneID(u.ID).
		SetEmail(email).SetEmailVerified(false).SetEmailToken(signed.Digest(nonce)).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("emailverify: storing the email: %w", err)
	}
	link := s.cfg.PublicURL + LinkPath + "?token=" + url.QueryEscape(token)
	m := smail.Message{
		ID:      "verify-" + signed.Digest(nonce)[:32],
		To:      email,
		Subject: s.cfg.Shop + " 邮箱验证 / Verify your email",
		Text: fmt.Sprintf("您好 %s：\n\n请在 %s 前打开下面的链接，验证这个邮箱：\n%s\n\n"+
			"Hello %s, open this link before %s to verify this email address:\n%s\n\n"+
			"如果不是您本人操作，请忽略本邮件。 If you did not ask for this, ignore this mail.\n",
			u.Username, exp.Format(time.DateTime+" MST"), link, u.Username, exp.Format(time.DateTime+" MST"), link),
	}
	// The address stands unverified even if the queue did not take the
	// mail: setting it again sends a new link.
	if err := s.jobs.Enqueue(ctx, MailJob, m.ID, m); err != nil {
		return nil, err
	}
	return u, nil
}

// VerifyEmail marks the address a link was sent to as verified.
func (s *Service) VerifyEmail(ctx context.Context, token string) (*ent.User, error) {
	var p linkPayload
	switch err := s.links.Open(strings.TrimSpace(token), &p); {
	case errors.Is(err, signed.ErrExpired):
		return nil, apperr.BadField("token", "the link has expired; set the email again for a new one").With("reason", apperr.ReasonExpired)
	case err != nil:
		return nil, apperr.BadField("token", "the link is not valid")
	}
	n, err := s.client.User.Update().
		Where(user.ID(p.UserID), user.EmailToken(signed.Digest(p.Nonce))).
		SetEmailVerified(true).ClearEmailToken().Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("emailverify: %w", err)
	}
	if n == 0 {
		return nil, apperr.BadField("token", "the link was used, or a newer one was sent").With("reason", apperr.ReasonUsed)
	}
	return s.client.User.Get(ctx, p.UserID)
}

// LinkHandler is the link's GET: it verifies and sends the browser to the
// landing page with the outcome.
func (s *Service) LinkHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.Method == http.MethodHead {
			// Link checkers in mail clients ask HEAD: they are not the
			// shopper opening the link.
			w.Header().Set("Cache-Control", "no-store")
			return
		}
		status := "verified"
		if _, err := s.VerifyEmail(r.Context(), r.URL.Query().Get("token")); err != nil {
			switch {
			case apperr.ReasonOf(err) == apperr.ReasonExpired:
				status = "expired"
			case apperr.ReasonOf(err) == apperr.ReasonUsed:
				status = "used"
			case apperr.CodeOf(err) == apperr.CodeBadUserInput:
				status = "invalid"
			default:
				s.log.ErrorContext(r.Context(), "verifying an email link", "err", err)
				http.Error(w, "the link could not be checked now; open it again in a minute", http.StatusServiceUnavailable)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, landing(s.cfg.LandingURL, status), http.StatusSeeOther)
	})
}

func landing(base, status string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "status=" + status
}

// ResultPath is the built-in landing page, for a shop without a frontend
// page of its own.
const ResultPath = LinkPath + "/result"

var resultPage = template.Must(template.New("result").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}.ok{color:#137333}.no{color:#b3261e}</style></head>
<body><h1 class="{{if .OK}}ok{{else}}no{{end}}">{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

var results = map[string]struct {
	OK          bool
	Title, Text string
}{
	"verified": {true, "邮箱已验证 / Email verified", "You can close this page."},
	"expired":  {false, "链接已过期 / The link has expired", "Set the email again in your account to get a new link."},
	"used":     {false, "链接已使用 / The link was used", "This link was used already, or a newer one was sent. The newest link counts."},
	"invalid":  {false, "链接无效 / The link is not valid", "Open the link exactly as the mail shows it."},
}

// ResultPage shows the outcome the link's GET sent the browser with.
func ResultPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := results[r.URL.Query().Get("status")]
		if !ok {
			res = results["invalid"]
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = resultPage.Execute(w, res)
	})
}
