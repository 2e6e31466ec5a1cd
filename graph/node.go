package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/paging"
)

// node loads any object by global id, then hides what the caller may not
// see behind the same NOT_FOUND an unknown id gets, so ids cannot be probed.
func (r *Resolver) node(ctx context.Context, id int) (ent.Noder, error) {
	n, err := r.Client.Noder(ctx, id)
	if err != nil {
		if isUnknownNode(err) {
			return nil, apperr.NotFound("node")
		}
		return nil, fmt.Errorf("node %d: %w", id, err)
	}
	ok, err := r.visible(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("node %d: %w", id, err)
	}
	if !ok {
		return nil, apperr.NotFound("node")
	}
	return n, nil
}

// nodes loads several objects; an id that is unknown or hidden gives null in
// its place and one NOT_FOUND error, as in the Relay specification.
func (r *Resolver) nodes(ctx context.Context, ids []int) ([]ent.Noder, error) {
	if len(ids) > paging.MaxPageSize {
		return nil, apperr.BadInput("at most %d ids at once", paging.MaxPageSize)
	}
	out := make([]ent.Noder, len(ids))
	var missing error
	for i, id := range ids {
		n, err := r.node(ctx, id)
		switch {
		case apperr.CodeOf(err) == apperr.CodeNotFound:
			missing = err
		case err != nil:
			return nil, err
		default:
			out[i] = n
		}
	}
	return out, missing
}

// visible is the one place that decides which nodes a caller may read:
// the catalog's public nodes, and a shopper's own account and addresses.
// A node may hold only the fields the query selected, so ownership is
// checked against the database, not against n's fields.
func (r *Resolver) visible(ctx context.Context, n ent.Noder) (bool, error) {
	p, signedIn := auth.FromContext(ctx)
	switch n := n.(type) {
	case *ent.User:
		return signedIn && n.ID == p.UserID, nil
	case *ent.Address:
		if !signedIn {
			return false, nil
		}
		_, err := r.AddressBook.Get(ctx, p.UserID, n.ID)
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return false, nil
		}
		return err == nil, err
	case *ent.OrderInfo, *ent.OrderGoods, *ent.Payment:
		if !signedIn {
			return false, nil
		}
		return r.OrderService.Owns(ctx, p.UserID, n)
	}
	return r.Catalog.Visible(ctx, n)
}

// isUnknownNode covers both a missing row and an id outside every type's
// range: ent reports both as *ent.NotFoundError.
func isUnknownNode(err error) bool {
	var nf *ent.NotFoundError
	return errors.As(err, &nf)
}
