// Package config reads Storefront's settings from flags and environment
// variables (flags win). Every setting has a default that runs the embedded
// mode, so `storefront` with no configuration at all serves a demo shop.
package config

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/storefront/storefront/internal/money"
)

// Config is every setting of a Storefront process.
type Config struct {
	Addr     string // HTTP listen address
	DataDir  string // embedded mode: SQLite file and generated secrets
	MySQLDSN string // when set, MySQL/MariaDB instead of SQLite
	// RedisAddr, when set, is the Redis (or Redis Cluster) instead of the
	// in-process one; see RedisOptions.
	RedisAddr string
	RedisPass string
	RedisDB   int
	// RedisPrefix namespaces every key, so several shops (or tests) can
	// share one Redis.
	RedisPrefix string
	// DBMaxOpen, DBMaxIdle, DBConnLifetime and DBConnIdleTime size the
	// database pool of this instance (see database.Config).
	DBMaxOpen      int
	DBMaxIdle      int
	DBConnLifetime time.Duration
	DBConnIdleTime time.Duration
	// RequestTimeout is the deadline of one GraphQL operation.
	RequestTimeout time.Duration
	// Migrate applies pending migrations at start instead of refusing to
	// serve an outdated MySQL database.
	Migrate bool
	// Seed loads the demo catalog into an empty database at start.
	Seed            bool
	Introspection   bool
	MaxDepth        int
	MaxComplexity   int
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	// DrainDelay is how long a stopping instance keeps serving, with
	// /readyz at 503 and keep-alive off, before it closes its listener.
	DrainDelay time.Duration
	LogLevel   string
	// LogFormat is text (for a terminal) or json (for a log pipeline).
	LogFormat string
	// MetricsAddr serves /metrics apart from the API; empty: no metrics.
	MetricsAddr string

	// JWTSecret signs access tokens; every instance must share it. Empty:
	// a key generated once and kept in DataDir.
	JWTSecret  string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// SessionCacheTTL is how long an instance trusts the database's answer
	// that a login lives: the longest a revocation Redis lost goes unseen.
	SessionCacheTTL time.Duration
	// Argon2MemoryKiB is the password hash's memory cost.
	Argon2MemoryKiB int
	// Argon2MaxMemoryMiB bounds the memory of password hashes running at
	// once (Argon2MaxMemoryMiB / Argon2MemoryKiB of them).
	Argon2MaxMemoryMiB int
	// AvailabilityPerHour and RegisterPerHour cap, per client address,
	// usernameAvailable/mobileAvailable answers and registrations.
	AvailabilityPerHour int
	RegisterPerHour     int
	// TrustProxy takes the client address from X-Forwarded-For (set it
	// only behind a proxy that overwrites that header).
	TrustProxy bool
	// CORSOrigins may call /graphql from a browser (rs/cors patterns: one
	// * wildcard each, or "*" alone for any origin).
	CORSOrigins []string

	// Freight is charged per order unless its goods reach FreeFreightFrom
	// (0: never free).
	Freight         money.Fen
	FreeFreightFrom money.Fen
	// PayWithin is how long an ALIPAY order may stay unpaid.
	PayWithin time.Duration
	// PurchaseLimit caps the units of one SKU per order and per shopper
	// over PurchaseLimitWindow, for SKUs without their own (0: no cap).
	PurchaseLimit       int
	PurchaseLimitWindow time.Duration
	// MaxUnpaidOrders caps a shopper's UNPAID orders (0: no cap).
	MaxUnpaidOrders int

	// PublicURL is where Alipay and browsers reach this API (notify and
	// return URLs are built on it). Empty: http://<addr>.
	PublicURL string
	// FrontendURL receives the buyer back from the pay page.
	FrontendURL string
	// AlipayAppID is the real Alipay app; empty needs AlipaySandbox.
	AlipayAppID      string
	AlipayPrivateKey string // PEM, or @path
	AlipayPublicKey  string // PEM, or @path
	AlipayGateway    string
	AlipayProduction bool
	// AlipaySandbox runs the offline Alipay double in process. It marks any
	// order paid on request, so it is on by default only in the embedded
	// mode; elsewhere it must be asked for by name.
	AlipaySandbox bool
	// AlipaySellerID is the merchant's Alipay user id (2088...); when set,
	// a notification paid to another account is refused.
	AlipaySellerID string
	// AlipaySandboxKey and AlipaySandboxAppKey are the sandbox's and the
	// app's private keys (PEM) for the sandbox: set both, the same on every
	// instance, or neither (a pair is then made once and kept in Redis).
	AlipaySandboxKey    string
	AlipaySandboxAppKey string
	// SweepInterval is how often expired unpaid orders are settled.
	SweepInterval time.Duration

	// RequireSMS makes register take an SMS code proving the mobile.
	RequireSMS bool
	// SMSLoginRegisters lets loginBySms create an account for a new mobile.
	SMSLoginRegisters bool
	// DevOutbox keeps SMS and mail that have no real gateway in memory,
	// for a developer to read at /dev/outbox. It hands out every code, so
	// it is on by default only in the embedded mode.
	DevOutbox bool
	// AliyunSMS* configure Aliyun's SMS gateway (empty key: none).
	AliyunSMSKeyID    string
	AliyunSMSSecret   string
	AliyunSMSSignName string
	AliyunSMSTemplate string
	AliyunSMSEndpoint string
	// SMTP* configure the mail server (empty host: none).
	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	SMTPTLS      string
	// EmailLandingURL receives the browser after an email link (gets
	// ?status=); empty: the shop's own page.
	EmailLandingURL string
	// QQ* configure QQ Connect (empty app id: no QQ login, unless the
	// sandbox).
	QQAppID        string
	QQAppKey       string
	QQRedirectURL  string
	QQAuthorizeURL string
	QQTokenURL     string
	QQMeURL        string
	QQUserInfoURL  string
	// QQSandbox runs the offline QQ Connect double in process; anyone can
	// sign in as its fake users, so it is on by default only embedded.
	QQSandbox bool
	// JobConcurrency is how many background jobs this instance runs at once.
	JobConcurrency int
	// OTLPEndpoint is the OTLP/HTTP collector traces go to (empty: no
	// tracing).
	OTLPEndpoint string
}

// Var describes one setting for the README and for --help.
type Var struct {
	Flag, Env, Default, Usage string
}

// Vars lists every setting; README's configuration table mirrors it.
var Vars = []Var{
	{"addr", "STOREFRONT_ADDR", "127.0.0.1:8080", "HTTP listen address"},
	{"data-dir", "STOREFRONT_DATA_DIR", "./data", "embedded mode: where the SQLite file and generated secrets live"},
	{"mysql-dsn", "STOREFRONT_MYSQL_DSN", "", "MySQL/MariaDB DSN (go-sql-driver form, e.g. root@tcp(127.0.0.1:3306)/storefront); empty: embedded SQLite"},
	{"redis-addr", "STOREFRONT_REDIS_ADDR", "", "Redis host:port; several comma-separated: the masters of a Redis Cluster; or a redis:// or rediss:// URL (a cluster's further masters as ?addr=host:port&addr=...); empty: an in-process Redis"},
	{"redis-password", "STOREFRONT_REDIS_PASSWORD", "", "Redis password"},
	{"redis-db", "STOREFRONT_REDIS_DB", "0", "Redis database number"},
	{"redis-prefix", "STOREFRONT_REDIS_PREFIX", "sf:", "prefix of every Redis key"},
	{"db-max-open", "STOREFRONT_DB_MAX_OPEN", "64", "database connections this instance may hold; keep instances × this below MariaDB's max_connections, minus room for admin sessions and migrations"},
	{"db-max-idle", "STOREFRONT_DB_MAX_IDLE", "0", "unused database connections kept open (0: as many as -db-max-open)"},
	{"db-conn-lifetime", "STOREFRONT_DB_CONN_LIFETIME", "5m", "a database connection is replaced after this long (below the server's wait_timeout and any proxy's idle cut)"},
	{"db-conn-idle-time", "STOREFRONT_DB_CONN_IDLE_TIME", "1m", "a database connection unused this long is closed, giving it back to the server"},
	{"request-timeout", "STOREFRONT_REQUEST_TIMEOUT", "10s", "deadline of one GraphQL operation; past it the operation answers UNAVAILABLE (retryable)"},
	{"migrate", "STOREFRONT_MIGRATE", "false", "apply pending MySQL migrations at start (otherwise refuse to serve)"},
	{"seed", "STOREFRONT_SEED", "embedded only", "load the demo catalog into an empty database at start (default: true in embedded mode, false with MySQL)"},
	{"introspection", "STOREFRONT_INTROSPECTION", "embedded only", "allow schema introspection, which the playground needs (default: true in embedded mode, false with MySQL)"},
	{"max-depth", "STOREFRONT_MAX_DEPTH", "12", "deepest selection nesting a query may have"},
	{"max-complexity", "STOREFRONT_MAX_COMPLEXITY", "20000", "highest cost a query may have (list fields cost their page size)"},
	{"max-body-bytes", "STOREFRONT_MAX_BODY_BYTES", "65536", "largest GraphQL request body"},
	{"shutdown-timeout", "STOREFRONT_SHUTDOWN_TIMEOUT", "15s", "how long in-flight requests may finish after SIGTERM"},
	{"drain-delay", "STOREFRONT_DRAIN_DELAY", "1s", "after SIGTERM, how long /readyz answers 503 (and answers close their connection) before the listener closes, so a load balancer moves away"},
	{"log-level", "STOREFRONT_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "STOREFRONT_LOG_FORMAT", "text", "text, or json: one object per line with request_id, op and user_id"},
	{"metrics-addr", "STOREFRONT_METRICS_ADDR", "127.0.0.1:9464", "listen address of /metrics (Prometheus), apart from the API; empty: no metrics"},
	{"jwt-secret", "STOREFRONT_JWT_SECRET", "", "access-token signing key, at least 32 bytes, the same on every instance; empty: generated once and kept in the data dir"},
	{"access-ttl", "STOREFRONT_ACCESS_TTL", "15m", "lifetime of an access token"},
	{"refresh-ttl", "STOREFRONT_REFRESH_TTL", "720h", "lifetime of a refresh token"},
	{"session-cache-ttl", "STOREFRONT_SESSION_CACHE_TTL", "30s", "how long an instance trusts the database's word that a login lives (one query per login per period); a logout Redis lost is honored everywhere within it"},
	{"argon2-memory-kib", "STOREFRONT_ARGON2_MEMORY_KIB", "19456", "argon2id memory cost of password hashes, in KiB"},
	{"argon2-max-memory-mib", "STOREFRONT_ARGON2_MAX_MEMORY_MIB", "256", "memory password hashes may use at once, in MiB (256 runs 13 hashes of 19 MiB); more wait, then get RATE_LIMITED"},
	{"availability-per-hour", "STOREFRONT_AVAILABILITY_PER_HOUR", "60", "usernameAvailable and mobileAvailable answers per client address per hour"},
	{"register-per-hour", "STOREFRONT_REGISTER_PER_HOUR", "20", "registrations per client address per hour"},
	{"freight", "STOREFRONT_FREIGHT", "10.00", "freight per order, in yuan"},
	{"free-freight-from", "STOREFRONT_FREE_FREIGHT_FROM", "99.00", "goods amount from which freight is free, in yuan (0: never)"},
	{"pay-within", "STOREFRONT_PAY_WITHIN", "30m", "how long an ALIPAY order may stay unpaid before it is canceled"},
	{"purchase-limit", "STOREFRONT_PURCHASE_LIMIT", "10", "most units of one SKU per order and per shopper within the limit window, for SKUs without their own limit (0: none)"},
	{"purchase-limit-window", "STOREFRONT_PURCHASE_LIMIT_WINDOW", "24h", "how far back a shopper's orders (not canceled) count against a SKU's purchase limit"},
	{"max-unpaid-orders", "STOREFRONT_MAX_UNPAID_ORDERS", "3", "most UNPAID orders one shopper may have at once (0: any number)"},
	{"public-url", "STOREFRONT_PUBLIC_URL", "", "where Alipay and browsers reach this API, e.g. https://api.shop.example; empty: http://<addr>"},
	{"frontend-url", "STOREFRONT_FRONTEND_URL", "", "where the buyer lands after paying (gets ?orderNo=); empty: the shop's own payment result page"},
	{"alipay-app-id", "STOREFRONT_ALIPAY_APP_ID", "", "Alipay app id; empty: the offline Alipay sandbox (embedded mode, or with -alipay-sandbox)"},
	{"alipay-sandbox", "STOREFRONT_ALIPAY_SANDBOX", "embedded only", "run the offline Alipay sandbox at /alipay-sandbox/: anyone can mark orders paid there (default: true in embedded mode without -alipay-app-id, false with MySQL)"},
	{"alipay-private-key", "STOREFRONT_ALIPAY_PRIVATE_KEY", "", "the app's RSA2 private key, PEM text or @file"},
	{"alipay-public-key", "STOREFRONT_ALIPAY_PUBLIC_KEY", "", "Alipay's RSA2 public key, PEM text or @file"},
	{"alipay-gateway", "STOREFRONT_ALIPAY_GATEWAY", "", "gateway URL; empty: Alipay's own for the mode"},
	{"alipay-production", "STOREFRONT_ALIPAY_PRODUCTION", "false", "use Alipay's production environment"},
	{"alipay-seller-id", "STOREFRONT_ALIPAY_SELLER_ID", "", "the merchant's Alipay user id (2088...); when set, notifications paid to another account are refused"},
	{"alipay-sandbox-key", "STOREFRONT_ALIPAY_SANDBOX_KEY", "", "the offline sandbox's RSA private key (\"Alipay's\"), PEM text or @file, the same on every instance; empty: made once and kept in Redis (in embedded mode that is a fresh key at every start)"},
	{"alipay-sandbox-app-key", "STOREFRONT_ALIPAY_SANDBOX_APP_KEY", "", "the app's RSA private key for the offline sandbox, PEM text or @file, the same on every instance; set with -alipay-sandbox-key"},
	{"sweep-interval", "STOREFRONT_SWEEP_INTERVAL", "30s", "how often expired unpaid orders are settled, owed refunds finished and owed cart clean-ups retried (0: never, for tests)"},
	{"require-sms", "STOREFRONT_REQUIRE_SMS", "true", "register needs an SMS code to the mobile (false: trust the mobile, for a shop with no SMS gateway, and the bench)"},
	{"sms-login-registers", "STOREFRONT_SMS_LOGIN_REGISTERS", "true", "loginBySms creates an account for a mobile that has none"},
	{"dev-outbox", "STOREFRONT_DEV_OUTBOX", "embedded only", "keep SMS and mail with no real gateway at /dev/outbox, where anyone can read every code (default: true in embedded mode, false with MySQL)"},
	{"aliyun-sms-access-key-id", "STOREFRONT_ALIYUN_SMS_ACCESS_KEY_ID", "", "Aliyun SMS AccessKey id; empty: no SMS gateway"},
	{"aliyun-sms-access-key-secret", "STOREFRONT_ALIYUN_SMS_ACCESS_KEY_SECRET", "", "Aliyun SMS AccessKey secret"},
	{"aliyun-sms-sign-name", "STOREFRONT_ALIYUN_SMS_SIGN_NAME", "", "Aliyun SMS signature (短信签名)"},
	{"aliyun-sms-template", "STOREFRONT_ALIYUN_SMS_TEMPLATE", "", "Aliyun TemplateCode of the verification code SMS (its one parameter: code)"},
	{"aliyun-sms-endpoint", "STOREFRONT_ALIYUN_SMS_ENDPOINT", "", "Aliyun SMS endpoint; empty: https://dysmsapi.aliyuncs.com/"},
	{"smtp-host", "STOREFRONT_SMTP_HOST", "", "mail server host; empty: no mail server"},
	{"smtp-port", "STOREFRONT_SMTP_PORT", "0", "mail server port (0: 587 for starttls, 465 for tls, 25 for none)"},
	{"smtp-username", "STOREFRONT_SMTP_USERNAME", "", "mail server login"},
	{"smtp-password", "STOREFRONT_SMTP_PASSWORD", "", "mail server password"},
	{"smtp-from", "STOREFRONT_SMTP_FROM", "Storefront <no-reply@localhost>", "From of the shop's mail"},
	{"smtp-tls", "STOREFRONT_SMTP_TLS", "starttls", "starttls (required), tls (implicit) or none (test servers only)"},
	{"email-landing-url", "STOREFRONT_EMAIL_LANDING_URL", "", "where an email link sends the browser (gets ?status=verified, expired, used or invalid); empty: the shop's own page"},
	{"qq-app-id", "STOREFRONT_QQ_APP_ID", "", "QQ Connect app id; empty: no QQ login (unless -qq-sandbox)"},
	{"qq-app-key", "STOREFRONT_QQ_APP_KEY", "", "QQ Connect app key"},
	{"qq-redirect-url", "STOREFRONT_QQ_REDIRECT_URL", "", "where QQ sends the browser back (the frontend's page, which calls qqLogin); empty: the shop's own page"},
	{"qq-authorize-url", "STOREFRONT_QQ_AUTHORIZE_URL", "", "QQ Connect authorize endpoint; empty: https://graph.qq.com/oauth2.0/authorize"},
	{"qq-token-url", "STOREFRONT_QQ_TOKEN_URL", "", "QQ Connect token endpoint; empty: QQ's"},
	{"qq-me-url", "STOREFRONT_QQ_ME_URL", "", "QQ Connect openid endpoint; empty: QQ's"},
	{"qq-userinfo-url", "STOREFRONT_QQ_USERINFO_URL", "", "QQ Connect get_user_info endpoint; empty: QQ's"},
	{"qq-sandbox", "STOREFRONT_QQ_SANDBOX", "embedded only", "run the offline QQ Connect sandbox at /qq-sandbox/: anyone can sign in as its fake QQ users (default: true in embedded mode without -qq-app-id, false with MySQL)"},
	{"job-concurrency", "STOREFRONT_JOB_CONCURRENCY", "4", "background jobs (SMS, mail) this instance runs at once"},
	{"otlp-endpoint", "STOREFRONT_OTLP_ENDPOINT", "", "OTLP/HTTP collector to send traces to, e.g. http://127.0.0.1:4318 (spans go to its /v1/traces); empty: no tracing"},
	{"trust-proxy", "STOREFRONT_TRUST_PROXY", "false", "take the client address from X-Forwarded-For (only behind a proxy that sets it)"},
	{"cors-origins", "STOREFRONT_CORS_ORIGINS", "embedded only", "comma-separated origins (scheme://host[:port], one * wildcard each, or * for any) whose browser apps may call /graphql (default: in embedded mode the public URL's origin, http://localhost:* and http://127.0.0.1:*; none with MySQL)"},
}

// Embedded reports whether the process runs without external services.
func (c Config) Embedded() bool { return c.MySQLDSN == "" }

// Usage heads the flag list that `storefront -h` prints.
const Usage = `Usage:
  storefront [serve] [flags]   serve HTTP (the default)
  storefront migrate [flags]   apply pending MySQL/MariaDB migrations
  storefront seed [flags]      load the demo catalog into an empty database
  storefront reindex [flags]   ask every running instance to rebuild its search index
  storefront apikey create -name NAME -scopes SCOPES | revoke PREFIX | list
                               manage partner API keys (settings from the environment)

Every flag can be set by the environment variable named after it; a flag wins.

Flags:
`

// flagSet declares a flag for each of Vars, its default the environment's
// value when set, else Vars' own.
func flagSet(getenv func(string) string) (*flag.FlagSet, map[string]*string) {
	fs := flag.NewFlagSet("storefront", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), Usage)
		fs.PrintDefaults()
	}
	vals := make(map[string]*string, len(Vars))
	for _, v := range Vars {
		def := v.Default
		if e := getenv(v.Env); e != "" {
			def = e
		}
		vals[v.Flag] = fs.String(v.Flag, def, v.Usage+" ($"+v.Env+")")
	}
	return fs, vals
}

// Load parses args (without the program and command names) over the
// environment.
func Load(args []string, getenv func(string) string) (Config, error) {
	fs, vals := flagSet(getenv)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	get := func(name string) string { return *vals[name] }
	c := Config{
		Addr:        get("addr"),
		DataDir:     get("data-dir"),
		MySQLDSN:    get("mysql-dsn"),
		RedisAddr:   get("redis-addr"),
		RedisPass:   get("redis-password"),
		RedisPrefix: get("redis-prefix"),
		LogLevel:    get("log-level"),
		LogFormat:   get("log-format"),
		MetricsAddr: get("metrics-addr"),
		JWTSecret:   get("jwt-secret"),
		PublicURL:   get("public-url"),
		FrontendURL: get("frontend-url"),
		AlipayAppID: get("alipay-app-id"),

		AliyunSMSKeyID:    get("aliyun-sms-access-key-id"),
		AliyunSMSSecret:   get("aliyun-sms-access-key-secret"),
		AliyunSMSSignName: get("aliyun-sms-sign-name"),
		AliyunSMSTemplate: get("aliyun-sms-template"),
		AliyunSMSEndpoint: get("aliyun-sms-endpoint"),
		SMTPHost:          get("smtp-host"),
		SMTPUsername:      get("smtp-username"),
		SMTPPassword:      get("smtp-password"),
		SMTPFrom:          get("smtp-from"),
		SMTPTLS:           get("smtp-tls"),
		EmailLandingURL:   get("email-landing-url"),
		QQAppID:           get("qq-app-id"),
		QQAppKey:          get("qq-app-key"),
		QQRedirectURL:     get("qq-redirect-url"),
		QQAuthorizeURL:    get("qq-authorize-url"),
		QQTokenURL:        get("qq-token-url"),
		QQMeURL:           get("qq-me-url"),
		QQUserInfoURL:     get("qq-userinfo-url"),
		OTLPEndpoint:      get("otlp-endpoint"),
	}
	var err error
	parse := func(name string, into func(string) error) {
		if err == nil {
			if e := into(get(name)); e != nil {
				err = fmt.Errorf("-%s: %w", name, e)
			}
		}
	}
	parseBool := func(dst *bool) func(string) error {
		return func(s string) (e error) { *dst, e = strconv.ParseBool(s); return e }
	}
	parseInt := func(dst *int) func(string) error {
		return func(s string) (e error) { *dst, e = strconv.Atoi(s); return e }
	}
	parse("redis-db", parseInt(&c.RedisDB))
	parse("db-max-open", parseInt(&c.DBMaxOpen))
	parse("db-max-idle", parseInt(&c.DBMaxIdle))
	parse("migrate", parseBool(&c.Migrate))
	// Settings that are safe for a demo on one machine and dangerous on
	// the internet default to on only in the embedded mode.
	embeddedOnly := func(dst *bool) func(string) error {
		return func(s string) error {
			if s == "embedded only" {
				*dst = c.Embedded()
				return nil
			}
			return parseBool(dst)(s)
		}
	}
	parse("seed", embeddedOnly(&c.Seed))
	parse("introspection", embeddedOnly(&c.Introspection))
	parse("max-depth", parseInt(&c.MaxDepth))
	parse("max-complexity", parseInt(&c.MaxComplexity))
	parse("max-body-bytes", func(s string) (e error) { c.MaxBodyBytes, e = strconv.ParseInt(s, 10, 64); return e })
	parseDuration := func(dst *time.Duration) func(string) error {
		return func(s string) (e error) { *dst, e = time.ParseDuration(s); return e }
	}
	parse("shutdown-timeout", parseDuration(&c.ShutdownTimeout))
	parse("drain-delay", parseDuration(&c.DrainDelay))
	parse("db-conn-lifetime", parseDuration(&c.DBConnLifetime))
	parse("db-conn-idle-time", parseDuration(&c.DBConnIdleTime))
	parse("request-timeout", parseDuration(&c.RequestTimeout))
	parse("access-ttl", parseDuration(&c.AccessTTL))
	parse("refresh-ttl", parseDuration(&c.RefreshTTL))
	parse("session-cache-ttl", parseDuration(&c.SessionCacheTTL))
	parse("pay-within", parseDuration(&c.PayWithin))
	parse("purchase-limit", parseInt(&c.PurchaseLimit))
	parse("purchase-limit-window", parseDuration(&c.PurchaseLimitWindow))
	parse("max-unpaid-orders", parseInt(&c.MaxUnpaidOrders))
	parse("sweep-interval", parseDuration(&c.SweepInterval))
	parse("alipay-production", parseBool(&c.AlipayProduction))
	parse("alipay-sandbox", func(s string) error {
		if s == "embedded only" {
			c.AlipaySandbox = c.Embedded() && c.AlipayAppID == ""
			return nil
		}
		return parseBool(&c.AlipaySandbox)(s)
	})
	c.AlipayGateway = get("alipay-gateway")
	c.AlipaySellerID = get("alipay-seller-id")
	for _, k := range []struct {
		flag string
		dst  *string
	}{
		{"alipay-private-key", &c.AlipayPrivateKey}, {"alipay-public-key", &c.AlipayPublicKey},
		{"alipay-sandbox-key", &c.AlipaySandboxKey}, {"alipay-sandbox-app-key", &c.AlipaySandboxAppKey},
	} {
		parse(k.flag, func(v string) error {
			if path, ok := strings.CutPrefix(v, "@"); ok {
				b, err := os.ReadFile(path)
				v = string(b)
				if err != nil {
					return err
				}
			}
			*k.dst = v
			return nil
		})
	}
	parse("argon2-memory-kib", parseInt(&c.Argon2MemoryKiB))
	parse("argon2-max-memory-mib", parseInt(&c.Argon2MaxMemoryMiB))
	parse("availability-per-hour", parseInt(&c.AvailabilityPerHour))
	parse("register-per-hour", parseInt(&c.RegisterPerHour))
	parse("trust-proxy", parseBool(&c.TrustProxy))
	parse("require-sms", parseBool(&c.RequireSMS))
	parse("sms-login-registers", parseBool(&c.SMSLoginRegisters))
	parse("dev-outbox", embeddedOnly(&c.DevOutbox))
	parse("smtp-port", parseInt(&c.SMTPPort))
	parse("job-concurrency", parseInt(&c.JobConcurrency))
	parse("qq-sandbox", func(s string) error {
		if s == "embedded only" {
			c.QQSandbox = c.Embedded() && c.QQAppID == ""
			return nil
		}
		return parseBool(&c.QQSandbox)(s)
	})
	parseMoney := func(dst *money.Fen) func(string) error {
		return func(s string) error {
			v, err := money.Parse(s)
			if err == nil && v < 0 {
				err = fmt.Errorf("must not be negative")
			}
			*dst = v
			return err
		}
	}
	parse("freight", parseMoney(&c.Freight))
	parse("free-freight-from", parseMoney(&c.FreeFreightFrom))
	if err != nil {
		return Config{}, err
	}
	if c.MaxDepth < 1 || c.MaxComplexity < 1 || c.MaxBodyBytes < 1024 {
		return Config{}, fmt.Errorf("max-depth, max-complexity must be positive and max-body-bytes at least 1024")
	}
	if c.DBMaxOpen < 1 || c.DBMaxIdle < 0 || c.DBConnLifetime < time.Second || c.DBConnIdleTime < time.Second {
		return Config{}, fmt.Errorf("db-max-open must be positive, db-max-idle not negative, db-conn-lifetime and db-conn-idle-time at least 1s")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return Config{}, fmt.Errorf("log-format must be text or json, got %q", c.LogFormat)
	}
	if c.DrainDelay < 0 || c.ShutdownTimeout <= 0 {
		return Config{}, fmt.Errorf("drain-delay must not be negative and shutdown-timeout must be positive")
	}
	if c.RequestTimeout < 100*time.Millisecond {
		return Config{}, fmt.Errorf("request-timeout must be at least 100ms")
	}
	if c.AccessTTL < time.Minute || c.RefreshTTL < c.AccessTTL {
		return Config{}, fmt.Errorf("access-ttl must be at least 1m and refresh-ttl at least access-ttl")
	}
	if c.SessionCacheTTL < time.Second || c.SessionCacheTTL > c.AccessTTL {
		return Config{}, fmt.Errorf("session-cache-ttl must be at least 1s and at most access-ttl")
	}
	if c.PayWithin < time.Minute {
		return Config{}, fmt.Errorf("pay-within must be at least 1m")
	}
	if c.PurchaseLimit < 0 || c.MaxUnpaidOrders < 0 || c.PurchaseLimitWindow < time.Minute {
		return Config{}, fmt.Errorf("purchase-limit and max-unpaid-orders must not be negative, purchase-limit-window at least 1m")
	}
	if c.AlipayAppID != "" && (c.AlipayPrivateKey == "" || c.AlipayPublicKey == "") {
		return Config{}, fmt.Errorf("alipay-app-id needs alipay-private-key and alipay-public-key")
	}
	if (c.AlipaySandboxKey == "") != (c.AlipaySandboxAppKey == "") {
		return Config{}, fmt.Errorf("alipay-sandbox-key and alipay-sandbox-app-key go together: set both (the same on every instance) or neither")
	}
	if c.AlipayAppID != "" && c.AlipaySandbox {
		return Config{}, fmt.Errorf("-alipay-sandbox and -alipay-app-id exclude each other: choose the offline sandbox or the real Alipay")
	}
	// A mistyped id would refuse every genuine notification.
	if id := c.AlipaySellerID; id != "" && (len(id) != 16 || !strings.HasPrefix(id, "2088") || strings.Trim(id, "0123456789") != "") {
		return Config{}, fmt.Errorf("alipay-seller-id %q is not an Alipay user id (16 digits starting 2088)", id)
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if c.CORSOrigins, err = corsOrigins(get("cors-origins"), c); err != nil {
		return Config{}, fmt.Errorf("-cors-origins: %w", err)
	}
	if c.FrontendURL == "" {
		// payment.ResultPath: a page that says whether the order is paid.
		c.FrontendURL = c.PublicURL + "/payments/result"
	}
	if c.Argon2MemoryKiB < 1024 {
		return Config{}, fmt.Errorf("argon2-memory-kib must be at least 1024")
	}
	if c.Argon2MaxMemoryMiB < 1 || c.AvailabilityPerHour < 1 || c.RegisterPerHour < 1 {
		return Config{}, fmt.Errorf("argon2-max-memory-mib, availability-per-hour and register-per-hour must be positive")
	}
	if err := c.checkVerification(); err != nil {
		return Config{}, err
	}
	// A typo here would lose every span quietly, in the exporter's log.
	if e := c.OTLPEndpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Config{}, fmt.Errorf("otlp-endpoint %q is not an http(s)://host[:port] URL", e)
		}
	}
	if _, err := c.RedisOptions(); err != nil {
		return Config{}, err
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return Config{}, fmt.Errorf("jwt-secret must have at least 32 bytes")
	}
	return c, nil
}

// checkVerification refuses gateway settings that could not work. That
// register needs an SMS gateway is the server's check (app), so migrate
// and apikey run without one.
func (c *Config) checkVerification() error {
	aliyun := c.AliyunSMSKeyID != ""
	if aliyun && (c.AliyunSMSSecret == "" || c.AliyunSMSSignName == "" || c.AliyunSMSTemplate == "") {
		return fmt.Errorf("aliyun-sms-access-key-id needs aliyun-sms-access-key-secret, aliyun-sms-sign-name and aliyun-sms-template")
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		return fmt.Errorf("smtp-tls must be starttls, tls or none, not %q", c.SMTPTLS)
	}
	if c.SMTPPort < 0 || c.SMTPPort > 65535 {
		return fmt.Errorf("smtp-port must be 0 to 65535")
	}
	if c.QQAppID != "" && c.QQAppKey == "" {
		return fmt.Errorf("qq-app-id needs qq-app-key")
	}
	if c.QQAppID != "" && c.QQSandbox {
		return fmt.Errorf("-qq-sandbox and -qq-app-id exclude each other: choose the offline sandbox or the real QQ Connect")
	}
	if c.JobConcurrency < 1 {
		return fmt.Errorf("job-concurrency must be positive")
	}
	return nil
}

// corsOrigins parses the -cors-origins list. Its embedded default lets in
// the demo's own origin (the public URL's) and frontends in development on
// the same machine, on any port.
func corsOrigins(list string, c Config) ([]string, error) {
	if list == "embedded only" {
		if !c.Embedded() {
			return nil, nil
		}
		u, err := url.Parse(c.PublicURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("public-url %q has no origin", c.PublicURL)
		}
		return []string{u.Scheme + "://" + u.Host, "http://localhost:*", "http://127.0.0.1:*"}, nil
	}
	var origins []string
	for o := range strings.SplitSeq(list, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		// A browser sends scheme://host[:port] and nothing else: an entry
		// with a path or a trailing slash would never match.
		scheme, host, _ := strings.Cut(o, "://")
		if o != "*" && (scheme != "http" && scheme != "https" || host == "" || strings.Contains(host, "/") || strings.Count(host, "*") > 1) {
			return nil, fmt.Errorf("%q is not an origin (scheme://host[:port], no path, at most one *)", o)
		}
		origins = append(origins, o)
	}
	return origins, nil
}

// SQLitePath is the embedded database file.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "storefront.db") }

// FromEnv loads the configuration from the process environment and args.
func FromEnv(args []string) (Config, error) { return Load(args, os.Getenv) }
