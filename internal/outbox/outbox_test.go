package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/mail"
	"github.com/storefront/storefront/internal/outbox"
	"github.com/storefront/storefront/internal/sms"
)

func code(id, mobile, c string) sms.Message {
	return sms.Message{ID: id, Mobile: mobile, Template: sms.TemplateVerifyCode, Params: map[string]string{"code": c}}
}

func TestEntriesAreNewestFirstAndLatestFindsTheNewest(t *testing.T) {
	o := outbox.New(0)
	clock := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	o.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	ctx := t.Context()
	for _, m := range []sms.Message{code("1", "13800138000", "111111"), code("2", "13900139000", "222222"), code("3", "13800138000", "333333")} {
		if err := o.SMS().Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Mail().Send(ctx, mail.Message{ID: "4", To: "Buyer@Example.com", Subject: "Reset", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	es := o.Entries()
	var ids []string
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, ",") != "4,3,2,1" {
		t.Fatalf("order %v", ids)
	}
	if !es[0].SentAt.After(es[1].SentAt) {
		t.Fatalf("SentAt %v then %v", es[0].SentAt, es[1].SentAt)
	}
	e, ok := o.Latest(outbox.KindSMS, "13800138000")
	if !ok || e.ID != "3" || e.Params["code"] != "333333" || e.Body != "【Storefront】您的验证码是333333，5分钟内有效，请勿告诉他人。" {
		t.Fatalf("latest sms %+v %v", e, ok)
	}
	if e, ok := o.Latest(outbox.KindMail, "buyer@example.com"); !ok || e.ID != "4" || e.Subject != "Reset" || e.Body != "hi" {
		t.Fatalf("latest mail %+v %v", e, ok)
	}
	if _, ok := o.Latest(outbox.KindMail, "13800138000"); ok {
		t.Fatal("an SMS was found as mail")
	}
	// Copies: changing what was returned changes nothing inside.
	es[1].Params["code"] = "tampered"
	if e, _ := o.Latest(outbox.KindSMS, "13800138000"); e.Params["code"] != "333333" {
		t.Fatal("Entries shares its maps")
	}
}

func TestTheSameIDTwiceKeepsOneEntry(t *testing.T) {
	o := outbox.New(10)
	ctx := t.Context()
	for range 3 {
		if err := o.SMS().Send(ctx, code("job-1", "13800138000", "111111")); err != nil {
			t.Fatal(err)
		}
		if err := o.Mail().Send(ctx, mail.Message{ID: "job-2", To: "a@example.com", Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	// A retry with other content is still the same message.
	_ = o.SMS().Send(ctx, code("job-1", "13800138000", "999999"))
	es := o.Entries()
	if len(es) != 2 {
		t.Fatalf("%d entries: %+v", len(es), es)
	}
	if e, _ := o.Latest(outbox.KindSMS, "13800138000"); e.Params["code"] != "111111" {
		t.Fatalf("kept %+v; want the first", e)
	}
}

func TestCapacityKeepsOnlyTheLastMessages(t *testing.T) {
	o := outbox.New(3)
	for i := range 10 {
		_ = o.SMS().Send(t.Context(), code(fmt.Sprint(i), "13800138000", "1"))
	}
	es := o.Entries()
	if len(es) != 3 || es[0].ID != "9" || es[2].ID != "7" {
		t.Fatalf("%+v", es)
	}
	// A dropped ID is forgotten too (its memory with it): sent again, it
	// is a new entry.
	_ = o.SMS().Send(t.Context(), code("0", "13800138000", "1"))
	if es := o.Entries(); len(es) != 3 || es[0].ID != "0" {
		t.Fatalf("%+v", es)
	}

	d := outbox.New(0)
	for i := range outbox.DefaultCapacity + 5 {
		_ = d.Mail().Send(t.Context(), mail.Message{ID: fmt.Sprint(i), To: "a@example.com", Text: "x"})
	}
	if n := len(d.Entries()); n != outbox.DefaultCapacity {
		t.Fatalf("default capacity kept %d", n)
	}
}

func TestConcurrentSendsAreSafe(t *testing.T) {
	o := outbox.New(1000)
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				// Every goroutine sends the same 50 SMS ids and its own mail.
				_ = o.SMS().Send(t.Context(), code(fmt.Sprint("s", i), "13800138000", "1"))
				_ = o.Mail().Send(t.Context(), mail.Message{ID: fmt.Sprint("m", g, "-", i), To: "a@example.com", Text: "x"})
				if i%10 == 0 {
					_, _ = o.Latest(outbox.KindSMS, "13800138000")
					req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"?format=json", nil)
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := len(o.Entries()); n != 50+8*50 {
		t.Fatalf("%d entries; want %d", n, 50+8*50)
	}
}

func fetch(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestThePageEscapesBodiesAndLinksOnlyWebURLs(t *testing.T) {
	o := outbox.New(0)
	_ = o.Mail().Send(t.Context(), mail.Message{
		ID: "x<y", To: "a@example.com", Subject: `<img src=x onerror=alert(1)>`,
		Text: "<script>alert(1)</script>\n" +
			"打开 https://shop.example/reset?token=abc&x=1 重置密码。\n" +
			`evil https://shop.example/"><script>alert(2)</script>` + "\n" +
			"javascript:alert(3) and data:text/html,<b>x</b>\n" +
			"done: https://shop.example/orders/9.",
		HTML: "<script>alert(4)</script>",
	})
	resp, body := fetch(t, o.Handler(), http.MethodGet, "/dev/outbox")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, bad := range []string{"<script", "<img", `href="javascript`, `href="data`, "alert(4)"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q:\n%s", bad, body)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"&lt;img src=x onerror=alert(1)&gt;",
		`<a href="https://shop.example/reset?token=abc&amp;x=1" rel="noreferrer noopener">https://shop.example/reset?token=abc&amp;x=1</a> 重置密码`,
		`<a href="https://shop.example/orders/9" rel="noreferrer noopener">https://shop.example/orders/9</a>.`,
		"id x&lt;y",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
}

func TestThePageListsEntriesNewestFirst(t *testing.T) {
	o := outbox.New(0)
	_, body := fetch(t, o.Handler(), http.MethodGet, "/")
	if !strings.Contains(body, "Nothing sent yet") {
		t.Fatalf("empty page:\n%s", body)
	}
	_ = o.SMS().Send(t.Context(), code("first", "13800138000", "111111"))
	_ = o.SMS().Send(t.Context(), code("second", "13800138000", "222222"))
	_, body = fetch(t, o.Handler(), http.MethodGet, "/")
	i, j := strings.Index(body, "您的验证码是222222"), strings.Index(body, "您的验证码是111111")
	if i < 0 || j < 0 || i > j {
		t.Fatalf("order in page: %d, %d\n%s", i, j, body)
	}
}

func TestJSONFormatReturnsTheEntries(t *testing.T) {
	o := outbox.New(0)
	_ = o.SMS().Send(t.Context(), code("a", "13800138000", "123456"))
	_ = o.Mail().Send(t.Context(), mail.Message{ID: "b", To: "a@example.com", Subject: "主题", Text: "<b>", HTML: "<p>x</p>"})
	resp, body := fetch(t, o.Handler(), http.MethodGet, "/dev/outbox?format=json")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var es []outbox.Entry
	if err := json.Unmarshal([]byte(body), &es); err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].ID != "b" || es[0].Kind != "mail" || es[0].Subject != "主题" || es[0].Body != "<b>" || es[0].HTML != "<p>x</p>" ||
		es[1].ID != "a" || es[1].Kind != "sms" || es[1].To != "13800138000" || es[1].Params["code"] != "123456" || es[1].SentAt.IsZero() {
		t.Fatalf("%s", body)
	}
}

func TestOtherMethodsAre405(t *testing.T) {
	o := outbox.New(0)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		resp, _ := fetch(t, o.Handler(), m, "/dev/outbox")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d Allow %q", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if resp, _ := fetch(t, o.Handler(), http.MethodHead, "/dev/outbox"); resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD: %d", resp.StatusCode)
	}
}

func TestACanceledContextSendsNothing(t *testing.T) {
	o := outbox.New(0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := o.SMS().Send(ctx, code("a", "13800138000", "1")); err == nil {
		t.Fatal("sent with a canceled context")
	}
	if len(o.Entries()) != 0 {
		t.Fatal("recorded")
	}
}
