package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/server"
)

func serve(t *testing.T, d server.Deps) *httptest.Server {
	t.Helper()
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.GraphQL == nil {
		d.GraphQL = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":{}}`)
		})
	}
	if d.MaxBodyBytes == 0 {
		d.MaxBodyBytes = 1 << 16
	}
	s := httptest.NewServer(server.New(d))
	t.Cleanup(s.Close)
	return s
}

// An outsider probing /readyz learns which dependency is down, never the
// driver's message (addresses, users, versions).
func TestReadyzNamesTheDependencyButNotItsError(t *testing.T) {
	var logged strings.Builder
	s := serve(t, server.Deps{
		Log: slog.New(slog.NewTextHandler(&logged, nil)),
		Ready: map[string]func(context.Context) error{
			"database": func(context.Context) error { return nil },
			"redis": func(context.Context) error {
				return errors.New("dial tcp 10.0.0.7:6379: connect: connection refused (user shopadmin)")
			},
		},
	})
	res, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", res.StatusCode)
	}
	var got struct {
		Status string   `json:"status"`
		Down   []string `json:"down"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.Status != "unavailable" || len(got.Down) != 1 || got.Down[0] != "redis" {
		t.Fatalf("body %s, want unavailable with down [redis]", body)
	}
	if strings.Contains(string(body), "10.0.0.7") || strings.Contains(string(body), "shopadmin") {
		t.Fatalf("body shows the driver's error: %s", body)
	}
	if !strings.Contains(logged.String(), "10.0.0.7") {
		t.Fatalf("the error is not in the log: %s", logged.String())
	}
}

func TestEveryAnswerForbidsContentSniffing(t *testing.T) {
	s := serve(t, server.Deps{Ready: map[string]func(context.Context) error{}})
	for _, req := range []struct{ method, path, body string }{
		{http.MethodPost, "/graphql", `{"query":"{__typename}"}`},
		{http.MethodGet, "/graphql?query=%7B__typename%7D", ""},
		{http.MethodPost, "/graphql", strings.Repeat("x", 1<<17)}, // refused as too large
		{http.MethodGet, "/readyz", ""},
	} {
		r, _ := http.NewRequest(req.method, s.URL+req.path, strings.NewReader(req.body))
		r.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q, want nosniff", req.method, req.path, res.StatusCode, got)
		}
	}
}
