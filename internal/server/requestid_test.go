package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/storefront/storefront/internal/logging"
	"github.com/storefront/storefront/internal/server"
)

// Behind nginx, one id follows a request from the proxy's access log to
// the instance's lines; a client's own id is never taken, since with it a
// client could file its requests under another's.
func TestTheRequestIDIsTheTrustedProxysAndOnlyIfItIsSane(t *testing.T) {
	var logs bytes.Buffer
	log, err := logging.New(&logs, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	gql := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "handled")
	})
	ask := func(s string, id string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s+"/graphql", strings.NewReader(`{}`))
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("X-Request-Id")
	}
	lastLogged := func() string {
		t.Helper()
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		var line struct {
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &line); err != nil {
			t.Fatal(err)
		}
		return line.RequestID
	}

	proxied := serve(t, server.Deps{GraphQL: gql, Log: log, TrustProxy: true})
	if got := ask(proxied.URL, "nginx-7f3a9c"); got != "nginx-7f3a9c" || lastLogged() != got {
		t.Errorf("behind a trusted proxy: answered %q, logged %q; want the proxy's id", got, lastLogged())
	}
	for _, bad := range []string{`a" forged="1`, strings.Repeat("x", 129), "tab\there", "日本"} {
		if got := ask(proxied.URL, bad); got == bad || got == "" || lastLogged() != got {
			t.Errorf("proxy id %q: answered %q, logged %q; want an id of the server's own", bad, got, lastLogged())
		}
	}
	direct := serve(t, server.Deps{GraphQL: gql, Log: log})
	if got := ask(direct.URL, "chosen-by-client"); got == "chosen-by-client" || got == "" || lastLogged() != got {
		t.Errorf("no trusted proxy: answered %q, logged %q; want an id of the server's own", got, lastLogged())
	}
	a, b := ask(direct.URL, ""), ask(direct.URL, "")
	if a == b {
		t.Errorf("two requests share the id %q", a)
	}
}

// A stopping instance answers /readyz 503 before anything else is down, so
// the balancer moves away while its requests still finish.
func TestReadyzAnswers503WhileTheInstanceDrains(t *testing.T) {
	var draining atomic.Bool
	s := serve(t, server.Deps{Draining: draining.Load, Ready: map[string]func(ctx context.Context) error{}})
	status := func() int {
		t.Helper()
		res, err := http.Get(s.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("before draining: %d", got)
	}
	draining.Store(true)
	if got := status(); got != http.StatusServiceUnavailable {
		t.Fatalf("while draining: %d, want 503", got)
	}
}
