package auth

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/testenv"
)

// cheap hashes: the tests count hashes, they do not measure them.
var cheap = Argon2Params{Memory: 1024, Time: 1, Threads: 1}

func TestConcurrentHashesStayWithinTheMemoryBudget(t *testing.T) {
	t.Parallel()
	const room = 3
	h := NewHasher(cheap, room*int64(cheap.Memory), time.Minute)
	// The first three hashes wait inside for each other, so the budget is
	// shown full; any fourth inside at the same time breaks the bound.
	var running, peak atomic.Int64
	full := make(chan struct{})
	var once sync.Once
	h.inside = func() {
		n := running.Add(1)
		for p := peak.Load(); n > p; p = peak.Load() {
			if peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == room {
			once.Do(func() { close(full) })
		}
		<-full
	}
	h.left = func() { running.Add(-1) }

	var wg sync.WaitGroup
	errs := make([]error, 30)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hash, err := h.Hash(t.Context(), "correct horse")
			if err == nil {
				var ok bool
				ok, err = h.Check(t.Context(), "correct horse", hash)
				if !ok && err == nil {
					t.Errorf("a hash does not check")
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := peak.Load(); p != room {
		t.Fatalf("peak of %d hashes at once, want %d (budget %d KiB, %d KiB each)", p, room, room*cheap.Memory, cheap.Memory)
	}
}

func TestAHashThatFindsNoRoomIsToldToComeBackWithoutHashing(t *testing.T) {
	t.Parallel()
	h := NewHasher(cheap, int64(cheap.Memory), time.Millisecond)
	hold, holding := make(chan struct{}), make(chan struct{})
	var entered atomic.Int64
	h.inside = func() {
		if entered.Add(1) == 1 {
			close(holding)
			<-hold
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "first")
		done <- err
	}()
	select {
	case <-holding:
	case err := <-done:
		t.Fatalf("the first hash ran without taking room (%v)", err)
	}

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for name, ctx := range map[string]context.Context{"past its wait": context.Background(), "past the request's end": ended} {
		_, err := h.Hash(ctx, "second")
		busy, ok := err.(*apperr.Error)
		if !ok || busy.Code() != apperr.CodeRateLimited || busy.Extensions()["reason"] != "BUSY" || busy.Extensions()["retryAfter"] != int64(1) {
			t.Fatalf("a hash %s: %v, want RATE_LIMITED, reason BUSY, retryAfter 1", name, err)
		}
	}
	if n := entered.Load(); n != 1 {
		t.Fatalf("%d hashes ran, want only the one holding the room", n)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := h.Hash(context.Background(), "third"); err != nil {
		t.Fatalf("after the room freed: %v", err)
	}
}

// newService builds the account service on db with Redis at addr.
func newService(t *testing.T, db *database.DB, redisAddr, prefix string) *Service {
	t.Helper()
	rdb := testenv.NewRedisClient(t, redisAddr)
	signer, err := NewSigner(testKey, 15*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(db, signer, NewThrottle(rdb, prefix, AccountRule, AddressRule, nil), rdb, prefix, Config{
		AccessTTL: 15 * time.Minute, RefreshTTL: time.Hour, Argon2: cheap,
		UniqueViolation: database.IsUniqueViolation,
		Limiter:         ratelimit.New(rdb, prefix), Availability: AvailabilityRule, Register: RegisterRule,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEveryPasswordHashAndCheckTakesItsShareOfTheBudget(t *testing.T) {
	t.Parallel()
	env := testenv.MySQL(t)
	addr, prefix := testenv.Redis(t)
	s := newService(t, env.DB, addr, prefix)
	var hashes atomic.Int64
	s.hasher.inside = func() { hashes.Add(1) }
	ctx := t.Context()
	c := Origin{Addr: "192.0.2.1"}
	step := func(name string, want int64, fn func() error) {
		t.Helper()
		before := hashes.Load()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := hashes.Load() - before; got != want {
			t.Fatalf("%s ran %d hashes through the bound, want %d", name, got, want)
		}
	}
	step("register", 1, func() error { _, err := s.Register(ctx, c, "bounded", "password1", "13800000001", nil); return err })
	var tok *Tokens
	step("login", 1, func() (err error) { tok, err = s.Login(ctx, "bounded", "password1", c); return err })
	step("login at an unknown account", 1, func() error {
		if _, err := s.Login(ctx, "nobody_here", "password1", c); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			return err
		}
		return nil
	})
	p, err := s.Authenticate(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	step("changePassword", 2, func() error { return s.ChangePassword(ctx, p, c, "password1", "password2") })
}

// The case rule is the application's, not a collation's: it holds the same
// on MariaDB and on the embedded SQLite.
func TestUsernamesDifferingInCaseAreOneAccountOnBothDatabases(t *testing.T) {
	t.Parallel()
	sqlite, err := database.Open(t.Context(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "sf.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlite.Close() })
	for name, db := range map[string]*database.DB{"MariaDB": testenv.MySQL(t).DB, "SQLite": sqlite} {
		t.Run(name, func(t *testing.T) {
			s := newService(t, db, miniredis.RunT(t).Addr(), "sf:")
			ctx := t.Context()
			c := Origin{Addr: "192.0.2.2"}
			u, err := s.Register(ctx, c, "Alice_01", "password1", "13800000001", nil)
			if err != nil {
				t.Fatal(err)
			}
			if u.Username != "alice_01" {
				t.Fatalf("stored as %q, want alice_01", u.Username)
			}
			_, err = s.Register(ctx, c, "ALICE_01", "password1", "13800000002", nil)
			if e, ok := err.(*apperr.Error); !ok || e.Extensions()["reason"] != "TAKEN" || e.Extensions()["field"] != "username" {
				t.Fatalf("ALICE_01 next to alice_01: %v, want the username TAKEN", err)
			}
			if free, err := s.UsernameAvailable(ctx, c, "aLiCe_01 "); err != nil || free {
				t.Fatalf("aLiCe_01 available = %v, %v", free, err)
			}
			for _, account := range []string{"alice_01", "Alice_01", "ALICE_01\u3000"} {
				if _, err := s.Login(ctx, account, "password1", c); err != nil {
					t.Fatalf("login as %q: %v", account, err)
				}
			}
		})
	}
}
