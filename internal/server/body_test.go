package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/server"
)

// echoBody is a /graphql that answers with the body it read.
var echoBody = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
})

func post(t *testing.T, url string, body io.Reader, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// A client that streams its body (chunked, no Content-Length) learns it
// was too large as one that declared its size does: 413 REQUEST_TOO_LARGE,
// and /graphql never sees the request. A streamed body within the limit
// reaches /graphql whole.
func TestAStreamedBodyOverTheLimitAnswers413(t *testing.T) {
	reached := false
	s := serve(t, server.Deps{MaxBodyBytes: 1024, GraphQL: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		echoBody(w, r)
	})})
	big := `{"query":"{ __typename }","pad":"` + strings.Repeat("x", 2000) + `"}`
	res, body := post(t, s.URL+"/graphql", io.MultiReader(strings.NewReader(big)), nil)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"REQUEST_TOO_LARGE"`) {
		t.Fatalf("streamed body over the limit: %d %s", res.StatusCode, body)
	}
	if reached {
		t.Fatal("/graphql saw a body over the limit")
	}

	small := `{"query":"{ __typename }"}`
	res, body = post(t, s.URL+"/graphql", io.MultiReader(strings.NewReader(small)), nil)
	if res.StatusCode != http.StatusOK || string(body) != small {
		t.Fatalf("streamed body within the limit: %d %s", res.StatusCode, body)
	}
}
