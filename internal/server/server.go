// Package server wires the HTTP surface: /graphql, the playground at /,
// health and readiness probes. Of the domain it knows two things only: the
// error codes its own refusals carry (apperr), so a client reads them as it
// reads any other, and where a request comes from (auth.Origin), which it
// alone can tell, behind a trusted proxy or not.
package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/cors"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/logging"
)

// Deps are what the HTTP surface serves.
type Deps struct {
	GraphQL    http.Handler
	Playground http.Handler // served at "/" and its assets; nil disables it
	// Ready checks each dependency by name (database, redis); /readyz
	// fails while any of them errs.
	Ready map[string]func(ctx context.Context) error
	// MaxBodyBytes bounds a GraphQL request body.
	MaxBodyBytes int64
	Log          *slog.Logger
	// Extra routes (payment callbacks...) by pattern.
	Routes map[string]http.Handler
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// CORSOrigins may call /graphql from a browser; none when empty.
	CORSOrigins []string
	// Draining reports that the instance is stopping: /readyz answers 503
	// so the load balancer sends new requests elsewhere.
	Draining func() bool
}

// New returns the root handler.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", withCORS(d.CORSOrigins, limitBody(d.MaxBodyBytes, withClient(d.TrustProxy, d.GraphQL))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if d.Draining != nil && d.Draining() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if down := notReady(ctx, d.Log, d.Ready); len(down) > 0 {
			// Names only: a driver's error shows addresses, users and
			// versions to whoever asks; the log has it.
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "down": down})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if d.Playground != nil {
		mux.Handle("/", d.Playground)
	}
	for pattern, h := range d.Routes {
		mux.Handle(pattern, h)
	}
	return withRequestID(d.TrustProxy, recoverer(d.Log, securityHeaders(mux)))
}

// withRequestID names each request for the log and answers with the name
// (X-Request-Id), so a shopper's report finds its lines. Behind a trusted
// proxy the proxy's id is kept, so one id follows the request through
// nginx and the instance; anyone else's is replaced, since a client could
// otherwise make its requests look like another's.
func withRequestID(trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !trustProxy || !logging.ValidRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		withID := r.WithContext(logging.WithRequest(r.Context(), &logging.Request{ID: id}))
		next.ServeHTTP(w, withID)
		// The mux below names the route on the request it was given;
		// the HTTP span around this handler reads it from r.
		r.Pattern = withID.Pattern
	})
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// notReady runs every check at once and returns the names of those that
// failed, sorted, logging each failure.
func notReady(ctx context.Context, log *slog.Logger, checks map[string]func(context.Context) error) []string {
	var (
		mu   sync.Mutex
		down []string
		wg   sync.WaitGroup
	)
	for name, check := range checks {
		wg.Go(func() {
			if err := check(ctx); err != nil {
				log.WarnContext(ctx, "not ready", "dependency", name, "err", err)
				mu.Lock()
				down = append(down, name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(down)
	return down
}

// securityHeaders stops a browser from sniffing an API answer (JSON, a
// sandbox page) into something it would execute.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// withCORS lets browser apps on origins call next: preflights are
// answered here, and answers (refusals such as 413 too, so the app can read
// them) name the caller's origin when it is allowed. Allowed is what the API
// reads: GET and POST, the bearer token, the guest cart token and a JSON
// body. No credentials mode: tokens travel in headers, never in cookies, so
// a page on another origin cannot borrow a shopper's session. Nothing is
// exposed beyond the safelisted response headers: the API answers in its
// body.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		// rs/cors takes an empty list to mean every origin.
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Authorization", "X-Cart-Token", "Content-Type"},
		// Browsers cap it (Chromium at 2 hours); 10 minutes spares a
		// preflight per request and lets a changed list take hold soon.
		MaxAge: 600,
	}).Handler(next)
}

// limitBody answers 413 with a GraphQL-shaped error for bodies over
// maxBytes, so an oversized document costs nothing to refuse. A body of
// unknown length (chunked) is read here, up to maxBytes, so that one too
// large gets the same 413 rather than a read error deep in the transport.
func limitBody(maxBytes int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBytes {
			tooLarge(w, maxBytes)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		if r.ContentLength < 0 {
			body, err := io.ReadAll(r.Body)
			if _, over := errors.AsType[*http.MaxBytesError](err); over {
				tooLarge(w, maxBytes)
				return
			}
			if err != nil {
				// The client went away mid-body; nobody reads this.
				writeJSON(w, http.StatusBadRequest, graphQLError("could not read the request body", apperr.CodeBadRequest, nil))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, maxBytes int64) {
	writeJSON(w, http.StatusRequestEntityTooLarge, graphQLError("request body too large", apperr.CodeRequestTooLarge, map[string]any{"maxBytes": maxBytes}))
}

// graphQLError is the body of a GraphQL response with one error, code in
// its extensions with ext, and no data: nothing ran.
func graphQLError(message, code string, ext map[string]any) map[string]any {
	e := map[string]any{"code": code}
	for k, v := range ext {
		e[k] = v
	}
	return map[string]any{"errors": []map[string]any{{"message": message, "extensions": e}}}
}

// withClient records the caller's address and user agent for the login
// throttle. Behind a proxy the address is the last X-Forwarded-For hop the
// proxy appended; the earlier ones are whatever the client claimed.
func withClient(trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			addr = r.RemoteAddr
		}
		if fwd := r.Header.Get("X-Forwarded-For"); trustProxy && fwd != "" {
			hops := strings.Split(fwd, ",")
			addr = strings.TrimSpace(hops[len(hops)-1])
		}
		ctx := auth.WithOrigin(r.Context(), auth.Origin{Addr: addr, UserAgent: r.UserAgent()})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "http: panic", "panic", p, "path", r.URL.Path)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
