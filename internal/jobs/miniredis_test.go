package jobs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// commandLog records every command a client sends and every error a
// server answers (but nil replies, and the NOSCRIPT that makes go-redis
// send a script's body once), so a test can show which of asynq's
// commands a server refuses.
type commandLog struct {
	queue string
	mu    sync.Mutex
	names map[string]int
	errs  []string
}

func (l *commandLog) note(cmd redis.Cmder, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.names == nil {
		l.names = map[string]int{}
	}
	name := cmd.Name()
	args := cmd.Args()
	if (name == "evalsha" || name == "eval") && len(args) > 2 {
		// A script by the keys it touches, the test's queue spelled Q.
		n, _ := args[2].(int)
		var keys []string
		for _, k := range args[3:min(3+n, len(args))] {
			ks, _ := k.(string)
			keys = append(keys, strings.NewReplacer(l.queue, "Q").Replace(ks))
		}
		name = "script(" + strings.Join(keys, " ") + ")"
	}
	if name == "client" && len(args) > 1 {
		// go-redis's connection handshake sends CLIENT SETINFO and CLIENT
		// MAINT_NOTIFICATIONS and goes on when they are refused, as both
		// servers here do.
		if sub, _ := args[1].(string); sub == "setinfo" || sub == "maint_notifications" {
			return
		}
	}
	l.names[name]++
	var rerr redis.Error
	if err == nil || errors.Is(err, redis.Nil) || !errors.As(err, &rerr) || strings.HasPrefix(err.Error(), "NOSCRIPT") {
		return // a nil reply, or no answer at all (the client closing)
	}
	l.errs = append(l.errs, cmd.String()+" → "+err.Error())
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		l.note(cmd, err)
		return err
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			l.note(c, c.Err())
		}
		return err
	}
}

// testEveryCommand drives every part of asynq the queue uses (enqueue,
// dequeue, success, retry and the forwarder, archive, an unknown kind,
// the heartbeat extending a lease of a job longer than 5 s, the janitor
// dropping completed jobs past Retention, the recoverer at start, the
// shutdown) and fails on any error a Redis command got back.
func testEveryCommand(t *testing.T, b backend) {
	cmds := commandLog{queue: b.queue}
	b.rdb.AddHook(&cmds)
	var logs logBuffer
	q := newQueue(t, b, Config{Retention: time.Second, Log: logs.logger(),
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	var calls counter
	q.Handle("ok", func(context.Context, []byte) error { calls.add("ok"); return nil })
	q.Handle("flaky", func(context.Context, []byte) error {
		if calls.add("flaky") == 1 {
			return errors.New("try again")
		}
		return nil
	})
	q.Handle("bad", func(context.Context, []byte) error { return Permanent(errors.New("no")) })
	q.Handle("long", func(context.Context, []byte) error { time.Sleep(6 * time.Second); return nil })
	stop := start(t, q)
	for _, kind := range []string{"ok", "flaky", "bad", "nobody", "long"} {
		enqueue(t, q, kind, kind+"-1", kind)
	}
	waitFor(t, "4 completed, 2 archived", 30*time.Second, func() bool {
		s := stats(t, q)
		return s.Completed+s.Archived == 5 && s.Archived == 2
	})
	// The janitor (every 8 s) drops completed jobs past their Retention.
	waitFor(t, "the janitor", 30*time.Second, func() bool { return stats(t, q).Completed == 0 })
	stop()
	if got := stats(t, q); got != (Stats{Archived: 2}) {
		t.Errorf("stats %+v, want the 2 archived only", got)
	}

	cmds.mu.Lock()
	defer cmds.mu.Unlock()
	names := make([]string, 0, len(cmds.names))
	for n := range cmds.names {
		names = append(names, n)
	}
	slices.Sort(names)
	t.Logf("commands sent: %s", strings.Join(names, " | "))
	for _, e := range cmds.errs {
		t.Errorf("Redis refused: %s", e)
	}
	// asynq reports what fails outside a command's answer (SUBSCRIBE to
	// its cancel channel, a sync it had to retry) in its log.
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "component=asynq") && !strings.Contains(line, "level=INFO") &&
			!strings.Contains(line, "Retry exhausted for task") {
			t.Errorf("asynq logged: %s", line)
		}
	}
}

func TestEveryCommandOnRedis(t *testing.T) {
	t.Parallel()
	testEveryCommand(t, realRedis(t))
}

func TestEveryCommandOnMiniredis(t *testing.T) {
	t.Parallel()
	testEveryCommand(t, miniRedis(t))
}

// Without ClockTTL miniredis never expires a key by itself (TTLs only
// fall with FastForward): a done-mark would outlive Retention, and an id
// enqueued again after asynq forgot it would be skipped for the life of
// the process. The embedded mode needs m.ClockTTL(true); with it the
// done-mark ends with Retention, as on Redis.
func TestMiniredisDoneMarkNeedsClockTTL(t *testing.T) {
	t.Parallel()
	for _, clock := range []bool{false, true} {
		m := miniredis.RunT(t)
		m.ClockTTL(clock)
		b := backend{rdb: newClient(t, m.Addr()), queue: "jobs"}
		q := newQueue(t, b, Config{Retention: time.Second})
		q.Handle("ok", func(context.Context, []byte) error { return nil })
		if err := q.process(context.Background(), "ok", "x", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		left := m.Exists(q.doneKey("x"))
		if left == clock {
			t.Errorf("ClockTTL(%v): done-mark still there 1.5 s after a 1 s Retention: %v", clock, left)
		}
	}
}
