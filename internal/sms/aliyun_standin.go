package sms

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// AliyunStandIn is a local Dysmsapi for tests and development: it checks
// a SendSms request the way Aliyun documents (the RPC signature recomputed
// from the received query, a SignatureNonce used once, a Timestamp within
// 15 minutes, a known AccessKeyId), records what it accepted and answers
// with Aliyun's JSON, error codes included. Nothing leaves the process.
type AliyunStandIn struct {
	accessKeyID, secret string

	// Now is the stand-in's clock for the Timestamp check.
	Now func() time.Time
	// SignName, when set, is the only signature name accepted (else
	// isv.SMS_SIGNATURE_ILLEGAL).
	SignName string
	// Templates, when set, are the approved TemplateCodes and the
	// parameters each needs (else isv.SMS_TEMPLATE_ILLEGAL or
	// isv.TEMPLATE_MISSING_PARAMETERS).
	Templates map[string][]string

	mu     sync.Mutex
	nonces map[string]time.Time
	sent   []StandInSMS
	fail   []string // codes to answer the next requests with, in order
}

// StandInSMS is one message the stand-in accepted.
type StandInSMS struct {
	Mobile        string
	SignName      string
	TemplateCode  string
	TemplateParam string            // the JSON as received
	Params        map[string]string // TemplateParam decoded
	OutID         string
	BizID         string
	At            time.Time
}

// NewAliyunStandIn returns a stand-in that knows one AccessKey pair.
func NewAliyunStandIn(accessKeyID, secret string) *AliyunStandIn {
	return &AliyunStandIn{
		accessKeyID: accessKeyID, secret: secret, Now: time.Now,
		nonces: map[string]time.Time{},
	}
}

// Sent returns the accepted messages, oldest first.
func (s *AliyunStandIn) Sent() []StandInSMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StandInSMS(nil), s.sent...)
}

// FailNext makes the next n well-signed requests fail with code (e.g.
// "isv.BUSINESS_LIMIT_CONTROL" or "isp.SYSTEM_ERROR"); isp.* answer HTTP
// 500, others 200 as Aliyun does for business errors.
func (s *AliyunStandIn) FailNext(n int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, code)
	}
}

// The clock skew Aliyun allows on Timestamp.
const standInSkew = 15 * time.Minute

// Handler serves the RPC endpoint (any path, GET or form POST).
func (s *AliyunStandIn) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *AliyunStandIn) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		s.answer(w, http.StatusMethodNotAllowed, "UnsupportedHTTPMethod", "This http method is not supported.")
		return
	}
	var q url.Values
	if r.Method == http.MethodGet {
		q = r.URL.Query()
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.answer(w, http.StatusBadRequest, "InvalidParameter", "The request body cannot be parsed.")
			return
		}
		q = r.Form
	}
	for _, k := range []string{"AccessKeyId", "Signature", "SignatureNonce", "Timestamp", "Action", "Version"} {
		if q.Get(k) == "" {
			s.answer(w, http.StatusBadRequest, "MissingParameter", "The input parameter \""+k+"\" that is mandatory for processing this request is not supplied.")
			return
		}
	}
	if q.Get("AccessKeyId") != s.accessKeyID {
		s.answer(w, http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
		return
	}
	if q.Get("SignatureMethod") != "HMAC-SHA1" || q.Get("SignatureVersion") != "1.0" {
		s.answer(w, http.StatusBadRequest, "InvalidParameter", "SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.")
		return
	}
	ts, err := time.Parse(aliyunTimeFormat, q.Get("Timestamp"))
	if err != nil {
		s.answer(w, http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
		return
	}
	now := s.Now()
	if d := now.Sub(ts); d > standInSkew || d < -standInSkew {
		s.answer(w, http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
		return
	}
	want := Signature(r.Method, q, s.secret)
	if !hmac.Equal([]byte(want), []byte(q.Get("Signature"))) {
		s.answer(w, http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
		return
	}
	// Only a well-signed request spends its nonce: anyone could send a
	// forged one to burn it otherwise.
	if !s.spendNonce(q.Get("SignatureNonce"), now) {
		s.answer(w, http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
		return
	}
	if q.Get("Action") != "SendSms" || q.Get("Version") != "2017-05-25" {
		s.answer(w, http.StatusNotFound, "InvalidVersion", "Specified parameter Version or Action is not valid.")
		return
	}
	if code := s.nextFailure(); code != "" {
		status := http.StatusOK
		if len(code) > 4 && code[:4] == "isp." {
			status = http.StatusInternalServerError
		}
		s.answer(w, status, code, "stand-in failure as asked")
		return
	}
	msg, code, text := s.check(q)
	if code != "" {
		s.answer(w, http.StatusOK, code, text)
		return
	}
	msg.At = now
	msg.BizID = rand.Text()
	s.mu.Lock()
	s.sent = append(s.sent, msg)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{
		"Code": "OK", "Message": "OK", "RequestId": rand.Text(), "BizId": msg.BizID,
	})
}

// check is SendSms's own validation, with the isv.* codes Aliyun uses.
func (s *AliyunStandIn) check(q url.Values) (StandInSMS, string, string) {
	m := StandInSMS{
		Mobile: q.Get("PhoneNumbers"), SignName: q.Get("SignName"), TemplateCode: q.Get("TemplateCode"),
		TemplateParam: q.Get("TemplateParam"), OutID: q.Get("OutId"),
	}
	if !validMobile(m.Mobile) {
		return m, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"
	}
	if m.SignName == "" || s.SignName != "" && m.SignName != s.SignName {
		return m, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"
	}
	need, known := s.Templates[m.TemplateCode]
	if m.TemplateCode == "" || s.Templates != nil && !known {
		return m, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"
	}
	if m.TemplateParam != "" {
		if err := json.Unmarshal([]byte(m.TemplateParam), &m.Params); err != nil {
			return m, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"
		}
	}
	for _, p := range need {
		if m.Params[p] == "" {
			return m, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"
		}
	}
	return m, "", ""
}

func (s *AliyunStandIn) spendNonce(nonce string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A nonce older than twice the skew cannot come with an accepted
	// Timestamp again, so it need not be kept.
	for n, at := range s.nonces {
		if now.Sub(at) > 2*standInSkew {
			delete(s.nonces, n)
		}
	}
	if _, used := s.nonces[nonce]; used {
		return false
	}
	s.nonces[nonce] = now
	return true
}

func (s *AliyunStandIn) nextFailure() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fail) == 0 {
		return ""
	}
	code := s.fail[0]
	s.fail = s.fail[1:]
	return code
}

func (s *AliyunStandIn) answer(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{
		"Code": code, "Message": message, "RequestId": rand.Text(), "HostId": "dysmsapi.aliyuncs.com",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
