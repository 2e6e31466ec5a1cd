// Package metrics shows what a running instance is doing, in Prometheus's
// format: GraphQL operations and root fields by result code and latency,
// the order combiner's batches, transaction retries by cause, payments,
// notifications, refunds and sweeps, the database and Redis pools, and the
// job queue.
//
// The domain packages keep their own counters (atomic, read by Stats);
// this package reads them when Prometheus scrapes, so placing an order
// costs no metric update beyond the GraphQL layer's and nothing here is
// process-global: every App has its own registry.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/jobs"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/payment"
)

// Sources are what the metrics read at each scrape. A nil source is left
// out.
type Sources struct {
	DB       *sql.DB
	Retries  func() database.RetryStats
	Redis    redis.UniversalClient
	Orders   func() order.BatchStats
	Payments func() payment.Stats
	Jobs     func(ctx context.Context) (jobs.Stats, error)
	Log      *slog.Logger
}

// Metrics is one instance's registry.
type Metrics struct {
	reg     *prometheus.Registry
	graphql *graphQLMetrics
}

// New registers the Go runtime's and the process's metrics, the sources'
// and the GraphQL layer's (see GraphQL).
func New(src Sources) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src.DB != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(src.DB, "storefront"))
	}
	reg.MustRegister(&sourceCollector{src: src})
	m := &Metrics{reg: reg, graphql: newGraphQLMetrics()}
	reg.MustRegister(m.graphql.collectors()...)
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A scrape must not wait on a Redis that hangs: the job queue's
		// lengths have their own deadline (scrapeTimeout).
		Timeout: 10 * time.Second,
	}))
	return mux
}

// scrapeTimeout bounds what a scrape asks Redis.
const scrapeTimeout = 2 * time.Second

var (
	descBatches = prometheus.NewDesc("storefront_order_batches_total",
		"Transactions of the order combiner that placed orders.", nil, nil)
	descBatched = prometheus.NewDesc("storefront_order_batched_orders_total",
		"Orders placed by the combiner's transactions.", nil, nil)
	descBatchSize = prometheus.NewDesc("storefront_order_batch_size",
		"Orders per combined transaction.", nil, nil)
	descOwnTx = prometheus.NewDesc("storefront_order_own_transactions_total",
		"Orders sent from a batch to a transaction of their own (stock moved under the batch, a duplicate key).", nil, nil)
	descRetryCalls = prometheus.NewDesc("storefront_db_transactions_total",
		"Transactions run under the retry policy.", nil, nil)
	descRetries = prometheus.NewDesc("storefront_db_retries_total",
		"Transactions run again after a transient failure, by cause.", []string{"cause"}, nil)
	descGaveUp = prometheus.NewDesc("storefront_db_retries_exhausted_total",
		"Transactions that still failed transiently after the last attempt.", nil, nil)
	descPayments = prometheus.NewDesc("storefront_payments_total",
		"Paid trades recorded (recorded: the order moved to UNSEND; duplicate: recorded before; refund_owed: the order had been canceled, the money goes back).", []string{"outcome"}, nil)
	descNotifies = prometheus.NewDesc("storefront_alipay_notifies_total",
		"Alipay notifications by what they led to.", []string{"outcome"}, nil)
	descRefunds = prometheus.NewDesc("storefront_refunds_total",
		"Refund calls to Alipay: done, or failed (still owed, asked again).", []string{"result"}, nil)
	descSweeps = prometheus.NewDesc("storefront_payment_sweeps_total",
		"Runs of the sweeper of expired orders and owed refunds: ok, or met an error.", []string{"result"}, nil)
	descExpired = prometheus.NewDesc("storefront_orders_expired_total",
		"Unpaid orders the sweeper canceled.", nil, nil)
	descRedisPool = prometheus.NewDesc("storefront_redis_pool_connections",
		"Connections of the Redis pool, by state.", []string{"state"}, nil)
	descRedisPoolEvents = prometheus.NewDesc("storefront_redis_pool_events_total",
		"Redis pool lookups: hit (a free connection), miss (a new one), timeout (none in time).", []string{"event"}, nil)
	descJobs = prometheus.NewDesc("storefront_job_queue_jobs",
		"Background jobs (SMS, mail) in the queue, by state.", []string{"state"}, nil)
	descJobsUp = prometheus.NewDesc("storefront_job_queue_readable",
		"1 when the last scrape could read the job queue's lengths.", nil, nil)
)

// sourceCollector turns the sources' counters into metrics at scrape time.
type sourceCollector struct{ src Sources }

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBatches, descBatched, descBatchSize, descOwnTx, descRetryCalls, descRetries,
		descGaveUp, descPayments, descNotifies, descRefunds, descSweeps, descExpired, descRedisPool, descRedisPoolEvents, descJobs, descJobsUp} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if c.src.Orders != nil {
		st := c.src.Orders()
		counter(descBatches, st.Batches)
		counter(descBatched, st.Batched)
		counter(descOwnTx, st.OwnTx)
		buckets := make(map[float64]uint64, len(order.BatchSizeBuckets))
		var cum uint64
		for i, le := range order.BatchSizeBuckets {
			cum += uint64(st.Sizes[i])
			buckets[float64(le)] = cum
		}
		ch <- prometheus.MustNewConstHistogram(descBatchSize, cum, float64(st.Batched), buckets)
	}
	if c.src.Retries != nil {
		st := c.src.Retries()
		counter(descRetryCalls, st.Calls)
		counter(descGaveUp, st.GaveUp)
		for cause, n := range st.ByCause {
			counter(descRetries, n, cause)
		}
	}
	if c.src.Payments != nil {
		st := c.src.Payments()
		counter(descPayments, st.Recorded, "recorded")
		counter(descPayments, st.Duplicates, "duplicate")
		counter(descPayments, st.RefundOwed, "refund_owed")
		for outcome, n := range st.Notifies {
			counter(descNotifies, n, outcome)
		}
		counter(descRefunds, st.Refunds, "done")
		counter(descRefunds, st.RefundFailures, "failed")
		counter(descSweeps, st.Sweeps-st.SweepFailures, "ok")
		counter(descSweeps, st.SweepFailures, "failed")
		counter(descExpired, st.Expired)
	}
	if c.src.Redis != nil {
		st := c.src.Redis.PoolStats()
		gauge(descRedisPool, float64(st.TotalConns), "total")
		gauge(descRedisPool, float64(st.IdleConns), "idle")
		counter(descRedisPoolEvents, int64(st.Hits), "hit")
		counter(descRedisPoolEvents, int64(st.Misses), "miss")
		counter(descRedisPoolEvents, int64(st.Timeouts), "timeout")
	}
	if c.src.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		defer cancel()
		st, err := c.src.Jobs(ctx)
		if err != nil {
			// The lengths are unknown, not zero: say so, and leave them out.
			if c.src.Log != nil {
				c.src.Log.Warn("metrics: the job queue's lengths", "err", err)
			}
			gauge(descJobsUp, 0)
			return
		}
		gauge(descJobsUp, 1)
		for state, n := range map[string]int{"pending": st.Pending, "active": st.Active, "scheduled": st.Scheduled,
			"retry": st.Retry, "archived": st.Archived, "completed": st.Completed} {
			gauge(descJobs, float64(n), state)
		}
	}
}
