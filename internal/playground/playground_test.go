package playground

import (
	"bytes"
	"compress/gzip"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPageWorksOffline(t *testing.T) {
	rec := get(t, Handler("Storefront", "/graphql"), "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := rec.Body.String()
	for _, scheme := range []string{"http://", "https://", "//cdn", "//unpkg"} {
		if strings.Contains(body, scheme) {
			t.Errorf("page contains %q: it must load nothing from elsewhere\n%s", scheme, body)
		}
	}
	for _, name := range files {
		if !strings.Contains(body, `"playground/`+name+`"`) {
			t.Errorf("page does not reference %s", name)
		}
	}
	if !strings.Contains(body, `data-endpoint="/graphql"`) || !strings.Contains(body, "<title>Storefront</title>") {
		t.Errorf("page lacks the endpoint or the title:\n%s", body)
	}
	// The CSP forbids inline scripts, so every script must be a file.
	if n, m := strings.Count(body, "<script"), strings.Count(body, `<script src="playground/`); n != m {
		t.Errorf("%d of %d scripts are inline", n-m, n)
	}
}

func TestPageSecurityHeaders(t *testing.T) {
	rec := get(t, Handler("Storefront", "/graphql"), "/")
	csp := rec.Header().Get("Content-Security-Policy")
	// Exactly 'self' for scripts: no inline code, no eval, no CDN.
	for _, want := range []string{"default-src 'none';", "script-src 'self';", "connect-src 'self';"} {
		if !strings.Contains(csp+";", want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
}

func TestAbsoluteEndpointMayBeReached(t *testing.T) {
	csp := get(t, Handler("t", "https://api.example.com:8443/graphql"), "/").Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://api.example.com:8443;") {
		t.Errorf("CSP %q does not let the page reach its endpoint", csp)
	}
	// An endpoint cannot smuggle directives into the policy.
	csp = get(t, Handler("t", "https://a;script-src-elem */graphql"), "/").Header().Get("Content-Security-Policy")
	if strings.Contains(csp, "script-src-elem") {
		t.Errorf("CSP %q took a directive from the endpoint", csp)
	}
}

func TestEndpointAndTitleAreEscaped(t *testing.T) {
	const endpoint = `/graphql?x="a'b"</script><script>alert(1)</script>&y=<`
	const title = `</title><script>alert(2)</script>`
	body := get(t, Handler(title, endpoint), "/").Body.String()
	if strings.Contains(body, "alert(1)</script>") || strings.Contains(body, "<script>alert(2)") {
		t.Fatalf("markup from the endpoint or title reached the page:\n%s", body)
	}
	m := regexp.MustCompile(`data-endpoint="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no data-endpoint attribute:\n%s", body)
	}
	if got := html.UnescapeString(m[1]); got != endpoint {
		t.Errorf("the browser would read the endpoint as %q, want %q", got, endpoint)
	}
}

func TestAssets(t *testing.T) {
	h := Handler("Storefront", "/graphql")
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			want, err := assetFS.ReadFile("assets/" + name)
			if err != nil {
				t.Fatal(err)
			}
			rec := get(t, h, "/playground/"+name)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}[path.Ext(name)]
			if ct := rec.Header().Get("Content-Type"); ct != wantType {
				t.Errorf("Content-Type = %q, want %q", ct, wantType)
			}
			minSize := 10_000 // the smallest vendored file, React, is 10.7 kB
			if name == initScript {
				minSize = 500
			}
			if rec.Body.Len() < minSize || !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("served %d bytes, want the embedded %d (at least %d)", rec.Body.Len(), len(want), minSize)
			}

			cc := rec.Header().Get("Cache-Control")
			if immutable := strings.Contains(cc, "immutable"); immutable != (name != initScript) {
				t.Errorf("Cache-Control = %q: only versioned files may be immutable", cc)
			}
			etag := rec.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if rec := get(t, h, "/playground/"+name, "If-None-Match", etag); rec.Code != http.StatusNotModified {
				t.Errorf("revalidation: %d, want 304", rec.Code)
			}

			rec = get(t, h, "/playground/"+name, "Accept-Encoding", "br, gzip")
			if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("ETag") == etag {
				t.Fatalf("gzip: Content-Encoding %q, ETag %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("ETag"))
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, want) {
				t.Errorf("gzip body does not decode to the file (err %v)", err)
			}
		})
	}
}

// The embed pattern and the list of served files must agree, or a refresh
// could ship a file nobody loads.
func TestEveryEmbeddedFileIsServed(t *testing.T) {
	served := make(map[string]bool)
	for _, name := range files {
		served[name] = true
	}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !served[path.Base(p)] {
			t.Errorf("%s is embedded but not served", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUnknownPathsAreNotFound(t *testing.T) {
	h := Handler("Storefront", "/graphql")
	for _, p := range []string{
		"/x", "/index.html", "/graphql", "/playground", "/playground/",
		"/playground/nope.js", "/playground/README.txt", "/playground/assets/init.js",
		"/playground/../playground/init.js", "/playground/init.js/", "//playground/init.js",
	} {
		if rec := get(t, h, p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/nope", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("POST /nope: %d, want 404", rec.Code)
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	h := Handler("Storefront", "/graphql")
	for _, p := range []string{"/", "/playground/init.js"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, p, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d with %d bytes", p, rec.Code, rec.Body.Len())
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, p, nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d, Allow %q", p, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                    false,
		"gzip":                true,
		"br, GZIP;q=0.5":      true,
		"deflate, br":         false,
		"gzip;q=0":            false,
		"gzip; q=0.000":       false,
		"identity, gzip ;q=1": true,
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Encoding", header)
		if got := acceptsGzip(req); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
