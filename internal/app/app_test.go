package app_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartwalle/alipay/v3"

	"github.com/storefront/storefront/internal/alipaysandbox"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/testenv"
)

// mysqlConfig is what an operator gets from the environment of a MySQL
// deployment, plus args.
func mysqlConfig(t *testing.T, args ...string) config.Config {
	t.Helper()
	env := testenv.MySQL(t)
	redisAddr, prefix := testenv.Redis(t)
	vars := map[string]string{
		"STOREFRONT_MYSQL_DSN":    env.DSN,
		"STOREFRONT_REDIS_ADDR":   redisAddr,
		"STOREFRONT_REDIS_PREFIX": prefix,
		"STOREFRONT_JWT_SECRET":   strings.Repeat("k", 32),
		"STOREFRONT_DATA_DIR":     t.TempDir(),
		// Sign-up trusts the mobile unless a test asks for SMS codes.
		"STOREFRONT_REQUIRE_SMS": "false",
	}
	cfg, err := config.Load(args, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func start(t *testing.T, cfg config.Config) (*app.App, *testenv.SyncBuffer, error) {
	t.Helper()
	var logs testenv.SyncBuffer
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err == nil {
		t.Cleanup(func() { _ = a.Close() })
	}
	return a, &logs, err
}

// An operator who forgot the Alipay credentials must not end up with a shop
// where anyone can POST /alipay-sandbox/pay and have an order marked paid.
func TestAMySQLShopWithoutAlipayRefusesToStartAndSaysWhy(t *testing.T) {
	t.Parallel()
	a, _, err := start(t, mysqlConfig(t))
	if err == nil {
		t.Fatalf("started without Alipay credentials (sandbox running: %v)", a.Sandbox != nil)
	}
	if !errors.Is(err, app.ErrNoPayments) || !strings.Contains(err.Error(), "-alipay-sandbox") || !strings.Contains(err.Error(), "-alipay-app-id") {
		t.Fatalf("refused with %q, want a message naming -alipay-app-id and -alipay-sandbox", err)
	}
}

func TestASandboxOnMySQLIsAskedForByNameAndWarnsLoudly(t *testing.T) {
	t.Parallel()
	a, logs, err := start(t, mysqlConfig(t, "-alipay-sandbox=true"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Sandbox == nil {
		t.Fatal("-alipay-sandbox=true started no sandbox")
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "ALIPAY SANDBOX ON A MYSQL DEPLOYMENT") {
		t.Fatalf("no loud warning at start:\n%s", logs)
	}
}

// With the real Alipay configured, nothing answers under /alipay-sandbox/:
// neither the pay button nor the list of every trade.
func TestARealAlipayShopServesNoSandbox(t *testing.T) {
	t.Parallel()
	appKey, _, err := alipaysandbox.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, alipayPub, err := alipaysandbox.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := mysqlConfig(t, "-alipay-app-id", "2021000000000001",
		"-alipay-private-key", appKey, "-alipay-public-key", alipayPub)
	a, _, err := start(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Sandbox != nil {
		t.Fatal("a sandbox runs beside the real Alipay")
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, "/alipay-sandbox/"},
		{http.MethodPost, "/alipay-sandbox/pay"},
		{http.MethodPost, "/alipay-sandbox/gateway.do"},
	} {
		r, _ := http.NewRequest(req.method, srv.URL+req.path, strings.NewReader("out_trade_no=x"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s answered %d, want 404", req.method, req.path, res.StatusCode)
		}
	}
}

// The embedded database holds password, session and key hashes, phones and
// addresses: nobody but the server's user may read it, also when an earlier
// version left the directory world-readable.
func TestTheEmbeddedDataIsReadableByItsOwnerOnly(t *testing.T) {
	t.Parallel()
	fresh := filepath.Join(t.TempDir(), "data")
	old := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "storefront.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{fresh, old} {
		cfg, err := config.Load([]string{"-data-dir", dir}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := start(t, cfg) // seeds the demo catalog: the WAL is written
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o700 {
			t.Errorf("%s is %v, want drwx------", dir, info.Mode())
		}
		files := 0
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			files++
			if perm := info.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s is %v, want -rw-------", path, info.Mode())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if files < 2 { // the database and the JWT key at least
			t.Fatalf("%s holds %d files", dir, files)
		}
		_ = a.Close()
	}
}

// A MySQL shop whose sign-up needs SMS codes but has no way to send them
// would refuse every shopper: it says so at start instead.
func TestAMySQLShopRequiringSMSWithoutAGatewayRefusesToStart(t *testing.T) {
	t.Parallel()
	_, _, err := start(t, mysqlConfig(t, "-alipay-sandbox=true", "-require-sms=true"))
	if !errors.Is(err, app.ErrNoSMSGateway) || !strings.Contains(err.Error(), "-aliyun-sms-access-key-id") || !strings.Contains(err.Error(), "-require-sms=false") {
		t.Fatalf("started or refused with %v; want ErrNoSMSGateway naming the ways out", err)
	}
}

// The outbox hands out every code and the QQ sandbox signs anyone in: on
// MySQL they run only when named, and say so loudly.
func TestTheOutboxAndQQSandboxOnMySQLAreAskedForByNameAndWarn(t *testing.T) {
	t.Parallel()
	a, _, err := start(t, mysqlConfig(t, "-alipay-sandbox=true"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Outbox != nil || a.QQSandbox != nil || a.QQ != nil || a.Emails != nil {
		t.Fatalf("by default on MySQL: outbox %v, QQ sandbox %v, QQ %v, emails %v; want none",
			a.Outbox != nil, a.QQSandbox != nil, a.QQ != nil, a.Emails != nil)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/dev/outbox", "/qq-sandbox/authorize", "/verify-email?token=x"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s answered %d, want 404", path, res.StatusCode)
		}
	}

	a, logs, err := start(t, mysqlConfig(t, "-alipay-sandbox=true", "-dev-outbox=true", "-qq-sandbox=true", "-require-sms=true"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Outbox == nil || a.QQSandbox == nil {
		t.Fatal("named on MySQL, the outbox or the QQ sandbox did not start")
	}
	for _, want := range []string{"DEV OUTBOX ON A MYSQL DEPLOYMENT", "QQ SANDBOX ON A MYSQL DEPLOYMENT"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q warning at start:\n%s", want, logs)
		}
	}
}

// Two instances of a MySQL shop behind one load balancer are one sandbox:
// the same keys and merchant, and a trade opened on one is paid on the
// other. Without the key flags the first instance's pair, kept in Redis,
// is everyone's.
func TestTwoSandboxInstancesAreOneAlipay(t *testing.T) {
	t.Parallel()
	sandboxKey, _, err := alipaysandbox.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	appKey, _, err := alipaysandbox.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"keys kept in Redis", []string{"-alipay-sandbox=true"}},
		{"keys configured", []string{"-alipay-sandbox=true", "-alipay-sandbox-key", sandboxKey, "-alipay-sandbox-app-key", appKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := mysqlConfig(t, tc.args...)
			one, _, err := start(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			two, _, err := start(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if one.Sandbox.PublicKeyPEM() != two.Sandbox.PublicKeyPEM() || one.Sandbox.SellerID() != two.Sandbox.SellerID() {
				t.Fatal("the instances sign with different keys or name different merchants")
			}
			keys := alipaysandbox.Keys{Sandbox: cfg.AlipaySandboxKey, App: cfg.AlipaySandboxAppKey}
			if keys.Sandbox == "" {
				// What the first instance stored; the second loaded it.
				if keys, err = alipaysandbox.SharedKeys(context.Background(), one.Redis, cfg.RedisPrefix, 0); err != nil {
					t.Fatal(err)
				}
			}
			if pub, _ := alipaysandbox.PublicKeyOf(keys.Sandbox); one.Sandbox.PublicKeyPEM() != pub {
				t.Fatal("the sandbox does not sign with the shared key")
			}
			c, err := alipay.New(one.Sandbox.AppID(), keys.App, false)
			if err != nil {
				t.Fatal(err)
			}
			var p alipay.TradePagePay
			p.OutTradeNo, p.Subject, p.TotalAmount, p.ProductCode = "fleet-order", "Order fleet-order", "12.00", "FAST_INSTANT_TRADE_PAY"
			u, err := c.TradePagePay(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := one.Sandbox.OpenPayURL(u.String()); err != nil {
				t.Fatalf("the first instance refuses the app's pay URL: %v", err)
			}
			if _, err := two.Sandbox.PayWithoutNotify("fleet-order"); err != nil {
				t.Fatalf("the second instance does not know the trade: %v", err)
			}
			if st, ok := one.Sandbox.Trade("fleet-order"); !ok || st.Status != alipaysandbox.StatusSuccess {
				t.Fatalf("the first instance sees %+v", st)
			}
		})
	}
}
