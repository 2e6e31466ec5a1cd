package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/smartwalle/alipay/v3"

	"github.com/storefront/storefront/internal/money"
)

// TradeStatus is where a trade stands at Alipay.
type TradeStatus int

const (
	TradeWaiting  TradeStatus = iota // created, not paid
	TradePaid                        // TRADE_SUCCESS or TRADE_FINISHED
	TradeClosed                      // closed, or refunded in full
	TradeNotFound                    // Alipay has never seen it (no one opened the pay page)
)

// Trade is Alipay's view of one order's trade.
type Trade struct {
	OutTradeNo string
	TradeNo    string
	Status     TradeStatus
	Amount     money.Fen
	AppID      string
	// SellerID is the account paid (notifications only: Alipay's query
	// answer does not carry it).
	SellerID string
	PaidAt   time.Time
}

// PagePay is what a pay page needs to show.
type PagePay struct {
	OutTradeNo string
	Amount     money.Fen
	Subject    string
	ExpiresAt  time.Time
}

// Gateway is what the payment service needs of Alipay. AlipayGateway is
// the real one (pointed at Alipay or at the offline sandbox).
type Gateway interface {
	PagePayURL(p PagePay) (string, error)
	Query(ctx context.Context, outTradeNo string) (Trade, error)
	Close(ctx context.Context, outTradeNo string) error
	Refund(ctx context.Context, outTradeNo string, amount money.Fen, requestNo string) error
	// Notification verifies a notification's signature and decodes it.
	Notification(ctx context.Context, form url.Values) (Trade, error)
	// VerifyReturn verifies the browser's return from the pay page.
	VerifyReturn(ctx context.Context, form url.Values) (outTradeNo string, err error)
}

// AlipayConfig configures the client.
type AlipayConfig struct {
	AppID         string
	AppPrivateKey string // PEM
	AlipayPubKey  string // PEM
	// Gateway is the gateway URL; empty means Alipay's production gateway.
	Gateway    string
	Production bool
	NotifyURL  string
	ReturnURL  string
	// Timeout bounds each call to Alipay (0: DefaultAlipayTimeout).
	Timeout time.Duration
}

// DefaultAlipayTimeout bounds a call to Alipay when AlipayConfig sets no
// Timeout. The SDK's own client (http.DefaultClient) has none, and the
// expiry sweeper calls without a deadline: a gateway that accepted and went
// silent would stall it for good.
const DefaultAlipayTimeout = 10 * time.Second

// AlipayGateway talks to Alipay (or the sandbox) with smartwalle/alipay.
type AlipayGateway struct {
	client *alipay.Client
	cfg    AlipayConfig
}

// NewAlipayGateway returns a gateway with RSA2 keys loaded.
func NewAlipayGateway(cfg AlipayConfig) (*AlipayGateway, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultAlipayTimeout
	}
	opts := []alipay.OptionFunc{alipay.WithHTTPClient(&http.Client{Timeout: timeout})}
	if cfg.Gateway != "" {
		if cfg.Production {
			opts = append(opts, alipay.WithProductionGateway(cfg.Gateway))
		} else {
			opts = append(opts, alipay.WithSandboxGateway(cfg.Gateway))
		}
	}
	c, err := alipay.New(cfg.AppID, cfg.AppPrivateKey, cfg.Production, opts...)
	if err != nil {
		return nil, fmt.Errorf("payment: alipay client: %w", err)
	}
	if err := c.LoadAliPayPublicKey(cfg.AlipayPubKey); err != nil {
		return nil, fmt.Errorf("payment: alipay public key: %w", err)
	}
	return &AlipayGateway{client: c, cfg: cfg}, nil
}

// alipayTime is the gateway's time format, in China Standard Time.
const alipayTime = "2006-01-02 15:04:05"

var cst = time.FixedZone("CST", 8*3600)

// PagePayURL builds the signed page-pay URL; no HTTP call is made.
func (g *AlipayGateway) PagePayURL(p PagePay) (string, error) {
	u, err := g.client.TradePagePay(alipay.TradePagePay{Trade: alipay.Trade{
		NotifyURL:   g.cfg.NotifyURL,
		ReturnURL:   g.cfg.ReturnURL,
		Subject:     p.Subject,
		OutTradeNo:  p.OutTradeNo,
		TotalAmount: p.Amount.String(),
		ProductCode: "FAST_INSTANT_TRADE_PAY",
		TimeExpire:  p.ExpiresAt.In(cst).Format(alipayTime),
	}})
	if err != nil {
		return "", fmt.Errorf("payment: page pay: %w", err)
	}
	return u.String(), nil
}

func status(s alipay.TradeStatus) TradeStatus {
	switch s {
	case alipay.TradeStatusSuccess, alipay.TradeStatusFinished:
		return TradePaid
	case alipay.TradeStatusClosed:
		return TradeClosed
	}
	return TradeWaiting
}

// errGateway marks answers that are not a business result (network,
// signature, system errors): the caller tries again later.
var errGateway = errors.New("payment: alipay did not answer")

// Query asks Alipay where a trade stands.
func (g *AlipayGateway) Query(ctx context.Context, outTradeNo string) (Trade, error) {
	rsp, err := g.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: outTradeNo})
	if err != nil {
		return Trade{}, fmt.Errorf("%w: query %s: %v", errGateway, outTradeNo, err)
	}
	if !rsp.IsSuccess() {
		if rsp.SubCode == "ACQ.TRADE_NOT_EXIST" {
			return Trade{OutTradeNo: outTradeNo, Status: TradeNotFound}, nil
		}
		return Trade{}, fmt.Errorf("%w: query %s: %s %s", errGateway, outTradeNo, rsp.Code, rsp.SubCode)
	}
	amount, err := money.Parse(rsp.TotalAmount)
	if err != nil {
		return Trade{}, fmt.Errorf("%w: query %s: amount %q", errGateway, outTradeNo, rsp.TotalAmount)
	}
	t := Trade{OutTradeNo: rsp.OutTradeNo, TradeNo: rsp.TradeNo, Status: status(rsp.TradeStatus), Amount: amount, AppID: g.cfg.AppID}
	if paid, err := time.ParseInLocation(alipayTime, rsp.SendPayDate, cst); err == nil {
		t.PaidAt = paid
	}
	return t, nil
}

// Close closes an unpaid trade. A trade Alipay never saw is as good as closed.
func (g *AlipayGateway) Close(ctx context.Context, outTradeNo string) error {
	rsp, err := g.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: outTradeNo})
	if err != nil {
		return fmt.Errorf("%w: close %s: %v", errGateway, outTradeNo, err)
	}
	if !rsp.IsSuccess() && rsp.SubCode != "ACQ.TRADE_NOT_EXIST" {
		return fmt.Errorf("%w: close %s: %s %s", errGateway, outTradeNo, rsp.Code, rsp.SubCode)
	}
	return nil
}

// Refund returns amount of a paid trade; requestNo makes a repeated call
// refund once.
func (g *AlipayGateway) Refund(ctx context.Context, outTradeNo string, amount money.Fen, requestNo string) error {
	rsp, err := g.client.TradeRefund(ctx, alipay.TradeRefund{
		OutTradeNo: outTradeNo, RefundAmount: amount.String(), OutRequestNo: requestNo,
		RefundReason: "order canceled before payment arrived",
	})
	if err != nil {
		return fmt.Errorf("%w: refund %s: %v", errGateway, outTradeNo, err)
	}
	if !rsp.IsSuccess() {
		return fmt.Errorf("%w: refund %s: %s %s", errGateway, outTradeNo, rsp.Code, rsp.SubCode)
	}
	return nil
}

// Notification verifies and decodes an asynchronous notification.
func (g *AlipayGateway) Notification(ctx context.Context, form url.Values) (Trade, error) {
	// The SDK verifies SHA256withRSA whatever sign_type says (sign_type is
	// outside the signed content): a notification claiming another scheme
	// is not one Alipay sends this app, so it is refused before anything.
	if st := form.Get("sign_type"); st != "RSA2" {
		return Trade{}, fmt.Errorf("payment: notification sign_type %q, not RSA2", st)
	}
	n, err := g.client.DecodeNotification(ctx, form)
	if err != nil {
		return Trade{}, fmt.Errorf("payment: notification: %w", err)
	}
	amount, err := money.Parse(n.TotalAmount)
	if err != nil {
		return Trade{}, fmt.Errorf("payment: notification amount %q", n.TotalAmount)
	}
	t := Trade{OutTradeNo: n.OutTradeNo, TradeNo: n.TradeNo, Status: status(n.TradeStatus), Amount: amount, AppID: n.AppId, SellerID: n.SellerId}
	if paid, err := time.ParseInLocation(alipayTime, n.GmtPayment, cst); err == nil {
		t.PaidAt = paid
	}
	return t, nil
}

// VerifyReturn checks the signature of the pay page's return redirect.
func (g *AlipayGateway) VerifyReturn(ctx context.Context, form url.Values) (string, error) {
	if err := g.client.VerifySign(ctx, form); err != nil {
		return "", fmt.Errorf("payment: return: %w", err)
	}
	return form.Get("out_trade_no"), nil
}
