// Package verify proves that a shopper holds a mobile number, and what
// that proof unlocks: sign-up, login by SMS and the password reset. Its
// promises:
//
//   - No SMS leaves without a right image captcha, and sends are throttled
//     per mobile (one a minute, a daily cap) and per client address (a
//     daily cap) by internal/smscode.
//   - Sending is a background job: the mutation answers once the code is
//     recorded and its send queued. The job carries the code sealed under
//     a server key, so the queue in Redis holds no readable code.
//   - The answers never tell more about who has an account than a masked
//     mobile does: a reset or SMS login for an unknown account is answered
//     as a known one is (the code is only never sent), and an unknown
//     username's reset shows a masked mobile made up from the name, the
//     same each time.
//   - A reset token works once, for 10 minutes, and only while the
//     password is the one it was made for; the reset ends every login.
//   - The reset is throttled per account and per client address.
package verify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/nacl/secretbox"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/captcha"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/signed"
	"github.com/storefront/storefront/internal/smscode"
)

// SMSJob is the kind of the job that sends a code.
const SMSJob = "sms.code"

// Queue takes background jobs (jobs.Queue). Enqueueing an id twice runs
// the job once.
type Queue interface {
	Enqueue(ctx context.Context, kind, id string, payload any) error
}

// SendCode delivers a code to a mobile (an SMS gateway, or the outbox).
// id is the job's: a gateway that dedupes by it sends a retried job once.
type SendCode func(ctx context.Context, id, mobile, code string) error

// Per-address and per-account rules of the reset. A shopper resets a
// password a few times a year; an address that asks for hundreds is
// walking a list of accounts.
var (
	ResetAddressRule = ratelimit.Rule{Name: "reset-addr", Rate: 20, Burst: 20, Period: time.Hour,
		Message: "too many password resets from this address"}
	ResetAccountRule = ratelimit.Rule{Name: "reset-acct", Rate: 5, Burst: 5, Period: time.Hour,
		Message: "too many password resets of this account"}
)

// ResetTTL is how long a reset token works.
const ResetTTL = 10 * time.Minute

// Config is the policy.
type Config struct {
	// RequireSMS makes register take an SMS code (on unless a deployment
	// has no SMS gateway).
	RequireSMS bool
	// LoginRegisters lets loginBySms create an account for a mobile that
	// has none.
	LoginRegisters bool
	// SMS says a gateway (or the outbox) sends codes; without one the
	// sends answer NOT_CONFIGURED.
	SMS bool
}

// Deps are the services verify works over.
type Deps struct {
	Client   *ent.Client
	Auth     *auth.Service
	Captchas *captcha.Store
	Codes    *smscode.Store
	Jobs     Queue
	Limiter  *ratelimit.Limiter
	Redis    redis.UniversalClient
	Prefix   string
	// Key is the root secret: the job's sealing key and the made-up
	// masked mobiles derive from it.
	Key []byte
	Log *slog.Logger
}

// Service runs the SMS-proven flows.
type Service struct {
	d        Deps
	cfg      Config
	box      [32]byte
	fakeKey  []byte
	resetKey string
}

// New returns the service.
func New(d Deps, cfg Config) (*Service, error) {
	if len(d.Key) < 32 {
		return nil, errors.New("verify: the key needs at least 32 bytes")
	}
	s := &Service{d: d, cfg: cfg, fakeKey: signed.DeriveKey(d.Key, "masked-mobile"), resetKey: d.Prefix + "reset:"}
	copy(s.box[:], signed.DeriveKey(d.Key, "sms-job"))
	return s, nil
}

// RequireSMS reports whether register takes an SMS code.
func (s *Service) RequireSMS() bool { return s.cfg.RequireSMS }

var errNoSMS = apperr.New(apperr.CodeNotConfigured, "this shop sends no SMS")

// Sent is what a send answers: where the code went and when to ask again.
type Sent struct {
	// Mobile is masked (138****8000).
	Mobile      string
	ExpiresAt   time.Time
	ResendAfter time.Duration
}

// Mask shows a mobile the way a shop does: the first three and last four
// digits.
func Mask(mobile string) string {
	if len(mobile) != 11 {
		return "***"
	}
	return mobile[:3] + "****" + mobile[7:]
}

// SendSMSCode sends a code for purpose to mobile, behind a right captcha.
func (s *Service) SendSMSCode(ctx context.Context, c auth.Origin, mobile string, p smscode.Purpose, captchaID, answer string) (Sent, error) {
	if !s.cfg.SMS {
		return Sent{}, errNoSMS
	}
	mobile, err := auth.ReadMobile(mobile)
	if err != nil {
		return Sent{}, err
	}
	if err := s.beforeCaptcha(ctx, mobile); err != nil {
		return Sent{}, err
	}
	if err := s.d.Captchas.Check(ctx, captchaID, answer); err != nil {
		return Sent{}, err
	}
	deliver := true
	if p != smscode.Register {
		holder, err := s.d.Client.User.Query().Where(user.Mobile(mobile)).Exist(ctx)
		if err != nil {
			return Sent{}, apperr.Unavailable{Cause: fmt.Errorf("verify: %w", err)}
		}
		deliver = holder || p == smscode.Login && s.cfg.LoginRegisters
	}
	return s.send(ctx, c, mobile, p, deliver)
}

// beforeCaptcha refuses a send the resend window would refuse anyway,
// before the captcha is spent on it (the shopper keeps it for the retry).
func (s *Service) beforeCaptcha(ctx context.Context, mobile string) error {
	wait, err := s.d.Codes.ResendWait(ctx, mobile)
	if err != nil || wait <= 0 {
		return err
	}
	secs := int64((wait + time.Second - 1) / time.Second)
	return apperr.New(apperr.CodeRateLimited, "a code was sent to this mobile less than a minute ago").With("retryAfter", secs)
}

// send records a code and, when deliver, queues its SMS. An undelivered
// code is recorded all the same, so the throttles answer alike.
func (s *Service) send(ctx context.Context, c auth.Origin, mobile string, p smscode.Purpose, deliver bool) (Sent, error) {
	code, err := s.d.Codes.Issue(ctx, mobile, p, c.Addr)
	if err != nil {
		return Sent{}, err
	}
	lim := s.d.Codes.Limits()
	now := s.d.Codes.Now()
	out := Sent{Mobile: Mask(mobile), ExpiresAt: now.Add(lim.TTL), ResendAfter: lim.Resend}
	if !deliver {
		return out, nil
	}
	id, err := signed.Nonce()
	if err != nil {
		return Sent{}, err
	}
	job := smsPayload{ID: id, Mobile: mobile, Purpose: string(p), Sealed: s.seal(code)}
	if err := s.d.Jobs.Enqueue(ctx, SMSJob, id, job); err != nil {
		return Sent{}, err
	}
	return out, nil
}

type smsPayload struct {
	ID      string `json:"id"`
	Mobile  string `json:"mobile"`
	Purpose string `json:"purpose"`
	Sealed  string `json:"sealed"`
}

// SMSHandler is the job that sends a code through send.
func (s *Service) SMSHandler(send SendCode) func(context.Context, []byte) error {
	return func(ctx context.Context, payload []byte) error {
		var job smsPayload
		if err := json.Unmarshal(payload, &job); err != nil {
			return err
		}
		code, ok := s.open(job.Sealed)
		if !ok {
			return errors.New("verify: the SMS job's code does not open under this key")
		}
		return send(ctx, job.ID, job.Mobile, code)
	}
}

func (s *Service) seal(code string) string {
	var nonce [24]byte
	_, _ = rand.Read(nonce[:])
	return base64.RawURLEncoding.EncodeToString(secretbox.Seal(nonce[:], []byte(code), &nonce, &s.box))
}

func (s *Service) open(sealed string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < 24 {
		return "", false
	}
	var nonce [24]byte
	copy(nonce[:], b)
	code, ok := secretbox.Open(nil, b[24:], &nonce, &s.box)
	return string(code), ok
}

// ProveMobile checks an SMS code for mobile and purpose (it is used up).
func (s *Service) ProveMobile(ctx context.Context, mobile string, p smscode.Purpose, code string) error {
	mobile, err := auth.ReadMobile(mobile)
	if err != nil {
		return err
	}
	return s.d.Codes.Check(ctx, mobile, p, strings.TrimSpace(code))
}

// Register creates an account; with RequireSMS its mobile must be proven
// by a REGISTER code.
func (s *Service) Register(ctx context.Context, c auth.Origin, username, password, mobile string, code *string) (*ent.User, error) {
	if !s.cfg.RequireSMS {
		return s.d.Auth.Register(ctx, c, username, password, mobile, nil)
	}
	if code == nil || strings.TrimSpace(*code) == "" {
		return nil, apperr.BadField("smsCode", "an SMS code is required: send one with sendSmsCode (purpose REGISTER)")
	}
	return s.d.Auth.Register(ctx, c, username, password, mobile, func(ctx context.Context) error {
		return s.ProveMobile(ctx, mobile, smscode.Register, *code)
	})
}

// LoginBySMS signs in the holder of mobile, proven by a LOGIN code, and,
// with LoginRegisters, creates the account on first use.
func (s *Service) LoginBySMS(ctx context.Context, c auth.Origin, mobile, code string) (*auth.Tokens, error) {
	mobile, err := auth.ReadMobile(mobile)
	if err != nil {
		return nil, err
	}
	if err := s.ProveMobile(ctx, mobile, smscode.Login, code); err != nil {
		return nil, err
	}
	u, err := s.d.Client.User.Query().Where(user.Mobile(mobile)).Only(ctx)
	if ent.IsNotFound(err) {
		if !s.cfg.LoginRegisters {
			// Only reachable with a code, which only the mobile's holder has.
			return nil, apperr.New(apperr.CodeUnauthenticated, "no account has this mobile; register first")
		}
		u, err = s.d.Auth.CreateAccount(ctx, auth.NewAccount{Mobile: mobile})
		if apperr.CodeOf(err) == apperr.CodeBadUserInput {
			// Created by a racing login of the same holder: sign in to it.
			u, err = s.d.Client.User.Query().Where(user.Mobile(mobile)).Only(ctx)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("verify: login by SMS: %w", err)
	}
	return s.d.Auth.StartSession(ctx, u, c)
}

// resetHolder is the account named by a reset and the mobile its code
// goes to: the account's own, or for an unknown account the name itself
// when it is a mobile, else one made up from the name.
func (s *Service) resetHolder(ctx context.Context, account string) (*ent.User, string, string, error) {
	canon, isMobile, ok := auth.CanonicalAccount(account)
	if !ok {
		return nil, "", "", apperr.BadField("account", "account must be a username or a mainland mobile number")
	}
	q := s.d.Client.User.Query()
	if isMobile {
		q.Where(user.Mobile(canon))
	} else {
		q.Where(user.Username(canon))
	}
	u, err := q.Only(ctx)
	switch {
	case err == nil:
		return u, u.Mobile, canon, nil
	case !ent.IsNotFound(err):
		return nil, "", "", apperr.Unavailable{Cause: fmt.Errorf("verify: reset: %w", err)}
	case isMobile:
		return nil, canon, canon, nil
	}
	return nil, s.madeUpMobile(canon), canon, nil
}

// madeUpMobile is a mobile number that looks like one and is the same for
// a name every time, so asking twice cannot tell a real account from none.
func (s *Service) madeUpMobile(name string) string {
	m := hmac.New(sha256.New, s.fakeKey)
	m.Write([]byte(name))
	sum := m.Sum(nil)
	n := binary.BigEndian.Uint64(sum[:8])
	return "1" + strconv.Itoa(3+int(n%7)) + fmt.Sprintf("%09d", (n/7)%1_000_000_000)
}

func (s *Service) resetThrottle(ctx context.Context, c auth.Origin, canon string) error {
	if err := s.d.Limiter.Allow(ctx, ResetAddressRule, ratelimit.AddressKey(c.Addr)); err != nil {
		return err
	}
	return s.d.Limiter.Allow(ctx, ResetAccountRule, canon)
}

// StartPasswordReset sends a RESET_PASSWORD code to the mobile of account
// (a username or a mobile), behind a right captcha, and answers the masked
// mobile it went to.
func (s *Service) StartPasswordReset(ctx context.Context, c auth.Origin, account, captchaID, answer string) (Sent, error) {
	if !s.cfg.SMS {
		return Sent{}, errNoSMS
	}
	u, mobile, canon, err := s.resetHolder(ctx, account)
	if err != nil {
		return Sent{}, err
	}
	if err := s.resetThrottle(ctx, c, canon); err != nil {
		return Sent{}, err
	}
	if err := s.beforeCaptcha(ctx, mobile); err != nil {
		return Sent{}, err
	}
	if err := s.d.Captchas.Check(ctx, captchaID, answer); err != nil {
		return Sent{}, err
	}
	return s.send(ctx, c, mobile, smscode.ResetPassword, u != nil)
}

// ResetToken lets its holder set a new password once.
type ResetToken struct {
	Token     string
	ExpiresAt time.Time
}

// CheckResetCode exchanges a RESET_PASSWORD code of account for a reset
// token.
func (s *Service) CheckResetCode(ctx context.Context, c auth.Origin, account, code string) (ResetToken, error) {
	u, mobile, _, err := s.resetHolder(ctx, account)
	if err != nil {
		return ResetToken{}, err
	}
	if err := s.d.Limiter.Allow(ctx, ResetAddressRule, ratelimit.AddressKey(c.Addr)); err != nil {
		return ResetToken{}, err
	}
	if err := s.d.Codes.Check(ctx, mobile, smscode.ResetPassword, strings.TrimSpace(code)); err != nil {
		return ResetToken{}, err
	}
	if u == nil {
		// A code no one was sent, guessed: answered as a wrong one.
		return ResetToken{}, apperr.BadField("smsCode", "the SMS code is wrong or has expired")
	}
	tok, err := signed.Nonce()
	if err != nil {
		return ResetToken{}, err
	}
	exp := s.d.Codes.Now().Add(ResetTTL)
	val := strconv.Itoa(u.ID) + ":" + auth.PasswordFingerprint(u)
	if err := s.d.Redis.Set(ctx, s.resetKey+signed.Digest(tok), val, ResetTTL).Err(); err != nil {
		return ResetToken{}, apperr.Unavailable{Cause: fmt.Errorf("verify: storing the reset token: %w", err)}
	}
	return ResetToken{Token: tok, ExpiresAt: exp}, nil
}

var errBadResetToken = apperr.BadField("token", "the reset token is wrong, used or expired; start again")

// ResetPassword sets a new password with a reset token and ends every
// login of the account.
func (s *Service) ResetPassword(ctx context.Context, c auth.Origin, token, next string) error {
	if err := s.d.Limiter.Allow(ctx, ResetAddressRule, ratelimit.AddressKey(c.Addr)); err != nil {
		return err
	}
	if token == "" || len(token) > 64 {
		return errBadResetToken
	}
	key := s.resetKey + signed.Digest(token)
	val, err := s.d.Redis.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return errBadResetToken
	}
	if err != nil {
		return apperr.Unavailable{Cause: fmt.Errorf("verify: reading the reset token: %w", err)}
	}
	idText, fingerprint, _ := strings.Cut(val, ":")
	id, _ := strconv.Atoi(idText)
	// The token is bound to the password it was made for, so it works once
	// even if the delete below is lost: after the reset that password is
	// gone.
	if err := s.d.Auth.ResetPassword(ctx, id, fingerprint, next); err != nil {
		return err
	}
	if err := s.d.Redis.Del(ctx, key).Err(); err != nil {
		s.d.Log.WarnContext(ctx, "a used reset token was not deleted; it no longer matches the password", "err", err)
	}
	return nil
}

// Codes is the code store (tests move its clock).
func (s *Service) Codes() *smscode.Store { return s.d.Codes }
