package payment

import (
	"bytes"
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/pricing"
)

// ResultPath is the page the buyer's browser lands on after the pay page,
// when no frontend of its own is configured (-frontend-url).
const ResultPath = "/payments/result"

// resultTimeout bounds the page's one query, which has no request
// deadline of its own.
const resultTimeout = 5 * time.Second

// orderNoRule is every order number the shop issues: anything else names
// no order and costs no query.
var orderNoRule = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)

// ResultPage says whether the order named by ?orderNo= is paid, for the
// buyer coming back from Alipay. An order number is no secret (it is in
// this very URL, in the browser's history, in Alipay's records), so the
// page shows only what the number already tells: the number, whether the
// order is paid and what it costs. Never the buyer, the address or the
// lines. It reads the order's state in the database, never the return's
// parameters: only the notification, confirmPayment or the sweeper record
// a payment. An unknown or malformed number is a 404 page.
func ResultPage(s *Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		no := r.URL.Query().Get("orderNo")
		if !orderNoRule.MatchString(no) {
			renderResult(w, log, http.StatusNotFound, resultPage{Title: "No such order"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), resultTimeout)
		defer cancel()
		o, err := s.publicOrder(ctx, no)
		switch {
		case ent.IsNotFound(err):
			renderResult(w, log, http.StatusNotFound, resultPage{Title: "No such order"})
		case err != nil:
			log.WarnContext(r.Context(), "payment result page: reading the order", "err", err)
			renderResult(w, log, http.StatusServiceUnavailable, resultPage{Title: "Try again", Unavailable: true})
		default:
			renderResult(w, log, http.StatusOK, resultOf(o))
		}
	})
}

// publicOrder reads only the columns the result page may show.
func (s *Service) publicOrder(ctx context.Context, orderNo string) (*ent.OrderInfo, error) {
	return s.db.Client.OrderInfo.Query().
		Where(orderinfo.OrderNo(orderNo)).
		Select(orderinfo.FieldOrderNo, orderinfo.FieldStatus, orderinfo.FieldPayMethod,
			orderinfo.FieldTotalAmount, orderinfo.FieldFreight).
		Only(ctx)
}

// resultPage is everything the template can show.
type resultPage struct {
	Title       string
	OrderNo     string
	Amount      string
	Status      string
	State       string // paid, pending, closed, cash
	Unavailable bool
}

func resultOf(o *ent.OrderInfo) resultPage {
	p := resultPage{OrderNo: o.OrderNo, Amount: pricing.Payable(o.TotalAmount, o.Freight).String(), Status: o.Status.String()}
	switch {
	case o.PayMethod != orderinfo.PayMethodALIPAY:
		p.Title, p.State = "Cash on delivery", "cash"
	case o.Status == orderstate.Unpaid:
		p.Title, p.State = "Waiting for the payment", "pending"
	case o.Status == orderstate.Canceled:
		p.Title, p.State = "Order canceled", "closed"
	default:
		p.Title, p.State = "Order paid", "paid"
	}
	return p
}

func renderResult(w http.ResponseWriter, log *slog.Logger, status int, p resultPage) {
	var b bytes.Buffer
	if err := resultTmpl.Execute(&b, p); err != nil {
		log.Error("payment result page: rendering", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The state changes as the notification arrives; the URL holds the
	// order number, so no referrer carries it elsewhere. The page runs no
	// script and loads nothing.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// resultTmpl is html/template: every value is escaped for where it lands.
// A pending order reloads every few seconds, as Alipay's notification
// usually arrives within one.
var resultTmpl = template.Must(template.New("result").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{- if eq .State "pending"}}
<meta http-equiv="refresh" content="3">
{{- end}}
<title>{{.Title}} · Storefront</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f2f4f7;color:#222;margin:0}
main{max-width:520px;margin:48px auto;background:#fff;border-radius:8px;padding:24px 32px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 16px}
.paid h1{color:#389e0d}.pending h1{color:#d48806}.closed h1{color:#888}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0 0 20px}
dt{color:#666}dd{margin:0;word-break:break-all}
code{background:#f5f5f5;padding:1px 4px;border-radius:3px}
p{line-height:1.5}
</style>
</head>
<body>
<main class="{{.State}}">
<h1>{{.Title}}</h1>
{{- if .OrderNo}}
<dl>
<dt>Order number</dt><dd>{{.OrderNo}}</dd>
<dt>Amount</dt><dd>¥{{.Amount}}</dd>
<dt>Status</dt><dd>{{.Status}}</dd>
</dl>
{{- end}}
{{- if eq .State "paid"}}
<p>The payment is recorded. The order is on its way to being shipped.</p>
{{- else if eq .State "pending"}}
<p>The shop has not heard from Alipay yet. If you have paid, this page shows it as soon as Alipay's notification arrives; it reloads by itself.</p>
<p>No notification can reach the shop? Signed in, ask Alipay directly: <code>mutation { confirmPayment(orderId: "…") { state } }</code> with the order's id.</p>
{{- else if eq .State "closed"}}
<p>This order was canceled. A payment that arrives for it anyway is refunded.</p>
{{- else if eq .State "cash"}}
<p>This order is paid in cash on delivery: there is nothing to pay online.</p>
{{- else if .Unavailable}}
<p>The shop cannot read the order right now. Reload this page in a moment.</p>
{{- else}}
<p>No order has this number.</p>
{{- end}}
</main>
</body>
</html>
`))
