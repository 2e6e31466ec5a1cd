package auth

import (
	"testing"

	"github.com/storefront/storefront/internal/testenv"
)

// A refresh whose token's session row is locked past the lock wait
// timeout (another instance rotating or revoking it) fails its first
// attempt with 1205 and runs again whole once the row is free: the client
// gets its new pair, and the old token is rotated once.
func TestARefreshBlockedPastTheLockWaitTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	addr, prefix := testenv.Redis(t)
	db := testenv.ShortLockWait(t, env, 1)
	s := newService(t, db, addr, prefix)
	c := Origin{Addr: "192.0.2.3"}
	if _, err := s.Register(ctx, c, "refresher", "password1", "13800000003", nil); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Login(ctx, "refresher", "password1", c)
	if err != nil {
		t.Fatal(err)
	}
	testenv.LockRows(t, env, func() bool { return db.Retry.Stats().Retries > 0 },
		"SELECT id FROM sessions WHERE token_hash = ?", hashToken(tok.RefreshToken))

	next, err := s.Refresh(ctx, tok.RefreshToken, c)
	if err != nil {
		t.Fatalf("Refresh while the session was locked: %v (%+v)", err, db.Retry.Stats())
	}
	if st := db.Retry.Stats(); st.Retries < 1 {
		t.Errorf("retry stats %+v, want a retry", st)
	}
	if _, err := s.Authenticate(ctx, next.AccessToken); err != nil {
		t.Fatalf("the new access token: %v", err)
	}
	if _, err := s.Refresh(ctx, next.RefreshToken, c); err != nil {
		t.Fatalf("the new refresh token: %v", err)
	}
}
