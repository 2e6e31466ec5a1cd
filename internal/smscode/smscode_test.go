package smscode_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/smscode"
	"github.com/storefront/storefront/internal/testenv"
)

var hmacKey = []byte(strings.Repeat("k", 32))

func TestMain(m *testing.M) { testenv.Main(m) }

func newStore(t *testing.T, cfg smscode.Config) (*smscode.Store, redis.UniversalClient, string) {
	t.Helper()
	addr, prefix := testenv.Redis(t)
	rdb := testenv.NewRedisClient(t, addr)
	s, err := smscode.New(rdb, prefix, hmacKey, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, rdb, prefix
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: %v; want %s", what, err, code)
	}
}

func retryAfter(err error) int64 {
	e, ok := err.(*apperr.Error)
	if !ok {
		return -1
	}
	v, _ := e.Extensions()["retryAfter"].(int64)
	return v
}

func TestACodeWorksOnceForItsMobileAndPurposeOnly(t *testing.T) {
	t.Parallel()
	s, rdb, prefix := newStore(t, smscode.Config{})
	ctx := t.Context()
	code, err := s.Issue(ctx, "13800138000", smscode.Register, "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Fatalf("code %q", code)
	}
	keys, err := testenv.Keys(ctx, rdb, prefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if v := rdb.Dump(ctx, k).Val(); strings.Contains(v, code) {
			t.Fatalf("Redis key %s holds the code in the clear", k)
		}
	}
	wantCode(t, s.Check(ctx, "13800138001", smscode.Register, code), apperr.CodeBadUserInput, "another mobile")
	wantCode(t, s.Check(ctx, "13800138000", smscode.ResetPassword, code), apperr.CodeBadUserInput, "another purpose")
	if err := s.Check(ctx, "13800138000", smscode.Register, code); err != nil {
		t.Fatalf("the right code: %v", err)
	}
	wantCode(t, s.Check(ctx, "13800138000", smscode.Register, code), apperr.CodeBadUserInput, "the right code again")
}

func TestFiveWrongCodesBurnIt(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t, smscode.Config{})
	ctx := t.Context()
	code, err := s.Issue(ctx, "13900139000", smscode.Login, "198.51.100.2")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 5 {
		wantCode(t, s.Check(ctx, "13900139000", smscode.Login, wrong), apperr.CodeBadUserInput, "wrong try")
	}
	wantCode(t, s.Check(ctx, "13900139000", smscode.Login, code), apperr.CodeBadUserInput, "the right code after five wrong ones")
	for _, bad := range []string{"", "12345", "1234567", strings.Repeat("9", 1000)} {
		wantCode(t, s.Check(ctx, "13900139000", smscode.Login, bad), apperr.CodeBadUserInput, "malformed "+bad)
	}
}

func TestAMobileGetsOneCodeAMinute(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t, smscode.Config{})
	ctx := t.Context()
	if _, err := s.Issue(ctx, "13700137000", smscode.Register, "198.51.100.3"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Issue(ctx, "13700137000", smscode.ResetPassword, "198.51.100.4")
	wantCode(t, err, apperr.CodeRateLimited, "a second code within the minute")
	if ra := retryAfter(err); ra < 55 || ra > 60 {
		t.Fatalf("retryAfter %d, want about 60", ra)
	}
	if _, err := s.Issue(ctx, "13700137001", smscode.Register, "198.51.100.3"); err != nil {
		t.Fatalf("another mobile: %v", err)
	}
}

func TestDailyCapsPerMobileAndPerAddressResetTheNextDay(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t, smscode.Config{Resend: time.Millisecond, PerMobileDay: 3, PerAddressDay: 5})
	ctx := t.Context()
	day := time.Date(2026, 12, 2, 23, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return day }
	issue := func(mobile, addr string) error {
		time.Sleep(3 * time.Millisecond) // past the resend window
		_, err := s.Issue(ctx, mobile, smscode.Register, addr)
		return err
	}
	for i := range 3 {
		if err := issue("13600136000", "198.51.100.5"); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
	}
	err := issue("13600136000", "198.51.100.6")
	wantCode(t, err, apperr.CodeRateLimited, "a fourth code to one mobile in a day")
	if ra := retryAfter(err); ra < 3500 || ra > 3600 {
		t.Fatalf("retryAfter %d, want the hour to midnight", ra)
	}
	// The address has spent 3 of its 5; two more mobiles, then it is done.
	for _, m := range []string{"13600136001", "13600136002"} {
		if err := issue(m, "198.51.100.5"); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, issue("13600136003", "198.51.100.5"), apperr.CodeRateLimited, "a sixth code from one address")
	day = day.Add(2 * time.Hour) // the next UTC day
	if err := issue("13600136000", "198.51.100.5"); err != nil {
		t.Fatalf("the next day: %v", err)
	}
}

func TestARedisThatDoesNotAnswerIsUnavailableNotAWrongCode(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := smscode.New(rdb, "t:", hmacKey, smscode.Config{})
	if err != nil {
		t.Fatal(err)
	}
	code, err := s.Issue(t.Context(), "13500135000", smscode.Register, "198.51.100.9")
	if err != nil {
		t.Fatal(err)
	}
	rs.Stop()
	wantCode(t, s.Check(t.Context(), "13500135000", smscode.Register, code), apperr.CodeUnavailable, "check with Redis down")
	_, err = s.Issue(t.Context(), "13500135001", smscode.Register, "198.51.100.9")
	wantCode(t, err, apperr.CodeUnavailable, "issue with Redis down")
}
