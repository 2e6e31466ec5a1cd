package order

// Taking the bought lines out of the cart is the last step of an order and
// happens after COMMIT, in Redis, which may not answer then; a line left
// behind would be bought again at the next checkout. So the order row is
// inserted owing that clean-up (cart_owed), in the order's transaction,
// and whoever finishes it clears the flag with a conditional update: the
// placing call right after COMMIT, the shopper's next checkout before it
// reads the cart, or the cleaner that every instance runs. They may race
// or repeat a removal whose answer was lost: Redis applies an order's
// removal once (cart.Store.RemovePurchased), so units added since stay.

import (
	"context"
	"fmt"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/internal/cart"
)

// cartTimeout bounds one order's clean-up, which runs even after its
// client has gone.
const cartTimeout = 5 * time.Second

// clearCart takes o's lines (loaded) out of its buyer's cart and records
// that the order owes its cart nothing more.
func (s *Service) clearCart(ctx context.Context, o *ent.OrderInfo) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cartTimeout)
	defer cancel()
	lines := make([]cart.Line, len(o.Edges.Lines))
	for i, l := range o.Edges.Lines {
		lines[i] = cart.Line{SKUID: l.SkuID, Count: l.Count}
	}
	if err := s.carts.RemovePurchased(ctx, cart.User(o.UserID), o.ID, lines); err != nil {
		return err
	}
	err := s.db.Client.OrderInfo.Update().
		Where(orderinfo.ID(o.ID), orderinfo.CartOwed(true)).
		SetCartOwed(false).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("order: recording the cart clean-up: %w", err)
	}
	return nil
}

// owed reads orders that still owe their cart a clean-up, with their lines.
func (s *Service) owed(ctx context.Context, limit int, where ...predicate.OrderInfo) ([]*ent.OrderInfo, error) {
	ctx, cancel := lookup(ctx)
	defer cancel()
	orders, err := s.db.Client.OrderInfo.Query().
		Where(append(where, orderinfo.CartOwed(true))...).
		Order(ent.Asc(orderinfo.FieldID)).
		Limit(limit).
		WithLines().
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("order: reading owed cart clean-ups: %w", err)
	}
	return orders, nil
}

// settleCart finishes what the shopper's orders still owe their cart,
// before a checkout reads it: what they bought must not be bought again.
func (s *Service) settleCart(ctx context.Context, userID int) error {
	orders, err := s.owed(ctx, maxOwedPerShopper, orderinfo.UserID(userID))
	if err != nil {
		return err
	}
	for _, o := range orders {
		if err := s.clearCart(ctx, o); err != nil {
			return fmt.Errorf("order: order %s still owes the cart its lines: %w", o.OrderNo, err)
		}
	}
	return nil
}

// maxOwedPerShopper bounds what one checkout settles; more than a few
// owed orders of one shopper means Redis has been away, and the cleaner
// takes the rest.
const maxOwedPerShopper = 20

// ClearOwedCarts finishes up to limit owed cart clean-ups, oldest first,
// and returns how many it finished. It stops at the first failure (Redis
// is likely still away); the next pass goes on. Any number of instances
// may run it at once.
func (s *Service) ClearOwedCarts(ctx context.Context, limit int) (int, error) {
	orders, err := s.owed(ctx, limit)
	if err != nil {
		return 0, err
	}
	for i, o := range orders {
		if err := s.clearCart(ctx, o); err != nil {
			return i, fmt.Errorf("order: clearing the cart of order %s: %w", o.OrderNo, err)
		}
	}
	return len(orders), nil
}

// RunCartCleaner runs ClearOwedCarts every interval until ctx ends.
func (s *Service) RunCartCleaner(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.ClearOwedCarts(ctx, 100)
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "order: owed cart clean-ups", "finished", n, "err", err)
			} else if n > 0 {
				s.log.InfoContext(ctx, "order: finished owed cart clean-ups", "finished", n)
			}
		}
	}
}
