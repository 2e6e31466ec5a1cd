package order

import (
	"context"
	"fmt"

	"entgo.io/contrib/entgql"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/ordergoods"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/paging"
	"github.com/storefront/storefront/internal/text"
)

// newestOrders is the order of every listing of orders.
var newestOrders = &ent.OrderInfoOrder{Direction: entgql.OrderDirectionDesc, Field: ent.OrderInfoOrderFieldCreatedAt}

// Mine returns a page of a user's orders, optionally of some statuses,
// newest first. Fields the request selects on them are eager-loaded by
// Paginate.
func (s *Service) Mine(ctx context.Context, userID int, statuses []orderstate.Status, page paging.Args) (*ent.OrderInfoConnection, error) {
	q := s.db.Client.OrderInfo.Query().Where(orderinfo.UserID(userID))
	if len(statuses) > 0 {
		q = q.Where(orderinfo.StatusIn(statuses...))
	}
	return Page(ctx, q, page)
}

// Page returns the page of q's orders, newest first: the order of every
// listing of orders (the shopper's, the partner's).
func Page(ctx context.Context, q *ent.OrderInfoQuery, page paging.Args) (*ent.OrderInfoConnection, error) {
	conn, err := q.Paginate(ctx, page.After, page.First, page.Before, page.Last, ent.WithOrderInfoOrder(newestOrders))
	if err != nil {
		return nil, fmt.Errorf("order: orders page: %w", err)
	}
	return conn, nil
}

// ConfirmReceipt moves the user's order UNRECEIVED -> UNCOMMENT.
func (s *Service) ConfirmReceipt(ctx context.Context, userID, orderID int) (*ent.OrderInfo, error) {
	received := Transition{OrderID: orderID, UserID: userID, From: []orderstate.Status{orderstate.Unreceived}, To: orderstate.Uncomment}
	if err := received.Apply(ctx, s.db.Client); err != nil {
		return nil, err
	}
	return s.Order(ctx, userID, orderID)
}

// LineComment is the buyer's word on one line.
type LineComment struct {
	LineID    int
	Score     int
	Text      string
	Anonymous bool
}

// MaxCommentChars bounds a comment.
const MaxCommentChars = 500

// commentRule: an empty text is a score without words. The column holds
// 2000 bytes, what 500 characters of UTF-8 can take.
var commentRule = text.Rule{Field: "text", Max: MaxCommentChars}

// Comment records comments on lines of an UNCOMMENT order; when every line
// has one, the order is FINISHED. One transaction: it starts with a
// transition that keeps the status (owner and status checked), which also
// serializes two devices commenting at once behind the order's row lock;
// each line is commented only if it was not before.
func (s *Service) Comment(ctx context.Context, userID, orderID int, comments []LineComment) (*ent.OrderInfo, error) {
	if len(comments) == 0 || len(comments) > 100 {
		return nil, apperr.BadField("comments", "comment 1 to 100 lines at once")
	}
	seen := map[int]bool{}
	for i := range comments {
		c := &comments[i]
		var err error
		if c.Text, err = commentRule.Clean(c.Text); err != nil {
			return nil, err
		}
		switch {
		case c.Score < 0 || c.Score > 5:
			return nil, apperr.BadField("score", "score must be 0 to 5")
		case seen[c.LineID]:
			return nil, apperr.BadField("lineId", "a line is commented once")
		}
		seen[c.LineID] = true
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		commenting := Transition{OrderID: orderID, UserID: userID, From: []orderstate.Status{orderstate.Uncomment},
			Set: func(u *ent.OrderInfoUpdate) { u.SetUpdatedAt(s.now()) }}
		if err := commenting.Apply(ctx, tx.Client()); err != nil {
			return err
		}
		now := s.now()
		for _, c := range comments {
			n, err := tx.OrderGoods.Update().
				Where(ordergoods.ID(c.LineID), ordergoods.OrderID(orderID), ordergoods.Commented(false)).
				SetComment(c.Text).SetScore(c.Score).SetAnonymous(c.Anonymous).
				SetCommented(true).SetCommentedAt(now).
				Save(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				return apperr.BadField("lineId", "line is not in this order or is commented already")
			}
		}
		left, err := tx.OrderGoods.Query().Where(ordergoods.OrderID(orderID), ordergoods.Commented(false)).Exist(ctx)
		if err != nil || left {
			return err
		}
		// The order's row is this transaction's since the first
		// transition: this one applies.
		finished := Transition{OrderID: orderID, From: []orderstate.Status{orderstate.Uncomment}, To: orderstate.Finished}
		return finished.Apply(ctx, tx.Client())
	})
	if err != nil {
		return nil, err
	}
	return s.Order(ctx, userID, orderID)
}

// newestComments is the order of a SKU's comments.
var newestComments = &ent.OrderGoodsOrder{Direction: entgql.OrderDirectionDesc, Field: ent.OrderGoodsOrderFieldCommentedAt}

// Comments returns a page of a SKU's comments with their authors, newest
// first.
func (s *Service) Comments(ctx context.Context, skuID int, page paging.Args) (*ent.OrderGoodsConnection, error) {
	conn, err := s.db.Client.OrderGoods.Query().
		Where(ordergoods.SkuID(skuID), ordergoods.Commented(true)).
		WithOrder(func(q *ent.OrderInfoQuery) { q.WithUser() }).
		Paginate(ctx, page.After, page.First, page.Before, page.Last, ent.WithOrderGoodsOrder(newestComments))
	if err != nil {
		return nil, fmt.Errorf("order: comments page: %w", err)
	}
	return conn, nil
}

// Author is how a comment is signed: the username, or for an anonymous
// comment only its first and last letters ("a***e").
func Author(line *ent.OrderGoods) string {
	name := ""
	if o := line.Edges.Order; o != nil && o.Edges.User != nil {
		name = o.Edges.User.Username
	}
	if !line.Anonymous {
		return name
	}
	r := []rune(name)
	if len(r) < 2 {
		return "***"
	}
	return fmt.Sprintf("%c***%c", r[0], r[len(r)-1])
}
