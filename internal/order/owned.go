package order

import (
	"context"
	"fmt"

	"github.com/storefront/storefront/ent/ordergoods"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/payment"
)

// OwnedIDs returns those of ids that are the user's, for rows of table that
// belong to an order: orders, their lines, their payments. It is one query
// whatever the ids, and the same query whether an id is someone else's or
// no one's, so the time it takes tells the two apart no better than the
// answer does. Other tables own nothing here.
func (s *Service) OwnedIDs(ctx context.Context, userID int, table string, ids []int) ([]int, error) {
	ctx, cancel := lookup(ctx)
	defer cancel()
	c := s.db.Client
	var (
		owned []int
		err   error
	)
	switch table {
	case orderinfo.Table:
		owned, err = c.OrderInfo.Query().Where(orderinfo.IDIn(ids...), orderinfo.UserID(userID)).IDs(ctx)
	case ordergoods.Table:
		owned, err = c.OrderGoods.Query().
			Where(ordergoods.IDIn(ids...), ordergoods.HasOrderWith(orderinfo.UserID(userID))).IDs(ctx)
	case payment.Table:
		owned, err = c.Payment.Query().
			Where(payment.IDIn(ids...), payment.HasOrderWith(orderinfo.UserID(userID))).IDs(ctx)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("order: owned %s: %w", table, err)
	}
	return owned, nil
}
