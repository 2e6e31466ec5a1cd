package alipaysandbox

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrTradeNotFound: no trade with that out_trade_no (its pay page was
	// never opened).
	ErrTradeNotFound = errors.New("alipaysandbox: trade not found")
	// ErrNotPayable: the trade is paid, closed or expired.
	ErrNotPayable = errors.New("alipaysandbox: trade cannot be paid")
)

// openTrade does what opening a page-pay URL does at Alipay: authenticate it
// and create (or find) the trade.
func (s *Sandbox) openTrade(ctx context.Context, form url.Values) (TradeState, *apiError) {
	if e := s.checkRequest(form); e != nil {
		return TradeState{}, e
	}
	biz, e := bizContent(form)
	if e != nil {
		return TradeState{}, e
	}
	otn, subject := biz["out_trade_no"], biz["subject"]
	switch {
	case otn == "":
		return TradeState{}, missingArg("isv.missing-out-trade-no", "缺少 out_trade_no")
	case len(otn) > 64:
		return TradeState{}, errInvalidParam("out_trade_no longer than 64 characters")
	case subject == "":
		return TradeState{}, missingArg("isv.missing-subject", "缺少 subject")
	case biz["product_code"] != productCodePagePay:
		return TradeState{}, errInvalidParam(fmt.Sprintf("product_code must be %s for alipay.trade.page.pay, got %q",
			productCodePagePay, biz["product_code"]))
	}
	cents, err := parseAmount(biz["total_amount"])
	if err != nil {
		return TradeState{}, errInvalidParam("total_amount: " + err.Error())
	}
	now := s.now()
	var expires time.Time
	if te := biz["time_expire"]; te != "" {
		if expires, err = time.ParseInLocation(timeLayout, te, s.loc); err != nil {
			return TradeState{}, errInvalidParam("time_expire must be yyyy-MM-dd HH:mm:ss (Beijing time): " + te)
		}
	} else if tx := biz["timeout_express"]; tx != "" {
		d, err := parseTimeoutExpress(tx)
		if err != nil {
			return TradeState{}, errInvalidParam(err.Error())
		}
		expires = now.Add(d)
	}

	tradeNo, err := s.store.claimTradeNo(ctx, otn, s.newTradeNo)
	if err != nil {
		s.log.Error("alipay sandbox: trade store", "method", "alipay.trade.page.pay", "err", err)
		return TradeState{}, errSystem()
	}
	t := &trade{
		outTradeNo: otn,
		tradeNo:    tradeNo,
		status:     StatusWaitBuyerPay,
		subject:    subject,
		body:       biz["body"],
		passback:   biz["passback_params"],
		totalCents: cents,
		notifyURL:  form.Get("notify_url"),
		returnURL:  form.Get("return_url"),
		created:    now,
		expires:    expires,
	}
	late := !expires.IsZero() && !now.Before(expires)
	args := append([]any{cents, subject, t.notifyURL, t.returnURL, flag(late), s.store.retention.Milliseconds()}, t.fields()...)
	r, err := s.store.run(ctx, openScript, otn, "", now, args...)
	if err != nil {
		s.log.Error("alipay sandbox: trade store", "method", "alipay.trade.page.pay", "err", err)
		return TradeState{}, errSystem()
	}
	// The trade is settled either way: a reservation left behind is never
	// used, and a trade missing from the list is only missing from the
	// index page.
	if r.code != 3 {
		err = s.store.dropTradeNo(ctx, tradeNo)
	} else {
		err = s.store.listed(ctx, otn)
	}
	if err != nil {
		s.log.Warn("alipay sandbox: trade store", "method", "alipay.trade.page.pay", "err", err)
	}
	switch r.code {
	case 2:
		return TradeState{}, bizError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改: out_trade_no reused with another total_amount or subject")
	case 4:
		return TradeState{}, bizError("ACQ.TRADE_HAS_CLOSE", "交易已超时关闭: time_expire "+s.fmtTime(expires)+" has passed")
	case 3:
		s.log.Info("alipay sandbox: trade created", "out_trade_no", otn, "trade_no", tradeNo,
			"total_amount", formatCents(cents), "time_expire", s.fmtTime(expires))
	}
	return r.trade.snapshot(), nil
}

// parseTimeoutExpress reads Alipay's relative timeout: 90m, 2h, 1d, 1c.
func parseTimeoutExpress(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("invalid timeout_express %q", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid timeout_express %q", s)
	}
	switch s[len(s)-1] {
	case 'm':
		return time.Duration(n) * time.Minute, nil
	case 'h':
		return time.Duration(n) * time.Hour, nil
	case 'd', 'c':
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("invalid timeout_express %q", s)
}

// markPaid pays a trade. The payment notification is created (and
// returned when the trade has a notify_url) but not sent; the caller starts
// its delivery. Of instances paying one trade at once, one pays and gets the
// notification; the others get ErrNotPayable with the paid trade.
func (s *Sandbox) markPaid(ctx context.Context, outTradeNo string) (TradeState, *delivery, error) {
	r, err := s.lookup(ctx, queryScript, outTradeNo, "")
	switch {
	case err != nil:
		return TradeState{}, nil, err
	case r.code == 0:
		return TradeState{}, nil, ErrTradeNotFound
	case r.trade.status != StatusWaitBuyerPay:
		return r.trade.snapshot(), nil, fmt.Errorf("%w: %s is %s", ErrNotPayable, outTradeNo, r.trade.status)
	}
	// The notification is signed before the payment is recorded, so the
	// one call that pays stores it with the payment: any instance can
	// resend it. What it signs does not change once a trade is open.
	t := r.trade
	t.status, t.everPaid, t.paid, t.buyerID = StatusSuccess, true, s.now(), "2088"+randomDigits(12)
	values, err := s.notification(t, nil)
	if err != nil {
		return TradeState{}, nil, err
	}
	r, err = s.store.run(ctx, payScript, outTradeNo, t.tradeNo, t.paid, millis(t.paid), t.buyerID, values.Encode())
	switch {
	case err != nil:
		return TradeState{}, nil, err
	case r.code == 0:
		return TradeState{}, nil, ErrTradeNotFound
	case r.code == 2:
		return r.trade.snapshot(), nil, fmt.Errorf("%w: %s is %s", ErrNotPayable, outTradeNo, r.trade.status)
	}
	t = r.trade
	s.log.Info("alipay sandbox: trade paid", "out_trade_no", t.outTradeNo, "trade_no", t.tradeNo,
		"total_amount", formatCents(t.totalCents))
	var d *delivery
	if t.payNotify != nil {
		d = &delivery{outTradeNo: t.outTradeNo, kind: "payment", url: t.notifyURL, values: t.payNotify}
	}
	return t.snapshot(), d, nil
}

// returnURL is the synchronous return: return_url plus the signed parameters
// Alipay appends (verifiable with smartwalle's Client.VerifySign).
func (s *Sandbox) returnURL(st TradeState) (string, error) {
	if st.ReturnURL == "" {
		return "", nil
	}
	u, err := url.Parse(st.ReturnURL)
	if err != nil {
		return "", err
	}
	v := url.Values{}
	v.Set("charset", "utf-8")
	v.Set("out_trade_no", st.OutTradeNo)
	v.Set("method", "alipay.trade.page.pay.return")
	v.Set("total_amount", st.TotalAmount)
	v.Set("trade_no", st.TradeNo)
	v.Set("auth_app_id", s.appID)
	v.Set("version", "1.0")
	v.Set("app_id", s.appID)
	v.Set("seller_id", s.sellerID)
	v.Set("timestamp", s.fmtTime(st.Paid))
	signed, err := signValues(s.key, v)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for k, vs := range signed {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (s *Sandbox) servePagePay(w http.ResponseWriter, r *http.Request, form url.Values) {
	st, e := s.openTrade(r.Context(), form)
	if e != nil {
		status := http.StatusBadRequest
		if e.Code == errSystem().Code {
			status = http.StatusServiceUnavailable
		}
		s.log.Warn("alipay sandbox: refused page pay", "sub_code", e.SubCode, "sub_msg", e.SubMsg)
		s.render(w, status, pageData{Title: "Payment error", Error: e})
		return
	}
	s.render(w, http.StatusOK, s.tradePage(st))
}

func (s *Sandbox) tradePage(st TradeState) pageData {
	d := pageData{Trade: &st, Merchant: s.merchant, AppID: s.appID}
	if !st.Expires.IsZero() {
		d.Expires = s.fmtTime(st.Expires)
	}
	switch {
	case st.Status == StatusWaitBuyerPay:
		d.Title = "Pay " + st.TotalAmount
		d.Payable = true
	case st.Status == StatusSuccess:
		d.Title = "Paid"
		d.Message = "This order has been paid."
	case !st.Paid.IsZero():
		d.Title = "Closed"
		d.Message = "This trade was paid and fully refunded."
	default:
		d.Title = "Closed"
		d.Message = "This trade is closed: it can no longer be paid."
	}
	if !st.Paid.IsZero() {
		d.Paid = s.fmtTime(st.Paid)
	}
	// The signed return URL only once paid: signing is an RSA signature
	// (about 1 ms), and an unpaid page links back unsigned.
	d.BackURL = st.ReturnURL
	if !st.Paid.IsZero() {
		if ru, err := s.returnURL(st); err == nil && ru != "" {
			d.BackURL = ru
		}
	}
	return d
}

// servePay is the Pay button.
func (s *Sandbox) servePay(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	otn := r.PostForm.Get("out_trade_no")
	st, d, err := s.markPaid(r.Context(), otn)
	switch {
	case errors.Is(err, errStore):
		s.log.Error("alipay sandbox: trade store", "method", "pay", "err", err)
		s.render(w, http.StatusServiceUnavailable, pageData{Title: "Payment error", Error: errSystem()})
		return
	case errors.Is(err, ErrTradeNotFound):
		s.render(w, http.StatusNotFound, pageData{Title: "Payment error", Error: errTradeNotExist()})
		return
	case errors.Is(err, ErrNotPayable) && st.Status == StatusSuccess:
		// A second click: no second payment, no second notification.
	case errors.Is(err, ErrNotPayable):
		data := s.tradePage(st)
		data.Error = bizError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭: this trade was closed or has expired and cannot be paid")
		s.render(w, http.StatusConflict, data)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if d != nil {
		first := s.deliverAsync(d, true)
		timer := time.NewTimer(s.firstWait)
		select {
		case <-first:
		case <-timer.C:
		case <-r.Context().Done():
		}
		timer.Stop()
	}
	ru, err := s.returnURL(st)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if ru == "" {
		s.render(w, http.StatusOK, s.tradePage(st))
		return
	}
	http.Redirect(w, r, ru, http.StatusSeeOther)
}

func (s *Sandbox) serveIndex(w http.ResponseWriter, r *http.Request) {
	trades, err := s.store.recent(r.Context())
	if err != nil {
		s.log.Error("alipay sandbox: trade store", "method", "index", "err", err)
		s.render(w, http.StatusServiceUnavailable, pageData{Title: "Trades", Error: errSystem()})
		return
	}
	now := s.now()
	list := make([]TradeState, 0, len(trades))
	for _, t := range trades {
		// Shown as the next look at it will find it; the list only reads.
		if t.status == StatusWaitBuyerPay && !t.expires.IsZero() && !now.Before(t.expires) {
			t.status = StatusClosed
		}
		list = append(list, t.snapshot())
	}
	slices.Reverse(list)
	s.render(w, http.StatusOK, pageData{Title: "Trades", Merchant: s.merchant, AppID: s.appID, List: list, Index: true})
}

type pageData struct {
	Title    string
	Merchant string
	AppID    string
	Trade    *TradeState
	Expires  string
	Paid     string
	Payable  bool
	Message  string
	BackURL  string
	Error    *apiError
	Index    bool
	List     []TradeState
}

func (s *Sandbox) render(w http.ResponseWriter, status int, d pageData) {
	var b strings.Builder
	if err := pageTmpl.Execute(&b, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Alipay sandbox</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f2f4f7;color:#222;margin:0}
header{background:#1677ff;color:#fff;padding:12px 24px;font-weight:600}
header small{font-weight:400;opacity:.85;margin-left:8px}
main{max-width:560px;margin:32px auto;background:#fff;border-radius:8px;padding:24px 32px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
main.wide{max-width:960px}
h1{font-size:20px;margin:0 0 16px}
.amount{font-size:36px;font-weight:700;color:#ff6a00;margin:8px 0 20px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0 0 24px}
dt{color:#666}dd{margin:0;word-break:break-all}
button{background:#1677ff;color:#fff;border:0;border-radius:6px;padding:10px 28px;font-size:16px;cursor:pointer}
a.cancel{margin-left:16px;color:#666}
.msg{padding:10px 14px;border-radius:6px;background:#f6ffed;border:1px solid #b7eb8f;margin-bottom:16px}
.err{padding:10px 14px;border-radius:6px;background:#fff2f0;border:1px solid #ffccc7;margin-bottom:16px}
.err code{display:block;margin-top:6px;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #eee;padding:6px;text-align:left}
footer{text-align:center;color:#999;font-size:12px;margin:16px}
</style>
</head>
<body>
<header>Alipay sandbox<small>local test gateway — no real money moves</small></header>
<main{{if .Index}} class="wide"{{end}}>
{{- if .Error}}
<div class="err"><strong>{{.Error.Code}} {{.Error.Msg}}</strong> — {{.Error.SubCode}}<code>{{.Error.SubMsg}}</code></div>
{{- end}}
{{- if .Index}}
<h1>Trades of app {{.AppID}}</h1>
{{- if .List}}
<table><tr><th>out_trade_no</th><th>trade_no</th><th>status</th><th>amount</th><th>refunded</th><th>notifies (acked/sent)</th></tr>
{{- range .List}}
<tr><td>{{.OutTradeNo}}</td><td>{{.TradeNo}}</td><td>{{.Status}}</td><td>{{.TotalAmount}}</td><td>{{.RefundedAmount}}</td><td>{{.NotifyAcks}}/{{.NotifyAttempts}}</td></tr>
{{- end}}
</table>
{{- else}}<p>No trades yet.</p>{{end}}
{{- else if .Trade}}
{{- with .Trade}}
<h1>{{$.Merchant}}</h1>
<div class="amount">¥{{.TotalAmount}}</div>
<dl>
<dt>Merchant</dt><dd>{{$.Merchant}} (app {{$.AppID}})</dd>
<dt>Subject</dt><dd>{{.Subject}}</dd>
<dt>Order number</dt><dd>{{.OutTradeNo}}</dd>
<dt>Trade number</dt><dd>{{.TradeNo}}</dd>
<dt>Amount</dt><dd>{{.TotalAmount}} CNY</dd>
<dt>Status</dt><dd>{{.Status}}</dd>
{{- if $.Expires}}<dt>Pay before</dt><dd>{{$.Expires}} (Beijing time)</dd>{{end}}
{{- if $.Paid}}<dt>Paid at</dt><dd>{{$.Paid}}</dd>{{end}}
{{- if ne .RefundedAmount "0.00"}}<dt>Refunded</dt><dd>{{.RefundedAmount}}</dd>{{end}}
</dl>
{{- if $.Message}}<div class="msg">{{$.Message}}</div>{{end}}
{{- if $.Payable}}
<form method="post" action="pay">
<input type="hidden" name="out_trade_no" value="{{.OutTradeNo}}">
<button type="submit">Pay ¥{{.TotalAmount}}</button>
<a class="cancel" href="{{if $.BackURL}}{{$.BackURL}}{{else}}./{{end}}">Cancel</a>
</form>
{{- else if $.BackURL}}
<p><a href="{{$.BackURL}}">Back to the merchant</a></p>
{{- end}}
{{- end}}
{{- else if not .Error}}
<p>Nothing here.</p>
{{- end}}
</main>
<footer><a href="./">All sandbox trades</a></footer>
</body>
</html>
`))
