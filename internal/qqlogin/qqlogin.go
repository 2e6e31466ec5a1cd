// Package qqlogin signs shoppers in with QQ (QQ Connect's OAuth2) and
// binds a QQ account to a shop account. Its promises:
//
//   - The state sent to QQ is the server's: signed, good for 10 minutes
//     and once (a nonce in Redis, deleted when it comes back), and the
//     frontend's own state comes back with the login exactly as it was
//     given, for the frontend to compare with what it kept (the CSRF check
//     on its side). A forged, expired or replayed state is refused before
//     QQ is asked anything.
//   - A known openid signs in. An unknown one gets a signed bind token (10
//     minutes) that bindQq exchanges, with the mobile proven by a LOGIN
//     SMS code, for a login: an existing account of that mobile must give
//     its password (throttled as a login is); a mobile without an account
//     gets a new one.
//   - One account binds at most one openid and one openid at most one
//     account (a unique index; the bind is a conditional update).
package qqlogin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/qqconnect"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/signed"
	"github.com/storefront/storefront/internal/smscode"
)

// TTL is how long a state and a bind token work.
const TTL = 10 * time.Minute

// MaxClientState bounds the frontend's state.
const MaxClientState = 256

// URLRule caps login URLs per client address: each stores a nonce.
var URLRule = ratelimit.Rule{Name: "qq-url", Rate: 60, Burst: 30, Period: time.Hour,
	Message: "too many QQ logins started from this address"}

// Provider is QQ Connect (qqconnect.Client).
type Provider interface {
	AuthCodeURL(state string) string
	Identify(ctx context.Context, code string) (qqconnect.Identity, error)
}

// Mobiles proves a mobile with an SMS code (verify.Service).
type Mobiles interface {
	ProveMobile(ctx context.Context, mobile string, p smscode.Purpose, code string) error
}

// Deps are what the service works over.
type Deps struct {
	Client          *ent.Client
	Auth            *auth.Service
	QQ              Provider
	Mobiles         Mobiles
	Limiter         *ratelimit.Limiter
	Redis           redis.UniversalClient
	Prefix          string
	Key             []byte
	UniqueViolation func(error) bool
}

// Service runs QQ logins.
type Service struct {
	d      Deps
	states *signed.Sealer
	binds  *signed.Sealer
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{d: d, states: signed.New(d.Key, "qq-state"), binds: signed.New(d.Key, "qq-bind")}
}

// statePayload is what the state QQ carries holds: the nonce only. The
// frontend's state waits in Redis under the nonce: inside the token, JSON
// would escape some of its 256 characters six-fold ("<" is \u003c) and
// the token would outgrow what signed.Open reads, refusing the shop's own
// state; it would also lengthen QQ's URL for nothing.
type statePayload struct {
	Nonce string `json:"n"`
}

func (s *Service) nonceKey(n string) string { return s.d.Prefix + "qqstate:" + n }

// LoginURL is the QQ page to send the browser to; clientState comes back
// with the login.
func (s *Service) LoginURL(ctx context.Context, c auth.Origin, clientState string) (string, error) {
	if utf8.RuneCountInString(clientState) > MaxClientState || !utf8.ValidString(clientState) ||
		strings.IndexFunc(clientState, unicode.IsControl) >= 0 {
		return "", apperr.BadField("state", "state must be at most %d printable characters", MaxClientState)
	}
	if err := s.d.Limiter.Allow(ctx, URLRule, ratelimit.AddressKey(c.Addr)); err != nil {
		return "", err
	}
	nonce, err := signed.Nonce()
	if err != nil {
		return "", err
	}
	state, _, err := s.states.Seal(statePayload{Nonce: nonce}, TTL)
	if err != nil {
		return "", err
	}
	if err := s.d.Redis.Set(ctx, s.nonceKey(nonce), clientState, TTL).Err(); err != nil {
		return "", apperr.Unavailable{Cause: fmt.Errorf("qqlogin: storing the state: %w", err)}
	}
	return s.d.QQ.AuthCodeURL(state), nil
}

// Result is what coming back from QQ gives: a login, or a bind token.
type Result struct {
	Tokens *auth.Tokens
	// BindToken, when Tokens is nil, binds the QQ account with bindQq.
	BindToken          *string
	BindTokenExpiresAt *time.Time
	Nickname           string
	// ClientState is the frontend's state, for it to compare.
	ClientState string
}

// Login finishes a QQ login from QQ's code and state.
func (s *Service) Login(ctx context.Context, c auth.Origin, code, state string) (Result, error) {
	var st statePayload
	switch err := s.states.Open(strings.TrimSpace(state), &st); {
	case errors.Is(err, signed.ErrExpired):
		return Result{}, apperr.BadField("state", "the QQ login took too long; start again").With("reason", apperr.ReasonExpired)
	case err != nil:
		return Result{}, apperr.BadField("state", "the state is not one this shop sent to QQ")
	}
	// GETDEL spends the nonce and reads the frontend's state in one step:
	// of two racing logins with one state, one gets it.
	clientState, err := s.d.Redis.GetDel(ctx, s.nonceKey(st.Nonce)).Result()
	if errors.Is(err, redis.Nil) {
		return Result{}, apperr.BadField("state", "this QQ login was finished already; start again").With("reason", apperr.ReasonUsed)
	}
	if err != nil {
		return Result{}, apperr.Unavailable{Cause: fmt.Errorf("qqlogin: spending the state: %w", err)}
	}
	id, err := s.d.QQ.Identify(ctx, strings.TrimSpace(code))
	if err != nil {
		return Result{}, err
	}
	out := Result{Nickname: id.Nickname, ClientState: clientState}
	u, err := s.d.Client.User.Query().Where(user.QqOpenid(id.OpenID)).Only(ctx)
	if err == nil {
		out.Tokens, err = s.d.Auth.StartSession(ctx, u, c)
		return out, err
	}
	if !ent.IsNotFound(err) {
		return Result{}, fmt.Errorf("qqlogin: %w", err)
	}
	tok, exp, err := s.binds.Seal(bindPayload{OpenID: id.OpenID}, TTL)
	if err != nil {
		return Result{}, err
	}
	out.BindToken, out.BindTokenExpiresAt = &tok, &exp
	return out, nil
}

type bindPayload struct {
	OpenID string `json:"o"`
}

// Bind ties the QQ account of bindToken to the account of mobile (its
// password checked) or to a new one, and signs in.
func (s *Service) Bind(ctx context.Context, c auth.Origin, bindToken, mobile, smsCode string, password *string) (*auth.Tokens, error) {
	var b bindPayload
	switch err := s.binds.Open(strings.TrimSpace(bindToken), &b); {
	case errors.Is(err, signed.ErrExpired):
		return nil, apperr.BadField("bindToken", "the bind token has expired; log in with QQ again").With("reason", apperr.ReasonExpired)
	case err != nil:
		return nil, apperr.BadField("bindToken", "the bind token is not valid")
	}
	mobile, err := auth.ReadMobile(mobile)
	if err != nil {
		return nil, err
	}
	u, err := s.d.Client.User.Query().Where(user.Mobile(mobile)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("qqlogin: %w", err)
	}
	if u != nil {
		// The cheap refusals first, so they do not use up the SMS code.
		if u.QqOpenid != nil && *u.QqOpenid != b.OpenID {
			return nil, apperr.BadField("mobile", "this account is bound to another QQ account").With("reason", apperr.ReasonTaken)
		}
		// An account without a password (made by SMS) is proven by the
		// SMS code alone, as its logins are.
		if auth.HasPassword(u) {
			if password == nil || *password == "" {
				return nil, apperr.BadField("password", "this mobile has an account: give its password to bind QQ to it")
			}
			if err := s.d.Auth.CheckPassword(ctx, u, "password", *password, c); err != nil {
				return nil, err
			}
		}
	}
	if err := s.d.Mobiles.ProveMobile(ctx, mobile, smscode.Login, smsCode); err != nil {
		return nil, err
	}
	if u == nil {
		a := auth.NewAccount{Mobile: mobile, QQOpenID: b.OpenID}
		if password != nil {
			if err := auth.ValidatePassword("password", *password); err != nil {
				return nil, err
			}
			a.Password = *password
		}
		if u, err = s.d.Auth.CreateAccount(ctx, a); err != nil {
			return nil, err
		}
		return s.d.Auth.StartSession(ctx, u, c)
	}
	if u.QqOpenid == nil {
		n, err := s.d.Client.User.Update().
			Where(user.ID(u.ID), user.QqOpenidIsNil()).
			SetQqOpenid(b.OpenID).Save(ctx)
		if s.d.UniqueViolation(err) {
			return nil, apperr.BadField("bindToken", "this QQ account is already bound to another account").With("reason", apperr.ReasonTaken)
		}
		if err != nil {
			return nil, fmt.Errorf("qqlogin: binding: %w", err)
		}
		if n == 0 {
			return nil, apperr.BadField("mobile", "this account was bound to another QQ account meanwhile").With("reason", apperr.ReasonTaken)
		}
	}
	return s.d.Auth.StartSession(ctx, u, c)
}
