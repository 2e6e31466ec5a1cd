package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/sync/semaphore"

	"github.com/storefront/storefront/internal/apperr"
)

// Argon2Params are the argon2id cost settings. They are stored in each hash,
// so raising them later only affects new hashes.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 follows OWASP's minimum for argon2id (19 MiB, 2 passes).
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

var errBadHash = errors.New("auth: malformed password hash")

// HashPassword returns a PHC-format argon2id hash of password.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash, in constant time.
func CheckPassword(password, hash string) (bool, error) {
	p, salt, want, err := decodeHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// decodeHash splits a PHC-format argon2id hash into its cost, salt and key.
func decodeHash(hash string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err = b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errBadHash
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// DefaultHashWait is how long a password hash waits for its share of the
// memory budget before the caller is told to come back.
const DefaultHashWait = 3 * time.Second

// errBusy answers a caller whose hash found no room in time. It is
// RATE_LIMITED with retryAfter, which clients already honour, and
// reason BUSY, which tells it from a throttle on the caller's own account
// or address.
var errBusy = apperr.New(apperr.CodeRateLimited, "the server is busy checking passwords; try again in 1 second").
	With("retryAfter", int64(1)).With("reason", apperr.ReasonBusy)

// Hasher computes and checks password hashes within a memory budget. Each
// argon2id run holds its memory cost (19 MiB by default) until it ends, and
// registrations and logins arrive as fast as clients send them (or as
// aliases of one document), so unbounded they would take all the memory
// there is. A weighted semaphore counts the budget in KiB and each run
// takes its hash's own cost, so hashes made with other settings are counted
// at what they really use.
type Hasher struct {
	params Argon2Params
	budget int64 // KiB
	sem    *semaphore.Weighted
	wait   time.Duration
	// inside and left, when set (tests), run when a hash has taken its
	// share and when it gives it back.
	inside, left func()
}

// NewHasher returns a hasher making new hashes with p, running at most
// budgetKiB of argon2 memory at once; a caller waits up to wait (or its
// context's deadline, if sooner) for room. A budget below one hash's cost
// runs one hash at a time.
func NewHasher(p Argon2Params, budgetKiB int64, wait time.Duration) *Hasher {
	budget := max(budgetKiB, 1)
	return &Hasher{params: p, budget: budget, sem: semaphore.NewWeighted(budget), wait: wait}
}

// Hash returns a new hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	release, err := h.acquire(ctx, h.params.Memory)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password, h.params)
}

// Check reports whether password matches hash.
func (h *Hasher) Check(ctx context.Context, password, hash string) (bool, error) {
	p, _, _, err := decodeHash(hash)
	if err != nil {
		return false, err
	}
	release, err := h.acquire(ctx, p.Memory)
	if err != nil {
		return false, err
	}
	defer release()
	return CheckPassword(password, hash)
}

// acquire waits for memKiB of the budget, or answers errBusy when none
// frees up in time.
func (h *Hasher) acquire(ctx context.Context, memKiB uint32) (release func(), err error) {
	n := min(max(int64(memKiB), 1), h.budget)
	if ctx.Err() != nil {
		// The request's own deadline gets the same answer: the client
		// may still be there to read it.
		return nil, errBusy
	}
	// Room that is free now is taken at once. Acquire checks its context
	// before the room, so a short wait that ran out while this goroutine
	// was descheduled would otherwise refuse a hash the budget had room
	// for. TryAcquire still queues behind earlier waiters.
	if !h.sem.TryAcquire(n) {
		wctx, cancel := context.WithTimeout(ctx, h.wait)
		defer cancel()
		if err := h.sem.Acquire(wctx, n); err != nil {
			return nil, errBusy
		}
	}
	if h.inside != nil {
		h.inside()
	}
	return func() {
		if h.left != nil {
			h.left()
		}
		h.sem.Release(n)
	}, nil
}
