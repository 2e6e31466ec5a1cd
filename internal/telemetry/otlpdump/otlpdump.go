// Package otlpdump is an OTLP/HTTP trace receiver that keeps the spans it
// is sent and prints them as trees of names and durations: enough to read
// one request's trace without running a collector. It serves tests and a
// developer's machine (go run ./internal/telemetry/otlpdump/cmd), never
// production.
package otlpdump

import (
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Span is what the receiver keeps of one span.
type Span struct {
	TraceID, SpanID, ParentID string
	Name                      string
	Start, End                time.Time
	// Resource is the resource's string attributes (service.name...).
	Resource map[string]string
}

// Duration is how long the span lasted.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Receiver is the http.Handler of an OTLP/HTTP endpoint's /v1/traces,
// protobuf-encoded, plain or gzip.
type Receiver struct {
	// OnSpan, if set, is called with each span as it arrives.
	OnSpan func(Span)

	mu    sync.Mutex
	spans []Span
}

// maxBody bounds one export request; the SDK's batches are far smaller.
const maxBody = 16 << 20

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" {
		http.Error(w, "OTLP/HTTP traces only: POST /v1/traces", http.StatusNotFound)
		return
	}
	var body io.Reader = http.MaxBytesReader(w, req.Body, maxBody)
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer gz.Close()
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var export coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &export); err != nil {
		http.Error(w, "not an OTLP protobuf export: "+err.Error(), http.StatusBadRequest)
		return
	}
	for _, rs := range export.GetResourceSpans() {
		res := map[string]string{}
		for _, kv := range rs.GetResource().GetAttributes() {
			res[kv.GetKey()] = kv.GetValue().GetStringValue()
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				s := Span{
					TraceID:  hex.EncodeToString(sp.GetTraceId()),
					SpanID:   hex.EncodeToString(sp.GetSpanId()),
					ParentID: hex.EncodeToString(sp.GetParentSpanId()),
					Name:     sp.GetName(),
					Start:    time.Unix(0, int64(sp.GetStartTimeUnixNano())),
					End:      time.Unix(0, int64(sp.GetEndTimeUnixNano())),
					Resource: res,
				}
				r.mu.Lock()
				r.spans = append(r.spans, s)
				r.mu.Unlock()
				if r.OnSpan != nil {
					r.OnSpan(s)
				}
			}
		}
	}
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// Spans returns the spans received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.spans)
}

// Tree writes each trace among spans as an indented tree, children in the
// order they started: each span's start after its trace's, its duration
// and name.
//
//	trace 4bf92f3577b34da6a3ce929d0e0e4736
//	  +0s        69.1ms  POST /graphql
//	  +0.3ms     67.6ms    mutation PlaceOrder
func Tree(w io.Writer, spans []Span) {
	byTrace := map[string][]Span{}
	var traces []string
	for _, s := range spans {
		if _, ok := byTrace[s.TraceID]; !ok {
			traces = append(traces, s.TraceID)
		}
		byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
	}
	for _, id := range traces {
		ts := byTrace[id]
		slices.SortStableFunc(ts, func(a, b Span) int { return a.Start.Compare(b.Start) })
		known := map[string]bool{}
		children := map[string][]Span{}
		for _, s := range ts {
			known[s.SpanID] = true
		}
		var roots []Span
		for _, s := range ts {
			if known[s.ParentID] {
				children[s.ParentID] = append(children[s.ParentID], s)
			} else {
				roots = append(roots, s)
			}
		}
		fmt.Fprintf(w, "trace %s\n", id)
		start := ts[0].Start
		var walk func(s Span, depth int)
		walk = func(s Span, depth int) {
			fmt.Fprintf(w, "  %-10s %10s  %s%s\n", "+"+round(s.Start.Sub(start)), round(s.Duration()), strings.Repeat("  ", depth), s.Name)
			for _, c := range children[s.SpanID] {
				walk(c, depth+1)
			}
		}
		for _, r := range roots {
			walk(r, 0)
		}
	}
}

func round(d time.Duration) string {
	return d.Round(100 * time.Microsecond).String()
}
