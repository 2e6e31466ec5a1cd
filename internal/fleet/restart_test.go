package fleet_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/fleet"
	"github.com/storefront/storefront/internal/testenv"
)

// A deploy restarts the instances one after the other behind nginx while
// shoppers keep browsing, as deploy/nginx's README says: mark the instance
// down and reload nginx (nginx has no readiness probe of its own, and a
// POST it already sent to a closing listener is one it will not resend),
// SIGTERM it (requests in flight finish, then the background work stops),
// start the new one, mark it up. No shopper sees an error.
func TestARollingRestartBehindNginxLosesNoRequest(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	redisAddr, prefix := testenv.Redis(t)
	nginxAddr := testenv.FreeAddr(t)
	flags := []string{
		"-mysql-dsn=" + db.DSN, "-redis-addr=" + redisAddr, "-redis-prefix=" + prefix,
		"-jwt-secret=fleet-test-secret-" + strings.Repeat("y", 32),
		"-public-url=http://" + nginxAddr, "-trust-proxy=true", "-seed=true",
		"-alipay-sandbox=true", "-require-sms=false", "-drain-delay=1s",
	}
	a := fleet.StartInstance(t, "A", flags...)
	b := fleet.StartInstance(t, "B", flags...)
	ngx := fleet.StartNginx(t, nginxAddr, false, a.Addr, b.Addr)

	var (
		stop             atomic.Bool
		served, failures atomic.Int64
		mu               sync.Mutex
		firstFailure     string
		wg               sync.WaitGroup
	)
	body, _ := json.Marshal(map[string]any{"query": `{ skus(first: 3) { edges { node { id name } } } }`})
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				req, _ := http.NewRequest(http.MethodPost, ngx.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				// A reload ends nginx's idle connections to its clients; a
				// browser resends a request a reused connection lost before
				// any answer, Go's client only one it knows is idempotent,
				// as this query is.
				req.Header.Set("Idempotency-Key", "")
				res, err := http.DefaultClient.Do(req)
				var answer []byte
				if err == nil {
					answer, _ = io.ReadAll(res.Body)
					res.Body.Close()
				}
				if err != nil || res.StatusCode != http.StatusOK || !bytes.Contains(answer, []byte(`"edges"`)) {
					failures.Add(1)
					mu.Lock()
					if firstFailure == "" {
						firstFailure = string(answer)
						if err != nil {
							firstFailure = err.Error()
						}
					}
					mu.Unlock()
					continue
				}
				served.Add(1)
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	for _, in := range []*fleet.Instance{a, b} {
		ngx.SetDown(t, in.Addr, true)
		in.Stop()
		time.Sleep(300 * time.Millisecond) // nginx serves from the other alone
		in.Start(t)
		ngx.SetDown(t, in.Addr, false)
		time.Sleep(300 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d requests served across two restarts, %d failed", served.Load(), failures.Load())
	if failures.Load() > 0 {
		t.Errorf("%d requests failed during the rolling restart; the first: %s", failures.Load(), firstFailure)
	}
	if served.Load() < 50 {
		t.Errorf("only %d requests served: the load did not run through the restarts", served.Load())
	}
}
