//go:build chaos

package fleet_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/internal/fleet"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/testenv"
)

// The chaos suite: two instances behind nginx, on their own database and
// their own redis-server, under a flash sale of one hot SKU, while one part
// of the shop fails for real. Buyers do what a careful client does: every
// intended order has one idempotency key, and whatever goes wrong (no
// connection, a 502 from nginx, UNAVAILABLE) the same call is made again
// with the same key until an answer comes. When the load stops, the
// database must show that no unit was lost or sold twice and that every
// order a buyer was told of exists, once.
//
// STOREFRONT_CHAOS_BUYERS sets the number of buyers (40 by default, as CI
// runs it; docs/RELIABILITY.md has figures for 200).
func TestChaos(t *testing.T) {
	buyers := 40
	if s := os.Getenv("STOREFRONT_CHAOS_BUYERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("STOREFRONT_CHAOS_BUYERS=%q: want a positive number", s)
		}
		buyers = n
	}
	var rows []chaosRow
	run := func(name string, f func(t *testing.T) chaosRow) {
		t.Run(name, func(t *testing.T) {
			r := f(t)
			r.scenario = name
			rows = append(rows, r)
		})
	}

	run("instance-kill-9", func(t *testing.T) chaosRow {
		db := testenv.MySQL(t)
		f := startChaosFleet(t, db.DSN, db.DSN, buyers)
		return f.run(t, func() {
			f.a.Kill()
			time.Sleep(3 * time.Second)
			f.a.Start(t)
		})
	})

	run("redis-restarted-empty", func(t *testing.T) chaosRow {
		db := testenv.MySQL(t)
		f := startChaosFleet(t, db.DSN, db.DSN, buyers)
		return f.run(t, func() {
			// Every cart, rate-limit counter and cached answer is gone,
			// and for three seconds nothing answers at all.
			f.redis.Stop()
			time.Sleep(3 * time.Second)
			f.redis.Restart()
		})
	})

	run("mariadb-user-connections-exhausted", func(t *testing.T) chaosRow {
		db := testenv.MySQL(t)
		const limit = 20
		fleetDSN, user := limitedUser(t, db.DSN, db.Name, limit)
		f := startChaosFleet(t, db.DSN, fleetDSN, buyers, "-db-max-open=8")
		return f.run(t, func() {
			release := takeAllConnections(t, f.sql, fleetDSN, user, limit)
			time.Sleep(5 * time.Second)
			release()
		})
	})

	run("mariadb-kill-9", func(t *testing.T) chaosRow {
		m := startPrivateMariaDB(t)
		dsn := m.database(t, "chaos")
		f := startChaosFleet(t, dsn, dsn, buyers, "-migrate=true")
		return f.run(t, func() {
			m.kill()
			time.Sleep(3 * time.Second)
			m.start(t)
		})
	})

	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "scenario\tbuyers\torders placed\tclient retries\terrors seen by clients\tfault lasted\torders during fault\tfirst order after fault ended\tlast error after fault began\tinvariants")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.scenario, r.buyers, r.placed, r.retries,
			r.errorsByKind(), secs(r.faultLasted), r.duringFault, secs(r.firstOK), secs(r.clean), r.invariants)
	}
	w.Flush()
	t.Logf("chaos, %d buyers, %s:\n%s", buyers, time.Now().UTC().Format("2006-01-02"), b.String())
}

// chaosRow is one scenario's line of the table TestChaos prints.
type chaosRow struct {
	scenario    string
	buyers      int
	placed      int
	retries     int64
	errors      map[string]int
	faultLasted time.Duration
	duringFault int           // orders placed by calls that started and ended during the fault
	firstOK     time.Duration // from the fault's end to the first order placed by a call started after it
	clean       time.Duration // from the fault's start to the end of the last failed call
	invariants  string
}

func (r chaosRow) errorsByKind() string {
	if len(r.errors) == 0 {
		return "none"
	}
	kinds := make([]string, 0, len(r.errors))
	for k := range r.errors {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return r.errors[kinds[i]] > r.errors[kinds[j]] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, r.errors[k])
	}
	return strings.Join(parts, ", ")
}

func secs(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// chaosFleet is one scenario's shop: instances A and B behind nginx, on a
// database of its own and a redis-server of its own.
type chaosFleet struct {
	a, b   *fleet.Instance
	ngx    *fleet.Nginx
	redis  *testenv.RedisServer
	sql    *sql.DB // as root, for the checks and the faults
	skuRow int
	skuID  string
	stock0 int64
	sales0 int64
	buyers []*chaosBuyer
	client *http.Client
}

// startChaosFleet starts the fleet on instanceDSN (checks use rootDSN, the
// same database), makes the hot SKU and registers n buyers with an
// address each.
func startChaosFleet(t *testing.T, rootDSN, instanceDSN string, n int, extra ...string) *chaosFleet {
	t.Helper()
	f := &chaosFleet{redis: testenv.StartRedisServer(t)}
	var err error
	if f.sql, err = sql.Open("mysql", rootDSN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.sql.Close() })
	nginxAddr := testenv.FreeAddr(t)
	flags := append([]string{
		"-mysql-dsn=" + instanceDSN, "-redis-addr=" + f.redis.Addr, "-redis-prefix=chaos:",
		"-jwt-secret=chaos-test-secret-" + strings.Repeat("z", 32),
		"-public-url=http://" + nginxAddr, "-trust-proxy=true", "-seed=true",
		"-require-sms=false", "-argon2-memory-kib=1024", "-register-per-hour=1000000",
		"-drain-delay=0s", "-purchase-limit=0", "-alipay-sandbox=true",
	}, extra...)
	f.a = fleet.StartInstance(t, "A", flags...)
	// A migrated and seeded the database; B only joins it.
	f.b = fleet.StartInstance(t, "B", flags...)
	f.ngx = fleet.StartNginx(t, nginxAddr, false, f.a.Addr, f.b.Addr)
	f.client = &http.Client{
		Timeout:   40 * time.Second, // past nginx's proxy_read_timeout: nginx answers first
		Transport: &http.Transport{MaxIdleConnsPerHost: n + 8},
	}
	t.Cleanup(f.client.CloseIdleConnections)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := f.sql.QueryRowContext(ctx, "SELECT id FROM skus WHERE launched ORDER BY id LIMIT 1").Scan(&f.skuRow); err != nil {
		t.Fatalf("the seeded catalog has no launched SKU: %v", err)
	}
	// Stock for the whole sale, and no limit per buyer: the sale must run
	// out of time, never of units.
	if _, err := f.sql.ExecContext(ctx, "UPDATE skus SET stock = 10000000, purchase_limit = 0 WHERE id = ?", f.skuRow); err != nil {
		t.Fatal(err)
	}
	if err := f.sql.QueryRowContext(ctx, "SELECT stock, sales FROM skus WHERE id = ?", f.skuRow).Scan(&f.stock0, &f.sales0); err != nil {
		t.Fatal(err)
	}
	f.skuID = gid.Encode(f.skuRow)

	f.buyers = make([]*chaosBuyer, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				b, err := f.register(ctx, i)
				if err != nil {
					errs <- err
					continue
				}
				f.buyers[i] = b
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatalf("registering buyers: %v", err)
	}
	return f
}

type chaosBuyer struct {
	token     string
	addressID string
	name      string
}

func (f *chaosFleet) register(ctx context.Context, i int) (*chaosBuyer, error) {
	b := &chaosBuyer{name: fmt.Sprintf("chaos_%04d", i)}
	password := "chaos password 1"
	if _, err := f.must(ctx, "", `mutation($in: RegisterInput!) { register(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"username": b.name, "password": password, "mobile": fmt.Sprintf("139%08d", i)}}); err != nil {
		return nil, err
	}
	data, err := f.must(ctx, "", `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`, map[string]any{"in": map[string]any{
		"account": b.name, "password": password}})
	if err != nil {
		return nil, err
	}
	var login struct{ Login struct{ AccessToken string } }
	if err := json.Unmarshal(data, &login); err != nil {
		return nil, err
	}
	b.token = login.Login.AccessToken
	data, err = f.must(ctx, b.token, `mutation($in: AddressInput!) { createAddress(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"receiver": "Chaos Buyer", "mobile": "13812345678", "provinceCode": "330000", "cityCode": "330100",
		"districtCode": "330106", "detail": "文三路 90 号"}})
	if err != nil {
		return nil, err
	}
	var addr struct{ CreateAddress struct{ ID string } }
	if err := json.Unmarshal(data, &addr); err != nil {
		return nil, err
	}
	b.addressID = addr.CreateAddress.ID
	return b, nil
}

// must is one call before the faults: any error is the test's.
func (f *chaosFleet) must(ctx context.Context, token, query string, vars map[string]any) (json.RawMessage, error) {
	a := f.post(ctx, token, query, vars)
	if a.kind != "" {
		return nil, fmt.Errorf("%.50s: %s: %s", query, a.kind, a.detail)
	}
	return a.data, nil
}

// answer is what one HTTP call brought back. kind is "" for data without
// errors, else how it failed: transport, http-502 (and other statuses),
// or the GraphQL error's extensions.code.
type answer struct {
	data      json.RawMessage
	kind      string
	retryable bool
	detail    string
}

func (f *chaosFleet) post(ctx context.Context, token, query string, vars map[string]any) answer {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.ngx.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := f.client.Do(req)
	if err != nil {
		return answer{kind: "transport", retryable: true, detail: err.Error()}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{kind: "transport", retryable: true, detail: err.Error()}
	}
	if res.StatusCode != http.StatusOK {
		// nginx's 502 (no instance answered), 504, or an instance's own
		// refusal: none of them says whether the work was done.
		return answer{kind: "http-" + strconv.Itoa(res.StatusCode), retryable: res.StatusCode >= 500, detail: string(b)}
	}
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return answer{kind: "bad-json", retryable: true, detail: string(b)}
	}
	if len(r.Errors) > 0 {
		e := r.Errors[0]
		code, _ := e.Extensions["code"].(string)
		retry, _ := e.Extensions["retryable"].(bool)
		if code == "" {
			code = "no-code"
		}
		switch code {
		case "UNAVAILABLE", "RATE_LIMITED":
			retry = true
		case "INTERNAL_SERVER_ERROR", "INTERNAL":
			// A bug, not an answer: it shows in the table, and the same
			// key makes trying again safe.
			retry = true
		}
		return answer{kind: code, retryable: retry, detail: e.Message}
	}
	return answer{data: r.Data}
}

// load is what the buyers saw while a scenario ran.
type load struct {
	mu      sync.Mutex
	calls   []placeCall
	told    map[string]string // "buyer/key" -> order number
	errs    map[string]int
	clashes []string // a key answered with two order numbers
	gaveUp  []string
	retries atomic.Int64
}

// placeCall is one request, addToCart or placeOrder: when it ran, whether
// it was answered without error, and whether it placed (or replayed) an
// order.
type placeCall struct {
	start, end time.Time
	ok, placed bool
}

func (l *load) record(c placeCall) {
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
}

func (l *load) failed(kind string) {
	l.mu.Lock()
	l.errs[kind]++
	l.mu.Unlock()
}

// run drives the sale: warm-up, the fault, then load until calls have
// succeeded for a while, and then checks the database.
func (f *chaosFleet) run(t *testing.T, fault func()) chaosRow {
	t.Helper()
	l := &load{told: map[string]string{}, errs: map[string]int{}}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for _, b := range f.buyers {
		wg.Go(func() {
			for n := 0; !stop.Load(); n++ {
				f.buy(t.Context(), l, b, fmt.Sprintf("%s-%d", b.name, n))
			}
		})
	}
	time.Sleep(3 * time.Second)
	faultAt := time.Now()
	fault()
	faultEnd := time.Now()
	// Keep selling until 4 s have passed without a failed call (at most
	// 40 s after the fault ended), so the table shows the recovery.
	for time.Since(faultEnd) < 40*time.Second {
		time.Sleep(250 * time.Millisecond)
		l.mu.Lock()
		lastFail := faultEnd
		for _, c := range l.calls {
			if !c.ok && c.end.After(lastFail) {
				lastFail = c.end
			}
		}
		l.mu.Unlock()
		if time.Since(lastFail) > 4*time.Second && time.Since(faultEnd) > 4*time.Second {
			break
		}
	}
	stop.Store(true)
	wg.Wait()

	row := chaosRow{buyers: len(f.buyers), retries: l.retries.Load(), errors: l.errs, faultLasted: faultEnd.Sub(faultAt), firstOK: -1}
	row.placed = len(l.told)
	for _, c := range l.calls {
		if c.placed && !c.start.Before(faultAt) && !c.end.After(faultEnd) {
			row.duringFault++
		}
		if c.placed && !c.start.Before(faultEnd) {
			if d := c.end.Sub(faultEnd); row.firstOK < 0 || d < row.firstOK {
				row.firstOK = d
			}
		}
		if !c.ok && c.end.After(faultAt) {
			row.clean = max(row.clean, c.end.Sub(faultAt))
		}
	}
	problems := f.check(t, l)
	problems = append(problems, l.clashes...)
	for _, g := range l.gaveUp {
		problems = append(problems, "no answer within 30 s for "+g)
	}
	row.invariants = "ok"
	if len(problems) > 0 {
		row.invariants = "FAILED"
		for _, p := range problems {
			t.Error(p)
		}
	}
	t.Logf("%d orders told to %d buyers, %d retries, errors: %s; the fault lasted %s, %d orders placed during it, the first %s after it ended; the last error %s after it began",
		row.placed, row.buyers, row.retries, row.errorsByKind(), secs(row.faultLasted), row.duringFault, secs(row.firstOK), secs(row.clean))
	return row
}

// buy is one intended order: a unit into the cart, then placeOrder with
// key, both repeated until they are answered; a cart that comes back
// empty (Redis lost it) is filled again and the order tried again with
// the same key, which cannot have placed anything (placeOrder looks the
// key up before it says CART_EMPTY).
func (f *chaosFleet) buy(ctx context.Context, l *load, b *chaosBuyer, key string) {
	deadline := time.Now().Add(30 * time.Second)
	backoff := 50 * time.Millisecond
	retry := func(kind string) bool {
		l.failed(kind)
		if time.Now().After(deadline) {
			l.mu.Lock()
			l.gaveUp = append(l.gaveUp, b.name+" "+key+" (last: "+kind+")")
			l.mu.Unlock()
			return false
		}
		l.retries.Add(1)
		time.Sleep(backoff/2 + mrand.N(backoff))
		backoff = min(2*backoff, time.Second)
		return true
	}
	filled := false
	for {
		if !filled {
			start := time.Now()
			a := f.post(ctx, b.token, `mutation($id: ID!) { addToCart(skuId: $id, count: 1) { lineCount } }`, map[string]any{"id": f.skuID})
			l.record(placeCall{start: start, end: time.Now(), ok: a.kind == ""})
			if a.kind != "" {
				if a.retryable && retry("addToCart "+a.kind) {
					continue
				}
				if !a.retryable {
					l.failed("addToCart " + a.kind)
				}
				return
			}
			filled = true
		}
		start := time.Now()
		a := f.post(ctx, b.token, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id orderNo } }`, map[string]any{"in": map[string]any{
			"addressId": b.addressID, "payMethod": "CASH", "idempotencyKey": key}})
		l.record(placeCall{start: start, end: time.Now(), ok: a.kind == "", placed: a.kind == ""})
		if a.kind == "" {
			var placed struct{ PlaceOrder struct{ ID, OrderNo string } }
			if err := json.Unmarshal(a.data, &placed); err != nil || placed.PlaceOrder.OrderNo == "" {
				l.failed("placeOrder bad-data")
				return
			}
			l.mu.Lock()
			k := b.name + "/" + key
			if was, ok := l.told[k]; ok && was != placed.PlaceOrder.OrderNo {
				l.clashes = append(l.clashes, fmt.Sprintf("%s: told of order %s, then %s", k, was, placed.PlaceOrder.OrderNo))
			}
			l.told[k] = placed.PlaceOrder.OrderNo
			l.mu.Unlock()
			return
		}
		if a.kind == "CART_EMPTY" {
			filled = false
			if retry("placeOrder CART_EMPTY") {
				continue
			}
			return
		}
		if a.retryable && retry("placeOrder "+a.kind) {
			continue
		}
		if !a.retryable {
			l.failed("placeOrder " + a.kind)
		}
		return
	}
}

// check reads the fleet's database once the load has stopped and returns
// what breaks the shop's promises.
func (f *chaosFleet) check(t *testing.T, l *load) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var problems []string
	scalar := func(q string, args ...any) int64 {
		var v sql.NullInt64
		if err := f.sql.QueryRowContext(ctx, q, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v.Int64
	}
	stock := scalar("SELECT stock FROM skus WHERE id = ?", f.skuRow)
	sales := scalar("SELECT sales FROM skus WHERE id = ?", f.skuRow)
	if stock+sales != f.stock0+f.sales0 {
		problems = append(problems, fmt.Sprintf("stock %d + sales %d = %d, want %d as before the sale", stock, sales, stock+sales, f.stock0+f.sales0))
	}
	lines := scalar("SELECT SUM(count) FROM order_lines WHERE sku_id = ?", f.skuRow)
	if lines != sales-f.sales0 {
		problems = append(problems, fmt.Sprintf("order lines hold %d units of the SKU, its sales grew by %d", lines, sales-f.sales0))
	}
	if n := scalar("SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)"); n != 0 {
		problems = append(problems, fmt.Sprintf("%d orders without lines", n))
	}
	if n := scalar("SELECT COUNT(*) FROM (SELECT user_id, idempotency_key FROM orders GROUP BY user_id, idempotency_key HAVING COUNT(*) > 1) d"); n != 0 {
		problems = append(problems, fmt.Sprintf("%d (user, idempotency key) pairs with several orders", n))
	}
	rows, err := f.sql.QueryContext(ctx, "SELECT order_no FROM orders")
	if err != nil {
		t.Fatal(err)
	}
	inDB := map[string]bool{}
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			t.Fatal(err)
		}
		inDB[no] = true
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for k, no := range l.told {
		if !inDB[no] {
			missing++
			if missing <= 5 {
				problems = append(problems, fmt.Sprintf("%s was told of order %s, which the database does not have", k, no))
			}
		}
	}
	if missing > 5 {
		problems = append(problems, fmt.Sprintf("%d orders told of in all are not in the database", missing))
	}
	if len(inDB) != len(l.told) {
		// Not a broken promise by itself (a key a buyer gave up on may
		// have placed its order), but with no give-ups it is one.
		msg := fmt.Sprintf("the database has %d orders, buyers were told of %d", len(inDB), len(l.told))
		if len(l.gaveUp) == 0 {
			problems = append(problems, msg)
		} else {
			t.Log(msg)
		}
	}
	return problems
}

// limitedUser creates a MariaDB account for the fleet that may hold at
// most limit connections, with every right on the database, and returns
// its DSN (otherwise dsn's) and its name. It is dropped when the test
// ends.
func limitedUser(t *testing.T, dsn, dbName string, limit int) (string, string) {
	t.Helper()
	root, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = root.Close() })
	user := "sf_t_chaos_" + testenv.RandomHex(4)
	password := testenv.RandomHex(12)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, q := range []string{
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s' WITH MAX_USER_CONNECTIONS %d", user, password, limit),
		fmt.Sprintf("GRANT ALL ON `%s`.* TO '%s'@'%%'", dbName, user),
	} {
		if _, err := root.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := root.ExecContext(ctx, fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)); err != nil {
			t.Errorf("dropping the fleet's MariaDB user: %v", err)
		}
	})
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, password
	return cfg.FormatDSN(), user
}

// takeAllConnections takes every connection the account may hold, as a
// runaway batch job or a connection leak would: it opens connections as
// the account until the server refuses (1226), kills the instances' ones
// (as root, on rootDB) so that theirs are taken too when they reconnect,
// and holds them until release is called.
func takeAllConnections(t *testing.T, rootDB *sql.DB, dsn, user string, limit int) (release func()) {
	t.Helper()
	hog, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	hog.SetMaxOpenConns(limit)
	var held []*sql.Conn
	ours := map[int64]bool{}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	for len(held) < limit && ctx.Err() == nil {
		c, err := hog.Conn(ctx)
		if err == nil {
			var id int64
			if err := c.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
				_ = c.Close()
				continue
			}
			held = append(held, c)
			ours[id] = true
			continue
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1226 {
			t.Logf("taking a connection: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		rows, err := rootDB.QueryContext(ctx, "SELECT id FROM information_schema.processlist WHERE user = ?", user)
		if err != nil {
			t.Fatal(err)
		}
		var theirs []int64
		for rows.Next() {
			var id int64
			if rows.Scan(&id) == nil && !ours[id] {
				theirs = append(theirs, id)
			}
		}
		rows.Close()
		for _, id := range theirs {
			_, _ = rootDB.ExecContext(ctx, "KILL CONNECTION "+strconv.FormatInt(id, 10))
		}
	}
	t.Logf("holding %d of the fleet account's %d connections", len(held), limit)
	return func() {
		for _, c := range held {
			_ = c.Close()
		}
		_ = hog.Close()
	}
}

// privateMariaDB is a mariadbd the test owns, so it can crash it with
// SIGKILL without touching the machine's server: root without a password
// on a free loopback port, its data in a temporary directory that
// survives the restarts.
type privateMariaDB struct {
	dir  string
	port string
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

func startPrivateMariaDB(t *testing.T) *privateMariaDB {
	t.Helper()
	dir := t.TempDir()
	m := &privateMariaDB{dir: dir}
	_, m.port, _ = net.SplitHostPort(testenv.FreeAddr(t))
	install := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+filepath.Join(dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--user="+currentUser())
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db (make services installs mariadb-server): %v\n%s", err, out)
	}
	var err error
	if m.log, err = os.Create(filepath.Join(dir, "mariadbd.log")); err != nil {
		t.Fatal(err)
	}
	m.start(t)
	t.Cleanup(func() {
		m.kill()
		_ = m.log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(m.log.Name())
			t.Logf("mariadbd's log:\n%s", b)
		}
	})
	return m
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	out, _ := exec.Command("id", "-un").Output()
	return strings.TrimSpace(string(out))
}

// start runs mariadbd on the data directory (recovering it after a
// crash) and waits until it answers.
func (m *privateMariaDB) start(t *testing.T) {
	t.Helper()
	m.cmd = exec.Command("/usr/sbin/mariadbd", "--no-defaults", "--datadir="+filepath.Join(m.dir, "data"),
		"--bind-address=127.0.0.1", "--port="+m.port, "--socket="+filepath.Join(m.dir, "sock"),
		"--user="+currentUser(), "--innodb-buffer-pool-size=64M", "--max-connections=500")
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("mariadbd: %v", err)
	}
	m.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(m.cmd, m.done)
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:"+m.port+")/")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-m.done:
			b, _ := os.ReadFile(m.log.Name())
			t.Fatalf("mariadbd exited at start:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mariadbd does not answer after a minute: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill ends mariadbd with SIGKILL, as a crash or the OOM killer would.
func (m *privateMariaDB) kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	select {
	case <-m.done:
		return
	default:
	}
	_ = m.cmd.Process.Signal(syscall.SIGKILL)
	<-m.done
}

// database creates an empty database and returns its DSN, with the
// parameters testenv's databases have.
func (m *privateMariaDB) database(t *testing.T, name string) string {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:"+m.port+")/")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(testenv.MySQLServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.User, cfg.Passwd, cfg.DBName = "127.0.0.1:"+m.port, "root", "", name
	return cfg.FormatDSN()
}
