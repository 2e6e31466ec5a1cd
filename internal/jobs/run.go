package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// forwardEvery is how often a due retry moves back to pending. asynq's
// 5 s default would add up to 5 s to every retry; one small script a
// second per instance is cheap.
const forwardEvery = time.Second

// shutdownGrace is what Run waits past Timeout for the attempts in flight:
// an attempt ends by its deadline, and its acknowledgement needs a moment.
const shutdownGrace = 5 * time.Second

// Run processes jobs until ctx ends, then stops taking new ones, waits for
// the attempts in flight (they keep their own deadlines, not ctx's end) and
// returns nil. A queue runs once.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	if q.ran {
		q.mu.Unlock()
		return errors.New("jobs: Run was called already")
	}
	q.ran = true
	q.mu.Unlock()

	srv := asynq.NewServerFromRedisClient(q.rdb, asynq.Config{
		Concurrency: q.cfg.Concurrency,
		// Values of ctx reach the handlers, its end does not: an attempt
		// in flight finishes.
		BaseContext:              func() context.Context { return context.WithoutCancel(ctx) },
		RetryDelayFunc:           func(n int, _ error, _ *asynq.Task) time.Duration { return q.cfg.Backoff(n) },
		Queues:                   map[string]int{q.cfg.Queue: 1},
		ErrorHandler:             asynq.ErrorHandlerFunc(q.logFailure),
		Logger:                   asynqLogger{q.cfg.Log.With("component", "asynq")},
		LogLevel:                 asynq.InfoLevel,
		ShutdownTimeout:          q.cfg.Timeout + shutdownGrace,
		DelayedTaskCheckInterval: forwardEvery,
	})
	if err := srv.Start(asynq.HandlerFunc(q.processTask)); err != nil {
		return fmt.Errorf("jobs: starting the worker: %w", err)
	}
	var wg sync.WaitGroup
	if q.cfg.StatsEvery > 0 {
		wg.Go(func() { q.logStats(ctx) })
	}
	<-ctx.Done()
	srv.Shutdown()
	wg.Wait()
	return nil
}

func (q *Queue) processTask(ctx context.Context, t *asynq.Task) error {
	id, _ := asynq.GetTaskID(ctx)
	return q.process(ctx, t.Type(), id, t.Payload())
}

func (q *Queue) doneKey(id string) string { return q.cfg.Queue + ":done:" + id }

// process is one attempt of job id: the handler, between the done-mark's
// check and its write.
func (q *Queue) process(ctx context.Context, kind, id string, payload []byte) error {
	h := q.handler(kind)
	if h == nil {
		return Permanent(fmt.Errorf("jobs: no handler for kind %q", kind))
	}
	rctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	n, err := q.rdb.Exists(rctx, q.doneKey(id)).Result()
	cancel()
	if err != nil {
		// Not knowing whether it ran, wait: a late SMS beats a second one.
		return fmt.Errorf("jobs: reading the done-mark: %w", err)
	}
	if n > 0 {
		q.cfg.Log.InfoContext(ctx, "job already done, not run again", "kind", kind, "id", id)
		return nil
	}

	hctx, cancel := context.WithTimeout(ctx, q.cfg.Timeout)
	err = h(hctx, payload)
	cancel()
	if err != nil {
		return err
	}

	// The attempt's deadline may have passed while h returned: the mark
	// gets its own.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	if err := q.rdb.Set(wctx, q.doneKey(id), "1", q.cfg.Retention).Err(); err != nil {
		// Failing now would run a job that succeeded again; without the
		// mark only a lost acknowledgement would.
		q.cfg.Log.WarnContext(ctx, "job done but its done-mark was not written",
			"kind", kind, "id", id, "err", err)
	}
	return nil
}

// logFailure logs a failed attempt by kind and id; the payload stays out
// of the logs.
func (q *Queue) logFailure(ctx context.Context, t *asynq.Task, err error) {
	id, _ := asynq.GetTaskID(ctx)
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	attrs := []any{"kind", t.Type(), "id", id, "retried", retried, "err", err}
	switch {
	case errors.Is(err, asynq.SkipRetry):
		q.cfg.Log.ErrorContext(ctx, "job failed permanently, archived", attrs...)
	case retried >= maxRetry:
		q.cfg.Log.ErrorContext(ctx, "job failed its last try, archived", attrs...)
	default:
		q.cfg.Log.WarnContext(ctx, "job failed, will retry", attrs...)
	}
}

func (q *Queue) logStats(ctx context.Context) {
	tick := time.NewTicker(q.cfg.StatsEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s, err := q.Stats(ctx)
		if err != nil {
			if ctx.Err() == nil {
				q.cfg.Log.WarnContext(ctx, "job queue lengths unreadable", "queue", q.cfg.Queue, "err", err)
			}
			continue
		}
		q.cfg.Log.InfoContext(ctx, "job queue", "queue", q.cfg.Queue,
			"pending", s.Pending, "active", s.Active, "scheduled", s.Scheduled,
			"retry", s.Retry, "archived", s.Archived, "completed", s.Completed)
	}
}

// asynqLogger hands asynq's own messages (which name tasks by id, never
// by payload) to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }

// Fatal is not called by asynq v0.26; should it be, the process is not
// asynq's to end.
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }
