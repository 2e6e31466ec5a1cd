// Package mail sends e-mail to shoppers over SMTP (github.com/wneessen/go-mail),
// or to internal/outbox offline. Its promises:
//
//   - A Message's ID is its Message-ID header, <ID@storefront>, so a retry
//     of the same job sends a message that mail systems and the shopper's
//     client can recognise as the same one.
//   - Subject and display names in any language are encoded for the
//     headers (RFC 2047); the text part is UTF-8, quoted-printable, and an
//     HTML part, when there is one, goes as its alternative.
//   - TLS is mandatory by default ("starttls"): a server that does not
//     offer STARTTLS, or whose certificate does not verify, gets nothing,
//     credentials included. "tls" is implicit TLS (port 465); "none" is for
//     tests and development only.
//   - Timeout (10 s by default) bounds the whole exchange, dial to QUIT,
//     as does the caller's context: a server that stops answering costs at
//     most that, never a stuck worker.
//   - IsPermanent(err) tells a refusal that a retry cannot fix (a 5xx
//     reply: no such mailbox, a message refused; or a message invalid
//     before sending) from one worth retrying (4xx, network errors,
//     timeouts).
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail to send.
type Message struct {
	ID      string // idempotency key; becomes the Message-ID header (<ID@storefront>)
	To      string
	Subject string
	Text    string
	HTML    string // optional
}

// Sender delivers a Message or says why not (see IsPermanent).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig configures the SMTP relay.
type SMTPConfig struct {
	Host               string
	Port               int // default 587 (starttls), 465 (tls), 25 (none)
	Username, Password string
	From               string        // "Storefront <no-reply@shop.example>"
	TLS                string        // "starttls" (mandatory, default), "tls" (implicit), "none" (tests/dev only)
	Timeout            time.Duration // default 10 s, bounds dial + whole send
	// TLSConfig, optional, is cloned for the connection (e.g. RootCAs of a
	// private CA); ServerName defaults to Host. Nil verifies Host against
	// the system roots.
	TLSConfig *tls.Config
}

// The TLS modes.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// SMTP sends each message on its own connection to the relay.
type SMTP struct {
	cfg  SMTPConfig
	from *netmail.Address
	tls  *tls.Config
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks cfg and returns the sender; it does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: smtp: Host is required")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		switch cfg.TLS {
		case TLSImplicit:
			cfg.Port = 465
		case TLSNone:
			cfg.Port = 25
		default:
			cfg.Port = 587
		}
	}
	switch cfg.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("mail: smtp: TLS %q is not starttls, tls or none", cfg.TLS)
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: smtp: bad Port %d", cfg.Port)
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("mail: smtp: Username and Password go together")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp: From %q: %w", cfg.From, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	return &SMTP{cfg: cfg, from: from, tls: tc}, nil
}

// Send delivers m to the relay. A nil error means the relay accepted it
// (250 after DATA).
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithDialContextFunc(s.dialer(ctx, deadline)),
		gomail.WithHELO("localhost"),
	}
	switch s.cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(s.tls))
	default: // implicit TLS is done by the dialer; none is none
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		if s.cfg.TLS == TLSNone {
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			// go-mail's PLAIN and LOGIN refuse to run outside TLS themselves.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
		}
		opts = append(opts, gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: smtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: smtp %s: %w", net.JoinHostPort(s.cfg.Host, fmt.Sprint(s.cfg.Port)), err)
	}
	return nil
}

func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, invalid("recipient %q: %v", m.To, err)
	}
	if !validMessageID(m.ID) {
		return nil, invalid("message id %q is not usable in a Message-ID", m.ID)
	}
	if m.Text == "" {
		return nil, invalid("message %s has no text", m.ID)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID + "@storefront")
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// validMessageID: the ID must be an RFC 5322 dot-atom, as the left side
// of a msg-id is; job ids (UUIDs, asynq ids) are.
func validMessageID(id string) bool {
	if id == "" || len(id) > 200 || id[0] == '.' || id[len(id)-1] == '.' || strings.Contains(id, "..") {
		return false
	}
	for _, r := range id {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r):
		default:
			return false
		}
	}
	return true
}

// dialer connects with every read and write bounded by deadline, which
// go-mail's per-command deadlines cannot push back, and cut short when
// ctx ends.
func (s *SMTP) dialer(ctx context.Context, deadline time.Time) gomail.DialContextFunc {
	return func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := &boundedConn{Conn: raw, limit: deadline}
		_ = c.SetDeadline(deadline)
		context.AfterFunc(ctx, c.expire)
		if s.cfg.TLS != TLSImplicit {
			return c, nil
		}
		tc := tls.Client(c, s.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			_ = c.Close()
			return nil, err
		}
		return tc, nil
	}
}

// boundedConn never lets a deadline be set past limit.
type boundedConn struct {
	net.Conn
	mu    sync.Mutex
	limit time.Time
}

func (c *boundedConn) clamp(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.IsZero() || t.After(c.limit) {
		return c.limit
	}
	return t
}

// expire: the context ended, so every pending and later read or write
// fails now.
func (c *boundedConn) expire() {
	c.mu.Lock()
	c.limit = time.Unix(1, 0)
	c.mu.Unlock()
	_ = c.Conn.SetDeadline(time.Unix(1, 0))
}

func (c *boundedConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *boundedConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *boundedConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.clamp(t)) }

// invalidError is a message refused before any connection.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return "mail: " + e.msg }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// IsPermanent reports whether err is a refusal a retry cannot fix: a 5xx
// SMTP reply (a mailbox that does not exist, a message or sender refused,
// credentials refused) or a message invalid before sending. 4xx replies,
// network errors and timeouts are not permanent.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var inv *invalidError
	if errors.As(err, &inv) {
		return true
	}
	// go-mail's SendError keeps the server's reply code but does not
	// unwrap to it; errors from the dial phase (greeting, AUTH) wrap the
	// textproto.Error itself.
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500 && te.Code < 600
	}
	return false
}
