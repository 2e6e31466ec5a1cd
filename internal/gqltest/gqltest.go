// Package gqltest starts a real Storefront over HTTP on a fresh MariaDB
// database and Redis key prefix (or, asked for, on the embedded default),
// and sends GraphQL documents to it the way a client does. Only tests
// import it.
package gqltest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/jobs"
	"github.com/storefront/storefront/internal/logging"
	"github.com/storefront/storefront/internal/payment"
	"github.com/storefront/storefront/internal/testenv"
)

// Server is one Storefront instance under test.
type Server struct {
	URL string
	App *app.App
	// DSN is the test database's, for a second instance or raw checks.
	DSN string
	// Config started the instance; StartOn(t, s.Config, ...) starts a
	// second instance sharing its database and Redis.
	Config config.Config
	// statements counts SQL statements the instance sent.
	statements atomic.Int64
}

// Options adjust the instance.
type Options struct {
	// NoSeed starts with an empty catalog.
	NoSeed bool
	// Config edits the configuration before the instance starts.
	Config func(*config.Config)
	// App are options of the assembled app (fault injection).
	App app.Options
	// Embedded runs on the embedded default instead of MariaDB and Redis:
	// SQLite in the test's temporary directory and an in-process Redis.
	Embedded bool
	// RunJobs runs the background job worker (SMS and mail sends) until
	// the test ends.
	RunJobs bool
	// Log, when set, receives the instance's whole log as JSON lines at
	// debug level, as -log-format json writes it; otherwise warnings go to
	// the test's log.
	Log io.Writer
}

// Start runs an instance on its own database and Redis prefix; it stops
// when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	cfg, err := config.Load(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.JWTSecret = "test-secret-embedded" + strings.Repeat("x", 32)
	if !opts.Embedded {
		env := testenv.MySQL(t)
		cfg.MySQLDSN = env.DSN
		cfg.RedisAddr, cfg.RedisPrefix = testenv.Redis(t)
		cfg.JWTSecret = "test-secret-" + env.Name + strings.Repeat("x", 32)
	}
	cfg.Seed = !opts.NoSeed
	cfg.DataDir = t.TempDir()
	// Cheap password hashes: the tests exercise the rules, not the cost.
	cfg.Argon2MemoryKiB = 1024
	// Tests pay through the offline sandbox, asked for by name as a MySQL
	// deployment must.
	cfg.AlipaySandbox = true
	cfg.Introspection = true
	// Every test client is 127.0.0.1 and some register hundreds of
	// shoppers: the per-address limits are tested with their own settings.
	cfg.RegisterPerHour, cfg.AvailabilityPerHour = 1_000_000, 1_000_000
	// Most tests register shoppers to test something else: they trust the
	// mobile, as -require-sms=false does. The outbox and the QQ sandbox
	// stand in for the gateways, asked for by name as on MySQL.
	cfg.RequireSMS, cfg.DevOutbox, cfg.QQSandbox = false, true, true
	if opts.Config != nil {
		opts.Config(&cfg)
	}
	s := startOn(t, cfg, opts.App, opts.Log)
	if opts.RunJobs {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := s.App.Jobs.Run(ctx); err != nil {
				t.Errorf("gqltest: the job worker: %v", err)
			}
		}()
		t.Cleanup(func() { cancel(); <-done })
	}
	return s
}

// StartOn runs an instance with cfg (e.g. a second instance sharing the
// first one's database and Redis).
func StartOn(t testing.TB, cfg config.Config, opts app.Options) *Server {
	t.Helper()
	return startOn(t, cfg, opts, nil)
}

func startOn(t testing.TB, cfg config.Config, opts app.Options, logTo io.Writer) *Server {
	t.Helper()
	ctx := context.Background()
	s := &Server{DSN: cfg.MySQLDSN, Config: cfg}
	dbcfg := app.DatabaseConfig(cfg)
	dbcfg.Tracing = dbcfg.Tracing || opts.SpanProcessor != nil
	db, err := database.Open(ctx, dbcfg)
	if err != nil {
		t.Fatal(err)
	}
	// Count every statement the API sends, so tests can bound queries
	// per request.
	counted := dialect.DebugWithContext(entsql.OpenDB(db.Dialect, db.SQL), func(context.Context, ...any) {
		s.statements.Add(1)
	})
	db.Client = ent.NewClient(ent.Driver(counted))
	// Listen first: Alipay's notify URL must name the server's address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.FrontendURL = cfg.PublicURL + payment.ResultPath
	cfg.SweepInterval = 0 // tests sweep when they mean to
	s.Config = cfg
	log, err := logging.New(testWriter{t}, "text", "warn")
	if logTo != nil {
		log, err = logging.New(logTo, "json", "debug")
	}
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Assemble(ctx, cfg, log, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(a.Handler)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		if !cfg.Embedded() {
			// asynq's keys are outside the test's Redis prefix. A fault
			// test may have stopped its Redis: then there is nothing to
			// drop, and nothing to fail.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := jobs.Drop(ctx, a.Redis, a.Jobs.Name()); err != nil {
				t.Logf("gqltest: the job queue's keys stay: %v", err)
			}
		}
		_ = a.Close()
	})
	s.URL, s.App = hs.URL, a
	return s
}

// Statements returns how many SQL statements the instance has sent so far.
func (s *Server) Statements() int64 { return s.statements.Load() }

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the first error's extensions.code, "" without errors.
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Request is one GraphQL call.
type Request struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
	Header    http.Header    `json:"-"`
}

// Post sends req and decodes the response, failing the test on transport
// errors only.
func (s *Server) Post(t testing.TB, req Request) Response {
	t.Helper()
	body, _ := json.Marshal(req)
	return s.PostRaw(t, body, req.Header)
}

// PostRaw sends a raw body (for malformed-document tests).
func (s *Server) PostRaw(t testing.TB, body []byte, header http.Header) Response {
	t.Helper()
	hr, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		hr.Header[k] = v
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := Response{Status: res.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response is not JSON (%d): %s", res.StatusCode, raw)
	}
	for _, e := range out.Errors {
		if leaks(e.Message) {
			t.Errorf("error message leaks internals: %q", e.Message)
		}
	}
	return out
}

// Query sends a document, fails the test if it errs, and decodes data into v.
func (s *Server) Query(t testing.TB, query string, vars map[string]any, v any) {
	t.Helper()
	res := s.Post(t, Request{Query: query, Variables: vars})
	if len(res.Errors) > 0 {
		t.Fatalf("query failed: %+v", res.Errors)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		t.Fatalf("decoding %s: %v", res.Data, err)
	}
}

// leaks spots SQL and driver text that must never reach a client.
func leaks(msg string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{"select ", "insert ", "update ", "sql:", "mysql", "error 1", "goroutine", ".go:"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Bearer returns the header a signed-in client sends.
func Bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Shopper is a registered, signed-in test account.
type Shopper struct {
	Username, Password, Mobile string
	AccessToken, RefreshToken  string
}

// Header is the shopper's Authorization header.
func (sh Shopper) Header() http.Header { return Bearer(sh.AccessToken) }

var shopperSeq atomic.Int64

// NewShopper registers a fresh account and signs it in.
func (s *Server) NewShopper(t testing.TB) Shopper {
	t.Helper()
	n := shopperSeq.Add(1)
	sh := Shopper{
		Username: fmt.Sprintf("shopper_%d", n),
		Password: "correct horse battery",
		Mobile:   fmt.Sprintf("139%08d", n),
	}
	var reg struct{ Register struct{ ID string } }
	s.Query(t, `mutation($in: RegisterInput!) { register(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"username": sh.Username, "password": sh.Password, "mobile": sh.Mobile}}, &reg)
	tok := s.Login(t, sh.Username, sh.Password)
	sh.AccessToken, sh.RefreshToken = tok.AccessToken, tok.RefreshToken
	return sh
}

// Tokens is a login's answer.
type Tokens struct{ AccessToken, RefreshToken string }

// Login signs in and fails the test if that fails.
func (s *Server) Login(t testing.TB, account, password string) Tokens {
	t.Helper()
	var out struct{ Login Tokens }
	s.Query(t, `mutation($in: LoginInput!) { login(input: $in) { accessToken refreshToken } }`,
		map[string]any{"in": map[string]any{"account": account, "password": password}}, &out)
	return out.Login
}

// As sends a document with the shopper's token and decodes data into v,
// failing the test on errors.
func (s *Server) As(t testing.TB, sh Shopper, query string, vars map[string]any, v any) {
	t.Helper()
	res := s.Post(t, Request{Query: query, Variables: vars, Header: sh.Header()})
	if len(res.Errors) > 0 {
		t.Fatalf("query as %s failed: %+v", sh.Username, res.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(res.Data, v); err != nil {
			t.Fatalf("decoding %s: %v", res.Data, err)
		}
	}
}
