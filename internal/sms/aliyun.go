package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" // Aliyun's RPC SignatureMethod is HMAC-SHA1, not our choice
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// AliyunConfig configures the Dysmsapi gateway.
type AliyunConfig struct {
	Endpoint        string // default "https://dysmsapi.aliyuncs.com/"
	AccessKeyID     string
	AccessKeySecret string
	SignName        string            // 短信签名
	Templates       map[string]string // our template name → Aliyun TemplateCode (e.g. "verify-code": "SMS_123456")
	HTTPClient      *http.Client      // default one with a 10 s timeout
}

// DefaultAliyunEndpoint is Dysmsapi's public endpoint.
const DefaultAliyunEndpoint = "https://dysmsapi.aliyuncs.com/"

// Aliyun sends through Dysmsapi's SendSms (API version 2017-05-25), signed
// with the RPC signature (HMAC-SHA1, version 1.0).
type Aliyun struct {
	cfg      AliyunConfig
	endpoint *url.URL
	// Now is the clock for Timestamp; tests move it.
	Now func() time.Time
}

var _ Sender = (*Aliyun)(nil)

// NewAliyun checks cfg and returns the gateway. The endpoint must be
// https, except on a loopback address (the local stand-in): the message
// carries the code in clear, and the signature only protects it from
// changes, not from being read.
func NewAliyun(cfg AliyunConfig) (*Aliyun, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultAliyunEndpoint
	}
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		return nil, errors.New("sms: aliyun: AccessKeyID and AccessKeySecret are required")
	}
	if cfg.SignName == "" {
		return nil, errors.New("sms: aliyun: SignName is required")
	}
	if len(cfg.Templates) == 0 {
		return nil, errors.New("sms: aliyun: Templates is empty")
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("sms: aliyun: bad Endpoint %q", cfg.Endpoint)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("sms: aliyun: Endpoint %q must be https", cfg.Endpoint)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Aliyun{cfg: cfg, endpoint: u, Now: time.Now}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// aliyunAnswer is the JSON both the answers and the errors come in.
type aliyunAnswer struct {
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	RequestID string `json:"RequestId"`
	BizID     string `json:"BizId"`
}

// Send sends m. See the package doc for what its errors mean.
func (a *Aliyun) Send(ctx context.Context, m Message) error {
	if !validMobile(m.Mobile) {
		return invalid("mobile %q is not an 11-digit mainland number", m.Mobile)
	}
	code, ok := a.cfg.Templates[m.Template]
	if !ok {
		return invalid("template %q has no Aliyun TemplateCode", m.Template)
	}
	params := m.Params
	if params == nil {
		params = map[string]string{}
	}
	tp, err := json.Marshal(params) // a map marshals with sorted keys
	if err != nil {
		return invalid("template params: %v", err)
	}
	q := url.Values{}
	q.Set("Action", "SendSms")
	q.Set("Version", "2017-05-25")
	q.Set("RegionId", "cn-hangzhou")
	q.Set("Format", "JSON")
	q.Set("AccessKeyId", a.cfg.AccessKeyID)
	q.Set("SignatureMethod", "HMAC-SHA1")
	q.Set("SignatureVersion", "1.0")
	q.Set("SignatureNonce", rand.Text())
	q.Set("Timestamp", a.Now().UTC().Format(aliyunTimeFormat))
	q.Set("PhoneNumbers", m.Mobile)
	q.Set("SignName", a.cfg.SignName)
	q.Set("TemplateCode", code)
	q.Set("TemplateParam", string(tp))
	if m.ID != "" {
		q.Set("OutId", m.ID)
	}
	sig := Signature(http.MethodGet, q, a.cfg.AccessKeySecret)
	u := *a.endpoint
	u.RawQuery = "Signature=" + PercentEncode(sig) + "&" + CanonicalQuery(q)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("sms: aliyun: %w", err)
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		// The message may or may not have left: retryable.
		return fmt.Errorf("sms: aliyun SendSms: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("sms: aliyun SendSms: reading the answer: %w", err)
	}
	var ans aliyunAnswer
	if jerr := json.Unmarshal(body, &ans); jerr != nil || ans.Code == "" {
		return fmt.Errorf("sms: aliyun SendSms: HTTP %d with an unreadable answer %.200q", resp.StatusCode, body)
	}
	if ans.Code == "OK" && resp.StatusCode == http.StatusOK {
		return nil
	}
	return &Error{
		Code: ans.Code, Message: ans.Message, RequestID: ans.RequestID, Status: resp.StatusCode,
		permanent: resp.StatusCode < 500 && !retryableCode(ans.Code),
	}
}

// retryableCode: the codes that say "not now" rather than "never".
// Aliyun's convention is isv.* for the caller's mistakes and isp.* for the
// platform's; throttling is the caller's but passes.
func retryableCode(code string) bool {
	switch {
	case code == "isv.BUSINESS_LIMIT_CONTROL", // per-mobile/minute flow control
		strings.HasPrefix(code, "Throttling"),
		strings.HasPrefix(code, "isp."), // isp.SYSTEM_ERROR and friends
		code == "ServiceUnavailable", code == "InternalError",
		// A fresh nonce and timestamp on the next try fix these two
		// (a nonce collision, a clock that has since been corrected).
		code == "SignatureNonceUsed", strings.HasPrefix(code, "InvalidTimeStamp"):
		return true
	}
	return false
}

const aliyunTimeFormat = "2006-01-02T15:04:05Z"

// PercentEncode is Aliyun's RPC encoding (RFC 3986): A–Z, a–z, 0–9 and
// "-_.~" stay, every other byte of the UTF-8 becomes %XY (upper-case hex),
// so a space is %20, never "+", and "*" is %2A.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// CanonicalQuery is the sorted, encoded query Aliyun signs: every
// parameter but Signature, sorted by name, name=value joined with "&".
func CanonicalQuery(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range params[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(PercentEncode(k))
			b.WriteByte('=')
			b.WriteString(PercentEncode(v))
		}
	}
	return b.String()
}

// StringToSign is method + "&%2F&" + PercentEncode(CanonicalQuery(params)).
func StringToSign(method string, params url.Values) string {
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(CanonicalQuery(params))
}

// Signature is Base64(HMAC-SHA1(secret + "&", StringToSign)).
func Signature(method string, params url.Values, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(StringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
