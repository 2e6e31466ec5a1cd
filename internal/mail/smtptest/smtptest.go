// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// on a loopback port for tests: it keeps every message it accepted, can
// require a username and password, refuse chosen recipients with 550 and
// fail the next deliveries with 451, and speak STARTTLS with a
// certificate the test trusts. It is for tests only; nothing in it is
// meant to face a network.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one accepted message: the envelope and the raw message.
type Received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO, in order
	Data []byte   // the message as sent after DATA (headers and body)
}

// Server is a running SMTP server; Stop ends it (Start registers that
// with t.Cleanup).
type Server struct {
	Host string // "127.0.0.1"
	Port int
	// RootCAs trusts the server's certificate; nil unless StartTLS.
	RootCAs *x509.CertPool

	srv *smtp.Server

	mu       sync.Mutex
	msgs     []Received
	user     string
	pass     string
	failNext int
	reject   map[string]bool
}

// Start starts a server without TLS (insecure auth allowed: the test
// owns both ends of the loopback).
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, nil)
}

// StartTLS starts a server that offers STARTTLS with a certificate for
// 127.0.0.1 issued by RootCAs.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	// httptest's certificate is valid for 127.0.0.1 and example.com;
	// borrowing it saves writing a CA here.
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS()
	cfg := hs.TLS.Clone()
	cfg.NextProtos = nil
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	hs.Close()
	s := start(t, cfg)
	s.RootCAs = pool
	return s
}

func start(t testing.TB, tlsCfg *tls.Config) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, reject: map[string]bool{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.TLSConfig = tlsCfg
	s.srv = srv
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(s.Stop)
	return s
}

// Stop closes the listener and every connection.
func (s *Server) Stop() { _ = s.srv.Close() }

// Addr is Host:Port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// RequireAuth makes the server advertise AUTH PLAIN and refuse MAIL
// before a login with these credentials (535 for wrong ones).
func (s *Server) RequireAuth(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = username, password
}

// FailNext makes the next n deliveries fail at the end of DATA with
// "451 4.3.0", the reply of a server that cannot take mail right now.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// RejectRecipient makes RCPT TO addr fail with "550 5.1.1", a mailbox
// that does not exist.
func (s *Server) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[strings.ToLower(addr)] = true
}

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = Received{From: m.From, To: append([]string(nil), m.To...), Data: bytes.Clone(m.Data)}
	}
	return out
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (se *session) AuthMechanisms() []string {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if se.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		se.s.mu.Lock()
		ok := username == se.s.user && password == se.s.pass
		se.s.mu.Unlock()
		if !ok {
			return smtp.ErrAuthFailed
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.s.mu.Lock()
	need := se.s.user != ""
	se.s.mu.Unlock()
	if need && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	rejected := se.s.reject[strings.ToLower(to)]
	se.s.mu.Unlock()
	if rejected {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if se.s.failNext > 0 {
		se.s.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	se.s.msgs = append(se.s.msgs, Received{From: se.from, To: append([]string(nil), se.to...), Data: b})
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }
