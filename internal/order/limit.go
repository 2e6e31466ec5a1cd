package order

// One shopper must not tie up a SKU's stock: a SKU has a purchase limit
// (its own, or the shop's default), the most units one shopper may buy of
// it in one order and over their orders of the limit window that are not
// canceled; and a shopper may leave only so many orders UNPAID at once.
//
// The window is rolling and counts every order not canceled, shipped or
// not: "at most 2 a shopper" of a flash sale must hold while the sale
// runs, and a merchant who ships fast must not reopen it; yet a regular
// buyer of a SKU must not be refused for good after their tenth unit in
// years. A canceled order (by the buyer, the expiry sweeper or the
// merchant) stops counting at once.
//
// The check runs inside the order's transaction, after the buyers' user
// rows are locked (FOR UPDATE on MySQL; SQLite transactions are serial
// already). So one shopper's concurrent orders take turns: each counts what
// the previous ones committed, and two can never both pass on the same
// remaining units. Other shoppers never wait for it, and the locks keep
// one order everywhere: users first, then SKUs in ascending id. A batch of
// the combiner locks and counts all its buyers in two statements, and
// orders of SKUs without any limit (and CASH orders, for the unpaid cap)
// skip both.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/ordergoods"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/orderstate"
)

// DefaultLimitWindow is how far back a shopper's orders count against a
// purchase limit unless configured otherwise.
const DefaultLimitWindow = 24 * time.Hour

// PurchaseLimit is the limit in force for k: its own, else the shop's
// default; 0 means none.
func PurchaseLimit(k *ent.SKU, shopDefault int) int {
	if k.PurchaseLimit > 0 {
		return k.PurchaseLimit
	}
	return shopDefault
}

// LimitOf is the purchase limit in force for k (0: none).
func (s *Service) LimitOf(k *ent.SKU) int { return PurchaseLimit(k, s.cfg.PurchaseLimit) }

// demand is what one order asks of its buyer's allowance.
type demand struct {
	user   int
	alipay bool
	lines  []cart.Line
}

func demandOf(in PlaceInput, lines []cart.Line) demand {
	return demand{user: in.UserID, alipay: in.PayMethod == orderinfo.PayMethodALIPAY, lines: lines}
}

type buyerSKU struct{ user, sku int }

// allowance is what the buyers of one transaction hold: units of limited
// SKUs within the window, and unpaid orders. nil when no limit applies.
type allowance struct {
	held   map[buyerSKU]int
	unpaid map[int]int
}

// allowances locks the buyers of ds that some limit applies to and reads
// what they hold, in the transaction that will place their orders.
func (s *Service) allowances(ctx context.Context, tx *ent.Tx, ds []demand, skus map[int]*ent.SKU) (*allowance, error) {
	var users, limited, payers []int
	for _, d := range ds {
		checked := false
		for _, l := range d.lines {
			if s.LimitOf(skus[l.SKUID]) > 0 {
				limited = append(limited, l.SKUID)
				checked = true
			}
		}
		if d.alipay && s.cfg.MaxUnpaid > 0 {
			payers = append(payers, d.user)
			checked = true
		}
		if checked {
			users = append(users, d.user)
		}
	}
	if len(users) == 0 {
		return nil, nil
	}
	slices.Sort(users)
	users = slices.Compact(users)
	if s.db.Dialect == dialect.MySQL {
		// A column outside every secondary index: selecting only the id,
		// MariaDB may scan a covering secondary index (mobile), which at
		// READ COMMITTED keeps every row it passed locked, other shoppers'
		// too. Through the primary key it keeps only the matching rows.
		if _, err := tx.User.Query().Where(user.IDIn(users...)).Select(user.FieldID, user.FieldActive).ForUpdate().All(ctx); err != nil {
			return nil, fmt.Errorf("order: locking buyers: %w", err)
		}
	}
	a := &allowance{held: map[buyerSKU]int{}, unpaid: map[int]int{}}
	if len(limited) > 0 {
		slices.Sort(limited)
		if err := s.readHeld(ctx, tx, users, slices.Compact(limited), a); err != nil {
			return nil, err
		}
	}
	if len(payers) > 0 {
		var rows []struct {
			UserID int `sql:"user_id"`
			Count  int `sql:"count"`
		}
		err := tx.OrderInfo.Query().
			Where(orderinfo.UserIDIn(payers...), orderinfo.StatusEQ(orderstate.Unpaid)).
			GroupBy(orderinfo.FieldUserID).Aggregate(ent.Count()).Scan(ctx, &rows)
		if err != nil {
			return nil, fmt.Errorf("order: counting unpaid orders: %w", err)
		}
		for _, r := range rows {
			a.unpaid[r.UserID] = r.Count
		}
	}
	return a, nil
}

// readHeld sums the units of skuIDs in the users' orders of the window
// that are not canceled, by buyer and SKU.
func (s *Service) readHeld(ctx context.Context, tx *ent.Tx, users, skuIDs []int, a *allowance) error {
	since := s.now().Add(-s.cfg.LimitWindow)
	var rows []struct {
		UserID int `sql:"user_id"`
		SKUID  int `sql:"sku_id"`
		Units  int `sql:"units"`
	}
	err := tx.OrderGoods.Query().
		Where(ordergoods.SkuIDIn(skuIDs...)).
		Modify(func(q *entsql.Selector) {
			o := entsql.Table(orderinfo.Table)
			q.Join(o).On(q.C(ordergoods.FieldOrderID), o.C(orderinfo.FieldID)).
				Where(entsql.And(
					entsql.InInts(o.C(orderinfo.FieldUserID), users...),
					entsql.NEQ(o.C(orderinfo.FieldStatus), orderstate.Canceled),
					entsql.GTE(o.C(orderinfo.FieldCreatedAt), since),
				)).
				GroupBy(o.C(orderinfo.FieldUserID), q.C(ordergoods.FieldSkuID))
			q.Select(
				entsql.As(o.C(orderinfo.FieldUserID), "user_id"),
				entsql.As(q.C(ordergoods.FieldSkuID), "sku_id"),
				entsql.As(entsql.Sum(q.C(ordergoods.FieldCount)), "units"),
			)
		}).
		Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("order: reading what buyers hold: %w", err)
	}
	for _, r := range rows {
		a.held[buyerSKU{r.UserID, r.SKUID}] = r.Units
	}
	return nil
}

// check says why d does not fit in a, or nil.
func (s *Service) check(a *allowance, d demand, skus map[int]*ent.SKU) error {
	if a == nil {
		return nil
	}
	if d.alipay && s.cfg.MaxUnpaid > 0 && a.unpaid[d.user] >= s.cfg.MaxUnpaid {
		return apperr.UnpaidLimit(s.cfg.MaxUnpaid)
	}
	for _, l := range d.lines {
		limit := s.LimitOf(skus[l.SKUID])
		if limit == 0 {
			continue
		}
		if held := a.held[buyerSKU{d.user, l.SKUID}]; held+l.Count > limit {
			return apperr.PurchaseLimit{SKUID: l.SKUID, Limit: limit, Left: max(limit-held, 0)}
		}
	}
	return nil
}

// take counts d, which passed check, against a (for the next orders of a
// batch).
func (a *allowance) take(d demand) {
	if a == nil {
		return
	}
	if d.alipay {
		a.unpaid[d.user]++
	}
	for _, l := range d.lines {
		a.held[buyerSKU{d.user, l.SKUID}] += l.Count
	}
}
