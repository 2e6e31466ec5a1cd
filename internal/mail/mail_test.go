package mail_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/mail"
	"github.com/storefront/storefront/internal/mail/smtptest"
)

func sender(t *testing.T, cfg mail.SMTPConfig) *mail.SMTP {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Storefront <no-reply@shop.example>"
	}
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func plain(srv *smtptest.Server) mail.SMTPConfig {
	return mail.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, Timeout: 5 * time.Second}
}

var reset = mail.Message{
	ID:      "job-7",
	To:      "buyer@example.com",
	Subject: "重置您的密码 – Storefront",
	Text:    "你好！\n打开 https://shop.example/reset?token=abc&x=1 重置密码。\n",
	HTML:    `<p>你好！<a href="https://shop.example/reset?token=abc&amp;x=1">重置密码</a></p>`,
}

// parts returns the decoded text/plain and text/html parts of raw.
func parts(t *testing.T, msg *netmail.Message) (text, html string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return text, html
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			r = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if cp["charset"] != "UTF-8" && cp["charset"] != "utf-8" {
			t.Errorf("part %s charset %q", ct, cp["charset"])
		}
		switch ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
}

func TestAMessageArrivesWithItsHeadersAndBothParts(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.RequireAuth("shop", "pa55word")
	cfg := plain(srv)
	cfg.Username, cfg.Password = "shop", "pa55word"
	if err := sender(t, cfg).Send(t.Context(), reset); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	r := got[0]
	if r.From != "no-reply@shop.example" || len(r.To) != 1 || r.To[0] != "buyer@example.com" {
		t.Fatalf("envelope %q → %q", r.From, r.To)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	if id := h.Get("Message-ID"); id != "<job-7@storefront>" {
		t.Errorf("Message-ID %q", id)
	}
	raw := h.Get("Subject")
	for _, c := range raw {
		if c > 127 {
			t.Fatalf("Subject header not encoded: %q", raw)
		}
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || subj != reset.Subject {
		t.Errorf("Subject %q decodes to %q (%v)", raw, subj, err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "no-reply@shop.example" || from[0].Name != "Storefront" {
		t.Errorf("From %q (%v)", h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "buyer@example.com" {
		t.Errorf("To %q (%v)", h.Get("To"), err)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	text, html := parts(t, msg)
	if strings.ReplaceAll(text, "\r\n", "\n") != reset.Text {
		t.Errorf("text %q; want %q", text, reset.Text)
	}
	if html != reset.HTML {
		t.Errorf("html %q; want %q", html, reset.HTML)
	}
}

func TestAWrongPasswordIsRefusedAndPermanent(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.RequireAuth("shop", "pa55word")
	cfg := plain(srv)
	cfg.Username, cfg.Password = "shop", "wrong"
	err := sender(t, cfg).Send(t.Context(), reset)
	if err == nil || !mail.IsPermanent(err) {
		t.Fatalf("err %v; want a permanent error (535)", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("delivered without a login")
	}
}

func TestA550RecipientIsPermanent(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.RejectRecipient("gone@example.com")
	m := reset
	m.To = "gone@example.com"
	err := sender(t, plain(srv)).Send(t.Context(), m)
	if err == nil || !mail.IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("err %v; want a permanent 550", err)
	}
}

func TestA451IsRetryableAndTheRetryDelivers(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.FailNext(1)
	s := sender(t, plain(srv))
	err := s.Send(t.Context(), reset)
	if err == nil || mail.IsPermanent(err) || !strings.Contains(err.Error(), "451") {
		t.Fatalf("err %v; want a retryable 451", err)
	}
	if err := s.Send(t.Context(), reset); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

func TestMandatorySTARTTLSSendsNothingToAServerWithoutIt(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t) // no STARTTLS
	srv.RequireAuth("shop", "pa55word")
	cfg := plain(srv)
	cfg.TLS = "" // the default: starttls
	cfg.Username, cfg.Password = "shop", "pa55word"
	if err := sender(t, cfg).Send(t.Context(), reset); err == nil {
		t.Fatal("sent in clear")
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("delivered in clear")
	}
}

func TestSTARTTLSDeliversToAVerifiedServerOnly(t *testing.T) {
	t.Parallel()
	srv := smtptest.StartTLS(t)
	srv.RequireAuth("shop", "pa55word")
	cfg := mail.SMTPConfig{
		Host: srv.Host, Port: srv.Port, Username: "shop", Password: "pa55word",
		From: "Storefront <no-reply@shop.example>", Timeout: 5 * time.Second,
		TLSConfig: &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}, // trusts nobody
	}
	if err := sender(t, cfg).Send(t.Context(), reset); err == nil {
		t.Fatal("sent to a server whose certificate does not verify")
	}
	cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs, MinVersion: tls.VersionTLS12}
	if err := sender(t, cfg).Send(t.Context(), reset); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

// silent accepts connections and never says a word.
func silent(t *testing.T) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return "127.0.0.1", l.Addr().(*net.TCPAddr).Port
}

func timed(t *testing.T, limit time.Duration, f func() error) error {
	t.Helper()
	start := time.Now()
	err := f()
	if took := time.Since(start); took > limit {
		t.Fatalf("took %v; want under %v", took, limit)
	}
	return err
}

func TestAServerThatNeverAnswersReturnsByTimeout(t *testing.T) {
	t.Parallel()
	host, port := silent(t)
	s := sender(t, mail.SMTPConfig{Host: host, Port: port, TLS: mail.TLSNone, From: "no-reply@shop.example", Timeout: 300 * time.Millisecond})
	err := timed(t, 2*time.Second, func() error { return s.Send(t.Context(), reset) })
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("err %v; want a retryable error", err)
	}
}

func TestTheCallersDeadlineCutsASendShort(t *testing.T) {
	t.Parallel()
	host, port := silent(t)
	s := sender(t, mail.SMTPConfig{Host: host, Port: port, TLS: mail.TLSNone, From: "no-reply@shop.example", Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := timed(t, 2*time.Second, func() error { return s.Send(ctx, reset) })
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("err %v; want a retryable error", err)
	}
}

// slowServer answers every command right but each after delay: each
// reply alone is within Timeout, the whole exchange is not.
func slowServer(t *testing.T, delay time.Duration) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				r := bufio.NewReader(c)
				say := func(s string) { time.Sleep(delay); _, _ = io.WriteString(c, s+"\r\n") }
				say("220 slow ESMTP")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"):
						say("250-slow\r\n250 8BITMIME")
					case cmd == "DATA":
						say("354 go ahead")
						for {
							l, err := r.ReadString('\n')
							if err != nil || l == ".\r\n" {
								break
							}
						}
						say("250 queued")
					case cmd == "QUIT":
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return "127.0.0.1", l.Addr().(*net.TCPAddr).Port
}

func TestTimeoutBoundsTheWholeExchangeNotEachCommand(t *testing.T) {
	t.Parallel()
	host, port := slowServer(t, 150*time.Millisecond)
	// Control: with room enough the slow server does deliver.
	ok := sender(t, mail.SMTPConfig{Host: host, Port: port, TLS: mail.TLSNone, From: "no-reply@shop.example", Timeout: 5 * time.Second})
	if err := ok.Send(t.Context(), reset); err != nil {
		t.Fatalf("control: %v", err)
	}
	// ~7 replies × 150 ms is over 1 s; each is well under 500 ms.
	s := sender(t, mail.SMTPConfig{Host: host, Port: port, TLS: mail.TLSNone, From: "no-reply@shop.example", Timeout: 500 * time.Millisecond})
	err := timed(t, 900*time.Millisecond, func() error { return s.Send(t.Context(), reset) })
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("err %v; want a retryable timeout", err)
	}
}

func TestAMessageThatCannotBeSentIsPermanentBeforeAnyConnection(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := sender(t, plain(srv))
	for name, m := range map[string]mail.Message{
		"bad address": {ID: "a", To: "not an address", Subject: "s", Text: "t"},
		"empty id":    {ID: "", To: "buyer@example.com", Subject: "s", Text: "t"},
		"id with <>":  {ID: "a>b", To: "buyer@example.com", Subject: "s", Text: "t"},
		"no text":     {ID: "a", To: "buyer@example.com", Subject: "s"},
	} {
		if err := s.Send(t.Context(), m); !mail.IsPermanent(err) {
			t.Errorf("%s: %v; want a permanent error", name, err)
		}
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("something was delivered")
	}
}

func TestNewSMTPChecksItsConfig(t *testing.T) {
	good := mail.SMTPConfig{Host: "smtp.example", From: "Storefront <no-reply@shop.example>"}
	if _, err := mail.NewSMTP(good); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*mail.SMTPConfig){
		"no host":       func(c *mail.SMTPConfig) { c.Host = "" },
		"bad from":      func(c *mail.SMTPConfig) { c.From = "nobody" },
		"bad tls":       func(c *mail.SMTPConfig) { c.TLS = "ssl" },
		"user, no pass": func(c *mail.SMTPConfig) { c.Username = "u" },
		"bad port":      func(c *mail.SMTPConfig) { c.Port = 70000 },
	} {
		c := good
		mod(&c)
		if _, err := mail.NewSMTP(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
