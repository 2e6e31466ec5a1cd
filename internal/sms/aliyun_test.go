package sms_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/sms"
)

// Aliyun's SMS "HTTP协议及签名" page (help.aliyun.com/document_detail/56189,
// also developer.aliyun.com/ask/218522) signs this SendSms request with
// AccessKeyId "testId" and secret "testSecret" and gets
// Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D.
func TestSignatureMatchesAliyunsWorkedSendSmsExample(t *testing.T) {
	q := url.Values{}
	for k, v := range map[string]string{
		"AccessKeyId":      "testId",
		"Action":           "SendSms",
		"Format":           "XML",
		"OutId":            "123",
		"PhoneNumbers":     "15300000001",
		"RegionId":         "cn-hangzhou",
		"SignName":         "阿里云短信测试专用",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "45e25e9b-0a6f-4070-8c85-2956eda1b466",
		"SignatureVersion": "1.0",
		"TemplateCode":     "SMS_71390007",
		"TemplateParam":    `{"customer":"test"}`,
		"Timestamp":        "2017-07-12T02:42:19Z",
		"Version":          "2017-05-25",
	} {
		q.Set(k, v)
	}
	if got, want := sms.Signature(http.MethodGet, q, "testSecret"), "zJDF+Lrzhj/ThnlvIToysFRq6t4="; got != want {
		t.Fatalf("signature %s; want %s", got, want)
	}
	// Signature itself never takes part.
	q.Set("Signature", "whatever")
	if got := sms.Signature(http.MethodGet, q, "testSecret"); got != "zJDF+Lrzhj/ThnlvIToysFRq6t4=" {
		t.Fatalf("Signature param was signed: %s", got)
	}
}

// Aliyun's RPC "签名机制" example (help.aliyun.com/document_detail/28839;
// developer.aliyun.com/ask/210168): DescribeRegions with AccessKeyId
// "testid" and secret "testsecret" signs to CT9X0VtwR86fNWSnsc6v8YGOjuE=.
// The ask/210168 copy of its StringToSign shows the "&" between pairs
// unencoded, a rendering slip: the documented signature is the one of the
// string with %26 there (as percentEncode of the canonical query gives,
// and as the blog.csdn.net copy of the same example shows).
func TestSignatureMatchesAliyunsDescribeRegionsExample(t *testing.T) {
	q := url.Values{}
	for k, v := range map[string]string{
		"TimeStamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid",
		"Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
		"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Version": "2014-05-26",
		"SignatureVersion": "1.0",
	} {
		q.Set(k, v)
	}
	want := "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1" +
		"%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0" +
		"%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	if got := sms.StringToSign(http.MethodGet, q); got != want {
		t.Fatalf("StringToSign\n got %s\nwant %s", got, want)
	}
	if got, want := sms.Signature(http.MethodGet, q, "testsecret"), "CT9X0VtwR86fNWSnsc6v8YGOjuE="; got != want {
		t.Fatalf("signature %s; want %s", got, want)
	}
}

func TestPercentEncodeFollowsAliyunsRules(t *testing.T) {
	for in, want := range map[string]string{
		"a b":        "a%20b",
		"*":          "%2A",
		"~-_.":       "~-_.",
		"+/=&":       "%2B%2F%3D%26",
		`"`:          "%22",
		"验证":         "%E9%AA%8C%E8%AF%81",
		"AZaz09":     "AZaz09",
		`{"code":1}`: "%7B%22code%22%3A1%7D",
	} {
		if got := sms.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q; want %q", in, got, want)
		}
	}
}

const (
	keyID  = "LTAI-test"
	secret = "s3cret"
)

// recorder serves the stand-in and keeps every raw query it received, so
// a test can replay or tamper with a request the adapter really signed.
type recorder struct {
	mu      sync.Mutex
	queries []string
	next    http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.queries = append(r.queries, req.URL.RawQuery)
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queries)
}

func (r *recorder) last(t *testing.T) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queries) == 0 {
		t.Fatal("no request reached the stand-in")
	}
	return r.queries[len(r.queries)-1]
}

func standIn(t *testing.T) (*sms.AliyunStandIn, *recorder, *httptest.Server) {
	t.Helper()
	si := sms.NewAliyunStandIn(keyID, secret)
	si.SignName = "Storefront"
	si.Templates = map[string][]string{"SMS_123456": {"code"}}
	rec := &recorder{next: si.Handler()}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return si, rec, srv
}

func gateway(t *testing.T, endpoint, id, sec string) *sms.Aliyun {
	t.Helper()
	a, err := sms.NewAliyun(sms.AliyunConfig{
		Endpoint: endpoint, AccessKeyID: id, AccessKeySecret: sec, SignName: "Storefront",
		Templates:  map[string]string{"verify-code": "SMS_123456", "bad": "SMS_999"},
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var verify = sms.Message{ID: "job-42", Mobile: "13800138000", Template: "verify-code", Params: map[string]string{"code": "123456"}}

func TestARightSendIsAcceptedAndRecorded(t *testing.T) {
	t.Parallel()
	si, _, srv := standIn(t)
	if err := gateway(t, srv.URL, keyID, secret).Send(t.Context(), verify); err != nil {
		t.Fatal(err)
	}
	sent := si.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d", len(sent))
	}
	got := sent[0]
	if got.Mobile != "13800138000" || got.OutID != "job-42" || got.TemplateCode != "SMS_123456" ||
		got.SignName != "Storefront" || got.TemplateParam != `{"code":"123456"}` || got.Params["code"] != "123456" ||
		got.BizID == "" {
		t.Fatalf("recorded %+v", got)
	}
}

func wantAliyunError(t *testing.T, err error, code string, permanent bool) {
	t.Helper()
	var e *sms.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err %v; want %s", err, code)
	}
	if sms.IsPermanent(err) != permanent {
		t.Fatalf("%v: IsPermanent = %v; want %v", err, !permanent, permanent)
	}
}

func TestAWrongSecretIsSignatureDoesNotMatchAndPermanent(t *testing.T) {
	t.Parallel()
	si, _, srv := standIn(t)
	err := gateway(t, srv.URL, keyID, "not-the-secret").Send(t.Context(), verify)
	wantAliyunError(t, err, "SignatureDoesNotMatch", true)
	if len(si.Sent()) != 0 {
		t.Fatal("a badly signed message was recorded")
	}
}

func TestAnUnknownAccessKeyIsPermanent(t *testing.T) {
	t.Parallel()
	_, _, srv := standIn(t)
	err := gateway(t, srv.URL, "LTAI-nobody", secret).Send(t.Context(), verify)
	wantAliyunError(t, err, "InvalidAccessKeyId.NotFound", true)
}

func get(t *testing.T, rawURL string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestATamperedOrReplayedRequestFails(t *testing.T) {
	t.Parallel()
	si, rec, srv := standIn(t)
	if err := gateway(t, srv.URL, keyID, secret).Send(t.Context(), verify); err != nil {
		t.Fatal(err)
	}
	signed := rec.last(t)

	tampered := strings.Replace(signed, "PhoneNumbers=13800138000", "PhoneNumbers=13900139000", 1)
	if tampered == signed {
		t.Fatalf("PhoneNumbers not found in %s", signed)
	}
	if status, body := get(t, srv.URL+"/?"+tampered); status != http.StatusBadRequest || !strings.Contains(body, `"SignatureDoesNotMatch"`) {
		t.Fatalf("tampered: %d %s", status, body)
	}
	if status, body := get(t, srv.URL+"/?"+signed); status != http.StatusBadRequest || !strings.Contains(body, `"SignatureNonceUsed"`) {
		t.Fatalf("replayed: %d %s", status, body)
	}
	if n := len(si.Sent()); n != 1 {
		t.Fatalf("sent %d; want only the original", n)
	}
}

func TestATimestampMoreThan15MinutesOffIsRefused(t *testing.T) {
	t.Parallel()
	_, _, srv := standIn(t)
	for _, off := range []time.Duration{-16 * time.Minute, 16 * time.Minute} {
		a := gateway(t, srv.URL, keyID, secret)
		a.Now = func() time.Time { return time.Now().Add(off) }
		// Not permanent: the next try carries a fresh Timestamp.
		wantAliyunError(t, a.Send(t.Context(), verify), "InvalidTimeStamp.Expired", false)
	}
	a := gateway(t, srv.URL, keyID, secret)
	a.Now = func() time.Time { return time.Now().Add(-14 * time.Minute) }
	if err := a.Send(t.Context(), verify); err != nil {
		t.Fatalf("14 minutes off: %v", err)
	}
}

func TestBusinessRefusalsArePermanentAndThrottlingIsNot(t *testing.T) {
	t.Parallel()
	si, _, srv := standIn(t)
	a := gateway(t, srv.URL, keyID, secret)
	ctx := t.Context()

	noCode := verify
	noCode.Params = map[string]string{"other": "x"}
	wantAliyunError(t, a.Send(ctx, noCode), "isv.TEMPLATE_MISSING_PARAMETERS", true)

	bad := verify
	bad.Template = "bad" // SMS_999: not approved at the stand-in
	wantAliyunError(t, a.Send(ctx, bad), "isv.SMS_TEMPLATE_ILLEGAL", true)

	si.FailNext(1, "isv.BUSINESS_LIMIT_CONTROL")
	wantAliyunError(t, a.Send(ctx, verify), "isv.BUSINESS_LIMIT_CONTROL", false)
	si.FailNext(1, "isp.SYSTEM_ERROR")
	wantAliyunError(t, a.Send(ctx, verify), "isp.SYSTEM_ERROR", false)

	if err := a.Send(ctx, verify); err != nil {
		t.Fatalf("after the failures: %v", err)
	}
	if n := len(si.Sent()); n != 1 {
		t.Fatalf("sent %d; want 1", n)
	}
}

func TestAMessageThatCannotBeSentIsRefusedBeforeTheGateway(t *testing.T) {
	t.Parallel()
	_, rec, srv := standIn(t)
	a := gateway(t, srv.URL, keyID, secret)
	for _, m := range []sms.Message{
		{ID: "1", Mobile: "1380013800", Template: "verify-code"},    // 10 digits
		{ID: "2", Mobile: "23800138000", Template: "verify-code"},   // not 1…
		{ID: "3", Mobile: "1380013800a", Template: "verify-code"},   // not digits
		{ID: "4", Mobile: "13800138000", Template: "no-such-thing"}, // no TemplateCode
	} {
		if err := a.Send(t.Context(), m); !sms.IsPermanent(err) {
			t.Errorf("%+v: %v; want a permanent error", m, err)
		}
	}
	if n := rec.count(); n != 0 {
		t.Fatalf("%d requests reached the gateway", n)
	}
}

func TestAHangingGatewayTimesOutAsRetryable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; ends when the client gives up
	}))
	t.Cleanup(srv.Close)
	a, err := sms.NewAliyun(sms.AliyunConfig{
		Endpoint: srv.URL, AccessKeyID: keyID, AccessKeySecret: secret, SignName: "Storefront",
		Templates: map[string]string{"verify-code": "SMS_123456"}, HTTPClient: &http.Client{Timeout: 300 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = a.Send(t.Context(), verify)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v with a 300 ms timeout", took)
	}
	if err == nil || sms.IsPermanent(err) {
		t.Fatalf("err %v; want a retryable error", err)
	}
}

func TestA5xxWithoutJSONIsRetryable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	err := gateway(t, srv.URL, keyID, secret).Send(t.Context(), verify)
	if err == nil || sms.IsPermanent(err) {
		t.Fatalf("err %v; want a retryable error", err)
	}
}

func TestNewAliyunRefusesPlainHTTPOffLoopbackAndMissingSettings(t *testing.T) {
	ok := sms.AliyunConfig{AccessKeyID: "a", AccessKeySecret: "b", SignName: "c", Templates: map[string]string{"verify-code": "SMS_1"}}
	if _, err := sms.NewAliyun(ok); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mod := range map[string]func(*sms.AliyunConfig){
		"http remote":  func(c *sms.AliyunConfig) { c.Endpoint = "http://dysmsapi.aliyuncs.com/" },
		"no key":       func(c *sms.AliyunConfig) { c.AccessKeyID = "" },
		"no secret":    func(c *sms.AliyunConfig) { c.AccessKeySecret = "" },
		"no sign name": func(c *sms.AliyunConfig) { c.SignName = "" },
		"no templates": func(c *sms.AliyunConfig) { c.Templates = nil },
	} {
		c := ok
		mod(&c)
		if _, err := sms.NewAliyun(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
