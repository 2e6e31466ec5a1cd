// Package auth is shopper accounts: registration, login with short-lived
// access tokens (HS256 JWT) and rotating refresh tokens, logout, password
// changes, and the principal carried in a request's context.
//
// Refresh tokens are random, stored as SHA-256 hashes in the sessions table,
// and rotate on every use. Every token of one login shares a family; using a
// token that was already rotated (someone replayed a stolen copy) revokes the
// whole family. Whether a login lives is the sessions table's to say; Redis
// carries revocations to every instance at once (see sessions.go).
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/session"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/ratelimit"
)

// Rules of the account fields; the messages quote them.
var (
	usernameRule = regexp.MustCompile(`^[A-Za-z0-9_-]{5,20}$`)
	digitsOnly   = regexp.MustCompile(`^[0-9]+$`)
	mobileRule   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
)

const (
	minPassword = 8
	maxPassword = 64
)

// Principal is the signed-in shopper of a request.
type Principal struct {
	UserID int
	// Session is the login's token family.
	Session string
	// Checked: this request asked the database about the login
	// (AuthenticateNow, every mutation), and CartOwed is the shopper's
	// users.cart_owed as that statement read it. The check reads the
	// shopper's row anyway; checkout needs the marker before it reads the
	// cart, and taking it from here saves placeOrder a statement.
	Checked, CartOwed bool
	// Deferred: the token's signature was checked and nothing else; the
	// one field of the mutation asks the table itself, with its own
	// statements (placeOrder's batch, through LiveLogins), before it
	// changes anything.
	Deferred bool
}

// Config holds the service's settings.
type Config struct {
	AccessTTL  time.Duration // about 15 minutes
	RefreshTTL time.Duration // e.g. 30 days
	Argon2     Argon2Params
	// HashMemoryKiB bounds the argon2 memory of the hashes running at once
	// (login, register, changePassword); 0: 256 MiB.
	HashMemoryKiB int64
	// HashWait is how long a hash waits for room; 0: DefaultHashWait.
	HashWait time.Duration
	// UniqueViolation tells a duplicate-key error from others (it lives
	// with the other SQL error numbers in internal/database).
	UniqueViolation func(error) bool
	// Limiter and the rules below cap, per client address, the questions
	// that tell whether an account exists.
	Limiter *ratelimit.Limiter
	// Availability covers usernameAvailable and mobileAvailable.
	Availability ratelimit.Rule
	// Register covers register, which answers TAKEN and costs a hash.
	Register ratelimit.Rule
	// SessionCacheTTL is how long an instance trusts the sessions
	// table's answer about a login; 0: DefaultSessionCacheTTL.
	SessionCacheTTL time.Duration
	// Log receives what a caller is not told (a revocation Redis missed).
	Log *slog.Logger
}

// Default per-address rules for the existence questions. A sign-up form
// asks a few availability questions as the shopper types; an office behind
// one address signs up a few shoppers an hour, not hundreds.
var (
	AvailabilityRule = ratelimit.Rule{Name: "account-available", Rate: 60, Burst: 60, Period: time.Hour,
		Message: "too many account availability questions from this address"}
	RegisterRule = ratelimit.Rule{Name: "register", Rate: 20, Burst: 20, Period: time.Hour,
		Message: "too many registrations from this address"}
)

// Service implements the account operations.
type Service struct {
	db       *database.DB
	client   *ent.Client
	signer   *Signer
	throttle *Throttle
	hasher   *Hasher
	sessions *liveSessions
	cfg      Config
	now      func() time.Time
	// dummyHash is checked against when an account does not exist, so an
	// unknown account costs what a wrong password costs.
	dummyHash string
}

// New returns the account service.
func New(db *database.DB, signer *Signer, throttle *Throttle, rdb redis.UniversalClient, prefix string, cfg Config) (*Service, error) {
	if cfg.Limiter == nil {
		return nil, errors.New("auth: Config.Limiter is required")
	}
	dummy, err := HashPassword("not a real password", cfg.Argon2)
	if err != nil {
		return nil, err
	}
	if cfg.HashMemoryKiB == 0 {
		cfg.HashMemoryKiB = 256 << 10
	}
	if cfg.HashWait == 0 {
		cfg.HashWait = DefaultHashWait
	}
	if cfg.SessionCacheTTL == 0 {
		cfg.SessionCacheTTL = DefaultSessionCacheTTL
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{db: db, client: db.Client, signer: signer, throttle: throttle,
		hasher:   NewHasher(cfg.Argon2, cfg.HashMemoryKiB, cfg.HashWait),
		sessions: newLiveSessions(db.Client, rdb, prefix, cfg.AccessTTL, cfg.SessionCacheTTL),
		cfg:      cfg, now: time.Now, dummyHash: dummy}, nil
}

// ValidateUsername applies the username rule.
func ValidateUsername(name string) error {
	if !usernameRule.MatchString(name) {
		return apperr.BadField("username", "username must be 5 to 20 characters of letters, digits, _ or -")
	}
	if digitsOnly.MatchString(name) {
		return apperr.BadField("username", "username must not be only digits (it could be taken for a mobile number)")
	}
	return nil
}

// ValidateMobile applies the mobile rule.
func ValidateMobile(mobile string) error {
	if !mobileRule.MatchString(mobile) {
		return apperr.BadField("mobile", "mobile must be a mainland China number: 11 digits starting with 13 to 19")
	}
	return nil
}

func validatePassword(field, pw string) error {
	if n := utf8.RuneCountInString(pw); n < minPassword || n > maxPassword {
		return apperr.BadField(field, "password must be %d to %d characters", minPassword, maxPassword)
	}
	return nil
}

// Register creates an account for a client. Registrations are limited per
// client address: each costs a hash, and a TAKEN answer tells that an
// account exists. prove, when not nil, checks that the client holds the
// mobile (its SMS code); it runs after the cheap checks, so a taken
// username does not use up the code.
func (s *Service) Register(ctx context.Context, c Origin, username, password, mobile string, prove func(context.Context) error) (*ent.User, error) {
	username, err := readUsername(username)
	if err != nil {
		return nil, err
	}
	if err := validatePassword("password", password); err != nil {
		return nil, err
	}
	if mobile, err = readMobile(mobile); err != nil {
		return nil, err
	}
	if err := s.cfg.Limiter.Allow(ctx, s.cfg.Register, ratelimit.AddressKey(c.Addr)); err != nil {
		return nil, err
	}
	if prove != nil {
		if err := s.takenError(ctx, username, mobile, nil); err != nil {
			return nil, err
		}
		if err := prove(ctx); err != nil {
			return nil, err
		}
	}
	return s.CreateAccount(ctx, NewAccount{Username: username, Password: password, Mobile: mobile})
}

// NewAccount is an account to create, its fields already checked.
type NewAccount struct {
	// Username empty: a generated one (sign-up by SMS or QQ asks for none).
	Username string
	// Password empty: none (see HasPassword); the account signs in by SMS
	// or QQ until a password reset gives it one.
	Password string
	Mobile   string
	QQOpenID string
}

// CreateAccount stores a new account; a taken username, mobile or QQ
// openid is BAD_USER_INPUT with reason TAKEN.
func (s *Service) CreateAccount(ctx context.Context, a NewAccount) (*ent.User, error) {
	if a.Username == "" {
		tail, err := randomToken(9)
		if err != nil {
			return nil, err
		}
		// The rule's alphabet: base64url is letters, digits, - and _.
		a.Username = "sf_" + strings.ToLower(tail)
	}
	hash := noPassword
	if a.Password != "" {
		var err error
		if hash, err = s.hasher.Hash(ctx, a.Password); err != nil {
			return nil, err
		}
	}
	create := s.client.User.Create().SetUsername(a.Username).SetMobile(a.Mobile).SetPasswordHash(hash)
	if a.QQOpenID != "" {
		create.SetQqOpenid(a.QQOpenID)
	}
	u, err := create.Save(ctx)
	if err == nil {
		return u, nil
	}
	if s.cfg.UniqueViolation(err) {
		if terr := s.takenError(ctx, a.Username, a.Mobile, &a.QQOpenID); terr != nil {
			return nil, terr
		}
	}
	return nil, fmt.Errorf("auth: register: %w", err)
}

// takenError says which of an account's unique keys another account holds
// (asked, rather than parsed from the driver's message), or nil.
func (s *Service) takenError(ctx context.Context, username, mobile string, openid *string) error {
	if taken, err := s.client.User.Query().Where(user.Username(username)).Exist(ctx); err != nil {
		return fmt.Errorf("auth: register: %w", err)
	} else if taken {
		return apperr.BadField("username", "username %q is taken", username).With("reason", apperr.ReasonTaken)
	}
	if taken, err := s.client.User.Query().Where(user.Mobile(mobile)).Exist(ctx); err != nil {
		return fmt.Errorf("auth: register: %w", err)
	} else if taken {
		return apperr.BadField("mobile", "mobile %s is already registered", mobile).With("reason", apperr.ReasonTaken)
	}
	if openid != nil && *openid != "" {
		return apperr.BadField("bindToken", "this QQ account is already bound to another account").With("reason", apperr.ReasonTaken)
	}
	return nil
}

// UsernameAvailable reports whether a valid username is free. The answers
// are limited per client address: they tell which accounts exist.
func (s *Service) UsernameAvailable(ctx context.Context, c Origin, name string) (bool, error) {
	name, err := readUsername(name)
	if err != nil {
		return false, err
	}
	if err := s.cfg.Limiter.Allow(ctx, s.cfg.Availability, ratelimit.AddressKey(c.Addr)); err != nil {
		return false, err
	}
	taken, err := s.client.User.Query().Where(user.Username(name)).Exist(ctx)
	return !taken, err
}

// MobileAvailable reports whether a valid mobile number is free, within
// the same per-address limit as UsernameAvailable.
func (s *Service) MobileAvailable(ctx context.Context, c Origin, mobile string) (bool, error) {
	mobile, err := readMobile(mobile)
	if err != nil {
		return false, err
	}
	if err := s.cfg.Limiter.Allow(ctx, s.cfg.Availability, ratelimit.AddressKey(c.Addr)); err != nil {
		return false, err
	}
	taken, err := s.client.User.Query().Where(user.Mobile(mobile)).Exist(ctx)
	return !taken, err
}

// Origin describes where a login comes from.
type Origin struct {
	Addr      string
	UserAgent string
}

// Tokens are what a login or refresh hands the client.
type Tokens struct {
	AccessToken           string
	AccessTokenExpiresAt  time.Time
	RefreshToken          string
	RefreshTokenExpiresAt time.Time
	User                  *ent.User
}

var errBadCredentials = apperr.New(apperr.CodeUnauthenticated, "wrong account or password")

// Login checks an account (username or mobile) and password and starts a
// session.
//
// The username and the mobile number of one account are counted apart by
// the throttle (five tries each): counting them as one would need the
// account looked up first, and a throttled mobile number would then tell
// whose username it belongs to.
func (s *Service) Login(ctx context.Context, account, password string, c Origin) (*Tokens, error) {
	account, field, ok := loginAccount(account)
	if !ok || len(password) > 4*maxPassword {
		return nil, errBadCredentials
	}
	if err := s.throttle.Attempt(ctx, account, c.Addr); err != nil {
		return nil, err
	}
	u, err := s.client.User.Query().Where(field(account)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	hash := s.dummyHash
	if u != nil && HasPassword(u) {
		hash = u.PasswordHash
	}
	ok, err = s.hasher.Check(ctx, password, hash)
	if apperr.CodeOf(err) != "" {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	if u == nil || !ok || !u.Active || !HasPassword(u) {
		if err := s.throttle.Failed(ctx, c.Addr); err != nil {
			return nil, err
		}
		return nil, errBadCredentials
	}
	if err := s.throttle.Succeeded(ctx, account); err != nil {
		return nil, err
	}
	return s.StartSession(ctx, u, c)
}

// StartSession starts a login of an account whose holder the caller has
// proven (password, SMS code, QQ).
func (s *Service) StartSession(ctx context.Context, u *ent.User, c Origin) (*Tokens, error) {
	if !u.Active {
		return nil, errBadCredentials
	}
	family, err := randomToken(16)
	if err != nil {
		return nil, err
	}
	out, err := s.issue(ctx, s.client, u, family, c)
	if err != nil {
		return nil, err
	}
	s.sessions.started(u.ID, family)
	return out, nil
}

// issue stores a new refresh token of family and signs an access token.
func (s *Service) issue(ctx context.Context, client *ent.Client, u *ent.User, family string, c Origin) (*Tokens, error) {
	refresh, err := randomToken(32)
	if err != nil {
		return nil, err
	}
	exp := s.now().Add(s.cfg.RefreshTTL)
	_, err = client.Session.Create().
		SetUserID(u.ID).
		SetFamily(family).
		SetTokenHash(hashToken(refresh)).
		SetExpiresAt(exp).
		SetUserAgent(truncate(c.UserAgent, 256)).
		SetIP(truncate(c.Addr, 64)).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: storing the session: %w", err)
	}
	access, accessExp, err := s.signer.Issue(u.ID, family)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, AccessTokenExpiresAt: accessExp, RefreshToken: refresh, RefreshTokenExpiresAt: exp, User: u}, nil
}

var errBadRefresh = apperr.New(apperr.CodeUnauthenticated, "the refresh token is not valid; sign in again")

// errReused is returned inside the refresh transaction when a rotated token
// is presented again; the family is revoked after the rollback.
type errReused struct{ family string }

func (e errReused) Error() string { return "refresh token reused" }

// Refresh exchanges a refresh token for a new pair. The old token stops
// working; presenting it again revokes the whole login.
func (s *Service) Refresh(ctx context.Context, token string, c Origin) (*Tokens, error) {
	if token == "" || len(token) > 128 {
		return nil, errBadRefresh
	}
	var (
		out    *Tokens
		family string
	)
	// Retried whole after a deadlock: the rotation is conditional, and a
	// rolled-back attempt rotated nothing.
	err := s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		sess, err := tx.Session.Query().Where(session.TokenHash(hashToken(token))).WithUser().Only(ctx)
		if ent.IsNotFound(err) {
			return errBadRefresh
		}
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case sess.RevokedAt != nil, !now.Before(sess.ExpiresAt), !sess.Edges.User.Active:
			return errBadRefresh
		case sess.RotatedAt != nil:
			return errReused{sess.Family}
		}
		// Conditional: of two refreshes racing with one token, one wins and
		// the other is treated as reuse.
		n, err := tx.Session.Update().
			Where(session.ID(sess.ID), session.RotatedAtIsNil(), session.RevokedAtIsNil()).
			SetRotatedAt(now).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errReused{sess.Family}
		}
		family = sess.Family
		out, err = s.issue(ctx, tx.Client(), sess.Edges.User, family, c)
		if err != nil {
			return err
		}
		// The cache may say the login lives only once its new session
		// row is there for every instance to read.
		database.AfterCommit(tx, func() { s.sessions.started(out.User.ID, family) })
		return nil
	})
	var reused errReused
	if errors.As(err, &reused) {
		if rerr := s.revokeFamilies(ctx, reused.family); rerr != nil {
			return nil, rerr
		}
		return nil, errBadRefresh
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Logout ends the caller's login: its refresh tokens and access tokens.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	return s.revokeFamilies(ctx, p.Session)
}

// ChangePassword replaces the password and ends every other login.
func (s *Service) ChangePassword(ctx context.Context, p Principal, c Origin, current, next string) error {
	if err := validatePassword("newPassword", next); err != nil {
		return err
	}
	u, err := s.client.User.Get(ctx, p.UserID)
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if err := s.CheckPassword(ctx, u, "currentPassword", current, c); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	if err := s.client.User.UpdateOneID(u.ID).SetPasswordHash(hash).Exec(ctx); err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	return s.endSessions(ctx, u.ID, p.Session)
}

// CheckPassword checks an account's password against the login throttle's
// count of the account (under its username) and the client's address, as
// a login is: otherwise a stolen access token, or a QQ bind, would be an
// unthrottled password oracle. A wrong one is BAD_USER_INPUT on field.
func (s *Service) CheckPassword(ctx context.Context, u *ent.User, field, password string, c Origin) error {
	account := strings.ToLower(u.Username)
	if err := s.throttle.Attempt(ctx, account, c.Addr); err != nil {
		return err
	}
	hash := u.PasswordHash
	if !HasPassword(u) {
		hash = s.dummyHash // no password is right; it costs what a wrong one does
	}
	ok, err := s.hasher.Check(ctx, password, hash)
	ok = ok && HasPassword(u)
	if apperr.CodeOf(err) != "" {
		return err
	}
	if err != nil {
		return fmt.Errorf("auth: checking a password: %w", err)
	}
	if !ok {
		if err := s.throttle.Failed(ctx, c.Addr); err != nil {
			return err
		}
		return apperr.BadField(field, "the password is wrong")
	}
	return s.throttle.Succeeded(ctx, account)
}

// noPassword is the stored hash of an account without a password (made by
// SMS or QQ): no argon2 hash starts with "!", so no password matches it.
const noPassword = "!none"

// HasPassword reports whether the account has a password to sign in with.
func HasPassword(u *ent.User) bool { return u.PasswordHash != noPassword }

// PasswordFingerprint names the account's current password without
// revealing its hash: a reset token carries it, so a token made before a
// password change no longer works after it.
func PasswordFingerprint(u *ent.User) string {
	return hashToken(u.PasswordHash)[:32]
}

// ResetPassword sets a new password on an account whose password still
// has fingerprint (see PasswordFingerprint) and ends every login of it.
// A changed password is BAD_USER_INPUT on field token.
func (s *Service) ResetPassword(ctx context.Context, userID int, fingerprint, next string) error {
	if err := validatePassword("newPassword", next); err != nil {
		return err
	}
	u, err := s.client.User.Get(ctx, userID)
	if err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("auth: reset password: %w", err)
	}
	stale := apperr.BadField("token", "this reset token was used or the password changed since; start again")
	if u == nil || PasswordFingerprint(u) != fingerprint {
		return stale
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	// Conditional on the old hash: of two resets racing with one token's
	// copies, or a reset racing a password change, one wins.
	n, err := s.client.User.Update().
		Where(user.ID(u.ID), user.PasswordHash(u.PasswordHash)).
		SetPasswordHash(hash).Save(ctx)
	if err != nil {
		return fmt.Errorf("auth: reset password: %w", err)
	}
	if n == 0 {
		return stale
	}
	return s.endSessions(ctx, u.ID, "")
}

// endSessions ends every login of an account except keep ("" for none).
func (s *Service) endSessions(ctx context.Context, userID int, keep string) error {
	families, err := s.client.Session.Query().
		Where(session.UserID(userID), session.RevokedAtIsNil(), session.FamilyNEQ(keep)).
		GroupBy(session.FieldFamily).Strings(ctx)
	if err != nil {
		return fmt.Errorf("auth: listing sessions: %w", err)
	}
	return s.revokeFamilies(ctx, families...)
}

// revokeFamilies ends families in the database, which decides, and then
// on this instance and, through Redis, on the others at once. A Redis that
// does not take the note does not undo the logout: the other instances
// learn it from the database within the session cache's lifetime.
func (s *Service) revokeFamilies(ctx context.Context, families ...string) error {
	if len(families) == 0 {
		return nil
	}
	_, err := s.client.Session.Update().
		Where(session.FamilyIn(families...), session.RevokedAtIsNil()).
		SetRevokedAt(s.now()).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("auth: revoking sessions: %w", err)
	}
	if err := s.sessions.ended(ctx, families); err != nil {
		s.cfg.Log.WarnContext(ctx, "revoked sessions not noted in Redis: other instances end them within the session cache's lifetime",
			"sessions", len(families), "within", s.cfg.SessionCacheTTL, "err", err)
	}
	return nil
}

// Authenticate turns an access token into a principal whose login still
// lives (see liveSessions.check for what that costs).
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	p, err := s.verify(token)
	if err != nil {
		return Principal{}, err
	}
	if err := s.sessions.check(ctx, p); err != nil {
		return Principal{}, err
	}
	return p, nil
}

// ErrSessionEnded is the answer to a request whose login has ended.
var ErrSessionEnded = apperr.New(apperr.CodeUnauthenticated, "this session has ended; sign in again")

// AuthenticateNow is Authenticate for what changes data: the table is
// asked, now, what Authenticate may take from the session cache (the
// shopper is still active and the login neither revoked nor deleted), and
// nothing else. Redis's revocation notes are skipped: every revocation is
// written to the table before Redis is told, so the table's answer already
// holds them, and a mutation saves that round trip.
func (s *Service) AuthenticateNow(ctx context.Context, token string) (Principal, error) {
	p, err := s.verify(token)
	if err != nil {
		return Principal{}, err
	}
	owed, err := s.sessions.ask(ctx, p)
	if err != nil {
		return Principal{}, err
	}
	p.Checked, p.CartOwed = true, owed
	return p, nil
}

// AuthenticateLater checks only the token's signature: the caller is a
// mutation that asks the table about the login itself (Principal.Deferred)
// and acts on nothing before it has.
func (s *Service) AuthenticateLater(token string) (Principal, error) {
	p, err := s.verify(token)
	p.Deferred = err == nil
	return p, err
}

// verify checks the access token's signature and expiry, and nothing of
// its login.
func (s *Service) verify(token string) (Principal, error) {
	id, family, err := s.signer.Verify(token)
	if err != nil {
		return Principal{}, apperr.New(apperr.CodeUnauthenticated, "the access token is invalid or expired")
	}
	return Principal{UserID: id, Session: family}, nil
}

// Login names one login to check in LiveLogins.
type Login struct {
	UserID  int
	Session string
}

// LiveLogins asks the table, in one statement, which of logins live (the
// shopper active, the login neither revoked nor deleted), with each live
// one's cart_owed marker (see Principal.CartOwed). A login missing from
// the map has ended: its request is ErrSessionEnded.
func LiveLogins(ctx context.Context, client *ent.Client, logins []Login) (map[Login]bool, error) {
	users := make([]int, 0, len(logins))
	families := make([]string, 0, len(logins))
	for _, l := range logins {
		users = append(users, l.UserID)
		families = append(families, l.Session)
	}
	var rows []struct {
		ID       int    `sql:"id"`
		CartOwed bool   `sql:"cart_owed"`
		Family   string `sql:"family"`
	}
	err := client.User.Query().
		Where(user.IDIn(users...), user.Active(true)).
		Modify(func(q *sql.Selector) {
			t := sql.Table(session.Table)
			q.Join(t).On(q.C(user.FieldID), t.C(session.FieldUserID)).
				Where(sql.And(sql.In(t.C(session.FieldFamily), anys(families)...), sql.IsNull(t.C(session.FieldRevokedAt)))).
				Select(q.C(user.FieldID), q.C(user.FieldCartOwed), t.C(session.FieldFamily))
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("auth: checking logins: %w", err)
	}
	live := make(map[Login]bool, len(rows))
	for _, r := range rows {
		live[Login{UserID: r.ID, Session: r.Family}] = r.CartOwed
	}
	return live, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Me returns the signed-in shopper.
func (s *Service) Me(ctx context.Context, p Principal) (*ent.User, error) {
	u, err := s.client.User.Get(ctx, p.UserID)
	if ent.IsNotFound(err) {
		return nil, apperr.Unauthenticated()
	}
	return u, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
