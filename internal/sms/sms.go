// Package sms sends text messages to mainland mobiles through a gateway
// (Aliyun's Dysmsapi in production, internal/outbox offline). Its promises:
//
//   - A Message names a template of ours ("verify-code") and its
//     parameters, never free text: the gateway only sends templates it
//     approved, and Text renders the same message for previews.
//   - Message.ID goes with the message (Aliyun's OutId) so a delivery
//     report or a log line can be tied back to the job that sent it. The
//     gateway does not deduplicate on it: a retried job after an unknown
//     outcome may send twice, which for a verification code is the lesser
//     harm.
//   - Send's error says what to do next: IsPermanent(err) means retrying
//     the same message cannot help (a bad number, a template the gateway
//     refuses, credentials it does not know); any other error (throttling,
//     a timeout, a 5xx, an answer that cannot be read) is worth a retry.
//   - Every call has a deadline: the HTTP client's timeout (10 s by
//     default) and the caller's context, whichever ends first.
package sms

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Message is one SMS to send.
type Message struct {
	ID       string            // idempotency key (the job id); the provider's OutId
	Mobile   string            // mainland number, 11 digits
	Template string            // our template name: "verify-code"
	Params   map[string]string // e.g. {"code": "123456"}
}

// Sender delivers a Message or says why not (see IsPermanent).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// TemplateVerifyCode is the template of the six-digit verification codes
// (internal/smscode); its one parameter is "code".
const TemplateVerifyCode = "verify-code"

// signName is what the shopper sees between 【】; the real one is the
// gateway's approved SignName, this is for previews.
const signName = "Storefront"

// texts are our templates as the gateway approved them, with the
// parameters in Aliyun's ${name} form.
var texts = map[string]string{
	TemplateVerifyCode: "您的验证码是${code}，5分钟内有效，请勿告诉他人。",
}

// Text renders a message as the shopper reads it, e.g.
// "【Storefront】您的验证码是123456，5分钟内有效，请勿告诉他人。". A template
// this package does not know is shown with its name and sorted
// parameters, so a preview never hides what would be sent.
func Text(m Message) string {
	t, ok := texts[m.Template]
	if !ok {
		keys := make([]string, 0, len(m.Params))
		for k := range m.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString(m.Template)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, m.Params[k])
		}
		return "【" + signName + "】" + b.String()
	}
	pairs := make([]string, 0, 2*len(m.Params))
	for k, v := range m.Params {
		pairs = append(pairs, "${"+k+"}", v)
	}
	return "【" + signName + "】" + strings.NewReplacer(pairs...).Replace(t)
}

// validMobile: eleven digits starting with 1, the mainland numbering plan.
func validMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Error is a refusal from the gateway, or of a message before it is
// sent. Code is the gateway's (e.g. "isv.MOBILE_NUMBER_ILLEGAL") or
// "InvalidMessage" for one refused here.
type Error struct {
	Code      string
	Message   string
	RequestID string // the gateway's, for its support
	Status    int    // HTTP status, 0 when refused before sending
	permanent bool
}

func (e *Error) Error() string {
	s := "sms: " + e.Code + ": " + e.Message
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// IsPermanent reports whether err says the message can never be sent as
// it is, so retrying it is pointless. Network errors, timeouts, throttling
// and server errors are not permanent.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.permanent
}

func invalid(format string, args ...any) *Error {
	return &Error{Code: "InvalidMessage", Message: fmt.Sprintf(format, args...), permanent: true}
}
