package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/order"
)

// scenario is one row label of the tables, run at several concurrencies.
type scenario struct {
	key   string // what -only names
	name  string // the row label
	group string // which table
	concs []int
	// before runs untimed before each cell with the buyers that will take
	// part (clear their carts, fill them, open a pool).
	before func(ctx context.Context, e *env, buyers []*buyer) error
	// iter is one iteration of one worker: untimed preparation, then the
	// one timed call (w.timed).
	iter func(ctx context.Context, w *worker)
	// retries returns the counters of the retry policy the measured calls
	// go through.
	retries func(e *env) database.RetryStats
}

// cellResult is one scenario at one concurrency.
type cellResult struct {
	sc   *scenario
	conc int
	wall time.Duration
	// samples are the latencies of the timed calls that succeeded, sorted.
	samples []time.Duration
	// aux are the latencies of the untimed calls that succeeded, by
	// operation, sorted (placeOrder cells: the cart staging before each order).
	aux map[string][]time.Duration
	// errors counts failed calls by extensions.code; untimed calls' codes
	// carry the operation's name ("addToCart: CART_FULL").
	errors  map[string]int
	retries database.RetryStats
	// batches are the order combiner's counters over the window.
	batches order.BatchStats
	cpu     cpuUsage
	// load is the servers' work per timed call (untimed calls included).
	load perOp
	// err is why the cell did not run (its setup failed) or did not run
	// to the end (Ctrl-C).
	err error
}

func (r *cellResult) opsPerSec() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(len(r.samples)) / r.wall.Seconds()
}

// worker is one goroutine of a cell: one buyer, looping.
type worker struct {
	e   *env
	b   *buyer
	idx int // the buyer's index, 0..conc-1
	rng *rand.Rand
	// iter counts this worker's iterations in the cell, warm-up included.
	iter int
	// Calls that complete inside [from, to) are recorded; the rest is
	// warm-up or a straggler past the end.
	from, to time.Time
	samples  []time.Duration
	aux      map[string][]time.Duration
	errors   map[string]int
	// calls counts the timed calls recorded, failed ones included.
	calls int
	// skus is the worker's own SKU rotation, for scenarios that have one.
	skus []string
}

// timed runs the iteration's measured call; fn returns "" on success or
// the error code. It reports whether the call succeeded.
func (w *worker) timed(fn func() string) bool {
	start := time.Now()
	code := fn()
	if end := time.Now(); w.inWindow(end) {
		w.calls++
		if code != "" {
			w.errors[code]++
		} else {
			w.samples = append(w.samples, end.Sub(start))
		}
	}
	return code == ""
}

// untimed runs a preparation call: its errors are counted under op, its
// latency is kept apart from the measured calls.
func (w *worker) untimed(op string, fn func() string) bool {
	start := time.Now()
	code := fn()
	if end := time.Now(); w.inWindow(end) {
		if code != "" {
			w.errors[op+": "+code]++
		} else {
			w.aux[op] = append(w.aux[op], end.Sub(start))
		}
	}
	return code == ""
}

func (w *worker) inWindow(end time.Time) bool {
	return !end.Before(w.from) && end.Before(w.to)
}

// runCell runs sc with conc workers: warm-up, then the measured window.
// Workers stop starting iterations at the window's end, or when ctx ends
// (Ctrl-C); calls in flight then finish rather than being cut off, so an
// interrupted run leaves no half-done request behind and the invariants
// can still be checked.
func runCell(ctx context.Context, e *env, sc *scenario, conc int, pr probes) *cellResult {
	res := &cellResult{sc: sc, conc: conc, errors: map[string]int{}, aux: map[string][]time.Duration{}}
	buyers := e.buyers[:conc]
	if err := sc.before(ctx, e, buyers); err != nil {
		res.err = err
		return res
	}
	start := time.Now()
	from := start.Add(e.opts.warmup)
	to := from.Add(e.opts.duration)
	workers := make([]*worker, conc)
	calls := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{
			e: e, b: buyers[i], idx: i,
			rng:  rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(i))),
			from: from, to: to,
			errors: map[string]int{},
			aux:    map[string][]time.Duration{},
		}
		workers[i] = w
		wg.Go(func() {
			for ; time.Now().Before(to) && ctx.Err() == nil; w.iter++ {
				sc.iter(calls, w)
			}
		})
	}

	sleepUntil(ctx, from)
	cpu0, load0, retries0, batches0 := pr.pids.sample(), pr.counters.sample(calls), sc.retries(e), e.app.Orders.BatchStats()
	sleepUntil(ctx, to)
	cpu1, load1, retries1, batches1 := pr.pids.sample(), pr.counters.sample(calls), sc.retries(e), e.app.Orders.BatchStats()
	end := time.Now()
	if end.After(to) {
		end = to
	}
	wg.Wait()

	res.wall = max(end.Sub(from), 0)
	if ctx.Err() != nil {
		res.err = fmt.Errorf("interrupted")
	}
	res.cpu = cpu1.since(cpu0)
	res.retries = database.RetryStats{
		Calls:   retries1.Calls - retries0.Calls,
		Retries: retries1.Retries - retries0.Retries,
		GaveUp:  retries1.GaveUp - retries0.GaveUp,
	}
	res.batches = order.BatchStats{
		Batches: batches1.Batches - batches0.Batches,
		Batched: batches1.Batched - batches0.Batched,
		OwnTx:   batches1.OwnTx - batches0.OwnTx,
	}
	timedCalls := 0
	for _, w := range workers {
		timedCalls += w.calls
		res.samples = append(res.samples, w.samples...)
		for op, d := range w.aux {
			res.aux[op] = append(res.aux[op], d...)
		}
		for code, n := range w.errors {
			res.errors[code] += n
		}
	}
	res.load = load1.perOp(load0, timedCalls)
	slices.Sort(res.samples)
	for _, d := range res.aux {
		slices.Sort(d)
	}
	return res
}

// probes watch the machine and the servers during a cell's window.
type probes struct {
	pids     servicePIDs
	counters serverCounters
}

func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}
