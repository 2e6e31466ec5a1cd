package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/address"
	"github.com/storefront/storefront/ent/migrate"
	"github.com/storefront/storefront/ent/ordergoods"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/payment"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/paging"
)

// node loads any object by global id; what the caller may not see gets the
// same NOT_FOUND an unknown id gets, so ids cannot be probed.
func (r *Resolver) node(ctx context.Context, id int) (ent.Noder, error) {
	found, err := r.lookUp(ctx, []int{id})
	if err != nil {
		return nil, err
	}
	if found[0] == nil {
		return nil, apperr.NotFound("node")
	}
	return found[0], nil
}

// nodes loads several objects; an id that is unknown or hidden gives null in
// its place and one NOT_FOUND error, as in the Relay specification.
func (r *Resolver) nodes(ctx context.Context, ids []int) ([]ent.Noder, error) {
	if len(ids) > paging.MaxPageSize {
		return nil, apperr.BadInput("at most %d ids at once", paging.MaxPageSize)
	}
	found, err := r.lookUp(ctx, ids)
	if err != nil {
		return nil, err
	}
	if slices.Contains(found, nil) {
		graphql.AddError(ctx, apperr.NotFound("node"))
	}
	return found, nil
}

// lookUp returns the nodes with the given ids, nil in place of those the
// caller may not see or that do not exist. Visibility is decided first, from
// the ids alone, in one query per type that needs one; only visible ids are
// loaded, in one query per type. So an id that is someone else's and an id
// that is no one's send the same statements, and a hundred ids cost as much
// as one of each type.
func (r *Resolver) lookUp(ctx context.Context, ids []int) ([]ent.Noder, error) {
	byTable := map[string][]int{}
	seen := make(map[int]bool, len(ids))
	for _, id := range ids {
		if t, ok := nodeTables[rangeStart(id)]; ok && !seen[id] {
			seen[id] = true
			byTable[t] = append(byTable[t], id)
		}
	}
	var show []int
	for table, tids := range byTable {
		ok, err := r.visibleIDs(ctx, table, tids)
		if err != nil {
			return nil, fmt.Errorf("node visibility: %w", err)
		}
		show = append(show, ok...)
	}
	loaded, err := r.load(ctx, show)
	if err != nil {
		return nil, err
	}
	out := make([]ent.Noder, len(ids))
	for i, id := range ids {
		out[i] = loaded[id]
	}
	return out, nil
}

// visibleIDs is the one place that decides which nodes a caller may read:
// the catalog's public nodes, and a shopper's own account, addresses and
// orders. It judges ids of one table and never looks at loaded rows, which
// would hold only the fields a query selected.
func (r *Resolver) visibleIDs(ctx context.Context, table string, ids []int) ([]int, error) {
	p, signedIn := auth.FromContext(ctx)
	switch table {
	case user.Table:
		if signedIn && slices.Contains(ids, p.UserID) {
			return []int{p.UserID}, nil
		}
		return nil, nil
	case address.Table:
		if !signedIn {
			return nil, nil
		}
		return r.AddressBook.OwnedIDs(ctx, p.UserID, ids)
	case orderinfo.Table, ordergoods.Table, payment.Table:
		if !signedIn {
			return nil, nil
		}
		return r.OrderBook.OwnedIDs(ctx, p.UserID, table, ids)
	}
	return r.Catalog.VisibleIDs(ctx, table, ids)
}

// load reads visible ids with ent's Noders: one query per type, selecting the
// fields the query asks for. Noders reports each id it cannot load straight
// to the response, in its own words and with the raw id; those reports are
// caught here: a row gone since the visibility check is merely missing,
// anything else is a failure.
func (r *Resolver) load(ctx context.Context, ids []int) (map[int]ent.Noder, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var caught reports
	nodes, err := r.Client.Noders(graphql.WithResponseContext(ctx, caught.add, graphql.DefaultRecover), ids,
		ent.WithNodeType(func(_ context.Context, id int) (string, error) { return nodeTables[rangeStart(id)], nil }))
	if err == nil {
		err = caught.failure()
	}
	if err != nil && !isUnknownNode(err) {
		return nil, fmt.Errorf("nodes: %w", err)
	}
	out := make(map[int]ent.Noder, len(ids))
	for i, n := range nodes {
		if n != nil {
			out[ids[i]] = n
		}
	}
	return out, nil
}

// reports collects the errors Noders sends to the response.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (c *reports) add(_ context.Context, err error) *gqlerror.Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, err)
	return nil // nothing reaches the client
}

// failure returns the first report that is not about a missing row.
func (c *reports) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, err := range c.errs {
		var ge *gqlerror.Error
		if errors.As(err, &ge) && ge.Extensions["code"] == apperr.CodeNotFound {
			continue
		}
		if !isUnknownNode(err) {
			return err
		}
	}
	return nil
}

// nodeTables maps the first id of each type's range to its table: with the
// sql/globalid feature an id alone names its type (see internal/database).
var nodeTables = func() map[int]string {
	m := map[int]string{}
	for _, t := range migrate.Tables {
		if t.Annotation != nil && t.Annotation.IncrementStart != nil {
			m[*t.Annotation.IncrementStart] = t.Name
		}
	}
	return m
}()

// rangeStart is the first id of the range id falls in, as ent computes it.
func rangeStart(id int) int { return int(id/(1<<32-1)) << 32 }

// isUnknownNode covers both a missing row and an id outside every type's
// range: ent reports both as *ent.NotFoundError.
func isUnknownNode(err error) bool {
	var nf *ent.NotFoundError
	return errors.As(err, &nf)
}
