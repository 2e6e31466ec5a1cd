// Package playground serves a GraphiQL page for the API. Everything it needs
// is embedded in the binary, so it works where no CDN can be reached.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// assetPrefix is where the assets live relative to the page. The page links
// them with relative URLs, so the handler also works behind http.StripPrefix.
const assetPrefix = "/playground/"

// See assets/README.txt for where the vendored files come from.
//
//go:embed assets/*.js assets/*.css
var assetFS embed.FS

// vendored are the third-party files, in load order. They carry their version
// in their names, so refreshing one changes its URL and browsers may cache
// them forever. init.js is ours and changes with the binary, so browsers
// revalidate it by ETag instead.
var vendored = []string{
	"graphiql-3.9.0.min.css",
	"react-18.3.1.production.min.js",
	"react-dom-18.3.1.production.min.js",
	"graphiql-3.9.0.min.js",
}

const initScript = "init.js"

// files are all the assets, in load order. (The three-index slice makes
// append copy rather than share vendored's array.)
var files = append(vendored[:len(vendored):len(vendored)], initScript)

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
{{range .Styles}}<link rel="stylesheet" href="{{.}}">
{{end}}</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}">Loading…</div>
{{range .Scripts}}<script src="{{.}}"></script>
{{end}}</body>
</html>
`))

type asset struct {
	data      []byte
	etag      string
	ctype     string
	immutable bool
	// gzipped is computed on first use: most processes never serve the
	// playground, and compressing 1.4 MB is not free.
	gzipped func() []byte
}

// Handler serves the playground page at "/" and its assets under
// "/playground/"; any other path is 404. title is the page title; endpoint is
// the GraphQL URL the page queries, usually a path such as "/graphql".
func Handler(title, endpoint string) http.Handler {
	assets := loadAssets()

	var styles, scripts []string
	for _, name := range files {
		ref := strings.TrimPrefix(assetPrefix, "/") + name
		if path.Ext(name) == ".css" {
			styles = append(styles, ref)
		} else {
			scripts = append(scripts, ref)
		}
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, struct {
		Title, Endpoint string
		Styles, Scripts []string
	}{title, endpoint, styles, scripts})
	if err != nil {
		panic("playground: " + err.Error()) // only strings go in: cannot happen
	}
	html := buf.Bytes()
	htmlTag := etag(html)
	csp := contentSecurityPolicy(endpoint)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a *asset // nil: the page
		if r.URL.Path != "/" {
			if name, ok := strings.CutPrefix(r.URL.Path, assetPrefix); ok {
				a = assets[name]
			}
			if a == nil {
				http.NotFound(w, r)
				return
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if a == nil {
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Security-Policy", csp)
			h.Set("Cache-Control", "no-cache")
			h.Set("ETag", htmlTag)
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(html))
			return
		}
		h.Set("Content-Type", a.ctype)
		h.Set("Vary", "Accept-Encoding")
		if a.immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		data, tag := a.data, a.etag
		if acceptsGzip(r) {
			data, tag = a.gzipped(), strings.TrimSuffix(tag, `"`)+`-gzip"`
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("ETag", tag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	})
}

var loadAssets = sync.OnceValue(func() map[string]*asset {
	types := map[string]string{
		".css": "text/css; charset=utf-8",
		".js":  "text/javascript; charset=utf-8",
	}
	m := make(map[string]*asset)
	for i, name := range files {
		data, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic("playground: " + err.Error()) // the embed pattern and the list disagree
		}
		m[name] = &asset{
			data:      data,
			etag:      etag(data),
			ctype:     types[path.Ext(name)],
			immutable: i < len(vendored),
			gzipped: sync.OnceValue(func() []byte {
				var b bytes.Buffer
				// A valid level and a bytes.Buffer: nothing here can fail.
				zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
				_, _ = zw.Write(data)
				_ = zw.Close()
				return b.Bytes()
			}),
		}
	}
	return m
})

// contentSecurityPolicy allows the page to load only its own files and talk
// only to its own origin, plus the endpoint's origin when that is absolute.
// Scripts must be files: no inline code, no eval. Styles do need
// 'unsafe-inline': GraphiQL's dialogs (settings, shortcuts) inject a <style>
// to lock scrolling, whose text varies with the scrollbar so no hash fits.
// The stylesheet embeds its fonts as data: URLs.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" &&
		!strings.ContainsAny(u.Host, " \t;,'\"") {
		switch u.Scheme {
		case "http", "https", "ws", "wss":
			connect += " " + u.Scheme + "://" + u.Host
		}
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// acceptsGzip reports whether the request's Accept-Encoding admits gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept-Encoding"), ","), ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}
