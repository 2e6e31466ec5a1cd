package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The bench's own codes, for outcomes the API's codes do not name.
const (
	// codeTransport: a call that got no GraphQL answer at all
	// (connection refused, reset, a non-JSON body).
	codeTransport = "TRANSPORT"
	// codeUncoded: a GraphQL error without extensions.code.
	codeUncoded = "UNKNOWN"
	// codeCanceled: a raw SQL order cut off by the run's end.
	codeCanceled = "CANCELED"
	// codeSQLError: a raw SQL order that failed otherwise.
	codeSQLError = "SQL_ERROR"
)

// client sends GraphQL documents over real HTTP, the way a frontend does.
// One client (one connection pool) serves every worker.
type client struct {
	http *http.Client
	url  string
}

func newClient(url string) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Every worker keeps its own keep-alive connection: with the default of
	// 2 idle connections per host, 126 of 128 workers would dial (and leave
	// TIME_WAIT sockets behind) on every call and the bench would measure
	// TCP handshakes.
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 512
	tr.IdleConnTimeout = time.Minute
	return &client{http: &http.Client{Transport: tr, Timeout: time.Minute}, url: url}
}

type gqlRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// do sends one document with the bearer token (if any) and decodes data
// into out (if not nil). It returns "" on success, otherwise the first
// error's extensions.code (codeTransport when there was no GraphQL answer);
// err carries the details for setup code that wants to stop on any failure.
func (c *client) do(ctx context.Context, token, query string, vars map[string]any, out any) (code string, err error) {
	body, err := json.Marshal(gqlRequest{Query: query, Variables: vars})
	if err != nil {
		return codeTransport, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return codeTransport, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return codeTransport, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return codeTransport, err
	}
	var gr gqlResponse
	if err := json.Unmarshal(raw, &gr); err != nil {
		return codeTransport, fmt.Errorf("HTTP %d, not a GraphQL response: %.200s", res.StatusCode, raw)
	}
	if len(gr.Errors) > 0 {
		code, _ := gr.Errors[0].Extensions["code"].(string)
		if code == "" {
			code = codeUncoded
		}
		return code, fmt.Errorf("%s: %s", code, gr.Errors[0].Message)
	}
	if out != nil {
		if err := json.Unmarshal(gr.Data, out); err != nil {
			return codeTransport, fmt.Errorf("decoding %.200s: %w", gr.Data, err)
		}
	}
	return "", nil
}
