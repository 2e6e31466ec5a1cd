// Package payment takes Alipay payments for orders. Its promises: a paid
// order is never lost (the notification, confirmPayment and the expiry
// sweeper all record a payment the same way), a payment is never recorded
// twice (the provider's trade number is unique), and no call to Alipay runs
// inside a database transaction.
//
// Recording a payment is one transaction: insert the Payment row, then move
// the order UNPAID -> UNSEND (an order.Transition). If the order was
// canceled meanwhile (the buyer paid at the last second, the sweeper was
// faster), the same transaction records that the payment is owed back
// (refund_no, a request number derived from the trade number). The refund
// itself is asked of Alipay after the commit by whoever claims it first (a
// conditional update, refund_requested_at, held for refundLease), so
// concurrent deliveries make one call; a refund whose call failed stays owed
// and is finished by the next delivery, confirmPayment or the sweeper, always
// with the same request number, which Alipay refunds once.
package payment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	entpayment "github.com/storefront/storefront/ent/payment"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/periodic"
	"github.com/storefront/storefront/internal/pricing"
)

// Orders is what payments need of the order service.
type Orders interface {
	// CancelUnpaid cancels an UNPAID order and puts its stock back, once:
	// nil when this call did it, ORDER_STATE when the order had left
	// UNPAID.
	CancelUnpaid(ctx context.Context, orderID int) error
	// OrderRow returns the user's order, or NOT_FOUND.
	OrderWithoutLines(ctx context.Context, userID, orderID int) (*ent.OrderInfo, error)
}

// Service takes payments.
type Service struct {
	db      *database.DB
	gateway Gateway
	orders  Orders
	appID   string
	// sellerID, when set, is the merchant's Alipay user id: a notification
	// paid to another account is refused.
	sellerID string
	log      *slog.Logger
	now      func() time.Time
	counts   counters
}

// counters are what Stats reports; see there.
type counters struct {
	recorded, duplicates, refundOwed atomic.Int64
	notifies                         [numNotifyOutcomes]atomic.Int64
	refunds, refundFailures          atomic.Int64
	sweeps, sweepFailures, expired   atomic.Int64
}

// What a notification led to, for Stats.
type notifyOutcome int

const (
	notifyRecorded notifyOutcome = iota
	notifyDuplicate
	notifyRefunded
	notifyNotPaid // WAIT_BUYER_PAY, TRADE_CLOSED: nothing to record
	notifyForged
	notifyFailed // not recorded for now: Alipay resends
	numNotifyOutcomes
)

var notifyOutcomeNames = [numNotifyOutcomes]string{"recorded", "duplicate", "refunded", "not_paid", "forged", "failed"}

// Stats are the service's counters since it started.
type Stats struct {
	// Recorded payments moved their order to UNSEND; Duplicates were
	// recorded before; RefundOwed paid an order that had been canceled.
	Recorded, Duplicates, RefundOwed int64
	// Notifies counts Alipay's notifications by what they led to:
	// recorded, duplicate, refunded, not_paid, forged, failed.
	Notifies map[string]int64
	// Refunds Alipay confirmed, and refund calls that failed (still owed).
	Refunds, RefundFailures int64
	// Sweeps run, those that met an error, and expired orders canceled.
	Sweeps, SweepFailures, Expired int64
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	c := &s.counts
	st := Stats{
		Recorded: c.recorded.Load(), Duplicates: c.duplicates.Load(), RefundOwed: c.refundOwed.Load(),
		Notifies: make(map[string]int64, numNotifyOutcomes),
		Refunds:  c.refunds.Load(), RefundFailures: c.refundFailures.Load(),
		Sweeps: c.sweeps.Load(), SweepFailures: c.sweepFailures.Load(), Expired: c.expired.Load(),
	}
	for o := range numNotifyOutcomes {
		st.Notifies[notifyOutcomeNames[o]] = c.notifies[o].Load()
	}
	return st
}

// New returns the payment service. sellerID may be empty (not checked).
func New(db *database.DB, gateway Gateway, orders Orders, appID, sellerID string, log *slog.Logger) *Service {
	return &Service{db: db, gateway: gateway, orders: orders, appID: appID, sellerID: sellerID, log: log, now: time.Now}
}

// refundLease is how long a claim to ask Alipay for a refund keeps others
// from asking too: longer than a refund call takes, so a live claimant is
// never doubled, short enough that a crashed one's refund is retried soon.
const refundLease = 2 * time.Minute

func errState(format string, args ...any) error {
	return apperr.New(apperr.CodeOrderState, format, args...)
}

// usersAlipayOrder returns the user's ALIPAY order or NOT_FOUND.
func (s *Service) usersAlipayOrder(ctx context.Context, userID, orderID int) (*ent.OrderInfo, error) {
	o, err := s.orders.OrderWithoutLines(ctx, userID, orderID)
	if err != nil {
		return nil, err
	}
	if o.PayMethod != orderinfo.PayMethodALIPAY {
		return nil, errState("this order is paid in cash on delivery")
	}
	return o, nil
}

// PayURL returns the Alipay page where the user pays an UNPAID order.
func (s *Service) PayURL(ctx context.Context, userID, orderID int) (string, *ent.OrderInfo, error) {
	o, err := s.usersAlipayOrder(ctx, userID, orderID)
	if err != nil {
		return "", nil, err
	}
	if o.Status != orderstate.Unpaid {
		return "", nil, errState("the order is %s, not UNPAID", o.Status)
	}
	if o.ExpiresAt == nil || !s.now().Before(*o.ExpiresAt) {
		return "", nil, errState("the time to pay this order has run out")
	}
	u, err := s.gateway.PagePayURL(PagePay{
		OutTradeNo: o.OrderNo,
		Amount:     pricing.Payable(o.TotalAmount, o.Freight),
		Subject:    "Storefront order " + o.OrderNo,
		ExpiresAt:  *o.ExpiresAt,
	})
	return u, o, err
}

// Outcome says what recording a paid trade did.
type Outcome int

const (
	Recorded  Outcome = iota // the order moved to UNSEND
	Duplicate                // this trade was recorded before: nothing changed
	Refunded                 // the order was canceled: the money went back
)

// ErrForged covers notifications that must change nothing: bad signature,
// a sign_type other than RSA2, another app or seller, an unknown order, a
// wrong amount.
var ErrForged = errors.New("payment: notification refused")

// HandleNotification processes Alipay's asynchronous notification. A nil
// error means answer "success" (also for duplicates and for states that need
// nothing); any error means "failure" and Alipay will send it again.
func (s *Service) HandleNotification(ctx context.Context, form url.Values) error {
	outcome, err := s.handleNotification(ctx, form)
	s.counts.notifies[outcome].Add(1)
	return err
}

func (s *Service) handleNotification(ctx context.Context, form url.Values) (notifyOutcome, error) {
	t, err := s.gateway.Notification(ctx, form)
	if err != nil {
		return notifyForged, fmt.Errorf("%w: %v", ErrForged, err)
	}
	if t.AppID != s.appID {
		return notifyForged, fmt.Errorf("%w: app_id %q is not ours", ErrForged, t.AppID)
	}
	if s.sellerID != "" && t.SellerID != s.sellerID {
		return notifyForged, fmt.Errorf("%w: seller_id %q is not ours", ErrForged, t.SellerID)
	}
	if t.Status != TradePaid {
		return notifyNotPaid, nil // WAIT_BUYER_PAY, TRADE_CLOSED: nothing to record
	}
	outcome, err := s.Record(ctx, t)
	switch {
	case errors.Is(err, ErrForged):
		return notifyForged, err
	case err != nil:
		return notifyFailed, err
	case outcome == Duplicate:
		return notifyDuplicate, nil
	case outcome == Refunded:
		return notifyRefunded, nil
	}
	return notifyRecorded, nil
}

// Record records a paid trade for its order. It is idempotent by trade
// number and safe to call from any number of places at once.
func (s *Service) Record(ctx context.Context, t Trade) (Outcome, error) {
	o, err := s.db.Client.OrderInfo.Query().Where(orderinfo.OrderNo(t.OutTradeNo)).Only(ctx)
	if ent.IsNotFound(err) {
		return 0, fmt.Errorf("%w: unknown out_trade_no %q", ErrForged, t.OutTradeNo)
	}
	if err != nil {
		return 0, err
	}
	if o.PayMethod != orderinfo.PayMethodALIPAY || t.Amount != pricing.Payable(o.TotalAmount, o.Freight) || t.TradeNo == "" {
		return 0, fmt.Errorf("%w: order %s costs %s, paid %s", ErrForged, o.OrderNo, pricing.Payable(o.TotalAmount, o.Freight), t.Amount)
	}
	paidAt := t.PaidAt
	if paidAt.IsZero() {
		paidAt = s.now()
	}
	moved := false
	err = s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		p, err := tx.Payment.Create().
			SetOrderID(o.ID).SetProvider(entpayment.ProviderALIPAY).SetTradeNo(t.TradeNo).
			SetAmount(t.Amount).SetPaidAt(paidAt).Save(ctx)
		if err != nil {
			return err
		}
		paid := order.Transition{OrderID: o.ID, From: []orderstate.Status{orderstate.Unpaid}, To: orderstate.Unsend,
			Set: func(u *ent.OrderInfoUpdate) { u.SetPaidAt(paidAt).SetTradeNo(t.TradeNo) }}
		err = paid.Apply(ctx, tx.Client())
		moved = err == nil
		if moved || apperr.CodeOf(err) != apperr.CodeOrderState {
			return err
		}
		// The order left UNPAID: the money is owed back, recorded with
		// the payment so that no crash can forget it.
		return tx.Payment.UpdateOne(p).SetRefundNo(refundNo(t.TradeNo)).Exec(ctx)
	})
	switch {
	case err != nil && database.IsUniqueViolation(err):
		// Recorded before (the unique violation comes once the first
		// recorder committed). If it still owes a refund, this delivery
		// is a chance to finish it.
		s.counts.duplicates.Add(1)
		return Duplicate, s.finishRefund(ctx, t.TradeNo)
	case err != nil:
		return 0, err
	case moved:
		s.counts.recorded.Add(1)
		s.log.InfoContext(ctx, "order paid", "order", o.OrderNo, "trade", t.TradeNo)
		return Recorded, nil
	}
	// Paid, but the order had left UNPAID (canceled): give the money back.
	s.counts.refundOwed.Add(1)
	s.log.WarnContext(ctx, "payment for an order that is no longer unpaid; refunding", "order", o.OrderNo, "trade", t.TradeNo)
	return Refunded, s.finishRefund(ctx, t.TradeNo)
}

// refundNo is the refund's out_request_no: derived from the trade number,
// so every attempt asks for the same refund and Alipay pays it once.
func refundNo(tradeNo string) string { return "refund-" + tradeNo }

// finishRefund sees a recorded payment's refund through, if it owes one and
// nobody else is asking Alipay for it right now. A nil error means the
// refund is done, not owed, or owed durably and claimed by another caller
// (who, or failing that the sweeper, finishes it); an error means this
// caller's call to Alipay failed and the refund is still owed.
func (s *Service) finishRefund(ctx context.Context, tradeNo string) error {
	p, err := s.db.Client.Payment.Query().Where(entpayment.TradeNo(tradeNo)).WithOrder().Only(ctx)
	if err != nil {
		return err
	}
	return s.refund(ctx, p, p.Edges.Order.OrderNo)
}

// refund claims p's owed refund, asks Alipay once and records the answer.
func (s *Service) refund(ctx context.Context, p *ent.Payment, orderNo string) error {
	if p.RefundNo == nil || p.RefundedAt != nil {
		return nil // the order kept this payment, or it was refunded already
	}
	// Microseconds: what the datetime(6) column keeps, so the release below
	// matches the claim exactly.
	claimed := s.now().UTC().Truncate(time.Microsecond)
	n, err := s.db.Client.Payment.Update().
		Where(entpayment.ID(p.ID), entpayment.RefundedAtIsNil(), entpayment.Or(
			entpayment.RefundRequestedAtIsNil(),
			entpayment.RefundRequestedAtLT(claimed.Add(-refundLease)),
		)).
		SetRefundRequestedAt(claimed).
		Save(ctx)
	if err != nil || n == 0 {
		return err // n == 0: done, or another caller holds the claim
	}
	if err := s.gateway.Refund(ctx, orderNo, p.Amount, *p.RefundNo); err != nil {
		// Whether Alipay did it is unknown: give the claim back so the next
		// caller asks again (same request number) without waiting out the
		// lease. The refund stays owed either way.
		if rerr := s.db.Client.Payment.Update().
			Where(entpayment.ID(p.ID), entpayment.RefundRequestedAtEQ(claimed)).
			ClearRefundRequestedAt().
			Exec(context.WithoutCancel(ctx)); rerr != nil {
			err = errors.Join(err, rerr)
		}
		s.counts.refundFailures.Add(1)
		return fmt.Errorf("payment: refund %s of order %s is owed: %w", *p.RefundNo, orderNo, err)
	}
	if err := s.db.Client.Payment.UpdateOneID(p.ID).SetRefundedAt(s.now()).Exec(ctx); err != nil {
		return err // still owed in the database; a later call asks Alipay again, harmlessly
	}
	s.counts.refunds.Add(1)
	s.log.InfoContext(ctx, "payment refunded", "order", orderNo, "refund", *p.RefundNo)
	return nil
}

// owedRefunds finishes up to limit refunds that are owed and not claimed:
// those whose every caller failed at Alipay, or stopped being asked (Alipay
// read "success" from a delivery that found the refund claimed, and that
// claimant then failed or crashed).
func (s *Service) owedRefunds(ctx context.Context, limit int) error {
	ps, err := s.db.Client.Payment.Query().
		Where(entpayment.RefundedAtIsNil(), entpayment.RefundNoNotNil(), entpayment.Or(
			entpayment.RefundRequestedAtIsNil(),
			entpayment.RefundRequestedAtLT(s.now().Add(-refundLease)),
		)).
		WithOrder().
		Limit(limit).
		All(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range ps {
		errs = append(errs, s.refund(ctx, p, p.Edges.Order.OrderNo))
	}
	return errors.Join(errs...)
}

// Confirmation is what confirmPayment found.
type Confirmation int

const (
	Paid    Confirmation = iota // recorded (now or before)
	Pending                     // not paid yet
	Closed                      // the trade or the order is closed
)

// Confirm asks Alipay about an order when no notification can arrive (a
// firewall, a local setup) and records the payment as a notification would.
func (s *Service) Confirm(ctx context.Context, userID, orderID int) (Confirmation, *ent.OrderInfo, error) {
	o, err := s.usersAlipayOrder(ctx, userID, orderID)
	if err != nil {
		return 0, nil, err
	}
	switch o.Status {
	case orderstate.Unpaid:
	case orderstate.Canceled:
		// A payment that came too late may still be owed back: the buyer
		// asking is a chance to finish it (the sweeper would, later).
		if err := s.orderRefunds(ctx, o); err != nil {
			s.log.WarnContext(ctx, "refund still owed; the sweeper retries", "order", o.OrderNo, "err", err)
		}
		return Closed, o, nil
	default:
		return Paid, o, nil
	}
	t, err := s.gateway.Query(ctx, o.OrderNo)
	if err != nil {
		return 0, nil, apperr.New(apperr.CodePaymentFailed, "Alipay cannot be reached; try again shortly")
	}
	switch t.Status {
	case TradePaid:
		outcome, err := s.Record(ctx, t)
		if errors.Is(err, ErrForged) {
			// Alipay's signed answer disagrees with the order (amount,
			// trade): nothing is recorded, and someone must look.
			s.log.ErrorContext(ctx, "confirmPayment: Alipay's answer does not match the order; nothing recorded", "order", o.OrderNo, "err", err)
			return 0, nil, apperr.New(apperr.CodePaymentFailed, "Alipay's record of this payment does not match the order; it was not recorded")
		}
		if err != nil {
			return 0, nil, err
		}
		o, err = s.db.Client.OrderInfo.Get(ctx, o.ID)
		if err != nil {
			return 0, nil, err
		}
		if outcome == Refunded {
			return Closed, o, nil
		}
		return Paid, o, nil
	case TradeClosed:
		return Closed, o, nil
	}
	return Pending, o, nil
}

// orderRefunds finishes the refunds o's payments owe.
func (s *Service) orderRefunds(ctx context.Context, o *ent.OrderInfo) error {
	ps, err := s.db.Client.Payment.Query().
		Where(entpayment.OrderID(o.ID), entpayment.RefundNoNotNil(), entpayment.RefundedAtIsNil()).
		All(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range ps {
		errs = append(errs, s.refund(ctx, p, o.OrderNo))
	}
	return errors.Join(errs...)
}

// Expired returns ALIPAY orders past their expiry that are still UNPAID.
func (s *Service) expired(ctx context.Context, limit int) ([]*ent.OrderInfo, error) {
	return s.db.Client.OrderInfo.Query().
		Where(orderinfo.StatusEQ(orderstate.Unpaid), orderinfo.ExpiresAtLT(s.now())).
		Order(ent.Asc(orderinfo.FieldExpiresAt)).
		Limit(limit).
		All(ctx)
}

// Sweep settles up to limit expired orders: paid at Alipay → recorded;
// otherwise the trade is closed and the order canceled with its stock put
// back. It also finishes up to limit owed refunds nobody is asking for. Any
// number of instances may sweep at once: the cancel is a conditional update,
// so the stock comes back once, and a refund is claimed before it is asked.
// It returns how many orders it canceled.
func (s *Service) Sweep(ctx context.Context, limit int) (int, error) {
	canceled, err := s.sweep(ctx, limit)
	s.counts.sweeps.Add(1)
	s.counts.expired.Add(int64(canceled))
	if err != nil {
		s.counts.sweepFailures.Add(1)
	}
	return canceled, err
}

func (s *Service) sweep(ctx context.Context, limit int) (int, error) {
	var errs []error
	if err := s.owedRefunds(ctx, limit); err != nil {
		errs = append(errs, err)
	}
	orders, err := s.expired(ctx, limit)
	if err != nil {
		return 0, errors.Join(append(errs, err)...)
	}
	canceled := 0
	for _, o := range orders {
		t, err := s.gateway.Query(ctx, o.OrderNo)
		if err != nil {
			errs = append(errs, err) // unknown at Alipay: never cancel blindly
			continue
		}
		if t.Status == TradePaid {
			if _, err := s.Record(ctx, t); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if err := s.gateway.Close(ctx, o.OrderNo); err != nil {
			errs = append(errs, err)
			continue
		}
		switch err := s.orders.CancelUnpaid(ctx, o.ID); {
		case err == nil:
			canceled++
			s.log.InfoContext(ctx, "unpaid order expired", "order", o.OrderNo)
		case apperr.CodeOf(err) == apperr.CodeOrderState:
			// Paid or canceled meanwhile, by another caller.
		default:
			errs = append(errs, err)
		}
	}
	return canceled, errors.Join(errs...)
}

// RunSweeper sweeps every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) {
	periodic.Every(ctx, interval, func(ctx context.Context) {
		if _, err := s.Sweep(ctx, 100); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "payment sweep", "err", err)
		}
	})
}

// CancelByBuyer cancels the user's UNPAID order. For an ALIPAY order the
// trade is settled with Alipay first, outside any transaction: paid means
// the payment is recorded and the order cannot be canceled; otherwise the
// trade is closed, so a payment can no longer start, and the order is
// canceled with its stock put back. Racing a payment or a second cancel
// leaves one outcome: the conditional cancel applies once.
func (s *Service) CancelByBuyer(ctx context.Context, userID, orderID int) (*ent.OrderInfo, error) {
	o, err := s.orders.OrderWithoutLines(ctx, userID, orderID)
	if err != nil {
		return nil, err
	}
	if o.Status != orderstate.Unpaid {
		return nil, errState("the order is %s; only an UNPAID order can be canceled", o.Status)
	}
	if o.PayMethod == orderinfo.PayMethodALIPAY {
		t, err := s.gateway.Query(ctx, o.OrderNo)
		if err != nil {
			return nil, apperr.New(apperr.CodePaymentFailed, "Alipay cannot be reached; try again shortly")
		}
		if t.Status == TradePaid {
			if _, err := s.Record(ctx, t); errors.Is(err, ErrForged) {
				s.log.ErrorContext(ctx, "cancelOrder: Alipay's answer does not match the order; nothing recorded", "order", o.OrderNo, "err", err)
				return nil, apperr.New(apperr.CodePaymentFailed, "Alipay's record of this payment does not match the order; try again later")
			} else if err != nil {
				return nil, err
			}
			return nil, errState("the order has been paid and can no longer be canceled")
		}
		if err := s.gateway.Close(ctx, o.OrderNo); err != nil {
			return nil, apperr.New(apperr.CodePaymentFailed, "Alipay cannot be reached; try again shortly")
		}
	}
	// Paid or canceled since the check above: the transition says so.
	if err := s.orders.CancelUnpaid(ctx, o.ID); err != nil {
		return nil, err
	}
	return s.db.Client.OrderInfo.Get(ctx, o.ID)
}
