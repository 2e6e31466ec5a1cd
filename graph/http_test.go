package graph_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
)

const (
	asJSON     = "application/json"
	asResponse = "application/graphql-response+json"
)

// wireCall is one HTTP request to /graphql and what the GraphQL-over-HTTP
// spec says the answer must look like.
type wireCall struct {
	name         string
	method       string
	contentType  string // "" sends none
	accept       string // "" sends none
	query        string // GET: the URL's query string
	body         io.Reader
	header       http.Header
	status       int
	code         string // extensions.code of the first error; "" wants no errors
	data         bool   // the body has a "data" key
	allow        string // the Allow header, where the answer needs one
	responseType string // the answer's media type; "" means the Accept's
}

func (c wireCall) do(t *testing.T, base string) {
	t.Helper()
	target := base + "/graphql"
	if c.query != "" {
		target += "?" + c.query
	}
	req, err := http.NewRequest(c.method, target, c.body)
	if err != nil {
		t.Fatal(err)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != c.status {
		t.Errorf("status %d, want %d: %s", res.StatusCode, c.status, raw)
	}
	want := c.responseType
	if want == "" {
		want = asJSON
		if c.accept == asResponse {
			want = asResponse
		}
	}
	if got := res.Header.Get("Content-Type"); got != want {
		t.Errorf("Content-Type %q, want %q", got, want)
	}
	if got := res.Header.Get("Allow"); got != c.allow {
		t.Errorf("Allow %q, want %q", got, c.allow)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("the answer is not a JSON object: %s", raw)
	}
	if _, has := body["data"]; has != c.data {
		t.Errorf("data key present: %v, want %v: %s", has, c.data, raw)
	}
	var errs []struct {
		Message    string
		Extensions map[string]any
	}
	_ = json.Unmarshal(body["errors"], &errs)
	if c.code == "" {
		if len(errs) > 0 {
			t.Errorf("errors %s, want none", body["errors"])
		}
		return
	}
	if len(errs) == 0 || errs[0].Extensions["code"] != c.code {
		t.Errorf("errors %s, want code %s", body["errors"], c.code)
	}
}

func getQuery(doc string) string { return url.Values{"query": {doc}}.Encode() }

func postBody(doc string, vars map[string]any) io.Reader {
	b, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	return strings.NewReader(string(b))
}

// chunked hides the body's length, so the client sends it chunked with no
// Content-Length: the server learns the size only by reading.
func chunked(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }

// Every answer of /graphql, for every kind of request a client can send,
// as the GraphQL-over-HTTP spec asks: a request error (the document is not
// run) answers 200 to a client that accepts application/json and 400 to
// one that accepts application/graphql-response+json, never with a "data"
// key; HTTP-level refusals answer 405, 413 or 415 with a JSON body and a
// code, under either media type.
func TestEveryHTTPRequestGetsTheStatusTheSpecAsks(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	deep := "{ categories { " + strings.Repeat("children { ", 14) + "name" + strings.Repeat(" }", 14) + " } }"
	wide := "{ " + strings.Repeat("a: skus(first: 100) { edges { node { specifications { options { sku { name } } } } } } ", 3) + "}"
	fourChecks := `{ a: usernameAvailable(username: "a_1") b: usernameAvailable(username: "b_1")
		c: usernameAvailable(username: "c_1") d: usernameAvailable(username: "d_1") }`
	unknownHash := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("ab", 32)}}
	apq := func(ext map[string]any) io.Reader {
		b, _ := json.Marshal(map[string]any{"extensions": ext})
		return strings.NewReader(string(b))
	}

	var calls []wireCall
	// Request errors, under each media type.
	for _, accept := range []string{asJSON, asResponse} {
		status := http.StatusOK
		if accept == asResponse {
			status = http.StatusBadRequest
		}
		for _, c := range []struct {
			name, doc string
			vars      map[string]any
			code      string
		}{
			{"parse error", `{ skus(first: 5) { edges `, nil, apperr.CodeParseFailed},
			{"validation error", `{ skus { edges { node { password } } } }`, nil, apperr.CodeValidationFailed},
			{"variable coercion error", `query($n: Int!) { skus(first: $n) { totalCount } }`, map[string]any{"n": "ten"}, apperr.CodeBadUserInput},
			{"missing required variable", `query($n: Int!) { skus(first: $n) { totalCount } }`, nil, apperr.CodeBadUserInput},
			{"depth refusal", deep, nil, apperr.CodeDepthLimit},
			{"complexity refusal", wide, nil, apperr.CodeComplexityLimit},
			{"per-document field budget", fourChecks, nil, apperr.CodeFieldLimit},
		} {
			calls = append(calls, wireCall{
				name: c.name + " accepting " + accept, method: http.MethodPost, contentType: asJSON, accept: accept,
				body: postBody(c.doc, c.vars), status: status, code: c.code,
			})
		}
		calls = append(calls,
			wireCall{
				name: "unknown persisted query hash accepting " + accept, method: http.MethodPost, contentType: asJSON, accept: accept,
				body: apq(unknownHash), status: status, code: apperr.CodePersistedQueryNotFound,
			},
			wireCall{
				name: "GET parse error accepting " + accept, method: http.MethodGet, accept: accept,
				query: getQuery(`{ skus(`), status: status, code: apperr.CodeParseFailed,
			},
			// A mutation must not run on GET (a link or an image would
			// run it): 405, and Allow says what would work.
			wireCall{
				name: "mutation over GET accepting " + accept, method: http.MethodGet, accept: accept,
				query: getQuery(`mutation { logout }`), status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED", allow: "POST",
			},
			wireCall{
				name: "PUT accepting " + accept, method: http.MethodPut, contentType: asJSON, accept: accept,
				body: postBody(`{ categories { name } }`, nil), status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED", allow: "GET, POST, OPTIONS",
			},
			wireCall{
				name: "form body accepting " + accept, method: http.MethodPost, contentType: "application/x-www-form-urlencoded", accept: accept,
				body: strings.NewReader(getQuery(`{ categories { name } }`)), status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
			},
		)
	}
	calls = append(calls,
		// What works.
		wireCall{
			name: "query over POST", method: http.MethodPost, contentType: asJSON, accept: asJSON,
			body: postBody(`{ categories { name } }`, nil), status: http.StatusOK, data: true,
		},
		wireCall{
			name: "query over POST accepting graphql-response+json", method: http.MethodPost, contentType: asJSON, accept: asResponse,
			body: postBody(`{ categories { name } }`, nil), status: http.StatusOK, data: true,
		},
		wireCall{
			name: "query over GET", method: http.MethodGet, query: getQuery(`{ categories { name } }`), status: http.StatusOK, data: true,
		},
		wireCall{
			name: "query over POST in utf-8", method: http.MethodPost, contentType: asJSON + "; charset=utf-8",
			body: postBody(`{ categories { name } }`, nil), status: http.StatusOK, data: true,
		},
		// An error while the document runs is not a request error: the
		// answer has data and is 200 under either media type.
		wireCall{
			name: "field error accepting graphql-response+json", method: http.MethodPost, contentType: asJSON, accept: asResponse,
			body: postBody(`{ me { username } }`, nil), status: http.StatusOK, code: "UNAUTHENTICATED", data: true,
		},
		// Not a GraphQL request at all.
		wireCall{
			name: "no query", method: http.MethodPost, contentType: asJSON, body: strings.NewReader(`{"qeury": "{ categories { name } }"}`),
			status: http.StatusBadRequest, code: "BAD_REQUEST",
		},
		wireCall{
			name: "GET without a query", method: http.MethodGet, status: http.StatusBadRequest, code: "BAD_REQUEST",
		},
		wireCall{
			name: "body not JSON", method: http.MethodPost, contentType: asJSON, accept: asResponse, body: strings.NewReader(`{ "not a JSON`),
			status: http.StatusBadRequest, code: "BAD_REQUEST",
		},
		wireCall{
			name: "GET variables not JSON", method: http.MethodGet, query: getQuery(`{ categories { name } }`) + "&variables=%7B",
			status: http.StatusBadRequest, code: "BAD_REQUEST",
		},
		wireCall{
			name: "no Content-Type", method: http.MethodPost, body: postBody(`{ categories { name } }`, nil),
			status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
		},
		wireCall{
			name: "text/plain body", method: http.MethodPost, contentType: "text/plain", body: postBody(`{ categories { name } }`, nil),
			status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
		},
		wireCall{
			name: "JSON in another charset", method: http.MethodPost, contentType: asJSON + "; charset=latin1", body: postBody(`{ categories { name } }`, nil),
			status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
		},
		wireCall{
			name: "DELETE", method: http.MethodDelete, status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED", allow: "GET, POST, OPTIONS",
		},
		// Too large, whether the client says so up front or not.
		wireCall{
			name: "declared body over the limit", method: http.MethodPost, contentType: asJSON,
			body:   postBody(`{ categories { name } }`, map[string]any{"pad": strings.Repeat("x", 70000)}),
			status: http.StatusRequestEntityTooLarge, code: "REQUEST_TOO_LARGE",
		},
		wireCall{
			name: "chunked body over the limit", method: http.MethodPost, contentType: asJSON,
			body:   chunked(`{"query":"{ categories { name } }","variables":{"pad":"` + strings.Repeat("x", 70000) + `"}}`),
			status: http.StatusRequestEntityTooLarge, code: "REQUEST_TOO_LARGE",
		},
		wireCall{
			name: "chunked body within the limit", method: http.MethodPost, contentType: asJSON,
			body: chunked(`{"query":"{ categories { name } }"}`), status: http.StatusOK, data: true,
		},
	)
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) { c.do(t, s.URL) })
	}
}

// Automatic persisted queries: a hash the server has not seen asks the
// client for the document (PERSISTED_QUERY_NOT_FOUND); once sent with it,
// the hash alone runs it.
func TestAPersistedQueryHashRunsOnceTheServerHasSeenItsDocument(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	doc := `{ categories { name } }`
	sum := sha256.Sum256([]byte(doc))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	post := func(withDoc bool) gqltest.Response {
		req := map[string]any{"extensions": ext}
		if withDoc {
			req["query"] = doc
		}
		b, _ := json.Marshal(req)
		return s.PostRaw(t, b, nil)
	}
	if res := post(false); res.Status != http.StatusOK || res.Code() != apperr.CodePersistedQueryNotFound {
		t.Fatalf("unknown hash: %d %+v, want 200 PERSISTED_QUERY_NOT_FOUND", res.Status, res.Errors)
	}
	if res := post(true); res.Status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("hash with its document: %d %+v", res.Status, res.Errors)
	}
	if res := post(false); res.Status != http.StatusOK || len(res.Errors) != 0 || !strings.Contains(string(res.Data), "categories") {
		t.Fatalf("known hash: %d %+v %s", res.Status, res.Errors, res.Data)
	}
	// A hash that is not its document's is refused, not stored.
	b, _ := json.Marshal(map[string]any{"query": `{ skus(first: 1) { totalCount } }`, "extensions": ext})
	if res := s.PostRaw(t, b, nil); res.Code() != "BAD_REQUEST" || res.Data != nil {
		t.Fatalf("mismatched hash: %d %+v %s", res.Status, res.Errors, res.Data)
	}
}

// A browser app on an allowed origin can call the API: the preflight is
// answered with the headers it asked for, and the answer to its POST
// names the origin. Another origin gets no CORS header at all.
func TestABrowserOnAnAllowedOriginCanCallTheAPI(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) {
		c.CORSOrigins = []string{"https://shop.example"}
	}})
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-cart-token")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := preflight("https://shop.example")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		res.Header.Get("Access-Control-Allow-Headers") != "authorization,content-type,x-cart-token" {
		t.Fatalf("preflight from the allowed origin: %d %v", res.StatusCode, res.Header)
	}
	if res := preflight("https://evil.example"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin was allowed: %v", res.Header)
	}

	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", postBody(`{ categories { name } }`, nil))
	req.Header.Set("Content-Type", asJSON)
	req.Header.Set("Origin", "https://shop.example")
	post, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusOK || post.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatalf("POST from the allowed origin: %d %v", post.StatusCode, post.Header)
	}
}
