package jobs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// The promises that must hold on Redis and on miniredis alike (the
// embedded mode): once per id, retries, permanent failures.

// testOnce: an id enqueued while queued, while running and after it
// completed runs once.
func testOnce(t *testing.T, b backend) {
	q := newQueue(t, b, Config{Retention: time.Hour})
	var runs counter
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	q.Handle("sms", func(_ context.Context, payload []byte) error {
		id := string(payload)
		runs.add(id)
		if id == `"running"` {
			entered <- struct{}{}
			<-release
		}
		return nil
	})

	// Queued: three in a row and three at once, before any worker runs.
	for range 3 {
		enqueue(t, q, "sms", "queued", "queued")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() { errs <- q.Enqueue(context.Background(), "sms", "together", "together") })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Enqueue: %v", err)
		}
	}
	if s := stats(t, q); s.Pending != 2 {
		t.Fatalf("after 6 enqueues of 2 ids: %+v, want Pending 2", s)
	}

	start(t, q)
	waitFor(t, "2 completed", 20*time.Second, func() bool { return stats(t, q).Completed == 2 })

	// Running: enqueued again while its handler is in the middle.
	enqueue(t, q, "sms", "running", "running")
	<-entered
	enqueue(t, q, "sms", "running", "running")
	close(release)
	waitFor(t, "3 completed", 20*time.Second, func() bool { return stats(t, q).Completed == 3 })

	// Retained: completed within Retention.
	for _, id := range []string{"queued", "together", "running"} {
		enqueue(t, q, "sms", id, id)
	}
	// A worker polls at least every 1.5 s: anything queued would run by now.
	time.Sleep(2500 * time.Millisecond)
	for _, id := range []string{"queued", "together", "running"} {
		if n := runs.get(`"` + id + `"`); n != 1 {
			t.Errorf("job %s ran %d times, want 1", id, n)
		}
	}
	if s := stats(t, q); s != (Stats{Completed: 3}) {
		t.Errorf("stats %+v, want 3 completed and nothing else", s)
	}
}

// testRetry: fails twice, then succeeds: three runs, one side effect,
// Completed; the done-mark it left stops a further attempt.
func testRetry(t *testing.T, b backend) {
	q := newQueue(t, b, Config{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	var calls, sent counter
	q.Handle("mail", func(context.Context, []byte) error {
		if calls.add("mail") <= 2 {
			return errors.New("provider said 503")
		}
		sent.add("mail")
		return nil
	})
	start(t, q)
	enqueue(t, q, "mail", "m1", map[string]string{"to": "a@example.com"})
	waitFor(t, "a retry", 20*time.Second, func() bool { return calls.get("mail") >= 1 })
	// Enqueued again while it waits for a retry (or runs it): a no-op.
	enqueue(t, q, "mail", "m1", map[string]string{"to": "a@example.com"})
	waitFor(t, "completed", 30*time.Second, func() bool { return stats(t, q).Completed == 1 })
	if n := calls.get("mail"); n != 3 {
		t.Errorf("handler ran %d times, want 3", n)
	}
	if n := sent.get("mail"); n != 1 {
		t.Errorf("sent %d times, want 1", n)
	}
	if s := stats(t, q); s != (Stats{Completed: 1}) {
		t.Errorf("stats %+v, want 1 completed and nothing else", s)
	}
	// Another attempt of m1 (as after a lost acknowledgement) finds the
	// mark the real run left and does not call the handler.
	if err := q.process(context.Background(), "mail", "m1", []byte(`{}`)); err != nil {
		t.Fatalf("an attempt of a done job: %v", err)
	}
	if n := calls.get("mail"); n != 3 {
		t.Errorf("after a further attempt the handler ran %d times, want 3", n)
	}
}

// testPermanent: Permanent archives at once.
func testPermanent(t *testing.T, b backend) {
	q := newQueue(t, b, Config{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	var calls counter
	q.Handle("sms", func(context.Context, []byte) error {
		calls.add("sms")
		return Permanent(errors.New("invalid mobile number"))
	})
	start(t, q)
	enqueue(t, q, "sms", "p1", "x")
	waitFor(t, "archived", 20*time.Second, func() bool { return stats(t, q).Archived == 1 })
	// Time for a retry to show, were there one (backoff 10 ms, forwarded
	// every second).
	time.Sleep(2500 * time.Millisecond)
	if n := calls.get("sms"); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
	if s := stats(t, q); s != (Stats{Archived: 1}) {
		t.Errorf("stats %+v, want 1 archived and nothing else", s)
	}
	// An archived id is kept too: enqueueing it again is a no-op.
	enqueue(t, q, "sms", "p1", "x")
	time.Sleep(2500 * time.Millisecond)
	if n := calls.get("sms"); n != 1 {
		t.Errorf("after enqueueing the archived id again the handler ran %d times, want 1", n)
	}
}

func TestOncePerID(t *testing.T)         { t.Parallel(); testOnce(t, realRedis(t)) }
func TestRetryThenSuccess(t *testing.T)  { t.Parallel(); testRetry(t, realRedis(t)) }
func TestPermanentArchives(t *testing.T) { t.Parallel(); testPermanent(t, realRedis(t)) }

// The embedded mode runs the worker in process on miniredis: asynq's
// scripts and commands must work there.
func TestMiniredis(t *testing.T) {
	t.Parallel()
	t.Run("once per id", func(t *testing.T) { t.Parallel(); testOnce(t, miniRedis(t)) })
	t.Run("retry then success", func(t *testing.T) { t.Parallel(); testRetry(t, miniRedis(t)) })
	t.Run("permanent", func(t *testing.T) { t.Parallel(); testPermanent(t, miniRedis(t)) })
}
