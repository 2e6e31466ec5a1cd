// Package jobs is Storefront's background job queue (SMS and mail sends,
// later index updates and expiry sweeps), on Redis with asynq. Its
// promises:
//
//   - A job's id is its idempotency key: enqueueing an id that is already
//     queued, running, waiting for a retry, archived, or completed less
//     than Retention ago is a no-op that returns nil, and the handler runs
//     once.
//   - A failed attempt is retried up to MaxRetry times after Backoff; a
//     success is kept as Completed for Retention.
//   - A success leaves a done-mark (<Queue>:done:<id>, TTL Retention) before
//     it is acknowledged; an attempt of an id with a done-mark succeeds
//     without calling the handler, so an attempt whose acknowledgement was
//     lost (a worker that died, a Redis that did not answer) does not send
//     the SMS twice. When the mark cannot be read the attempt fails and is
//     retried later: a late send, never a second one.
//   - Permanent(err), an unknown kind, and a payload that does not decode
//     (JSON) archive the job at once, without retries.
//   - Enqueue has a deadline (its ctx, at most 3 s); a Redis that does not
//     answer is UNAVAILABLE (retryable: the job may or may not be queued,
//     and enqueueing the same id again is safe), never nil and never a
//     refusal.
//   - Every attempt has a deadline (Timeout). Run stops taking jobs when its
//     ctx ends and returns after the attempts in flight have finished.
//   - Failures are logged with the job's kind and id, never its payload
//     (it may hold a code).
//
// asynq keeps its own keys under asynq:{<Queue>}: and a few global ones
// (asynq:queues, asynq:servers, asynq:workers); only the done-marks are
// this package's.
//
// The embedded mode's miniredis runs every command and script asynq sends
// here as Redis does (the tests run the promises on both), but it expires
// keys only with ClockTTL(true): without it a done-mark outlives Retention.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
)

// Config sets the queue up; zero fields take the defaults.
type Config struct {
	// Queue is the asynq queue name (default "storefront"). Tests pass
	// their key prefix + "jobs" so they do not see each other's jobs.
	Queue string
	// Concurrency is how many attempts run at once (default 4).
	Concurrency int
	// MaxRetry is how many times a failed job is tried again (default 8).
	MaxRetry int
	// Backoff is the wait before retry number retried+1 (default
	// DefaultBackoff).
	Backoff func(retried int) time.Duration
	// Retention is how long a finished job's id is kept, so enqueueing it
	// again is a no-op (default 24 h; asynq counts whole seconds, so it is
	// rounded up to one).
	Retention time.Duration
	// StatsEvery is how often Run logs the queue lengths at Info (default
	// 1 min); below zero, never.
	StatsEvery time.Duration
	// Timeout is the deadline of one attempt (default 30 s).
	Timeout time.Duration
	Log     *slog.Logger
}

// enqueueTimeout caps Enqueue's wait for Redis; the same cap bounds the
// done-mark and Stats calls.
const enqueueTimeout = 3 * time.Second

func (c Config) withDefaults() Config {
	if c.Queue == "" {
		c.Queue = "storefront"
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.MaxRetry <= 0 {
		c.MaxRetry = 8
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.Retention <= 0 {
		c.Retention = 24 * time.Hour
	}
	c.Retention = ceilSecond(c.Retention)
	if c.StatsEvery == 0 {
		c.StatsEvery = time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// ceilSecond rounds d up to whole seconds, the unit asynq stores timeouts
// and retentions in: less than a second would become none.
func ceilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}

// DefaultBackoff waits 2 s before the first retry and doubles the wait up
// to 10 minutes, each wait spread by ±20% so jobs that failed together
// (a provider's outage) do not all come back in the same second.
func DefaultBackoff(retried int) time.Duration {
	const first, most = 2 * time.Second, 10 * time.Minute
	d := most
	if retried < 9 { // 2 s << 9 is past 10 min already
		d = min(first<<max(retried, 0), most)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Handler does one job. Its ctx ends at the attempt's deadline. An error
// is retried unless it is Permanent.
type Handler func(ctx context.Context, payload []byte) error

// JSON adapts a handler of a decoded payload. A payload that does not
// decode into T is Permanent: retrying the same bytes cannot fix it. Only
// the payload's decoding is judged here; a JSON error inside h (a
// provider's garbled answer) is h's to classify.
func JSON[T any](h func(ctx context.Context, v T) error) Handler {
	return func(ctx context.Context, payload []byte) error {
		var v T
		if err := json.Unmarshal(payload, &v); err != nil {
			return Permanent(fmt.Errorf("jobs: decoding the payload: %w", err))
		}
		return h(ctx, v)
	}
}

// Permanent wraps an error that retrying cannot fix (a bad template, an
// invalid number): the job is archived, not retried. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Is makes asynq see asynq.SkipRetry in the chain, which archives.
func (e permanentError) Is(target error) bool { return target == asynq.SkipRetry }

// Queue enqueues jobs and, in Run, processes them.
type Queue struct {
	rdb    redis.UniversalClient
	client *asynq.Client
	cfg    Config

	mu       sync.Mutex
	handlers map[string]Handler
	ran      bool
	closed   bool
}

// New returns a queue on rdb, which stays the caller's to close.
func New(rdb redis.UniversalClient, cfg Config) (*Queue, error) {
	if rdb == nil {
		return nil, errors.New("jobs: no Redis client")
	}
	return &Queue{
		rdb:      rdb,
		client:   asynq.NewClientFromRedisClient(rdb),
		cfg:      cfg.withDefaults(),
		handlers: map[string]Handler{},
	}, nil
}

// Handle registers h for the jobs of kind; call it before Run. A kind
// registered twice is a programming error and panics.
func (q *Queue) Handle(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("jobs: Handle needs a kind and a handler")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.handlers[kind]; dup {
		panic("jobs: a handler for " + kind + " is registered already")
	}
	q.handlers[kind] = h
}

func (q *Queue) handler(kind string) Handler {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.handlers[kind]
}

// Enqueue queues a job of kind with payload marshalled as JSON. id is the
// job's idempotency key: while a job of that id is queued, running,
// waiting for a retry, archived, or completed less than Retention ago,
// Enqueue does nothing and returns nil. A Redis that does not answer
// within ctx's deadline or 3 s is apperr.Unavailable: the job may have been
// queued, and enqueueing it again with the same id is safe.
func (q *Queue) Enqueue(ctx context.Context, kind, id string, payload any) error {
	if kind == "" || id == "" {
		return errors.New("jobs: Enqueue needs a kind and an id")
	}
	if q.isClosed() {
		return errors.New("jobs: the queue is closed")
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("jobs: marshalling the payload of %s: %w", kind, err)
	}
	ctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	defer cancel()
	_, err = q.client.EnqueueContext(ctx, asynq.NewTask(kind, body),
		asynq.Queue(q.cfg.Queue),
		asynq.TaskID(id),
		asynq.MaxRetry(q.cfg.MaxRetry),
		asynq.Retention(q.cfg.Retention),
		// Run bounds the handler by Timeout exactly; asynq counts whole
		// seconds and needs at least one.
		asynq.Timeout(ceilSecond(q.cfg.Timeout)))
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return nil
	case err != nil:
		// The arguments were checked above, so what is left is Redis not
		// answering, or answering too late for us to know.
		return apperr.Unavailable{Cause: fmt.Errorf("jobs: enqueueing %s %s: %w", kind, id, err)}
	}
	return nil
}

// Stats counts a queue's jobs by state.
type Stats struct{ Pending, Active, Scheduled, Retry, Archived, Completed int }

// Stats returns the queue's lengths. asynq's Inspector has no context, so
// they are read here, from asynq's keys, within ctx and at most 3 s; a Redis
// that does not answer is apperr.Unavailable.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	ctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	defer cancel()
	p := "asynq:{" + q.cfg.Queue + "}:"
	var pending, active, scheduled, retry, archived, completed *redis.IntCmd
	_, err := q.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pending = pipe.LLen(ctx, p+"pending")
		active = pipe.LLen(ctx, p+"active")
		scheduled = pipe.ZCard(ctx, p+"scheduled")
		retry = pipe.ZCard(ctx, p+"retry")
		archived = pipe.ZCard(ctx, p+"archived")
		completed = pipe.ZCard(ctx, p+"completed")
		return nil
	})
	if err != nil {
		return Stats{}, apperr.Unavailable{Cause: fmt.Errorf("jobs: reading the queue's lengths: %w", err)}
	}
	return Stats{
		Pending: int(pending.Val()), Active: int(active.Val()), Scheduled: int(scheduled.Val()),
		Retry: int(retry.Val()), Archived: int(archived.Val()), Completed: int(completed.Val()),
	}, nil
}

// Close makes later Enqueues fail. It closes nothing else: the Redis client
// is the caller's, and Run ends with its ctx.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	return nil
}

func (q *Queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// Drop deletes everything of queue from Redis: its jobs in every state
// and its name in asynq's list of queues. asynq's keys live outside the
// shop's key prefix, so tests that end, and a shop retiring a queue, call
// it rather than rely on the prefix. Done-marks stay (they expire).
func Drop(ctx context.Context, rdb redis.UniversalClient, queue string) error {
	tag := "asynq:{" + queue + "}:"
	// Every key of the queue shares its hash tag, so on a cluster one
	// master holds them all; SCAN through the cluster client would ask
	// any one.
	scanner := rdb
	if c, ok := rdb.(*redis.ClusterClient); ok {
		node, err := c.MasterForKey(ctx, tag)
		if err != nil {
			return err
		}
		scanner = node
	}
	iter := scanner.Scan(ctx, 0, tag+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := rdb.Del(ctx, iter.Val()).Err(); err != nil {
			return err
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	return rdb.SRem(ctx, "asynq:queues", queue).Err()
}

// Name is the queue's asynq name (Config.Queue).
func (q *Queue) Name() string { return q.cfg.Queue }
