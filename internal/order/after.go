package order

import (
	"context"
	"fmt"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/ordergoods"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/text"
)

// Mine returns the query of a user's orders, optionally of some statuses;
// the GraphQL layer pages through it.
func (s *Service) Mine(userID int, statuses []orderstate.Status) *ent.OrderInfoQuery {
	q := s.db.Client.OrderInfo.Query().Where(orderinfo.UserID(userID))
	if len(statuses) > 0 {
		q = q.Where(orderinfo.StatusIn(statuses...))
	}
	return q
}

// stateError explains why a transition did not apply: the order is not the
// user's (NOT_FOUND) or it is in another state (ORDER_STATE).
func (s *Service) stateError(ctx context.Context, userID, orderID int, want string) error {
	o, err := s.Owned(ctx, userID, orderID)
	if err != nil {
		return err
	}
	return apperr.New(apperr.CodeOrderState, "the order is %s; this needs it %s", o.Status, want).With("status", o.Status.String())
}

// ConfirmReceipt moves the user's order UNRECEIVED -> UNCOMMENT.
func (s *Service) ConfirmReceipt(ctx context.Context, userID, orderID int) (*ent.OrderInfo, error) {
	n, err := s.db.Client.OrderInfo.Update().
		Where(orderinfo.ID(orderID), orderinfo.UserID(userID), orderinfo.StatusEQ(orderstate.Unreceived)).
		SetStatus(orderstate.Uncomment).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, s.stateError(ctx, userID, orderID, "UNRECEIVED")
	}
	return s.Get(ctx, userID, orderID)
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
// conditional touch of the order row (owner and status), which also
// serializes two devices commenting at once; each line is commented only if
// it was not before.
func (s *Service) Comment(ctx context.Context, userID, orderID int, comments []LineComment) (*ent.OrderInfo, error) {
	if len(comments) == 0 || len(comments) > 100 {
		return nil, apperr.BadInput("comment 1 to 100 lines at once").With("field", "comments")
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
			return nil, apperr.BadInput("score must be 0 to 5").With("field", "score")
		case seen[c.LineID]:
			return nil, apperr.BadInput("a line is commented once").With("field", "lineId")
		}
		seen[c.LineID] = true
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		n, err := tx.OrderInfo.Update().
			Where(orderinfo.ID(orderID), orderinfo.UserID(userID), orderinfo.StatusEQ(orderstate.Uncomment)).
			SetUpdatedAt(s.now()).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return s.stateError(ctx, userID, orderID, "UNCOMMENT")
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
				return apperr.BadInput("line is not in this order or is commented already").With("field", "lineId")
			}
		}
		left, err := tx.OrderGoods.Query().Where(ordergoods.OrderID(orderID), ordergoods.Commented(false)).Exist(ctx)
		if err != nil || left {
			return err
		}
		return tx.OrderInfo.Update().
			Where(orderinfo.ID(orderID), orderinfo.StatusEQ(orderstate.Uncomment)).
			SetStatus(orderstate.Finished).Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID, orderID)
}

// Comments returns the query of a SKU's comments with their authors, for
// the GraphQL layer to page through, newest first.
func (s *Service) Comments(skuID int) *ent.OrderGoodsQuery {
	return s.db.Client.OrderGoods.Query().
		Where(ordergoods.SkuID(skuID), ordergoods.Commented(true)).
		WithOrder(func(q *ent.OrderInfoQuery) { q.WithUser() })
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
