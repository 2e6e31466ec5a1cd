package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/storefront/storefront/internal/apperr"
)

// The two response media types of the GraphQL-over-HTTP spec.
const (
	mediaJSON     = "application/json"
	mediaResponse = "application/graphql-response+json"
)

// httpTransport serves /graphql as the GraphQL-over-HTTP spec asks. It
// replaces gqlgen's POST, GET and OPTIONS transports, which differ from the
// spec where a client can see it: they answer a parse or validation error
// 422 under application/json (the spec: 200), a request error with
// "data": null (the spec: no data entry), a refusal by an operation
// context mutator (depth, complexity, field budgets) 200 even under
// application/graphql-response+json, a mutation over GET 406 without an
// Allow header, and any other method or content type with an uncoded
// "transport not supported" in text/plain. It is the only transport, so
// it answers every method.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(*http.Request) bool { return true }

func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMedia(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media)
	refuse := func(status int, code, format string, args ...any) {
		err := gqlerror.Errorf(format, args...)
		err.Extensions = map[string]any{"code": code}
		writeResponse(w, status, exec.DispatchError(ctx, gqlerror.List{err}), false)
	}

	start := graphql.Now()
	var params *graphql.RawParams
	switch r.Method {
	case http.MethodGet:
		var msg string
		if params, msg = getParams(r.URL.RawQuery); msg != "" {
			refuse(http.StatusBadRequest, apperr.CodeBadRequest, "%s", msg)
			return
		}
	case http.MethodPost:
		if msg := jsonBody(r.Header.Get("Content-Type")); msg != "" {
			refuse(http.StatusUnsupportedMediaType, apperr.CodeUnsupportedMediaType, "%s", msg)
			return
		}
		// The server bounded the body before it got here, and answered
		// 413 to one too large.
		body, err := io.ReadAll(r.Body)
		params = new(graphql.RawParams)
		if err != nil || decodeJSON(body, params) != nil {
			refuse(http.StatusBadRequest, apperr.CodeBadRequest, "the request is not a valid GraphQL request")
			return
		}
	case http.MethodOptions:
		w.Header().Del("Content-Type")
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		refuse(http.StatusMethodNotAllowed, apperr.CodeMethodNotAllowed, "send GraphQL requests with POST (or queries with GET)")
		return
	}
	// Without a document there is nothing to parse: the request is not
	// well-formed (a persisted query's hash stands in for its document).
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		refuse(http.StatusBadRequest, apperr.CodeBadRequest, "the request has no query")
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		// A request error: the document was not run. The spec asks 200
		// under application/json (older clients read the errors of any
		// 200), 400 under graphql-response+json, whose status alone
		// tells a client that nothing ran.
		status := http.StatusOK
		if media == mediaResponse {
			status = http.StatusBadRequest
		}
		writeResponse(w, status, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs), false)
		return
	}
	// A mutation on GET could be run by a link or an image on any page.
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		refuse(http.StatusMethodNotAllowed, apperr.CodeMethodNotAllowed, "only queries may be sent with GET; send a %s with POST", oc.Operation.Operation)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, http.StatusOK, responses(ctx), true)
}

// getParams reads a GET request's parameters from its URL, or says why
// they are not a GraphQL request.
func getParams(rawQuery string) (*graphql.RawParams, string) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, "the URL's query string is malformed"
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if v := q.Get("variables"); v != "" && decodeJSON([]byte(v), &p.Variables) != nil {
		return nil, "variables is not a JSON object"
	}
	if v := q.Get("extensions"); v != "" && decodeJSON([]byte(v), &p.Extensions) != nil {
		return nil, "extensions is not a JSON object"
	}
	return p, ""
}

// jsonBody says why a POST body of contentType is not one this server
// reads, or "" if it is JSON in UTF-8 (the spec's only required encoding).
func jsonBody(contentType string) string {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil || media != mediaJSON {
		return "send the request body as application/json"
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "send the request body in utf-8"
	}
	return ""
}

// decodeJSON decodes as gqlgen's transports do: numbers stay json.Number,
// so an Int variable beyond float64's precision is not rounded.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// responseMedia picks the answer's media type from the Accept header as
// gqlgen does: the first of application/json (also for */*, application/*
// or no Accept at all, as the spec allows until clients have moved) and
// application/graphql-response+json, which is also the answer to an
// Accept that names neither.
func responseMedia(accept string) string {
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		media, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch media {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaResponse:
			return mediaResponse
		}
	}
	return mediaResponse
}

// writeResponse writes resp with status. A request error (withData false)
// has no data entry at all: the spec tells "nothing ran" (no data) from
// "the operation ran and its root failed" (data: null).
func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response, withData bool) {
	var v any = resp
	if !withData && resp != nil {
		v = struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only a resolver's value that JSON cannot hold gets here: a bug.
		panic(err)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
