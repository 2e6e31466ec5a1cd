package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/testenv"
)

// One attempt that succeeds leaves a done-mark for Retention; a second
// attempt of the same id (a lost acknowledgement) does not call the
// handler.
func TestDoneMarkStopsASecondAttempt(t *testing.T) {
	t.Parallel()
	b := realRedis(t)
	q := newQueue(t, b, Config{Retention: time.Hour})
	var calls counter
	q.Handle("sms", func(context.Context, []byte) error { calls.add("sms"); return nil })
	for range 2 {
		if err := q.process(context.Background(), "sms", "s1", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.get("sms"); n != 1 {
		t.Errorf("handler ran %d times for two attempts of one id, want 1", n)
	}
	ttl, err := b.rdb.TTL(context.Background(), q.doneKey("s1")).Result()
	if err != nil || ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("done-mark TTL %v (%v), want about the 1 h Retention", ttl, err)
	}
	// A failed attempt leaves no mark: the retry calls the handler.
	q.Handle("fail", func(context.Context, []byte) error { calls.add("fail"); return errors.New("503") })
	for range 2 {
		if err := q.process(context.Background(), "fail", "f1", nil); err == nil {
			t.Fatal("a failing handler's attempt succeeded")
		}
	}
	if n := calls.get("fail"); n != 2 {
		t.Errorf("failing handler ran %d times for two attempts, want 2", n)
	}
}

// The same job delivered again by asynq itself, after asynq forgot the
// first run (its record deleted here), completes without the handler.
func TestDoneMarkStopsARedelivery(t *testing.T) {
	t.Parallel()
	b := realRedis(t)
	var logs logBuffer
	q := newQueue(t, b, Config{Retention: time.Hour, Log: logs.logger()})
	var calls counter
	q.Handle("sms", func(context.Context, []byte) error { calls.add("sms"); return nil })
	start(t, q)
	enqueue(t, q, "sms", "r1", "x")
	waitFor(t, "completed", 20*time.Second, func() bool { return stats(t, q).Completed == 1 })
	if err := asynq.NewInspectorFromRedisClient(b.rdb).DeleteTask(b.queue, "r1"); err != nil {
		t.Fatal(err)
	}
	enqueue(t, q, "sms", "r1", "x")
	waitFor(t, "completed again", 20*time.Second, func() bool { return stats(t, q).Completed == 1 })
	if n := calls.get("sms"); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
	if !strings.Contains(logs.String(), `msg="job already done, not run again" kind=sms id=r1`) {
		t.Errorf("no log of the skipped attempt:\n%s", logs.String())
	}
}

// A done-mark that cannot be read fails the attempt without calling the
// handler: it is retried later instead of maybe sent twice.
func TestDoneMarkUnreadableFailsTheAttempt(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedisServer(t)
	q := newQueue(t, backend{rdb: newClient(t, srv.Addr), queue: "jobs"}, Config{})
	var calls counter
	q.Handle("sms", func(context.Context, []byte) error { calls.add("sms"); return nil })
	srv.Stop()
	err := q.process(context.Background(), "sms", "d1", nil)
	if err == nil || errors.Is(err, asynq.SkipRetry) {
		t.Errorf("attempt with Redis down: %v, want a retryable error", err)
	}
	if n := calls.get("sms"); n != 0 {
		t.Errorf("handler ran %d times with Redis down, want 0", n)
	}
}

func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var u apperr.Unavailable
	if !errors.As(err, &u) || apperr.CodeOf(err) != apperr.CodeUnavailable || u.Extensions()["retryable"] != true {
		t.Errorf("%s: %v (%T), want apperr.Unavailable", what, err, err)
	}
}

func TestEnqueueRedisDownIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedisServer(t)
	q := newQueue(t, backend{rdb: newClient(t, srv.Addr), queue: "jobs"}, Config{})
	enqueue(t, q, "sms", "before", "x") // the server answers at first

	srv.Pause() // answers nothing: the 3 s cap ends the wait
	began := time.Now()
	err := q.Enqueue(context.Background(), "sms", "frozen", "x")
	took := time.Since(began)
	wantUnavailable(t, "Enqueue with Redis frozen", err)
	if took < 2*time.Second || took > 5*time.Second {
		t.Errorf("Enqueue with Redis frozen took %v, want its 3 s cap", took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began = time.Now()
	err = q.Enqueue(ctx, "sms", "frozen", "x")
	wantUnavailable(t, "Enqueue with Redis frozen and a 200 ms ctx", err)
	if took := time.Since(began); took > time.Second {
		t.Errorf("Enqueue with a 200 ms ctx took %v", took)
	}
	_, err = q.Stats(context.Background())
	wantUnavailable(t, "Stats with Redis frozen", err)
	srv.Resume()

	srv.Stop()
	wantUnavailable(t, "Enqueue with Redis stopped", q.Enqueue(context.Background(), "sms", "down", "x"))
}

func TestEnqueueRefusesWhatItCannotQueue(t *testing.T) {
	t.Parallel()
	q := newQueue(t, realRedis(t), Config{})
	for _, c := range []struct {
		kind, id string
		payload  any
	}{{"", "id", 1}, {"sms", "", 1}, {"sms", "id", func() {}}} {
		err := q.Enqueue(context.Background(), c.kind, c.id, c.payload)
		if err == nil || apperr.CodeOf(err) != "" {
			t.Errorf("Enqueue(%q, %q, %T): %v, want an internal error", c.kind, c.id, c.payload, err)
		}
	}
	_ = q.Close()
	if err := q.Enqueue(context.Background(), "sms", "id", 1); err == nil {
		t.Error("Enqueue after Close succeeded")
	}
}

// Run returns after its ctx ends, once the attempt in flight finished and
// was acknowledged.
func TestRunFinishesTheAttemptInFlight(t *testing.T) {
	t.Parallel()
	b := realRedis(t)
	q := newQueue(t, b, Config{})
	entered, release := make(chan struct{}), make(chan struct{})
	var done counter
	q.Handle("slow", func(ctx context.Context, _ []byte) error {
		close(entered)
		<-release
		done.add("slow")
		return ctx.Err() // nil: ending Run does not cancel the attempt
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- q.Run(ctx) }()
	enqueue(t, q, "slow", "s1", nil)
	select {
	case <-entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the job did not start")
	}
	cancel()
	select {
	case err := <-ran:
		t.Fatalf("Run returned (%v) while an attempt was in flight", err)
	case <-time.After(time.Second):
	}
	close(release)
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after the attempt finished")
	}
	if n := done.get("slow"); n != 1 {
		t.Errorf("attempt finished %d times, want 1", n)
	}
	if s := stats(t, q); s != (Stats{Completed: 1}) {
		t.Errorf("after Run: %+v, want the job completed", s)
	}
	if err := q.Run(context.Background()); err == nil {
		t.Error("a second Run started")
	}
}

// Stats reads the lengths asynq's own Inspector sees, and Run logs them
// every StatsEvery.
func TestStatsAndTheirLog(t *testing.T) {
	t.Parallel()
	b := realRedis(t)
	var logs logBuffer
	q := newQueue(t, b, Config{StatsEvery: 100 * time.Millisecond, Log: logs.logger(),
		Backoff: func(int) time.Duration { return time.Hour }})
	if s := stats(t, q); s != (Stats{}) {
		t.Errorf("a new queue: %+v, want all 0", s)
	}
	q.Handle("ok", func(context.Context, []byte) error { return nil })
	q.Handle("fail", func(context.Context, []byte) error { return errors.New("503") })
	q.Handle("bad", func(context.Context, []byte) error { return Permanent(errors.New("no")) })
	for i, kind := range []string{"ok", "ok", "fail", "bad"} {
		enqueue(t, q, kind, fmt.Sprint(i), nil)
	}
	if s := stats(t, q); s != (Stats{Pending: 4}) {
		t.Errorf("before Run: %+v, want 4 pending", s)
	}
	start(t, q)
	want := Stats{Completed: 2, Retry: 1, Archived: 1}
	waitFor(t, "the jobs done", 20*time.Second, func() bool { return stats(t, q) == want })

	info, err := asynq.NewInspectorFromRedisClient(b.rdb).GetQueueInfo(b.queue)
	if err != nil {
		t.Fatal(err)
	}
	if got := (Stats{info.Pending, info.Active, info.Scheduled, info.Retry, info.Archived, info.Completed}); got != want {
		t.Errorf("asynq's Inspector sees %+v, Stats %+v", got, want)
	}
	line := fmt.Sprintf(`level=INFO msg="job queue" queue=%s pending=0 active=0 scheduled=0 retry=1 archived=1 completed=2`, b.queue)
	waitFor(t, "the stats logged", 5*time.Second, func() bool { return strings.Contains(logs.String(), line) })
}

// StatsEvery below zero logs no stats.
func TestStatsNeverLogged(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	q := newQueue(t, realRedis(t), Config{StatsEvery: -1, Log: logs.logger()})
	start(t, q)
	time.Sleep(time.Second)
	if strings.Contains(logs.String(), `msg="job queue"`) {
		t.Errorf("stats logged with StatsEvery -1:\n%s", logs.String())
	}
}

// The handler's ctx ends at Timeout.
func TestHandlerDeadlineIsTimeout(t *testing.T) {
	t.Parallel()
	q := newQueue(t, realRedis(t), Config{Timeout: 1500 * time.Millisecond})
	got := make(chan time.Duration, 1)
	q.Handle("k", func(ctx context.Context, _ []byte) error {
		d, ok := ctx.Deadline()
		if !ok {
			got <- -1
		} else {
			got <- time.Until(d)
		}
		return nil
	})
	start(t, q)
	enqueue(t, q, "k", "1", nil)
	select {
	case left := <-got:
		if left < time.Second || left > 1500*time.Millisecond {
			t.Errorf("handler's deadline %v away, want at most the 1.5 s Timeout", left)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the job did not run")
	}
}

// An unknown kind is archived with an error log; failures are logged with
// kind and id and never with the payload.
func TestFailuresLoggedWithoutPayload(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	q := newQueue(t, realRedis(t), Config{Log: logs.logger(), Backoff: func(int) time.Duration { return time.Hour }})
	q.Handle("sms", func(context.Context, []byte) error { return errors.New("gateway 503") })
	start(t, q)
	const secret = "code-493817"
	enqueue(t, q, "nobody", "u1", map[string]string{"code": secret})
	enqueue(t, q, "sms", "s1", map[string]string{"code": secret})
	waitFor(t, "1 archived, 1 retry", 20*time.Second, func() bool { return stats(t, q) == Stats{Archived: 1, Retry: 1} })
	out := logs.String()
	for _, want := range []string{
		`level=ERROR msg="job failed permanently, archived" kind=nobody id=u1 retried=0 err="jobs: no handler for kind \"nobody\""`,
		`level=WARN msg="job failed, will retry" kind=sms id=s1 retried=0 err="gateway 503"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Errorf("the payload is in the log:\n%s", out)
	}
}

// A payload that does not decode is Permanent: archived, the handler not
// called.
func TestJSONPayloadErrorIsPermanent(t *testing.T) {
	t.Parallel()
	q := newQueue(t, realRedis(t), Config{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	type sms struct {
		Mobile string `json:"mobile"`
	}
	var calls counter
	q.Handle("sms", JSON(func(_ context.Context, v sms) error { calls.add(v.Mobile); return nil }))
	start(t, q)
	enqueue(t, q, "sms", "good", sms{Mobile: "13800000000"})
	enqueue(t, q, "sms", "bad", []int{1, 2})
	waitFor(t, "1 completed, 1 archived", 20*time.Second, func() bool { return stats(t, q) == Stats{Completed: 1, Archived: 1} })
	if calls.get("13800000000") != 1 || calls.keys() != 1 {
		t.Errorf("handler called for %d payloads, want the good job's only", calls.keys())
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	cause := errors.New("invalid number")
	err := Permanent(cause)
	if !errors.Is(err, cause) || !errors.Is(err, asynq.SkipRetry) || err.Error() != "invalid number" {
		t.Errorf("Permanent(%v) = %v: wraps the cause %v, asynq.SkipRetry %v",
			cause, err, errors.Is(err, cause), errors.Is(err, asynq.SkipRetry))
	}
	if !errors.Is(fmt.Errorf("sending: %w", err), asynq.SkipRetry) {
		t.Error("a wrapped Permanent is retried")
	}
}

func TestDefaultBackoff(t *testing.T) {
	for retried, base := range map[int]time.Duration{
		0: 2 * time.Second, 1: 4 * time.Second, 5: 64 * time.Second, 8: 512 * time.Second,
		9: 10 * time.Minute, 30: 10 * time.Minute, 100: 10 * time.Minute,
	} {
		seen := map[time.Duration]bool{}
		for range 100 {
			d := DefaultBackoff(retried)
			seen[d] = true
			if d < base*8/10 || d > base*12/10 {
				t.Fatalf("DefaultBackoff(%d) = %v, want %v ± 20%%", retried, d, base)
			}
		}
		if len(seen) < 50 {
			t.Errorf("DefaultBackoff(%d) gave %d values in 100 calls: no jitter", retried, len(seen))
		}
	}
}
