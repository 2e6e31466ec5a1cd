// Package outbox is the offline stand-in for both gateways, SMS and
// e-mail: it keeps what would have been sent, newest first, for a
// developer to read at /dev/outbox (embedded mode or an explicit flag
// only; the caller enforces that, since the page shows live codes and
// reset links). Its promises:
//
//   - Sending the same ID twice (a retried job) keeps one entry, the
//     first: a real gateway would have sent the message once.
//   - It keeps the last capacity messages only, so memory stays bounded
//     however long a development server runs.
//   - Safe for concurrent use.
//   - The page is html/template, so a body is text, never markup: a
//     "<script>" in a message shows as itself. http(s) URLs in a body are
//     made links (the address is checked by html/template as a URL, any
//     other scheme stays text); an HTML part is not rendered, only kept
//     for ?format=json. The page needs no script and a Content-Security-
//     Policy forbids every one.
package outbox

import (
	"context"
	"encoding/json"
	"html/template"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/storefront/storefront/internal/mail"
	"github.com/storefront/storefront/internal/sms"
)

// DefaultCapacity is what New keeps when given capacity <= 0.
const DefaultCapacity = 200

// The kinds of Entry.
const (
	KindSMS  = "sms"
	KindMail = "mail"
)

// Entry is one message that would have been sent.
type Entry struct {
	ID      string            `json:"id"`
	Kind    string            `json:"kind"` // "sms" | "mail"
	To      string            `json:"to"`   // mobile or e-mail address
	Subject string            `json:"subject,omitempty"`
	Body    string            `json:"body"` // SMS: sms.Text; mail: the text part
	HTML    string            `json:"html,omitempty"`
	Params  map[string]string `json:"params,omitempty"` // SMS template parameters
	SentAt  time.Time         `json:"sentAt"`
}

// Outbox keeps the entries.
type Outbox struct {
	// Now stamps SentAt; tests may replace it before first use.
	Now func() time.Time

	capacity int
	mu       sync.Mutex
	entries  []Entry             // oldest first
	seen     map[string]struct{} // kind+"\x00"+id of what entries holds
}

// New returns an Outbox keeping the last capacity messages (DefaultCapacity
// when capacity <= 0).
func New(capacity int) *Outbox {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Outbox{Now: time.Now, capacity: capacity, seen: map[string]struct{}{}}
}

// SMS returns the Outbox as an sms.Sender.
func (o *Outbox) SMS() sms.Sender { return smsSender{o} }

// Mail returns the Outbox as a mail.Sender.
func (o *Outbox) Mail() mail.Sender { return mailSender{o} }

type smsSender struct{ o *Outbox }

func (s smsSender) Send(ctx context.Context, m sms.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.o.add(Entry{ID: m.ID, Kind: KindSMS, To: m.Mobile, Subject: m.Template, Body: sms.Text(m), Params: maps.Clone(m.Params)})
	return nil
}

type mailSender struct{ o *Outbox }

func (s mailSender) Send(ctx context.Context, m mail.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.o.add(Entry{ID: m.ID, Kind: KindMail, To: m.To, Subject: m.Subject, Body: m.Text, HTML: m.HTML})
	return nil
}

func (o *Outbox) add(e Entry) {
	key := e.Kind + "\x00" + e.ID
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, dup := o.seen[key]; dup {
		return
	}
	e.SentAt = o.Now()
	o.entries = append(o.entries, e)
	o.seen[key] = struct{}{}
	if over := len(o.entries) - o.capacity; over > 0 {
		for _, old := range o.entries[:over] {
			delete(o.seen, old.Kind+"\x00"+old.ID)
		}
		// Copy down rather than reslice, so the dropped entries' memory
		// is not kept alive by the backing array.
		o.entries = append(o.entries[:0], o.entries[over:]...)
		clear(o.entries[len(o.entries):cap(o.entries)])
	}
}

// Entries returns copies of the entries, newest first.
func (o *Outbox) Entries() []Entry {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Entry, len(o.entries))
	for i, e := range o.entries {
		e.Params = maps.Clone(e.Params)
		out[len(out)-1-i] = e
	}
	return out
}

// Latest returns the newest entry of kind sent to to (compared without
// regard to case), e.g. the last code sent to a mobile.
func (o *Outbox) Latest(kind, to string) (Entry, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.entries) - 1; i >= 0; i-- {
		if e := o.entries[i]; e.Kind == kind && strings.EqualFold(e.To, to) {
			e.Params = maps.Clone(e.Params)
			return e, true
		}
	}
	return Entry{}, false
}

// Handler serves the outbox: GET (or HEAD) is an HTML page of the
// entries, newest first; ?format=json is the same entries as a JSON
// array. Any other method is 405.
func (o *Outbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		// Codes and reset links: never cached, never leaked as a Referer.
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		entries := o.Entries()
		if r.URL.Query().Get("format") == "json" {
			h.Set("Content-Type", "application/json; charset=utf-8")
			_ = json.NewEncoder(w).Encode(entries)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		views := make([]view, len(entries))
		for i, e := range entries {
			views[i] = view{Entry: e, Segments: linkify(e.Body)}
		}
		_ = page.Execute(w, views)
	})
}

type view struct {
	Entry
	Segments []segment
}

// segment is a run of body text, or a link when URL is set.
type segment struct{ Text, URL string }

// urlPattern: an http(s) URL made of the characters RFC 3986 allows, so a
// link ends at the first space, quote, angle bracket or non-ASCII letter
// (Chinese text often follows a URL without a space).
var urlPattern = regexp.MustCompile(`https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+`)

func linkify(s string) []segment {
	var out []segment
	last := 0
	for _, loc := range urlPattern.FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[1]
		// Sentence punctuation after a URL is not part of it.
		for end > start && strings.ContainsRune(".,;:!?')", rune(s[end-1])) {
			end--
		}
		if end-start <= len("https://") {
			continue
		}
		if start > last {
			out = append(out, segment{Text: s[last:start]})
		}
		out = append(out, segment{Text: s[start:end], URL: s[start:end]})
		last = end
	}
	if last < len(s) {
		out = append(out, segment{Text: s[last:]})
	}
	return out
}

var page = template.Must(template.New("outbox").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Storefront outbox</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 50rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; }
.note { color: #666; }
article { border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
header { display: flex; gap: 1rem; flex-wrap: wrap; color: #555; font-size: .9rem; }
.kind { font-weight: bold; text-transform: uppercase; }
.subject { font-weight: bold; margin: .4rem 0; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0; font-family: ui-monospace, monospace; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0 1rem; margin: .4rem 0; font-size: .9rem; }
dt { color: #666; }
</style>
</head>
<body>
<h1>Outbox</h1>
<p class="note">What the shop would have sent by SMS and e-mail, newest first. Nothing here left this machine. <a href="?format=json">JSON</a></p>
{{range .}}
<article>
<header><span class="kind">{{.Kind}}</span><span>to {{.To}}</span><time datetime="{{.SentAt.Format "2006-01-02T15:04:05Z07:00"}}">{{.SentAt.Format "2006-01-02 15:04:05"}}</time><span>id {{.ID}}</span></header>
{{if .Subject}}<div class="subject">{{.Subject}}</div>{{end}}
<div class="body">{{range .Segments}}{{if .URL}}<a href="{{.URL}}" rel="noreferrer noopener">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}</div>
{{if .Params}}<dl>{{range $k, $v := .Params}}<dt>{{$k}}</dt><dd>{{$v}}</dd>{{end}}</dl>{{end}}
</article>
{{else}}
<p>Nothing sent yet.</p>
{{end}}
</body>
</html>
`))
