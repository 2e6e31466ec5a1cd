// Package logging builds the process's logger and carries what a log line
// needs to know of the request it was written in: the request id (the
// proxy's, so one id follows a request through nginx and every instance),
// the GraphQL operation and the shopper. A line written anywhere below the
// HTTP layer gets them from its context, so no package passes them along.
//
// What a line must never carry (tokens, passwords, codes, keys) is kept out
// where values are logged, not filtered here: a filter would have to guess
// which strings are secrets.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// New returns a logger writing text or JSON lines to w at level (debug,
// info, warn, error). wrap, outermost last, may add fields of its own
// (trace ids).
func New(w io.Writer, format, level string, wrap ...func(slog.Handler) slog.Handler) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
	h = requestHandler{h}
	for _, f := range wrap {
		h = f(h)
	}
	return slog.New(h), nil
}

// Request is what the log knows of one HTTP request. The server creates
// it; the GraphQL layer fills in the operation and the shopper once it
// knows them.
type Request struct {
	ID string

	mu     sync.Mutex
	op     string
	userID int
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request ctx carries, or nil.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// maxOperation bounds the operation name a line carries: the client
// chooses it.
const maxOperation = 64

// SetOperation records the GraphQL operation's name. A nil r (a request
// that did not come through the server, such as a test's) records nothing.
func (r *Request) SetOperation(name string) {
	if r == nil {
		return
	}
	if len(name) > maxOperation {
		name = name[:maxOperation]
	}
	r.mu.Lock()
	r.op = name
	r.mu.Unlock()
}

// SetUser records the shopper the request acts for.
func (r *Request) SetUser(id int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.userID = id
	r.mu.Unlock()
}

func (r *Request) attrs() []slog.Attr {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := make([]slog.Attr, 0, 3)
	a = append(a, slog.String("request_id", r.ID))
	if r.op != "" {
		a = append(a, slog.String("op", r.op))
	}
	if r.userID != 0 {
		a = append(a, slog.Int("user_id", r.userID))
	}
	return a
}

// requestHandler adds the fields of the context's request to each record.
type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, rec slog.Record) error {
	if r := RequestFrom(ctx); r != nil {
		rec.AddAttrs(r.attrs()...)
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}

// maxRequestID bounds an id taken from a proxy's X-Request-Id.
const maxRequestID = 128

// ValidRequestID reports whether id, as a proxy sent it, may name a
// request in the log: short, and printable ASCII without spaces or quotes,
// so it can neither forge fields nor flood a line.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	return !strings.ContainsFunc(id, func(c rune) bool {
		return c <= ' ' || c > '~' || c == '"' || c == '\\'
	})
}
