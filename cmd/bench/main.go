// Command bench measures Storefront's throughput over real HTTP on MariaDB
// and Redis and prints tables; `make bench` runs it. It is not a test and
// asserts no time: the one thing that fails it is a broken invariant in the
// database afterwards (oversold stock, a unit lost or invented, an order
// without lines).
//
// Each run creates its own database (storefront_bench_<random>) and Redis
// key prefix (bench:<random>:), seeds the demo catalog (seed.Catalog, for
// the discovery rows) and a bench catalog (one hot SKU, 1000 spread SKUs
// for the orders), starts the real server in process on a random local port,
// registers up to 128 buyers through GraphQL, runs every scenario at each
// concurrency, checks the invariants and removes the database and keys
// (also on error or Ctrl-C; -keep keeps them). docs/BENCHMARKS.md says what
// each row measures.
//
//	STOREFRONT_BENCH_MYSQL  server DSN, no database (default root@tcp(127.0.0.1:3306)/)
//	STOREFRONT_BENCH_REDIS  Redis host:port (default 127.0.0.1:6379)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	duration, warmup time.Duration
	concs            []int // overrides every scenario's concurrencies
	only             []string
	keep             bool
	cpuProfile       string
	metricsOut       string // -metrics: where the server's /metrics goes after the run
	mysqlDSN         string
	redisAddr        string
	buyers           int // the highest concurrency to run
}

// Exit codes.
const (
	exitOK          = 0
	exitViolation   = 1 // an invariant does not hold
	exitError       = 2 // the bench itself failed
	exitInterrupted = 130
)

func main() { os.Exit(run()) }

func run() int {
	opts, scs, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return exitError
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first Ctrl-C the run winds down and cleans up; a second one
	// kills the process at once (leaving the database behind).
	go func() { <-ctx.Done(); stop() }()

	e := &env{opts: opts}
	defer e.close()
	fmt.Fprintf(os.Stderr, "bench: setting up (%d buyers)\n", opts.buyers)
	if err := setup(ctx, e); err != nil {
		fmt.Fprintln(os.Stderr, "bench: setup:", err)
		if ctx.Err() != nil {
			return exitInterrupted
		}
		return exitError
	}
	fmt.Fprintf(os.Stderr, "bench: database %s, Redis prefix %s, server %s\n", e.dbName, e.prefix, e.client.url)

	if opts.cpuProfile != "" {
		f, err := os.Create(opts.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return exitError
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return exitError
		}
		defer pprof.StopCPUProfile()
	}

	pr := probes{pids: findServices(), counters: serverCounters{db: e.server, rdb: e.rdb}}
	var results []*cellResult
	for _, sc := range scs {
		for _, conc := range sc.concs {
			if ctx.Err() != nil {
				break
			}
			fmt.Fprintf(os.Stderr, "bench: %s at %d\n", sc.name, conc)
			r := runCell(ctx, e, sc, conc, pr)
			if r.err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s at %d: %v\n", sc.name, conc, r.err)
			}
			results = append(results, r)
		}
	}

	fmt.Printf("storefront bench: %s per cell after %s warm-up, GOMAXPROCS %d, %d SKUs (1 hot + %d spread + %d demo in %d leaf categories), %d buyers\n",
		opts.duration, opts.warmup, runtime.GOMAXPROCS(0), 1+len(e.spread)+e.demoSKUs, len(e.spread), e.demoSKUs, len(e.leaves), len(e.buyers))
	printTables(os.Stdout, results)
	fmt.Println()
	if opts.metricsOut != "" {
		if err := writeMetrics(e.app.MetricsHandler, opts.metricsOut); err != nil {
			fmt.Fprintln(os.Stderr, "bench: -metrics:", err)
		}
	}

	// Checked after Ctrl-C too: the cells let their calls finish, and the
	// invariants must hold at any moment anyway.
	checkCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	violations, summary, err := checkInvariants(checkCtx, e.app.DB.SQL, e.initial)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: checking invariants:", err)
		return exitError
	}
	if len(violations) > 0 {
		fmt.Printf("invariants: %d VIOLATED (%s)\n", len(violations), summary)
		for i, v := range violations {
			if i == 20 {
				fmt.Printf("  ... and %d more\n", len(violations)-i)
				break
			}
			fmt.Println("  " + v)
		}
		return exitViolation
	}
	fmt.Printf("invariants: OK (%s)\n", summary)
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "bench: interrupted")
		return exitInterrupted
	}
	return exitOK
}

func parseFlags(args []string) (options, []*scenario, error) {
	all := scenarios()
	keys := make([]string, len(all))
	for i, sc := range all {
		keys[i] = sc.key
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var o options
	fs.DurationVar(&o.duration, "duration", 4*time.Second, "measured time per cell")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured time before each cell's window")
	conc := fs.String("conc", "", "concurrencies for every scenario, e.g. 1,8 (default: each scenario's own)")
	only := fs.String("only", "", "scenarios to run, comma-separated: "+strings.Join(keys, ", "))
	fs.BoolVar(&o.keep, "keep", false, "keep the bench database and Redis keys")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the process (bench client and server) to this file")
	fs.StringVar(&o.metricsOut, "metrics", "", "write the server's /metrics after the run, as Prometheus would scrape it, to this file")
	if err := fs.Parse(args); err != nil {
		return o, nil, err
	}
	if fs.NArg() > 0 {
		return o, nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.duration <= 0 || o.warmup < 0 {
		return o, nil, errors.New("-duration must be positive and -warmup not negative")
	}
	o.mysqlDSN = envOr("STOREFRONT_BENCH_MYSQL", "root@tcp(127.0.0.1:3306)/")
	o.redisAddr = envOr("STOREFRONT_BENCH_REDIS", "127.0.0.1:6379")

	if *conc != "" {
		for _, s := range strings.Split(*conc, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 || n > 1024 {
				return o, nil, fmt.Errorf("-conc: %q is not a concurrency from 1 to 1024", s)
			}
			o.concs = append(o.concs, n)
		}
	}
	if *only != "" {
		for _, s := range strings.Split(*only, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(keys, s) {
				return o, nil, fmt.Errorf("-only: unknown scenario %q (known: %s)", s, strings.Join(keys, ", "))
			}
			o.only = append(o.only, s)
		}
	}

	var scs []*scenario
	for _, sc := range all {
		if len(o.only) > 0 && !slices.Contains(o.only, sc.key) {
			continue
		}
		if o.concs != nil {
			sc.concs = o.concs
		}
		o.buyers = max(o.buyers, slices.Max(sc.concs))
		scs = append(scs, sc)
	}
	return o, scs, nil
}

func envOr(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// writeMetrics saves what a scrape of the server's /metrics answers now.
func writeMetrics(h http.Handler, path string) error {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		return fmt.Errorf("/metrics answered %d", rec.Code)
	}
	return os.WriteFile(path, rec.Body.Bytes(), 0o644)
}
