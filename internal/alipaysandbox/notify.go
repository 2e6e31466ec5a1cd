package alipaysandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// delivery is one notification and this instance's attempts at it; mutable
// fields are guarded by Sandbox.mu. Whether the payment notification was
// acknowledged is the trade's (in the store): any instance's Resend stops
// the paying instance's resends.
type delivery struct {
	outTradeNo string
	kind       string // "payment" or "refund"
	url        string
	values     url.Values
	attempts   int
	acked      bool
}

// notification builds the signed async notification Alipay sends for a
// page-pay trade: every field but sign and sign_type is signed.
func (s *Sandbox) notification(t *trade, extra url.Values) (url.Values, error) {
	now := s.now()
	paid := formatCents(t.totalCents)
	v := url.Values{}
	v.Set("notify_time", s.fmtTime(now))
	v.Set("notify_type", "trade_status_sync")
	v.Set("notify_id", now.In(s.loc).Format("20060102")+"00222"+randomDigits(21))
	v.Set("app_id", s.appID)
	v.Set("auth_app_id", s.appID)
	v.Set("charset", "utf-8")
	v.Set("version", "1.0")
	v.Set("sign_type", "RSA2")
	v.Set("trade_no", t.tradeNo)
	v.Set("out_trade_no", t.outTradeNo)
	v.Set("trade_status", t.status)
	v.Set("total_amount", paid)
	v.Set("receipt_amount", paid)
	v.Set("invoice_amount", paid)
	v.Set("buyer_pay_amount", paid)
	v.Set("point_amount", "0.00")
	v.Set("gmt_create", s.fmtTime(t.created))
	v.Set("gmt_payment", s.fmtTime(t.paid))
	v.Set("subject", t.subject)
	v.Set("buyer_id", t.buyerID)
	v.Set("seller_id", s.sellerID)
	v.Set("fund_bill_list", fmt.Sprintf(`[{"amount":"%s","fundChannel":"ALIPAYACCOUNT"}]`, paid))
	if t.body != "" {
		v.Set("body", t.body)
	}
	if t.passback != "" {
		v.Set("passback_params", t.passback)
	}
	for k, vs := range extra {
		v[k] = vs
	}
	return signValues(s.key, v)
}

func (s *Sandbox) newDelivery(t *trade, kind string, extra url.Values) (*delivery, error) {
	values, err := s.notification(t, extra)
	if err != nil {
		return nil, err
	}
	return &delivery{outTradeNo: t.outTradeNo, kind: kind, url: t.notifyURL, values: values}, nil
}

// deliverAsync sends d in the background: at once if attemptNow, then per the
// resend schedule until the app answers "success" or the sandbox is closed.
// The returned channel is closed after the first attempt.
func (s *Sandbox) deliverAsync(d *delivery, attemptNow bool) <-chan struct{} {
	first := make(chan struct{})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		close(first)
		return first
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		acked := attemptNow && s.attempt(d, false)
		close(first)
		if acked {
			return
		}
		for _, delay := range s.retries {
			timer := time.NewTimer(delay)
			select {
			case <-s.ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
			if s.attempt(d, false) {
				return
			}
		}
		if !attemptNow && len(s.retries) == 0 {
			return
		}
		s.log.Warn("alipay sandbox: gave up on notification", "out_trade_no", d.outTradeNo, "kind", d.kind, "url", d.url)
	}()
	return first
}

// attempt POSTs the notification once; it reports whether d is acknowledged.
// Unless force, an already acknowledged notification is not sent again.
func (s *Sandbox) attempt(d *delivery, force bool) bool {
	s.mu.Lock()
	acked := d.acked
	target, body := d.url, d.values.Encode()
	s.mu.Unlock()
	if !force && acked {
		return true
	}
	payment := d.kind == "payment"
	if !force && payment {
		// A failing store only costs a duplicate notification, which the
		// app must take anyway.
		if acked, err := s.store.payAcked(s.ctx, d.outTradeNo); err == nil && acked {
			return true
		}
	}

	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		s.log.Error("alipay sandbox: notify_url", "url", target, "err", err)
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	var answer string
	resp, err := s.client.Do(req)
	if err == nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		answer = string(b)
	}
	// Alipay wants exactly these seven characters.
	ok := err == nil && answer == "success"

	s.mu.Lock()
	d.attempts++
	if ok {
		d.acked = true
	}
	n := d.attempts
	s.mu.Unlock()
	if err := s.store.countAttempt(context.WithoutCancel(s.ctx), d.outTradeNo, ok, payment); err != nil {
		s.log.Warn("alipay sandbox: counting a notification", "out_trade_no", d.outTradeNo, "err", err)
	}

	switch {
	case ok:
		s.log.Info("alipay sandbox: notification acknowledged", "out_trade_no", d.outTradeNo, "kind", d.kind, "attempt", n)
	case err != nil:
		s.log.Warn("alipay sandbox: notification failed", "out_trade_no", d.outTradeNo, "kind", d.kind, "attempt", n, "err", err)
	default:
		hint := ""
		if strings.TrimSpace(answer) == "success" {
			hint = `the body must be exactly "success", without whitespace`
		}
		s.log.Warn("alipay sandbox: notification not acknowledged", "out_trade_no", d.outTradeNo, "kind", d.kind,
			"attempt", n, "status", resp.StatusCode, "body", answer, "hint", hint)
	}
	return ok
}
