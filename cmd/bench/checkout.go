package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The checkout row: each iteration is one whole checkout as a shopper does
// it, every step over HTTP, paid at the in-process Alipay sandbox the way a
// browser pays at its cashier, so that the sandbox sends the signed notify
// to the server as Alipay would. The iteration is the timed call
// (ops/s = checkouts/s); each step's latency is kept apart by name.

const (
	previewDoc     = `{ checkoutPreview { goodsAmount freight payable address { id } } }`
	placeAlipayDoc = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id orderNo status payable } }`
	payOrderDoc    = `mutation($id: ID!) { payOrder(orderId: $id) { payUrl } }`
	orderStatusDoc = `query($id: ID!) { order(id: $id) { status } }`
)

// The steps of a checkout, in order, as named in the aux samples.
const (
	stepAdd     = "addToCart"
	stepPreview = "checkoutPreview"
	stepPlace   = "placeOrder"
	stepPayURL  = "payOrder"
	stepCashier = "cashier page" // GET of the pay URL: the sandbox opens the trade
	stepPay     = "pay"          // POST of the cashier's form: the sandbox notifies the server
	stepStatus  = "order status" // order(id) until UNSEND
)

var checkoutSteps = []string{stepAdd, stepPreview, stepPlace, stepPayURL, stepCashier, stepPay, stepStatus}

// vendureCheckouts is Vendure 3.7's six-step guest checkouts/s on this kind
// of machine, by shoppers (issue 16), for the ratio column.
var vendureCheckouts = map[int]float64{1: 5.5, 8: 7.8, 32: 9.7}

// The bench's codes for a checkout that went wrong outside GraphQL.
const (
	codeCashier   = "CASHIER" // the sandbox refused the pay URL or the Pay button
	codeNotUnsend = "NOT_UNSEND"
)

// statusPoll bounds how long the last step waits for the notify to land.
// The sandbox's Pay button already waits for the first notify attempt, so
// the first order(id) normally answers UNSEND; more polls mean a notify
// was slow or failed.
const (
	statusPollEvery = 5 * time.Millisecond
	statusPollFor   = 5 * time.Second
)

// cashierForm is the out_trade_no the cashier page's Pay form posts.
var cashierForm = regexp.MustCompile(`name="out_trade_no" value="([^"]+)"`)

// browser is how the bench plays the shopper's browser at the cashier: the
// client's connection pool, but redirects not followed. The Pay button
// answers 303 to the shop's return URL; the order(id) poll stands in for
// the result page the browser would land on.
func (e *env) browser() *http.Client {
	return &http.Client{
		Transport:     e.client.http.Transport,
		Timeout:       e.client.http.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// step runs one step of the timed checkout: its latency is kept under name
// when it succeeds inside the window; a failure comes back as the
// iteration's code, prefixed with the step.
func (w *worker) step(name string, fn func() string) string {
	start := time.Now()
	code := fn()
	if code != "" {
		return name + ": " + code
	}
	if end := time.Now(); w.inWindow(end) {
		w.aux[name] = append(w.aux[name], end.Sub(start))
	}
	return ""
}

func checkoutIter(ctx context.Context, w *worker) {
	c, tok := w.e.client, w.b.Token
	sku := spreadSKU(w)
	br := w.e.browser()
	var (
		ordered bool // placeOrder took the line out of the cart
		orderID string
		payURL  string
		otn     string
	)
	w.timed(func() string {
		if code := w.step(stepAdd, func() string {
			code, _ := c.do(ctx, tok, addToCartDoc, map[string]any{"id": sku.GID}, nil)
			return code
		}); code != "" {
			return code
		}
		if code := w.step(stepPreview, func() string {
			var out struct {
				CheckoutPreview struct{ Address *struct{ ID string } }
			}
			if code, _ := c.do(ctx, tok, previewDoc, nil, &out); code != "" {
				return code
			}
			if out.CheckoutPreview.Address == nil {
				return "NO_ADDRESS"
			}
			return ""
		}); code != "" {
			return code
		}
		key := fmt.Sprintf("bench-%s-%d", w.e.runID, orderSeq.Add(1))
		if code := w.step(stepPlace, func() string {
			var out struct{ PlaceOrder struct{ ID, Status string } }
			code, _ := c.do(ctx, tok, placeAlipayDoc, map[string]any{"in": map[string]any{
				"addressId": w.b.AddressID, "payMethod": "ALIPAY", "idempotencyKey": key,
			}}, &out)
			if code == "" {
				ordered, orderID = true, out.PlaceOrder.ID
			}
			return code
		}); code != "" {
			return code
		}
		if code := w.step(stepPayURL, func() string {
			var out struct{ PayOrder struct{ PayURL string } }
			code, _ := c.do(ctx, tok, payOrderDoc, map[string]any{"id": orderID}, &out)
			payURL = out.PayOrder.PayURL
			return code
		}); code != "" {
			return code
		}
		if code := w.step(stepCashier, func() string {
			page, code := browse(ctx, br, http.MethodGet, payURL, nil, http.StatusOK)
			if code != "" {
				return code
			}
			m := cashierForm.FindStringSubmatch(page)
			if m == nil {
				return codeCashier
			}
			otn = m[1]
			return ""
		}); code != "" {
			return code
		}
		if code := w.step(stepPay, func() string {
			payAt, err := url.Parse(payURL)
			if err != nil {
				return codeCashier
			}
			// The form's action is "pay", relative to the cashier page.
			payAt = payAt.ResolveReference(&url.URL{Path: "pay"})
			_, code := browse(ctx, br, http.MethodPost, payAt.String(), url.Values{"out_trade_no": {otn}}, http.StatusSeeOther)
			return code
		}); code != "" {
			return code
		}
		return w.step(stepStatus, func() string { return awaitUnsend(ctx, w, orderID) })
	})
	if !ordered {
		// A line that was never ordered stays in the cart: take it out, or
		// the next checkouts would order it too.
		w.untimed("removeCartLines", func() string {
			code, _ := c.do(ctx, tok, removeDoc, map[string]any{"ids": []string{sku.GID}}, nil)
			return code
		})
	}
}

// awaitUnsend reads the order until the notify has moved it to UNSEND.
func awaitUnsend(ctx context.Context, w *worker, orderID string) string {
	deadline := time.Now().Add(statusPollFor)
	for {
		var out struct{ Order *struct{ Status string } }
		if code, _ := w.e.client.do(ctx, w.b.Token, orderStatusDoc, map[string]any{"id": orderID}, &out); code != "" {
			return code
		}
		if out.Order != nil && out.Order.Status == "UNSEND" {
			return ""
		}
		if time.Now().After(deadline) {
			return codeNotUnsend
		}
		time.Sleep(statusPollEvery)
	}
}

// browse makes one browser request at the sandbox and returns the body;
// any status but want is codeCashier.
func browse(ctx context.Context, br *http.Client, method, target string, form url.Values, want int) (string, string) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return "", codeTransport
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := br.Do(req)
	if err != nil {
		return "", codeTransport
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", codeTransport
	}
	if res.StatusCode != want {
		return "", codeCashier
	}
	return string(b), ""
}

// printCheckout shows each checkout cell beside Vendure, with the p50 of
// every step and the CPU each checkout cost.
func printCheckout(w io.Writer, results []*cellResult) {
	var rows []*cellResult
	for _, r := range results {
		if r.sc.key == "checkout" && len(r.samples) > 0 {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "checkout: p50 of each step; x Vendure = checkouts/s over Vendure 3.7's guest checkouts/s at as many shoppers;")
	fmt.Fprintln(w, "CPU ms/checkout = cores x window / checkouts, of the bench process (server, sandbox and client), MariaDB and Redis")
	fmt.Fprintf(w, "%5s %10s %9s", "conc", "checkout/s", "x Vendure")
	heads := []string{"add", "preview", "place", "payOrder", "cashier", "pay", "status"}
	for _, h := range heads {
		fmt.Fprintf(w, " %8s", h)
	}
	fmt.Fprintf(w, "  %s\n", "CPU ms/checkout bench/db/rds")
	for _, r := range rows {
		ratio := "-"
		if v := vendureCheckouts[r.conc]; v > 0 {
			ratio = fmt.Sprintf("%.0f", r.opsPerSec()/v)
		}
		fmt.Fprintf(w, "%5d %10.1f %9s", r.conc, r.opsPerSec(), ratio)
		for _, s := range checkoutSteps {
			fmt.Fprintf(w, " %8s", formatAux(r, s))
		}
		fmt.Fprintf(w, "  %s\n", formatCPUPerOp(r))
	}
}

// formatCPUPerOp is the CPU time of each process per timed call, in ms.
func formatCPUPerOp(r *cellResult) string {
	if !r.cpu.ok || len(r.samples) == 0 {
		return ""
	}
	per := func(cores float64) float64 {
		return cores * r.wall.Seconds() / float64(len(r.samples)) * 1000
	}
	s := fmt.Sprintf("%.2f/%.2f/%.2f", per(r.cpu.bench), per(r.cpu.db), per(r.cpu.redis))
	if r.cpu.disturbed() {
		s += "*"
	}
	return s
}
