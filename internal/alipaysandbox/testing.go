package alipaysandbox

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// Helpers for other packages' tests. They act on the same state as the HTTP
// gateway (the trades in Redis, shared with every sandbox on the prefix).

// OpenPayURL does what a browser opening the page-pay URL (from the client's
// TradePagePay) does, without HTTP: verify it and create the trade. It
// returns the out_trade_no.
func (s *Sandbox) OpenPayURL(payURL string) (string, error) {
	u, err := url.Parse(payURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	if m := q.Get("method"); m != "alipay.trade.page.pay" {
		return "", fmt.Errorf("alipaysandbox: not a page-pay URL (method %q)", m)
	}
	st, e := s.openTrade(context.Background(), q)
	if e != nil {
		return "", fmt.Errorf("alipaysandbox: %w", e)
	}
	return st.OutTradeNo, nil
}

// Pay is clicking Pay on the trade's page (which must have been opened, over
// HTTP or with OpenPayURL): the trade becomes TRADE_SUCCESS and the
// notification is sent — the first attempt before Pay returns, resends in the
// background per the schedule while the app does not answer "success".
// A trade that is paid, closed or expired gives ErrNotPayable.
func (s *Sandbox) Pay(outTradeNo string) (tradeNo string, err error) {
	st, d, err := s.markPaid(context.Background(), outTradeNo)
	if err != nil {
		return st.TradeNo, err
	}
	if d != nil {
		<-s.deliverAsync(d, true)
	}
	return st.TradeNo, nil
}

// PayWithoutNotify pays the trade at the gateway but loses the notification:
// nothing is sent (Resend can still deliver it late). For confirmPayment
// (TradeQuery) tests.
func (s *Sandbox) PayWithoutNotify(outTradeNo string) (tradeNo string, err error) {
	st, _, err := s.markPaid(context.Background(), outTradeNo)
	return st.TradeNo, err
}

// Resend sends the trade's payment notification again, now, identical to the
// first one (same notify_id and signature), and waits for the answer. It
// returns an error unless the app answers "success". Any instance can
// resend a trade another one paid.
func (s *Sandbox) Resend(outTradeNo string) error {
	t, err := s.tradeOf(outTradeNo)
	switch {
	case err != nil:
		return err
	case t == nil:
		return ErrTradeNotFound
	case t.payNotify == nil:
		return fmt.Errorf("alipaysandbox: %s has no payment notification (unpaid, or no notify_url)", outTradeNo)
	}
	d := &delivery{outTradeNo: t.outTradeNo, kind: "payment", url: t.notifyURL, values: t.payNotify}
	if !s.attempt(d, true) {
		return errors.New("alipaysandbox: the app did not answer \"success\" to the notification")
	}
	return nil
}

// Trade returns a snapshot of a trade; false when there is none, or when
// Redis did not answer (logged).
func (s *Sandbox) Trade(outTradeNo string) (TradeState, bool) {
	t, err := s.tradeOf(outTradeNo)
	if err != nil {
		s.log.Error("alipay sandbox: trade store", "method", "Trade", "err", err)
	}
	if t == nil {
		return TradeState{}, false
	}
	return t.snapshot(), true
}

// Notification returns the trade's genuine payment notification (signed form
// fields as POSTed to notify_url), e.g. to alter a copy and re-sign it with
// SignedNotification.
func (s *Sandbox) Notification(outTradeNo string) (url.Values, bool) {
	t, err := s.tradeOf(outTradeNo)
	if err != nil {
		s.log.Error("alipay sandbox: trade store", "method", "Notification", "err", err)
	}
	if t == nil || t.payNotify == nil {
		return nil, false
	}
	return t.payNotify, true
}

func (s *Sandbox) tradeOf(outTradeNo string) (*trade, error) {
	if outTradeNo == "" {
		return nil, nil
	}
	r, err := s.store.run(context.Background(), queryScript, outTradeNo, "", s.now())
	if err != nil || r.code == 0 {
		return nil, err
	}
	return r.trade, nil
}

// SignedNotification signs fields with the sandbox key the way Alipay signs a
// notification (every field but sign and sign_type; sign_type defaults to
// RSA2), so tests can forge a validly signed notification — e.g. with a
// wrong total_amount. It adds no other field.
func (s *Sandbox) SignedNotification(fields url.Values) url.Values {
	out, err := signValues(s.key, fields)
	if err != nil {
		panic(fmt.Sprintf("alipaysandbox: signing: %v", err))
	}
	return out
}
