package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/session"
	"github.com/storefront/storefront/ent/user"
)

// Whether a login still lives is the sessions table's to say (revoked_at,
// the row's existence, the shopper's active flag). Asking it on every
// request would cost a query per request, so each instance keeps the
// table's answers for a short while (DefaultSessionCacheTTL), and Redis
// carries revocations to every instance at once.
//
// Redis can lose its notes: a restart without persistence, FLUSHALL, a
// failover to an empty replica, eviction. It holds one more key for that,
// an epoch: a random value written once and never expiring. An instance
// remembers the epoch it last saw; when the key is missing or holds
// another value, Redis has lost data since, and the instance forgets every
// answer it kept, so each login is asked of the table again on its next
// request. While Redis does not answer, the instance likewise forgets its
// answers once and then trusts the table alone. What the epoch cannot see
// (a replica that lagged behind by a few writes, a logout on another
// instance while Redis is down) costs at most the cache's lifetime: every
// answer is asked again that often.

// DefaultSessionCacheTTL is how long an instance trusts the table's answer
// about a login: the longest a logout taken by another instance can go
// unnoticed when its Redis note was lost in a way the epoch misses.
const DefaultSessionCacheTTL = 30 * time.Second

// sessionCacheSize bounds the logins kept (about 150 bytes each); beyond
// it the least used are asked of the table again.
const sessionCacheSize = 1 << 16

// sessionAnswer is what the table said of a login.
type sessionAnswer struct {
	userID int
	live   bool
}

// liveSessions tells whether a login still lives.
type liveSessions struct {
	client *ent.Client
	rdb    redis.UniversalClient
	prefix string
	// markFor is how long a revocation note lives in Redis: as long as
	// the login's access tokens can.
	markFor time.Duration
	answers *expirable.LRU[string, sessionAnswer]

	// mu orders forgetting against remembering, so that an answer read
	// from the table before Redis was found to have lost data is not kept
	// after it.
	mu    sync.Mutex
	epoch string // Redis's epoch last seen; "" before the first, redisDown
	gen   uint64 // counts the times answers were forgotten
}

// redisDown is the epoch while Redis does not answer; written epochs are
// base64url and never equal it.
const redisDown = "(down)"

// newLiveSessions adopts Redis's epoch at once: mutations never look at
// Redis (Service.AuthenticateNow), so without it the answers they keep
// would all be forgotten at the first query, which would find the epoch
// new. A Redis that does not answer now is found out by that query instead.
func newLiveSessions(client *ent.Client, rdb redis.UniversalClient, prefix string, accessTTL, cacheTTL time.Duration) *liveSessions {
	l := &liveSessions{
		client: client, rdb: rdb, prefix: prefix, markFor: accessTTL + time.Minute,
		answers: expirable.NewLRU[string, sessionAnswer](sessionCacheSize, nil, cacheTTL),
	}
	ctx, cancel := context.WithTimeout(context.Background(), epochTimeout)
	defer cancel()
	l.redisChanged(ctx, "")
	return l
}

// epochTimeout bounds the epoch's first read, at start-up.
const epochTimeout = 2 * time.Second

func (l *liveSessions) revokedKey(family string) string { return l.prefix + "auth:revoked:" + family }
func (l *liveSessions) epochKey() string                { return l.prefix + "auth:epoch" }

// check tells whether p's login lives: a Redis note ends it at once;
// otherwise the table's answer decides, kept for the cache's lifetime and
// forgotten when Redis turns out to have lost data. One Redis round trip
// per request; a table query per login per cache lifetime.
func (l *liveSessions) check(ctx context.Context, p Principal) error {
	l.mu.Lock()
	seen := l.epoch
	l.mu.Unlock()
	pipe := l.rdb.Pipeline()
	marked := pipe.Exists(ctx, l.revokedKey(p.Session))
	epoch := pipe.Get(ctx, l.epochKey())
	_, _ = pipe.Exec(ctx) // each command's own error is read below
	if err := ctx.Err(); err != nil {
		// The request is over (the client left): that says nothing of
		// Redis, and must not make every login be asked again.
		return fmt.Errorf("auth: checking the session: %w", err)
	}
	now, err := epoch.Result()
	switch {
	case marked.Err() != nil || err != nil && !errors.Is(err, redis.Nil):
		// Redis does not answer, and revocations noted only there
		// cannot be seen: ask the table again, once per login.
		if seen != redisDown {
			l.redisDown(seen)
		}
	case marked.Val() > 0:
		return ErrSessionEnded
	case now == "" || now != seen: // "": the key is missing
		l.redisChanged(ctx, seen)
	}
	if a, ok := l.answers.Get(p.Session); ok {
		if !a.live {
			return ErrSessionEnded
		}
		if a.userID == p.UserID {
			return nil
		}
	}
	_, err = l.ask(ctx, p)
	return err
}

// forgetLocked forgets every kept answer; l.mu is held.
func (l *liveSessions) forgetLocked() {
	l.answers.Purge()
	l.gen++
}

// redisDown forgets every kept answer once for an outage. seen is the
// epoch the caller started from: when it is no longer the instance's,
// another request has dealt with the change already.
func (l *liveSessions) redisDown(seen string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.epoch == seen {
		l.forgetLocked()
		l.epoch = redisDown
	}
}

// redisChanged forgets every kept answer and adopts Redis's epoch, writing
// one if there is none; seen is as for redisDown.
func (l *liveSessions) redisChanged(ctx context.Context, seen string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.epoch != seen {
		return
	}
	l.forgetLocked()
	fresh, err := randomToken(16)
	if err != nil {
		return
	}
	// Instances that find the key missing together agree on the first
	// value written.
	pipe := l.rdb.TxPipeline()
	pipe.SetNX(ctx, l.epochKey(), fresh, 0)
	now := pipe.Get(ctx, l.epochKey())
	if _, err := pipe.Exec(ctx); err == nil {
		l.epoch = now.Val()
	}
}

// ask asks the table whether p's login lives (the shopper is active and
// the login neither revoked nor deleted), in one statement that also
// reads the shopper's cart_owed marker (see Principal.CartOwed), and
// keeps the answer.
func (l *liveSessions) ask(ctx context.Context, p Principal) (cartOwed bool, err error) {
	l.mu.Lock()
	gen := l.gen
	l.mu.Unlock()
	u, err := l.client.User.Query().
		Where(user.ID(p.UserID), user.Active(true),
			user.HasSessionsWith(session.Family(p.Session), session.RevokedAtIsNil())).
		Select(user.FieldCartOwed).
		Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return false, fmt.Errorf("auth: checking the session: %w", err)
	}
	live := err == nil
	l.remember(gen, p.Session, sessionAnswer{userID: p.UserID, live: live})
	if !live {
		return false, ErrSessionEnded
	}
	return u.CartOwed, nil
}

// remember keeps an answer read when answers had been forgotten gen times,
// unless they were forgotten since. A login seen ended is not brought back
// by an answer that may have been read before it ended.
func (l *liveSessions) remember(gen uint64, family string, a sessionAnswer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen != l.gen {
		return
	}
	if old, ok := l.answers.Peek(family); ok && !old.live && a.live {
		return
	}
	l.answers.Add(family, a)
}

// started notes a login just written to the table.
func (l *liveSessions) started(userID int, family string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answers.Add(family, sessionAnswer{userID: userID, live: true})
}

// ended notes families the table now holds revoked: at once on this
// instance, and through Redis on the others. The error is Redis's: the
// other instances then notice within the cache's lifetime.
func (l *liveSessions) ended(ctx context.Context, families []string) error {
	l.mu.Lock()
	for _, f := range families {
		l.answers.Add(f, sessionAnswer{})
	}
	l.mu.Unlock()
	pipe := l.rdb.Pipeline()
	for _, f := range families {
		pipe.Set(ctx, l.revokedKey(f), 1, l.markFor)
	}
	_, err := pipe.Exec(ctx)
	return err
}
