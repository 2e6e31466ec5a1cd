package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/server"
)

func preflight(t *testing.T, url, origin, method, headers string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, url, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// A browser app on an allowed origin may send what the API reads
// (Authorization, X-Cart-Token, JSON) with GET or POST; the answers name
// its origin and nothing more: no credentials (tokens are headers, not
// cookies) and no exposed headers.
func TestCORSLetsAllowedOriginsCallGraphQL(t *testing.T) {
	s := serve(t, server.Deps{
		GraphQL:     echoBody,
		CORSOrigins: []string{"https://shop.example", "http://localhost:*"},
	})
	for _, origin := range []string{"https://shop.example", "http://localhost:5173"} {
		res := preflight(t, s.URL+"/graphql", origin, http.MethodPost, "authorization,content-type,x-cart-token")
		h := res.Header
		if res.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != origin ||
			h.Get("Access-Control-Allow-Methods") != http.MethodPost ||
			h.Get("Access-Control-Allow-Headers") != "authorization,content-type,x-cart-token" ||
			h.Get("Access-Control-Max-Age") == "" {
			t.Errorf("preflight from %s: %d %v", origin, res.StatusCode, h)
		}
		if h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight from %s allows credentials: %v", origin, h)
		}
		res, _ = post(t, s.URL+"/graphql", strings.NewReader(`{}`), http.Header{"Origin": {origin}})
		h = res.Header
		if h.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
			t.Errorf("POST from %s: %v", origin, h)
		}
		if h.Get("Access-Control-Expose-Headers") != "" || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("POST from %s exposes more than it needs: %v", origin, h)
		}
	}
	// What the API does not read or do is not allowed.
	for _, c := range []struct{ origin, method, headers string }{
		{"https://evil.example", http.MethodPost, "content-type"},
		{"http://localhost.evil.example", http.MethodPost, "content-type"},
		{"https://shop.example.evil.example", http.MethodPost, "content-type"},
		{"https://shop.example", http.MethodDelete, ""},
		{"https://shop.example", http.MethodPost, "x-admin"},
	} {
		res := preflight(t, s.URL+"/graphql", c.origin, c.method, c.headers)
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight %+v allowed: %v", c, res.Header)
		}
	}
	res, _ := post(t, s.URL+"/graphql", strings.NewReader(`{}`), http.Header{"Origin": {"https://evil.example"}})
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("POST from another origin allowed: %q", got)
	}
}

// With no allowed origins (the default on MySQL) no origin is allowed: the
// CORS library itself would take an empty list to mean every origin.
func TestNoCORSOriginsAllowsNone(t *testing.T) {
	s := serve(t, server.Deps{GraphQL: echoBody})
	res := preflight(t, s.URL+"/graphql", "https://shop.example", http.MethodPost, "content-type")
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("preflight allowed with no origins configured: %v", res.Header)
	}
	res, _ = post(t, s.URL+"/graphql", strings.NewReader(`{}`), http.Header{"Origin": {"https://shop.example"}})
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("POST allowed with no origins configured: %v", res.Header)
	}
}

// CORS is for /graphql only: the Alipay callbacks are called by Alipay's
// servers, never by a page, and answer no browser.
func TestCORSLeavesTheOtherRoutesAlone(t *testing.T) {
	notified := 0
	s := serve(t, server.Deps{
		GraphQL:     echoBody,
		CORSOrigins: []string{"https://shop.example"},
		Routes: map[string]http.Handler{"POST /payments/alipay/notify": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			notified++
			_, _ = io.WriteString(w, "success")
		})},
	})
	res := preflight(t, s.URL+"/payments/alipay/notify", "https://shop.example", http.MethodPost, "content-type")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight to the notify endpoint allowed: %v", res.Header)
	}
	res, _ = post(t, s.URL+"/payments/alipay/notify", strings.NewReader(`{}`), http.Header{"Origin": {"https://shop.example"}})
	if res.Header.Get("Access-Control-Allow-Origin") != "" || notified != 1 {
		t.Errorf("POST to the notify endpoint: %v (notified %d)", res.Header, notified)
	}
}

// A refusal the server makes before /graphql runs (413) still carries the
// CORS headers, so the browser app can read why.
func TestARefusedBodyStillAnswersTheAllowedOrigin(t *testing.T) {
	s := serve(t, server.Deps{GraphQL: echoBody, MaxBodyBytes: 1024, CORSOrigins: []string{"https://shop.example"}})
	res, body := post(t, s.URL+"/graphql", strings.NewReader(strings.Repeat("x", 2000)), http.Header{"Origin": {"https://shop.example"}})
	if res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatalf("413: %d %v %s", res.StatusCode, res.Header, body)
	}
}
