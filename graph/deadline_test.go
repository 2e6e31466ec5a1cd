package graph_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
)

const categoriesDoc = `{ categories { id name } }`

// A burst that takes every connection of the pool (-db-max-open) makes the
// next operation wait for one; past its deadline it answers UNAVAILABLE,
// marked retryable, instead of queueing for as long as the burst lasts.
// When the connections come back it is served again.
func TestAnOperationWaitingForAnExhaustedPoolAnswersUnavailableAtItsDeadline(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) {
		c.DBMaxOpen = 2
		c.RequestTimeout = time.Second
	}})
	if got := s.App.DB.SQL.Stats().MaxOpenConnections; got != 2 {
		t.Fatalf("the pool holds %d connections, want -db-max-open's 2", got)
	}
	var held []*sql.Tx
	for range 2 {
		tx, err := s.App.DB.SQL.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, tx)
	}
	res := postGuarded(t, s, gqltest.Request{Query: categoriesDoc})
	assertUnavailable(t, res)

	for _, tx := range held {
		_ = tx.Rollback()
	}
	if res := postGuarded(t, s, gqltest.Request{Query: categoriesDoc}); len(res.Errors) > 0 {
		t.Fatalf("with the connections back: %+v", res.Errors)
	}
}

// assertUnavailable checks that res failed with UNAVAILABLE, retryable,
// and nothing else.
func assertUnavailable(t *testing.T, res gqltest.Response) {
	t.Helper()
	if len(res.Errors) == 0 {
		t.Fatalf("answered %s; want UNAVAILABLE", res.Data)
	}
	for _, e := range res.Errors {
		if e.Extensions["code"] != "UNAVAILABLE" || e.Extensions["retryable"] != true {
			t.Fatalf("errors %+v; want UNAVAILABLE with retryable: true", res.Errors)
		}
	}
}

// postGuarded sends req like Server.Post, but fails the test instead of
// hanging when no answer comes within a minute (far past any deadline the
// tests set).
func postGuarded(t *testing.T, s *gqltest.Server, req gqltest.Request) gqltest.Response {
	t.Helper()
	return postWithin(t, s, req, time.Minute)
}

// postWithin is postGuarded with the guard given.
func postWithin(t *testing.T, s *gqltest.Server, req gqltest.Request, guard time.Duration) gqltest.Response {
	t.Helper()
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	client := &http.Client{Timeout: guard}
	hres, err := client.Do(hr)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer hres.Body.Close()
	raw, err := io.ReadAll(hres.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := gqltest.Response{Status: hres.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response is not JSON (%d): %q", hres.StatusCode, raw)
	}
	return out
}
