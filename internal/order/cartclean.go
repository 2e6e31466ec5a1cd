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
//
// The removal is not an after-commit hook of the order's transaction
// (database.AfterCommit): hooks run on the goroutine that ran the
// transaction, which for a batch is its leader, and the leader would
// clear every buyer's cart in turn before the next batch starts. Each
// buyer clears its own once it holds its committed order (Service.place).
//
// A checkout must not read the orders' cart_owed index to find out: every
// order flips it twice, and InnoDB's reads of such a churning index region
// wade through entries not yet purged (measured: a flash sale at 128 buyers
// fell from 1,380 to 560 orders/s with that read). So a removal that fails
// also marks the shopper (users.cart_owed), and a checkout reads that one
// row by its primary key; only a marked shopper's orders are searched. A
// crash between COMMIT and the removal leaves the order owed but the
// shopper unmarked: the cleaner finishes it within one sweep interval.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/periodic"
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
	return s.recordCleared(ctx, o.ID)
}

// clearedCarts groups the conditional updates that record finished cart
// clean-ups: each is a COMMIT of its own, so one per order would cost a
// redo-log flush per order and undo what the combiner saves (measured: a
// flash sale at 128 buyers fell from 2,865 to 800 orders/s). While one
// UPDATE runs, the next callers queue; the next UPDATE takes them all.
// Losing one (a crash, a failed UPDATE) is harmless: the order stays owed
// and its removal, which Redis applies once per order, runs again.
type clearedCarts struct {
	mu      sync.Mutex
	ids     []int
	waiting []chan error
	running bool
}

// recordCleared records that order id owes its cart nothing more, in the
// next grouped UPDATE, and waits for it.
func (s *Service) recordCleared(ctx context.Context, id int) error {
	done := make(chan error, 1)
	c := &s.cleared
	c.mu.Lock()
	c.ids = append(c.ids, id)
	c.waiting = append(c.waiting, done)
	if !c.running {
		c.running = true
		go s.flushCleared()
	}
	c.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err() // the record still lands with its group
	}
}

// flushCleared writes the queued records, one UPDATE a group, until none
// is queued. It runs apart from any caller: it carries the others' records.
func (s *Service) flushCleared() {
	c := &s.cleared
	for {
		c.mu.Lock()
		ids, waiting := c.ids, c.waiting
		c.ids, c.waiting = nil, nil
		if len(ids) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), cartTimeout)
		err := s.db.Client.OrderInfo.Update().
			Where(orderinfo.IDIn(ids...), orderinfo.CartOwed(true)).
			SetCartOwed(false).
			Exec(ctx)
		cancel()
		if err != nil {
			err = fmt.Errorf("order: recording %d cart clean-ups: %w", len(ids), err)
		}
		for _, w := range waiting {
			w <- err
		}
	}
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

// settleCart finishes what a marked shopper's orders still owe their cart,
// before a checkout reads it: what they bought must not be bought again.
// owed is the marker as this request already read it (nil: read it now).
func (s *Service) settleCart(ctx context.Context, userID int, owed *bool) error {
	marked := false
	if owed != nil {
		marked = *owed
	} else {
		lctx, cancel := lookup(ctx)
		var err error
		marked, err = s.db.Client.User.Query().Where(user.ID(userID), user.CartOwed(true)).Exist(lctx)
		cancel()
		if err != nil {
			return fmt.Errorf("order: reading whether the cart is owed lines: %w", err)
		}
	}
	if !marked {
		return nil
	}
	// Unmark first: a removal failing meanwhile marks the shopper again.
	if err := s.markOwed(ctx, userID, false); err != nil {
		return err
	}
	orders, err := s.owed(ctx, maxOwedPerShopper, orderinfo.UserID(userID))
	if err != nil {
		return errors.Join(err, s.markOwed(ctx, userID, true))
	}
	for _, o := range orders {
		if err := s.clearCart(ctx, o); err != nil {
			err = fmt.Errorf("order: order %s still owes the cart its lines: %w", o.OrderNo, err)
			return errors.Join(err, s.markOwed(ctx, userID, true))
		}
	}
	return nil
}

// markOwed marks (or unmarks) the shopper as owed cart clean-ups.
func (s *Service) markOwed(ctx context.Context, userID int, owed bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cartTimeout)
	defer cancel()
	if err := s.db.Client.User.UpdateOneID(userID).SetCartOwed(owed).Exec(ctx); err != nil {
		return fmt.Errorf("order: marking the shopper's cart owed=%v: %w", owed, err)
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
	periodic.Every(ctx, interval, func(ctx context.Context) {
		n, err := s.ClearOwedCarts(ctx, 100)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "order: owed cart clean-ups", "finished", n, "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "order: finished owed cart clean-ups", "finished", n)
		}
	})
}
